//! Rendered documents (packuments, simple pages, metadata files) cached per repository and
//! package, so a warm request neither queries the database nor renders again (docs/DESIGN.md §8).
//!
//! A document's key carries two generations: its domain's, which changes with every change of
//! the domain's graph (upstreams, external connections, repositories), and its package's, which
//! changes with every write to that package in any repository of the domain (a repository's view
//! includes its upstreams' versions). A publish therefore retires the documents of one package,
//! and a graph change every document of the domain. Entries also expire after a short TTL, which
//! bounds how long another replica's writes, or an upstream change past the metadata TTL, take to
//! show.
//!
//! Generations are values of one counter that only grows, so a generation evicted from its cache
//! and read again comes back as the counter's current value: never one a stale document was
//! cached under.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use moka::future::Cache;
use sha2::{Digest, Sha256};
use tributary_model::{PackageCoordinates, ServiceError};

use crate::Service;
use crate::resolve::RepoTarget;

/// The largest blob kept in memory.
pub(crate) const MAX_CACHED_BLOB: u64 = 1024 * 1024;
/// The memory given to hot blobs.
const BLOB_CACHE_BYTES: u64 = 24 * 1024 * 1024;

/// A rendered document, gzip-compressed once, and its strong ETag.
#[derive(Debug, Clone)]
pub struct Document {
    /// The bytes.
    pub body: Bytes,
    /// The same bytes, gzip-compressed, for clients that accept it.
    pub gzip: Bytes,
    /// `"<hex>"`: a digest of the bytes.
    pub etag: String,
}

fn gzip(body: &[u8]) -> Bytes {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// What a generation belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Generation {
    /// A domain's graph.
    Graph { domain_id: String },
    /// A package, in every repository of a domain.
    Package { domain_id: String, coordinates: PackageCoordinates },
}

/// The document cache and the generations.
#[derive(Debug, Clone)]
pub(crate) struct Documents {
    cache: Cache<String, Arc<Document>>,
    /// Assets stored in the asking repository itself, by request: a warm download needs no query.
    pub(crate) assets: Cache<String, tributary_store::AssetRecord>,
    /// Hot small blobs (at most [`MAX_CACHED_BLOB`] each, [`BLOB_CACHE_BYTES`] in all), by
    /// domain and SHA-256: content addressed, so never stale.
    pub(crate) blobs: Cache<String, Bytes>,
    /// Files served from upstream without recording a version ([`crate::formats::FormatAdapter::retains`]),
    /// by gateway and file: their blobs are stored, so later requests need no upstream.
    pub(crate) passthrough: Cache<String, tributary_store::AssetRecord>,
    generations: Cache<Generation, u64>,
    /// The source of generations: it only grows.
    counter: Arc<AtomicU64>,
}

impl Documents {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            cache: Cache::builder()
                .weigher(|k: &String, v: &Arc<Document>| {
                    u32::try_from(k.len() + v.body.len() + v.gzip.len() + 64).unwrap_or(u32::MAX)
                })
                .max_capacity(48 * 1024 * 1024)
                .time_to_live(ttl)
                .build(),
            assets: Cache::builder().max_capacity(1_000_000).time_to_live(ttl).build(),
            blobs: Cache::builder()
                .weigher(|_: &String, v: &Bytes| u32::try_from(v.len()).unwrap_or(u32::MAX))
                .max_capacity(BLOB_CACHE_BYTES)
                .build(),
            passthrough: Cache::builder().max_capacity(1_000_000).build(),
            generations: Cache::builder().max_capacity(1_000_000).build(),
            counter: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The size of each of these caches.
    pub(crate) fn sizes(&self) -> [crate::CacheSize; 5] {
        use crate::CacheSize;
        [
            CacheSize {
                name: "documents",
                entries: self.cache.entry_count(),
                weight: Some(self.cache.weighted_size()),
            },
            CacheSize { name: "stored-assets", entries: self.assets.entry_count(), weight: None },
            CacheSize { name: "blobs", entries: self.blobs.entry_count(), weight: Some(self.blobs.weighted_size()) },
            CacheSize { name: "passed-through", entries: self.passthrough.entry_count(), weight: None },
            CacheSize { name: "generations", entries: self.generations.entry_count(), weight: None },
        ]
    }

    async fn generation(&self, of: Generation) -> u64 {
        let counter = &self.counter;
        self.generations.get_with(of, async { counter.load(Ordering::Acquire) }).await
    }

    /// `{graph}.{package}`: the generations a cached item of `package` in `domain_id` is keyed
    /// by.
    pub(crate) async fn generations(&self, domain_id: &str, package: &PackageCoordinates) -> String {
        let graph = self.generation(Generation::Graph { domain_id: domain_id.to_owned() }).await;
        let of_package = Generation::Package { domain_id: domain_id.to_owned(), coordinates: package.clone() };
        format!("{graph}.{}", self.generation(of_package).await)
    }

    /// Gives `of` a generation no document was cached under: retires its documents.
    async fn bump(&self, of: Generation) {
        let next = self.counter.fetch_add(1, Ordering::AcqRel) + 1;
        // Upserting waits for a concurrent first read of `of` (`get_with`), which a plain insert
        // would race: that read could then store the older value over this one.
        self.generations.entry(of).and_upsert_with(|_| async move { next }).await;
    }
}

impl Service {
    /// The document `key` of `package` in `target` (e.g. `npm/@acme/lib/abbreviated`),
    /// rendered by `render` when not cached; concurrent misses for one key render once.
    pub async fn document<F>(
        &self,
        target: &RepoTarget,
        package: &PackageCoordinates,
        key: &str,
        render: F,
    ) -> Result<Arc<Document>, ServiceError>
    where
        F: Future<Output = Result<Vec<u8>, ServiceError>>,
    {
        let domain_id = &target.domain.id;
        let generations = self.documents.generations(domain_id, package).await;
        let full_key = format!("{domain_id}/{generations}/{}/{key}", target.repository);
        self.documents
            .cache
            .try_get_with(full_key, async {
                let body = render.await?;
                let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
                let gzip = gzip(&body);
                Ok::<_, ServiceError>(Arc::new(Document { body: Bytes::from(body), gzip, etag }))
            })
            .await
            .map_err(|e: Arc<ServiceError>| (*e).clone())
    }

    /// Retires the cached documents of a package after a write to it.
    pub(crate) async fn package_changed(&self, domain_id: &str, package: &PackageCoordinates) {
        let of = Generation::Package { domain_id: domain_id.to_owned(), coordinates: package.clone() };
        self.documents.bump(of).await;
    }

    /// Retires every cached document of a domain after a change of its graph.
    pub(crate) async fn graph_changed(&self, domain_id: &str) {
        self.documents.bump(Generation::Graph { domain_id: domain_id.to_owned() }).await;
    }
}
