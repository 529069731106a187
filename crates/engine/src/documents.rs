//! Rendered documents (packuments, simple pages, metadata files), cached per repository and
//! package so a warm request neither queries the database nor renders again (docs/DESIGN.md §8);
//! `caches.rs` says when an entry is retired.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tributary_model::{PackageCoordinates, ServiceError};

use crate::Service;
use crate::caches::{DocumentKey, get_or_try_init};
use crate::resolve::RepoTarget;

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

/// How long a document of a repository with a release-age quarantine is cached: versions come of
/// age within this long of their time.
const RELEASE_AGE_DOCUMENT_SECONDS: i64 = 5;

fn gzip(body: &[u8]) -> Bytes {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}

impl Service {
    /// The document `rendering` of `package` in `target` (e.g. npm's `abbreviated` packument for
    /// one endpoint URL), rendered by `render` when not cached; concurrent misses for one key
    /// render once.
    ///
    /// `render` makes the rendering's future, which is large (it may resolve the package through
    /// the chain): a warm request never makes it (`caches::get_or_try_init`).
    pub async fn document<F>(
        &self,
        target: &RepoTarget,
        package: &PackageCoordinates,
        rendering: &str,
        render: impl FnOnce() -> F,
    ) -> Result<Arc<Document>, ServiceError>
    where
        F: Future<Output = Result<Vec<u8>, ServiceError>>,
    {
        let package = self.caches.seen_from(&target.domain.id, &target.cache_name(), package).await;
        // Under a release-age quarantine a document changes as versions come of age, with no
        // change to retire it: it is cached per few seconds.
        let rendering = match &target.release_age {
            Some(_) => format!("{rendering}@{}", chrono::Utc::now().timestamp() / RELEASE_AGE_DOCUMENT_SECONDS),
            None => rendering.to_owned(),
        };
        let key = DocumentKey { package, rendering };
        get_or_try_init(&self.caches.documents, &key, || async {
            let body = render().await?;
            let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
            let gzip = gzip(&body);
            Ok::<_, ServiceError>(Arc::new(Document { body: Bytes::from(body), gzip, etag }))
        })
        .await
        .map_err(|e: Arc<ServiceError>| (*e).clone())
    }
}
