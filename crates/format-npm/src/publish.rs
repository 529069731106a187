//! The bodies the npm CLI `PUT`s to a package's document, `/{name}` and `/{name}/-rev/{rev}`:
//! publish (`libnpmpublish` `publish.js`), deprecate (npm CLI `lib/commands/deprecate.js`),
//! unpublish of one version (`libnpmpublish` `unpublish.js`), owner changes
//! (`lib/commands/owner.js`) and stars (`lib/commands/star.js`). Registry API reference:
//! <https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md>.
//!
//! What the CLI sends, as read in its source (npm 10/11):
//! - **publish** `PUT /{escapedName}`: `{_id, name, description, "dist-tags": {tag: version},
//!   versions: {version: manifest}, access, _attachments: {"<name>-<version>.tgz": {content_type:
//!   "application/octet-stream", data: <base64>, length}}}`. One version, one tag (`--tag`, default
//!   `latest`). The manifest is package.json after npm's normalization, with `_id: name@version`,
//!   `dist.integrity` (sha512 SRI), `dist.shasum` (sha1 hex) and `dist.tarball` (the registry URL,
//!   ignored here). The attachment key uses the **full** name, `@scope/name-1.0.0.tgz` when scoped.
//!   With `--provenance` a second attachment `<name>-<version>.sigstore` holds the Sigstore bundle
//!   as plain JSON text (not base64).
//! - **deprecate / undeprecate** `PUT /{escapedName}` (no `-rev`): first `GET /{escapedName}?write=true`
//!   (the full packument), then the same document back with `deprecated: "<message>"` set on each
//!   matching version (`""` to undeprecate). No `_attachments` (or an empty one).
//! - **unpublish one version** `GET /{escapedName}?write=true`, then `PUT /{escapedName}/-rev/{_rev}`
//!   with the packument minus that version (dist-tags pointing at it removed, `latest` moved to the
//!   highest remaining version, `_attachments` and `_revisions` deleted), then `GET` again and
//!   `DELETE /{tarball path}/-rev/{_rev}` for the tarball. When it is the only version (or
//!   `npm unpublish pkg --force`): just `DELETE /{escapedName}/-rev/{_rev}`.
//! - **owner add/rm** `PUT /{escapedName}/-rev/{_rev}` with `{_id, _rev, maintainers: [...]}`.
//! - **star/unstar** `PUT /{escapedName}` with `{_id, _rev, users: {...}}`.
//!
//! [`classify_put`] tells these apart; [`parse_publish`] validates a publish completely (nothing
//! is accepted partly).

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

use crate::integrity::{Digests, verify_dist};
use crate::tarball::{SUBJECT, TarballLimits, inspect_tarball, tarball_filename};
use crate::version::{clean_version, compare_versions, parse_version};
use crate::{NpmError, NpmName, dist_tags::validate_dist_tag};

/// A validated `npm publish`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishRequest {
    /// The package name (from the URL, equal to the body's).
    pub name: NpmName,
    /// The version published, valid semver.
    pub version: String,
    /// The version's manifest as sent, plus what the registry adds: `_id` (`name@version`),
    /// `_hasShrinkwrap`, `dist.fileCount` and `dist.unpackedSize` from the tarball.
    /// `dist.tarball` is left as sent; packument rendering replaces it.
    pub manifest: Value,
    /// Tags to point at this version (npm sends one: `--tag`, default `latest`). May be empty.
    pub dist_tags: BTreeMap<String, String>,
    /// Our file name for the tarball: `name-1.0.0.tgz` (unscoped part), whatever key npm used.
    pub tarball_filename: String,
    /// The tarball's bytes, checked against `dist.integrity` / `dist.shasum`.
    pub tarball: Vec<u8>,
    /// The tarball's digests (SHA-256 for the blob store, SHA-512 and SHA-1 for npm).
    pub digests: Digests,
    /// The README: from the tarball, else the manifest's or the body's `readme` field.
    pub readme: Option<String>,
    /// The README's file name in the tarball, when it came from there.
    pub readme_filename: Option<String>,
    /// `access` as sent (`public` or `restricted`); informational.
    pub access: Option<String>,
    /// The Sigstore provenance bundle (`--provenance`), as sent; not verified here.
    pub provenance: Option<Vec<u8>>,
}

