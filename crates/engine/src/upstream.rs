//! Reading public registries through external connections, shared by every format.
//!
//! - Metadata documents are cached per URL, parsed by the format, for a TTL, and kept as
//!   last-known-good: after the TTL the next request revalidates (`If-None-Match` with the stored
//!   ETag); when the registry fails or times out, the stale document keeps being served.
//! - A 404 is cached too (negative cache), for the same TTL; errors are never cached.
//! - Concurrent requests for one URL wait on one lock: one upstream request, the rest read what
//!   it brought (single flight).
//! - In a fleet, the replicas share what they read (docs/DESIGN.md §4, "One fleet, one request"):
//!   a replica whose copy is missing or old reads the fleet's copy from the database, and only
//!   when that is old too does it ask the registry, under a fetch lease, so that the others wait
//!   for its answer rather than ask again; it then stores the answer for them.
//! - Each connection records its health: last success, last error.
//! - A connection made in a domain (not the operator's) never reaches the server's own machine
//!   nor a link-local address (a cloud's metadata service), unless the operator allows it
//!   (`allow_local_connections`): its requests go through a client whose resolver refuses such
//!   addresses, and a URL or redirect naming one is refused (docs/DESIGN.md §4).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use moka::future::Cache;
use tributary_model::{ErrorKind, ExternalConnection, ServiceError};

use tributary_store::SharedDocument;

use crate::formats::{ExternalPackage, FormatAdapter, MAX_UPSTREAM_PAGES};
use crate::leases::{FetchLease, LEASE_POLL, now_ms};

/// How a connection fared lately.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionHealth {
    /// When a request last succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// When a request last failed, and why.
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// Settings of the upstream client.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// Base URL per connection that differs from the public registry's.
    pub urls: BTreeMap<String, String>,
    /// How long a metadata document is used before it is revalidated.
    pub metadata_ttl: Duration,
    /// How long a metadata request may take in all.
    pub timeout: Duration,
    /// The longest pause between two reads of any answer, downloads included: a registry that
    /// stalls (before its headers or mid-body) fails the request after this long.
    pub read_timeout: Duration,
    /// The proxy every request to a registry goes through (`http://host:port`), overriding
    /// `HTTP_PROXY` and `HTTPS_PROXY`; `NO_PROXY` still names hosts reached directly. Without
    /// it, those variables are honoured as they are.
    pub outbound_proxy: Option<String>,
    /// Hosts reached directly whatever the proxy settings say, besides `NO_PROXY`'s (the
    /// server's own loopback services).
    pub direct_hosts: Vec<String>,
    /// Per connection, the setting of its format's check of what is fetched through it
    /// ([`crate::formats::FormatAdapter::ingest_check`]; `public:go-proxy`: the checksum
    /// database's key). A connection without one is not checked so.
    pub checks: BTreeMap<String, String>,
    /// Whether connections made in a domain may reach loopback and link-local addresses (a
    /// registry on the server's own machine). Off by default: a domain's administrator could
    /// otherwise make the server fetch its own loopback services or a cloud's metadata.
    pub allow_local_connections: bool,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            urls: BTreeMap::new(),
            metadata_ttl: Duration::from_secs(300),
            timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            outbound_proxy: None,
            direct_hosts: Vec::new(),
            checks: BTreeMap::new(),
            allow_local_connections: false,
        }
    }
}

#[derive(Debug)]
struct CachedDoc {
    package: Option<Arc<ExternalPackage>>,
    etag: Option<String>,
    /// When the registry was asked for it, or last confirmed it unchanged (Unix milliseconds;
    /// compared with the fleet's copy, which other replicas stamp the same way).
    fetched_at_ms: i64,
    /// When it was made due for revalidation whatever its age ([`Upstreams::expire`]): only a
    /// copy read from the registry after that will do.
    expired_at_ms: Option<i64>,
}

impl CachedDoc {
    fn is_fresh(&self, ttl: Duration) -> bool {
        self.expired_at_ms.is_none() && age(self.fetched_at_ms) < ttl
    }
}

/// How long ago `stamp_ms` (Unix milliseconds) was; zero for a moment ahead of this clock.
fn age(stamp_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(now_ms().saturating_sub(stamp_ms)).unwrap_or(0))
}

/// What a replica of a fleet shares the documents it reads through: the database, and its
/// name as the holder of fetch leases.
#[derive(Debug, Clone)]
pub(crate) struct DocumentSharing {
    pub(crate) store: tributary_store::Store,
    pub(crate) replica: Arc<str>,
}

/// The largest document (with its pages) a replica shares with the fleet; a larger one is read
/// from the registry by each replica that needs it.
const SHARED_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// What a replica does for a document its copy of is missing or old, in a fleet.
enum FleetTurn {
    /// Its copy is fresh now: the fleet's copy was.
    Served,
    /// It asks the registry: under the fleet's lease for the document, or without one when the
    /// lease could not be had in time or the database failed (then it asks as one server would).
    Fetch(Option<FetchLease>),
}

