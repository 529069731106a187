//! Reading the core metadata out of a distribution file, under [`Limits`]: a wheel's
//! `{name}-{version}.dist-info/METADATA` (the binary distribution format,
//! <https://packaging.python.org/en/latest/specifications/binary-distribution-format/>) and an
//! sdist's `{name}-{version}/PKG-INFO` (the source distribution format,
//! <https://packaging.python.org/en/latest/specifications/source-distribution-format/>).
//!
//! Nothing is extracted and nothing is trusted: every entry name is checked for path traversal
//! (an absolute path or a `..` component would escape an installer's target directory), a zip
//! entry whose declared sizes say it is a decompression bomb refuses the whole file, a gzip stream
//! is decompressed only up to [`Limits::max_scan_bytes`], and the metadata file is read only up to
//! [`Limits::max_metadata_bytes`] whatever its header claims.

use std::cell::Cell;
use std::io::{self, Read, Seek};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;
use tar::EntryType;
use zip::ZipArchive;
use zip::result::ZipError;

use tributary_model::archive::escapes_directory as is_unsafe_path;

use crate::PypiError;
use crate::filename::{ArchiveFormat, DistFilename, DistKind};
use crate::name::normalize;
use crate::version::Version;

/// Limits applied while reading a distribution file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest METADATA or PKG-INFO accepted (declared and actual size). Default 8 MiB: real
    /// ones are a few KiB, plus the README.
    pub max_metadata_bytes: u64,
    /// The most bytes a `.tar.gz` sdist may decompress to before PKG-INFO is found (tar headers
    /// included). Default 256 MiB: some backends write PKG-INFO last.
    pub max_scan_bytes: u64,
    /// The compression ratio (uncompressed / compressed, as a zip entry declares them) above which
    /// an entry of at least [`MIN_BOMB_BYTES`] is taken for a decompression bomb. Default 200;
    /// deflate reaches about 1000 on runs of one byte, and real files stay far below 100.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_metadata_bytes: 8 * 1024 * 1024, max_scan_bytes: 256 * 1024 * 1024, max_ratio: 200 }
    }
}

/// Zip entries smaller than this are never taken for bombs, whatever their ratio: a small file of
/// zeros is harmless.
pub const MIN_BOMB_BYTES: u64 = 1024 * 1024;

/// Cap on a tar long name (GNU `L` entry) or PAX header: far above any real path.
const MAX_EXTENSION_BYTES: u64 = 64 * 1024;

/// The core metadata of a distribution file: [`wheel_metadata`] for a wheel, [`sdist_metadata`]
/// for an sdist.
pub fn core_metadata<R: Read + Seek>(reader: R, file: &DistFilename, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    match file.kind {
        DistKind::Wheel => wheel_metadata(reader, file, limits),
        DistKind::Sdist => sdist_metadata(reader, file, limits),
    }
}

