//! `maven-metadata.xml` at artifact and SNAPSHOT level, and checksum files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_maven::checksum::parse_checksum_file;
use tributary_format_maven::path::ChecksumAlgorithm;
use tributary_format_maven::metadata::{parse_artifact_metadata, parse_snapshot_metadata, render_artifact_metadata};

fuzz_target!(|data: &[u8]| {
    if let Ok(metadata) = parse_artifact_metadata(data) {
        // What is read can be written back.
        let _ = render_artifact_metadata(&metadata);
    }
    let _ = parse_snapshot_metadata(data);
    for algorithm in ChecksumAlgorithm::ALL {
        let _ = parse_checksum_file(data, algorithm);
    }
});