/// One URL's cached document, behind the lock that makes its fetches single flight, and the
/// size of what it holds (its weight in the cache).
#[derive(Debug, Default)]
struct DocSlot {
    doc: tokio::sync::Mutex<Option<CachedDoc>>,
    bytes: std::sync::atomic::AtomicU32,
}

/// The memory given to parsed upstream documents, estimated as [`PARSED_PER_BYTE`] times the
/// size of the documents read.
const DOCUMENT_CACHE_BYTES: u64 = 128 * 1024 * 1024;
/// A parsed JSON document takes about this many times its text's size.
const PARSED_PER_BYTE: u32 = 4;

/// One external connection as requests to it are made: its name (in messages and the health
/// listing), its base URL without a trailing slash, and what authorizes requests to it (a
/// connection made in a domain may carry a token or a password; `Debug` shows neither).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Remote {
    pub(crate) name: String,
    pub(crate) base: String,
    authorization: Option<String>,
    /// Made in a domain (not one of the operator's `public:` connections): kept off local
    /// addresses.
    guarded: bool,
}

impl Remote {
    /// A connection reached at `base`, its requests authorized by `authorization` (an
    /// `Authorization` header value).
    pub(crate) fn new(name: &str, base: &str, authorization: Option<String>) -> Self {
        let guarded = !name.starts_with("public:");
        Self { name: name.to_owned(), base: base.trim_end_matches('/').to_owned(), authorization, guarded }
    }

    /// What a document read from `url` through this connection is cached under: the URL, and
    /// for a connection with credentials a digest of them too, so that what one set of
    /// credentials was answered (a private registry's documents, or its "not found") is never
    /// served to a domain that reads the same URL with other credentials, or none.
    pub(crate) fn cache_key(&self, url: &str) -> String {
        use sha2::Digest as _;
        match &self.authorization {
            None => url.to_owned(),
            Some(value) => format!("{url}\n{}", hex::encode(&sha2::Sha256::digest(value.as_bytes())[..12])),
        }
    }

