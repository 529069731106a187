//! The repository service. Every control-plane operation is one method of [`Service`]; the HTTP
//! layer parses, calls one method, and renders. Rules live here or in the pure crates
//! (`tributary-model` names, `tributary-graph` validation), never in handlers.

pub mod access;
mod caches;
pub mod cleanup;
mod console;
mod copy;
pub mod data_plane;
mod documents;
mod domains;
mod fleet;
mod follower;
pub mod formats;
mod garbage;
mod graph_errors;
mod identity;
mod leases;
mod package_groups;
mod packages;
mod pagination;
mod policies;
mod principals;
mod quick_start;
mod remotes;
mod repositories;
mod resolve;
mod sync;
mod tags;
mod tokens;
mod trusted_publishing;
mod upstream;

use std::sync::Arc;
use std::time::Duration;

use tributary_auth::TokenSigner;
use tributary_blob::BlobStore;
use tributary_graph::RepoGraph;
use tributary_model::{AccountId, DomainName, ResourceType, ServiceError};
use tributary_store::{Domain, Store};

pub use console::CONSOLE_SESSION_SECONDS;
pub use copy::CopyRequest;
pub use documents::Document;
pub use follower::{CHANGES_PAGE, FollowerSettings};
pub use formats::Formats;
pub use garbage::GarbageReport;
pub use identity::{AdminBootstrap, Caller};
pub use package_groups::{OriginConfigurationUpdate, PackageGroup, PackageGroupDetails, PackageGroups, RuleState};
pub use packages::{PackageAddress, PackageFilter, PublishedAsset, VersionFilter, VersionList, VersionSelection};
pub use pagination::Page;
pub use policies::{PolicyOf, ResourcePolicy};
pub use principals::{IssuedKey, PrincipalInfo, check_principal_name};
pub use quick_start::{DEFAULT_DOMAIN, PUBLIC_REPOSITORY, QuickStart, gateway_name};
pub use remotes::{ConnectionInfo, NewConnection, ScopeBinding};
pub use repositories::{NewRepository, RepoRef, RepositoryUpdate};
pub use resolve::{AssetBody, PackageView, RepoTarget, VersionFile, VersionSource, asset_record};
pub use sync::SYNC_LEASE_SECONDS;
pub use tags::TaggedResource;
pub use tokens::{AUTHORIZATION_TOKEN, NPM_TOKEN, REVOCATION_REFRESH_SECONDS, WebLoginStart, WebLoginState};
pub use tributary_store::TrustedPublisherRecord;
pub use tributary_store::{ChangesFollower, SyncState, SyncTask};
pub use tributary_store::{CleanupCandidate, CleanupPolicy};
pub use tributary_store::{TokenRecord, WebLogin};
pub use trusted_publishing::PUBLISHER_TOKEN_SECONDS;
pub use upstream::{ConnectionHealth, UpstreamSettings};

/// The search order of a repository, as [`Service::search_order`] gives it.
pub use tributary_graph::SearchStep;

/// What formats and front ends hand the engine to store a file: its bytes as a stream, and the
/// digests they must match. Part of the engine's interface (formats and the server reach blobs
/// only through the engine); implemented by the blob layer.
pub mod content {
    pub use tributary_blob::{
        BlobBodyIn, DigestAlgorithm, Digests, ExpectedDigests, Hasher, Md5, Sha1, Sha256, Sha512, body_from_bytes,
    };
}

/// Runs CPU-bound work (parsing a publish body, hashing, unpacking an archive) on the blocking
/// pool, so that the few I/O threads keep answering other requests (health checks included)
/// meanwhile.
pub async fn off_io<T, F>(work: F) -> Result<T, ServiceError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.map_err(|e| ServiceError::internal(format!("a worker task failed: {e}")))
}

/// What the service needs to know of its deployment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The account id that owns every domain (`domain-owner`).
    pub owner: AccountId,
    /// The region named in ARNs.
    pub region: String,
}

/// The repository service.
#[derive(Clone)]
pub struct Service {
    store: Store,
    settings: Settings,
    tokens: Arc<TokenSigner>,
    blobs: Arc<dyn BlobStore>,
    upstreams: Arc<upstream::Upstreams>,
    caches: caches::Caches,
    /// The formats served.
    formats: Formats,
    /// This replica's name in fetch leases ([`leases`]): random, new at each start.
    replica: Arc<str>,
}

/// A domain's repository graph with the id of each repository.
#[derive(Debug)]
pub(crate) struct DomainGraph {
    pub(crate) graph: RepoGraph,
    pub(crate) ids: std::collections::HashMap<String, String>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// One in-memory cache of the service, as `/metrics` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSize {
    /// Its name (`documents`, `blobs`, ...).
    pub name: &'static str,
    /// How many entries it holds.
    pub entries: u64,
    /// What it weighs, for a cache bounded by weight: the bytes it holds (the upstream
    /// documents' is an estimate of their parsed size).
    pub weight: Option<u64>,
}

/// The name of the server secret that signs authorization tokens.
const TOKEN_KEY_SECRET: &str = "token-signing-key";

