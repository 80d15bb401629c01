//! Transparency-log entry bodies of every kind, compared with a bundle's content, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::sigstore::{
    check_entry_body, BundleContent, DsseEnvelope, SignedContent, SignerMaterial, TlogEntry,
};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static KEY: SigningKey = SigningKey::generate_ecdsa_p256().expect("a key");
    }
    let message = BundleContent::MessageSignature {
        digest: None,
        signature: b"signature".to_vec(),
    };
    let dsse = BundleContent::Dsse(DsseEnvelope {
        payload: b"{}".to_vec(),
        payload_type: "application/vnd.in-toto+json".into(),
        signatures: vec![b"signature".to_vec()],
    });
    for (kind, version) in [
        ("hashedrekord", "0.0.1"),
        ("hashedrekord", "0.0.2"),
        ("rekord", "0.0.1"),
        ("dsse", "0.0.1"),
        ("dsse", "0.0.2"),
        ("intoto", "0.0.1"),
        ("intoto", "0.0.2"),
    ] {
        let entry = TlogEntry {
            log_index: 0,
            log_id: vec![0; 32],
            kind: kind.into(),
            kind_version: version.into(),
            integrated_time: 0,
            signed_entry_timestamp: None,
            inclusion_proof: None,
            body: data.to_vec(),
        };
        KEY.with(|key| {
            for content in [&message, &dsse] {
                let signed = SignedContent {
                    content,
                    artifact_sha256: Some(&[7; 32]),
                    signer: SignerMaterial::Key(key.public_key()),
                    stored_envelope: Some(data),
                };
                let _ = check_entry_body(&entry, &signed);
            }
        });
    }
});
