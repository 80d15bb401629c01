//! Simple-signing payloads: parsing and claim checks never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::cosign::SimpleSigningPayload;
use ocitrust_core::Digest;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = SimpleSigningPayload::parse(data) {
        let _ = p.check_claims(&Digest::sha256(data));
        let _ = p.to_bytes();
    }
});
