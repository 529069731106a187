//! npm package tarballs: their file names in the registry (`name-1.0.0.tgz`, served at
//! `/{name}/-/{name}-{version}.tgz` as in the npm registry API,
//! <https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md>), and reading one: a
//! gzip-compressed tar archive whose single top-level directory (npm writes `package/`, any name is
//! accepted) holds `package.json` and usually a README (see `npm pack` and the package.json docs,
//! <https://docs.npmjs.com/cli/configuring-npm/package-json>).
//!
//! [`inspect_tarball`] never extracts anything. It decompresses as a stream with explicit
//! [`TarballLimits`], so a gzip bomb or an archive of millions of entries is refused with a clear
//! error after reading at most the limit, and it keeps only package.json and the README in memory.
//! Long names (GNU `L` entries and PAX `path` records) are handled here with their own small cap, so
//! no header can make the reader buffer a large entry.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use flate2::read::GzDecoder;
use tar::EntryType;

use crate::{NpmError, NpmName};

/// The file name of a version's tarball: the unscoped name, `-`, the version, `.tgz`
/// (`lib-1.0.0.tgz` for `@acme/lib@1.0.0`), as the npm registry names them.
pub fn tarball_filename(name: &NpmName, version: &str) -> String {
    format!("{}-{version}.tgz", name.package())
}

/// The path of a version's tarball below a registry's base URL, as the npm registry lays it out:
/// `lib/-/lib-1.0.0.tgz`, `@acme/lib/-/lib-1.0.0.tgz`.
pub fn tarball_path(name: &NpmName, version: &str) -> String {
    format!("{}/-/{}", name.full(), tarball_filename(name, version))
}

/// The tarball URL for `dist.tarball`: `base` (a registry endpoint such as
/// `https://host/npm/domain/repo/`, with or without its final `/`) joined with [`tarball_path`].
pub fn tarball_url(base: &str, name: &NpmName, version: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), tarball_path(name, version))
}

/// The version a tarball file name stands for, if it is a tarball of `name`: accepts
/// `lib-1.0.0.tgz` and, for a scoped name, the full `@acme/lib-1.0.0.tgz` (and `@acme%2flib-...`)
/// that some clients use. The version must be valid semver, so `foo-bar-1.0.0.tgz` is not a
/// tarball of `foo`.
pub fn version_from_tarball_filename(name: &NpmName, filename: &str) -> Option<String> {
    let unscoped = match name.scope() {
        Some(scope) => {
            let scoped_prefixes = [format!("@{scope}/"), format!("@{scope}%2f"), format!("@{scope}%2F")];
            scoped_prefixes.iter().find_map(|p| filename.strip_prefix(p.as_str())).unwrap_or(filename)
        }
        None => filename,
    };
    let version = unscoped.strip_prefix(name.package())?.strip_prefix('-')?.strip_suffix(".tgz")?;
    semver::Version::parse(version).ok()?;
    Some(version.to_owned())
}

/// Limits applied while reading a tarball. The defaults suit npm packages: the public registry
/// refuses packages above a few hundred MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TarballLimits {
    /// Most bytes the gzip stream may expand to (tar headers and padding included).
    pub max_unpacked_bytes: u64,
    /// Largest package.json accepted.
    pub max_package_json_bytes: u64,
    /// README bytes kept; a longer README is cut at this length (the registry keeps the first 64 KiB
    /// in packuments; we keep more for GetPackageVersionReadme).
    pub max_readme_bytes: u64,
    /// Most archive entries (files, directories, links and extension headers).
    pub max_entries: u64,
}

impl Default for TarballLimits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 512 * 1024 * 1024,
            max_package_json_bytes: 1024 * 1024,
            max_readme_bytes: 1024 * 1024,
            max_entries: 100_000,
        }
    }
}

/// What a tarball holds that the registry needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TarballInfo {
    /// `<top>/package.json`, parsed.
    pub package_json: serde_json::Value,
    /// The README at the top level (`README.md` preferred, then `README`, then `README.*`),
    /// as UTF-8 (invalid sequences replaced), cut at [`TarballLimits::max_readme_bytes`].
    pub readme: Option<String>,
    /// The README's file name, e.g. `README.md` (the packument's `readmeFilename`).
    pub readme_filename: Option<String>,
    /// Whether the package ships an `npm-shrinkwrap.json` (the packument's `_hasShrinkwrap`).
    pub has_shrinkwrap: bool,
    /// Regular files in the archive (`dist.fileCount`).
    pub file_count: u64,
    /// Sum of the regular files' sizes (`dist.unpackedSize`).
    pub unpacked_size: u64,
}

