//! AWS Signature Version 4 verification (`AWS4-HMAC-SHA256`, signature in the `Authorization` header).
//!
//! Spec: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html> and
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>; checked against what
//! botocore's `SigV4Auth` (the `aws` CLI, boto3) and the Rust `aws-sigv4` crate (the Rust SDK) produce.
//!
//! The caller's flow is: [`parse_authorization`] on the `Authorization` header, look the secret up by
//! [`SigV4Authorization::access_key_id`] (returning [`AuthError::UnknownAccessKey`] when no principal
//! holds it), then [`verify_sigv4`].
//!
//! What the caller must pass (see [`SignedRequest`]): the path and query *exactly as received*, before any
//! percent-decoding or path normalization; every header, including `Host` as the client sent it (a proxy
//! that rewrites `Host` breaks every signature); and the SHA-256 of the body bytes as received.

mod canonical;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AuthError;

/// The only algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The service name in the credential scope of every request to the control plane.
pub const SERVICE: &str = "codeartifact";

/// The `x-amz-content-sha256` value that says the body is not part of the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// How far the request time may be from the server time, either way (AWS's limit).
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(15);

/// The basic ISO 8601 form SigV4 uses for times (`20150830T123600Z`).
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// A request as the server received it, in a form independent of any HTTP framework.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `POST` (compared as given; the canonical request upper-cases it).
    pub method: &'a str,
    /// The raw path as received, still percent-encoded, e.g. `/v1/domain`. Not decoded, not normalized.
    pub path: &'a str,
    /// The raw query string as received, without `?`, possibly empty. Not decoded.
    pub query: &'a str,
    /// All request headers, names in any case, values as received; repeated names appear repeatedly.
    pub headers: &'a [(String, String)],
    /// Lowercase hex SHA-256 of the body as received (of the empty string when there is no body: the
    /// AWS SDKs sign that hash for a GET); `None` if the caller did not hash it (then the
    /// `x-amz-content-sha256` header, when present, is trusted, and the caller must check the body
    /// against it itself).
    pub payload_sha256: Option<&'a str>,
}

/// The parsed `Authorization` header of a SigV4-signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4Authorization {
    /// The access key id, the first element of `Credential=`.
    pub access_key_id: String,
    /// The credential scope date, `YYYYMMDD`.
    pub date: String,
    /// The credential scope region; any region is accepted.
    pub region: String,
    /// The credential scope service; [`verify_sigv4`] requires [`SERVICE`].
    pub service: String,
    /// The `SignedHeaders=` names, in the order given.
    pub signed_headers: Vec<String>,
    /// The signature, lowercase hex (64 characters).
    pub signature: String,
}

