//! npm tarballs: gzip, tar, long names, package.json, the README, under limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_npm::{TarballLimits, inspect_tarball};

fuzz_target!(|data: &[u8]| {
    let limits = TarballLimits { max_unpacked_bytes: 4 << 20, max_entries: 10_000, ..TarballLimits::default() };
    let _ = inspect_tarball(data, &limits);
});
