//! The module proxy of each repository, `/go/{domain}/{repository}/`, on the engine's
//! data-plane seam: what `GOPROXY` points at.
//!
//! - `{module}/@v/list`, `{module}/@v/{version}.info|.mod|.zip`, `{module}/@latest`: the
//!   GOPROXY protocol, capitals `!`-escaped in module paths and versions;
//! - `PUT {module}/@v/{version}.zip` publishes a version (`.mod` and `.info` come from it; a
//!   `PUT` of either afterwards is accepted when it agrees);
//! - `sumdb/{name}/supported`, `…/lookup/{module}@{version}`, `…/tile/…`, `…/latest`: the
//!   checksum database, passed through from the gateway's proxy.
//!
//! Errors are plain text, which the go command prints as the server's response. 404 and 410
//! make it ask the next proxy of `GOPROXY`; every other status stops it.

use std::sync::Arc;

use tributary_engine::data_plane::http::{Method, StatusCode};
use tributary_engine::data_plane::{Access, Context, DataPlane, Endpoint, Request, RequestBody, Response};
use tributary_engine::formats::FormatAdapter;
use tributary_model::{ErrorKind, ServiceError};

use crate::module;
use crate::registry::{self, LatestInfo};
use crate::version::GoVersion;

/// What a Go request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoEndpoint {
    /// `@v/list`.
    List { module: String },
    /// `@latest`.
    Latest { module: String },
    /// A version's `.info`, `.mod` or `.zip`.
    File { module: String, version: GoVersion, kind: &'static str },
    /// `PUT` of a version's file.
    Publish { module: String, version: GoVersion, kind: &'static str },
    /// `sumdb/{name}/supported`.
    SumdbSupported { name: String },
    /// `sumdb/{name}/{path}`: `latest`, `lookup/…`, `tile/…`.
    Sumdb { name: String, path: String },
}

impl Endpoint for GoEndpoint {
    fn name(&self) -> &'static str {
        match self {
            Self::List { .. } => "list",
            Self::Latest { .. } => "latest",
            Self::File { kind: "info", .. } => "info",
            Self::File { kind: "mod", .. } => "mod",
            Self::File { .. } => "zip",
            Self::Publish { .. } => "publish",
            Self::SumdbSupported { .. } => "sumdb-supported",
            Self::Sumdb { .. } => "sumdb",
        }
    }

    fn access(&self) -> Access {
        match self {
            Self::Publish { .. } => Access::Publish,
            _ => Access::Read,
        }
    }

    fn download_kind(&self) -> Option<&'static str> {
        match self {
            Self::File { kind: "zip", .. } => Some("zip"),
            _ => None,
        }
    }
}

fn not_here(path: &str) -> ServiceError {
    ServiceError::new(
        ErrorKind::NotFound,
        format!(
            "`{path}` is not part of a module proxy: set GOPROXY to this repository's `/go/{{domain}}/{{repository}}` URL"
        ),
    )
}

/// A module path from its escaped form in a URL: 404 when it is not one (the go command then
/// asks the next proxy, as it would of a proxy that does not have it).
fn module_of(escaped: &str) -> Result<String, ServiceError> {
    let decoded = percent_encoding::percent_decode_str(escaped)
        .decode_utf8()
        .map_err(|_| ServiceError::new(ErrorKind::NotFound, "a module path is UTF-8"))?;
    let path = module::unescape(&decoded).map_err(|e| ServiceError::new(ErrorKind::NotFound, e))?;
    module::check_path(&path).map_err(|e| ServiceError::new(ErrorKind::NotFound, e))?;
    Ok(path)
}

/// A version of `module` from its escaped form: 404 when it is not one.
fn version_of(module_path: &str, escaped: &str) -> Result<GoVersion, ServiceError> {
    let text = module::unescape(escaped).map_err(|e| ServiceError::new(ErrorKind::NotFound, e))?;
    let version = GoVersion::parse(&text).map_err(|e| ServiceError::new(ErrorKind::NotFound, e))?;
    module::check_version_of(module_path, &version).map_err(|e| ServiceError::new(ErrorKind::NotFound, e))?;
    Ok(version)
}

fn kind_of(file: &str) -> Option<(&str, &'static str)> {
    crate::proxy::FILE_KINDS.iter().find_map(|kind| file.strip_suffix(kind)?.strip_suffix('.').map(|v| (v, *kind)))
}

/// Whether `path` (after `sumdb/{name}/`) is one a checksum database serves.
fn sumdb_path_ok(path: &str) -> bool {
    let safe = path.split('/').all(|e| !e.is_empty() && e != "." && e != "..")
        && path.bytes().all(|b| b.is_ascii_alphanumeric() || b"!-._~/@+".contains(&b));
    safe && (path == "latest" || path.starts_with("lookup/") || path.starts_with("tile/"))
}

