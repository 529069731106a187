//! Packages, versions, assets and dist-tags.
//!
//! A version is written with its assets in one transaction, after its blobs are stored. Writing a
//! version that exists adds the files it lacks (a PyPI version gains a wheel per platform), and
//! changes nothing when it has them all with the same bytes (re-runs and `--skip-existing` work);
//! a file name it holds with other bytes, or a `Deleted` version, is a conflict.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tributary_model::{
    Dependency, ErrorKind, License, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, PackageFormat,
    ResourceType, ServiceError, VersionMetadata, VersionOrigin, VersionStatus,
};

pub use tributary_model::records::{AssetRecord, NewVersion, PackageRecord, PutOutcome, StatusOutcome, VersionRecord};

use crate::entity::{assets, dist_tags, package_versions, packages};
use crate::{Store, StoreError};

type Result<T, E = StoreError> = std::result::Result<T, E>;

fn package_record(m: packages::Model) -> Result<PackageRecord> {
    let format = PackageFormat::parse(&m.format)
        .ok_or_else(|| StoreError::Corrupt(format!("package `{}` has unknown format `{}`", m.id, m.format)))?;
    let setting =
        |s: &str| OriginSetting::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown origin setting `{s}`")));
    Ok(PackageRecord {
        restrictions: OriginRestrictions {
            publish: setting(&m.origin_publish)?,
            upstream: setting(&m.origin_upstream)?,
        },
        id: m.id,
        repository_id: m.repository_id,
        coordinates: PackageCoordinates { format, namespace: m.namespace, name: m.name },
        display_name: m.display_name,
        created_at: m.created_at,
    })
}

fn asset_record(m: assets::Model) -> Result<AssetRecord> {
    let corrupt = |e: tributary_model::digest::InvalidDigest| {
        StoreError::Corrupt(format!("asset `{}` of version `{}`: {e}", m.name, m.version_id))
    };
    Ok(AssetRecord {
        size: u64::try_from(m.size).unwrap_or(0),
        sha256: m.sha256.parse().map_err(corrupt)?,
        sha1: m.sha1.parse().map_err(corrupt)?,
        md5: m.md5.parse().map_err(corrupt)?,
        sha512: m.sha512.parse().map_err(corrupt)?,
        attributes: serde_json::from_str(&m.attributes).unwrap_or_else(|_| serde_json::json!({})),
        name: m.name,
    })
}

fn version_record(m: package_versions::Model, assets: Vec<AssetRecord>) -> Result<VersionRecord> {
    let status = VersionStatus::parse(&m.status)
        .ok_or_else(|| StoreError::Corrupt(format!("version `{}` has unknown status `{}`", m.id, m.status)))?;
    let origin_type = OriginType::parse(&m.origin_type).unwrap_or(OriginType::Unknown);
    let licenses: Vec<License> = serde_json::from_str(&m.licenses).unwrap_or_default();
    let dependencies: Vec<Dependency> = serde_json::from_str(&m.dependencies).unwrap_or_default();
    Ok(VersionRecord {
        id: m.id,
        package_id: m.package_id,
        version: m.version,
        status,
        revision: m.revision,
        origin: VersionOrigin {
            origin_type,
            repository: m.origin_repository,
            external_connection: m.origin_external_connection,
        },
        metadata: VersionMetadata {
            summary: m.summary,
            home_page: m.home_page,
            source_code_repository: m.source_code_repository,
            licenses,
            dependencies,
            readme: m.readme,
        },
        format_metadata: serde_json::from_str(&m.metadata).unwrap_or(serde_json::Value::Null),
        published_at: m.published_at,
        updated_at: m.updated_at,
        assets,
    })
}

