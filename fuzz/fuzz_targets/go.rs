//! The Go parsers of untrusted bytes: module zips (read and checked), module paths (checked,
//! escaped both ways, split), versions, go.mod module lines, upstream version lists and `.info`
//! documents, a checksum database's lookups, signed trees and keys, and the endpoint (method and
//! path). The first byte picks the parser.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use tributary_format_go::{module, modzip, plane::GoEndpoint, proxy, sumdb, version};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 6 {
        0 => {
            let _ = modzip::inspect(Cursor::new(rest), "example.com/m", "v1.0.0", selector & 0x80 != 0);
        }
        1 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if module::check_path(text).is_ok() {
                let escaped = module::escape(text);
                assert_eq!(module::unescape(&escaped).as_deref(), Ok(text), "escaping round-trips");
                let (namespace, name) = module::split(text);
                assert_eq!(module::join(&namespace, &name), text, "the split joins back");
            }
            let _ = module::unescape(text);
            let _ = modzip::check_file_path(text);
        }
        2 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if let Ok(v) = version::GoVersion::parse(text) {
                let _ = (v.is_pseudo(), v.is_prerelease(), v.major());
                let _ = module::check_version_of("example.com/m/v2", &v);
            }
        }
        3 => {
            let _ = modzip::module_line(rest);
            let _ = proxy::read_info(rest);
            let _ = modzip::zip_h1(Cursor::new(rest));
            // A checksum database's answers: a lookup, its signed tree, a key.
            if let Ok(lookup) = sumdb::parse_lookup(rest) {
                let _ = sumdb::record_hashes(lookup.record, "example.com/m", "v1.0.0");
                if let Ok(key) = sumdb::VerifierKey::parse(
                    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
                ) {
                    let _ = key.verify_tree(lookup.signed_tree);
                }
            }
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = sumdb::VerifierKey::parse(text);
            }
        }
        4 => {
            let _ = proxy::parse_list(rest, "http://p/example.com/m/@v/");
        }
        _ => {
            let Some((&method, head)) = rest.split_first() else { return };
            let Ok(path) = std::str::from_utf8(head) else { return };
            let method = ["GET", "PUT", "DELETE", "HEAD"][usize::from(method) % 4];
            let method: tributary_engine::data_plane::http::Method = method.parse().expect("a method");
            let _ = GoEndpoint::parse(&method, path);
        }
    }
});
