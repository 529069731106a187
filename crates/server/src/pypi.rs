//! The Python package index of each repository: `/pypi/{domain}/{repository}/...`.
//!
//! - `simple/` and `simple/{project}/`: the simple API, PEP 503 HTML or PEP 691 JSON by `Accept`
//!   (or `?format=`); a project name that is not normalized redirects to the normalized one.
//! - `files/{project}/{version}/{filename}` (GET, HEAD): a file, and `{wheel}.metadata` its core
//!   metadata (PEP 658).
//! - `POST` at the endpoint root (also `legacy/`): the upload API that `twine upload` uses. The
//!   multipart body streams: its text fields are kept, the file part is spooled to an anonymous
//!   temporary file (bounded by `max_upload_bytes`) that the format reads and the blob store
//!   takes.
//!
//! Errors are plain text with the message also as the HTTP reason phrase, which is what twine
//! and pip print; 401 asks for Basic credentials (any user name, a token as the password).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::TryStreamExt;
use tributary_engine::RepoTarget;
use tributary_format_pypi::registry::{self, UploadedFile};
use tributary_format_pypi::simple::{SimpleFormat, negotiate};
use tributary_model::{ErrorKind, ServiceError};

use crate::AppState;
use crate::data_plane::{authenticate, plain_error, read_bounded, repository_of, spool, stream, with_etag};

/// What to do without credentials.
const LOGIN_HINT: &str = "this repository needs credentials: run `aws codeartifact login --tool pip` (or `--tool twine`), or use a token from `aws codeartifact get-authorization-token` as the password (any user name)";

/// The most text an upload form may carry besides its file (descriptions are readmes).
const MAX_FORM_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// A request under the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    /// The endpoint root or `legacy/`: uploads.
    Upload,
    /// `simple` without its slash.
    IndexNoSlash,
    /// `simple/`.
    Index,
    /// `simple/{project}` or `simple/{project}/`, with whether the slash was there.
    Project { project: String, slash: bool },
    /// `files/{project}/{version}/{filename}`.
    File { project: String, version: String, filename: String },
}

impl Route {
    /// The endpoint's name in metrics.
    fn name(&self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::IndexNoSlash | Self::Index => "index",
            Self::Project { .. } => "project",
            Self::File { filename, .. } if registry::is_core_metadata(filename) => "core-metadata",
            Self::File { .. } => "file",
        }
    }

    /// Parses the path after `/pypi/{domain}/{repository}`.
    fn parse(tail: &str) -> Option<Self> {
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned());
        let tail = tail.strip_prefix('/').unwrap_or(tail);
        match tail {
            "" | "legacy" | "legacy/" => return Some(Self::Upload),
            "simple" => return Some(Self::IndexNoSlash),
            "simple/" => return Some(Self::Index),
            _ => {}
        }
        if let Some(rest) = tail.strip_prefix("simple/") {
            let (project, slash) = match rest.strip_suffix('/') {
                Some(p) => (p, true),
                None => (rest, false),
            };
            let project = decode(project)?;
            if project.is_empty() || project.contains('/') {
                return None;
            }
            return Some(Self::Project { project, slash });
        }
        let rest = tail.strip_prefix("files/")?;
        let mut parts = rest.split('/');
        let (project, version, filename) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [project, version, filename].iter().any(|p| p.is_empty()) {
            return None;
        }
        let filename = decode(filename)?;
        if filename.contains('/') || filename.contains('\\') || filename.starts_with('.') {
            return None;
        }
        Some(Self::File { project: decode(project)?, version: decode(version)?, filename })
    }
}

/// Serves every request under `/pypi/{domain}/{repository}/`.
pub async fn handle(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let started = std::time::Instant::now();
    let response = match serve(&req, payload, &state).await {
        Ok(response) => response,
        Err(err) => plain_error(&err, "the PyPI endpoint"),
    };
    let endpoint = crate::ops::endpoint_of(&req);
    state.metrics.observe(crate::ops::Plane::Pypi, endpoint, response.status().as_u16(), started.elapsed());
    response
}

async fn serve(req: &HttpRequest, payload: web::Payload, state: &AppState) -> Result<HttpResponse, ServiceError> {
    let (domain, repository, tail) = repository_of(req, "pypi")?;
    let prefix = format!("/pypi/{domain}/{repository}");
    let route = Route::parse(tail).ok_or_else(|| {
        ServiceError::new(
            ErrorKind::NotFound,
            format!("`{} {tail}` is not a Python package index request", req.method()),
        )
    })?;
    crate::ops::name_endpoint(req, route.name());
    let method = req.method().as_str();
    // Redirects need no credentials: they only spell the URL the client should ask.
    let query = match req.query_string() {
        "" => String::new(),
        query => format!("?{query}"),
    };
    match &route {
        Route::IndexNoSlash => return Ok(redirect(&format!("{prefix}/simple/{query}"))),
        Route::Project { project, slash } => {
            let normalized = tributary_format_pypi::name::normalize(project);
            if normalized != *project || !slash {
                return Ok(redirect(&format!("{prefix}/simple/{normalized}/{query}")));
            }
        }
        _ => {}
    }
    let caller = authenticate(req, state, LOGIN_HINT).await?;
    let service = &state.service;
    let target = service.repo_target(&caller, &domain, &repository).await?;
    let endpoint = format!("{}{prefix}/", crate::control::public_url(req, state));
    match (method, route) {
        ("GET" | "HEAD", Route::Index) => {
            let format = simple_format(req)?;
            let body = registry::index_page(service, &target, format).await?;
            Ok(HttpResponse::Ok().content_type(format.content_type()).insert_header(vary()).body(body))
        }
        ("GET" | "HEAD", Route::Project { project, .. }) => {
            let format = simple_format(req)?;
            let document = registry::project_page(service, &target, &project, format, &endpoint).await?;
            let mut response = with_etag(req, &document, format.content_type());
            response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept, Accept-Encoding"));
            Ok(response)
        }
        ("GET" | "HEAD", Route::File { project, version, filename }) => {
            let asset = registry::download(service, &target, &project, &version, &filename).await?;
            state.metrics.count_pypi_download(registry::is_core_metadata(&filename));
            Ok(stream(asset))
        }
        ("POST", Route::Upload) => upload(req, payload, state, &target).await,
        (method, route) => Err(ServiceError::new(
            ErrorKind::NotFound,
            format!("`{method}` is not supported for {route:?} on the PyPI endpoint"),
        )),
    }
}

