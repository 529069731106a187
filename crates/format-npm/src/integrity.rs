//! Tarball hashes as npm declares them: `dist.integrity`, a W3C Subresource Integrity string
//! (<https://www.w3.org/TR/SRI/>, read the way npm's `ssri` reads it: space-separated
//! `algorithm-base64digest` tokens, `?options` ignored, unknown algorithms skipped), and
//! `dist.shasum`, the legacy SHA-1 in lowercase hex. See the `dist` object in the npm registry's
//! package metadata docs (<https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md>).
//!
//! [`Hasher`] computes every digest we need in one pass, so a tarball streaming from an upstream
//! or a client is hashed once; [`verify_dist`] then applies the rule both publish and ingest use:
//! at least one hash must be declared, and every declared hash must match.

use std::fmt;
use std::io;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha1::Digest as _;

use crate::NpmError;

/// A hash algorithm npm uses in `dist.integrity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// SHA-1 (legacy; old packages only have this).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512 (what npm writes since 2017).
    Sha512,
}

impl Algorithm {
    /// The SRI prefix, e.g. `sha512`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// One `algorithm-digest` token of an SRI string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityHash {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The raw digest bytes (decoded from base64).
    pub digest: Vec<u8>,
}

/// A parsed SRI string: one or more hashes, possibly of several algorithms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    hashes: Vec<IntegrityHash>,
}

impl Integrity {
    /// Parses an SRI string such as `sha512-<base64>` or `sha512-<a> sha1-<b>`. Tokens of
    /// algorithms we do not know (e.g. `sha384`, `md5`) are skipped as `ssri` does; a token of a
    /// known algorithm with bad base64 or the wrong digest length is an error, and so is a string
    /// with no usable token.
    pub fn parse(s: &str) -> Result<Self, NpmError> {
        let mut hashes = Vec::new();
        for token in s.split_whitespace() {
            let token = token.split_once('?').map_or(token, |(hash, _options)| hash);
            let Some((algorithm, digest)) = token.split_once('-') else {
                return Err(invalid_integrity(s, "each hash must have the form `sha512-<base64 digest>`"));
            };
            let Some(algorithm) = Algorithm::parse(&algorithm.to_ascii_lowercase()) else {
                continue;
            };
            let digest = STANDARD
                .decode(digest)
                .or_else(|_| STANDARD_NO_PAD.decode(digest))
                .map_err(|_| invalid_integrity(s, "the digest after the algorithm is not valid base64"))?;
            if digest.len() != algorithm.digest_len() {
                return Err(invalid_integrity(s, "the digest has the wrong length for its algorithm"));
            }
            hashes.push(IntegrityHash { algorithm, digest });
        }
        if hashes.is_empty() {
            return Err(invalid_integrity(s, "it holds no sha512, sha256 or sha1 hash"));
        }
        Ok(Self { hashes })
    }

    /// The SRI string holding exactly one SHA-512 digest.
    pub fn from_sha512(digest: &[u8; 64]) -> Self {
        Self { hashes: vec![IntegrityHash { algorithm: Algorithm::Sha512, digest: digest.to_vec() }] }
    }

    /// The hashes, in the order given.
    pub fn hashes(&self) -> &[IntegrityHash] {
        &self.hashes
    }

    /// The strongest algorithm present.
    pub fn strongest(&self) -> Option<Algorithm> {
        self.hashes.iter().map(|h| h.algorithm).max()
    }

    /// Whether the digests satisfy this integrity: for every algorithm present, at least one of
    /// its hashes equals the computed digest (several hashes of one algorithm are alternatives, as
    /// in SRI). Stricter than `ssri`, which checks only the strongest algorithm: a string that
    /// declares a wrong SHA-1 beside a right SHA-512 is refused.
    pub fn matches(&self, digests: &Digests) -> bool {
        [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512].into_iter().all(|algorithm| {
            let mut of_algorithm = self.hashes.iter().filter(|h| h.algorithm == algorithm).peekable();
            of_algorithm.peek().is_none() || of_algorithm.any(|h| h.digest == digests.get(algorithm))
        })
    }

    /// [`Integrity::matches`] on the digests of `bytes`.
    pub fn matches_bytes(&self, bytes: &[u8]) -> bool {
        self.matches(&Digests::of(bytes))
    }
}

