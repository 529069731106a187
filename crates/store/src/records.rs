//! What the store hands out: plain records, free of sea-orm types.

use chrono::{DateTime, Utc};

use tributary_model::records::{Domain, Repository, Tag};

use crate::entity::{domains, principals, repositories};

/// A principal: an identity with an access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Its id.
    pub id: String,
    /// A display name.
    pub name: String,
    /// The access key id (public part).
    pub access_key_id: String,
    /// The secret access key. Stored as is: SigV4 verification needs it.
    pub secret_access_key: String,
    /// Whether it may do everything.
    pub is_admin: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<principals::Model> for Principal {
    fn from(m: principals::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            access_key_id: m.access_key_id,
            secret_access_key: m.secret_access_key,
            is_admin: m.is_admin,
            created_at: m.created_at,
        }
    }
}

/// What it takes to create a principal.
#[derive(Debug, Clone)]
pub struct NewPrincipal {
    /// A display name.
    pub name: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Whether it may do everything.
    pub is_admin: bool,
}

/// Tags as stored: a JSON array.
pub(crate) fn tags_to_json(tags: &[Tag]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn tags_from_json(json: &str) -> Vec<Tag> {
    serde_json::from_str(json).unwrap_or_default()
}

pub(crate) fn domain_record(m: domains::Model, repository_count: u64) -> Domain {
    {
        Domain {
            id: m.id,
            name: m.name,
            owner: m.owner,
            encryption_key: m.encryption_key,
            tags: tags_from_json(&m.tags),
            repository_count,
            created_at: m.created_at,
        }
    }
}

pub(crate) fn repository_record(
    m: repositories::Model,
    domain_name: &str,
    domain_owner: &str,
    upstreams: Vec<String>,
) -> Repository {
    {
        Repository {
            id: m.id,
            domain_name: domain_name.to_owned(),
            domain_owner: domain_owner.to_owned(),
            name: m.name,
            description: m.description,
            upstreams,
            external_connection: m.external_connection,
            tags: tags_from_json(&m.tags),
            created_at: m.created_at,
        }
    }
}

/// One repository of a domain's graph, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRecord {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Upstream names in order.
    pub upstreams: Vec<String>,
    /// Its external connection.
    pub external_connection: Option<String>,
}

/// A change to a domain's repositories.
#[derive(Debug, Clone)]
pub enum RepositoryChange {
    /// Create a repository.
    Create {
        /// Its name.
        name: String,
        /// Its description.
        description: Option<String>,
        /// Its upstreams, in order.
        upstreams: Vec<String>,
        /// Its tags.
        tags: Vec<Tag>,
    },
    /// Update a repository: `None` leaves a field as it is.
    Update {
        /// Its name.
        name: String,
        /// The new description.
        description: Option<Option<String>>,
        /// The new upstream list.
        upstreams: Option<Vec<String>>,
    },
    /// Associate (`Some`) or disassociate (`None`) the external connection.
    SetExternalConnection {
        /// The repository name.
        name: String,
        /// The connection.
        connection: Option<String>,
    },
    /// Delete a repository.
    Delete {
        /// Its name.
        name: String,
    },
}

impl RepositoryChange {
    /// The repository the change is about.
    pub fn name(&self) -> &str {
        match self {
            Self::Create { name, .. }
            | Self::Update { name, .. }
            | Self::SetExternalConnection { name, .. }
            | Self::Delete { name } => name,
        }
    }
}
