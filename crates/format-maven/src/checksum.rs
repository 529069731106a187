//! Checksum files of the repository layout (`lib-1.0.jar.sha1`): reading the digest out of one.
//!
//! mvn writes the bare hex digest, no newline. Repositories in the wild hold every other spelling
//! a tool has printed: `sha1sum` (`hex  file`, `hex *file`), BSD and `--tag` (`MD5 (file) = hex`),
//! OpenSSL (`SHA2-256(file)= hex`), `gpg --print-md` (`file: 82B6 3AC9 …`, wrapped over lines for
//! long digests), uppercase hex, a trailing newline, Windows line ends. All of them read the same
//! way: the digest, as lowercase hex, its length checked against the algorithm.

use crate::MavenError;
use crate::path::ChecksumAlgorithm;

/// The largest checksum file read, in bytes (a SHA-512 digest in `gpg`'s layout is under 300).
pub const MAX_CHECKSUM_FILE_LEN: usize = 1024;

/// The digest a checksum file holds, as lowercase hex. The error says what the file holds and
/// what was expected.
pub fn parse_checksum_file(bytes: &[u8], algorithm: ChecksumAlgorithm) -> Result<String, MavenError> {
    let name = algorithm.name();
    let len = algorithm.hex_len();
    if bytes.len() > MAX_CHECKSUM_FILE_LEN {
        return Err(MavenError::invalid(format!(
            "the {name} checksum file is {} bytes long; a checksum file holds {len} hex digits",
            bytes.len()
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        MavenError::invalid(format!("the {name} checksum file is not text; it should hold {len} hex digits"))
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let is_digest = |s: &str| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let found = candidates(text).into_iter().find(|c| is_digest(c));
    match found {
        Some(digest) => Ok(digest.to_ascii_lowercase()),
        None => {
            let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
            let shown: String = first.chars().take(80).collect();
            Err(MavenError::invalid(format!(
                "the {name} checksum file holds `{}`, which is not {len} hex digits; the file should hold the \
                 digest of the file it is named after",
                shown.escape_debug()
            )))
        }
    }
}

/// The strings that may be the digest, most likely first.
fn candidates(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut out = Vec::new();
    let Some(first) = lines.first() else { return out };
    // `MD5 (file) = hex`, `SHA2-256(file)= hex`: after the last `=`.
    if let Some((_, digest)) = first.rsplit_once('=') {
        out.push(digest.trim().to_owned());
    }
    // `hex`, `hex  file`, `hex *file`: the first word.
    if let Some(word) = first.split_whitespace().next() {
        out.push(word.to_owned());
    }
    // `file: 82B6 3AC9 …` (gpg): the groups after the first `: `, over as many lines as they run.
    if let Some((_, groups)) = first.split_once(": ") {
        let mut digest: String = groups.split_whitespace().collect();
        for line in &lines[1..] {
            if !line.bytes().all(|b| b.is_ascii_hexdigit() || b == b' ') {
                break;
            }
            digest.extend(line.split_whitespace());
        }
        out.push(digest);
    }
    // Anything else (Windows `certutil` prints a heading first): any word.
    out.extend(text.split_whitespace().map(str::to_owned));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POM_MD5: &str = "4fd1feab412c83a685e40cebd3573e42";
    const POM_SHA1: &str = "82b63ac9221e1dc1dcc58b3810896f68df737e50";
    const POM_SHA256: &str = "ac0064ce9a84772637a7ec63f6f1347d06f13c9e89e15b66d367c13dad64e5db";
    const POM_SHA512: &str = "1c4711081c0eb5a91e8bc9915aa16410a21850c468262f43380d93508c3b7975f838df05da9931f2bcc0b922a231f424f03ffec3adc73f3b30d0f63c89225806";

    #[test]
    fn reads_every_spelling_tools_write() {
        use ChecksumAlgorithm::{Md5, Sha1, Sha256, Sha512};
        // Each the output of a real tool for the same file, `lib-1.0.pom`.
        let cases: &[(&str, ChecksumAlgorithm, &str)] = &[
            // mvn 3.8.7 (maven-resolver): bare hex, no newline.
            ("4fd1feab412c83a685e40cebd3573e42", Md5, POM_MD5),
            ("82b63ac9221e1dc1dcc58b3810896f68df737e50", Sha1, POM_SHA1),
            // With a newline, Windows line ends, surrounding spaces, uppercase.
            ("82b63ac9221e1dc1dcc58b3810896f68df737e50\n", Sha1, POM_SHA1),
            ("82B63AC9221E1DC1DCC58B3810896F68DF737E50\r\n", Sha1, POM_SHA1),
            ("\n  82b63ac9221e1dc1dcc58b3810896f68df737e50  \n\n", Sha1, POM_SHA1),
            ("\u{feff}82b63ac9221e1dc1dcc58b3810896f68df737e50", Sha1, POM_SHA1),
            // sha1sum, sha256sum -b, sha512sum.
            ("82b63ac9221e1dc1dcc58b3810896f68df737e50  lib-1.0.pom\n", Sha1, POM_SHA1),
            ("ac0064ce9a84772637a7ec63f6f1347d06f13c9e89e15b66d367c13dad64e5db *lib-1.0.pom\n", Sha256, POM_SHA256),
            (
                "1c4711081c0eb5a91e8bc9915aa16410a21850c468262f43380d93508c3b7975f838df05da9931f2bcc0b922a231f424f03ffec3adc73f3b30d0f63c89225806  lib-1.0.pom\n",
                Sha512,
                POM_SHA512,
            ),
            // md5sum --tag, BSD md5.
            ("MD5 (lib-1.0.pom) = 4fd1feab412c83a685e40cebd3573e42\n", Md5, POM_MD5),
            // OpenSSL 3 and 1.
            (
                "SHA2-256(lib-1.0.pom)= ac0064ce9a84772637a7ec63f6f1347d06f13c9e89e15b66d367c13dad64e5db\n",
                Sha256,
                POM_SHA256,
            ),
            ("MD5(lib-1.0.pom)= 4fd1feab412c83a685e40cebd3573e42\n", Md5, POM_MD5),
            // gpg --print-md, short and wrapped.
            ("lib-1.0.pom: 82B6 3AC9 221E 1DC1 DCC5  8B38 1089 6F68 DF73 7E50\n", Sha1, POM_SHA1),
            (
                "lib-1.0.pom: 1C471108 1C0EB5A9 1E8BC991 5AA16410 A21850C4 68262F43 380D9350\n             8C3B7975 F838DF05 DA9931F2 BCC0B922 A231F424 F03FFEC3 ADC73F3B\n             30D0F63C 89225806\n",
                Sha512,
                POM_SHA512,
            ),
            // Windows certutil.
            (
                "SHA1 hash of lib-1.0.pom:\r\n82b63ac9221e1dc1dcc58b3810896f68df737e50\r\nCertUtil: -hashfile command completed successfully.\r\n",
                Sha1,
                POM_SHA1,
            ),
        ];
        for (file, algorithm, expected) in cases {
            assert_eq!(parse_checksum_file(file.as_bytes(), *algorithm).as_deref(), Ok(*expected), "{file:?}");
        }
    }

    #[test]
    fn refusals() {
        use ChecksumAlgorithm::{Md5, Sha1, Sha256};
        let long = "0".repeat(MAX_CHECKSUM_FILE_LEN + 1);
        let cases: &[(&[u8], ChecksumAlgorithm, &str)] = &[
            (b"", Sha1, "the SHA-1 checksum file holds ``, which is not 40 hex digits"),
            (b"\n\n", Sha1, "which is not 40 hex digits"),
            // The right digest for the wrong algorithm.
            (POM_MD5.as_bytes(), Sha1, "holds `4fd1feab412c83a685e40cebd3573e42`, which is not 40 hex digits"),
            (
                POM_SHA1.as_bytes(),
                Md5,
                "the MD5 checksum file holds `82b63ac9221e1dc1dcc58b3810896f68df737e50`, which is not 32",
            ),
            (POM_SHA1.as_bytes(), Sha256, "which is not 64 hex digits"),
            (b"82b63ac9221e1dc1dcc58b3810896f68df737e5g", Sha1, "which is not 40 hex digits"),
            (b"<html><body>404 Not Found</body></html>", Sha1, "holds `<html><body>404 Not Found</body></html>`"),
            (b"\xff\xfe\x00", Sha1, "is not text"),
            (long.as_bytes(), Sha1, "1025 bytes long"),
        ];
        for (file, algorithm, expected) in cases {
            let err = parse_checksum_file(file, *algorithm).expect_err(expected);
            assert!(err.message().contains(expected), "{expected}: {}", err.message());
        }
    }
}
