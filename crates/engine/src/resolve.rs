//! Resolution through the chain (docs/DESIGN.md §3): the merged view of a package as a repository
//! sees it, the download of an asset with retention, and publishing.
//!
//! - The view walks the repository's search order for the package (pruned where origin
//!   controls say `upstream=BLOCK`), stored versions first-come-first-served, a gateway's
//!   external connection right after the gateway; dist-tags merge with upstream definitions
//!   winning.
//! - Serving a version found upstream keeps a reference in the asking repository; one found
//!   through an external connection also in the gateway; intermediates get nothing.
//! - External assets stream to the first client while being hashed and stored; the version is
//!   committed only when the digests match. Concurrent requests for one asset make one upstream
//!   request: the others wait and read the stored blob.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use futures::{SinkExt, Stream, StreamExt};
use tributary_blob::{BlobScope, Digests, ExpectedDigests};
use tributary_model::{
    DomainName, ErrorKind, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, RepositoryName,
    ResourceType, ServiceError, VersionOrigin, VersionStatus,
};
use tributary_store::{AssetRecord, Domain, NewVersion, PackageRecord, PutOutcome, VersionRecord};

use crate::formats::{ExternalAsset, ExternalVersion, FormatAdapter};
use crate::{Caller, DomainGraph, Service};

/// A repository that a data-plane request addresses.
#[derive(Debug, Clone)]
pub struct RepoTarget {
    /// Its domain.
    pub domain: Domain,
    /// Its name.
    pub repository: String,
    /// Its id.
    pub repository_id: String,
    graph: Arc<DomainGraph>,
}

/// Where a version of the view comes from.
#[derive(Debug, Clone)]
pub enum VersionSource {
    /// Stored in a repository of the search order.
    Stored {
        /// The repository.
        repository: String,
        /// The version there.
        record: Arc<VersionRecord>,
    },
    /// Available through a gateway's external connection.
    External {
        /// The gateway repository.
        gateway: String,
        /// Its connection.
        connection: String,
        /// The version as the registry describes it.
        version: Arc<ExternalVersion>,
    },
}

impl VersionSource {
    /// Whether listings show it.
    pub fn is_listed(&self) -> bool {
        match self {
            Self::Stored { record, .. } => record.status.is_listed(),
            Self::External { .. } => true,
        }
    }

    /// The format's document for the version.
    pub fn format_metadata(&self) -> &serde_json::Value {
        match self {
            Self::Stored { record, .. } => &record.format_metadata,
            Self::External { version, .. } => &version.format_metadata,
        }
    }

    /// When it was published, if known.
    pub fn published_at(&self) -> Option<chrono::DateTime<Utc>> {
        match self {
            Self::Stored { record, .. } => Some(record.published_at),
            Self::External { version, .. } => version.published_at,
        }
    }
}

/// A package as one repository sees it through its search order.
#[derive(Debug, Clone, Default)]
pub struct PackageView {
    /// The display name (the nearest definition).
    pub display_name: Option<String>,
    /// Version → where it comes from; the first in search order wins.
    pub versions: BTreeMap<String, VersionSource>,
    /// Version → the later places that hold it too, in search order. A version's status and
    /// metadata are the winner's; a file the winner lacks comes from the first of these that has
    /// it (a PyPI version gains wheels upstream after it was retained here).
    pub shadowed: BTreeMap<String, Vec<VersionSource>>,
    /// Merged dist-tags.
    pub dist_tags: BTreeMap<String, String>,
    /// The package in the asking repository itself, if stored there.
    pub local: Option<PackageRecord>,
    /// An external connection that failed while the view was built (the view lacks its versions).
    pub upstream_error: Option<ServiceError>,
    /// The gateways (repository, external connection) of the package's format the search reached.
    pub gateways: Vec<(String, String)>,
}

