//! The same accept/reject as sigstore-verify (sigstore-rust 0.15.1) on every shared conformance
//! bundle and on systematically mutated copies of the ones that verify: bytes flipped in
//! signatures, certificates, proof hashes, root hashes, checkpoints, SETs, bodies, timestamps and
//! payloads; times, indices and media types changed. Every disagreement is listed in `EXPLAINED`
//! with the reason it is one, and the test fails on any other.

use std::path::PathBuf;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ocitrust_core::authority::KeylessIdentity;
use ocitrust_core::blob::verify_blob_bundle;
use ocitrust_core::cosign::CosignRequirements;
use ocitrust_core::crypto::PublicKey;
use ocitrust_core::sigstore::{Artifact, CertificateIdentity, TrustedRoot};
use ocitrust_core::Authority;
use serde_json::Value;
use sigstore_verify::types::{Bundle, DerPublicKey};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Disagreements that are understood, all on Rekor v2 entries (an inclusion proof and a checkpoint,
/// no SET), all where ocitrust refuses and sigstore-verify accepts: (mutation, why). sigstore-verify
/// proves a Rekor v2 entry at the entry's index against the checkpoint's tree alone and ignores the
/// proof's own `rootHash` and `logIndex` (the Rekor v2 specification calls them unauthenticated
/// duplicates), and picks the log key by the checkpoint's key hint. ocitrust requires the bundle to
/// be consistent — the proof's root and index are the checkpoint's and the entry's — and the
/// entry's `logId` to name a log of the trusted root; an entry that contradicts itself or names an
/// unknown log is refused (fail closed). Neither lets an unlogged signature through.
const EXPLAINED: &[(&str, &str)] = &[
    (
        "root hash",
        "the proof's rootHash no longer matches the signed checkpoint",
    ),
    (
        "proof log index + 1",
        "the proof's logIndex no longer matches the entry's",
    ),
    ("log id", "the entry's logId names no log of the trusted root"),
];

/// Whether the case's first transparency-log entry is a Rekor v2 one (no integrated time, no SET).
fn rekor_v2(case: &Case) -> bool {
    let json: Value = serde_json::from_str(&case.bundle).unwrap();
    let entry = &json["verificationMaterial"]["tlogEntries"][0];
    entry.get("inclusionPromise").is_none() && entry.get("integratedTime").is_none()
}

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/sigstore-conformance")
}

fn production_root() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../data/sigstore-trusted-root/production.trusted_root.json"),
    )
    .unwrap()
}

struct Case {
    name: String,
    bundle: String,
    artifact: Vec<u8>,
    root: String,
    key: Option<String>,
}

fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(suite()).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.retain(|d| d.join("bundle.sigstore.json").is_file());
    dirs.sort();
    dirs.iter()
        .map(|dir| Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            bundle: std::fs::read_to_string(dir.join("bundle.sigstore.json")).unwrap(),
            artifact: std::fs::read(if dir.join("artifact").is_file() {
                dir.join("artifact")
            } else {
                suite().join("a.txt")
            })
            .unwrap(),
            root: std::fs::read_to_string(dir.join("trusted_root.json")).unwrap_or_else(|_| production_root()),
            key: std::fs::read_to_string(dir.join("key.pub")).ok(),
        })
        .collect()
}

fn ours(case: &Case, bundle: &str) -> bool {
    let Ok(root) = TrustedRoot::from_json(case.root.as_bytes()) else {
        return false;
    };
    let root = Arc::new(root);
    let authority = match &case.key {
        Some(pem) => Authority::CosignKey(PublicKey::from_pem_or_der(pem.as_bytes()).unwrap()),
        None => Authority::Keyless(KeylessIdentity::new(
            CertificateIdentity::exact(IDENTITY, ISSUER),
            root.clone(),
        )),
    };
    let requirements = CosignRequirements {
        key_trusted_root: Some(root),
        ..Default::default()
    };
    verify_blob_bundle(
        bundle.as_bytes(),
        Artifact::Bytes(&case.artifact),
        &[authority],
        &requirements,
        "diff",
    )
    .is_ok_and(|report| report.verified)
}

fn theirs(case: &Case, bundle: &str) -> bool {
    let Ok(root) = sigstore_verify::trust_root::TrustedRoot::from_json(&case.root) else {
        return false;
    };
    let Ok(bundle) = Bundle::from_json(bundle) else {
        return false;
    };
    match &case.key {
        Some(pem) => {
            let key = DerPublicKey::from_pem(pem).unwrap();
            sigstore_verify::verify(&case.artifact, &bundle, &PublicKeyVerificationPolicy::new(key), &root).is_ok()
        }
        None => sigstore_verify::verify(
            &case.artifact,
            &bundle,
            &VerificationPolicy::new(IDENTITY, ISSUER),
            &root,
        )
        .is_ok(),
    }
}

/// Flips one bit in the middle of the base64 bytes at `pointer`.
fn flip_base64(json: &mut Value, pointer: &str) -> bool {
    let Some(Value::String(text)) = json.pointer_mut(pointer) else {
        return false;
    };
    let Ok(mut bytes) = STANDARD.decode(text.as_str()) else {
        return false;
    };
    if bytes.is_empty() {
        return false;
    }
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    *text = STANDARD.encode(bytes);
    true
}

