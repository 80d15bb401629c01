//! The Sigstore conformance suite's bundle cases (`tests/data/sigstore-conformance`, from
//! sigstore-conformance v0.0.29) run through `ocitrust verify-bundle` exactly as the suite drives a
//! client: every case twice, with the artifact's path and with its `sha256:` digest. A case whose
//! name ends in `_fail` must be rejected — and for each one the reason printed is asserted, so a
//! rejection for the wrong reason (a parse error where a proof check was meant) is caught.

mod support;

use std::path::{Path, PathBuf};

use support::*;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Why each rejected case must be rejected, as the error says it.
const REASONS: &[(&str, &str)] = &[
    ("bundle-empty-certificate-chain_fail", "certificate chain is empty"),
    ("bundle-invalid-base64-signature_fail", "not base64"),
    ("bundle-malformed-json_fail", "not a Sigstore bundle"),
    ("bundle-unknown-version_fail", "unsupported bundle media type"),
    ("checkpoint-bad-keyhint_fail", "key hint"),
    ("dsse-invalid-sig_fail", "a signature the envelope does not have"),
    ("dsse-mismatch-envelope_fail", "payload digest"),
    ("inclusion-proof-corrupted-hash_fail", "invalid inclusion proof"),
    ("incorrect-public-key_fail", "signed entry timestamp does not verify"),
    ("intoto-expired-certificate_fail", "is not valid at"),
    ("intoto-missing-inclusion-proof_fail", "no inclusion proof"),
    ("invalid-checkpoint-signature_fail", "invalid checkpoint"),
    ("managed-key-no-key_fail", "signed with a key, not a certificate"),
    ("message-digest-mismatch_fail", "message digest is not the artifact's"),
    ("rekor2-checkpoint-missing-log-signature_fail", "carries no signature"),
    ("rekor2-checkpoint-missing-root-hash_fail", "no root hash"),
    ("rekor2-checkpoint-no-matching-signature_fail", "invalid checkpoint"),
    ("rekor2-dsse-invalid-sig_fail", "another signature"),
    ("rekor2-no-inclusion-proof_fail", "no inclusion proof"),
    ("rekor2-no-timestamp_fail", "no verified signing time"),
    (
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
        "outside the validity of the timestamp authority",
    ),
    ("rekor2-timestamp-payload-mismatch_fail", "message imprint"),
    (
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
        "RFC 3161 timestamp",
    ),
    ("set-invalid-signature_fail", "signed entry timestamp does not verify"),
    ("trust-root-tlog-missing-validity-start_fail", "no start of validity"),
    ("wrong-hashedrekord-artifact_fail", "for something else"),
    ("wrong-hashedrekord-entry_fail", "for something else"),
];

fn suite() -> PathBuf {
    root().join("tests/data/sigstore-conformance")
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

fn sha256_of(path: &Path) -> String {
    ocitrust::Digest::sha256(&std::fs::read(path).unwrap()).to_string()
}

#[test]
fn every_shared_case_gives_its_verdict_with_a_path_and_with_a_digest() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite())
        .expect("the conformance cases (tests/data/sigstore-conformance) are missing")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("bundle.sigstore.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "only {} cases found", cases.len());
    let mut rejected = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_str().unwrap().to_owned();
        let artifact = if case.join("artifact").is_file() {
            case.join("artifact")
        } else {
            suite().join("a.txt")
        };
        let bundle = case.join("bundle.sigstore.json");
        let mut args: Vec<String> = vec!["verify-bundle".into(), "--bundle".into(), bundle.display().to_string()];
        if case.join("key.pub").is_file() {
            args.extend(["--key".into(), case.join("key.pub").display().to_string()]);
        } else {
            let identity = read_trimmed(&case.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.into());
            let issuer = read_trimmed(&case.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.into());
            args.extend([
                "--certificate-identity".into(),
                identity,
                "--certificate-oidc-issuer".into(),
                issuer,
            ]);
        }
        if case.join("trusted_root.json").is_file() {
            args.extend([
                "--trusted-root".into(),
                case.join("trusted_root.json").display().to_string(),
            ]);
        }
        let must_fail = name.ends_with("_fail");
        for (form, target) in [
            ("path", artifact.display().to_string()),
            ("digest", sha256_of(&artifact)),
        ] {
            let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
            argv.push(&target);
            let out = ocitrust(&argv);
            let err = stderr(&out);
            if must_fail {
                assert_ne!(out.status.code(), Some(0), "{name} ({form}) must be rejected");
                let reason = REASONS
                    .iter()
                    .find(|(case, _)| *case == name)
                    .unwrap_or_else(|| panic!("{name}: add the reason it must fail to REASONS"))
                    .1;
                assert!(
                    err.contains(reason),
                    "{name} ({form}) was rejected for another reason: {err}"
                );
                rejected.push(name.clone());
            } else {
                assert_eq!(out.status.code(), Some(0), "{name} ({form}) must verify: {err}");
                assert!(err.contains("Verified OK"), "{name} ({form}): {err}");
            }
        }
    }
    assert_eq!(
        rejected.len(),
        2 * REASONS.len(),
        "every listed rejection ran, in both forms"
    );
}