impl PackageView {
    fn add(&mut self, version: String, source: VersionSource) {
        match self.versions.entry(version) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(source);
            }
            std::collections::btree_map::Entry::Occupied(slot) => {
                self.shadowed.entry(slot.key().clone()).or_default().push(source);
            }
        }
    }

    /// Every place that holds `version`, the winner first.
    pub fn sources<'a>(&'a self, version: &str) -> impl Iterator<Item = &'a VersionSource> + 'a {
        self.versions.get(version).into_iter().chain(self.shadowed.get(version).into_iter().flatten())
    }

    /// The files of `version` through the chain: the winner's, then those only later places
    /// have (first place wins per file name). Each with the place it comes from.
    pub fn files<'a>(&'a self, version: &str) -> Vec<(&'a VersionSource, VersionFile<'a>)> {
        let mut files: Vec<(&VersionSource, VersionFile<'_>)> = Vec::new();
        for source in self.sources(version) {
            let found: Vec<VersionFile<'_>> = match source {
                VersionSource::Stored { record, .. } => record.assets.iter().map(VersionFile::Stored).collect(),
                VersionSource::External { version, .. } => version.assets.iter().map(VersionFile::External).collect(),
            };
            for file in found {
                if !files.iter().any(|(_, f)| f.name() == file.name()) {
                    files.push((source, file));
                }
            }
        }
        files
    }
}

/// One file of a version in a [`PackageView`].
#[derive(Debug, Clone, Copy)]
pub enum VersionFile<'a> {
    /// Stored (in the domain's blob store).
    Stored(&'a AssetRecord),
    /// Available through an external connection.
    External(&'a ExternalAsset),
}

impl VersionFile<'_> {
    /// The file name.
    pub fn name(&self) -> &str {
        match self {
            Self::Stored(a) => &a.name,
            Self::External(a) => &a.name,
        }
    }

    /// The format's attributes of the file.
    pub fn attributes(&self) -> &serde_json::Value {
        match self {
            Self::Stored(a) => &a.attributes,
            Self::External(a) => &a.attributes,
        }
    }

    /// Its SHA-256, when known.
    pub fn sha256(&self) -> Option<String> {
        match self {
            Self::Stored(a) => Some(a.sha256.clone()),
            Self::External(a) => a.expected.sha256.map(|d| d.to_hex()),
        }
    }

    /// Its size, when known.
    pub fn size(&self) -> Option<u64> {
        match self {
            Self::Stored(a) => Some(a.size),
            Self::External(a) => a.expected.size,
        }
    }
}

/// The bytes of an asset.
pub struct AssetBody {
    /// The asset.
    pub asset: AssetRecord,
    /// Its size, when known before streaming (stored assets).
    pub size: Option<u64>,
    /// The bytes; an error item means the download failed or did not match its digests.
    pub stream: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
}

impl std::fmt::Debug for AssetBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetBody").field("asset", &self.asset).field("size", &self.size).finish_non_exhaustive()
    }
}

/// Why [`Service::fetch_asset`] did not find its file stored in the asking repository.
#[derive(Debug)]
enum AssetMiss {
    /// The package view could not be built.
    Failed(ServiceError),
    /// The file is elsewhere in the search order, upstream, or nowhere: see the view.
    Elsewhere(Box<PackageView>),
}

/// The file `asset` of `version` when the asking repository (`repository`) itself holds it and
/// may serve it: the only lookup a warm download needs.
fn stored_here(view: &PackageView, repository: &str, version: &str, asset: &str) -> Option<AssetRecord> {
    if let Some(VersionSource::Stored { record, .. }) = view.versions.get(version)
        && !record.status.is_downloadable()
    {
        return None;
    }
    match view.files(version).into_iter().find(|(_, f)| f.name() == asset)? {
        (VersionSource::Stored { repository: holder, .. }, VersionFile::Stored(found)) if holder == repository => {
            Some(found.clone())
        }
        _ => None,
    }
}

/// An asset record from blob digests.
pub fn asset_record(name: &str, d: &Digests) -> AssetRecord {
    AssetRecord {
        name: name.to_owned(),
        size: d.size,
        sha256: d.sha256.to_hex(),
        sha1: d.sha1.to_hex(),
        md5: d.md5.to_hex(),
        sha512: d.sha512.to_hex(),
        attributes: serde_json::json!({}),
    }
}

pub(crate) fn scope(domain: &Domain) -> Result<BlobScope, ServiceError> {
    BlobScope::new(domain.id.clone()).map_err(|e| ServiceError::internal(e.to_string()))
}

