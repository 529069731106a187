//! A local stand-in for the public Python Package Index (`pypi.org` and `files.pythonhosted.org`),
//! for the `public:pypi` external connection in end-to-end tests.
//!
//! - [`build_wheel`] and [`build_sdist`] build real, installable distributions in Rust from a
//!   [`DistSpec`], byte for byte the same on every run: a wheel as the [binary distribution format]
//!   specifies it (`{pkg}/__init__.py`, `.dist-info/METADATA`, `WHEEL`, a `RECORD` of urlsafe-base64
//!   SHA-256 digests), an sdist as the [source distribution format] does (`{name}-{version}/PKG-INFO`,
//!   `pyproject.toml`, the package); file names escaped as those specifications say.
//! - [`PypiFixture::start`] serves them on `127.0.0.1:<free port>` as PyPI does:
//!   `GET /simple/{project}/` answers the [simple repository API] page of the project, as JSON
//!   ([PEP 691], API version 1.1 of [PEP 700]: `size`, `upload-time`, `versions`) when the `Accept`
//!   header prefers it and as HTML ([PEP 503]) otherwise, with `requires-python`, `yanked`
//!   ([PEP 592]) and `core-metadata` ([PEP 658], [PEP 714]) for wheels; an `ETag` (and `304` on
//!   `If-None-Match`), `Vary: Accept`; a `301` to the normalized name ([PEP 503]) for any other
//!   spelling; `404` for an unknown project. `GET /packages/{file}` answers the file, and
//!   `GET /packages/{file}.metadata` its core metadata.
//! - Its [`FixtureServer`] counts the requests it answered per (percent-decoded) path and logs
//!   their headers (`Accept`, `If-None-Match`), so a test can assert what an upstream fetch asked;
//!   it switches [`Mode`] at runtime ([`FixtureServer::set_mode`]) and stops when the fixture
//!   drops. [`PypiFixture::set_html_only`] makes it an index that knows only HTML;
//!   [`PypiFixture::set_relative_urls`] makes the file URLs relative to the page.
//!
//! [binary distribution format]: https://packaging.python.org/en/latest/specifications/binary-distribution-format/
//! [source distribution format]: https://packaging.python.org/en/latest/specifications/source-distribution-format/
//! [simple repository API]: https://packaging.python.org/en/latest/specifications/simple-repository-api/
//! [PEP 503]: https://peps.python.org/pep-0503/
//! [PEP 592]: https://peps.python.org/pep-0592/
//! [PEP 658]: https://peps.python.org/pep-0658/
//! [PEP 691]: https://peps.python.org/pep-0691/
//! [PEP 700]: https://peps.python.org/pep-0700/
//! [PEP 714]: https://peps.python.org/pep-0714/
//! [`FixtureServer`]: crate::fixture_server::FixtureServer
//! [`FixtureServer::set_mode`]: crate::fixture_server::FixtureServer::set_mode

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

pub use crate::fixture_server::Mode;
use crate::fixture_server::{Fixture, Request, Response, lock};

/// The media type of a JSON simple-API page ([PEP 691]).
///
/// [PEP 691]: https://peps.python.org/pep-0691/
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";
/// The media type of an HTML simple-API page, when asked for by that name ([PEP 691]).
///
/// [PEP 691]: https://peps.python.org/pep-0691/
pub const SIMPLE_HTML: &str = "application/vnd.pypi.simple.v1+html";
/// The media type of a plain HTML page ([PEP 503]).
///
/// [PEP 503]: https://peps.python.org/pep-0503/
pub const TEXT_HTML: &str = "text/html; charset=utf-8";

/// The time every file in a built distribution carries (zip cannot hold times before 1980).
const DIST_MTIME: u64 = 1_704_067_200; // 2024-01-01T00:00:00Z

/// The [normalized name] of a project: runs of `-`, `_` and `.` become one `-`, lowercase.
///
/// [normalized name]: https://packaging.python.org/en/latest/specifications/name-normalization/
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && !out.is_empty() {
            out.push('-');
        }
        separator = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A project name as a distribution file name spells it: normalized, with `_` for `-`
/// (`Foo.Bar-baz` → `foo_bar_baz`); also the import name of the package a [`DistSpec`] builds.
pub fn escaped_name(name: &str) -> String {
    normalize(name).replace('-', "_")
}

/// One release of a project, to build a wheel or an sdist of ([`build_wheel`], [`build_sdist`]).
///
/// The distribution holds the package `{escaped name}` with an `__init__.py` defining
/// `__version__`, any extra files, and the core metadata (version 2.1) made from these fields.
#[derive(Debug, Clone)]
pub struct DistSpec {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    provides_extra: Vec<String>,
    summary: String,
    license: Option<String>,
    description: String,
    description_content_type: String,
    python_tag: String,
    abi_tag: String,
    platform_tag: String,
    files: Vec<(String, Vec<u8>)>,
}

