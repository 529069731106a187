//! Round trips against the signer of the Rust AWS SDK (`aws-sigv4`, the version `aws-sdk-*` use), and
//! what tampering with a signed request does.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use chrono::{DateTime, TimeDelta, Utc};
use tributary_auth::{AuthError, canonical_request, parse_authorization, verify_sigv4};

use crate::support::{Received, at, sha256_hex};

const ACCESS_KEY_ID: &str = "TKIAABCDEFGHIJ234567";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const ENDPOINT: &str = "http://127.0.0.1:8080";

fn signed_at() -> DateTime<Utc> {
    at("2026-11-20T12:00:00Z")
}

/// How the SDK is asked to sign.
struct Signing<'a> {
    service: &'a str,
    region: &'a str,
    secret: &'a str,
    session_token: Option<&'a str>,
    checksum: PayloadChecksumKind,
    unsigned_payload: bool,
}

impl Default for Signing<'_> {
    fn default() -> Self {
        Signing {
            service: "codeartifact",
            region: "us-east-1",
            secret: SECRET,
            session_token: None,
            checksum: PayloadChecksumKind::NoHeader,
            unsigned_payload: false,
        }
    }
}

/// Signs a request with `aws-sigv4` as the Rust SDK does, and returns it as the server receives it
/// (with the `Host` header the HTTP client adds).
fn sdk_sign(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8], signing: &Signing<'_>) -> Received {
    let url = format!("{ENDPOINT}{target}");
    let identity =
        Credentials::new(ACCESS_KEY_ID, signing.secret, signing.session_token.map(str::to_owned), None, "test").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = signing.checksum;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(signing.region)
        .name(signing.service)
        .time(SystemTime::from(signed_at()))
        .settings(settings)
        .build()
        .expect("signing parameters")
        .into();
    let signable_body =
        if signing.unsigned_payload { SignableBody::UnsignedPayload } else { SignableBody::Bytes(body) };
    let signable =
        SignableRequest::new(method, url.as_str(), headers.iter().copied(), signable_body).expect("a signable request");
    let (instructions, _signature) = sign(signable, &params).expect("signed").into_parts();

    let mut builder = http::Request::builder().method(method).uri(url.as_str());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(()).expect("an http request");
    instructions.apply_to_request_http1x(&mut request);

    let mut received_headers = vec![("host".to_owned(), "127.0.0.1:8080".to_owned())];
    for (name, value) in request.headers() {
        received_headers.push((name.as_str().to_owned(), value.to_str().expect("a text header").to_owned()));
    }
    Received {
        method: method.to_owned(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or_default().to_owned(),
        headers: received_headers,
        body: body.to_vec(),
    }
}

const ASSET_TARGET: &str = "/v1/package/version/asset?domain=d&repository=r&package=%40scope%2Fname&asset=a%20b.tgz";
const JSON: (&str, &str) = ("content-type", "application/json");

fn get_asset() -> Received {
    sdk_sign("GET", ASSET_TARGET, &[], b"", &Signing::default())
}

fn create_domain() -> Received {
    sdk_sign(
        "POST",
        "/v1/domain?domain=my-domain",
        &[JSON],
        br#"{"tags":[{"key":"team","value":"a b"}]}"#,
        &Signing::default(),
    )
}

#[test]
fn get_with_an_encoded_query_verifies() {
    let received = get_asset();
    assert_eq!(received.query, "domain=d&repository=r&package=%40scope%2Fname&asset=a%20b.tgz");
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));
    assert_eq!(received.verify(SECRET, signed_at() + TimeDelta::minutes(14)), Ok(()));
    assert_eq!(received.verify(SECRET, signed_at() - TimeDelta::minutes(14)), Ok(()));
}

#[test]
fn post_with_a_json_body_verifies() {
    assert_eq!(create_domain().verify(SECRET, signed_at()), Ok(()));
}

#[test]
fn post_with_an_empty_query_verifies() {
    let received = sdk_sign("POST", "/v1/domains", &[JSON], b"{}", &Signing::default());
    assert_eq!(received.query, "");
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));
}

#[test]
fn encoded_path_segments_verify() {
    // A data-plane style path: the canonical URI encodes the received (already encoded) path again.
    let received =
        sdk_sign("PUT", "/npm/d/r/%40scope%2Fname/-/name-1.0.0.tgz?x=%2B%7E", &[], b"tarball", &Signing::default());
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));
    let auth = parse_authorization(received.header("authorization").unwrap_or_default()).expect("parsed");
    let payload = sha256_hex(&received.body);
    let creq = canonical_request(&received.signed(Some(&payload)), &auth).expect("a canonical request");
    assert!(creq.starts_with("PUT\n/npm/d/r/%2540scope%252Fname/-/name-1.0.0.tgz\nx=%2B~\n"), "{creq}");
}

