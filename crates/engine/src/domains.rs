//! Domains: create, describe, list, delete.

use tributary_model::{AccountId, DomainName, ServiceError};
use tributary_store::{Domain, Tag};

use crate::{Caller, Page, Service, pagination};

impl Service {
    /// CreateDomain.
    pub async fn create_domain(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
        encryption_key: Option<String>,
        tags: &[Tag],
    ) -> Result<Domain, ServiceError> {
        caller.check_access_keys("CreateDomain")?;
        self.check_owner(owner)?;
        check_tags(tags)?;
        Ok(self.store.create_domain(name.as_str(), self.settings.owner.as_str(), encryption_key, tags).await?)
    }

    /// DescribeDomain.
    pub async fn describe_domain(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
    ) -> Result<Domain, ServiceError> {
        caller.check_domain(name)?;
        self.domain(name, owner).await
    }

    /// The bytes the blobs of `domain` take (each stored once, however many versions refer to it).
    pub async fn domain_asset_bytes(&self, domain: &Domain) -> Result<u64, ServiceError> {
        Ok(self.store.domain_asset_bytes(&domain.id).await?)
    }

    /// ListDomains. A token caller sees only its own domain.
    pub async fn list_domains(
        &self,
        caller: &Caller,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<Page<Domain>, ServiceError> {
        let limit = pagination::limit(max_results)?;
        let after = next_token.map(|t| pagination::decode(t, 1)).transpose()?;
        let after = after.as_ref().and_then(|p| p.first()).map(String::as_str);
        if let Some(scope) = &caller.domain_scope {
            // A token opens one domain: that one page, whatever other domains sort before it.
            let items: Vec<Domain> = self
                .store
                .domain(scope)
                .await?
                .into_iter()
                .filter(|d| after.is_none_or(|a| d.name.as_str() > a))
                .collect();
            return Ok(Page { items, next_token: None });
        }
        let items = self.store.list_domains(after, limit).await?;
        let next_token =
            (items.len() as u64 == limit).then(|| items.last().map(|d| pagination::encode(&[&d.name]))).flatten();
        Ok(Page { items, next_token })
    }

    /// DeleteDomain: refused while the domain holds repositories.
    pub async fn delete_domain(
        &self,
        caller: &Caller,
        name: &DomainName,
        owner: Option<&AccountId>,
    ) -> Result<Domain, ServiceError> {
        caller.check_access_keys("DeleteDomain")?;
        self.check_owner(owner)?;
        let deleted = self.store.delete_domain(name.as_str()).await?;
        self.caches.graph_changed(&deleted.id).await;
        self.caches.domain_changed(&deleted.name).await;
        Ok(deleted)
    }
}

/// Tags: at most 200, keys 1..=128 characters, values at most 256 (CodeArtifact's limits).
pub(crate) fn check_tags(tags: &[Tag]) -> Result<(), ServiceError> {
    if tags.len() > 200 {
        return Err(ServiceError::validation(format!("{} tags given; the limit is 200", tags.len())));
    }
    for tag in tags {
        if tag.key.is_empty() || tag.key.chars().count() > 128 || tag.value.chars().count() > 256 {
            return Err(ServiceError::validation(format!(
                "tag `{}` is not valid: keys have 1 to 128 characters, values at most 256",
                tag.key
            )));
        }
    }
    Ok(())
}
