//! The control plane: the AWS CodeArtifact REST API (2018-09-22) on the wire, so the `aws` CLI,
//! boto3 and the AWS SDKs work against Tributary with `--endpoint-url`.
//!
//! One request: read the body → authenticate (SigV4 or `Bearer` token) → parse the
//! [`Endpoint`] → one service call → render JSON. Errors render as AWS clients expect.

mod endpoint;
mod render;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sha2::{Digest, Sha256};
use tributary_auth::SignedRequest;
use tributary_engine::{Caller, NewRepository, PolicyOf, RepositoryUpdate};
use tributary_model::{ErrorKind, ServiceError};

pub use endpoint::Endpoint;

use crate::AppState;
use crate::error::aws_error;

/// The largest control-plane request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Serves every request under `/v1/`.
pub async fn handle(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    answer(&req, &state, serve(&req, &body, &state)).await
}

/// PublishPackageVersion, whose body (the asset) is streamed to the blob store rather than read
/// first: SigV4 signs the asset's SHA-256 as given in `x-amz-content-sha256`, and the blob
/// store refuses bytes that do not match it.
pub async fn publish(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    crate::ops::name_endpoint(&req, "PublishPackageVersion");
    answer(&req, &state, serve_publish(&req, payload, &state)).await
}

/// Trusted publishing's exchange (Tributary extension, docs/ARCHITECTURE.md): `POST
/// /v1/oidc/token?domain=D` with `{"token": OIDC_TOKEN, "durationSeconds": N}`, unsigned (the
/// OIDC token is the credential), answers a token that opens the trusted publisher's
/// repositories.
pub async fn exchange_oidc_token(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    crate::ops::name_endpoint(&req, "ExchangeOidcToken");
    answer(&req, &state, serve_exchange(&req, &body, &state)).await
}

async fn serve_exchange(req: &HttpRequest, body: &[u8], state: &AppState) -> Result<HttpResponse, ServiceError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Exchange {
        token: String,
        #[serde(default)]
        duration_seconds: u64,
    }
    let domain = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "domain")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| ServiceError::validation("the query parameter `domain` is required"))?;
    let domain = tributary_model::DomainName::parse(&domain)?;
    let exchange: Exchange = serde_json::from_slice(body).map_err(|e| {
        ServiceError::validation(format!("the body must be `{{\"token\": \"<the CI job's OIDC token>\"}}`: {e}"))
    })?;
    let (token, expiration, publisher) =
        state.service.exchange_oidc_token(&domain, &exchange.token, exchange.duration_seconds, Utc::now()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "authorizationToken": token,
        "expiration": render::timestamp(expiration),
        "trustedPublisher": publisher.name,
        "repositories": publisher.repositories,
    })))
}

/// A control-plane answer: `served`'s response or its error as AWS renders one, counted and
/// timed by endpoint, with its request id.
async fn answer(
    req: &HttpRequest,
    state: &AppState,
    served: impl Future<Output = Result<HttpResponse, ServiceError>>,
) -> HttpResponse {
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = std::time::Instant::now();
    let mut response = match served.await {
        Ok(response) => response,
        Err(err) => aws_error(&err, &request_id),
    };
    let endpoint = crate::ops::endpoint_of(req);
    state.metrics.observe("control", endpoint, response.status().as_u16(), started.elapsed());
    if let Ok(value) = header::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(header::HeaderName::from_static("x-amzn-requestid"), value);
    }
    response
}

