//! Generation of access keys (for SigV4) and of the token signing key.
//!
//! Secret access keys are stored as they are, not hashed: SigV4 verification recomputes the signature
//! with the plaintext secret (the signing key is derived from it per day, region and service), so the
//! server must be able to read it back. Protect the database accordingly.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::rngs::OsRng;
use rand::{Rng, RngCore};

/// The prefix of every access key id this server issues (AWS's long-term keys start with `AKIA`).
pub const ACCESS_KEY_ID_PREFIX: &str = "TKIA";

/// The characters after the prefix: RFC 4648 base32, as in AWS access key ids.
const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new access key id: 20 characters, [`ACCESS_KEY_ID_PREFIX`] and 16 characters of `A-Z2-7`
/// (80 random bits), from the operating system's random source.
pub fn generate_access_key_id() -> String {
    let mut id = String::with_capacity(20);
    id.push_str(ACCESS_KEY_ID_PREFIX);
    for _ in 0..16 {
        id.push(char::from(BASE32_ALPHABET[OsRng.gen_range(0..BASE32_ALPHABET.len())]));
    }
    id
}

/// A new secret access key: 40 characters of standard base64 (`A-Z a-z 0-9 + /`), 240 random bits, from
/// the operating system's random source. Like AWS's; stored as is (see the module documentation).
pub fn generate_secret_access_key() -> String {
    let mut bytes = [0u8; 30];
    OsRng.fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// A new HS256 key for [`crate::TokenSigner`]: 32 bytes from the operating system's random source.
pub fn generate_token_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    secret
}
