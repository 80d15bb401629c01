//! Sigstore bundles of any version, verified for a blob by a keyless identity and by a key under
//! the production root: transparency-log entries, bodies, proofs, checkpoints, timestamps, SCTs,
//! certificates and statements from arbitrary bytes never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::authority::KeylessIdentity;
use ocitrust_core::blob::verify_blob_bundle;
use ocitrust_core::cosign::CosignRequirements;
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::sigstore::{Artifact, CertificateIdentity, TrustedRoot};
use ocitrust_core::{Authority, Digest};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static AUTHORITIES: Vec<Authority> = vec![
            Authority::Keyless(KeylessIdentity::new(CertificateIdentity::exact("a@example.com", "https://issuer.example"), TrustedRoot::production_shared().expect("the embedded root"))),
            Authority::CosignKey(SigningKey::generate_ecdsa_p256().expect("a key").public_key().clone()),
        ];
    }
    let requirements = CosignRequirements {
        key_trusted_root: Some(TrustedRoot::production_shared().expect("the embedded root")),
        ..Default::default()
    };
    let digest = Digest::sha256(b"artifact");
    AUTHORITIES.with(|authorities| {
        let _ = verify_blob_bundle(data, Artifact::Bytes(b"artifact"), authorities, &requirements, "fuzz");
        let _ = verify_blob_bundle(data, Artifact::Digest(&digest), authorities, &requirements, "fuzz");
    });
});
