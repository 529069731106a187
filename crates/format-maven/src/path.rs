//! The Maven 2 repository layout (<https://maven.apache.org/repository/layout.html>): what a path
//! under a repository's root names.
//!
//! ```text
//! com/acme/lib/1.0/lib-1.0.jar                          a file: group `com.acme`, artifact `lib`, version `1.0`
//! com/acme/lib/1.0/lib-1.0-sources.jar                  ... with the classifier `sources`
//! com/acme/lib/1.0/lib-1.0.jar.sha1                     a checksum of a file
//! com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.020304-3.jar   a timestamped SNAPSHOT file (build 3)
//! com/acme/lib/maven-metadata.xml                       the artifact's metadata (its versions)
//! com/acme/lib/1.0-SNAPSHOT/maven-metadata.xml          a SNAPSHOT version's metadata (its builds)
//! ```
//!
//! [`parse_path`] takes the path as it appears in the request URL, relative to the repository's
//! root, without a leading `/`, still percent-encoded; it decodes each segment after splitting at
//! `/`, so `%2F` cannot smuggle a separator in. A decoded segment may not hold `%`, so a path that
//! was already decoded parses the same way. Every path this module renders ([`ArtifactFile::path`],
//! [`MavenPath::path`]) is decoded: under the rules below it needs no encoding but for a version
//! holding characters such as `+`.
//!
//! Coordinates follow Maven's model validator: group ids and artifact ids hold ASCII letters,
//! digits, `_`, `-` and `.` (a group id's `.` becomes `/`, so its segments hold no `.`);
//! classifiers hold letters, digits, `_` and `-`; extensions are `.`-separated words (`jar`,
//! `tar.gz`, `jar.asc`) whose first word is not a number.

use std::fmt;

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

use crate::MavenError;
use crate::version::{describe_char, is_snapshot, snapshot_base, validate_version};

/// The file name of repository metadata.
pub const METADATA_FILE: &str = "maven-metadata.xml";

/// The longest path accepted, in bytes.
pub const MAX_PATH_LEN: usize = 1024;

/// The longest path segment accepted, in bytes (a file name must fit a file system).
pub const MAX_SEGMENT_LEN: usize = 255;

/// A checksum algorithm of the repository layout, named by the suffix of its checksum files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChecksumAlgorithm {
    /// MD5: `.md5`, 32 hex digits.
    Md5,
    /// SHA-1: `.sha1`, 40 hex digits.
    Sha1,
    /// SHA-256: `.sha256`, 64 hex digits.
    Sha256,
    /// SHA-512: `.sha512`, 128 hex digits.
    Sha512,
}

impl ChecksumAlgorithm {
    /// Every algorithm, in the order mvn writes them (MD5 and SHA-1 by default; SHA-256 and
    /// SHA-512 when configured).
    pub const ALL: [ChecksumAlgorithm; 4] = [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha512];

    /// The file name suffix: `.md5`, `.sha1`, `.sha256`, `.sha512`.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Md5 => ".md5",
            Self::Sha1 => ".sha1",
            Self::Sha256 => ".sha256",
            Self::Sha512 => ".sha512",
        }
    }

    /// The algorithm of a suffix, with its dot (`.sha1`); `None` for another suffix.
    pub fn from_suffix(suffix: &str) -> Option<ChecksumAlgorithm> {
        Self::ALL.into_iter().find(|a| a.suffix() == suffix)
    }

    /// The name people know: `MD5`, `SHA-1`, `SHA-256`, `SHA-512`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha512 => "SHA-512",
        }
    }

    /// How many hex digits a digest has.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }

    /// Splits a checksum file name into the name of the file it is the checksum of and the
    /// algorithm: `lib-1.0.jar.sha1` → (`lib-1.0.jar`, SHA-1). `None` when the name has no
    /// checksum suffix, or nothing before it.
    pub fn split_file_name(name: &str) -> Option<(&str, ChecksumAlgorithm)> {
        Self::ALL
            .into_iter()
            .find_map(|a| name.strip_suffix(a.suffix()).filter(|target| !target.is_empty()).map(|target| (target, a)))
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The build of a timestamped SNAPSHOT file: `20261121.020304-3` in
/// `lib-1.0-20261121.020304-3.jar`. The derived order is the order of builds: by timestamp, then
/// by build number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotStamp {
    /// When it was deployed, in UTC: `yyyyMMdd.HHmmss`.
    pub timestamp: String,
    /// The build number, counting deployments of the SNAPSHOT version from 1.
    pub build_number: u32,
}

impl SnapshotStamp {
    /// The stamp of a build deployed at `at`.
    pub fn new(at: DateTime<Utc>, build_number: u32) -> SnapshotStamp {
        SnapshotStamp { timestamp: at.format("%Y%m%d.%H%M%S").to_string(), build_number }
    }

    /// Parses `yyyyMMdd.HHmmss-N` (the part of a timestamped version after the base version and
    /// its `-`). `None` when it is not one.
    pub fn parse(s: &str) -> Option<SnapshotStamp> {
        let (timestamp, build) = s.split_once('-')?;
        if !is_timestamp(timestamp) || build.is_empty() || !build.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let build_number = build.parse().ok()?;
        Some(SnapshotStamp { timestamp: timestamp.to_owned(), build_number })
    }

    /// `yyyyMMdd.HHmmss-N`, what replaces `SNAPSHOT` in a timestamped version.
    pub fn suffix(&self) -> String {
        format!("{}-{}", self.timestamp, self.build_number)
    }

    /// The timestamp as metadata's `<updated>` and `<lastUpdated>` write it: `yyyyMMddHHmmss`.
    pub fn updated(&self) -> String {
        self.timestamp.replace('.', "")
    }
}

impl fmt::Display for SnapshotStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.timestamp, self.build_number)
    }
}

/// Whether `s` is `yyyyMMdd.HHmmss` (digits only; the calendar is not checked).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 15 && b[8] == b'.' && b[..8].iter().chain(&b[9..]).all(u8::is_ascii_digit)
}

