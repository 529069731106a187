//! Rendering packuments, the package documents of the npm registry API
//! (<https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md>):
//!
//! - [`render_full`]: the full document (`Accept: application/json` or none): `_id`, `_rev`, `name`,
//!   the latest version's `description`, `dist-tags`, `versions` (each manifest as published, with
//!   `dist.tarball`, `dist.shasum`, `dist.integrity` replaced by ours and `deprecated` set from the
//!   document), `time` (`created`, `modified`, one entry per version), fields hoisted from the latest
//!   version (`author`, `bugs`, `contributors`, `homepage`, `keywords`, `license`, `repository`),
//!   and `readme`.
//! - [`render_abbreviated`]: the install form npm, yarn and pnpm ask for with
//!   `Accept: application/vnd.npm.install-v1+json` ("corgi"): `name`, `modified`, `dist-tags`, `time` and,
//!   per version, only the fields installers read (see [`ABBREVIATED_FIELDS`]).
//!
//! Versions appear in semver order. `latest` is kept when it points at a listed version, and
//! otherwise set to the highest listed version without a pre-release part (or the highest);
//! other tags that point at a version not listed are left out, since clients fail on them.
//! Rendering is pure and allocation-light (manifests are written in place, not cloned; one kept
//! as JSON text is parsed while its version is written, and dropped after): callers cache the
//! bytes and invalidate them on change.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::NpmName;
use crate::version::default_latest;

/// The media type of the abbreviated packument.
pub const ABBREVIATED_MEDIA_TYPE: &str = "application/vnd.npm.install-v1+json";

/// Version fields kept in the abbreviated packument, besides `name`, `version`, `dist` and
/// `deprecated`, which are always written from the document. The registry docs list `name`,
/// `version`, `deprecated`, `dependencies`, `optionalDependencies`, `devDependencies`,
/// `bundleDependencies`, `peerDependencies`, `bin`, `directories`, `dist`, `engines` and
/// `_hasShrinkwrap`; the public registry also serves the rest, which current npm (arborist), yarn and
/// pnpm read (`peerDependenciesMeta`, `acceptDependencies`, `os`, `cpu`, `libc`, `funding`,
/// `license`, `hasInstallScript`).
pub const ABBREVIATED_FIELDS: &[&str] = &[
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "bundleDependencies",
    "bundledDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "acceptDependencies",
    "bin",
    "directories",
    "engines",
    "os",
    "cpu",
    "libc",
    "funding",
    "license",
    "_hasShrinkwrap",
    "hasInstallScript",
];

/// Top-level fields the full packument copies from the latest version's manifest, as the
/// registry does.
const HOISTED_FIELDS: &[&str] = &["author", "bugs", "contributors", "homepage", "keywords", "license", "repository"];

/// Manifest fields never written as they are: replaced from the document, or (for the README and
/// attachments) kept out of version objects, as the public registry does.
const REPLACED_FIELDS: &[&str] =
    &["name", "version", "_id", "dist", "deprecated", "readme", "readmeFilename", "_attachments"];

/// `dist` fields kept from the stored manifest besides ours. Signatures and attestations of
/// another registry are dropped: they name that registry's keys and URLs.
const KEPT_DIST_FIELDS: &[&str] = &["fileCount", "unpackedSize"];

/// Lifecycle scripts that make npm report `hasInstallScript`.
const INSTALL_SCRIPTS: &[&str] = &["preinstall", "install", "postinstall"];

/// A package as a repository serves it: what both renderings are made from.
#[derive(Debug, Clone, PartialEq)]
pub struct PackumentDoc<'m> {
    /// The package name.
    pub name: NpmName,
    /// The versions to list (only those a client may see: no Unlisted, Archived, Disposed or
    /// Deleted ones), in any order. A version listed twice is written once, the first time.
    pub versions: Vec<PackumentVersion<'m>>,
    /// Dist-tags (`latest` is filled in when missing or dangling, see the module docs).
    pub dist_tags: BTreeMap<String, String>,
    /// When the package was first stored.
    pub created: DateTime<Utc>,
    /// When the package last changed (the abbreviated document's `modified`).
    pub modified: DateTime<Utc>,
    /// The README shown for the package (the latest version's).
    pub readme: Option<String>,
}

/// One version of a [`PackumentDoc`].
#[derive(Debug, Clone, PartialEq)]
pub struct PackumentVersion<'m> {
    /// The version, semver.
    pub version: String,
    /// The manifest as published (or as fetched from upstream); any `dist` in it is replaced.
    /// Borrowed from where it is kept when rendering (a large packument's manifests are not
    /// copied to be written).
    pub manifest: Manifest<'m>,
    /// Where a client downloads the tarball: the asking repository's own endpoint.
    pub tarball_url: String,
    /// SHA-1 hex of the tarball; left out when empty.
    pub shasum: String,
    /// SRI of the tarball (`sha512-...`); left out when empty.
    pub integrity: String,
    /// When the version was published (the `time` entry).
    pub published_at: DateTime<Utc>,
    /// The deprecation message, if deprecated; replaces any `deprecated` in the manifest.
    pub deprecated: Option<String>,
}