fn vary() -> (header::HeaderName, &'static str) {
    (header::VARY, "Accept")
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((header::LOCATION, location.to_owned())).finish()
}

/// The simple API's form for this request (PEP 691 negotiation); 406 when none fits.
fn simple_format(req: &HttpRequest) -> Result<SimpleFormat, ServiceError> {
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    // Not form decoding: `+` is a literal plus in `?format=application/vnd.pypi.simple.v1+json`.
    let format_query = req.query_string().split('&').find_map(|pair| {
        let value = pair.strip_prefix("format=")?;
        percent_encoding::percent_decode_str(value).decode_utf8().ok().map(|v| v.into_owned())
    });
    negotiate(accept, format_query.as_deref()).ok_or_else(|| {
        ServiceError::new(
            ErrorKind::NotAcceptable,
            format!(
                "none of the accepted types `{}` is served here: ask for `application/vnd.pypi.simple.v1+json`, `application/vnd.pypi.simple.v1+html` or `text/html`",
                accept.unwrap_or_default()
            ),
        )
    })
}

/// `:action=file_upload`: the form's text fields, and its `content` file spooled to disk.
async fn upload(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    target: &RepoTarget,
) -> Result<HttpResponse, ServiceError> {
    let limit = state.max_upload_bytes;
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!(
                "the upload is larger than this server accepts ({limit} bytes); raise `max_upload_bytes` to allow it"
            ),
        )
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(MAX_FORM_TEXT_BYTES as u64)) {
        return Err(too_large());
    }
    let bad_form = |e: actix_multipart::MultipartError| {
        ServiceError::validation(format!("the upload is not a valid multipart/form-data body: {e}"))
    };
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut text_bytes = 0usize;
    let mut file: Option<UploadedFile> = None;
    while let Some(mut field) = form.try_next().await.map_err(bad_form)? {
        let disposition = field.content_disposition().cloned();
        let name = disposition.as_ref().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        let filename = disposition.as_ref().and_then(|d| d.get_filename()).map(str::to_owned);
        match (name.as_str(), filename) {
            ("content", Some(filename)) => {
                if file.is_some() {
                    return Err(ServiceError::validation(
                        "the upload carries more than one `content` file; send one file per request",
                    ));
                }
                let (spooled, size) = spool(&mut field, limit, too_large).await?;
                file = Some(UploadedFile { filename, file: spooled, size });
            }
            _ => {
                let value = read_bounded(&mut field, MAX_FORM_TEXT_BYTES - text_bytes, || {
                    ServiceError::validation(format!(
                        "the upload form's text fields exceed {MAX_FORM_TEXT_BYTES} bytes; shorten the description"
                    ))
                })
                .await?;
                text_bytes += value.len();
                let value = String::from_utf8(value)
                    .map_err(|_| ServiceError::validation(format!("the form field `{name}` is not UTF-8 text")))?;
                fields.push((name, value));
            }
        }
    }
    let file = file
        .ok_or_else(|| ServiceError::validation("the upload has no `content` file part; upload with `twine upload`"))?;
    registry::upload(&state.service, target, &fields, file).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("OK\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let file = |p: &str, v: &str, f: &str| {
            Some(Route::File { project: p.to_owned(), version: v.to_owned(), filename: f.to_owned() })
        };
        let project = |p: &str, slash| Some(Route::Project { project: p.to_owned(), slash });
        let table: &[(&str, Option<Route>)] = &[
            ("", Some(Route::Upload)),
            ("/", Some(Route::Upload)),
            ("/legacy/", Some(Route::Upload)),
            ("/simple", Some(Route::IndexNoSlash)),
            ("/simple/", Some(Route::Index)),
            ("/simple/requests/", project("requests", true)),
            ("/simple/Requests", project("Requests", false)),
            ("/simple/a%2Fb/", None),
            ("/simple/a/b/", None),
            ("/files/demo/1.0/demo-1.0-py3-none-any.whl", file("demo", "1.0", "demo-1.0-py3-none-any.whl")),
            ("/files/demo/1.0/demo-1.0.tar.gz.metadata", file("demo", "1.0", "demo-1.0.tar.gz.metadata")),
            ("/files/demo/1.0/..%2Fetc%2Fpasswd", None),
            ("/files/demo/1.0/.hidden", None),
            ("/files/demo/1.0/", None),
            ("/files/demo/1.0/a/b", None),
            ("/other", None),
        ];
        for (tail, expected) in table {
            assert_eq!(&Route::parse(tail), expected, "{tail}");
        }
    }
}