/// The version a timestamped SNAPSHOT file carries: `1.0-SNAPSHOT` and build
/// `20261121.020304-3` give `1.0-20261121.020304-3`. `None` when `version` is not a SNAPSHOT
/// version.
pub fn timestamped_version(version: &str, stamp: &SnapshotStamp) -> Option<String> {
    snapshot_base(version).map(|base| format!("{base}-{}", stamp.suffix()))
}

/// Splits a timestamped version into its SNAPSHOT version and its build:
/// `1.0-20261121.020304-3` → (`1.0-SNAPSHOT`, `20261121.020304-3`). `None` when the version is
/// not timestamped.
pub fn parse_timestamped_version(version: &str) -> Option<(String, SnapshotStamp)> {
    // The stamp is `yyyyMMdd.HHmmss-N`: find the `-` before the 15-character timestamp.
    let (rest, build) = version.rsplit_once('-')?;
    let (base, timestamp) = rest.rsplit_once('-')?;
    if base.is_empty() {
        return None;
    }
    let stamp = SnapshotStamp::parse(&format!("{timestamp}-{build}"))?;
    Some((format!("{base}-SNAPSHOT"), stamp))
}

/// The name of an artifact's file: `{artifact_id}-{file_version}[-{classifier}].{extension}`,
/// where `file_version` is the version (`1.0`, `1.0-SNAPSHOT`) or a timestamped version
/// (`1.0-20261121.020304-3`).
pub fn artifact_filename(artifact_id: &str, file_version: &str, classifier: Option<&str>, extension: &str) -> String {
    match classifier {
        Some(c) => format!("{artifact_id}-{file_version}-{c}.{extension}"),
        None => format!("{artifact_id}-{file_version}.{extension}"),
    }
}

/// One file of an artifact version: `group/path/artifact/version/filename`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArtifactFile {
    /// The group id, dotted: `com.acme`.
    pub group_id: String,
    /// The artifact id: `lib`.
    pub artifact_id: String,
    /// The version the directory names: `1.0`, or `1.0-SNAPSHOT` for every build of a SNAPSHOT.
    pub version: String,
    /// The file name: `lib-1.0-20261121.020304-3-sources.jar`.
    pub filename: String,
    /// The classifier: `sources`, `javadoc`, `linux-x86_64`.
    pub classifier: Option<String>,
    /// The extension: `jar`, `pom`, `tar.gz`, `jar.asc`.
    pub extension: String,
    /// The build, for a timestamped SNAPSHOT file; `None` for a release file and for a
    /// SNAPSHOT file named with `-SNAPSHOT` itself (`lib-1.0-SNAPSHOT.jar`).
    pub snapshot: Option<SnapshotStamp>,
}

impl ArtifactFile {
    /// A file from its coordinates, its file name computed. Checks every part as
    /// [`parse_path`] does, and that a build is given only for a SNAPSHOT version.
    pub fn new(
        group_id: &str,
        artifact_id: &str,
        version: &str,
        classifier: Option<&str>,
        extension: &str,
        snapshot: Option<SnapshotStamp>,
    ) -> Result<ArtifactFile, MavenError> {
        validate_group_id(group_id)?;
        validate_artifact_id(artifact_id)?;
        validate_version(version)?;
        if let Some(c) = classifier {
            validate_classifier(c)?;
        }
        validate_extension(extension)?;
        let file_version = match &snapshot {
            Some(stamp) => {
                if !is_timestamp(&stamp.timestamp) {
                    return Err(MavenError::invalid(format!(
                        "the SNAPSHOT timestamp `{}` is not `yyyyMMdd.HHmmss`",
                        stamp.timestamp
                    )));
                }
                timestamped_version(version, stamp).ok_or_else(|| {
                    MavenError::invalid(format!(
                        "the version `{version}` is not a SNAPSHOT version, so its files have no build number"
                    ))
                })?
            }
            None => version.to_owned(),
        };
        Ok(ArtifactFile {
            group_id: group_id.to_owned(),
            artifact_id: artifact_id.to_owned(),
            version: version.to_owned(),
            filename: artifact_filename(artifact_id, &file_version, classifier, extension),
            classifier: classifier.map(str::to_owned),
            extension: extension.to_owned(),
            snapshot,
        })
    }

    /// The path under the repository's root: `com/acme/lib/1.0/lib-1.0.jar`.
    pub fn path(&self) -> String {
        format!("{}/{}/{}/{}", self.group_id.replace('.', "/"), self.artifact_id, self.version, self.filename)
    }

    /// The version in the file name: the timestamped version for a SNAPSHOT build
    /// (`1.0-20261121.020304-3`), else the directory's version.
    pub fn file_version(&self) -> String {
        self.snapshot
            .as_ref()
            .and_then(|s| timestamped_version(&self.version, s))
            .unwrap_or_else(|| self.version.clone())
    }

    /// Whether this is the artifact's POM (`.pom`, no classifier).
    pub fn is_pom(&self) -> bool {
        self.extension == "pom" && self.classifier.is_none()
    }

    /// The coordinates as people write them: `com.acme:lib:jar:sources:1.0`, or
    /// `com.acme:lib:jar:1.0` without a classifier.
    pub fn coordinates(&self) -> String {
        match &self.classifier {
            Some(c) => format!("{}:{}:{}:{c}:{}", self.group_id, self.artifact_id, self.extension, self.file_version()),
            None => format!("{}:{}:{}:{}", self.group_id, self.artifact_id, self.extension, self.file_version()),
        }
    }
}