impl DistSpec {
    /// `name` (as displayed: `My.Package`) at `version` (a normalized PEP 440 version), no
    /// dependencies, licence MIT, a Markdown description, tag `py3-none-any`.
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            requires_dist: Vec::new(),
            requires_python: None,
            provides_extra: Vec::new(),
            summary: format!("{name} {version}, built for the tests"),
            license: Some("MIT".to_owned()),
            description: format!("# {name}\n\nVersion {version}, built for the tests.\n"),
            description_content_type: "text/markdown".to_owned(),
            python_tag: "py3".to_owned(),
            abi_tag: "none".to_owned(),
            platform_tag: "any".to_owned(),
            files: Vec::new(),
        }
    }

    /// Adds a `Requires-Dist` (a PEP 508 requirement: `requests>=2`, `tomli; python_version < "3.11"`).
    pub fn requires(mut self, requirement: &str) -> Self {
        self.requires_dist.push(requirement.to_owned());
        self
    }

    /// Sets `Requires-Python` (`>=3.8`).
    pub fn requires_python(mut self, specifier: &str) -> Self {
        self.requires_python = Some(specifier.to_owned());
        self
    }

    /// Adds a `Provides-Extra` (use it in a requirement's marker: `extra == "name"`).
    pub fn extra(mut self, name: &str) -> Self {
        self.provides_extra.push(name.to_owned());
        self
    }

    /// Sets the `Summary`.
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_owned();
        self
    }

    /// Sets the `License` (`None`: no such field).
    pub fn license(mut self, license: Option<&str>) -> Self {
        self.license = license.map(str::to_owned);
        self
    }

    /// Sets the description (the readme: the metadata's body), in Markdown.
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_owned();
        self
    }

    /// Sets the description and its `Description-Content-Type` (`text/x-rst`, `text/plain`).
    pub fn description_as(mut self, text: &str, content_type: &str) -> Self {
        self.description = text.to_owned();
        self.description_content_type = content_type.to_owned();
        self
    }

    /// Sets the wheel's compatibility tag (`cp311`, `cp311`, `manylinux_2_17_x86_64`); each part
    /// may be a `.`-separated set (`py2.py3`). A platform other than `any` makes the wheel
    /// platlib (`Root-Is-Purelib: false`).
    pub fn tag(mut self, python: &str, abi: &str, platform: &str) -> Self {
        self.python_tag = python.to_owned();
        self.abi_tag = abi.to_owned();
        self.platform_tag = platform.to_owned();
        self
    }

    /// Adds a file at `path` (relative to the wheel's root, or to the sdist's top folder:
    /// `{pkg}/data.txt`).
    pub fn file(mut self, path: &str, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.to_owned(), contents.into()));
        self
    }

    /// The name as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The package it installs, `import`-able: the escaped name (`my_package`).
    pub fn import_name(&self) -> String {
        escaped_name(&self.name)
    }

    /// The core metadata (`METADATA` in a wheel, `PKG-INFO` in an sdist), version 2.1.
    pub fn metadata(&self) -> Vec<u8> {
        let mut out = String::new();
        let mut field = |name: &str, value: &str| {
            let _ = writeln!(out, "{name}: {value}");
        };
        field("Metadata-Version", "2.1");
        field("Name", &self.name);
        field("Version", &self.version);
        field("Summary", &self.summary);
        if let Some(license) = &self.license {
            field("License", license);
        }
        if let Some(requires_python) = &self.requires_python {
            field("Requires-Python", requires_python);
        }
        for extra in &self.provides_extra {
            field("Provides-Extra", extra);
        }
        for requirement in &self.requires_dist {
            field("Requires-Dist", requirement);
        }
        field("Description-Content-Type", &self.description_content_type);
        out.push('\n');
        out.push_str(&self.description);
        out.into_bytes()
    }

    /// The package's `__init__.py`.
    fn init_py(&self) -> Vec<u8> {
        format!("\"\"\"{}\"\"\"\n\n__version__ = {:?}\n", self.summary.replace('"', "'"), self.version).into_bytes()
    }

    /// The wheel's compatibility tag as its file name spells it: `py3-none-any`.
    pub fn wheel_tag(&self) -> String {
        format!("{}-{}-{}", self.python_tag, self.abi_tag, self.platform_tag)
    }

    /// `{escaped name}-{version}-{tag}.whl`.
    pub fn wheel_filename(&self) -> String {
        format!("{}-{}.whl", self.stem(), self.wheel_tag())
    }

    /// `{escaped name}-{version}.tar.gz` (PEP 625).
    pub fn sdist_filename(&self) -> String {
        format!("{}.tar.gz", self.stem())
    }

    fn stem(&self) -> String {
        format!("{}-{}", escaped_name(&self.name), self.version.replace('-', "_"))
    }
}

/// What kind of distribution a [`Dist`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistKind {
    /// A `.whl`.
    Wheel,
    /// A `.tar.gz` source distribution.
    Sdist,
}

/// A built distribution: its file name, bytes, digests and core metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dist {
    /// The project name as the metadata spells it.
    pub name: String,
    /// The version.
    pub version: String,
    /// Wheel or sdist.
    pub kind: DistKind,
    /// `foo_bar-1.0-py3-none-any.whl`, `foo_bar-1.0.tar.gz`.
    pub filename: String,
    /// The file.
    pub bytes: Vec<u8>,
    /// SHA-256 of [`Dist::bytes`], lowercase hex.
    pub sha256: String,
    /// MD5 of [`Dist::bytes`], lowercase hex (`md5_digest` of a legacy upload).
    pub md5: String,
    /// The core metadata inside: the wheel's `METADATA`, the sdist's `PKG-INFO`.
    pub metadata: Vec<u8>,
}

impl Dist {
    fn new(spec: &DistSpec, kind: DistKind, filename: String, bytes: Vec<u8>) -> Self {
        Self {
            name: spec.name.clone(),
            version: spec.version.clone(),
            kind,
            filename,
            sha256: sha256_hex(&bytes),
            md5: md5_hex(&bytes),
            bytes,
            metadata: spec.metadata(),
        }
    }

    /// The normalized project name (`foo-bar`).
    pub fn normalized_name(&self) -> String {
        normalize(&self.name)
    }

    /// SHA-256 of [`Dist::metadata`], lowercase hex (the `core-metadata` hash of PEP 658).
    pub fn metadata_sha256(&self) -> String {
        sha256_hex(&self.metadata)
    }

    /// The size of the file in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_lower(&sha2::Sha256::digest(bytes))
}