/// Refuses what a tarball of `npm pack` never holds and what would write outside the package
/// directory where it is unpacked: an absolute path or a `..` component, and any entry but
/// files and directories (symbolic and hard links, devices, FIFOs).
fn check_entry(path: &[u8], entry_type: EntryType) -> Result<(), NpmError> {
    let shown = String::from_utf8_lossy(path);
    let absolute = path.first() == Some(&b'/') || path.first() == Some(&b'\\') || path.get(1) == Some(&b':');
    if absolute || path.split(|b| *b == b'/' || *b == b'\\').any(|part| part == b"..") {
        return Err(corrupt(format!(
            "it holds `{shown}`, a path outside the package directory; pack it again with `npm pack`"
        )));
    }
    match entry_type {
        EntryType::Regular | EntryType::Continuous | EntryType::Directory => Ok(()),
        EntryType::Symlink | EntryType::Link => Err(corrupt(format!(
            "it holds `{shown}`, a link; npm packages hold files and directories only (`npm pack` leaves links out)"
        ))),
        other => Err(corrupt(format!(
            "it holds `{shown}`, an entry of type {other:?}; npm packages hold files and directories only"
        ))),
    }
}

/// Cap on a long path name (GNU `L` entry or PAX header): far above any real path.
const MAX_EXTENSION_BYTES: u64 = 64 * 1024;

/// Reads a tarball's package.json and README under `limits`. Refuses, with an error naming the
/// problem: data that is not gzip or not tar; a decompressed size, entry count or package.json
/// above the limits; no `<top>/package.json`, or more than one (npm would install the last while
/// a first-wins reader checks another: a manifest-confusion risk); package.json that is not a
/// JSON object.
pub fn inspect_tarball(bytes: &[u8], limits: &TarballLimits) -> Result<TarballInfo, NpmError> {
    let counted = Rc::new(Cell::new(0u64));
    let reader =
        CountingReader { inner: GzDecoder::new(bytes), count: Rc::clone(&counted), limit: limits.max_unpacked_bytes };
    let mut archive = tar::Archive::new(reader);
    let too_large = |what, limit, unit| NpmError::TarballTooLarge { subject: SUBJECT.to_owned(), what, limit, unit };
    let over_budget = || counted.get() > limits.max_unpacked_bytes;
    let io_error = |err: io::Error| {
        if over_budget() {
            too_large("the unpacked size", limits.max_unpacked_bytes, "bytes")
        } else {
            corrupt(format!("it is not a gzip-compressed tar archive ({err}); create it with `npm pack`"))
        }
    };

    let mut entries = archive.entries().map_err(io_error)?.raw(true);
    let mut state = Scan::default();
    let mut long_name: Option<Vec<u8>> = None;
    let mut entry_count = 0u64;
    loop {
        let mut entry = match entries.next() {
            None => break,
            Some(Ok(entry)) => entry,
            Some(Err(err)) => return Err(io_error(err)),
        };
        entry_count += 1;
        if entry_count > limits.max_entries {
            return Err(too_large("the number of entries", limits.max_entries, "entries"));
        }
        let size = entry.header().entry_size().map_err(io_error)?;
        if size > limits.max_unpacked_bytes.saturating_sub(counted.get()) {
            return Err(too_large("the unpacked size", limits.max_unpacked_bytes, "bytes"));
        }
        let entry_type = entry.header().entry_type();
        match entry_type {
            EntryType::GNULongName => {
                long_name = Some(read_extension(&mut entry, size, "a long file name", &io_error)?);
                continue;
            }
            EntryType::XHeader => {
                let pax = read_extension(&mut entry, size, "a PAX header", &io_error)?;
                if let Some(path) = pax_path(&pax)? {
                    long_name = Some(path);
                }
                continue;
            }
            EntryType::XGlobalHeader | EntryType::GNULongLink => continue,
            _ => {}
        }
        let path = long_name.take().unwrap_or_else(|| entry.path_bytes().into_owned());
        check_entry(&path, entry_type)?;
        if !matches!(entry_type, EntryType::Regular | EntryType::Continuous) {
            continue;
        }
        state.file_count += 1;
        state.unpacked_size += size;
        let Some(file) = top_level_file(&path) else { continue };
        if file == "package.json" {
            if let Some(first) = &state.package_json_path {
                return Err(corrupt(format!(
                    "it holds more than one package.json at its top level (`{first}` and `{}`); pack it again with `npm pack`",
                    String::from_utf8_lossy(&path)
                )));
            }
            if size > limits.max_package_json_bytes {
                return Err(NpmError::TarballTooLarge {
                    subject: SUBJECT.to_owned(),
                    what: "package.json",
                    limit: limits.max_package_json_bytes,
                    unit: "bytes",
                });
            }
            let mut raw = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            entry.read_to_end(&mut raw).map_err(io_error)?;
            let value: serde_json::Value = serde_json::from_slice(strip_bom(&raw))
                .map_err(|err| corrupt(format!("its package.json is not valid JSON ({err}); fix package.json")))?;
            if !value.is_object() {
                return Err(corrupt("its package.json is not a JSON object; fix package.json"));
            }
            state.package_json = Some(value);
            state.package_json_path = Some(String::from_utf8_lossy(&path).into_owned());
        } else if file.eq_ignore_ascii_case("npm-shrinkwrap.json") {
            state.has_shrinkwrap = true;
        } else if let Some(rank) = readme_rank(file)
            && state.readme.as_ref().is_none_or(|(best, _, _)| rank < *best)
        {
            let keep = size.min(limits.max_readme_bytes);
            let mut raw = Vec::with_capacity(usize::try_from(keep).unwrap_or(0));
            (&mut entry).take(keep).read_to_end(&mut raw).map_err(io_error)?;
            let text = String::from_utf8_lossy(strip_bom(&raw)).into_owned();
            state.readme = Some((rank, file.to_owned(), text));
        }
    }
    let Some(package_json) = state.package_json else {
        return Err(corrupt("it holds no package.json in its top-level directory (npm writes `package/package.json`)"));
    };
    let (readme_filename, readme) = match state.readme {
        Some((_, name, text)) => (Some(name), Some(text)),
        None => (None, None),
    };
    Ok(TarballInfo {
        package_json,
        readme,
        readme_filename,
        has_shrinkwrap: state.has_shrinkwrap,
        file_count: state.file_count,
        unpacked_size: state.unpacked_size,
    })
}

