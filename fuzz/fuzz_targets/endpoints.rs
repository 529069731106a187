//! The endpoint parsers: control-plane requests (method, path, query, body) and the npm, PyPI
//! and Maven endpoints (method and path).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_server::control::Endpoint;
use tributary_format_maven::plane::MavenEndpoint;
use tributary_format_npm::plane::NpmEndpoint;
use tributary_format_pypi::plane::PypiEndpoint;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let method = ["GET", "POST", "PUT", "DELETE", "PATCH"][usize::from(selector) % 5];
    let (head, body) = match rest.iter().position(|b| *b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(head) = std::str::from_utf8(head) else { return };
    let (path, query) = head.split_once('?').unwrap_or((head, ""));
    let _ = Endpoint::parse(method, path, query, body);
    let method: tributary_engine::data_plane::http::Method = method.parse().expect("a method");
    let _ = NpmEndpoint::parse(&method, path);
    let _ = PypiEndpoint::parse(&method, path);
    let _ = MavenEndpoint::parse(&method, path);
});
