//! The Python package index of each repository, `/pypi/{domain}/{repository}/...`, on the
//! engine's data-plane seam.
//!
//! - `simple/` and `simple/{project}/`: the simple API, PEP 503 HTML or PEP 691 JSON by `Accept`
//!   (or `?format=`); a project name that is not normalized redirects to the normalized one, as
//!   does `simple` without its slash (redirects need no credentials: they only spell the URL).
//! - `files/{project}/{version}/{filename}` (GET, HEAD): a file, and `{wheel}.metadata` its core
//!   metadata (PEP 658).
//! - `POST` at the endpoint root (also `legacy/`): the upload API that `twine upload` uses. The
//!   multipart body streams: its text fields are kept, the file part is spooled to an anonymous
//!   temporary file (bounded by `max_upload_bytes`) that [`registry::upload`] reads.
//!
//! Errors are plain text with the message also as the HTTP reason phrase, which is what twine
//! and pip print; 401 asks for Basic credentials (any user name, a token as the password).

use std::sync::Arc;

use tributary_engine::data_plane::http::header::{self, HeaderValue};
use tributary_engine::data_plane::http::{Method, StatusCode};
use tributary_engine::data_plane::{
    Access, Context, DataPlane, Endpoint, Request, RequestBody, Response, read_bounded, spool,
};
use tributary_engine::formats::FormatAdapter;
use tributary_model::{ErrorKind, ServiceError};

use crate::registry::{self, UploadedFile};
use crate::simple::{SimpleFormat, negotiate};

/// The most text an upload form may carry besides its file (descriptions are readmes).
const MAX_FORM_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// What a PyPI request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PypiEndpoint {
    /// `POST` at the endpoint root or `legacy/`: an upload.
    Upload,
    /// `GET simple` without its slash: redirected to `simple/`.
    IndexRedirect,
    /// `GET simple/`.
    Index,
    /// `GET simple/{project}` not normalized or without its slash: redirected to the normalized
    /// name's page.
    ProjectRedirect { normalized: String },
    /// `GET simple/{project}/`, normalized.
    Project { project: String },
    /// `GET files/{project}/{version}/{filename}`.
    File { project: String, version: String, filename: String },
}

impl Endpoint for PypiEndpoint {
    fn name(&self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::IndexRedirect | Self::Index => "index",
            Self::ProjectRedirect { .. } | Self::Project { .. } => "project",
            Self::File { filename, .. } if registry::is_core_metadata(filename) => "core-metadata",
            Self::File { .. } => "file",
        }
    }

    fn access(&self) -> Access {
        match self {
            Self::IndexRedirect | Self::ProjectRedirect { .. } => Access::Anonymous,
            Self::Index | Self::Project { .. } | Self::File { .. } => Access::Read,
            Self::Upload => Access::Publish,
        }
    }

    fn download_kind(&self) -> Option<&'static str> {
        match self {
            Self::File { filename, .. } if registry::is_core_metadata(filename) => Some("metadata"),
            Self::File { .. } => Some("distribution"),
            _ => None,
        }
    }
}

impl PypiEndpoint {
    /// Parses a request's method and the path after `/pypi/{domain}/{repository}`.
    pub fn parse(method: &Method, tail: &str) -> Option<Self> {
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned());
        let tail = tail.strip_prefix('/').unwrap_or(tail);
        if *method == Method::POST {
            return matches!(tail, "" | "legacy" | "legacy/").then_some(Self::Upload);
        }
        if *method != Method::GET && *method != Method::HEAD {
            return None;
        }
        match tail {
            "simple" => return Some(Self::IndexRedirect),
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
            let normalized = crate::name::normalize(&project);
            if normalized != project || !slash {
                return Some(Self::ProjectRedirect { normalized });
            }
            return Some(Self::Project { project });
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

/// PyPI on the data plane.
#[derive(Debug, Clone, Copy, Default)]
pub struct PypiPlane;

impl DataPlane for PypiPlane {
    type Endpoint = PypiEndpoint;

    fn prefix(&self) -> &'static str {
        "pypi"
    }

    fn adapter(&self) -> Arc<dyn FormatAdapter> {
        Arc::new(registry::PypiAdapter)
    }

    fn login_hint(&self) -> &'static str {
        "this repository needs credentials: run `aws codeartifact login --tool pip` (or `--tool twine`), or use a token from `aws codeartifact get-authorization-token` as the password (any user name)"
    }

    fn download_kinds(&self) -> &'static [&'static str] {
        &["metadata", "distribution"]
    }

    fn parse(&self, request: &Request<'_>) -> Result<PypiEndpoint, ServiceError> {
        PypiEndpoint::parse(&request.method, request.tail).ok_or_else(|| {
            ServiceError::new(
                ErrorKind::NotFound,
                format!("`{} {}` is not a Python package index request", request.method, request.tail),
            )
        })
    }

    async fn serve(
        &self,
        cx: Context<'_>,
        endpoint: PypiEndpoint,
        body: RequestBody,
    ) -> Result<Response, ServiceError> {
        let request = cx.request;
        let service = cx.service;
        let query = match request.query {
            "" => String::new(),
            query => format!("?{query}"),
        };
        let prefix = &request.path_prefix;
        match endpoint {
            PypiEndpoint::IndexRedirect => Ok(Response::redirect(&format!("{prefix}/simple/{query}"))),
            PypiEndpoint::ProjectRedirect { normalized } => {
                Ok(Response::redirect(&format!("{prefix}/simple/{normalized}/{query}")))
            }
            PypiEndpoint::Index => {
                let format = simple_format(request)?;
                let body = registry::index_page(service, cx.target()?, format).await?;
                Ok(Response::bytes(StatusCode::OK, format.content_type(), body)
                    .header(header::VARY, HeaderValue::from_static("Accept")))
            }
            PypiEndpoint::Project { project } => {
                let format = simple_format(request)?;
                let endpoint = format!("{}/", request.public_base);
                let document = registry::project_page(service, cx.target()?, &project, format, &endpoint).await?;
                Ok(Response::document(request, &document, format.content_type())
                    .header(header::VARY, HeaderValue::from_static("Accept, Accept-Encoding")))
            }
            PypiEndpoint::File { project, version, filename } => {
                let asset = registry::download(service, cx.target()?, &project, &version, &filename).await?;
                Ok(Response::asset(asset))
            }
            PypiEndpoint::Upload => upload(&cx, body).await,
        }
    }

    fn error(&self, err: &ServiceError) -> Response {
        Response::plain_error(err)
    }
}