/// MD5 of `bytes`, lowercase hex.
pub fn md5_hex(bytes: &[u8]) -> String {
    hex_lower(&md5::Md5::digest(bytes))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A `RECORD` hash: `sha256=` and the urlsafe base64 of the digest, without padding.
fn record_hash(bytes: &[u8]) -> String {
    format!("sha256={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(bytes)))
}

/// Builds the wheel of `spec`: `{pkg}/__init__.py`, the extra files, and
/// `{escaped name}-{version}.dist-info/` with `METADATA`, `WHEEL` and `RECORD` (listed last).
pub fn build_wheel(spec: &DistSpec) -> Dist {
    let dist_info = format!("{}.dist-info", spec.stem());
    let mut wheel = String::new();
    let _ = writeln!(wheel, "Wheel-Version: 1.0");
    let _ = writeln!(wheel, "Generator: tributary-tests ({})", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(wheel, "Root-Is-Purelib: {}", spec.platform_tag == "any");
    for python in spec.python_tag.split('.') {
        for abi in spec.abi_tag.split('.') {
            for platform in spec.platform_tag.split('.') {
                let _ = writeln!(wheel, "Tag: {python}-{abi}-{platform}");
            }
        }
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![(format!("{}/__init__.py", spec.import_name()), spec.init_py())];
    files.extend(spec.files.iter().cloned());
    files.push((format!("{dist_info}/METADATA"), spec.metadata()));
    files.push((format!("{dist_info}/WHEEL"), wheel.into_bytes()));
    let mut record = String::new();
    for (path, contents) in &files {
        let _ = writeln!(record, "{path},{},{}", record_hash(contents), contents.len());
    }
    let record_path = format!("{dist_info}/RECORD");
    let _ = writeln!(record, "{record_path},,");
    files.push((record_path, record.into_bytes()));

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time())
        .unix_permissions(0o644);
    for (path, contents) in &files {
        zip.start_file(path.as_str(), options).expect("a zip entry starts");
        zip.write_all(contents).expect("writing into a zip in memory cannot fail");
    }
    let bytes = zip.finish().expect("a zip in memory finishes").into_inner();
    Dist::new(spec, DistKind::Wheel, spec.wheel_filename(), bytes)
}

/// [`DIST_MTIME`] as a zip time.
fn zip_time() -> zip::DateTime {
    zip::DateTime::from_date_and_time(2024, 1, 1, 0, 0, 0).expect("2024-01-01 is a valid zip time")
}

/// Builds the sdist of `spec`: a gzipped tar of `{escaped name}-{version}/` with `PKG-INFO`,
/// `pyproject.toml` (setuptools), `README.md`, `{pkg}/__init__.py` and the extra files.
pub fn build_sdist(spec: &DistSpec) -> Dist {
    let top = spec.stem();
    let mut pyproject = String::new();
    let _ = writeln!(pyproject, "[build-system]");
    let _ = writeln!(pyproject, "requires = [\"setuptools>=61\"]");
    let _ = writeln!(pyproject, "build-backend = \"setuptools.build_meta\"");
    let _ = writeln!(pyproject);
    let _ = writeln!(pyproject, "[project]");
    let _ = writeln!(pyproject, "name = {}", toml_string(&spec.name));
    let _ = writeln!(pyproject, "version = {}", toml_string(&spec.version));
    let _ = writeln!(pyproject, "description = {}", toml_string(&spec.summary));
    let _ = writeln!(pyproject, "readme = \"README.md\"");
    if let Some(license) = &spec.license {
        let _ = writeln!(pyproject, "license = {{ text = {} }}", toml_string(license));
    }
    if let Some(requires_python) = &spec.requires_python {
        let _ = writeln!(pyproject, "requires-python = {}", toml_string(requires_python));
    }
    let dependencies: Vec<String> = spec.requires_dist.iter().map(|r| toml_string(r)).collect();
    let _ = writeln!(pyproject, "dependencies = [{}]", dependencies.join(", "));
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("PKG-INFO".to_owned(), spec.metadata()),
        ("pyproject.toml".to_owned(), pyproject.into_bytes()),
        ("README.md".to_owned(), spec.description.clone().into_bytes()),
        (format!("{}/__init__.py", spec.import_name()), spec.init_py()),
    ];
    files.extend(spec.files.iter().cloned());

    let gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, contents) in &files {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(DIST_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        tar.append_data(&mut header, format!("{top}/{path}"), contents.as_slice())
            .expect("writing into a tar in memory cannot fail");
    }
    let bytes = tar.into_inner().and_then(flate2::write::GzEncoder::finish).expect("a gzipped tar in memory finishes");
    Dist::new(spec, DistKind::Sdist, spec.sdist_filename(), bytes)
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes each distribution to `dir/{filename}` (made if missing; for `twine upload`) and returns
/// the paths.
pub fn write_dists(dir: &Path, dists: &[Dist]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot make `{}`: {e}", dir.display()));
    dists
        .iter()
        .map(|dist| {
            let path = dir.join(&dist.filename);
            std::fs::write(&path, &dist.bytes).unwrap_or_else(|e| panic!("cannot write `{}`: {e}", path.display()));
            path
        })
        .collect()
}

/// The project a distribution file belongs to, normalized, from its file name:
/// `{name}-{version}-{tags}.whl` or `{name}-{version}.tar.gz` (`.zip`).
pub fn project_of_filename(filename: &str) -> Option<String> {
    let name = if filename.ends_with(".whl") {
        filename.split('-').next()?
    } else {
        let stem = filename.strip_suffix(".tar.gz").or_else(|| filename.strip_suffix(".zip"))?;
        stem.rsplit_once('-')?.0
    };
    (!name.is_empty()).then(|| normalize(name))
}

/// One file the fixture serves.
#[derive(Debug, Clone)]
struct FixtureFile {
    dist: Dist,
    /// The bytes answered for the file, when not the built ones (a tampered upstream).
    served: Option<Vec<u8>>,
    /// `Some(reason)` once yanked (an empty reason: yanked without one).
    yanked: Option<String>,
    /// Its `upload-time`.
    uploaded_at: String,
}

#[derive(Debug, Default)]
struct Project {
    /// The name as the first published file's metadata spells it.
    display_name: String,
    files: BTreeMap<String, FixtureFile>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Settings {
    html_only: bool,
    relative_urls: bool,
}

/// What the fixture index serves.
#[derive(Debug, Default)]
pub struct Index {
    settings: Mutex<Settings>,
    projects: Mutex<BTreeMap<String, Project>>,
    published: Mutex<u32>,
}

/// The fixture index, serving until dropped. It derefs to its [`FixtureServer`]: `url()`
/// (`http://127.0.0.1:PORT`, the value for `TRIBUTARY_EXTERNAL_PUBLIC_PYPI_URL`; the index is at
/// `{url}/simple/`), the [`Mode`]s, and the requests it answered (paths like `/simple/foo-bar/`,
/// `/packages/foo_bar-1.0-py3-none-any.whl`), logged with their headers.
///
/// [`FixtureServer`]: crate::fixture_server::FixtureServer
pub type PypiFixture = Fixture<Index>;

impl PypiFixture {
    /// Starts an empty fixture, [`Mode::Up`], JSON and HTML, absolute file URLs, on a free port of
    /// 127.0.0.1.
    pub fn start() -> Self {
        Self::serve("PyPI", Index::default(), route)
    }

    /// Starts a fixture serving `dists` (see [`PypiFixture::publish`]).
    pub fn with(dists: &[Dist]) -> Self {
        let fixture = Self::start();
        for dist in dists {
            fixture.publish(dist);
        }
        fixture
    }

    /// `http://127.0.0.1:PORT/simple/`: the value for `pip --index-url`.
    pub fn index_url(&self) -> String {
        format!("{}/simple/", self.url())
    }

    /// Adds a file to its project (the normalized name in its file name); the same file name
    /// again replaces it.
    pub fn publish(&self, dist: &Dist) {
        self.add(dist, None);
    }

    /// Adds a file whose page declares `dist`'s digest and size but whose URL answers `served`
    /// instead: an upstream that changed or corrupted the bytes.
    pub fn publish_tampered(&self, dist: &Dist, served: Vec<u8>) {
        self.add(dist, Some(served));
    }

    fn add(&self, dist: &Dist, served: Option<Vec<u8>>) {
        let project = project_of_filename(&dist.filename)
            .unwrap_or_else(|| panic!("`{}` is not a distribution file name", dist.filename));
        let n = {
            let mut published = lock(&self.state().published);
            *published += 1;
            *published
        };
        // One minute apart, in the order published.
        let uploaded_at = format!("2024-01-01T{:02}:{:02}:00.000000Z", n / 60 % 24, n % 60);
        let mut projects = lock(&self.state().projects);
        let entry = projects.entry(project).or_default();
        if entry.display_name.is_empty() {
            entry.display_name = dist.name.clone();
        }
        entry
            .files
            .insert(dist.filename.clone(), FixtureFile { dist: dist.clone(), served, yanked: None, uploaded_at });
    }

    /// Yanks the file `filename` (PEP 592) with `reason` (empty: none given).
    pub fn yank(&self, filename: &str, reason: &str) {
        let mut projects = lock(&self.state().projects);
        let file = projects
            .values_mut()
            .find_map(|p| p.files.get_mut(filename))
            .unwrap_or_else(|| panic!("the fixture has no file `{filename}`"));
        file.yanked = Some(reason.to_owned());
    }

    /// Always answers HTML (PEP 503), whatever the `Accept` header asks: an index without the
    /// JSON API.
    pub fn set_html_only(&self, html_only: bool) {
        lock(&self.state().settings).html_only = html_only;
    }

    /// Makes the file URLs of the pages relative (`../../packages/{file}`) instead of absolute
    /// (`http://127.0.0.1:PORT/packages/{file}`, the default, as `files.pythonhosted.org` is).
    pub fn set_relative_urls(&self, relative: bool) {
        lock(&self.state().settings).relative_urls = relative;
    }

    /// How many requests for the page of `project` (normalized here) it answered.
    pub fn page_requests(&self, project: &str) -> usize {
        self.requests(&format!("/simple/{}/", normalize(project)))
    }

    /// How many requests for the file of `dist` it answered.
    pub fn file_requests(&self, dist: &Dist) -> usize {
        self.requests(&format!("/packages/{}", dist.filename))
    }

    /// How many requests for the core metadata of `dist` (`{file}.metadata`) it answered.
    pub fn metadata_requests(&self, dist: &Dist) -> usize {
        self.requests(&format!("/packages/{}.metadata", dist.filename))
    }
}

fn not_found() -> Response {
    Response::text(404, "404 Not Found\n")
}

/// A page in `format`, with its `ETag` and `Vary: Accept`, or `304` when `if_none_match` names
/// that tag.
fn page(format: PageFormat, body: Vec<u8>, if_none_match: Option<&str>) -> Response {
    let content_type = format.content_type();
    let mut tagged = content_type.as_bytes().to_vec();
    tagged.push(b'\n');
    tagged.extend_from_slice(&body);
    let etag = format!("\"{}\"", &sha256_hex(&tagged)[..32]);
    let matches = if_none_match.is_some_and(|header| {
        header.split(',').map(|t| t.trim()).any(|t| t == "*" || t.trim_start_matches("W/") == etag)
    });
    Response::new(if matches { 304 } else { 200 }, content_type, body)
        .with_header("ETag", etag)
        .with_header("Vary", "Accept")
}

/// The representation of a simple-API page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageFormat {
    /// [`SIMPLE_JSON`].
    Json,
    /// HTML as [`SIMPLE_HTML`].
    SimpleHtml,
    /// HTML as [`TEXT_HTML`].
    TextHtml,
}

impl PageFormat {
    fn content_type(self) -> &'static str {
        match self {
            Self::Json => SIMPLE_JSON,
            Self::SimpleHtml => SIMPLE_HTML,
            Self::TextHtml => TEXT_HTML,
        }
    }

    /// The format `accept` prefers (highest `q`, then first listed), as PEP 691 negotiates;
    /// plain HTML for no header, `*/*`, or nothing the index serves.
    fn negotiate(accept: Option<&str>) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for item in accept.unwrap_or_default().split(',') {
            let mut parts = item.split(';');
            let media_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match media_type.as_str() {
                "application/vnd.pypi.simple.v1+json" | "application/vnd.pypi.simple.latest+json" => Self::Json,
                "application/vnd.pypi.simple.v1+html" | "application/vnd.pypi.simple.latest+html" => Self::SimpleHtml,
                "text/html" | "text/*" | "*/*" => Self::TextHtml,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, format));
            }
        }
        best.map_or(Self::TextHtml, |(_, format)| format)
    }
}