/// What a `PUT` to a package document is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutKind {
    /// A publish (the body has `_attachments`): call [`parse_publish`].
    Publish,
    /// `npm deprecate` / `npm undeprecate` (the full packument back, no `-rev` in the path):
    /// every version in the body with its deprecation message, `""` meaning not deprecated.
    /// Apply the ones that differ from what is stored; ignore versions that are not stored, and
    /// do not delete stored versions missing from the body.
    Deprecate {
        /// Version → message (`""`: not deprecated).
        versions: BTreeMap<String, String>,
    },
    /// `npm unpublish pkg@version` (the packument minus some versions, to `/{name}/-rev/{rev}`):
    /// stored versions not in `remaining` are to be unpublished. Recompute dist-tags afterwards;
    /// `dist_tags` is what the client computed, for reference.
    UnpublishVersions {
        /// The versions the client kept, by semver order.
        remaining: Vec<String>,
        /// The dist-tags the client sent.
        dist_tags: BTreeMap<String, String>,
    },
    /// `npm owner add/rm`: the full new list of maintainer names.
    Maintainers {
        /// Maintainer names.
        names: Vec<String>,
    },
    /// `npm star` / `npm unstar`: the user names that star the package.
    Star {
        /// User names.
        users: Vec<String>,
    },
}

#[derive(Deserialize)]
struct PutBody {
    #[serde(rename = "_id")]
    id: Option<String>,
    name: Option<String>,
    versions: Option<BTreeMap<String, VersionStub>>,
    #[serde(rename = "dist-tags")]
    dist_tags: Option<BTreeMap<String, Value>>,
    #[serde(rename = "_attachments")]
    attachments: Option<BTreeMap<String, IgnoredAny>>,
    maintainers: Option<Vec<Value>>,
    users: Option<BTreeMap<String, IgnoredAny>>,
}

#[derive(Deserialize)]
struct VersionStub {
    deprecated: Option<Value>,
}

const PUT_BODY: &str = "the request body";
const PUBLISH_BODY: &str = "the publish request body";

/// Tells apart the `PUT` bodies npm sends to `/{name}` (`rev: None`) and `/{name}/-rev/{rev}`
/// (`rev: Some`). The body must name `url_name` (in `name` or `_id`). Reads the body cheaply
/// (attachment data is skipped, not decoded); for [`PutKind::Publish`] call [`parse_publish`].
pub fn classify_put(url_name: &NpmName, body: &[u8], rev: Option<&str>) -> Result<PutKind, NpmError> {
    let body: PutBody = serde_json::from_slice(body)
        .map_err(|err| NpmError::document(PUT_BODY, format!("it is not the JSON document npm sends ({err})")))?;
    let expected = url_name.full();
    for declared in [&body.name, &body.id].into_iter().flatten() {
        if *declared != expected {
            return Err(NpmError::NameMismatch { url_name: expected, body_name: declared.clone() });
        }
    }
    if body.attachments.as_ref().is_some_and(|a| !a.is_empty()) {
        return Ok(PutKind::Publish);
    }
    if let Some(versions) = body.versions {
        if rev.is_some() {
            let mut remaining: Vec<String> = versions.into_keys().collect();
            remaining.sort_by(|a, b| compare_versions(a, b));
            let dist_tags = body
                .dist_tags
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(tag, v)| v.as_str().map(|v| (tag, v.to_owned())))
                .collect();
            return Ok(PutKind::UnpublishVersions { remaining, dist_tags });
        }
        let versions = versions
            .into_iter()
            .map(|(version, stub)| {
                let message = stub.deprecated.as_ref().and_then(Value::as_str).unwrap_or("").to_owned();
                (version, message)
            })
            .collect();
        return Ok(PutKind::Deprecate { versions });
    }
    if let Some(maintainers) = body.maintainers {
        let names = maintainers
            .iter()
            .filter_map(|m| m.get("name").and_then(Value::as_str).or_else(|| m.as_str()))
            .map(str::to_owned)
            .collect();
        return Ok(PutKind::Maintainers { names });
    }
    if let Some(users) = body.users {
        return Ok(PutKind::Star { users: users.into_keys().collect() });
    }
    Err(NpmError::document(
        PUT_BODY,
        "it is neither a publish (`_attachments`), a packument update (`versions`), an owner change (`maintainers`) nor a star (`users`)",
    ))
}