fn set(json: &mut Value, pointer: &str, value: Value) -> bool {
    match json.pointer_mut(pointer) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

type Mutation = (&'static str, fn(&mut Value) -> bool);

fn mutations() -> Vec<Mutation> {
    vec![
        ("message signature", |j| flip_base64(j, "/messageSignature/signature")),
        ("DSSE signature", |j| flip_base64(j, "/dsseEnvelope/signatures/0/sig")),
        ("DSSE payload", |j| flip_base64(j, "/dsseEnvelope/payload")),
        ("DSSE payload type", |j| {
            set(j, "/dsseEnvelope/payloadType", "application/json".into())
        }),
        ("message digest", |j| {
            flip_base64(j, "/messageSignature/messageDigest/digest")
        }),
        ("certificate", |j| {
            flip_base64(j, "/verificationMaterial/certificate/rawBytes")
        }),
        ("chain certificate", |j| {
            flip_base64(j, "/verificationMaterial/x509CertificateChain/certificates/0/rawBytes")
        }),
        ("proof hash", |j| {
            flip_base64(j, "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0")
        }),
        ("root hash", |j| {
            flip_base64(j, "/verificationMaterial/tlogEntries/0/inclusionProof/rootHash")
        }),
        ("checkpoint signature", |j| {
            let Some(Value::String(text)) =
                j.pointer_mut("/verificationMaterial/tlogEntries/0/inclusionProof/checkpoint/envelope")
            else {
                return false;
            };
            let Some(at) = text.rfind(' ') else { return false };
            let mut chars: Vec<char> = text.chars().collect();
            let index = text[..at].chars().count() + 10;
            if index >= chars.len() {
                return false;
            }
            chars[index] = if chars[index] == 'A' { 'B' } else { 'A' };
            *text = chars.into_iter().collect();
            true
        }),
        ("SET", |j| {
            flip_base64(
                j,
                "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp",
            )
        }),
        ("body", |j| {
            flip_base64(j, "/verificationMaterial/tlogEntries/0/canonicalizedBody")
        }),
        ("RFC 3161 timestamp", |j| {
            flip_base64(
                j,
                "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp",
            )
        }),
        ("integrated time + 1", |j| {
            let Some(Value::String(t)) = j.pointer("/verificationMaterial/tlogEntries/0/integratedTime").cloned()
            else {
                return false;
            };
            set(
                j,
                "/verificationMaterial/tlogEntries/0/integratedTime",
                (t.parse::<u64>().unwrap() + 1).to_string().into(),
            )
        }),
        ("log index + 1", |j| {
            let Some(Value::String(t)) = j.pointer("/verificationMaterial/tlogEntries/0/logIndex").cloned() else {
                return false;
            };
            set(
                j,
                "/verificationMaterial/tlogEntries/0/logIndex",
                (t.parse::<u64>().unwrap() + 1).to_string().into(),
            )
        }),
        ("proof log index + 1", |j| {
            let Some(Value::String(t)) = j
                .pointer("/verificationMaterial/tlogEntries/0/inclusionProof/logIndex")
                .cloned()
            else {
                return false;
            };
            set(
                j,
                "/verificationMaterial/tlogEntries/0/inclusionProof/logIndex",
                (t.parse::<u64>().unwrap() + 1).to_string().into(),
            )
        }),
        ("log id", |j| {
            flip_base64(j, "/verificationMaterial/tlogEntries/0/logId/keyId")
        }),
        ("entry kind version", |j| {
            set(
                j,
                "/verificationMaterial/tlogEntries/0/kindVersion/version",
                "0.0.9".into(),
            )
        }),
        ("media type", |j| {
            set(
                j,
                "/mediaType",
                "application/vnd.dev.sigstore.bundle+json;version=0.9".into(),
            )
        }),
        ("no tlog entries", |j| {
            set(j, "/verificationMaterial/tlogEntries", Value::Array(vec![]))
        }),
        ("no timestamps", |j| {
            set(
                j,
                "/verificationMaterial/timestampVerificationData",
                serde_json::json!({}),
            )
        }),
    ]
}

fn explained(case: &Case, mutation: &str, ours: bool, theirs: bool) -> bool {
    !ours && theirs && rekor_v2(case) && EXPLAINED.iter().any(|(m, _)| *m == mutation)
}

#[test]
fn ocitrust_and_sigstore_verify_agree_on_the_shared_bundles_and_their_mutations() {
    let mut disagreements = Vec::new();
    let mut explanations_used = std::collections::BTreeSet::new();
    let mut compared = 0;
    for case in cases() {
        let (a, b) = (ours(&case, &case.bundle), theirs(&case, &case.bundle));
        compared += 1;
        if a != b {
            disagreements.push(format!("{}: ocitrust {a}, sigstore-verify {b}", case.name));
        }
        if !a {
            continue;
        }
        let original: Value = serde_json::from_str(&case.bundle).unwrap();
        for (name, mutate) in mutations() {
            let mut json = original.clone();
            if !mutate(&mut json) {
                continue;
            }
            let mutated = serde_json::to_string(&json).unwrap();
            let (a, b) = (ours(&case, &mutated), theirs(&case, &mutated));
            compared += 1;
            if a != b {
                if explained(&case, name, a, b) {
                    explanations_used.insert(name);
                } else {
                    disagreements.push(format!("{} / {name}: ocitrust {a}, sigstore-verify {b}", case.name));
                }
            }
        }
    }
    assert!(compared > 200, "only {compared} comparisons");
    // Each explanation still describes a difference that exists.
    assert_eq!(
        explanations_used.len(),
        EXPLAINED.len(),
        "stale explanations: {explanations_used:?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
