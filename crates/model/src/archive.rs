//! What every format checks of the entries of an uploaded archive (a wheel, an sdist, a
//! `.nupkg`): no entry may name a place outside the directory a client extracts it into.

/// Whether an archive entry's path could escape the directory it is extracted into: absolute
/// (`/x`, `\x`, `C:x`), holding a `..` component (with `/` or `\` as separator), or a NUL.
pub fn escapes_directory(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with(['/', '\\'])
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
        || name.split(['/', '\\']).any(|part| part == "..")
        || name.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_paths() {
        for bad in ["/etc/passwd", "\\x", "C:x", "a/../../b", "a\\..\\b", "..", "a\0b"] {
            assert!(escapes_directory(bad), "{bad:?}");
        }
        for good in ["a/b.txt", "lib/net6.0/A.dll", "a..b/c", "[Content_Types].xml"] {
            assert!(!escapes_directory(good), "{good:?}");
        }
    }
}
