//! Every in-memory cache of the service, in one place, each keyed by a type that says what an
//! entry is of (docs/DESIGN.md §8). Every cache is bounded, by entries or by weight, so
//! `/metrics` can show what they hold ([`Caches::sizes`]) and memory past their sum is not
//! theirs.
//!
//! Cached documents and assets carry two generations in their keys: their domain's, which
//! changes with every change of the domain's graph (upstreams, external connections,
//! repositories), and their package's, which changes with every write to that package in any
//! repository of the domain (a repository's view includes its upstreams' versions). A publish
//! therefore retires what is cached of one package, and a graph change everything of the
//! domain. Entries also expire after a short TTL, which bounds how long another replica's
//! writes, or an upstream change past the metadata TTL, take to show.
//!
//! Generations are values of one counter that only grows, so a generation evicted from its cache
//! and read again comes back as the counter's current value: never one a stale entry was cached
//! under.
//!
//! The upstream client keeps its own two caches (parsed registry documents and service indexes),
//! keyed by the URL they were read from (`upstream.rs`).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use moka::future::Cache;
use tributary_blob::Sha256;
use tributary_model::PackageCoordinates;
use tributary_store::{AssetRecord, Domain, Principal};

use crate::{CacheSize, DomainGraph, documents::Document};

/// The largest blob kept in memory.
pub(crate) const MAX_CACHED_BLOB: u64 = 1024 * 1024;

/// `cache`'s value for `key`, made by `init` on a miss; concurrent misses make it once.
///
/// A hit only looks the key up. moka's `try_get_with` future holds the initializing future
/// inline and weighs kilobytes (26 KiB for a document's), and a request's future holding it is
/// copied whole wherever it is moved or boxed: that was a fifth of a warm packument's
/// instructions (docs/benchmarks.md, "Instructions per request"). So the initializing future is
/// made on a miss only, and the miss path lives on the heap.
pub(crate) async fn get_or_try_init<K, Q, V, E, F>(
    cache: &Cache<K, V>,
    key: &Q,
    init: impl FnOnce() -> F,
) -> Result<V, Arc<E>>
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq + Send + Sync + 'static,
    Q: ToOwned<Owned = K> + std::hash::Hash + Eq + ?Sized,
    V: Clone + Send + Sync + 'static,
    E: Send + Sync + 'static,
    F: Future<Output = Result<V, E>>,
{
    if let Some(value) = cache.get(key).await {
        return Ok(value);
    }
    Box::pin(cache.try_get_with_by_ref(key, init())).await
}

/// The memory given to hot blobs.
const BLOB_CACHE_BYTES: u64 = 24 * 1024 * 1024;
/// The memory given to documents passed through from external connections.
const PASSED_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;
/// The memory given to rendered documents.
const DOCUMENT_CACHE_BYTES: u64 = 48 * 1024 * 1024;

/// What a generation belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Generation {
    /// A domain's graph.
    Graph { domain_id: String },
    /// A package, in every repository of a domain.
    Package { domain_id: String, coordinates: PackageCoordinates },
}

/// The generations an entry of one package in one domain is cached under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Generations {
    graph: u64,
    package: u64,
}

/// A package as one repository of a domain sees it, at the current generations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SeenFrom {
    pub(crate) domain_id: String,
    pub(crate) repository: String,
    pub(crate) coordinates: PackageCoordinates,
    pub(crate) generations: Generations,
}

/// A rendered document: one rendering (the format names it, e.g. npm's abbreviated packument
/// for one endpoint URL) of a package as a repository sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct DocumentKey {
    pub(crate) package: SeenFrom,
    pub(crate) rendering: String,
}

/// A file of a version as a download from one repository names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StoredAssetKey {
    pub(crate) package: SeenFrom,
    pub(crate) version: String,
    pub(crate) asset: String,
}

/// A blob of a domain: content addressed, so an entry is never stale.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BlobKey {
    pub(crate) domain_id: String,
    pub(crate) sha256: Sha256,
}