/// The bytes of a wheel's `{name}-{version}.dist-info/METADATA`.
///
/// Refuses, with a message naming the file: data that is not a zip archive; an entry with an
/// absolute path or a `..` component; an entry whose declared ratio exceeds
/// [`Limits::max_ratio`]; no top-level `*.dist-info/METADATA`, or more than one; a `.dist-info`
/// directory whose name and version disagree with the file name's; a METADATA larger than
/// [`Limits::max_metadata_bytes`], or whose content is longer than its header says.
pub fn wheel_metadata<R: Read + Seek>(reader: R, file: &DistFilename, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    let mut zip = open_zip(reader, file)?;
    check_zip_entries(&mut zip, file, limits)?;
    let found: Vec<(usize, &str)> = zip
        .file_names()
        .enumerate()
        .filter_map(|(i, name)| {
            let dir = name.strip_suffix("/METADATA")?;
            (dir.ends_with(".dist-info") && !dir.contains('/')).then_some((i, dir))
        })
        .collect();
    let (index, dir) = match found.as_slice() {
        [] => {
            return Err(PypiError::invalid(format!(
                "`{file}` holds no `{{name}}-{{version}}.dist-info/METADATA`, so it is not a wheel; build it with \
                 `python -m build --wheel`"
            )));
        }
        [(index, dir)] => (*index, (*dir).to_owned()),
        several => {
            let dirs: Vec<String> = several.iter().map(|(_, dir)| format!("`{dir}`")).collect();
            return Err(PypiError::invalid(format!(
                "`{file}` holds more than one `.dist-info` directory with a METADATA ({}); a wheel has exactly one, \
                 rebuild it",
                dirs.join(", ")
            )));
        }
    };
    let stem = dir.strip_suffix(".dist-info").unwrap_or(&dir);
    if !dist_info_matches(stem, file) {
        return Err(PypiError::invalid(format!(
            "`{file}` holds `{dir}/METADATA`, but its file name says project `{}` version `{}`; the directory must be \
             `{}-{}.dist-info`, rebuild the wheel rather than renaming it",
            file.project, file.version, file.project, file.version
        )));
    }
    read_zip_entry(&mut zip, index, &format!("{dir}/METADATA"), file, limits)
}

/// The bytes of an sdist's `{top}/PKG-INFO`, where `{top}` is its top-level directory (by the
/// spec `{name}-{version}`; any name is accepted). The first such entry wins.
///
/// `.tar.gz` sdists are streamed: decompression stops with an error after
/// [`Limits::max_scan_bytes`], and every entry name seen before PKG-INFO is checked for path
/// traversal. `.zip` sdists get the wheel checks (every entry name, every entry's ratio).
/// Refuses, with a message naming the file: data that is not of the kind its extension says; no
/// `{top}/PKG-INFO`; a PKG-INFO larger than [`Limits::max_metadata_bytes`].
pub fn sdist_metadata<R: Read + Seek>(reader: R, file: &DistFilename, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    match file.archive {
        ArchiveFormat::TarGz => tar_gz_pkg_info(reader, file, limits),
        ArchiveFormat::Zip => {
            let mut zip = open_zip(reader, file)?;
            check_zip_entries(&mut zip, file, limits)?;
            let found = zip.file_names().enumerate().find_map(|(i, name)| {
                let (top, rest) = name.split_once('/')?;
                (!top.is_empty() && rest == "PKG-INFO").then(|| (i, name.to_owned()))
            });
            let Some((index, name)) = found else {
                return Err(no_pkg_info(file));
            };
            read_zip_entry(&mut zip, index, &name, file, limits)
        }
    }
}

/// Whether a `.dist-info` directory's stem (`{name}-{version}`) names the wheel's project and
/// version, compared normalized. Any `-` may separate them, for legacy names.
fn dist_info_matches(stem: &str, file: &DistFilename) -> bool {
    let Ok(version) = Version::parse(&file.version) else { return false };
    let project = file.normalized_project();
    stem.match_indices('-')
        .any(|(i, _)| normalize(&stem[..i]) == project && Version::parse(&stem[i + 1..]).is_ok_and(|v| v == version))
}

fn open_zip<R: Read + Seek>(reader: R, file: &DistFilename) -> Result<ZipArchive<R>, PypiError> {
    ZipArchive::new(reader).map_err(|err| {
        PypiError::invalid(format!(
            "`{file}` is not a zip archive ({err}); upload the file `python -m build` made, unchanged"
        ))
    })
}

fn corrupt_zip(file: &DistFilename, err: ZipError) -> PypiError {
    PypiError::invalid(format!("`{file}` is a corrupt zip archive ({err}); build it again and upload it unchanged"))
}

