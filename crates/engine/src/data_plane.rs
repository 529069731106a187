//! The data-plane seam: what a package format implements to serve its protocol at
//! `/{format}/{domain}/{repository}/...`, free of any HTTP server (docs/ARCHITECTURE.md, "The
//! format seam").
//!
//! A format parses a request's method and path (never its body) into its own endpoint enum,
//! which names the endpoint (for metrics) and states the [`Access`] it needs; the server
//! authenticates by that access before it lets the format read a byte of the body, then calls
//! [`DataPlane::serve`] and, when that fails, renders the error with [`DataPlane::error`] in the
//! format's own protocol. Requests and responses are `http` types; bodies are streams.

use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt};
pub use http;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use tributary_model::{DomainName, ErrorKind, RepositoryName, ServiceError};

use crate::formats::FormatAdapter;
use crate::{AssetBody, Caller, Document, RepoTarget, Service};

/// What an endpoint needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing: it answers anyone (a ping, a redirect, a login that checks its own body).
    Anonymous,
    /// Reading the repository.
    Read,
    /// Publishing to the repository (and changing what it publishes: statuses).
    Publish,
    /// Changing a package's metadata (npm dist-tags).
    PutMetadata,
    /// Administering the repository (removing what was published).
    Admin,
}

impl Access {
    /// The action a policy must allow (docs/ARCHITECTURE.md, "Who may call what").
    pub fn action(self) -> Option<&'static str> {
        use crate::access::actions;
        match self {
            Self::Anonymous => None,
            Self::Read => Some(actions::READ_FROM_REPOSITORY),
            Self::Publish => Some(actions::PUBLISH_PACKAGE_VERSION),
            Self::PutMetadata => Some(actions::PUT_PACKAGE_METADATA),
            Self::Admin => Some(actions::DELETE_PACKAGE_VERSIONS),
        }
    }
}

/// An endpoint of a format, parsed from a request's method and path.
pub trait Endpoint: std::fmt::Debug {
    /// Its name in metrics (`packument`, `upload`, ...): a few words, fixed per endpoint.
    fn name(&self) -> &'static str;
    /// What the caller needs.
    fn access(&self) -> Access;
    /// For a download, the kind counted in `tributary_{format}_downloads_total` (one of
    /// [`DataPlane::download_kinds`]).
    fn download_kind(&self) -> Option<&'static str> {
        None
    }
}

/// A request's headers, as the server holds them (looked up, never copied).
pub trait RequestHeaders {
    /// The first value of the header `name` (lowercase), if present and text.
    fn get(&self, name: &str) -> Option<&str>;
}

impl RequestHeaders for HeaderMap {
    fn get(&self, name: &str) -> Option<&str> {
        HeaderMap::get(self, name).and_then(|v| v.to_str().ok())
    }
}

/// A request to a repository's endpoint, without its body; its parts borrowed from the
/// server's request.
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// The domain named in the path.
    pub domain: DomainName,
    /// The repository named in the path.
    pub repository: RepositoryName,
    /// The view named in the path (`REPOSITORY@release`), if any.
    pub view: Option<tributary_model::view::RepositoryView>,
    /// The path after `/{format}/{domain}/{repository}`, still percent-encoded: empty, or from
    /// a `/` on.
    pub tail: &'a str,
    /// The query string, without its `?` (empty when none).
    pub query: &'a str,
    /// The headers.
    pub headers: &'a dyn RequestHeaders,
    /// `/{format}/{domain}/{repository}`: the endpoint's path, for redirects.
    pub path_prefix: String,
    /// The endpoint's public URL (`{public_url}/{format}/{domain}/{repository}`, no trailing
    /// slash), for the URLs documents carry.
    pub public_base: String,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path_prefix", &self.path_prefix)
            .field("tail", &self.tail)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl Request<'_> {
    /// The header `name` (lowercase) as text, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The declared body length, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.header("content-length").and_then(|v| v.trim().parse().ok())
    }
}

/// A request body, as the chunks arrive.
pub type BodyStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// A request's body, not read until the format asks for it (after the caller is known).
pub struct RequestBody {
    open: Box<dyn FnOnce() -> BodyStream>,
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody").finish_non_exhaustive()
    }
}

impl RequestBody {
    /// A body that `open` starts reading.
    pub fn new(open: impl FnOnce() -> BodyStream + 'static) -> Self {
        Self { open: Box::new(open) }
    }

