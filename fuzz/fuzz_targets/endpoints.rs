//! The endpoint parsers: control-plane requests (method, path, query, body) and npm paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_server::control::Endpoint;
use tributary_server::npm::Route;

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
    let _ = Route::parse(head);
});