    /// `request` for `url`, with the connection's credentials when `url` is under its base URL
    /// (a registry may link to files elsewhere, which are not sent them).
    fn authorize(&self, url: &str, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.authorization {
            Some(value) if url.starts_with(&format!("{}/", self.base)) || url == self.base => {
                request.header("authorization", value)
            }
            _ => request,
        }
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("name", &self.name)
            .field("base", &redact(&self.base))
            .field("authorization", &self.authorization.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl std::fmt::Display for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// The client of every external connection.
#[derive(Debug)]
pub(crate) struct Upstreams {
    client: reqwest::Client,
    /// The client of connections made in domains: kept off local addresses, unless allowed.
    guarded: reqwest::Client,
    settings: UpstreamSettings,
    docs: Cache<String, Arc<DocSlot>>,
    /// Service index URL → the base URL it names (see [`FormatAdapter::service_index_url`]).
    indexes: Cache<String, String>,
    health: Mutex<BTreeMap<String, ConnectionHealth>>,
    /// In a fleet, where documents are shared.
    sharing: Option<DocumentSharing>,
}

/// The largest metadata document read from a registry.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

impl Upstreams {
    pub(crate) fn new(settings: UpstreamSettings, sharing: Option<DocumentSharing>) -> Result<Self, ServiceError> {
        let builder = || -> Result<reqwest::ClientBuilder, ServiceError> {
            let mut client = reqwest::Client::builder();
            for proxy in proxies(&settings)? {
                client = client.proxy(proxy);
            }
            Ok(client
                .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
                .read_timeout(settings.read_timeout)
                .user_agent(concat!("tributary/", env!("CARGO_PKG_VERSION"))))
        };
        let built = |b: reqwest::ClientBuilder| {
            b.build().map_err(|e| ServiceError::internal(format!("cannot build the HTTP client: {e}")))
        };
        let client = built(builder()?)?;
        let guarded = if settings.allow_local_connections {
            client.clone()
        } else {
            built(builder()?.dns_resolver(Arc::new(GuardedResolver)).redirect(guarded_redirects()))?
        };
        let indexes = Cache::builder().max_capacity(1_000).time_to_live(settings.metadata_ttl).build();
        Ok(Self {
            client,
            guarded,
            indexes,
            settings,
            // Weighed by size: a few huge documents cannot hold the memory of a hundred thousand.
            docs: Cache::builder()
                .weigher(|url: &String, slot: &Arc<DocSlot>| {
                    let bytes = slot.bytes.load(std::sync::atomic::Ordering::Acquire);
                    bytes
                        .saturating_mul(PARSED_PER_BYTE)
                        .saturating_add(u32::try_from(url.len() + 256).unwrap_or(u32::MAX))
                })
                .max_capacity(DOCUMENT_CACHE_BYTES)
                .build(),
            health: Mutex::new(BTreeMap::new()),
            sharing,
        })
    }

    /// The client for requests to `url` through `connection`: a connection made in a domain gets
    /// the guarded one, and a URL naming a local address is refused outright (no resolver sees
    /// it).
    fn client_for(&self, connection: &Remote, url: &str) -> Result<&reqwest::Client, ServiceError> {
        if !connection.guarded || self.settings.allow_local_connections {
            return Ok(&self.client);
        }
        match url::Url::parse(url).ok().as_ref().and_then(local_host) {
            Some(address) => Err(ServiceError::new(
                ErrorKind::BadGateway,
                format!("`{connection}` links to `{}`, a local address ({address}): refused", redact(url)),
            )),
            None => Ok(&self.guarded),
        }
    }

    /// Whether connections made in domains may reach local addresses.
    pub(crate) fn allows_local_connections(&self) -> bool {
        self.settings.allow_local_connections
    }

    /// How long a metadata document is used before it is revalidated.
    pub(crate) fn metadata_ttl(&self) -> Duration {
        self.settings.metadata_ttl
    }

    /// The check setting of `connection`, if it has one.
    pub(crate) fn check_setting(&self, connection: &str) -> Option<&str> {
        self.settings.checks.get(connection).map(String::as_str)
    }

    /// A known connection (`public:…`) as configured.
    pub(crate) fn known_remote(&self, connection: &str) -> Remote {
        Remote::new(connection, &self.base_url(connection), None)
    }

    /// The base URL of a known connection, without a trailing slash.
    pub(crate) fn base_url(&self, connection: &str) -> String {
        let url = self
            .settings
            .urls
            .get(connection)
            .map(String::as_str)
            .or_else(|| ExternalConnection::find(connection).map(|c| c.default_url))
            .unwrap_or_default();
        url.trim_end_matches('/').to_owned()
    }

    /// The base URL a connection's metadata URLs are made from: its base URL, or for a format
    /// whose registry names its parts in a service index, what that index names (read once per
    /// metadata TTL, concurrent readers sharing one fetch).
    pub(crate) async fn discovered_base(
        &self,
        connection: &Remote,
        adapter: &dyn FormatAdapter,
    ) -> Result<String, ServiceError> {
        let base = connection.base.clone();
        let Some(index_url) = adapter.service_index_url(&base) else { return Ok(base) };
        let read = async {
            let bytes = self.small_file(connection, &index_url).await?.ok_or_else(|| {
                ServiceError::new(
                    ErrorKind::BadGateway,
                    format!("`{connection}` has no service index at `{}`", redact(&index_url)),
                )
            })?;
            adapter.read_service_index(&bytes, &index_url).map_err(|e| {
                ServiceError::new(
                    ErrorKind::BadGateway,
                    format!("the service index of `{connection}` (`{}`) cannot be read: {e}", redact(&index_url)),
                )
            })
        };
        let key = connection.cache_key(&index_url);
        self.indexes.try_get_with(key, read).await.map_err(|e: Arc<ServiceError>| (*e).clone())
    }

    /// The size of the upstream caches.
    pub(crate) fn sizes(&self) -> [crate::CacheSize; 2] {
        use crate::CacheSize;
        [
            CacheSize {
                name: "upstream-documents",
                entries: self.docs.entry_count(),
                weight: Some(self.docs.weighted_size()),
            },
            CacheSize { name: "service-indexes", entries: self.indexes.entry_count(), weight: None },
        ]
    }

    /// Health of every connection that was used.
    pub(crate) fn health(&self) -> BTreeMap<String, ConnectionHealth> {
        self.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn record(&self, connection: &str, outcome: Result<(), String>) {
        if let Ok(mut health) = self.health.lock() {
            let entry = health.entry(connection.to_owned()).or_default();
            match outcome {
                Ok(()) => entry.last_success = Some(Utc::now()),
                Err(e) => entry.last_error = Some((Utc::now(), e)),
            }
        }
    }

    /// The package document at `url` of `connection`, parsed by `adapter`; `None` if the registry
    /// does not have it.
    pub(crate) async fn package(
        &self,
        connection: &Remote,
        url: &str,
        adapter: &dyn FormatAdapter,
    ) -> Result<Option<Arc<ExternalPackage>>, ServiceError> {
        let key = connection.cache_key(url);
        let slot = self.docs.get_with(key.clone(), async { Arc::new(DocSlot::default()) }).await;
        let mut cached = slot.doc.lock().await;
        if let Some(doc) = cached.as_ref()
            && doc.is_fresh(self.settings.metadata_ttl)
        {
            return Ok(doc.package.clone());
        }
        // Held until the answer is shared: the fleet's other replicas wait for it.
        let _lease = match &self.sharing {
            None => None,
            Some(sharing) => match self.fleet_turn(sharing, &key, &slot, connection, url, adapter, &mut cached).await {
                FleetTurn::Served => return Ok(cached.as_ref().and_then(|doc| doc.package.clone())),
                FleetTurn::Fetch(lease) => lease,
            },
        };
        let mut request = connection
            .authorize(url, self.client_for(connection, url)?.get(url))
            .timeout(self.settings.timeout)
            .header("accept", adapter.metadata_accept());
        if let Some(etag) = cached.as_ref().and_then(|d| d.etag.as_deref()) {
            request = request.header("if-none-match", etag);
        }
        let asked_at_ms = now_ms();
        let outcome = fetch_document(request).await;
        match outcome {
            Ok(Fetched::NotModified) => {
                self.record(&connection.name, Ok(()));
                let Some(doc) = cached.as_mut() else { return Ok(None) };
                doc.fetched_at_ms = asked_at_ms;
                doc.expired_at_ms = None;
                if let (Some(sharing), Some(etag)) = (&self.sharing, doc.etag.as_deref())
                    && let Err(e) = sharing.store.confirm_shared_document(&key, etag, asked_at_ms).await
                {
                    tracing::warn!(error.message = %e, "cannot share that a registry document is unchanged");
                }
                Ok(doc.package.clone())
            }
            Ok(Fetched::NotFound) => {
                self.record(&connection.name, Ok(()));
                *cached =
                    Some(CachedDoc { package: None, etag: None, fetched_at_ms: asked_at_ms, expired_at_ms: None });
                self.share(SharedDocument {
                    key,
                    found: false,
                    etag: None,
                    content_type: None,
                    body: bytes::Bytes::new(),
                    pages: Vec::new(),
                    fetched_at_ms: asked_at_ms,
                })
                .await;
                Ok(None)
            }
            Ok(Fetched::Document { bytes, etag, content_type }) => {
                let parsed = adapter.parse_upstream(&bytes, content_type.as_deref(), url).map_err(|e| {
                    let message =
                        format!("`{connection}` answered `{}` with a document that cannot be read: {e}", redact(url));
                    self.record(&connection.name, Err(message.clone()));
                    ServiceError::new(ErrorKind::BadGateway, message)
                });
                let parsed = match parsed {
                    Ok(package) => self.read_pages(connection, package, adapter, None).await,
                    Err(e) => Err(e),
                };
                match parsed {
                    Ok((package, pages)) => {
                        self.record(&connection.name, Ok(()));
                        let package = Arc::new(package);
                        *cached = Some(CachedDoc {
                            package: Some(package.clone()),
                            etag: etag.clone(),
                            fetched_at_ms: asked_at_ms,
                            expired_at_ms: None,
                        });
                        let size = bytes.len() + pages.iter().map(bytes::Bytes::len).sum::<usize>();
                        self.weigh(key.clone(), &slot, size).await;
                        if size <= SHARED_DOCUMENT_BYTES {
                            let document = SharedDocument {
                                key,
                                found: true,
                                etag,
                                content_type,
                                body: bytes,
                                pages,
                                fetched_at_ms: asked_at_ms,
                            };
                            self.share(document).await;
                        }
                        Ok(Some(package))
                    }
                    Err(e) => stale_or(cached.as_ref(), e),
                }
            }
            Err(failure) => {
                let message = format!("`{connection}` could not be reached for `{}`: {failure}", redact(url));
                self.record(&connection.name, Err(message.clone()));
                stale_or(cached.as_ref(), failure.into_error(message))
            }
        }
    }

    /// Weighs `slot` in the cache again, now that the size of what it holds is known.
    async fn weigh(&self, key: String, slot: &Arc<DocSlot>, size: usize) {
        slot.bytes.store(u32::try_from(size).unwrap_or(u32::MAX), std::sync::atomic::Ordering::Release);
        self.docs.insert(key, slot.clone()).await;
    }

    /// In a fleet, stores what the registry answered for the others (a failure to is only
    /// logged: they ask the registry themselves then).
    async fn share(&self, document: SharedDocument) {
        if let Some(sharing) = &self.sharing
            && let Err(e) = sharing.store.put_shared_document(&document).await
        {
            tracing::warn!(error.message = %e, "cannot share a registry document with the fleet");
        }
    }

    /// In a fleet, for a document whose copy here (`cached`) is missing or old: takes the
    /// fleet's copy when it is newer, and when that is not fresh either, takes the fleet's lease
    /// to ask the registry, or waits while another replica asks (until the metadata timeout).
    #[expect(clippy::too_many_arguments, reason = "one document's cache entry, key and source")]
    async fn fleet_turn(
        &self,
        sharing: &DocumentSharing,
        key: &str,
        slot: &Arc<DocSlot>,
        connection: &Remote,
        url: &str,
        adapter: &dyn FormatAdapter,
        cached: &mut Option<CachedDoc>,
    ) -> FleetTurn {
        let deadline = Instant::now() + self.settings.timeout;
        let lease_key = format!("document/{key}");
        let mut lease = None;
        loop {
            let known = cached.as_ref().map_or(i64::MIN, |doc| doc.fetched_at_ms);
            match sharing.store.shared_document_stamp(key).await {
                Ok(Some(stamp)) if stamp > known => match sharing.store.shared_document(key).await {
                    Ok(Some(shared)) => match self.adopt(connection, url, adapter, shared).await {
                        Ok((mut doc, size)) => {
                            // Made due before this copy was read: still due.
                            if cached.as_ref().and_then(|c| c.expired_at_ms).is_some_and(|at| doc.fetched_at_ms <= at) {
                                doc.expired_at_ms = cached.as_ref().and_then(|c| c.expired_at_ms);
                            }
                            *cached = Some(doc);
                            self.weigh(key.to_owned(), slot, size).await;
                        }
                        Err(e) => {
                            tracing::warn!(error.message = %e.message, "cannot read the fleet's copy of a registry document")
                        }
                    },
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error.message = %e, "cannot read the fleet's copy of a registry document");
                        return FleetTurn::Fetch(lease);
                    }
                },
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error.message = %e, "cannot read the fleet's copy of a registry document");
                    return FleetTurn::Fetch(lease);
                }
            }
            if cached.as_ref().is_some_and(|doc| doc.is_fresh(self.settings.metadata_ttl)) {
                return FleetTurn::Served;
            }
            if lease.is_some() {
                // Held, and no newer copy came before it was: this replica asks.
                return FleetTurn::Fetch(lease);
            }
            match FetchLease::take(&sharing.store, &sharing.replica, &lease_key).await {
                // Another replica may have shared its answer just before giving the lease up:
                // look once more before asking.
                Ok(Some(taken)) => lease = Some(taken),
                Ok(None) if Instant::now() < deadline => tokio::time::sleep(LEASE_POLL).await,
                Ok(None) => return FleetTurn::Fetch(None),
                Err(e) => {
                    tracing::warn!(error.message = %e.message, "cannot take a fetch lease for a registry document");
                    return FleetTurn::Fetch(None);
                }
            }
        }
    }

