//! Authorization tokens: what GetAuthorizationToken returns, sent back as `Authorization: Bearer <token>`
//! or as the password of HTTP Basic authentication by package managers.
//!
//! A token is a JWT (RFC 7519) signed with HS256 (RFC 7518 §3.2) by a key only the server holds.
//! Only HS256 is accepted, and expiry is checked against the caller's clock, not the system's.

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::AuthError;

/// The lifetime of a token when GetAuthorizationToken is called with `durationSeconds` 0 or without it
/// (12 hours, CodeArtifact's maximum).
pub const DEFAULT_TOKEN_SECONDS: u64 = 43_200;

/// The shortest lifetime a caller may ask for (15 minutes).
pub const MIN_TOKEN_SECONDS: u64 = 900;

/// The longest lifetime a caller may ask for (12 hours).
pub const MAX_TOKEN_SECONDS: u64 = 43_200;

/// How long after its expiry a token is still accepted, for clocks of servers that differ a little.
pub const TOKEN_LEEWAY_SECONDS: i64 = 30;

/// The claims of an authorization token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The principal the token acts for.
    pub sub: String,
    /// The domain the token is scoped to.
    pub domain: String,
    /// The domain owner (account id).
    pub owner: String,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: i64,
    /// A unique id of this token (128 random bits, hex).
    pub jti: String,
    /// For a trusted publisher's token (docs/ARCHITECTURE.md, "Trusted publishing"): the
    /// publisher's name; `sub` is then `trusted-publisher/NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// For a trusted publisher's token: the only repositories it opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repositories: Option<Vec<String>>,
    /// A token that only reads (`npm token create --read-only`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// A web console session (docs/ARCHITECTURE.md, "The web console"): kept in the console's
    /// cookie, never accepted as a bearer token; `domain` is then empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub console: bool,
    /// For a console session: the access key it was signed in with (the session ends when the
    /// principal's key changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
}

/// Issues and verifies authorization tokens with one HS256 key.
pub struct TokenSigner {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner").field("algorithm", &"HS256").finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// A signer with the HS256 key `secret` (32 random bytes from [`crate::generate_token_secret`]).
    pub fn new(secret: &[u8]) -> Self {
        TokenSigner { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    /// Issues a token for `principal_id` scoped to `domain` of `owner`, valid from `now` for
    /// `duration_seconds` (0 means [`DEFAULT_TOKEN_SECONDS`]; otherwise it must be within
    /// [`MIN_TOKEN_SECONDS`]..=[`MAX_TOKEN_SECONDS`], else [`AuthError::InvalidTokenDuration`]).
    ///
    /// Returns the token and its expiration time.
    pub fn issue(
        &self,
        principal_id: &str,
        domain: &str,
        owner: &str,
        duration_seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), AuthError> {
        let seconds = match duration_seconds {
            0 => DEFAULT_TOKEN_SECONDS,
            seconds if (MIN_TOKEN_SECONDS..=MAX_TOKEN_SECONDS).contains(&seconds) => seconds,
            seconds => return Err(AuthError::InvalidTokenDuration(seconds)),
        };
        self.sign(principal_id, domain, owner, seconds, now, None, false)
    }

    /// [`TokenSigner::issue`], for a token that only reads when `read_only`.
    pub fn issue_with(
        &self,
        principal_id: &str,
        domain: &str,
        owner: &str,
        duration_seconds: u64,
        now: DateTime<Utc>,
        read_only: bool,
    ) -> Result<(String, DateTime<Utc>), AuthError> {
        let (token, expiration) = self.issue(principal_id, domain, owner, duration_seconds, now)?;
        if !read_only {
            return Ok((token, expiration));
        }
        let seconds = u64::try_from((expiration - now).num_seconds()).unwrap_or(DEFAULT_TOKEN_SECONDS);
        self.sign(principal_id, domain, owner, seconds, now, None, true)
    }

    /// Issues a token for the trusted publisher `publisher` of `domain`, opening `repositories`
    /// only, valid from `now` for `seconds` (the caller bounds it).
    pub fn issue_for_publisher(
        &self,
        publisher: &str,
        domain: &str,
        owner: &str,
        repositories: &[String],
        seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), AuthError> {
        let scope = Some((publisher, repositories));
        self.sign(&format!("trusted-publisher/{publisher}"), domain, owner, seconds, now, scope, false)
    }

    /// Issues a web console session of `principal_id`, signed in with `access_key_id`, valid
    /// from `now` for `seconds`.
    pub fn issue_console_session(
        &self,
        principal_id: &str,
        access_key_id: &str,
        seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), AuthError> {
        let expiration = now + lifetime(seconds)?;
        let claims = TokenClaims {
            sub: principal_id.to_owned(),
            domain: String::new(),
            owner: String::new(),
            iat: now.timestamp(),
            exp: expiration.timestamp(),
            jti: new_jti(),
            publisher: None,
            repositories: None,
            read_only: false,
            console: true,
            access_key_id: Some(access_key_id.to_owned()),
        };
        Ok((self.encode(&claims)?, expiration))
    }

    #[expect(clippy::too_many_arguments, reason = "every claim a token may carry")]
    fn sign(
        &self,
        principal_id: &str,
        domain: &str,
        owner: &str,
        seconds: u64,
        now: DateTime<Utc>,
        publisher: Option<(&str, &[String])>,
        read_only: bool,
    ) -> Result<(String, DateTime<Utc>), AuthError> {
        let expiration = now + lifetime(seconds)?;
        let claims = TokenClaims {
            sub: principal_id.to_owned(),
            domain: domain.to_owned(),
            owner: owner.to_owned(),
            iat: now.timestamp(),
            exp: expiration.timestamp(),
            jti: new_jti(),
            publisher: publisher.map(|(name, _)| name.to_owned()),
            repositories: publisher.map(|(_, repositories)| repositories.to_vec()),
            read_only,
            console: false,
            access_key_id: None,
        };
        Ok((self.encode(&claims)?, expiration))
    }

    /// `claims`, signed.
    fn encode(&self, claims: &TokenClaims) -> Result<String, AuthError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|error| AuthError::TokenEncoding(error.to_string()))
    }

