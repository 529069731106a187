//! What one repository stores, read and changed in place: its packages, statuses, dist-tags.

use tributary_model::{PackageCoordinates, ServiceError, VersionStatus};
use tributary_store::{PackageRecord, VersionRecord};

use super::RepoTarget;
use crate::{Caller, Service};

impl Service {
    /// The package as stored in `target` itself.
    pub async fn local_package(
        &self,
        target: &RepoTarget,
        coordinates: &PackageCoordinates,
    ) -> Result<Option<PackageRecord>, ServiceError> {
        Ok(self.store.package(&target.repository_id, coordinates).await?)
    }

    /// The versions (with assets) of a package stored in `target` itself.
    pub async fn local_versions(&self, package: &PackageRecord) -> Result<Vec<VersionRecord>, ServiceError> {
        Ok(self.store.versions_of(std::slice::from_ref(&package.id)).await?)
    }

    /// Replaces the format's document of a stored version.
    pub async fn set_format_metadata(
        &self,
        target: &RepoTarget,
        package: &PackageRecord,
        record: &VersionRecord,
        value: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        self.store.set_format_metadata(&record.id, value).await?;
        self.caches.package_changed(&target.domain.id, &package.coordinates).await;
        Ok(())
    }

    /// Sets the status of versions of a package stored in `target`.
    pub async fn set_local_statuses(
        &self,
        target: &RepoTarget,
        package: &PackageRecord,
        versions: &[String],
        status: VersionStatus,
    ) -> Result<(), ServiceError> {
        self.store.set_statuses(&package.id, versions, None, status).await?;
        self.caches.package_changed(&target.domain.id, &package.coordinates).await;
        Ok(())
    }

    /// Points `tag` of a stored package at `version`.
    pub async fn set_dist_tag(
        &self,
        target: &RepoTarget,
        package: &PackageRecord,
        tag: &str,
        version: &str,
    ) -> Result<(), ServiceError> {
        self.store.set_dist_tag(&package.id, tag, version).await?;
        self.caches.package_changed(&target.domain.id, &package.coordinates).await;
        Ok(())
    }

    /// Removes `tag` of a stored package; false if it was not set there.
    pub async fn remove_dist_tag(
        &self,
        target: &RepoTarget,
        package: &PackageRecord,
        tag: &str,
    ) -> Result<bool, ServiceError> {
        let removed = self.store.remove_dist_tag(&package.id, tag).await?;
        self.caches.package_changed(&target.domain.id, &package.coordinates).await;
        Ok(removed)
    }

    /// Packages stored in `target` of `format` whose name contains `text`, at most `limit`.
    pub async fn search_local(
        &self,
        target: &RepoTarget,
        format: tributary_model::PackageFormat,
        text: &str,
        limit: usize,
    ) -> Result<Vec<PackageRecord>, ServiceError> {
        let all = self.store.list_packages(&target.repository_id, Some(format), None, None, None, 10_000).await?;
        let text = text.to_lowercase();
        Ok(all
            .into_iter()
            .filter(|p| {
                p.display_name.to_lowercase().contains(&text)
                    || p.coordinates.name.contains(&text)
                    || p.coordinates.namespace.to_lowercase().contains(&text)
            })
            .take(limit)
            .collect())
    }

    /// The caller's principal name, for `whoami`.
    pub async fn principal_name(&self, caller: &Caller) -> Result<String, ServiceError> {
        Ok(self.principal_by_id(&caller.principal_id).await?.map(|p| p.name.clone()).unwrap_or_default())
    }
}
