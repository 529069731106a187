//! Requests signed by botocore, captured byte for byte: real external vectors.
//!
//! The `CLI_*` requests were sent by `aws-cli/1.46.2 botocore/1.43.62` (`aws codeartifact ...
//! --endpoint-url http://127.0.0.1:18765`, credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`)
//! to a Python `http.server` that recorded the request line, headers and body. The `SIGV4AUTH_*`
//! requests were signed by `botocore.auth.SigV4Auth` directly (same botocore, clock fixed with
//! `mock.patch`) and printed after `AWSRequest.prepare()`; `Host` is the header urllib3 sends.

use tributary_auth::AuthError;

use crate::support::{Received, at};

const SECRET: &str = "fixture/Secret+Key0123456789abcdefghijKLMN";
const USER_AGENT: &str = "aws-cli/1.46.2 md/Botocore#1.43.62 ua/2.1 os/linux#6.18.44-fc-v509 md/arch#x86_64 \
                          lang/python#3.11.7 md/pyimpl#CPython m/D,b,Z,g,N cfg/retry-mode#legacy botocore/1.43.62";

/// `aws codeartifact list-package-version-assets --domain my-domain --repository my-repo --format npm
/// --namespace scope --package 'na me+x~y' --package-version '1.0.0-beta.1+build' --max-results 5`
/// (region us-east-1): a query with a space, `+` and `~`, and an empty body.
fn cli_list_package_version_assets() -> Received {
    Received::new(
        "POST",
        "/v1/package/version/assets?domain=my-domain&repository=my-repo&format=npm&namespace=scope&package=na%20me%2Bx~y&version=1.0.0-beta.1%2Bbuild&max-results=5",
        &[
            ("Host", "127.0.0.1:18765"),
            ("Accept-Encoding", "identity"),
            ("User-Agent", USER_AGENT),
            ("X-Amz-Date", "20261120T231932Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=TKIAEXAMPLEKEY234567/20261120/us-east-1/codeartifact/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=de92ec46e70f3835ca07d0c401b44498c23ec3ab71b75cca3090a77b446d6e4f",
            ),
            ("amz-sdk-invocation-id", "b6153335-c15d-4979-8caf-b89fb4ef8fe3"),
            ("amz-sdk-request", "attempt=1"),
            ("Content-Length", "0"),
        ],
        b"",
    )
}

/// `aws codeartifact create-domain --domain my-domain --tags key=team,value='a b'` (region us-east-1):
/// a JSON body, hashed into the signature without any `x-amz-content-sha256` header.
fn cli_create_domain() -> Received {
    Received::new(
        "POST",
        "/v1/domain?domain=my-domain",
        &[
            ("Host", "127.0.0.1:18765"),
            ("Accept-Encoding", "identity"),
            ("Content-Type", "application/json"),
            ("User-Agent", USER_AGENT),
            ("X-Amz-Date", "20261120T231933Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=TKIAEXAMPLEKEY234567/20261120/us-east-1/codeartifact/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, Signature=1ffe8930dfaaf43f7927308cab09960276555eee2628643e84c1eb88e1814441",
            ),
            ("amz-sdk-invocation-id", "6ea4b9c8-43b1-4787-b636-1e021c73c057"),
            ("amz-sdk-request", "attempt=1"),
            ("Content-Length", "43"),
        ],
        br#"{"tags": [{"key": "team", "value": "a b"}]}"#,
    )
}

/// `aws codeartifact publish-package-version --format generic --namespace my-ns --package my-pkg
/// --package-version 1.0.0 --asset-content asset.txt --asset-name 'my asset.txt' --asset-sha256 <sha>`
/// (region eu-central-1): the model puts `assetSHA256` in `x-amz-content-sha256`, which botocore signs
/// and uses as the payload hash.
fn cli_publish(asset_sha256: &str, x_amz_date: &str, signature: &str, unfinished: bool) -> Received {
    let target = format!(
        "/v1/package/version/publish?domain=my-domain&repository=my-repo&format=generic&namespace=my-ns&package=my-pkg&version=1.0.0&asset=my%20asset.txt{}",
        if unfinished { "&unfinished=true" } else { "" }
    );
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=TKIAEXAMPLEKEY234567/20261120/eu-central-1/codeartifact/aws4_request, \
         SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"
    );
    Received::new(
        "POST",
        &target,
        &[
            ("Host", "127.0.0.1:18765"),
            ("Accept-Encoding", "identity"),
            ("x-amz-content-sha256", asset_sha256),
            ("User-Agent", USER_AGENT),
            ("X-Amz-Date", x_amz_date),
            ("Authorization", &authorization),
            ("amz-sdk-request", "attempt=1"),
            ("Content-Length", "16"),
        ],
        b"hello tributary\n",
    )
}

const ASSET_SHA256: &str = "4f05b5a698f0d14bb7e5a8ad3df11b50b8c7f775b139eff4be2b58acc82c1b6d";

