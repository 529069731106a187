//! SigV4 `Authorization` headers, and the canonical request built from one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_auth::{SignedRequest, canonical_request, parse_authorization};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (header, rest) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(parsed) = parse_authorization(header) {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let headers = vec![("host".to_owned(), "127.0.0.1".to_owned()), ("x-amz-date".to_owned(), "20260101T000000Z".to_owned())];
        let request = SignedRequest { method: "POST", path, query, headers: &headers, payload_sha256: None };
        let _ = canonical_request(&request, &parsed);
    }
});