/// The answer to `request` (`/simple/`, `/simple/{project}/`, `/packages/{file}`); `base` is the
/// fixture's own URL.
fn route(request: &Request, index: &Index, base: &str) -> Response {
    let settings = *lock(&index.settings);
    let format =
        if settings.html_only { PageFormat::TextHtml } else { PageFormat::negotiate(request.header("accept")) };
    let if_none_match = request.header("if-none-match");
    let projects = lock(&index.projects);
    if request.path == "/simple/" {
        let body = match format {
            PageFormat::Json => root_json(&projects),
            PageFormat::SimpleHtml | PageFormat::TextHtml => root_html(&projects),
        };
        return page(format, body, if_none_match);
    }
    if let Some(rest) = request.path.strip_prefix("/simple/") {
        let name = rest.strip_suffix('/').unwrap_or(rest);
        if name.is_empty() || name.contains('/') {
            return not_found();
        }
        let normalized = normalize(name);
        if normalized != name || !rest.ends_with('/') {
            return Response::text(301, "").with_header("Location", format!("{base}/simple/{normalized}/"));
        }
        let Some(project) = projects.get(name) else { return not_found() };
        let file_url = |filename: &str| {
            if settings.relative_urls {
                format!("../../packages/{filename}")
            } else {
                format!("{base}/packages/{filename}")
            }
        };
        let body = match format {
            PageFormat::Json => project_json(name, project, file_url),
            PageFormat::SimpleHtml | PageFormat::TextHtml => project_html(project, file_url),
        };
        return page(format, body, if_none_match);
    }
    if let Some(filename) = request.path.strip_prefix("/packages/") {
        let find = |filename: &str| projects.values().find_map(|p| p.files.get(filename));
        let bytes = |body: &Vec<u8>| Response::new(200, "application/octet-stream", body.clone());
        if let Some(file) = find(filename) {
            return bytes(file.served.as_ref().unwrap_or(&file.dist.bytes));
        }
        if let Some(file) = filename.strip_suffix(".metadata").and_then(find)
            && file.dist.kind == DistKind::Wheel
        {
            return bytes(&file.dist.metadata);
        }
    }
    not_found()
}

/// The files of a project in page order: by version, then file name.
fn ordered_files(project: &Project) -> Vec<&FixtureFile> {
    let mut files: Vec<&FixtureFile> = project.files.values().collect();
    files.sort_by(|a, b| {
        version_key(&a.dist.version).cmp(&version_key(&b.dist.version)).then(a.dist.filename.cmp(&b.dist.filename))
    });
    files
}

