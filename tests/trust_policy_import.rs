//! `ocitrust policy import`: another tool's policy, imported, decides as that tool's verifier does.
//! notation: the committed notation sample under variants of its trust policy (levels, overrides,
//! identities, stores, scopes) judged by `ocitrust notation verify` and by `ocitrust policy eval`
//! under the imported document, which must agree every time.

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn notation_sample() -> PathBuf {
    root().join("examples/notation-sample")
}

fn subject() -> String {
    let digest = std::fs::read_to_string(notation_sample().join("digest")).unwrap();
    format!("{}@{}", notation_sample().join("layout").display(), digest.trim())
}

/// A copy of the sample's notation configuration with its trust policy's statement edited.
fn config_with(dir: &Path, edit: impl Fn(&mut serde_json::Value)) -> PathBuf {
    let config = dir.join("notation-config");
    let _ = std::fs::remove_dir_all(&config);
    copy_dir(&notation_sample().join("notation-config"), &config);
    let other = config.join("truststore/x509/ca/other-store");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(
        root().join("tests/data/notation/truststore/x509/ca/other-trust-store/GlobalSignRootCA.crt"),
        other.join("GlobalSignRootCA.crt"),
    )
    .unwrap();
    let path = config.join("trustpolicy.json");
    let mut policy: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut policy["trustPolicies"][0]);
    std::fs::write(&path, policy.to_string()).unwrap();
    config
}

