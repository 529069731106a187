//! The seam between the engine and the formats: what a format tells the engine about a
//! package in its public registry. Formats implement [`FormatAdapter`]; the engine does
//! resolution, caching, retention and storage the same way for all of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tributary_blob::{DigestAlgorithm, ExpectedDigests};
use tributary_model::{PackageCoordinates, PackageFormat, VersionMetadata, VersionStatus};

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
    /// Further documents that hold more of its versions (NuGet's registration pages, which a
    /// registration index of many versions links to rather than inlines): the engine fetches
    /// each and reads it with [`FormatAdapter::parse_upstream_page`], at most
    /// [`MAX_UPSTREAM_PAGES`].
    pub pages: Vec<String>,
}

/// The most pages ([`ExternalPackage::pages`]) one package document may link to.
pub const MAX_UPSTREAM_PAGES: usize = 256;

/// A version as a public registry describes it.
#[derive(Debug, Clone)]
pub struct ExternalVersion {
    /// The version string.
    pub version: String,
    /// Descriptive metadata, when the format reads it with the document (see
    /// [`FormatAdapter::external_metadata`]).
    pub metadata: VersionMetadata,
    /// The format's own document for the version (npm: the version manifest).
    pub format_metadata: FormatDocument,
    /// When the registry says it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// Its files.
    pub assets: Vec<ExternalAsset>,
}

/// The format's own document of an upstream version: parsed, or the JSON text as it came, parsed
/// only where it is used (a big upstream document's manifests, held while the document is
/// cached, take about five times their text once parsed).
#[derive(Debug, Clone)]
pub enum FormatDocument {
    /// Parsed.
    Parsed(serde_json::Value),
    /// JSON text.
    Raw(Box<serde_json::value::RawValue>),
}

