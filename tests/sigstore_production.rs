//! Real Sigstore signatures (`tests/data/sigstore-production`: bundles from the public-good
//! production instance and staging, collected from sigstore-js, sigstore-go, sigstore-python and
//! sigstore-rs) verified through the library as their `cases.json` says: each bundle against its
//! trusted root, for its identity and issuer (or key), over its artifact or digest; the three
//! `_fail` cases rejected. Also the 2021 cosign image-signature layer (a legacy layer with a
//! Fulcio certificate and a Rekor bundle) through the image path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ocitrust::core::cosign::{verify_signature_manifest, CosignRequirements, PayloadBlobs};
use ocitrust::core::oci::Manifest;
use ocitrust::{
    Artifact, Authority, CertificateIdentity, CheckName, Digest, KeylessIdentity, Matcher, Outcome, PublicKey,
    TrustedRoot, Verifier,
};
use serde_json::Value;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore-production")
}

fn root_at(path: &Path) -> Arc<TrustedRoot> {
    Arc::new(TrustedRoot::from_json(&std::fs::read(path).unwrap()).unwrap())
}

fn cases() -> Vec<Value> {
    let cases: Value = serde_json::from_slice(&std::fs::read(data().join("cases.json")).unwrap()).unwrap();
    cases["cases"].as_array().unwrap().clone()
}

fn verifier_for(case: &Value) -> Verifier {
    let root = root_at(&data().join(case["trusted_root"].as_str().unwrap()));
    let authority = match case["key"].as_str() {
        Some(key) => {
            Authority::CosignKey(PublicKey::from_pem_or_der(&std::fs::read(data().join(key)).unwrap()).unwrap())
        }
        None => Authority::Keyless(KeylessIdentity::new(
            CertificateIdentity::exact(
                case["identity"].as_str().unwrap(),
                case["issuer"].as_str().unwrap_or_default(),
            ),
            root.clone(),
        )),
    };
    Verifier::trusting([authority]).trusted_root(root)
}

#[test]
fn every_production_bundle_gets_its_expected_verdict() {
    let mut checked = 0;
    for case in cases() {
        let Some(file) = case["file"].as_str() else {
            continue; // the legacy layer, below
        };
        let id = case["id"].as_str().unwrap();
        let bundle = std::fs::read(data().join(file)).unwrap();
        let artifact_bytes = case["artifact"]
            .as_str()
            .map(|a| std::fs::read(data().join(a)).unwrap());
        let digest = case["artifact_digest"].as_str().map(|d| Digest::parse(d).unwrap());
        let artifact = match (&artifact_bytes, &digest) {
            (Some(bytes), _) => Artifact::Bytes(bytes),
            (None, Some(digest)) => Artifact::Digest(digest),
            (None, None) => panic!("{id}: no artifact"),
        };
        let outcome = verifier_for(&case).verify_blob(&bundle, artifact, id);
        let verified = outcome.as_ref().is_ok_and(|v| v.trusted);
        match case["expected"].as_str().unwrap() {
            "verify" => assert!(
                verified,
                "{id} must verify: {:?}",
                outcome.map(|v| v.signatures[0].failure().map(str::to_owned))
            ),
            _ => assert!(!verified, "{id} must be rejected"),
        }
        checked += 1;
    }
    assert!(checked >= 22, "only {checked} bundles");
}

#[test]
fn the_rejections_are_for_their_reason() {
    let reasons = [
        ("go-dsse-2sigs_fail", "carries exactly one"),
        ("py-python-3.12.5-tgz_fail", "inclusion proof has no checkpoint"),
        ("py-v3-no-signed-time_fail", "no verified signing time"),
    ];
    for (id, reason) in reasons {
        let case = cases().into_iter().find(|c| c["id"] == id).unwrap();
        let bundle = std::fs::read(data().join(case["file"].as_str().unwrap())).unwrap();
        let artifact_bytes = case["artifact"]
            .as_str()
            .map(|a| std::fs::read(data().join(a)).unwrap());
        let digest = case["artifact_digest"].as_str().map(|d| Digest::parse(d).unwrap());
        let artifact = match (&artifact_bytes, &digest) {
            (Some(bytes), _) => Artifact::Bytes(bytes),
            (None, Some(digest)) => Artifact::Digest(digest),
            (None, None) => unreachable!(),
        };
        let message = match verifier_for(&case).verify_blob(&bundle, artifact, id) {
            Ok(verdict) => verdict.signatures[0].failure().unwrap_or("").to_owned(),
            Err(e) => e.to_string(),
        };
        assert!(message.contains(reason), "{id}: {message}");
    }
}