/// A file fetched through a gateway's external connection: the in-process ingest lock, the
/// fleet's fetch lease (by its [`Display`](std::fmt::Display) form) and the cache of files that
/// keep no version are all keyed by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct UpstreamFile {
    pub(crate) domain_id: String,
    pub(crate) gateway: String,
    pub(crate) coordinates: PackageCoordinates,
    pub(crate) version: String,
    pub(crate) asset: String,
}

impl std::fmt::Display for UpstreamFile {
    /// The lease name: replicas of one fleet must agree on it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { domain_id, gateway, coordinates, version, asset } = self;
        write!(f, "{domain_id}/{gateway}/{coordinates}/{version}/{asset}")
    }
}

/// A document passed through from an external connection as it came (a checksum database's
/// tiles), by the URL it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PassedDocumentKey {
    pub(crate) connection: String,
    pub(crate) url: String,
}

/// How a principal was looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PrincipalKey {
    /// By the access key id of a SigV4 signature.
    AccessKey(String),
    /// By its id, as a token names it.
    Id(String),
}

/// The caches.
#[derive(Clone)]
pub(crate) struct Caches {
    /// Tokens whose signature was checked, with their claims, by the token itself.
    pub(crate) verified_tokens: Cache<String, Arc<tributary_auth::TokenClaims>>,
    /// The ids of the revoked tokens not expired yet, reloaded every few seconds
    /// ([`crate::Service::refresh_revocations`]): a request checks its token here, never in the
    /// database.
    pub(crate) revoked_tokens: Arc<std::sync::RwLock<Arc<std::collections::HashSet<String>>>>,
    /// The tokens revoked on this replica lately, and when: a refresh of `revoked_tokens` whose
    /// read raced one of them keeps it.
    pub(crate) revoked_here: Arc<std::sync::Mutex<Vec<(std::time::Instant, String)>>>,
    pub(crate) principals: Cache<PrincipalKey, Arc<Principal>>,
    /// Repository graphs, by domain id.
    pub(crate) graphs: Cache<String, Arc<DomainGraph>>,
    /// Access rules (policies, public repositories), by domain id.
    pub(crate) access: Cache<String, Arc<crate::access::DomainAccess>>,
    /// Downloads recorded in the last day, by a hash of (repository, package, version): a
    /// version's `last_downloaded_at` is written at most once a day a replica.
    pub(crate) download_stamps: Cache<u64, ()>,
    /// Package groups, by domain id.
    pub(crate) package_groups: Cache<String, Arc<crate::package_groups::PackageGroups>>,
    /// OIDC issuers' keys (trusted publishing), by JWKS URL or issuer.
    pub(crate) issuer_keys: Cache<String, Arc<tributary_auth::oidc::IssuerKeys>>,
    /// The issuers' keys fetched in the last minute (refetches for unknown key ids are bounded).
    pub(crate) issuer_keys_fetched: Cache<String, ()>,
    /// Domains, by name.
    pub(crate) domains: Cache<String, Domain>,
    /// One lock per file being fetched from upstream: concurrent requests make one fetch.
    pub(crate) ingest_locks: Cache<UpstreamFile, Arc<tokio::sync::Mutex<()>>>,
    pub(crate) documents: Cache<DocumentKey, Arc<Document>>,
    /// Assets stored in the asking repository itself: a warm download needs no query.
    pub(crate) stored_assets: Cache<StoredAssetKey, AssetRecord>,
    /// Documents passed through from external connections ([`PASSED_DOCUMENT_BYTES`] in all).
    pub(crate) passed_documents: Cache<PassedDocumentKey, Bytes>,
    /// Hot small blobs (at most [`MAX_CACHED_BLOB`] each, [`BLOB_CACHE_BYTES`] in all).
    pub(crate) blobs: Cache<BlobKey, Bytes>,
    /// Files served from upstream without recording a version
    /// ([`crate::formats::FormatAdapter::retains`]): their blobs are stored, so later requests
    /// need no upstream.
    pub(crate) passed_through: Cache<UpstreamFile, AssetRecord>,
    generations: Cache<Generation, u64>,
    /// The source of generations: it only grows.
    counter: Arc<AtomicU64>,
    /// Where the fleet is told what this server changed (docs/ARCHITECTURE.md, "A fleet").
    pub(crate) outbox: crate::fleet::Outbox,
}

