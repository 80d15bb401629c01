//! Public keys (PEM and DER SubjectPublicKeyInfo): parsing and verifying never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::crypto::PublicKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PublicKey::from_pem_or_der(data) {
        let _ = key.verify(b"message", data);
    }
});
