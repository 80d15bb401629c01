//! Notation signatures made here (JWS and COSE, every key type notation signs with) verify under a
//! trust policy, and everything the Notary Project certificate requirements and envelope rules
//! forbid is refused, each with its reason. The PKI is `tests/fixtures/notation` (openssl-made).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ocitrust_core::crypto::{SignatureAlgorithm, SigningKey};
use ocitrust_core::notation::envelope::TargetArtifact;
use ocitrust_core::notation::{
    notation_signature_manifest, sign_notation_envelope, EnvelopeFormat, NotationEnvelope, NotationRequirements,
    NotationSignRequest, NotationSubject, NotationTrust, SignatureManifestForm, TrustPolicyDocument, TrustStore,
    TrustStoreType,
};
use ocitrust_core::oci::Manifest;
use ocitrust_core::verdict::{CheckName, Outcome, SignatureReport};
use ocitrust_core::x509::{certificates_from_pem, Certificate};
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/notation")
        .join(name)
}

fn certificate(name: &str) -> Certificate {
    certificates_from_pem(&std::fs::read(fixture(&format!("{name}.pem"))).unwrap())
        .unwrap()
        .remove(0)
}

fn key(name: &str) -> SigningKey {
    SigningKey::from_pem(&std::fs::read(fixture(&format!("{name}.key.pem"))).unwrap()).unwrap()
}

fn chain(leaf: &str) -> Vec<Certificate> {
    vec![certificate(leaf), certificate("intermediate"), certificate("root")]
}

const DIGEST: &str = "sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e";
const REFERENCE: &str = "registry.example/app@sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e";

fn target() -> TargetArtifact {
    TargetArtifact {
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        digest: DIGEST.into(),
        size: 528,
        annotations: [("team".to_owned(), "net".to_owned())].into(),
    }
}

fn subject() -> NotationSubject<'static> {
    NotationSubject {
        reference: REFERENCE,
        media_type: "application/vnd.oci.image.manifest.v1+json",
        digest: DIGEST,
        size: 528,
    }
}

fn trust(level: &str) -> NotationTrust {
    let mut store = TrustStore::new();
    store.add_certificate_file(
        TrustStoreType::Ca,
        "test",
        "root.pem",
        &std::fs::read(fixture("root.pem")).unwrap(),
    );
    let policy = json!({"version": "1.0", "trustPolicies": [{
        "name": "test", "registryScopes": ["registry.example/app"],
        "signatureVerification": {"level": level},
        "trustStores": ["ca:test"],
        "trustedIdentities": ["x509.subject:C=US,ST=WA,O=ocitrust tests,OU=signing"],
    }]});
    NotationTrust {
        policy: Arc::new(TrustPolicyDocument::from_json(policy.to_string().as_bytes()).unwrap()),
        trust_store: Arc::new(store),
    }
}

fn now() -> SystemTime {
    SystemTime::now()
}

fn sign(leaf: &str, format: EnvelopeFormat, expiry: Option<Duration>) -> (Vec<u8>, &'static str) {
    let chain = chain(leaf);
    let signed = sign_notation_envelope(&NotationSignRequest {
        target: &target(),
        key: &key(leaf),
        certificate_chain: &chain,
        signing_time: now(),
        expiry,
        signing_agent: "ocitrust-test",
        format,
        timestamping: None,
        extended_attributes: &[],
    })
    .unwrap();
    (signed.bytes, signed.media_type)
}

fn judge_with(
    trust: &NotationTrust,
    bytes: &[u8],
    media_type: &str,
    time: SystemTime,
    requirements: &NotationRequirements,
) -> SignatureReport {
    trust.judge(
        &subject(),
        NotationEnvelope { media_type, bytes },
        requirements,
        time,
        "test",
    )
}

fn judge(level: &str, bytes: &[u8], media_type: &str) -> SignatureReport {
    judge_with(
        &trust(level),
        bytes,
        media_type,
        now(),
        &NotationRequirements::default(),
    )
}

fn failure(report: &SignatureReport) -> (CheckName, String) {
    let check = report
        .checks
        .iter()
        .find(|c| c.outcome == Outcome::Failed)
        .unwrap_or_else(|| panic!("no failure: {report:#?}"));
    (check.name, check.detail.clone())
}