async fn serve_publish(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<HttpResponse, ServiceError> {
    let declared = req.headers().get("x-amz-content-sha256").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let sha256: tributary_engine::content::Sha256 = declared.parse().map_err(|_| {
        ServiceError::validation("`x-amz-content-sha256` must be the asset's SHA-256 in hexadecimal (`--asset-sha256`)")
    })?;
    let caller = authenticate_signed(req, &sha256.to_hex(), state).await?;
    let endpoint = Endpoint::parse(req.method().as_str(), req.path(), req.query_string(), b"")?;
    if caller.domain_scope.is_some() {
        return Err(ServiceError::new(
            ErrorKind::AccessDenied,
            "`PublishPackageVersion` needs a request signed with access keys, not an authorization token",
        ));
    }
    for permission in endpoint.permissions() {
        state.service.authorize(&caller, permission).await?;
    }
    let Endpoint::PublishPackageVersion { address, version, asset, unfinished } = endpoint else {
        return Err(ServiceError::internal("the publish route parsed another operation"));
    };
    let limit = state.max_upload_bytes;
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!("the asset is larger than this server accepts ({limit} bytes)"),
        )
    };
    let declared_length = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let body = crate::data_plane::bounded(crate::data_plane::pump(payload), limit);
    let published = tributary_engine::PublishedAsset { name: asset, sha256, unfinished };
    let (record, stored) = state.service.publish_generic_asset(&caller, &address, &version, published, body).await?;
    Ok(HttpResponse::Ok().json(render::published_version(&address, &record, &stored)))
}

async fn serve(req: &HttpRequest, body: &[u8], state: &AppState) -> Result<HttpResponse, ServiceError> {
    let caller = authenticate(req, body, state).await?;
    let endpoint = Endpoint::parse(req.method().as_str(), req.path(), req.query_string(), body)?;
    crate::ops::name_endpoint(req, endpoint.name());
    if caller.domain_scope.is_some()
        && let Some(operation) = endpoint.changes_state()
    {
        return Err(ServiceError::new(
            ErrorKind::AccessDenied,
            format!(
                "`{operation}` needs a request signed with access keys: an authorization token (what npm, pip and Maven keep) can read the control plane but not change it"
            ),
        ));
    }
    for permission in endpoint.permissions() {
        state.service.authorize(&caller, permission).await?;
    }
    dispatch(endpoint, &caller, req, state).await
}

/// Who is calling: `Authorization: AWS4-HMAC-SHA256 ...` (access keys) or `Bearer <token>`.
async fn authenticate(req: &HttpRequest, body: &[u8], state: &AppState) -> Result<Caller, ServiceError> {
    authenticate_signed(req, &hex::encode(Sha256::digest(body)), state).await
}

/// The same, for a request whose payload's SHA-256 is `payload_sha256`.
async fn authenticate_signed(
    req: &HttpRequest,
    payload_sha256: &str,
    state: &AppState,
) -> Result<Caller, ServiceError> {
    let now = Utc::now();
    let Some(authorization) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(ServiceError::new(
            ErrorKind::MissingAuthentication,
            "the request is not signed; sign it with your access keys (`aws configure`) or send `Authorization: Bearer <token>`",
        ));
    };
    if let Some(token) = authorization.strip_prefix("Bearer ") {
        return state.service.authenticate_token(token.trim(), now).await;
    }
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str().to_owned(), v.to_owned())))
        .collect();
    let raw_path = req.uri().path();
    let signed = SignedRequest {
        method: req.method().as_str(),
        path: raw_path,
        query: req.query_string(),
        headers: &headers,
        payload_sha256: Some(payload_sha256),
    };
    state.service.authenticate_sigv4(authorization, &signed, now).await
}

