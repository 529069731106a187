//! The one error type of this crate. Every message says what was wrong, names the value in
//! backticks, and says what to do: twine and pip print it after the status line.

use tributary_model::{ErrorKind, ServiceError};

/// Why a PyPI request, file or document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PypiError {
    /// What kind of refusal (decides the HTTP status).
    pub kind: ErrorKind,
    /// The message, for people.
    pub message: String,
}

impl PypiError {
    /// A bad input (HTTP 400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Validation, message: message.into() }
    }

    /// An upload too large (HTTP 413).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::PayloadTooLarge, message: message.into() }
    }
}

impl From<PypiError> for ServiceError {
    fn from(e: PypiError) -> Self {
        ServiceError::new(e.kind, e.message)
    }
}
