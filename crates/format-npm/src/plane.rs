//! The npm registry endpoint of each repository, `/npm/{domain}/{repository}/...`, on the
//! engine's data-plane seam: npm's requests parsed into [`NpmEndpoint`]s (method and path; scoped
//! names come as `@scope%2fname`, one segment, or `@scope/name`, two), each served by one call
//! into [`crate::registry`].
//!
//! Packuments are served gzip-compressed from the document cache (compressed once per
//! rendering), tarballs as stored: nothing is compressed per request. Errors are npm's
//! `{"error": "..."}` with the status npm understands (401 asks for credentials, 404, 409 for an
//! existing version, 502/504 for an unavailable upstream).

use std::sync::Arc;

use chrono::Utc;
use percent_encoding::percent_decode_str;
use tributary_engine::data_plane::http::header::{self, HeaderValue};
use tributary_engine::data_plane::http::{Method, StatusCode};
use tributary_engine::data_plane::{Access, Context, DataPlane, Endpoint, Request, RequestBody, Response, status_of};
use tributary_engine::formats::FormatAdapter;
use tributary_model::{ErrorKind, ServiceError};

use crate::{NpmName, registry, responses};

/// The largest npm request body (a publish carries the tarball in base64).
pub const MAX_BODY_BYTES: usize = 512 * 1024 * 1024;

/// The largest body of a request that is not a publish (logins, dist-tags).
const MAX_SMALL_BODY_BYTES: usize = 64 * 1024;

/// What an npm request asks for. Names are as decoded from the path (`@scope/name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NpmEndpoint {
    /// `GET /-/ping`
    Ping,
    /// `GET /-/whoami`
    Whoami,
    /// `PUT /-/user/org.couchdb.user:{user}`: the whole segment, as the login parser reads it.
    Login { user: String },
    /// `GET /-/v1/search`
    Search,
    /// `GET /-/package/{name}/dist-tags`
    DistTags { name: String },
    /// `PUT` or `POST /-/package/{name}/dist-tags/{tag}`
    DistTagSet { name: String, tag: String },
    /// `DELETE /-/package/{name}/dist-tags/{tag}`
    DistTagRemove { name: String, tag: String },
    /// `GET /{name}`
    Packument { name: String },
    /// `PUT /{name}`: a publish (or a deprecation without a revision).
    Publish { name: String },
    /// `PUT /{name}/-rev/{rev}`: the packument sent back changed (unpublished versions,
    /// deprecations).
    Revise { name: String, rev: String },
    /// `DELETE /{name}/-rev/{rev}`: the whole package unpublished.
    Unpublish { name: String, rev: String },
    /// `GET /{name}/{version or tag}`
    Version { name: String, version: String },
    /// `GET /{name}/-/{file}`
    Tarball { name: String, file: String },
    /// `DELETE /{name}/-/{file}/-rev/{rev}`: sent after an unpublish; the revision did it.
    TarballRemove { name: String, file: String },
    /// `PUT /-/package/{name}/syncs`: queues a sync (cnpmcore's).
    SyncQueue { name: String },
    /// `GET /-/package/{name}/syncs/{id}`: a sync's state.
    SyncState { name: String, id: String },
    /// `GET /-/package/{name}/syncs/{id}/log`: a sync's log.
    SyncLog { name: String, id: String },
    /// `POST /-/v1/login`: npm's web login begins.
    WebLogin,
    /// `GET /-/v1/login/{id}`: the login page, opened in a browser.
    WebLoginPage { id: String },
    /// `POST /-/v1/login/{id}`: the login page's form.
    WebLoginSignIn { id: String },
    /// `GET /-/v1/done/{secret}`: what npm polls until the person signed in.
    WebLoginDone { secret: String },
    /// `GET /-/npm/v1/tokens`: `npm token list`.
    Tokens,
    /// `POST /-/npm/v1/tokens`: `npm token create`.
    TokenCreate,
    /// `DELETE /-/npm/v1/tokens/token/{key}`: `npm token revoke`.
    TokenRevoke { key: String },
    /// `GET /-/registry`: the registries (cnpmcore's; [`crate::registries`]).
    Registries,
    /// `POST /-/registry`: a new registry.
    RegistryCreate,
    /// `GET /-/registry/{id}`
    Registry { id: String },
    /// `DELETE /-/registry/{id}`
    RegistryRemove { id: String },
    /// `GET /-/registry/{id}/scopes`
    RegistryScopes { id: String },
    /// `POST /-/registry/{id}/sync`: the gateway follows the registry's changes.
    RegistrySync { id: String },
    /// `POST /-/scope`: a scope bound to a registry.
    ScopeCreate,
    /// `DELETE /-/scope/{id}`
    ScopeRemove { id: String },
}