/// Whether `report` failed the check `name` and only logged it (the level's action is `log`).
fn logged(report: &SignatureReport, name: CheckName) -> bool {
    report
        .checks
        .iter()
        .any(|c| c.name == name && c.outcome == Outcome::FailedLogged)
}

#[test]
fn every_key_type_signs_both_formats_and_they_verify_with_their_metadata() {
    for leaf in [
        "signer-rsa",
        "signer-rsa3072",
        "signer-p256",
        "signer-p384",
        "signer-p521",
    ] {
        for format in [EnvelopeFormat::Jws, EnvelopeFormat::Cose] {
            let (bytes, media_type) = sign(leaf, format, Some(Duration::from_secs(3600)));
            let wanted = NotationRequirements {
                user_metadata: [("team".to_owned(), "net".to_owned())].into(),
                ..Default::default()
            };
            let report = judge_with(&trust("strict"), &bytes, media_type, now(), &wanted);
            assert!(report.verified, "{leaf} {format:?}: {report:#?}");
            assert!(
                report.checks.iter().all(|c| c.outcome == Outcome::Passed),
                "{report:#?}"
            );
            let signer = report.signer.as_ref().unwrap();
            assert!(signer.x509_subject.as_deref().unwrap().contains("signer"), "{signer:?}");
            // Another value of the metadata, or a key not signed, is refused.
            let other = NotationRequirements {
                user_metadata: [("team".to_owned(), "db".to_owned())].into(),
                ..Default::default()
            };
            assert_eq!(
                failure(&judge_with(&trust("strict"), &bytes, media_type, now(), &other)).0,
                CheckName::Annotations
            );
        }
    }
}

#[test]
fn an_expired_signature_fails_strict_and_is_logged_when_permissive() {
    for format in [EnvelopeFormat::Jws, EnvelopeFormat::Cose] {
        let (bytes, media_type) = sign("signer-p256", format, Some(Duration::from_secs(60)));
        let later = now() + Duration::from_secs(120);
        let strict = judge_with(
            &trust("strict"),
            &bytes,
            media_type,
            later,
            &NotationRequirements::default(),
        );
        let (name, detail) = failure(&strict);
        assert_eq!(name, CheckName::Expiry);
        assert!(detail.contains("digital signature has expired on"), "{detail}");
        let permissive = judge_with(
            &trust("permissive"),
            &bytes,
            media_type,
            later,
            &NotationRequirements::default(),
        );
        assert!(permissive.verified);
        assert!(logged(&permissive, CheckName::Expiry));
    }
}

#[test]
fn a_tampered_cose_envelope_fails_integrity() {
    let (bytes, media_type) = sign("signer-p256", EnvelopeFormat::Cose, None);
    assert!(judge("strict", &bytes, media_type).verified);
    // Flip a byte of the signature (the last bytes of the encoding).
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let (name, detail) = failure(&judge("strict", &flipped, media_type));
    assert_eq!(name, CheckName::Integrity);
    assert!(detail.contains("does not verify"), "{detail}");
    // Change a byte of the payload (the subject's digest).
    let position = bytes.windows(7).position(|w| w == b"sha256:").unwrap();
    let mut payload = bytes.clone();
    payload[position + 7] ^= 1;
    assert_eq!(failure(&judge("strict", &payload, media_type)).0, CheckName::Integrity);
    // An untagged or truncated message.
    assert_eq!(
        failure(&judge("strict", &bytes[1..], media_type)).0,
        CheckName::Integrity
    );
    assert_eq!(
        failure(&judge("strict", &bytes[..bytes.len() / 2], media_type)).0,
        CheckName::Integrity
    );
    // The JWS of one signature read as COSE, and the reverse.
    let (jws, _) = sign("signer-p256", EnvelopeFormat::Jws, None);
    assert_eq!(
        failure(&judge("strict", &jws, "application/cose")).0,
        CheckName::Integrity
    );
    assert_eq!(
        failure(&judge("strict", &bytes, "application/jose+json")).0,
        CheckName::Integrity
    );
}

