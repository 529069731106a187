//! Core metadata (METADATA, PKG-INFO), as uploaded or read from an archive.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_pypi::metadata::parse_core_metadata;

fuzz_target!(|data: &[u8]| {
    let _ = parse_core_metadata(data);
});
