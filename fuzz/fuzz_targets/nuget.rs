//! The NuGet parsers of untrusted bytes: nuspecs, `.nupkg` archives, pushed multipart bodies,
//! an upstream's service index, registrations and search results, versions, and the endpoint
//! (method, path and query). The first byte picks the parser.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use tributary_format_nuget::{multipart, nuspec, package, plane::NugetEndpoint, upstream, version};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 8 {
        0 => {
            if let Ok(parsed) = nuspec::parse(rest) {
                let _ = nuspec::version_metadata(&parsed.entry());
            }
        }
        1 => {
            let _ = package::read_nuspec(Cursor::new(rest), &package::Limits::default());
        }
        2 => {
            let _ = multipart::file_range(&mut Cursor::new(rest), rest.len() as u64, "XyZ");
        }
        3 => {
            let _ = upstream::parse_service_index(rest);
        }
        4 => {
            let _ = upstream::parse_registration_index(rest, "id");
            let _ = upstream::parse_registration_page(rest);
        }
        5 => {
            let _ = upstream::parse_search(rest);
        }
        6 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                if let Ok(v) = version::NugetVersion::parse(text) {
                    let _ = (v.key(), v.full(), v.is_semver2());
                }
                let _ = version::normalize_range(text);
            }
        }
        _ => {
            let Some((&method, head)) = rest.split_first() else { return };
            let Ok(head) = std::str::from_utf8(head) else { return };
            let method = ["GET", "PUT", "DELETE", "POST", "HEAD"][usize::from(method) % 5];
            let (path, query) = head.split_once('?').unwrap_or((head, ""));
            let method: tributary_engine::data_plane::http::Method = method.parse().expect("a method");
            let _ = NugetEndpoint::parse(&method, path, query);
        }
    }
});