    /// The fleet's copy of a document, parsed as if just read from the registry, and its size.
    async fn adopt(
        &self,
        connection: &Remote,
        url: &str,
        adapter: &dyn FormatAdapter,
        shared: SharedDocument,
    ) -> Result<(CachedDoc, usize), ServiceError> {
        let size = shared.body.len() + shared.pages.iter().map(bytes::Bytes::len).sum::<usize>();
        let package = if shared.found {
            let parsed = adapter.parse_upstream(&shared.body, shared.content_type.as_deref(), url).map_err(|e| {
                ServiceError::new(
                    ErrorKind::BadGateway,
                    format!("the shared copy of `{}` cannot be read: {e}", redact(url)),
                )
            })?;
            let (package, _) = self.read_pages(connection, parsed, adapter, Some(shared.pages)).await?;
            Some(Arc::new(package))
        } else {
            None
        };
        let doc = CachedDoc { package, etag: shared.etag, fetched_at_ms: shared.fetched_at_ms, expired_at_ms: None };
        Ok((doc, size))
    }

    /// Makes the cached document under `key` ([`Remote::cache_key`]) due for revalidation (a conditional request, next time
    /// it is read), unless it was fetched or revalidated within `fresh`, so that a burst of
    /// requests for versions it lacks asks the registry once: whether it did.
    pub(crate) async fn expire(&self, key: &str, fresh: Duration) -> bool {
        let Some(slot) = self.docs.get(key).await else { return false };
        let mut cached = slot.doc.lock().await;
        match cached.as_mut() {
            Some(doc) if doc.expired_at_ms.is_none() && age(doc.fetched_at_ms) >= fresh => {
                doc.expired_at_ms = Some(now_ms());
                true
            }
            _ => false,
        }
    }

