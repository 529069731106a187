//! The header-signing vectors of the AWS SigV4 signing test suite (`tests/fixtures/aws-signing-test-suite`),
//! signed for the service `service`, hence unit tests of [`verify_for_service`].

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use super::*;

const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// A request of the suite, split as a server would see it.
struct SuiteRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl SuiteRequest {
    fn parse(text: &str) -> Self {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().expect("a request line");
        let mut words = request_line.split(' ');
        let method = words.next().expect("a method").to_owned();
        let target = words.next().expect("a target");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header line");
                (name.to_owned(), value.to_owned())
            })
            .collect();
        SuiteRequest { method, path: path.to_owned(), query: query.to_owned(), headers, body: body.to_owned() }
    }

    fn authorization(&self) -> SigV4Authorization {
        let value = header(&self.headers, "authorization").expect("an Authorization header");
        parse_authorization(value).expect("a well-formed Authorization header")
    }

    fn time(&self) -> DateTime<Utc> {
        let value = header(&self.headers, "x-amz-date").expect("an X-Amz-Date header");
        NaiveDateTime::parse_from_str(value, AMZ_DATE_FORMAT).expect("a SigV4 time").and_utc()
    }
}

fn suite_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws-signing-test-suite");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("the suite directory")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn aws_signing_test_suite_vectors_verify() {
    let dirs = suite_dirs();
    assert_eq!(dirs.len(), 28, "the vectors listed in the suite's README.md");
    for dir in dirs {
        let name = dir.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(dir.join("header-signed-request.txt")).expect("the signed request");
        let expected_creq =
            std::fs::read_to_string(dir.join("header-canonical-request.txt")).expect("the canonical request");
        let suite = SuiteRequest::parse(&text);
        let payload = hex::encode(Sha256::digest(suite.body.as_bytes()));
        let req = SignedRequest {
            method: &suite.method,
            path: &suite.path,
            query: &suite.query,
            headers: &suite.headers,
            payload_sha256: Some(&payload),
        };
        let auth = suite.authorization();

        assert_eq!(canonical_request(&req, &auth).as_deref(), Ok(expected_creq.as_str()), "{name}");
        assert_eq!(verify_for_service(&req, &auth, SUITE_SECRET, suite.time(), "service"), Ok(()), "{name}");
        assert_eq!(
            verify_for_service(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", suite.time(), "service"),
            Err(AuthError::SignatureMismatch),
            "{name} with a wrong secret"
        );
        // The public entry point insists on the `codeartifact` service.
        assert!(
            matches!(verify_sigv4(&req, &auth, SUITE_SECRET, suite.time()), Err(AuthError::MalformedAuthorization(_))),
            "{name} for another service"
        );
    }
}

#[test]
fn get_vanilla_by_hand() {
    // The example of the AWS documentation, written out.
    let headers = vec![
        ("Host".to_owned(), "example.amazonaws.com".to_owned()),
        ("X-Amz-Date".to_owned(), "20150830T123600Z".to_owned()),
    ];
    let empty = hex::encode(Sha256::digest(b""));
    let req = SignedRequest { method: "GET", path: "/", query: "", headers: &headers, payload_sha256: Some(&empty) };
    let auth = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    )
    .expect("a well-formed header");
    let now = DateTime::parse_from_rfc3339("2015-08-30T12:40:00Z").expect("a time").with_timezone(&Utc);
    assert_eq!(verify_for_service(&req, &auth, SUITE_SECRET, now, "service"), Ok(()));

    // The signing key of the documentation's example.
    assert_eq!(
        hex::encode(signing_key(SUITE_SECRET, "20150830", "us-east-1", "iam")),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
}