    /// The chunks.
    pub fn into_stream(self) -> BodyStream {
        (self.open)()
    }

    /// The whole body, refused with `too_large` past `limit` bytes (a declared length above it
    /// is refused before anything is read: pass it as `declared`). For documents, checksums,
    /// forms; files go through [`RequestBody::spool`].
    pub async fn read_bounded(
        self,
        declared: Option<u64>,
        limit: usize,
        too_large: impl Fn() -> ServiceError,
    ) -> Result<Vec<u8>, ServiceError> {
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        read_bounded(self.into_stream(), limit, too_large).await
    }

    /// The body written to an anonymous temporary file, refused with `too_large` past `limit`
    /// bytes: see [`spool`].
    pub async fn spool(
        self,
        limit: u64,
        too_large: impl Fn() -> ServiceError,
    ) -> Result<(std::fs::File, u64), ServiceError> {
        spool(self.into_stream(), limit, too_large).await
    }
}

/// A stream (a body, a part of one) read whole, refusing it with `too_large` past `limit` bytes.
pub async fn read_bounded<S, E>(
    mut body: S,
    limit: usize,
    too_large: impl Fn() -> ServiceError,
) -> Result<Vec<u8>, ServiceError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut whole = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ServiceError::validation(format!("the upload was cut short: {e}")))?;
        if whole.len() + chunk.len() > limit {
            return Err(too_large());
        }
        whole.extend_from_slice(&chunk);
    }
    Ok(whole)
}

/// Writes a stream (a body, a part of one) to an anonymous temporary file, refusing it with
/// `too_large` past `limit` bytes: uploads stream to disk, never into memory, and the file then
/// streams to the blob store. Returns the file, rewound, and its size.
pub async fn spool<S, E>(
    mut body: S,
    limit: u64,
    too_large: impl Fn() -> ServiceError,
) -> Result<(std::fs::File, u64), ServiceError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use tokio::io::AsyncWriteExt as _;
    let failed =
        |e: std::io::Error| ServiceError::internal(format!("cannot spool the upload to a temporary file: {e}"));
    let file = tempfile::tempfile().map_err(failed)?;
    let mut writer = tokio::fs::File::from_std(file.try_clone().map_err(failed)?);
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ServiceError::validation(format!("the upload was cut short: {e}")))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large());
        }
        writer.write_all(&chunk).await.map_err(failed)?;
    }
    writer.flush().await.map_err(failed)?;
    drop(writer);
    let mut file = file;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)).map_err(failed)?;
    Ok((file, size))
}

/// A spooled file as a stream of its bytes (for the blob store).
pub fn file_stream(file: std::fs::File) -> crate::content::BlobBodyIn {
    Box::pin(tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file)))
}

/// A response body.
pub enum ResponseBody {
    /// None.
    Empty,
    /// These bytes (a large one is written in slices of the one copy).
    Bytes(Bytes),
    /// A stream: of `size` bytes when known (sent with that length), else chunked. An error item
    /// aborts the response, so the client sees a failed download.
    Stream {
        /// Its length, when known.
        size: Option<u64>,
        /// The chunks.
        stream: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
    },
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Stream { size, .. } => write!(f, "Stream({size:?})"),
        }
    }
}

/// A response, as a format writes it.
#[derive(Debug)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// A reason phrase other than the status's standard one: pip, twine and Maven print it.
    pub reason: Option<String>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: ResponseBody,
    /// Where a `GET` of this file is sent instead (a presigned URL of the blob store): the HTTP
    /// layer answers a redirect there, and a `HEAD` with this response's headers.
    pub redirect: Option<HeaderValue>,
}

impl Response {
    /// An empty response with `status`.
    pub fn empty(status: StatusCode) -> Self {
        Self { status, reason: None, headers: HeaderMap::new(), body: ResponseBody::Empty, redirect: None }
    }

    /// `bytes` with `status` and `content_type`.
    pub fn bytes(status: StatusCode, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        Self::empty(status).header(header::CONTENT_TYPE, HeaderValue::from_static(content_type)).body(bytes)
    }

    /// 200 with a JSON body.
    pub fn json(bytes: impl Into<Bytes>) -> Self {
        Self::bytes(StatusCode::OK, "application/json", bytes)
    }

    /// 301 to `location`.
    pub fn redirect(location: &str) -> Self {
        let mut response = Self::empty(StatusCode::MOVED_PERMANENTLY);
        if let Ok(value) = HeaderValue::from_str(location) {
            response.headers.insert(header::LOCATION, value);
        }
        response
    }

