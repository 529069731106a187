//! What one repository stores, read and changed in place: its packages, statuses, dist-tags.

use tributary_model::{PackageCoordinates, ServiceError, VersionStatus};
use tributary_store::{PackageRecord, VersionRecord};

use super::RepoTarget;
use crate::formats::FormatAdapter;
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
        self.store.set_statuses(&package.id, versions, None, None, status).await?;
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

    /// Packages of `format` stored in any repository of `target`'s search order, each name once
    /// (the first repository in search order wins), in search order, at most `limit`: what a
    /// search through the chain (NuGet's) matches its terms against, besides what it asks the
    /// external connections with [`Service::external_documents`].
    pub async fn visible_packages(
        &self,
        target: &RepoTarget,
        format: tributary_model::PackageFormat,
        limit: usize,
    ) -> Result<Vec<(String, PackageRecord)>, ServiceError> {
        let order = target.graph.graph.search_order(&target.repository).unwrap_or_default();
        let mut found: Vec<(String, PackageRecord)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for step in &order {
            let Some(id) = target.graph.ids.get(&step.repository) else { continue };
            // A step that reads a view (`shared@release`, or the endpoint's own) shows only the
            // packages with a version promoted into it.
            let view = match target.view {
                Some(view) if step.repository == target.repository => Some(view),
                _ => step.view.as_deref().and_then(tributary_model::view::RepositoryView::parse),
            };
            let promoted = match view.filter(|v| v.is_promoted()) {
                Some(view) => Some(self.store.packages_promoted_into(id, view).await?),
                None => None,
            };
            for package in self.store.list_packages(id, Some(format), None, None, None, 10_000).await? {
                if promoted.as_ref().is_some_and(|ids| !ids.contains(&package.id)) {
                    continue;
                }
                if seen.insert((package.coordinates.namespace.clone(), package.coordinates.name.clone())) {
                    found.push((step.repository.clone(), package));
                    if found.len() >= limit {
                        return Ok(found);
                    }
                }
            }
        }
        Ok(found)
    }

    /// For each external connection of `adapter`'s format that `target`'s search order reaches,
    /// in order, the document at the URL `url_of` makes of the connection's base (the one its
    /// service index names, for a format that has one): what a registry answers besides package
    /// metadata (NuGet's search), at most 16 MiB, not cached. `None` where the registry has no
    /// such document.
    pub async fn external_documents(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        url_of: impl Fn(&str) -> Option<String>,
    ) -> Vec<(String, Result<Option<bytes::Bytes>, ServiceError>)> {
        let mut documents = Vec::new();
        for connection in target.external_connections(adapter.format()) {
            let document = async {
                let remote = self.remote(&target.remotes, &connection)?;
                let base = self.upstreams.discovered_base(&remote, adapter).await?;
                match url_of(&base) {
                    Some(url) => self.upstreams.file(&remote, &url, 16 * 1024 * 1024).await,
                    None => Ok(None),
                }
            };
            let document = document.await;
            documents.push((connection, document));
        }
        documents
    }

    /// The first document an external connection of the search order answers with, as
    /// [`Service::external_documents`] reads them, cached by URL: an `immutable` document
    /// (a checksum database's tiles and lookups) is read once and then served from memory; any
    /// other is read each time, and the last answer is served when no connection answers (so a
    /// build works on while the registry is down). `None` when every connection has no such
    /// document.
    pub async fn external_document_cached(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        url_of: impl Fn(&str) -> Option<String>,
        immutable: bool,
    ) -> Result<Option<bytes::Bytes>, ServiceError> {
        let mut failure = None;
        let mut stale = None;
        for connection in target.external_connections(adapter.format()) {
            let Ok(remote) = self.remote(&target.remotes, &connection) else { continue };
            let url = match self.upstreams.discovered_base(&remote, adapter).await {
                Ok(base) => match url_of(&base) {
                    Some(url) => url,
                    None => continue,
                },
                Err(e) => {
                    failure.get_or_insert(e);
                    continue;
                }
            };
            match self.passed_document(&remote, &url, immutable).await {
                Ok(Some(bytes)) => return Ok(Some(bytes)),
                Ok(None) => {}
                Err((e, cached)) => {
                    stale = stale.or(cached);
                    failure.get_or_insert(e);
                }
            }
        }
        match (stale, failure) {
            (Some(bytes), _) => Ok(Some(bytes)),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(None),
        }
    }

    /// A document of `connection` at `url`, cached by URL: an `immutable` one is read once, any
    /// other each time (its last answer kept). A failure comes with the last answer, if any.
    pub(crate) async fn passed_document(
        &self,
        connection: &crate::upstream::Remote,
        url: &str,
        immutable: bool,
    ) -> Result<Option<bytes::Bytes>, (ServiceError, Option<bytes::Bytes>)> {
        let key = crate::caches::PassedDocumentKey {
            connection: connection.cache_key(&connection.name),
            url: url.to_owned(),
        };
        let cached = self.caches.passed_documents.get(&key).await;
        if immutable && let Some(bytes) = cached {
            return Ok(Some(bytes));
        }
        match self.upstreams.file(connection, url, 16 * 1024 * 1024).await {
            Ok(Some(bytes)) => {
                self.caches.passed_documents.insert(key, bytes.clone()).await;
                Ok(Some(bytes))
            }
            Ok(None) => Ok(None),
            Err(e) => Err((e, cached)),
        }
    }

    /// The caller's principal name, for `whoami`.
    pub async fn principal_name(&self, caller: &Caller) -> Result<String, ServiceError> {
        Ok(self.principal_by_id(&caller.principal_id).await?.map(|p| p.name.clone()).unwrap_or_default())
    }
}
