//! Every case of `tests/data/notation/cases.json`: JWS envelopes made by notation-go,
//! judged under the shared trust policy (with the level, trust stores and identities each case
//! sets) and trust store, must reach the verdict the case expects.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ocitrust_core::notation::{
    NotationEnvelope, NotationRequirements, NotationSubject, NotationTrust, TrustPolicyDocument, TrustStore,
    TrustStoreType,
};
use ocitrust_core::verdict::{CheckName, Outcome, SignatureReport};
use serde_json::Value;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/notation")
}

/// The shared trust store, read as notation lays it out.
fn trust_store() -> TrustStore {
    let mut store = TrustStore::new();
    for kind in TrustStoreType::ALL {
        let Ok(names) = std::fs::read_dir(shared().join("truststore/x509").join(kind.name())) else {
            continue;
        };
        for name in names {
            let name = name.unwrap();
            let store_name = name.file_name().into_string().unwrap();
            store.add_store(kind, &store_name);
            for file in std::fs::read_dir(name.path()).unwrap() {
                let file = file.unwrap();
                let bytes = std::fs::read(file.path()).unwrap();
                store.add_certificate_file(kind, &store_name, &file.file_name().to_string_lossy(), &bytes);
            }
        }
    }
    store
}

fn check_name(validation: &str) -> CheckName {
    match validation {
        "integrity" => CheckName::Integrity,
        "authenticity" => CheckName::Authenticity,
        "expiry" => CheckName::Expiry,
        "authenticTimestamp" => CheckName::AuthenticTimestamp,
        "revocation" => CheckName::Revocation,
        "plugin-required" => CheckName::Plugin,
        other => panic!("unknown validation {other}"),
    }
}

/// The verdict a report (or a skipped verification) amounts to, in the cases' words.
fn verdict(report: Option<&SignatureReport>) -> String {
    let Some(report) = report else {
        return "pass".to_owned();
    };
    let named = |outcome: Outcome| report.checks.iter().find(|c| c.outcome == outcome);
    match (report.verified, named(Outcome::Failed), named(Outcome::FailedLogged)) {
        (true, None, None) => "pass".to_owned(),
        (true, None, Some(logged)) => format!("pass-with-warning:{:?}", logged.name),
        (false, Some(failed), _) => format!("fail:{:?}", failed.name),
        other => panic!("an inconsistent report {other:?}: {report:#?}"),
    }
}

/// The shared trust policy with the level, trust stores and identities `case` sets.
fn case_policy(base: &Value, case: &Value) -> Value {
    let mut policy = base.clone();
    let statement = &mut policy["trustPolicies"][0];
    statement["signatureVerification"]["level"] = case["level"].clone();
    for field in ["trustStores", "trustedIdentities"] {
        if let Some(value) = case.get(field) {
            statement[field] = value.clone();
        }
    }
    policy
}

#[test]
fn every_shared_case_reaches_its_expected_verdict() {
    let cases: Value = serde_json::from_slice(&std::fs::read(shared().join("cases.json")).unwrap()).unwrap();
    let base: Value = serde_json::from_slice(&std::fs::read(shared().join("trustpolicy.json")).unwrap()).unwrap();
    let store = Arc::new(trust_store());
    let subject_json = &cases["subject"];
    let reference = cases["reference"].as_str().unwrap();
    let subject = NotationSubject {
        reference,
        media_type: subject_json["mediaType"].as_str().unwrap(),
        digest: subject_json["digest"].as_str().unwrap(),
        size: subject_json["size"].as_u64().unwrap(),
    };
    // Within every certificate's validity and before the valid envelopes' expiry (2120).
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200);
    let media_type = cases["envelopeMediaType"].as_str().unwrap();
    let mut checked = 0;
    for case in cases["cases"].as_array().unwrap() {
        let policy = case_policy(&base, case);
        let trust = NotationTrust {
            policy: Arc::new(TrustPolicyDocument::from_json(policy.to_string().as_bytes()).unwrap()),
            trust_store: store.clone(),
        };
        let envelope = std::fs::read(shared().join("envelopes").join(case["envelope"].as_str().unwrap())).unwrap();
        let report = match trust.skips(&subject).unwrap() {
            Some(_) => None,
            None => Some(trust.judge(
                &subject,
                NotationEnvelope {
                    media_type,
                    bytes: &envelope,
                },
                &NotationRequirements::default(),
                time,
                "case",
            )),
        };
        let expected = case["expect"].as_str().unwrap();
        let expected = match expected.split_once(':') {
            Some((outcome, validation)) => format!("{outcome}:{:?}", check_name(validation)),
            None => expected.to_owned(),
        };
        assert_eq!(verdict(report.as_ref()), expected, "{case}\n{report:#?}");
        checked += 1;
    }
    assert_eq!(checked, cases["cases"].as_array().unwrap().len());
    assert!(checked >= 16);
}

