//! Repository metadata, `maven-metadata.xml` (<https://maven.apache.org/repositories/metadata.html>,
//! the model in maven-repository-metadata's `metadata.mdo`), at its two levels:
//!
//! - the artifact level (`group/artifact/maven-metadata.xml`): the versions of an artifact, the
//!   latest and the latest release, when it was last updated. The same file name at a group's
//!   directory holds the group's plugin prefixes instead (`<plugins>`); both parse as
//!   [`ArtifactMetadata`].
//! - the SNAPSHOT version level (`group/artifact/1.0-SNAPSHOT/maven-metadata.xml`): the builds
//!   of a SNAPSHOT version, the latest build of each classifier and extension.
//!
//! Parsing is lenient about what it does not need (unknown elements, element order, a missing
//! `lastUpdated`), and strict about what is dangerous (see the `xml` module: no DOCTYPE, no
//! entities). Rendering writes the layout mvn 3 writes, two spaces of indentation, so clients
//! and people read the same thing from us as from Maven Central.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::MavenError;
use crate::path::{ArtifactFile, SnapshotStamp, artifact_filename, timestamped_version};
use crate::version::{Version, is_snapshot, snapshot_base, sort_versions};
use crate::xml::{self, Node, escape};

/// The largest metadata document read, in bytes. Maven Central's largest artifact metadata
/// (artifacts with thousands of versions) is a few hundred KiB.
pub const MAX_METADATA_LEN: usize = 4 << 20;

/// The format of `<lastUpdated>` and `<updated>`: `yyyyMMddHHmmss`, UTC.
const LAST_UPDATED_FORMAT: &str = "%Y%m%d%H%M%S";

/// Formats a time as `<lastUpdated>` writes it: `20261121020304`.
pub fn format_last_updated(at: DateTime<Utc>) -> String {
    at.format(LAST_UPDATED_FORMAT).to_string()
}

/// Parses `<lastUpdated>` (`yyyyMMddHHmmss`, UTC); `None` when it is not one.
pub fn parse_last_updated(s: &str) -> Option<DateTime<Utc>> {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(s, LAST_UPDATED_FORMAT).ok().map(|t| t.and_utc())
}

/// A plugin prefix of a group's metadata: `mvn deploy:deploy` finds `maven-deploy-plugin` through
/// the entry with prefix `deploy` in `org/apache/maven/plugins/maven-metadata.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginPrefix {
    /// The plugin's display name.
    pub name: Option<String>,
    /// The prefix: `deploy`.
    pub prefix: String,
    /// The plugin's artifact id: `maven-deploy-plugin`.
    pub artifact_id: String,
}

/// The artifact-level metadata: an artifact's versions (or, at a group's directory, its plugin
/// prefixes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArtifactMetadata {
    /// The group id; `None` in a group's plugin-prefix metadata.
    pub group_id: Option<String>,
    /// The artifact id; `None` in a group's plugin-prefix metadata.
    pub artifact_id: Option<String>,
    /// The versions, as listed (parsed documents keep the document's order; [`merged`] sorts).
    pub versions: Vec<String>,
    /// The highest version, SNAPSHOTs included.
    pub latest: Option<String>,
    /// The highest release (non-SNAPSHOT) version.
    pub release: Option<String>,
    /// When the metadata last changed: `yyyyMMddHHmmss`, UTC.
    pub last_updated: Option<String>,
    /// A group's plugin prefixes; empty for an artifact.
    pub plugins: Vec<PluginPrefix>,
}

/// Builds an artifact's metadata from its versions, as a repository serves it: versions
/// deduplicated and in Maven's order, `latest` the highest, `release` the highest that is not a
/// SNAPSHOT, `lastUpdated` the given time. Used to merge what mvn uploads with what is stored, and
/// the versions of every repository of a search order.
pub fn merged(
    group_id: &str,
    artifact_id: &str,
    versions: impl IntoIterator<Item = String>,
    last_updated: DateTime<Utc>,
) -> ArtifactMetadata {
    let mut versions: Vec<String> = versions.into_iter().filter(|v| !v.is_empty()).collect();
    // Deduplicate exact strings, keeping the first of each.
    let mut seen = HashSet::new();
    versions.retain(|v| seen.insert(v.clone()));
    sort_versions(&mut versions);
    let latest = versions.last().cloned();
    let release = versions.iter().rev().find(|v| !is_snapshot(v)).cloned();
    ArtifactMetadata {
        group_id: Some(group_id.to_owned()),
        artifact_id: Some(artifact_id.to_owned()),
        versions,
        latest,
        release,
        last_updated: Some(format_last_updated(last_updated)),
        plugins: Vec::new(),
    }
}

