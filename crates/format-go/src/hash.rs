//! The `h1:` hashes `go.sum` and the checksum database hold (`golang.org/x/mod/sumdb/dirhash`,
//! Hash1): the SHA-256 of a summary that lists, sorted by name, each file's SHA-256 in hex, two
//! spaces, and its name (`module@version/path`), one line each; in base64 after `h1:`.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The `h1:` hash of files given by name and the SHA-256 of their bytes. `None` if a name
/// holds a newline, which the summary cannot list.
pub fn h1(files: &[(String, [u8; 32])]) -> Option<String> {
    let mut sorted: Vec<&(String, [u8; 32])> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Sha256::new();
    for (name, digest) in sorted {
        if name.contains('\n') {
            return None;
        }
        summary.update(hex::encode(digest).as_bytes());
        summary.update(b"  ");
        summary.update(name.as_bytes());
        summary.update(b"\n");
    }
    Some(format!("h1:{}", base64::engine::general_purpose::STANDARD.encode(summary.finalize())))
}

/// The hash of a version's `go.mod` (the `module version/go.mod h1:…` line of `go.sum`): the
/// same summary of one file, named just `go.mod`.
pub fn go_mod_h1(go_mod: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(go_mod).into();
    h1(&[("go.mod".to_owned(), digest)]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_the_go_command() {
        // `go mod download -json example.com/m@v1.0.0` (go 1.27) reported these for a module
        // of these two files.
        let go_mod: &[u8] = b"module example.com/m\n\ngo 1.21\n";
        assert_eq!(go_mod_h1(go_mod), "h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=");
        let files = [
            ("example.com/m@v1.0.0/m.go".to_owned(), Sha256::digest(b"package m\n").into()),
            ("example.com/m@v1.0.0/go.mod".to_owned(), Sha256::digest(go_mod).into()),
        ];
        assert_eq!(h1(&files).as_deref(), Some("h1:fMmDKxylWHrLDMBXPo7zB62VLWneCU9/dHwc0CJrWDU="));
    }

    #[test]
    fn order_does_not_matter_and_newlines_are_refused() {
        let a = ("m@v1.0.0/a".to_owned(), [1u8; 32]);
        let b = ("m@v1.0.0/b".to_owned(), [2u8; 32]);
        assert_eq!(h1(&[a.clone(), b.clone()]), h1(&[b, a]));
        assert_eq!(h1(&[("m@v1.0.0/x\ny".to_owned(), [0u8; 32])]), None);
    }
}