    /// The same with the header `name` set to `value`.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The same with `bytes` as its body.
    pub fn body(mut self, bytes: impl Into<Bytes>) -> Self {
        self.body = ResponseBody::Bytes(bytes.into());
        self
    }

    /// A document with its strong ETag (`If-None-Match` with it answers 304), gzip-compressed
    /// when the client accepts it (compressed once, when the document was rendered).
    pub fn document(request: &Request, document: &Document, content_type: &str) -> Self {
        let etag = HeaderValue::from_str(&document.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        let matches = request.header("if-none-match").is_some_and(|v| v.split(',').any(|t| t.trim() == document.etag));
        if matches {
            return Self::empty(StatusCode::NOT_MODIFIED).header(header::ETAG, etag);
        }
        let gzip = request
            .header("accept-encoding")
            .is_some_and(|v| v.split(',').any(|e| e.trim().split(';').next() == Some("gzip")));
        let content_type =
            HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("text/plain"));
        let mut response = Self::empty(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ETAG, etag)
            .header(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if gzip {
            response.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response.body(document.gzip.clone())
        } else {
            response.body(document.body.clone())
        }
    }

    /// An asset's bytes: stored ones with their length and ETag, fetched ones chunked.
    pub fn asset(asset: AssetBody) -> Self {
        let mut response = Self::empty(StatusCode::OK)
            .header(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
        if let Some(sha256) = asset.sha256
            && let Ok(etag) = HeaderValue::from_str(&format!("\"{sha256}\""))
        {
            response.headers.insert(header::ETAG, etag);
        }
        response.body = ResponseBody::Stream { size: asset.size, stream: asset.stream };
        response.redirect = asset.redirect.as_deref().and_then(|url| HeaderValue::from_str(url).ok());
        response
    }

    /// A plain-text error whose message is also the reason phrase (what pip, twine and Maven
    /// print of a failed request); a 401 asks for Basic credentials.
    pub fn plain_error(err: &ServiceError) -> Self {
        let status = status_of(err);
        let mut response = Self::bytes(status, "text/plain; charset=utf-8", format!("{}\n", err.message));
        response.reason = Some(err.message.clone());
        if status == StatusCode::UNAUTHORIZED {
            response.headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"tributary\""));
        }
        response.with_retry_after(err)
    }

    /// The same with `Retry-After` when `err` carries one.
    pub fn with_retry_after(mut self, err: &ServiceError) -> Self {
        if let Some(seconds) = err.retry_after {
            self.headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        self
    }
}

/// The HTTP status of an error on the data plane: its kind's, except that every kind of
/// missing or bad credentials is 401, the one status package managers answer by asking for (or
/// fetching) new credentials. Signature errors are control-plane words.
pub fn status_of(err: &ServiceError) -> StatusCode {
    match err.kind {
        ErrorKind::MissingAuthentication | ErrorKind::UnrecognizedClient | ErrorKind::InvalidSignature => {
            StatusCode::UNAUTHORIZED
        }
        kind => StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// What a format's handler is given besides its endpoint and body.
#[derive(Debug)]
pub struct Context<'a> {
    /// The repository service.
    pub service: &'a Service,
    /// The request.
    pub request: &'a Request<'a>,
    /// The caller and the repository, unless the endpoint is [`Access::Anonymous`].
    pub authorized: Option<(&'a Caller, &'a RepoTarget)>,
    /// The largest file a client may upload, in bytes.
    pub max_upload_bytes: u64,
}

impl<'a> Context<'a> {
    /// The caller and repository; an internal error for an anonymous endpoint, which has none.
    pub fn authorized(&self) -> Result<(&'a Caller, &'a RepoTarget), ServiceError> {
        self.authorized.ok_or_else(|| ServiceError::internal("an anonymous endpoint asked for its repository"))
    }

    /// The repository (see [`Context::authorized`]).
    pub fn target(&self) -> Result<&'a RepoTarget, ServiceError> {
        self.authorized().map(|(_, target)| target)
    }
}

/// A package format's protocol, both ways: what the server mounts at `/{prefix}/`.
///
/// `serve` is a native async method (no boxing per request): the server holds each format as
/// its concrete type, so no `Send` bound is asked of the futures (the server runs each request
/// on one thread).
#[expect(async_fn_in_trait, reason = "implemented by the format crates and called by the server only, on one thread")]
pub trait DataPlane: Send + Sync + 'static {
    /// Its endpoints.
    type Endpoint: Endpoint;