/// A version's manifest: a value, or JSON text that is parsed when it is written.
#[derive(Debug, Clone)]
pub enum Manifest<'m> {
    /// Parsed.
    Value(Cow<'m, Value>),
    /// JSON text (an upstream packument's manifest, as it came).
    Raw(&'m RawValue),
}

impl Manifest<'_> {
    /// The manifest's fields (none when it is not an object).
    fn object(&self) -> Cow<'_, Map<String, Value>> {
        match self {
            Self::Value(value) => value.as_object().map_or_else(|| Cow::Owned(Map::new()), Cow::Borrowed),
            Self::Raw(raw) => Cow::Owned(serde_json::from_str(raw.get()).unwrap_or_default()),
        }
    }
}

impl PartialEq for Manifest<'_> {
    /// Equal when they hold the same fields, parsed or not.
    fn eq(&self, other: &Self) -> bool {
        self.object() == other.object()
    }
}

impl From<Value> for Manifest<'_> {
    fn from(value: Value) -> Self {
        Self::Value(Cow::Owned(value))
    }
}

/// The `_rev` that [`render_full`] writes for `doc`: a client that sends it back in
/// `PUT /{name}/-rev/{rev}` read the document as it is now.
pub fn revision(doc: &PackumentDoc<'_>) -> String {
    View::new(doc).rev()
}

/// Renders the full packument (`application/json`).
pub fn render_full(doc: &PackumentDoc<'_>) -> Vec<u8> {
    let view = View::new(doc);
    to_vec(&Full(&view))
}

/// Renders the abbreviated packument ([`ABBREVIATED_MEDIA_TYPE`]).
pub fn render_abbreviated(doc: &PackumentDoc<'_>) -> Vec<u8> {
    let view = View::new(doc);
    to_vec(&Abbreviated(&view))
}

fn to_vec(value: &impl Serialize) -> Vec<u8> {
    // Every value written is a JSON value, a string or a map with string keys: serializing them
    // into memory has no failure case.
    serde_json::to_vec(value).expect("serializing JSON values into memory cannot fail")
}

/// A document prepared for writing: versions deduplicated and sorted, tags resolved.
struct View<'a> {
    doc: &'a PackumentDoc<'a>,
    name: String,
    versions: Vec<&'a PackumentVersion<'a>>,
    dist_tags: BTreeMap<&'a str, &'a str>,
}

impl<'a> View<'a> {
    fn new(doc: &'a PackumentDoc<'a>) -> Self {
        let mut seen = HashSet::new();
        let mut versions: Vec<(Option<semver::Version>, &PackumentVersion<'_>)> = doc
            .versions
            .iter()
            .filter(|v| seen.insert(v.version.as_str()))
            .map(|v| (semver::Version::parse(&v.version).ok(), v))
            .collect();
        versions.sort_by(|(a, va), (b, vb)| match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => va.version.cmp(&vb.version),
        });
        let versions: Vec<&PackumentVersion<'_>> = versions.into_iter().map(|(_, v)| v).collect();
        let listed: HashSet<&str> = versions.iter().map(|v| v.version.as_str()).collect();
        let mut dist_tags: BTreeMap<&str, &str> = doc
            .dist_tags
            .iter()
            .filter(|(_, v)| listed.contains(v.as_str()))
            .map(|(t, v)| (t.as_str(), v.as_str()))
            .collect();
        if !dist_tags.contains_key("latest")
            && let Some(latest) = default_latest(versions.iter().map(|v| v.version.as_str()))
                .or_else(|| versions.last().map(|v| v.version.as_str()))
        {
            dist_tags.insert("latest", latest);
        }
        Self { doc, name: doc.name.full(), versions, dist_tags }
    }

    fn latest(&self) -> Option<&'a PackumentVersion<'a>> {
        let latest = self.dist_tags.get("latest")?;
        self.versions.iter().copied().find(|v| v.version == *latest)
    }

