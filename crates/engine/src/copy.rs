//! CopyPackageVersions: versions of a package copied from one repository of a domain to
//! another. A copy refers to the same blobs (an asset is stored once per domain): nothing is
//! downloaded or written but the records. npm dist-tags that point at a copied version come
//! along.

use std::collections::BTreeMap;

use tributary_model::records::StatusOutcome;
use tributary_model::{
    AccountId, DomainName, OriginRestrictions, OriginType, PackageCoordinates, RepositoryName, ServiceError,
    VersionStatus,
};
use tributary_store::VersionRecord;

use crate::resolve::{VersionSource, retained_copy, scope};
use crate::{Caller, Service};

/// What CopyPackageVersions names.
#[derive(Debug, Clone)]
pub struct CopyRequest {
    /// The domain of both repositories.
    pub domain: DomainName,
    /// The domain owner, when given.
    pub owner: Option<AccountId>,
    /// Where the versions are.
    pub source: RepositoryName,
    /// Where they go.
    pub destination: RepositoryName,
    /// The package.
    pub coordinates: PackageCoordinates,
    /// The versions by number (or `revisions`, not both).
    pub versions: Vec<String>,
    /// The versions with the revision each must be at.
    pub revisions: Option<BTreeMap<String, String>>,
    /// Whether a version already in the destination may be copied over (only with the same
    /// files: a stored version's files never change).
    pub allow_overwrite: bool,
    /// Whether versions the source's upstream repositories hold may be copied too.
    pub include_from_upstream: bool,
}

fn failed(code: &'static str, message: String) -> StatusOutcome {
    StatusOutcome::Failed { code, message }
}

impl Service {
    /// CopyPackageVersions: per version, its outcome.
    pub async fn copy_versions(
        &self,
        caller: &Caller,
        request: &CopyRequest,
    ) -> Result<BTreeMap<String, StatusOutcome>, ServiceError> {
        let versions: Vec<String> = match (&request.revisions, request.versions.is_empty()) {
            (Some(_), false) => {
                return Err(ServiceError::validation("give `versions` or `versionRevisions`, not both"));
            }
            (Some(revisions), true) => revisions.keys().cloned().collect(),
            (None, _) => request.versions.clone(),
        };
        if versions.is_empty() || versions.len() > 100 {
            return Err(ServiceError::validation(format!(
                "{} versions are named; name 1 to 100 (`versions` or `versionRevisions`)",
                versions.len()
            )));
        }
        if request.source == request.destination {
            return Err(ServiceError::validation("the source and the destination are the same repository"));
        }
        self.check_owner(request.owner.as_ref())?;
        let source = self.repo_target(caller, &request.domain, &request.source).await?;
        let destination = self.repo_target(caller, &request.domain, &request.destination).await?;
        let coordinates = self.formats.normalize(&request.coordinates);
        let package = self.store.package(&source.repository_id, &coordinates).await?;
        let tags = match &package {
            Some(p) => self.store.dist_tags(std::slice::from_ref(&p.id)).await?,
            None => Vec::new(),
        };
        let blob_scope = scope(&destination.domain)?;
        let mut outcomes = BTreeMap::new();
        for version in versions {
            let here = match &package {
                Some(p) => self.store.version(&p.id, &version).await?.filter(|v| v.status != VersionStatus::Deleted),
                None => None,
            };
            let found: Option<(VersionRecord, String)> = match here {
                Some(record) => Some((record, package.as_ref().map(|p| p.display_name.clone()).unwrap_or_default())),
                None if request.include_from_upstream => self.upstream_stored(&source, &coordinates, &version).await?,
                None => None,
            };
            let Some((record, display_name)) = found else {
                let message = format!("version `{version}` of {coordinates} is not in `{}`", request.source);
                outcomes.insert(version, failed("NOT_FOUND", message));
                continue;
            };
            if let Some(wanted) = request.revisions.as_ref().and_then(|r| r.get(&version))
                && *wanted != record.revision
            {
                let message = format!("version `{version}` is at revision `{}`, not `{wanted}`", record.revision);
                outcomes.insert(version, failed("MISMATCHED_REVISION", message));
                continue;
            }
            if !matches!(record.status, VersionStatus::Published | VersionStatus::Unlisted | VersionStatus::Archived) {
                let message =
                    format!("version `{version}` is {}; only finished versions with files are copied", record.status);
                outcomes.insert(version, failed("SKIPPED", message));
                continue;
            }
            let existing = match self.store.package(&destination.repository_id, &coordinates).await? {
                Some(p) => self.store.version(&p.id, &version).await?,
                None => None,
            };
            if existing.is_some() && !request.allow_overwrite {
                let message = format!(
                    "version `{version}` is already in `{}`; set `allowOverwrite` to copy it anyway",
                    request.destination
                );
                outcomes.insert(version, failed("ALREADY_EXISTS", message));
                continue;
            }
            let version_tags: BTreeMap<String, String> =
                tags.iter().filter(|(_, _, v)| *v == version).map(|(_, tag, v)| (tag.clone(), v.clone())).collect();
            let restrictions = match record.origin.origin_type {
                OriginType::External => OriginRestrictions::FIRST_INGESTED,
                _ => OriginRestrictions::FIRST_PUBLISHED,
            };
            let copy = retained_copy(&record);
            let written = self
                .write_version(
                    &blob_scope,
                    &destination.repository_id,
                    &coordinates,
                    &display_name,
                    &copy,
                    restrictions,
                    &version_tags,
                )
                .await;
            match written {
                Ok(outcome) => {
                    let stored = outcome.record();
                    outcomes.insert(
                        version,
                        StatusOutcome::Done { revision: stored.revision.clone(), status: stored.status },
                    );
                }
                Err(e) if e.kind == tributary_model::ErrorKind::Conflict => {
                    let message = format!(
                        "version `{version}` is in `{}` with other files, which cannot be replaced: {}",
                        request.destination, e.message
                    );
                    outcomes.insert(version, failed("ALREADY_EXISTS", message));
                }
                Err(e) => return Err(e),
            }
        }
        self.caches.package_changed(&destination.domain.id, &coordinates).await;
        Ok(outcomes)
    }

    /// `version` as the first repository upstream of `source` that stores it holds it, with the
    /// package's display name there (what was fetched from an external connection and kept in
    /// the gateway counts; what the registry has but no repository keeps does not).
    async fn upstream_stored(
        &self,
        source: &crate::RepoTarget,
        coordinates: &PackageCoordinates,
        version: &str,
    ) -> Result<Option<(VersionRecord, String)>, ServiceError> {
        // A format no adapter serves (generic) has no upstream registry: its stored versions only.
        let stored_only = crate::packages::StoredOnly(coordinates.format);
        let adapter = self.formats.adapter(coordinates.format).unwrap_or(&stored_only);
        let view = self.version_view(source, adapter, coordinates, version).await?;
        let display_name = view.display_name.clone().unwrap_or_else(|| coordinates.name.clone());
        Ok(view.sources(version).find_map(|s| match s {
            VersionSource::Stored { record, .. } if record.status != VersionStatus::Deleted => {
                Some(((**record).clone(), display_name.clone()))
            }
            _ => None,
        }))
    }
}