#[test]
fn certificates_that_break_the_requirements_cannot_sign() {
    let cases = [
        ("bad-ca", "the ca field must be set to false"),
        ("bad-no-key-usage", "key usage extension must be present"),
        (
            "bad-key-usage-not-critical",
            "key usage extension must be marked critical",
        ),
        ("bad-cert-sign", "\"Digital Signature\" only, but found \"CertSign\""),
        ("bad-server-auth", "must not contain ServerAuth eku"),
    ];
    for (leaf, expected) in cases {
        let chain = chain(leaf);
        let error = sign_notation_envelope(&NotationSignRequest {
            target: &target(),
            key: &key(leaf),
            certificate_chain: &chain,
            signing_time: now(),
            expiry: None,
            signing_agent: "t",
            format: EnvelopeFormat::Jws,
            timestamping: None,
            extended_attributes: &[],
        })
        .unwrap_err();
        assert!(error.message().contains(expected), "{leaf}: {error}");
    }
    // A key that is not the leaf's.
    let chain = chain("signer-p256");
    let error = sign_notation_envelope(&NotationSignRequest {
        target: &target(),
        key: &key("signer-p384"),
        certificate_chain: &chain,
        signing_time: now(),
        expiry: None,
        signing_agent: "t",
        format: EnvelopeFormat::Jws,
        timestamping: None,
        extended_attributes: &[],
    })
    .unwrap_err();
    assert!(error.message().contains("not the key of the chain's first"), "{error}");
}

/// A JWS envelope made by hand, to say what `sign_notation_envelope` refuses to say.
fn handmade_jws(leaf: &str, chain: &[Certificate], header: Value, payload: &[u8]) -> Vec<u8> {
    let protected = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(payload);
    // Signed as the key signs, whatever the header claims.
    let key = key(leaf);
    let algorithm = match key.public_key().key_type().to_string().as_str() {
        "ECDSA P-256" => SignatureAlgorithm::EcdsaSha256,
        "ECDSA P-384" => SignatureAlgorithm::EcdsaSha384,
        _ => SignatureAlgorithm::RsaPssSha256,
    };
    let signature = key
        .sign_jose(algorithm, format!("{protected}.{payload}").as_bytes())
        .unwrap();
    json!({
        "payload": payload,
        "protected": protected,
        "header": {"x5c": chain.iter().map(|c| STANDARD.encode(c.der())).collect::<Vec<_>>()},
        "signature": URL_SAFE_NO_PAD.encode(signature),
    })
    .to_string()
    .into_bytes()
}

fn header(alg: &str) -> Value {
    json!({
        "alg": alg,
        "cty": "application/vnd.cncf.notary.payload.v1+json",
        "crit": ["io.cncf.notary.signingScheme"],
        "io.cncf.notary.signingScheme": "notary.x509",
        "io.cncf.notary.signingTime": ocitrust_core::sigstore::format_time(now()),
    })
}

fn good_payload() -> Vec<u8> {
    json!({"targetArtifact": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": DIGEST, "size": 528}})
        .to_string()
        .into_bytes()
}

#[test]
fn handmade_envelopes_that_break_the_rules_fail_integrity_with_their_reason() {
    let edit = |change: &dyn Fn(&mut Value)| {
        let mut h = header("ES256");
        change(&mut h);
        h
    };
    let good = handmade_jws("signer-p256", &chain("signer-p256"), header("ES256"), &good_payload());
    assert!(judge("strict", &good, "application/jose+json").verified);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a CA signs", handmade_jws("bad-ca", &chain("bad-ca"), header("ES256"), &good_payload()), "the ca field must be set to false"),
        ("server auth EKU", handmade_jws("bad-server-auth", &chain("bad-server-auth"), header("ES256"), &good_payload()), "ServerAuth"),
        ("no root", handmade_jws("signer-p256", &chain("signer-p256")[..2], header("ES256"), &good_payload()), "is not self-signed"),
        ("alg not the key's", handmade_jws("signer-p256", &chain("signer-p256"), header("ES384"), &good_payload()), "is not the signing certificate's ES256"),
        ("no crit", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| { h.as_object_mut().unwrap().remove("crit"); }), &good_payload()), "missing \"crit\" header"),
        ("crit names an absent header", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| h["crit"] = json!(["io.cncf.notary.signingScheme", "x"])), &good_payload()), "\"x\" header is marked critical but not present"),
        ("expiry not critical", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| h["io.cncf.notary.expiry"] = json!("2999-01-01T00:00:00Z")), &good_payload()), "not marked as critical"),
        ("unknown scheme", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| h["io.cncf.notary.signingScheme"] = json!("notary.pgp")), &good_payload()), "unsupported SigningScheme"),
        ("authentic time under x509", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| h["io.cncf.notary.authenticSigningTime"] = json!("2020-01-01T00:00:00Z")), &good_payload()), "must not be present"),
        ("no signing time", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| { h.as_object_mut().unwrap().remove("io.cncf.notary.signingTime"); }), &good_payload()), "signing-time not present"),
        ("expiry before signing", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| { h["io.cncf.notary.expiry"] = json!("2001-01-01T00:00:00Z"); h["crit"] = json!(["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"]); }), &good_payload()), "expiry cannot be equal or before the signing time"),
        ("signed before the leaf existed", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| h["io.cncf.notary.signingTime"] = json!("2001-01-01T00:00:00Z")), &good_payload()), "was invalid at signing time"),
        ("another content type", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| h["cty"] = json!("application/json")), &good_payload()), "not supported"),
        ("a critical attribute nobody understands", handmade_jws("signer-p256", &chain("signer-p256"), edit(&|h| { h["acme.policy"] = json!("x"); h["crit"] = json!(["io.cncf.notary.signingScheme", "acme.policy"]); }), &good_payload()), "\"acme.policy\" is not understood"),
        ("a payload key in another case", handmade_jws("signer-p256", &chain("signer-p256"), header("ES256"), br#"{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e","size":528},"TargetArtifact":{}}"#), "refused"),
    ];
    for (what, envelope, expected) in cases {
        let report = judge("audit", &envelope, "application/jose+json");
        assert!(!report.verified, "{what}: {report:#?}");
        let (_, detail) = failure(&report);
        assert!(detail.contains(expected), "{what}: {detail}");
    }
}