/// The files of `new` that `existing` lacks; a file it has under the same name with other bytes
/// is a conflict (published bytes never change).
fn new_files(
    coordinates: &PackageCoordinates,
    existing: &VersionRecord,
    new: &[AssetRecord],
) -> Result<Vec<AssetRecord>> {
    let mut added: Vec<AssetRecord> = Vec::new();
    for asset in new {
        match existing.assets.iter().find(|a| a.name == asset.name) {
            Some(stored) if stored.sha256 == asset.sha256 => {}
            Some(_) => {
                return Err(StoreError::Rejected(version_conflict(
                    coordinates,
                    &existing.version,
                    &format!(
                        "already has a file `{}` with other content; published files never change — publish a new version",
                        asset.name
                    ),
                )));
            }
            None if added.iter().any(|a| a.name == asset.name) => {}
            None => added.push(asset.clone()),
        }
    }
    Ok(added)
}

fn set_metadata(model: &mut package_versions::ActiveModel, metadata: &VersionMetadata) {
    model.summary = Set(metadata.summary.clone());
    model.home_page = Set(metadata.home_page.clone());
    model.source_code_repository = Set(metadata.source_code_repository.clone());
    model.licenses = Set(to_json(&metadata.licenses));
    model.dependencies = Set(to_json(&metadata.dependencies));
    model.readme = Set(metadata.readme.clone());
}

fn asset_row(version_id: &str, a: &AssetRecord, now: DateTime<Utc>) -> assets::ActiveModel {
    assets::ActiveModel {
        id: Set(uuid::Uuid::new_v4().simple().to_string()),
        version_id: Set(version_id.to_owned()),
        name: Set(a.name.clone()),
        size: Set(i64::try_from(a.size).unwrap_or(i64::MAX)),
        sha256: Set(a.sha256.to_hex()),
        sha1: Set(a.sha1.to_hex()),
        md5: Set(a.md5.to_hex()),
        sha512: Set(a.sha512.to_hex()),
        created_at: Set(now),
        attributes: Set(a.attributes.to_string()),
    }
}

async fn find_package(
    db: &impl ConnectionTrait,
    repository_id: &str,
    c: &PackageCoordinates,
) -> Result<Option<packages::Model>> {
    Ok(packages::Entity::find()
        .filter(packages::Column::RepositoryId.eq(repository_id))
        .filter(packages::Column::Format.eq(c.format.as_str()))
        .filter(packages::Column::Namespace.eq(c.namespace.as_str()))
        .filter(packages::Column::Name.eq(c.name.as_str()))
        .one(db)
        .await?)
}

async fn versions_with_assets(
    db: &impl ConnectionTrait,
    models: Vec<package_versions::Model>,
) -> Result<Vec<VersionRecord>> {
    let ids: Vec<String> = models.iter().map(|m| m.id.clone()).collect();
    let mut by_version: HashMap<String, Vec<AssetRecord>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = assets::Entity::find()
            .filter(assets::Column::VersionId.is_in(chunk.iter().cloned()))
            .order_by_asc(assets::Column::Name)
            .all(db)
            .await?;
        for row in rows {
            by_version.entry(row.version_id.clone()).or_default().push(asset_record(row)?);
        }
    }
    models
        .into_iter()
        .map(|m| {
            let assets = by_version.remove(&m.id).unwrap_or_default();
            version_record(m, assets)
        })
        .collect()
}

impl Store {
    /// The package with `coordinates` in each of `repository_ids` that holds it.
    pub async fn packages_in(
        &self,
        repository_ids: &[String],
        coordinates: &PackageCoordinates,
    ) -> Result<Vec<PackageRecord>> {
        let rows = packages::Entity::find()
            .filter(packages::Column::RepositoryId.is_in(repository_ids.iter().cloned()))
            .filter(packages::Column::Format.eq(coordinates.format.as_str()))
            .filter(packages::Column::Namespace.eq(coordinates.namespace.as_str()))
            .filter(packages::Column::Name.eq(coordinates.name.as_str()))
            .all(&self.reads)
            .await?;
        rows.into_iter().map(package_record).collect()
    }

