//! Reading a full packument fetched from an upstream npm registry (the public registry's
//! `GET /{name}` with `Accept: application/json`, see
//! <https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md>).
//!
//! Lenient where the public registry's history is untidy: the name is checked by the rules for
//! existing packages (`JSONStream` is fine); versions that are not semver, whose manifest is not
//! an object, or that have no `dist.tarball` are skipped rather than failing the package;
//! unparsable times are dropped. An unpublished package (`time.unpublished`, no `versions`) reads
//! as a package with no versions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::version::compare_versions;
use crate::{NpmError, NpmName};

/// A packument from an upstream registry.
#[derive(Debug, Clone)]
pub struct UpstreamPackument {
    /// The package name.
    pub name: NpmName,
    /// Dist-tags whose value is a string (they may point at skipped versions).
    pub dist_tags: BTreeMap<String, String>,
    /// The usable versions, in semver order.
    pub versions: Vec<UpstreamVersion>,
    /// `time.created`.
    pub created: Option<DateTime<Utc>>,
    /// `time.modified`.
    pub modified: Option<DateTime<Utc>>,
    /// The top-level `readme` (the latest version's, at most 64 KiB on the public registry).
    pub readme: Option<String>,
    /// Whether the upstream marks the package unpublished (`time.unpublished`).
    pub unpublished: bool,
}

/// One version of an [`UpstreamPackument`].
#[derive(Debug, Clone)]
pub struct UpstreamVersion {
    /// The version (valid semver).
    pub version: String,
    /// The version's manifest as the upstream serves it: its JSON text, parsed where it is used
    /// (a big packument's manifests take about five times their text once parsed).
    pub manifest: Box<RawValue>,
    /// `dist.tarball`: where to fetch the bytes.
    pub tarball_url: String,
    /// `dist.shasum` (SHA-1 hex), if given.
    pub shasum: Option<String>,
    /// `dist.integrity` (SRI), if given.
    pub integrity: Option<String>,
    /// `time[version]`.
    pub published_at: Option<DateTime<Utc>>,
    /// `deprecated`, if set and not empty.
    pub deprecated: Option<String>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "_id")]
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "dist-tags", default)]
    dist_tags: Map<String, Value>,
    #[serde(default)]
    versions: BTreeMap<String, Box<RawValue>>,
    #[serde(default)]
    time: Map<String, Value>,
    readme: Option<Value>,
}

/// What is read of a version's manifest kept as text; the rest stays text.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ManifestHead {
    pub(crate) dist: Option<DistHead>,
    pub(crate) deprecated: Option<Value>,
}

/// The fields of `dist` read from a manifest kept as text.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DistHead {
    pub(crate) tarball: Option<Value>,
    pub(crate) shasum: Option<Value>,
    pub(crate) integrity: Option<Value>,
}

/// The text of a string value that is not empty.
fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The head of a manifest kept as text; `None` when it is not an object with a `dist` object.
pub(crate) fn manifest_head(manifest: &RawValue) -> Option<ManifestHead> {
    serde_json::from_str(manifest.get()).ok()
}

const UPSTREAM: &str = "the upstream packument";

/// Parses a full packument from an upstream registry.
pub fn parse_upstream_packument(bytes: &[u8]) -> Result<UpstreamPackument, NpmError> {
    let raw: Raw = serde_json::from_slice(bytes)
        .map_err(|err| NpmError::document(UPSTREAM, format!("it is not a JSON packument ({err})")))?;
    let declared = raw
        .name
        .or(raw.id)
        .ok_or_else(|| NpmError::document(UPSTREAM, "it has no `name`; is the upstream an npm registry?"))?;
    let name = NpmName::parse_existing(&declared)?;
    let time_of = |key: &str| {
        raw.time.get(key).and_then(Value::as_str).and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.to_utc())
    };

    let mut versions: Vec<UpstreamVersion> = raw
        .versions
        .into_iter()
        .filter_map(|(version, manifest)| {
            semver::Version::parse(&version).ok()?;
            // Not an object, or no `dist` object: skipped.
            let head = manifest_head(&manifest)?;
            let dist = head.dist?;
            let tarball_url = dist.tarball.as_ref()?.as_str()?.to_owned();
            let shasum = text(dist.shasum.as_ref());
            let integrity = text(dist.integrity.as_ref());
            let deprecated = text(head.deprecated.as_ref());
            Some(UpstreamVersion {
                published_at: time_of(&version),
                version,
                tarball_url,
                shasum,
                integrity,
                deprecated,
                manifest,
            })
        })
        .collect();
    versions.sort_by(|a, b| compare_versions(&a.version, &b.version));

    let dist_tags = raw.dist_tags.into_iter().filter_map(|(tag, v)| v.as_str().map(|v| (tag, v.to_owned()))).collect();
    Ok(UpstreamPackument {
        name,
        dist_tags,
        versions,
        created: time_of("created"),
        modified: time_of("modified"),
        readme: raw.readme.as_ref().and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned),
        unpublished: raw.time.contains_key("unpublished"),
    })
}