/// Parses artifact-level (or group-level) metadata. Unknown elements are ignored, and so is a
/// version-level document's `<snapshot>`; empty `<version>` entries are dropped and repeated ones
/// kept once. The caller bounds the size; documents over [`MAX_METADATA_LEN`] are refused.
pub fn parse_artifact_metadata(bytes: &[u8]) -> Result<ArtifactMetadata, MavenError> {
    check_len(bytes)?;
    let mut m = ArtifactMetadata::default();
    let mut seen = HashSet::new();
    let mut plugin: Option<PluginFields> = None;
    xml::walk(bytes, "the metadata", "metadata", |node| {
        match node {
            Node::Open([_, "plugins", "plugin"]) => plugin = Some(PluginFields::default()),
            Node::Close(path, text) => match path {
                [_, "groupId"] => m.group_id = non_empty(text),
                [_, "artifactId"] => m.artifact_id = non_empty(text),
                [_, "versioning", "latest"] => m.latest = non_empty(text),
                [_, "versioning", "release"] => m.release = non_empty(text),
                [_, "versioning", "lastUpdated"] => m.last_updated = non_empty(text),
                [_, "versioning", "versions", "version"] if !text.is_empty() && seen.insert(text.to_owned()) => {
                    m.versions.push(text.to_owned());
                }
                [_, "plugins", "plugin", field] => {
                    if let Some(p) = plugin.as_mut() {
                        match *field {
                            "name" => p.name = non_empty(text),
                            "prefix" => p.prefix = non_empty(text),
                            "artifactId" => p.artifact_id = non_empty(text),
                            _ => {}
                        }
                    }
                }
                [_, "plugins", "plugin"] => {
                    if let Some(PluginFields { name, prefix: Some(prefix), artifact_id: Some(artifact_id) }) =
                        plugin.take()
                    {
                        m.plugins.push(PluginPrefix { name, prefix, artifact_id });
                    }
                }
                _ => {}
            },
            Node::Open(_) => {}
        }
        Ok(())
    })?;
    Ok(m)
}

#[derive(Default)]
struct PluginFields {
    name: Option<String>,
    prefix: Option<String>,
    artifact_id: Option<String>,
}

/// Renders artifact-level metadata as mvn writes it:
///
/// ```xml
/// <?xml version="1.0" encoding="UTF-8"?>
/// <metadata>
///   <groupId>com.acme</groupId>
///   <artifactId>lib</artifactId>
///   <versioning>
///     <latest>1.1</latest>
///     <release>1.1</release>
///     <versions>
///       <version>1.0</version>
///       <version>1.1</version>
///     </versions>
///     <lastUpdated>20261121020304</lastUpdated>
///   </versioning>
/// </metadata>
/// ```
///
/// It writes the fields as they are: build the value with [`merged`] for the repository's view.
/// `<versioning>` is left out when it would be empty, `<plugins>` when there are none.
pub fn render_artifact_metadata(m: &ArtifactMetadata) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n");
    element(&mut out, 1, "groupId", m.group_id.as_deref());
    element(&mut out, 1, "artifactId", m.artifact_id.as_deref());
    let has_versioning =
        m.latest.is_some() || m.release.is_some() || !m.versions.is_empty() || m.last_updated.is_some();
    if has_versioning {
        out.push_str("  <versioning>\n");
        element(&mut out, 2, "latest", m.latest.as_deref());
        element(&mut out, 2, "release", m.release.as_deref());
        if !m.versions.is_empty() {
            out.push_str("    <versions>\n");
            for v in &m.versions {
                element(&mut out, 3, "version", Some(v));
            }
            out.push_str("    </versions>\n");
        }
        element(&mut out, 2, "lastUpdated", m.last_updated.as_deref());
        out.push_str("  </versioning>\n");
    }
    if !m.plugins.is_empty() {
        out.push_str("  <plugins>\n");
        for p in &m.plugins {
            out.push_str("    <plugin>\n");
            element(&mut out, 3, "name", p.name.as_deref());
            element(&mut out, 3, "prefix", Some(&p.prefix));
            element(&mut out, 3, "artifactId", Some(&p.artifact_id));
            out.push_str("    </plugin>\n");
        }
        out.push_str("  </plugins>\n");
    }
    out.push_str("</metadata>\n");
    out
}

/// The latest build of one classifier and extension of a SNAPSHOT version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotVersion {
    /// The classifier; `None` for the main artifact.
    pub classifier: Option<String>,
    /// The extension: `jar`, `pom`, `jar.asc`.
    pub extension: String,
    /// The timestamped version: `1.0-20261121.020304-3`.
    pub value: String,
    /// When it was deployed: `yyyyMMddHHmmss`, UTC (empty when the document had none).
    pub updated: String,
}

/// The version-level metadata of a SNAPSHOT version: its latest builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMetadata {
    /// The group id.
    pub group_id: String,
    /// The artifact id.
    pub artifact_id: String,
    /// The SNAPSHOT version: `1.0-SNAPSHOT`.
    pub version: String,
    /// The latest build's timestamp: `yyyyMMdd.HHmmss`.
    pub timestamp: Option<String>,
    /// The latest build's number.
    pub build_number: Option<u32>,
    /// When the metadata last changed: `yyyyMMddHHmmss`, UTC.
    pub last_updated: Option<String>,
    /// The latest build of each classifier and extension.
    pub snapshot_versions: Vec<SnapshotVersion>,
}