/// What a path under a repository's root names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MavenPath {
    /// A file of an artifact version.
    File(ArtifactFile),
    /// The checksum file of another path (a file or metadata): `lib-1.0.jar.sha1`.
    Checksum {
        /// The path it is the checksum of (never a checksum itself).
        target: Box<MavenPath>,
        /// The algorithm.
        algorithm: ChecksumAlgorithm,
    },
    /// `group/path/artifact/maven-metadata.xml`: the artifact's versions. The layout cannot
    /// tell it from a group's plugin-prefix metadata (`org/apache/maven/plugins/maven-metadata.xml`
    /// parses as group `org.apache.maven`, artifact `plugins`); the document can.
    ArtifactMetadata {
        /// The group id, dotted.
        group_id: String,
        /// The artifact id.
        artifact_id: String,
    },
    /// `group/path/artifact/1.0-SNAPSHOT/maven-metadata.xml`: a SNAPSHOT version's builds.
    VersionMetadata {
        /// The group id, dotted.
        group_id: String,
        /// The artifact id.
        artifact_id: String,
        /// The SNAPSHOT version.
        version: String,
    },
}

impl MavenPath {
    /// The path under the repository's root, decoded.
    pub fn path(&self) -> String {
        match self {
            Self::File(file) => file.path(),
            Self::Checksum { target, algorithm } => format!("{}{}", target.path(), algorithm.suffix()),
            Self::ArtifactMetadata { group_id, artifact_id } => {
                format!("{}/{artifact_id}/{METADATA_FILE}", group_id.replace('.', "/"))
            }
            Self::VersionMetadata { group_id, artifact_id, version } => {
                format!("{}/{artifact_id}/{version}/{METADATA_FILE}", group_id.replace('.', "/"))
            }
        }
    }

    /// The package the path belongs to: (group id, artifact id).
    pub fn package(&self) -> (&str, &str) {
        match self {
            Self::File(f) => (&f.group_id, &f.artifact_id),
            Self::Checksum { target, .. } => target.package(),
            Self::ArtifactMetadata { group_id, artifact_id } | Self::VersionMetadata { group_id, artifact_id, .. } => {
                (group_id, artifact_id)
            }
        }
    }
}

impl fmt::Display for MavenPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Parses a path under a repository's root (percent-encoded or not, no leading `/`; see the
/// module documentation). The error says which rule the path breaks.
pub fn parse_path(path: &str) -> Result<MavenPath, MavenError> {
    if path.len() > MAX_PATH_LEN {
        return Err(MavenError::invalid(format!(
            "the path is {} bytes long; a Maven repository path may have at most {MAX_PATH_LEN}",
            path.len()
        )));
    }
    if path.starts_with('/') {
        return Err(MavenError::invalid(format!(
            "the path `{}` starts with `/`; give it relative to the repository's root",
            path.escape_debug()
        )));
    }
    let segments = path.split('/').map(|raw| decode_segment(path, raw)).collect::<Result<Vec<_>, _>>()?;
    let (last, dirs) = segments.split_last().ok_or_else(|| MavenError::invalid("the path is empty"))?;
    match ChecksumAlgorithm::split_file_name(last) {
        Some((target_name, algorithm)) => {
            if ChecksumAlgorithm::split_file_name(target_name).is_some() {
                return Err(MavenError::invalid(format!(
                    "`{last}` is a checksum of a checksum file; checksums are kept only for artifact files and \
                     metadata"
                )));
            }
            let target = parse_segments(path, dirs, target_name)?;
            Ok(MavenPath::Checksum { target: Box::new(target), algorithm })
        }
        None => parse_segments(path, dirs, last),
    }
}

/// Parses a decoded path: its directories and its file name (without a checksum suffix).
fn parse_segments(path: &str, dirs: &[String], name: &str) -> Result<MavenPath, MavenError> {
    if name == METADATA_FILE {
        let in_snapshot_directory = dirs.last().is_some_and(|d| is_snapshot(d));
        return match dirs {
            [group @ .., artifact, version] if in_snapshot_directory && !group.is_empty() => {
                let group_id = group_id_of(group)?;
                validate_artifact_id(artifact)?;
                validate_version(version)?;
                Ok(MavenPath::VersionMetadata { group_id, artifact_id: artifact.clone(), version: version.clone() })
            }
            [group @ .., artifact] if !in_snapshot_directory && !group.is_empty() => {
                let group_id = group_id_of(group)?;
                validate_artifact_id(artifact)?;
                Ok(MavenPath::ArtifactMetadata { group_id, artifact_id: artifact.clone() })
            }
            _ => Err(MavenError::invalid(format!(
                "the path `{path}` names no artifact's metadata; expected \
                 `group/path/artifact/{METADATA_FILE}` or `group/path/artifact/1.0-SNAPSHOT/{METADATA_FILE}`"
            ))),
        };
    }
    let [group @ .., artifact, version] = dirs else {
        return Err(too_short(path));
    };
    if group.is_empty() {
        return Err(too_short(path));
    }
    let group_id = group_id_of(group)?;
    validate_artifact_id(artifact)?;
    validate_version(version)?;
    let (snapshot, rest) =
        split_file_name(artifact, version, name).ok_or_else(|| mismatch(&group_id, artifact, version, name))?;
    let (classifier, extension) = match rest.strip_prefix('-') {
        Some(tail) => {
            let (classifier, extension) =
                tail.split_once('.').ok_or_else(|| mismatch(&group_id, artifact, version, name))?;
            (Some(classifier), extension)
        }
        None => (None, rest.strip_prefix('.').ok_or_else(|| mismatch(&group_id, artifact, version, name))?),
    };
    if let Some(c) = classifier {
        validate_classifier(c).map_err(|e| mismatch_because(&group_id, artifact, version, name, &e))?;
    }
    validate_extension(extension).map_err(|e| mismatch_because(&group_id, artifact, version, name, &e))?;
    Ok(MavenPath::File(ArtifactFile {
        group_id,
        artifact_id: artifact.clone(),
        version: version.clone(),
        filename: name.to_owned(),
        classifier: classifier.map(str::to_owned),
        extension: extension.to_owned(),
        snapshot,
    }))
}