impl Service {
    /// The repository a data-plane request addresses, checking the caller may reach it.
    pub async fn repo_target(
        &self,
        caller: &Caller,
        domain: &DomainName,
        repository: &RepositoryName,
    ) -> Result<RepoTarget, ServiceError> {
        caller.check_domain(domain)?;
        let domain = self.cached_domain(domain).await?;
        let graph = self.graph(&domain).await?;
        let repository_id = graph
            .ids
            .get(repository.as_str())
            .cloned()
            .ok_or_else(|| tributary_store::repository_not_found(&domain.name, repository.as_str()))?;
        Ok(RepoTarget { domain, repository: repository.as_str().to_owned(), repository_id, graph })
    }

    /// The package as `target` sees it through its search order.
    pub async fn package_view(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
    ) -> Result<PackageView, ServiceError> {
        let full = target.graph.graph.search_order(&target.repository).unwrap_or_default();
        let ids: Vec<String> = full.iter().filter_map(|s| target.graph.ids.get(&s.repository).cloned()).collect();
        let packages: HashMap<String, PackageRecord> = self
            .store
            .packages_in(&ids, coordinates)
            .await?
            .into_iter()
            .map(|p| (p.repository_id.clone(), p))
            .collect();
        let package_of = |name: &str| target.graph.ids.get(name).and_then(|id| packages.get(id));
        let order = target
            .graph
            .graph
            .search_order_with(&target.repository, |name| {
                package_of(name).is_some_and(|p| p.restrictions.upstream == OriginSetting::Block)
            })
            .unwrap_or_default();
        let package_ids: Vec<String> = packages.values().map(|p| p.id.clone()).collect();
        let mut versions_by_package: HashMap<String, Vec<VersionRecord>> = HashMap::new();
        for v in self.store.versions_of(&package_ids).await? {
            versions_by_package.entry(v.package_id.clone()).or_default().push(v);
        }
        let mut tags_by_package: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (package_id, tag, version) in self.store.dist_tags(&package_ids).await? {
            tags_by_package.entry(package_id).or_default().push((tag, version));
        }
        let mut view = PackageView { local: package_of(&target.repository).cloned(), ..PackageView::default() };
        for step in &order {
            if let Some(package) = package_of(&step.repository) {
                view.display_name.get_or_insert_with(|| package.display_name.clone());
                for record in versions_by_package.remove(&package.id).unwrap_or_default() {
                    let version = record.version.clone();
                    let source =
                        VersionSource::Stored { repository: step.repository.clone(), record: Arc::new(record) };
                    view.add(version, source);
                }
                for (tag, version) in tags_by_package.remove(&package.id).unwrap_or_default() {
                    view.dist_tags.insert(tag, version);
                }
            }
            if let Some(connection) = &step.external_connection {
                if connection_format(connection) != Some(coordinates.format) {
                    continue;
                }
                view.gateways.push((step.repository.clone(), connection.clone()));
                let url = adapter.upstream_metadata_url(&self.upstreams.base_url(connection), coordinates);
                match self.upstreams.package(connection, &url, adapter).await {
                    Ok(Some(external)) => {
                        view.display_name.get_or_insert_with(|| external.display_name.clone());
                        for version in &external.versions {
                            let source = VersionSource::External {
                                gateway: step.repository.clone(),
                                connection: connection.clone(),
                                version: version.clone(),
                            };
                            view.add(version.version.clone(), source);
                        }
                        for (tag, version) in &external.dist_tags {
                            view.dist_tags.insert(tag.clone(), version.clone());
                        }
                    }
                    Ok(None) => {}
                    Err(e) => view.upstream_error = Some(e),
                }
            }
        }
        Ok(view)
    }