    /// The versions of the pages a package document links to, added to it, and the pages as read
    /// (fetched one after another: a registry serves them from a CDN, and a package has few), or
    /// from `stored` (the fleet's copy of them) when it holds them all.
    async fn read_pages(
        &self,
        connection: &Remote,
        mut package: ExternalPackage,
        adapter: &dyn FormatAdapter,
        stored: Option<Vec<bytes::Bytes>>,
    ) -> Result<(ExternalPackage, Vec<bytes::Bytes>), ServiceError> {
        if package.pages.is_empty() {
            return Ok((package, Vec::new()));
        }
        if package.pages.len() > MAX_UPSTREAM_PAGES {
            return Err(ServiceError::new(
                ErrorKind::BadGateway,
                format!(
                    "`{connection}` describes a package in {} pages, more than {MAX_UPSTREAM_PAGES}",
                    package.pages.len()
                ),
            ));
        }
        let mut stored = stored.filter(|pages| pages.len() == package.pages.len()).map(Vec::into_iter);
        let mut read = Vec::with_capacity(package.pages.len());
        for page in std::mem::take(&mut package.pages) {
            let bytes = match stored.as_mut().and_then(Iterator::next) {
                Some(bytes) => bytes,
                None => self.file(connection, &page, MAX_DOCUMENT_BYTES).await?.ok_or_else(|| {
                    ServiceError::new(
                        ErrorKind::BadGateway,
                        format!("`{connection}` links to the page `{}`, which it does not have", redact(&page)),
                    )
                })?,
            };
            let versions = adapter.parse_upstream_page(&bytes, &page).map_err(|e| {
                let message =
                    format!("`{connection}` answered `{}` with a page that cannot be read: {e}", redact(&page));
                self.record(&connection.name, Err(message.clone()));
                ServiceError::new(ErrorKind::BadGateway, message)
            })?;
            package.versions.extend(versions);
            read.push(bytes);
        }
        Ok((package, read))
    }

