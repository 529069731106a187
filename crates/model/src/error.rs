//! Error kinds shared by every layer, and the one table that maps each to its CodeArtifact error
//! type and HTTP status. Protocol front ends render a [`ServiceError`] in their own wire form.

use std::fmt;

/// What went wrong, at the level a client can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A parameter has an invalid value.
    Validation,
    /// No credentials were given.
    MissingAuthentication,
    /// The access key is not known.
    UnrecognizedClient,
    /// The signature does not match, or the request is too old.
    InvalidSignature,
    /// The caller is known but may not do this.
    AccessDenied,
    /// The resource does not exist.
    NotFound,
    /// The request conflicts with the current state.
    Conflict,
    /// A limit would be exceeded.
    QuotaExceeded,
    /// An upload is larger than the server accepts.
    PayloadTooLarge,
    /// None of the representations the client accepts is served.
    NotAcceptable,
    /// Too many requests.
    Throttling,
    /// A bug or an unavailable dependency on our side.
    Internal,
    /// An upstream registry failed or answered nonsense.
    BadGateway,
    /// An upstream registry did not answer in time.
    GatewayTimeout,
}

/// The table: kind → (CodeArtifact / AWS error type, HTTP status). Everything else derives from it.
const TABLE: &[(ErrorKind, &str, u16)] = &[
    (ErrorKind::Validation, "ValidationException", 400),
    (ErrorKind::MissingAuthentication, "MissingAuthenticationTokenException", 401),
    (ErrorKind::UnrecognizedClient, "UnrecognizedClientException", 403),
    (ErrorKind::InvalidSignature, "InvalidSignatureException", 403),
    (ErrorKind::AccessDenied, "AccessDeniedException", 403),
    (ErrorKind::NotFound, "ResourceNotFoundException", 404),
    (ErrorKind::Conflict, "ConflictException", 409),
    (ErrorKind::QuotaExceeded, "ServiceQuotaExceededException", 402),
    (ErrorKind::PayloadTooLarge, "RequestEntityTooLargeException", 413),
    (ErrorKind::NotAcceptable, "NotAcceptableException", 406),
    (ErrorKind::Throttling, "ThrottlingException", 429),
    (ErrorKind::Internal, "InternalServerException", 500),
    (ErrorKind::BadGateway, "BadGatewayException", 502),
    (ErrorKind::GatewayTimeout, "GatewayTimeoutException", 504),
];

impl ErrorKind {
    fn row(self) -> (&'static str, u16) {
        TABLE.iter().find(|(k, _, _)| *k == self).map_or(("InternalServerException", 500), |(_, t, s)| (*t, *s))
    }

    /// The error type clients see in `x-amzn-ErrorType`, e.g. `ResourceNotFoundException`.
    pub fn error_type(self) -> &'static str {
        self.row().0
    }

    /// The HTTP status code.
    pub fn http_status(self) -> u16 {
        self.row().1
    }
}

/// The kind of resource an error is about (CodeArtifact's `ResourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    /// A domain.
    Domain,
    /// A repository.
    Repository,
    /// A package.
    Package,
    /// A package version.
    PackageVersion,
    /// An asset.
    Asset,
}

impl ResourceType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Domain => "domain",
            Self::Repository => "repository",
            Self::Package => "package",
            Self::PackageVersion => "package-version",
            Self::Asset => "asset",
        }
    }
}

/// An error a client can read: a kind, a plain message, and the resource it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// What happened and what to do, names in backticks.
    pub message: String,
    /// The resource, when there is one.
    pub resource: Option<(ResourceType, String)>,
    /// For a throttled or unavailable request: after how many seconds to try again (sent as
    /// `Retry-After`).
    pub retry_after: Option<u64>,
}

impl ServiceError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), resource: None, retry_after: None }
    }

    /// Tells the client to try again after `seconds`.
    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }

    /// Names the resource the error is about.
    pub fn with_resource(mut self, kind: ResourceType, id: impl Into<String>) -> Self {
        self.resource = Some((kind, id.into()));
        self
    }

    /// A validation error.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    /// A not-found error about a resource.
    pub fn not_found(kind: ResourceType, id: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message).with_resource(kind, id)
    }

    /// A conflict about a resource.
    pub fn conflict(kind: ResourceType, id: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message).with_resource(kind, id)
    }

    /// An internal error; the message is logged, the client sees a generic text.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.error_type(), self.message)
    }
}

impl std::error::Error for ServiceError {}

impl From<crate::NameError> for ServiceError {
    fn from(e: crate::NameError) -> Self {
        Self::validation(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_the_table_once() {
        let kinds = [
            ErrorKind::Validation,
            ErrorKind::MissingAuthentication,
            ErrorKind::UnrecognizedClient,
            ErrorKind::InvalidSignature,
            ErrorKind::AccessDenied,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::QuotaExceeded,
            ErrorKind::Throttling,
            ErrorKind::Internal,
            ErrorKind::BadGateway,
            ErrorKind::GatewayTimeout,
        ];
        for k in kinds {
            assert_eq!(TABLE.iter().filter(|(t, _, _)| *t == k).count(), 1, "{k:?}");
        }
        assert_eq!(ErrorKind::QuotaExceeded.http_status(), 402);
        assert_eq!(ErrorKind::NotFound.error_type(), "ResourceNotFoundException");
    }
}
