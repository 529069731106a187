//! The format-generic package APIs (ListPackages, DescribePackage, ListPackageVersions, ...).
//! CodeArtifact semantics: they see only what is stored in the one repository named.

use std::collections::BTreeMap;

use tributary_model::view::RepositoryView;

use tributary_model::{
    OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, PackageFormat, ResourceType, ServiceError,
    VersionStatus,
};
use tributary_store::{PackageRecord, StatusOutcome, VersionRecord};

use crate::resolve::{AssetBody, RepoTarget};
use crate::{Caller, Page, RepoRef, Service, pagination};

/// Which package of which repository a request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageAddress {
    /// The repository.
    pub repo: RepoRef,
    /// The package.
    pub coordinates: PackageCoordinates,
}

/// Filters of ListPackages.
#[derive(Debug, Clone, Default)]
pub struct PackageFilter {
    /// Only this format.
    pub format: Option<PackageFormat>,
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only names starting with this.
    pub prefix: Option<String>,
    /// Only packages whose publish control is this.
    pub publish: Option<OriginSetting>,
    /// Only packages whose upstream control is this.
    pub upstream: Option<OriginSetting>,
}

/// Filters of ListPackageVersions.
#[derive(Debug, Clone, Default)]
pub struct VersionFilter {
    /// Only this status; without it every status but `Deleted`.
    pub status: Option<VersionStatus>,
    /// Only this origin.
    pub origin_type: Option<OriginType>,
}

/// The versions of a package in one repository.
#[derive(Debug, Clone)]
pub struct VersionList {
    /// The package.
    pub package: PackageRecord,
    /// The newest published version.
    pub default_display_version: Option<String>,
    /// One page of versions, oldest first.
    pub page: Page<VersionRecord>,
}

fn package_not_found(address: &PackageAddress) -> ServiceError {
    ServiceError::not_found(
        ResourceType::Package,
        address.coordinates.name.clone(),
        format!("{} is not stored in repository `{}`", address.coordinates, address.repo.repository),
    )
}

impl Service {
    /// The repository of `address`, and the package's coordinates in normal form.
    async fn target_of(
        &self,
        caller: &Caller,
        address: &PackageAddress,
    ) -> Result<(RepoTarget, PackageCoordinates), ServiceError> {
        self.check_owner(address.repo.owner.as_ref())?;
        let target = self.repo_target(caller, &address.repo.domain, &address.repo.repository).await?;
        Ok((target, self.formats.normalize(&address.coordinates)))
    }

    async fn stored_package(
        &self,
        caller: &Caller,
        address: &PackageAddress,
    ) -> Result<(RepoTarget, PackageRecord), ServiceError> {
        let (target, coordinates) = self.target_of(caller, address).await?;
        let package =
            self.store.package(&target.repository_id, &coordinates).await?.ok_or_else(|| package_not_found(address))?;
        Ok((target, package))
    }

    async fn stored_version(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
    ) -> Result<(RepoTarget, PackageRecord, VersionRecord), ServiceError> {
        let (target, package) = self.stored_package(caller, address).await?;
        let record = self.store.version(&package.id, version).await?.filter(|v| v.status != VersionStatus::Deleted);
        let record = record.ok_or_else(|| {
            ServiceError::not_found(
                ResourceType::PackageVersion,
                version,
                format!(
                    "version `{version}` of {} is not stored in `{}`",
                    address.coordinates, address.repo.repository
                ),
            )
        })?;
        Ok((target, package, record))
    }

