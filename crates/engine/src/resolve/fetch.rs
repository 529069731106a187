//! Serving an asset: from the asking repository, from an upstream repository (retained), or from
//! an external connection (ingested while it streams to the first client).

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use futures::{SinkExt, Stream, StreamExt};
use tributary_blob::{BlobScope, ExpectedDigests};
use tributary_model::{
    ErrorKind, OriginRestrictions, OriginType, PackageCoordinates, ResourceType, ServiceError, VersionOrigin,
    VersionStatus,
};
use tributary_store::{AssetRecord, Domain, NewVersion, VersionRecord};

use super::view::{VersionFile, VersionSource};
use super::{RepoTarget, asset_record, scope};
use crate::Service;
use crate::caches::{BlobKey, StoredAssetKey, UpstreamFile, get_or_try_init};
use crate::formats::{CheckedFile, ExternalAsset, ExternalVersion, FormatAdapter, IngestCheck, RegistryReader};
use crate::upstream::Remote;

/// The bytes of an asset.
pub struct AssetBody {
    /// The file name.
    pub name: String,
    /// Its SHA-256: known for a stored file, not yet for one still arriving from upstream.
    pub sha256: Option<tributary_blob::Sha256>,
    /// Its size, when known before streaming (stored assets).
    pub size: Option<u64>,
    /// The bytes; an error item means the download failed or did not match its digests.
    pub stream: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
    /// Where a client may download the same bytes directly (a presigned URL of the blob store,
    /// when it gives them): a download answers with a redirect there, and the stream, which
    /// opens the blob only when first read, is never read.
    pub redirect: Option<String>,
}

impl std::fmt::Debug for AssetBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetBody")
            .field("name", &self.name)
            .field("sha256", &self.sha256)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Why [`Service::fetch_asset`] did not find its file stored in the asking repository.
#[derive(Debug)]
enum AssetMiss {
    /// The lookup failed.
    Failed(ServiceError),
    /// The file is elsewhere in the search order, upstream, or nowhere: the package view tells.
    Elsewhere,
}

/// How often a registry's document is revalidated at most for versions it lacks.
pub const FRESH_VERSION_SECONDS: u64 = 5;

impl Service {
    /// The file `asset` of `version` when the asking repository itself holds it and may serve it
    /// (the version is downloadable there): the only lookup a warm download needs.
    async fn stored_here(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        version: &str,
        asset: &str,
    ) -> Result<Option<AssetRecord>, ServiceError> {
        let Some(record) = self.version_in(&target.repository_id, coordinates, version).await? else {
            return Ok(None);
        };
        // A version the repository's release-age policy holds back is not served even when
        // stored here (a downstream without the policy fetched it through this repository): the
        // chain path answers why.
        if let Some(policy) = &target.release_age
            && adapter.upstream_publish_times()
            && record.origin.origin_type == OriginType::External
            && policy.held_until(coordinates, record.published_at, Utc::now()).is_some()
        {
            return Ok(None);
        }
        if !record.status.is_downloadable() {
            return Ok(None);
        }
        if let Some(view) = target.view.filter(|v| v.is_promoted())
            && self.store.promoted_among(std::slice::from_ref(&record.id), view).await?.is_empty()
        {
            return Ok(None);
        }
        Ok(record.assets.into_iter().find(|a| a.name == asset))
    }

