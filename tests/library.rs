//! The facade used as a library: the embedded sample image, and the verdict it returns.

use std::path::PathBuf;

use ocitrust::{CheckName, ErrorCode, Outcome, PublicKey, Verifier};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample_key() -> PublicKey {
    PublicKey::from_pem_or_der(&std::fs::read(root().join("examples/sample-image/cosign.pub")).unwrap()).unwrap()
}

fn sample_ref() -> String {
    format!("oci:{}", root().join("examples/sample-image/layout").display())
}

#[test]
fn verifies_the_sample_image() {
    let verdict = Verifier::new(sample_key())
        .insecure_ignore_tlog(true)
        .require_annotation("org", "ocitrust-sample")
        .verify(&sample_ref())
        .unwrap();
    assert!(verdict.trusted);
    assert_eq!(verdict.insecure, ["insecure-ignore-tlog"]);
    assert_eq!(verdict.verified_payloads().count(), 1);
    let report = &verdict.signatures[0];
    assert_eq!(report.signer.as_ref().unwrap().key_id, sample_key().key_id());
    assert!(report
        .checks
        .iter()
        .any(|c| c.name == CheckName::Annotations && c.outcome == Outcome::Passed));
    verdict.require_trusted().unwrap();
}

#[test]
fn untrusted_verdicts_explain_every_signature() {
    let verdict = Verifier::new(sample_key()).verify(&sample_ref()).unwrap();
    assert!(!verdict.trusted);
    assert!(verdict.insecure.is_empty());
    assert_eq!(verdict.verified_payloads().count(), 0);
    let err = verdict.require_trusted().unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoMatchingSignatures);
    assert!(err.message().contains("transparency log"), "{err}");
}

#[test]
fn wrong_annotation_is_not_trusted() {
    let verdict = Verifier::new(sample_key())
        .insecure_ignore_tlog(true)
        .require_annotation("org", "someone-else")
        .verify(&sample_ref())
        .unwrap();
    assert!(!verdict.trusted);
    assert!(verdict
        .require_trusted()
        .unwrap_err()
        .message()
        .contains("missing or incorrect annotation"));
}

#[test]
fn registry_references_reach_the_registry_and_report_transport_failures() {
    // Nothing listens on port 1: a transport failure is an error, never "no signatures".
    let err = Verifier::new(sample_key()).verify("127.0.0.1:1/org/app:1").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.message().contains("127.0.0.1:1"), "{err}");
    assert_eq!(
        Verifier::new(sample_key()).verify("Bad Ref").unwrap_err().code(),
        ErrorCode::InvalidReference
    );
}

#[test]
fn verifying_from_inside_an_async_runtime_works_and_drops_cleanly() {
    // An admission webhook calls the blocking API from a tokio task: no "runtime within a runtime"
    // panic, neither when verifying nor when the verifier (and its runtime) is dropped there.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let verifier = Verifier::new(sample_key()).insecure_ignore_tlog(true);
        let err = verifier.verify("127.0.0.1:1/org/app:1").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{err}");
        assert!(verifier.verify(&sample_ref()).unwrap().trusted);
        drop(verifier);
        let err = ocitrust::load_public_key("https://127.0.0.1:1/cosign.pub").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{err}");
    });
}

/// The sample image's evidence as a caller that fetched it itself would hold it.
struct SampleBytes {
    subject_manifest: Vec<u8>,
    signature_manifest: Vec<u8>,
    payload: Vec<u8>,
}

fn sample_bytes() -> SampleBytes {
    let blob = |hex: &str| std::fs::read(root().join("examples/sample-image/layout/blobs/sha256").join(hex)).unwrap();
    SampleBytes {
        subject_manifest: blob("198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"),
        signature_manifest: blob("c4efa108f49639b69a8c1d84b725731e7b1dca5b9df6f1a3ac7aace1c5b1c49f"),
        payload: blob("b8a819ff16fc17c716272b40b2740579062ec63236ce7fc77e85d16e809e914f"),
    }
}

