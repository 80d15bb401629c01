//! Keyless-signed images through the CLI, offline: the committed keyless sample
//! (`examples/keyless-sample`, signed by the real cosign v3 — a bundle referrer with Rekor v2 and a
//! timestamp — and cosign v2 — a `.sig` layer with a certificate and a timestamp, and one with a
//! certificate and a Rekor bundle — against a private Sigstore on loopback), verified under its trusted root with identity and issuer checks, and each
//! way of getting it wrong refused with its reason.

mod support;

use support::*;

fn sample(path: &str) -> String {
    root().join("examples/keyless-sample").join(path).display().to_string()
}

fn issuer() -> String {
    std::fs::read_to_string(sample("issuer")).unwrap().trim().to_owned()
}

fn verify(layout: &str, extra: &[&str]) -> std::process::Output {
    let trusted_root = sample("trusted_root.json");
    let reference = format!("oci:{}", sample(layout));
    let mut args = vec!["verify", "--trusted-root", trusted_root.as_str()];
    args.extend_from_slice(extra);
    args.push(&reference);
    ocitrust(&args)
}

#[test]
fn a_cosign_v3_keyless_bundle_verifies_with_cosigns_output() {
    let issuer = issuer();
    let out = verify(
        "layout-bundle",
        &[
            "--certificate-identity",
            "ci@example.com",
            "--certificate-oidc-issuer",
            &issuer,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Existence of the claims in the transparency log was verified offline"),
        "{err}"
    );
    assert!(
        err.contains("The code-signing certificate was verified using trusted certificate authority certificates"),
        "{err}"
    );
    // cosign v3 prints a bundle's statement view alone (tests/interop_keyless.rs compares them).
    let printed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(printed[0]["optional"], serde_json::json!({}));
    assert_eq!(printed[0]["critical"]["type"], "https://sigstore.dev/cosign/sign/v1");

    // The verdict: every check passed, Rekor v2 with an RFC 3161 timestamp, the certificate's claims.
    let out = verify(
        "layout-bundle",
        &[
            "--certificate-identity",
            "ci@example.com",
            "--certificate-oidc-issuer",
            &issuer,
            "-o",
            "verdict",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let signature = &verdict["signatures"][0];
    assert_eq!(signature["kind"], "sigstore-bundle");
    assert!(signature["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["outcome"] == "passed"));
    assert_eq!(signature["signer"]["certificate"]["claims"]["issuer"], issuer.as_str());
    assert_eq!(verdict["insecure"], serde_json::json!([]));
}

#[test]
fn a_legacy_keyless_layer_without_a_log_entry_needs_the_insecure_opt_in_and_its_timestamp() {
    let issuer = issuer();
    let identity = [
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        issuer.as_str(),
    ];
    let out = verify("layout-legacy", &identity);
    assert_eq!(out.status.code(), Some(12));
    assert!(stderr(&out).contains("no transparency-log entry"), "{}", stderr(&out));

    // cosign v2 adds what the certificate says to a layer's payload.
    let out = verify("layout-legacy", &[&identity[..], &["--insecure-ignore-tlog"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(printed[0]["optional"]["Subject"], "ci@example.com");
    assert_eq!(printed[0]["optional"]["Issuer"], issuer.as_str());
    assert_eq!(printed[0]["optional"]["1.3.6.1.4.1.57264.1.1"], issuer.as_str());
    assert!(printed[0]["optional"]["RFC3161Timestamp"]["SignedRFC3161Timestamp"].is_string());

    let out = verify(
        "layout-legacy",
        &[&identity[..], &["--insecure-ignore-tlog", "-o", "verdict"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(verdict["insecure"], serde_json::json!(["insecure-ignore-tlog"]));
    let checks = verdict["signatures"][0]["checks"].as_array().unwrap().clone();
    let outcome = |name: &str| checks.iter().find(|c| c["name"] == name).unwrap()["outcome"].clone();
    assert_eq!(outcome("tlog"), "skipped-insecure");
    assert_eq!(outcome("timestamp"), "passed");
    assert_eq!(outcome("certificate"), "passed");
    assert_eq!(outcome("sct"), "passed");
    assert_eq!(outcome("identity"), "passed");
}

#[test]
fn the_wrong_identity_issuer_claim_or_trust_root_is_refused_with_its_reason() {
    let issuer = issuer();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--certificate-identity",
                "someone@example.com",
                "--certificate-oidc-issuer",
                &issuer,
            ],
            r#"expected SAN value "someone@example.com", got "ci@example.com""#,
        ),
        (
            vec![
                "--certificate-identity",
                "ci@example.com",
                "--certificate-oidc-issuer",
                "https://accounts.google.com",
            ],
            r#"expected issuer value "https://accounts.google.com""#,
        ),
        (
            vec![
                "--certificate-identity-regexp",
                "@corp\\.example$",
                "--certificate-oidc-issuer-regexp",
                "^http://127",
            ],
            // The expression as given (sigstore-go's `"%s"`), not escaped.
            r#"expected SAN value to match regex "@corp\.example$", got "ci@example.com""#,
        ),
        (
            vec![
                "--certificate-identity",
                "ci@example.com",
                "--certificate-oidc-issuer",
                &issuer,
                "--certificate-github-workflow-repository",
                "org/repo",
            ],
            r#"expected github-workflow-repository value "org/repo", got """#,
        ),
    ];
    for (args, reason) in cases {
        let out = verify("layout-bundle", &args);
        assert_eq!(out.status.code(), Some(12), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
    }

    // Under the public-good root (the default), nothing here is trusted: another log, another CA.
    let reference = format!("oci:{}", sample("layout-bundle"));
    let out = ocitrust(&[
        "verify",
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        &issuer,
        &reference,
    ]);
    assert_eq!(out.status.code(), Some(12));
    assert!(stderr(&out).contains("does not list"), "{}", stderr(&out));

    // A key is not an identity: the keyless signature does not verify with some key.
    let out = verify("layout-bundle", &["--key", sample_pub().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(12));

    // Half an identity is a usage error (exit 1), as in cosign.
    let out = verify("layout-bundle", &["--certificate-identity", "ci@example.com"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--certificate-oidc-issuer"), "{}", stderr(&out));
    let out = verify("layout-bundle", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("give --key, or --certificate-identity"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_verifier_trusts_a_key_and_an_identity_at_once() {
    let issuer = issuer();
    let trusted_root = sample("trusted_root.json");
    let keyless = format!("oci:{}", sample("layout-bundle"));
    let keyed = format!("oci:{}", sample_layout().display());
    let out = ocitrust(&[
        "verify",
        "--key",
        sample_pub().to_str().unwrap(),
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        &issuer,
        "--trusted-root",
        &trusted_root,
        "--insecure-ignore-tlog",
        "-o",
        "verdict",
        &keyless,
        &keyed,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let verdicts: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&text)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts[0]["signatures"][0]["signer"]["authority"]
        .as_str()
        .unwrap()
        .starts_with("keyless identity"));
    assert!(verdicts[1]["signatures"][0]["signer"]["authority"]
        .as_str()
        .unwrap()
        .starts_with("cosign key"));
}

/// The certificate the legacy layer carries (PEM, from its annotation).
fn legacy_layer_certificate() -> String {
    let layout = std::path::PathBuf::from(sample("layout-legacy"));
    let manifest = read_blob_json(&layout, &entry_digest(&layout, KIND_SIGS));
    manifest["layers"][0]["annotations"]["dev.sigstore.cosign/certificate"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The certificate of the v3 bundle (DER).
fn bundle_certificate() -> Vec<u8> {
    use base64::Engine;
    let layout = std::path::PathBuf::from(sample("layout-bundle"));
    let index = read_index(&layout);
    let referrer = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["artifactType"].is_string())
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let manifest = read_blob_json(&layout, &referrer);
    let bundle = read_blob_json(&layout, manifest["layers"][0]["digest"].as_str().unwrap());
    base64::engine::general_purpose::STANDARD
        .decode(
            bundle["verificationMaterial"]["certificate"]["rawBytes"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
}

/// The Fulcio chain of a trusted root, as PEM (issuing CA first).
fn fulcio_chain_pem(trusted_root: &[u8]) -> String {
    let root: serde_json::Value = serde_json::from_slice(trusted_root).unwrap();
    root["certificateAuthorities"][0]["certChain"]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let b64 = c["rawBytes"].as_str().unwrap();
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(64)
                .map(|l| std::str::from_utf8(l).unwrap())
                .collect();
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                lines.join("\n")
            )
        })
        .collect()
}

#[test]
fn a_certificate_and_a_chain_given_out_of_band_are_verified_like_attached_ones() {
    let dir = scratch("keyless-out-of-band");
    let issuer = issuer();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let legacy_pem = write("legacy.pem", legacy_layer_certificate().as_bytes());
    let bundle_der = write("bundle.der", &bundle_certificate());
    let sample_chain = write(
        "sample-chain.pem",
        fulcio_chain_pem(&std::fs::read(sample("trusted_root.json")).unwrap()).as_bytes(),
    );
    let production_chain = write(
        "production-chain.pem",
        fulcio_chain_pem(
            &std::fs::read(root().join("tests/data/sigstore-trusted-root/production.trusted_root.json")).unwrap(),
        )
        .as_bytes(),
    );
    let identity = [
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        issuer.as_str(),
    ];
    let with = |layout: &str, extra: &[&str]| verify(layout, &[&identity[..], extra].concat());

    // The certificate each signature carries, given again (PEM, or DER): verified.
    let out = with(
        "layout-legacy",
        &["--certificate", &legacy_pem, "--insecure-ignore-tlog"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = with("layout-bundle", &["--certificate", &bundle_der]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A signature that carries another certificate than the one given is refused.
    let out = with("layout-bundle", &["--certificate", &legacy_pem]);
    assert_fails(
        &out,
        12,
        r#"the signature carries a certificate for "ci@example.com", not the signing certificate given out of band (--certificate)"#,
    );

    // The chain given replaces the trusted root's Fulcio: the right one verifies, another CA does not.
    let out = with("layout-bundle", &["--certificate-chain", &sample_chain]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = with(
        "layout-legacy",
        &[
            "--certificate",
            &legacy_pem,
            "--certificate-chain",
            &sample_chain,
            "--insecure-ignore-tlog",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = with("layout-bundle", &["--certificate-chain", &production_chain]);
    assert_fails(&out, 12, r#"not by "CN=sigstore,O=sigstore.dev""#);

    // Usage errors: with a key, without an identity, a file that is no certificate or chain.
    let out = verify(
        "layout-bundle",
        &["--key", sample_pub().to_str().unwrap(), "--certificate", &legacy_pem],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
    let out = verify("layout-bundle", &["--certificate", &legacy_pem]);
    assert_fails(
        &out,
        1,
        "--certificate and --certificate-chain need --certificate-identity",
    );
    let not_pem = write(
        "not-a-certificate.pem",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    );
    let out = with("layout-bundle", &["--certificate", &not_pem]);
    assert_fails(&out, 1, "where a CERTIFICATE was expected");
    let out = with("layout-bundle", &["--certificate-chain", &legacy_pem]);
    assert_fails(&out, 1, "which is not a root (self-issued) certificate");
}

#[test]
fn a_legacy_keyless_layer_with_a_rekor_bundle_verifies_with_no_opt_in() {
    let issuer = issuer();
    let identity = [
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        issuer.as_str(),
    ];
    let out = verify("layout-rekor", &identity);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Existence of the claims in the transparency log was verified offline"),
        "{}",
        stderr(&out)
    );
    // cosign v2 adds the certificate's claims and the layer's Rekor bundle to the payload.
    let printed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(printed[0]["optional"]["Subject"], "ci@example.com");
    assert_eq!(printed[0]["optional"]["Issuer"], issuer.as_str());
    let bundle = &printed[0]["optional"]["Bundle"];
    assert!(bundle["SignedEntryTimestamp"].is_string(), "{bundle}");
    assert!(bundle["Payload"]["integratedTime"].is_u64(), "{bundle}");

    let out = verify("layout-rekor", &[&identity[..], &["-o", "verdict"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(verdict["insecure"], serde_json::json!([]));
    let signature = &verdict["signatures"][0];
    assert_eq!(signature["kind"], "cosign-signature");
    let checks = signature["checks"].as_array().unwrap();
    for name in [
        "tlog",
        "timestamp",
        "certificate",
        "sct",
        "identity",
        "signature",
        "claims",
    ] {
        let check = checks.iter().find(|c| c["name"] == name).unwrap();
        assert_eq!(check["outcome"], "passed", "{check}");
    }
}

/// A copy of `layout`'s signature manifest rewritten by `edit` (its annotations), the index
/// pointing at the new manifest.
fn with_rewritten_signature(layout: &str, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let copy = scratch(name);
    copy_dir(std::path::Path::new(&sample(layout)), &copy);
    let old = entry_digest(&copy, KIND_SIGS);
    let mut manifest = read_blob_json(&copy, &old);
    edit(&mut manifest["layers"][0]["annotations"]);
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let new = write_blob(&copy, &bytes);
    let mut index = read_index(&copy);
    for entry in index["manifests"].as_array_mut().unwrap() {
        if entry["digest"] == old.as_str() {
            entry["digest"] = new.clone().into();
            entry["size"] = bytes.len().into();
        }
    }
    write_index(&copy, &index);
    copy.display().to_string()
}

#[test]
fn a_rekor_bundle_that_does_not_hold_is_refused_with_its_reason() {
    let issuer = issuer();
    let trusted_root = sample("trusted_root.json");
    let run = |layout: &str, root: &str| {
        let reference = format!("oci:{layout}");
        ocitrust(&[
            "verify",
            "--certificate-identity",
            "ci@example.com",
            "--certificate-oidc-issuer",
            &issuer,
            "--trusted-root",
            root,
            &reference,
        ])
    };
    let flip_set = with_rewritten_signature("layout-rekor", "keyless-rekor-set", |annotations| {
        let mut bundle: serde_json::Value =
            serde_json::from_str(annotations["dev.sigstore.cosign/bundle"].as_str().unwrap()).unwrap();
        let set = bundle["SignedEntryTimestamp"].as_str().unwrap().to_owned();
        let flipped = if set.starts_with('M') {
            set.replacen('M', "N", 1)
        } else {
            format!("M{}", &set[1..])
        };
        bundle["SignedEntryTimestamp"] = flipped.into();
        annotations["dev.sigstore.cosign/bundle"] = bundle.to_string().into();
    });
    assert_fails(&run(&flip_set, &trusted_root), 12, "signed entry timestamp");

    let later = with_rewritten_signature("layout-rekor", "keyless-rekor-time", |annotations| {
        let mut bundle: serde_json::Value =
            serde_json::from_str(annotations["dev.sigstore.cosign/bundle"].as_str().unwrap()).unwrap();
        let time = bundle["Payload"]["integratedTime"].as_u64().unwrap();
        bundle["Payload"]["integratedTime"] = (time + 3600).into();
        annotations["dev.sigstore.cosign/bundle"] = bundle.to_string().into();
    });
    assert_fails(&run(&later, &trusted_root), 12, "signed entry timestamp");

    // A valid entry of another signature (the Rekor layer's, moved onto the timestamp-only layer) is
    // an entry for something else.
    let rekor_manifest = {
        let layout = std::path::PathBuf::from(sample("layout-rekor"));
        read_blob_json(&layout, &entry_digest(&layout, KIND_SIGS))
    };
    let moved = with_rewritten_signature("layout-legacy", "keyless-rekor-moved", |annotations| {
        annotations["dev.sigstore.cosign/bundle"] =
            rekor_manifest["layers"][0]["annotations"]["dev.sigstore.cosign/bundle"].clone();
    });
    assert_fails(
        &run(&moved, &trusted_root),
        12,
        "the transparency-log entry is for something else: another signature",
    );

    // A trusted root without the log that signed the entry.
    let dir = scratch("keyless-rekor-root");
    let mut root: serde_json::Value = serde_json::from_slice(&std::fs::read(&trusted_root).unwrap()).unwrap();
    root["tlogs"]
        .as_array_mut()
        .unwrap()
        .retain(|log| log["publicKey"]["keyDetails"] == "PKIX_ED25519");
    let without_v1 = dir.join("trusted_root.json");
    std::fs::write(&without_v1, root.to_string()).unwrap();
    assert_fails(
        &run(&sample("layout-rekor"), without_v1.to_str().unwrap()),
        12,
        "does not list",
    );
}

#[test]
fn a_keyless_attestation_hands_out_its_sbom_for_the_right_identity_only() {
    let issuer = issuer();
    let trusted_root = sample("trusted_root.json");
    let reference = format!("oci:{}", sample("layout-attestation"));
    let dir = scratch("keyless-attestation");
    let written = dir.join("sbom.json");
    let run = |identity: &str, extra: &[&str]| {
        let mut args = vec![
            "verify-attestation",
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            issuer.as_str(),
            "--trusted-root",
            trusted_root.as_str(),
        ];
        args.extend_from_slice(extra);
        args.push(&reference);
        ocitrust(&args)
    };
    let out = run(
        "ci@example.com",
        &["--type", "cyclonedx", "--output-predicate", written.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Certificate subject: ci@example.com"),
        "{}",
        stderr(&out)
    );
    let extracted: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    let attested: serde_json::Value = serde_json::from_slice(&std::fs::read(sample("sbom.json")).unwrap()).unwrap();
    assert_eq!(extracted, attested);

    let out = run("someone@example.com", &["--type", "cyclonedx"]);
    assert_fails(
        &out,
        12,
        r#"expected SAN value "someone@example.com", got "ci@example.com""#,
    );
    let out = run("ci@example.com", &["--type", "spdxjson"]);
    assert_fails(&out, 12, r#"expected "https://spdx.dev/Document""#);

    // A regular expression prints as given, as sigstore-go prints it.
    let out = ocitrust(&[
        "verify-attestation",
        "--certificate-identity-regexp",
        r"^.*@example\.org$",
        "--certificate-oidc-issuer",
        issuer.as_str(),
        "--trusted-root",
        trusted_root.as_str(),
        "--type",
        "cyclonedx",
        &reference,
    ]);
    assert_fails(
        &out,
        12,
        r#"expected SAN value to match regex "^.*@example\.org$", got "ci@example.com""#,
    );
}