impl SnapshotMetadata {
    /// The timestamped version to serve for a request of the SNAPSHOT file with this classifier
    /// and extension: its `<snapshotVersion>`, or for Maven 2 metadata without those, the
    /// version of the latest build (`<snapshot>`). `None` when neither names one.
    pub fn resolve(&self, classifier: Option<&str>, extension: &str) -> Option<String> {
        let listed = self
            .snapshot_versions
            .iter()
            .find(|s| s.classifier.as_deref() == classifier && s.extension == extension)
            .map(|s| s.value.clone());
        listed.or_else(|| {
            if !self.snapshot_versions.is_empty() {
                return None;
            }
            let stamp = SnapshotStamp { timestamp: self.timestamp.clone()?, build_number: self.build_number? };
            timestamped_version(&self.version, &stamp)
        })
    }

    /// The file name [`resolve`](Self::resolve) points to: `lib-1.0-20261121.020304-3-sources.jar`.
    pub fn resolve_filename(&self, classifier: Option<&str>, extension: &str) -> Option<String> {
        self.resolve(classifier, extension).map(|v| artifact_filename(&self.artifact_id, &v, classifier, extension))
    }
}

/// Parses version-level metadata. `groupId`, `artifactId` and `version` are required, the
/// version a SNAPSHOT version; the rest is lenient like [`parse_artifact_metadata`].
pub fn parse_snapshot_metadata(bytes: &[u8]) -> Result<SnapshotMetadata, MavenError> {
    check_len(bytes)?;
    let mut group_id = None;
    let mut artifact_id = None;
    let mut version = None;
    let mut timestamp = None;
    let mut build_number = None;
    let mut last_updated = None;
    let mut snapshot_versions = Vec::new();
    let mut current: Option<SnapshotVersionFields> = None;
    xml::walk(bytes, "the SNAPSHOT metadata", "metadata", |node| {
        match node {
            Node::Open([_, "versioning", "snapshotVersions", "snapshotVersion"]) => {
                current = Some(SnapshotVersionFields::default());
            }
            Node::Close(path, text) => match path {
                [_, "groupId"] => group_id = non_empty(text),
                [_, "artifactId"] => artifact_id = non_empty(text),
                [_, "version"] => version = non_empty(text),
                [_, "versioning", "lastUpdated"] => last_updated = non_empty(text),
                [_, "versioning", "snapshot", "timestamp"] => timestamp = non_empty(text),
                [_, "versioning", "snapshot", "buildNumber"] => {
                    build_number = match text {
                        "" => None,
                        n => Some(n.parse::<u32>().map_err(|_| {
                            MavenError::invalid(format!(
                                "the SNAPSHOT metadata's `<buildNumber>` is `{n}`, not a build number"
                            ))
                        })?),
                    };
                }
                [_, "versioning", "snapshotVersions", "snapshotVersion", field] => {
                    if let Some(c) = current.as_mut() {
                        match *field {
                            "classifier" => c.classifier = non_empty(text),
                            "extension" => c.extension = non_empty(text),
                            "value" => c.value = non_empty(text),
                            "updated" => c.updated = text.to_owned(),
                            _ => {}
                        }
                    }
                }
                [_, "versioning", "snapshotVersions", "snapshotVersion"] => {
                    if let Some(SnapshotVersionFields {
                        classifier,
                        extension: Some(extension),
                        value: Some(value),
                        updated,
                    }) = current.take()
                    {
                        snapshot_versions.push(SnapshotVersion { classifier, extension, value, updated });
                    }
                }
                _ => {}
            },
            Node::Open(_) => {}
        }
        Ok(())
    })?;
    let missing = |field: &str| {
        MavenError::invalid(format!(
            "the SNAPSHOT metadata has no `<{field}>`; version-level metadata names its group, artifact and version"
        ))
    };
    let version = version.ok_or_else(|| missing("version"))?;
    if !is_snapshot(&version) {
        return Err(MavenError::invalid(format!(
            "the SNAPSHOT metadata is for `{version}`, which is not a SNAPSHOT version"
        )));
    }
    Ok(SnapshotMetadata {
        group_id: group_id.ok_or_else(|| missing("groupId"))?,
        artifact_id: artifact_id.ok_or_else(|| missing("artifactId"))?,
        version,
        timestamp,
        build_number,
        last_updated,
        snapshot_versions,
    })
}

#[derive(Default)]
struct SnapshotVersionFields {
    classifier: Option<String>,
    extension: Option<String>,
    value: Option<String>,
    updated: String,
}

