//! Resolution through the chain (docs/DESIGN.md §3): the merged view of a package as a repository
//! sees it, the download of an asset with retention, and publishing.
//!
//! - The view walks the repository's search order for the package (pruned where origin
//!   controls say `upstream=BLOCK`), stored versions first-come-first-served, a gateway's
//!   external connection right after the gateway; dist-tags merge with upstream definitions
//!   winning.
//! - Serving a version found upstream keeps a reference in the asking repository; one found
//!   through an external connection also in the gateway; intermediates get nothing.
//! - External assets stream to the first client while being hashed and stored; the version is
//!   committed only when the digests match. Concurrent requests for one asset make one upstream
//!   request: the others wait and read the stored blob.
//!
//! The work is split by job: [`view`] builds the merged view, [`fetch`] serves an asset and
//! ingests from upstream, [`publish`] writes a new version, [`local`] reads and changes what one
//! repository stores (statuses, dist-tags, search).

mod fetch;
mod local;
mod publish;
mod view;

use std::sync::Arc;

use tributary_blob::{BlobScope, Digests};
use tributary_model::view::RepositoryView;
use tributary_model::{DomainName, PackageCoordinates, RepositoryName, ServiceError};
use tributary_store::{AssetRecord, Domain};

use crate::access::RepositoryRules;
use crate::access::actions::READ_FROM_UPSTREAM;
use crate::{Caller, DomainGraph, Service};

pub use fetch::AssetBody;
pub(crate) use fetch::retained_copy;
pub use view::{PackageView, VersionFile, VersionSource};

/// A repository that a data-plane request addresses.
#[derive(Debug, Clone)]
pub struct RepoTarget {
    /// Its domain.
    pub domain: Domain,
    /// Its name.
    pub repository: String,
    /// Its id.
    pub repository_id: String,
    graph: Arc<DomainGraph>,
    /// What the caller may do here, when it is no administrator (who may do all).
    pub(crate) rules: Option<Arc<RepositoryRules>>,
    /// The view the request reads (`/npm/DOMAIN/REPOSITORY@release/`), if any: the repository's
    /// own versions only, those promoted into it (docs/DESIGN.md §2, "Views").
    pub view: Option<RepositoryView>,
    /// The repository's release-age quarantine, if it has one (docs/DESIGN.md §2, "Release age").
    pub(crate) release_age: Option<Arc<tributary_model::release_age::ReleaseAgePolicy>>,
    /// The domain's own external connections and scope bindings.
    pub(crate) remotes: Arc<crate::remotes::DomainRemotes>,
}

impl RepoTarget {
    /// How caches name what this target sees: the repository, or `repository@view`, so that a
    /// view's documents and files are never another's.
    pub(crate) fn cache_name(&self) -> std::borrow::Cow<'_, str> {
        match self.view {
            None => std::borrow::Cow::Borrowed(&self.repository),
            Some(view) => std::borrow::Cow::Owned(format!("{}@{view}", self.repository)),
        }
    }

    /// Refuses to pull `version` of `coordinates` from upstream into the repository when the
    /// caller lacks `codeartifact:ReadFromUpstream` (docs/ARCHITECTURE.md, "Who may call what").
    pub(crate) fn check_reads_upstream(
        &self,
        coordinates: &PackageCoordinates,
        version: &str,
    ) -> Result<(), ServiceError> {
        let refusal = self.rules.as_ref().and_then(|rules| rules.verdict(READ_FROM_UPSTREAM, false));
        match refusal.map(|refusal| refusal.reason) {
            None => Ok(()),
            Some(why) => Err(ServiceError::new(
                tributary_model::ErrorKind::AccessDenied,
                format!(
                    "version `{version}` of {coordinates} is not saved in `{}`; pulling it from upstream needs `codeartifact:ReadFromUpstream`, and {why}",
                    self.repository
                ),
            )),
        }
    }

    /// Whether the repository's search order reaches an external connection of `format`.
    pub fn reaches_external_connection(&self, format: tributary_model::PackageFormat) -> bool {
        !self.external_connections(format).is_empty()
    }

    /// The external connections of `format` its search order reaches, in order.
    pub fn external_connections(&self, format: tributary_model::PackageFormat) -> Vec<String> {
        self.gateways(format).into_iter().map(|(_, connection)| connection).collect()
    }

    /// The gateways of its search order whose external connection is of `format`, in order,
    /// with that connection.
    pub(crate) fn gateways(&self, format: tributary_model::PackageFormat) -> Vec<(String, String)> {
        let order = self.graph.graph.search_order(&self.repository).unwrap_or_default();
        order
            .into_iter()
            .filter_map(|s| Some((s.repository, s.external_connection?)))
            .filter(|(_, c)| connection_format(c) == Some(format))
            .collect()
    }
}

/// An asset record from blob digests.
pub fn asset_record(name: &str, d: &Digests) -> AssetRecord {
    AssetRecord {
        name: name.to_owned(),
        size: d.size,
        sha256: d.sha256,
        sha1: d.sha1,
        md5: d.md5,
        sha512: d.sha512,
        attributes: serde_json::json!({}),
    }
}

pub(crate) fn scope(domain: &Domain) -> Result<BlobScope, ServiceError> {
    BlobScope::new(domain.id.clone()).map_err(|e| ServiceError::internal(e.to_string()))
}

impl Service {
    /// The repository a data-plane request addresses, checking the caller may reach it.
    pub async fn repo_target(
        &self,
        caller: &Caller,
        domain: &DomainName,
        repository: &RepositoryName,
    ) -> Result<RepoTarget, ServiceError> {
        caller.check_domain(domain)?;
        let domain = self.cached_domain(domain).await?;
        let graph = self.graph(&domain).await?;
        let repository_id = graph
            .ids
            .get(repository.as_str())
            .cloned()
            .ok_or_else(|| tributary_store::repository_not_found(&domain.name, repository.as_str()))?;
        let rules = self.repository_rules(caller, &domain, repository.as_str(), &repository_id).await?;
        let access = self.domain_access(&domain).await?;
        let release_age = access.release_ages.get(&repository_id).cloned();
        Ok(RepoTarget {
            domain,
            repository: repository.as_str().to_owned(),
            repository_id,
            graph,
            rules,
            view: None,
            release_age,
            remotes: Arc::clone(&access.remotes),
        })
    }
}

/// The format an external connection serves.
pub(crate) fn connection_format(connection: &str) -> Option<tributary_model::PackageFormat> {
    tributary_model::connection_format(connection)
}
