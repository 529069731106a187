//! Digest types and the one-pass [`Hasher`].
//!
//! Package managers declare different digests: npm `integrity` (SHA-512, sometimes SHA-1), PyPI
//! (SHA-256, MD5), Maven (`.sha1`, `.md5`, `.sha256`, `.sha512` files), NuGet (SHA-512). The store
//! computes all four of them in one pass over each body, so any declared one can be checked and
//! every one can be served later.

use std::fmt;

use sha1::Digest as _;
pub use tributary_model::digest::{DigestAlgorithm, Digests, Md5, Sha1, Sha256, Sha512};

use crate::error::BlobError;

/// What an uploader or upstream declared about a body; each declared value is checked.
///
/// The default declares nothing, so nothing is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExpectedDigests {
    /// Declared SHA-256.
    pub sha256: Option<Sha256>,
    /// Declared SHA-1.
    pub sha1: Option<Sha1>,
    /// Declared MD5.
    pub md5: Option<Md5>,
    /// Declared SHA-512.
    pub sha512: Option<Sha512>,
    /// Declared size in bytes.
    pub size: Option<u64>,
}

impl ExpectedDigests {
    /// Checks the computed `actual` digests against every declared value: the size first, then
    /// SHA-256, SHA-512, SHA-1 and MD5.
    ///
    /// # Errors
    /// [`BlobError::SizeMismatch`] or [`BlobError::DigestMismatch`] for the first value that differs.
    pub fn check(&self, actual: &Digests) -> Result<(), BlobError> {
        if let Some(expected) = self.size
            && expected != actual.size
        {
            return Err(BlobError::SizeMismatch { expected, actual: actual.size });
        }
        check_one(self.sha256.as_ref(), &actual.sha256)?;
        check_one(self.sha512.as_ref(), &actual.sha512)?;
        check_one(self.sha1.as_ref(), &actual.sha1)?;
        check_one(self.md5.as_ref(), &actual.md5)?;
        Ok(())
    }

    /// Fails as soon as a body has passed its declared size, so stores stop reading early.
    pub(crate) fn check_size_so_far(&self, received: u64) -> Result<(), BlobError> {
        match self.size {
            Some(expected) if received > expected => Err(BlobError::SizeMismatch { expected, actual: received }),
            _ => Ok(()),
        }
    }
}

trait DigestValue: PartialEq + fmt::Display {
    const ALGORITHM: DigestAlgorithm;
}

macro_rules! digest_value {
    ($($name:ident),*) => {$(
        impl DigestValue for $name {
            const ALGORITHM: DigestAlgorithm = $name::ALGORITHM;
        }
    )*};
}
digest_value!(Sha256, Sha1, Md5, Sha512);

fn check_one<D: DigestValue>(expected: Option<&D>, actual: &D) -> Result<(), BlobError> {
    match expected {
        Some(expected) if expected != actual => Err(BlobError::DigestMismatch {
            algorithm: D::ALGORITHM,
            expected: expected.to_string(),
            actual: actual.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Computes SHA-256, SHA-1, MD5, SHA-512 and the size of a body in one pass over its chunks.
///
/// ```
/// use tributary_blob::Hasher;
///
/// let mut hasher = Hasher::new();
/// hasher.update(b"a");
/// hasher.update(b"bc");
/// let digests = hasher.finalize();
/// assert_eq!(digests.size, 3);
/// assert_eq!(
///     digests.sha256.to_string(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
#[derive(Clone, Default)]
pub struct Hasher {
    sha256: sha2::Sha256,
    sha1: sha1::Sha1,
    md5: md5::Md5,
    sha512: sha2::Sha512,
    size: u64,
}

impl Hasher {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        self.sha1.update(chunk);
        self.md5.update(chunk);
        self.sha512.update(chunk);
        self.size += chunk.len() as u64;
    }

    /// The number of bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The digests of all bytes fed.
    pub fn finalize(self) -> Digests {
        Digests {
            sha256: Sha256(self.sha256.finalize().into()),
            sha1: Sha1(self.sha1.finalize().into()),
            md5: Md5(self.md5.finalize().into()),
            sha512: Sha512(self.sha512.finalize().into()),
            size: self.size,
        }
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher").field("size", &self.size).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use tributary_model::digest::InvalidDigest;

    use super::*;

    #[test]
    fn parse_and_display_round_trip() -> Result<(), InvalidDigest> {
        let hex = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        let digest: Sha256 = hex.parse()?;
        assert_eq!(digest.to_string(), hex.to_lowercase());
        assert_eq!(format!("{digest:?}"), format!("Sha256({})", hex.to_lowercase()));
        assert_eq!(digest.to_hex(), hex.to_lowercase());
        Ok(())
    }

    #[test]
    fn parse_rejects_bad_hex_and_length() {
        for bad in ["", "abc", "zz", &"a".repeat(62), &"a".repeat(66), &"g".repeat(64)] {
            let err = bad.parse::<Sha256>().err();
            assert!(
                matches!(err, Some(InvalidDigest { algorithm: DigestAlgorithm::Sha256, .. })),
                "{bad:?} parsed: {err:?}"
            );
        }
        assert!("a".repeat(40).parse::<Sha1>().is_ok());
        assert!("a".repeat(32).parse::<Md5>().is_ok());
        assert!("a".repeat(128).parse::<Sha512>().is_ok());
        assert!("a".repeat(64).parse::<Sha512>().is_err());
    }

    #[test]
    fn expected_digests_check() {
        let mut hasher = Hasher::new();
        hasher.update(b"abc");
        let actual = hasher.finalize();
        assert!(ExpectedDigests::default().check(&actual).is_ok());
        let all = ExpectedDigests {
            sha256: Some(actual.sha256),
            sha1: Some(actual.sha1),
            md5: Some(actual.md5),
            sha512: Some(actual.sha512),
            size: Some(3),
        };
        assert!(all.check(&actual).is_ok());
        let wrong_md5 = ExpectedDigests { md5: Some(Md5([0; 16])), ..all };
        let err = wrong_md5.check(&actual).err();
        assert!(
            matches!(&err, Some(BlobError::DigestMismatch { algorithm: DigestAlgorithm::Md5, expected, actual })
                if expected == &"0".repeat(32) && actual == "900150983cd24fb0d6963f7d28e17f72"),
            "{err:?}"
        );
        assert!(all.check_size_so_far(3).is_ok());
        assert!(all.check_size_so_far(4).is_err());
    }
}
