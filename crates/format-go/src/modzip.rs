//! Module zips (`golang.org/x/mod/zip`): every file under `module@version/`, paths the go
//! command can extract on any system, no two that differ only in case, within the size limits,
//! a root `go.mod` that names the module and no nested module or vendor list of other modules.
//! A zip is read once, under those limits, and its `h1:` hash computed on the way.

use std::collections::HashMap;
use std::io::{Read, Seek};

use sha2::{Digest, Sha256};

/// The largest module zip, uncompressed (the go command's own limit).
pub const MAX_ZIP_BYTES: u64 = 500 << 20;
/// The largest `go.mod` (and `LICENSE`).
pub const MAX_GO_MOD_BYTES: u64 = 16 << 20;
/// The most files a module zip may hold.
pub const MAX_FILES: usize = 100_000;

/// What a valid module zip holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleZip {
    /// Its root `go.mod`, if it has one.
    pub go_mod: Option<Vec<u8>>,
    /// Its `h1:` hash.
    pub h1: String,
    /// How many files it holds.
    pub files: usize,
}

/// Whether `c` may appear in a file path of a module (`module.CheckFilePath`): letters and
/// digits of any script, and ASCII punctuation that every file system takes.
fn file_char(c: char) -> bool {
    c.is_alphanumeric() || (c.is_ascii() && "!#$%&()+,-.=@[]^_{}~ ".contains(c))
}

/// Checks a file path inside a module (after `module@version/`).
pub fn check_file_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("a file path is empty".to_owned());
    }
    for element in path.split('/') {
        if element.is_empty() || element == "." || element == ".." {
            return Err(format!("the file path `{path}` has an empty, `.` or `..` element"));
        }
        if let Some(c) = element.chars().find(|c| !file_char(*c)) {
            return Err(format!("the file path `{path}` has the character {c:?}, which some file systems refuse"));
        }
        if element.ends_with('.') || element.ends_with(' ') {
            return Err(format!("the file path `{path}` has an element that ends in a dot or a space"));
        }
    }
    Ok(())
}

/// The module a `go.mod` names in its `module` line.
pub fn module_line(go_mod: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(go_mod).ok()?;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default().trim();
        let Some(rest) = line.strip_prefix("module") else { continue };
        if !rest.starts_with([' ', '\t', '"', '`']) {
            continue;
        }
        let path = rest.trim().trim_matches(|c| c == '"' || c == '`');
        return (!path.is_empty()).then(|| path.to_owned());
    }
    None
}

