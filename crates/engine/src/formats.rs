//! The seam between the engine and the formats: what a format tells the engine about a
//! package in its public registry. Formats implement [`FormatAdapter`]; the engine does
//! resolution, caching, retention and storage the same way for all of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tributary_blob::{DigestAlgorithm, ExpectedDigests};
use tributary_model::{PackageCoordinates, PackageFormat, VersionMetadata};

/// A package as a public registry describes it.
#[derive(Debug, Clone, Default)]
pub struct ExternalPackage {
    /// The name as the registry spells it.
    pub display_name: String,
    /// Its versions, each shared by every view that shows it (a parsed version of a large
    /// packument is big: views must not copy it).
    pub versions: Vec<Arc<ExternalVersion>>,
    /// Named pointers to versions (npm dist-tags).
    pub dist_tags: BTreeMap<String, String>,
}

/// A version as a public registry describes it.
#[derive(Debug, Clone)]
pub struct ExternalVersion {
    /// The version string.
    pub version: String,
    /// Descriptive metadata, when the format reads it with the document (see
    /// [`FormatAdapter::external_metadata`]).
    pub metadata: VersionMetadata,
    /// The format's own document for the version (npm: the version manifest).
    pub format_metadata: serde_json::Value,
    /// When the registry says it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// Its files.
    pub assets: Vec<ExternalAsset>,
}

/// A file of an external version.
#[derive(Debug, Clone)]
pub struct ExternalAsset {
    /// The file name.
    pub name: String,
    /// Where to download it.
    pub url: String,
    /// The digests the registry declares; the bytes must match them.
    pub expected: ExpectedDigests,
    /// The format's per-file attributes, kept with the file when it is stored (a JSON object).
    pub attributes: serde_json::Value,
}

/// Reads a version's metadata from one of its files: its name and bytes.
pub type VersionMetadataReader = fn(&str, &[u8]) -> Option<FileDescription>;

/// What a file fetched from upstream tells of its version.
#[derive(Debug, Clone, Default)]
pub struct FileDescription {
    /// The version's metadata.
    pub metadata: VersionMetadata,
    /// Files derived from it, stored with it (PyPI: a wheel's METADATA as `{wheel}.metadata`).
    pub companions: Vec<CompanionFile>,
}

/// A file derived from another one.
#[derive(Debug, Clone)]
pub struct CompanionFile {
    /// Its name.
    pub name: String,
    /// Its bytes.
    pub bytes: bytes::Bytes,
    /// The format's per-file attributes.
    pub attributes: serde_json::Value,
}

/// The largest file a [`VersionMetadataReader`] is given.
pub const MAX_DESCRIBING_FILE: usize = 8 * 1024 * 1024;

/// What a format tells the engine.
pub trait FormatAdapter: Send + Sync + std::fmt::Debug {
    /// The format.
    fn format(&self) -> PackageFormat;
    /// The URL of a package's metadata document in the registry at `base_url` (no trailing `/`).
    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> String;
    /// The `Accept` header for that request.
    fn metadata_accept(&self) -> &'static str {
        "application/json"
    }
    /// The descriptive metadata of an upstream version, when it is kept (ingested). Formats
    /// whose registries describe each version in the document (npm's manifests) derive it here,
    /// only for the versions kept, rather than for every version of every document read: a big
    /// packument's dependency lists would otherwise be held twice.
    fn external_metadata(&self, version: &ExternalVersion) -> VersionMetadata {
        version.metadata.clone()
    }
    /// Whether serving `file` from upstream keeps its version in the asking repository and the
    /// gateway (retention). Files that only describe a version (PyPI's core metadata, which
    /// resolvers read for versions they may never install) are stored as blobs and served
    /// again from there, but record no version.
    fn retains(&self, _file: &str) -> bool {
        true
    }
    /// For a file that describes its version (PyPI: a wheel, its METADATA inside), the reader
    /// of the version's metadata from the file's bytes; the engine calls it on files of at most
    /// [`MAX_DESCRIBING_FILE`] bytes fetched from upstream, so an ingested version gets its
    /// summary, licenses, dependencies and readme.
    fn version_metadata_reader(&self, _file: &str) -> Option<VersionMetadataReader> {
        None
    }
    /// A file the registry at `base_url` serves without listing it in its metadata (Maven: any
    /// file of any version, at the path the layout gives); `None` where every file is listed
    /// (npm, PyPI). The engine asks for it when no place of the search order has the file.
    fn unlisted_asset(
        &self,
        _base_url: &str,
        _package: &PackageCoordinates,
        _version: &str,
        _file: &str,
    ) -> Option<ExternalAsset> {
        None
    }
    /// Where the registry publishes the checksums of a file at `url` that it declares nowhere
    /// else (Maven: `{url}.sha256`, `{url}.sha1`), strongest first, and how to read one.
    fn checksum_sidecars(&self, _url: &str) -> Vec<(String, DigestAlgorithm)> {
        Vec::new()
    }
    /// Reads a checksum file as [`FormatAdapter::checksum_sidecars`] names: lowercase hex.
    fn read_checksum(&self, _bytes: &[u8]) -> Option<String> {
        None
    }
    /// Reads the metadata document fetched from `url`, served as `content_type`.
    fn parse_upstream(&self, bytes: &[u8], content_type: Option<&str>, url: &str) -> Result<ExternalPackage, String>;
}
