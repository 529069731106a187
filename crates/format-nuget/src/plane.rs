//! The NuGet feed of each repository, `/nuget/{domain}/{repository}/`, on the engine's
//! data-plane seam. Clients are given `…/v3/index.json`:
//!
//! - `v3/index.json`: the service index;
//! - `v3/flatcontainer/{id}/index.json`, `…/{id}/{version}/{id}.{version}.nupkg`, `….nuspec`;
//! - `v3/{registration,registration-gz,registration-gz-semver2}/{id}/index.json`, `…/page/{lower}/{upper}.json`,
//!   `…/{version}.json`;
//! - `v3/search`, `v3/autocomplete`;
//! - `v3/vulnerabilities/index.json` and its pages: what the gateway's registry publishes,
//!   passed through (an empty list where it publishes none, or cannot be reached);
//! - `api/v2/package`: `PUT` pushes (multipart, as every client sends it; the v2 clients' `PUT`
//!   to the feed root too), `DELETE …/{id}/{version}` unlists, `POST …/{id}/{version}` relists,
//!   `GET …/{id}/{version}` downloads;
//! - `api/v2/…`: the OData reads NuGet 2.x installs with ([`crate::v2`]).
//!
//! Errors are plain text with the message as the reason phrase: nuget.exe prints
//! `Response status code does not indicate success: 409 (…)`.

use std::sync::Arc;

use tributary_engine::data_plane::http::{Method, StatusCode};
use tributary_engine::data_plane::{Access, Context, DataPlane, Endpoint, Request, RequestBody, Response};
use tributary_engine::formats::FormatAdapter;
use tributary_engine::off_io;
use tributary_model::{ErrorKind, ServiceError};

use crate::documents::{self, Hive, SearchQuery, Urls};
use crate::v2;
use crate::version::NugetVersion;
use crate::{package, registry};

/// What a NuGet request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NugetEndpoint {
    /// `v3/index.json`.
    ServiceIndex,
    /// The flat container's version list.
    FlatIndex { id: String },
    /// A `.nupkg` or `.nuspec`.
    File { id: String, version: NugetVersion, file: String },
    /// A registration index.
    Registration { hive: Hive, id: String },
    /// A registration page.
    RegistrationPage { hive: Hive, id: String, lower: NugetVersion, upper: NugetVersion },
    /// A registration leaf.
    RegistrationLeaf { hive: Hive, id: String, version: NugetVersion },
    /// `v3/search`.
    Search,
    /// `v3/autocomplete`.
    Autocomplete,
    /// `v3/vulnerabilities/index.json`.
    Vulnerabilities,
    /// A page of it, `v3/vulnerabilities/{name}.json`.
    VulnerabilityPage { name: String },
    /// A push.
    Push,
    /// `DELETE`: unlist.
    Unlist { id: String, version: NugetVersion },
    /// `POST`: relist.
    Relist { id: String, version: NugetVersion },
    /// A v2 read.
    V2(v2::V2Endpoint),
}

impl Endpoint for NugetEndpoint {
    fn name(&self) -> &'static str {
        match self {
            Self::ServiceIndex => "service-index",
            Self::FlatIndex { .. } => "flat-index",
            Self::File { file, .. } if file.ends_with(".nuspec") => "nuspec",
            Self::File { .. } => "nupkg",
            Self::Registration { .. } => "registration",
            Self::RegistrationPage { .. } => "registration-page",
            Self::RegistrationLeaf { .. } => "registration-leaf",
            Self::Search => "search",
            Self::Autocomplete => "autocomplete",
            Self::Vulnerabilities => "vulnerabilities",
            Self::VulnerabilityPage { .. } => "vulnerability-page",
            Self::Push => "push",
            Self::Unlist { .. } => "unlist",
            Self::Relist { .. } => "relist",
            Self::V2(endpoint) => endpoint.name(),
        }
    }

    fn access(&self) -> Access {
        match self {
            Self::Push | Self::Unlist { .. } | Self::Relist { .. } => Access::Publish,
            _ => Access::Read,
        }
    }

    fn download_kind(&self) -> Option<&'static str> {
        match self {
            Self::File { file, .. } if file.ends_with(".nupkg") => Some("nupkg"),
            Self::V2(v2::V2Endpoint::Download { .. }) => Some("nupkg"),
            _ => None,
        }
    }
}

fn not_here(path: &str) -> ServiceError {
    ServiceError::new(
        ErrorKind::NotFound,
        format!("`{path}` is not part of a NuGet feed; give clients the feed's `…/v3/index.json`"),
    )
}