/// A rough PEP 440 order, enough for the fixture's own `versions` list: the release numbers,
/// then pre-releases before the release before post-releases and local versions.
fn version_key(version: &str) -> (Vec<u64>, u8, String) {
    let split = version.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(version.len());
    let (release, rest) = version.split_at(split);
    let mut numbers: Vec<u64> = release.split('.').filter(|p| !p.is_empty()).map(|p| p.parse().unwrap_or(0)).collect();
    while numbers.len() > 1 && numbers.last() == Some(&0) {
        numbers.pop();
    }
    let rest = rest.trim_start_matches(['.', '-', '_']);
    let phase = if rest.is_empty() {
        1
    } else if ["a", "b", "c", "rc", "dev", "alpha", "beta", "pre", "preview"].iter().any(|p| rest.starts_with(p)) {
        0
    } else {
        2
    };
    (numbers, phase, rest.to_owned())
}

fn project_json(name: &str, project: &Project, file_url: impl Fn(&str) -> String) -> Vec<u8> {
    let files = ordered_files(project);
    let mut versions: Vec<&str> =
        files.iter().map(|f| f.dist.version.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
    versions.sort_by_key(|v| version_key(v));
    let files: Vec<Value> = files
        .iter()
        .map(|file| {
            let dist = &file.dist;
            let metadata = match dist.kind {
                DistKind::Wheel => json!({ "sha256": dist.metadata_sha256() }),
                DistKind::Sdist => json!(false),
            };
            let yanked = match file.yanked.as_deref() {
                None => json!(false),
                Some("") => json!(true),
                Some(reason) => json!(reason),
            };
            json!({
                "filename": dist.filename,
                "url": file_url(&dist.filename),
                "hashes": { "sha256": dist.sha256 },
                "requires-python": requires_python(dist),
                "yanked": yanked,
                "core-metadata": metadata,
                "data-dist-info-metadata": metadata,
                "size": dist.size(),
                "upload-time": file.uploaded_at,
            })
        })
        .collect();
    let page = json!({
        "meta": { "api-version": "1.1" },
        "name": name,
        "files": files,
        "versions": versions,
    });
    serde_json::to_vec(&page).expect("a page serializes")
}

fn project_html(project: &Project, file_url: impl Fn(&str) -> String) -> Vec<u8> {
    let title = html_escape(&project.display_name);
    let mut out = String::new();
    let _ = writeln!(out, "<!DOCTYPE html>\n<html>\n  <head>");
    let _ = writeln!(out, "    <meta name=\"pypi:repository-version\" content=\"1.1\">");
    let _ = writeln!(out, "    <title>Links for {title}</title>\n  </head>\n  <body>");
    let _ = writeln!(out, "    <h1>Links for {title}</h1>");
    for file in ordered_files(project) {
        let dist = &file.dist;
        let href = format!("{}#sha256={}", file_url(&dist.filename), dist.sha256);
        let _ = write!(out, "    <a href=\"{}\"", html_escape(&href));
        if let Some(requires_python) = requires_python(dist) {
            let _ = write!(out, " data-requires-python=\"{}\"", html_escape(&requires_python));
        }
        if dist.kind == DistKind::Wheel {
            let hash = format!("sha256={}", dist.metadata_sha256());
            let _ = write!(out, " data-dist-info-metadata=\"{hash}\" data-core-metadata=\"{hash}\"");
        }
        if let Some(reason) = &file.yanked {
            let _ = write!(out, " data-yanked=\"{}\"", html_escape(reason));
        }
        let _ = writeln!(out, ">{}</a><br />", html_escape(&dist.filename));
    }
    let _ = writeln!(out, "  </body>\n</html>");
    out.into_bytes()
}

fn root_json(projects: &BTreeMap<String, Project>) -> Vec<u8> {
    let names: Vec<Value> = projects.values().map(|p| json!({ "name": p.display_name })).collect();
    serde_json::to_vec(&json!({ "meta": { "api-version": "1.1" }, "projects": names })).expect("a page serializes")
}

fn root_html(projects: &BTreeMap<String, Project>) -> Vec<u8> {
    let mut out = String::from("<!DOCTYPE html>\n<html>\n  <head>\n");
    let _ = writeln!(out, "    <meta name=\"pypi:repository-version\" content=\"1.1\">");
    let _ = writeln!(out, "    <title>Simple index</title>\n  </head>\n  <body>");
    for (normalized, project) in projects {
        let _ = writeln!(out, "    <a href=\"/simple/{normalized}/\">{}</a>", html_escape(&project.display_name));
    }
    let _ = writeln!(out, "  </body>\n</html>");
    out.into_bytes()
}

/// The `Requires-Python` of a distribution's metadata.
fn requires_python(dist: &Dist) -> Option<String> {
    let metadata = String::from_utf8_lossy(&dist.metadata);
    let headers = metadata.split("\n\n").next().unwrap_or_default();
    headers.lines().find_map(|line| line.strip_prefix("Requires-Python: ")).map(str::to_owned)
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A zip of `entries`, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (path, contents) in entries {
        zip.start_file(*path, options).expect("a zip entry starts");
        zip.write_all(contents).expect("writing into a zip in memory cannot fail");
    }
    zip.finish().expect("a zip in memory finishes").into_inner()
}

/// The text fields twine sends with `dist` (its name and version, digests of its bytes).
pub fn twine_fields(dist: &Dist) -> Vec<(String, String)> {
    let (filetype, pyversion) =
        if dist.filename.ends_with(".whl") { ("bdist_wheel", "py3") } else { ("sdist", "source") };
    [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", dist.name.as_str()),
        ("version", dist.version.as_str()),
        ("filetype", filetype),
        ("pyversion", pyversion),
        ("summary", "crafted by hand"),
        ("sha256_digest", dist.sha256.as_str()),
        ("md5_digest", dist.md5.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `fields` with `key` set to `value`.
pub fn with_field(mut fields: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    fields.retain(|(k, _)| k != key);
    fields.push((key.to_owned(), value.to_owned()));
    fields
}

/// `fields` declaring the digests of `bytes` (`sha256_digest`, `md5_digest`).
pub fn digests_of(fields: Vec<(String, String)>, bytes: &[u8]) -> Vec<(String, String)> {
    with_field(with_field(fields, "sha256_digest", &sha256_hex(bytes)), "md5_digest", &md5_hex(bytes))
}

/// The multipart form twine posts: `fields`, then the file `content` named `filename`; its
/// `Content-Type` (with the boundary) and its bytes.
pub fn upload_form(fields: &[(String, String)], filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "tributary-test-boundary-7f3a9c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn normalizes_and_escapes_names() {
        for (name, normalized, escaped) in [
            ("requests", "requests", "requests"),
            ("Foo.Bar-baz", "foo-bar-baz", "foo_bar_baz"),
            ("foo__bar", "foo-bar", "foo_bar"),
            ("Foo-._Bar", "foo-bar", "foo_bar"),
            ("zope.interface", "zope-interface", "zope_interface"),
        ] {
            assert_eq!(normalize(name), normalized, "{name}");
            assert_eq!(escaped_name(name), escaped, "{name}");
        }
        for (filename, project) in [
            ("foo_bar-1.0-py3-none-any.whl", Some("foo-bar")),
            ("Foo.Bar-1.0.tar.gz", Some("foo-bar")),
            ("foo-bar-1.0.tar.gz", Some("foo-bar")),
            ("foo-1.0.zip", Some("foo")),
            ("foo-1.0.exe", None),
        ] {
            assert_eq!(project_of_filename(filename).as_deref(), project, "{filename}");
        }
    }

    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        (0..archive.len())
            .map(|i| {
                let mut entry = archive.by_index(i).expect("an entry");
                let mut contents = Vec::new();
                entry.read_to_end(&mut contents).expect("an entry reads");
                (entry.name().to_owned(), contents)
            })
            .collect()
    }

    #[test]
    fn a_wheel_has_metadata_and_a_right_record() {
        let spec = DistSpec::new("Foo.Bar", "1.2.0")
            .requires("requests>=2")
            .requires("tomli; python_version < \"3.11\"")
            .requires_python(">=3.8")
            .file("foo_bar/data.txt", "hello");
        let dist = build_wheel(&spec);
        assert_eq!(dist.filename, "foo_bar-1.2.0-py3-none-any.whl");
        assert_eq!((dist.name.as_str(), dist.version.as_str(), dist.kind), ("Foo.Bar", "1.2.0", DistKind::Wheel));
        assert_eq!(dist.sha256, sha256_hex(&dist.bytes));
        assert_eq!(dist.md5, md5_hex(&dist.bytes));
        assert_eq!(build_wheel(&spec), dist, "building is deterministic");

        let entries = unzip(&dist.bytes);
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "foo_bar/__init__.py",
                "foo_bar/data.txt",
                "foo_bar-1.2.0.dist-info/METADATA",
                "foo_bar-1.2.0.dist-info/WHEEL",
                "foo_bar-1.2.0.dist-info/RECORD",
            ]
        );
        let get = |name: &str| entries.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone()).expect("present");
        assert_eq!(
            get("foo_bar/__init__.py"),
            b"\"\"\"Foo.Bar 1.2.0, built for the tests\"\"\"\n\n__version__ = \"1.2.0\"\n"
        );
        assert_eq!(get("foo_bar-1.2.0.dist-info/METADATA"), dist.metadata);
        assert_eq!(
            String::from_utf8(dist.metadata.clone()).expect("UTF-8"),
            "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.2.0\nSummary: Foo.Bar 1.2.0, built for the tests\n\
             License: MIT\nRequires-Python: >=3.8\nRequires-Dist: requests>=2\n\
             Requires-Dist: tomli; python_version < \"3.11\"\nDescription-Content-Type: text/markdown\n\n\
             # Foo.Bar\n\nVersion 1.2.0, built for the tests.\n"
        );
        assert_eq!(
            String::from_utf8(get("foo_bar-1.2.0.dist-info/WHEEL")).expect("UTF-8"),
            format!(
                "Wheel-Version: 1.0\nGenerator: tributary-tests ({})\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
                env!("CARGO_PKG_VERSION")
            )
        );
        // Each line of RECORD: the path, `sha256=` + urlsafe base64 without padding, the size.
        let record = String::from_utf8(get("foo_bar-1.2.0.dist-info/RECORD")).expect("UTF-8");
        let lines: Vec<&str> = record.lines().collect();
        assert_eq!(lines.len(), entries.len());
        assert_eq!(lines.last(), Some(&"foo_bar-1.2.0.dist-info/RECORD,,"));
        for ((name, contents), line) in entries.iter().zip(&lines).take(entries.len() - 1) {
            let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(contents));
            assert_eq!(*line, format!("{name},sha256={digest},{}", contents.len()));
        }
        assert_eq!(lines[1], "foo_bar/data.txt,sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ,5");
    }

    #[test]
    fn a_platform_wheel_lists_every_tag() {
        let dist = build_wheel(&DistSpec::new("native", "2.0").tag("py2.py3", "none", "manylinux_2_17_x86_64"));
        assert_eq!(dist.filename, "native-2.0-py2.py3-none-manylinux_2_17_x86_64.whl");
        let entries = unzip(&dist.bytes);
        let wheel = entries.iter().find(|(n, _)| n == "native-2.0.dist-info/WHEEL").expect("a WHEEL");
        let wheel = String::from_utf8_lossy(&wheel.1);
        assert!(wheel.contains("Root-Is-Purelib: false\n"), "{wheel}");
        assert!(
            wheel.contains("Tag: py2-none-manylinux_2_17_x86_64\nTag: py3-none-manylinux_2_17_x86_64\n"),
            "{wheel}"
        );
    }

    #[test]
    fn an_sdist_has_pkg_info_and_a_project() {
        let spec = DistSpec::new("Foo.Bar", "1.2.0").requires("requests>=2").requires_python(">=3.8");
        let dist = build_sdist(&spec);
        assert_eq!(dist.filename, "foo_bar-1.2.0.tar.gz");
        assert_eq!(dist.kind, DistKind::Sdist);
        assert_eq!(build_sdist(&spec), dist, "building is deterministic");
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(dist.bytes.as_slice()));
        let mut entries = BTreeMap::new();
        for entry in archive.entries().expect("a tar") {
            let mut entry = entry.expect("an entry");
            let mut contents = String::new();
            entry.read_to_string(&mut contents).expect("UTF-8");
            entries.insert(entry.path().expect("a path").to_string_lossy().into_owned(), contents);
        }
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "foo_bar-1.2.0/PKG-INFO",
                "foo_bar-1.2.0/README.md",
                "foo_bar-1.2.0/foo_bar/__init__.py",
                "foo_bar-1.2.0/pyproject.toml"
            ]
        );
        assert_eq!(entries["foo_bar-1.2.0/PKG-INFO"].as_bytes(), dist.metadata);
        assert!(
            entries["foo_bar-1.2.0/pyproject.toml"].contains(
                "name = \"Foo.Bar\"\nversion = \"1.2.0\"\ndescription = \"Foo.Bar 1.2.0, built for the tests\"\n"
            ),
            "{}",
            entries["foo_bar-1.2.0/pyproject.toml"]
        );
        assert!(entries["foo_bar-1.2.0/pyproject.toml"].contains("dependencies = [\"requests>=2\"]\n"));
    }

    #[test]
    fn negotiates_the_page_format() {
        for (accept, format) in [
            (None, PageFormat::TextHtml),
            (Some("*/*"), PageFormat::TextHtml),
            (Some("application/json"), PageFormat::TextHtml),
            (Some("application/vnd.pypi.simple.v1+json"), PageFormat::Json),
            (
                Some(
                    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01",
                ),
                PageFormat::Json,
            ),
            (Some("text/html; q=0.5, application/vnd.pypi.simple.latest+json; q=0.9"), PageFormat::Json),
            (Some("application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json"), PageFormat::SimpleHtml),
            (Some("application/vnd.pypi.simple.v1+json; q=0, text/html"), PageFormat::TextHtml),
        ] {
            assert_eq!(PageFormat::negotiate(accept), format, "{accept:?}");
        }
    }

    #[test]
    fn orders_versions() {
        let mut versions = vec!["1.10", "1.2", "1.2rc1", "1.2.post1", "0.9", "1.2.0a1", "2"];
        versions.sort_by_key(|v| version_key(v));
        assert_eq!(versions, ["0.9", "1.2.0a1", "1.2rc1", "1.2", "1.2.post1", "1.10", "2"]);
    }

    const JSON_ACCEPT: &str =
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

    fn client() -> reqwest::Client {
        reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().expect("a client")
    }

    /// The JSON answer to `request`.
    async fn json_of(request: reqwest::RequestBuilder) -> Value {
        request.send().await.expect("an answer").json().await.expect("JSON")
    }

    #[tokio::test]
    async fn serves_json_and_html_pages() {
        let wheel = build_wheel(&DistSpec::new("Foo.Bar", "1.0").requires_python(">=3.8"));
        let sdist = build_sdist(&DistSpec::new("Foo.Bar", "1.0").requires_python(">=3.8"));
        let newer = build_wheel(&DistSpec::new("Foo.Bar", "1.10"));
        let fixture = PypiFixture::with(&[newer.clone(), wheel.clone(), sdist.clone()]);
        fixture.yank(&newer.filename, "broken");
        let client = client();
        let page_url = format!("{}/simple/foo-bar/", fixture.url());

        let response = client.get(&page_url).header("accept", JSON_ACCEPT).send().await.expect("an answer");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], SIMPLE_JSON);
        assert_eq!(response.headers()["vary"], "Accept");
        let etag = response.headers().get("etag").cloned().expect("an ETag");
        let page: Value = response.json().await.expect("JSON");
        let base = fixture.url();
        assert_eq!(
            page,
            json!({
                "meta": {"api-version": "1.1"},
                "name": "foo-bar",
                "files": [
                    {
                        "filename": "foo_bar-1.0-py3-none-any.whl",
                        "url": format!("{base}/packages/foo_bar-1.0-py3-none-any.whl"),
                        "hashes": {"sha256": wheel.sha256},
                        "requires-python": ">=3.8",
                        "yanked": false,
                        "core-metadata": {"sha256": wheel.metadata_sha256()},
                        "data-dist-info-metadata": {"sha256": wheel.metadata_sha256()},
                        "size": wheel.size(),
                        "upload-time": "2024-01-01T00:02:00.000000Z",
                    },
                    {
                        "filename": "foo_bar-1.0.tar.gz",
                        "url": format!("{base}/packages/foo_bar-1.0.tar.gz"),
                        "hashes": {"sha256": sdist.sha256},
                        "requires-python": ">=3.8",
                        "yanked": false,
                        "core-metadata": false,
                        "data-dist-info-metadata": false,
                        "size": sdist.size(),
                        "upload-time": "2024-01-01T00:03:00.000000Z",
                    },
                    {
                        "filename": "foo_bar-1.10-py3-none-any.whl",
                        "url": format!("{base}/packages/foo_bar-1.10-py3-none-any.whl"),
                        "hashes": {"sha256": newer.sha256},
                        "requires-python": null,
                        "yanked": "broken",
                        "core-metadata": {"sha256": newer.metadata_sha256()},
                        "data-dist-info-metadata": {"sha256": newer.metadata_sha256()},
                        "size": newer.size(),
                        "upload-time": "2024-01-01T00:01:00.000000Z",
                    },
                ],
                "versions": ["1.0", "1.10"],
            })
        );
        let revalidated = client
            .get(&page_url)
            .header("accept", JSON_ACCEPT)
            .header("if-none-match", etag.clone())
            .send()
            .await
            .expect("an answer");
        assert_eq!(revalidated.status(), 304);

        // HTML by default; its ETag differs from the JSON one's.
        let response = client.get(&page_url).header("if-none-match", etag.clone()).send().await.expect("an answer");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], TEXT_HTML);
        assert_ne!(response.headers()["etag"], etag);
        let html = response.text().await.expect("text");
        assert!(html.contains("<title>Links for Foo.Bar</title>"), "{html}");
        let wheel_link = format!(
            "<a href=\"{base}/packages/foo_bar-1.0-py3-none-any.whl#sha256={}\" data-requires-python=\"&gt;=3.8\" \
             data-dist-info-metadata=\"sha256={}\" data-core-metadata=\"sha256={}\">foo_bar-1.0-py3-none-any.whl</a><br />",
            wheel.sha256,
            wheel.metadata_sha256(),
            wheel.metadata_sha256()
        );
        assert!(html.contains(&wheel_link), "{html}");
        let sdist_link = format!(
            "<a href=\"{base}/packages/foo_bar-1.0.tar.gz#sha256={}\" data-requires-python=\"&gt;=3.8\">foo_bar-1.0.tar.gz</a>",
            sdist.sha256
        );
        assert!(html.contains(&sdist_link), "{html}");
        assert!(html.contains(" data-yanked=\"broken\">foo_bar-1.10-py3-none-any.whl</a>"), "{html}");

        // HTML only: even a client asking for JSON gets HTML.
        fixture.set_html_only(true);
        let response = client.get(&page_url).header("accept", JSON_ACCEPT).send().await.expect("an answer");
        assert_eq!(response.headers()["content-type"], TEXT_HTML);
        fixture.set_html_only(false);

        // Relative file URLs.
        fixture.set_relative_urls(true);
        let page: Value = json_of(client.get(&page_url).header("accept", SIMPLE_JSON)).await;
        assert_eq!(page["files"][0]["url"], "../../packages/foo_bar-1.0-py3-none-any.whl");
        let resolved = reqwest::Url::parse(&page_url).and_then(|u| u.join("../../packages/x.whl")).expect("a URL");
        assert_eq!(resolved.path(), "/packages/x.whl");

        // Other spellings redirect to the normalized name; unknown projects are 404.
        for path in ["/simple/Foo.Bar/", "/simple/foo_bar/", "/simple/foo-bar"] {
            let response = client.get(format!("{base}{path}")).send().await.expect("an answer");
            assert_eq!(response.status(), 301, "{path}");
            assert_eq!(response.headers()["location"], page_url.as_str(), "{path}");
        }
        let response = client.get(format!("{base}/simple/nope/")).send().await.expect("an answer");
        assert_eq!(response.status(), 404);

        // The root index.
        let root: Value = json_of(client.get(fixture.index_url()).header("accept", SIMPLE_JSON)).await;
        assert_eq!(root, json!({"meta": {"api-version": "1.1"}, "projects": [{"name": "Foo.Bar"}]}));

        assert_eq!(fixture.page_requests("Foo.Bar"), 5);
        let log = fixture.request_log();
        assert_eq!(log[0].header("accept"), Some(JSON_ACCEPT));
        assert_eq!(log[1].header("if-none-match"), etag.to_str().ok());
    }

    #[tokio::test]
    async fn serves_files_metadata_and_tampered_bytes() {
        let wheel = build_wheel(&DistSpec::new("foo", "1.0"));
        let sdist = build_sdist(&DistSpec::new("foo", "1.0"));
        let tampered = build_wheel(&DistSpec::new("bar", "1.0"));
        let fixture = PypiFixture::with(&[wheel.clone(), sdist.clone()]);
        fixture.publish_tampered(&tampered, b"not the wheel".to_vec());
        let client = client();
        let get = |path: String| {
            let client = client.clone();
            let url = format!("{}{path}", fixture.url());
            async move {
                let response = client.get(url).send().await.expect("an answer");
                (response.status().as_u16(), response.bytes().await.expect("a body").to_vec())
            }
        };
        assert_eq!(get(format!("/packages/{}", wheel.filename)).await, (200, wheel.bytes.clone()));
        assert_eq!(get(format!("/packages/{}", sdist.filename)).await, (200, sdist.bytes.clone()));
        assert_eq!(get(format!("/packages/{}.metadata", wheel.filename)).await, (200, wheel.metadata.clone()));
        assert_eq!(get(format!("/packages/{}.metadata", sdist.filename)).await.0, 404);
        assert_eq!(get("/packages/foo-9.0.tar.gz".to_owned()).await.0, 404);
        assert_eq!(get(format!("/packages/{}", tampered.filename)).await, (200, b"not the wheel".to_vec()));
        let page: Value =
            json_of(client.get(format!("{}/simple/bar/", fixture.url())).header("accept", SIMPLE_JSON)).await;
        assert_eq!(page["files"][0]["hashes"]["sha256"], tampered.sha256, "the page declares the real digest");
        assert_eq!(fixture.file_requests(&wheel), 1);
        assert_eq!(fixture.metadata_requests(&wheel), 1);
        assert_eq!(fixture.total_requests(), 7);
    }

    #[tokio::test]
    async fn switches_modes() {
        let fixture = PypiFixture::with(&[build_wheel(&DistSpec::new("foo", "1.0"))]);
        let url = format!("{}/simple/foo/", fixture.url());
        crate::fixture_server::assert_switches_modes(&fixture, &url).await;
        assert_eq!(fixture.page_requests("foo"), 3);
    }

    /// Checks in the installed environment `bin` that every file RECORD lists has the digest and
    /// size RECORD says (Python's own `importlib.metadata` reads it), and prints the versions.
    const VERIFY_RECORD: &str = r#"
