//! Project pages of an upstream index, JSON (PEP 691) and HTML (PEP 503).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_pypi::upstream::parse_project_page;

fuzz_target!(|data: &[u8]| {
    let url = "https://pypi.example/simple/fuzzed/";
    let _ = parse_project_page(data, Some("application/vnd.pypi.simple.v1+json"), url);
    let _ = parse_project_page(data, Some("text/html"), url);
    let _ = parse_project_page(data, None, url);
});
