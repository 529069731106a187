//! Tokens a test makes itself, to knock on the server's doors with: the OpenID Connect tokens of a
//! CI provider (trusted publishing), and authorization tokens signed with the server's own key.
//!
//! - [`OidcIssuer::start`] is a stand-in for a CI provider's issuer (GitHub Actions,
//!   GitLab CI): an Ed25519 key (key id `k1`) and a [`FixtureServer`] answering its JWKS at
//!   `/jwks` (`{"keys":[{"kty":"OKP","crv":"Ed25519","x":...,"kid":"k1","alg":"EdDSA","use":"sig"}]}`).
//!   [`OidcIssuer::token`] signs a token (EdDSA) with whatever claims a test wants: the right
//!   ones, or another audience, an expired `exp`, a claim that does not match.
//!   [`OidcIssuer::impostor`] signs with another key under the same key id and issuer: a token
//!   whose signature does not verify.
//! - [`TestServer::token_signing_key`] reads the key the server signs its authorization tokens
//!   with (HS256, kept in its database), and [`sign_hs256`] signs any claims with a key: an
//!   expired token the server really issued, or one signed by another server.
//!
//! [`FixtureServer`]: crate::fixture_server::FixtureServer

use base64::Engine as _;
use serde_json::{Value, json};

use crate::TestServer;
use crate::fixture_server::{FixtureServer, Response};

/// The DER prefix of a PKCS#8 Ed25519 private key, followed by its 32-byte seed (RFC 8410).
const PKCS8_ED25519_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

/// The key id the issuer's JWKS names its key by.
pub const KEY_ID: &str = "k1";

/// A CI provider's OIDC issuer, serving its JWKS until dropped.
#[derive(Debug)]
pub struct OidcIssuer {
    server: FixtureServer,
    seed: [u8; 32],
}

impl OidcIssuer {
    /// Starts an issuer whose Ed25519 key is made from `seed` (distinct seeds, distinct keys).
    pub fn start(seed: [u8; 32]) -> Self {
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public);
        let jwks = json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "x": x, "kid": KEY_ID, "alg": "EdDSA", "use": "sig" }] });
        let body = serde_json::to_vec(&jwks).expect("a JWKS serializes");
        let server = FixtureServer::start("oidc", move |request, _url| match request.path.as_str() {
            "/jwks" => Response::new(200, "application/json", body.clone()),
            _ => Response::text(404, "not found"),
        });
        Self { server, seed }
    }

    /// The issuer, as its tokens name it in `iss`: `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> String {
        self.server.url()
    }

    /// Where its JWKS is served.
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.server.url())
    }

    /// How many times the server fetched the JWKS.
    pub fn jwks_requests(&self) -> usize {
        self.server.requests("/jwks")
    }

    /// A token with `claims`, signed with this issuer's key (EdDSA, key id `k1`).
    pub fn token(&self, claims: &Value) -> String {
        sign_eddsa(&self.seed, claims)
    }

    /// A token with `claims` signed with another key under this issuer's key id: its signature
    /// does not verify with the JWKS.
    pub fn impostor(&self, claims: &Value) -> String {
        let mut other = self.seed;
        other[0] ^= 0xff;
        sign_eddsa(&other, claims)
    }
}

/// `claims` signed with EdDSA by the Ed25519 key of `seed`, the header naming [`KEY_ID`].
fn sign_eddsa(seed: &[u8; 32], claims: &Value) -> String {
    let mut der = PKCS8_ED25519_PREFIX.to_vec();
    der.extend_from_slice(seed);
    let key = jsonwebtoken::EncodingKey::from_ed_der(&der);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(KEY_ID.to_owned());
    jsonwebtoken::encode(&header, claims, &key).expect("an OIDC token signs")
}

/// `claims` signed with HS256 by `key`: the form of the server's authorization tokens.
pub fn sign_hs256(key: &[u8], claims: &Value) -> String {
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    jsonwebtoken::encode(&header, claims, &jsonwebtoken::EncodingKey::from_secret(key)).expect("a token signs")
}

/// The claims of a JWT, read without verifying it.
pub fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap_or_else(|| panic!("`{token}` is not a JWT"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("the payload of `{token}` is not base64url: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("the payload of `{token}` is not JSON: {e}"))
}

impl TestServer {
    /// The key this server signs its authorization tokens with (the server secret
    /// `token-signing-key`, hex in its database), read with `sqlite3` or `psql`.
    pub fn token_signing_key(&self) -> Vec<u8> {
        let sql = "SELECT value FROM server_secrets WHERE name = 'token-signing-key'";
        let postgres = self.database.as_ref().map(|d| d.url.clone()).or_else(|| self.shared_database.clone());
        let output = match postgres {
            Some(url) => std::process::Command::new("psql").arg(url).args(["-qAtc", sql]).output(),
            None => std::process::Command::new("sqlite3").arg(self.data_dir().join("tributary.db")).arg(sql).output(),
        }
        .unwrap_or_else(|e| panic!("cannot run the database's client to read the token key: {e}"));
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        assert!(
            output.status.success() && !text.is_empty(),
            "the token key cannot be read from the database: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        (0..text.len())
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_else(|e| panic!("the token key is not hex: {e}"))
            })
            .collect()
    }
}