/// `SigV4Auth(creds, 'codeartifact', 'eu-west-1')` on
/// `PUT http://127.0.0.1:8080/v1/pkg/%40scope%2Fname/a%20b.tgz?b=2&a=x%2By&a=%7E1` with a header
/// whose value has runs of spaces: the path is encoded again, the query pairs are taken as sent.
fn sigv4auth_put_encoded_path() -> Received {
    Received::new(
        "PUT",
        "/v1/pkg/%40scope%2Fname/a%20b.tgz?b=2&a=x%2By&a=%7E1",
        &[
            ("Host", "127.0.0.1:8080"),
            ("Content-Type", "application/json"),
            ("X-Custom", "  a   b  c "),
            ("X-Amz-Date", "20261120T233000Z"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=TKIAEXAMPLEKEY234567/20261120/eu-west-1/codeartifact/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-custom, Signature=6f263f5fd27b6b0af76180be20c71bcae6f4552e97bfe467d9752dd111f92d7b",
            ),
            ("Content-Length", "10"),
        ],
        br#"{"k": "v"}"#,
    )
}

/// `SigV4Auth(creds, 'codeartifact', 'us-west-2')` on `GET http://tributary.example:8080/v1/domains` with
/// a `Date` header: botocore then sends no `x-amz-date` and signs `date`.
fn sigv4auth_date_header() -> Received {
    Received::new(
        "GET",
        "/v1/domains",
        &[
            ("Host", "tributary.example:8080"),
            ("Date", "Fri, 20 Nov 2026 23:30:00 -0000"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=TKIAEXAMPLEKEY234567/20261120/us-west-2/codeartifact/aws4_request, \
                 SignedHeaders=date;host, Signature=03004972ef12809fed3eac8366d461a7eae8a6d1265c9e6541a7f40da9b231d5",
            ),
        ],
        b"",
    )
}

#[test]
fn cli_requests_verify_and_fail_with_a_wrong_secret() {
    let cases = [
        (cli_list_package_version_assets(), "2026-11-20T23:19:32Z"),
        (cli_create_domain(), "2026-11-20T23:19:33Z"),
        (
            cli_publish(
                ASSET_SHA256,
                "20261120T232040Z",
                "eda217a60c5e2f3c3e11c63bb4878f30142c1cca4f41bede7ddef93d25030800",
                true,
            ),
            "2026-11-20T23:20:40Z",
        ),
        (sigv4auth_put_encoded_path(), "2026-11-20T23:30:00Z"),
        (sigv4auth_date_header(), "2026-11-20T23:30:00Z"),
    ];
    for (received, now) in cases {
        let label = format!("{} {}?{}", received.method, received.path, received.query);
        assert_eq!(received.verify(SECRET, at(now)), Ok(()), "{label}");
        assert_eq!(
            received.verify("fixture/Secret+Key0123456789abcdefghijKLMX", at(now)),
            Err(AuthError::SignatureMismatch),
            "{label} with a wrong secret"
        );
    }
}

#[test]
fn cli_requests_fail_when_tampered() {
    let now = at("2026-11-20T23:20:00Z");

    let mut query = cli_list_package_version_assets();
    query.query = query.query.replace("package=na%20me%2Bx~y", "package=na%20me%2Bx~z");
    assert_eq!(query.verify(SECRET, now), Err(AuthError::SignatureMismatch));

    let mut body = cli_create_domain();
    body.body = br#"{"tags": [{"key": "team", "value": "a c"}]}"#.to_vec();
    assert_eq!(body.verify(SECRET, now), Err(AuthError::SignatureMismatch));

    let mut asset = cli_publish(
        ASSET_SHA256,
        "20261120T232040Z",
        "eda217a60c5e2f3c3e11c63bb4878f30142c1cca4f41bede7ddef93d25030800",
        true,
    );
    asset.body = b"hello tributar!\n".to_vec();
    assert!(matches!(asset.verify(SECRET, now), Err(AuthError::PayloadHashMismatch { .. })));
}

#[test]
fn cli_publish_with_a_wrong_asset_sha256_is_a_payload_mismatch() {
    // The user passed `--asset-sha256 000…0`: botocore signs it, but the body does not hash to it.
    let received = cli_publish(
        &"0".repeat(64),
        "20261120T232041Z",
        "47f5617fefe0cbb4654d1c4c19f5ee8537db3f334256c88f3be419a596209ef4",
        false,
    );
    let error = received.verify(SECRET, at("2026-11-20T23:20:41Z")).expect_err("mismatch");
    assert!(
        matches!(&error, AuthError::PayloadHashMismatch { declared, actual } if declared == &"0".repeat(64) && actual == ASSET_SHA256),
        "{error:?}"
    );
}

#[test]
fn a_cli_request_replayed_later_is_expired() {
    let error = cli_create_domain().verify(SECRET, at("2026-11-20T23:35:34Z")).expect_err("expired");
    assert!(matches!(error, AuthError::RequestExpired { .. }), "{error:?}");
    assert_eq!(cli_create_domain().verify(SECRET, at("2026-11-20T23:34:33Z")), Ok(()), "just within 15 minutes");
}