async fn dispatch(
    endpoint: Endpoint,
    caller: &Caller,
    req: &HttpRequest,
    state: &AppState,
) -> Result<HttpResponse, ServiceError> {
    let service = &state.service;
    let settings = service.settings();
    let ok = |value: serde_json::Value| Ok(HttpResponse::Ok().json(render::without_nulls(value)));
    match endpoint {
        Endpoint::CreateDomain { domain, owner, encryption_key, tags } => {
            let created = service.create_domain(caller, &domain, owner.as_ref(), encryption_key, &tags).await?;
            ok(serde_json::json!({ "domain": render::domain(&created, settings, 0) }))
        }
        Endpoint::DescribeDomain { domain, owner } => {
            let found = service.describe_domain(caller, &domain, owner.as_ref()).await?;
            let bytes = service.domain_asset_bytes(&found).await?;
            ok(serde_json::json!({ "domain": render::domain(&found, settings, bytes) }))
        }
        Endpoint::DeleteDomain { domain, owner } => {
            let deleted = service.delete_domain(caller, &domain, owner.as_ref()).await?;
            let mut domain = render::domain(&deleted, settings, 0);
            domain["status"] = "Deleted".into();
            ok(serde_json::json!({ "domain": domain }))
        }
        Endpoint::ListDomains { max_results, next_token } => {
            let page = service.list_domains(caller, max_results, next_token.as_deref()).await?;
            let domains: Vec<_> = page.items.iter().map(|d| render::domain_summary(d, settings)).collect();
            ok(render::page("domains", domains, page.next_token))
        }
        Endpoint::CreateRepository { repo, description, upstreams, tags } => {
            let new = NewRepository { description, upstreams, tags };
            let created = service.create_repository(caller, &repo, new).await?;
            ok(serde_json::json!({ "repository": render::repository(&created, settings) }))
        }
        Endpoint::DescribeRepository { repo } => {
            let found = service.describe_repository(caller, &repo).await?;
            ok(serde_json::json!({ "repository": render::repository(&found, settings) }))
        }
        Endpoint::UpdateRepository { repo, description, upstreams } => {
            let update = RepositoryUpdate { description, upstreams };
            let updated = service.update_repository(caller, &repo, update).await?;
            ok(serde_json::json!({ "repository": render::repository(&updated, settings) }))
        }
        Endpoint::DeleteRepository { repo } => {
            let deleted = service.delete_repository(caller, &repo).await?;
            ok(serde_json::json!({ "repository": render::repository(&deleted, settings) }))
        }
        Endpoint::ListRepositories { prefix, max_results, next_token } => {
            let page = service
                .list_repositories(caller, None, None, None, prefix.as_deref(), max_results, next_token.as_deref())
                .await?;
            let items: Vec<_> = page.items.iter().map(|r| render::repository_summary(r, settings)).collect();
            ok(render::page("repositories", items, page.next_token))
        }
        Endpoint::ListRepositoriesInDomain {
            domain,
            owner,
            administrator_account,
            prefix,
            max_results,
            next_token,
        } => {
            let page = service
                .list_repositories(
                    caller,
                    Some(&domain),
                    owner.as_ref(),
                    administrator_account.as_ref(),
                    prefix.as_deref(),
                    max_results,
                    next_token.as_deref(),
                )
                .await?;
            let items: Vec<_> = page.items.iter().map(|r| render::repository_summary(r, settings)).collect();
            ok(render::page("repositories", items, page.next_token))
        }
        Endpoint::AssociateExternalConnection { repo, connection } => {
            let updated = service.associate_external_connection(caller, &repo, &connection).await?;
            ok(serde_json::json!({ "repository": render::repository(&updated, settings) }))
        }
        Endpoint::DisassociateExternalConnection { repo, connection } => {
            let updated = service.disassociate_external_connection(caller, &repo, &connection).await?;
            ok(serde_json::json!({ "repository": render::repository(&updated, settings) }))
        }
        Endpoint::GetRepositoryEndpoint { repo, format } => {
            let public_url = public_url(req, state);
            let url = service.repository_endpoint(caller, &repo, format, &public_url).await?;
            ok(serde_json::json!({ "repositoryEndpoint": url }))
        }
        Endpoint::GetAuthorizationToken { domain, owner, duration_seconds } => {
            let (token, expiration) =
                service.authorization_token(caller, &domain, owner.as_ref(), duration_seconds, Utc::now()).await?;
            ok(serde_json::json!({ "authorizationToken": token, "expiration": render::timestamp(expiration) }))
        }
        Endpoint::SearchOrder { repo } => {
            let order = service.search_order(caller, &repo).await?;
            ok(render::search_order(&order))
        }
        Endpoint::ExternalConnections => ok(render::external_connections(service, caller)),
        Endpoint::PutDomainPermissionsPolicy { domain, owner, revision, document } => {
            let of = PolicyOf::Domain(&domain, owner.as_ref());
            let policy = service.put_policy(caller, of, revision.as_deref(), &document).await?;
            ok(render::policy(&policy))
        }
        Endpoint::GetDomainPermissionsPolicy { domain, owner } => {
            let policy = service.get_policy(caller, PolicyOf::Domain(&domain, owner.as_ref())).await?;
            ok(render::policy(&policy))
        }
        Endpoint::DeleteDomainPermissionsPolicy { domain, owner, revision } => {
            let of = PolicyOf::Domain(&domain, owner.as_ref());
            let policy = service.delete_policy(caller, of, revision.as_deref()).await?;
            ok(render::policy(&policy))
        }
        Endpoint::PutRepositoryPermissionsPolicy { repo, revision, document } => {
            let of = PolicyOf::Repository(&repo);
            let policy = service.put_policy(caller, of, revision.as_deref(), &document).await?;
            ok(render::policy(&policy))
        }
        Endpoint::GetRepositoryPermissionsPolicy { repo } => {
            let policy = service.get_policy(caller, PolicyOf::Repository(&repo)).await?;
            ok(render::policy(&policy))
        }
        Endpoint::DeleteRepositoryPermissionsPolicy { repo, revision } => {
            let policy = service.delete_policy(caller, PolicyOf::Repository(&repo), revision.as_deref()).await?;
            ok(render::policy(&policy))
        }
        Endpoint::PutRepositoryPublicAccess { repo, public } => {
            let public = service.set_public(caller, &repo, public).await?;
            ok(serde_json::json!({ "public": public }))
        }
        Endpoint::GetRepositoryPublicAccess { repo } => {
            let public = service.repository_is_public(caller, &repo).await?;
            ok(serde_json::json!({ "public": public }))
        }
        Endpoint::CreatePrincipal { name, admin } => {
            ok(render::issued_key(&service.create_principal(caller, &name, admin).await?))
        }
        Endpoint::ListPrincipals => {
            let principals = service.list_principals(caller).await?;
            ok(serde_json::json!({ "principals": principals.iter().map(render::principal).collect::<Vec<_>>() }))
        }
        Endpoint::RotateAccessKey { name } => ok(render::issued_key(&service.rotate_access_key(caller, &name).await?)),
        Endpoint::DeletePrincipal { name } => {
            let deleted = service.delete_principal(caller, &name).await?;
            ok(serde_json::json!({ "principal": render::principal(&deleted) }))
        }
        Endpoint::PutReleaseAgePolicy { repo, policy } => {
            let kept = service.set_release_age(caller, &repo, policy).await?;
            ok(serde_json::json!({ "releaseAgePolicy": kept }))
        }
        Endpoint::GetReleaseAgePolicy { repo } => {
            ok(serde_json::json!({ "releaseAgePolicy": service.release_age(caller, &repo).await? }))
        }
        Endpoint::PutChangesFollower { repo, settings } => {
            let follower = service.set_changes_follower(caller, &repo, settings).await?;
            ok(serde_json::json!({ "changesFollower": render::changes_follower(&follower) }))
        }
        Endpoint::GetChangesFollower { repo, connection } => {
            let (follower, pending) = service.changes_follower(caller, &repo, connection.as_deref()).await?;
            ok(serde_json::json!({
                "changesFollower": follower.as_ref().map(render::changes_follower),
                "pendingSyncTasks": pending,
            }))
        }
        Endpoint::PutExternalConnection { domain, connection } => {
            let made = service.put_external_connection(caller, &domain, connection).await?;
            ok(serde_json::json!({ "externalConnection": render::custom_connection(&made) }))
        }
        Endpoint::ListExternalConnections { domain } => {
            let connections = service.external_connections(caller, &domain).await?;
            let rendered: Vec<_> = connections.iter().map(render::custom_connection).collect();
            ok(serde_json::json!({ "externalConnections": rendered }))
        }
        Endpoint::DeleteExternalConnection { domain, name } => {
            service.delete_external_connection(caller, &domain, &name).await?;
            ok(serde_json::json!({}))
        }
        Endpoint::PutScopeBinding { domain, scope, connection } => {
            let bound = service.put_scope_binding(caller, &domain, &scope, &connection).await?;
            ok(serde_json::json!({ "scopeBinding": render::scope_binding(&bound) }))
        }
        Endpoint::ListScopeBindings { domain } => {
            let bindings = service.scope_bindings(caller, &domain).await?;
            ok(serde_json::json!({ "scopeBindings": bindings.iter().map(render::scope_binding).collect::<Vec<_>>() }))
        }
        Endpoint::DeleteScopeBinding { domain, scope } => {
            service.delete_scope_binding(caller, &domain, &scope).await?;
            ok(serde_json::json!({}))
        }
        Endpoint::ListTokens => {
            let tokens = service.tokens_of_caller(caller, Utc::now()).await?;
            ok(serde_json::json!({ "tokens": tokens.iter().map(render::token).collect::<Vec<_>>() }))
        }
        Endpoint::RevokeToken { id } => {
            let revoked = service.revoke_token(caller, &id, Utc::now()).await?;
            ok(serde_json::json!({ "token": render::token(&revoked) }))
        }
        Endpoint::CreatePackageGroup { domain, owner, pattern, details, tags } => {
            let (found, groups, pattern) =
                service.create_package_group(caller, &domain, owner.as_ref(), &pattern, details, tags).await?;
            ok(serde_json::json!({ "packageGroup": render::package_group(&found, &groups, &pattern, settings) }))
        }
        Endpoint::UpdatePackageGroup { domain, owner, pattern, details } => {
            let (found, groups, pattern) =
                service.update_package_group(caller, &domain, owner.as_ref(), &pattern, details).await?;
            ok(serde_json::json!({ "packageGroup": render::package_group(&found, &groups, &pattern, settings) }))
        }
        Endpoint::DeletePackageGroup { domain, owner, pattern } => {
            let (found, groups, pattern) =
                service.delete_package_group(caller, &domain, owner.as_ref(), &pattern).await?;
            ok(serde_json::json!({ "packageGroup": render::package_group(&found, &groups, &pattern, settings) }))
        }
        Endpoint::DescribePackageGroup { domain, owner, pattern } => {
            let (found, groups, pattern) =
                service.describe_package_group(caller, &domain, owner.as_ref(), &pattern).await?;
            ok(serde_json::json!({ "packageGroup": render::package_group(&found, &groups, &pattern, settings) }))
        }
        Endpoint::ListPackageGroups { domain, owner, prefix, page } => {
            let (found, groups) = service.list_package_groups(caller, &domain, owner.as_ref()).await?;
            let mut patterns: Vec<_> = groups
                .all()
                .iter()
                .map(|g| g.pattern.clone())
                .filter(|p| prefix.as_deref().is_none_or(|prefix| p.to_string().starts_with(prefix)))
                .collect();
            patterns.sort_by_key(ToString::to_string);
            let (patterns, next) = page.cut(patterns);
            let items = patterns.iter().map(|p| render::package_group(&found, &groups, p, settings)).collect();
            ok(render::page("packageGroups", items, next))
        }
        Endpoint::ListSubPackageGroups { domain, owner, pattern, page } => {
            let (found, groups, pattern) =
                service.describe_package_group(caller, &domain, owner.as_ref(), &pattern).await?;
            let mut children: Vec<_> = groups.children_of(&pattern).into_iter().map(|g| g.pattern.clone()).collect();
            children.sort_by_key(ToString::to_string);
            let (children, next) = page.cut(children);
            let items = children.iter().map(|p| render::package_group(&found, &groups, p, settings)).collect();
            ok(render::page("packageGroups", items, next))
        }
        Endpoint::GetAssociatedPackageGroup { domain, owner, package } => {
            let (found, groups, pattern) =
                service.associated_package_group(caller, &domain, owner.as_ref(), &package).await?;
            ok(serde_json::json!({
                "packageGroup": render::package_group(&found, &groups, &pattern, settings),
                "associationType": "STRONG",
            }))
        }
        Endpoint::ListAssociatedPackages { domain, owner, pattern, preview, page } => {
            let packages = service.associated_packages(caller, &domain, owner.as_ref(), &pattern, preview).await?;
            let (packages, next) = page.cut(packages);
            let items = packages
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "format": p.format.as_str(),
                        "namespace": Some(p.namespace.as_str()).filter(|n| !n.is_empty()),
                        "package": p.name,
                        "associationType": "STRONG",
                    })
                })
                .collect();
            ok(render::page("packages", items, next))
        }
        Endpoint::UpdatePackageGroupOriginConfiguration { domain, owner, pattern, update } => {
            let (found, groups, pattern, changes) =
                service.update_group_origin_configuration(caller, &domain, owner.as_ref(), &pattern, update).await?;
            let updates: serde_json::Map<String, serde_json::Value> = changes
                .iter()
                .map(|(rule, (added, removed))| {
                    (rule.as_str().to_owned(), serde_json::json!({ "ADDED": added, "REMOVED": removed }))
                })
                .collect();
            ok(serde_json::json!({
                "packageGroup": render::package_group(&found, &groups, &pattern, settings),
                "allowedRepositoryUpdates": updates,
            }))
        }
        Endpoint::ListAllowedRepositoriesForGroup { domain, owner, pattern, rule, page } => {
            let (_, groups, pattern) =
                service.describe_package_group(caller, &domain, owner.as_ref(), &pattern).await?;
            let allowed = groups.get(&pattern).map(|g| g.allowed(rule).to_vec()).unwrap_or_default();
            let (allowed, next) = page.cut(allowed);
            ok(render::page("allowedRepositories", allowed.into_iter().map(Into::into).collect(), next))
        }
        Endpoint::PromotePackageVersion { address, version, view } => {
            let (package, record, views) = service.promote_version(caller, &address, &version, view).await?;
            ok(render::version_views(&package, &record, &views))
        }
        Endpoint::GetPackageVersionViews { address, version } => {
            let (package, record, views) = service.version_views(caller, &address, &version).await?;
            ok(render::version_views(&package, &record, &views))
        }
        Endpoint::PutCleanupPolicy { repo, policy } => {
            service.set_cleanup_policy(caller, &repo, policy).await?;
            ok(render::cleanup_policy(policy.as_ref()))
        }
        Endpoint::GetCleanupPolicy { repo } => {
            let policy = service.cleanup_policy(caller, &repo).await?;
            ok(render::cleanup_policy(policy.as_ref()))
        }
        Endpoint::CleanUpRepository { repo, dry_run } => {
            let chosen = service.clean_up(caller, &repo, dry_run, Utc::now()).await?;
            ok(render::cleanup(&chosen, dry_run))
        }
        Endpoint::TagResource { resource, tags } => {
            service.tag_resource(caller, &resource, &tags).await?;
            ok(serde_json::json!({}))
        }
        Endpoint::UntagResource { resource, keys } => {
            service.untag_resource(caller, &resource, &keys).await?;
            ok(serde_json::json!({}))
        }
        Endpoint::ListTagsForResource { resource } => {
            let tags = service.tags_of(caller, &resource).await?;
            ok(serde_json::json!({ "tags": tags }))
        }
        Endpoint::PutTrustedPublisher { domain, publisher } => {
            let set = service.put_trusted_publisher(caller, &domain, publisher).await?;
            ok(serde_json::json!({ "trustedPublisher": render::trusted_publisher(&set) }))
        }
        Endpoint::ListTrustedPublishers { domain } => {
            let list = service.trusted_publishers(caller, &domain).await?;
            ok(
                serde_json::json!({ "trustedPublishers": list.iter().map(render::trusted_publisher).collect::<Vec<_>>() }),
            )
        }
        Endpoint::DeleteTrustedPublisher { domain, name } => {
            service.delete_trusted_publisher(caller, &domain, &name).await?;
            ok(serde_json::json!({}))
        }
        Endpoint::ListPackages { repo, filter, max_results, next_token } => {
            let page = service.list_packages(caller, &repo, &filter, max_results, next_token.as_deref()).await?;
            let items: Vec<_> = page.items.iter().map(render::package_summary).collect();
            ok(render::page("packages", items, page.next_token))
        }
        Endpoint::DescribePackage { address } => {
            let package = service.describe_package(caller, &address).await?;
            ok(serde_json::json!({ "package": render::package_description(&package) }))
        }
        Endpoint::DeletePackage { address } => {
            let package = service.delete_package(caller, &address).await?;
            ok(serde_json::json!({ "deletedPackage": render::package_summary(&package) }))
        }
        Endpoint::PutPackageOriginConfiguration { address, restrictions } => {
            let package = service.put_origin_configuration(caller, &address, restrictions).await?;
            ok(serde_json::json!({ "originConfiguration": render::origin_configuration(&package) }))
        }
        Endpoint::ListPackageVersions { address, filter, max_results, next_token } => {
            let list =
                service.list_package_versions(caller, &address, &filter, max_results, next_token.as_deref()).await?;
            ok(render::version_list(&list))
        }
        Endpoint::DescribePackageVersion { address, version } => {
            let (package, record) = service.describe_package_version(caller, &address, &version).await?;
            ok(serde_json::json!({ "packageVersion": render::version_description(&package, &record) }))
        }
        Endpoint::ListPackageVersionAssets { address, version, max_results, next_token } => {
            let (package, record, next) =
                service.list_version_assets(caller, &address, &version, max_results, next_token.as_deref()).await?;
            let mut listed = render::version_assets(&package, &record);
            if let Some(next) = next {
                listed["nextToken"] = next.into();
            }
            ok(listed)
        }
        Endpoint::GetPackageVersionReadme { address, version } => {
            let (package, record) = service.describe_package_version(caller, &address, &version).await?;
            ok(render::version_readme(&package, &record))
        }
        Endpoint::ListPackageVersionDependencies { address, version } => {
            let (package, record) = service.describe_package_version(caller, &address, &version).await?;
            ok(render::version_dependencies(&package, &record))
        }
        Endpoint::PublishPackageVersion { .. } => {
            Err(ServiceError::internal("PublishPackageVersion is served by its own route, which streams the asset"))
        }
        Endpoint::GetPackageVersionAsset { address, version, asset } => {
            let (record, body) = service.package_version_asset(caller, &address, &version, &asset).await?;
            let mut response = HttpResponse::Ok();
            response
                .content_type("application/octet-stream")
                .insert_header(("X-AssetName", body.name.clone()))
                .insert_header(("X-PackageVersion", record.version.clone()))
                .insert_header(("X-PackageVersionRevision", record.revision.clone()));
            if let Some(size) = body.size {
                response.no_chunking(size);
            }
            Ok(response.streaming(body.stream))
        }
        Endpoint::UpdatePackageVersionsStatus { address, versions, expected, target } => {
            let outcomes = service.update_versions_status(caller, &address, &versions, expected, target).await?;
            ok(render::status_outcomes(&outcomes))
        }
        Endpoint::CopyPackageVersions { request } => {
            let outcomes = service.copy_versions(caller, &request).await?;
            ok(render::status_outcomes(&outcomes))
        }
        Endpoint::DisposePackageVersions { address, versions, expected } => {
            let outcomes = service.dispose_versions(caller, &address, &versions, expected).await?;
            ok(render::status_outcomes(&outcomes))
        }
        Endpoint::DeletePackageVersions { address, versions, expected } => {
            let outcomes = service.delete_versions(caller, &address, &versions, expected).await?;
            ok(render::status_outcomes(&outcomes))
        }
    }
}

/// The public base URL: configured, else from `X-Forwarded-Proto`/`X-Forwarded-Host` or `Host`.
pub(crate) fn public_url(req: &HttpRequest, state: &AppState) -> String {
    if let Some(url) = &state.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}
