//! Authentication for Tributary's control plane and data plane. Pure: no HTTP framework, no I/O.
//!
//! - [`sigv4`]: AWS Signature Version 4 verification, as specified in
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html> and as the AWS CLI and SDKs
//!   sign (service `codeartifact`; [`check_region`] holds a signature to the server's region; an
//!   unsigned payload is refused).
//! - [`token`]: the JWT authorization tokens of GetAuthorizationToken (RFC 7519, HS256).
//! - [`keys`]: generation of access key ids, secret access keys and the token key.
//! - [`oidc`]: trusted publishing's OpenID Connect tokens, verified against a domain's trust rule.
//! - [`policy`]: the resource policies of domains and repositories (IAM-shaped JSON), parsed and evaluated.

mod error;
pub mod keys;
pub mod oidc;
pub mod policy;
pub mod sigv4;
pub mod token;

pub use error::AuthError;
pub use keys::{generate_access_key_id, generate_secret_access_key, generate_token_secret};
pub use policy::{AccessRequest, Decision, MAX_POLICY_CHARS, PolicyDocument, PolicyError};
pub use sigv4::{
    SigV4Authorization, SignedRequest, canonical_request, check_region, parse_authorization, verify_sigv4,
};
pub use token::{TokenClaims, TokenSigner, check_lifetime};