/// [`parse_publish_with_limits`] with the default [`TarballLimits`].
pub fn parse_publish(url_name: &NpmName, body: &[u8]) -> Result<PublishRequest, NpmError> {
    parse_publish_with_limits(url_name, body, &TarballLimits::default())
}

/// Validates an `npm publish` body sent to `PUT /{url_name}`. Checks, each refused with its own
/// error: the URL name is valid for a new package; the body is JSON naming the same package; it
/// holds exactly one version, valid semver, whose manifest repeats that name and version; every
/// dist-tag is a valid tag pointing at that version; there is exactly one tarball attachment
/// (plus at most one provenance bundle), named `<name>-<version>.tgz` (full or unscoped name),
/// whose data is base64 of a non-empty tarball of the declared `length`; the manifest declares
/// `dist.integrity` and/or `dist.shasum` and all declared hashes match; the tarball reads within
/// `limits` and its package.json has the same name and version.
pub fn parse_publish_with_limits(
    url_name: &NpmName,
    body: &[u8],
    limits: &TarballLimits,
) -> Result<PublishRequest, NpmError> {
    url_name.validate_new()?;
    let full = url_name.full();
    // The attachments' data (the tarball in base64, most of the body) is borrowed from the
    // body, not copied; the rest is small.
    let PublishDocument { attachments, rest: body } = serde_json::from_slice(body).map_err(|err| {
        NpmError::document(PUBLISH_BODY, format!("it is not a JSON object ({err}); publish with the npm CLI"))
    })?;

    for key in ["name", "_id"] {
        match body.get(key) {
            None if key == "_id" => {}
            None => return Err(NpmError::document(PUBLISH_BODY, "it has no `name`; publish with the npm CLI")),
            Some(Value::String(declared)) if *declared == full => {}
            Some(other) => {
                let body_name = other.as_str().map_or_else(|| other.to_string(), str::to_owned);
                return Err(NpmError::NameMismatch { url_name: full, body_name });
            }
        }
    }

    // Exactly one version.
    let versions = object(&body, "versions")?
        .ok_or_else(|| NpmError::document(PUBLISH_BODY, "it has no `versions`; publish with the npm CLI"))?;
    let mut entries = versions.iter();
    let (version, manifest) = match (entries.next(), entries.next()) {
        (Some(only), None) => only,
        (None, _) => {
            return Err(NpmError::document(PUBLISH_BODY, "`versions` is empty; it must hold the version published"));
        }
        (Some(_), Some(_)) => {
            return Err(NpmError::document(
                PUBLISH_BODY,
                format!("`versions` holds {} versions; publish one version at a time", versions.len()),
            ));
        }
    };
    if version.len() > MAX_VERSION_LENGTH {
        return Err(NpmError::document(
            PUBLISH_BODY,
            format!("the version is {} characters long; npm's limit is {MAX_VERSION_LENGTH}", version.len()),
        ));
    }
    let parsed_version = parse_version(&full, version)?;
    let subject = format!("{full}@{version}");
    let Value::Object(manifest) = manifest else {
        return Err(NpmError::document(PUBLISH_BODY, format!("the manifest of `{subject}` is not a JSON object")));
    };
    match manifest.get("name").and_then(Value::as_str) {
        Some(n) if n == full => {}
        other => {
            return Err(NpmError::NameMismatch { url_name: full, body_name: other.unwrap_or("(none)").to_owned() });
        }
    }
    if manifest.get("version").and_then(Value::as_str) != Some(version.as_str()) {
        return Err(NpmError::document(
            PUBLISH_BODY,
            format!("the manifest under `versions.{version}` does not have `version: \"{version}\"`"),
        ));
    }

    // Dist-tags point at this version.
    let mut dist_tags = BTreeMap::new();
    for (tag, target) in object(&body, "dist-tags")?.into_iter().flatten() {
        validate_dist_tag(tag)?;
        match target.as_str() {
            Some(t) if t == version => {
                dist_tags.insert(tag.clone(), version.clone());
            }
            _ => {
                return Err(NpmError::document(
                    PUBLISH_BODY,
                    format!("the dist-tag `{tag}` points at `{target}`, not at the version published, `{version}`"),
                ));
            }
        }
    }

    // Attachments: one tarball, at most one provenance bundle.
    let attachment_error = |reason: String| NpmError::InvalidAttachment { name: full.clone(), reason };
    let attachments = match attachments {
        Some(Attachments::Map(map)) if !map.is_empty() => map,
        Some(Attachments::Other(_)) => {
            return Err(NpmError::document(PUBLISH_BODY, "`_attachments` is not a JSON object"));
        }
        _ => return Err(attachment_error("there is no `_attachments` entry holding the tarball".to_owned())),
    };
    let tgz_names = [format!("{full}-{version}.tgz"), tarball_filename(url_name, version)];
    let sigstore_names = [format!("{full}-{version}.sigstore"), format!("{}-{version}.sigstore", url_name.package())];
    let mut tarball_entry = None;
    let mut provenance_entry = None;
    for (key, attachment) in &attachments {
        let slot = if key.ends_with(".tgz") {
            if !tgz_names.contains(key) {
                return Err(attachment_error(format!("the tarball `{key}` should be named `{}`", tgz_names[0])));
            }
            &mut tarball_entry
        } else if sigstore_names.contains(key) {
            &mut provenance_entry
        } else {
            return Err(attachment_error(format!("`{key}` is not the tarball `{}`", tgz_names[0])));
        };
        if slot.replace(attachment).is_some() {
            return Err(attachment_error("there is more than one tarball; publish one version at a time".to_owned()));
        }
    }
    let Some(tarball_entry) = tarball_entry else {
        return Err(attachment_error(format!("there is no tarball `{}`", tgz_names[0])));
    };
    let data = tarball_entry
        .data()
        .ok_or_else(|| attachment_error("the tarball attachment has no `data` string".to_owned()))?;
    let tarball = STANDARD
        .decode(data.trim())
        .map_err(|err| attachment_error(format!("the tarball `data` is not valid base64 ({err})")))?;
    if tarball.is_empty() {
        return Err(attachment_error("the tarball is empty".to_owned()));
    }
    if let Some(length) = tarball_entry.length.as_ref().filter(|l| !l.is_null())
        && length.as_u64() != Some(tarball.len() as u64)
    {
        return Err(attachment_error(format!(
            "the tarball is {} bytes but its `length` says {length}; the upload was cut or changed, publish again",
            tarball.len()
        )));
    }
    let provenance = provenance_entry
        .map(|p| {
            p.data()
                .map(|d| d.as_bytes().to_vec())
                .ok_or_else(|| attachment_error("the provenance attachment has no `data` string".to_owned()))
        })
        .transpose()?;

    // The declared hashes match the bytes.
    let digests = Digests::of(&tarball);
    let dist = manifest.get("dist");
    let dist_str = |key: &str| dist.and_then(|d| d.get(key)).and_then(Value::as_str);
    verify_dist(dist_str("integrity"), dist_str("shasum"), &digests, &subject)?;

    // The tarball agrees with the manifest.
    let info = inspect_tarball(&tarball, limits).map_err(|err| relabel(err, &subject))?;
    let inner_name = info.package_json.get("name").and_then(Value::as_str).unwrap_or("(none)");
    if inner_name != full {
        return Err(NpmError::PackageJsonMismatch { field: "name", manifest: full, tarball: inner_name.to_owned() });
    }
    let inner_version = info.package_json.get("version").and_then(Value::as_str).unwrap_or("(none)");
    if clean_version(inner_version).as_ref() != Some(&parsed_version) {
        return Err(NpmError::PackageJsonMismatch {
            field: "version",
            manifest: version.clone(),
            tarball: inner_version.to_owned(),
        });
    }

    let text = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty() && !s.starts_with("ERROR: No README"))
            .map(str::to_owned)
    };
    let (readme, readme_filename) = match (info.readme, info.readme_filename) {
        (Some(readme), filename) => (Some(readme), filename),
        (None, _) => (text(manifest.get("readme")).or_else(|| text(body.get("readme"))), None),
    };

    let readme = readme.map(|r| cut_at_char_boundary(r, limits.max_readme_bytes));
    check_manifest_limits(manifest, &subject)?;
    let mut manifest = manifest.clone();
    manifest.insert("_id".to_owned(), Value::String(subject));
    manifest.entry("_hasShrinkwrap").or_insert(Value::Bool(info.has_shrinkwrap));
    if let Value::Object(dist) = manifest.entry("dist").or_insert_with(|| Value::Object(Map::new())) {
        dist.insert("fileCount".to_owned(), info.file_count.into());
        dist.insert("unpackedSize".to_owned(), info.unpacked_size.into());
    }

    Ok(PublishRequest {
        name: url_name.clone(),
        version: version.clone(),
        manifest: Value::Object(manifest),
        dist_tags,
        tarball_filename: tarball_filename(url_name, version),
        tarball,
        digests,
        readme,
        readme_filename,
        access: body.get("access").and_then(Value::as_str).map(str::to_owned),
        provenance,
    })
}