    /// Opens `asset` of `version`, retaining the version in `target` (and the gateway) when it
    /// came from upstream.
    pub async fn fetch_asset(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        version: &str,
        asset: &str,
    ) -> Result<AssetBody, ServiceError> {
        let generations = self.documents.generations(&target.domain.id, coordinates).await;
        let key = format!("{}/{generations}/{}/{coordinates}/{version}/{asset}", target.domain.id, target.repository);
        // A file stored in the asking repository is looked up once and then served from memory;
        // concurrent misses for one key (every request in flight when the entry expires) share
        // one lookup. Any other outcome is not cached, and the lookup's view is used below.
        let lookup = self
            .documents
            .assets
            .try_get_with(key, async {
                let view = self.package_view(target, adapter, coordinates).await.map_err(AssetMiss::Failed)?;
                stored_here(&view, &target.repository, version, asset)
                    .ok_or_else(|| AssetMiss::Elsewhere(Box::new(view)))
            })
            .await;
        let miss = match lookup {
            Ok(stored) => return self.open_blob(&target.domain, stored).await,
            Err(miss) => miss,
        };
        let view = match &*miss {
            AssetMiss::Failed(e) => return Err(e.clone()),
            AssetMiss::Elsewhere(view) => view,
        };
        let not_found = || match &view.upstream_error {
            Some(e) => ServiceError::new(
                e.kind,
                format!("version `{version}` of {coordinates} is not stored here, and {}", e.message),
            ),
            None => ServiceError::not_found(
                ResourceType::PackageVersion,
                version,
                format!("version `{version}` of {coordinates} is not in `{}` nor its upstreams", target.repository),
            ),
        };
        let winner = view.versions.get(version);
        if let Some(VersionSource::Stored { record, .. }) = winner
            && !record.status.is_downloadable()
        {
            return Err(ServiceError::not_found(
                ResourceType::PackageVersion,
                version,
                format!("version `{version}` of {coordinates} is {} and cannot be downloaded", record.status),
            ));
        }
        let display_name = view.display_name.clone().unwrap_or_else(|| coordinates.name.clone());
        let files = view.files(version);
        let Some((source, file)) = files.into_iter().find(|(_, f)| f.name() == asset) else {
            // A registry that serves files it does not list (Maven) is asked for this one.
            let unlisted = view.gateways.first().and_then(|(gateway, connection)| {
                let base = self.upstreams.base_url(connection);
                adapter.unlisted_asset(&base, coordinates, version, asset).map(|a| (gateway, connection, a))
            });
            let Some((gateway, connection, wanted)) = unlisted else {
                return Err(match winner {
                    None => not_found(),
                    Some(_) => ServiceError::not_found(
                        ResourceType::Asset,
                        asset,
                        format!("version `{version}` of {coordinates} has no file `{asset}` here nor upstream"),
                    ),
                });
            };
            let external = match winner {
                Some(VersionSource::External { version: external, .. }) => external.clone(),
                _ => Arc::new(ExternalVersion {
                    version: version.to_owned(),
                    metadata: tributary_model::VersionMetadata::default(),
                    format_metadata: serde_json::json!({}),
                    published_at: None,
                    assets: Vec::new(),
                }),
            };
            let ingest = Ingest { adapter, gateway, connection, external, asset: wanted };
            return self.ingest(target, coordinates, &display_name, ingest).await;
        };
        match (source, file) {
            (VersionSource::Stored { repository, record }, VersionFile::Stored(found)) => {
                let found = found.clone();
                // (Stored in `target` itself, it was found by `stored_here` above.)
                if *repository != target.repository && adapter.retains(asset) {
                    self.retain(
                        &target.domain.id,
                        &target.repository_id,
                        coordinates,
                        &display_name,
                        retained_copy(record),
                    )
                    .await?;
                }
                self.open_blob(&target.domain, found).await
            }
            (VersionSource::External { gateway, connection, version: external }, VersionFile::External(wanted)) => {
                let ingest = Ingest { adapter, gateway, connection, external: external.clone(), asset: wanted.clone() };
                self.ingest(target, coordinates, &display_name, ingest).await
            }
            _ => Err(ServiceError::internal(format!(
                "file `{asset}` of {coordinates} {version} has no consistent source"
            ))),
        }
    }

    /// Opens a stored asset of a version in `target`'s domain.
    pub(crate) async fn open_stored(&self, target: &RepoTarget, asset: AssetRecord) -> Result<AssetBody, ServiceError> {
        self.open_blob(&target.domain, asset).await
    }