import base64, hashlib, importlib.metadata, sys
versions = []
for name in sys.argv[1:]:
    dist = importlib.metadata.distribution(name)
    checked = 0
    for file in dist.files:
        if file.hash is None:
            continue
        data = file.read_binary()
        digest = base64.urlsafe_b64encode(hashlib.new(file.hash.mode, data).digest()).rstrip(b"=").decode()
        assert digest == file.hash.value, f"{file}: {digest} != {file.hash.value}"
        assert file.size == len(data), f"{file}: size {file.size} != {len(data)}"
        checked += 1
    assert checked >= 3, f"{name}: only {checked} files with a digest"
    module = __import__(name.replace("-", "_"))
    versions.append(f"{name}=={module.__version__}")
print(" ".join(versions))
"#;

    /// Real clients take the distributions built here: pip (JSON pages, absolute URLs) and uv
    /// (HTML only, relative URLs) install a wheel with its dependency from the fixture into fresh
    /// virtualenvs, and `twine check --strict` accepts the wheel and the sdist. Needs the PyPI
    /// clients (`cargo xtask tools`); about 2 s.
    #[test]
    fn real_clients_install_the_built_wheels() {
        let work = tempfile::Builder::new().prefix("pypi-fixture-clients-").tempdir().expect("a temp dir");
        let home = work.path().join("home");
        let app = DistSpec::new("Demo.App", "1.0").requires("demo-lib>=2").requires_python(">=3.8");
        let lib = DistSpec::new("demo_lib", "2.0").file("demo_lib/data.txt", "data\n");
        let old_lib = build_wheel(&DistSpec::new("demo-lib", "1.0"));
        let dists = [build_wheel(&app), build_sdist(&app), build_wheel(&lib), build_sdist(&lib)];
        let fixture = PypiFixture::with(&dists);
        fixture.publish(&old_lib);
        let run = |command: &mut std::process::Command| crate::fixture_server::run_ok(command, &fixture);
        let verify = |bin: &Path| {
            let mut command = crate::python_command(bin.join("python"), &home, crate::PythonConfig::Isolated);
            run(command.arg("-c").arg(VERIFY_RECORD).args(["demo-app", "demo-lib"]))
        };

        let pip_venv = crate::fresh_venv(&work.path().join("pip-venv"));
        run(crate::python_tool("pip", &home).arg("--python").arg(pip_venv.join("python")).args([
            "install",
            "--quiet",
            "--index-url",
            &fixture.index_url(),
            "demo-app",
        ]));
        assert_eq!(verify(&pip_venv).trim(), "demo-app==1.0 demo-lib==2.0");
        assert_eq!(fixture.file_requests(&old_lib), 0, "pip downloaded a version it did not pick");
        assert_eq!(fixture.file_requests(&dists[0]), 1);
        assert!(fixture.request_log().iter().any(|r| r.header("accept").is_some_and(|a| a.contains(SIMPLE_JSON))));

        fixture.set_html_only(true);
        fixture.set_relative_urls(true);
        let uv_venv = crate::fresh_venv(&work.path().join("uv-venv"));
        run(crate::python_tool("uv", &home)
            .args(["pip", "install", "--quiet", "--python"])
            .arg(uv_venv.join("python"))
            .args(["--index-url", &fixture.index_url(), "demo-app"]));
        assert_eq!(verify(&uv_venv).trim(), "demo-app==1.0 demo-lib==2.0");
        assert_eq!(fixture.file_requests(&dists[0]), 2);

        let paths = write_dists(&work.path().join("dist"), &dists);
        run(crate::python_tool("twine", &home).args(["check", "--strict"]).args(&paths));
    }
}