#[test]
fn a_certificate_naming_a_crl_has_an_unknown_revocation_status_until_it_is_checked() {
    let (bytes, media_type) = sign("with-revocation", EnvelopeFormat::Jws, None);
    let (name, detail) = failure(&judge("strict", &bytes, media_type));
    assert_eq!(name, CheckName::Revocation);
    assert!(detail.contains("revocation status is unknown"), "{detail}");
    let permissive = judge("permissive", &bytes, media_type);
    assert!(permissive.verified);
    assert!(logged(&permissive, CheckName::Revocation));
}

#[test]
fn the_signature_manifest_names_its_subject_envelope_and_chain_in_either_form() {
    let chain = chain("signer-p256");
    let signed = sign_notation_envelope(&NotationSignRequest {
        target: &target(),
        key: &key("signer-p256"),
        certificate_chain: &chain,
        signing_time: now(),
        expiry: None,
        signing_agent: "t",
        format: EnvelopeFormat::Cose,
        timestamping: None,
        extended_attributes: &[],
    })
    .unwrap();
    for form in [
        SignatureManifestForm::ConfigMediaType,
        SignatureManifestForm::ArtifactType,
    ] {
        let made = notation_signature_manifest(&target(), &signed, &chain, form, now()).unwrap();
        let manifest = Manifest::from_bytes(made.manifest.clone(), None).unwrap();
        assert_eq!(manifest.subject(), Some(DIGEST));
        assert_eq!(
            manifest.artifact_type().as_deref(),
            Some("application/vnd.cncf.notary.signature")
        );
        let value: Value = serde_json::from_slice(&made.manifest).unwrap();
        assert_eq!(value["layers"][0]["mediaType"], "application/cose");
        let thumbprints: Vec<String> = serde_json::from_str(
            value["annotations"]["io.cncf.notary.x509chain.thumbprint#S256"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(thumbprints.len(), 3);
        assert_eq!(made.config, b"{}");
    }
}

/// A timestamp authority made of `openssl ts -reply` with the test TSA's `signer` certificate.
fn openssl_tsa(signer: &'static str) -> impl Fn(&[u8]) -> ocitrust_core::Result<Vec<u8>> {
    move |request: &[u8]| {
        let dir = std::env::temp_dir().join(format!(
            "ocitrust-tsa-{}-{signer}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("serial"), "01\n").unwrap();
        std::fs::write(dir.join("query.tsq"), request).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["ts", "-reply", "-config"])
            .arg(fixture("tsa.cnf"))
            .arg("-queryfile")
            .arg(dir.join("query.tsq"))
            .arg("-signer")
            .arg(fixture(&format!("{signer}.pem")))
            .arg("-inkey")
            .arg(fixture(&format!("{signer}.key.pem")))
            .arg("-chain")
            .arg(fixture("tsa-root.pem"))
            .env("TSA_SERIAL", dir.join("serial"))
            .output()
            .expect("openssl");
        std::fs::remove_dir_all(&dir).ok();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Ok(out.stdout)
    }
}

fn rand_suffix() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn sign_stamped(
    format: EnvelopeFormat,
    signer: &'static str,
    roots: &[Certificate],
) -> ocitrust_core::Result<(Vec<u8>, &'static str)> {
    let chain = chain("signer-p256");
    let exchange = openssl_tsa(signer);
    sign_notation_envelope(&NotationSignRequest {
        target: &target(),
        key: &key("signer-p256"),
        certificate_chain: &chain,
        signing_time: now(),
        expiry: None,
        signing_agent: "t",
        format,
        timestamping: Some(ocitrust_core::notation::Timestamping {
            exchange: &exchange,
            roots,
        }),
        extended_attributes: &[],
    })
    .map(|signed| (signed.bytes, signed.media_type))
}

/// The test policy with a `tsa` store holding `tsa_root` (and `verifyTimestamp` as given).
fn trust_with_tsa(level: &str, verify_timestamp: &str, tsa_root: &str) -> NotationTrust {
    let mut store = TrustStore::new();
    store.add_certificate_file(
        TrustStoreType::Ca,
        "test",
        "root.pem",
        &std::fs::read(fixture("root.pem")).unwrap(),
    );
    store.add_certificate_file(
        TrustStoreType::Tsa,
        "tsa",
        "root.pem",
        &std::fs::read(fixture(tsa_root)).unwrap(),
    );
    let policy = json!({"version": "1.0", "trustPolicies": [{
        "name": "test", "registryScopes": ["registry.example/app"],
        "signatureVerification": {"level": level, "verifyTimestamp": verify_timestamp},
        "trustStores": ["ca:test", "tsa:tsa"],
        "trustedIdentities": ["*"],
    }]});
    NotationTrust {
        policy: Arc::new(TrustPolicyDocument::from_json(policy.to_string().as_bytes()).unwrap()),
        trust_store: Arc::new(store),
    }
}

#[test]
fn a_timestamp_vouches_for_the_signing_time_even_after_the_certificates_expire() {
    let tsa_root = vec![certificate("tsa-root")];
    let after_expiry = now() + Duration::from_secs(101 * 365 * 86_400);
    for format in [EnvelopeFormat::Jws, EnvelopeFormat::Cose] {
        let (stamped, media_type) = sign_stamped(format, "tsa", &tsa_root).unwrap();
        let (plain, _) = sign("signer-p256", format, None);
        let requirements = NotationRequirements::default();
        let always = trust_with_tsa("strict", "always", "tsa-root.pem");
        assert!(judge_with(&always, &stamped, media_type, now(), &requirements).verified);
        let (name, detail) = failure(&judge_with(&always, &plain, media_type, now(), &requirements));
        assert_eq!(name, CheckName::AuthenticTimestamp);
        assert!(detail.contains("no timestamp countersignature was found"), "{detail}");
        // Long after the chain expired: the timestamp still says it was valid when signed.
        let report = judge_with(&always, &stamped, media_type, after_expiry, &requirements);
        assert!(report.verified, "{report:#?}");
        // afterCertExpiry: while the chain is valid no stamp is needed; once expired, one is.
        let after = trust_with_tsa("strict", "afterCertExpiry", "tsa-root.pem");
        assert!(judge_with(&after, &plain, media_type, now(), &requirements).verified);
        assert!(judge_with(&after, &stamped, media_type, after_expiry, &requirements).verified);
        assert_eq!(
            failure(&judge_with(&after, &plain, media_type, after_expiry, &requirements)).0,
            CheckName::AuthenticTimestamp
        );
        // A tsa store of another authority does not vouch for it.
        let other = trust_with_tsa("strict", "always", "root.pem");
        let (name, detail) = failure(&judge_with(&other, &stamped, media_type, now(), &requirements));
        assert_eq!(name, CheckName::AuthenticTimestamp);
        assert!(
            detail.contains("failed to verify the timestamp countersignature"),
            "{detail}"
        );
    }
}

#[test]
fn timestamps_that_break_the_rules_are_refused_when_signing_and_when_verifying() {
    let tsa_root = vec![certificate("tsa-root")];
    // An authority whose extended key usage is not critical (openssl will not even stamp with it):
    // its chain breaks the timestamping requirements, and a signing chain is no stamping one.
    use ocitrust_core::notation::chain::validate_timestamping_chain;
    let error =
        validate_timestamping_chain(&[certificate("tsa-eku-not-critical"), certificate("tsa-root")]).unwrap_err();
    assert!(
        error.contains("must have extended key usage extension marked as critical"),
        "{error}"
    );
    validate_timestamping_chain(&[certificate("tsa"), certificate("tsa-root")]).unwrap();
    let error = validate_timestamping_chain(&chain("signer-p256")).unwrap_err();
    assert!(error.contains("must have and only have Timestamping"), "{error}");
    // An answer that does not chain to the roots given.
    let error = sign_stamped(EnvelopeFormat::Jws, "tsa", &[certificate("root")]).unwrap_err();
    assert!(
        error
            .message()
            .contains("does not chain to a trusted timestamp authority root"),
        "{error}"
    );
    // A token moved from one signature to another: its imprint is not this signature's.
    let (first, media_type) = sign_stamped(EnvelopeFormat::Jws, "tsa", &tsa_root).unwrap();
    let (second, _) = sign_stamped(EnvelopeFormat::Jws, "tsa", &tsa_root).unwrap();
    let mut swapped: Value = serde_json::from_slice(&second).unwrap();
    let token = serde_json::from_slice::<Value>(&first).unwrap()["header"]["io.cncf.notary.timestampSignature"].clone();
    swapped["header"]["io.cncf.notary.timestampSignature"] = token;
    let report = judge_with(
        &trust_with_tsa("strict", "always", "tsa-root.pem"),
        swapped.to_string().as_bytes(),
        media_type,
        now(),
        &NotationRequirements::default(),
    );
    let (name, detail) = failure(&report);
    assert_eq!(name, CheckName::AuthenticTimestamp);
    assert!(
        detail.contains("message imprint is not the hash of this signature"),
        "{detail}"
    );
    // Garbage in the timestamp's place.
    swapped["header"]["io.cncf.notary.timestampSignature"] = json!(STANDARD.encode(b"not a token"));
    let report = judge_with(
        &trust_with_tsa("permissive", "always", "tsa-root.pem"),
        swapped.to_string().as_bytes(),
        media_type,
        now(),
        &NotationRequirements::default(),
    );
    assert!(report.verified, "permissive only logs the authentic timestamp");
    assert!(logged(&report, CheckName::AuthenticTimestamp));
}

/// A plugin host answering from a script: metadata as given, verify-signature as `verdict` says.
struct FakePlugins {
    metadata: Value,
    verdict: fn(&Value) -> Value,
}

impl ocitrust_core::notation::PluginHost for FakePlugins {
    fn run(&self, name: &str, command: &str, request: &[u8]) -> ocitrust_core::Result<Vec<u8>> {
        assert_eq!(name, "fake");
        let request: Value = serde_json::from_slice(request).unwrap();
        let answer = match command {
            "get-plugin-metadata" => self.metadata.clone(),
            "verify-signature" => (self.verdict)(&request),
            other => panic!("{other}"),
        };
        Ok(answer.to_string().into_bytes())
    }
}

fn metadata(version: &str, capabilities: &[&str]) -> Value {
    json!({"name": "fake", "version": version, "supportedContractVersions": ["1.0"], "capabilities": capabilities})
}

#[test]
fn plugins_verify_what_they_claim_and_must_process_every_critical_attribute() {
    use ocitrust_core::notation::envelope::ExtendedAttribute;
    use ocitrust_core::notation::verification_plugin_attributes;
    let mut attributes = verification_plugin_attributes("fake", Some("1.2.0"));
    attributes.push(ExtendedAttribute {
        key: "acme.region".into(),
        critical: true,
        value: json!("eu"),
    });
    let chain = chain("signer-p256");
    let sign = |format| {
        sign_notation_envelope(&NotationSignRequest {
            target: &target(),
            key: &key("signer-p256"),
            certificate_chain: &chain,
            signing_time: now(),
            expiry: None,
            signing_agent: "t",
            format,
            timestamping: None,
            extended_attributes: &attributes,
        })
        .unwrap()
    };
    let both = [EnvelopeFormat::Jws, EnvelopeFormat::Cose].map(sign);
    let judge_with_plugins = |plugins: FakePlugins, envelope: &ocitrust_core::notation::SignedEnvelope| {
        let requirements = NotationRequirements {
            plugins: Some(Arc::new(plugins)),
            ..Default::default()
        };
        judge_with(
            &trust("strict"),
            &envelope.bytes,
            envelope.media_type,
            now(),
            &requirements,
        )
    };
    let capabilities = [
        "SIGNATURE_VERIFIER.TRUSTED_IDENTITY",
        "SIGNATURE_VERIFIER.REVOCATION_CHECK",
    ];
    fn all_good(request: &Value) -> Value {
        // The plugin sees the extended critical attribute, not its own name's.
        let unprocessed = request["signature"]["unprocessedAttributes"].clone();
        assert_eq!(unprocessed, json!(["acme.region"]));
        assert_eq!(
            request["signature"]["criticalAttributes"]["extendedAttributes"]["acme.region"],
            "eu"
        );
        json!({"verificationResults": {
            "SIGNATURE_VERIFIER.TRUSTED_IDENTITY": {"success": true},
            "SIGNATURE_VERIFIER.REVOCATION_CHECK": {"success": true}},
            "processedAttributes": unprocessed})
    }
    for envelope in &both {
        assert!(
            judge_with_plugins(
                FakePlugins {
                    metadata: metadata("1.2.0", &capabilities),
                    verdict: all_good
                },
                envelope
            )
            .verified
        );
        let failure_of = |plugins: FakePlugins| failure(&judge_with_plugins(plugins, envelope));
        let (name, detail) = failure_of(FakePlugins {
            metadata: metadata("1.2.0", &capabilities),
            verdict: |_| json!({"verificationResults": {"SIGNATURE_VERIFIER.TRUSTED_IDENTITY": {"success": true}, "SIGNATURE_VERIFIER.REVOCATION_CHECK": {"success": true}}, "processedAttributes": []}),
        });
        assert_eq!(name, CheckName::Plugin);
        assert!(detail.contains("\"acme.region\" was not processed"), "{detail}");
        let (_, detail) = failure_of(FakePlugins {
            metadata: metadata("1.2.0", &capabilities),
            verdict: |_| json!({"verificationResults": {"SIGNATURE_VERIFIER.TRUSTED_IDENTITY": {"success": true}}, "processedAttributes": ["acme.region"]}),
        });
        assert!(
            detail.contains("failed to verify \"SIGNATURE_VERIFIER.REVOCATION_CHECK\""),
            "{detail}"
        );
        let (name, detail) = failure_of(FakePlugins {
            metadata: metadata("1.2.0", &capabilities),
            verdict: |_| json!({"verificationResults": {"SIGNATURE_VERIFIER.TRUSTED_IDENTITY": {"success": false, "reason": "nope"}, "SIGNATURE_VERIFIER.REVOCATION_CHECK": {"success": true}}, "processedAttributes": ["acme.region"]}),
        });
        assert_eq!(name, CheckName::Authenticity);
        assert!(detail.contains("failed with reason \"nope\""), "{detail}");
        let (name, detail) = failure_of(FakePlugins {
            metadata: metadata("1.1.9", &capabilities),
            verdict: all_good,
        });
        assert_eq!(name, CheckName::Plugin);
        assert!(detail.contains("greater than or equal to 1.2.0"), "{detail}");
        let (_, detail) = failure_of(FakePlugins {
            metadata: metadata("1.2.0", &["SIGNATURE_GENERATOR.RAW"]),
            verdict: all_good,
        });
        assert!(detail.contains("with signature verification capabilities"), "{detail}");
        let mut renamed = metadata("1.2.0", &capabilities);
        renamed["name"] = json!("other");
        let (_, detail) = failure_of(FakePlugins {
            metadata: renamed,
            verdict: all_good,
        });
        assert!(detail.contains("executable name must be"), "{detail}");
        let (_, detail) = failure_of(FakePlugins {
            metadata: metadata("v1", &capabilities),
            verdict: all_good,
        });
        assert!(detail.contains("not in valid semver format"), "{detail}");
        // Without a plugin host at all.
        let report = judge_with(
            &trust("strict"),
            &envelope.bytes,
            envelope.media_type,
            now(),
            &NotationRequirements::default(),
        );
        assert!(failure(&report).1.contains("make sure the plugin is installed"));
    }
}