    /// `version` of the package as the repository `repository_id` itself stores it: one package
    /// row and one version with its assets.
    async fn version_in(
        &self,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        version: &str,
    ) -> Result<Option<VersionRecord>, ServiceError> {
        let Some(package) = self.store.package(repository_id, coordinates).await? else {
            return Ok(None);
        };
        Ok(self.store.version(&package.id, version).await?)
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
        let package = self.caches.seen_from(&target.domain.id, &target.cache_name(), coordinates).await;
        let key = StoredAssetKey { package, version: version.to_owned(), asset: asset.to_owned() };
        // A file stored in the asking repository is looked up directly (one package row, one
        // version with its assets: the asking repository comes first in its own search order, so
        // what it stores wins) and then served from memory; concurrent misses for one key (every
        // request in flight when the entry expires) share one lookup. Only a file found there is
        // cached; anything else is resolved through the package view below.
        let lookup = get_or_try_init(&self.caches.stored_assets, &key, || async {
            match self.stored_here(target, adapter, coordinates, version, asset).await {
                Ok(Some(stored)) => Ok(stored),
                Ok(None) => Err(AssetMiss::Elsewhere),
                Err(e) => Err(AssetMiss::Failed(e)),
            }
        })
        .await;
        match lookup {
            Ok(stored) => {
                self.note_download(target, coordinates, version);
                return self.open_blob(&target.domain, stored).await;
            }
            Err(miss) => {
                if let AssetMiss::Failed(e) = &*miss {
                    return Err(e.clone());
                }
            }
        }
        // Resolving through the chain has a large future: on the heap, so a warm download's
        // future stays small (docs/benchmarks.md, "Instructions per request").
        Box::pin(self.fetch_through_chain(target, adapter, coordinates, version, asset)).await
    }

    /// A version the cached registry documents lack (a lockfile made elsewhere names a version
    /// published since) has them revalidated at once, at most once per document every
    /// [`FRESH_VERSION_SECONDS`]: the version installs without waiting out the metadata TTL.
    /// Whether any document is due again (those read within `fresh` seconds are not).
    pub(crate) async fn revalidate_upstream(
        &self,
        target: &RepoTarget,
        view: &super::PackageView,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        fresh: u64,
    ) -> bool {
        let mut expired = false;
        for (_, connection) in &view.gateways {
            let Ok(remote) = self.remote(&target.remotes, connection) else { continue };
            let Ok(base) = self.upstreams.discovered_base(&remote, adapter).await else { continue };
            if let Some(url) = adapter.upstream_metadata_url(&base, coordinates) {
                let key = remote.cache_key(&url);
                expired |= self.upstreams.expire(&key, std::time::Duration::from_secs(fresh)).await;
            }
        }
        expired
    }