    async fn open_blob(&self, domain: &Domain, asset: AssetRecord) -> Result<AssetBody, ServiceError> {
        let sha256 =
            asset.sha256.parse().map_err(|e: tributary_blob::BlobError| ServiceError::internal(e.to_string()))?;
        let key = format!("{}/{}", domain.id, asset.sha256);
        let read_error = |e: &dyn std::fmt::Display| {
            ServiceError::internal(format!("the blob of `{}` cannot be read: {e}", asset.name))
        };
        if asset.size > crate::documents::MAX_CACHED_BLOB {
            let body = self.blobs.get(&scope(domain)?, &sha256).await.map_err(|e| read_error(&e))?;
            return Ok(AssetBody { asset, size: Some(body.size), stream: body.stream });
        }
        // Small blobs are read whole once and kept in memory while they are hot; concurrent
        // misses for one blob read it once (a burst of clients holds one copy, not one each).
        let bytes = self
            .documents
            .blobs
            .try_get_with(key, async {
                let body = self.blobs.get(&scope(domain)?, &sha256).await.map_err(|e| read_error(&e))?;
                let mut whole = bytes::BytesMut::with_capacity(usize::try_from(body.size).unwrap_or(0));
                let mut stream = body.stream;
                while let Some(chunk) = stream.next().await {
                    whole.extend_from_slice(&chunk.map_err(|e| read_error(&e))?);
                }
                Ok::<_, ServiceError>(whole.freeze())
            })
            .await
            .map_err(|e: Arc<ServiceError>| (*e).clone())?;
        Ok(AssetBody {
            asset,
            size: Some(bytes.len() as u64),
            stream: Box::pin(futures::stream::once(async move { Ok(bytes) })),
        })
    }