/// Strips `{artifact}-{version}` (or, in a SNAPSHOT directory, `{artifact}-{base}-{stamp}`) from a
/// file name; returns the build and what follows (`-classifier.ext` or `.ext`).
fn split_file_name<'a>(artifact: &str, version: &str, name: &'a str) -> Option<(Option<SnapshotStamp>, &'a str)> {
    let after_artifact = name.strip_prefix(artifact)?.strip_prefix('-')?;
    if let Some(rest) = after_artifact.strip_prefix(version)
        && rest.starts_with(['-', '.'])
    {
        return Some((None, rest));
    }
    let base = snapshot_base(version)?;
    let after_base = after_artifact.strip_prefix(base)?.strip_prefix('-')?;
    // `yyyyMMdd.HHmmss-N` then `-` or `.`.
    let timestamp = after_base.get(..15)?;
    let after_timestamp = after_base.get(15..)?.strip_prefix('-')?;
    let digits = after_timestamp.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &after_timestamp[digits..];
    if !rest.starts_with(['-', '.']) {
        return None;
    }
    let stamp = SnapshotStamp::parse(&format!("{timestamp}-{}", &after_timestamp[..digits]))?;
    Some((Some(stamp), rest))
}

fn too_short(path: &str) -> MavenError {
    MavenError::invalid(format!(
        "the path `{path}` is too short for an artifact file; expected \
         `group/path/artifact/version/artifact-version[-classifier].extension`"
    ))
}

fn mismatch(group_id: &str, artifact: &str, version: &str, name: &str) -> MavenError {
    let expected = match snapshot_base(version) {
        Some(base) => format!(
            "`{artifact}-{version}[-classifier].extension` or `{artifact}-{base}-yyyyMMdd.HHmmss-N[-classifier].extension`"
        ),
        None => format!("`{artifact}-{version}[-classifier].extension`"),
    };
    MavenError::invalid(format!(
        "the file name `{name}` does not match its directory: files of `{group_id}:{artifact}:{version}` are named \
         {expected}"
    ))
}

fn mismatch_because(group_id: &str, artifact: &str, version: &str, name: &str, why: &MavenError) -> MavenError {
    let base = mismatch(group_id, artifact, version, name);
    MavenError::invalid(format!("{} ({})", base.message(), why.message()))
}

/// Percent-decodes one segment and checks it.
fn decode_segment(path: &str, raw: &str) -> Result<String, MavenError> {
    if raw.is_empty() {
        return Err(MavenError::invalid(format!(
            "the path `{}` has an empty segment (`//`, or a trailing `/`)",
            path.escape_debug()
        )));
    }
    let segment = percent_decode_str(raw).decode_utf8().map_err(|_| {
        MavenError::invalid(format!("the path segment `{}` is not UTF-8 once percent-decoded", raw.escape_debug()))
    })?;
    if segment == "." || segment == ".." {
        return Err(MavenError::invalid(format!(
            "the path `{}` holds a `{segment}` segment; give the path without `.` and `..`",
            path.escape_debug()
        )));
    }
    if segment.starts_with('.') {
        return Err(MavenError::invalid(format!(
            "the path segment `{}` starts with `.`; no group, artifact, version or file of a Maven repository does",
            segment.escape_debug()
        )));
    }
    if segment.len() > MAX_SEGMENT_LEN {
        return Err(MavenError::invalid(format!(
            "the path segment `{}…` is {} bytes long; a segment may have at most {MAX_SEGMENT_LEN}",
            segment.chars().take(40).collect::<String>().escape_debug(),
            segment.len()
        )));
    }
    if let Some(bad) = segment.chars().find(|c| matches!(c, '/' | '\\' | '%') || c.is_control() || c.is_whitespace()) {
        return Err(MavenError::invalid(format!(
            "the path segment `{}` holds {}; Maven paths hold no `/`, `\\`, `%`, whitespace or control characters \
             inside a segment",
            segment.escape_debug(),
            describe_char(bad)
        )));
    }
    Ok(segment.into_owned())
}

/// The dotted group id of the group's directories.
fn group_id_of(segments: &[String]) -> Result<String, MavenError> {
    let group_id = segments.join(".");
    for segment in segments {
        if segment.contains('.') {
            return Err(MavenError::invalid(format!(
                "the group directory `{segment}` holds `.`; a group id's `.` is a `/` in the path (`com/acme`, not \
                 `com.acme`)"
            )));
        }
    }
    validate_group_id(&group_id)?;
    Ok(group_id)
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Checks a group id: `.`-separated non-empty words of ASCII letters, digits, `_` and `-`.
pub fn validate_group_id(group_id: &str) -> Result<(), MavenError> {
    const RULE: &str = "a group id holds `.`-separated words of ASCII letters, digits, `_` and `-`, like `com.acme`";
    if group_id.is_empty() {
        return Err(MavenError::invalid(format!("the group id is empty; {RULE}")));
    }
    if let Some(bad) = group_id.chars().find(|c| !is_id_char(*c)) {
        return Err(MavenError::invalid(format!(
            "the group id `{}` holds {}; {RULE}",
            group_id.escape_debug(),
            describe_char(bad)
        )));
    }
    if group_id.split('.').any(str::is_empty) {
        return Err(MavenError::invalid(format!("the group id `{group_id}` has an empty word; {RULE}")));
    }
    Ok(())
}

/// Checks an artifact id: ASCII letters, digits, `_`, `-` and `.`, not starting with `.`.
pub fn validate_artifact_id(artifact_id: &str) -> Result<(), MavenError> {
    const RULE: &str = "an artifact id holds ASCII letters, digits, `_`, `-` and `.`, like `commons-lang3`";
    if artifact_id.is_empty() {
        return Err(MavenError::invalid(format!("the artifact id is empty; {RULE}")));
    }
    if let Some(bad) = artifact_id.chars().find(|c| !is_id_char(*c)) {
        return Err(MavenError::invalid(format!(
            "the artifact id `{}` holds {}; {RULE}",
            artifact_id.escape_debug(),
            describe_char(bad)
        )));
    }
    if artifact_id.starts_with('.') {
        return Err(MavenError::invalid(format!("the artifact id `{artifact_id}` starts with `.`; {RULE}")));
    }
    Ok(())
}

/// Checks a classifier: ASCII letters, digits, `_` and `-`, like `sources` or `linux-x86_64`.
pub fn validate_classifier(classifier: &str) -> Result<(), MavenError> {
    const RULE: &str = "a classifier holds ASCII letters, digits, `_` and `-`, like `sources` or `linux-x86_64`";
    if classifier.is_empty() {
        return Err(MavenError::invalid(format!("the classifier is empty; {RULE}")));
    }
    if let Some(bad) = classifier.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))) {
        return Err(MavenError::invalid(format!(
            "the classifier `{}` holds {}; {RULE}",
            classifier.escape_debug(),
            describe_char(bad)
        )));
    }
    Ok(())
}