    /// A small file (a checksum) at `url` of `connection`; `None` when the registry has none.
    pub(crate) async fn small_file(
        &self,
        connection: &Remote,
        url: &str,
    ) -> Result<Option<bytes::Bytes>, ServiceError> {
        self.file(connection, url, 64 * 1024).await
    }

    /// The file at `url` of `connection`, of at most `limit` bytes, read whole (a checksum, a
    /// page, a search result); `None` when the registry has none.
    pub(crate) async fn file(
        &self,
        connection: &Remote,
        url: &str,
        limit: usize,
    ) -> Result<Option<bytes::Bytes>, ServiceError> {
        let request = connection
            .authorize(url, self.client_for(connection, url)?.get(url))
            .timeout(self.settings.timeout)
            .header("accept", "application/json, */*;q=0.5");
        match fetch_document(request).await {
            Ok(Fetched::Document { bytes, .. }) if bytes.len() <= limit => {
                self.record(&connection.name, Ok(()));
                Ok(Some(bytes))
            }
            Ok(Fetched::Document { .. }) => Err(ServiceError::new(
                ErrorKind::BadGateway,
                format!("`{connection}` answered `{}` with a huge file", redact(url)),
            )),
            Ok(Fetched::NotFound | Fetched::NotModified) => Ok(None),
            Err(failure) => {
                let message = format!("`{connection}` could not be reached for `{}`: {failure}", redact(url));
                self.record(&connection.name, Err(message.clone()));
                Err(failure.into_error(message))
            }
        }
    }

    /// A small JSON document at `url` that belongs to no external connection (an OIDC issuer's
    /// keys), through the same client and proxies; `None` when it is not there.
    pub(crate) async fn json_document(&self, url: &str, limit: usize) -> Result<Option<bytes::Bytes>, String> {
        let request = self.client.get(url).timeout(self.settings.timeout).header("accept", "application/json");
        match fetch_document(request).await {
            Ok(Fetched::Document { bytes, .. }) if bytes.len() <= limit => Ok(Some(bytes)),
            Ok(Fetched::Document { .. }) => Err(format!("`{}` is larger than {limit} bytes", redact(url))),
            Ok(Fetched::NotFound | Fetched::NotModified) => Ok(None),
            Err(failure) => Err(format!("`{}` could not be read: {failure}", redact(url))),
        }
    }

    /// Opens a download of `url` from `connection`. A download has no total time bound (a large
    /// file may take long) but every read has one ([`UpstreamSettings::read_timeout`]): a
    /// registry that stalls mid-body fails the download instead of holding it open.
    pub(crate) async fn open(&self, connection: &Remote, url: &str) -> Result<reqwest::Response, ServiceError> {
        let response = send_with_retry(connection.authorize(url, self.client_for(connection, url)?.get(url))).await;
        match response {
            Ok(r) if r.status().is_success() => {
                self.record(&connection.name, Ok(()));
                Ok(r)
            }
            Ok(r) => {
                let message = format!("`{connection}` answered {} for `{}`", r.status(), redact(url));
                self.record(&connection.name, Err(message.clone()));
                Err(match r.status() {
                    reqwest::StatusCode::NOT_FOUND => ServiceError::new(ErrorKind::NotFound, message),
                    status if is_throttled(status) => throttled(message, retry_after(&r)),
                    _ => ServiceError::new(ErrorKind::BadGateway, message),
                })
            }
            Err(e) => {
                let failure = FetchFailure::from(e);
                let message = format!("`{connection}` could not be reached for `{}`: {failure}", redact(url));
                self.record(&connection.name, Err(message.clone()));
                Err(failure.into_error(message))
            }
        }
    }
}