    /// Keeps a reference to a version in a repository (retention); the package entry, if new,
    /// gets the defaults of a package first ingested from upstream.
    async fn retain(
        &self,
        domain_id: &str,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        display_name: &str,
        new: NewVersion,
    ) -> Result<(), ServiceError> {
        let tags = BTreeMap::new();
        let result = self
            .store
            .put_version(repository_id, coordinates, display_name, new, OriginRestrictions::FIRST_INGESTED, &tags)
            .await;
        self.package_changed(domain_id, coordinates).await;
        match result {
            Ok(_) => Ok(()),
            // Retained concurrently, or the repository holds that number already: serve anyway.
            Err(tributary_store::StoreError::Rejected(e)) if e.kind == ErrorKind::Conflict => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn ingest(
        &self,
        target: &RepoTarget,
        coordinates: &PackageCoordinates,
        display_name: &str,
        ingest: Ingest<'_>,
    ) -> Result<AssetBody, ServiceError> {
        let Ingest { adapter, gateway, connection, external, mut asset } = ingest;
        let reader = adapter.version_metadata_reader(&asset.name);
        let external_metadata = adapter.external_metadata(&external);
        let retain = adapter.retains(&asset.name);
        let gateway_id = target
            .graph
            .ids
            .get(gateway)
            .cloned()
            .ok_or_else(|| ServiceError::internal(format!("gateway `{gateway}` left the graph")))?;
        // One key names this upstream file for the in-process lock, the fleet's fetch lease and
        // the cache of files that keep no version.
        let key = format!("{}/{gateway}/{coordinates}/{}/{}", target.domain.id, external.version, asset.name);
        let lock = self.inflight.get_with(key.clone(), async { Arc::new(tokio::sync::Mutex::new(())) }).await;
        let guard = lock.lock_owned().await;
        if !retain && let Some(stored) = self.documents.passthrough.get(&key).await {
            // No version refers to a passed-through file, so the garbage collector may have
            // taken its blob: then it is fetched again.
            if let Ok(opened) = self.open_blob(&target.domain, stored).await {
                return Ok(opened);
            }
            self.documents.passthrough.invalidate(&key).await;
        }
        // Someone may have ingested it while we waited: a request here, or another replica of
        // the fleet, which holds the file's fetch lease while it fetches. Files that keep no
        // version are not shared between replicas, so each fetches its own.
        let lease = loop {
            if let Some(package) = self.store.package(&gateway_id, coordinates).await?
                && let Some(record) = self.store.version(&package.id, &external.version).await?
                && let Some(stored) = record.assets.iter().find(|a| a.name == asset.name).cloned()
            {
                drop(guard);
                if gateway_id != target.repository_id {
                    let new = retained_copy(&record);
                    self.retain(&target.domain.id, &target.repository_id, coordinates, display_name, new).await?;
                }
                return self.open_blob(&target.domain, stored).await;
            }
            if !retain {
                break None;
            }
            match self.take_fetch_lease(&key).await? {
                Some(lease) => break Some(lease),
                None => tokio::time::sleep(crate::leases::LEASE_POLL).await,
            }
        };
        if asset.expected == ExpectedDigests::default() {
            let sidecars = adapter.checksum_sidecars(&asset.url);
            asset.expected = self.sidecar_digests(connection, &sidecars, |bytes| adapter.read_checksum(bytes)).await?;
        }
        let response = self.upstreams.open(connection, &asset.url).await?;
        let (mut blob_tx, blob_rx) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(8);
        let (mut client_tx, client_rx) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(8);
        let service = self.clone();
        let scope = scope(&target.domain)?;
        let coordinates = coordinates.clone();
        let display_name = display_name.to_owned();
        let target_repository_id = target.repository_id.clone();
        let domain_id = target.domain.id.clone();
        let gateway = gateway.to_owned();
        let connection = connection.to_owned();
        let name = asset.name.clone();
        let expected = asset.expected;
        let attributes = asset.attributes.clone();
        let left_behind = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let client_left_behind = left_behind.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let _lease = lease;
            let mut kept: Option<Vec<u8>> = reader.map(|_| Vec::new());
            let feed = async {
                let mut upstream = response.bytes_stream();
                let mut client_open = true;
                while let Some(chunk) = upstream.next().await {
                    match chunk {
                        Ok(bytes) => {
                            if let Some(buffer) = kept.as_mut() {
                                if buffer.len() + bytes.len() <= crate::formats::MAX_DESCRIBING_FILE {
                                    buffer.extend_from_slice(&bytes);
                                } else {
                                    kept = None;
                                }
                            }
                            if blob_tx.send(Ok(bytes.clone())).await.is_err() {
                                return;
                            }
                            // A client that stops reading is left behind, not waited for: the
                            // file's lock, and every later client of it, must not hang on it.
                            if client_open
                                && !matches!(
                                    tokio::time::timeout(CLIENT_STALL, client_tx.send(Ok(bytes))).await,
                                    Ok(Ok(()))
                                )
                            {
                                client_open = false;
                                left_behind.store(true, std::sync::atomic::Ordering::Release);
                                client_tx.close_channel();
                            }
                        }
                        Err(e) => {
                            let _ = blob_tx.send(Err(std::io::Error::other(e.to_string()))).await;
                            return;
                        }
                    }
                }
                blob_tx.close_channel();
            };
            let put = service.blobs.put(&scope, Box::pin(blob_rx), &expected);
            let ((), stored) = futures::join!(feed, put);
            let outcome = match stored {
                Ok(digests) if !retain => {
                    let record = AssetRecord { attributes, ..asset_record(&name, &digests) };
                    service.documents.passthrough.insert(key, record).await;
                    Ok(())
                }
                Ok(digests) => {
                    let record = AssetRecord { attributes, ..asset_record(&name, &digests) };
                    let described = reader.zip(kept.as_deref()).and_then(|(read, bytes)| read(&name, bytes));
                    let mut assets = vec![record];
                    let mut metadata = external_metadata;
                    if let Some(described) = described {
                        metadata = described.metadata;
                        for companion in described.companions {
                            let body = tributary_blob::body_from_bytes(companion.bytes);
                            match service.blobs.put(&scope, body, &ExpectedDigests::default()).await {
                                Ok(d) => assets.push(AssetRecord {
                                    attributes: companion.attributes,
                                    ..asset_record(&companion.name, &d)
                                }),
                                Err(e) => tracing::warn!(error.message = %e, "a companion file was not stored"),
                            }
                        }
                    }
                    let new = NewVersion {
                        version: external.version.clone(),
                        status: VersionStatus::Published,
                        origin: VersionOrigin {
                            origin_type: OriginType::External,
                            repository: Some(gateway.clone()),
                            external_connection: Some(connection.clone()),
                        },
                        metadata,
                        format_metadata: external.format_metadata.clone(),
                        published_at: external.published_at.unwrap_or_else(Utc::now),
                        assets,
                    };
                    let mut result =
                        service.retain(&domain_id, &gateway_id, &coordinates, &display_name, new.clone()).await;
                    if result.is_ok() && gateway_id != target_repository_id {
                        result =
                            service.retain(&domain_id, &target_repository_id, &coordinates, &display_name, new).await;
                    }
                    result.map_err(|e| std::io::Error::other(e.message))
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, asset.name = %name, "an upstream download was refused");
                    Err(std::io::Error::other(format!("the download of `{name}` from `{connection}` failed: {e}")))
                }
            };
            if let Err(e) = outcome {
                let _ = client_tx.send(Err(e)).await;
            }
        });
        let pending = AssetRecord {
            name: asset.name.clone(),
            size: asset.expected.size.unwrap_or(0),
            sha256: String::new(),
            sha1: asset.expected.sha1.map(|d| d.to_hex()).unwrap_or_default(),
            md5: String::new(),
            sha512: asset.expected.sha512.map(|d| d.to_hex()).unwrap_or_default(),
            attributes: asset.attributes.clone(),
        };
        // A client left behind sees its download fail, not end early as if it were whole.
        let failed_if_left_behind = futures::stream::once(async move {
            client_left_behind
                .load(std::sync::atomic::Ordering::Acquire)
                .then(|| Err(std::io::Error::other("the client read too slowly; the download was dropped")))
        })
        .filter_map(std::future::ready);
        Ok(AssetBody { asset: pending, size: None, stream: Box::pin(client_rx.chain(failed_if_left_behind)) })
    }

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
        self.package_changed(&target.domain.id, coordinates).await;
        Ok(result?)
    }
}

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
        self.package_changed(&target.domain.id, &package.coordinates).await;
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
        self.package_changed(&target.domain.id, &package.coordinates).await;
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
        self.package_changed(&target.domain.id, &package.coordinates).await;
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
        self.package_changed(&target.domain.id, &package.coordinates).await;
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

