//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

use crate::digest::{DigestAlgorithm, Sha256};
use crate::key::BlobScope;

/// Everything that can go wrong storing or reading a blob.
///
/// Messages say what happened; the underlying cause, when there is one, is the
/// [`source`](std::error::Error::source) of the error, so print the whole chain when logging.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// A scope is not 1 to 64 characters from `A-Z`, `a-z`, `0-9`, `_` and `-`.
    #[error("invalid blob scope `{scope}`: expected 1 to 64 characters from `A-Z`, `a-z`, `0-9`, `_` and `-`")]
    InvalidScope {
        /// The rejected scope (at most 100 characters of it).
        scope: String,
    },

    /// A digest string is not the right number of hexadecimal characters.
    #[error(transparent)]
    InvalidDigest(#[from] tributary_model::digest::InvalidDigest),

    /// The body does not hash to the digest its uploader declared; nothing was stored.
    #[error("{algorithm} mismatch: `{expected}` was declared but the bytes hash to `{actual}`; nothing was stored")]
    DigestMismatch {
        /// The algorithm whose digest differs.
        algorithm: DigestAlgorithm,
        /// The declared digest, lowercase hexadecimal.
        expected: String,
        /// The digest of the bytes received, lowercase hexadecimal.
        actual: String,
    },

    /// The body is not as long as its uploader declared; nothing was stored.
    ///
    /// When the body is longer, reading stops as soon as it passes the declared size, so `actual`
    /// is then the number of bytes read until then (a lower bound).
    #[error("size mismatch: {expected} bytes were declared but {actual} bytes were received; nothing was stored")]
    SizeMismatch {
        /// The declared size in bytes.
        expected: u64,
        /// The number of bytes received.
        actual: u64,
    },

    /// No blob with this SHA-256 is stored in this scope.
    #[error("blob `{sha256}` not found in scope `{scope}`")]
    NotFound {
        /// The scope that was asked.
        scope: BlobScope,
        /// The SHA-256 that was asked for.
        sha256: Sha256,
    },

    /// The body stream of an upload returned an error; nothing was stored.
    #[error("reading the upload body failed; nothing was stored")]
    Body(#[source] io::Error),

    /// A filesystem operation of the filesystem store failed.
    #[error("the filesystem blob store could not {action} `{}`", path.display())]
    Io {
        /// What the store was doing, e.g. `create directory`.
        action: &'static str,
        /// The path it was working on.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },

    /// A request to the S3 server failed.
    #[error("S3 `{operation}` of `{key}` in bucket `{bucket}` failed: {message}")]
    S3 {
        /// The S3 operation, e.g. `PutObject`.
        operation: &'static str,
        /// The bucket.
        bucket: String,
        /// The object key (empty for bucket operations).
        key: String,
        /// What the SDK reported, with its causes.
        message: String,
    },

    /// The S3 store's configuration cannot work.
    #[error("invalid S3 blob store configuration: {0}")]
    Config(String),

    /// A body is larger than the S3 store can upload with its configured part size.
    #[error(
        "the upload is larger than {limit} bytes, the most the S3 store can take with its `part_size` \
         (10,000 parts); raise `part_size`"
    )]
    TooLarge {
        /// The largest body, in bytes, the configured part size allows.
        limit: u64,
    },
}

impl BlobError {
    /// Whether this is [`BlobError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether the upload itself was at fault (a declared digest or size that does not match, or
    /// a body that failed), as opposed to the store.
    pub fn is_upload_rejected(&self) -> bool {
        matches!(self, Self::DigestMismatch { .. } | Self::SizeMismatch { .. } | Self::Body(_))
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { action, path, source }
    }
}

/// Cuts an untrusted string down to `max` characters for an error message.
pub(crate) fn truncate(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((end, _)) => format!("{}...", &value[..end]),
        None => value.to_owned(),
    }
}
