//! The one error type of this crate. Every message says what was wrong, names the value in
//! backticks, and says what to do: mvn prints it after the status line of a failed deploy.

use tributary_model::{ErrorKind, ServiceError};

/// Why a Maven path, file or document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MavenError {
    /// What kind of refusal (decides the HTTP status).
    pub kind: ErrorKind,
    /// The message, for people.
    pub message: String,
}

impl MavenError {
    /// A bad input (HTTP 400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Validation, message: message.into() }
    }

    /// A document larger than this crate reads (HTTP 413).
    pub fn too_large(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::PayloadTooLarge, message: message.into() }
    }
}

impl From<MavenError> for ServiceError {
    fn from(e: MavenError) -> Self {
        ServiceError::new(e.kind, e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_is_a_validation_error() {
        let e = MavenError::invalid("the path `a/../b` holds `..`");
        assert_eq!(e.kind, ErrorKind::Validation);
        assert_eq!(e.to_string(), "the path `a/../b` holds `..`");
        let s: ServiceError = e.into();
        assert_eq!(s.kind, ErrorKind::Validation);
        assert_eq!(s.kind.http_status(), 400);
        assert_eq!(MavenError::too_large("big").kind.http_status(), 413);
    }
}
