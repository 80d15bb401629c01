//! Decisions under trust policies, from evidence made by hand: thresholds over distinct
//! authorities and signers, modes, defaults, scopes, platforms' bookkeeping and attestation
//! conditions; and the properties the issue names, checked against a brute-force oracle over
//! generated requirements and evidence.

use std::collections::BTreeMap;

use base64::Engine;
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::policy::document::Requirement;
use ocitrust_core::policy::{
    compile, decide, CompiledPolicy, ImageFacts, Judged, Mode, NodeKind, PolicyEvidence, PolicyFiles, Position,
    ScopeName, ScopePattern, TrustPolicy,
};
use ocitrust_core::verdict::{Attestation, Check, CheckName, Outcome, SignatureKind, SignatureReport, Signer};
use ocitrust_core::{Digest, Reference};

const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// A PEM public key as a YAML block scalar, one per authority position (made once: key
/// generation dominates the generated-case tests otherwise).
fn key_block(position: usize) -> String {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        (0..NAMES.len())
            .map(|_| {
                let pem = SigningKey::generate_ecdsa_p256().unwrap().public_key().to_pem();
                format!(
                    "|\n{}",
                    pem.lines().map(|l| format!("        {l}\n")).collect::<String>()
                )
            })
            .collect()
    });
    keys[position].clone()
}

/// A document with cosign authorities `names` and the `policies` given.
fn policy(names: &[&str], defaults: &str, policies: &str) -> CompiledPolicy {
    let mut text = format!("apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\n{defaults}authorities:\n");
    for (position, name) in names.iter().enumerate() {
        text.push_str(&format!(
            "  {name}:\n    cosign:\n      keyData: {}",
            key_block(position)
        ));
    }
    text.push_str("policies:\n");
    text.push_str(policies);
    compile(TrustPolicy::parse(&text).unwrap(), &PolicyFiles::new()).unwrap()
}

fn image(reference: &str) -> ImageFacts {
    ImageFacts {
        reference: reference.to_owned(),
        scope_name: ScopeName::of_reference(&Reference::parse(reference).unwrap()),
        digest: Digest::parse(DIGEST).unwrap(),
        platform: None,
    }
}

fn report(signer: Option<&str>, verified: bool) -> SignatureReport {
    SignatureReport {
        kind: SignatureKind::CosignSignature,
        location: format!("layer of {}", signer.unwrap_or("nobody")),
        signer: signer.map(|key| Signer {
            authority: "x".into(),
            key_id: key.into(),
            key_type: "ECDSA P-256".into(),
            certificate: None,
            x509_subject: None,
        }),
        checks: vec![Check {
            name: CheckName::Signature,
            outcome: if verified { Outcome::Passed } else { Outcome::Failed },
            detail: if verified {
                String::new()
            } else {
                "invalid signature".into()
            },
        }],
        verified,
        payload: None,
        cosign_extras: BTreeMap::new(),
        attestation: None,
        predicate_type: None,
        valid_until: None,
    }
}

/// Evidence where each authority verified the signers listed (and nothing else).
fn evidence(reference: &str, signed: &[(&str, &[&str])]) -> PolicyEvidence {
    PolicyEvidence {
        image: image(reference),
        signatures: signed
            .iter()
            .map(|(name, signers)| {
                let reports = signers.iter().map(|s| report(Some(s), true)).collect();
                (name.to_string(), Judged::Reports(reports))
            })
            .collect(),
        attestations: Vec::new(),
        insecure: Vec::new(),
    }
}

const APP: &str = "registry.example.com/prod/app:v1";

fn two_of_three(mode: &str) -> CompiledPolicy {
    policy(
        &["a", "b", "c"],
        "",
        &format!("- name: prod\n  scope: ['registry.example.com/prod/**']\n  mode: {mode}\n  signatures: {{atLeast: 2, of: [a, b, c]}}\n"),
    )
}

#[test]
fn a_threshold_counts_distinct_authorities() {
    let policy = two_of_three("enforce");
    let one = decide(&policy, &evidence(APP, &[("a", &["k1"]), ("b", &[]), ("c", &[])]), 0);
    assert!(!one.allowed && !one.satisfied);
    assert!(
        one.summary().contains("authority \"b\": no signature found"),
        "{}",
        one.summary()
    );
    let two = decide(
        &policy,
        &evidence(APP, &[("a", &["k1"]), ("b", &["k2"]), ("c", &[])]),
        0,
    );
    assert!(two.allowed && two.satisfied, "{:?}", two.explanation);
    assert_eq!(two.policy.as_deref(), Some("prod"));
    assert_eq!(two.digest, DIGEST);
}