impl FormatDocument {
    /// The document as a value (parsed now when it is text; `null` if the text is not JSON,
    /// which a [`serde_json::value::RawValue`] cannot be).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Self::Parsed(value) => value.clone(),
            Self::Raw(raw) => serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl From<serde_json::Value> for FormatDocument {
    fn from(value: serde_json::Value) -> Self {
        Self::Parsed(value)
    }
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

/// A future an [`IngestCheck`] or a [`RegistryReader`] returns.
pub type CheckFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Reads documents of the registry a file came from (paths under its connection's base URL).
pub trait RegistryReader: Send + Sync {
    /// The document at `path` (`None` when the registry has none); an `immutable` one is read
    /// once and then served from memory.
    fn read<'a>(&'a self, path: &'a str, immutable: bool) -> CheckFuture<'a, Option<bytes::Bytes>>;
}

/// What an [`IngestCheck`] checks: a file fetched from upstream, stored, not yet kept.
pub struct CheckedFile<'a> {
    /// Its package.
    pub package: &'a PackageCoordinates,
    /// Its version.
    pub version: &'a str,
    /// Its name.
    pub file: &'a str,
    /// Its bytes, in a temporary file (rewound).
    pub bytes: std::fs::File,
    /// Its registry's other documents.
    pub registry: &'a dyn RegistryReader,
}

impl std::fmt::Debug for CheckedFile<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedFile")
            .field("package", &self.package)
            .field("version", &self.version)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

/// A check of a file fetched from upstream beyond the digests its registry declares: given its
/// bytes and, when it needs them, its registry's other documents (Go: the checksum database's
/// record and proof, through the gateway's proxy). It runs after the file is stored and before
/// its version is kept; an `Err` keeps nothing and fails the download.
pub trait IngestCheck: Send + Sync + std::fmt::Debug {
    /// Checks `file`.
    fn check<'a>(&'a self, file: CheckedFile<'a>) -> CheckFuture<'a, ()>;
}

/// The largest file a [`VersionMetadataReader`] is given.
pub const MAX_DESCRIBING_FILE: usize = 8 * 1024 * 1024;

/// What a format tells the engine.
pub trait FormatAdapter: Send + Sync + std::fmt::Debug {
    /// The format.
    fn format(&self) -> PackageFormat;
    /// A package name in normal form: packages are stored, found and compared by it (PEP 503
    /// for PyPI). By default names are exact.
    fn normalize_name(&self, name: &str) -> String {
        name.to_owned()
    }
    /// Whether a version ingested from this format's registry is stored with the registry's
    /// publish time (npm's `time`), not the ingestion's: what a release-age policy can judge a
    /// stored version by (docs/DESIGN.md §2, "Release age").
    fn upstream_publish_times(&self) -> bool {
        false
    }
    /// Whether `version` is in the version range `range` as this format's clients read ranges
    /// (npm's `^1.2.0 || >=2`), or why `range` is none; by default the format has no ranges.
    fn in_range(&self, range: &str, version: &str) -> Result<bool, String> {
        let _ = version;
        Err(format!("`{range}`: {} has no version ranges", self.format().as_str()))
    }
    /// The dist-tag that names a package's default display version (npm: `latest`, as
    /// CodeArtifact defines it); `None` where the default is the newest published version.
    fn default_display_tag(&self) -> Option<&'static str> {
        None
    }
    /// The URL of a package's metadata document in the registry at `base_url` (no trailing `/`;
    /// the base the service index names, for a format that has one); `None` for a format with
    /// no upstream registry at all (generic files), whose views never search an external
    /// connection.
    fn upstream_metadata_url(&self, _base_url: &str, _package: &PackageCoordinates) -> Option<String> {
        None
    }

    /// For a registry that says in a document of its own where everything else is (NuGet's
    /// `v3/index.json`), that document's URL under the connection's `base_url`. The engine reads
    /// it (cached like metadata, single flight) before any metadata URL is made.
    fn service_index_url(&self, _base_url: &str) -> Option<String> {
        None
    }

    /// Reads the service index fetched from `url`: the base URL that
    /// [`FormatAdapter::upstream_metadata_url`] then builds on.
    fn read_service_index(&self, _bytes: &[u8], url: &str) -> Result<String, String> {
        Err(format!("this format reads no service index (`{url}`)"))
    }

    /// Whether the format's registries declare their files' digests (in their metadata or beside
    /// the files): a file that comes without one is then logged as stored unverified. `false`
    /// for a protocol that declares none, whose clients check files elsewhere (Go: the go
    /// command checks every module against its checksum database).
    fn registry_declares_digests(&self) -> bool {
        true
    }
    /// The check of `file` fetched from upstream that its registry's declared digests do not
    /// cover, if the format has one, given the setting of the connection it came through
    /// ([`crate::UpstreamSettings::checks`]; Go: the checksum database's key, without which Go
    /// has none). The file is held back until it passes.
    fn ingest_check(&self, _setting: Option<&str>, _file: &str) -> Option<Arc<dyn IngestCheck>> {
        None
    }

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
    /// Whether ListPackageVersionAssets lists `file` among its version's assets. Files derived
    /// from another, served but not the version's own (PyPI's core metadata), are not, as
    /// CodeArtifact lists them.
    fn lists_asset(&self, _file: &str) -> bool {
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
    fn parse_upstream(&self, _bytes: &[u8], _content_type: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        Err(format!("this format has no upstream registry (`{url}`)"))
    }
    /// Reads a page a package document linked to ([`ExternalPackage::pages`]), fetched from
    /// `url`: more versions of the package.
    fn parse_upstream_page(&self, _bytes: &[u8], url: &str) -> Result<Vec<Arc<ExternalVersion>>, String> {
        Err(format!("this format's documents have no pages (`{url}`)"))
    }
}

/// The formats a service serves, each by its adapter: mounted once, at start.
#[derive(Debug, Clone, Default)]
pub struct Formats {
    adapters: Vec<Arc<dyn FormatAdapter>>,
}

impl Formats {
    /// The formats of `adapters`; a later adapter of a format replaces an earlier one.
    pub fn new(adapters: impl IntoIterator<Item = Arc<dyn FormatAdapter>>) -> Self {
        let mut mounted: Vec<Arc<dyn FormatAdapter>> = Vec::new();
        for adapter in adapters {
            mounted.retain(|a| a.format() != adapter.format());
            mounted.push(adapter);
        }
        Self { adapters: mounted }
    }

    /// The adapter of `format`, when it is mounted.
    pub fn adapter(&self, format: PackageFormat) -> Option<&dyn FormatAdapter> {
        self.adapters.iter().find(|a| a.format() == format).map(|a| &**a)
    }

    /// `name` in the normal form of `format` (as it is when the format is not mounted).
    pub fn normalize_name(&self, format: PackageFormat, name: &str) -> String {
        self.adapter(format).map_or_else(|| name.to_owned(), |a| a.normalize_name(name))
    }

    /// `coordinates` with the name in normal form.
    pub fn normalize(&self, coordinates: &PackageCoordinates) -> PackageCoordinates {
        PackageCoordinates { name: self.normalize_name(coordinates.format, &coordinates.name), ..coordinates.clone() }
    }
}

/// The default display version of a package: the version its format's display tag names, when
/// there is one and it is listed (`tagged`, with its status), else the newest published version.
pub(crate) fn default_display_version(
    tagged: Option<(String, VersionStatus)>,
    newest_published: Option<String>,
) -> Option<String> {
    match tagged {
        Some((version, status)) if status.is_listed() => Some(version),
        _ => newest_published,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Lowercase;

    impl FormatAdapter for Lowercase {
        fn format(&self) -> PackageFormat {
            PackageFormat::Nuget
        }
        fn normalize_name(&self, name: &str) -> String {
            name.to_ascii_lowercase()
        }
    }

    #[test]
    fn names_normalize_by_their_formats_adapter() {
        let formats = Formats::new([Arc::new(Lowercase) as Arc<dyn FormatAdapter>]);
        assert_eq!(formats.normalize_name(PackageFormat::Nuget, "Newtonsoft.Json"), "newtonsoft.json");
        // A format that is not mounted keeps names as they are.
        assert_eq!(formats.normalize_name(PackageFormat::Npm, "Left-Pad"), "Left-Pad");
        let coordinates =
            PackageCoordinates { format: PackageFormat::Nuget, namespace: String::new(), name: "A.B".into() };
        assert_eq!(formats.normalize(&coordinates).name, "a.b");
    }

    #[test]
    fn the_default_display_version_is_the_tagged_one_else_the_newest_published() {
        let newest = || Some("2.0.0-beta".to_owned());
        assert_eq!(default_display_version(None, newest()).as_deref(), Some("2.0.0-beta"));
        let tagged = |status| Some(("1.0.0".to_owned(), status));
        assert_eq!(default_display_version(tagged(VersionStatus::Published), newest()).as_deref(), Some("1.0.0"));
        // A tag naming a version that is not listed here does not count.
        assert_eq!(default_display_version(tagged(VersionStatus::Unlisted), newest()).as_deref(), Some("2.0.0-beta"));
        assert_eq!(default_display_version(None, None), None);
    }
}