    /// The package with `coordinates` in one repository.
    pub async fn package(
        &self,
        repository_id: &str,
        coordinates: &PackageCoordinates,
    ) -> Result<Option<PackageRecord>> {
        find_package(&self.reads, repository_id, coordinates).await?.map(package_record).transpose()
    }

    /// Every version (with assets) of the given packages.
    pub async fn versions_of(&self, package_ids: &[String]) -> Result<Vec<VersionRecord>> {
        let models = package_versions::Entity::find()
            .filter(package_versions::Column::PackageId.is_in(package_ids.iter().cloned()))
            .all(&self.reads)
            .await?;
        versions_with_assets(&self.reads, models).await
    }

    /// A page of ListPackageVersions, sorted and limited by the database: the versions (with
    /// assets) of `package_id` after `after` in (publish time, version) order, at most `limit`,
    /// of `status` (every status but Deleted when `None`) and `origin`.
    pub async fn version_page(
        &self,
        package_id: &str,
        status: Option<VersionStatus>,
        origin: Option<OriginType>,
        after: Option<(DateTime<Utc>, &str)>,
        limit: u64,
    ) -> Result<Vec<VersionRecord>> {
        use sea_orm::sea_query::{Expr, IntoCondition};
        let mut query = package_versions::Entity::find().filter(package_versions::Column::PackageId.eq(package_id));
        query = match status {
            Some(status) => query.filter(package_versions::Column::Status.eq(status.as_str())),
            None => query.filter(package_versions::Column::Status.ne(VersionStatus::Deleted.as_str())),
        };
        if let Some(origin) = origin {
            query = query.filter(package_versions::Column::OriginType.eq(origin.as_str()));
        }
        if let Some((published_at, version)) = after {
            let cond = Expr::tuple([
                Expr::col(package_versions::Column::PublishedAt).into(),
                Expr::col(package_versions::Column::Version).into(),
            ])
            .gt(Expr::tuple([Expr::value(published_at), Expr::value(version)]))
            .into_condition();
            query = query.filter(cond);
        }
        let models = query
            .order_by_asc(package_versions::Column::PublishedAt)
            .order_by_asc(package_versions::Column::Version)
            .limit(limit)
            .all(&self.reads)
            .await?;
        versions_with_assets(&self.reads, models).await
    }

    /// The newest Published version of `package_id` by publish time, and the status of
    /// `tagged` (if given): what the default display version is made of.
    pub async fn display_candidates(
        &self,
        package_id: &str,
        tagged: Option<&str>,
    ) -> Result<(Option<String>, Option<VersionStatus>)> {
        let newest: Option<String> = package_versions::Entity::find()
            .select_only()
            .column(package_versions::Column::Version)
            .filter(package_versions::Column::PackageId.eq(package_id))
            .filter(package_versions::Column::Status.eq(VersionStatus::Published.as_str()))
            .order_by_desc(package_versions::Column::PublishedAt)
            .into_tuple()
            .one(&self.reads)
            .await?;
        let tagged_status = match tagged {
            Some(version) => package_versions::Entity::find()
                .select_only()
                .column(package_versions::Column::Status)
                .filter(package_versions::Column::PackageId.eq(package_id))
                .filter(package_versions::Column::Version.eq(version))
                .into_tuple::<String>()
                .one(&self.reads)
                .await?
                .and_then(|s| VersionStatus::parse(&s)),
            None => None,
        };
        Ok((newest, tagged_status))
    }

    /// The version numbered `version` (with assets) of each of the given packages that has one.
    pub async fn versions_named(&self, package_ids: &[String], version: &str) -> Result<Vec<VersionRecord>> {
        let models = package_versions::Entity::find()
            .filter(package_versions::Column::PackageId.is_in(package_ids.iter().cloned()))
            .filter(package_versions::Column::Version.eq(version))
            .all(&self.reads)
            .await?;
        versions_with_assets(&self.reads, models).await
    }

