//! Packages and package versions: statuses, origins, origin controls, and the metadata every
//! format reports the same way (CodeArtifact's `PackageVersionDescription`).

use std::fmt;

use crate::PackageFormat;

/// The status of a package version in a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionStatus {
    /// Listed and downloadable.
    Published,
    /// Upload in progress (e.g. Maven before its metadata arrives).
    Unfinished,
    /// Downloadable by exact version, absent from listings.
    Unlisted,
    /// Kept, neither listed nor downloadable.
    Archived,
    /// Assets deleted, record kept.
    Disposed,
    /// Gone; the version number stays burned.
    Deleted,
}

impl VersionStatus {
    /// Every status.
    pub const ALL: [VersionStatus; 6] =
        [Self::Published, Self::Unfinished, Self::Unlisted, Self::Archived, Self::Disposed, Self::Deleted];

    /// The wire name, e.g. `Published`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "Published",
            Self::Unfinished => "Unfinished",
            Self::Unlisted => "Unlisted",
            Self::Archived => "Archived",
            Self::Disposed => "Disposed",
            Self::Deleted => "Deleted",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether listings (packuments, simple pages, metadata) show it.
    pub fn is_listed(self) -> bool {
        self == Self::Published
    }

    /// Whether its assets may be downloaded.
    pub fn is_downloadable(self) -> bool {
        matches!(self, Self::Published | Self::Unlisted)
    }
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OriginType {
    /// Published to this domain.
    Internal,
    /// Ingested through an external connection.
    External,
    /// Not known.
    Unknown,
}

impl OriginType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "INTERNAL",
            Self::External => "EXTERNAL",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Internal, Self::External, Self::Unknown].into_iter().find(|v| v.as_str() == s)
    }
}

/// The origin of a version: its type and where it entered the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionOrigin {
    /// Internal or external.
    pub origin_type: OriginType,
    /// The repository it was published to (internal) or the gateway it came through (external).
    pub repository: Option<String>,
    /// The external connection it came through.
    pub external_connection: Option<String>,
}

/// ALLOW or BLOCK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OriginSetting {
    /// Allowed.
    Allow,
    /// Blocked.
    Block,
}

impl OriginSetting {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Block => "BLOCK",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ALLOW" => Some(Self::Allow),
            "BLOCK" => Some(Self::Block),
            _ => None,
        }
    }
}

/// A package's origin controls in one repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OriginRestrictions {
    /// Whether versions may be published to the repository directly.
    pub publish: OriginSetting,
    /// Whether versions may come from upstream repositories and external connections.
    pub upstream: OriginSetting,
}

impl OriginRestrictions {
    /// The default for a package whose first version was published internally: nothing of the
    /// same name comes from upstream (dependency-confusion protection).
    pub const FIRST_PUBLISHED: Self = Self { publish: OriginSetting::Allow, upstream: OriginSetting::Block };
    /// The default for a package first ingested from upstream: nobody publishes over it.
    pub const FIRST_INGESTED: Self = Self { publish: OriginSetting::Block, upstream: OriginSetting::Allow };
}

/// A package's coordinates: format, namespace (empty when the format has none) and normalized name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageCoordinates {
    /// The format.
    pub format: PackageFormat,
    /// The namespace: npm scope without `@`, Maven groupId; empty for none.
    pub namespace: String,
    /// The normalized name.
    pub name: String,
}

impl fmt::Display for PackageCoordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} package `{}`", self.format, self.name)
        } else if self.format == PackageFormat::Npm {
            // As npm users write it: `@scope/name`.
            write!(f, "{} package `@{}/{}`", self.format, self.namespace, self.name)
        } else if self.format == PackageFormat::Maven {
            // As Maven users write it: `groupId:artifactId`.
            write!(f, "{} package `{}:{}`", self.format, self.namespace, self.name)
        } else {
            write!(f, "{} package `{}/{}`", self.format, self.namespace, self.name)
        }
    }
}

/// A license of a version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct License {
    /// Its name or SPDX expression.
    pub name: String,
    /// Its URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A direct dependency of a version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dependency {
    /// The namespace of the depended-on package (empty for none).
    pub namespace: String,
    /// The depended-on package.
    pub package: String,
    /// The kind, in the format's words: npm `regular`, `dev`, `peer`, `optional`; Maven scopes ...
    pub dependency_type: String,
    /// The version requirement as written.
    pub version_requirement: String,
}

/// The descriptive metadata every format reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionMetadata {
    /// A one-line summary.
    pub summary: Option<String>,
    /// The home page.
    pub home_page: Option<String>,
    /// The source code repository.
    pub source_code_repository: Option<String>,
    /// Licenses.
    pub licenses: Vec<License>,
    /// Direct dependencies.
    pub dependencies: Vec<Dependency>,
    /// The readme text.
    pub readme: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for s in VersionStatus::ALL {
            assert_eq!(VersionStatus::parse(s.as_str()), Some(s));
        }
        assert!(VersionStatus::Unlisted.is_downloadable() && !VersionStatus::Unlisted.is_listed());
        assert!(!VersionStatus::Archived.is_downloadable() && !VersionStatus::Disposed.is_downloadable());
        assert!(VersionStatus::Published.is_listed());
    }
}
