//! Content-addressed blob stores: filesystem and S3 (docs/DESIGN.md §2 "Domain", §5 "Storage").
//!
//! An asset's bytes are stored once per domain (a [`BlobScope`]), keyed by their SHA-256. A
//! [`BlobStore`] streams each upload (never holding a whole body in memory), computes SHA-256,
//! SHA-1, MD5, SHA-512 and the size in one pass ([`Hasher`]), refuses a body that does not match
//! what its uploader declared ([`ExpectedDigests`]) and then stores nothing. Putting the same bytes
//! twice is harmless.
//!
//! Two stores implement the trait:
//! - [`FsBlobStore`]: a directory; a temporary file, fsync, then rename into place;
//! - [`S3BlobStore`]: any S3-compatible server through `aws-sdk-s3`, with multipart uploads for
//!   large bodies.
//!
//! [`StorageKey`] owns the key layout shared by both.

mod digest;
mod error;
mod fs;
mod key;
mod s3;

use std::fmt;
use std::io;
use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;

pub use crate::digest::{DigestAlgorithm, Digests, ExpectedDigests, Hasher, Md5, Sha1, Sha256, Sha512};
pub use crate::error::BlobError;
pub use crate::fs::FsBlobStore;
pub use crate::key::{BlobScope, StorageKey, TEMP_PREFIX};
pub use crate::s3::{S3BlobStore, S3Config};

/// The body of an upload: a stream of chunks, read once.
///
/// An `Err` item aborts the upload with [`BlobError::Body`].
pub type BlobBodyIn = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A stored blob being read: its size and a stream of its bytes.
pub struct BlobBodyOut {
    /// The blob's length, in bytes (for `Content-Length`).
    pub size: u64,
    /// The blob's bytes, in order.
    pub stream: Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>,
}

impl fmt::Debug for BlobBodyOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobBodyOut").field("size", &self.size).finish_non_exhaustive()
    }
}

/// A body made of bytes already in memory, for small documents and tests.
pub fn body_from_bytes(bytes: impl Into<Bytes>) -> BlobBodyIn {
    let bytes = bytes.into();
    Box::pin(futures::stream::iter((!bytes.is_empty()).then_some(Ok(bytes))))
}

/// A content-addressed store of immutable blobs, partitioned by [`BlobScope`].
///
/// Blobs are keyed by the SHA-256 of their bytes within a scope; see [`StorageKey`] for the layout.
#[async_trait]
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Streams `body` into the store and returns its digests.
    ///
    /// Every value declared in `expected` is checked; on a mismatch, a failing body or any other
    /// error nothing is stored (no blob, no temporary leftovers). Putting bytes that are already
    /// stored succeeds and returns the same digests. Concurrent puts of the same bytes all succeed.
    ///
    /// # Errors
    /// [`BlobError::DigestMismatch`], [`BlobError::SizeMismatch`], [`BlobError::Body`] for the
    /// upload's faults; [`BlobError::Io`], [`BlobError::S3`], [`BlobError::TooLarge`] for the store's.
    async fn put(&self, scope: &BlobScope, body: BlobBodyIn, expected: &ExpectedDigests) -> Result<Digests, BlobError>;

    /// Opens a stored blob for reading.
    ///
    /// # Errors
    /// [`BlobError::NotFound`] when no blob with this SHA-256 is stored in `scope`.
    async fn get(&self, scope: &BlobScope, sha256: &Sha256) -> Result<BlobBodyOut, BlobError>;

    /// Whether [`BlobStore::download_url`] gives URLs (asked first, so that a download from a
    /// store that gives none costs no call).
    fn gives_download_urls(&self) -> bool {
        false
    }

    /// A URL a client may download the blob from directly, for a short while (an S3 store's
    /// presigned URL, when it is set to give them); `None` when downloads go through the server.
    async fn download_url(&self, scope: &BlobScope, sha256: &Sha256) -> Result<Option<String>, BlobError> {
        let _ = (scope, sha256);
        Ok(None)
    }

    /// Whether a blob with this SHA-256 is stored in `scope`.
    async fn exists(&self, scope: &BlobScope, sha256: &Sha256) -> Result<bool, BlobError>;

    /// Deletes a blob; deleting a blob that is not stored succeeds.
    async fn delete(&self, scope: &BlobScope, sha256: &Sha256) -> Result<(), BlobError>;

    /// Readiness: checks that the store is reachable (and for the filesystem, writable).
    async fn check(&self) -> Result<(), BlobError>;

    /// Removes what uploads left behind when their process was killed mid-way (a `put` that
    /// fails or is dropped cleans up itself) and not written for `older_than`; returns how many
    /// bytes it freed. The filesystem store removes its stale temporary files; the S3 store
    /// leaves this to the bucket's lifecycle rule (see [`S3BlobStore`]) and removes nothing.
    async fn remove_abandoned_uploads(&self, older_than: std::time::Duration) -> Result<u64, BlobError> {
        let _ = older_than;
        Ok(0)
    }

    /// The blobs of `scope` not written for `older_than`: the candidates of a garbage
    /// collection, which deletes those no metadata refers to with [`BlobStore::delete_idle`].
    async fn idle_blobs(&self, scope: &BlobScope, older_than: std::time::Duration) -> Result<Vec<Sha256>, BlobError> {
        let _ = (scope, older_than);
        Ok(Vec::new())
    }

    /// Deletes a blob, unless it was written within `older_than` (a `put` of the same bytes
    /// since it was listed, whose version may be about to refer to it): returns whether it was
    /// deleted. The filesystem store is safe by itself against a concurrent `put` of the same
    /// bytes, which always leaves its own fresh copy in place; the S3 store is not (a `put` may
    /// find the object and write nothing), so the engine marks a blob in the database before it
    /// deletes it (docs/ARCHITECTURE.md, "Garbage collection").
    async fn delete_idle(
        &self,
        scope: &BlobScope,
        sha256: &Sha256,
        older_than: std::time::Duration,
    ) -> Result<bool, BlobError> {
        let _ = (scope, sha256, older_than);
        Ok(false)
    }
}
