//! Authorization tokens as clients send them back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tributary_auth::TokenSigner;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let signer = TokenSigner::new(b"a fuzzing secret of thirty-two bytes");
    let _ = signer.verify(token, chrono::Utc::now());
});
