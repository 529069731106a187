//! The store's error type.

use sea_orm::{DbErr, SqlErr};
use tributary_model::{ResourceType, ServiceError};

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// The change was refused for a reason the client can act on.
    #[error("{0}")]
    Rejected(ServiceError),
    /// Stored data contradicts itself.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict about `id`; other errors pass through.
    pub(crate) fn conflict_on_unique(err: DbErr, kind: ResourceType, id: &str, message: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::Rejected(ServiceError::conflict(kind, id, message.to_owned()))
            }
            _ => Self::Database(err),
        }
    }

    /// Maps a foreign-key violation to a conflict about `id`; other errors pass through.
    pub(crate) fn conflict_on_foreign_key(err: DbErr, kind: ResourceType, id: &str, message: &str) -> Self {
        // SQLite reports an `ON DELETE RESTRICT` refusal with code 1811, which sea-orm does not
        // classify; its text is the same as for other foreign-key failures.
        let foreign_key = matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
            || err.to_string().contains("FOREIGN KEY constraint failed");
        if foreign_key {
            Self::Rejected(ServiceError::conflict(kind, id, message.to_owned()))
        } else {
            Self::Database(err)
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Rejected(e) => e,
            other => ServiceError::internal(other.to_string()),
        }
    }
}
