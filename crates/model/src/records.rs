//! The records the engine hands to formats and front ends: packages, versions and their files,
//! domains, repositories, tags. Plain data; the store reads and writes them.

use chrono::{DateTime, Utc};

use crate::digest::{Md5, Sha1, Sha256, Sha512};
use crate::{OriginRestrictions, PackageCoordinates, VersionMetadata, VersionOrigin, VersionStatus};

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// A domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Its id, also its blob scope.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The owning account id.
    pub owner: String,
    /// The encryption key named at creation, if any.
    pub encryption_key: Option<String>,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// How many repositories it holds.
    pub repository_count: u64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A repository. In listings `upstreams` is left empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// Its id.
    pub id: String,
    /// Its domain's name.
    pub domain_name: String,
    /// Its domain's owner.
    pub domain_owner: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Upstream repository names, in search order.
    pub upstreams: Vec<String>,
    /// Its external connection, if it is a gateway.
    pub external_connection: Option<String>,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A package in one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRecord {
    /// Its id.
    pub id: String,
    /// The repository holding it.
    pub repository_id: String,
    /// Format, namespace, normalized name.
    pub coordinates: PackageCoordinates,
    /// The name as its publisher spelled it.
    pub display_name: String,
    /// Its origin controls in this repository.
    pub restrictions: OriginRestrictions,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// One file of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRecord {
    /// The file name, e.g. `lodash-4.17.21.tgz`.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256 (the blob key).
    pub sha256: Sha256,
    /// Its SHA-1.
    pub sha1: Sha1,
    /// Its MD5.
    pub md5: Md5,
    /// Its SHA-512.
    pub sha512: Sha512,
    /// What the format knows of this file beyond its bytes (a JSON object; `{}` for nothing),
    /// e.g. PyPI's `requires-python` and upload time. Opaque to the store.
    pub attributes: serde_json::Value,
}

/// A version of a package in one repository.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    /// Its id.
    pub id: String,
    /// The package it belongs to.
    pub package_id: String,
    /// The version string.
    pub version: String,
    /// Its status.
    pub status: VersionStatus,
    /// Its revision (changes when its content changes).
    pub revision: String,
    /// Where it came from.
    pub origin: VersionOrigin,
    /// Descriptive metadata.
    pub metadata: VersionMetadata,
    /// The format's own document for this version (npm: the version manifest).
    pub format_metadata: serde_json::Value,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its files.
    pub assets: Vec<AssetRecord>,
}

/// A version to write.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The version string.
    pub version: String,
    /// Its status.
    pub status: VersionStatus,
    /// Where it came from.
    pub origin: VersionOrigin,
    /// Descriptive metadata.
    pub metadata: VersionMetadata,
    /// The format's own document.
    pub format_metadata: serde_json::Value,
    /// When it was published (kept from upstream when retained).
    pub published_at: DateTime<Utc>,
    /// Its files; their blobs must already be stored.
    pub assets: Vec<AssetRecord>,
}

/// What writing a version did.
#[derive(Debug, Clone, PartialEq)]
pub enum PutOutcome {
    /// The version was created.
    Created(VersionRecord),
    /// The version existed with the same assets; nothing changed.
    Unchanged(VersionRecord),
    /// The version existed; the new files were added to it (a PyPI wheel for another platform).
    Extended(VersionRecord),
}

impl PutOutcome {
    /// The version as stored.
    pub fn record(&self) -> &VersionRecord {
        match self {
            Self::Created(r) | Self::Unchanged(r) | Self::Extended(r) => r,
        }
    }
}

/// The outcome of a status change for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusOutcome {
    /// Changed (or already so): the revision and the new status.
    Done { revision: String, status: VersionStatus },
    /// Not changed: CodeArtifact's error code and a message.
    Failed { code: &'static str, message: String },
}
