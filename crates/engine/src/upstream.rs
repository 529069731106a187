//! Reading public registries through external connections, shared by every format.
//!
//! - Metadata documents are cached per URL, parsed by the format, for a TTL, and kept as
//!   last-known-good: after the TTL the next request revalidates (`If-None-Match` with the stored
//!   ETag); when the registry fails or times out, the stale document keeps being served.
//! - A 404 is cached too (negative cache), for the same TTL; errors are never cached.
//! - Concurrent requests for one URL wait on one lock: one upstream request, the rest read what
//!   it brought (single flight).
//! - Each connection records its health: last success, last error.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use moka::future::Cache;
use tributary_model::{ErrorKind, ExternalConnection, ServiceError};

use crate::formats::{ExternalPackage, FormatAdapter};

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
    /// How long to wait for a registry to answer.
    pub timeout: Duration,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self { urls: BTreeMap::new(), metadata_ttl: Duration::from_secs(300), timeout: Duration::from_secs(30) }
    }
}

#[derive(Debug)]
struct CachedDoc {
    package: Option<Arc<ExternalPackage>>,
    etag: Option<String>,
    fetched_at: Instant,
}

/// The client of every external connection.
#[derive(Debug)]
pub(crate) struct Upstreams {
    client: reqwest::Client,
    settings: UpstreamSettings,
    docs: Cache<String, Arc<tokio::sync::Mutex<Option<CachedDoc>>>>,
    health: Mutex<BTreeMap<String, ConnectionHealth>>,
}

/// The largest metadata document read from a registry.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

impl Upstreams {
    pub(crate) fn new(settings: UpstreamSettings) -> Result<Self, ServiceError> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("tributary/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ServiceError::internal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            settings,
            docs: Cache::builder().max_capacity(100_000).build(),
            health: Mutex::new(BTreeMap::new()),
        })
    }

    /// The base URL of a connection, without a trailing slash.
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
        connection: &str,
        url: &str,
        adapter: &dyn FormatAdapter,
    ) -> Result<Option<Arc<ExternalPackage>>, ServiceError> {
        let slot = self.docs.get_with(url.to_owned(), async { Arc::new(tokio::sync::Mutex::new(None)) }).await;
        let mut cached = slot.lock().await;
        if let Some(doc) = cached.as_ref()
            && doc.fetched_at.elapsed() < self.settings.metadata_ttl
        {
            return Ok(doc.package.clone());
        }
        let mut request =
            self.client.get(url).timeout(self.settings.timeout).header("accept", adapter.metadata_accept());
        if let Some(etag) = cached.as_ref().and_then(|d| d.etag.as_deref()) {
            request = request.header("if-none-match", etag);
        }
        let outcome = fetch_document(request).await;
        match outcome {
            Ok(Fetched::NotModified) => {
                self.record(connection, Ok(()));
                if let Some(doc) = cached.as_mut() {
                    doc.fetched_at = Instant::now();
                    return Ok(doc.package.clone());
                }
                Ok(None)
            }
            Ok(Fetched::NotFound) => {
                self.record(connection, Ok(()));
                *cached = Some(CachedDoc { package: None, etag: None, fetched_at: Instant::now() });
                Ok(None)
            }
            Ok(Fetched::Document { bytes, etag, content_type }) => {
                let parsed = adapter.parse_upstream(&bytes, content_type.as_deref(), url).map_err(|e| {
                    let message = format!("`{connection}` answered `{url}` with a document that cannot be read: {e}");
                    self.record(connection, Err(message.clone()));
                    ServiceError::new(ErrorKind::BadGateway, message)
                });
                match parsed {
                    Ok(package) => {
                        self.record(connection, Ok(()));
                        let package = Arc::new(package);
                        *cached = Some(CachedDoc { package: Some(package.clone()), etag, fetched_at: Instant::now() });
                        Ok(Some(package))
                    }
                    Err(e) => stale_or(cached.as_ref(), e),
                }
            }
            Err(failure) => {
                let message = format!("`{connection}` could not be reached for `{url}`: {failure}");
                self.record(connection, Err(message.clone()));
                let kind = if failure.timed_out { ErrorKind::GatewayTimeout } else { ErrorKind::BadGateway };
                stale_or(cached.as_ref(), ServiceError::new(kind, message))
            }
        }
    }

    /// A small file (a checksum) at `url` of `connection`; `None` when the registry has none.
    pub(crate) async fn small_file(&self, connection: &str, url: &str) -> Result<Option<bytes::Bytes>, ServiceError> {
        let request = self.client.get(url).timeout(self.settings.timeout);
        match fetch_document(request).await {
            Ok(Fetched::Document { bytes, .. }) if bytes.len() <= 64 * 1024 => {
                self.record(connection, Ok(()));
                Ok(Some(bytes))
            }
            Ok(Fetched::Document { .. }) => Err(ServiceError::new(
                ErrorKind::BadGateway,
                format!("`{connection}` answered `{url}` with a huge file"),
            )),
            Ok(Fetched::NotFound | Fetched::NotModified) => Ok(None),
            Err(failure) => {
                let message = format!("`{connection}` could not be reached for `{url}`: {failure}");
                self.record(connection, Err(message.clone()));
                let kind = if failure.timed_out { ErrorKind::GatewayTimeout } else { ErrorKind::BadGateway };
                Err(ServiceError::new(kind, message))
            }
        }
    }

    /// Opens a download of `url` from `connection`.
    pub(crate) async fn open(&self, connection: &str, url: &str) -> Result<reqwest::Response, ServiceError> {
        let response = self.client.get(url).timeout(Duration::from_secs(3600)).send().await;
        match response {
            Ok(r) if r.status().is_success() => {
                self.record(connection, Ok(()));
                Ok(r)
            }
            Ok(r) => {
                let message = format!("`{connection}` answered {} for `{url}`", r.status());
                self.record(connection, Err(message.clone()));
                let kind = if r.status() == reqwest::StatusCode::NOT_FOUND {
                    ErrorKind::NotFound
                } else {
                    ErrorKind::BadGateway
                };
                Err(ServiceError::new(kind, message))
            }
            Err(e) => {
                let message = format!("`{connection}` could not be reached for `{url}`: {e}");
                self.record(connection, Err(message.clone()));
                let kind = if e.is_timeout() { ErrorKind::GatewayTimeout } else { ErrorKind::BadGateway };
                Err(ServiceError::new(kind, message))
            }
        }
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
}

impl std::fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

async fn fetch_document(request: reqwest::RequestBuilder) -> Result<Fetched, FetchFailure> {
    let failure = |e: reqwest::Error| FetchFailure { timed_out: e.is_timeout(), message: e.to_string() };
    let response = request.send().await.map_err(failure)?;
    match response.status() {
        reqwest::StatusCode::NOT_MODIFIED => Ok(Fetched::NotModified),
        reqwest::StatusCode::NOT_FOUND | reqwest::StatusCode::GONE => Ok(Fetched::NotFound),
        status if status.is_success() => {
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let etag = header("etag");
            let content_type = header("content-type");
            if response.content_length().is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64) {
                return Err(FetchFailure { message: "the document is too large".to_owned(), timed_out: false });
            }
            let bytes = response.bytes().await.map_err(failure)?;
            Ok(Fetched::Document { bytes, etag, content_type })
        }
        status => Err(FetchFailure { message: format!("it answered HTTP {status}"), timed_out: false }),
    }
}
