//! Digests of stored bytes, typed by algorithm: a SHA-256 is never a string that might be empty
//! or of another length. The blob store computes them (all four in one pass); records carry
//! them; formats render them in their protocol's spelling (hex, base64 `integrity`).

use std::fmt;
use std::str::FromStr;

/// A string that is not a digest of the algorithm it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {algorithm} digest `{value}`: expected {} hexadecimal characters", algorithm.hex_len())]
pub struct InvalidDigest {
    /// The algorithm the string was parsed as.
    pub algorithm: DigestAlgorithm,
    /// The rejected string (at most 200 characters of it).
    pub value: String,
}

/// A digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-256 (FIPS 180-4); the content address of every blob.
    Sha256,
    /// SHA-1 (FIPS 180-4).
    Sha1,
    /// MD5 (RFC 1321).
    Md5,
    /// SHA-512 (FIPS 180-4).
    Sha512,
}

impl DigestAlgorithm {
    /// The length of this algorithm's digest, in bytes.
    pub const fn byte_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha1 => 20,
            Self::Md5 => 16,
            Self::Sha512 => 64,
        }
    }

    /// The length of this algorithm's digest in hexadecimal, in characters.
    pub const fn hex_len(self) -> usize {
        self.byte_len() * 2
    }

    /// The usual name of the algorithm, e.g. `SHA-256`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha1 => "SHA-1",
            Self::Md5 => "MD5",
            Self::Sha512 => "SHA-512",
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! digest_type {
    ($(#[$doc:meta])* $name:ident, $algorithm:ident, $len:literal) => {
        $(#[$doc])*
        ///
        /// Displays as lowercase hexadecimal; parses from hexadecimal of either case.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// The algorithm of this digest.
            pub const ALGORITHM: DigestAlgorithm = DigestAlgorithm::$algorithm;

            /// The raw digest bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// The digest as lowercase hexadecimal.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut buf = [0u8; $len * 2];
                hex::encode_to_slice(self.0, &mut buf).map_err(|_| fmt::Error)?;
                f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = InvalidDigest;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let mut bytes = [0u8; $len];
                hex::decode_to_slice(s, &mut bytes).map_err(|_| InvalidDigest {
                    algorithm: Self::ALGORITHM,
                    value: s.chars().take(200).collect(),
                })?;
                Ok(Self(bytes))
            }
        }
    };
}

digest_type!(
    /// A SHA-256 digest: the content address of a blob.
    Sha256,
    Sha256,
    32
);
digest_type!(
    /// A SHA-1 digest.
    Sha1,
    Sha1,
    20
);
digest_type!(
    /// An MD5 digest.
    Md5,
    Md5,
    16
);
digest_type!(
    /// A SHA-512 digest.
    Sha512,
    Sha512,
    64
);

/// The digests and size of a stored body, computed from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// SHA-256 of the bytes; the blob's key.
    pub sha256: Sha256,
    /// SHA-1 of the bytes.
    pub sha1: Sha1,
    /// MD5 of the bytes.
    pub md5: Md5,
    /// SHA-512 of the bytes.
    pub sha512: Sha512,
    /// Length of the body, in bytes.
    pub size: u64,
}