impl GoEndpoint {
    /// Parses a request's method and the path after `/go/{domain}/{repository}`.
    pub fn parse(method: &Method, tail: &str) -> Result<Self, ServiceError> {
        let path = tail.trim_start_matches('/');
        let put = *method == Method::PUT;
        if !put && *method != Method::GET && *method != Method::HEAD {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("`{method}` is not supported on a module proxy: it serves GET, HEAD and PUT"),
            ));
        }
        if let Some(rest) = path.strip_prefix("sumdb/") {
            let (name, rest) = rest.split_once('/').ok_or_else(|| not_here(path))?;
            let name_ok = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
            if put || !name_ok {
                return Err(not_here(path));
            }
            return match rest {
                "supported" => Ok(Self::SumdbSupported { name: name.to_owned() }),
                rest if sumdb_path_ok(rest) => Ok(Self::Sumdb { name: name.to_owned(), path: rest.to_owned() }),
                _ => Err(not_here(path)),
            };
        }
        if let Some(escaped) = path.strip_suffix("/@latest") {
            if put {
                return Err(not_here(path));
            }
            return Ok(Self::Latest { module: module_of(escaped)? });
        }
        let (escaped, file) = path.rsplit_once("/@v/").ok_or_else(|| not_here(path))?;
        let module = match module_of(escaped) {
            Ok(module) => module,
            // A publish names what is wrong with its module path as a bad request.
            Err(e) if put => return Err(ServiceError::validation(e.message)),
            Err(e) => return Err(e),
        };
        if file == "list" && !put {
            return Ok(Self::List { module });
        }
        let (version, kind) = kind_of(file).ok_or_else(|| not_here(path))?;
        let version = match version_of(&module, version) {
            Ok(version) => version,
            // A publish names what is wrong with its version as a bad request.
            Err(e) if put => return Err(ServiceError::validation(e.message)),
            Err(e) => return Err(e),
        };
        Ok(if put { Self::Publish { module, version, kind } } else { Self::File { module, version, kind } })
    }
}

/// Go on the data plane.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoPlane;

impl DataPlane for GoPlane {
    type Endpoint = GoEndpoint;

    fn prefix(&self) -> &'static str {
        "go"
    }

    fn adapter(&self) -> Arc<dyn FormatAdapter> {
        Arc::new(registry::GoAdapter)
    }

    fn login_hint(&self) -> &'static str {
        "this module proxy needs credentials: set GOPROXY=https://aws:TOKEN@HOST/go/DOMAIN/REPOSITORY (a token from `aws codeartifact get-authorization-token`), or put them in ~/.netrc"
    }

    fn download_kinds(&self) -> &'static [&'static str] {
        &["zip"]
    }

    fn parse(&self, request: &Request<'_>) -> Result<GoEndpoint, ServiceError> {
        GoEndpoint::parse(&request.method, request.tail)
    }

    async fn serve(&self, cx: Context<'_>, endpoint: GoEndpoint, body: RequestBody) -> Result<Response, ServiceError> {
        let service = cx.service;
        let target = cx.target()?;
        match endpoint {
            GoEndpoint::File { module, version, kind } => {
                Ok(Response::asset(registry::file(service, target, &module, &version, kind).await?))
            }
            GoEndpoint::List { module } => {
                let document = registry::list(service, target, &module).await?;
                Ok(Response::document(cx.request, &document, "text/plain; charset=utf-8"))
            }
            endpoint => Box::pin(serve_rest(&cx, target, endpoint, body)).await,
        }
    }

    fn error(&self, err: &ServiceError) -> Response {
        Response::plain_error(err)
    }
}

