//! The permissions policies of domains and repositories (Put/Get/Delete Domain and Repository
//! PermissionsPolicy), and public repositories (docs/ARCHITECTURE.md, "Who may call what").

use tributary_auth::policy::PolicyDocument;
use tributary_model::release_age::ReleaseAgePolicy;
use tributary_model::{AccountId, DomainName, ResourceType, ServiceError};
use tributary_store::{Domain, PolicyRecord, PolicyTarget, repository_not_found};

use crate::access::Resource;
use crate::{Caller, RepoRef, Service};

/// A resource policy as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicy {
    /// The ARN of the domain or repository it is attached to.
    pub resource_arn: String,
    /// Its revision, for optimistic locking.
    pub revision: String,
    /// The document.
    pub document: String,
}

/// What a policy is attached to, found.
struct Attached {
    domain: Domain,
    repository_id: Option<String>,
    name: String,
    arn: String,
}

impl Attached {
    fn target(&self) -> PolicyTarget<'_> {
        PolicyTarget { domain_id: &self.domain.id, repository_id: self.repository_id.as_deref(), name: &self.name }
    }

    fn policy(&self, record: PolicyRecord) -> ResourcePolicy {
        ResourcePolicy { resource_arn: self.arn.clone(), revision: record.revision, document: record.document }
    }

    fn no_policy(&self) -> ServiceError {
        let kind = if self.repository_id.is_some() { ResourceType::Repository } else { ResourceType::Domain };
        ServiceError::not_found(kind, &self.name, format!("`{}` has no permissions policy", self.name))
    }
}

/// A domain, or a repository of it, whose policy a request names.
#[derive(Debug, Clone, Copy)]
pub enum PolicyOf<'a> {
    /// The domain's own policy.
    Domain(&'a DomainName, Option<&'a AccountId>),
    /// A repository's.
    Repository(&'a RepoRef),
}

impl Service {
    async fn attached(&self, caller: &Caller, of: PolicyOf<'_>) -> Result<Attached, ServiceError> {
        match of {
            PolicyOf::Domain(name, owner) => {
                caller.check_domain(name)?;
                let domain = self.domain(name, owner).await?;
                let arn = Resource::Domain(name).arn(&self.settings);
                Ok(Attached { domain, repository_id: None, name: name.to_string(), arn })
            }
            PolicyOf::Repository(repo) => {
                caller.check_domain(&repo.domain)?;
                let domain = self.domain(&repo.domain, repo.owner.as_ref()).await?;
                let graph = self.graph(&domain).await?;
                let id = graph
                    .ids
                    .get(repo.repository.as_str())
                    .cloned()
                    .ok_or_else(|| repository_not_found(&domain.name, repo.repository.as_str()))?;
                let arn = Resource::Repository(&repo.domain, &repo.repository).arn(&self.settings);
                Ok(Attached { domain, repository_id: Some(id), name: repo.repository.to_string(), arn })
            }
        }
    }

    /// Put{Domain,Repository}PermissionsPolicy: sets the policy after checking it parses and
    /// fits in 7,168 characters; with `revision`, only if the policy is at that revision.
    pub async fn put_policy(
        &self,
        caller: &Caller,
        of: PolicyOf<'_>,
        revision: Option<&str>,
        document: &str,
    ) -> Result<ResourcePolicy, ServiceError> {
        PolicyDocument::parse(document).map_err(|e| {
            ServiceError::validation(format!("the policy document is not a policy this server can apply: {e}"))
        })?;
        let attached = self.attached(caller, of).await?;
        let record = self.store.put_policy(attached.target(), document, revision).await?;
        self.forget_access(&attached.domain).await;
        Ok(attached.policy(record))
    }

    /// Get{Domain,Repository}PermissionsPolicy.
    pub async fn get_policy(&self, caller: &Caller, of: PolicyOf<'_>) -> Result<ResourcePolicy, ServiceError> {
        let attached = self.attached(caller, of).await?;
        let record = self.store.policy(attached.target()).await?.ok_or_else(|| attached.no_policy())?;
        Ok(attached.policy(record))
    }

    /// Delete{Domain,Repository}PermissionsPolicy; with `revision`, only if the policy is at it.
    pub async fn delete_policy(
        &self,
        caller: &Caller,
        of: PolicyOf<'_>,
        revision: Option<&str>,
    ) -> Result<ResourcePolicy, ServiceError> {
        let attached = self.attached(caller, of).await?;
        let record =
            self.store.delete_policy(attached.target(), revision).await?.ok_or_else(|| attached.no_policy())?;
        self.forget_access(&attached.domain).await;
        Ok(attached.policy(record))
    }

    /// Makes a repository public (anyone may read what it holds, without credentials) or
    /// private again. Returns whether it is public now.
    pub async fn set_public(&self, caller: &Caller, repo: &RepoRef, public: bool) -> Result<bool, ServiceError> {
        let attached = self.attached(caller, PolicyOf::Repository(repo)).await?;
        let id = attached.repository_id.as_deref().unwrap_or_default();
        self.store.set_public(&attached.domain.id, id, public).await?;
        self.forget_access(&attached.domain).await;
        Ok(public)
    }

    /// Sets a repository's release-age quarantine (docs/DESIGN.md §2, "Release age"); one that
    /// holds nothing back removes it. Documents already rendered are retired.
    pub async fn set_release_age(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        policy: ReleaseAgePolicy,
    ) -> Result<Option<ReleaseAgePolicy>, ServiceError> {
        policy.check().map_err(ServiceError::validation)?;
        let attached = self.attached(caller, PolicyOf::Repository(repo)).await?;
        let id = attached.repository_id.as_deref().unwrap_or_default();
        let kept = (!policy.is_empty()).then_some(policy);
        self.store.set_release_age(&attached.domain.id, id, kept.as_ref()).await?;
        self.forget_access(&attached.domain).await;
        self.caches.graph_changed(&attached.domain.id).await;
        Ok(kept)
    }

    /// A repository's release-age quarantine, if it has one.
    pub async fn release_age(&self, caller: &Caller, repo: &RepoRef) -> Result<Option<ReleaseAgePolicy>, ServiceError> {
        let attached = self.attached(caller, PolicyOf::Repository(repo)).await?;
        let id = attached.repository_id.as_deref().unwrap_or_default();
        Ok(self.domain_access(&attached.domain).await?.release_ages.get(id).map(|p| ReleaseAgePolicy::clone(p)))
    }

    /// Whether a repository is public.
    pub async fn repository_is_public(&self, caller: &Caller, repo: &RepoRef) -> Result<bool, ServiceError> {
        let attached = self.attached(caller, PolicyOf::Repository(repo)).await?;
        self.is_public(&attached.domain, attached.repository_id.as_deref().unwrap_or_default()).await
    }
}