impl Service {
    /// Builds the service of `formats` on `store` and `blobs`, loading (or creating, on first
    /// start) the token signing key shared by every replica.
    pub async fn new(
        store: Store,
        blobs: Arc<dyn BlobStore>,
        settings: Settings,
        upstream: UpstreamSettings,
        formats: Formats,
    ) -> Result<Self, ServiceError> {
        let key =
            store.secret_or_insert(TOKEN_KEY_SECRET, || hex::encode(tributary_auth::generate_token_secret())).await?;
        let key = hex::decode(key).map_err(|e| ServiceError::internal(format!("stored token key is not hex: {e}")))?;
        let replica: Arc<str> = Arc::from(hex::encode(&tributary_auth::generate_token_secret()[..8]));
        // A fleet shares the documents it reads from registries; one server has no one to share with.
        let sharing =
            store.is_shared().then(|| upstream::DocumentSharing { store: store.clone(), replica: replica.clone() });
        Ok(Self {
            store,
            settings,
            tokens: Arc::new(TokenSigner::new(&key)),
            blobs,
            // A rendered document never outlives the external metadata it was made from.
            caches: caches::Caches::new(upstream.metadata_ttl.min(Duration::from_secs(30))),
            upstreams: Arc::new(upstream::Upstreams::new(upstream, sharing)?),
            formats,
            replica,
        })
    }

    /// The size of every in-memory cache: each is bounded (by entries, or by weight and
    /// entries), so memory that grows past their sum is not theirs (docs/benchmarks.md, soak).
    pub fn cache_sizes(&self) -> Vec<CacheSize> {
        let mut sizes = self.caches.sizes();
        sizes.extend(self.upstreams.sizes());
        sizes
    }

    /// How many statements this server sent to its database since it started.
    pub fn database_statements(&self) -> u64 {
        self.store.statements()
    }

    /// The deployment settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The formats served.
    pub fn formats(&self) -> &Formats {
        &self.formats
    }

    /// Readiness: what is not usable, one line each (the metadata database, the blob store);
    /// empty when the service can serve.
    pub async fn unready(&self) -> Vec<String> {
        let (database, blobs) = tokio::join!(self.store.ping(), self.blobs.check());
        let mut problems = Vec::new();
        if let Err(e) = database {
            problems.push(format!("database: {}", ServiceError::from(e).message));
        }
        if let Err(e) = blobs {
            problems.push(format!("blob store: {e}"));
        }
        problems
    }

    /// The domain `name` owned by `owner` (the configured owner when `None`).
    async fn domain(&self, name: &DomainName, owner: Option<&AccountId>) -> Result<Domain, ServiceError> {
        self.check_owner(owner)?;
        self.store.domain(name.as_str()).await?.ok_or_else(|| domain_not_found(name.as_str()))
    }

    /// The domain `name`, cached briefly (data-plane requests).
    async fn cached_domain(&self, name: &DomainName) -> Result<Domain, ServiceError> {
        // Concurrent misses (every request in flight when the entry expires) make one query.
        caches::get_or_try_init(&self.caches.domains, name.as_str(), || self.domain(name, None))
            .await
            .map_err(|e: Arc<ServiceError>| (*e).clone())
    }

    fn check_owner(&self, owner: Option<&AccountId>) -> Result<(), ServiceError> {
        match owner {
            Some(owner) if *owner != self.settings.owner => Err(ServiceError::new(
                tributary_model::ErrorKind::AccessDenied,
                format!(
                    "domain owner `{owner}` is not this server's account `{}`; omit `domain-owner` or use `{}`",
                    self.settings.owner, self.settings.owner
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The health of every external connection used since start.
    pub fn connection_health(&self) -> std::collections::BTreeMap<String, ConnectionHealth> {
        self.upstreams.health()
    }

    /// The base URL an external connection reads, without the credentials it may carry: what
    /// may be shown.
    pub fn connection_url(&self, connection: &str) -> String {
        upstream::redact(&self.upstreams.base_url(connection))
    }

    /// The repository graph of a domain, cached briefly and dropped on every local change.
    async fn graph(&self, domain: &Domain) -> Result<Arc<DomainGraph>, ServiceError> {
        // Concurrent misses make one query, as for domains.
        caches::get_or_try_init(&self.caches.graphs, domain.id.as_str(), || async {
            let records = self.store.domain_graph(&domain.id).await?;
            Ok::<_, ServiceError>(Arc::new(DomainGraph {
                graph: graph_of(&records),
                ids: records.iter().map(|r| (r.name.clone(), r.id.clone())).collect(),
            }))
        })
        .await
        .map_err(|e: Arc<ServiceError>| (*e).clone())
    }
}

fn graph_of(records: &[tributary_store::GraphRecord]) -> RepoGraph {
    RepoGraph::new(records.iter().map(|r| {
        (
            r.name.clone(),
            tributary_graph::RepoNode {
                upstreams: r.upstreams.clone(),
                external_connection: r.external_connection.clone(),
            },
        )
    }))
}

fn domain_not_found(name: &str) -> ServiceError {
    ServiceError::not_found(
        ResourceType::Domain,
        name,
        format!("domain `{name}` does not exist; create it with `aws codeartifact create-domain --domain {name}`"),
    )
}
