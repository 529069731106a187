//! Rendered documents (packuments, simple pages, metadata files) cached per repository and
//! package, so a warm request neither queries the database nor renders again (docs/DESIGN.md §8).
//!
//! A document's key carries its domain's generation, which grows with every write to the
//! domain's packages or graph on this replica; a write therefore retires every cached document
//! of the domain at once. Entries also expire after a short TTL, which bounds how long another
//! replica's writes, or an upstream change past the metadata TTL, take to show.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use moka::future::Cache;
use sha2::{Digest, Sha256};
use tributary_model::ServiceError;

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

/// The document cache and the per-domain generations.
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
    generations: Cache<String, Arc<AtomicU64>>,
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
            generations: Cache::builder().max_capacity(100_000).build(),
        }
    }

    pub(crate) async fn generation(&self, domain_id: &str) -> u64 {
        self.generations
            .get_with(domain_id.to_owned(), async { Arc::new(AtomicU64::new(0)) })
            .await
            .load(Ordering::Acquire)
    }

    /// Retires every cached document of a domain.
    pub(crate) async fn bump(&self, domain_id: &str) {
        self.generations
            .get_with(domain_id.to_owned(), async { Arc::new(AtomicU64::new(0)) })
            .await
            .fetch_add(1, Ordering::AcqRel);
    }
}

impl Service {
    /// The document `key` of `target` (e.g. `npm/@acme/lib/abbreviated`), rendered by `render`
    /// when not cached; concurrent misses for one key render once.
    pub async fn document<F>(&self, target: &RepoTarget, key: &str, render: F) -> Result<Arc<Document>, ServiceError>
    where
        F: Future<Output = Result<Vec<u8>, ServiceError>>,
    {
        let generation = self.documents.generation(&target.domain.id).await;
        let full_key = format!("{}/{generation}/{}/{key}", target.domain.id, target.repository);
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

    /// Retires the cached documents of a domain after a write.
    pub(crate) async fn changed(&self, domain_id: &str) {
        self.documents.bump(domain_id).await;
    }
}