/// The endpoints besides a version's files and list, boxed so that the future of a download
/// stays small.
async fn serve_rest(
    cx: &Context<'_>,
    target: &tributary_engine::RepoTarget,
    endpoint: GoEndpoint,
    body: RequestBody,
) -> Result<Response, ServiceError> {
    let service = cx.service;
    match endpoint {
        GoEndpoint::Latest { module } => Ok(match registry::latest(service, target, &module).await? {
            LatestInfo::Stored(body) => Response::asset(body),
            LatestInfo::Upstream(bytes) => Response::json(bytes),
        }),
        GoEndpoint::Publish { module, version, kind: "zip" } => {
            let limit = cx.max_upload_bytes.min(crate::modzip::MAX_ZIP_BYTES);
            let too_large = || {
                ServiceError::new(
                    ErrorKind::PayloadTooLarge,
                    format!("the module zip is larger than this server accepts ({limit} bytes)"),
                )
            };
            if cx.request.content_length().is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let (spooled, _) = body.spool(limit, too_large).await?;
            let created = registry::publish_zip(service, target, &module, &version, spooled).await?;
            Ok(Response::empty(if created { StatusCode::CREATED } else { StatusCode::OK }))
        }
        GoEndpoint::Publish { module, version, kind } => {
            let limit = usize::try_from(crate::modzip::MAX_GO_MOD_BYTES).unwrap_or(usize::MAX);
            let too_large =
                || ServiceError::new(ErrorKind::PayloadTooLarge, format!("a .{kind} is at most {limit} bytes"));
            let bytes = body.read_bounded(cx.request.content_length(), limit, too_large).await?;
            registry::confirm_file(service, target, &module, &version, kind, &bytes).await?;
            Ok(Response::empty(StatusCode::OK))
        }
        GoEndpoint::SumdbSupported { name } => {
            if registry::reaches_a_proxy(target) {
                Ok(Response::empty(StatusCode::OK))
            } else {
                Err(ServiceError::new(
                    ErrorKind::NotFound,
                    format!(
                        "`{}` reaches no Go proxy, so it does not pass the checksum database `{name}` through",
                        target.repository
                    ),
                ))
            }
        }
        GoEndpoint::Sumdb { name, path } => {
            let bytes = registry::sumdb(service, target, &name, &path).await?;
            Ok(Response::bytes(StatusCode::OK, "text/plain; charset=utf-8", bytes))
        }
        served => Err(ServiceError::internal(format!("`{}` is served inline", served.name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let parsed = |method: Method, tail: &str| GoEndpoint::parse(&method, tail).map(|e| (e.name(), e.access()));
        let kind = |method: Method, tail: &str| GoEndpoint::parse(&method, tail).map_err(|e| e.kind);
        assert_eq!(parsed(Method::GET, "/example.com/!acme/m/@v/list"), Ok(("list", Access::Read)));
        assert_eq!(
            GoEndpoint::parse(&Method::GET, "/example.com/!acme/m/@v/v1.0.0-!r!c1.zip"),
            Ok(GoEndpoint::File {
                module: "example.com/Acme/m".into(),
                version: GoVersion::parse("v1.0.0-RC1").expect("a version"),
                kind: "zip"
            })
        );
        assert_eq!(parsed(Method::HEAD, "/example.com/m/@v/v1.0.0.info"), Ok(("info", Access::Read)));
        assert_eq!(parsed(Method::GET, "/example.com/m/@v/v1.0.0.mod"), Ok(("mod", Access::Read)));
        assert_eq!(parsed(Method::GET, "/example.com/m/@latest"), Ok(("latest", Access::Read)));
        assert_eq!(parsed(Method::PUT, "/example.com/m/@v/v1.0.0.zip"), Ok(("publish", Access::Publish)));
        assert_eq!(kind(Method::PUT, "/example.com/m/@v/1.0.0.zip"), Err(ErrorKind::Validation));
        assert_eq!(kind(Method::PUT, "/example.com/m/@v/v2.0.0.zip"), Err(ErrorKind::Validation));
        assert_eq!(kind(Method::PUT, "/example.com/a%20b/@v/v1.0.0.zip"), Err(ErrorKind::Validation));
        assert_eq!(kind(Method::PUT, "/example.com/m/@v/list"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/example.com/Acme/@v/list"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/example.com/m/@v/v1.0.0.tar"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/example.com/m/@v/v1.0.zip"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/nodot/m/@v/list"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::DELETE, "/example.com/m/@v/v1.0.0.zip"), Err(ErrorKind::NotFound));
        assert_eq!(parsed(Method::GET, "/sumdb/sum.golang.org/supported"), Ok(("sumdb-supported", Access::Read)));
        assert_eq!(parsed(Method::GET, "/sumdb/sum.golang.org/latest"), Ok(("sumdb", Access::Read)));
        assert_eq!(
            parsed(Method::GET, "/sumdb/sum.golang.org/lookup/example.com/m@v1.0.0"),
            Ok(("sumdb", Access::Read))
        );
        assert_eq!(parsed(Method::GET, "/sumdb/sum.golang.org/tile/8/0/x001/234.p/5"), Ok(("sumdb", Access::Read)));
        assert_eq!(kind(Method::GET, "/sumdb/sum.golang.org/../../etc"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/sumdb/sum.golang.org/other"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::PUT, "/sumdb/sum.golang.org/latest"), Err(ErrorKind::NotFound));
    }
}
