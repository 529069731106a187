//! External connections made in a domain and the scopes bound to them (docs/DESIGN.md §4,
//! "Custom external connections").

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use tributary_model::{ErrorKind, ServiceError};

use crate::entity::{changes_followers, custom_connections, repositories, scope_bindings};
use crate::{Domain, Result, Store, StoreError};

/// An external connection made in a domain, as stored (its credentials included: the server
/// sends them to the registry, so it keeps them as they are; `Debug` shows none).
#[derive(Clone, PartialEq, Eq)]
pub struct CustomConnectionRecord {
    /// `FORMAT:LABEL`, e.g. `npm:corp`.
    pub name: String,
    /// The format's wire name (`npm`).
    pub format: String,
    /// The registry's base URL.
    pub url: String,
    /// Its changes feed, when not `{url}/_changes`.
    pub changes_url: Option<String>,
    /// A bearer token sent to it.
    pub auth_token: Option<String>,
    /// A user name and password sent to it (Basic), when there is no token.
    pub username: Option<String>,
    /// See `username`.
    pub password: Option<String>,
    /// When it was made (or last changed).
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for CustomConnectionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("CustomConnectionRecord")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("url", &self.url)
            .field("changes_url", &self.changes_url)
            .field("auth_token", &secret(&self.auth_token))
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl From<custom_connections::Model> for CustomConnectionRecord {
    fn from(m: custom_connections::Model) -> Self {
        Self {
            name: m.name,
            format: m.format,
            url: m.url,
            changes_url: m.changes_url,
            auth_token: m.auth_token,
            username: m.username,
            password: m.password,
            created_at: m.created_at,
        }
    }
}

/// A scope whose packages a domain reads from one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeBindingRecord {
    /// The format's wire name (`npm`).
    pub format: String,
    /// The scope, e.g. `@corp`.
    pub scope: String,
    /// The connection's name.
    pub connection: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<scope_bindings::Model> for ScopeBindingRecord {
    fn from(m: scope_bindings::Model) -> Self {
        Self { format: m.format, scope: m.scope, connection: m.connection, created_at: m.created_at }
    }
}

impl Store {
    /// Makes (or replaces) the connection `connection.name` of the domain `domain_id`.
    pub async fn put_custom_connection(&self, domain_id: &str, connection: &CustomConnectionRecord) -> Result<()> {
        let model = custom_connections::ActiveModel {
            domain_id: Set(domain_id.to_owned()),
            name: Set(connection.name.clone()),
            format: Set(connection.format.clone()),
            url: Set(connection.url.clone()),
            changes_url: Set(connection.changes_url.clone()),
            auth_token: Set(connection.auth_token.clone()),
            username: Set(connection.username.clone()),
            password: Set(connection.password.clone()),
            created_at: Set(connection.created_at),
        };
        custom_connections::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([custom_connections::Column::DomainId, custom_connections::Column::Name])
                    .update_columns([
                        custom_connections::Column::Format,
                        custom_connections::Column::Url,
                        custom_connections::Column::ChangesUrl,
                        custom_connections::Column::AuthToken,
                        custom_connections::Column::Username,
                        custom_connections::Column::Password,
                        custom_connections::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The connections made in the domain `domain_id`, by name.
    pub async fn custom_connections(&self, domain_id: &str) -> Result<Vec<CustomConnectionRecord>> {
        Ok(custom_connections::Entity::find()
            .filter(custom_connections::Column::DomainId.eq(domain_id))
            .order_by_asc(custom_connections::Column::Name)
            .all(&self.reads)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Deletes the connection `name` of `domain`, the scopes bound to it and the followers of its
    /// feed, in one transaction; refused while a repository of the domain is associated with it. Whether
    /// there was one.
    pub async fn delete_custom_connection(&self, domain: &Domain, name: &str) -> Result<bool> {
        let txn = self.begin_write().await?;
        // Serialized with the association of repositories ([`Store::change_repository`]).
        crate::lock_domain(&txn, &domain.name).await?;
        let domain_id = domain.id.as_str();
        let associated = repositories::Entity::find()
            .filter(repositories::Column::DomainId.eq(domain_id))
            .filter(repositories::Column::ExternalConnection.eq(name))
            .one(&txn)
            .await?;
        if let Some(repository) = associated {
            return Err(StoreError::Rejected(ServiceError::new(
                ErrorKind::Conflict,
                format!(
                    "external connection `{name}` is associated with repository `{}`; disassociate it first",
                    repository.name
                ),
            )));
        }
        scope_bindings::Entity::delete_many()
            .filter(scope_bindings::Column::DomainId.eq(domain_id))
            .filter(scope_bindings::Column::Connection.eq(name))
            .exec(&txn)
            .await?;
        changes_followers::Entity::delete_many()
            .filter(changes_followers::Column::DomainId.eq(domain_id))
            .filter(changes_followers::Column::Connection.eq(name))
            .exec(&txn)
            .await?;
        let deleted = custom_connections::Entity::delete_many()
            .filter(custom_connections::Column::DomainId.eq(domain_id))
            .filter(custom_connections::Column::Name.eq(name))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Binds `binding.scope` to `binding.connection` in the domain `domain_id` (replacing the
    /// scope's binding), if that connection exists there: whether it does.
    pub async fn put_scope_binding(&self, domain: &Domain, binding: &ScopeBindingRecord) -> Result<bool> {
        let txn = self.begin_write().await?;
        // Serialized with the connection's deletion.
        crate::lock_domain(&txn, &domain.name).await?;
        let domain_id = domain.id.as_str();
        let exists = custom_connections::Entity::find()
            .filter(custom_connections::Column::DomainId.eq(domain_id))
            .filter(custom_connections::Column::Name.eq(binding.connection.as_str()))
            .count(&txn)
            .await?
            > 0;
        if !exists {
            return Ok(false);
        }
        let model = scope_bindings::ActiveModel {
            domain_id: Set(domain_id.to_owned()),
            format: Set(binding.format.clone()),
            scope: Set(binding.scope.clone()),
            connection: Set(binding.connection.clone()),
            created_at: Set(binding.created_at),
        };
        scope_bindings::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([
                    scope_bindings::Column::DomainId,
                    scope_bindings::Column::Format,
                    scope_bindings::Column::Scope,
                ])
                .update_columns([scope_bindings::Column::Connection, scope_bindings::Column::CreatedAt])
                .to_owned(),
            )
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The scopes bound in the domain `domain_id`.
    pub async fn scope_bindings(&self, domain_id: &str) -> Result<Vec<ScopeBindingRecord>> {
        Ok(scope_bindings::Entity::find()
            .filter(scope_bindings::Column::DomainId.eq(domain_id))
            .order_by_asc(scope_bindings::Column::Scope)
            .all(&self.reads)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Unbinds `scope` of `format` in the domain `domain_id`: whether it was bound.
    pub async fn delete_scope_binding(&self, domain_id: &str, format: &str, scope: &str) -> Result<bool> {
        let deleted = scope_bindings::Entity::delete_many()
            .filter(scope_bindings::Column::DomainId.eq(domain_id))
            .filter(scope_bindings::Column::Format.eq(format))
            .filter(scope_bindings::Column::Scope.eq(scope))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }
}