#[test]
fn any_region_and_header_name_case_verify() {
    let mut received = sdk_sign("GET", ASSET_TARGET, &[], b"", &Signing { region: "eu-west-3", ..Signing::default() });
    for (name, _) in &mut received.headers {
        *name = name.to_ascii_uppercase();
    }
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));
}

#[test]
fn repeated_headers_are_joined() {
    let received = sdk_sign(
        "GET",
        "/v1/domains",
        &[("x-custom", "one"), ("x-custom", "  two   words ")],
        b"",
        &Signing::default(),
    );
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));
}

#[test]
fn a_session_token_is_signed_like_any_header() {
    let received = sdk_sign(
        "GET",
        "/v1/domains",
        &[],
        b"",
        &Signing { session_token: Some("session/token=="), ..Signing::default() },
    );
    assert_eq!(received.header("x-amz-security-token"), Some("session/token=="));
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));
}

#[test]
fn a_signed_payload_header_is_checked_against_the_body() {
    let signing = Signing { checksum: PayloadChecksumKind::XAmzSha256, ..Signing::default() };
    let mut received = sdk_sign("POST", "/v1/package/version/publish?domain=d", &[], b"asset bytes", &signing);
    assert_eq!(received.header("x-amz-content-sha256"), Some(sha256_hex(b"asset bytes").as_str()));
    assert_eq!(received.verify(SECRET, signed_at()), Ok(()));

    received.body = b"other bytes".to_vec();
    assert_eq!(
        received.verify(SECRET, signed_at()),
        Err(AuthError::PayloadHashMismatch {
            declared: sha256_hex(b"asset bytes"),
            actual: sha256_hex(b"other bytes")
        })
    );
}

#[test]
fn an_unsigned_payload_is_refused() {
    // Its signature would not cover the body: a captured request could carry another.
    let signing = Signing { checksum: PayloadChecksumKind::XAmzSha256, unsigned_payload: true, ..Signing::default() };
    let received = sdk_sign("POST", "/v1/package/version/publish?domain=d", &[], b"asset bytes", &signing);
    assert_eq!(received.header("x-amz-content-sha256"), Some("UNSIGNED-PAYLOAD"));
    assert_eq!(received.verify(SECRET, signed_at()), Err(AuthError::UnsignedPayload));
}

#[test]
fn another_region_is_refused() {
    let received = sdk_sign("GET", ASSET_TARGET, &[], b"", &Signing { region: "eu-west-3", ..Signing::default() });
    let auth = parse_authorization(received.header("authorization").unwrap_or_default()).expect("parsed");
    assert_eq!(tributary_auth::check_region(&auth, "eu-west-3"), Ok(()));
    assert_eq!(
        tributary_auth::check_region(&auth, "us-east-1"),
        Err(AuthError::WrongRegion { signed: "eu-west-3".into(), expected: "us-east-1".into() })
    );
}

#[test]
fn an_unhashed_body_needs_the_payload_header() {
    let received = create_domain();
    let auth = parse_authorization(received.header("authorization").unwrap_or_default()).expect("parsed");
    assert_eq!(
        verify_sigv4(&received.signed(None), &auth, SECRET, signed_at()),
        Err(AuthError::PayloadHashUnavailable)
    );

    // With `x-amz-content-sha256`, the header is used as is (the caller checks the body later).
    let signing = Signing { checksum: PayloadChecksumKind::XAmzSha256, ..Signing::default() };
    let received = sdk_sign("POST", "/v1/domain?domain=d", &[], b"{}", &signing);
    let auth = parse_authorization(received.header("authorization").unwrap_or_default()).expect("parsed");
    assert_eq!(verify_sigv4(&received.signed(None), &auth, SECRET, signed_at()), Ok(()));
}