#[test]
fn one_signer_never_counts_for_two_authorities() {
    let policy = two_of_three("enforce");
    // The same key (or Fulcio certificate) verifies under two overlapping authorities.
    let shared = decide(
        &policy,
        &evidence(APP, &[("a", &["k1"]), ("b", &["k1"]), ("c", &[])]),
        0,
    );
    assert!(!shared.allowed, "{:?}", shared.explanation);
    assert!(
        shared
            .summary()
            .contains("its verified signatures' signers already count for other authorities"),
        "{}",
        shared.summary()
    );
    // Two signers that both verify under both authorities: one each.
    let both = decide(
        &policy,
        &evidence(APP, &[("a", &["k1", "k2"]), ("b", &["k1", "k2"]), ("c", &[])]),
        0,
    );
    assert!(both.allowed);
    // Greedy would give k1 to a and leave b without one; the matching moves a to k2.
    let moved = decide(
        &policy,
        &evidence(APP, &[("a", &["k1", "k2"]), ("b", &["k1"]), ("c", &[])]),
        0,
    );
    assert!(moved.allowed, "{:?}", moved.explanation);
}

#[test]
fn unverified_failed_and_missing_evidence_never_counts() {
    let policy = two_of_three("enforce");
    let mut unverified = evidence(APP, &[("a", &["k1"]), ("c", &[])]);
    unverified
        .signatures
        .insert("b".into(), Judged::Reports(vec![report(Some("k2"), false)]));
    let decision = decide(&policy, &unverified, 0);
    assert!(!decision.allowed);
    assert!(
        decision.summary().contains("invalid signature"),
        "{}",
        decision.summary()
    );
    let mut failed = evidence(APP, &[("a", &["k1"]), ("c", &[])]);
    failed
        .signatures
        .insert("b".into(), Judged::Failed("registry unreachable".into()));
    let decision = decide(&policy, &failed, 0);
    assert!(!decision.allowed);
    assert!(decision
        .summary()
        .contains("could not be verified: registry unreachable"));
    let missing = evidence(APP, &[("a", &["k1"])]);
    let decision = decide(&policy, &missing, 0);
    assert!(!decision.allowed);
    assert!(decision.summary().contains("its signatures were not judged"));
}

#[test]
fn warn_and_audit_report_without_denying() {
    let failing = evidence(APP, &[("a", &["k1"]), ("b", &[]), ("c", &[])]);
    let warn = decide(&two_of_three("warn"), &failing, 0);
    assert!(warn.allowed && !warn.satisfied);
    assert_eq!(warn.mode, Mode::Warn);
    assert!(warn.warning().unwrap().starts_with(APP));
    let audit = decide(&two_of_three("audit"), &failing, 0);
    assert!(audit.allowed && !audit.satisfied);
    assert_eq!(audit.warning(), None);
    let enforce = decide(&two_of_three("enforce"), &failing, 0);
    assert!(!enforce.allowed);
    assert_eq!(enforce.warning(), None);
}

#[test]
fn an_image_no_scope_matches_follows_the_default() {
    let other = "quay.io/other/app:v1";
    let deny = decide(&two_of_three("enforce"), &evidence(other, &[]), 0);
    assert!(!deny.allowed && deny.policy.is_none());
    assert!(deny.summary().contains("no policy's scope matches"));
    let rules = "- name: prod\n  scope: ['registry.example.com/prod/**']\n  signatures: {any: [a]}\n";
    let warn = decide(
        &policy(&["a"], "defaults: {noMatch: warn}\n", rules),
        &evidence(other, &[]),
        0,
    );
    assert!(warn.allowed && !warn.satisfied && warn.warning().is_some());
    let allow = decide(
        &policy(&["a"], "defaults: {noMatch: allow}\n", rules),
        &evidence(other, &[]),
        0,
    );
    assert!(allow.allowed && allow.satisfied && allow.warning().is_none());
}

