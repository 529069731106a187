//! Reading the `.nuspec` out of a `.nupkg` (a zip, <https://learn.microsoft.com/nuget/reference/nupkg>)
//! under [`Limits`]: nothing is extracted and nothing is trusted. The archive as a whole is
//! checked before its manifest is read: the number of entries, the total size they declare
//! uncompressed, each large entry's compression ratio (a zip bomb is refused whole), and every
//! entry's path (absolute or `..` paths would escape a client's packages folder). The manifest
//! is the one `*.nuspec` at the root, read up to its limit whatever its header claims.

use std::io::{Read, Seek};

use tributary_model::archive::escapes_directory;
use tributary_model::{ErrorKind, ServiceError};
use zip::ZipArchive;

/// Limits applied while reading a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most entries. Default 65 536: big SDK packages hold a few thousand.
    pub max_entries: usize,
    /// The most bytes all entries may declare uncompressed. Default 8 GiB.
    pub max_total_bytes: u64,
    /// The ratio (uncompressed / compressed) above which an entry of at least
    /// [`MIN_BOMB_BYTES`] is taken for a bomb. Default 200.
    pub max_ratio: u64,
    /// The largest manifest. Default 4 MiB.
    pub max_nuspec_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_entries: 65_536, max_total_bytes: 8 << 30, max_ratio: 200, max_nuspec_bytes: 4 << 20 }
    }
}

/// Entries smaller than this are never taken for bombs.
pub const MIN_BOMB_BYTES: u64 = 1024 * 1024;

fn invalid(why: impl std::fmt::Display) -> ServiceError {
    ServiceError::validation(format!("the package is not a valid .nupkg: {why}; push the file `nuget pack` made"))
}

/// The name a version's package file is stored and served under (lowercase, as the flat
/// container names it): `{id}.{version}.nupkg`.
pub fn nupkg_name(id: &str, version: &crate::version::NugetVersion) -> String {
    format!("{}.{}.nupkg", crate::id::normalize(id), version.key())
}

/// The name a version's manifest is stored and served under: `{id}.nuspec`.
pub fn nuspec_name(id: &str) -> String {
    format!("{}.nuspec", crate::id::normalize(id))
}

/// The manifest's bytes.
pub fn read_nuspec<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Vec<u8>, ServiceError> {
    let mut zip = ZipArchive::new(reader).map_err(|e| invalid(format!("it is not a zip archive ({e})")))?;
    if zip.len() > limits.max_entries {
        return Err(invalid(format!("it holds {} entries, more than {}", zip.len(), limits.max_entries)));
    }
    let mut total = 0u64;
    let mut nuspec: Option<(usize, String)> = None;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|e| invalid(format!("it is corrupt ({e})")))?;
        let name = entry.name().to_owned();
        if escapes_directory(&name) {
            return Err(invalid(format!(
                "it holds `{}`, a path that is absolute or holds `..` and would land outside the packages folder",
                name.escape_debug()
            )));
        }
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size >= MIN_BOMB_BYTES && size > compressed.saturating_mul(limits.max_ratio) {
            return Err(ServiceError::validation(format!(
                "the package holds `{name}`, which expands from {compressed} to {size} bytes, more than {} times: it \
                 looks like a decompression bomb and is refused",
                limits.max_ratio
            )));
        }
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(ServiceError::new(
                ErrorKind::PayloadTooLarge,
                format!("the package expands to more than {} bytes; this server refuses it", limits.max_total_bytes),
            ));
        }
        if !name.contains('/') && name.to_ascii_lowercase().ends_with(".nuspec") {
            if nuspec.is_some() {
                return Err(invalid("it holds more than one .nuspec at its root"));
            }
            nuspec = Some((index, name));
        }
    }
    let (index, name) = nuspec.ok_or_else(|| invalid("it holds no .nuspec at its root"))?;
    let entry = zip.by_index(index).map_err(|e| invalid(format!("it is corrupt ({e})")))?;
    if entry.size() > limits.max_nuspec_bytes {
        return Err(invalid(format!("`{name}` is larger than {} bytes", limits.max_nuspec_bytes)));
    }
    let declared = entry.size();
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    entry.take(declared + 1).read_to_end(&mut bytes).map_err(|e| invalid(format!("`{name}` is corrupt ({e})")))?;
    if bytes.len() as u64 != declared {
        return Err(invalid(format!("`{name}` does not hold the {declared} bytes it declares")));
    }
    Ok(bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    /// A zip of `entries`, deflated.
    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            out.start_file(*name, options).expect("an entry");
            out.write_all(bytes).expect("written");
        }
        out.finish().expect("a zip").into_inner()
    }

    const NUSPEC: &[u8] = b"<package><metadata><id>A</id><version>1.0</version></metadata></package>";

    #[test]
    fn the_root_nuspec_is_read() {
        let nupkg = zip_of(&[("A.nuspec", NUSPEC), ("lib/net6.0/A.dll", b"MZ"), ("sub/B.nuspec", b"x")]);
        assert_eq!(read_nuspec(Cursor::new(nupkg), &Limits::default()).expect("read"), NUSPEC);
    }

    #[test]
    fn refused() {
        let message =
            |bytes: Vec<u8>, limits: Limits| read_nuspec(Cursor::new(bytes), &limits).expect_err("refused").message;
        let limits = Limits::default();
        assert!(message(b"not a zip".to_vec(), limits).contains("not a zip"));
        assert!(message(zip_of(&[("lib/a.dll", b"x")]), limits).contains("no .nuspec"));
        assert!(message(zip_of(&[("a.nuspec", NUSPEC), ("b.nuspec", NUSPEC)]), limits).contains("more than one"));
        assert!(message(zip_of(&[("a.nuspec", NUSPEC), ("../evil", b"x")]), limits).contains("outside"));
        assert!(message(zip_of(&[("a.nuspec", NUSPEC), ("/etc/x", b"x")]), limits).contains("outside"));
        let few = Limits { max_entries: 1, ..limits };
        assert!(message(zip_of(&[("a.nuspec", NUSPEC), ("b", b"x")]), few).contains("entries"));
        let small = Limits { max_total_bytes: 10, ..limits };
        assert!(message(zip_of(&[("a.nuspec", NUSPEC)]), small).contains("expands to more"));
        let tiny = Limits { max_nuspec_bytes: 10, ..limits };
        assert!(message(zip_of(&[("a.nuspec", NUSPEC)]), tiny).contains("larger than"));
    }

    #[test]
    fn a_zip_bomb_is_refused_before_anything_is_inflated() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let bomb = zip_of(&[("a.nuspec", NUSPEC), ("lib/zeros.bin", &zeros)]);
        let err = read_nuspec(Cursor::new(bomb), &Limits::default()).expect_err("a bomb");
        assert!(err.message.contains("decompression bomb"), "{}", err.message);
    }
}
