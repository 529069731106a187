//! Trusted publishing: a CI job's OpenID Connect token (GitHub Actions, GitLab CI, any issuer
//! that publishes its keys as a JWKS) exchanged for a short-lived Tributary token, as PyPI and
//! npm let CI publish to their public registries (docs/ARCHITECTURE.md, "Trusted publishing").
//!
//! A domain trusts an issuer through a [`TrustRule`]: the issuer, the audience the token must
//! be for, and claim rules (`repository`, `ref`, `workflow`, any claim) whose values are
//! patterns (`*` any run of characters, `?` one character). A token is accepted when its
//! signature verifies with a key of the issuer's JWKS (RS256/384/512, PS256/384/512,
//! ES256/384 or EdDSA; never `none`, never HMAC), its `iss` and `aud` are the rule's, it has not
//! expired (30 s of leeway) and every claim rule matches.
//!
//! Pure: the caller fetches the JWKS.

use std::collections::BTreeMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::policy::glob_matches;

/// How long after its expiry an OIDC token is still accepted (clock differences).
pub const OIDC_LEEWAY_SECONDS: u64 = 30;

/// What a domain trusts: tokens of `issuer`, for `audience`, whose claims match `claims`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRule {
    /// The issuer, exactly as tokens name it in `iss` (`https://token.actions.githubusercontent.com`).
    pub issuer: String,
    /// The audience tokens must name in `aud`.
    pub audience: String,
    /// Claim name → the pattern its value must match (a missing claim matches nothing).
    pub claims: BTreeMap<String, String>,
}

/// An issuer's signing keys: its JWKS (RFC 7517).
#[derive(Debug, Clone)]
pub struct IssuerKeys(JwkSet);

impl IssuerKeys {
    /// Reads a JWKS document.
    pub fn parse(document: &[u8]) -> Result<Self, OidcError> {
        serde_json::from_slice(document).map(Self).map_err(|e| OidcError(format!("it is not a JWKS: {e}")))
    }

    /// Whether a key has the id `kid`.
    pub fn has_key(&self, kid: &str) -> bool {
        self.0.find(kid).is_some()
    }
}

/// Why an OIDC token was refused: said plainly, to the CI job's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OidcError(pub String);

/// The issuer a token claims, read without verifying it: which rule and which keys to verify
/// it with.
pub fn claimed_issuer(token: &str) -> Result<String, OidcError> {
    use base64::Engine as _;
    let unreadable = || OidcError("it is not a JSON Web Token".to_owned());
    let mut parts = token.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(unreadable());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).map_err(|_| unreadable())?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
    claims
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| OidcError("it names no issuer (`iss`)".to_owned()))
}

/// The key id a token's header names, if any: a key the cached JWKS lacks means the issuer
/// rotated its keys, and the JWKS is fetched again.
pub fn key_id(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token.trim()).ok().and_then(|header| header.kid)
}

