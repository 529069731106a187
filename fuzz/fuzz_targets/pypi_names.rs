//! Distribution file names, PEP 440 versions and the upload form's fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_pypi::filename::parse_filename;
use tributary_format_pypi::upload::parse_upload_form;
use tributary_format_pypi::version::{compare_versions, normalize_version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_filename(text);
    let _ = normalize_version(text);
    if let Some((a, b)) = text.split_once(' ') {
        let _ = compare_versions(a, b);
    }
    let fields: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let _ = parse_upload_form(&fields);
});
