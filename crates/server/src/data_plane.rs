//! The one adapter between actix-web and every package format's
//! [`DataPlane`](tributary_engine::data_plane::DataPlane): the same steps for every format, in
//! this order (docs/ARCHITECTURE.md, "The format seam"):
//!
//! 1. split `/{format}/{domain}/{repository}{tail}` (static prefixes: no pattern match);
//! 2. let the format parse method and path into its endpoint (no body read);
//! 3. authenticate and find the repository by the endpoint's declared access, before a byte of
//!    the body is read (an anonymous client cannot make the server buffer anything);
//! 4. let the format serve it, reading the body only now, as a stream;
//! 5. render a failure through the format, in its protocol; count and time the request by
//!    format and endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode as ActixStatus;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::future::LocalBoxFuture;
use futures::{SinkExt as _, StreamExt as _};
use tributary_engine::data_plane::http::Method;
use tributary_engine::data_plane::{
    Access, BodyStream, Context, DataPlane, Endpoint as _, Request, RequestBody, RequestHeaders, Response, ResponseBody,
};
use tributary_engine::formats::FormatAdapter;
use tributary_model::view::RepositoryView;
use tributary_model::{DomainName, ErrorKind, RepositoryName, ServiceError};

use crate::AppState;

/// A format as the server mounts it: its [`DataPlane`] with the endpoint type erased.
pub trait MountedPlane: Send + Sync {
    /// The first path segment (`npm`).
    fn prefix(&self) -> &'static str;
    /// Its resolver adapter, for the engine.
    fn adapter(&self) -> Arc<dyn FormatAdapter>;
    /// The download kinds it counts.
    fn download_kinds(&self) -> &'static [&'static str];
    /// Serves one request under `/{prefix}/`.
    fn handle<'a>(
        &'a self,
        req: &'a HttpRequest,
        payload: web::Payload,
        state: &'a AppState,
    ) -> LocalBoxFuture<'a, HttpResponse>;
}

impl std::fmt::Debug for dyn MountedPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MountedPlane({})", self.prefix())
    }
}

/// `plane`, ready to mount (see [`crate::planes`]).
pub fn mount<P: DataPlane>(plane: P) -> Arc<dyn MountedPlane> {
    Arc::new(Mounted(plane))
}

struct Mounted<P>(P);

/// What one request was, for the metrics.
struct Served {
    response: Response,
    endpoint: &'static str,
    download_kind: Option<&'static str>,
}

impl<P: DataPlane> MountedPlane for Mounted<P> {
    fn prefix(&self) -> &'static str {
        self.0.prefix()
    }

    fn adapter(&self) -> Arc<dyn FormatAdapter> {
        self.0.adapter()
    }

    fn download_kinds(&self) -> &'static [&'static str] {
        self.0.download_kinds()
    }

    fn handle<'a>(
        &'a self,
        req: &'a HttpRequest,
        payload: web::Payload,
        state: &'a AppState,
    ) -> LocalBoxFuture<'a, HttpResponse> {
        Box::pin(async move {
            let started = std::time::Instant::now();
            let served = self.serve(req, payload, state).await;
            let status = served.response.status.as_u16();
            let prefix = self.0.prefix();
            state.metrics.observe(prefix, served.endpoint, status, started.elapsed());
            if let Some(kind) = served.download_kind
                && served.response.status.is_success()
            {
                state.metrics.count_download(prefix, kind);
            }
            to_actix(served.response, req.method() == actix_web::http::Method::HEAD)
        })
    }
}

impl<P: DataPlane> Mounted<P> {
    async fn serve(&self, req: &HttpRequest, payload: web::Payload, state: &AppState) -> Served {
        let plane = &self.0;
        let failed = |err: ServiceError, endpoint: &'static str, download_kind: Option<&'static str>| {
            if err.kind == ErrorKind::Internal {
                tracing::error!(error.message = %err.message, format = plane.prefix(), endpoint, "internal error");
            }
            Served { response: plane.error(&err), endpoint, download_kind }
        };
        let headers = ActixHeaders(req.headers());
        let request = match request_of(req, &headers, plane.prefix(), state) {
            Ok(request) => request,
            Err(err) => return failed(err, "unknown", None),
        };
        let endpoint = match plane.parse(&request) {
            Ok(endpoint) => endpoint,
            Err(err) => return failed(err, "unknown", None),
        };
        let (name, download_kind) = (endpoint.name(), endpoint.download_kind());
        let authorized = match endpoint.access() {
            Access::Anonymous => None,
            access => match state.service.authorize_data_plane(&request, access, plane.login_hint()).await {
                Ok(authorized) => Some(authorized),
                Err(err) => return failed(err, name, download_kind),
            },
        };
        let body = RequestBody::new(move || pump(payload));
        let cx = Context {
            service: &state.service,
            request: &request,
            authorized: authorized.as_ref().map(|(caller, target)| (caller, target)),
            max_upload_bytes: state.max_upload_bytes,
        };
        match plane.serve(cx, endpoint, body).await {
            Ok(response) => Served { response, endpoint: name, download_kind },
            Err(err) => failed(err, name, download_kind),
        }
    }
}

