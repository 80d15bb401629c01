//! The decision over evidence already verified (what a trust policy adds to verification): a
//! 3-policy document, a 2-of-3 threshold over a cosign key, a keyless identity and a notation
//! authority, and one CEL condition over a 5,000-component CycloneDX SBOM. Also the condition alone,
//! and reading and compiling the document.

use std::collections::BTreeMap;

use base64::Engine;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::policy::cel::{Condition, ConditionInputs};
use ocitrust_core::policy::{compile, decide, ImageFacts, Judged, PolicyEvidence, PolicyFiles, ScopeName, TrustPolicy};
use ocitrust_core::verdict::{Attestation, Check, CheckName, Outcome, SignatureKind, SignatureReport, Signer};
use ocitrust_core::{Digest, Reference};

const CONDITION: &str = r#"!predicate.components.exists(c, c.name == "log4j-core")"#;

fn block(pem: &str) -> String {
    format!("|\n{}", pem.lines().map(|l| format!("        {l}\n")).collect::<String>())
}

fn document() -> String {
    let key = SigningKey::generate_ecdsa_p256().unwrap().public_key().to_pem();
    let notary_root = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/notation-sample/notation-config/truststore/x509/ca/ocitrust-sample/root.pem"
    ))
    .unwrap();
    format!(
        r#"apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
trustRoots:
  public-good: {{sigstore: {{trustedRoot: embedded}}}}
  corp-pki:
    x509:
      ca:
      - {notary}
authorities:
  vendor-key:
    cosign:
      keyData: {key}  ci: {{keyless: {{trustRoot: public-good, issuer: https://token.actions.githubusercontent.com, identityRegExp: '^https://github\.com/org/'}}}}
  corp-notary: {{notation: {{trustRoots: [corp-pki], trustedIdentities: ["x509.subject: C=US, ST=WA, O=ocitrust tests"]}}}}
policies:
- name: prod
  scope: ["registry.example.com/prod/**"]
  signatures: {{atLeast: 2, of: [vendor-key, ci, corp-notary]}}
  attestations:
  - predicateType: cyclonedx
    by: [ci]
    condition: '{CONDITION}'
- name: staging
  scope: ["registry.example.com/staging/**"]
  signatures: {{any: [vendor-key, ci]}}
- name: everything-else
  scope: ["*"]
  reject: true
"#,
        key = block(&key),
        notary = serde_json::Value::String(notary_root).to_string(),
    )
}

fn signature(key: &str) -> SignatureReport {
    SignatureReport {
        kind: SignatureKind::SigstoreBundle,
        location: format!("bundle by {key}"),
        signer: Some(Signer {
            authority: "x".into(),
            key_id: key.into(),
            key_type: "ECDSA P-256".into(),
            certificate: None,
            x509_subject: None,
        }),
        checks: vec![Check {
            name: CheckName::Signature,
            outcome: Outcome::Passed,
            detail: String::new(),
        }],
        verified: true,
        payload: None,
        cosign_extras: BTreeMap::new(),
        attestation: None,
        predicate_type: None,
        valid_until: None,
    }
}

fn sbom() -> serde_json::Value {
    let components: Vec<serde_json::Value> = (0..5000)
        .map(|i| serde_json::json!({"type": "library", "name": format!("component-{i}"), "version": "1.0.0", "purl": format!("pkg:generic/component-{i}@1.0.0")}))
        .collect();
    serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
}

fn evidence(digest: &Digest) -> PolicyEvidence {
    let reference = Reference::parse("registry.example.com/prod/app:v1").unwrap();
    let predicate = sbom();
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "app", "digest": {"sha256": digest.to_string().trim_start_matches("sha256:")}}],
        "predicateType": "https://cyclonedx.org/bom",
        "predicate": predicate,
    });
    let envelope = serde_json::json!({
        "payloadType": "application/vnd.in-toto+json",
        "payload": base64::engine::general_purpose::STANDARD.encode(statement.to_string()),
        "signatures": [],
    });
    let attestation = SignatureReport {
        kind: SignatureKind::SigstoreBundle,
        attestation: Some(Attestation {
            predicate_type: "https://cyclonedx.org/bom".into(),
            predicate: predicate.to_string().into_bytes(),
            envelope: envelope.to_string().into_bytes(),
            statement: std::sync::Arc::new(statement),
        }),
        ..signature("ci-cert")
    };
    PolicyEvidence {
        image: ImageFacts {
            reference: reference.to_string(),
            scope_name: ScopeName::of_reference(&reference),
            digest: digest.clone(),
            platform: None,
        },
        signatures: BTreeMap::from([
            ("vendor-key".to_owned(), Judged::Reports(vec![signature("vendor")])),
            ("ci".to_owned(), Judged::Reports(vec![signature("ci-cert")])),
            ("corp-notary".to_owned(), Judged::Reports(vec![])),
        ]),
        attestations: vec![BTreeMap::from([("ci".to_owned(), Judged::Reports(vec![attestation]))])],
        insecure: Vec::new(),
    }
}

fn policy_decide(c: &mut Criterion) {
    let text = document();
    let compiled = compile(TrustPolicy::parse(&text).unwrap(), &PolicyFiles::new()).unwrap();
    let digest = Digest::sha256(b"image");
    let evidence = evidence(&digest);
    let decision = decide(&compiled, &evidence, 0);
    assert!(decision.allowed, "{:?}", decision.explanation);
    let mut group = c.benchmark_group("policy");
    group.bench_function("decide: 3 policies, 2 of 3, CEL over a 5,000-component SBOM", |b| {
        b.iter(|| decide(black_box(&compiled), black_box(&evidence), 0))
    });
    let predicate = sbom();
    let null = serde_json::Value::Null;
    let condition = Condition::compile(CONDITION).unwrap();
    group.bench_function("the CEL condition alone over the parsed SBOM", |b| {
        b.iter(|| {
            condition.evaluate(ConditionInputs {
                predicate: black_box(&predicate),
                statement: &null,
                signer: &null,
                image: &null,
            })
        })
    });
    group.bench_function("decide: a 2-of-3 threshold without attestations", |b| {
        let mut signatures_only = evidence.clone();
        signatures_only.image.scope_name = ScopeName::of_reference(&Reference::parse("registry.example.com/staging/app:v1").unwrap());
        b.iter(|| decide(black_box(&compiled), black_box(&signatures_only), 0))
    });
    group.bench_function("read and compile the document", |b| {
        b.iter(|| compile(TrustPolicy::parse(black_box(&text)).unwrap(), &PolicyFiles::new()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, policy_decide);
criterion_main!(benches);
