//! What an attestation is read from: a DSSE envelope (an `.att` layer's blob) and its in-toto
//! statement, verified as an attestation layer under a key, and the same bytes as a Sigstore bundle
//! referrer judged as an attestation; predicate types named by `--type`. Arbitrary bytes never
//! panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::cosign::{
    append_layer, predicate_type_uri, verify_attestation_bundle, verify_attestation_manifest, CosignRequirements,
    NewLayer, PayloadBlobs, DSSE_ENVELOPE_MEDIA_TYPE,
};
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::oci::Manifest;
use ocitrust_core::sigstore::{DsseEnvelope, InTotoStatement};
use ocitrust_core::{Authority, Digest};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static AUTHORITIES: Vec<Authority> =
            vec![Authority::CosignKey(SigningKey::generate_ecdsa_p256().expect("a key").public_key().clone())];
    }
    if let Ok(envelope) = DsseEnvelope::from_json(data) {
        if let Ok(statement) = InTotoStatement::parse(&envelope.payload) {
            let _ = statement.predicate_bytes();
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = predicate_type_uri(text);
    }
    let subject = Digest::sha256(b"subject");
    let requirements = CosignRequirements {
        insecure_ignore_tlog: true,
        ..Default::default()
    };
    let layer = NewLayer {
        media_type: DSSE_ENVELOPE_MEDIA_TYPE,
        blob: data,
        annotations: Default::default(),
    };
    let new = append_layer(None, layer, |_| false).expect("a manifest");
    let manifest = Manifest::from_bytes(new.manifest, None).expect("its own manifest");
    let mut blobs = PayloadBlobs::default();
    blobs.insert(Digest::sha256(data), data.to_vec());
    AUTHORITIES.with(|authorities| {
        let _ = verify_attestation_manifest(
            &subject,
            &manifest,
            &blobs,
            authorities,
            &requirements,
            "https://cyclonedx.org/bom",
            "fuzz",
        );
        let _ = verify_attestation_bundle(
            &subject,
            Ok(data),
            authorities,
            &requirements,
            "https://cyclonedx.org/bom",
            "fuzz",
        );
    });
});
