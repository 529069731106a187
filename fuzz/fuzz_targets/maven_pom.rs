//! POMs (coordinates, licenses, SCM, dependencies), behind the XML walker that refuses DOCTYPEs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_format_maven::pom::parse_pom;

fuzz_target!(|data: &[u8]| {
    let _ = parse_pom(data);
});