/// The shared policy at `level`, over the shared trust store.
fn shared_trust(level: &str) -> NotationTrust {
    let mut policy: Value = serde_json::from_slice(&std::fs::read(shared().join("trustpolicy.json")).unwrap()).unwrap();
    policy["trustPolicies"][0]["signatureVerification"]["level"] = level.into();
    NotationTrust {
        policy: Arc::new(TrustPolicyDocument::from_json(policy.to_string().as_bytes()).unwrap()),
        trust_store: Arc::new(trust_store()),
    }
}

const REFERENCE: &str =
    "registry.acme-rockets.io/software/net-monitor@sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e";

fn subject() -> NotationSubject<'static> {
    NotationSubject {
        reference: REFERENCE,
        media_type: "application/vnd.docker.distribution.manifest.v2+json",
        digest: "sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e",
        size: 528,
    }
}

fn judge_at(
    trust: &NotationTrust,
    subject: &NotationSubject<'_>,
    envelope: &[u8],
    requirements: &NotationRequirements,
    time: SystemTime,
) -> SignatureReport {
    trust.judge(
        subject,
        NotationEnvelope {
            media_type: "application/jose+json",
            bytes: envelope,
        },
        requirements,
        time,
        "test",
    )
}

fn judge(trust: &NotationTrust, envelope: &[u8]) -> SignatureReport {
    judge_at(
        trust,
        &subject(),
        envelope,
        &NotationRequirements::default(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200),
    )
}

fn valid_envelope() -> Value {
    serde_json::from_slice(&std::fs::read(shared().join("envelopes/ca_valid_sig_env.json")).unwrap()).unwrap()
}

fn first_failure(report: &SignatureReport) -> (CheckName, String) {
    let check = report
        .checks
        .iter()
        .find(|c| c.outcome == Outcome::Failed)
        .unwrap_or_else(|| panic!("{report:#?}"));
    (check.name, check.detail.clone())
}

/// What a tampering is called, what it does to the envelope, and what the failure must say.
type Tamper<'a> = (&'a str, &'a dyn Fn(&mut Value), &'a str);

