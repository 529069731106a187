//! Publishing a new version into a repository.

use std::collections::BTreeMap;

use tributary_blob::{BlobScope, Digests, ExpectedDigests};
use tributary_model::{
    ErrorKind, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, ResourceType, ServiceError,
    VersionOrigin,
};
use tributary_store::{Domain, NewVersion, PutOutcome, StoreError};

use super::view::VersionSource;
use super::{RepoTarget, scope};
use crate::Service;
use crate::formats::FormatAdapter;
use crate::garbage::{blob_error, marked_digest};

impl Service {
    /// Stores a blob in `domain`, checked against `expected`.
    pub async fn store_blob(
        &self,
        domain: &Domain,
        body: tributary_blob::BlobBodyIn,
        expected: &ExpectedDigests,
    ) -> Result<Digests, ServiceError> {
        self.blobs
            .put(&scope(domain)?, body, expected)
            .await
            .map_err(|e| if e.is_upload_rejected() { ServiceError::validation(e.to_string()) } else { blob_error(e) })
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
        self.check_group_publish(&target.domain, coordinates, &target.repository).await?;
        // One version's view: a publish costs the same whatever the package's size.
        let view = self.version_view(target, adapter, coordinates, &new.version).await?;
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
        if view.held_back.contains_key(&new.version) {
            let place = "an external connection (held back by this repository's release-age policy)";
            return Err(version_exists(coordinates, &new.version, place));
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
            .write_version(
                &scope(&target.domain)?,
                &target.repository_id,
                coordinates,
                display_name,
                &new,
                OriginRestrictions::FIRST_PUBLISHED,
                tags,
            )
            .await;
        self.caches.package_changed(&target.domain.id, coordinates).await;
        result
    }
}

impl Service {
    /// Writes a version whose blobs are stored (`scope` is its domain's) in one transaction,
    /// through the garbage collection's marks (docs/ARCHITECTURE.md, "Garbage collection"): a
    /// file whose blob a collection deleted is let through when its bytes were stored again
    /// since (this upload's own put, or another's), and refused when they are gone: the client
    /// uploads it again.
    #[expect(clippy::too_many_arguments, reason = "the store's write, and the scope its blobs live in")]
    pub(crate) async fn write_version(
        &self,
        scope: &BlobScope,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        display_name: &str,
        new: &NewVersion,
        default_restrictions: OriginRestrictions,
        tags: &BTreeMap<String, String>,
    ) -> Result<PutOutcome, ServiceError> {
        // Each pass lets one file through, so a version of n files needs at most n + 1.
        for _ in 0..=new.assets.len() {
            match self
                .store
                .put_version(repository_id, coordinates, display_name, new, default_restrictions, tags)
                .await
            {
                Err(StoreError::BlobCollected { sha256, finished: true }) => {
                    let digest = marked_digest(&sha256)?;
                    let stored = self.blobs.exists(scope, &digest).await.map_err(blob_error)?;
                    if !stored {
                        return Err(StoreError::BlobCollected { sha256, finished: true }.into());
                    }
                    // The scope is the domain's id (`resolve::scope`).
                    self.store.blob_uploaded_again(scope.as_str(), &sha256).await?;
                }
                other => return Ok(other?),
            }
        }
        Err(ServiceError::internal(format!(
            "the files of version `{}` of {coordinates} stay marked as garbage",
            new.version
        )))
    }
}

fn version_exists(coordinates: &PackageCoordinates, version: &str, place: &str) -> ServiceError {
    ServiceError::conflict(
        ResourceType::PackageVersion,
        version,
        format!("version `{version}` of {coordinates} already exists in {place}; publish a new version number"),
    )
}