fn decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment).decode_utf8().ok().map(|s| s.into_owned())
}

fn id_of(segment: &str) -> Result<String, ServiceError> {
    let id = decode(segment).ok_or_else(|| ServiceError::new(ErrorKind::NotFound, "a package id is UTF-8"))?;
    crate::id::validate(&id).map_err(|e| ServiceError::new(ErrorKind::NotFound, e.message))?;
    Ok(id)
}

fn version_of(segment: &str) -> Result<NugetVersion, ServiceError> {
    let text = decode(segment).unwrap_or_default();
    NugetVersion::parse(&text).map_err(|e| ServiceError::new(ErrorKind::NotFound, e.message))
}

impl NugetEndpoint {
    /// Parses a request's method, the path after `/nuget/{domain}/{repository}`, and its query.
    pub fn parse(method: &Method, tail: &str, query: &str) -> Result<Self, ServiceError> {
        let path = tail.trim_start_matches('/');
        let read = *method == Method::GET || *method == Method::HEAD;
        let segments: Vec<&str> = path.split('/').collect();
        if *method == Method::PUT {
            return match path.trim_end_matches('/') {
                "" | "api/v2" | "api/v2/package" | "v3/package" => Ok(Self::Push),
                _ => Err(not_here(path)),
            };
        }
        if *method == Method::DELETE || *method == Method::POST {
            let (id, version) = match segments.as_slice() {
                ["api", "v2", "package", id, version] | ["api", "v2", id, version] => {
                    (id_of(id)?, version_of(version)?)
                }
                _ => return Err(not_here(path)),
            };
            return Ok(if *method == Method::DELETE {
                Self::Unlist { id, version }
            } else {
                Self::Relist { id, version }
            });
        }
        if !read {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("`{method}` is not supported on the NuGet endpoint: it serves GET, HEAD, PUT, DELETE and POST"),
            ));
        }
        match segments.as_slice() {
            ["v3", "index.json"] => Ok(Self::ServiceIndex),
            ["v3", "search"] => Ok(Self::Search),
            ["v3", "autocomplete"] => Ok(Self::Autocomplete),
            ["v3", "vulnerabilities", "index.json"] => Ok(Self::Vulnerabilities),
            ["v3", "vulnerabilities", page] => match page.strip_suffix(".json") {
                Some(name)
                    if !name.is_empty()
                        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
                {
                    Ok(Self::VulnerabilityPage { name: name.to_owned() })
                }
                _ => Err(not_here(path)),
            },
            ["v3", "flatcontainer", id, "index.json"] => Ok(Self::FlatIndex { id: id_of(id)? }),
            ["v3", "flatcontainer", id, version, file] => {
                let (id, version) = (id_of(id)?, version_of(version)?);
                let file = decode(file).unwrap_or_default().to_ascii_lowercase();
                if file != package::nupkg_name(&id, &version) && file != package::nuspec_name(&id) {
                    return Err(not_here(path));
                }
                Ok(Self::File { id, version, file })
            }
            ["v3", hive, id, "index.json"] if Hive::of_segment(hive).is_some() => {
                Ok(Self::Registration { hive: Hive::of_segment(hive).ok_or_else(|| not_here(path))?, id: id_of(id)? })
            }
            ["v3", hive, id, "page", lower, upper] if Hive::of_segment(hive).is_some() => {
                let upper = upper.strip_suffix(".json").ok_or_else(|| not_here(path))?;
                Ok(Self::RegistrationPage {
                    hive: Hive::of_segment(hive).ok_or_else(|| not_here(path))?,
                    id: id_of(id)?,
                    lower: version_of(lower)?,
                    upper: version_of(upper)?,
                })
            }
            ["v3", hive, id, leaf] if Hive::of_segment(hive).is_some() => {
                let version = leaf.strip_suffix(".json").ok_or_else(|| not_here(path))?;
                Ok(Self::RegistrationLeaf {
                    hive: Hive::of_segment(hive).ok_or_else(|| not_here(path))?,
                    id: id_of(id)?,
                    version: version_of(version)?,
                })
            }
            ["api", "v2", "package", id, version] => {
                Ok(Self::V2(v2::V2Endpoint::Download { id: id_of(id)?, version: version_of(version)? }))
            }
            ["api", "v2", rest @ ..] => v2::V2Endpoint::parse(&rest.join("/"), query).map(Self::V2),
            _ => Err(not_here(path)),
        }
    }
}