    /// A revision id in CouchDB's `N-hash` form, derived from what a client can change (the
    /// versions with their integrity and deprecation, the dist-tags): npm sends it back in
    /// `/-rev/{rev}` paths, and a write naming a revision that is no longer current is refused
    /// (see [`revision`]). Times are left out: a version without a publish time would otherwise
    /// change the revision at every rendering.
    fn rev(&self) -> String {
        let mut hasher = Sha256::new();
        for v in &self.versions {
            hasher.update(v.version.as_bytes());
            hasher.update([0]);
            hasher.update(v.integrity.as_bytes());
            hasher.update([0]);
            hasher.update(v.deprecated.as_deref().unwrap_or("").as_bytes());
            hasher.update([1]);
        }
        for (tag, version) in &self.dist_tags {
            hasher.update(tag.as_bytes());
            hasher.update([0]);
            hasher.update(version.as_bytes());
            hasher.update([1]);
        }
        let digest = hex::encode(hasher.finalize());
        format!("{}-{}", self.versions.len().max(1), &digest[..32])
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

struct Full<'v, 'a>(&'v View<'a>);

impl Serialize for Full<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let latest = view.latest().map(|v| v.manifest.object());
        let latest = latest.as_deref();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("_id", &view.name)?;
        map.serialize_entry("_rev", &view.rev())?;
        map.serialize_entry("name", &view.name)?;
        if let Some(description) = latest.and_then(|m| m.get("description")) {
            map.serialize_entry("description", description)?;
        }
        map.serialize_entry("dist-tags", &view.dist_tags)?;
        map.serialize_entry("versions", &Versions { view, full: true })?;
        map.serialize_entry("time", &Times(view))?;
        for field in HOISTED_FIELDS {
            if let Some(value) = latest.and_then(|m| m.get(*field)) {
                map.serialize_entry(field, value)?;
            }
        }
        if let Some(readme) = &view.doc.readme {
            map.serialize_entry("readme", readme)?;
        }
        map.end()
    }
}

struct Abbreviated<'v, 'a>(&'v View<'a>);

impl Serialize for Abbreviated<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("name", &view.name)?;
        map.serialize_entry("modified", &time(&view.doc.modified))?;
        map.serialize_entry("dist-tags", &view.dist_tags)?;
        map.serialize_entry("versions", &Versions { view, full: false })?;
        // When each version was published: what pnpm's `minimumReleaseAge` and npm's
        // `min-release-age` go by, without asking for the full document.
        map.serialize_entry("time", &Times(view))?;
        map.end()
    }
}

struct Versions<'v, 'a> {
    view: &'v View<'a>,
    full: bool,
}

impl Serialize for Versions<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.view.versions.len()))?;
        for v in &self.view.versions {
            map.serialize_entry(&v.version, &VersionObject { name: &self.view.name, version: v, full: self.full })?;
        }
        map.end()
    }
}

struct Times<'v, 'a>(&'v View<'a>);

impl Serialize for Times<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let mut map = serializer.serialize_map(Some(view.versions.len() + 2))?;
        map.serialize_entry("created", &time(&view.doc.created))?;
        map.serialize_entry("modified", &time(&view.doc.modified))?;
        for v in &view.versions {
            map.serialize_entry(&v.version, &time(&v.published_at))?;
        }
        map.end()
    }
}

struct VersionObject<'a> {
    name: &'a str,
    version: &'a PackumentVersion<'a>,
    full: bool,
}

impl Serialize for VersionObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.version;
        let fields = v.manifest.object();
        let manifest = Some(&*fields);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("version", &v.version)?;
        if self.full {
            map.serialize_entry("_id", &format!("{}@{}", self.name, v.version))?;
            for (key, value) in manifest.into_iter().flatten() {
                if !REPLACED_FIELDS.contains(&key.as_str()) {
                    map.serialize_entry(key, value)?;
                }
            }
        } else {
            for field in ABBREVIATED_FIELDS {
                if let Some(value) = manifest.and_then(|m| m.get(*field)) {
                    map.serialize_entry(field, value)?;
                }
            }
            let declared = manifest.and_then(|m| m.get("hasInstallScript"));
            if declared.is_none() && has_install_script(manifest) {
                map.serialize_entry("hasInstallScript", &true)?;
            }
        }
        map.serialize_entry("dist", &Dist { version: v, stored: manifest.and_then(|m| m.get("dist")) })?;
        if let Some(message) = v.deprecated.as_deref().filter(|m| !m.is_empty()) {
            map.serialize_entry("deprecated", message)?;
        }
        map.end()
    }
}

fn has_install_script(manifest: Option<&Map<String, Value>>) -> bool {
    let scripts = manifest.and_then(|m| m.get("scripts")).and_then(Value::as_object);
    scripts.is_some_and(|s| INSTALL_SCRIPTS.iter().any(|name| s.contains_key(*name)))
}

struct Dist<'a> {
    version: &'a PackumentVersion<'a>,
    /// The manifest's own `dist`.
    stored: Option<&'a Value>,
}

impl Serialize for Dist<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.version;
        let stored = self.stored.and_then(Value::as_object);
        let mut map = serializer.serialize_map(None)?;
        if !v.integrity.is_empty() {
            map.serialize_entry("integrity", &v.integrity)?;
        }
        if !v.shasum.is_empty() {
            map.serialize_entry("shasum", &v.shasum)?;
        }
        map.serialize_entry("tarball", &v.tarball_url)?;
        for field in KEPT_DIST_FIELDS {
            if let Some(value) = stored.and_then(|d| d.get(*field)) {
                map.serialize_entry(field, value)?;
            }
        }
        map.end()
    }
}