/// Checks an extension: `.`-separated words of ASCII letters, digits and `_`, the first not a
/// number (`jar`, `tar.gz`, `jar.asc`, `7z`; not `1.jar`).
pub fn validate_extension(extension: &str) -> Result<(), MavenError> {
    const RULE: &str = "an extension is `.`-separated words of ASCII letters, digits and `_`, like `jar` or `tar.gz`";
    if extension.is_empty() {
        return Err(MavenError::invalid(format!("the extension is empty; {RULE}")));
    }
    if let Some(bad) = extension.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))) {
        return Err(MavenError::invalid(format!(
            "the extension `{}` holds {}; {RULE}",
            extension.escape_debug(),
            describe_char(bad)
        )));
    }
    let mut words = extension.split('.');
    if words.clone().any(str::is_empty) {
        return Err(MavenError::invalid(format!("the extension `{extension}` has an empty word; {RULE}")));
    }
    if words.next().is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit())) {
        return Err(MavenError::invalid(format!("the extension `{extension}` starts with a number; {RULE}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    /// An expected file: (group, artifact, version, classifier, extension, stamp).
    type Expected<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, &'a str, Option<(&'a str, u32)>);

    fn file(path: &str) -> ArtifactFile {
        match parse_path(path) {
            Ok(MavenPath::File(f)) => f,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn check_file(path: &str, expected: Expected<'_>) {
        let (group_id, artifact_id, version, classifier, extension, stamp) = expected;
        let f = file(path);
        assert_eq!(f.group_id, group_id, "{path}");
        assert_eq!(f.artifact_id, artifact_id, "{path}");
        assert_eq!(f.version, version, "{path}");
        assert_eq!(f.classifier.as_deref(), classifier, "{path}");
        assert_eq!(f.extension, extension, "{path}");
        assert_eq!(
            f.snapshot,
            stamp.map(|(t, n)| SnapshotStamp { timestamp: t.to_owned(), build_number: n }),
            "{path}"
        );
        assert_eq!(f.filename, path.rsplit('/').next().unwrap_or_default(), "{path}");
        // The file renders back to its path, and building it from its parts gives the same file.
        assert_eq!(f.path(), path);
        let rebuilt = ArtifactFile::new(group_id, artifact_id, version, classifier, extension, f.snapshot.clone());
        assert_eq!(rebuilt.as_ref(), Ok(&f), "{path}");
    }

    #[test]
    fn release_files_of_maven_central() {
        let cases: &[(&str, Expected<'_>)] = &[
            (
                "org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.jar",
                ("org.apache.commons", "commons-lang3", "3.12.0", None, "jar", None),
            ),
            (
                "org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.pom",
                ("org.apache.commons", "commons-lang3", "3.12.0", None, "pom", None),
            ),
            (
                "org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0-sources.jar",
                ("org.apache.commons", "commons-lang3", "3.12.0", Some("sources"), "jar", None),
            ),
            (
                "org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0-javadoc.jar",
                ("org.apache.commons", "commons-lang3", "3.12.0", Some("javadoc"), "jar", None),
            ),
            (
                "org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.jar.asc",
                ("org.apache.commons", "commons-lang3", "3.12.0", None, "jar.asc", None),
            ),
            (
                "com/google/guava/guava/31.1-jre/guava-31.1-jre.jar",
                ("com.google.guava", "guava", "31.1-jre", None, "jar", None),
            ),
            (
                "com/google/guava/guava/31.1-jre/guava-31.1-jre.module",
                ("com.google.guava", "guava", "31.1-jre", None, "module", None),
            ),
            (
                "io/netty/netty-transport-native-epoll/4.1.94.Final/netty-transport-native-epoll-4.1.94.Final-linux-x86_64.jar",
                ("io.netty", "netty-transport-native-epoll", "4.1.94.Final", Some("linux-x86_64"), "jar", None),
            ),
            (
                "com/google/protobuf/protoc/3.21.12/protoc-3.21.12-osx-x86_64.exe",
                ("com.google.protobuf", "protoc", "3.21.12", Some("osx-x86_64"), "exe", None),
            ),
            (
                "org/apache/maven/apache-maven/3.8.7/apache-maven-3.8.7-bin.tar.gz",
                ("org.apache.maven", "apache-maven", "3.8.7", Some("bin"), "tar.gz", None),
            ),
            (
                "org/springframework/boot/spring-boot-dependencies/3.1.0/spring-boot-dependencies-3.1.0.pom",
                ("org.springframework.boot", "spring-boot-dependencies", "3.1.0", None, "pom", None),
            ),
            ("log4j/log4j/1.2.17/log4j-1.2.17.jar", ("log4j", "log4j", "1.2.17", None, "jar", None)),
            ("androidx/core/core/1.10.0/core-1.10.0.aar", ("androidx.core", "core", "1.10.0", None, "aar", None)),
            ("org/clojure/clojure/1.11.1/clojure-1.11.1.jar", ("org.clojure", "clojure", "1.11.1", None, "jar", None)),
            (
                "org/jetbrains/kotlin/jvm/org.jetbrains.kotlin.jvm.gradle.plugin/1.9.0/org.jetbrains.kotlin.jvm.gradle.plugin-1.9.0.pom",
                ("org.jetbrains.kotlin.jvm", "org.jetbrains.kotlin.jvm.gradle.plugin", "1.9.0", None, "pom", None),
            ),
            (
                "org/apache/maven/plugins/maven-deploy-plugin/3.0.0/maven-deploy-plugin-3.0.0.jar",
                ("org.apache.maven.plugins", "maven-deploy-plugin", "3.0.0", None, "jar", None),
            ),
            (
                "org/apache/maven/surefire/surefire-providers/2.22.2/surefire-providers-2.22.2.pom",
                ("org.apache.maven.surefire", "surefire-providers", "2.22.2", None, "pom", None),
            ),
            // Archetype catalogs and the like have 7z and numeric-looking names too.
            ("org/example/tool/2.0/tool-2.0-win64.7z", ("org.example", "tool", "2.0", Some("win64"), "7z", None)),
        ];
        for (path, expected) in cases {
            check_file(path, *expected);
        }
    }

    #[test]
    fn snapshot_files_as_mvn_3_8_deploys_them() {
        // The uploads of `mvn deploy` (Maven 3.8.7, maven-deploy-plugin 3.0.0), second build.
        let cases: &[(&str, Expected<'_>)] = &[
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom",
                ("com.acme", "lib", "1.0-SNAPSHOT", None, "pom", Some(("20261121.021736", 2))),
            ),
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.jar",
                ("com.acme", "lib", "1.0-SNAPSHOT", None, "jar", Some(("20261121.021736", 2))),
            ),
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2-sources.jar",
                ("com.acme", "lib", "1.0-SNAPSHOT", Some("sources"), "jar", Some(("20261121.021736", 2))),
            ),
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-12-tests.jar",
                ("com.acme", "lib", "1.0-SNAPSHOT", Some("tests"), "jar", Some(("20261121.021736", 12))),
            ),
            (
                "org/springframework/spring-core/5.2.9.BUILD-SNAPSHOT/spring-core-5.2.9.BUILD-20200915.090044-5.jar",
                (
                    "org.springframework",
                    "spring-core",
                    "5.2.9.BUILD-SNAPSHOT",
                    None,
                    "jar",
                    Some(("20200915.090044", 5)),
                ),
            ),
            // Non-unique SNAPSHOT files, as `mvn install` and Maven 2 write them.
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.jar", ("com.acme", "lib", "1.0-SNAPSHOT", None, "jar", None)),
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT-sources.jar",
                ("com.acme", "lib", "1.0-SNAPSHOT", Some("sources"), "jar", None),
            ),
        ];
        for (path, expected) in cases {
            check_file(path, *expected);
        }
    }

    #[test]
    fn metadata_and_checksums() {
        let artifact_metadata =
            |g: &str, a: &str| MavenPath::ArtifactMetadata { group_id: g.to_owned(), artifact_id: a.to_owned() };
        let checksum = |target: MavenPath, algorithm| MavenPath::Checksum { target: Box::new(target), algorithm };
        let lib_jar = MavenPath::File(file("com/acme/lib/1.0/lib-1.0.jar"));
        let snapshot_metadata = MavenPath::VersionMetadata {
            group_id: "com.acme".to_owned(),
            artifact_id: "lib".to_owned(),
            version: "1.0-SNAPSHOT".to_owned(),
        };
        let cases = [
            ("com/acme/lib/maven-metadata.xml", artifact_metadata("com.acme", "lib")),
            (
                "org/apache/maven/plugins/maven-deploy-plugin/maven-metadata.xml",
                artifact_metadata("org.apache.maven.plugins", "maven-deploy-plugin"),
            ),
            // A group's plugin-prefix metadata looks like an artifact's.
            ("org/apache/maven/plugins/maven-metadata.xml", artifact_metadata("org.apache.maven", "plugins")),
            ("log4j/log4j/maven-metadata.xml", artifact_metadata("log4j", "log4j")),
            ("com/acme/lib/1.0-SNAPSHOT/maven-metadata.xml", snapshot_metadata.clone()),
            // A release directory holds no metadata: this is the metadata of an artifact `1.0`.
            ("com/acme/lib/1.0/maven-metadata.xml", artifact_metadata("com.acme.lib", "1.0")),
            (
                "com/acme/lib/maven-metadata.xml.sha1",
                checksum(artifact_metadata("com.acme", "lib"), ChecksumAlgorithm::Sha1),
            ),
            ("com/acme/lib/1.0-SNAPSHOT/maven-metadata.xml.md5", checksum(snapshot_metadata, ChecksumAlgorithm::Md5)),
            ("com/acme/lib/1.0/lib-1.0.jar.md5", checksum(lib_jar.clone(), ChecksumAlgorithm::Md5)),
            ("com/acme/lib/1.0/lib-1.0.jar.sha1", checksum(lib_jar.clone(), ChecksumAlgorithm::Sha1)),
            ("com/acme/lib/1.0/lib-1.0.jar.sha256", checksum(lib_jar.clone(), ChecksumAlgorithm::Sha256)),
            ("com/acme/lib/1.0/lib-1.0.jar.sha512", checksum(lib_jar, ChecksumAlgorithm::Sha512)),
            (
                "com/acme/lib/1.0/lib-1.0.jar.asc.sha1",
                checksum(MavenPath::File(file("com/acme/lib/1.0/lib-1.0.jar.asc")), ChecksumAlgorithm::Sha1),
            ),
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1-sources.jar.sha1",
                checksum(
                    MavenPath::File(file("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021729-1-sources.jar")),
                    ChecksumAlgorithm::Sha1,
                ),
            ),
        ];
        for (path, expected) in cases {
            let parsed = parse_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(parsed, expected, "{path}");
            assert_eq!(parsed.path(), path);
            assert_eq!(parsed.to_string(), path);
        }
        assert_eq!(
            parse_path("com/acme/lib/1.0/lib-1.0.jar.sha1").map(|p| p.package() == ("com.acme", "lib")),
            Ok(true)
        );
    }

    #[test]
    fn percent_encoded_paths() {
        let f = file("com/acme/lib/1.0%2Bbuild.7/lib-1.0%2Bbuild.7.jar");
        assert_eq!(f.version, "1.0+build.7");
        assert_eq!(f.path(), "com/acme/lib/1.0+build.7/lib-1.0+build.7.jar");
        // Decoding an already decoded path changes nothing.
        assert_eq!(file("com/acme/lib/1.0+build.7/lib-1.0+build.7.jar"), f);
        let f = file("com/acme/lib/1.0/lib%2D1.0.jar");
        assert_eq!(f.filename, "lib-1.0.jar");
    }

    #[test]
    fn refused_paths() {
        let long = format!("com/acme/lib/1.0/{}", "a".repeat(MAX_PATH_LEN));
        let long_segment = format!("com/acme/lib/1.0/lib-1.0-{}.jar", "a".repeat(MAX_SEGMENT_LEN));
        let cases = [
            ("", "empty segment"),
            ("/com/acme/lib/1.0/lib-1.0.jar", "starts with `/`"),
            ("com//acme/lib/1.0/lib-1.0.jar", "has an empty segment"),
            ("com/acme/lib/1.0/lib-1.0.jar/", "has an empty segment"),
            ("com/acme/../lib/1.0/lib-1.0.jar", "holds a `..` segment"),
            ("com/acme/%2e%2e/lib/1.0/lib-1.0.jar", "holds a `..` segment"),
            ("com/./acme/lib/1.0/lib-1.0.jar", "holds a `.` segment"),
            ("com/.git/lib/1.0/lib-1.0.jar", "segment `.git` starts with `.`"),
            (".meta/prefixes.txt", "segment `.meta` starts with `.`"),
            ("com/acme/lib/1.0/.lib-1.0.jar", "starts with `.`"),
            ("com\\acme/lib/1.0/lib-1.0.jar", "holds `\\`"),
            ("com/acme/lib/1.0/lib-1.0%2F..%2F.jar", "holds `/`"),
            ("com/acme/lib/1.0/lib-1.0%5C.jar", "holds `\\`"),
            ("com/acme/lib/1.0/lib%00-1.0.jar", "holds the character U+0000"),
            ("com/acme/lib/1.0/lib\n-1.0.jar", "holds the character U+000A"),
            ("com/ac%20me/lib/1.0/lib-1.0.jar", "holds a space"),
            ("com/acme/lib/1.0/lib-1.0%252F.jar", "holds `%`"),
            ("com/acme/lib/1.0/lib-1.0%zz.jar", "holds `%`"),
            ("com/acme/lib/1.0/lib-1.0%FF.jar", "not UTF-8"),
            ("com/acme/lib/1.0/other-1.0.jar", "`other-1.0.jar` does not match its directory"),
            ("com/acme/lib/1.0/lib-1.1.jar", "`lib-1.1.jar` does not match its directory"),
            ("com/acme/lib/1.0/lib-1.0.1.jar", "`lib-1.0.1.jar` does not match its directory"),
            ("com/acme/lib/1.0/lib-1.0", "files of `com.acme:lib:1.0` are named `lib-1.0[-classifier].extension`"),
            ("com/acme/lib/1.0/lib-1.0-.jar", "the classifier is empty"),
            ("com/acme/lib/1.0/lib-1.0-sources", "does not match its directory"),
            ("com/acme/lib/1.0/lib-1.0.", "the extension is empty"),
            ("com/acme/lib/1.0/lib-1.0.jar..asc", "has an empty word"),
            ("com/acme/lib/1.0/lib-1.0-20261121.021736-2.jar", "holds `-`"),
            ("com/acme/lib/1.0/lib1.0.jar", "does not match its directory"),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.0217-2.jar", "does not match its directory"),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-.jar", "does not match its directory"),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-99999999999.jar", "does not match its directory"),
            ("com/acme/lib/1.0-SNAPSHOT/lib-1.1-20261121.021736-2.jar", "does not match its directory"),
            (
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0.jar",
                "`lib-1.0-SNAPSHOT[-classifier].extension` or `lib-1.0-yyyyMMdd.HHmmss-N[-classifier].extension`",
            ),
            ("lib/1.0/lib-1.0.jar", "too short for an artifact file"),
            ("lib-1.0.jar", "too short"),
            ("maven-metadata.xml", "names no artifact's metadata"),
            ("lib/maven-metadata.xml", "names no artifact's metadata"),
            ("lib/1.0-SNAPSHOT/maven-metadata.xml", "names no artifact's metadata"),
            ("com/acme/lib/1.0/lib-1.0.jar.md5.sha1", "checksum of a checksum"),
            ("com/acme/lib/1.0/.sha1", "starts with `.`"),
            ("com/acme/lib/1.0/lib-1.0.jar.sha1.md5", "checksum of a checksum"),
            ("com/acme/lib+x/1.0/lib+x-1.0.jar", "the artifact id `lib+x` holds `+`"),
            ("com/ac+me/lib/1.0/lib-1.0.jar", "the group id `com.ac+me` holds `+`"),
            ("com/acme/lib/1..0/lib-1..0.jar", "holds `..`"),
            ("com/acme/lib/1:0/lib-1:0.jar", "holds `:`"),
            ("com/acme/lib/1.0/lib-1.0-src+x.jar", "the classifier `src+x` holds `+`"),
            (long.as_str(), "a Maven repository path may have at most 1024"),
            (long_segment.as_str(), "a segment may have at most 255"),
        ];
        for (path, expected) in cases {
            let err = parse_path(path).expect_err(path);
            assert!(err.message().contains(expected), "{path}: {}", err.message());
        }
    }

    #[test]
    fn checksum_algorithms() {
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_suffix(a.suffix()), Some(a));
        }
        assert_eq!(ChecksumAlgorithm::from_suffix("sha1"), None);
        assert_eq!(ChecksumAlgorithm::from_suffix(".sha384"), None);
        assert_eq!(
            ChecksumAlgorithm::split_file_name("lib-1.0.jar.sha256"),
            Some(("lib-1.0.jar", ChecksumAlgorithm::Sha256))
        );
        assert_eq!(ChecksumAlgorithm::split_file_name("lib-1.0.jar"), None);
        assert_eq!(ChecksumAlgorithm::split_file_name(".md5"), None);
        assert_eq!(ChecksumAlgorithm::Sha512.hex_len(), 128);
        assert_eq!(ChecksumAlgorithm::Sha1.to_string(), "SHA-1");
    }

    #[test]
    fn snapshot_stamps() {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 2, 3, 4).single().expect("a valid time");
        let stamp = SnapshotStamp::new(at, 3);
        assert_eq!(stamp.timestamp, "20261121.020304");
        assert_eq!(stamp.suffix(), "20261121.020304-3");
        assert_eq!(stamp.to_string(), "20261121.020304-3");
        assert_eq!(stamp.updated(), "20261121020304");
        assert_eq!(SnapshotStamp::parse("20261121.020304-3"), Some(stamp.clone()));
        for bad in ["20261121.020304", "20261121020304-3", "2026112.020304-3", "20261121.020304-x", "20261121.020304-"]
        {
            assert_eq!(SnapshotStamp::parse(bad), None, "{bad}");
        }
        assert_eq!(timestamped_version("1.0-SNAPSHOT", &stamp).as_deref(), Some("1.0-20261121.020304-3"));
        assert_eq!(timestamped_version("1.0", &stamp), None);
        assert_eq!(
            parse_timestamped_version("1.0-20261121.020304-3"),
            Some(("1.0-SNAPSHOT".to_owned(), stamp.clone()))
        );
        assert_eq!(
            parse_timestamped_version("5.2.9.BUILD-20200915.090044-5").map(|(v, s)| (v, s.build_number)),
            Some(("5.2.9.BUILD-SNAPSHOT".to_owned(), 5))
        );
        assert_eq!(parse_timestamped_version("1.0"), None);
        assert_eq!(parse_timestamped_version("1.0-SNAPSHOT"), None);
        assert_eq!(parse_timestamped_version("-20261121.020304-3"), None);
        // Builds order by timestamp, then build number.
        let later = SnapshotStamp { timestamp: "20261121.020305".to_owned(), build_number: 1 };
        assert!(stamp < later);
        assert!(stamp < SnapshotStamp { build_number: 4, ..stamp.clone() });
    }

    #[test]
    fn building_files() {
        let stamp = SnapshotStamp { timestamp: "20261121.020304".to_owned(), build_number: 3 };
        let f = ArtifactFile::new("com.acme", "lib", "1.0-SNAPSHOT", Some("sources"), "jar", Some(stamp.clone()))
            .expect("a valid file");
        assert_eq!(f.filename, "lib-1.0-20261121.020304-3-sources.jar");
        assert_eq!(f.path(), "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.020304-3-sources.jar");
        assert_eq!(f.file_version(), "1.0-20261121.020304-3");
        assert_eq!(f.coordinates(), "com.acme:lib:jar:sources:1.0-20261121.020304-3");
        assert!(!f.is_pom());
        let pom = ArtifactFile::new("com.acme", "lib", "1.0", None, "pom", None).expect("a valid file");
        assert_eq!(pom.filename, "lib-1.0.pom");
        assert_eq!(pom.coordinates(), "com.acme:lib:pom:1.0");
        assert!(pom.is_pom());
        assert_eq!(artifact_filename("lib", "1.0", Some("bin"), "tar.gz"), "lib-1.0-bin.tar.gz");

        let refusals = [
            (ArtifactFile::new("com.acme", "lib", "1.0", None, "jar", Some(stamp.clone())), "not a SNAPSHOT version"),
            (
                ArtifactFile::new(
                    "com.acme",
                    "lib",
                    "1.0-SNAPSHOT",
                    None,
                    "jar",
                    Some(SnapshotStamp { timestamp: "2026".to_owned(), build_number: 1 }),
                ),
                "is not `yyyyMMdd.HHmmss`",
            ),
            (ArtifactFile::new("com..acme", "lib", "1.0", None, "jar", None), "has an empty word"),
            (ArtifactFile::new("com.acme", "", "1.0", None, "jar", None), "the artifact id is empty"),
            (ArtifactFile::new("com.acme", "lib", "1.0", Some("a.b"), "jar", None), "holds `.`"),
            (ArtifactFile::new("com.acme", "lib", "1.0", None, "", None), "the extension is empty"),
            (ArtifactFile::new("com.acme", "lib", "", None, "jar", None), "the version is empty"),
        ];
        for (result, expected) in refusals {
            let err = result.expect_err(expected);
            assert!(err.message().contains(expected), "{}", err.message());
        }
    }

    proptest! {
        #[test]
        fn built_files_parse_back(
            group in "[a-z][a-z0-9_-]{0,8}(\\.[a-z][a-z0-9_-]{0,8}){0,3}",
            artifact in "[a-z][a-z0-9_.-]{0,15}",
            version in "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}(-(alpha|rc|jre|SNAPSHOT))?",
            classifier in proptest::option::of("[a-z][a-z0-9_-]{0,10}"),
            extension in "(jar|pom|tar\\.gz|jar\\.asc|zip|module)",
            build in 1u32..1000,
        ) {
            let stamp = is_snapshot(&version).then(|| SnapshotStamp { timestamp: "20261121.020304".to_owned(), build_number: build });
            let f = ArtifactFile::new(&group, &artifact, &version, classifier.as_deref(), &extension, stamp)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let parsed = parse_path(&f.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed, MavenPath::File(f.clone()));
            let checksum = parse_path(&format!("{}.sha1", f.path())).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(checksum, MavenPath::Checksum { target: Box::new(MavenPath::File(f)), algorithm: ChecksumAlgorithm::Sha1 });
        }

        #[test]
        fn parse_path_never_panics(path in "[a-z0-9./%-]{0,60}") {
            let _ = parse_path(&path);
        }
    }
}