/// Verifies `token` against `rule` with the issuer's `keys`. Returns its claims.
pub fn verify(token: &str, keys: &IssuerKeys, rule: &TrustRule) -> Result<Map<String, Value>, OidcError> {
    let token = token.trim();
    let header = jsonwebtoken::decode_header(token).map_err(|_| OidcError("it is not a JSON Web Token".to_owned()))?;
    let allowed = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];
    if !allowed.contains(&header.alg) {
        return Err(OidcError(format!("it is signed with {:?}, which is not accepted", header.alg)));
    }
    let keys = &keys.0;
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or_else(|| OidcError("no key of the issuer's JWKS matches its key id (`kid`)".to_owned()))?;
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|e| OidcError(format!("the issuer's key `{}` cannot be used: {e}", header.kid.unwrap_or_default())))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[&rule.issuer]);
    validation.set_audience(&[&rule.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = OIDC_LEEWAY_SECONDS;
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        OidcError(match e.kind() {
            ErrorKind::InvalidSignature => "its signature does not verify with the issuer's keys".to_owned(),
            ErrorKind::ExpiredSignature => "it has expired".to_owned(),
            ErrorKind::ImmatureSignature => "it is not valid yet (`nbf`)".to_owned(),
            ErrorKind::InvalidAudience => format!("its audience (`aud`) is not `{}`", rule.audience),
            ErrorKind::InvalidIssuer => format!("its issuer (`iss`) is not `{}`", rule.issuer),
            ErrorKind::MissingRequiredClaim(claim) => format!("it lacks the `{claim}` claim"),
            ErrorKind::InvalidAlgorithm => "its algorithm does not match the issuer's key".to_owned(),
            _ => format!("it cannot be verified: {e}"),
        })
    })?;
    let claims = data.claims;
    for (name, pattern) in &rule.claims {
        let value = match claims.get(name) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(OidcError(format!("it has no `{name}` claim, which the trust rule requires"))),
        };
        if !glob_matches(pattern, &value) {
            return Err(OidcError(format!("its `{name}` claim is `{value}`, which the trust rule does not allow")));
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use jsonwebtoken::{EncodingKey, Header};

    const SEED: [u8; 32] = [7; 32];

    fn signing_key() -> EncodingKey {
        let mut der = hex::decode("302e020100300506032b657004220420").expect("hex");
        der.extend_from_slice(&SEED);
        EncodingKey::from_ed_der(&der)
    }

    fn keys(public: [u8; 32]) -> IssuerKeys {
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public);
        let document = serde_json::json!({
            "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "k1", "alg": "EdDSA", "use": "sig" }]
        });
        let keys = IssuerKeys::parse(document.to_string().as_bytes()).expect("a JWKS");
        assert!(keys.has_key("k1") && !keys.has_key("k2"));
        keys
    }

    fn public_key() -> [u8; 32] {
        ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key().to_bytes()
    }

    fn rule() -> TrustRule {
        TrustRule {
            issuer: "https://ci.example".to_owned(),
            audience: "tributary".to_owned(),
            claims: BTreeMap::from([
                ("repository".to_owned(), "acme/widget".to_owned()),
                ("ref".to_owned(), "refs/tags/v*".to_owned()),
            ]),
        }
    }

    fn token(claims: Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("k1".to_owned());
        jsonwebtoken::encode(&header, &claims, &signing_key()).expect("signed")
    }

    fn good_claims() -> Value {
        let now = chrono::Utc::now().timestamp();
        serde_json::json!({
            "iss": "https://ci.example", "aud": "tributary", "exp": now + 300, "iat": now,
            "repository": "acme/widget", "ref": "refs/tags/v1.2.0", "sub": "repo:acme/widget:ref:refs/tags/v1.2.0"
        })
    }

    fn refused(claims: Value) -> String {
        verify(&token(claims), &keys(public_key()), &rule()).expect_err("refused").0
    }

    #[test]
    fn a_token_that_fits_the_rule_is_accepted() {
        let claims = verify(&token(good_claims()), &keys(public_key()), &rule()).expect("accepted");
        assert_eq!(claims["repository"], "acme/widget");
        assert_eq!(claimed_issuer(&token(good_claims())).as_deref(), Ok("https://ci.example"));
        assert_eq!(key_id(&token(good_claims())).as_deref(), Some("k1"));
    }

    #[test]
    fn each_mismatch_is_refused_and_named() {
        let with = |name: &str, value: Value| {
            let mut claims = good_claims();
            claims[name] = value;
            claims
        };
        assert!(refused(with("aud", "someone-else".into())).contains("audience"));
        assert!(refused(with("iss", "https://evil.example".into())).contains("issuer"));
        assert!(refused(with("exp", (chrono::Utc::now().timestamp() - 3600).into())).contains("expired"));
        assert!(refused(with("ref", "refs/heads/main".into())).contains("`ref` claim is `refs/heads/main`"));
        assert!(refused(with("repository", "acme/widget-fork".into())).contains("repository"));
        let mut missing = good_claims();
        missing.as_object_mut().expect("object").remove("ref");
        assert!(refused(missing).contains("no `ref` claim"));
    }

    #[test]
    fn another_key_or_an_altered_token_is_refused() {
        let other = verify(&token(good_claims()), &keys([9; 32]), &rule()).expect_err("another key").0;
        assert!(other.contains("signature") || other.contains("cannot"), "{other}");
        let mut altered = token(good_claims());
        let last = altered.pop().expect("a character");
        altered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(verify(&altered, &keys(public_key()), &rule()).is_err());
        assert!(verify("not.a.token", &keys(public_key()), &rule()).is_err());
        assert!(claimed_issuer("nope").is_err());
    }

    #[test]
    fn hmac_and_none_are_never_accepted() {
        let hmac = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &good_claims(),
            &EncodingKey::from_secret(b"public key bytes used as a secret"),
        )
        .expect("signed");
        assert!(verify(&hmac, &keys(public_key()), &rule()).expect_err("HS256").0.contains("not accepted"));
    }
}