/// The 2021 cosign signature layer, as a signature manifest with the layer's annotations.
fn legacy_layer() -> (Digest, Manifest, PayloadBlobs) {
    let dir = data().join("sigstore-rs/cosign-legacy-2021");
    let payload = std::fs::read(dir.join("payload.json")).unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let digest = Digest::sha256(&payload);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": Digest::sha256(b"{}").to_string(), "size": 2},
        "layers": [{
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "digest": digest.to_string(),
            "size": payload.len(),
            "annotations": {
                "dev.cosignproject.cosign/signature": read("signature.b64").trim(),
                "dev.sigstore.cosign/certificate": read("certificate.pem"),
                "dev.sigstore.cosign/bundle": read("rekor-bundle.json").trim(),
            }
        }]
    });
    let manifest = Manifest::from_bytes(serde_json::to_vec(&manifest).unwrap(), None).unwrap();
    let payload_json: Value = serde_json::from_slice(&payload).unwrap();
    let subject = Digest::parse(
        payload_json["critical"]["image"]["docker-manifest-digest"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    (subject, manifest, PayloadBlobs::from_blobs([payload]))
}

#[test]
fn a_2021_keyless_cosign_layer_verifies_through_the_image_path() {
    let (subject, manifest, blobs) = legacy_layer();
    let root = TrustedRoot::production_shared().unwrap();
    // The certificate predates OIDC issuer extensions: its issuer is empty.
    let identity = CertificateIdentity {
        subject: Matcher::Exact("flavio@castelli.me".into()),
        issuer: Matcher::regex("^$", "issuer").unwrap(),
        github_claims: vec![],
    };
    let authorities = [Authority::Keyless(KeylessIdentity::new(identity, root))];
    // It also predates embedded SCTs: strict verification says so, --insecure-ignore-sct accepts it.
    let strict = CosignRequirements::default();
    let reports = verify_signature_manifest(&subject, &manifest, &blobs, &authorities, &strict, "legacy").unwrap();
    assert!(!reports[0].verified);
    assert!(
        reports[0].failure().unwrap().contains("no embedded SCT"),
        "{:?}",
        reports[0].checks
    );
    let relaxed = CosignRequirements {
        insecure_ignore_sct: true,
        ..Default::default()
    };
    let reports = verify_signature_manifest(&subject, &manifest, &blobs, &authorities, &relaxed, "legacy").unwrap();
    assert!(reports[0].verified, "{:?}", reports[0].checks);
    let outcome = |name| reports[0].checks.iter().find(|c| c.name == name).unwrap().outcome;
    assert_eq!(outcome(CheckName::Tlog), Outcome::Passed);
    assert_eq!(outcome(CheckName::Certificate), Outcome::Passed);
    assert_eq!(outcome(CheckName::Sct), Outcome::SkippedInsecure);

    // Another image's digest, or another identity, is refused on the same layer.
    let other = Digest::sha256(b"another image");
    let reports = verify_signature_manifest(&other, &manifest, &blobs, &authorities, &relaxed, "legacy").unwrap();
    assert_eq!(
        reports[0]
            .checks
            .iter()
            .find(|c| c.name == CheckName::Claims)
            .unwrap()
            .outcome,
        Outcome::Failed
    );
    let stranger = [Authority::Keyless(KeylessIdentity::new(
        CertificateIdentity::exact("someone@else.example", ""),
        TrustedRoot::production_shared().unwrap(),
    ))];
    let reports = verify_signature_manifest(&subject, &manifest, &blobs, &stranger, &relaxed, "legacy").unwrap();
    assert!(reports[0]
        .failure()
        .unwrap()
        .contains("expected SAN value \"someone@else.example\""));
}

// ---- one real bundle, judged under altered trust material or for another artifact ----

fn happy_path() -> (Vec<u8>, Vec<u8>) {
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore-conformance");
    (
        std::fs::read(suite.join("happy-path-v0.3/bundle.sigstore.json")).unwrap(),
        std::fs::read(suite.join("a.txt")).unwrap(),
    )
}

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

/// The failure of the happy-path bundle for `artifact` under the production root changed by `alter`.
fn failure_under(alter: impl FnOnce(&mut Value), artifact: &[u8]) -> Option<String> {
    let (bundle, _) = happy_path();
    let mut root: Value = serde_json::from_slice(
        &std::fs::read(data().join("../sigstore-trusted-root/production.trusted_root.json")).unwrap(),
    )
    .unwrap();
    alter(&mut root);
    let root = Arc::new(TrustedRoot::from_json(&serde_json::to_vec(&root).unwrap()).unwrap());
    let verifier = Verifier::trusting([Authority::Keyless(KeylessIdentity::new(
        CertificateIdentity::exact(BEACON, "https://token.actions.githubusercontent.com"),
        root.clone(),
    ))])
    .trusted_root(root);
    let verdict = verifier
        .verify_blob(&bundle, Artifact::Bytes(artifact), "a.txt")
        .unwrap();
    verdict.signatures[0].failure().map(str::to_owned)
}

#[test]
fn the_happy_path_bundle_verifies_under_the_unaltered_root() {
    let (_, artifact) = happy_path();
    assert_eq!(failure_under(|_| {}, &artifact), None);
}

#[test]
fn a_bundle_for_another_artifact_is_refused() {
    let failure = failure_under(|_| {}, b"another artifact").unwrap();
    assert!(
        failure.contains("for something else") && failure.contains("artifact digest"),
        "{failure}"
    );
}

#[test]
fn a_certificate_from_a_ca_the_root_does_not_trust_is_refused() {
    let (_, artifact) = happy_path();
    // Keep only the 2021 Fulcio root, which did not issue this certificate.
    let failure = failure_under(
        |root| {
            let cas = root["certificateAuthorities"].as_array_mut().unwrap();
            cas.truncate(1);
        },
        &artifact,
    )
    .unwrap();
    assert!(
        failure.contains("issued by") || failure.contains("not valid at"),
        "{failure}"
    );
}

#[test]
fn an_sct_from_an_unknown_log_or_with_a_bad_signature_is_refused() {
    let (_, artifact) = happy_path();
    let failure = failure_under(|root| root["ctlogs"] = serde_json::json!([]), &artifact).unwrap();
    assert!(failure.contains("unknown CT log"), "{failure}");
    // The CT logs keep their ids but get another key: the SCT's signature cannot verify.
    let failure = failure_under(
        |root| {
            let rekor_key = root["tlogs"][0]["publicKey"]["rawBytes"].clone();
            for log in root["ctlogs"].as_array_mut().unwrap() {
                log["publicKey"]["rawBytes"] = rekor_key.clone();
                log["publicKey"]["keyDetails"] = "PKIX_ECDSA_P256_SHA_256".into();
            }
        },
        &artifact,
    )
    .unwrap();
    assert!(failure.contains("does not verify"), "{failure}");
}

#[test]
fn a_log_the_root_does_not_list_or_a_log_key_out_of_its_validity_is_refused() {
    let (_, artifact) = happy_path();
    let failure = failure_under(|root| root["tlogs"] = serde_json::json!([]), &artifact).unwrap();
    assert!(failure.contains("does not list"), "{failure}");
    let failure = failure_under(
        |root| {
            for log in root["tlogs"].as_array_mut().unwrap() {
                log["publicKey"]["validFor"] = serde_json::json!({"start": "2030-01-01T00:00:00Z"});
            }
        },
        &artifact,
    )
    .unwrap();
    assert!(failure.contains("was not valid at"), "{failure}");
}

#[test]
fn a_ca_out_of_its_validity_at_signing_time_is_refused() {
    let (_, artifact) = happy_path();
    let failure = failure_under(
        |root| {
            for ca in root["certificateAuthorities"].as_array_mut().unwrap() {
                ca["validFor"] = serde_json::json!({"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"});
            }
        },
        &artifact,
    )
    .unwrap();
    assert!(failure.contains("was not valid at the signing time"), "{failure}");
}

/// The statement a DSSE bundle carries, read from its JSON (to name its predicate type and
/// predicate, which the attestation verification must hand back).
fn bundle_statement(bundle: &[u8]) -> Value {
    use base64::Engine;
    let json: Value = serde_json::from_slice(bundle).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(json["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[test]
fn production_dsse_bundles_verify_as_attestations_and_as_signatures_as_cosign_v3_reads_them() {
    use ocitrust::core::cosign::{verify_attestation_bundle, verify_bundle};
    let mut checked = 0;
    for case in cases() {
        let (Some(file), Some(digest), "verify", "dsseEnvelope") = (
            case["file"].as_str(),
            case["artifact_digest"].as_str(),
            case["expected"].as_str().unwrap(),
            case["content"].as_str().unwrap_or_default(),
        ) else {
            continue;
        };
        let id = case["id"].as_str().unwrap();
        let bundle = std::fs::read(data().join(file)).unwrap();
        let statement = bundle_statement(&bundle);
        let predicate_type = statement["predicateType"].as_str().unwrap();
        let subject = Digest::parse(digest).unwrap();
        let verifier = verifier_for(&case);
        let requirements = CosignRequirements {
            key_trusted_root: Some(root_at(&data().join(case["trusted_root"].as_str().unwrap()))),
            ..Default::default()
        };
        let report = verify_attestation_bundle(
            &subject,
            Ok(&bundle),
            verifier.authorities(),
            &requirements,
            predicate_type,
            id,
        )
        .unwrap();
        assert!(report.verified, "{id}: {:?}", report.failure());
        let attestation = report.attestation.as_ref().unwrap();
        assert_eq!(attestation.predicate_type, predicate_type, "{id}");
        let predicate: Value = serde_json::from_slice(&attestation.predicate).unwrap();
        assert_eq!(predicate, statement["predicate"], "{id}");
        // The same attestation asked for as another type, or for another subject, does not count.
        let other = verify_attestation_bundle(
            &subject,
            Ok(&bundle),
            verifier.authorities(),
            &requirements,
            "https://example.com/another/predicate",
            id,
        )
        .unwrap();
        assert!(!other.verified && other.attestation.is_none(), "{id}");
        let elsewhere = Digest::sha256(b"another artifact");
        let other = verify_attestation_bundle(
            &elsewhere,
            Ok(&bundle),
            verifier.authorities(),
            &requirements,
            predicate_type,
            id,
        )
        .unwrap();
        assert!(!other.verified, "{id}");
        // `cosign verify` (v3) takes any such bundle referrer as a signature of the image its
        // statement names, and prints its predicate type; so does ocitrust, and records it.
        let signature = verify_bundle(&subject, Ok(&bundle), verifier.authorities(), &requirements, id).unwrap();
        assert!(signature.verified, "{id}: {:?}", signature.failure());
        assert_eq!(signature.predicate_type.as_deref(), Some(predicate_type), "{id}");
        let view = ocitrust::core::cosign::bundle_simple_signing_view(
            signature.payload.as_deref().unwrap(),
            &subject,
            "registry.example/app",
        )
        .unwrap();
        assert_eq!(view.critical.kind, predicate_type, "{id}");
        let elsewhere = verify_bundle(&elsewhere, Ok(&bundle), verifier.authorities(), &requirements, id).unwrap();
        assert!(!elsewhere.verified && elsewhere.predicate_type.is_none(), "{id}");
        checked += 1;
    }
    assert!(checked >= 13, "only {checked} DSSE bundles");
}