impl fmt::Display for Integrity {
    /// Writes the SRI string, tokens separated by one space.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, hash) in self.hashes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}-{}", hash.algorithm.as_str(), STANDARD.encode(&hash.digest))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Integrity {
    type Err = NpmError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn invalid_integrity(value: &str, reason: &'static str) -> NpmError {
    NpmError::InvalidHash { what: "integrity", value: value.to_owned(), reason }
}

/// `sha512-<base64>`: the `dist.integrity` value npm writes for a tarball with this SHA-512.
pub fn sha512_sri(digest: &[u8; 64]) -> String {
    format!("sha512-{}", STANDARD.encode(digest))
}

/// The digests of one file, computed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    /// SHA-1, npm's legacy `shasum`.
    pub sha1: [u8; 20],
    /// SHA-256, the content address of our blob store.
    pub sha256: [u8; 32],
    /// SHA-512, npm's `integrity`.
    pub sha512: [u8; 64],
}

impl Digests {
    /// The digests of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let mut hasher = Hasher::new();
        hasher.update(bytes);
        hasher.finish()
    }

    /// The `dist.integrity` value: `sha512-<base64>`.
    pub fn integrity(&self) -> String {
        sha512_sri(&self.sha512)
    }

    /// The `dist.shasum` value: SHA-1 in lowercase hex.
    pub fn shasum(&self) -> String {
        hex::encode(self.sha1)
    }

    /// SHA-256 in lowercase hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    fn get(&self, algorithm: Algorithm) -> &[u8] {
        match algorithm {
            Algorithm::Sha1 => &self.sha1,
            Algorithm::Sha256 => &self.sha256,
            Algorithm::Sha512 => &self.sha512,
        }
    }
}

/// Computes SHA-1, SHA-256 and SHA-512 in one pass over streamed bytes. Also an [`io::Write`].
#[derive(Debug, Clone, Default)]
pub struct Hasher {
    sha1: sha1::Sha1,
    sha256: sha2::Sha256,
    sha512: sha2::Sha512,
}

impl Hasher {
    /// A hasher that has seen no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha1.update(bytes);
        self.sha256.update(bytes);
        self.sha512.update(bytes);
    }

    /// The digests of everything fed.
    pub fn finish(self) -> Digests {
        Digests {
            sha1: self.sha1.finalize().into(),
            sha256: self.sha256.finalize().into(),
            sha512: self.sha512.finalize().into(),
        }
    }
}