    /// Verifies a token issued by [`TokenSigner::issue`] with the same key: the algorithm must be HS256,
    /// the signature must match, and `now` must be at most [`TOKEN_LEEWAY_SECONDS`] after its expiry
    /// (and not before its issue time, with the same leeway). Returns its claims; the caller checks
    /// that the domain and principal are the ones the request is for.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, AuthError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // jsonwebtoken checks `exp` against the system clock; we check it against `now` below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<TokenClaims>(token.trim(), &self.decoding, &validation)
            .map_err(|error| AuthError::InvalidToken(describe(&error)))?;
        let claims = data.claims;
        check_lifetime(&claims, now)?;
        Ok(claims)
    }
}

/// `seconds` as a lifetime.
fn lifetime(seconds: u64) -> Result<TimeDelta, AuthError> {
    Ok(TimeDelta::seconds(i64::try_from(seconds).map_err(|_| AuthError::InvalidTokenDuration(seconds))?))
}

/// A new token id: 128 random bits, hex.
fn new_jti() -> String {
    let mut jti = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut jti);
    hex::encode(jti)
}

/// Whether a token with `claims`, its signature checked before, is valid at `now`: at most
/// [`TOKEN_LEEWAY_SECONDS`] after its expiry, and not before its issue time (same leeway). What
/// [`TokenSigner::verify`] checks after the signature; for callers that keep verified claims.
pub fn check_lifetime(claims: &TokenClaims, now: DateTime<Utc>) -> Result<(), AuthError> {
    let now = now.timestamp();
    if now > claims.exp.saturating_add(TOKEN_LEEWAY_SECONDS) {
        let expired_at = DateTime::<Utc>::from_timestamp(claims.exp, 0)
            .map_or_else(|| claims.exp.to_string(), |time| time.to_rfc3339());
        return Err(AuthError::TokenExpired { expired_at });
    }
    if claims.iat > now.saturating_add(TOKEN_LEEWAY_SECONDS) {
        return Err(AuthError::InvalidToken("it was issued in the future".to_owned()));
    }
    Ok(())
}

/// A short, plain description of why jsonwebtoken rejected a token.
fn describe(error: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature => "its signature does not match: it was altered or issued by another server",
        ErrorKind::InvalidAlgorithm => "it is not signed with HS256",
        ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            "it is not a token this server issued"
        }
        ErrorKind::MissingRequiredClaim(_) => "it lacks a required claim",
        _ => "it cannot be read",
    }
    .to_owned()
}
