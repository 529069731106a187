//! External connections made in a domain, and the scopes bound to them (docs/DESIGN.md §4,
//! "Custom external connections"): a registry of one format at any URL, with the credentials
//! sent to it, named `FORMAT:LABEL` (`npm:corp`); a repository is associated with one as with
//! `public:npmjs`. A scope binding (`@corp` → `npm:corp`) makes every step of a search order
//! that reaches an npm external connection read the scope's packages from the bound one
//! instead, so `@corp/*` comes from the corporate registry and the rest from the public one
//! (and a public package can never stand in for a corporate one).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use tributary_model::{DomainName, ErrorKind, ExternalConnection, PackageCoordinates, PackageFormat, ServiceError};
use tributary_store::{CustomConnectionRecord, ScopeBindingRecord};

use crate::access::{Permission, Resource};
use crate::upstream::Remote;
use crate::{Caller, Service};

/// A domain's connections and scope bindings, as the resolver reads them (cached with the
/// domain's access rules).
#[derive(Debug, Default)]
pub(crate) struct DomainRemotes {
    /// By name.
    connections: HashMap<String, CustomConnectionRecord>,
    /// (format, scope) → connection name.
    scopes: HashMap<(PackageFormat, String), String>,
}

impl DomainRemotes {
    pub(crate) fn new(connections: Vec<CustomConnectionRecord>, bindings: Vec<ScopeBindingRecord>) -> Self {
        let scopes = bindings
            .into_iter()
            .filter_map(|b| Some(((PackageFormat::parse(&b.format)?, b.scope), b.connection)))
            .collect();
        Self { connections: connections.into_iter().map(|c| (c.name.clone(), c)).collect(), scopes }
    }

    /// The connection a search step whose own connection is `connection` reads `coordinates`
    /// from: the one the package's scope is bound to, if the step's is of the package's format.
    pub(crate) fn connection_for<'a>(&'a self, connection: &'a str, coordinates: &PackageCoordinates) -> &'a str {
        if crate::resolve::connection_format(connection) != Some(coordinates.format) {
            return connection;
        }
        scope_of(coordinates)
            .and_then(|scope| self.scopes.get(&(coordinates.format, scope)))
            .map_or(connection, String::as_str)
    }

    /// The stored connection `name`, if the domain has it.
    pub(crate) fn custom(&self, name: &str) -> Option<&CustomConnectionRecord> {
        self.connections.get(name)
    }
}

/// The scope a package of `coordinates` belongs to, for the formats that have scopes (npm's
/// `@scope`).
pub(crate) fn scope_of(coordinates: &PackageCoordinates) -> Option<String> {
    (coordinates.format == PackageFormat::Npm && !coordinates.namespace.is_empty())
        .then(|| format!("@{}", coordinates.namespace))
}

/// What PutExternalConnection is given (`Debug` shows no secret).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NewConnection {
    /// `FORMAT:LABEL`.
    pub name: String,
    /// The registry's base URL.
    pub url: String,
    /// Its changes feed, when not `{url}/_changes` (npm).
    pub changes_url: Option<String>,
    /// A bearer token to send it.
    pub auth_token: Option<String>,
    /// A user name and password to send it (Basic).
    pub username: Option<String>,
    /// See `username`.
    pub password: Option<String>,
}

impl std::fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("NewConnection")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("changes_url", &self.changes_url)
            .field("auth_token", &secret(&self.auth_token))
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .finish()
    }
}

/// A connection as shown: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Its name.
    pub name: String,
    /// Its format.
    pub format: PackageFormat,
    /// Its base URL, without credentials.
    pub url: String,
    /// Its changes feed, if set.
    pub changes_url: Option<String>,
    /// Whether requests to it carry credentials.
    pub has_credentials: bool,
    /// When it was made or last changed.
    pub created_at: chrono::DateTime<Utc>,
}

impl ConnectionInfo {
    fn of(record: &CustomConnectionRecord) -> Self {
        Self {
            name: record.name.clone(),
            format: PackageFormat::parse(&record.format).unwrap_or(PackageFormat::Npm),
            url: crate::upstream::redact(&record.url),
            changes_url: record.changes_url.as_deref().map(crate::upstream::redact),
            has_credentials: record.auth_token.is_some() || record.username.is_some(),
            created_at: record.created_at,
        }
    }
}