#[test]
fn the_most_specific_scope_decides() {
    let rules = "- name: broad\n  scope: ['registry.example.com/**']\n  insecureAcceptAnything: true\n- name: narrow\n  scope: ['registry.example.com/prod/app']\n  signatures: {any: [a]}\n- name: pinned\n  scope: ['registry.example.com/prod/app:v1']\n  reject: true\n";
    let compiled = policy(&["a"], "", rules);
    let v1 = decide(&compiled, &evidence(APP, &[("a", &["k1"])]), 0);
    assert_eq!(v1.policy.as_deref(), Some("pinned"));
    assert!(!v1.allowed);
    let v2 = decide(
        &compiled,
        &evidence("registry.example.com/prod/app:v2", &[("a", &["k1"])]),
        0,
    );
    assert_eq!(v2.policy.as_deref(), Some("narrow"));
    assert!(v2.allowed);
    let other = decide(&compiled, &evidence("registry.example.com/dev/app:v2", &[]), 0);
    assert_eq!(other.policy.as_deref(), Some("broad"));
    assert!(other.allowed);
    assert_eq!(
        other.insecure,
        vec!["insecure-accept-anything (policy \"broad\")".to_owned()]
    );
}

fn attestation_report(signer: &str, subject_digest: &str, predicate: serde_json::Value) -> SignatureReport {
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "app", "digest": {"sha256": subject_digest.trim_start_matches("sha256:")}}],
        "predicateType": "https://cyclonedx.org/bom",
        "predicate": predicate,
    });
    let payload = base64::engine::general_purpose::STANDARD.encode(statement.to_string());
    let envelope =
        serde_json::json!({"payloadType": "application/vnd.in-toto+json", "payload": payload, "signatures": []});
    SignatureReport {
        kind: SignatureKind::CosignAttestation,
        attestation: Some(Attestation {
            predicate_type: "https://cyclonedx.org/bom".into(),
            predicate: predicate.to_string().into_bytes(),
            envelope: envelope.to_string().into_bytes(),
            statement: std::sync::Arc::new(statement),
        }),
        location: format!("attestation by {signer} {}", predicate),
        ..report(Some(signer), true)
    }
}

fn sbom_policy() -> CompiledPolicy {
    policy(
        &["a", "b"],
        "",
        "- name: prod\n  scope: ['registry.example.com/prod/**']\n  attestations:\n  - predicateType: cyclonedx\n    by: [a]\n    condition: '!predicate.components.exists(c, c.name == \"log4j-core\")'\n",
    )
}

fn with_attestations(reports: Vec<SignatureReport>) -> PolicyEvidence {
    let mut evidence = evidence(APP, &[]);
    evidence.attestations = vec![BTreeMap::from([("a".to_owned(), Judged::Reports(reports))])];
    evidence
}

#[test]
fn an_attestation_rule_needs_a_verified_statement_about_the_image_that_satisfies_the_condition() {
    let clean = serde_json::json!({"components": [{"name": "zlib"}]});
    let vulnerable = serde_json::json!({"components": [{"name": "log4j-core"}]});
    let policy = sbom_policy();
    let allowed = decide(
        &policy,
        &with_attestations(vec![attestation_report("k1", DIGEST, clean.clone())]),
        0,
    );
    assert!(allowed.allowed, "{:?}", allowed.explanation);
    let denied = decide(
        &policy,
        &with_attestations(vec![attestation_report("k1", DIGEST, vulnerable.clone())]),
        0,
    );
    assert!(!denied.allowed);
    assert!(denied.summary().contains("is false"), "{}", denied.summary());
    // One clean and one vulnerable SBOM: every verified attestation must satisfy the condition.
    let mixed = decide(
        &policy,
        &with_attestations(vec![
            attestation_report("k1", DIGEST, clean.clone()),
            attestation_report("k1", DIGEST, vulnerable),
        ]),
        0,
    );
    assert!(!mixed.allowed);
    let none = decide(&policy, &with_attestations(vec![]), 0);
    assert!(!none.allowed);
    assert!(
        none.summary()
            .contains("no https://cyclonedx.org/bom attestation found"),
        "{}",
        none.summary()
    );
    let other_image = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    let elsewhere = decide(
        &policy,
        &with_attestations(vec![attestation_report("k1", other_image, clean.clone())]),
        0,
    );
    assert!(!elsewhere.allowed);
    assert!(elsewhere.summary().contains("do not name"), "{}", elsewhere.summary());
    let mut unverified = attestation_report("k1", DIGEST, clean.clone());
    unverified.verified = false;
    assert!(!decide(&policy, &with_attestations(vec![unverified]), 0).allowed);
    let mut not_judged = evidence(APP, &[]);
    not_judged.attestations = vec![BTreeMap::new()];
    assert!(!decide(&policy, &not_judged, 0).allowed);
    let mut failed = evidence(APP, &[]);
    failed.attestations = vec![BTreeMap::from([("a".to_owned(), Judged::Failed("timeout".into()))])];
    assert!(!decide(&policy, &failed, 0).allowed);
}