#[test]
fn a_tampered_envelope_fails_integrity_and_nothing_after_it_runs() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let trust = shared_trust("audit");
    let tamper = |edit: &dyn Fn(&mut Value)| {
        let mut envelope = valid_envelope();
        edit(&mut envelope);
        judge(&trust, envelope.to_string().as_bytes())
    };
    let flip_signature = |e: &mut Value| {
        let mut signature = URL_SAFE_NO_PAD.decode(e["signature"].as_str().unwrap()).unwrap();
        signature[10] ^= 1;
        e["signature"] = URL_SAFE_NO_PAD.encode(signature).into();
    };
    let other_payload = |e: &mut Value| {
        let payload = br#"{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e","size":528}}"#;
        e["payload"] = URL_SAFE_NO_PAD.encode(payload).into();
    };
    let no_chain = |e: &mut Value| e["header"]["x5c"] = Value::Array(vec![]);
    let root_only = |e: &mut Value| {
        let root = e["header"]["x5c"][1].clone();
        e["header"]["x5c"] = Value::Array(vec![root]);
    };
    let reversed = |e: &mut Value| {
        let chain: Vec<Value> = e["header"]["x5c"].as_array().unwrap().iter().rev().cloned().collect();
        e["header"]["x5c"] = Value::Array(chain);
    };
    let header_changed = |e: &mut Value| {
        let protected = URL_SAFE_NO_PAD.decode(e["protected"].as_str().unwrap()).unwrap();
        let text = String::from_utf8(protected)
            .unwrap()
            .replace("2120-11-09", "2121-11-09");
        e["protected"] = URL_SAFE_NO_PAD.encode(text).into();
    };
    let cases: [Tamper<'_>; 6] = [
        ("flipped signature", &flip_signature, "does not verify"),
        ("payload swapped", &other_payload, "does not verify"),
        ("no certificate", &no_chain, "malformed leaf certificate"),
        ("root as the signer", &root_only, "does not verify"),
        ("chain reversed", &reversed, "does not verify"),
        ("protected header changed", &header_changed, "does not verify"),
    ];
    for (what, edit, expected) in cases {
        let report = tamper(edit);
        assert!(!report.verified, "{what}");
        let (name, detail) = first_failure(&report);
        assert_eq!(name, CheckName::Integrity, "{what}: {detail}");
        assert!(detail.contains(expected), "{what}: {detail}");
        assert!(
            report.checks.iter().skip(1).all(|c| c.outcome == Outcome::NotReached),
            "{what}: {report:#?}"
        );
        assert!(report.signer.is_none() && report.payload.is_none());
    }
    // Not JSON at all, or in another envelope format.
    assert!(!judge(&trust, b"not json").verified);
    let cose = trust.judge(
        &subject(),
        NotationEnvelope {
            media_type: "application/cose",
            bytes: b"\xd2",
        },
        &NotationRequirements::default(),
        SystemTime::now(),
        "cose",
    );
    assert_eq!(first_failure(&cose).0, CheckName::Integrity);
    let other = trust.judge(
        &subject(),
        NotationEnvelope {
            media_type: "text/plain",
            bytes: b"x",
        },
        &NotationRequirements::default(),
        SystemTime::now(),
        "x",
    );
    assert!(first_failure(&other).1.contains("is not supported"));
}

#[test]
fn the_payload_must_name_the_subject_and_carry_the_metadata_asked_for() {
    let trust = shared_trust("audit");
    let envelope = valid_envelope().to_string();
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200);
    let mut other = subject();
    other.size = 529;
    let report = judge_at(
        &trust,
        &other,
        envelope.as_bytes(),
        &NotationRequirements::default(),
        time,
    );
    let (name, detail) = first_failure(&report);
    assert_eq!(name, CheckName::Claims, "{detail}");
    assert!(detail.contains("content descriptor mismatch"), "{detail}");
    let other_digest = NotationSubject {
        reference: "registry.acme-rockets.io/software/net-monitor@sha256:1111111111111111111111111111111111111111111111111111111111111111",
        digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
        ..subject()
    };
    assert_eq!(
        first_failure(&judge_at(
            &trust,
            &other_digest,
            envelope.as_bytes(),
            &NotationRequirements::default(),
            time
        ))
        .0,
        CheckName::Claims
    );
    let wanted = NotationRequirements {
        user_metadata: [("team".to_owned(), "net".to_owned())].into(),
        ..Default::default()
    };
    let report = judge_at(&trust, &subject(), envelope.as_bytes(), &wanted, time);
    let (name, detail) = first_failure(&report);
    assert_eq!(name, CheckName::Annotations);
    assert!(
        detail.contains("unable to find specified metadata in the signature"),
        "{detail}"
    );
}

