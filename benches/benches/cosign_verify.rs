//! A whole key-based cosign verification of a signature already in memory, by ocitrust and by
//! sigstore-rs 0.15 (the Rust peer), same signature, same key, same criterion group.
//!
//! ocitrust: parse the signature manifest, check the payload digest, verify the signature, parse the
//! payload, check the digest claim and an annotation (tlog skipped as `--insecure-ignore-tlog`).
//! sigstore-rs: parse the payload into `SimpleSigning`, build the `SignatureLayer`, check the digest
//! claim, and run `verify_constraints` with `PublicKeyVerifier` + `AnnotationVerifier`. sigstore-rs
//! does not re-hash the payload or parse a manifest here, so it does strictly less work.

use std::collections::BTreeMap;

use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use ocitrust_core::cosign::{sign_image, verify_signature_manifest, CosignRequirements, PayloadBlobs};
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::oci::Manifest;
use ocitrust_core::Digest;
use sigstore::cosign::signature_layers::SignatureLayer;
use sigstore::cosign::verification_constraint::{AnnotationVerifier, PublicKeyVerifier, VerificationConstraintVec};
use sigstore::crypto::SigningScheme;

fn cosign_key_verify(c: &mut Criterion) {
    let key = SigningKey::generate_ecdsa_p256().unwrap();
    let subject = Digest::sha256(b"the image manifest");
    let annotations = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
    let signed = sign_image(&key, &subject, "example.com/app", &annotations, None).unwrap();
    let manifest_bytes = signed.manifest.clone();
    let payload = signed.payload.clone();
    let layer_json: serde_json::Value = serde_json::from_slice(&manifest_bytes).unwrap();
    let signature_b64 = layer_json["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let payload_digest = Digest::sha256(&payload);

    let public = key.public_key().clone();
    let authorities = [ocitrust_core::Authority::CosignKey(public.clone())];
    let requirements = CosignRequirements {
        annotations: annotations.clone(),
        insecure_ignore_tlog: true,
        ..CosignRequirements::default()
    };
    let mut blobs = PayloadBlobs::default();
    blobs.insert(payload_digest.clone(), payload.clone());

    let pem = public.to_pem();
    let constraints: VerificationConstraintVec = vec![
        Box::new(PublicKeyVerifier::new(pem.as_bytes(), &SigningScheme::ECDSA_P256_SHA256_ASN1).unwrap()),
        Box::new(AnnotationVerifier {
            annotations: annotations.clone(),
        }),
    ];
    let theirs = || {
        let simple_signing = serde_json::from_slice::<sigstore::cosign::payload::SimpleSigning>(&payload).unwrap();
        assert!(simple_signing.satisfies_manifest_digest(subject.as_str()));
        let layer = SignatureLayer {
            simple_signing,
            oci_digest: payload_digest.to_string(),
            certificate_signature: None,
            bundle: None,
            signature: Some(signature_b64.clone()),
            raw_data: payload.clone(),
        };
        sigstore::cosign::verify_constraints(std::slice::from_ref(&layer), constraints.iter()).is_ok()
    };
    let ours = || {
        let manifest = Manifest::from_bytes(manifest_bytes.clone(), None).unwrap();
        let reports =
            verify_signature_manifest(&subject, &manifest, &blobs, &authorities, &requirements, "bench").unwrap();
        reports[0].verified
    };
    assert!(theirs(), "sigstore-rs must accept the signature");
    assert!(ours(), "ocitrust must accept the signature");
    let _ = base64::engine::general_purpose::STANDARD
        .decode(&signature_b64)
        .unwrap();

    let mut group = c.benchmark_group("cosign_key_verify_in_memory");
    group.bench_function("ocitrust", |b| b.iter(|| assert!(ours())));
    group.bench_function("sigstore-rs-0.15", |b| b.iter(|| assert!(theirs())));
    group.finish();
}

criterion_group!(benches, cosign_key_verify);
criterion_main!(benches);