impl Endpoint for NpmEndpoint {
    fn name(&self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::Whoami => "whoami",
            Self::Login { .. } => "login",
            Self::Search => "search",
            Self::DistTags { .. } => "dist-tags",
            Self::DistTagSet { .. } => "dist-tag-set",
            Self::DistTagRemove { .. } => "dist-tag-remove",
            Self::Packument { .. } => "packument",
            Self::Publish { .. } => "publish",
            Self::Revise { .. } => "revise",
            Self::Unpublish { .. } => "unpublish",
            Self::Version { .. } => "version",
            Self::Tarball { .. } => "tarball",
            Self::TarballRemove { .. } => "tarball-remove",
            Self::SyncQueue { .. } => "sync-queue",
            Self::SyncState { .. } => "sync-state",
            Self::SyncLog { .. } => "sync-log",
            Self::WebLogin => "web-login",
            Self::WebLoginPage { .. } => "web-login-page",
            Self::WebLoginSignIn { .. } => "web-login-sign-in",
            Self::WebLoginDone { .. } => "web-login-done",
            Self::Tokens => "tokens",
            Self::TokenCreate => "token-create",
            Self::TokenRevoke { .. } => "token-revoke",
            Self::Registries => "registries",
            Self::RegistryCreate => "registry-create",
            Self::Registry { .. } => "registry",
            Self::RegistryRemove { .. } => "registry-remove",
            Self::RegistryScopes { .. } => "registry-scopes",
            Self::RegistrySync { .. } => "registry-sync",
            Self::ScopeCreate => "scope-create",
            Self::ScopeRemove { .. } => "scope-remove",
        }
    }

    fn access(&self) -> Access {
        match self {
            // A login checks the credentials in its body (or its page's form); the URL npm polls
            // is its own secret.
            Self::Ping
            | Self::Login { .. }
            | Self::WebLogin
            | Self::WebLoginPage { .. }
            | Self::WebLoginSignIn { .. }
            | Self::WebLoginDone { .. } => Access::Anonymous,
            // A sync pulls what a download would: reading, and (checked when queued) pulling
            // from upstream.
            Self::SyncQueue { .. } | Self::SyncState { .. } | Self::SyncLog { .. } => Access::Read,
            // One's own tokens: any caller with a token the repository lets read.
            Self::Tokens | Self::TokenCreate | Self::TokenRevoke { .. } => Access::Read,
            // The domain's administration: the engine checks the caller's permissions on the
            // domain (and the gateway, for a sync).
            Self::Registries
            | Self::RegistryCreate
            | Self::Registry { .. }
            | Self::RegistryRemove { .. }
            | Self::RegistryScopes { .. }
            | Self::RegistrySync { .. }
            | Self::ScopeCreate
            | Self::ScopeRemove { .. } => Access::Read,
            Self::Whoami
            | Self::Search
            | Self::DistTags { .. }
            | Self::Packument { .. }
            | Self::Version { .. }
            | Self::Tarball { .. } => Access::Read,
            Self::DistTagSet { .. } | Self::DistTagRemove { .. } => Access::PutMetadata,
            Self::Publish { .. } | Self::Revise { .. } | Self::TarballRemove { .. } => Access::Publish,
            Self::Unpublish { .. } => Access::Admin,
        }
    }
}

fn decode(segment: &str) -> Option<String> {
    percent_decode_str(segment).decode_utf8().ok().map(|s| s.into_owned())
}

/// Splits a package name off the front of `segments`: `name`, `@scope%2fname` or `@scope/name`.
fn take_name(segments: &[String]) -> Option<(String, &[String])> {
    let first = segments.first()?;
    if first.starts_with('@') && !first.contains('/') {
        let second = segments.get(1)?;
        Some((format!("{first}/{second}"), &segments[2..]))
    } else {
        Some((first.clone(), &segments[1..]))
    }
}