/// NuGet on the data plane.
#[derive(Debug, Clone, Copy, Default)]
pub struct NugetPlane;

impl DataPlane for NugetPlane {
    type Endpoint = NugetEndpoint;

    fn prefix(&self) -> &'static str {
        "nuget"
    }

    fn adapter(&self) -> Arc<dyn FormatAdapter> {
        Arc::new(registry::NugetAdapter)
    }

    fn login_hint(&self) -> &'static str {
        "this feed needs credentials: add it with `nuget sources add -Name NAME -Source URL/v3/index.json -Username aws -Password TOKEN` (a token from `aws codeartifact get-authorization-token`), and push with `-ApiKey TOKEN`"
    }

    fn download_kinds(&self) -> &'static [&'static str] {
        &["nupkg"]
    }

    fn parse(&self, request: &Request<'_>) -> Result<NugetEndpoint, ServiceError> {
        NugetEndpoint::parse(&request.method, request.tail, request.query)
    }

    async fn serve(
        &self,
        cx: Context<'_>,
        endpoint: NugetEndpoint,
        body: RequestBody,
    ) -> Result<Response, ServiceError> {
        let service = cx.service;
        let urls = || Urls { base: cx.request.public_base.clone() };
        if let NugetEndpoint::V2(endpoint @ (v2::V2Endpoint::Root | v2::V2Endpoint::Metadata)) = endpoint {
            return Ok(v2::static_document(&urls(), &endpoint));
        }
        let target = cx.target()?;
        let json = "application/json; charset=utf-8";
        // What an install reads is served inline; the rest is boxed, so that the future moved
        // per request stays the size of a document's or a download's (docs/benchmarks.md).
        match endpoint {
            NugetEndpoint::FlatIndex { id } => {
                let document = registry::flat_index(service, target, &id).await?;
                Ok(Response::document(cx.request, &document, json))
            }
            NugetEndpoint::File { id, version, file } => {
                let body = registry::get_file(service, target, &id, &version, &file).await?;
                Ok(Response::asset(body))
            }
            NugetEndpoint::Registration { hive, id } => {
                let document = registry::registration_index(service, target, &urls(), hive, &id).await?;
                Ok(Response::document(cx.request, &document, json))
            }
            NugetEndpoint::RegistrationPage { hive, id, lower, upper } => {
                let document = registry::registration_page(service, target, &urls(), hive, &id, &lower, &upper).await?;
                Ok(Response::document(cx.request, &document, json))
            }
            NugetEndpoint::ServiceIndex => Ok(Response::json(documents::service_index(&urls()))),
            endpoint => Box::pin(serve_rest(&cx, target, &urls(), endpoint, body)).await,
        }
    }

    fn error(&self, err: &ServiceError) -> Response {
        Response::plain_error(err)
    }
}

/// The endpoints off the install path: registration leaves, search, vulnerabilities, pushes,
/// listing, v2.
async fn serve_rest(
    cx: &Context<'_>,
    target: &tributary_engine::RepoTarget,
    urls: &Urls,
    endpoint: NugetEndpoint,
    body: RequestBody,
) -> Result<Response, ServiceError> {
    let service = cx.service;
    match endpoint {
        NugetEndpoint::RegistrationLeaf { hive, id, version } => {
            let document = registry::registration_leaf(service, target, urls, hive, &id, &version).await?;
            Ok(Response::document(cx.request, &document, "application/json; charset=utf-8"))
        }
        NugetEndpoint::Search => {
            let query = SearchQuery::parse(cx.request.query);
            Ok(Response::json(registry::search(service, target, urls, &query).await?))
        }
        NugetEndpoint::Vulnerabilities => {
            Ok(Response::json(registry::vulnerability_index(service, target, urls).await))
        }
        NugetEndpoint::VulnerabilityPage { name } => {
            Ok(Response::json(registry::vulnerability_page(service, target, &name).await?))
        }
        NugetEndpoint::Autocomplete => {
            let query = SearchQuery::parse(cx.request.query);
            Ok(Response::json(registry::autocomplete(service, target, urls, &query).await?))
        }
        NugetEndpoint::Push => {
            let spooled = spool_push(cx, body).await?;
            let (_, created) = registry::push(service, target, spooled).await?;
            Ok(Response::empty(if created { StatusCode::CREATED } else { StatusCode::OK }))
        }
        NugetEndpoint::Unlist { id, version } => {
            registry::set_listed(service, target, &id, &version, false).await?;
            Ok(Response::empty(StatusCode::NO_CONTENT))
        }
        NugetEndpoint::Relist { id, version } => {
            registry::set_listed(service, target, &id, &version, true).await?;
            Ok(Response::empty(StatusCode::OK))
        }
        NugetEndpoint::V2(endpoint) => v2::serve(service, target, urls, endpoint).await,
        served => Err(ServiceError::internal(format!("`{}` is served inline", served.name()))),
    }
}