/// Reads and checks the module zip of `module` at `version`: the rule broken is named in the
/// error. `require_go_mod` asks for a root `go.mod` (published modules have one; a legacy
/// `+incompatible` version from a proxy may not).
pub fn inspect(
    reader: impl Read + Seek,
    module: &str,
    version: &str,
    require_go_mod: bool,
) -> Result<ModuleZip, String> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| format!("the module zip cannot be read: {e}"))?;
    if archive.len() > MAX_FILES {
        return Err(format!("the module zip holds {} files, more than {MAX_FILES}", archive.len()));
    }
    let prefix = format!("{module}@{version}/");
    let mut total: u64 = 0;
    let mut folded: HashMap<String, String> = HashMap::new();
    let mut hashed: Vec<(String, [u8; 32])> = Vec::with_capacity(archive.len());
    let mut go_mod = None;
    let mut nested: Vec<String> = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| format!("the module zip cannot be read: {e}"))?;
        let name = entry.name().to_owned();
        let Some(path) = name.strip_prefix(&prefix) else {
            return Err(format!("`{name}` is not under `{prefix}`: every file of a module zip is"));
        };
        if name.ends_with('/') {
            // A directory entry: no file of its own.
            continue;
        }
        check_file_path(path)?;
        if let Some(other) = folded.insert(path.to_lowercase(), path.to_owned()) {
            return Err(format!(
                "`{path}` and `{other}` differ only in case: they cannot be extracted on every system"
            ));
        }
        if path == "vendor/modules.txt" || path.ends_with("/vendor/modules.txt") {
            return Err(format!("`{path}` lists other modules' vendored code: a module zip carries no vendor list"));
        }
        if path.ends_with("/go.mod") {
            nested.push(path.to_owned());
        }
        let declared = entry.size();
        let limit = if path == "go.mod" || path == "LICENSE" { MAX_GO_MOD_BYTES } else { MAX_ZIP_BYTES };
        if declared > limit {
            return Err(format!("`{path}` is {declared} bytes, more than the {limit} a module zip allows"));
        }
        total = total.saturating_add(declared);
        if total > MAX_ZIP_BYTES {
            return Err(format!("the module zip is more than {MAX_ZIP_BYTES} bytes uncompressed"));
        }
        let mut digest = Sha256::new();
        let mut kept = (path == "go.mod").then(Vec::new);
        let mut read: u64 = 0;
        let mut buffer = [0u8; 64 * 1024];
        let mut bounded = (&mut entry).take(declared.saturating_add(1));
        loop {
            let n = bounded.read(&mut buffer).map_err(|e| format!("`{path}` cannot be read from the zip: {e}"))?;
            if n == 0 {
                break;
            }
            read += n as u64;
            digest.update(&buffer[..n]);
            if let Some(kept) = &mut kept {
                kept.extend_from_slice(&buffer[..n]);
            }
        }
        if read != declared {
            return Err(format!("`{path}` holds other than the {declared} bytes its zip entry declares"));
        }
        hashed.push((name, digest.finalize().into()));
        if let Some(kept) = kept {
            go_mod = Some(kept);
        }
    }
    if let Some(path) = nested.first() {
        return Err(format!(
            "`{path}` makes its directory another module: a module zip holds no nested module (publish it on its own)"
        ));
    }
    match &go_mod {
        Some(bytes) => match module_line(bytes) {
            Some(named) if named == module => {}
            Some(named) => return Err(format!("the zip's go.mod names the module `{named}`, not `{module}`")),
            None => return Err("the zip's go.mod has no `module` line".to_owned()),
        },
        None if require_go_mod => return Err(format!("the module zip has no `{prefix}go.mod`")),
        None => {}
    }
    let files = hashed.len();
    let h1 = crate::hash::h1(&hashed).ok_or_else(|| "a file name in the module zip holds a newline".to_owned())?;
    Ok(ModuleZip { go_mod, h1, files })
}

/// The `h1:` hash of a zip as it is (what `go.sum` and the checksum database hold of a module
/// zip), whatever rules it breaks: for checking a zip fetched from upstream against its record.
/// Reads at most [`MAX_ZIP_BYTES`] uncompressed.
pub fn zip_h1(reader: impl Read + Seek) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| format!("the module zip cannot be read: {e}"))?;
    if archive.len() > MAX_FILES {
        return Err(format!("the module zip holds {} files, more than {MAX_FILES}", archive.len()));
    }
    let mut total: u64 = 0;
    let mut hashed: Vec<(String, [u8; 32])> = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| format!("the module zip cannot be read: {e}"))?;
        let name = entry.name().to_owned();
        let mut digest = Sha256::new();
        let mut bounded = (&mut entry).take(MAX_ZIP_BYTES.saturating_sub(total).saturating_add(1));
        let read = std::io::copy(&mut bounded, &mut DigestWriter(&mut digest))
            .map_err(|e| format!("`{name}` cannot be read from the zip: {e}"))?;
        total = total.saturating_add(read);
        if total > MAX_ZIP_BYTES {
            return Err(format!("the module zip is more than {MAX_ZIP_BYTES} bytes uncompressed"));
        }
        hashed.push((name, digest.finalize().into()));
    }
    crate::hash::h1(&hashed).ok_or_else(|| "a file name in the module zip holds a newline".to_owned())
}

/// A SHA-256 fed as a writer.
struct DigestWriter<'a>(&'a mut Sha256);