    /// Records, at most once a day a replica, that `version` was downloaded from `target` (what
    /// cleanup goes by); the write runs apart, and a failure only logs.
    fn note_download(&self, target: &RepoTarget, coordinates: &PackageCoordinates, version: &str) {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&target.repository_id, coordinates, version).hash(&mut hasher);
        let key = hasher.finish();
        if self.caches.download_stamps.contains_key(&key) {
            return;
        }
        let (service, repository_id, coordinates, version) =
            (self.clone(), target.repository_id.clone(), coordinates.clone(), version.to_owned());
        tokio::spawn(async move {
            service.caches.download_stamps.insert(key, ()).await;
            if let Err(e) = service.store.stamp_download(&repository_id, &coordinates, &version, Utc::now()).await {
                tracing::warn!(error.message = %e, "cannot record a download");
            }
        });
    }

    /// `fetch_asset` for a file not stored in the asking repository: found through its search
    /// order, retained or ingested.
    async fn fetch_through_chain(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        version: &str,
        asset: &str,
    ) -> Result<AssetBody, ServiceError> {
        let mut view = self.version_view(target, adapter, coordinates, version).await?;
        if !view.versions.contains_key(version)
            && !view.held_back.contains_key(version)
            && self.revalidate_upstream(target, &view, adapter, coordinates, FRESH_VERSION_SECONDS).await
        {
            view = self.version_view(target, adapter, coordinates, version).await?;
        }
        if let Some(until) = view.held_back.get(version) {
            return Err(ServiceError::not_found(
                ResourceType::PackageVersion,
                version,
                format!(
                    "version `{version}` of {coordinates} is too recent for `{}`, which serves versions from public registries once they are old enough: it is available from {}",
                    target.repository,
                    until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ));
        }
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
                let base = self.remote(&target.remotes, connection).ok()?.base;
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
                    format_metadata: serde_json::json!({}).into(),
                    published_at: None,
                    assets: Vec::new(),
                }),
            };
            target.check_reads_upstream(coordinates, version)?;
            let ingest = Ingest { adapter, gateway, connection, external, asset: wanted };
            return self.ingest(target, coordinates, &display_name, ingest).await;
        };
        match (source, file) {
            (VersionSource::Stored { repository, record }, VersionFile::Stored(found)) => {
                let found = found.clone();
                // (Stored in `target` itself, it was found by `stored_here` above.)
                if *repository != target.repository {
                    target.check_reads_upstream(coordinates, version)?;
                }
                if *repository != target.repository && adapter.retains(asset) {
                    let copy = retained_copy(record);
                    self.retain(&scope(&target.domain)?, &target.repository_id, coordinates, &display_name, &copy)
                        .await?;
                }
                self.open_blob(&target.domain, found).await
            }
            (VersionSource::External { gateway, connection, version: external }, VersionFile::External(wanted)) => {
                target.check_reads_upstream(coordinates, version)?;
                let ingest = Ingest { adapter, gateway, connection, external: external.clone(), asset: wanted.clone() };
                self.ingest(target, coordinates, &display_name, ingest).await
            }
            _ => Err(ServiceError::internal(format!(
                "file `{asset}` of {coordinates} {version} has no consistent source"
            ))),
        }
    }

    /// Opens a stored asset of a version in `target`'s domain, its bytes read through this
    /// server (GetPackageVersionAsset: never a redirect).
    pub(crate) async fn open_stored(&self, target: &RepoTarget, asset: AssetRecord) -> Result<AssetBody, ServiceError> {
        self.open_blob_here(&target.domain, asset).await
    }

    /// Opens a stored blob for a download: with a redirect to the blob store when it gives
    /// download URLs (the stream beside it opens the blob only if read).
    async fn open_blob(&self, domain: &Domain, asset: AssetRecord) -> Result<AssetBody, ServiceError> {
        if !self.blobs.gives_download_urls() {
            return self.open_blob_here(domain, asset).await;
        }
        let blob_scope = scope(domain)?;
        let url = self
            .blobs
            .download_url(&blob_scope, &asset.sha256)
            .await
            .map_err(|e| ServiceError::internal(format!("the blob of `{}` cannot be read: {e}", asset.name)))?;
        let Some(url) = url else { return self.open_blob_here(domain, asset).await };
        let (blobs, sha256) = (Arc::clone(&self.blobs), asset.sha256);
        let opened = async move {
            match blobs.get(&blob_scope, &sha256).await {
                Ok(body) => body.stream,
                Err(e) => Box::pin(futures::stream::once(async move { Err(std::io::Error::other(e)) })),
            }
        };
        Ok(AssetBody {
            name: asset.name,
            sha256: Some(sha256),
            size: Some(asset.size),
            stream: Box::pin(futures::stream::once(opened).flatten()),
            redirect: Some(url),
        })
    }

    /// Opens a stored blob, its bytes read through this server (the blob must be there: a
    /// missing one is an error now, not a redirect to nothing).
    async fn open_blob_here(&self, domain: &Domain, asset: AssetRecord) -> Result<AssetBody, ServiceError> {
        let sha256 = asset.sha256;
        let key = BlobKey { domain_id: domain.id.clone(), sha256 };
        let read_error = |e: &dyn std::fmt::Display| {
            ServiceError::internal(format!("the blob of `{}` cannot be read: {e}", asset.name))
        };
        let blob_scope = scope(domain)?;
        if asset.size > crate::caches::MAX_CACHED_BLOB {
            let body = self.blobs.get(&blob_scope, &sha256).await.map_err(|e| read_error(&e))?;
            return Ok(AssetBody {
                name: asset.name,
                sha256: Some(sha256),
                size: Some(body.size),
                stream: body.stream,
                redirect: None,
            });
        }
        // Small blobs are read whole once and kept in memory while they are hot; concurrent
        // misses for one blob read it once (a burst of clients holds one copy, not one each).
        let bytes = get_or_try_init(&self.caches.blobs, &key, || async {
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
            name: asset.name,
            sha256: Some(sha256),
            size: Some(bytes.len() as u64),
            stream: Box::pin(futures::stream::once(async move { Ok(bytes) })),
            redirect: None,
        })
    }

    /// Keeps a reference to a version in a repository (retention); the package entry, if new,
    /// gets the defaults of a package first ingested from upstream.
    ///
    /// Retention retires no cached document: the version was already in the view of every
    /// repository whose search order reaches it (that is how the client found it), with the same
    /// manifest and digests, so no listing gains or loses a version; details of how a stored
    /// file is described (PyPI's core-metadata link) show within the document TTL. Retiring the
    /// package's documents here made a package whose versions are being fetched one by one (every
    /// install of a popular package) render again at nearly every read (docs/benchmarks.md, soak).
    async fn retain(
        &self,
        scope: &BlobScope,
        repository_id: &str,
        coordinates: &PackageCoordinates,
        display_name: &str,
        new: &NewVersion,
    ) -> Result<(), ServiceError> {
        let tags = BTreeMap::new();
        let result = self
            .write_version(
                scope,
                repository_id,
                coordinates,
                display_name,
                new,
                OriginRestrictions::FIRST_INGESTED,
                &tags,
            )
            .await;
        match result {
            Ok(_) => Ok(()),
            // Retained concurrently, or the repository holds that number already: serve anyway.
            Err(e) if e.kind == ErrorKind::Conflict => Ok(()),
            Err(e) => Err(e),
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
        let remote = self.remote(&target.remotes, connection)?;
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
        let key = UpstreamFile {
            domain_id: target.domain.id.clone(),
            gateway: gateway.to_owned(),
            coordinates: coordinates.clone(),
            version: external.version.clone(),
            asset: asset.name.clone(),
        };
        let lock =
            self.caches.ingest_locks.get_with(key.clone(), async { Arc::new(tokio::sync::Mutex::new(())) }).await;
        let guard = lock.lock_owned().await;
        if !retain && let Some(stored) = self.caches.passed_through.get(&key).await {
            // No version refers to a passed-through file, so the garbage collector may have
            // taken its blob: then it is fetched again.
            if let Ok(opened) = self.open_blob_here(&target.domain, stored).await {
                return Ok(opened);
            }
            self.caches.passed_through.invalidate(&key).await;
        }
        // Someone may have ingested it while we waited: a request here, or another replica of
        // the fleet, which holds the file's fetch lease while it fetches. Files that keep no
        // version are not shared between replicas, so each fetches its own.
        let mut held = None;
        let lease = loop {
            if let Some(record) = self.version_in(&gateway_id, coordinates, &external.version).await?
                && let Some(stored) = record.assets.iter().find(|a| a.name == asset.name).cloned()
            {
                drop(held);
                drop(guard);
                if gateway_id != target.repository_id {
                    let new = retained_copy(&record);
                    self.retain(&scope(&target.domain)?, &target.repository_id, coordinates, display_name, &new)
                        .await?;
                }
                return self.open_blob(&target.domain, stored).await;
            }
            if !retain {
                break None;
            }
            if held.is_some() {
                // Held, and the file was not stored before it was: this replica fetches it.
                break held;
            }
            match self.take_fetch_lease(&key.to_string()).await? {
                // The replica that held the lease may have stored the file and given the lease up
                // between the look above and this take: look once more before fetching (once,
                // two replicas in 900 files fetched the same one).
                Some(lease) => held = Some(lease),
                None => tokio::time::sleep(crate::leases::LEASE_POLL).await,
            }
        };
        if asset.expected == ExpectedDigests::default() && adapter.registry_declares_digests() {
            let sidecars = adapter.checksum_sidecars(&asset.url);
            asset.expected = self.sidecar_digests(&remote, &sidecars, |bytes| adapter.read_checksum(bytes)).await?;
        }
        // The format's check of the file, if it has one (Go's checksum database, when the
        // connection has its key set): the bytes are also written to a temporary file for it,
        // as they arrive.
        let check = match adapter.ingest_check(self.upstreams.check_setting(connection), &asset.name) {
            Some(check) => {
                let base = self.upstreams.discovered_base(&remote, adapter).await?;
                let spooled = tempfile::tempfile()
                    .map_err(|e| ServiceError::internal(format!("cannot make a temporary file for a check: {e}")))?;
                Some((check, base, spooled))
            }
            None => None,
        };
        let response = self.upstreams.open(&remote, &asset.url).await?;
        let (mut blob_tx, blob_rx) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(8);
        let (mut client_tx, client_rx) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(8);
        let service = self.clone();
        let scope = scope(&target.domain)?;
        let coordinates = coordinates.clone();
        let display_name = display_name.to_owned();
        let target_repository_id = target.repository_id.clone();
        let gateway = gateway.to_owned();
        let connection = connection.to_owned();
        let name = asset.name.clone();
        let expected = asset.expected;
        let attributes = asset.attributes.clone();
        let left_behind = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let client_left_behind = left_behind.clone();
        // A file with a check is held back until it passes: the client then gets it whole from
        // the store, or the reason it was refused, never bytes that are then taken back.
        let hold = check.is_some();
        let held = (key.clone(), coordinates.clone(), external.version.clone(), asset.name.clone());
        let task = tokio::spawn(async move {
            let _guard = guard;
            let _lease = lease;
            // The bytes are kept (up to a bound) for a format that reads them.
            let mut kept: Option<Vec<u8>> = reader.is_some().then(Vec::new);
            let mut spool = check.as_ref().map(|(_, _, spooled)| spooled.try_clone().map(tokio::fs::File::from_std));
            let feed = async {
                let mut upstream = response.bytes_stream();
                let mut client_open = !hold;
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
                            if let Some(Ok(file)) = spool.as_mut()
                                && let Err(e) = tokio::io::AsyncWriteExt::write_all(file, &bytes).await
                            {
                                spool = Some(Err(e));
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
            let stored = stored.map_err(|e| {
                tracing::warn!(error.message = %e, asset.name = %name, "an upstream download was refused");
                format!("the download of `{name}` from `{connection}` failed: {e}")
            });
            // A file with a check is checked before anything refers to it (its blob, referred to
            // by nothing, is collected later).
            let stored = match (stored, check, spool) {
                (Ok(digests), Some((check, base, spooled)), Some(written)) => {
                    let file = CheckTarget { package: &coordinates, version: &external.version, file: &name };
                    let checked = match written {
                        Ok(mut writer) => match tokio::io::AsyncWriteExt::flush(&mut writer).await {
                            Ok(()) => service.run_ingest_check(&*check, spooled, file, &remote, &base).await,
                            Err(e) => Err(format!("its temporary copy cannot be written: {e}")),
                        },
                        Err(e) => Err(format!("its temporary copy cannot be written: {e}")),
                    };
                    match checked {
                        Ok(()) => Ok(digests),
                        Err(e) => {
                            tracing::warn!(error.message = %e, asset.name = %name, "an upstream download failed its check");
                            Err(format!("the download of `{name}` from `{connection}` failed its check: {e}"))
                        }
                    }
                }
                (stored, ..) => stored,
            };
            let outcome = match stored {
                Ok(digests) if !retain => {
                    let record = AssetRecord { attributes, ..asset_record(&name, &digests) };
                    service.caches.passed_through.insert(key, record).await;
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
                        format_metadata: external.format_metadata.to_value(),
                        published_at: external.published_at.unwrap_or_else(Utc::now),
                        assets,
                    };
                    let mut result = service.retain(&scope, &gateway_id, &coordinates, &display_name, &new).await;
                    if result.is_ok() && gateway_id != target_repository_id {
                        result = service.retain(&scope, &target_repository_id, &coordinates, &display_name, &new).await;
                    }
                    result.map_err(|e| std::io::Error::other(e.message))
                }
                Err(message) => Err(std::io::Error::other(message)),
            };
            if let Err(e) = &outcome {
                let _ = client_tx.send(Err(std::io::Error::other(e.to_string()))).await;
            }
            outcome
        });
        if hold {
            let outcome =
                task.await.map_err(|e| ServiceError::internal(format!("an upstream download failed: {e}")))?;
            if let Err(e) = outcome {
                return Err(ServiceError::new(ErrorKind::BadGateway, e.to_string()));
            }
            let (held_key, coordinates, version, asset_name) = held;
            let stored = match self.stored_here(target, adapter, &coordinates, &version, &asset_name).await? {
                Some(stored) => Some(stored),
                None => self.caches.passed_through.get(&held_key).await,
            };
            let stored = stored
                .ok_or_else(|| ServiceError::internal(format!("`{asset_name}` was checked but is not stored")))?;
            return self.open_blob(&target.domain, stored).await;
        }
        // A client left behind sees its download fail, not end early as if it were whole.
        let failed_if_left_behind = futures::stream::once(async move {
            client_left_behind
                .load(std::sync::atomic::Ordering::Acquire)
                .then(|| Err(std::io::Error::other("the client read too slowly; the download was dropped")))
        })
        .filter_map(std::future::ready);
        let stream = Box::pin(client_rx.chain(failed_if_left_behind));
        Ok(AssetBody { name: asset.name, sha256: asset.expected.sha256, size: None, stream, redirect: None })
    }
}

/// The file an [`IngestCheck`] is run on.
struct CheckTarget<'a> {
    package: &'a PackageCoordinates,
    version: &'a str,
    file: &'a str,
}

