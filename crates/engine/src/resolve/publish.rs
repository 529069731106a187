//! Publishing a new version into a repository.

use std::collections::BTreeMap;

use tributary_blob::{Digests, ExpectedDigests};
use tributary_model::{
    ErrorKind, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, ResourceType, ServiceError,
    VersionOrigin,
};
use tributary_store::{Domain, NewVersion, PutOutcome};

use super::view::VersionSource;
use super::{RepoTarget, scope};
use crate::Service;
use crate::formats::FormatAdapter;

impl Service {
    /// Stores a blob in `domain`, checked against `expected`.
    pub async fn store_blob(
        &self,
        domain: &Domain,
        body: tributary_blob::BlobBodyIn,
        expected: &ExpectedDigests,
    ) -> Result<Digests, ServiceError> {
        self.blobs.put(&scope(domain)?, body, expected).await.map_err(|e| {
            if e.is_upload_rejected() {
                ServiceError::validation(e.to_string())
            } else {
                ServiceError::internal(format!("the blob store failed: {e}"))
            }
        })
    }

    /// Publishes a version to `target` (its blobs already stored): refused when the package's
    /// origin controls block publishing, or when the version exists anywhere in the search order
    /// (including the external registry) with other content.
    pub async fn publish(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        display_name: &str,
        mut new: NewVersion,
        tags: &BTreeMap<String, String>,
    ) -> Result<PutOutcome, ServiceError> {
        let view = self.package_view(target, adapter, coordinates).await?;
        if let Some(local) = &view.local
            && local.restrictions.publish == OriginSetting::Block
        {
            return Err(ServiceError::new(
                ErrorKind::AccessDenied,
                format!(
                    "publishing {coordinates} to `{}` is blocked by its origin controls (publish=BLOCK, the default for a package that came from upstream); pick another name, or allow it with `aws codeartifact put-package-origin-configuration`",
                    target.repository
                ),
            ));
        }
        match view.versions.get(&new.version) {
            Some(VersionSource::Stored { repository, .. }) if *repository == target.repository => {}
            Some(VersionSource::Stored { repository, .. }) => {
                return Err(version_exists(coordinates, &new.version, &format!("upstream repository `{repository}`")));
            }
            Some(VersionSource::External { connection, .. }) => {
                return Err(version_exists(coordinates, &new.version, &format!("external connection `{connection}`")));
            }
            None => {
                if view.local.is_none()
                    && let Some(e) = &view.upstream_error
                {
                    return Err(ServiceError::new(
                        e.kind,
                        format!("cannot check that {coordinates} is not taken upstream: {}; retry later", e.message),
                    ));
                }
            }
        }
        new.origin = VersionOrigin {
            origin_type: OriginType::Internal,
            repository: Some(target.repository.clone()),
            external_connection: None,
        };
        let result = self
            .store
            .put_version(
                &target.repository_id,
                coordinates,
                display_name,
                new,
                OriginRestrictions::FIRST_PUBLISHED,
                tags,
            )
            .await;
        self.caches.package_changed(&target.domain.id, coordinates).await;
        Ok(result?)
    }
}

fn version_exists(coordinates: &PackageCoordinates, version: &str, place: &str) -> ServiceError {
    ServiceError::conflict(
        ResourceType::PackageVersion,
        version,
        format!("version `{version}` of {coordinates} already exists in {place}; publish a new version number"),
    )
}
