//! Scopes and the key layout of stored objects.
//!
//! [`StorageKey`] is the only place that knows where objects live; both stores use it, relative
//! to their root directory or bucket prefix:
//!
//! - a blob: `{scope}/sha256/{ab}/{cd}/{full hex}` (`ab` and `cd` the first two bytes of the
//!   SHA-256, in hexadecimal), e.g. `my-domain/sha256/ba/78/ba7816bf...15ad`;
//! - an upload in progress: `.tmp/{uuid}`. A scope cannot start with `.`, so no blob ever lives
//!   under `.tmp/`, and a clean-up rule on that prefix (an S3 lifecycle rule, a cron job) touches
//!   only abandoned uploads.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::digest::Sha256;
use crate::error::{BlobError, truncate};

/// The directory (filesystem) or key prefix (S3) of uploads in progress.
pub const TEMP_PREFIX: &str = ".tmp";

/// The unit of storage: bytes are stored once per scope (a domain), content addressed by SHA-256.
///
/// A scope is 1 to 64 characters from `A-Z`, `a-z`, `0-9`, `_` and `-`, so it is safe as a path
/// segment and an S3 key segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobScope(String);

impl BlobScope {
    /// The longest scope, in characters.
    pub const MAX_LEN: usize = 64;

    /// Validates a scope.
    ///
    /// # Errors
    /// [`BlobError::InvalidScope`] when it is empty, longer than 64 characters or has a character
    /// other than `A-Z`, `a-z`, `0-9`, `_` and `-`.
    pub fn new(scope: impl Into<String>) -> Result<Self, BlobError> {
        let scope = scope.into();
        let valid = !scope.is_empty()
            && scope.len() <= Self::MAX_LEN
            && scope.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid { Ok(Self(scope)) } else { Err(BlobError::InvalidScope { scope: truncate(&scope, 100) }) }
    }

    /// The scope as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BlobScope {
    type Err = BlobError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl AsRef<str> for BlobScope {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Where an object lives, relative to a store's root directory or bucket prefix.
///
/// Its [`Display`](fmt::Display) is the relative key, with `/` separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKey<'a> {
    /// A stored blob: `{scope}/sha256/{ab}/{cd}/{full hex}`.
    Blob {
        /// The scope that holds it.
        scope: &'a BlobScope,
        /// Its SHA-256.
        sha256: &'a Sha256,
    },
    /// An upload in progress: `.tmp/{uuid}`.
    Temp {
        /// A fresh id per upload.
        id: Uuid,
    },
}

impl StorageKey<'_> {
    /// A temporary key with a fresh random id.
    pub fn new_temp() -> Self {
        StorageKey::Temp { id: Uuid::new_v4() }
    }
}

impl fmt::Display for StorageKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageKey::Blob { scope, sha256 } => {
                let [a, b, ..] = sha256.0;
                write!(f, "{scope}/sha256/{a:02x}/{b:02x}/{sha256}")
            }
            StorageKey::Temp { id } => write!(f, "{TEMP_PREFIX}/{}", id.simple()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_validation() {
        for good in ["a", "my-domain", "A_b-9", &"x".repeat(64)] {
            assert!(BlobScope::new(good).is_ok(), "{good:?}");
        }
        for bad in ["", ".tmp", "a/b", "..", "a b", "é", &"x".repeat(65)] {
            assert!(matches!(BlobScope::new(bad), Err(BlobError::InvalidScope { .. })), "{bad:?}");
        }
    }

    #[test]
    fn key_layout() -> Result<(), BlobError> {
        let scope = BlobScope::new("my-domain")?;
        let sha256: Sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".parse()?;
        assert_eq!(
            StorageKey::Blob { scope: &scope, sha256: &sha256 }.to_string(),
            "my-domain/sha256/ba/78/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        assert_eq!(StorageKey::Temp { id }.to_string(), ".tmp/0123456789abcdef0123456789abcdef");
        Ok(())
    }
}