    /// One version (with assets) of a package.
    pub async fn version(&self, package_id: &str, version: &str) -> Result<Option<VersionRecord>> {
        let model = package_versions::Entity::find()
            .filter(package_versions::Column::PackageId.eq(package_id))
            .filter(package_versions::Column::Version.eq(version))
            .one(&self.reads)
            .await?;
        Ok(versions_with_assets(&self.reads, model.into_iter().collect()).await?.pop())
    }

    /// Writes a version (and its package, created with `default_restrictions` if new) in one
    /// transaction, then sets `dist_tags` on the package.
    pub async fn put_version(
        &self,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        display_name: &str,
        new: &NewVersion,
        default_restrictions: OriginRestrictions,
        tags: &BTreeMap<String, String>,
    ) -> Result<PutOutcome> {
        let txn = self.begin_write().await?;
        crate::collections::refuse_collected(&txn, repository_id, new.assets.iter().map(|a| a.sha256.to_hex())).await?;
        let package = match find_package(&txn, repository_id, coordinates).await? {
            Some(p) => p,
            None => new_package(repository_id, coordinates, display_name, default_restrictions)
                .insert(&txn)
                .await
                .map_err(|e| {
                    StoreError::conflict_on_unique(
                        e,
                        ResourceType::Package,
                        &coordinates.name,
                        &format!("{coordinates} was created concurrently; retry"),
                    )
                })?,
        };
        let existing = package_versions::Entity::find()
            .filter(package_versions::Column::PackageId.eq(package.id.clone()))
            .filter(package_versions::Column::Version.eq(new.version.clone()))
            .one(&txn)
            .await?;
        if let Some(existing) = existing {
            let record = versions_with_assets(&txn, vec![existing]).await?.pop().ok_or_else(|| {
                StoreError::Corrupt(format!("version `{}` vanished inside its transaction", new.version))
            })?;
            if record.status == VersionStatus::Deleted {
                return Err(StoreError::Rejected(version_conflict(
                    coordinates,
                    &new.version,
                    "was deleted; its version number cannot be used again — publish a new version",
                )));
            }
            let added = new_files(coordinates, &record, &new.assets)?;
            let finishes = record.status == VersionStatus::Unfinished && new.status == VersionStatus::Published;
            if added.is_empty() && !finishes {
                return Ok(PutOutcome::Unchanged(record));
            }
            let now = Utc::now();
            if !added.is_empty() {
                assets::Entity::insert_many(added.iter().map(|a| asset_row(&record.id, a, now)))
                    .exec(&txn)
                    .await
                    .map_err(|e| {
                        StoreError::conflict_on_unique(
                            e,
                            ResourceType::Asset,
                            &new.version,
                            &format!(
                                "a file of version `{}` of {coordinates} was added concurrently; retry",
                                new.version
                            ),
                        )
                    })?;
            }
            let mut update = package_versions::ActiveModel {
                id: Set(record.id.clone()),
                revision: Set(uuid::Uuid::new_v4().simple().to_string()),
                updated_at: Set(now),
                ..Default::default()
            };
            // An Unfinished version (a generic one, assets added one by one) is finished by the
            // write that publishes its last asset.
            if record.status == VersionStatus::Unfinished && new.status == VersionStatus::Published {
                update.status = Set(VersionStatus::Published.as_str().to_owned());
            }
            // A version first stored from a file that says nothing of it (a wheel fetched before
            // its core metadata) learns its metadata from the file that does.
            if record.metadata == VersionMetadata::default() && new.metadata != VersionMetadata::default() {
                set_metadata(&mut update, &new.metadata);
            }
            update.update(&txn).await?;
            let stored = package_versions::Entity::find_by_id(record.id.clone()).one(&txn).await?.ok_or_else(|| {
                StoreError::Corrupt(format!("version `{}` vanished inside its transaction", new.version))
            })?;
            let record = versions_with_assets(&txn, vec![stored])
                .await?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("version vanished".to_owned()))?;
            txn.commit().await?;
            return Ok(PutOutcome::Extended(record));
        }
        let now = Utc::now();
        let version_id = uuid::Uuid::new_v4().simple().to_string();
        let model = package_versions::ActiveModel {
            id: Set(version_id.clone()),
            package_id: Set(package.id.clone()),
            version: Set(new.version.clone()),
            status: Set(new.status.as_str().to_owned()),
            revision: Set(uuid::Uuid::new_v4().simple().to_string()),
            origin_type: Set(new.origin.origin_type.as_str().to_owned()),
            origin_repository: Set(new.origin.repository.clone()),
            origin_external_connection: Set(new.origin.external_connection.clone()),
            summary: Set(new.metadata.summary.clone()),
            home_page: Set(new.metadata.home_page.clone()),
            source_code_repository: Set(new.metadata.source_code_repository.clone()),
            licenses: Set(to_json(&new.metadata.licenses)),
            dependencies: Set(to_json(&new.metadata.dependencies)),
            readme: Set(new.metadata.readme.clone()),
            metadata: Set(new.format_metadata.to_string()),
            published_at: Set(new.published_at),
            updated_at: Set(now),
        };
        model.insert(&txn).await.map_err(|e| {
            StoreError::conflict_on_unique(
                e,
                ResourceType::PackageVersion,
                &new.version,
                &format!("version `{}` of {coordinates} was published concurrently", new.version),
            )
        })?;
        if !new.assets.is_empty() {
            let rows: Vec<assets::ActiveModel> = new.assets.iter().map(|a| asset_row(&version_id, a, now)).collect();
            assets::Entity::insert_many(rows).exec(&txn).await?;
        }
        for (tag, version) in tags {
            upsert_tag(&txn, &package.id, tag, version).await?;
        }
        let stored = package_versions::Entity::find_by_id(version_id.clone())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("version `{}` vanished inside its transaction", new.version)))?;
        let record = versions_with_assets(&txn, vec![stored])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("version vanished".to_owned()))?;
        txn.commit().await?;
        Ok(PutOutcome::Created(record))
    }

    /// The dist-tags of the given packages: `(package id, tag, version)`.
    pub async fn dist_tags(&self, package_ids: &[String]) -> Result<Vec<(String, String, String)>> {
        Ok(dist_tags::Entity::find()
            .filter(dist_tags::Column::PackageId.is_in(package_ids.iter().cloned()))
            .order_by_asc(dist_tags::Column::Tag)
            .all(&self.reads)
            .await?
            .into_iter()
            .map(|t| (t.package_id, t.tag, t.version))
            .collect())
    }

    /// Points `tag` of a package at `version`.
    pub async fn set_dist_tag(&self, package_id: &str, tag: &str, version: &str) -> Result<()> {
        upsert_tag(&self.db, package_id, tag, version).await
    }

    /// Removes `tag` of a package; false if it was not set.
    pub async fn remove_dist_tag(&self, package_id: &str, tag: &str) -> Result<bool> {
        let done = dist_tags::Entity::delete_many()
            .filter(dist_tags::Column::PackageId.eq(package_id))
            .filter(dist_tags::Column::Tag.eq(tag))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected > 0)
    }

    /// Sets a package's origin controls in one repository, creating the package entry if needed.
    pub async fn set_restrictions(
        &self,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        display_name: &str,
        restrictions: OriginRestrictions,
    ) -> Result<PackageRecord> {
        if let Some(found) = find_package(&self.db, repository_id, coordinates).await? {
            let mut active: packages::ActiveModel = found.into();
            active.origin_publish = Set(restrictions.publish.as_str().to_owned());
            active.origin_upstream = Set(restrictions.upstream.as_str().to_owned());
            return package_record(active.update(&self.db).await?);
        }
        package_record(new_package(repository_id, coordinates, display_name, restrictions).insert(&self.db).await?)
    }

    /// Changes the status of `versions` of a package, each only if its current status is
    /// `expected` (when given) and its revision the one `revisions` gives it (when given).
    /// Deleted versions never change; disposed ones only to Deleted. Going to Disposed also
    /// drops the version's assets (their blobs are then garbage, collected after the grace
    /// period): the record stays, the files go.
    pub async fn set_statuses(
        &self,
        package_id: &str,
        versions: &[String],
        expected: Option<VersionStatus>,
        revisions: Option<&BTreeMap<String, String>>,
        target: VersionStatus,
    ) -> Result<BTreeMap<String, StatusOutcome>> {
        let txn = self.begin_write().await?;
        let rows = package_versions::Entity::find()
            .filter(package_versions::Column::PackageId.eq(package_id))
            .filter(package_versions::Column::Version.is_in(versions.iter().cloned()))
            .all(&txn)
            .await?;
        let mut by_version: HashMap<String, package_versions::Model> =
            rows.into_iter().map(|r| (r.version.clone(), r)).collect();
        let mut out = BTreeMap::new();
        for version in versions {
            let Some(row) = by_version.remove(version) else {
                out.insert(
                    version.clone(),
                    StatusOutcome::Failed { code: "NOT_FOUND", message: format!("version `{version}` does not exist") },
                );
                continue;
            };
            let current = VersionStatus::parse(&row.status).unwrap_or(VersionStatus::Deleted);
            if expected.is_some_and(|e| e != current) {
                out.insert(
                    version.clone(),
                    StatusOutcome::Failed {
                        code: "MISMATCHED_STATUS",
                        message: format!("version `{version}` is {current}, not the expected status"),
                    },
                );
                continue;
            }
            if let Some(wanted) = revisions.and_then(|r| r.get(version))
                && *wanted != row.revision
            {
                out.insert(
                    version.clone(),
                    StatusOutcome::Failed {
                        code: "MISMATCHED_REVISION",
                        message: format!("version `{version}` is at revision `{}`, not `{wanted}`", row.revision),
                    },
                );
                continue;
            }
            let stuck = match current {
                VersionStatus::Deleted => target != VersionStatus::Deleted,
                // Its files are gone: it may only be deleted (or disposed again, which does nothing).
                VersionStatus::Disposed => !matches!(target, VersionStatus::Deleted | VersionStatus::Disposed),
                _ => false,
            };
            if stuck {
                out.insert(
                    version.clone(),
                    StatusOutcome::Failed {
                        code: "SKIPPED",
                        message: format!("version `{version}` is {current}; it cannot become {target}"),
                    },
                );
                continue;
            }
            if target == VersionStatus::Disposed {
                assets::Entity::delete_many().filter(assets::Column::VersionId.eq(row.id.clone())).exec(&txn).await?;
            }
            let revision = row.revision.clone();
            let mut active: package_versions::ActiveModel = row.into();
            active.status = Set(target.as_str().to_owned());
            active.updated_at = Set(Utc::now());
            active.update(&txn).await?;
            out.insert(version.clone(), StatusOutcome::Done { revision, status: target });
        }
        txn.commit().await?;
        Ok(out)
    }

    /// Replaces the format's own document of a version (npm: `deprecated` in the manifest).
    pub async fn set_format_metadata(&self, version_id: &str, value: &serde_json::Value) -> Result<()> {
        let Some(model) = package_versions::Entity::find_by_id(version_id).one(&self.db).await? else {
            return Err(StoreError::Corrupt(format!("version `{version_id}` vanished")));
        };
        let mut active: package_versions::ActiveModel = model.into();
        active.metadata = Set(value.to_string());
        active.updated_at = Set(Utc::now());
        active.update(&self.db).await?;
        Ok(())
    }

    /// Packages of one repository, ordered by (format, namespace, name), after `after`, at most
    /// `limit`, filtered by format, namespace and name prefix when given.
    /// The packages of `package_ids` that have versions, each with whether one of them is not
    /// Deleted (a package is live while one is): read from the statuses alone, no version row
    /// nor asset loaded (a page of ListPackages asks this of every package on it).
    pub async fn package_liveness(&self, package_ids: &[String]) -> Result<HashMap<String, bool>> {
        use sea_orm::QuerySelect as _;
        let rows: Vec<(String, String)> = package_versions::Entity::find()
            .select_only()
            .column(package_versions::Column::PackageId)
            .column(package_versions::Column::Status)
            .distinct()
            .filter(package_versions::Column::PackageId.is_in(package_ids.iter().cloned()))
            .into_tuple()
            .all(&self.reads)
            .await?;
        let mut live: HashMap<String, bool> = HashMap::new();
        for (package_id, status) in rows {
            *live.entry(package_id).or_default() |= status != VersionStatus::Deleted.as_str();
        }
        Ok(live)
    }

    pub async fn list_packages(
        &self,
        repository_id: &str,
        format: Option<PackageFormat>,
        namespace: Option<&str>,
        prefix: Option<&str>,
        after: Option<(&str, &str, &str)>,
        limit: u64,
    ) -> Result<Vec<PackageRecord>> {
        let mut query = packages::Entity::find().filter(packages::Column::RepositoryId.eq(repository_id));
        if let Some(format) = format {
            query = query.filter(packages::Column::Format.eq(format.as_str()));
        }
        if let Some(namespace) = namespace {
            query = query.filter(packages::Column::Namespace.eq(namespace));
        }
        if let Some(prefix) = prefix {
            query = query.filter(packages::Column::Name.starts_with(prefix));
        }
        if let Some((f, n, p)) = after {
            use sea_orm::sea_query::{Expr, IntoCondition};
            let cond = Expr::tuple([
                Expr::col(packages::Column::Format).into(),
                Expr::col(packages::Column::Namespace).into(),
                Expr::col(packages::Column::Name).into(),
            ])
            .gt(Expr::tuple([Expr::value(f), Expr::value(n), Expr::value(p)]))
            .into_condition();
            query = query.filter(cond);
        }
        let rows = query
            .order_by_asc(packages::Column::Format)
            .order_by_asc(packages::Column::Namespace)
            .order_by_asc(packages::Column::Name)
            .limit(limit)
            .all(&self.reads)
            .await?;
        rows.into_iter().map(package_record).collect()
    }
}