/// `url` without the user name and password it may carry (a mirror's credentials): for every
/// message a client, a log or the health listing shows.
/// The first of `names` set in the environment.
fn env_var(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

/// The proxies of the registry client: `outbound_proxy` for everything when set, else
/// `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` (or their lowercase forms) as they are; each
/// skipping `NO_PROXY`'s hosts and `direct_hosts`. (Explicit proxies replace reqwest's own
/// reading of the environment, which could not skip `direct_hosts`.)
fn proxies(settings: &UpstreamSettings) -> Result<Vec<reqwest::Proxy>, ServiceError> {
    let mut direct: Vec<String> = env_var(&["NO_PROXY", "no_proxy"]).into_iter().collect();
    direct.extend(settings.direct_hosts.iter().cloned());
    let no_proxy = || reqwest::NoProxy::from_string(&direct.join(","));
    let invalid = |what: &str, url: &str, e: reqwest::Error| {
        ServiceError::internal(format!("{what} `{}` is not a proxy URL: {e}", redact(url)))
    };
    if let Some(url) = &settings.outbound_proxy {
        return Ok(vec![
            reqwest::Proxy::all(url).map_err(|e| invalid("`outbound_proxy`", url, e))?.no_proxy(no_proxy()),
        ]);
    }
    let mut proxies = Vec::new();
    if let Some(url) = env_var(&["HTTP_PROXY", "http_proxy"]) {
        proxies.push(reqwest::Proxy::http(&url).map_err(|e| invalid("HTTP_PROXY", &url, e))?.no_proxy(no_proxy()));
    }
    if let Some(url) = env_var(&["HTTPS_PROXY", "https_proxy"]) {
        proxies.push(reqwest::Proxy::https(&url).map_err(|e| invalid("HTTPS_PROXY", &url, e))?.no_proxy(no_proxy()));
    }
    if let Some(url) = env_var(&["ALL_PROXY", "all_proxy"]) {
        proxies.push(reqwest::Proxy::all(&url).map_err(|e| invalid("ALL_PROXY", &url, e))?.no_proxy(no_proxy()));
    }
    Ok(proxies)
}

pub(crate) fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The longest `Retry-After` a request waits out before it is retried once; a registry asking
/// for longer is reported to the client with its `Retry-After`.
const RETRY_AFTER_WAITED: Duration = Duration::from_secs(5);

/// Whether a registry's answer says "later": 429, or 503 (which registries send when overloaded).
fn is_throttled(status: reqwest::StatusCode) -> bool {
    status == reqwest::StatusCode::TOO_MANY_REQUESTS || status == reqwest::StatusCode::SERVICE_UNAVAILABLE
}

/// `Retry-After` of an answer, in seconds (the delay form; an HTTP date counts as absent).
fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
}

/// The error for a registry that throttled us: 429 with its `Retry-After`, so clients back off.
fn throttled(message: String, retry_after: Option<u64>) -> ServiceError {
    ServiceError::new(ErrorKind::Throttling, message).with_retry_after(retry_after.or(Some(1)))
}

/// Sends `request`; when the registry throttles (429 or 503) with a short `Retry-After` (or
/// none), waits that long (one second by default) and sends it once more.
async fn send_with_retry(request: reqwest::RequestBuilder) -> reqwest::Result<reqwest::Response> {
    let again = request.try_clone();
    let response = request.send().await?;
    if !is_throttled(response.status()) {
        return Ok(response);
    }
    let wait = retry_after(&response).map_or(Duration::from_secs(1), Duration::from_secs);
    match again {
        Some(again) if wait <= RETRY_AFTER_WAITED => {
            drop(response);
            tokio::time::sleep(wait).await;
            again.send().await
        }
        _ => Ok(response),
    }
}

/// Serves the last-known-good document when there is one, else the error.
fn stale_or(cached: Option<&CachedDoc>, err: ServiceError) -> Result<Option<Arc<ExternalPackage>>, ServiceError> {
    match cached {
        Some(doc) => {
            tracing::warn!(error.message = %err.message, "serving a stale upstream document");
            Ok(doc.package.clone())
        }
        None => Err(err),
    }
}

enum Fetched {
    Document { bytes: bytes::Bytes, etag: Option<String>, content_type: Option<String> },
    NotModified,
    NotFound,
}

#[derive(Debug)]
struct FetchFailure {
    message: String,
    timed_out: bool,
    /// The registry throttled us, with its `Retry-After` when it gave one.
    throttled: Option<Option<u64>>,
}

impl FetchFailure {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), timed_out: false, throttled: None }
    }

    /// The client's error, with `message` (which names the connection and URL).
    fn into_error(self, message: String) -> ServiceError {
        match self.throttled {
            Some(retry_after) => throttled(message, retry_after),
            None if self.timed_out => ServiceError::new(ErrorKind::GatewayTimeout, message),
            None => ServiceError::new(ErrorKind::BadGateway, message),
        }
    }
}

