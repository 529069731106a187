//! The npm registry endpoint of each repository: `/npm/{domain}/{repository}/...`.
//!
//! Packuments are served gzip-compressed from the document cache (compressed once per
//! rendering), tarballs as stored: nothing is compressed per request.
//!
//! One request: parse the [`Route`] → authenticate (bearer token) and find the repository →
//! read the body, if the route takes one (never before the caller is known: an anonymous
//! client cannot make the server buffer anything) → one call into
//! `tributary_format_npm::registry` → write the answer. Errors are npm's `{"error": "..."}` with
//! the status npm understands (401 asks for credentials, 404, 409 for an existing version,
//! 502/504 for an unavailable upstream).

mod route;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use tributary_engine::{Caller, RepoTarget};
use tributary_format_npm::{NpmName, registry};
use tributary_model::{ErrorKind, ServiceError};

pub use route::Route;

use crate::AppState;
use crate::data_plane::{authenticate, read_bounded, repository_of, stream, with_etag};

/// What to do without credentials.
const LOGIN_HINT: &str = "this repository needs credentials: run `aws codeartifact login --tool npm ...`, or set `//HOST/npm/DOMAIN/REPOSITORY/:_authToken` in .npmrc to a token from `aws codeartifact get-authorization-token`";

/// The largest npm request body (a publish carries the tarball in base64).
pub const MAX_BODY_BYTES: usize = 512 * 1024 * 1024;

/// The largest body of a request that is not a publish (logins, dist-tags).
const MAX_SMALL_BODY_BYTES: usize = 64 * 1024;

/// Serves every request under `/npm/{domain}/{repository}/`.
pub async fn handle(req: HttpRequest, body: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let started = std::time::Instant::now();
    let response = match serve(&req, body, &state).await {
        Ok(response) => response,
        Err(err) => error(&err),
    };
    let endpoint = crate::ops::endpoint_of(&req);
    state.metrics.observe(crate::ops::Plane::Npm, endpoint, response.status().as_u16(), started.elapsed());
    response
}

/// npm's error body: `{"error": "..."}`, which npm prints after the status line.
fn error(err: &ServiceError) -> HttpResponse {
    let status = StatusCode::from_u16(err.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let status = match err.kind {
        // Signature errors are control-plane words; npm only knows 401.
        ErrorKind::MissingAuthentication | ErrorKind::UnrecognizedClient | ErrorKind::InvalidSignature => {
            StatusCode::UNAUTHORIZED
        }
        _ => status,
    };
    if err.kind == ErrorKind::Internal {
        tracing::error!(error.message = %err.message, "internal error on the npm endpoint");
    }
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"tributary\""));
    }
    if let Some(seconds) = err.retry_after {
        response.insert_header((header::RETRY_AFTER, seconds));
    }
    response.content_type("application/json").body(tributary_format_npm::responses::render_error(&err.message))
}

fn json(bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(bytes)
}

/// The request body, read whole up to `limit` bytes (a declared length above it is refused
/// before anything is read).
async fn read_body(req: &HttpRequest, body: web::Payload, limit: usize) -> Result<Vec<u8>, ServiceError> {
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!("the request body is larger than this endpoint accepts ({limit} bytes)"),
        )
    };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    read_bounded(body, limit, too_large).await
}