#[test]
fn a_condition_that_errs_or_is_not_a_boolean_denies() {
    for (condition, predicate, message) in [
        (
            "predicate.components.size() > 0",
            serde_json::json!({}),
            "no such key: components",
        ),
        (
            "predicate.components",
            serde_json::json!({"components": []}),
            "not a bool",
        ),
        ("predicate.n / 0 == 1", serde_json::json!({"n": 1}), "no such overload"),
        (
            "int(predicate.n) / 0 == 1",
            serde_json::json!({"n": 1}),
            "division by zero",
        ),
    ] {
        let compiled = policy(
            &["a"],
            "",
            &format!("- name: prod\n  scope: ['**']\n  attestations:\n  - predicateType: cyclonedx\n    by: [a]\n    condition: '{condition}'\n"),
        );
        let decision = decide(
            &compiled,
            &with_attestations(vec![attestation_report("k1", DIGEST, predicate)]),
            0,
        );
        assert!(!decision.allowed, "{condition}");
        assert!(
            decision.summary().contains(message),
            "{condition}: {}",
            decision.summary()
        );
    }
}

#[test]
fn the_explanation_tree_goes_policy_requirement_authority_signature_check() {
    let decision = decide(
        &two_of_three("enforce"),
        &evidence(APP, &[("a", &["k1"]), ("b", &["k2"]), ("c", &[])]),
        0,
    );
    let policy = &decision.explanation;
    assert_eq!(policy.kind, NodeKind::Policy);
    let signatures = &policy.children[0];
    assert_eq!(signatures.kind, NodeKind::Requirement);
    let threshold = &signatures.children[0];
    assert_eq!(threshold.subject, "at least 2 of [a, b, c]");
    assert_eq!(threshold.reason, "2 of 3 hold, 2 needed");
    let authority = &threshold.children[0];
    assert_eq!(authority.kind, NodeKind::Authority);
    assert_eq!(authority.children[0].kind, NodeKind::Signature);
    assert_eq!(authority.children[0].children[0].kind, NodeKind::Check);
    let json = serde_json::to_value(&decision).unwrap();
    for field in ["reference", "digest", "allowed", "mode", "policy", "explanation"] {
        assert!(json.get(field).is_some(), "{field}");
    }
}

// Properties, over generated requirements and evidence, against a brute-force oracle.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NAMES: [&str; 5] = ["a", "b", "c", "d", "e"];

fn random_requirement(rng: &mut Rng, depth: usize) -> Requirement {
    if depth == 0 || rng.below(3) == 0 {
        return Requirement::Authority(NAMES[rng.below(NAMES.len())].into(), Position::default());
    }
    let items: Vec<Requirement> = (0..1 + rng.below(3))
        .map(|_| random_requirement(rng, depth - 1))
        .collect();
    match rng.below(3) {
        0 => Requirement::Any(items),
        1 => Requirement::All(items),
        _ => Requirement::AtLeast(1 + rng.below(items.len()), items),
    }
}

fn yaml(requirement: &Requirement) -> String {
    let list = |items: &[Requirement]| items.iter().map(yaml).collect::<Vec<_>>().join(", ");
    match requirement {
        Requirement::Authority(name, _) => name.clone(),
        Requirement::Any(items) => format!("{{any: [{}]}}", list(items)),
        Requirement::All(items) => format!("{{all: [{}]}}", list(items)),
        Requirement::AtLeast(n, items) => format!("{{atLeast: {n}, of: [{}]}}", list(items)),
    }
}

fn random_signers(rng: &mut Rng) -> Vec<(&'static str, Vec<String>)> {
    NAMES
        .iter()
        .map(|name| {
            (
                *name,
                (0..4).filter(|_| rng.below(3) == 0).map(|k| format!("k{k}")).collect(),
            )
        })
        .collect()
}

/// Whether some assignment of distinct signers to a set of authorities satisfies the requirement.
fn oracle(requirement: &Requirement, signers: &[(&str, Vec<String>)]) -> bool {
    (0u32..1 << NAMES.len()).any(|set| {
        let chosen: Vec<usize> = (0..NAMES.len()).filter(|i| set & (1 << i) != 0).collect();
        requirement.holds(&|name: &str| chosen.iter().any(|&i| NAMES[i] == name))
            && assignable(&chosen, signers, &mut Vec::new())
    })
}