/// Checks every entry of a zip: a safe name, and a declared ratio within the limit.
fn check_zip_entries<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    file: &DistFilename,
    limits: &Limits,
) -> Result<(), PypiError> {
    if let Some(name) = zip.file_names().find(|name| is_unsafe_path(name)) {
        return Err(unsafe_entry(file, name));
    }
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|err| corrupt_zip(file, err))?;
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size >= MIN_BOMB_BYTES && size > compressed.saturating_mul(limits.max_ratio) {
            return Err(PypiError::invalid(format!(
                "`{file}` holds `{}`, which expands from {compressed} to {size} bytes, more than {} times: it looks \
                 like a decompression bomb and is refused",
                entry.name(),
                limits.max_ratio
            )));
        }
    }
    Ok(())
}

/// Reads one zip entry (the metadata file) under the metadata limit, refusing content that is
/// longer or shorter than the entry declares.
fn read_zip_entry<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    index: usize,
    name: &str,
    file: &DistFilename,
    limits: &Limits,
) -> Result<Vec<u8>, PypiError> {
    let entry = zip.by_index(index).map_err(|err| corrupt_zip(file, err))?;
    let declared = entry.size();
    if declared > limits.max_metadata_bytes {
        return Err(metadata_too_large(file, name, limits));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    entry
        .take(declared + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| PypiError::invalid(format!("`{file}` holds a corrupt `{name}` ({err}); build it again")))?;
    if bytes.len() as u64 != declared {
        return Err(PypiError::invalid(format!(
            "`{file}` declares `{name}` as {declared} bytes but it holds {}{}; the archive is corrupt, build it again",
            if bytes.len() as u64 > declared { "more" } else { "only " },
            if bytes.len() as u64 > declared { String::new() } else { bytes.len().to_string() },
        )));
    }
    Ok(bytes)
}

/// Streams a `.tar.gz` up to its first `{top}/PKG-INFO`.
fn tar_gz_pkg_info<R: Read>(reader: R, file: &DistFilename, limits: &Limits) -> Result<Vec<u8>, PypiError> {
    let exceeded = Rc::new(Cell::new(false));
    let counted = CappedReader {
        inner: MultiGzDecoder::new(reader),
        read: 0,
        limit: limits.max_scan_bytes,
        exceeded: Rc::clone(&exceeded),
    };
    let scan_too_large = || {
        PypiError::too_large(format!(
            "`{file}` decompresses to more than {} bytes while looking for PKG-INFO; a source distribution that \
             large is refused (is it a gzip bomb?)",
            limits.max_scan_bytes
        ))
    };
    let io_error = |err: io::Error| {
        if exceeded.get() {
            scan_too_large()
        } else {
            PypiError::invalid(format!(
                "`{file}` is not a gzip-compressed tar archive ({err}); build it with `python -m build --sdist` and \
                 upload it unchanged"
            ))
        }
    };
    let mut archive = tar::Archive::new(counted);
    let entries = archive.entries().map_err(io_error)?.raw(true);
    let mut long_name: Option<Vec<u8>> = None;
    let mut scanned = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(io_error)?;
        let size = entry.header().entry_size().map_err(io_error)?;
        // Fail before skipping a huge entry rather than after decompressing it.
        scanned = scanned.saturating_add(size);
        if scanned > limits.max_scan_bytes {
            return Err(scan_too_large());
        }
        let entry_type = entry.header().entry_type();
        match entry_type {
            EntryType::GNULongName => {
                long_name = Some(read_extension(&mut entry, size, file, &io_error)?);
                continue;
            }
            EntryType::XHeader => {
                let pax = read_extension(&mut entry, size, file, &io_error)?;
                if let Some(path) = pax_path(&pax, file)? {
                    long_name = Some(path);
                }
                continue;
            }
            EntryType::XGlobalHeader | EntryType::GNULongLink => continue,
            _ => {}
        }
        let raw_path = long_name.take().unwrap_or_else(|| entry.path_bytes().into_owned());
        let path = String::from_utf8_lossy(&raw_path);
        if is_unsafe_path(&path) {
            return Err(unsafe_entry(file, &path));
        }
        if !matches!(entry_type, EntryType::Regular | EntryType::Continuous) {
            continue;
        }
        let mut parts = path.split('/').filter(|p| !p.is_empty() && *p != ".");
        if !(parts.next().is_some() && parts.next() == Some("PKG-INFO") && parts.next().is_none()) {
            continue;
        }
        let name = path.trim_start_matches("./").to_owned();
        if size > limits.max_metadata_bytes {
            return Err(metadata_too_large(file, &name, limits));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry).take(size).read_to_end(&mut bytes).map_err(io_error)?;
        if bytes.len() as u64 != size {
            return Err(io_error(io::Error::new(io::ErrorKind::UnexpectedEof, "the archive ends inside PKG-INFO")));
        }
        return Ok(bytes);
    }
    Err(no_pkg_info(file))
}

