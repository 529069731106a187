//! Parsing of the `Authorization` header.

use tributary_auth::{AuthError, SigV4Authorization, parse_authorization};

const SIGNATURE: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

#[test]
fn parses_the_header_the_sdks_send() {
    let header = format!(
        "AWS4-HMAC-SHA256 Credential=TKIAEXAMPLEKEY234567/20240101/us-east-1/codeartifact/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}"
    );
    assert_eq!(
        parse_authorization(&header),
        Ok(SigV4Authorization {
            access_key_id: "TKIAEXAMPLEKEY234567".to_owned(),
            date: "20240101".to_owned(),
            region: "us-east-1".to_owned(),
            service: "codeartifact".to_owned(),
            signed_headers: vec!["content-type".to_owned(), "host".to_owned(), "x-amz-date".to_owned()],
            signature: SIGNATURE.to_owned(),
        })
    );
}

#[test]
fn accepts_other_spacing_and_order_and_uppercase_hex() {
    let header = format!(
        "AWS4-HMAC-SHA256 Signature={},SignedHeaders=host;x-amz-date,Credential=AK/20240101/eu-west-3/codeartifact/aws4_request",
        SIGNATURE.to_ascii_uppercase()
    );
    let auth = parse_authorization(&header).expect("a valid header");
    assert_eq!(auth.signature, SIGNATURE);
    assert_eq!(auth.region, "eu-west-3");
}

#[test]
fn empty_header_is_missing_authentication() {
    assert_eq!(parse_authorization(""), Err(AuthError::MissingAuthentication));
    assert_eq!(parse_authorization("   "), Err(AuthError::MissingAuthentication));
}

#[test]
fn malformed_headers_are_rejected_with_the_reason() {
    let good_credential = "Credential=AK/20240101/us-east-1/codeartifact/aws4_request";
    let table = [
        ("Bearer abc".to_owned(), "`Bearer`"),
        (format!("AWS4-ECDSA-P256-SHA256 {good_credential}, SignedHeaders=host, Signature={SIGNATURE}"), "algorithm"),
        ("AWS4-HMAC-SHA256".to_owned(), "`Credential` is missing"),
        (format!("AWS4-HMAC-SHA256 {good_credential}, Signature={SIGNATURE}"), "`SignedHeaders` is missing"),
        (format!("AWS4-HMAC-SHA256 {good_credential}, SignedHeaders=host"), "`Signature` is missing"),
        (
            format!("AWS4-HMAC-SHA256 {good_credential}, {good_credential}, SignedHeaders=host, Signature={SIGNATURE}"),
            "twice",
        ),
        (format!("AWS4-HMAC-SHA256 {good_credential}, SignedHeaders=host, Signature={SIGNATURE}, Extra=1"), "unknown"),
        (format!("AWS4-HMAC-SHA256 {good_credential}, SignedHeaders, Signature={SIGNATURE}"), "`Name=value`"),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/codeartifact, SignedHeaders=host, Signature={SIGNATURE}"
            ),
            "ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request",
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/codeartifact/aws5_request, SignedHeaders=host, Signature={SIGNATURE}"
            ),
            "aws5_request",
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/20241301/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature={SIGNATURE}"
            ),
            "`20241301`",
        ),
        (
            format!(
                "AWS4-HMAC-SHA256 Credential=/20240101/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature={SIGNATURE}"
            ),
            "empty element",
        ),
        (
            format!("AWS4-HMAC-SHA256 {good_credential}, SignedHeaders=host;;x-amz-date, Signature={SIGNATURE}"),
            "empty header name",
        ),
        (format!("AWS4-HMAC-SHA256 {good_credential}, SignedHeaders=host, Signature=abc"), "64 hexadecimal"),
        (
            format!("AWS4-HMAC-SHA256 {good_credential}, SignedHeaders=host, Signature={}", "g".repeat(64)),
            "64 hexadecimal",
        ),
    ];
    for (header, expected) in table {
        match parse_authorization(&header) {
            Err(AuthError::MalformedAuthorization(detail)) => {
                assert!(detail.contains(expected), "{header:?}: {detail:?} lacks {expected:?}");
            }
            other => panic!("{header:?}: expected MalformedAuthorization, got {other:?}"),
        }
    }
}