impl From<reqwest::Error> for FetchFailure {
    fn from(e: reqwest::Error) -> Self {
        // The URL may carry credentials; every message names it redacted instead.
        Self { timed_out: e.is_timeout(), message: e.without_url().to_string(), throttled: None }
    }
}

impl std::fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Whether `ip` is this machine (loopback, unspecified), link-local (where clouds answer their
/// metadata requests), or no one host (multicast, broadcast).
pub(crate) fn is_local(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_local(IpAddr::V4(v4)))
        }
    }
}

/// The local address `url`'s host is written as, if it is one (`localhost` counts).
pub(crate) fn local_host(url: &url::Url) -> Option<String> {
    match url.host()? {
        url::Host::Ipv4(v4) if is_local(v4.into()) => Some(v4.to_string()),
        url::Host::Ipv6(v6) if is_local(v6.into()) => Some(v6.to_string()),
        url::Host::Domain(name) if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") => {
            Some(name.to_owned())
        }
        _ => None,
    }
}

/// Resolves names for connections made in domains, refusing any that resolves to a local address.
#[derive(Debug)]
struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(local) = addresses.iter().find(|a| is_local(a.ip())) {
                let refused = format!("`{host}` resolves to {}, a local address: refused", local.ip());
                return Err(refused.into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The redirects a connection made in a domain follows: at most 10, none to a local address
/// written as such (a name is checked by the resolver).
fn guarded_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if let Some(address) = local_host(attempt.url()) {
            attempt.error(format!("a redirect to a local address ({address}): refused"))
        } else {
            attempt.follow()
        }
    })
}

/// Reads a metadata document, at most [`MAX_DOCUMENT_BYTES`] of it: the limit holds for chunked
/// answers too, checked as the bytes arrive (a declared length above it is refused unread).
async fn fetch_document(request: reqwest::RequestBuilder) -> Result<Fetched, FetchFailure> {
    let mut response = send_with_retry(request).await?;
    match response.status() {
        reqwest::StatusCode::NOT_MODIFIED => Ok(Fetched::NotModified),
        reqwest::StatusCode::NOT_FOUND | reqwest::StatusCode::GONE => Ok(Fetched::NotFound),
        status if status.is_success() => {
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let etag = header("etag");
            let content_type = header("content-type");
            let too_large = || FetchFailure::new(format!("the document is larger than {MAX_DOCUMENT_BYTES} bytes"));
            if response.content_length().is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64) {
                return Err(too_large());
            }
            let mut bytes = bytes::BytesMut::new();
            while let Some(chunk) = response.chunk().await? {
                if bytes.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(Fetched::Document { bytes: bytes.freeze(), etag, content_type })
        }
        status if is_throttled(status) => Err(FetchFailure {
            throttled: Some(retry_after(&response)),
            ..FetchFailure::new(format!("it answered HTTP {status}"))
        }),
        status => Err(FetchFailure::new(format!("it answered HTTP {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_are_told_apart() {
        for local in [
            "127.0.0.1",
            "127.8.0.1",
            "0.0.0.0",
            "169.254.169.254",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(is_local(local.parse().expect("an address")), "{local}");
        }
        for remote in ["10.0.0.5", "192.168.1.10", "8.8.8.8", "2001:db8::1", "fd00::1"] {
            assert!(!is_local(remote.parse().expect("an address")), "{remote}");
        }
        let host = |url: &str| local_host(&url::Url::parse(url).expect("a URL"));
        assert_eq!(host("http://localhost:8080/"), Some("localhost".to_owned()));
        assert_eq!(host("http://api.localhost/"), Some("api.localhost".to_owned()));
        assert_eq!(host("http://[::1]:80/"), Some("::1".to_owned()));
        assert_eq!(host("https://registry.npmjs.org/"), None);
    }

    #[tokio::test]
    async fn the_guarded_resolver_refuses_a_name_of_this_machine() {
        use reqwest::dns::Resolve as _;
        let name: reqwest::dns::Name = "localhost".parse().expect("a name");
        let refused = GuardedResolver.resolve(name).await.err().expect("localhost is refused");
        assert!(refused.to_string().contains("local address"), "{refused}");
    }

    #[tokio::test]
    async fn a_domain_connection_is_not_sent_to_a_local_address() {
        let upstreams = Upstreams::new(UpstreamSettings::default(), None).expect("a client");
        let corp = Remote::new("npm:corp", "https://registry.example", None);
        let refused = upstreams.client_for(&corp, "http://127.0.0.1:9/x").expect_err("refused");
        assert!(refused.message.contains("local address"), "{}", refused.message);
        assert!(upstreams.client_for(&corp, "https://registry.example/x").is_ok());
        // The operator's own connections are trusted with any address (a mirror on this machine).
        let public = upstreams.known_remote("public:npmjs");
        assert!(upstreams.client_for(&public, "http://127.0.0.1:9/x").is_ok());
    }
}