impl NpmEndpoint {
    /// Parses a request's method and the part of its path after `/npm/{domain}/{repository}/`,
    /// still percent-encoded.
    pub fn parse(method: &Method, tail: &str) -> Option<Self> {
        let read = *method == Method::GET || *method == Method::HEAD;
        let (put, delete) = (*method == Method::PUT, *method == Method::DELETE);
        let segments: Vec<String> = tail.split('/').filter(|s| !s.is_empty()).map(decode).collect::<Option<_>>()?;
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["-", "ping"] if read => return Some(Self::Ping),
            ["-", "whoami"] if read => return Some(Self::Whoami),
            ["-", "v1", "search"] if read => return Some(Self::Search),
            ["-", "v1", "login"] if *method == Method::POST => return Some(Self::WebLogin),
            ["-", "v1", "login", id] if read => return Some(Self::WebLoginPage { id: (*id).to_owned() }),
            ["-", "v1", "login", id] if *method == Method::POST => {
                return Some(Self::WebLoginSignIn { id: (*id).to_owned() });
            }
            ["-", "v1", "done", secret] if read => return Some(Self::WebLoginDone { secret: (*secret).to_owned() }),
            ["-", "npm", "v1", "tokens"] if read => return Some(Self::Tokens),
            ["-", "npm", "v1", "tokens"] if *method == Method::POST => return Some(Self::TokenCreate),
            ["-", "npm", "v1", "tokens", "token", key] if delete => {
                return Some(Self::TokenRevoke { key: (*key).to_owned() });
            }
            ["-", "registry"] if read => return Some(Self::Registries),
            ["-", "registry"] if *method == Method::POST => return Some(Self::RegistryCreate),
            ["-", "registry", id] if read => return Some(Self::Registry { id: (*id).to_owned() }),
            ["-", "registry", id] if delete => return Some(Self::RegistryRemove { id: (*id).to_owned() }),
            ["-", "registry", id, "scopes"] if read => return Some(Self::RegistryScopes { id: (*id).to_owned() }),
            ["-", "registry", id, "sync"] if *method == Method::POST => {
                return Some(Self::RegistrySync { id: (*id).to_owned() });
            }
            ["-", "scope"] if *method == Method::POST => return Some(Self::ScopeCreate),
            ["-", "scope", id] if delete => return Some(Self::ScopeRemove { id: (*id).to_owned() }),
            ["-", "user", user] if put && user.starts_with("org.couchdb.user:") => {
                return Some(Self::Login { user: (*user).to_owned() });
            }
            ["-", "package", ..] => {
                let (name, rest) = take_name(&segments[2..])?;
                return match rest.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                    ["dist-tags"] if read => Some(Self::DistTags { name }),
                    ["dist-tags", tag] if put || *method == Method::POST => {
                        Some(Self::DistTagSet { name, tag: (*tag).to_owned() })
                    }
                    ["dist-tags", tag] if delete => Some(Self::DistTagRemove { name, tag: (*tag).to_owned() }),
                    ["syncs"] if put => Some(Self::SyncQueue { name }),
                    ["syncs", id] if read => Some(Self::SyncState { name, id: (*id).to_owned() }),
                    ["syncs", id, "log"] if read => Some(Self::SyncLog { name, id: (*id).to_owned() }),
                    _ => None,
                };
            }
            ["-", ..] => return None,
            _ => {}
        }
        let (name, rest) = take_name(&segments)?;
        match rest.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] if read => Some(Self::Packument { name }),
            [] if put => Some(Self::Publish { name }),
            ["-rev", rev] if put => Some(Self::Revise { name, rev: (*rev).to_owned() }),
            ["-rev", rev] if delete => Some(Self::Unpublish { name, rev: (*rev).to_owned() }),
            ["-", file] if read => Some(Self::Tarball { name, file: (*file).to_owned() }),
            ["-", file, "-rev", _] if delete => Some(Self::TarballRemove { name, file: (*file).to_owned() }),
            // A scoped tarball path some clients send: `@scope/name/-/@scope/name-1.0.0.tgz`.
            ["-", scope, file] if read && scope.starts_with('@') => {
                Some(Self::Tarball { name, file: format!("{scope}/{file}") })
            }
            [version] if *method == Method::GET => Some(Self::Version { name, version: (*version).to_owned() }),
            _ => None,
        }
    }
}

