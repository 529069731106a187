//! The one error type of this crate. Every message says what was wrong, names the value in
//! backticks, and says what to do: twine and pip print it after the status line.

use tributary_model::{ErrorKind, ServiceError};

/// Why a PyPI request, file or document was refused; the variant decides the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PypiError {
    /// A bad input (HTTP 400).
    #[error("{0}")]
    Invalid(String),
    /// An upload too large (HTTP 413).
    #[error("{0}")]
    TooLarge(String),
    /// The public registry answered something unusable (HTTP 502).
    #[error("{0}")]
    Upstream(String),
}

impl PypiError {
    /// A bad input (HTTP 400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// An upload too large (HTTP 413).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::TooLarge(message.into())
    }

    /// The error kind (decides the HTTP status).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Validation,
            Self::TooLarge(_) => ErrorKind::PayloadTooLarge,
            Self::Upstream(_) => ErrorKind::BadGateway,
        }
    }

    /// The message, for people.
    pub fn message(&self) -> &str {
        match self {
            Self::Invalid(message) | Self::TooLarge(message) | Self::Upstream(message) => message,
        }
    }
}

impl From<PypiError> for ServiceError {
    fn from(e: PypiError) -> Self {
        let kind = e.kind();
        let message = match e {
            PypiError::Invalid(message) | PypiError::TooLarge(message) | PypiError::Upstream(message) => message,
        };
        ServiceError::new(kind, message)
    }
}