async fn serve(req: &HttpRequest, body: web::Payload, state: &AppState) -> Result<HttpResponse, ServiceError> {
    let (domain, repository, tail) = repository_of(req, "npm")?;
    let prefix = format!("/npm/{domain}/{repository}");
    let route = Route::parse(tail).ok_or_else(|| {
        ServiceError::new(ErrorKind::NotFound, format!("`{} {tail}` is not an npm registry request", req.method()))
    })?;
    crate::ops::name_endpoint(req, route.name(req.method().as_str()));
    let endpoint = format!("{}{prefix}", crate::control::public_url(req, state));
    let service = &state.service;
    let method = req.method().as_str();
    match (method, route) {
        ("GET" | "HEAD", Route::Ping) => Ok(json(b"{}".to_vec())),
        ("PUT", Route::Login { user }) => {
            let body = read_body(req, body, MAX_SMALL_BODY_BYTES).await?;
            let login = tributary_format_npm::responses::parse_login(&user, &body)?;
            let (token, _) = service.token_for_keys(&domain, &login.name, &login.password, Utc::now()).await?;
            Ok(HttpResponse::Created()
                .content_type("application/json")
                .body(tributary_format_npm::responses::render_login(&login.name, &token)))
        }
        (method, route) => {
            let caller = authenticate(req, state, LOGIN_HINT).await?;
            let target = service.repo_target(&caller, &domain, &repository).await?;
            dispatch(req, method, route, body, state, &caller, &target, &endpoint).await
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "the whole context of one request")]
async fn dispatch(
    req: &HttpRequest,
    method: &str,
    route: Route,
    body: web::Payload,
    state: &AppState,
    caller: &Caller,
    target: &RepoTarget,
    endpoint: &str,
) -> Result<HttpResponse, ServiceError> {
    let service = &state.service;
    let name = |n: &str| NpmName::parse_existing(n).map_err(ServiceError::from);
    match (method, route) {
        ("GET", Route::Whoami) => {
            let username = service.principal_name(caller).await?;
            Ok(json(tributary_format_npm::responses::render_whoami(&username)))
        }
        ("GET", Route::Search) => {
            let query = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .map(web::Query::into_inner)
                .unwrap_or_default();
            let text = query.get("text").cloned().unwrap_or_default();
            let size = query.get("size").and_then(|s| s.parse().ok()).unwrap_or(20);
            Ok(json(registry::search(service, target, &text, size).await?))
        }
        ("GET" | "HEAD", Route::Package { name: n }) => {
            let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let abbreviated = accept.contains(tributary_format_npm::ABBREVIATED_MEDIA_TYPE);
            let document = registry::packument(service, target, &name(&n)?, endpoint, abbreviated).await?;
            let content_type =
                if abbreviated { tributary_format_npm::ABBREVIATED_MEDIA_TYPE } else { "application/json" };
            Ok(with_etag(req, &document, content_type))
        }
        ("GET", Route::Version { name: n, version }) => {
            Ok(json(registry::version_manifest(service, target, &name(&n)?, &version, endpoint).await?))
        }
        ("GET" | "HEAD", Route::Tarball { name: n, file }) => {
            let asset = registry::tarball(service, target, &name(&n)?, &file).await?;
            Ok(stream(asset))
        }
        ("DELETE", Route::Tarball { .. }) => Ok(json(br#"{"ok":true}"#.to_vec())),
        ("PUT", Route::Package { name: n }) => {
            let name = name(&n)?;
            let body = read_body(req, body, MAX_BODY_BYTES).await?;
            Ok(json(registry::put(service, target, &name, None, body).await?))
        }
        ("PUT", Route::PackageRevision { name: n, rev }) => {
            let name = name(&n)?;
            let body = read_body(req, body, MAX_BODY_BYTES).await?;
            Ok(json(registry::put(service, target, &name, Some(&rev), body).await?))
        }
        ("DELETE", Route::PackageRevision { name: n, rev }) => {
            Ok(json(registry::unpublish_package(service, target, &name(&n)?, &rev).await?))
        }
        ("GET", Route::DistTags { name: n }) => Ok(json(registry::dist_tags(service, target, &name(&n)?).await?)),
        ("PUT" | "POST", Route::DistTag { name: n, tag }) => {
            let body = read_body(req, body, MAX_SMALL_BODY_BYTES).await?;
            Ok(json(registry::set_dist_tag(service, target, &name(&n)?, &tag, &body).await?))
        }
        ("DELETE", Route::DistTag { name: n, tag }) => {
            Ok(json(registry::remove_dist_tag(service, target, &name(&n)?, &tag).await?))
        }
        (method, route) => Err(ServiceError::new(
            ErrorKind::NotFound,
            format!("`{method}` is not supported for {route:?} on the npm endpoint"),
        )),
    }
}