/// The row of a package new in a repository.
fn new_package(
    repository_id: &str,
    coordinates: &PackageCoordinates,
    display_name: &str,
    restrictions: OriginRestrictions,
) -> packages::ActiveModel {
    packages::ActiveModel {
        id: Set(uuid::Uuid::new_v4().simple().to_string()),
        repository_id: Set(repository_id.to_owned()),
        format: Set(coordinates.format.as_str().to_owned()),
        namespace: Set(coordinates.namespace.clone()),
        name: Set(coordinates.name.clone()),
        display_name: Set(display_name.to_owned()),
        origin_publish: Set(restrictions.publish.as_str().to_owned()),
        origin_upstream: Set(restrictions.upstream.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

async fn upsert_tag(db: &impl ConnectionTrait, package_id: &str, tag: &str, version: &str) -> Result<()> {
    let model = dist_tags::ActiveModel {
        package_id: Set(package_id.to_owned()),
        tag: Set(tag.to_owned()),
        version: Set(version.to_owned()),
    };
    dist_tags::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([dist_tags::Column::PackageId, dist_tags::Column::Tag])
                .update_column(dist_tags::Column::Version)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

fn version_conflict(coordinates: &PackageCoordinates, version: &str, what: &str) -> ServiceError {
    ServiceError::new(ErrorKind::Conflict, format!("version `{version}` of {coordinates} {what}"))
        .with_resource(ResourceType::PackageVersion, version)
}
