//! Helpers shared by the tests.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tributary_auth::{AuthError, SignedRequest, parse_authorization, verify_sigv4};

/// A time from RFC 3339.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("an RFC 3339 time").with_timezone(&Utc)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A request as a server received it; owns what [`SignedRequest`] borrows.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// From a request target (`/path?query`) as in the request line.
    pub fn new(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Self {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Received {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
            body: body.to_vec(),
        }
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Replaces every value of a header (adds it when absent).
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// Removes a header.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Parses the `Authorization` header, then verifies the request as a server would, hashing the body.
    pub fn verify(&self, secret: &str, now: DateTime<Utc>) -> Result<(), AuthError> {
        let auth = parse_authorization(self.header("authorization").unwrap_or_default())?;
        let payload = sha256_hex(&self.body);
        verify_sigv4(&self.signed(Some(&payload)), &auth, secret, now)
    }

    /// The framework-neutral view of this request.
    pub fn signed<'a>(&'a self, payload_sha256: Option<&'a str>) -> SignedRequest<'a> {
        SignedRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            payload_sha256,
        }
    }
}