fn notation_verifies(config: &Path) -> bool {
    let config = config.display().to_string();
    let out = ocitrust_in(
        &root(),
        &[
            "notation",
            "verify",
            "--oci-layout",
            "--scope",
            "local/notation-sample",
            &subject(),
        ],
        &[("NOTATION_CONFIG", &config)],
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    out.status.success()
}

fn imported_policy_allows(dir: &Path, config: &Path) -> bool {
    let trust_policy = config.join("trustpolicy.json").display().to_string();
    let trust_store = config.join("truststore").display().to_string();
    let out = ocitrust(&[
        "policy",
        "import",
        "notation",
        &trust_policy,
        "--trust-store",
        &trust_store,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let document = dir.join("imported.yaml");
    std::fs::write(&document, stdout(&out)).unwrap();
    let document_arg = document.display().to_string();
    let check = ocitrust(&["policy", "check", &document_arg]);
    assert_eq!(check.status.code(), Some(0), "{}\n{}", stderr(&check), stdout(&out));
    let reference = format!("oci:{}", subject());
    let out = ocitrust(&[
        "policy",
        "eval",
        "--policy",
        &document_arg,
        "--scope",
        "local/notation-sample",
        &reference,
    ]);
    assert!(matches!(out.status.code(), Some(0 | 12)), "{}", stderr(&out));
    out.status.success()
}

#[test]
fn an_imported_notation_policy_decides_as_notation_verify_does() {
    let dir = scratch("import-notation");
    let wrong_identity = serde_json::json!(["x509.subject:C=US,ST=WA,O=someone else"]);
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let variants: Vec<(&str, Edit, bool)> = vec![
        ("as committed", Box::new(|_| {}), true),
        (
            "a wrong identity",
            Box::new({
                let wrong = wrong_identity.clone();
                move |s| s["trustedIdentities"] = wrong.clone()
            }),
            false,
        ),
        (
            "any identity",
            Box::new(|s| s["trustedIdentities"] = serde_json::json!(["*"])),
            true,
        ),
        (
            "audit with a wrong identity",
            Box::new({
                let wrong = wrong_identity.clone();
                move |s| {
                    s["trustedIdentities"] = wrong.clone();
                    s["signatureVerification"]["level"] = "audit".into();
                }
            }),
            true,
        ),
        (
            "permissive with a wrong identity",
            Box::new({
                let wrong = wrong_identity.clone();
                move |s| {
                    s["trustedIdentities"] = wrong.clone();
                    s["signatureVerification"]["level"] = "permissive".into();
                }
            }),
            false,
        ),
        (
            "strict, authenticity only logged, wrong identity",
            Box::new({
                let wrong = wrong_identity.clone();
                move |s| {
                    s["trustedIdentities"] = wrong.clone();
                    s["signatureVerification"]["override"] = serde_json::json!({"authenticity": "log"});
                }
            }),
            true,
        ),
        (
            "skip",
            Box::new(|s| {
                s["signatureVerification"] = serde_json::json!({"level": "skip"});
                s.as_object_mut().unwrap().remove("trustStores");
                s.as_object_mut().unwrap().remove("trustedIdentities");
            }),
            true,
        ),
        (
            "another store's root",
            Box::new(|s| s["trustStores"] = serde_json::json!(["ca:other-store"])),
            false,
        ),
        (
            "both stores",
            Box::new(|s| s["trustStores"] = serde_json::json!(["ca:other-store", "ca:ocitrust-sample"])),
            true,
        ),
        (
            "another scope",
            Box::new(|s| s["registryScopes"] = serde_json::json!(["local/elsewhere"])),
            false,
        ),
        (
            "the wildcard scope",
            Box::new(|s| s["registryScopes"] = serde_json::json!(["*"])),
            true,
        ),
        (
            "timestamps after expiry only",
            Box::new(|s| s["signatureVerification"]["verifyTimestamp"] = "afterCertExpiry".into()),
            true,
        ),
    ];
    for (name, edit, expected) in variants {
        let config = config_with(&dir, edit);
        let notation = notation_verifies(&config);
        assert_eq!(notation, expected, "{name}: notation verify");
        assert_eq!(
            imported_policy_allows(&dir, &config),
            notation,
            "{name}: the imported policy disagrees"
        );
    }
}

#[test]
fn a_notation_policy_that_cannot_be_imported_says_why() {
    let dir = scratch("import-notation-bad");
    let config = config_with(&dir, |s| s["trustStores"] = serde_json::json!(["ca:missing-store"]));
    let trust_policy = config.join("trustpolicy.json").display().to_string();
    let trust_store = config.join("truststore").display().to_string();
    let out = ocitrust(&[
        "policy",
        "import",
        "notation",
        &trust_policy,
        "--trust-store",
        &trust_store,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("trust store ca:missing-store (named by statement \"ocitrust-sample\") has no certificate files"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        config.join("trustpolicy.json"),
        r#"{"version": "2.0", "trustPolicies": []}"#,
    )
    .unwrap();
    let out = ocitrust(&[
        "policy",
        "import",
        "notation",
        &trust_policy,
        "--trust-store",
        &trust_store,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unsupported version"), "{}", stderr(&out));
    // A store notation could not use is refused rather than imported differently.
    let config = config_with(&dir, |_| {});
    std::os::unix::fs::symlink(
        "/etc/hostname",
        config.join("truststore/x509/ca/ocitrust-sample/link.pem"),
    )
    .unwrap();
    let out = ocitrust(&[
        "policy",
        "import",
        "notation",
        &config.join("trustpolicy.json").display().to_string(),
        "--trust-store",
        &config.join("truststore").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("which is not a regular file"), "{}", stderr(&out));
}

fn import_containers(dir: &Path, policy: serde_json::Value) -> std::process::Output {
    let path = dir.join("policy.json");
    std::fs::write(&path, policy.to_string()).unwrap();
    ocitrust_in(dir, &["policy", "import", "containers", path.to_str().unwrap()], &[])
}

#[test]
fn containers_policies_import_with_their_precedence_and_refuse_what_ocitrust_cannot_honour() {
    let dir = scratch("import-containers");
    std::fs::copy(sample_pub(), dir.join("vendor.pub")).unwrap();
    let out = import_containers(
        &dir,
        serde_json::json!({
            "default": [{"type": "reject"}],
            "transports": {
                "docker": {
                    "registry.example.com/prod": [{"type": "sigstoreSigned", "keyPath": "vendor.pub", "signedIdentity": {"type": "matchRepository"}}],
                    "registry.example.com/prod/app:v1": [{"type": "insecureAcceptAnything"}],
                    "*.example.com": [{"type": "reject"}],
                    "registry.example.com": [{"type": "insecureAcceptAnything"}]
                },
                "dir": {"": [{"type": "insecureAcceptAnything"}]}
            }
        }),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let document = stdout(&out);
    assert!(
        stderr(&out).contains("Note: transport \"dir\" (1 scopes) is not imported"),
        "{}",
        stderr(&out)
    );
    for line in [
        "scope: [registry.example.com/prod, \"registry.example.com/prod/**\"]",
        "scope: [\"registry.example.com/prod/app:v1\"]",
        "scope: [\"*.example.com/**\"]",
        "scope: [\"registry.example.com/**\"]",
        "scope: [\"*\"]",
        "signedIdentity: {type: matchRepository}",
        "tlog: ignore",
    ] {
        assert!(document.contains(line), "{line:?} missing from\n{document}");
    }
    // A relative key path is made absolute against the current directory.
    assert!(
        document.contains(&format!("key: \"{}/vendor.pub\"", dir.display())),
        "{document}"
    );
    let path = dir.join("imported.yaml");
    std::fs::write(&path, &document).unwrap();
    let check = ocitrust(&["policy", "check", path.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));

    for (policy, message) in [
        (serde_json::json!({"transports": {}}), "needs a default"),
        (
            serde_json::json!({"default": [], "transports": {}}),
            "must be a non-empty list of requirements",
        ),
        (
            serde_json::json!({"default": [{"type": "reject"}], "extra": 1}),
            "unknown field \"extra\"",
        ),
        (
            serde_json::json!({"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "k.gpg"}]}),
            "signedBy (GPG simple signing), which ocitrust does not verify",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned"}]}),
            "needs exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, pki",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "keyPath": "a.pub", "keyData": "eA=="}]}),
            "needs exactly one of keyPath, keyPaths, keyData, keyDatas",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "keyPath": "a.pub", "keyPat": "b"}]}),
            "unknown field \"keyPat\"",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "keyData": "not base64!"}]}),
            "is not base64",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "fulcio": {"caPath": "ca.pem", "oidcIssuer": "https://i", "subjectEmail": "a@b"}}]}),
            "needs a Rekor public key",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "fulcio": {"caPath": "ca.pem", "subjectEmail": "a@b"}, "rekorPublicKeyPath": "r.pub"}]}),
            "needs oidcIssuer",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "keyPath": "a.pub", "signedIdentity": {"type": "matchNothing"}}]}),
            "unknown signedIdentity type",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "keyPath": "a.pub", "signedIdentity": {"type": "exactReference"}}]}),
            "needs dockerReference",
        ),
        (
            serde_json::json!({"default": [
            {"type": "sigstoreSigned", "keyPaths": ["a.pub", "b.pub"], "signedIdentity": {"type": "matchRepository"}},
            {"type": "sigstoreSigned", "keyPath": "a.pub", "signedIdentity": {"type": "matchRepository"}}]}),
            "shares a key with another requirement",
        ),
        (
            serde_json::json!({"default": [{"type": "sigstoreSigned", "pki": {"caRootsPath": "r.pem", "caIntermediatesPath": "i.pem", "subjectEmail": "a@b"}}]}),
            "intermediate certificates are not imported",
        ),
        (
            serde_json::json!({"default": [{"type": "reject"}], "transports": {"docker": {"example*.*.com": [{"type": "reject"}]}}}),
            "only *.domain wildcards",
        ),
        (
            serde_json::json!({"default": [{"type": "frobnicate"}]}),
            "unknown type \"frobnicate\"",
        ),
    ] {
        let out = import_containers(&dir, policy.clone());
        assert_eq!(out.status.code(), Some(1), "{policy}");
        assert!(stderr(&out).contains(message), "{policy}: {}", stderr(&out));
    }
}