/// A scope binding as shown.
pub use tributary_store::ScopeBindingRecord as ScopeBinding;

/// The `Authorization` value a stored connection sends.
fn authorization(record: &CustomConnectionRecord) -> Option<String> {
    use base64::Engine as _;
    match (&record.auth_token, &record.username) {
        (Some(token), _) => Some(format!("Bearer {token}")),
        (None, Some(user)) => {
            let pair = format!("{user}:{}", record.password.as_deref().unwrap_or_default());
            Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
        }
        (None, None) => None,
    }
}

/// Checks a connection's URL: http(s), with a host, no credentials in it (they go in their own
/// fields, never shown), and for a base URL no query nor fragment (paths are appended to it).
/// The answer for a connection the domain does not have.
pub(crate) fn connection_not_found(name: &str, domain: &str) -> ServiceError {
    ServiceError::new(ErrorKind::NotFound, format!("external connection `{name}` does not exist in domain `{domain}`"))
}

fn check_url(field: &str, value: &str, base: bool) -> Result<(), ServiceError> {
    let shown = crate::upstream::redact(value);
    let parsed = url::Url::parse(value)
        .ok()
        .filter(|p| matches!(p.scheme(), "https" | "http") && p.host().is_some())
        .ok_or_else(|| ServiceError::validation(format!("`{field}` must be an http(s) URL, not `{shown}`")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(ServiceError::validation(format!(
            "`{field}` must not hold credentials: give `authToken`, or `username` and `password`"
        )));
    }
    if base && (parsed.query().is_some() || parsed.fragment().is_some()) {
        return Err(ServiceError::validation(format!("`{field}` is a base URL: no query nor fragment (`{shown}`)")));
    }
    Ok(())
}

/// Checks that `value` (a checked URL) names no local address, written as one or resolved to
/// one: a connection made in a domain may not reach the server's own machine or a cloud's
/// metadata service (the request-time guard in `upstream.rs` checks again, for names that
/// resolve elsewhere later). A name that does not resolve now is let through to that guard.
async fn check_not_local(field: &str, value: &str) -> Result<(), ServiceError> {
    let refused = |address: &str| {
        ServiceError::validation(format!(
            "`{field}` reaches {address}, a local address: a connection made in a domain may not reach the \
             server's own machine or a link-local address (the operator allows it with `allow_local_connections`)"
        ))
    };
    let Ok(parsed) = url::Url::parse(value) else { return Ok(()) };
    if let Some(address) = crate::upstream::local_host(&parsed) {
        return Err(refused(&address));
    }
    if let (Some(url::Host::Domain(name)), Some(port)) = (parsed.host(), parsed.port_or_known_default())
        && let Ok(addresses) = tokio::net::lookup_host((name, port)).await
    {
        for address in addresses {
            if crate::upstream::is_local(address.ip()) {
                return Err(refused(&address.ip().to_string()));
            }
        }
    }
    Ok(())
}

/// Checks an npm scope: `@` and a name npm accepts as a scope.
fn check_scope(scope: &str) -> Result<(), ServiceError> {
    let name = scope.strip_prefix('@').unwrap_or_default();
    let valid = !name.is_empty()
        && name.len() <= 214
        && !name.starts_with(['.', '_'])
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if valid {
        Ok(())
    } else {
        Err(ServiceError::validation(format!("scope `{scope}` is not an npm scope such as `@corp`")))
    }
}

impl Service {
    /// The domain's connections and bindings (cached with its access rules).
    pub(crate) async fn domain_remotes(
        &self,
        domain: &tributary_store::Domain,
    ) -> Result<Arc<DomainRemotes>, ServiceError> {
        Ok(Arc::clone(&self.domain_access(domain).await?.remotes))
    }

    /// Retires, here and across the fleet, the domain's cached connections and bindings and the
    /// documents made through them (a scope read from another registry now, a URL or
    /// credentials changed).
    async fn remotes_changed(&self, domain: &tributary_store::Domain) {
        self.forget_access(domain).await;
        self.caches.graph_changed(&domain.id).await;
    }

    /// The connection `name` as requests to it are made: a known one as configured, or one
    /// made in `remotes`' domain.
    pub(crate) fn remote(&self, remotes: &DomainRemotes, name: &str) -> Result<Remote, ServiceError> {
        if ExternalConnection::find(name).is_some() {
            return Ok(self.upstreams.known_remote(name));
        }
        let record = remotes.custom(name).ok_or_else(|| {
            ServiceError::new(
                ErrorKind::NotFound,
                format!("external connection `{name}` does not exist in this domain"),
            )
        })?;
        Ok(Remote::new(name, &record.url, authorization(record)))
    }

    async fn authorize_domain(
        &self,
        caller: &Caller,
        domain: &DomainName,
        action: &'static str,
    ) -> Result<tributary_store::Domain, ServiceError> {
        caller.check_domain(domain)?;
        if caller.is_anonymous() {
            return Err(ServiceError::new(ErrorKind::MissingAuthentication, "log in to manage external connections"));
        }
        self.authorize(caller, Permission { action, resource: Resource::Domain(domain) }).await?;
        self.domain(domain, None).await
    }

    /// Makes (or replaces) an external connection of `domain` (a Tributary extension).
    pub async fn put_external_connection(
        &self,
        caller: &Caller,
        domain: &DomainName,
        new: NewConnection,
    ) -> Result<ConnectionInfo, ServiceError> {
        let format = tributary_model::custom_connection_format(&new.name).map_err(ServiceError::validation)?;
        check_url("url", &new.url, true)?;
        if let Some(changes) = &new.changes_url {
            check_url("changesUrl", changes, false)?;
        }
        if !self.upstreams.allows_local_connections() {
            for (field, url) in [("url", Some(&new.url)), ("changesUrl", new.changes_url.as_ref())] {
                if let Some(url) = url {
                    check_not_local(field, url).await?;
                }
            }
        }
        if new.auth_token.is_some() && new.username.is_some() {
            return Err(ServiceError::validation("give `authToken` or `username` and `password`, not both"));
        }
        if new.password.is_some() && new.username.is_none() {
            return Err(ServiceError::validation("`password` needs `username`"));
        }
        if [&new.auth_token, &new.username, &new.password]
            .into_iter()
            .flatten()
            .any(|v| v.is_empty() || v.chars().any(char::is_control))
        {
            return Err(ServiceError::validation("credentials must not be empty nor hold control characters"));
        }
        let found = self.authorize_domain(caller, domain, "tributary:PutExternalConnection").await?;
        let record = CustomConnectionRecord {
            name: new.name,
            format: format.as_str().to_owned(),
            url: new.url,
            changes_url: new.changes_url,
            auth_token: new.auth_token,
            username: new.username,
            password: new.password,
            created_at: Utc::now(),
        };
        self.store.put_custom_connection(&found.id, &record).await?;
        self.remotes_changed(&found).await;
        Ok(ConnectionInfo::of(&record))
    }

    /// The external connections made in `domain`.
    pub async fn external_connections(
        &self,
        caller: &Caller,
        domain: &DomainName,
    ) -> Result<Vec<ConnectionInfo>, ServiceError> {
        let found = self.authorize_domain(caller, domain, "tributary:ListExternalConnections").await?;
        Ok(self.store.custom_connections(&found.id).await?.iter().map(ConnectionInfo::of).collect())
    }

    /// Deletes an external connection of `domain` and the scopes bound to it; refused while a
    /// repository is associated with it.
    pub async fn delete_external_connection(
        &self,
        caller: &Caller,
        domain: &DomainName,
        name: &str,
    ) -> Result<(), ServiceError> {
        let found = self.authorize_domain(caller, domain, "tributary:DeleteExternalConnection").await?;
        let deleted = self.store.delete_custom_connection(&found, name).await?;
        self.remotes_changed(&found).await;
        if !deleted {
            return Err(connection_not_found(name, domain.as_str()));
        }
        Ok(())
    }

    /// Binds an npm scope of `domain` to one of its external connections (replacing the scope's
    /// binding).
    pub async fn put_scope_binding(
        &self,
        caller: &Caller,
        domain: &DomainName,
        scope: &str,
        connection: &str,
    ) -> Result<ScopeBinding, ServiceError> {
        check_scope(scope)?;
        let format = tributary_model::custom_connection_format(connection).map_err(ServiceError::validation)?;
        if format != PackageFormat::Npm {
            return Err(ServiceError::validation(format!(
                "scopes are npm's; `{connection}` is a {} connection",
                format.as_str()
            )));
        }
        let found = self.authorize_domain(caller, domain, "tributary:PutScopeBinding").await?;
        let binding = ScopeBindingRecord {
            format: format.as_str().to_owned(),
            scope: scope.to_owned(),
            connection: connection.to_owned(),
            created_at: Utc::now(),
        };
        if !self.store.put_scope_binding(&found, &binding).await? {
            return Err(connection_not_found(connection, domain.as_str()));
        }
        self.remotes_changed(&found).await;
        Ok(binding)
    }

    /// The scopes bound in `domain`.
    pub async fn scope_bindings(
        &self,
        caller: &Caller,
        domain: &DomainName,
    ) -> Result<Vec<ScopeBinding>, ServiceError> {
        let found = self.authorize_domain(caller, domain, "tributary:ListScopeBindings").await?;
        Ok(self.store.scope_bindings(&found.id).await?)
    }

    /// Unbinds an npm scope of `domain`.
    pub async fn delete_scope_binding(
        &self,
        caller: &Caller,
        domain: &DomainName,
        scope: &str,
    ) -> Result<(), ServiceError> {
        let found = self.authorize_domain(caller, domain, "tributary:DeleteScopeBinding").await?;
        let deleted = self.store.delete_scope_binding(&found.id, PackageFormat::Npm.as_str(), scope).await?;
        self.remotes_changed(&found).await;
        if !deleted {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("scope `{scope}` is not bound in domain `{domain}`"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coordinates(namespace: &str, name: &str) -> PackageCoordinates {
        PackageCoordinates { format: PackageFormat::Npm, namespace: namespace.to_owned(), name: name.to_owned() }
    }

    fn remotes() -> DomainRemotes {
        let binding = ScopeBindingRecord {
            format: "npm".to_owned(),
            scope: "@corp".to_owned(),
            connection: "npm:corp".to_owned(),
            created_at: Utc::now(),
        };
        DomainRemotes::new(Vec::new(), vec![binding])
    }

    #[test]
    fn a_bound_scope_reads_from_its_connection() {
        let remotes = remotes();
        assert_eq!(remotes.connection_for("public:npmjs", &coordinates("corp", "widget")), "npm:corp");
        assert_eq!(remotes.connection_for("npm:mirror", &coordinates("corp", "widget")), "npm:corp");
        assert_eq!(remotes.connection_for("public:npmjs", &coordinates("", "lodash")), "public:npmjs");
        assert_eq!(remotes.connection_for("public:npmjs", &coordinates("other", "x")), "public:npmjs");
        // A step of another format keeps its own.
        assert_eq!(remotes.connection_for("public:pypi", &coordinates("corp", "widget")), "public:pypi");
    }

    #[test]
    fn connection_urls() {
        assert!(check_url("url", "https://npm.corp.example/registry/", true).is_ok());
        assert!(check_url("changesUrl", "https://npm.corp.example/_changes?feed=normal", false).is_ok());
        for bad in ["ftp://x/", "https://u:p@npm.corp.example/", "https://x/?a=1", "https://x/#f", "not a url"] {
            assert!(check_url("url", bad, true).is_err(), "{bad}");
        }
        let refused = check_url("url", "https://u:secret@x/", true).expect_err("credentials in a URL");
        assert!(!refused.message.contains("secret"), "{}", refused.message);
    }

    #[test]
    fn scopes_and_credentials() {
        for good in ["@corp", "@my-org.x", "@a_b"] {
            assert!(check_scope(good).is_ok(), "{good}");
        }
        for bad in ["corp", "@", "@Corp", "@a/b", "@.x", ""] {
            assert!(check_scope(bad).is_err(), "{bad}");
        }
        let mut record = CustomConnectionRecord {
            name: "npm:corp".to_owned(),
            format: "npm".to_owned(),
            url: "http://r/".to_owned(),
            changes_url: None,
            auth_token: Some("t0k".to_owned()),
            username: None,
            password: None,
            created_at: Utc::now(),
        };
        assert_eq!(authorization(&record).as_deref(), Some("Bearer t0k"));
        record.auth_token = None;
        record.username = Some("u".to_owned());
        record.password = Some("p".to_owned());
        assert_eq!(authorization(&record).as_deref(), Some("Basic dTpw"));
    }
}