/// Parses an `Authorization` header such as
/// `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/codeartifact/aws4_request, SignedHeaders=host;x-amz-date, Signature=…`.
///
/// An empty header is [`AuthError::MissingAuthentication`]; anything else that is not a well-formed
/// `AWS4-HMAC-SHA256` header is [`AuthError::MalformedAuthorization`]. Callers that also accept
/// `Bearer` tokens dispatch on the scheme before calling this.
pub fn parse_authorization(header: &str) -> Result<SigV4Authorization, AuthError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(AuthError::MissingAuthentication);
    }
    let (algorithm, rest) = header.split_once(' ').unwrap_or((header, ""));
    if algorithm != ALGORITHM {
        return Err(malformed(format!("the algorithm is `{algorithm}`; this server accepts only `{ALGORITHM}`")));
    }

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for component in rest.split(',').map(str::trim).filter(|component| !component.is_empty()) {
        let Some((name, value)) = component.split_once('=') else {
            return Err(malformed(format!("`{component}` is not of the form `Name=value`")));
        };
        let slot = match name.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => {
                return Err(malformed(format!(
                    "unknown component `{other}`; expected `Credential`, `SignedHeaders` and `Signature`"
                )));
            }
        };
        if slot.replace(value.trim()).is_some() {
            return Err(malformed(format!("`{}` appears twice", name.trim())));
        }
    }
    let credential = credential.ok_or_else(|| malformed("`Credential` is missing".to_owned()))?;
    let signed_headers = signed_headers.ok_or_else(|| malformed("`SignedHeaders` is missing".to_owned()))?;
    let signature = signature.ok_or_else(|| malformed("`Signature` is missing".to_owned()))?;

    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed(format!(
            "`Credential={credential}` is not of the form `ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request`"
        )));
    };
    if access_key_id.is_empty() || region.is_empty() || service.is_empty() {
        return Err(malformed(format!("`Credential={credential}` has an empty element")));
    }
    if *terminator != "aws4_request" {
        return Err(malformed(format!("the credential scope ends in `{terminator}` instead of `aws4_request`")));
    }
    if date.len() != 8 || NaiveDate::parse_from_str(date, "%Y%m%d").is_err() {
        return Err(malformed(format!("the credential scope date `{date}` is not a date of the form `YYYYMMDD`")));
    }

    let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(malformed("`SignedHeaders` has an empty header name".to_owned()));
    }

    if signature.len() != 64 || !signature.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(malformed("`Signature` is not 64 hexadecimal digits".to_owned()));
    }

    Ok(SigV4Authorization {
        access_key_id: (*access_key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// Checks that `auth` is scoped to the server's `region`: a signature for another region is
/// refused, as AWS refuses it (a request captured for one region cannot be played to another).
pub fn check_region(auth: &SigV4Authorization, region: &str) -> Result<(), AuthError> {
    if auth.region == region {
        Ok(())
    } else {
        Err(AuthError::WrongRegion { signed: auth.region.clone(), expected: region.to_owned() })
    }
}

/// Verifies that `req` was signed with `secret` (the secret access key of `auth.access_key_id`) for the
/// service [`SERVICE`], in any region ([`check_region`] checks that). `now` is the server time.
///
/// Checks, in order: the scope's service; a request time in `x-amz-date` (or, without it, `date`) whose
/// day is the scope's date and which is within [`MAX_CLOCK_SKEW`] of `now`; `SignedHeaders` sorted,
/// lowercase, including `host`, each present in the request; `x-amz-content-sha256`, when present,
/// not [`UNSIGNED_PAYLOAD`] and equal to `req.payload_sha256`; and finally the signature, compared in
/// constant time.
pub fn verify_sigv4(
    req: &SignedRequest<'_>,
    auth: &SigV4Authorization,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), AuthError> {
    verify_for_service(req, auth, secret, now, SERVICE)
}

/// The canonical request (the first step of SigV4) this server computes for `req`, for debug logging
/// when a signature does not match: a client run with `--debug` prints its own to compare.
///
/// When the query has characters a client may have left as sent (an encoded unreserved character, a
/// raw `+`), [`verify_sigv4`] also tries the botocore form; this returns the specification's form.
pub fn canonical_request(req: &SignedRequest<'_>, auth: &SigV4Authorization) -> Result<String, AuthError> {
    let payload_hash = payload_hash(req)?;
    let headers = canonical_headers(req.headers, &auth.signed_headers)?;
    Ok(build_canonical_request(req, &canonical::canonical_query(req.query), &headers, auth, &payload_hash))
}

/// [`verify_sigv4`] with the expected service as a parameter, so the AWS test-suite vectors (signed for
/// service `service`) can be checked.
pub(crate) fn verify_for_service(
    req: &SignedRequest<'_>,
    auth: &SigV4Authorization,
    secret: &str,
    now: DateTime<Utc>,
    expected_service: &str,
) -> Result<(), AuthError> {
    if auth.service != expected_service {
        return Err(malformed(format!(
            "the credential scope names the service `{}`; requests to this server are signed for `{expected_service}`",
            auth.service
        )));
    }

    let (timestamp, time) = request_time(req.headers)?;
    if timestamp.get(..8) != Some(auth.date.as_str()) {
        return Err(malformed(format!(
            "the credential scope date `{}` is not the date of the request time `{timestamp}`",
            auth.date
        )));
    }
    if (now - time).abs() > MAX_CLOCK_SKEW {
        return Err(AuthError::RequestExpired {
            request_time: timestamp,
            server_time: now.format(AMZ_DATE_FORMAT).to_string(),
        });
    }

    check_signed_headers(&auth.signed_headers)?;
    let payload_hash = payload_hash(req)?;
    let headers = canonical_headers(req.headers, &auth.signed_headers)?;

    let scope = format!("{}/{}/{}/aws4_request", auth.date, auth.region, auth.service);
    let signing_key = signing_key(secret, &auth.date, &auth.region, &auth.service);

    // The specification's canonical query, and botocore's (the raw pairs sorted) when it differs.
    let mut queries = vec![canonical::canonical_query(req.query)];
    let as_sent = canonical::canonical_query_as_sent(req.query);
    if as_sent != queries[0] {
        queries.push(as_sent);
    }

    let mut matched = false;
    for query in &queries {
        let canonical_request = build_canonical_request(req, query, &headers, auth, &payload_hash);
        let string_to_sign =
            format!("{ALGORITHM}\n{timestamp}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
        let expected = hex::encode(hmac_sha256(&signing_key, string_to_sign.as_bytes()));
        matched |= bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes()));
    }
    if matched { Ok(()) } else { Err(AuthError::SignatureMismatch) }
}

fn build_canonical_request(
    req: &SignedRequest<'_>,
    canonical_query: &str,
    canonical_headers: &str,
    auth: &SigV4Authorization,
    payload_hash: &str,
) -> String {
    format!(
        "{}\n{}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_hash}",
        req.method.to_ascii_uppercase(),
        canonical::canonical_uri(req.path),
        auth.signed_headers.join(";"),
    )
}

/// The request time from `x-amz-date`, else from `date` (RFC 2822 / IMF-fixdate), as the SigV4
/// timestamp string and as a time.
fn request_time(headers: &[(String, String)]) -> Result<(String, DateTime<Utc>), AuthError> {
    if let Some(value) = header(headers, "x-amz-date") {
        let value = value.trim();
        let time = NaiveDateTime::parse_from_str(value, AMZ_DATE_FORMAT)
            .map_err(|_| malformed(format!("the `x-amz-date` header `{value}` is not of the form `YYYYMMDDTHHMMSSZ`")))?
            .and_utc();
        return Ok((time.format(AMZ_DATE_FORMAT).to_string(), time));
    }
    if let Some(value) = header(headers, "date") {
        let value = value.trim();
        let time = DateTime::parse_from_rfc2822(value)
            .map_err(|_| malformed(format!("the `date` header `{value}` is not an HTTP date")))?
            .with_timezone(&Utc);
        return Ok((time.format(AMZ_DATE_FORMAT).to_string(), time));
    }
    Err(malformed("the request has neither an `x-amz-date` nor a `date` header".to_owned()))
}

fn check_signed_headers(signed_headers: &[String]) -> Result<(), AuthError> {
    if let Some(name) = signed_headers.iter().find(|name| name.bytes().any(|byte| byte.is_ascii_uppercase())) {
        return Err(malformed(format!("the signed header name `{name}` is not lowercase")));
    }
    if signed_headers.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(malformed(format!(
            "`SignedHeaders={}` is not sorted, or repeats a name",
            signed_headers.join(";")
        )));
    }
    if !signed_headers.iter().any(|name| name == "host") {
        return Err(malformed("`host` must be one of the `SignedHeaders`".to_owned()));
    }
    if signed_headers.iter().any(|name| name == "authorization") {
        return Err(malformed("`authorization` cannot be one of the `SignedHeaders`".to_owned()));
    }
    Ok(())
}

/// The payload hash of the canonical request: `x-amz-content-sha256` when present (checked against the
/// body; `UNSIGNED-PAYLOAD` is refused), else the body's hash.
fn payload_hash(req: &SignedRequest<'_>) -> Result<String, AuthError> {
    match (header(req.headers, "x-amz-content-sha256").map(str::trim), req.payload_sha256) {
        (Some(UNSIGNED_PAYLOAD), _) => Err(AuthError::UnsignedPayload),
        (Some(declared), Some(actual)) => {
            if declared.eq_ignore_ascii_case(actual) {
                Ok(declared.to_owned())
            } else {
                Err(AuthError::PayloadHashMismatch { declared: declared.to_owned(), actual: actual.to_owned() })
            }
        }
        (Some(declared), None) => Ok(declared.to_owned()),
        (None, Some(actual)) => Ok(actual.to_ascii_lowercase()),
        (None, None) => Err(AuthError::PayloadHashUnavailable),
    }
}

/// The canonical headers block (each `name:value\n`) for the signed header names.
fn canonical_headers(headers: &[(String, String)], signed_headers: &[String]) -> Result<String, AuthError> {
    let mut out = String::new();
    for name in signed_headers {
        let values: Vec<String> = headers
            .iter()
            .filter(|(header_name, _)| header_name.eq_ignore_ascii_case(name))
            .map(|(_, value)| canonical::trim_all(value))
            .collect();
        if values.is_empty() {
            return Err(malformed(format!("the signed header `{name}` is not in the request")));
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// The first value of a header, by case-insensitive name.
fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(header_name, _)| header_name.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length: longer ones are hashed, shorter ones padded.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn malformed(detail: String) -> AuthError {
    AuthError::MalformedAuthorization(detail)
}

#[cfg(test)]
mod tests;