/// The documents of one connection, read under its base URL, cached as
/// [`Service::passed_document`] caches them.
struct ConnectionDocuments<'a> {
    service: &'a Service,
    connection: &'a Remote,
    base: &'a str,
}

impl RegistryReader for ConnectionDocuments<'_> {
    fn read<'a>(&'a self, path: &'a str, immutable: bool) -> crate::formats::CheckFuture<'a, Option<Bytes>> {
        Box::pin(async move {
            let url = format!("{}/{path}", self.base);
            self.service.passed_document(self.connection, &url, immutable).await.map_err(|(e, _)| e.message)
        })
    }
}

impl Service {
    /// Runs `check` on an upstream file written to `spooled` as it arrived, the connection's
    /// documents at hand.
    async fn run_ingest_check(
        &self,
        check: &dyn IngestCheck,
        mut spooled: std::fs::File,
        target: CheckTarget<'_>,
        connection: &Remote,
        base: &str,
    ) -> Result<(), String> {
        std::io::Seek::rewind(&mut spooled).map_err(|e| format!("its temporary copy cannot be read: {e}"))?;
        let bytes = spooled;
        let registry = ConnectionDocuments { service: self, connection, base };
        let file = CheckedFile {
            package: target.package,
            version: target.version,
            file: target.file,
            bytes,
            registry: &registry,
        };
        check.check(file).await
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
        connection: &Remote,
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
        match sidecars.first() {
            Some((url, _)) => tracing::warn!(
                url = %crate::upstream::redact(url),
                connection = %connection,
                "the registry publishes no checksum beside this file: it is stored unverified"
            ),
            None => {
                tracing::warn!(connection = %connection, "the registry declares no checksum for this file: it is stored unverified")
            }
        }
        Ok(expected)
    }
}

/// How long an upstream download waits for a slow client to take the next part before it goes
/// on without it (and stores the file for the next one).
const CLIENT_STALL: std::time::Duration = std::time::Duration::from_secs(30);

pub(crate) fn retained_copy(record: &VersionRecord) -> NewVersion {
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