#[test]
fn a_wrong_identity_or_issuer_is_rejected_with_what_was_expected_and_found() {
    let bundle = suite().join("happy-path-v0.3/bundle.sigstore.json");
    let artifact = suite().join("a.txt");
    let run = |extra: &[&str]| {
        let mut args = vec!["verify-bundle", "--bundle", bundle.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(artifact.to_str().unwrap());
        ocitrust(&args)
    };
    let out = run(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = run(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        "https://google.com",
    ]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stderr(&out).contains(
            r#"expected issuer value "https://google.com", got "https://token.actions.githubusercontent.com""#
        ),
        "{}",
        stderr(&out)
    );

    // The expression prints exactly as given (sigstore-go's `"%s"`), backslashes and all, for a
    // bundle and for a blob.
    for command in ["verify-bundle", "verify-blob"] {
        let out = ocitrust(&[
            command,
            "--bundle",
            bundle.to_str().unwrap(),
            "--certificate-identity-regexp",
            r"^https://github\.com/sigstore/",
            "--certificate-oidc-issuer",
            DEFAULT_ISSUER,
            artifact.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(12), "{command}");
        assert!(
            stderr(&out).contains(&format!(
                r#"expected SAN value to match regex "^https://github\.com/sigstore/", got "{DEFAULT_IDENTITY}""#
            )),
            "{command}: {}",
            stderr(&out)
        );
    }
    let out = run(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer-regexp",
        r"^https://accounts\.google\.com$",
    ]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stderr(&out).contains(
            r#"expected issuer value to match regex "^https://accounts\.google\.com$", got "https://token.actions.githubusercontent.com""#
        ),
        "{}",
        stderr(&out)
    );

    // Regular expressions match anywhere unless anchored, as in cosign.
    let out = run(&[
        "--certificate-identity-regexp",
        "extremely-dangerous-public-oidc-beacon",
        "--certificate-oidc-issuer-regexp",
        r"githubusercontent\.com$",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A GitHub workflow claim that differs.
    let out = run(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        "--certificate-github-workflow-repository",
        "someone/else",
    ]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stderr(&out).contains(r#"expected github-workflow-repository value "someone/else""#),
        "{}",
        stderr(&out)
    );

    // Half an identity, or a regular expression that does not compile, is a usage error.
    let out = run(&["--certificate-identity", DEFAULT_IDENTITY]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--certificate-oidc-issuer"), "{}", stderr(&out));
    let out = run(&[
        "--certificate-identity-regexp",
        "(",
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid --certificate-identity-regexp"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_verdict_shows_each_check_and_what_the_certificate_says() {
    let bundle = suite().join("happy-path-v0.3/bundle.sigstore.json");
    let artifact = suite().join("a.txt");
    let out = ocitrust(&[
        "verify-blob",
        "--bundle",
        bundle.to_str().unwrap(),
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        "-o",
        "verdict",
        artifact.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let signature = &verdict["signatures"][0];
    let names: Vec<&str> = signature["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "integrity",
            "tlog",
            "timestamp",
            "certificate",
            "sct",
            "identity",
            "signature",
            "claims"
        ]
    );
    assert!(signature["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["outcome"] == "passed"));
    let certificate = &signature["signer"]["certificate"];
    assert_eq!(certificate["subject"][0], DEFAULT_IDENTITY);
    assert_eq!(certificate["issuer"], DEFAULT_ISSUER);
    assert_eq!(
        certificate["claims"]["github-workflow-repository"],
        "sigstore-conformance/extremely-dangerous-public-oidc-beacon"
    );
    assert_eq!(certificate["claims"]["issuer"], DEFAULT_ISSUER);
    assert!(signature["signer"]["authority"]
        .as_str()
        .unwrap()
        .starts_with("keyless identity"));

    // --insecure-ignore-sct skips the SCT check, and the verdict says so.
    let out = ocitrust(&[
        "verify-blob",
        "--bundle",
        bundle.to_str().unwrap(),
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
        "--insecure-ignore-sct",
        "-o",
        "verdict",
        artifact.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(verdict["insecure"], serde_json::json!(["insecure-ignore-sct"]));
    let sct = verdict["signatures"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "sct")
        .unwrap()
        .clone();
    assert_eq!(sct["outcome"], "skipped-insecure");
}