/// npm on the data plane.
#[derive(Debug, Clone, Copy, Default)]
pub struct NpmPlane;

fn name(n: &str) -> Result<NpmName, ServiceError> {
    NpmName::parse_existing(n).map_err(ServiceError::from)
}

/// The value of `key` in a query string (form-encoded: `+` is a space).
fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| decode(&v.replace('+', " "))).flatten()
    })
}

impl DataPlane for NpmPlane {
    type Endpoint = NpmEndpoint;

    fn prefix(&self) -> &'static str {
        "npm"
    }

    fn adapter(&self) -> Arc<dyn FormatAdapter> {
        Arc::new(registry::NpmAdapter)
    }

    fn login_hint(&self) -> &'static str {
        "this repository needs credentials: run `aws codeartifact login --tool npm ...`, or set `//HOST/npm/DOMAIN/REPOSITORY/:_authToken` in .npmrc to a token from `aws codeartifact get-authorization-token`"
    }

    fn parse(&self, request: &Request<'_>) -> Result<NpmEndpoint, ServiceError> {
        NpmEndpoint::parse(&request.method, request.tail).ok_or_else(|| {
            ServiceError::new(
                ErrorKind::NotFound,
                format!("`{} {}` is not an npm registry request", request.method, request.tail),
            )
        })
    }

    async fn serve(&self, cx: Context<'_>, endpoint: NpmEndpoint, body: RequestBody) -> Result<Response, ServiceError> {
        // The endpoints off the install path are boxed, so this future (moved once per request)
        // is only as large as a packument's or a tarball's.
        let service = cx.service;
        let request = cx.request;
        let read_body = |limit: usize| {
            body.read_bounded(request.content_length(), limit, move || {
                ServiceError::new(
                    ErrorKind::PayloadTooLarge,
                    format!("the request body is larger than this endpoint accepts ({limit} bytes)"),
                )
            })
        };
        let endpoint_url = &request.public_base;
        match endpoint {
            NpmEndpoint::Ping => Ok(Response::json(&b"{}"[..])),
            NpmEndpoint::Login { user } => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let login = responses::parse_login(&user, &body)?;
                let (token, _) =
                    Box::pin(service.token_for_keys(&request.domain, &login.name, &login.password, Utc::now())).await?;
                Ok(Response::bytes(
                    StatusCode::CREATED,
                    "application/json",
                    responses::render_login(&login.name, &token),
                ))
            }
            NpmEndpoint::SyncQueue { name: n } => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let versions = responses::parse_sync(&body)?;
                let (caller, target) = cx.authorized()?;
                let task = Box::pin(registry::queue_sync(service, caller, target, &name(&n)?, &versions)).await?;
                Ok(Response::bytes(StatusCode::CREATED, "application/json", responses::render_sync(&task)))
            }
            NpmEndpoint::SyncState { name: n, id } => {
                let task = Box::pin(registry::sync_task(service, cx.target()?, &name(&n)?, &id)).await?;
                Ok(Response::json(responses::render_sync(&task)))
            }
            NpmEndpoint::SyncLog { name: n, id } => {
                let task = Box::pin(registry::sync_task(service, cx.target()?, &name(&n)?, &id)).await?;
                Ok(Response::bytes(StatusCode::OK, "text/plain; charset=utf-8", task.log.into_bytes()))
            }
            NpmEndpoint::WebLogin => {
                let start = Box::pin(service.start_web_login(&request.domain, &request.repository, Utc::now())).await?;
                Ok(Response::json(responses::render_web_login(endpoint_url, &start.login_id, &start.done_secret)))
            }
            NpmEndpoint::WebLoginPage { id } => {
                let page = match Box::pin(service.web_login(&id, Utc::now())).await {
                    Ok(login) => crate::login_page::form(&login, None),
                    Err(e) => crate::login_page::ended(&e.message),
                };
                Ok(Response::bytes(StatusCode::OK, crate::login_page::CONTENT_TYPE, page))
            }
            NpmEndpoint::WebLoginSignIn { id } => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let (key, secret) = crate::login_page::credentials(&body);
                let page = match Box::pin(service.sign_in_web_login(&id, &key, &secret, Utc::now())).await {
                    Ok(login) => crate::login_page::signed_in(&login),
                    Err(e) if e.kind == ErrorKind::UnrecognizedClient => {
                        let login = Box::pin(service.web_login(&id, Utc::now())).await?;
                        crate::login_page::form(&login, Some(&e.message))
                    }
                    Err(e) => crate::login_page::ended(&e.message),
                };
                Ok(Response::bytes(StatusCode::OK, crate::login_page::CONTENT_TYPE, page))
            }
            NpmEndpoint::WebLoginDone { secret } => {
                match Box::pin(service.poll_web_login(&secret, Utc::now())).await? {
                    tributary_engine::WebLoginState::Waiting => {
                        let mut response = Response::bytes(StatusCode::ACCEPTED, "application/json", &b"{}"[..]);
                        response.headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                        Ok(response)
                    }
                    tributary_engine::WebLoginState::Done(token) => {
                        Ok(Response::json(responses::render_web_login_token(&token)))
                    }
                }
            }
            NpmEndpoint::Tokens => {
                let (caller, _) = cx.authorized()?;
                let tokens = Box::pin(service.tokens_of_caller(caller, Utc::now())).await?;
                Ok(Response::json(responses::render_tokens(&tokens)))
            }
            NpmEndpoint::TokenCreate => {
                let (caller, _) = cx.authorized()?;
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let asked = responses::parse_token_create(&body)?;
                let (token, record) = Box::pin(service.create_token(
                    caller,
                    &request.domain,
                    &asked.password,
                    asked.read_only,
                    asked.name,
                    Utc::now(),
                ))
                .await?;
                Ok(Response::json(responses::render_created_token(&token, &record)))
            }
            NpmEndpoint::TokenRevoke { key } => {
                let (caller, _) = cx.authorized()?;
                Box::pin(service.revoke_token(caller, &key, Utc::now())).await?;
                Ok(Response::bytes(StatusCode::NO_CONTENT, "application/json", &b""[..]))
            }
            NpmEndpoint::Registries => {
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::list(service, caller, target)).await?))
            }
            NpmEndpoint::Registry { id } => {
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::show(service, caller, target, &id)).await?))
            }
            NpmEndpoint::RegistryCreate => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::create(service, caller, target, &body)).await?))
            }
            NpmEndpoint::RegistryRemove { id } => {
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::remove(service, caller, target, &id)).await?))
            }
            NpmEndpoint::RegistryScopes { id } => {
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::scopes(service, caller, target, &id)).await?))
            }
            NpmEndpoint::RegistrySync { id } => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::follow(service, caller, target, &id, &body)).await?))
            }
            NpmEndpoint::ScopeCreate => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::bind(service, caller, target, &body)).await?))
            }
            NpmEndpoint::ScopeRemove { id } => {
                let (caller, target) = cx.authorized()?;
                Ok(Response::json(Box::pin(crate::registries::unbind(service, caller, target, &id)).await?))
            }
            NpmEndpoint::Whoami => {
                let (caller, _) = cx.authorized()?;
                Ok(Response::json(responses::render_whoami(&Box::pin(service.principal_name(caller)).await?)))
            }
            NpmEndpoint::Search => {
                let text = query_value(request.query, "text").unwrap_or_default();
                let size = query_value(request.query, "size").and_then(|s| s.parse().ok()).unwrap_or(20);
                Ok(Response::json(Box::pin(registry::search(service, cx.target()?, &text, size)).await?))
            }
            NpmEndpoint::Packument { name: n } => {
                let abbreviated = request.header("accept").unwrap_or_default().contains(crate::ABBREVIATED_MEDIA_TYPE);
                let document =
                    registry::packument(service, cx.target()?, &name(&n)?, endpoint_url, abbreviated).await?;
                let content_type = if abbreviated { crate::ABBREVIATED_MEDIA_TYPE } else { "application/json" };
                Ok(Response::document(request, &document, content_type))
            }
            NpmEndpoint::Version { name: n, version } => Ok(Response::json(
                Box::pin(registry::version_manifest(service, cx.target()?, &name(&n)?, &version, endpoint_url)).await?,
            )),
            NpmEndpoint::Tarball { name: n, file } => {
                Ok(Response::asset(registry::tarball(service, cx.target()?, &name(&n)?, &file).await?))
            }
            NpmEndpoint::TarballRemove { .. } => Ok(Response::json(&br#"{"ok":true}"#[..])),
            NpmEndpoint::Publish { name: n } => {
                let name = name(&n)?;
                let body = read_body(MAX_BODY_BYTES).await?;
                Ok(Response::json(Box::pin(registry::put(service, cx.target()?, &name, None, body)).await?))
            }
            NpmEndpoint::Revise { name: n, rev } => {
                let name = name(&n)?;
                let body = read_body(MAX_BODY_BYTES).await?;
                Ok(Response::json(Box::pin(registry::put(service, cx.target()?, &name, Some(&rev), body)).await?))
            }
            NpmEndpoint::Unpublish { name: n, rev } => Ok(Response::json(
                Box::pin(registry::unpublish_package(service, cx.target()?, &name(&n)?, &rev)).await?,
            )),
            NpmEndpoint::DistTags { name: n } => {
                Ok(Response::json(Box::pin(registry::dist_tags(service, cx.target()?, &name(&n)?)).await?))
            }
            NpmEndpoint::DistTagSet { name: n, tag } => {
                let body = read_body(MAX_SMALL_BODY_BYTES).await?;
                Ok(Response::json(
                    Box::pin(registry::set_dist_tag(service, cx.target()?, &name(&n)?, &tag, &body)).await?,
                ))
            }
            NpmEndpoint::DistTagRemove { name: n, tag } => {
                Ok(Response::json(Box::pin(registry::remove_dist_tag(service, cx.target()?, &name(&n)?, &tag)).await?))
            }
        }
    }

    /// npm's error body: `{"error": "..."}`, which npm prints after the status line.
    fn error(&self, err: &ServiceError) -> Response {
        let status = status_of(err);
        let mut response = Response::bytes(status, "application/json", responses::render_error(&err.message));
        if status == StatusCode::UNAUTHORIZED {
            response.headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tributary\""));
        }
        response.with_retry_after(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let name = |n: &str| n.to_owned();
        let cases: &[(Method, &str, Option<NpmEndpoint>)] = &[
            (Method::GET, "-/ping", Some(NpmEndpoint::Ping)),
            (Method::HEAD, "-/ping", Some(NpmEndpoint::Ping)),
            (Method::POST, "-/ping", None),
            (Method::GET, "-/whoami", Some(NpmEndpoint::Whoami)),
            (Method::GET, "-/v1/search", Some(NpmEndpoint::Search)),
            (
                Method::PUT,
                "-/user/org.couchdb.user:TKIA123",
                Some(NpmEndpoint::Login { user: "org.couchdb.user:TKIA123".into() }),
            ),
            (
                Method::PUT,
                "-/user/org.couchdb.user%3ATKIA123",
                Some(NpmEndpoint::Login { user: "org.couchdb.user:TKIA123".into() }),
            ),
            (Method::GET, "-/user/org.couchdb.user:TKIA123", None),
            (Method::PUT, "-/user/TKIA123", None),
            (Method::GET, "lodash", Some(NpmEndpoint::Packument { name: name("lodash") })),
            (Method::HEAD, "lodash", Some(NpmEndpoint::Packument { name: name("lodash") })),
            (Method::PUT, "lodash", Some(NpmEndpoint::Publish { name: name("lodash") })),
            (Method::POST, "lodash", None),
            (Method::GET, "@acme%2flib", Some(NpmEndpoint::Packument { name: name("@acme/lib") })),
            (Method::GET, "@acme%2Flib", Some(NpmEndpoint::Packument { name: name("@acme/lib") })),
            (Method::PUT, "@acme/lib", Some(NpmEndpoint::Publish { name: name("@acme/lib") })),
            (
                Method::GET,
                "lodash/4.17.21",
                Some(NpmEndpoint::Version { name: name("lodash"), version: "4.17.21".into() }),
            ),
            (
                Method::GET,
                "@acme/lib/latest",
                Some(NpmEndpoint::Version { name: name("@acme/lib"), version: "latest".into() }),
            ),
            (Method::PUT, "lodash/4.17.21", None),
            (
                Method::GET,
                "lodash/-/lodash-4.17.21.tgz",
                Some(NpmEndpoint::Tarball { name: name("lodash"), file: "lodash-4.17.21.tgz".into() }),
            ),
            (
                Method::HEAD,
                "@acme/lib/-/lib-1.0.0.tgz",
                Some(NpmEndpoint::Tarball { name: name("@acme/lib"), file: "lib-1.0.0.tgz".into() }),
            ),
            (
                Method::GET,
                "@acme%2flib/-/lib-1.0.0.tgz",
                Some(NpmEndpoint::Tarball { name: name("@acme/lib"), file: "lib-1.0.0.tgz".into() }),
            ),
            (
                Method::GET,
                "@acme/lib/-/@acme/lib-1.0.0.tgz",
                Some(NpmEndpoint::Tarball { name: name("@acme/lib"), file: "@acme/lib-1.0.0.tgz".into() }),
            ),
            (
                Method::DELETE,
                "lodash/-/lodash-1.0.0.tgz/-rev/3-abc",
                Some(NpmEndpoint::TarballRemove { name: name("lodash"), file: "lodash-1.0.0.tgz".into() }),
            ),
            (Method::GET, "lodash/-/lodash-1.0.0.tgz/-rev/3-abc", None),
            (Method::PUT, "lodash/-/lodash-1.0.0.tgz", None),
            (Method::PUT, "lodash/-rev/3-abc", Some(NpmEndpoint::Revise { name: name("lodash"), rev: "3-abc".into() })),
            (
                Method::DELETE,
                "lodash/-rev/3-abc",
                Some(NpmEndpoint::Unpublish { name: name("lodash"), rev: "3-abc".into() }),
            ),
            (Method::GET, "lodash/-rev/3-abc", None),
            (Method::GET, "-/package/@acme%2flib/dist-tags", Some(NpmEndpoint::DistTags { name: name("@acme/lib") })),
            (
                Method::PUT,
                "-/package/lib/dist-tags/beta",
                Some(NpmEndpoint::DistTagSet { name: name("lib"), tag: "beta".into() }),
            ),
            (
                Method::POST,
                "-/package/lib/dist-tags/beta",
                Some(NpmEndpoint::DistTagSet { name: name("lib"), tag: "beta".into() }),
            ),
            (
                Method::DELETE,
                "-/package/lib/dist-tags/beta",
                Some(NpmEndpoint::DistTagRemove { name: name("lib"), tag: "beta".into() }),
            ),
            (Method::GET, "-/package/lib/dist-tags/beta", None),
            (Method::GET, "-/nope", None),
            (Method::GET, "a/b/c/d", None),
            (Method::GET, "", None),
        ];
        for (method, tail, expected) in cases {
            assert_eq!(&NpmEndpoint::parse(method, tail), expected, "{method} {tail}");
        }
    }

    #[test]
    fn access_is_declared_per_endpoint() {
        let access = |method: Method, tail: &str| NpmEndpoint::parse(&method, tail).map(|e| e.access());
        assert_eq!(access(Method::GET, "-/ping"), Some(Access::Anonymous));
        assert_eq!(access(Method::PUT, "-/user/org.couchdb.user:x"), Some(Access::Anonymous));
        assert_eq!(access(Method::GET, "lodash"), Some(Access::Read));
        assert_eq!(access(Method::GET, "lodash/-/lodash-1.0.0.tgz"), Some(Access::Read));
        assert_eq!(access(Method::PUT, "lodash"), Some(Access::Publish));
        assert_eq!(access(Method::PUT, "-/package/lodash/dist-tags/beta"), Some(Access::PutMetadata));
        assert_eq!(access(Method::DELETE, "lodash/-rev/1-x"), Some(Access::Admin));
    }

    #[test]
    fn search_query_values_are_form_decoded() {
        assert_eq!(query_value("text=a+b%2Fc&size=5", "text").as_deref(), Some("a b/c"));
        assert_eq!(query_value("text=a&size=5", "size").as_deref(), Some("5"));
        assert_eq!(query_value("size=5", "text"), None);
    }
}