impl std::io::Write for DigestWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8])]) -> std::io::Cursor<Vec<u8>> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in files {
            writer.start_file(*name, zip::write::SimpleFileOptions::default()).expect("an entry");
            writer.write_all(bytes).expect("its bytes");
        }
        let mut cursor = writer.finish().expect("a zip");
        cursor.set_position(0);
        cursor
    }

    const M: &str = "example.com/Acme/widget";

    #[test]
    fn a_valid_zip_is_hashed() {
        let go_mod: &[u8] = b"module example.com/Acme/widget\n\ngo 1.21\n";
        let zip = zip_of(&[
            ("example.com/Acme/widget@v1.0.0/go.mod", go_mod),
            ("example.com/Acme/widget@v1.0.0/widget.go", b"package widget\n"),
        ]);
        let inspected = inspect(zip, M, "v1.0.0", true).expect("valid");
        assert_eq!(inspected.go_mod.as_deref(), Some(go_mod));
        assert_eq!(inspected.files, 2);
        assert!(inspected.h1.starts_with("h1:"));
    }

    #[test]
    fn a_zip_hashes_alike_checked_or_not() {
        let files: &[(&str, &[u8])] = &[
            ("example.com/Acme/widget@v1.0.0/go.mod", b"module example.com/Acme/widget\n"),
            ("example.com/Acme/widget@v1.0.0/a.go", b"package a\n"),
        ];
        let checked = inspect(zip_of(files), M, "v1.0.0", true).expect("valid");
        assert_eq!(zip_h1(zip_of(files)), Ok(checked.h1));
        assert!(zip_h1(std::io::Cursor::new(b"not a zip".to_vec())).is_err());
    }

    #[test]
    fn broken_rules_are_named() {
        let go_mod: &[u8] = b"module example.com/Acme/widget\n";
        type Case<'a> = (Vec<(&'a str, &'a [u8])>, &'a str);
        let cases: Vec<Case<'_>> = vec![
            (vec![("example.com/Acme/widget@v1.0.0/../evil", b"x")], "`..` element"),
            (vec![("other@v1.0.0/go.mod", go_mod)], "is not under"),
            (vec![("example.com/Acme/widget@v1.0.0/a/../../x", b"x")], "`..` element"),
            (vec![("example.com/Acme/widget@v1.0.0/x.go", b"x")], "has no"),
            (vec![("example.com/Acme/widget@v1.0.0/go.mod", b"module example.com/other\n")], "names the module"),
            (
                vec![
                    ("example.com/Acme/widget@v1.0.0/go.mod", go_mod),
                    ("example.com/Acme/widget@v1.0.0/vendor/modules.txt", b""),
                ],
                "vendor list",
            ),
            (
                vec![
                    ("example.com/Acme/widget@v1.0.0/go.mod", go_mod),
                    ("example.com/Acme/widget@v1.0.0/sub/go.mod", go_mod),
                ],
                "nested module",
            ),
            (
                vec![
                    ("example.com/Acme/widget@v1.0.0/go.mod", go_mod),
                    ("example.com/Acme/widget@v1.0.0/A.go", b""),
                    ("example.com/Acme/widget@v1.0.0/a.go", b""),
                ],
                "differ only in case",
            ),
            (
                vec![("example.com/Acme/widget@v1.0.0/go.mod", go_mod), ("example.com/Acme/widget@v1.0.0/a:b", b"")],
                "character",
            ),
        ];
        for (files, expected) in cases {
            let err = inspect(zip_of(&files), M, "v1.0.0", true).expect_err(expected);
            assert!(err.contains(expected), "{err} (wanted {expected})");
        }
        assert!(inspect(std::io::Cursor::new(b"not a zip".to_vec()), M, "v1.0.0", true).is_err());
    }

    #[test]
    fn module_lines() {
        assert_eq!(module_line(b"// c\nmodule example.com/m // comment\n").as_deref(), Some("example.com/m"));
        assert_eq!(module_line(b"module \"example.com/m\"\n").as_deref(), Some("example.com/m"));
        assert_eq!(module_line(b"modules x\n"), None);
        assert_eq!(module_line(b"go 1.21\n"), None);
    }
}
