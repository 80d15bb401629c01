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
fn registry_references_are_not_yet_supported_and_say_so() {
    let err = Verifier::new(sample_key()).verify("ghcr.io/org/app:1").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unsupported);
    assert_eq!(
        Verifier::new(sample_key()).verify("Bad Ref").unwrap_err().code(),
        ErrorCode::InvalidReference
    );
}
