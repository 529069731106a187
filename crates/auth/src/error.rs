//! The one error type of this crate.

/// Why a request or a token was not accepted, or a token could not be issued.
///
/// The messages are written for the person at the client: they say what was wrong and what to do.
/// The server maps each variant to its wire error (see the SigV4 variants' docs for AWS's names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The request carries no `Authorization` header (nor any other credential).
    /// AWS answers `MissingAuthenticationTokenException`.
    #[error(
        "the request carries no credentials; sign it with AWS Signature Version 4 (the `aws` CLI and the AWS SDKs do) \
         or send `Authorization: Bearer <token>` with a token from `aws codeartifact get-authorization-token`"
    )]
    MissingAuthentication,

    /// The `Authorization` header, the credential scope or the headers SigV4 relies on are not as the
    /// specification requires. AWS answers `IncompleteSignatureException` or `InvalidSignatureException`.
    #[error("the request's AWS Signature Version 4 is malformed: {0}")]
    MalformedAuthorization(String),

    /// The access key id is not held by any principal. This crate never returns it: the caller looks the
    /// key up and returns it. AWS answers `UnrecognizedClientException`.
    #[error(
        "the access key id `{0}` is not known to this server; check the access key the client uses \
         (`aws configure list` shows it)"
    )]
    UnknownAccessKey(String),

    /// The signature does not match the one computed from the request and the principal's secret.
    /// AWS answers `InvalidSignatureException` with this exact message.
    #[error(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method."
    )]
    SignatureMismatch,

    /// The request time (`x-amz-date` or `date`) is more than 15 minutes away from the server time.
    /// AWS answers `InvalidSignatureException` ("Signature expired").
    #[error(
        "the request was signed at `{request_time}` but the server time is `{server_time}`: the client's clock \
         differs from the server's by more than 15 minutes (or the request is old); correct the clock and retry"
    )]
    RequestExpired {
        /// The request time, as `YYYYMMDDTHHMMSSZ`.
        request_time: String,
        /// The server time, as `YYYYMMDDTHHMMSSZ`.
        server_time: String,
    },

    /// The `x-amz-content-sha256` header does not match the SHA-256 of the body the server received.
    #[error(
        "the `x-amz-content-sha256` header says `{declared}` but the request body the server received hashes to \
         `{actual}`; the body changed after it was signed, send it again"
    )]
    PayloadHashMismatch {
        /// The header's value.
        declared: String,
        /// The hex SHA-256 of the body the server received.
        actual: String,
    },

    /// The credential scope names another region than the server's. AWS answers
    /// `InvalidSignatureException`.
    #[error(
        "Credential should be scoped to a valid region, not '{signed}': this server's region is '{expected}' (set it with `aws configure set region {expected}` or `--region {expected}`)"
    )]
    WrongRegion {
        /// The region the request was signed for.
        signed: String,
        /// The server's region.
        expected: String,
    },

    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD`: the signature would not cover the body, so a
    /// captured request could be sent again with another body. AWS answers
    /// `InvalidSignatureException`.
    #[error(
        "`x-amz-content-sha256: UNSIGNED-PAYLOAD` is not accepted: sign the payload (the aws CLI and the AWS SDKs do)"
    )]
    UnsignedPayload,

    /// The caller did not hash the body and the request has no `x-amz-content-sha256` header, so the
    /// canonical request cannot be built. A server bug, not a client one.
    #[error("the server did not hash the request body before checking its signature; this is a server bug")]
    PayloadHashUnavailable,

    /// `durationSeconds` of GetAuthorizationToken is neither 0 nor within 900..=43200.
    #[error(
        "`durationSeconds` must be 0 (for the default of 43200 seconds) or between 900 and 43200 seconds, \
         got {0}"
    )]
    InvalidTokenDuration(u64),

    /// The authorization token is not one this server issued, was altered, or cannot be read.
    #[error(
        "the authorization token is not valid ({0}); get a new one with `aws codeartifact get-authorization-token`"
    )]
    InvalidToken(String),

    /// The authorization token has expired.
    #[error(
        "the authorization token expired at `{expired_at}`; get a new one with `aws codeartifact get-authorization-token`"
    )]
    TokenExpired {
        /// When it expired, RFC 3339.
        expired_at: String,
    },

    /// The token could not be encoded (a server bug: HS256 signing of plain claims does not fail).
    #[error("the authorization token could not be signed: {0}")]
    TokenEncoding(String),
}