impl io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Checks a tarball's digests against the hashes declared in a version's `dist`: `integrity` (SRI)
/// and `shasum` (SHA-1 hex, case-insensitive). Empty strings count as absent. At least one must be
/// present, and every one present must match. `subject` (`name@version`) names the tarball in
/// errors. Used for publish bodies and for tarballs fetched from an upstream registry.
pub fn verify_dist(
    integrity: Option<&str>,
    shasum: Option<&str>,
    digests: &Digests,
    subject: &str,
) -> Result<(), NpmError> {
    let integrity = integrity.map(str::trim).filter(|s| !s.is_empty());
    let shasum = shasum.map(str::trim).filter(|s| !s.is_empty());
    if integrity.is_none() && shasum.is_none() {
        return Err(NpmError::MissingHashes { subject: subject.to_owned() });
    }
    if let Some(declared) = integrity {
        let parsed = Integrity::parse(declared)?;
        if !parsed.matches(digests) {
            let actual = match parsed.strongest() {
                Some(Algorithm::Sha1) => format!("sha1-{}", STANDARD.encode(digests.sha1)),
                Some(Algorithm::Sha256) => format!("sha256-{}", STANDARD.encode(digests.sha256)),
                _ => digests.integrity(),
            };
            return Err(NpmError::HashMismatch {
                subject: subject.to_owned(),
                algorithm: "integrity",
                expected: declared.to_owned(),
                actual,
            });
        }
    }
    if let Some(declared) = shasum {
        let valid_hex = declared.len() == 40 && declared.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid_hex {
            return Err(NpmError::InvalidHash {
                what: "shasum",
                value: declared.to_owned(),
                reason: "a shasum is the SHA-1 of the tarball as 40 hexadecimal digits",
            });
        }
        let actual = digests.shasum();
        if !declared.eq_ignore_ascii_case(&actual) {
            return Err(NpmError::HashMismatch {
                subject: subject.to_owned(),
                algorithm: "shasum",
                expected: declared.to_owned(),
                actual,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &[u8] = b"hello npm";

    fn sri(algorithm: &str, digest: &[u8]) -> String {
        format!("{algorithm}-{}", STANDARD.encode(digest))
    }

    #[test]
    fn parses_sri_strings() {
        let d = Digests::of(DATA);
        let table: Vec<(String, Vec<Algorithm>)> = vec![
            (sri("sha512", &d.sha512), vec![Algorithm::Sha512]),
            (sri("sha1", &d.sha1), vec![Algorithm::Sha1]),
            (sri("sha256", &d.sha256), vec![Algorithm::Sha256]),
            (
                format!("{} {}", sri("sha512", &d.sha512), sri("sha1", &d.sha1)),
                vec![Algorithm::Sha512, Algorithm::Sha1],
            ),
            (format!("  {}?foo=bar  ", sri("sha512", &d.sha512)), vec![Algorithm::Sha512]),
            (format!("sha384-AAAA {}", sri("sha1", &d.sha1)), vec![Algorithm::Sha1]),
            (format!("SHA512-{}", STANDARD_NO_PAD.encode(d.sha512)), vec![Algorithm::Sha512]),
        ];
        for (input, algorithms) in table {
            let parsed = Integrity::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            let got: Vec<_> = parsed.hashes().iter().map(|h| h.algorithm).collect();
            assert_eq!(got, algorithms, "{input}");
            assert!(parsed.matches_bytes(DATA), "{input}");
            assert!(!parsed.matches_bytes(b"other"), "{input}");
        }
    }

    #[test]
    fn refuses_bad_sri_strings() {
        for bad in ["", "   ", "sha512", "sha512-!!!notbase64", "sha512-AAAA", "md5-AAAA", "sha1-"] {
            assert!(Integrity::parse(bad).is_err(), "`{bad}` should be refused");
        }
    }

    #[test]
    fn every_algorithm_must_match() {
        let d = Digests::of(DATA);
        let wrong_sha1 = Digests::of(b"x").sha1;
        let mixed = format!("{} {}", sri("sha512", &d.sha512), sri("sha1", &wrong_sha1));
        assert!(!Integrity::parse(&mixed).expect("parses").matches(&d));
        let alternatives = format!("{} {}", sri("sha512", &Digests::of(b"x").sha512), sri("sha512", &d.sha512));
        assert!(Integrity::parse(&alternatives).expect("parses").matches(&d));
    }

    #[test]
    fn renders_sri() {
        let d = Digests::of(DATA);
        assert_eq!(sha512_sri(&d.sha512), d.integrity());
        assert_eq!(Integrity::from_sha512(&d.sha512).to_string(), d.integrity());
        assert!(d.integrity().starts_with("sha512-"));
        assert_eq!(d.shasum().len(), 40);
        let parsed: Integrity = d.integrity().parse().expect("round trip");
        assert_eq!(parsed.to_string(), d.integrity());
    }

    #[test]
    fn streaming_equals_one_shot() {
        let mut hasher = Hasher::new();
        for chunk in DATA.chunks(3) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.finish(), Digests::of(DATA));
    }

    #[test]
    fn verify_dist_table() {
        let d = Digests::of(DATA);
        let good_sri = d.integrity();
        let good_sha1 = d.shasum();
        let bad_sri = Digests::of(b"x").integrity();
        let bad_sha1 = Digests::of(b"x").shasum();
        let upper_sha1 = good_sha1.to_ascii_uppercase();
        let table: &[(Option<&str>, Option<&str>, bool)] = &[
            (Some(&good_sri), Some(&good_sha1), true),
            (Some(&good_sri), None, true),
            (None, Some(&good_sha1), true),
            (None, Some(&upper_sha1), true),
            (Some(&good_sri), Some(""), true),
            (None, None, false),
            (Some(""), Some(""), false),
            (Some(&bad_sri), Some(&good_sha1), false),
            (Some(&good_sri), Some(&bad_sha1), false),
            (None, Some("not-hex"), false),
            (Some("garbage"), None, false),
        ];
        for (integrity, shasum, ok) in table {
            let result = verify_dist(*integrity, *shasum, &d, "x@1.0.0");
            assert_eq!(result.is_ok(), *ok, "{integrity:?} {shasum:?}: {result:?}");
        }
        let err = verify_dist(Some(&bad_sri), None, &d, "x@1.0.0").expect_err("mismatch");
        assert!(err.to_string().contains(&good_sri), "{err}");
    }
}
