//! Error kinds shared by every layer, declared by the one table that gives each its CodeArtifact
//! error type and HTTP status. Protocol front ends render a [`ServiceError`] in their own wire form.

use std::fmt;

/// Declares [`ErrorKind`] from one table: each row is a kind, its CodeArtifact / AWS error type and
/// its HTTP status. The lookups are `match`es generated from the rows, so a kind cannot exist
/// without its row.
macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $kind:ident => ($error_type:literal, $status:literal), )*) => {
        /// What went wrong, at the level a client can act on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $( $(#[$doc])* $kind, )*
        }

        impl ErrorKind {
            /// Every kind, in table order.
            pub const ALL: &[ErrorKind] = &[$(ErrorKind::$kind),*];

            /// The error type clients see in `x-amzn-ErrorType`, e.g. `ResourceNotFoundException`.
            pub fn error_type(self) -> &'static str {
                match self { $(ErrorKind::$kind => $error_type,)* }
            }

            /// The HTTP status code.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorKind::$kind => $status,)* }
            }
        }
    };
}

error_kinds! {
    /// A parameter has an invalid value.
    Validation => ("ValidationException", 400),
    /// No credentials were given.
    MissingAuthentication => ("MissingAuthenticationTokenException", 403),
    /// The access key is not known.
    UnrecognizedClient => ("UnrecognizedClientException", 403),
    /// The signature does not match, or the request is too old.
    InvalidSignature => ("InvalidSignatureException", 403),
    /// The caller is known but may not do this.
    AccessDenied => ("AccessDeniedException", 403),
    /// The resource does not exist.
    NotFound => ("ResourceNotFoundException", 404),
    /// The request conflicts with the current state.
    Conflict => ("ConflictException", 409),
    /// A limit would be exceeded.
    QuotaExceeded => ("ServiceQuotaExceededException", 402),
    /// An upload is larger than the server accepts.
    PayloadTooLarge => ("RequestEntityTooLargeException", 413),
    /// None of the representations the client accepts is served.
    NotAcceptable => ("NotAcceptableException", 406),
    /// Too many requests.
    Throttling => ("ThrottlingException", 429),
    /// A bug or an unavailable dependency on our side.
    Internal => ("InternalServerException", 500),
    /// An upstream registry failed or answered nonsense.
    BadGateway => ("BadGatewayException", 502),
    /// An upstream registry did not answer in time.
    GatewayTimeout => ("GatewayTimeoutException", 504),
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
    fn every_kind_has_an_error_status_and_an_exception_type() {
        for &kind in ErrorKind::ALL {
            assert!((400..600).contains(&kind.http_status()), "{kind:?}");
            assert!(kind.error_type().ends_with("Exception"), "{kind:?}");
        }
        // Each kind has its own error type (statuses may be shared: 403 is three kinds).
        let mut types: Vec<_> = ErrorKind::ALL.iter().map(|k| k.error_type()).collect();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), ErrorKind::ALL.len());
        assert_eq!(ErrorKind::QuotaExceeded.http_status(), 402);
        assert_eq!(ErrorKind::NotFound.error_type(), "ResourceNotFoundException");
    }
}