    /// The first path segment it is mounted at (`npm`), also its label in metrics.
    fn prefix(&self) -> &'static str;

    /// Its resolver adapter, for the engine.
    fn adapter(&self) -> Arc<dyn FormatAdapter>;

    /// What to do without credentials, said in the format's client's words.
    fn login_hint(&self) -> &'static str;

    /// The download kinds its endpoints count (see [`Endpoint::download_kind`]).
    fn download_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// The endpoint `request` asks for, from its method and path; the format's 404 (or 405)
    /// when none.
    fn parse(&self, request: &Request<'_>) -> Result<Self::Endpoint, ServiceError>;

    /// Serves `endpoint`; the body is not read before this is called, and only then.
    async fn serve(
        &self,
        cx: Context<'_>,
        endpoint: Self::Endpoint,
        body: RequestBody,
    ) -> Result<Response, ServiceError>;

    /// `err` in the format's protocol.
    fn error(&self, err: &ServiceError) -> Response;
}

/// The caller's token from a data-plane request: `Authorization: Bearer <token>`, HTTP Basic
/// with the token as the password (any user name), or an API-key header (`X-NuGet-ApiKey`).
pub fn token_of(headers: &dyn RequestHeaders) -> Option<String> {
    let authorization = headers.get("authorization").unwrap_or_default();
    if let Some(token) = authorization.strip_prefix("Bearer ") {
        return Some(token.trim().to_owned());
    }
    if let Some(basic) = authorization.strip_prefix("Basic ") {
        use base64::Engine as _;
        return base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| pair.split_once(':').map(|(_, password)| password.to_owned()));
    }
    headers.get("x-nuget-apikey").map(|v| v.trim().to_owned())
}

impl Service {
    /// The caller and repository of a data-plane request that needs `access`: its token checked
    /// (a token that is invalid, expired or whose principal is gone asks for new credentials,
    /// 401, not 403, which clients word as a policy refusal; a valid token of another domain
    /// stays 403), and the repository found.
    pub async fn authorize_data_plane(
        &self,
        request: &Request<'_>,
        access: Access,
        login_hint: &str,
    ) -> Result<(Caller, RepoTarget), ServiceError> {
        let Some(action) = access.action() else {
            return Err(ServiceError::internal("an anonymous endpoint needs no caller"));
        };
        let caller = match token_of(request.headers) {
            Some(token) => self.authenticate_token(&token, chrono::Utc::now()).await.map_err(|err| match err.kind {
                ErrorKind::AccessDenied => ServiceError::new(ErrorKind::UnrecognizedClient, err.message),
                _ => err,
            })?,
            // Without credentials, only a public repository may be read.
            None if access == Access::Read && self.is_public_repository(request).await? => {
                Caller::anonymous(&request.domain)
            }
            None => return Err(ServiceError::new(ErrorKind::MissingAuthentication, login_hint)),
        };
        let mut target = self.repo_target(&caller, &request.domain, &request.repository).await?;
        if let Some(view) = request.view {
            if access != Access::Read {
                return Err(ServiceError::new(
                    ErrorKind::AccessDenied,
                    format!(
                        "`{}@{view}` is a view, which is read-only: publish to `{}` and promote the version into `@{view}`",
                        request.repository, request.repository
                    ),
                ));
            }
            target.view = Some(view);
        }
        // Decided in memory from the rules the target holds (docs/benchmarks.md, "Access
        // control on the warm path"). Anyone may read a public repository (what it holds:
        // pulling from upstream is `ReadFromUpstream`'s, checked where it would happen).
        if let Some(rules) = &target.rules
            && !(access == Access::Read && rules.is_public())
            && let Some(refusal) = rules.verdict(action, access != Access::Read)
        {
            return Err(ServiceError::new(ErrorKind::AccessDenied, refusal.message));
        }
        Ok((caller, target))
    }

    /// Whether the request's repository is public (an unknown one is not).
    async fn is_public_repository(&self, request: &Request<'_>) -> Result<bool, ServiceError> {
        let domain = match self.cached_domain(&request.domain).await {
            Ok(domain) => domain,
            Err(e) if e.kind == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let graph = self.graph(&domain).await?;
        match graph.ids.get(request.repository.as_str()) {
            Some(id) => self.is_public(&domain, id).await,
            None => Ok(false),
        }
    }
}