/// Renders version-level metadata as mvn 3 writes it (`modelVersion="1.1.0"`):
///
/// ```xml
/// <?xml version="1.0" encoding="UTF-8"?>
/// <metadata modelVersion="1.1.0">
///   <groupId>com.acme</groupId>
///   <artifactId>lib</artifactId>
///   <version>1.0-SNAPSHOT</version>
///   <versioning>
///     <snapshot>
///       <timestamp>20261121.020304</timestamp>
///       <buildNumber>3</buildNumber>
///     </snapshot>
///     <lastUpdated>20261121020304</lastUpdated>
///     <snapshotVersions>
///       <snapshotVersion>
///         <classifier>sources</classifier>
///         <extension>jar</extension>
///         <value>1.0-20261121.020304-3</value>
///         <updated>20261121020304</updated>
///       </snapshotVersion>
///     </snapshotVersions>
///   </versioning>
/// </metadata>
/// ```
pub fn render_snapshot_metadata(m: &SnapshotMetadata) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata modelVersion=\"1.1.0\">\n");
    element(&mut out, 1, "groupId", Some(&m.group_id));
    element(&mut out, 1, "artifactId", Some(&m.artifact_id));
    element(&mut out, 1, "version", Some(&m.version));
    out.push_str("  <versioning>\n");
    if m.timestamp.is_some() || m.build_number.is_some() {
        out.push_str("    <snapshot>\n");
        element(&mut out, 3, "timestamp", m.timestamp.as_deref());
        element(&mut out, 3, "buildNumber", m.build_number.map(|n| n.to_string()).as_deref());
        out.push_str("    </snapshot>\n");
    }
    element(&mut out, 2, "lastUpdated", m.last_updated.as_deref());
    if !m.snapshot_versions.is_empty() {
        out.push_str("    <snapshotVersions>\n");
        for s in &m.snapshot_versions {
            out.push_str("      <snapshotVersion>\n");
            element(&mut out, 4, "classifier", s.classifier.as_deref());
            element(&mut out, 4, "extension", Some(&s.extension));
            element(&mut out, 4, "value", Some(&s.value));
            element(&mut out, 4, "updated", Some(s.updated.as_str()).filter(|u| !u.is_empty()));
            out.push_str("      </snapshotVersion>\n");
        }
        out.push_str("    </snapshotVersions>\n");
    }
    out.push_str("  </versioning>\n</metadata>\n");
    out
}

/// Builds a SNAPSHOT version's metadata from its stored files: for each classifier and
/// extension the build with the highest (timestamp, build number), and as `<snapshot>` the
/// highest build of all; `lastUpdated` is that build's time. Files of other versions and files
/// without a build (`lib-1.0-SNAPSHOT.jar`) are skipped; `None` when no timestamped file is left.
/// Entries are ordered main artifact first, then by classifier, then by extension.
pub fn snapshot_metadata_from_files(
    group_id: &str,
    artifact_id: &str,
    version: &str,
    files: &[ArtifactFile],
) -> Option<SnapshotMetadata> {
    let mut latest: BTreeMap<(Option<&str>, &str), &SnapshotStamp> = BTreeMap::new();
    for f in files {
        let Some(stamp) = &f.snapshot else { continue };
        if f.group_id != group_id || f.artifact_id != artifact_id || f.version != version {
            continue;
        }
        let entry = latest.entry((f.classifier.as_deref(), f.extension.as_str())).or_insert(stamp);
        if stamp > *entry {
            *entry = stamp;
        }
    }
    let overall = latest.values().max().copied()?.clone();
    let snapshot_versions = latest
        .into_iter()
        .filter_map(|((classifier, extension), stamp)| {
            Some(SnapshotVersion {
                classifier: classifier.map(str::to_owned),
                extension: extension.to_owned(),
                value: timestamped_version(version, stamp)?,
                updated: stamp.updated(),
            })
        })
        .collect();
    Some(SnapshotMetadata {
        group_id: group_id.to_owned(),
        artifact_id: artifact_id.to_owned(),
        version: version.to_owned(),
        timestamp: Some(overall.timestamp.clone()),
        build_number: Some(overall.build_number),
        last_updated: Some(overall.updated()),
        snapshot_versions,
    })
}

/// The file to serve for a request of a SNAPSHOT file by its non-timestamped name
/// (`lib-1.0-SNAPSHOT-sources.jar`): the latest build with the same coordinates, classifier and
/// extension. A request that names a build gets that build if it is among `files`. `None` when
/// nothing matches, or the request is not for a SNAPSHOT version.
pub fn resolve_snapshot_filename<'a>(files: &'a [ArtifactFile], requested: &ArtifactFile) -> Option<&'a ArtifactFile> {
    snapshot_base(&requested.version)?;
    let same_artifact = |f: &&ArtifactFile| {
        f.group_id == requested.group_id
            && f.artifact_id == requested.artifact_id
            && f.version == requested.version
            && f.classifier == requested.classifier
            && f.extension == requested.extension
    };
    match &requested.snapshot {
        Some(stamp) => files.iter().filter(same_artifact).find(|f| f.snapshot.as_ref() == Some(stamp)),
        None => files
            .iter()
            .filter(same_artifact)
            .filter(|f| f.snapshot.is_some())
            .max_by(|a, b| a.snapshot.cmp(&b.snapshot)),
    }
}

/// The highest of some versions in Maven's order (`None` for none).
pub fn highest_version<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    versions.into_iter().max_by(|a, b| Version::parse(a).cmp(&Version::parse(b)))
}

