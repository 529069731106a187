//! Packuments from an upstream registry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_npm::parse_upstream_packument;

fuzz_target!(|data: &[u8]| {
    let _ = parse_upstream_packument(data);
});