#[test]
fn verifies_from_bytes_the_caller_fetched() {
    let b = sample_bytes();
    let verdict = Verifier::new(sample_key())
        .insecure_ignore_tlog(true)
        .require_annotation("org", "ocitrust-sample")
        .verify_bytes(
            "sample",
            &b.subject_manifest,
            Some(&b.signature_manifest),
            &[&b.payload],
        )
        .unwrap();
    verdict.require_trusted().unwrap();
    assert_eq!(
        verdict.subject.digest.to_string(),
        "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"
    );
    assert_eq!(verdict.subject.reference, "sample");
    assert_eq!(verdict.verified_payloads().next().unwrap(), b.payload.as_slice());
}

#[test]
fn bytes_path_rejects_a_tampered_payload_and_a_foreign_subject() {
    let b = sample_bytes();
    let verifier = Verifier::new(sample_key()).insecure_ignore_tlog(true);
    let mut tampered = b.payload.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    let verdict = verifier
        .verify_bytes("t", &b.subject_manifest, Some(&b.signature_manifest), &[&tampered])
        .unwrap();
    let err = verdict.require_trusted().unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoMatchingSignatures);
    assert!(err.message().contains("unavailable"), "{err}");

    // The signature manifest of the sample used as evidence for another subject (the signature
    // manifest itself) must not verify: the payload names a different digest.
    let verdict = verifier
        .verify_bytes("t", &b.signature_manifest, Some(&b.signature_manifest), &[&b.payload])
        .unwrap();
    assert_eq!(
        verdict.require_trusted().unwrap_err().code(),
        ErrorCode::NoMatchingSignatures
    );
}

#[test]
fn bytes_path_without_signatures_and_with_bad_input() {
    let b = sample_bytes();
    let verifier = Verifier::new(sample_key()).insecure_ignore_tlog(true);
    let verdict = verifier.verify_bytes("t", &b.subject_manifest, None, &[]).unwrap();
    assert_eq!(verdict.require_trusted().unwrap_err().code(), ErrorCode::NoSignatures);

    let err = verifier.verify_bytes("t", b"{not json", None, &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidManifest);
    assert!(err.message().starts_with("subject manifest"), "{err}");

    let err = verifier
        .verify_bytes("t", &b.subject_manifest, Some(b"[]"), &[])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidManifest);

    let many: Vec<&[u8]> = vec![b"x"; 257];
    let err = verifier
        .verify_bytes("t", &b.subject_manifest, Some(&b.signature_manifest), &many)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);

    let err = verifier
        .clone()
        .platform(Some(ocitrust::Platform::parse("linux/amd64").unwrap()))
        .verify_bytes("t", &b.subject_manifest, None, &[])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[test]
fn verification_time_is_recorded_and_defaults_to_now() {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let verdict = Verifier::new(sample_key())
        .insecure_ignore_tlog(true)
        .verification_time(Some(at))
        .verify(&sample_ref())
        .unwrap();
    assert_eq!(verdict.verification_time, 1_700_000_000);
    assert!(verdict.to_json().unwrap().contains("\"verification_time\": 1700000000"));

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let verdict = Verifier::new(sample_key()).verify(&sample_ref()).unwrap();
    assert!(verdict.verification_time >= before);
}

