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
    /// A file of the version to write is a blob a garbage collection is deleting, or deleted
    /// (`finished`): nothing was written. Once the deletion is finished and the bytes are stored
    /// again, [`Store::blob_uploaded_again`](crate::Store::blob_uploaded_again) lets it through.
    #[error("blob {sha256} was collected as garbage")]
    BlobCollected {
        /// The blob's SHA-256, in hex.
        sha256: String,
        /// Whether the deletion is done (else it is running).
        finished: bool,
    },
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
            StoreError::BlobCollected { sha256, finished } => {
                let message = if finished {
                    format!(
                        "the file with SHA-256 {sha256} was deleted as garbage (stored, but referred to by no version for the grace period) before this version was written; nothing was written: upload it again"
                    )
                } else {
                    format!(
                        "the file with SHA-256 {sha256} is being deleted as garbage (stored, but referred to by no version for the grace period); nothing was written: retry in a minute"
                    )
                };
                ServiceError::new(tributary_model::ErrorKind::Throttling, message)
                    .with_resource(ResourceType::Asset, sha256)
                    .with_retry_after(Some(if finished { 1 } else { 60 }))
            }
            other => ServiceError::internal(other.to_string()),
        }
    }
}
