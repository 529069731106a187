//! Key generation.

use std::collections::HashSet;

use tributary_auth::{generate_access_key_id, generate_secret_access_key, generate_token_secret};

#[test]
fn access_key_ids_look_like_aws_ones() {
    let ids: HashSet<String> = (0..200).map(|_| generate_access_key_id()).collect();
    assert_eq!(ids.len(), 200, "no repeats");
    for id in &ids {
        assert_eq!(id.len(), 20, "{id}");
        assert!(id.starts_with("TKIA"), "{id}");
        assert!(id.bytes().skip(4).all(|byte| byte.is_ascii_uppercase() || (b'2'..=b'7').contains(&byte)), "{id}");
    }
}

#[test]
fn secret_access_keys_are_40_base64_characters() {
    let secrets: HashSet<String> = (0..200).map(|_| generate_secret_access_key()).collect();
    assert_eq!(secrets.len(), 200, "no repeats");
    for secret in &secrets {
        assert_eq!(secret.len(), 40, "{secret}");
        assert!(secret.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'/'), "{secret}");
    }
}

#[test]
fn token_secrets_are_random() {
    let first = generate_token_secret();
    let second = generate_token_secret();
    assert_ne!(first, second);
    assert_ne!(first, [0u8; 32]);
}