/// What one ingestion fetches, and from where.
struct Ingest<'a> {
    adapter: &'a dyn FormatAdapter,
    gateway: &'a str,
    connection: &'a str,
    external: Arc<ExternalVersion>,
    asset: ExternalAsset,
}

impl Service {
    /// The digests an upstream publishes beside a file (the first checksum file it has).
    async fn sidecar_digests(
        &self,
        connection: &str,
        sidecars: &[(String, tributary_blob::DigestAlgorithm)],
        read: impl Fn(&[u8]) -> Option<String>,
    ) -> Result<ExpectedDigests, ServiceError> {
        use tributary_blob::DigestAlgorithm;
        let mut expected = ExpectedDigests::default();
        for (url, algorithm) in sidecars {
            let Some(bytes) = self.upstreams.small_file(connection, url).await? else { continue };
            let bad = || {
                ServiceError::new(
                    ErrorKind::BadGateway,
                    format!(
                        "`{connection}` answered `{}` with something that is not a checksum",
                        crate::upstream::redact(url)
                    ),
                )
            };
            let hex = read(&bytes).ok_or_else(bad)?;
            match algorithm {
                DigestAlgorithm::Sha256 => expected.sha256 = Some(hex.parse().map_err(|_| bad())?),
                DigestAlgorithm::Sha512 => expected.sha512 = Some(hex.parse().map_err(|_| bad())?),
                DigestAlgorithm::Sha1 => expected.sha1 = Some(hex.parse().map_err(|_| bad())?),
                DigestAlgorithm::Md5 => expected.md5 = Some(hex.parse().map_err(|_| bad())?),
            }
            return Ok(expected);
        }
        if let Some((url, _)) = sidecars.first() {
            tracing::warn!(
                url = %crate::upstream::redact(url),
                connection,
                "the registry publishes no checksum beside this file: it is stored unverified"
            );
        }
        Ok(expected)
    }
}

/// How long an upstream download waits for a slow client to take the next part before it goes
/// on without it (and stores the file for the next one).
const CLIENT_STALL: std::time::Duration = std::time::Duration::from_secs(30);

fn retained_copy(record: &VersionRecord) -> NewVersion {
    NewVersion {
        version: record.version.clone(),
        status: record.status,
        origin: record.origin.clone(),
        metadata: record.metadata.clone(),
        format_metadata: record.format_metadata.clone(),
        published_at: record.published_at,
        assets: record.assets.clone(),
    }
}

fn version_exists(coordinates: &PackageCoordinates, version: &str, place: &str) -> ServiceError {
    ServiceError::conflict(
        ResourceType::PackageVersion,
        version,
        format!("version `{version}` of {coordinates} already exists in {place}; publish a new version number"),
    )
}

/// The format an external connection serves.
fn connection_format(connection: &str) -> Option<tributary_model::PackageFormat> {
    tributary_model::ExternalConnection::find(connection).map(|c| c.format)
}