/// The longest version accepted: node-semver's `MAX_LENGTH`.
pub const MAX_VERSION_LENGTH: usize = 256;
/// The longest `description` accepted (the registry shows it in search results and packuments).
pub const MAX_DESCRIPTION_BYTES: usize = 64 * 1024;
/// The largest version manifest accepted, its README left out: every packument carries every
/// version's manifest, so one huge manifest would make every read of the package slow.
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// Refuses a manifest over [`MAX_DESCRIPTION_BYTES`] or [`MAX_MANIFEST_BYTES`] (measured as
/// written, without `readme`, which is kept apart and cut).
fn check_manifest_limits(manifest: &Map<String, Value>, subject: &str) -> Result<(), NpmError> {
    if let Some(description) = manifest.get("description").and_then(Value::as_str)
        && description.len() > MAX_DESCRIPTION_BYTES
    {
        return Err(NpmError::document(
            PUBLISH_BODY,
            format!(
                "the `description` of `{subject}` is {} bytes; the limit is {MAX_DESCRIPTION_BYTES} (put long text in the README)",
                description.len()
            ),
        ));
    }
    let mut size = SizeLimit { written: 0, limit: MAX_MANIFEST_BYTES };
    let fits = manifest
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "readme" | "readmeFilename"))
        .try_for_each(|(key, value)| {
            size.written += key.len() + 4;
            serde_json::to_writer(&mut size, value)
        })
        .is_ok();
    if !fits {
        return Err(NpmError::document(
            PUBLISH_BODY,
            format!("the manifest of `{subject}` is larger than {MAX_MANIFEST_BYTES} bytes (its README left out)"),
        ));
    }
    Ok(())
}

