//! Sigstore bundles (cosign v3 referrers): verifying arbitrary bytes, and printing what cosign v3
//! prints for a statement, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::cosign::{bundle_simple_signing_view, verify_bundle, CosignRequirements};
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::{Authority, Digest};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static KEY: SigningKey = SigningKey::generate_ecdsa_p256().expect("a key");
    }
    let subject = Digest::sha256(b"image");
    let mut requirements = CosignRequirements::default();
    requirements.annotations.insert("k".into(), "v".into());
    KEY.with(|key| {
        let authorities = [Authority::CosignKey(key.public_key().clone())];
        let _ = verify_bundle(&subject, Ok(data), &authorities, &requirements, "fuzz");
    });
    let _ = bundle_simple_signing_view(data, &subject, "r.example/app:v1");
});