/// An actix request's headers, as a format reads them.
struct ActixHeaders<'a>(&'a actix_web::http::header::HeaderMap);

impl RequestHeaders for ActixHeaders<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The request's parts as the format reads them.
fn request_of<'a>(
    req: &'a HttpRequest,
    headers: &'a ActixHeaders<'a>,
    format: &str,
    state: &AppState,
) -> Result<Request<'a>, ServiceError> {
    let (domain, repository, view, tail) = repository_of(req, format)?;
    let method = Method::from_bytes(req.method().as_str().as_bytes()).map_err(|_| {
        ServiceError::new(ErrorKind::NotFound, format!("`{}` is not a method served here", req.method()))
    })?;
    let path_prefix = match view {
        None => format!("/{format}/{domain}/{repository}"),
        Some(view) => format!("/{format}/{domain}/{repository}@{view}"),
    };
    Ok(Request {
        method,
        public_base: format!("{}{path_prefix}", crate::control::public_url(req, state)),
        path_prefix,
        domain,
        repository,
        view,
        tail,
        query: req.query_string(),
        headers,
    })
}

/// A data-plane request's repository, from its path `/{format}/{domain}/{repository}{tail}`:
/// the names, checked, the view when the repository is written `REPOSITORY@VIEW`, and the tail
/// (empty, or from the `/` after the repository on).
pub(crate) fn repository_of<'a>(
    req: &'a HttpRequest,
    format: &str,
) -> Result<(DomainName, RepositoryName, Option<RepositoryView>, &'a str), ServiceError> {
    let path = req.uri().path();
    let rest = path.strip_prefix('/').and_then(|p| p.strip_prefix(format)).and_then(|p| p.strip_prefix('/'));
    let mut parts = rest.unwrap_or_default().splitn(3, '/');
    let (domain, repository) = match (parts.next(), parts.next()) {
        (Some(domain), Some(repository)) if !domain.is_empty() && !repository.is_empty() => (domain, repository),
        _ => {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("`{path}` names no repository: the {format} endpoint is /{format}/DOMAIN/REPOSITORY/"),
            ));
        }
    };
    let tail = &path[1 + format.len() + 1 + domain.len() + 1 + repository.len()..];
    let (repository, view) = match repository.split_once('@') {
        None => (repository, None),
        Some((name, view)) => {
            let view = RepositoryView::parse(view).ok_or_else(|| {
                ServiceError::new(
                    ErrorKind::NotFound,
                    format!("a repository has no view `@{view}`: its views are `@local`, `@prerelease` and `@release`"),
                )
            })?;
            (name, Some(view))
        }
    };
    Ok((DomainName::parse(domain)?, RepositoryName::parse(repository)?, view, tail))
}

/// The request body as a stream the format may hold across threads: the server's body is read
/// on this worker and handed over a small channel, part by part, as the format asks. A format
/// that stops reading stops the reading here.
pub(crate) fn pump(mut payload: web::Payload) -> BodyStream {
    let (mut sender, receiver) = futures::channel::mpsc::channel::<std::io::Result<bytes::Bytes>>(2);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let end = chunk.is_err();
            if sender.send(chunk).await.is_err() || end {
                break;
            }
        }
    });
    Box::pin(receiver)
}

/// `body`, failing once more than `limit` bytes have passed (after a `Content-Length` check,
/// for a body sent without one).
pub(crate) fn bounded(body: BodyStream, limit: u64) -> BodyStream {
    let mut seen = 0u64;
    Box::pin(body.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            return Err(std::io::Error::other(format!(
                "the upload is larger than this server accepts ({limit} bytes)"
            )));
        }
        Ok(chunk)
    }))
}