impl Caches {
    /// `ttl` bounds how long a rendered document or a stored asset is served from memory.
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            verified_tokens: Cache::builder().max_capacity(10_000).time_to_idle(Duration::from_secs(600)).build(),
            revoked_tokens: Arc::default(),
            revoked_here: Arc::default(),
            principals: Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(60)).build(),
            graphs: Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(5)).build(),
            access: Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(5)).build(),
            download_stamps: Cache::builder().max_capacity(1_000_000).time_to_live(Duration::from_secs(86_400)).build(),
            package_groups: Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(5)).build(),
            issuer_keys_fetched: Cache::builder().max_capacity(1_000).time_to_live(Duration::from_secs(60)).build(),
            issuer_keys: Cache::builder().max_capacity(1_000).time_to_live(Duration::from_secs(300)).build(),
            domains: Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(5)).build(),
            ingest_locks: Cache::builder().max_capacity(100_000).time_to_idle(Duration::from_secs(600)).build(),
            documents: Cache::builder()
                .weigher(|k: &DocumentKey, v: &Arc<Document>| {
                    let key = k.rendering.len() + k.package.coordinates.name.len() + 128;
                    u32::try_from(key + v.body.len() + v.gzip.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(DOCUMENT_CACHE_BYTES)
                .time_to_live(ttl)
                .build(),
            stored_assets: Cache::builder().max_capacity(1_000_000).time_to_live(ttl).build(),
            blobs: Cache::builder()
                .weigher(|_: &BlobKey, v: &Bytes| u32::try_from(v.len()).unwrap_or(u32::MAX))
                .max_capacity(BLOB_CACHE_BYTES)
                .build(),
            passed_through: Cache::builder().max_capacity(1_000_000).build(),
            passed_documents: Cache::builder()
                .weigher(|k: &PassedDocumentKey, v: &Bytes| u32::try_from(k.url.len() + v.len()).unwrap_or(u32::MAX))
                .max_capacity(PASSED_DOCUMENT_BYTES)
                .build(),
            generations: Cache::builder().max_capacity(1_000_000).build(),
            counter: Arc::new(AtomicU64::new(0)),
            outbox: crate::fleet::Outbox::default(),
        }
    }

    /// The size of each cache.
    pub(crate) fn sizes(&self) -> Vec<CacheSize> {
        fn counted<K, V>(name: &'static str, cache: &Cache<K, V>) -> CacheSize
        where
            K: std::hash::Hash + Eq + Send + Sync + 'static,
            V: Clone + Send + Sync + 'static,
        {
            CacheSize { name, entries: cache.entry_count(), weight: None }
        }
        fn weighed<K, V>(name: &'static str, cache: &Cache<K, V>) -> CacheSize
        where
            K: std::hash::Hash + Eq + Send + Sync + 'static,
            V: Clone + Send + Sync + 'static,
        {
            CacheSize { name, entries: cache.entry_count(), weight: Some(cache.weighted_size()) }
        }
        vec![
            counted("verified-tokens", &self.verified_tokens),
            counted("principals", &self.principals),
            counted("graphs", &self.graphs),
            counted("access", &self.access),
            counted("package-groups", &self.package_groups),
            counted("download-stamps", &self.download_stamps),
            counted("domains", &self.domains),
            counted("ingest-locks", &self.ingest_locks),
            weighed("documents", &self.documents),
            counted("stored-assets", &self.stored_assets),
            weighed("blobs", &self.blobs),
            weighed("passed-documents", &self.passed_documents),
            counted("passed-through", &self.passed_through),
            counted("generations", &self.generations),
        ]
    }

    async fn generation(&self, of: Generation) -> u64 {
        if let Some(generation) = self.generations.get(&of).await {
            return generation;
        }
        let counter = &self.counter;
        Box::pin(self.generations.get_with(of, async { counter.load(Ordering::Acquire) })).await
    }

    /// `package` as `repository` of `domain_id` sees it now: what its cached entries are keyed by.
    pub(crate) async fn seen_from(&self, domain_id: &str, repository: &str, package: &PackageCoordinates) -> SeenFrom {
        let graph = self.generation(Generation::Graph { domain_id: domain_id.to_owned() }).await;
        let of_package = Generation::Package { domain_id: domain_id.to_owned(), coordinates: package.clone() };
        let package_generation = self.generation(of_package).await;
        SeenFrom {
            domain_id: domain_id.to_owned(),
            repository: repository.to_owned(),
            coordinates: package.clone(),
            generations: Generations { graph, package: package_generation },
        }
    }

    /// Retires what is cached of a package after a write to it, here and across the fleet.
    pub(crate) async fn package_changed(&self, domain_id: &str, package: &PackageCoordinates) {
        self.bump_package(domain_id, package).await;
        self.outbox.send(crate::fleet::Invalidation::package(domain_id, package));
    }

    /// Retires what is cached of a domain's graph and packages after a change of its graph,
    /// here and across the fleet.
    pub(crate) async fn graph_changed(&self, domain_id: &str) {
        self.graphs.invalidate(domain_id).await;
        self.bump_graph(domain_id).await;
        self.outbox.send(crate::fleet::Invalidation::Graph { domain_id: domain_id.to_owned() });
    }

    /// Retires what is cached of a package, here only.
    pub(crate) async fn bump_package(&self, domain_id: &str, package: &PackageCoordinates) {
        self.bump(Generation::Package { domain_id: domain_id.to_owned(), coordinates: package.clone() }).await;
    }

    /// Retires what is cached of a domain's packages, here only.
    pub(crate) async fn bump_graph(&self, domain_id: &str) {
        self.bump(Generation::Graph { domain_id: domain_id.to_owned() }).await;
    }

    /// Retires every package's cached entries, here only.
    pub(crate) fn retire_all_generations(&self) {
        // A generation read from now on is newer than any an entry was cached under.
        self.counter.fetch_add(1, Ordering::AcqRel);
        self.generations.invalidate_all();
    }

    /// Forgets a domain's cached record, here and across the fleet.
    pub(crate) async fn domain_changed(&self, name: &str) {
        self.domains.invalidate(name).await;
        self.outbox.send(crate::fleet::Invalidation::Domain { name: name.to_owned() });
    }

    /// Gives `of` a generation nothing was cached under.
    async fn bump(&self, of: Generation) {
        let next = self.counter.fetch_add(1, Ordering::AcqRel) + 1;
        // Upserting waits for a concurrent first read of `of` (`get_with`), which a plain insert
        // would race: that read could then store the older value over this one.
        self.generations.entry(of).and_upsert_with(|_| async move { next }).await;
    }
}

#[cfg(test)]
mod tests {
    use tributary_model::PackageFormat;

    use super::*;

    fn package(name: &str) -> PackageCoordinates {
        PackageCoordinates { format: PackageFormat::Npm, namespace: String::new(), name: name.to_owned() }
    }

    #[tokio::test]
    async fn a_write_retires_its_package_and_a_graph_change_the_domain() {
        let caches = Caches::new(Duration::from_secs(30));
        let a = caches.seen_from("d", "r", &package("a")).await;
        let b = caches.seen_from("d", "r", &package("b")).await;
        assert_eq!(caches.seen_from("d", "r", &package("a")).await, a);

        caches.package_changed("d", &package("a")).await;
        assert_ne!(caches.seen_from("d", "r", &package("a")).await, a);
        assert_eq!(caches.seen_from("d", "r", &package("b")).await, b);

        caches.graph_changed("d").await;
        assert_ne!(caches.seen_from("d", "r", &package("b")).await, b);
    }

    #[test]
    fn the_lease_name_of_an_upstream_file_names_each_part() {
        let file = UpstreamFile {
            domain_id: "d1".into(),
            gateway: "npm-store".into(),
            coordinates: PackageCoordinates {
                format: PackageFormat::Npm,
                namespace: "types".into(),
                name: "node".into(),
            },
            version: "1.0.0".into(),
            asset: "node-1.0.0.tgz".into(),
        };
        let name = file.to_string();
        for part in ["d1", "npm-store", "node", "1.0.0", "node-1.0.0.tgz"] {
            assert!(name.contains(part), "{name} names {part}");
        }
    }
}