#[test]
fn authenticity_needs_a_usable_trust_store_and_a_trusted_identity() {
    let envelope = valid_envelope().to_string();
    let with = |stores: &str, identities: &str, store: TrustStore| {
        let policy = format!(
            r#"{{"version":"1.0","trustPolicies":[{{"name":"p","registryScopes":["*"],"signatureVerification":{{"level":"strict"}},"trustStores":{stores},"trustedIdentities":{identities}}}]}}"#
        );
        let trust = NotationTrust {
            policy: Arc::new(TrustPolicyDocument::from_json(policy.as_bytes()).unwrap()),
            trust_store: Arc::new(store),
        };
        judge(&trust, envelope.as_bytes())
    };
    assert!(with(r#"["ca:valid-trust-store"]"#, r#"["*"]"#, trust_store()).verified);
    assert!(
        with(
            r#"["ca:valid-trust-store"]"#,
            r#"["x509.subject:C=US,ST=WA,O=Notary"]"#,
            trust_store()
        )
        .verified
    );
    let failure = |report: SignatureReport| {
        let (name, detail) = first_failure(&report);
        assert_eq!(name, CheckName::Authenticity, "{detail}");
        detail
    };
    assert!(failure(with(r#"["ca:missing"]"#, r#"["*"]"#, trust_store()))
        .contains(r#"the trust store "missing" of type "ca" does not exist"#));
    // Only stores of the signing scheme's type count: a signingAuthority store does not vouch for
    // a CA-issued signature.
    assert!(failure(with(
        r#"["signingAuthority:valid-trust-store"]"#,
        r#"["*"]"#,
        trust_store()
    ))
    .contains("no trusted certificates are found"));
    let mut broken = trust_store();
    broken.mark_unusable(
        TrustStoreType::Ca,
        "valid-trust-store",
        "the trust store is a symlink".into(),
    );
    assert!(failure(with(r#"["ca:valid-trust-store"]"#, r#"["*"]"#, broken)).contains("is a symlink"));
    assert!(failure(with(
        r#"["ca:valid-trust-store"]"#,
        r#"["x509.subject:C=US,ST=OR,O=Notary"]"#,
        trust_store()
    ))
    .contains("does not match the X.509 trusted identities"));
    // Identities of other kinds are for plugins: with none of notation's own, nothing matches.
    assert!(failure(with(
        r#"["ca:valid-trust-store"]"#,
        r#"["arn:aws:signer:x"]"#,
        trust_store()
    ))
    .contains("no x509 trusted identities are configured"));
}

#[test]
fn the_chain_must_be_valid_at_the_verification_time_without_a_timestamp() {
    let trust = shared_trust("strict");
    let envelope = valid_envelope().to_string();
    // The envelope expires in 2120 and its leaf in 2122: with expiry only logged, the chain's own
    // validity at the verification time is what decides.
    let mut policy: Value = serde_json::from_slice(&std::fs::read(shared().join("trustpolicy.json")).unwrap()).unwrap();
    policy["trustPolicies"][0]["signatureVerification"] =
        serde_json::json!({"level": "strict", "override": {"expiry": "log"}});
    let lenient = NotationTrust {
        policy: Arc::new(TrustPolicyDocument::from_json(policy.to_string().as_bytes()).unwrap()),
        trust_store: trust.trust_store.clone(),
    };
    let after_leaf = SystemTime::UNIX_EPOCH + Duration::from_secs(4_815_000_000); // 2122-07…
    let late = SystemTime::UNIX_EPOCH + Duration::from_secs(4_817_000_000); // after 2122-08-06
    let report = judge_at(
        &lenient,
        &subject(),
        envelope.as_bytes(),
        &NotationRequirements::default(),
        after_leaf,
    );
    assert!(report.verified, "{report:#?}");
    assert!(report
        .checks
        .iter()
        .any(|c| c.name == CheckName::Expiry && c.outcome == Outcome::FailedLogged));
    let report = judge_at(
        &lenient,
        &subject(),
        envelope.as_bytes(),
        &NotationRequirements::default(),
        late,
    );
    let (name, detail) = first_failure(&report);
    assert_eq!(name, CheckName::AuthenticTimestamp, "{detail}");
    assert!(detail.contains("validity period, it was expired at"), "{detail}");
    // Before the leaf was valid.
    let early = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let report = judge_at(
        &trust,
        &subject(),
        envelope.as_bytes(),
        &NotationRequirements::default(),
        early,
    );
    assert_eq!(first_failure(&report).0, CheckName::AuthenticTimestamp);
}

#[test]
fn no_applicable_statement_is_an_error_before_any_signature() {
    let trust = shared_trust("strict");
    let elsewhere = NotationSubject {
        reference: "registry.example/other@sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e",
        ..subject()
    };
    assert!(trust
        .skips(&elsewhere)
        .unwrap_err()
        .message()
        .contains("has no applicable trust policy"));
}

/// The shared trust store's files as the notation importer takes them.
fn store_files() -> Vec<ocitrust_core::policy::NotationStoreFiles> {
    let mut stores = Vec::new();
    for kind in TrustStoreType::ALL {
        let Ok(names) = std::fs::read_dir(shared().join("truststore/x509").join(kind.name())) else {
            continue;
        };
        for name in names {
            let name = name.unwrap();
            let mut files: Vec<String> = std::fs::read_dir(name.path())
                .unwrap()
                .map(|f| f.unwrap().path().display().to_string())
                .collect();
            files.sort();
            stores.push(ocitrust_core::policy::NotationStoreFiles {
                kind,
                name: name.file_name().into_string().unwrap(),
                files,
            });
        }
    }
    stores
}

#[test]
fn every_shared_case_reaches_the_same_verdict_under_the_imported_ocitrust_policy() {
    use ocitrust_core::policy::{compile, import_notation, select, PolicyFiles, ScopeName, TrustPolicy};
    use ocitrust_core::{Authority, Reference};
    let cases: Value = serde_json::from_slice(&std::fs::read(shared().join("cases.json")).unwrap()).unwrap();
    let base: Value = serde_json::from_slice(&std::fs::read(shared().join("trustpolicy.json")).unwrap()).unwrap();
    let store = Arc::new(trust_store());
    let stores = store_files();
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_083_200);
    let media_type = cases["envelopeMediaType"].as_str().unwrap();
    let scope = ScopeName::of_reference(&Reference::parse(REFERENCE).unwrap());
    let mut compared = 0;
    for case in cases["cases"].as_array().unwrap() {
        let policy = case_policy(&base, case);
        let json = policy.to_string();
        let notation = NotationTrust {
            policy: Arc::new(TrustPolicyDocument::from_json(json.as_bytes()).unwrap()),
            trust_store: store.clone(),
        };
        let imported = import_notation(json.as_bytes(), &stores).unwrap();
        let document = TrustPolicy::parse(&imported).unwrap_or_else(|e| panic!("{e}\n{imported}"));
        let mut files = PolicyFiles::new();
        for file in document.files() {
            files.insert(file.path.clone(), std::fs::read(&file.path).unwrap());
        }
        let compiled = compile(document, &files).unwrap();
        let (rule, _) = select(&compiled, &scope).expect("the imported scope covers the case's repository");
        let envelope = std::fs::read(shared().join("envelopes").join(case["envelope"].as_str().unwrap())).unwrap();
        let judge = |trust: &NotationTrust| match trust.skips(&subject()).unwrap() {
            Some(_) => None,
            None => Some(trust.judge(
                &subject(),
                NotationEnvelope {
                    media_type,
                    bytes: &envelope,
                },
                &NotationRequirements::default(),
                time,
                "case",
            )),
        };
        let expected = verdict(judge(&notation).as_ref());
        let got = match &compiled.authorities[..] {
            [] => {
                assert!(imported.contains("insecureAcceptAnything: true"), "{imported}");
                "pass".to_owned()
            }
            [only] => {
                let Authority::Notation(trust) = &only.authority else {
                    panic!("{imported}")
                };
                assert_eq!(rule.name.as_str(), "test-statement-name", "{imported}");
                verdict(judge(trust).as_ref())
            }
            more => panic!("{} authorities from one statement:\n{imported}", more.len()),
        };
        assert_eq!(got, expected, "{case}\n{imported}");
        compared += 1;
    }
    assert!(compared >= 16);
}

/// What the fact cache keeps a notation judgement for: until the signature expires or a
/// certificate of its chain does, and a judgement made before the chain was valid only until it is.
#[test]
fn a_judgement_says_until_when_it_holds_by_time_alone() {
    let envelope = valid_envelope().to_string();
    let now = 1_796_083_200;
    let report = judge(&shared_trust("strict"), envelope.as_bytes());
    assert!(report.verified, "{report:#?}");
    let until = report.valid_until.expect("a notation judgement depends on time");
    // The envelope expires in 2120 and its leaf in 2122: the earlier of them, after now.
    assert!(until > now && until < 4_815_000_000, "{until}");
    let early = 1_600_000_000;
    let report = judge_at(
        &shared_trust("strict"),
        &subject(),
        envelope.as_bytes(),
        &NotationRequirements::default(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(early),
    );
    assert!(!report.verified);
    let until = report
        .valid_until
        .expect("a failure for want of validity changes with time");
    assert!(until > early && until <= now, "until the leaf becomes valid: {until}");
}
