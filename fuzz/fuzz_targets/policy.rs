//! Trust policies: the document reader (YAML or JSON, with positions), its compilation with no
//! files at hand, the decision over fixed evidence, CEL conditions (compiled, then evaluated over a
//! fixed SBOM within a budget, where runaway expressions must stop), and the notation and
//! containers-policy.json importers. Arbitrary bytes never panic, recurse without bound or run
//! away.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::policy::cel::{Condition, ConditionInputs};
use ocitrust_core::policy::{
    compile, decide, import_containers, import_notation, ImageFacts, PolicyEvidence, PolicyFiles, ScopeName,
    TrustPolicy,
};
use ocitrust_core::{Digest, Reference};

/// Steps one fuzzed condition may take: enough for real conditions over the SBOM below, small
/// enough that a runaway expression ends fast.
const FUZZ_STEPS: u64 = 20_000;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static SBOM: serde_json::Value = serde_json::json!({
            "components": (0..50).map(|i| serde_json::json!({"name": format!("lib{i}"), "version": "1.0", "n": i})).collect::<Vec<_>>(),
            "metadata": {"component": {"name": "app"}},
        });
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(document) = TrustPolicy::parse(text) {
        let _ = document.files();
        if let Ok(compiled) = compile(document, &PolicyFiles::new()) {
            let reference = Reference::parse("registry.example.com/team/app:v1").expect("a reference");
            let digest = Digest::sha256(b"image");
            let evidence = PolicyEvidence {
                image: ImageFacts {
                    reference: reference.to_string(),
                    scope_name: ScopeName::of_reference(&reference),
                    digest,
                    platform: None,
                },
                signatures: Default::default(),
                attestations: Vec::new(),
                insecure: Vec::new(),
            };
            let decision = decide(&compiled, &evidence, 0);
            let _ = decision.to_json();
        }
    }
    if let Ok(condition) = Condition::compile(text) {
        SBOM.with(|sbom| {
            let null = serde_json::Value::Null;
            let _ = condition.evaluate_within(
                ConditionInputs {
                    predicate: sbom,
                    statement: sbom,
                    signer: &null,
                    image: &null,
                },
                FUZZ_STEPS,
            );
        });
    }
    let _ = import_containers(data, "/base");
    let _ = import_notation(data, &[]);
});
