//! The one error type of this crate. Every message says what was wrong, names the value in
//! backticks, and says what to do: mvn prints it after the status line of a failed deploy.

use tributary_model::{ErrorKind, ServiceError};

/// Why a Maven path, file or document was refused; the variant decides the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MavenError {
    /// A bad input (HTTP 400).
    #[error("{0}")]
    Invalid(String),
    /// A document larger than this crate reads (HTTP 413).
    #[error("{0}")]
    TooLarge(String),
}

impl MavenError {
    /// A bad input (HTTP 400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// A document larger than this crate reads (HTTP 413).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::TooLarge(message.into())
    }

    /// The error kind (decides the HTTP status).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Validation,
            Self::TooLarge(_) => ErrorKind::PayloadTooLarge,
        }
    }

    /// The message, for people.
    pub fn message(&self) -> &str {
        match self {
            Self::Invalid(message) | Self::TooLarge(message) => message,
        }
    }
}

impl From<MavenError> for ServiceError {
    fn from(e: MavenError) -> Self {
        let kind = e.kind();
        let message = match e {
            MavenError::Invalid(message) | MavenError::TooLarge(message) => message,
        };
        ServiceError::new(kind, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_is_a_validation_error() {
        let e = MavenError::invalid("the path `a/../b` holds `..`");
        assert_eq!(e.kind(), ErrorKind::Validation);
        assert_eq!(e.to_string(), "the path `a/../b` holds `..`");
        let s: ServiceError = e.into();
        assert_eq!(s.kind, ErrorKind::Validation);
        assert_eq!(s.kind.http_status(), 400);
        assert_eq!(MavenError::too_large("big").kind().http_status(), 413);
    }
}
