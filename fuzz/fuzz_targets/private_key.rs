//! Private keys: encrypted cosign key files and PEM keys never panic on any input. Inputs that reach
//! scrypt are limited to the accepted parameter sets, so each run stays bounded.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::cosign::load_signing_key;

fuzz_target!(|data: &[u8]| {
    let _ = load_signing_key(data, b"");
});
