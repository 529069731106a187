//! Paths below a Maven repository endpoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_maven::path::parse_path;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        let _ = parse_path(path);
    }
});