fn assignable(chosen: &[usize], signers: &[(&str, Vec<String>)], used: &mut Vec<String>) -> bool {
    let Some((&first, rest)) = chosen.split_first() else {
        return true;
    };
    signers[first].1.iter().any(|signer| {
        if used.contains(signer) {
            return false;
        }
        used.push(signer.clone());
        let ok = assignable(rest, signers, used);
        used.pop();
        ok
    })
}

fn decide_with(
    requirement: &Requirement,
    signers: &[(&str, Vec<String>)],
    compiled: &mut BTreeMap<String, CompiledPolicy>,
) -> bool {
    let text = yaml(requirement);
    let policy = compiled.entry(text.clone()).or_insert_with(|| {
        policy(
            &NAMES,
            "",
            &format!("- name: p\n  scope: ['**']\n  signatures: {text}\n"),
        )
    });
    let refs: Vec<(&str, Vec<&str>)> = signers
        .iter()
        .map(|(n, s)| (*n, s.iter().map(String::as_str).collect()))
        .collect();
    let slices: Vec<(&str, &[&str])> = refs.iter().map(|(n, s)| (*n, s.as_slice())).collect();
    decide(policy, &evidence(APP, &slices), 0).allowed
}

#[test]
fn decisions_equal_the_brute_force_oracle_so_no_signer_ever_counts_twice() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut compiled = BTreeMap::new();
    for _ in 0..400 {
        let requirement = random_requirement(&mut rng, 3);
        let signers = random_signers(&mut rng);
        assert_eq!(
            decide_with(&requirement, &signers, &mut compiled),
            oracle(&requirement, &signers),
            "{} with {signers:?}",
            yaml(&requirement)
        );
    }
}

#[test]
fn raising_a_threshold_never_turns_deny_into_allow() {
    let mut rng = Rng(0x2545f4914f6cdd1d);
    let mut compiled = BTreeMap::new();
    for _ in 0..150 {
        let items: Vec<Requirement> = (0..2 + rng.below(3)).map(|_| random_requirement(&mut rng, 2)).collect();
        let signers = random_signers(&mut rng);
        let mut previous = true;
        for n in 1..=items.len() {
            let allowed = decide_with(&Requirement::AtLeast(n, items.clone()), &signers, &mut compiled);
            assert!(
                previous || !allowed,
                "atLeast {n} allowed after atLeast {} denied",
                n - 1
            );
            previous = allowed;
        }
    }
}

#[test]
fn adding_an_authority_to_an_any_never_turns_allow_into_deny() {
    let mut rng = Rng(0xd1b54a32d192ed03);
    let mut compiled = BTreeMap::new();
    for _ in 0..150 {
        let mut items: Vec<Requirement> = (0..1 + rng.below(3)).map(|_| random_requirement(&mut rng, 2)).collect();
        let signers = random_signers(&mut rng);
        let before = decide_with(&Requirement::Any(items.clone()), &signers, &mut compiled);
        items.push(Requirement::Authority(
            NAMES[rng.below(NAMES.len())].into(),
            Position::default(),
        ));
        let after = decide_with(&Requirement::Any(items), &signers, &mut compiled);
        assert!(!before || after);
    }
}

#[test]
fn scope_precedence_is_a_total_order() {
    let mut rng = Rng(0x94d049bb133111eb);
    let parts = [
        "registry.example.com",
        "*.example.com",
        "**",
        "prod",
        "*",
        "app",
        "team",
    ];
    let mut patterns: Vec<ScopePattern> = Vec::new();
    for _ in 0..200 {
        let segments: Vec<&str> = (0..1 + rng.below(4)).map(|_| parts[rng.below(parts.len())]).collect();
        let mut text = segments.join("/");
        if rng.below(4) == 0 && !text.contains('*') {
            text.push_str(":v1");
        }
        if let Ok(pattern) = ScopePattern::parse(&text, Position::default()) {
            patterns.push(pattern);
        }
    }
    patterns.sort_by(|a, b| a.text().cmp(b.text()));
    patterns.dedup_by(|a, b| a.text() == b.text());
    assert!(patterns.len() > 30);
    let ranked: Vec<_> = patterns.iter().map(|p| (p.text(), p.specificity())).collect();
    for (a_text, a) in &ranked {
        for (b_text, b) in &ranked {
            let ab = a.cmp(b);
            assert_eq!(ab, b.cmp(a).reverse());
            assert_eq!(
                ab == std::cmp::Ordering::Equal,
                a_text == b_text,
                "{a_text} vs {b_text}"
            );
            if a < b {
                for (_, c) in &ranked {
                    if b < c {
                        assert!(a < c);
                    }
                }
            }
        }
    }
}
