//! cnpmcore's registry and scope administration under the npm endpoint (`/-/registry`,
//! `/-/scope`, `/-/registry/{id}/sync`), as its documentation writes the requests, mapped onto
//! the domain's external connections and scope bindings (docs/DESIGN.md §4, "Custom external
//! connections"): a registry is the npm connection `npm:{name}` (its `registryId` is that name),
//! a scope is a binding, and a registry's sync makes the repository's npm gateway follow its
//! changes feed.

use serde::Deserialize;
use serde_json::{Value, json};
use tributary_engine::{Caller, ConnectionInfo, NewConnection, RepoTarget, ScopeBinding, Service};
use tributary_model::{DomainName, ErrorKind, ServiceError};

/// `POST /-/registry`'s body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewRegistry {
    name: String,
    host: String,
    change_stream: Option<String>,
    auth_token: Option<String>,
}

/// `POST /-/scope`'s body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewScope {
    name: String,
    registry_id: String,
}

/// `POST /-/registry/{id}/sync`'s body (it may be empty).
#[derive(Debug, Default, Deserialize)]
struct RegistrySync {
    since: Option<Value>,
}

fn bad_body(what: &str, e: &serde_json::Error) -> ServiceError {
    ServiceError::validation(format!("the body is not {what}: {e}"))
}

fn ok() -> Vec<u8> {
    br#"{"ok":true}"#.to_vec()
}

fn domain(target: &RepoTarget) -> Result<DomainName, ServiceError> {
    Ok(DomainName::parse(&target.domain.name)?)
}

/// A registry as cnpmcore shows one.
fn registry(id: &str, host: &str, change_stream: &str, created: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    let name = id.strip_prefix("npm:").unwrap_or(id);
    let time = created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    json!({
        "registryId": id,
        "name": name,
        "host": host,
        "changeStream": change_stream,
        "type": "npm",
        "userPrefix": "",
        "createdAt": time,
        "updatedAt": time,
    })
}

fn custom(c: &ConnectionInfo) -> Value {
    let changes = c.changes_url.clone().unwrap_or_else(|| format!("{}/_changes", c.url.trim_end_matches('/')));
    registry(&c.name, &c.url, &changes, Some(c.created_at))
}

/// The registries `target`'s domain reads npm packages from: the npm connections of its search
/// order that are known (`public:npmjs`) and those made in the domain.
async fn registries(service: &Service, caller: &Caller, target: &RepoTarget) -> Result<Vec<Value>, ServiceError> {
    let made = service.external_connections(caller, &domain(target)?).await?;
    let mut found: Vec<Value> = Vec::new();
    for connection in target.external_connections(tributary_model::PackageFormat::Npm) {
        if tributary_model::ExternalConnection::find(&connection).is_some() {
            let host = service.connection_url(&connection);
            found.push(registry(&connection, &host, &format!("{}/_changes", host.trim_end_matches('/')), None));
        }
    }
    found.extend(made.iter().filter(|c| c.format == tributary_model::PackageFormat::Npm).map(custom));
    Ok(found)
}

fn page(data: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "count": data.len(), "data": data })).unwrap_or_default()
}

/// `GET /-/registry`.
pub async fn list(service: &Service, caller: &Caller, target: &RepoTarget) -> Result<Vec<u8>, ServiceError> {
    Ok(page(registries(service, caller, target).await?))
}

/// `GET /-/registry/{id}`.
pub async fn show(service: &Service, caller: &Caller, target: &RepoTarget, id: &str) -> Result<Vec<u8>, ServiceError> {
    let found = registries(service, caller, target).await?.into_iter().find(|r| r["registryId"] == id);
    let found = found.ok_or_else(|| ServiceError::new(ErrorKind::NotFound, format!("registry `{id}` not found")))?;
    Ok(serde_json::to_vec(&found).unwrap_or_default())
}

/// `POST /-/registry`: makes the connection `npm:{name}`.
pub async fn create(
    service: &Service,
    caller: &Caller,
    target: &RepoTarget,
    body: &[u8],
) -> Result<Vec<u8>, ServiceError> {
    let asked: NewRegistry = serde_json::from_slice(body).map_err(|e| bad_body("a registry", &e))?;
    let name = if asked.name.starts_with("npm:") { asked.name } else { format!("npm:{}", asked.name) };
    let connection = NewConnection {
        name,
        url: asked.host,
        changes_url: asked.change_stream,
        auth_token: asked.auth_token,
        ..NewConnection::default()
    };
    service.put_external_connection(caller, &domain(target)?, connection).await?;
    Ok(ok())
}

/// `DELETE /-/registry/{id}`.
pub async fn remove(
    service: &Service,
    caller: &Caller,
    target: &RepoTarget,
    id: &str,
) -> Result<Vec<u8>, ServiceError> {
    service.delete_external_connection(caller, &domain(target)?, id).await?;
    Ok(ok())
}

/// `GET /-/registry/{id}/scopes`.
pub async fn scopes(
    service: &Service,
    caller: &Caller,
    target: &RepoTarget,
    id: &str,
) -> Result<Vec<u8>, ServiceError> {
    let bindings = service.scope_bindings(caller, &domain(target)?).await?;
    let data = bindings.iter().filter(|b| b.connection == id).map(scope).collect();
    Ok(page(data))
}

fn scope(b: &ScopeBinding) -> Value {
    let time = b.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({ "scopeId": b.scope, "name": b.scope, "registryId": b.connection, "createdAt": time, "updatedAt": time })
}

/// `POST /-/scope`: binds a scope to a registry (an unknown registry is a bad request, as in
/// cnpmcore).
pub async fn bind(
    service: &Service,
    caller: &Caller,
    target: &RepoTarget,
    body: &[u8],
) -> Result<Vec<u8>, ServiceError> {
    let asked: NewScope = serde_json::from_slice(body).map_err(|e| bad_body("a scope", &e))?;
    match service.put_scope_binding(caller, &domain(target)?, &asked.name, &asked.registry_id).await {
        Ok(_) => Ok(ok()),
        Err(e) if e.kind == ErrorKind::NotFound => Err(ServiceError::validation(e.message)),
        Err(e) => Err(e),
    }
}

/// `DELETE /-/scope/{id}` (a scope's id is its name).
pub async fn unbind(
    service: &Service,
    caller: &Caller,
    target: &RepoTarget,
    id: &str,
) -> Result<Vec<u8>, ServiceError> {
    service.delete_scope_binding(caller, &domain(target)?, id).await?;
    Ok(ok())
}

/// `POST /-/registry/{id}/sync`: the repository's npm gateway follows the registry's feed.
pub async fn follow(
    service: &Service,
    caller: &Caller,
    target: &RepoTarget,
    id: &str,
    body: &[u8],
) -> Result<Vec<u8>, ServiceError> {
    let asked: RegistrySync = if body.iter().all(u8::is_ascii_whitespace) {
        RegistrySync::default()
    } else {
        serde_json::from_slice(body).map_err(|e| bad_body("`{\"since\": ...}`", &e))?
    };
    let since = match asked.since {
        None | Some(Value::Null) => None,
        Some(Value::String(seq)) => Some(seq),
        Some(Value::Number(seq)) => Some(seq.to_string()),
        Some(other) => return Err(ServiceError::validation(format!("`since` is a sequence, not `{other}`"))),
    };
    service.follow_registry(caller, target, id, since).await?;
    Ok(ok())
}