#[test]
fn verifies_the_keyless_sample_under_its_trusted_root() {
    let dir = root().join("examples/keyless-sample");
    let issuer = sample_issuer(&dir);
    let verifier = keyless_sample_verifier(&dir, "ci@example.com");
    let verdict = verifier
        .verify(&format!("oci:{}", dir.join("layout-bundle").display()))
        .unwrap();
    assert!(verdict.trusted, "{:?}", verdict.signatures[0].checks);
    let certificate = verdict.signatures[0]
        .signer
        .as_ref()
        .unwrap()
        .certificate
        .as_ref()
        .unwrap();
    assert_eq!(certificate.subject, ["ci@example.com"]);
    assert_eq!(certificate.issuer, issuer);
    // Strict by default: the legacy layer has no transparency-log entry.
    let legacy = format!("oci:{}", dir.join("layout-legacy").display());
    let verdict = verifier.verify(&legacy).unwrap();
    assert_eq!(
        verdict.require_trusted().unwrap_err().code(),
        ErrorCode::NoMatchingSignatures
    );
    let verdict = verifier.clone().insecure_ignore_tlog(true).verify(&legacy).unwrap();
    assert!(verdict.trusted);
    assert_eq!(verdict.insecure, ["insecure-ignore-tlog"]);
    let tlog = verdict.signatures[0]
        .checks
        .iter()
        .find(|c| c.name == CheckName::Tlog)
        .unwrap();
    assert_eq!(tlog.outcome, Outcome::SkippedInsecure);

    // The layer with a Rekor bundle verifies strictly, its log entry checked; not for another identity.
    let rekor = format!("oci:{}", dir.join("layout-rekor").display());
    let verdict = verifier.verify(&rekor).unwrap();
    assert!(verdict.trusted, "{:?}", verdict.signatures[0].checks);
    assert!(verdict.insecure.is_empty());
    let tlog = verdict.signatures[0]
        .checks
        .iter()
        .find(|c| c.name == CheckName::Tlog)
        .unwrap();
    assert_eq!(tlog.outcome, Outcome::Passed);
    let stranger = keyless_sample_verifier(&dir, "someone@example.com");
    let error = stranger.verify(&rekor).unwrap().require_trusted().unwrap_err();
    assert!(
        error.message().contains(r#"expected SAN value "someone@example.com""#),
        "{error}"
    );
}

/// The OIDC issuer of the keyless sample's certificates.
fn sample_issuer(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("issuer")).unwrap().trim().to_owned()
}

/// A verifier trusting `identity` (with the sample's issuer) under the keyless sample's root.
fn keyless_sample_verifier(dir: &std::path::Path, identity: &str) -> Verifier {
    use ocitrust::{Authority, CertificateIdentity, KeylessIdentity};
    Verifier::trusting([Authority::Keyless(KeylessIdentity::new(
        CertificateIdentity::exact(identity, sample_issuer(dir)),
        sample_trusted_root(dir),
    ))])
}

/// The keyless sample's trusted root.
fn sample_trusted_root(dir: &std::path::Path) -> std::sync::Arc<ocitrust::TrustedRoot> {
    std::sync::Arc::new(
        ocitrust::TrustedRoot::from_json(&std::fs::read(dir.join("trusted_root.json")).unwrap()).unwrap(),
    )
}

#[test]
fn verifies_attestations_and_hands_out_the_predicate() {
    let dir = root().join("examples/attestation-sample");
    let parsed = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
    let sbom = parsed(&std::fs::read(dir.join("predicates/sbom-arm64.json")).unwrap());
    let verifier = Verifier::new(sample_key())
        .insecure_ignore_tlog(true)
        .platform(Some(ocitrust::Platform::parse("linux/arm64").unwrap()));
    let layout = format!("oci:{}", dir.join("layout-v2").display());
    let verdict = verifier.verify_attestations(&layout, "cyclonedx").unwrap();
    assert!(verdict.trusted);
    let attestation = verdict.signatures[0].attestation.as_ref().unwrap();
    assert_eq!(attestation.predicate_type, "https://cyclonedx.org/bom");
    assert_eq!(parsed(&attestation.predicate), sbom);
    // Not of the type asked for: listed, not verified, saying nothing.
    let verdict = verifier.verify_attestations(&layout, "spdxjson").unwrap();
    assert!(!verdict.trusted);
    assert!(verdict.signatures.iter().all(|s| s.attestation.is_none()));
    assert_eq!(
        verifier
            .verify_attestations(&layout, "no such type")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
}

#[test]
fn verifies_a_keyless_attestation_of_the_keyless_sample() {
    let dir = root().join("examples/keyless-sample");
    let verifier = keyless_sample_verifier(&dir, "ci@example.com");
    let reference = format!("oci:{}", dir.join("layout-attestation").display());
    let verdict = verifier.verify_attestations(&reference, "cyclonedx").unwrap();
    assert!(verdict.trusted, "{:?}", verdict.signatures);
    let attestation = verdict.signatures[0].attestation.as_ref().unwrap();
    let parsed = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
    assert_eq!(
        parsed(&attestation.predicate),
        parsed(&std::fs::read(dir.join("sbom.json")).unwrap())
    );
    let certificate = verdict.signatures[0]
        .signer
        .as_ref()
        .unwrap()
        .certificate
        .as_ref()
        .unwrap();
    assert_eq!(certificate.subject, ["ci@example.com"]);
}