    /// ListPackages.
    pub async fn list_packages(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        filter: &PackageFilter,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<Page<PackageRecord>, ServiceError> {
        self.check_owner(repo.owner.as_ref())?;
        let target = self.repo_target(caller, &repo.domain, &repo.repository).await?;
        let limit = pagination::limit(max_results)?;
        let after = next_token.map(|t| pagination::decode(t, 3)).transpose()?;
        let after = after.as_ref().map(|p| (p[0].as_str(), p[1].as_str(), p[2].as_str()));
        let prefix = filter.prefix.as_deref().map(|p| match filter.format {
            Some(format) => self.formats.normalize_name(format, p),
            None => p.to_owned(),
        });
        let rows = self
            .store
            .list_packages(
                &target.repository_id,
                filter.format,
                filter.namespace.as_deref(),
                prefix.as_deref(),
                after,
                limit,
            )
            .await?;
        let next_token = (rows.len() as u64 == limit)
            .then(|| {
                rows.last().map(|p| {
                    pagination::encode(&[p.coordinates.format.as_str(), &p.coordinates.namespace, &p.coordinates.name])
                })
            })
            .flatten();
        // A package whose every version was deleted is gone from listings: one query for the
        // page, of statuses only.
        let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
        let live = self.store.package_liveness(&ids).await?;
        let items = rows
            .into_iter()
            .filter(|p| {
                filter.publish.is_none_or(|s| s == p.restrictions.publish)
                    && filter.upstream.is_none_or(|s| s == p.restrictions.upstream)
                    && live.get(&p.id).copied().unwrap_or(true)
            })
            .collect();
        Ok(Page { items, next_token })
    }

    /// DescribePackage. A package whose versions are all deleted (DeletePackage) is gone: 404;
    /// one with no version yet (only its origin configuration set) is described.
    pub async fn describe_package(
        &self,
        caller: &Caller,
        address: &PackageAddress,
    ) -> Result<PackageRecord, ServiceError> {
        let (_, package) = self.stored_package(caller, address).await?;
        let live = self.store.package_liveness(std::slice::from_ref(&package.id)).await?;
        if live.get(&package.id) == Some(&false) {
            return Err(package_not_found(address));
        }
        Ok(package)
    }

    /// DeletePackage: every version becomes `Deleted` (their numbers stay burned).
    pub async fn delete_package(
        &self,
        caller: &Caller,
        address: &PackageAddress,
    ) -> Result<PackageRecord, ServiceError> {
        let (target, package) = self.stored_package(caller, address).await?;
        let versions: Vec<String> =
            self.store.versions_of(std::slice::from_ref(&package.id)).await?.into_iter().map(|v| v.version).collect();
        self.set_local_statuses(&target, &package, &versions, VersionStatus::Deleted).await?;
        Ok(package)
    }

    /// PutPackageOriginConfiguration.
    pub async fn put_origin_configuration(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        restrictions: OriginRestrictions,
    ) -> Result<PackageRecord, ServiceError> {
        let (target, coordinates) = self.target_of(caller, address).await?;
        let package = self
            .store
            .set_restrictions(&target.repository_id, &coordinates, &address.coordinates.name, restrictions)
            .await?;
        self.caches.package_changed(&target.domain.id, &coordinates).await;
        Ok(package)
    }

    /// ListPackageVersions: oldest first; every status but `Deleted` unless a status is asked for.
    pub async fn list_package_versions(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        filter: &VersionFilter,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<VersionList, ServiceError> {
        let (_, package) = self.stored_package(caller, address).await?;
        let limit = pagination::limit(max_results)?;
        let after = next_token.map(|t| pagination::decode(t, 2)).transpose()?;
        let after = match &after {
            Some(key) => {
                // The time as stored, to the nanosecond (SQLite keeps them): a coarser one would
                // bring the page's last version back on the next.
                let nanos: i64 = key[0].parse().map_err(|_| pagination::invalid_token())?;
                let at = chrono::DateTime::<chrono::Utc>::from_timestamp_nanos(nanos);
                Some((at, key[1].as_str()))
            }
            None => None,
        };
        let display_tag = self.formats.adapter(package.coordinates.format).and_then(|a| a.default_display_tag());
        let tagged = match display_tag {
            Some(tag) => self
                .store
                .dist_tags(std::slice::from_ref(&package.id))
                .await?
                .into_iter()
                .find_map(|(_, name, version)| (name == tag).then_some(version)),
            None => None,
        };
        // Sorted, filtered and paged by the database: a page of a package of 10,000 versions
        // costs what one of ten does (docs/benchmarks.md, "Growth").
        let (newest, tagged_status) = self.store.display_candidates(&package.id, tagged.as_deref()).await?;
        let default_display_version = crate::formats::default_display_version(tagged.zip(tagged_status), newest);
        let items = self.store.version_page(&package.id, filter.status, filter.origin_type, after, limit).await?;
        let next_token = (items.len() == usize::try_from(limit).unwrap_or(usize::MAX))
            .then(|| {
                items.last().and_then(|v| {
                    let nanos = v.published_at.timestamp_nanos_opt()?;
                    Some(pagination::encode(&[&nanos.to_string(), &v.version]))
                })
            })
            .flatten();
        Ok(VersionList { package, default_display_version, page: Page { items, next_token } })
    }

    /// DescribePackageVersion, ListPackageVersionAssets, GetPackageVersionReadme and
    /// ListPackageVersionDependencies: one stored version.
    pub async fn describe_package_version(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
    ) -> Result<(PackageRecord, VersionRecord), ServiceError> {
        let (_, package, record) = self.stored_version(caller, address, version).await?;
        Ok((package, record))
    }

    /// ListPackageVersionAssets: one page of a stored version's assets, by name, and the token
    /// of the next.
    pub async fn list_version_assets(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<(PackageRecord, VersionRecord, Option<String>), ServiceError> {
        let (_, package, mut record) = self.stored_version(caller, address, version).await?;
        if let Some(adapter) = self.formats.adapter(package.coordinates.format) {
            record.assets.retain(|a| adapter.lists_asset(&a.name));
        }
        let limit = usize::try_from(pagination::limit(max_results)?).unwrap_or(100);
        let after = next_token.map(|t| pagination::decode(t, 1)).transpose()?;
        record.assets.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(after) = after {
            record.assets.retain(|a| a.name.as_str() > after[0].as_str());
        }
        let more = record.assets.len() > limit;
        record.assets.truncate(limit);
        let next = more.then(|| record.assets.last().map(|a| pagination::encode(&[&a.name]))).flatten();
        Ok((package, record, next))
    }

    /// GetPackageVersionAsset.
    pub async fn package_version_asset(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
        asset: &str,
    ) -> Result<(VersionRecord, AssetBody), ServiceError> {
        let (target, _, record) = self.stored_version(caller, address, version).await?;
        if !record.status.is_downloadable() {
            return Err(ServiceError::not_found(
                ResourceType::PackageVersion,
                version,
                format!("version `{version}` is {} and its assets cannot be downloaded", record.status),
            ));
        }
        let found = record.assets.iter().find(|a| a.name == asset).cloned().ok_or_else(|| {
            ServiceError::not_found(ResourceType::Asset, asset, format!("version `{version}` has no asset `{asset}`"))
        })?;
        let body = self.open_stored(&target, found).await?;
        Ok((record, body))
    }

    /// Promotes `version` of a package, stored in the repository and Published or Unlisted,
    /// into `view` (a Tributary extension; docs/DESIGN.md §2, "Views"); it is never demoted.
    /// Returns the views it is in now.
    pub async fn promote_version(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
        view: RepositoryView,
    ) -> Result<(PackageRecord, VersionRecord, Vec<RepositoryView>), ServiceError> {
        if !view.is_promoted() {
            return Err(ServiceError::validation(
                "`@local` holds what the repository holds; promote into `prerelease` or `release`",
            ));
        }
        let (target, package, record) = self.stored_version(caller, address, version).await?;
        if !matches!(record.status, VersionStatus::Published | VersionStatus::Unlisted) {
            return Err(ServiceError::conflict(
                ResourceType::PackageVersion,
                version,
                format!("version `{version}` is {}; only a Published or Unlisted version is promoted", record.status),
            ));
        }
        self.store.promote(&record.id, view).await?;
        self.caches.package_changed(&target.domain.id, &package.coordinates).await;
        let views = self.store.views_of(&record.id).await?;
        Ok((package, record, views))
    }

    /// The views `version` of a package was promoted into.
    pub async fn version_views(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
    ) -> Result<(PackageRecord, VersionRecord, Vec<RepositoryView>), ServiceError> {
        let (_, package, record) = self.stored_version(caller, address, version).await?;
        let views = self.store.views_of(&record.id).await?;
        Ok((package, record, views))
    }

    /// UpdatePackageVersionsStatus: to Published, Unlisted or Archived.
    pub async fn update_versions_status(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        versions: &VersionSelection,
        expected: Option<VersionStatus>,
        target_status: VersionStatus,
    ) -> Result<BTreeMap<String, StatusOutcome>, ServiceError> {
        if !matches!(target_status, VersionStatus::Published | VersionStatus::Unlisted | VersionStatus::Archived) {
            return Err(ServiceError::validation(format!(
                "`targetStatus` {target_status} cannot be set here; use Published, Unlisted or Archived (DeletePackageVersions deletes)"
            )));
        }
        self.change_statuses(caller, address, versions, expected, target_status).await
    }

    /// DeletePackageVersions: the versions become `Deleted`; their numbers stay burned.
    pub async fn delete_versions(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        versions: &VersionSelection,
        expected: Option<VersionStatus>,
    ) -> Result<BTreeMap<String, StatusOutcome>, ServiceError> {
        self.change_statuses(caller, address, versions, expected, VersionStatus::Deleted).await
    }

    /// DisposePackageVersions: the versions become `Disposed`: their records stay (the number
    /// stays burned, the listing shows them Disposed), their files are dropped, and their blobs
    /// go with the next garbage collection once nothing else refers to them.
    pub async fn dispose_versions(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        versions: &VersionSelection,
        expected: Option<VersionStatus>,
    ) -> Result<BTreeMap<String, StatusOutcome>, ServiceError> {
        self.change_statuses(caller, address, versions, expected, VersionStatus::Disposed).await
    }

    async fn change_statuses(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        selection: &VersionSelection,
        expected: Option<VersionStatus>,
        status: VersionStatus,
    ) -> Result<BTreeMap<String, StatusOutcome>, ServiceError> {
        let versions = selection.versions()?;
        let (target, package) = self.stored_package(caller, address).await?;
        let revisions = selection.revisions.as_ref();
        let outcomes = self.store.set_statuses(&package.id, &versions, expected, revisions, status).await?;
        self.caches.package_changed(&target.domain.id, &package.coordinates).await;
        Ok(outcomes)
    }
}

/// The versions a status operation names (`versions`), and the revision some of them must be at
/// (`versionRevisions`: a version not at it is left as it is, `MISMATCHED_REVISION`).
#[derive(Debug, Clone, Default)]
pub struct VersionSelection {
    /// The versions by number.
    pub versions: Vec<String>,
    /// Version → the revision it must be at.
    pub revisions: Option<BTreeMap<String, String>>,
}

impl VersionSelection {
    /// The versions named: 1 to 100; `versionRevisions` may only name some of them.
    fn versions(&self) -> Result<Vec<String>, ServiceError> {
        let count = self.versions.len();
        if count == 0 || count > 100 {
            return Err(ServiceError::validation(format!("`versions` names {count} versions; name 1 to 100")));
        }
        if let Some(stray) = self.revisions.iter().flatten().map(|(v, _)| v).find(|v| !self.versions.contains(v)) {
            return Err(ServiceError::validation(format!(
                "`versionRevisions` names version `{stray}`, which `versions` does not"
            )));
        }
        Ok(self.versions.clone())
    }
}

/// One asset of a generic package version, as PublishPackageVersion gives it.
#[derive(Debug)]
pub struct PublishedAsset {
    /// Its name.
    pub name: String,
    /// The SHA-256 the caller declares (`x-amz-content-sha256`): the bytes must match it.
    pub sha256: tributary_blob::Sha256,
    /// Whether the version stays Unfinished (more assets follow).
    pub unfinished: bool,
}

/// A generic package version's name or asset name: 1 to 255 characters, no `#`, `/`, `\`,
/// control character or white space, not `.` or `..` (CodeArtifact's rules).
fn check_generic_part(what: &str, value: &str) -> Result<(), ServiceError> {
    let bad = value.is_empty()
        || value.chars().count() > 255
        || value == "."
        || value == ".."
        || value.chars().any(|c| matches!(c, '#' | '/' | '\\') || c.is_control() || c.is_whitespace());
    if bad {
        return Err(ServiceError::validation(format!(
            "{what} `{value}` is not valid: use 1 to 255 characters without `#`, `/`, `\\`, spaces or control characters, and not `.` or `..`"
        )));
    }
    Ok(())
}

/// What a format with no upstream registry tells the engine: nothing but its name.
#[derive(Debug)]
pub(crate) struct StoredOnly(pub(crate) PackageFormat);

impl crate::formats::FormatAdapter for StoredOnly {
    fn format(&self) -> PackageFormat {
        self.0
    }
}

impl Service {
    /// PublishPackageVersion: one asset of a generic package version, streamed into the blob
    /// store and checked against its declared SHA-256, then recorded in one transaction. The
    /// version is created, or extended while it is Unfinished; `unfinished=false` makes it
    /// Published, after which its assets cannot change. A refused asset leaves nothing behind.
    pub async fn publish_generic_asset(
        &self,
        caller: &Caller,
        address: &PackageAddress,
        version: &str,
        asset: PublishedAsset,
        body: tributary_blob::BlobBodyIn,
    ) -> Result<(VersionRecord, tributary_store::AssetRecord), ServiceError> {
        let coordinates = &address.coordinates;
        if coordinates.format != PackageFormat::Generic {
            return Err(ServiceError::validation(format!(
                "PublishPackageVersion publishes `generic` packages; {} packages are published with their own clients",
                coordinates.format
            )));
        }
        if coordinates.namespace.is_empty() {
            return Err(ServiceError::validation("a generic package needs a `namespace`"));
        }
        check_generic_part("version", version)?;
        check_generic_part("asset name", &asset.name)?;
        let (target, coordinates) = self.target_of(caller, address).await?;
        self.check_group_publish(&target.domain, &coordinates, &target.repository).await?;
        // A Published (or otherwise finished) version's assets are fixed.
        if let Some(package) = self.store.package(&target.repository_id, &coordinates).await?
            && let Some(existing) = self.store.version(&package.id, version).await?
        {
            // The very same asset again changes nothing (docs/DESIGN.md §7, rule 3).
            if let Some(same) = existing.assets.iter().find(|a| a.name == asset.name && a.sha256 == asset.sha256)
                && (existing.status != VersionStatus::Unfinished || asset.unfinished)
            {
                let same = same.clone();
                return Ok((existing, same));
            }
            if existing.status != VersionStatus::Unfinished {
                return Err(ServiceError::new(
                    tributary_model::ErrorKind::Conflict,
                    format!(
                        "version `{version}` of {coordinates} is {}: assets are added only while a version is Unfinished (publish with `--unfinished` until the last asset)",
                        existing.status
                    ),
                )
                .with_resource(ResourceType::PackageVersion, version));
            }
            if existing.assets.iter().any(|a| a.name == asset.name && a.sha256 != asset.sha256) {
                return Err(ServiceError::new(
                    tributary_model::ErrorKind::Conflict,
                    format!(
                        "version `{version}` of {coordinates} already has an asset `{}` with other bytes",
                        asset.name
                    ),
                )
                .with_resource(ResourceType::Asset, &asset.name));
            }
        }
        let expected = tributary_blob::ExpectedDigests { sha256: Some(asset.sha256), ..Default::default() };
        let digests = self.store_blob(&target.domain, body, &expected).await?;
        let record = crate::resolve::asset_record(&asset.name, &digests);
        let new = tributary_store::NewVersion {
            version: version.to_owned(),
            status: if asset.unfinished { VersionStatus::Unfinished } else { VersionStatus::Published },
            origin: tributary_model::VersionOrigin {
                origin_type: OriginType::Internal,
                repository: None,
                external_connection: None,
            },
            metadata: Default::default(),
            format_metadata: serde_json::json!({}),
            published_at: chrono::Utc::now(),
            assets: vec![record.clone()],
        };
        let adapter = StoredOnly(PackageFormat::Generic);
        let outcome = self.publish(&target, &adapter, &coordinates, &coordinates.name, new, &BTreeMap::new()).await?;
        Ok((outcome.record().clone(), record))
    }
}