fn no_pkg_info(file: &DistFilename) -> PypiError {
    PypiError::invalid(format!(
        "`{file}` holds no `{{name}}-{{version}}/PKG-INFO`, so it is not a source distribution; build it with \
         `python -m build --sdist`"
    ))
}

fn metadata_too_large(file: &DistFilename, name: &str, limits: &Limits) -> PypiError {
    PypiError::too_large(format!(
        "`{file}` holds a `{name}` larger than {} bytes; shorten the description (the README) it carries",
        limits.max_metadata_bytes
    ))
}

fn unsafe_entry(file: &DistFilename, name: &str) -> PypiError {
    PypiError::invalid(format!(
        "`{file}` holds the entry `{}`, whose path is absolute or holds `..`, so it would land outside the install \
         directory; rebuild the distribution",
        name.escape_debug()
    ))
}

/// Counts decompressed bytes and fails once more than `limit` have been produced, recording that
/// it did so the caller can tell a bomb from corrupt data.
struct CappedReader<R> {
    inner: R,
    read: u64,
    limit: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.limit {
            self.exceeded.set(true);
            return Err(io::Error::other("the decompressed size limit was exceeded"));
        }
        Ok(n)
    }
}

/// Reads a tar extension entry (long name or PAX records), refusing more than
/// [`MAX_EXTENSION_BYTES`]; trailing NULs are dropped.
fn read_extension(
    entry: &mut impl Read,
    size: u64,
    file: &DistFilename,
    io_error: &dyn Fn(io::Error) -> PypiError,
) -> Result<Vec<u8>, PypiError> {
    if size > MAX_EXTENSION_BYTES {
        return Err(PypiError::invalid(format!(
            "`{file}` holds a tar extension header of {size} bytes, more than the {MAX_EXTENSION_BYTES} any path \
             needs; rebuild the source distribution"
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    entry.take(size).read_to_end(&mut data).map_err(io_error)?;
    while data.last() == Some(&0) {
        data.pop();
    }
    Ok(data)
}

/// The `path` record of a PAX extended header (records are `"<length> <key>=<value>\n"`).
fn pax_path(pax: &[u8], file: &DistFilename) -> Result<Option<Vec<u8>>, PypiError> {
    let malformed =
        || PypiError::invalid(format!("`{file}` holds a malformed PAX header; rebuild the source distribution"));
    let mut rest = pax;
    let mut path = None;
    while !rest.is_empty() {
        let space = rest.iter().position(|b| *b == b' ').ok_or_else(malformed)?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok().and_then(|s| s.parse().ok()).ok_or_else(malformed)?;
        if len <= space + 1 || len > rest.len() {
            return Err(malformed());
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"path=") {
            path = Some(value.to_vec());
        }
        rest = &rest[len..];
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;
    use crate::filename::parse_filename;

    const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n\nReadme.\n";

    fn file(name: &str) -> DistFilename {
        parse_filename(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        for (name, data) in entries {
            zip.start_file(*name, options).expect("start entry");
            zip.write_all(data).expect("write entry");
        }
        zip.finish().expect("finish zip").into_inner()
    }

    fn wheel_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut all = vec![("foo/__init__.py", &b"x = 1\n"[..])];
        all.extend_from_slice(entries);
        zip_of(&all)
    }

    fn tar_header(path: &str, size: usize, entry_type: EntryType) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        // Written by hand: `set_path` refuses the unsafe paths these tests need.
        let name = &mut header.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_size(size as u64);
        header.set_entry_type(entry_type);
        header.set_mode(0o644);
        header.set_cksum();
        header
    }

    fn tar_gz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            if path.len() < 100 {
                builder.append(&tar_header(path, data.len(), EntryType::Regular), *data).expect("append");
            } else {
                // Long names go through the tar crate, which writes a GNU long-name entry.
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_mode(0o644);
                builder.append_data(&mut header, path, *data).expect("append long");
            }
        }
        gzip(&builder.into_inner().expect("finish tar"))
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(data).expect("gzip");
        gz.finish().expect("finish gzip")
    }

    fn small_limits() -> Limits {
        Limits { max_metadata_bytes: 64 * 1024, max_scan_bytes: 1024 * 1024, max_ratio: 200 }
    }

    fn error_of(result: Result<Vec<u8>, PypiError>) -> PypiError {
        match result {
            Ok(bytes) => panic!("expected an error, got {} bytes", bytes.len()),
            Err(err) => err,
        }
    }

    #[test]
    fn wheels() {
        let limits = Limits::default();
        let cases: [(&str, Vec<u8>); 5] = [
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("foo-1.0.dist-info/METADATA", METADATA), ("foo-1.0.dist-info/RECORD", b"")]),
            ),
            // Normalized comparison: the directory may be spelled differently from the file name.
            ("Foo_Bar-1.0-py3-none-any.whl", wheel_of(&[("foo.bar-1.0.0.dist-info/METADATA", METADATA)])),
            ("foo-1.0-py3-none-any.whl", wheel_of(&[("foo-v1.0.dist-info/METADATA", METADATA)])),
            // A METADATA deeper down (a vendored package) is not the wheel's.
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("foo/_vendor/bar-2.0.dist-info/METADATA", b"x"), ("foo-1.0.dist-info/METADATA", METADATA)]),
            ),
            // An empty METADATA is read as empty (parsing it is the next step's business).
            ("foo-1.0-py3-none-any.whl", wheel_of(&[("foo-1.0.dist-info/METADATA", b"")])),
        ];
        for (name, bytes) in cases {
            let got =
                core_metadata(Cursor::new(&bytes), &file(name), &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(got == METADATA || got.is_empty(), "{name}");
        }
    }

    #[test]
    fn refused_wheels() {
        let limits = small_limits();
        let big = vec![b'x'; 64 * 1024 + 1];
        let cases: [(&str, Vec<u8>, &str); 9] = [
            ("foo-1.0-py3-none-any.whl", b"not a zip at all".to_vec(), "is not a zip archive"),
            ("foo-1.0-py3-none-any.whl", tar_gz_of(&[("foo-1.0/PKG-INFO", METADATA)]), "is not a zip archive"),
            ("foo-1.0-py3-none-any.whl", wheel_of(&[]), "holds no `{name}-{version}.dist-info/METADATA`"),
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("foo-1.0.dist-info/METADATA", METADATA), ("bar-1.0.dist-info/METADATA", METADATA)]),
                "holds more than one `.dist-info` directory with a METADATA (`foo-1.0.dist-info`, `bar-1.0.dist-info`)",
            ),
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("foo-1.1.dist-info/METADATA", METADATA)]),
                "holds `foo-1.1.dist-info/METADATA`, but its file name says project `foo` version `1.0`",
            ),
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("bar-1.0.dist-info/METADATA", METADATA)]),
                "holds `bar-1.0.dist-info/METADATA`",
            ),
            ("foo-1.0-py3-none-any.whl", wheel_of(&[("foo-1.0.dist-info/METADATA", &big)]), "larger than 65536 bytes"),
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("foo-1.0.dist-info/METADATA", METADATA), ("../../etc/cron.d/evil", b"")]),
                "holds the entry `../../etc/cron.d/evil`, whose path is absolute or holds `..`",
            ),
            (
                "foo-1.0-py3-none-any.whl",
                wheel_of(&[("/etc/passwd", b""), ("foo-1.0.dist-info/METADATA", METADATA)]),
                "holds the entry `/etc/passwd`",
            ),
        ];
        for (name, bytes, expected) in cases {
            let err = error_of(wheel_metadata(Cursor::new(&bytes), &file(name), &limits));
            assert!(err.message().contains(expected), "{expected}\n{}", err.message());
            assert!(err.message().contains(&format!("`{name}`")), "names the file: {}", err.message());
        }
    }

    #[test]
    fn zip_bomb() {
        // 4 MiB of zeros deflate to about 4 KiB: a ratio near 1000.
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let bytes = wheel_of(&[("foo-1.0.dist-info/METADATA", METADATA), ("foo/data.bin", &zeros)]);
        assert!(bytes.len() < 64 * 1024, "the bomb is small: {}", bytes.len());
        let err = error_of(wheel_metadata(Cursor::new(&bytes), &file("foo-1.0-py3-none-any.whl"), &Limits::default()));
        assert!(err.message().contains("holds `foo/data.bin`, which expands from"), "{}", err.message());
        assert!(
            err.message().contains("to 4194304 bytes, more than 200 times: it looks like a decompression bomb"),
            "{}",
            err.message()
        );
        // A looser limit lets it through.
        let limits = Limits { max_ratio: 2000, ..Limits::default() };
        assert_eq!(
            wheel_metadata(Cursor::new(&bytes), &file("foo-1.0-py3-none-any.whl"), &limits),
            Ok(METADATA.to_vec())
        );
        // Small runs of zeros are no bomb.
        let bytes = wheel_of(&[("foo-1.0.dist-info/METADATA", METADATA), ("foo/empty.bin", &zeros[..100_000])]);
        assert!(wheel_metadata(Cursor::new(&bytes), &file("foo-1.0-py3-none-any.whl"), &Limits::default()).is_ok());
    }

    /// Rewrites the uncompressed size of the zip's entries (local and central headers) whose
    /// current size is `from`.
    fn patch_zip_sizes(bytes: &mut [u8], from: u32, to: u32) {
        let mut patched = 0;
        for i in 0..bytes.len().saturating_sub(30) {
            let offset = match &bytes[i..i + 4] {
                b"PK\x03\x04" => 22,
                b"PK\x01\x02" => 24,
                _ => continue,
            };
            let field = &mut bytes[i + offset..i + offset + 4];
            if u32::from_le_bytes([field[0], field[1], field[2], field[3]]) == from {
                field.copy_from_slice(&to.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "one local and one central header");
    }

    #[test]
    fn lying_zip_headers() {
        let name = "foo-1.0-py3-none-any.whl";
        let metadata = METADATA.repeat(100);
        let size = u32::try_from(metadata.len()).expect("small");
        // Declared smaller than it is: reading stops one byte past the declared size.
        let mut bytes = zip_of(&[("foo-1.0.dist-info/METADATA", &metadata)]);
        patch_zip_sizes(&mut bytes, size, 10);
        let err = error_of(wheel_metadata(Cursor::new(&bytes), &file(name), &small_limits()));
        assert!(
            err.message().contains("declares `foo-1.0.dist-info/METADATA` as 10 bytes but it holds more"),
            "{}",
            err.message()
        );
        // Declared larger than it is.
        let mut bytes = zip_of(&[("foo-1.0.dist-info/METADATA", &metadata)]);
        patch_zip_sizes(&mut bytes, size, size + 10);
        let err = error_of(wheel_metadata(Cursor::new(&bytes), &file(name), &small_limits()));
        assert!(
            err.message().contains(&format!("as {} bytes but it holds only {size}", size + 10)),
            "{}",
            err.message()
        );
        // Declared small but a bomb inside: refused by the actual-bytes cap before any CRC check.
        let zeros = vec![0u8; 2 * 1024 * 1024];
        let mut bytes = zip_of(&[("foo-1.0.dist-info/METADATA", &zeros)]);
        patch_zip_sizes(&mut bytes, 2 * 1024 * 1024, 100);
        let err = error_of(wheel_metadata(Cursor::new(&bytes), &file(name), &Limits::default()));
        assert!(err.message().contains("as 100 bytes but it holds more"), "{}", err.message());
    }

    #[test]
    fn sdists() {
        let limits = small_limits();
        let long_dir = format!("foo-1.0/{}/PKG-INFO", "d".repeat(120));
        let cases: [(&str, Vec<u8>); 7] = [
            (
                "foo-1.0.tar.gz",
                tar_gz_of(&[
                    ("foo-1.0/setup.py", b""),
                    ("foo-1.0/PKG-INFO", METADATA),
                    ("foo-1.0/src/foo.egg-info/PKG-INFO", b""),
                ]),
            ),
            // PKG-INFO last, as hatchling writes it; a nested one earlier is not it.
            (
                "foo-1.0.tar.gz",
                tar_gz_of(&[
                    ("foo-1.0/src/foo.egg-info/PKG-INFO", b"nested"),
                    (&long_dir, b"deep"),
                    ("foo-1.0/PKG-INFO", METADATA),
                ]),
            ),
            // `./` prefixes, and any top-level directory name.
            ("foo-1.0.tar.gz", tar_gz_of(&[("./foo-1.0/PKG-INFO", METADATA)])),
            ("foo-1.0.tar.gz", tar_gz_of(&[("whatever/PKG-INFO", METADATA)])),
            // A long path before PKG-INFO (GNU long-name entry).
            (
                "foo-1.0.tar.gz",
                tar_gz_of(&[(&format!("foo-1.0/{}", "x".repeat(150)), b"long"), ("foo-1.0/PKG-INFO", METADATA)]),
            ),
            ("foo-1.0.zip", zip_of(&[("foo-1.0/setup.py", b""), ("foo-1.0/PKG-INFO", METADATA)])),
            ("foo-1.0.zip", zip_of(&[("foo-1.0/a/PKG-INFO", b""), ("foo-1.0/PKG-INFO", METADATA)])),
        ];
        for (name, bytes) in cases {
            let got =
                core_metadata(Cursor::new(&bytes), &file(name), &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, METADATA, "{name}");
        }
    }

    #[test]
    fn pax_paths() {
        // A PAX `path` record names the next entry.
        let mut builder = tar::Builder::new(Vec::new());
        let record = b"25 path=foo-1.0/PKG-INFO\n";
        builder.append(&tar_header("PaxHeaders/x", record.len(), EntryType::XHeader), &record[..]).expect("pax");
        builder.append(&tar_header("truncated-name", METADATA.len(), EntryType::Regular), METADATA).expect("entry");
        let bytes = gzip(&builder.into_inner().expect("tar"));
        let got = sdist_metadata(Cursor::new(&bytes), &file("foo-1.0.tar.gz"), &small_limits());
        assert_eq!(got, Ok(METADATA.to_vec()));

        let err = pax_path(b"99 path=x\n", &file("foo-1.0.tar.gz")).expect_err("length beyond the data");
        assert!(err.message().contains("malformed PAX header"), "{}", err.message());
        assert_eq!(pax_path(b"13 mtime=1.5\n", &file("foo-1.0.tar.gz")), Ok(None));
    }

    #[test]
    fn refused_sdists() {
        let limits = small_limits();
        let big = vec![b'x'; 64 * 1024 + 1];
        let cases: [(&str, Vec<u8>, &str); 9] = [
            ("foo-1.0.tar.gz", b"not gzip".to_vec(), "is not a gzip-compressed tar archive"),
            (
                "foo-1.0.tar.gz",
                gzip(b"gzip, but not a tar archive, and long enough to hold a header, really, ...."),
                "is not a gzip-compressed tar archive",
            ),
            ("foo-1.0.tar.gz", zip_of(&[("foo-1.0/PKG-INFO", METADATA)]), "is not a gzip-compressed tar archive"),
            ("foo-1.0.zip", tar_gz_of(&[("foo-1.0/PKG-INFO", METADATA)]), "is not a zip archive"),
            (
                "foo-1.0.tar.gz",
                tar_gz_of(&[("foo-1.0/setup.py", b""), ("PKG-INFO", METADATA)]),
                "holds no `{name}-{version}/PKG-INFO`",
            ),
            (
                "foo-1.0.tar.gz",
                tar_gz_of(&[("foo-1.0/PKG-INFO", &big)]),
                "holds a `foo-1.0/PKG-INFO` larger than 65536 bytes",
            ),
            (
                "foo-1.0.tar.gz",
                tar_gz_of(&[("foo-1.0/../../evil", b""), ("foo-1.0/PKG-INFO", METADATA)]),
                "holds the entry `foo-1.0/../../evil`",
            ),
            ("foo-1.0.tar.gz", tar_gz_of(&[("/foo-1.0/PKG-INFO", METADATA)]), "holds the entry `/foo-1.0/PKG-INFO`"),
            (
                "foo-1.0.zip",
                zip_of(&[("foo-1.0/PKG-INFO", METADATA), ("foo-1.0/..\\..\\evil", b"")]),
                "holds the entry `foo-1.0/..\\\\..\\\\evil`",
            ),
        ];
        for (name, bytes, expected) in cases {
            let err = error_of(sdist_metadata(Cursor::new(&bytes), &file(name), &limits));
            assert!(err.message().contains(expected), "{expected}\n{}", err.message());
        }
    }

    #[test]
    fn gzip_bomb() {
        // 4 MiB of zeros before PKG-INFO, compressed to a few KiB; the scan stops at 1 MiB.
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let bytes = tar_gz_of(&[("foo-1.0/zeros.bin", &zeros), ("foo-1.0/PKG-INFO", METADATA)]);
        assert!(bytes.len() < 64 * 1024, "the bomb is small: {}", bytes.len());
        let err = error_of(sdist_metadata(Cursor::new(&bytes), &file("foo-1.0.tar.gz"), &small_limits()));
        assert_eq!(err.kind(), tributary_model::ErrorKind::PayloadTooLarge);
        assert!(
            err.message().contains("decompresses to more than 1048576 bytes while looking for PKG-INFO"),
            "{}",
            err.message()
        );
        // A header that lies about the size (small entries, then a stream of zeros that never
        // ends in a valid archive) is stopped by the byte count, not the declared sizes.
        let mut raw = Vec::new();
        raw.extend_from_slice(tar_header("foo-1.0/a", 0, EntryType::Regular).as_bytes());
        raw.extend(std::iter::repeat_n(b'\x01', 4 * 1024 * 1024));
        let err = error_of(sdist_metadata(Cursor::new(gzip(&raw)), &file("foo-1.0.tar.gz"), &small_limits()));
        assert!(
            err.message().contains("decompresses to more than")
                || err.message().contains("is not a gzip-compressed tar"),
            "{}",
            err.message()
        );
        // With the default limit the same archive is fine.
        assert_eq!(
            sdist_metadata(Cursor::new(&bytes), &file("foo-1.0.tar.gz"), &Limits::default()),
            Ok(METADATA.to_vec())
        );
    }

    #[test]
    fn unsafe_paths() {
        for (path, unsafe_) in [
            ("foo/bar", false),
            ("foo/..bar/x", false),
            ("foo/bar..", false),
            ("./foo", false),
            ("..", true),
            ("../x", true),
            ("foo/../../x", true),
            ("foo\\..\\x", true),
            ("/etc/passwd", true),
            ("\\windows", true),
            ("C:evil", true),
            ("c:/evil", true),
            ("foo\0bar", true),
        ] {
            assert_eq!(is_unsafe_path(path), unsafe_, "{path:?}");
        }
    }
}