/// The subject of errors from [`inspect_tarball`]; `parse_publish` replaces it with `name@version`.
pub(crate) const SUBJECT: &str = "package.tgz";

fn corrupt(reason: impl Into<String>) -> NpmError {
    NpmError::InvalidTarball { subject: SUBJECT.to_owned(), reason: reason.into() }
}

#[derive(Default)]
struct Scan {
    package_json: Option<serde_json::Value>,
    package_json_path: Option<String>,
    /// (rank, file name, text): lower rank wins, first seen wins a tie.
    readme: Option<(u8, String, String)>,
    has_shrinkwrap: bool,
    file_count: u64,
    unpacked_size: u64,
}

/// Counts decompressed bytes and fails once more than `limit` have been produced.
struct CountingReader<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    limit: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.count.get().saturating_add(n as u64);
        self.count.set(total);
        if total > self.limit {
            return Err(io::Error::other("the unpacked size limit was exceeded"));
        }
        Ok(n)
    }
}

/// Reads an extension entry's data (a long name or PAX records), refusing more than
/// [`MAX_EXTENSION_BYTES`]. Trailing NULs are dropped.
fn read_extension(
    entry: &mut impl Read,
    size: u64,
    what: &str,
    io_error: &dyn Fn(io::Error) -> NpmError,
) -> Result<Vec<u8>, NpmError> {
    if size > MAX_EXTENSION_BYTES {
        return Err(corrupt(format!(
            "it holds {what} of {size} bytes; no npm package needs more than {MAX_EXTENSION_BYTES}"
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    entry.take(MAX_EXTENSION_BYTES).read_to_end(&mut data).map_err(io_error)?;
    while data.last() == Some(&0) {
        data.pop();
    }
    Ok(data)
}

/// The `path` of a PAX extended header (records `"<len> <key>=<value>\n"`). A `size` record is
/// refused: it only appears for files above 8 GiB, far beyond any limit.
fn pax_path(pax: &[u8]) -> Result<Option<Vec<u8>>, NpmError> {
    let mut rest = pax;
    let mut path = None;
    while !rest.is_empty() {
        let bad = || corrupt("it holds a malformed PAX header; create it with `npm pack`");
        let space = rest.iter().position(|b| *b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        if len <= space || len > rest.len() {
            return Err(bad());
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|b| *b == b'=') {
            match &record[..eq] {
                b"path" => path = Some(record[eq + 1..].to_vec()),
                b"size" => {
                    return Err(corrupt("it declares a file size in a PAX header, which only files above 8 GiB need"));
                }
                _ => {}
            }
        }
        rest = &rest[len..];
    }
    Ok(path)
}

/// The file name of an entry directly inside the archive's top-level directory
/// (`package/README.md` → `README.md`); `None` for anything shallower or deeper.
fn top_level_file(path: &[u8]) -> Option<&str> {
    let path = std::str::from_utf8(path).ok()?;
    let mut parts = path.split('/').filter(|p| !p.is_empty() && *p != ".");
    let top = parts.next()?;
    let file = parts.next()?;
    if parts.next().is_some() || top == ".." || file == ".." {
        return None;
    }
    Some(file)
}

/// How good a README candidate is: 0 for markdown, 1 for a bare `README`, 2 for `README.<ext>`,
/// 3 for any other `README*`; `None` for other files.
fn readme_rank(file: &str) -> Option<u8> {
    let lower = file.to_ascii_lowercase();
    let rest = lower.strip_prefix("readme")?;
    Some(match rest {
        ".md" | ".markdown" => 0,
        "" => 1,
        _ if rest.starts_with('.') && !rest[1..].contains('.') => 2,
        _ => 3,
    })
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames() {
        let plain = NpmName::parse("lodash").expect("valid");
        let scoped = NpmName::parse("@acme/lib").expect("valid");
        assert_eq!(tarball_filename(&plain, "4.17.21"), "lodash-4.17.21.tgz");
        assert_eq!(tarball_filename(&scoped, "1.0.0-beta.1"), "lib-1.0.0-beta.1.tgz");
        assert_eq!(tarball_path(&scoped, "1.0.0"), "@acme/lib/-/lib-1.0.0.tgz");
        assert_eq!(tarball_url("http://h/npm/d/r/", &plain, "1.0.0"), "http://h/npm/d/r/lodash/-/lodash-1.0.0.tgz");
        assert_eq!(tarball_url("http://h/npm/d/r", &plain, "1.0.0"), "http://h/npm/d/r/lodash/-/lodash-1.0.0.tgz");

        let table: &[(&NpmName, &str, Option<&str>)] = &[
            (&plain, "lodash-4.17.21.tgz", Some("4.17.21")),
            (&plain, "lodash-1.0.0-rc.1+build.5.tgz", Some("1.0.0-rc.1+build.5")),
            (&plain, "lodash-1.0.tgz", None),
            (&plain, "lodash-1.0.0.tar.gz", None),
            (&plain, "lodash-es-1.0.0.tgz", None),
            (&plain, "lodash1.0.0.tgz", None),
            (&plain, "other-1.0.0.tgz", None),
            (&plain, "lodash-.tgz", None),
            (&scoped, "lib-1.0.0.tgz", Some("1.0.0")),
            (&scoped, "@acme/lib-1.0.0.tgz", Some("1.0.0")),
            (&scoped, "@acme%2flib-1.0.0.tgz", Some("1.0.0")),
            (&scoped, "@other/lib-1.0.0.tgz", None),
        ];
        for (name, filename, version) in table {
            assert_eq!(version_from_tarball_filename(name, filename).as_deref(), *version, "{name} {filename}");
        }
    }

    #[test]
    fn top_level_files() {
        let table: &[(&str, Option<&str>)] = &[
            ("package/package.json", Some("package.json")),
            ("./package/package.json", Some("package.json")),
            ("node-foo/README.md", Some("README.md")),
            ("package.json", None),
            ("package/lib/package.json", None),
            ("../package.json", None),
            ("package/", None),
        ];
        for (path, file) in table {
            assert_eq!(top_level_file(path.as_bytes()), *file, "{path}");
        }
    }

    #[test]
    fn readme_ranks() {
        let table: &[(&str, Option<u8>)] = &[
            ("README.md", Some(0)),
            ("readme.markdown", Some(0)),
            ("README", Some(1)),
            ("Readme.txt", Some(2)),
            ("README-zh.md", Some(3)),
            ("index.js", None),
            ("CHANGELOG.md", None),
        ];
        for (file, rank) in table {
            assert_eq!(readme_rank(file), *rank, "{file}");
        }
    }

    #[test]
    fn pax_records() {
        assert_eq!(
            pax_path(b"31 path=package/a/long/name.js\n").expect("valid"),
            Some(b"package/a/long/name.js".to_vec())
        );
        assert_eq!(pax_path(b"20 mtime=1234567890\n").expect("valid"), None);
        assert!(pax_path(b"99 path=x\n").is_err());
        assert!(pax_path(b"garbage").is_err());
        assert!(pax_path(b"16 size=1234567\n").is_err());
    }
}