#[test]
fn tampering_breaks_the_signature() {
    let mismatch = Err(AuthError::SignatureMismatch);

    let mut body = create_domain();
    body.body = br#"{"tags":[{"key":"team","value":"evil"}]}"#.to_vec();
    assert_eq!(body.verify(SECRET, signed_at()), mismatch, "changed body");

    let mut query = get_asset();
    query.query = query.query.replace("repository=r", "repository=other");
    assert_eq!(query.verify(SECRET, signed_at()), mismatch, "changed query");

    let mut added = get_asset();
    added.query.push_str("&revision=x");
    assert_eq!(added.verify(SECRET, signed_at()), mismatch, "added parameter");

    let mut path = get_asset();
    path.path = "/v1/package/version/assets".to_owned();
    assert_eq!(path.verify(SECRET, signed_at()), mismatch, "changed path");

    let mut method = get_asset();
    method.method = "DELETE".to_owned();
    assert_eq!(method.verify(SECRET, signed_at()), mismatch, "changed method");

    let mut header = create_domain();
    header.set_header("content-type", "text/plain");
    assert_eq!(header.verify(SECRET, signed_at()), mismatch, "changed signed header");

    let mut host = get_asset();
    host.set_header("host", "tributary.example");
    assert_eq!(host.verify(SECRET, signed_at()), mismatch, "changed host");

    assert_eq!(get_asset().verify("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", signed_at()), mismatch, "wrong secret");

    let mut unsigned = get_asset();
    unsigned.set_header("user-agent", "added after signing");
    assert_eq!(unsigned.verify(SECRET, signed_at()), Ok(()), "an unsigned header may change");
}

#[test]
fn an_old_or_future_request_is_expired() {
    for now in [signed_at() + TimeDelta::minutes(16), signed_at() - TimeDelta::minutes(16)] {
        let error = get_asset().verify(SECRET, now).expect_err("expired");
        assert!(matches!(error, AuthError::RequestExpired { .. }), "{error:?}");
        assert!(error.to_string().contains("clock"), "{error}");
        assert!(error.to_string().contains("20261120T120000Z"), "{error}");
    }
}

#[test]
fn a_signature_for_another_service_is_rejected() {
    let received = sdk_sign("GET", ASSET_TARGET, &[], b"", &Signing { service: "s3", ..Signing::default() });
    let error = received.verify(SECRET, signed_at()).expect_err("another service");
    assert!(matches!(&error, AuthError::MalformedAuthorization(detail) if detail.contains("`s3`")), "{error:?}");
}

#[test]
fn signed_headers_must_include_host_and_be_sorted() {
    let received = get_asset();
    let payload = sha256_hex(b"");
    let req = received.signed(Some(&payload));
    let auth = parse_authorization(received.header("authorization").unwrap_or_default()).expect("parsed");

    let mut without_host = auth.clone();
    without_host.signed_headers.retain(|name| name != "host");
    let error = verify_sigv4(&req, &without_host, SECRET, signed_at()).expect_err("no host");
    assert!(matches!(&error, AuthError::MalformedAuthorization(detail) if detail.contains("`host`")), "{error:?}");

    let mut unsorted = auth.clone();
    unsorted.signed_headers.reverse();
    let error = verify_sigv4(&req, &unsorted, SECRET, signed_at()).expect_err("unsorted");
    assert!(matches!(&error, AuthError::MalformedAuthorization(detail) if detail.contains("sorted")), "{error:?}");

    let mut missing = auth.clone();
    missing.signed_headers.push("x-not-sent".to_owned());
    let error = verify_sigv4(&req, &missing, SECRET, signed_at()).expect_err("absent header");
    assert!(
        matches!(&error, AuthError::MalformedAuthorization(detail) if detail.contains("`x-not-sent`")),
        "{error:?}"
    );
}

#[test]
fn the_request_time_must_be_present_and_match_the_scope() {
    let mut no_date = get_asset();
    no_date.remove_header("x-amz-date");
    let error = no_date.verify(SECRET, signed_at()).expect_err("no date");
    assert!(
        matches!(&error, AuthError::MalformedAuthorization(detail) if detail.contains("`x-amz-date`")),
        "{error:?}"
    );

    let mut other_day = get_asset();
    other_day.set_header("x-amz-date", "20261121T000100Z");
    let error = other_day.verify(SECRET, at("2026-11-21T00:00:00Z")).expect_err("scope date");
    assert!(matches!(&error, AuthError::MalformedAuthorization(detail) if detail.contains("`20261120`")), "{error:?}");

    let mut garbled = get_asset();
    garbled.set_header("x-amz-date", "2026-11-20T12:00:00Z");
    assert!(matches!(garbled.verify(SECRET, signed_at()), Err(AuthError::MalformedAuthorization(_))));
}

#[test]
fn signature_mismatch_has_the_aws_message() {
    let error = get_asset().verify("another secret", signed_at()).expect_err("mismatch");
    assert_eq!(
        error.to_string(),
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method."
    );
}
