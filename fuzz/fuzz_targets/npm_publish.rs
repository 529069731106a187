//! `PUT /{name}` bodies: telling a publish from a deprecation or an unpublish, then reading a
//! publish (JSON, base64, digests, the tarball inside).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_npm::{NpmName, TarballLimits, classify_put, parse_publish_with_limits};

fuzz_target!(|data: &[u8]| {
    let Ok(name) = NpmName::parse("fuzzed") else { return };
    let _ = classify_put(&name, data, None);
    let _ = classify_put(&name, data, Some("1-abc"));
    let limits = TarballLimits { max_unpacked_bytes: 1 << 20, max_entries: 1000, ..TarballLimits::default() };
    let _ = parse_publish_with_limits(&name, data, &limits);
});
