//! Wheels (zip) and sdists (gzip tar): finding and reading their core metadata under limits.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use tributary_format_pypi::archive::{Limits, core_metadata};
use tributary_format_pypi::filename::parse_filename;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_metadata_bytes: 1 << 20, max_scan_bytes: 4 << 20, max_ratio: 200 };
    for name in ["fuzzed-1.0-py3-none-any.whl", "fuzzed-1.0.tar.gz"] {
        if let Ok(file) = parse_filename(name) {
            let _ = core_metadata(Cursor::new(data), &file, &limits);
        }
    }
});
