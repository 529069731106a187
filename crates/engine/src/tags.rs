//! TagResource, UntagResource and ListTagsForResource: the tags of a domain, a repository or a
//! package group, named by its ARN (those CreateDomain, CreateRepository and CreatePackageGroup
//! take are the same tags).

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
    /// The domain, and what of it the ARN names.
    domain: DomainName,
    within: Within,
}

/// What of a domain an ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Within {
    /// The domain itself.
    Domain,
    /// One of its repositories.
    Repository(RepositoryName),
    /// One of its package groups, by pattern (`/npm/acme/*`).
    PackageGroup(String),
}

impl TaggedResource {
    /// Reads `arn`: `arn:aws:codeartifact:REGION:ACCOUNT:domain/NAME`,
    /// `...:repository/DOMAIN/NAME` or `...:package-group/DOMAIN/PATTERN` (the pattern's leading
    /// `/` being the separator: `package-group/acme/npm/acme/*` is `/npm/acme/*` of `acme`).
    pub fn parse(arn: &str) -> Result<Self, ServiceError> {
        let invalid = || {
            ServiceError::validation(format!(
                "`{arn}` is not the ARN of a domain, repository or package group: `arn:aws:codeartifact:REGION:ACCOUNT:domain/NAME`, `...:repository/DOMAIN/NAME` or `...:package-group/DOMAIN/PATTERN`"
            ))
        };
        let rest = arn.strip_prefix("arn:aws:codeartifact:").ok_or_else(invalid)?;
        let mut fields = rest.splitn(3, ':');
        let (Some(region), Some(account), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(invalid());
        };
        let (domain, within) = if let Some(group) = path.strip_prefix("package-group/") {
            let (domain, pattern) = group.split_once('/').ok_or_else(invalid)?;
            (DomainName::parse(domain).map_err(|_| invalid())?, Within::PackageGroup(format!("/{pattern}")))
        } else {
            match path.split('/').collect::<Vec<_>>().as_slice() {
                ["domain", name] => (DomainName::parse(name).map_err(|_| invalid())?, Within::Domain),
                ["repository", domain, name] => (
                    DomainName::parse(domain).map_err(|_| invalid())?,
                    Within::Repository(RepositoryName::parse(name).map_err(|_| invalid())?),
                ),
                _ => return Err(invalid()),
            }
        };
        Ok(Self { arn: arn.to_owned(), region: region.to_owned(), account: account.to_owned(), domain, within })
    }

    /// The resource, as permissions name it (a package group's operations are the domain's).
    pub fn resource(&self) -> Resource<'_> {
        match &self.within {
            Within::Domain | Within::PackageGroup(_) => Resource::Domain(&self.domain),
            Within::Repository(repository) => Resource::Repository(&self.domain, repository),
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
        match &resource.within {
            Within::Domain => Ok((domain.id, domain.tags)),
            Within::PackageGroup(pattern) => {
                let tags = self.package_group_tags(&domain, pattern).await?;
                Ok((domain.id, tags))
            }
            Within::Repository(name) => {
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
        match &resource.within {
            Within::Domain => {
                self.store.set_domain_tags(id, tags).await?;
                self.caches.domain_changed(resource.domain.as_str()).await;
            }
            Within::Repository(_) => self.store.set_repository_tags(id, tags).await?,
            Within::PackageGroup(pattern) => {
                let domain = self.domain(&resource.domain, None).await?;
                self.set_package_group_tags(&domain, pattern, tags.to_vec()).await?;
            }
        }
        Ok(())
    }
}
