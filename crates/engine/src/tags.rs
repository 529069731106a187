//! TagResource, UntagResource and ListTagsForResource: the tags of a domain or a repository,
//! named by its ARN (those CreateDomain and CreateRepository take are the same tags).

use tributary_model::{DomainName, RepositoryName, ResourceType, ServiceError};
use tributary_store::Tag;

use crate::access::Resource;
use crate::domains::check_tags;
use crate::{Caller, Service, Settings};

/// A resource named by its ARN, as the tag operations take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedResource {
    /// The ARN as given.
    pub arn: String,
    /// Its region and account, which must be this server's.
    region: String,
    account: String,
    /// The domain, and the repository for a repository's ARN.
    domain: DomainName,
    repository: Option<RepositoryName>,
}

impl TaggedResource {
    /// Reads `arn`: `arn:aws:codeartifact:REGION:ACCOUNT:domain/NAME` or
    /// `...:repository/DOMAIN/NAME`.
    pub fn parse(arn: &str) -> Result<Self, ServiceError> {
        let invalid = || {
            ServiceError::validation(format!(
                "`{arn}` is not the ARN of a domain or repository: `arn:aws:codeartifact:REGION:ACCOUNT:domain/NAME` or `...:repository/DOMAIN/NAME`"
            ))
        };
        let rest = arn.strip_prefix("arn:aws:codeartifact:").ok_or_else(invalid)?;
        let mut fields = rest.splitn(3, ':');
        let (Some(region), Some(account), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(invalid());
        };
        let parts: Vec<&str> = path.split('/').collect();
        let (domain, repository) = match parts.as_slice() {
            ["domain", name] => (DomainName::parse(name).map_err(|_| invalid())?, None),
            ["repository", domain, name] => (
                DomainName::parse(domain).map_err(|_| invalid())?,
                Some(RepositoryName::parse(name).map_err(|_| invalid())?),
            ),
            _ => return Err(invalid()),
        };
        Ok(Self { arn: arn.to_owned(), region: region.to_owned(), account: account.to_owned(), domain, repository })
    }

    /// The resource, as permissions name it.
    pub fn resource(&self) -> Resource<'_> {
        match &self.repository {
            None => Resource::Domain(&self.domain),
            Some(repository) => Resource::Repository(&self.domain, repository),
        }
    }

    /// Refuses an ARN of another region or account than this server's.
    fn check_here(&self, settings: &Settings) -> Result<(), ServiceError> {
        if self.region != settings.region || self.account != settings.owner.as_str() {
            return Err(ServiceError::not_found(
                ResourceType::Domain,
                &self.arn,
                format!(
                    "`{}` is of region `{}` and account `{}`; this server is `{}` and `{}`",
                    self.arn, self.region, self.account, settings.region, settings.owner
                ),
            ));
        }
        Ok(())
    }
}

impl Service {
    /// ListTagsForResource.
    pub async fn tags_of(&self, caller: &Caller, resource: &TaggedResource) -> Result<Vec<Tag>, ServiceError> {
        Ok(self.tagged(caller, resource).await?.1)
    }

    /// TagResource: adds `tags`, replacing the value of a key already there.
    pub async fn tag_resource(
        &self,
        caller: &Caller,
        resource: &TaggedResource,
        tags: &[Tag],
    ) -> Result<(), ServiceError> {
        check_tags(tags)?;
        let (id, mut current) = self.tagged(caller, resource).await?;
        for tag in tags {
            match current.iter_mut().find(|t| t.key == tag.key) {
                Some(found) => found.value.clone_from(&tag.value),
                None => current.push(tag.clone()),
            }
        }
        check_tags(&current)?;
        self.store_tags(resource, &id, &current).await
    }

    /// UntagResource: removes the tags of `keys` (a key not there is no error).
    pub async fn untag_resource(
        &self,
        caller: &Caller,
        resource: &TaggedResource,
        keys: &[String],
    ) -> Result<(), ServiceError> {
        let (id, mut current) = self.tagged(caller, resource).await?;
        current.retain(|t| !keys.contains(&t.key));
        self.store_tags(resource, &id, &current).await
    }

    /// The resource's id and its tags now.
    async fn tagged(&self, caller: &Caller, resource: &TaggedResource) -> Result<(String, Vec<Tag>), ServiceError> {
        resource.check_here(&self.settings)?;
        caller.check_domain(&resource.domain)?;
        let domain = self.domain(&resource.domain, None).await?;
        match &resource.repository {
            None => Ok((domain.id, domain.tags)),
            Some(name) => {
                let found = domain;
                let repository = self
                    .store
                    .repository(&found, name.as_str())
                    .await?
                    .ok_or_else(|| tributary_store::repository_not_found(&found.name, name.as_str()))?;
                Ok((repository.id, repository.tags))
            }
        }
    }

    async fn store_tags(&self, resource: &TaggedResource, id: &str, tags: &[Tag]) -> Result<(), ServiceError> {
        match &resource.repository {
            None => {
                self.store.set_domain_tags(id, tags).await?;
                self.caches.domains.invalidate(resource.domain.as_str()).await;
            }
            Some(_) => self.store.set_repository_tags(id, tags).await?,
        }
        Ok(())
    }
}