/// The pushed `.nupkg`, spooled to a temporary file: the one file of a multipart body (what
/// every NuGet client sends, read by [`crate::multipart`]), or the whole body when it is not
/// multipart.
async fn spool_push(cx: &Context<'_>, body: RequestBody) -> Result<std::fs::File, ServiceError> {
    let limit = cx.max_upload_bytes;
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!("the package is larger than this server accepts ({limit} bytes)"),
        )
    };
    let content_type = cx.request.header("content-type").unwrap_or_default().to_owned();
    let (spooled, size) = body.spool(limit.saturating_add(64 * 1024), too_large).await?;
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        return Ok(spooled);
    }
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| ServiceError::validation("the push's Content-Type names no multipart boundary"))?;
    off_io(move || crate::multipart::extract(spooled, size, &boundary)).await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let parsed =
            |method: Method, tail: &str| NugetEndpoint::parse(&method, tail, "").map(|e| (e.name(), e.access()));
        let kind = |method: Method, tail: &str| NugetEndpoint::parse(&method, tail, "").map_err(|e| e.kind);
        assert_eq!(parsed(Method::GET, "/v3/index.json"), Ok(("service-index", Access::Read)));
        assert_eq!(parsed(Method::GET, "/v3/flatcontainer/foo.bar/index.json"), Ok(("flat-index", Access::Read)));
        assert_eq!(
            parsed(Method::GET, "/v3/flatcontainer/foo.bar/1.0.0/foo.bar.1.0.0.nupkg"),
            Ok(("nupkg", Access::Read))
        );
        assert_eq!(parsed(Method::HEAD, "/v3/flatcontainer/Foo.Bar/1.0/foo.bar.nuspec"), Ok(("nuspec", Access::Read)));
        assert_eq!(kind(Method::GET, "/v3/flatcontainer/foo/1.0.0/other.1.0.0.nupkg"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/v3/flatcontainer/../1.0.0/x.nupkg"), Err(ErrorKind::NotFound));
        assert_eq!(
            parsed(Method::GET, "/v3/registration-gz-semver2/foo/index.json"),
            Ok(("registration", Access::Read))
        );
        assert_eq!(parsed(Method::GET, "/v3/registration/foo/1.0.0.json"), Ok(("registration-leaf", Access::Read)));
        assert_eq!(
            parsed(Method::GET, "/v3/registration-gz/foo/page/1.0.0/2.0.0.json"),
            Ok(("registration-page", Access::Read))
        );
        assert_eq!(kind(Method::GET, "/v3/registration-x/foo/index.json"), Err(ErrorKind::NotFound));
        assert_eq!(parsed(Method::GET, "/v3/search"), Ok(("search", Access::Read)));
        assert_eq!(parsed(Method::GET, "/v3/vulnerabilities/base.json"), Ok(("vulnerability-page", Access::Read)));
        assert_eq!(kind(Method::GET, "/v3/vulnerabilities/..%2Fx.json"), Err(ErrorKind::NotFound));
        assert_eq!(parsed(Method::PUT, "/api/v2/package/"), Ok(("push", Access::Publish)));
        assert_eq!(parsed(Method::PUT, "/"), Ok(("push", Access::Publish)));
        assert_eq!(parsed(Method::PUT, ""), Ok(("push", Access::Publish)));
        assert_eq!(parsed(Method::DELETE, "/api/v2/package/Foo/1.0.0"), Ok(("unlist", Access::Publish)));
        assert_eq!(parsed(Method::POST, "/api/v2/package/Foo/1.0.0"), Ok(("relist", Access::Publish)));
        assert_eq!(kind(Method::DELETE, "/api/v2/package/Foo/one"), Err(ErrorKind::NotFound));
        assert_eq!(parsed(Method::GET, "/api/v2/package/Foo/1.0.0"), Ok(("v2-download", Access::Read)));
        assert_eq!(kind(Method::PATCH, "/v3/index.json"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::PUT, "/v3/index.json"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::GET, "/nope"), Err(ErrorKind::NotFound));
    }
}