fn check_len(bytes: &[u8]) -> Result<(), MavenError> {
    if bytes.len() > MAX_METADATA_LEN {
        return Err(MavenError::too_large(format!(
            "the metadata is {} bytes; `maven-metadata.xml` may have at most {MAX_METADATA_LEN}",
            bytes.len()
        )));
    }
    Ok(())
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

/// Writes `<name>value</name>` on its own line at `depth` (two spaces each); nothing for `None`.
fn element(out: &mut String, depth: usize, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        let _ = writeln!(out, "{:indent$}<{name}>{}</{name}>", "", escape(value), indent = depth * 2);
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::path::{MavenPath, parse_path};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("a valid time")
    }

    fn file(path: &str) -> ArtifactFile {
        match parse_path(path) {
            Ok(MavenPath::File(f)) => f,
            other => panic!("{path}: {other:?}"),
        }
    }

    /// Artifact-level metadata as mvn 3.8.7 (maven-deploy-plugin 3.0.0) left it after deploying
    /// `1.0-SNAPSHOT`, `1.0` and `1.1-beta-1`: versions in deployment order, no `<latest>`.
    const MVN_ARTIFACT_METADATA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>com.acme</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <release>1.1-beta-1</release>
    <versions>
      <version>1.0-SNAPSHOT</version>
      <version>1.0</version>
      <version>1.1-beta-1</version>
    </versions>
    <lastUpdated>20261121021747</lastUpdated>
  </versioning>
</metadata>
"#;

    /// Version-level metadata as mvn 3.8.7 wrote it for the second build of `1.0-SNAPSHOT`:
    /// `<lastUpdated>` before `<snapshot>`, `<version>` after `<versioning>`.
    const MVN_SNAPSHOT_METADATA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>com.acme</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <lastUpdated>20261121021736</lastUpdated>
    <snapshot>
      <timestamp>20261121.021736</timestamp>
      <buildNumber>2</buildNumber>
    </snapshot>
    <snapshotVersions>
      <snapshotVersion>
        <extension>pom</extension>
        <value>1.0-20261121.021736-2</value>
        <updated>20261121021736</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>jar</extension>
        <value>1.0-20261121.021736-2</value>
        <updated>20261121021736</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>sources</classifier>
        <extension>jar</extension>
        <value>1.0-20261121.021736-2</value>
        <updated>20261121021736</updated>
      </snapshotVersion>
    </snapshotVersions>
  </versioning>
  <version>1.0-SNAPSHOT</version>
</metadata>
"#;

    /// Maven Central's metadata of a plugin, with the `<latest>` Central's indexer writes.
    const CENTRAL_PLUGIN_METADATA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>org.apache.maven.plugins</groupId>
  <artifactId>maven-deploy-plugin</artifactId>
  <versioning>
    <latest>3.1.1</latest>
    <release>3.1.1</release>
    <versions>
      <version>2.0-beta-1</version>
      <version>2.0</version>
      <version>2.7</version>
      <version>2.8.2</version>
      <version>3.0.0-M1</version>
      <version>3.0.0</version>
      <version>3.1.1</version>
    </versions>
    <lastUpdated>20230323091738</lastUpdated>
  </versioning>
</metadata>
"#;

    /// A group's plugin prefixes (`org/apache/maven/plugins/maven-metadata.xml`).
    const GROUP_PLUGIN_METADATA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <plugins>
    <plugin>
      <name>Apache Maven Deploy Plugin</name>
      <prefix>deploy</prefix>
      <artifactId>maven-deploy-plugin</artifactId>
    </plugin>
    <plugin>
      <name>Apache Maven Dependency Plugin</name>
      <prefix>dependency</prefix>
      <artifactId>maven-dependency-plugin</artifactId>
    </plugin>
    <plugin>
      <prefix>incomplete</prefix>
    </plugin>
  </plugins>
</metadata>
"#;

    #[test]
    fn parses_artifact_metadata_as_mvn_and_central_write_it() {
        let m = parse_artifact_metadata(MVN_ARTIFACT_METADATA.as_bytes()).expect("mvn's metadata");
        assert_eq!(
            m,
            ArtifactMetadata {
                group_id: Some("com.acme".to_owned()),
                artifact_id: Some("lib".to_owned()),
                versions: vec!["1.0-SNAPSHOT".to_owned(), "1.0".to_owned(), "1.1-beta-1".to_owned()],
                latest: None,
                release: Some("1.1-beta-1".to_owned()),
                last_updated: Some("20261121021747".to_owned()),
                plugins: Vec::new(),
            }
        );
        let central = parse_artifact_metadata(CENTRAL_PLUGIN_METADATA.as_bytes()).expect("Central's metadata");
        assert_eq!(central.latest.as_deref(), Some("3.1.1"));
        assert_eq!(central.versions.len(), 7);
        // Rendering gives back Central's bytes.
        assert_eq!(render_artifact_metadata(&central), CENTRAL_PLUGIN_METADATA);
    }

    #[test]
    fn parses_group_plugin_metadata() {
        let m = parse_artifact_metadata(GROUP_PLUGIN_METADATA.as_bytes()).expect("plugin metadata");
        assert_eq!(m.group_id, None);
        assert_eq!(m.artifact_id, None);
        assert!(m.versions.is_empty());
        assert_eq!(
            m.plugins,
            [
                PluginPrefix {
                    name: Some("Apache Maven Deploy Plugin".to_owned()),
                    prefix: "deploy".to_owned(),
                    artifact_id: "maven-deploy-plugin".to_owned(),
                },
                PluginPrefix {
                    name: Some("Apache Maven Dependency Plugin".to_owned()),
                    prefix: "dependency".to_owned(),
                    artifact_id: "maven-dependency-plugin".to_owned(),
                },
            ]
        );
        let rendered = render_artifact_metadata(&m);
        assert!(rendered.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <plugins>\n"));
        assert_eq!(parse_artifact_metadata(rendered.as_bytes()), Ok(m));
    }

    #[test]
    fn parsing_is_lenient_about_what_it_does_not_need() {
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            // Maven 2 metadata: a top-level <version>, comments, other elements.
            (
                r#"<metadata><groupId>junit</groupId><artifactId>junit</artifactId><version>3.8.1</version>
                   <!-- generated --><versioning><versions><version>3.7</version><version>3.8.1</version></versions>
                   <unknown><deep>x</deep></unknown></versioning></metadata>"#,
                &["3.7", "3.8.1"],
                None,
            ),
            // Namespaced, repeated and empty versions, elements in another order.
            (
                r#"<m:metadata xmlns:m="http://maven.apache.org/METADATA/1.1.0"><m:versioning>
                   <m:lastUpdated>20200101000000</m:lastUpdated><m:versions><m:version>1</m:version>
                   <m:version> </m:version><m:version>1</m:version><m:version>2</m:version></m:versions>
                   </m:versioning><m:artifactId>a</m:artifactId></m:metadata>"#,
                &["1", "2"],
                Some("20200101000000"),
            ),
            // A version-level document read as artifact-level: its version is not a listing.
            (MVN_SNAPSHOT_METADATA, &[], Some("20261121021736")),
            // No versioning at all.
            ("<metadata/>", &[], None),
        ];
        for (doc, versions, last_updated) in cases {
            let m = parse_artifact_metadata(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(m.versions, *versions, "{doc}");
            assert_eq!(m.last_updated.as_deref(), *last_updated, "{doc}");
        }
    }

    #[test]
    fn many_versions_parse_in_linear_time() {
        let versions: String = (0..100_000).map(|i| format!("<version>1.{i}</version>")).collect();
        let doc = format!("<metadata><versioning><versions>{versions}</versions></versioning></metadata>");
        let m = parse_artifact_metadata(doc.as_bytes()).expect("a long listing");
        assert_eq!(m.versions.len(), 100_000);
        let m = merged("g", "a", m.versions, at(2026, 1, 1, 0, 0, 0));
        assert_eq!(m.latest.as_deref(), Some("1.99999"));
    }

    #[test]
    fn refuses_bad_metadata() {
        let big = vec![b' '; MAX_METADATA_LEN + 1];
        let cases: &[(&[u8], &str)] = &[
            (b"<project/>", "the root element `<project>`, not `<metadata>`"),
            (b"<!DOCTYPE metadata [<!ENTITY x \"y\">]><metadata/>", "`<!DOCTYPE>`"),
            (b"<metadata><versioning><versions><version>&x;</version></versions></versioning></metadata>", "`&x;`"),
            (b"<metadata><versioning>", "truncated"),
            (b"not xml", "has no `<metadata>` element"),
            (&big, "may have at most"),
        ];
        for (doc, expected) in cases {
            let err = parse_artifact_metadata(doc).expect_err(expected);
            assert!(err.message().contains(expected), "{expected}: {}", err.message());
        }
        assert_eq!(parse_artifact_metadata(&big).map_err(|e| e.kind().http_status()), Err(413));
    }

    #[test]
    fn merges_versions_as_a_repository_serves_them() {
        let now = at(2026, 11, 21, 2, 3, 4);
        /// (versions given, versions listed, latest, release)
        type Case<'a> = (&'a [&'a str], &'a [&'a str], Option<&'a str>, Option<&'a str>);
        let cases: &[Case<'_>] = &[
            // mvn's upload (deployment order) merged with what is stored.
            (
                &["1.0-SNAPSHOT", "1.0", "1.1-beta-1", "1.0", "0.9"],
                &["0.9", "1.0-SNAPSHOT", "1.0", "1.1-beta-1"],
                Some("1.1-beta-1"),
                Some("1.1-beta-1"),
            ),
            // A SNAPSHOT above every release is latest, not release.
            (&["1.0", "1.1-SNAPSHOT", "1.0.1"], &["1.0", "1.0.1", "1.1-SNAPSHOT"], Some("1.1-SNAPSHOT"), Some("1.0.1")),
            // Only SNAPSHOTs: no release.
            (&["2.0-SNAPSHOT", "1.0-SNAPSHOT"], &["1.0-SNAPSHOT", "2.0-SNAPSHOT"], Some("2.0-SNAPSHOT"), None),
            // Qualifiers and numbers in Maven's order, not the alphabet's.
            (
                &["1.10", "1.9", "1.10-rc1", "1.10.0-beta", "1.2", ""],
                &["1.2", "1.9", "1.10.0-beta", "1.10-rc1", "1.10"],
                Some("1.10"),
                Some("1.10"),
            ),
            (&[], &[], None, None),
        ];
        for (input, versions, latest, release) in cases {
            let m = merged("com.acme", "lib", input.iter().map(|s| (*s).to_owned()), now);
            assert_eq!(m.versions, *versions, "{input:?}");
            assert_eq!(m.latest.as_deref(), *latest, "{input:?}");
            assert_eq!(m.release.as_deref(), *release, "{input:?}");
            assert_eq!(m.last_updated.as_deref(), Some("20261121020304"));
        }
    }

    #[test]
    fn renders_merged_metadata_as_mvn_writes_it() {
        let m = merged("com.acme", "lib", ["1.1".to_owned(), "1.0".to_owned()], at(2026, 11, 21, 2, 3, 4));
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>com.acme</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <latest>1.1</latest>
    <release>1.1</release>
    <versions>
      <version>1.0</version>
      <version>1.1</version>
    </versions>
    <lastUpdated>20261121020304</lastUpdated>
  </versioning>
</metadata>
"#;
        assert_eq!(render_artifact_metadata(&m), expected);
        assert_eq!(parse_artifact_metadata(expected.as_bytes()), Ok(m));
        // Text is escaped.
        let odd = ArtifactMetadata { versions: vec!["1<2&3".to_owned()], ..ArtifactMetadata::default() };
        let rendered = render_artifact_metadata(&odd);
        assert!(rendered.contains("<version>1&lt;2&amp;3</version>"), "{rendered}");
        assert_eq!(parse_artifact_metadata(rendered.as_bytes()).map(|m| m.versions), Ok(vec!["1<2&3".to_owned()]));
        // Nothing to say: no versioning.
        assert_eq!(
            render_artifact_metadata(&ArtifactMetadata::default()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n</metadata>\n"
        );
    }

    #[test]
    fn parses_snapshot_metadata_as_mvn_writes_it() {
        let m = parse_snapshot_metadata(MVN_SNAPSHOT_METADATA.as_bytes()).expect("mvn's SNAPSHOT metadata");
        let entry = |classifier: Option<&str>, extension: &str| SnapshotVersion {
            classifier: classifier.map(str::to_owned),
            extension: extension.to_owned(),
            value: "1.0-20261121.021736-2".to_owned(),
            updated: "20261121021736".to_owned(),
        };
        assert_eq!(
            m,
            SnapshotMetadata {
                group_id: "com.acme".to_owned(),
                artifact_id: "lib".to_owned(),
                version: "1.0-SNAPSHOT".to_owned(),
                timestamp: Some("20261121.021736".to_owned()),
                build_number: Some(2),
                last_updated: Some("20261121021736".to_owned()),
                snapshot_versions: vec![entry(None, "pom"), entry(None, "jar"), entry(Some("sources"), "jar")],
            }
        );
        assert_eq!(m.resolve(None, "jar").as_deref(), Some("1.0-20261121.021736-2"));
        assert_eq!(
            m.resolve_filename(Some("sources"), "jar").as_deref(),
            Some("lib-1.0-20261121.021736-2-sources.jar")
        );
        assert_eq!(m.resolve(Some("javadoc"), "jar"), None);
        // Rendering and parsing again gives the same value.
        assert_eq!(parse_snapshot_metadata(render_snapshot_metadata(&m).as_bytes()), Ok(m));
    }

    #[test]
    fn resolves_maven_2_snapshot_metadata() {
        // Maven 2 wrote only <snapshot>; the build applies to every file.
        let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>org.codehaus.mojo</groupId>
  <artifactId>exec-maven-plugin</artifactId>
  <version>1.1-SNAPSHOT</version>
  <versioning>
    <snapshot>
      <timestamp>20080101.120000</timestamp>
      <buildNumber>7</buildNumber>
    </snapshot>
    <lastUpdated>20080101120000</lastUpdated>
  </versioning>
</metadata>"#;
        let m = parse_snapshot_metadata(doc.as_bytes()).expect("Maven 2 metadata");
        assert_eq!(m.resolve(None, "jar").as_deref(), Some("1.1-20080101.120000-7"));
        assert_eq!(m.resolve_filename(None, "pom").as_deref(), Some("exec-maven-plugin-1.1-20080101.120000-7.pom"));
        // Local-copy metadata, as `mvn install` writes it: no build to resolve to.
        let local = r#"<metadata><groupId>a</groupId><artifactId>b</artifactId><version>1.0-SNAPSHOT</version>
            <versioning><snapshot><localCopy>true</localCopy></snapshot><lastUpdated>20261121021736</lastUpdated>
            </versioning></metadata>"#;
        let m = parse_snapshot_metadata(local.as_bytes()).expect("local metadata");
        assert_eq!(m.resolve(None, "jar"), None);
    }

    #[test]
    fn refuses_bad_snapshot_metadata() {
        let cases: &[(&str, &str)] = &[
            ("<metadata><groupId>a</groupId><artifactId>b</artifactId></metadata>", "has no `<version>`"),
            ("<metadata><artifactId>b</artifactId><version>1.0-SNAPSHOT</version></metadata>", "has no `<groupId>`"),
            ("<metadata><groupId>a</groupId><version>1.0-SNAPSHOT</version></metadata>", "has no `<artifactId>`"),
            (
                "<metadata><groupId>a</groupId><artifactId>b</artifactId><version>1.0</version></metadata>",
                "`1.0`, which is not a SNAPSHOT version",
            ),
            (
                "<metadata><groupId>a</groupId><artifactId>b</artifactId><version>1.0-SNAPSHOT</version>\
                 <versioning><snapshot><buildNumber>two</buildNumber></snapshot></versioning></metadata>",
                "`<buildNumber>` is `two`",
            ),
            ("<project/>", "not `<metadata>`"),
        ];
        for (doc, expected) in cases {
            let err = parse_snapshot_metadata(doc.as_bytes()).expect_err(expected);
            assert!(err.message().contains(expected), "{expected}: {}", err.message());
        }
    }

    #[test]
    fn builds_snapshot_metadata_from_stored_files() {
        // Two deployments of 1.0-SNAPSHOT (as mvn 3.8.7 made them), then a third of only the jar
        // and its javadoc; plus files that do not count.
        let paths = [
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1.pom",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1-sources.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2-sources.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261122.090000-3.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261122.090000-3-javadoc.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.jar",
            "com/acme/lib/2.0-SNAPSHOT/lib-2.0-20270101.000000-9.jar",
            "com/acme/other/1.0-SNAPSHOT/other-1.0-20270101.000000-9.jar",
        ];
        let files: Vec<ArtifactFile> = paths.iter().map(|p| file(p)).collect();
        let m = snapshot_metadata_from_files("com.acme", "lib", "1.0-SNAPSHOT", &files).expect("builds");
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>com.acme</groupId>
  <artifactId>lib</artifactId>
  <version>1.0-SNAPSHOT</version>
  <versioning>
    <snapshot>
      <timestamp>20261122.090000</timestamp>
      <buildNumber>3</buildNumber>
    </snapshot>
    <lastUpdated>20261122090000</lastUpdated>
    <snapshotVersions>
      <snapshotVersion>
        <extension>jar</extension>
        <value>1.0-20261122.090000-3</value>
        <updated>20261122090000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>pom</extension>
        <value>1.0-20261121.021736-2</value>
        <updated>20261121021736</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>javadoc</classifier>
        <extension>jar</extension>
        <value>1.0-20261122.090000-3</value>
        <updated>20261122090000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>sources</classifier>
        <extension>jar</extension>
        <value>1.0-20261121.021736-2</value>
        <updated>20261121021736</updated>
      </snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>
"#;
        assert_eq!(render_snapshot_metadata(&m), expected);
        assert_eq!(parse_snapshot_metadata(expected.as_bytes()), Ok(m));
        // The non-timestamped file alone makes no metadata; nor do files of other versions.
        assert_eq!(snapshot_metadata_from_files("com.acme", "lib", "1.0-SNAPSHOT", &files[8..9]), None);
        assert_eq!(snapshot_metadata_from_files("com.acme", "lib", "3.0-SNAPSHOT", &files), None);
        assert_eq!(snapshot_metadata_from_files("com.acme", "lib", "1.0-SNAPSHOT", &[]), None);
    }

    #[test]
    fn resolves_snapshot_requests_to_the_latest_build() {
        let files: Vec<ArtifactFile> = [
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1-sources.jar",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom",
            "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-10.pom",
        ]
        .iter()
        .map(|p| file(p))
        .collect();
        let cases = [
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.jar", Some("lib-1.0-20261121.021736-2.jar")),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT-sources.jar", Some("lib-1.0-20261121.021729-1-sources.jar")),
            // Build 10 beats build 2 of the same second (numbers, not strings).
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.pom", Some("lib-1.0-20261121.021736-10.pom")),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT-javadoc.jar", None),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.war", None),
            // A named build resolves to itself, if stored.
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1.jar", Some("lib-1.0-20261121.021729-1.jar")),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-5.jar", None),
            // Another version, another artifact, a release: nothing.
            ("com/acme/lib/2.0-SNAPSHOT/lib-2.0-SNAPSHOT.jar", None),
            ("com/acme/other/1.0-SNAPSHOT/other-1.0-SNAPSHOT.jar", None),
            ("com/acme/lib/1.0/lib-1.0.jar", None),
        ];
        for (path, expected) in cases {
            let resolved = resolve_snapshot_filename(&files, &file(path));
            assert_eq!(resolved.map(|f| f.filename.as_str()), expected, "{path}");
        }
    }

    #[test]
    fn last_updated_times() {
        let t = at(2026, 11, 21, 2, 3, 4);
        assert_eq!(format_last_updated(t), "20261121020304");
        assert_eq!(parse_last_updated("20261121020304"), Some(t));
        for bad in ["", "2026112102030", "20261321020304", "2026112102030x", "202611210203045"] {
            assert_eq!(parse_last_updated(bad), None, "{bad}");
        }
    }

    #[test]
    fn highest_versions() {
        assert_eq!(highest_version(["1.9", "1.10", "1.10-SNAPSHOT"]), Some("1.10"));
        assert_eq!(highest_version([]), None);
    }
}