/// A format's response as actix-web writes it.
pub(crate) fn to_actix(response: Response, head: bool) -> HttpResponse {
    if let Some(location) = response.redirect.as_ref().filter(|_| !head) {
        // The same bytes from the blob store (a presigned URL, signed for `GET`): the client
        // follows, without its credentials for this server. The stream is never opened.
        let mut builder = HttpResponse::TemporaryRedirect();
        builder.append_header(("location", location.as_bytes()));
        if let Some(etag) = response.headers.get("etag") {
            builder.append_header(("etag", etag.as_bytes()));
        }
        return builder.finish();
    }
    let status = ActixStatus::from_u16(response.status.as_u16()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if let Some(reason) = response.reason.as_deref().and_then(reason_phrase) {
        builder.reason(reason);
    }
    for (name, value) in &response.headers {
        builder.append_header((name.as_str(), value.as_bytes()));
    }
    match response.body {
        ResponseBody::Empty => builder.finish(),
        ResponseBody::Bytes(bytes) if bytes.len() <= LARGE_DOCUMENT => builder.body(bytes),
        ResponseBody::Bytes(bytes) => {
            // A large document goes out in slices of the one shared copy: the server copies what
            // it writes into each connection's buffer, and 64 clients of a 9 MB packument would
            // otherwise hold 64 copies of it at once.
            builder.no_chunking(bytes.len() as u64);
            let slices = (0..bytes.len())
                .step_by(SLICE)
                .map(move |start| Ok::<_, std::io::Error>(bytes.slice(start..(start + SLICE).min(bytes.len()))));
            builder.streaming(futures::stream::iter(slices.collect::<Vec<_>>()))
        }
        ResponseBody::Stream { size, stream } => {
            // For `HEAD` the server sends the headers only, with the length of the body it
            // would send.
            if let Some(size) = size {
                builder.no_chunking(size);
            }
            builder.streaming(stream)
        }
    }
}

/// Bodies above this size are written in slices of [`SLICE`] bytes.
const LARGE_DOCUMENT: usize = 1024 * 1024;
const SLICE: usize = 64 * 1024;

/// The message as a reason phrase: one line of visible ASCII, at most 400 characters.
/// Reason phrases must be `'static`; distinct messages are kept (leaked) up to a bound, after
/// which errors keep the standard phrase and carry the message in the body only.
fn reason_phrase(message: &str) -> Option<&'static str> {
    const MAX_KEPT: usize = 4096;
    static KEPT: Mutex<Option<HashMap<String, &'static str>>> = Mutex::new(None);
    let clean: String = message
        .chars()
        .map(|c| match c {
            c if c.is_ascii_graphic() || c == ' ' => c,
            '\u{2014}' | '\u{2013}' => '-',
            _ => ' ',
        })
        .take(400)
        .collect();
    let mut kept = KEPT.lock().ok()?;
    let kept = kept.get_or_insert_with(HashMap::new);
    if let Some(found) = kept.get(&clean) {
        return Some(found);
    }
    if kept.len() >= MAX_KEPT {
        return None;
    }
    let leaked: &'static str = Box::leak(clean.clone().into_boxed_str());
    kept.insert(clean, leaked);
    Some(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_are_one_clean_line() {
        let phrase = reason_phrase("bad `x`\r\nInjected: header").expect("kept");
        assert_eq!(phrase, "bad `x`  Injected: header");
        assert!(std::ptr::eq(phrase, reason_phrase("bad `x`\r\nInjected: header").expect("kept")));
        let long = "é".repeat(1000);
        assert!(reason_phrase(&long).expect("kept").len() <= 400);
    }

    #[test]
    fn a_repository_path_splits_into_names_and_tail() {
        let split = |path: &str, format: &str| {
            let req = actix_web::test::TestRequest::get().uri(path).to_http_request();
            repository_of(&req, format).map(|(d, r, _, tail)| (d.to_string(), r.to_string(), tail.to_owned()))
        };
        let ok = |d: &str, r: &str, tail: &str| Ok((d.to_owned(), r.to_owned(), tail.to_owned()));
        assert_eq!(split("/npm/dd/rr/lodash", "npm"), ok("dd", "rr", "/lodash"));
        assert_eq!(split("/npm/dd/rr/@s%2fn?write=true", "npm"), ok("dd", "rr", "/@s%2fn"));
        assert_eq!(split("/npm/dd/rr", "npm"), ok("dd", "rr", ""));
        assert_eq!(split("/pypi/dd/rr/", "pypi"), ok("dd", "rr", "/"));
        assert_eq!(split("/maven/dd/rr/com/acme/x/1/x-1.jar", "maven"), ok("dd", "rr", "/com/acme/x/1/x-1.jar"));
        for missing in ["/npm/dd", "/npm/dd/", "/npm//rr/x", "/npm"] {
            assert_eq!(split(missing, "npm").map_err(|e| e.kind), Err(ErrorKind::NotFound), "{missing}");
        }
        assert_eq!(split("/npm/DD/rr/x", "npm").map_err(|e| e.kind), Err(ErrorKind::Validation));
        let req = actix_web::test::TestRequest::get().uri("/npm/dd/rr@release/x").to_http_request();
        let (_, repository, view, tail) = repository_of(&req, "npm").expect("a view");
        assert_eq!((repository.as_str(), view, tail), ("rr", Some(RepositoryView::Release), "/x"));
        let req = actix_web::test::TestRequest::get().uri("/npm/dd/rr@nightly/x").to_http_request();
        assert_eq!(repository_of(&req, "npm").map_err(|e| e.kind).err(), Some(ErrorKind::NotFound));
    }
}
