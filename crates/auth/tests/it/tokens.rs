//! Authorization tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tributary_auth::{AuthError, TokenClaims, TokenSigner};

use crate::support::at;

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn signer() -> TokenSigner {
    TokenSigner::new(KEY)
}

#[test]
fn a_token_round_trips() {
    let now = at("2026-11-20T12:00:00Z");
    let (token, expiration) = signer().issue("principal-1", "my-domain", "000000000000", 3600, now).expect("issued");
    assert_eq!(expiration, now + TimeDelta::hours(1));
    let claims = signer().verify(&token, now + TimeDelta::minutes(59)).expect("valid");
    assert_eq!(claims.sub, "principal-1");
    assert_eq!(claims.domain, "my-domain");
    assert_eq!(claims.owner, "000000000000");
    assert_eq!(claims.iat, now.timestamp());
    assert_eq!(claims.exp, expiration.timestamp());
    assert_eq!(claims.jti.len(), 32);
}

#[test]
fn each_token_has_its_own_id() {
    let now = at("2026-11-20T12:00:00Z");
    let (first, _) = signer().issue("p", "d", "o", 0, now).expect("issued");
    let (second, _) = signer().issue("p", "d", "o", 0, now).expect("issued");
    assert_ne!(first, second);
    assert_ne!(signer().verify(&first, now).expect("valid").jti, signer().verify(&second, now).expect("valid").jti);
}

#[test]
fn durations_follow_codeartifact() {
    let now = at("2026-11-20T12:00:00Z");
    let expiry = |seconds| signer().issue("p", "d", "o", seconds, now).map(|(_, expiration)| expiration);
    assert_eq!(expiry(0), Ok(now + TimeDelta::seconds(43_200)), "0 means the default of 12 hours");
    assert_eq!(expiry(900), Ok(now + TimeDelta::seconds(900)));
    assert_eq!(expiry(43_200), Ok(now + TimeDelta::seconds(43_200)));
    assert_eq!(expiry(899), Err(AuthError::InvalidTokenDuration(899)));
    assert_eq!(expiry(43_201), Err(AuthError::InvalidTokenDuration(43_201)));
    assert_eq!(expiry(u64::MAX), Err(AuthError::InvalidTokenDuration(u64::MAX)));
    assert!(AuthError::InvalidTokenDuration(899).to_string().contains("`durationSeconds`"));
}

#[test]
fn an_expired_token_is_rejected_after_30_seconds_of_leeway() {
    let now = at("2026-11-20T12:00:00Z");
    let (token, expiration) = signer().issue("p", "d", "o", 900, now).expect("issued");
    assert!(signer().verify(&token, expiration + TimeDelta::seconds(30)).is_ok());
    let error = signer().verify(&token, expiration + TimeDelta::seconds(31)).expect_err("expired");
    assert_eq!(error, AuthError::TokenExpired { expired_at: "2026-11-20T12:15:00+00:00".to_owned() });
    assert!(error.to_string().contains("get-authorization-token"));
}

#[test]
fn a_token_from_the_future_is_rejected() {
    let now = at("2026-11-20T12:00:00Z");
    let (token, _) = signer().issue("p", "d", "o", 900, now).expect("issued");
    assert!(signer().verify(&token, now - TimeDelta::seconds(30)).is_ok());
    assert!(matches!(signer().verify(&token, now - TimeDelta::seconds(31)), Err(AuthError::InvalidToken(_))));
}

#[test]
fn a_tampered_token_is_rejected() {
    let now = at("2026-11-20T12:00:00Z");
    let (token, _) = signer().issue("p", "d", "o", 900, now).expect("issued");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url");
    let payload = String::from_utf8(payload).expect("json").replace("\"sub\":\"p\"", "\"sub\":\"admin\"");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload), parts[2]);
    let error = signer().verify(&tampered, now).expect_err("tampered");
    assert!(matches!(&error, AuthError::InvalidToken(detail) if detail.contains("signature")), "{error:?}");
}

#[test]
fn a_token_of_another_key_is_rejected() {
    let now = at("2026-11-20T12:00:00Z");
    let (token, _) =
        TokenSigner::new(b"another key, another server......").issue("p", "d", "o", 900, now).expect("issued");
    assert!(matches!(signer().verify(&token, now), Err(AuthError::InvalidToken(_))));
}

#[test]
fn only_hs256_is_accepted() {
    let now = at("2026-11-20T12:00:00Z");
    let claims = TokenClaims {
        sub: "p".to_owned(),
        domain: "d".to_owned(),
        owner: "o".to_owned(),
        iat: now.timestamp(),
        exp: now.timestamp() + 900,
        jti: "j".to_owned(),
        publisher: None,
        repositories: None,
        read_only: false,
        console: false,
        access_key_id: None,
    };
    let hs512 =
        jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(KEY)).expect("encoded");
    let error = signer().verify(&hs512, now).expect_err("HS512");
    assert!(matches!(&error, AuthError::InvalidToken(detail) if detail.contains("HS256")), "{error:?}");

    // `alg: none` with the same claims and no signature.
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body = hs512.split('.').nth(1).expect("a payload");
    assert!(matches!(signer().verify(&format!("{none_header}.{body}."), now), Err(AuthError::InvalidToken(_))));
}

#[test]
fn garbage_is_not_a_token() {
    let now = at("2026-11-20T12:00:00Z");
    for garbage in ["", "abc", "a.b.c", "Basic dXNlcjpwYXNz"] {
        assert!(matches!(signer().verify(garbage, now), Err(AuthError::InvalidToken(_))), "{garbage:?}");
    }
}