/// A writer that only counts, and fails once past its limit.
struct SizeLimit {
    written: usize,
    limit: usize,
}

impl std::io::Write for SizeLimit {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written += buf.len();
        if self.written > self.limit {
            return Err(std::io::Error::other("over the limit"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `text` cut to at most `limit` bytes, at a character boundary.
fn cut_at_char_boundary(mut text: String, limit: u64) -> String {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// A publish body: its attachments read apart (their data borrowed), every other field as JSON.
#[derive(Deserialize)]
struct PublishDocument<'a> {
    #[serde(rename = "_attachments", borrow, default)]
    attachments: Option<Attachments<'a>>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// `_attachments`: a map, or anything else (refused with its own message).
#[derive(Deserialize)]
#[serde(untagged)]
enum Attachments<'a> {
    Map(#[serde(borrow)] BTreeMap<String, Attachment<'a>>),
    Other(IgnoredAny),
}

/// One attachment: its `data` (borrowed when it holds no escapes, as base64 never does) and
/// its declared `length`.
#[derive(Deserialize)]
struct Attachment<'a> {
    #[serde(borrow, default)]
    data: Option<Data<'a>>,
    #[serde(default)]
    length: Option<Value>,
}

/// `data`: a string, or anything else (which counts as none).
#[derive(Deserialize)]
#[serde(untagged)]
enum Data<'a> {
    Text(#[serde(borrow)] Cow<'a, str>),
    Other(IgnoredAny),
}

impl Attachment<'_> {
    fn data(&self) -> Option<&str> {
        match &self.data {
            Some(Data::Text(text)) => Some(text),
            _ => None,
        }
    }
}

/// The object at `key`, if present; an error if present but not an object.
fn object<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>, NpmError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(NpmError::document(PUBLISH_BODY, format!("`{key}` is not a JSON object"))),
    }
}

/// Names the tarball `name@version` in errors from [`inspect_tarball`].
fn relabel(err: NpmError, subject: &str) -> NpmError {
    match err {
        NpmError::InvalidTarball { subject: s, reason } if s == SUBJECT => {
            NpmError::InvalidTarball { subject: subject.to_owned(), reason }
        }
        NpmError::TarballTooLarge { subject: s, what, limit, unit } if s == SUBJECT => {
            NpmError::TarballTooLarge { subject: subject.to_owned(), what, limit, unit }
        }
        other => other,
    }
}