/// The simple API's form for this request (PEP 691 negotiation); 406 when none fits.
fn simple_format(request: &Request<'_>) -> Result<SimpleFormat, ServiceError> {
    let accept = request.header("accept");
    // Not form decoding: `+` is a literal plus in `?format=application/vnd.pypi.simple.v1+json`.
    let format_query = request.query.split('&').find_map(|pair| {
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
async fn upload(cx: &Context<'_>, body: RequestBody) -> Result<Response, ServiceError> {
    let request = cx.request;
    let limit = cx.max_upload_bytes;
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!(
                "the upload is larger than this server accepts ({limit} bytes); raise `max_upload_bytes` to allow it"
            ),
        )
    };
    if request.content_length().is_some_and(|n| n > limit.saturating_add(MAX_FORM_TEXT_BYTES as u64)) {
        return Err(too_large());
    }
    let bad_form =
        |e: multer::Error| ServiceError::validation(format!("the upload is not a valid multipart/form-data body: {e}"));
    let boundary = multer::parse_boundary(request.header("content-type").unwrap_or_default()).map_err(bad_form)?;
    let mut form = multer::Multipart::new(body.into_stream(), boundary);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut text_bytes = 0usize;
    let mut file: Option<UploadedFile> = None;
    while let Some(field) = form.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let mut field = Box::pin(field);
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
    registry::upload(cx.service, cx.target()?, &fields, file).await?;
    Ok(Response::bytes(StatusCode::OK, "text/plain; charset=utf-8", "OK\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let file = |p: &str, v: &str, f: &str| {
            Some(PypiEndpoint::File { project: p.to_owned(), version: v.to_owned(), filename: f.to_owned() })
        };
        let project = |p: &str| Some(PypiEndpoint::Project { project: p.to_owned() });
        let redirect = |p: &str| Some(PypiEndpoint::ProjectRedirect { normalized: p.to_owned() });
        let table: &[(Method, &str, Option<PypiEndpoint>)] = &[
            (Method::POST, "", Some(PypiEndpoint::Upload)),
            (Method::POST, "/", Some(PypiEndpoint::Upload)),
            (Method::POST, "/legacy/", Some(PypiEndpoint::Upload)),
            (Method::GET, "/", None),
            (Method::POST, "/simple/", None),
            (Method::GET, "/simple", Some(PypiEndpoint::IndexRedirect)),
            (Method::GET, "/simple/", Some(PypiEndpoint::Index)),
            (Method::HEAD, "/simple/", Some(PypiEndpoint::Index)),
            (Method::GET, "/simple/requests/", project("requests")),
            (Method::GET, "/simple/Requests", redirect("requests")),
            (Method::GET, "/simple/requests", redirect("requests")),
            (Method::GET, "/simple/Zope.Interface/", redirect("zope-interface")),
            (Method::GET, "/simple/a%2Fb/", None),
            (Method::GET, "/simple/a/b/", None),
            (
                Method::GET,
                "/files/demo/1.0/demo-1.0-py3-none-any.whl",
                file("demo", "1.0", "demo-1.0-py3-none-any.whl"),
            ),
            (Method::HEAD, "/files/demo/1.0/demo-1.0.tar.gz.metadata", file("demo", "1.0", "demo-1.0.tar.gz.metadata")),
            (Method::PUT, "/files/demo/1.0/demo-1.0.tar.gz", None),
            (Method::GET, "/files/demo/1.0/..%2Fetc%2Fpasswd", None),
            (Method::GET, "/files/demo/1.0/.hidden", None),
            (Method::GET, "/files/demo/1.0/", None),
            (Method::GET, "/files/demo/1.0/a/b", None),
            (Method::GET, "/other", None),
        ];
        for (method, tail, expected) in table {
            assert_eq!(&PypiEndpoint::parse(method, tail), expected, "{method} {tail}");
        }
    }

    #[test]
    fn access_and_download_kinds() {
        let parsed = |method: Method, tail: &str| PypiEndpoint::parse(&method, tail).expect("an endpoint");
        assert_eq!(parsed(Method::GET, "/simple/Requests").access(), Access::Anonymous);
        assert_eq!(parsed(Method::GET, "/simple/requests/").access(), Access::Read);
        assert_eq!(parsed(Method::POST, "/").access(), Access::Publish);
        assert_eq!(parsed(Method::GET, "/files/d/1/d-1.tar.gz").download_kind(), Some("distribution"));
        assert_eq!(parsed(Method::GET, "/files/d/1/d-1-py3-none-any.whl.metadata").download_kind(), Some("metadata"));
        assert_eq!(parsed(Method::GET, "/simple/").download_kind(), None);
    }
}
