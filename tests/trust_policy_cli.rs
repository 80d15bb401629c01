//! `ocitrust policy` end to end, offline, on the committed samples signed by the real cosign v2
//! and v3 and notation: one image carrying a cosign key signature, a keyless bundle and two
//! notation signatures, judged by thresholds over the three ecosystems; attestations with CEL
//! conditions per platform; and each way a policy must deny, with its reason and exit code.

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn example(path: &str) -> PathBuf {
    root().join("examples").join(path)
}

/// One layout holding the sample image with every signature the samples have for it: the cosign
/// key signature (`.sig`), the keyless cosign v3 bundle and notation's JWS and COSE envelopes.
fn signed_everywhere(dir: &Path) -> PathBuf {
    let layout = dir.join("everywhere");
    let mut manifests: Vec<serde_json::Value> = Vec::new();
    for source in [
        "sample-image/layout",
        "notation-sample/layout",
        "keyless-sample/layout-bundle",
    ] {
        let source = example(source);
        copy_dir(&source.join("blobs"), &layout.join("blobs"));
        for entry in read_index(&source)["manifests"].as_array().unwrap() {
            if !manifests.contains(entry) {
                manifests.push(entry.clone());
            }
        }
    }
    std::fs::copy(example("sample-image/layout/oci-layout"), layout.join("oci-layout")).unwrap();
    write_index(
        &layout,
        &serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}),
    );
    layout
}

const SUBJECT: &str = "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524";

/// A policy document in `dir` whose trust material is the samples', with `policies` appended.
fn write_policy(dir: &Path, defaults: &str, policies: &str) -> PathBuf {
    write_policy_with_tlog(dir, defaults, policies, "ignore")
}

/// [`write_policy`], with the vendor key's `tlog` rule (the sample was signed without a log).
fn write_policy_with_tlog(dir: &Path, defaults: &str, policies: &str, vendor_tlog: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::copy(sample_pub(), dir.join("keys/vendor.pub")).unwrap();
    std::fs::copy(
        example("keyless-sample/trusted_root.json"),
        dir.join("trusted_root.json"),
    )
    .unwrap();
    std::fs::copy(
        example("notation-sample/notation-config/truststore/x509/ca/ocitrust-sample/root.pem"),
        dir.join("corp-root.pem"),
    )
    .unwrap();
    let issuer = std::fs::read_to_string(example("keyless-sample/issuer")).unwrap();
    let text = format!(
        r#"apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
{defaults}
trustRoots:
  private-sigstore: {{sigstore: {{trustedRoot: trusted_root.json}}}}
  corp-pki: {{x509: {{ca: [corp-root.pem]}}}}
authorities:
  vendor-key: {{cosign: {{key: keys/vendor.pub, tlog: {vendor_tlog}}}}}
  ci: {{keyless: {{trustRoot: private-sigstore, issuer: "{issuer}", identity: ci@example.com}}}}
  other-ci: {{keyless: {{trustRoot: private-sigstore, issuer: "{issuer}", identity: release@example.com}}}}
  corp-notary: {{notation: {{trustRoots: [corp-pki], trustedIdentities: ["x509.subject: C=US, ST=WA, O=ocitrust tests"]}}}}
  other-notary: {{notation: {{trustRoots: [corp-pki], trustedIdentities: ["x509.subject: C=US, ST=WA, O=someone else"]}}}}
policies:
{policies}"#,
        issuer = issuer.trim(),
    );
    let path = dir.join("policy.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn eval(policy: &Path, extra: &[&str], references: &[&str]) -> std::process::Output {
    let policy = policy.display().to_string();
    let mut args = vec!["policy", "eval", "--policy", policy.as_str()];
    args.extend_from_slice(extra);
    args.extend_from_slice(references);
    ocitrust(&args)
}

fn decisions(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn one_image_signed_in_three_ecosystems_meets_a_threshold_over_them() {
    let dir = scratch("policy-three-ecosystems");
    let layout = signed_everywhere(&dir);
    let reference = format!("oci:{}", layout.display());
    let policy = write_policy(
        &dir,
        "",
        "- name: everywhere\n  scope: ['oci:**']\n  signatures: {atLeast: 3, of: [vendor-key, ci, corp-notary]}\n",
    );
    let out = eval(&policy, &["-o", "json"], &[&reference]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let decision = &decisions(&out)[0];
    assert_eq!(decision["allowed"], true);
    assert_eq!(decision["digest"], SUBJECT);
    assert_eq!(decision["policy"], "everywhere");
    assert_eq!(decision["mode"], "enforce");
    assert_eq!(decision["insecure"], serde_json::json!(["insecure-ignore-tlog"]));
    let threshold = &decision["explanation"]["children"][0]["children"][0];
    assert_eq!(threshold["reason"], "3 of 3 hold, 3 needed");

    // A fourth authority nobody signed for: 4 of 4 is denied, and the line says who is missing.
    let policy = write_policy(
        &dir,
        "",
        "- name: everywhere\n  scope: ['oci:**']\n  signatures: {all: [vendor-key, ci, corp-notary, other-ci]}\n",
    );
    let out = eval(&policy, &[], &[&reference]);
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(line.starts_with(&format!("DENIED {reference} ({SUBJECT})")), "{line}");
    assert!(
        line.contains("authority \"other-ci\": no signature verified under it"),
        "{line}"
    );
    assert!(line.contains("release@example.com"), "{line}");
    assert!(stderr(&out).contains("1 of 1 images denied by the trust policy"));
}

#[test]
fn each_ecosystem_alone_passes_under_its_authority_and_fails_under_a_wrong_identity() {
    let dir = scratch("policy-each-ecosystem");
    let layout = signed_everywhere(&dir);
    let reference = format!("oci:{}", layout.display());
    for (authority, allowed) in [
        ("vendor-key", true),
        ("ci", true),
        ("corp-notary", true),
        ("other-ci", false),
        ("other-notary", false),
    ] {
        let policy = write_policy(
            &dir,
            "",
            &format!("- name: one\n  scope: ['oci:**']\n  signatures: {{any: [{authority}]}}\n"),
        );
        let out = eval(&policy, &["-o", "json"], &[&reference]);
        assert_eq!(
            out.status.code(),
            Some(if allowed { 0 } else { 12 }),
            "{authority}: {}",
            stderr(&out)
        );
        assert_eq!(decisions(&out)[0]["allowed"], allowed, "{authority}");
    }
    // The same key, requiring a log entry the sample does not have: denied, saying why.
    let policy = write_policy_with_tlog(
        &dir,
        "",
        "- name: one\n  scope: ['oci:**']\n  signatures: {any: [vendor-key]}\n",
        "require",
    );
    let out = eval(&policy, &[], &[&reference]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stdout(&out).contains("authority \"vendor-key\": no signature verified under it"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).to_lowercase().contains("tlog") || stdout(&out).contains("transparency log"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn explain_prints_the_tree_from_policy_to_check() {
    let dir = scratch("policy-explain");
    let layout = signed_everywhere(&dir);
    let reference = format!("oci:{}", layout.display());
    let policy = write_policy(
        &dir,
        "",
        "- name: everywhere\n  scope: ['oci:**']\n  signatures: {atLeast: 2, of: [ci, other-ci, corp-notary]}\n",
    );
    let policy_arg = policy.display().to_string();
    let out = ocitrust(&["policy", "explain", "--policy", &policy_arg, &reference]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tree = stdout(&out);
    for line in [
        "ALLOWED",
        "  PASS policy \"everywhere\": every requirement holds",
        "      PASS at least 2 of [ci, other-ci, corp-notary]: 2 of 3 hold, 2 needed",
        "        FAIL authority \"other-ci\": no signature verified under it",
        "        PASS authority \"corp-notary\": a verified signature counts for it",
        "PASS check authenticity: passed",
    ] {
        assert!(tree.contains(line), "{line:?} missing from\n{tree}");
    }
}

#[test]
fn warn_and_audit_allow_with_a_warning_or_silently_and_no_match_follows_the_default() {
    let dir = scratch("policy-modes");
    let reference = format!("oci:{}", sample_layout().display());
    let failing = |mode: &str| {
        format!("- name: strict\n  scope: ['oci:**']\n  mode: {mode}\n  signatures: {{any: [other-ci]}}\n")
    };
    let out = eval(&write_policy(&dir, "", &failing("warn")), &[], &[&reference]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("Warning: {reference}: authority \"other-ci\"")),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("ALLOWED (warn: the policy does not hold)"),
        "{}",
        stdout(&out)
    );
    let out = eval(&write_policy(&dir, "", &failing("audit")), &[], &[&reference]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("Warning:"), "{}", stderr(&out));
    let out = eval(&write_policy(&dir, "", &failing("enforce")), &[], &[&reference]);
    assert_eq!(out.status.code(), Some(12));

    let elsewhere = "- name: registry-only\n  scope: ['registry.example.com/**']\n  signatures: {any: [vendor-key]}\n";
    let out = eval(&write_policy(&dir, "", elsewhere), &[], &[&reference]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stdout(&out).contains("no policy's scope matches, and defaults.noMatch is deny"),
        "{}",
        stdout(&out)
    );
    let out = eval(
        &write_policy(&dir, "defaults: {noMatch: warn}", elsewhere),
        &[],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("Warning:"));
    let out = eval(
        &write_policy(&dir, "defaults: {noMatch: allow}", elsewhere),
        &["-o", "json"],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(decisions(&out)[0]["policy"], serde_json::Value::Null);

    // --scope names the layout for scope matching.
    let out = eval(
        &write_policy(&dir, "", elsewhere),
        &["--scope", "registry.example.com/app"],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

fn attestation_policy(dir: &Path, platforms: &str, condition: &str) -> PathBuf {
    write_policy(
        dir,
        "",
        &format!(
            "- name: sbom\n  scope: ['oci:**']\n  platforms: {platforms}\n  attestations:\n  - predicateType: cyclonedx\n    by: [vendor-key]\n    condition: '{condition}'\n"
        ),
    )
}

#[test]
fn attestation_conditions_judge_the_platform_the_policy_names() {
    let dir = scratch("policy-attestations");
    let reference = format!("oci:{}:v1", example("attestation-sample/layout-v2").display());
    let has_files = "predicate.components.exists(c, c.name == \"/hello.txt\")";
    // instances: the amd64 manifest's own SBOM lists the file.
    let out = eval(
        &attestation_policy(&dir, "instances", has_files),
        &["--platform", "linux/amd64", "-o", "json"],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let decision = &decisions(&out)[0];
    assert_ne!(
        decision["digest"],
        "sha256:629cdab7b9e3973b7f8869a8a62d78b33b1559a5bea35509157b09c24131e657"
    );
    // index: the index's own SBOM has no components, so the same condition fails.
    let out = eval(
        &attestation_policy(&dir, "index", has_files),
        &["--platform", "linux/amd64"],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(12), "{}", stdout(&out));
    assert!(stdout(&out).contains("is false"), "{}", stdout(&out));
    // instances without a platform cannot say which manifest to judge: denied, saying so.
    let out = eval(&attestation_policy(&dir, "instances", has_files), &[], &[&reference]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        stdout(&out).contains("choose the platform manifest to judge (--platform)"),
        "{}",
        stdout(&out)
    );
    // A condition that errs at run time denies.
    let out = eval(
        &attestation_policy(&dir, "instances", "predicate.nothing.size() == 0"),
        &["--platform", "linux/amd64"],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(12));
    assert!(stdout(&out).contains("no such key: nothing"), "{}", stdout(&out));
    // Signatures: the multi-arch sample carries attestations only, so every platforms rule denies a
    // signature requirement, each saying so.
    for platforms in ["index", "instances", "either"] {
        let policy = write_policy(
            &dir,
            "",
            &format!(
                "- name: signed\n  scope: ['oci:**']\n  platforms: {platforms}\n  signatures: {{any: [vendor-key]}}\n"
            ),
        );
        let out = eval(&policy, &["--platform", "linux/amd64"], &[&reference]);
        assert_eq!(out.status.code(), Some(12), "{platforms}: {}", stdout(&out));
        assert!(
            stdout(&out).contains("authority \"vendor-key\": no signature found"),
            "{platforms}: {}",
            stdout(&out)
        );
    }
    // A platform with no attestation of its own is denied, not judged by the index's.
    let out = eval(
        &attestation_policy(&dir, "instances", "true"),
        &["--platform", "linux/riscv64"],
        &[&reference],
    );
    assert_eq!(out.status.code(), Some(12), "{}", stdout(&out));
}

#[test]
fn policy_check_points_at_the_first_problem() {
    let dir = scratch("policy-check");
    let good = write_policy(
        &dir,
        "",
        "- name: p\n  scope: ['oci:**']\n  signatures: {any: [vendor-key]}\n",
    );
    let good_arg = good.display().to_string();
    let out = ocitrust(&["policy", "check", &good_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid: 1 policies, 5 authorities, 2 trust roots"));

    for (policies, position, message) in [
        (
            "- name: p\n  scope: ['oci:**']\n  signatures: {any: [vendor]}\n",
            ":16:",
            "unknown authority \"vendor\"",
        ),
        (
            "- name: p\n  scope: ['oci:**']\n  signatures: {any: [vendor-key]}\n  mood: warn\n",
            ":17:3:",
            "unknown field \"mood\"",
        ),
        (
            "- name: p\n  scope: ['oci:**']\n  signatures: {atLeast: 3, of: [ci, corp-notary]}\n",
            ":16:",
            "atLeast is 3",
        ),
    ] {
        let path = write_policy(&dir, "", policies);
        let arg = path.display().to_string();
        let out = ocitrust(&["policy", "check", &arg]);
        assert_eq!(out.status.code(), Some(1), "{policies}");
        let err = stderr(&out);
        assert!(err.contains(&format!("{arg}{position}")), "{err}");
        assert!(err.contains(message), "{err}");
    }
    // A file the document names that is missing or not a key: the position of its name.
    let path = write_policy(
        &dir,
        "",
        "- name: p\n  scope: ['oci:**']\n  signatures: {any: [vendor-key]}\n",
    );
    std::fs::write(dir.join("keys/vendor.pub"), "not a key").unwrap();
    let arg = path.display().to_string();
    let out = ocitrust(&["policy", "check", &arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("{arg}:8:")), "{}", stderr(&out));
    std::fs::remove_file(dir.join("trusted_root.json")).unwrap();
    let out = ocitrust(&["policy", "check", &arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("reading trusted_root.json"), "{}", stderr(&out));
}

#[test]
fn references_that_cannot_be_evaluated_fail_with_their_reason() {
    let dir = scratch("policy-bad-references");
    let policy = write_policy(
        &dir,
        "",
        "- name: p\n  scope: ['**']\n  signatures: {any: [vendor-key]}\n",
    );
    let out = eval(&policy, &[], &["oci:/nonexistent/layout"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("1 of 1 images could not be evaluated"),
        "{}",
        stderr(&out)
    );
    let out = eval(&policy, &["--scope", "x"], &["registry.example.com/app:v1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("a scope names an OCI layout"), "{}", stderr(&out));
    let out = eval(&policy, &[], &["NOT A REFERENCE"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn many_images_are_evaluated_concurrently_in_the_order_given() {
    let dir = scratch("policy-batch");
    let policy = write_policy(
        &dir,
        "",
        "- name: p\n  scope: ['oci:**']\n  signatures: {any: [vendor-key]}\n",
    );
    let signed = format!("oci:{}", sample_layout().display());
    let notation = format!("oci:{}", example("notation-sample/layout").display());
    let missing = format!("oci:{}", dir.join("missing").display());
    // 40 references: signed, notation-only (denied), missing (an error), repeated.
    let mut lines = vec!["# images to check".to_owned(), String::new()];
    let mut expected = Vec::new();
    for i in 0..40 {
        let (reference, verdict) = match i % 3 {
            0 => (&signed, "ALLOWED"),
            1 => (&notation, "DENIED"),
            _ => (&missing, "ERROR"),
        };
        lines.push(reference.clone());
        expected.push(verdict);
    }
    let list = dir.join("images.txt");
    std::fs::write(&list, lines.join("\n")).unwrap();
    let policy_arg = policy.display().to_string();
    let out = ocitrust(&[
        "policy",
        "eval",
        "--policy",
        &policy_arg,
        "--jobs",
        "8",
        "--from-file",
        list.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let printed = stdout(&out);
    let verdicts: Vec<&str> = printed.lines().map(|l| l.split(' ').next().unwrap()).collect();
    let decided: Vec<&str> = expected.iter().copied().filter(|v| *v != "ERROR").collect();
    assert_eq!(verdicts, decided);
    assert_eq!(stderr(&out).matches("Error: oci:").count(), 13, "{}", stderr(&out));
    assert!(stderr(&out).contains("13 of 40 images could not be evaluated"));
    // The same with --jobs 1 prints the same lines.
    let serial = ocitrust(&[
        "policy",
        "eval",
        "--policy",
        &policy_arg,
        "--from-file",
        list.to_str().unwrap(),
    ]);
    assert_eq!(stdout(&serial), stdout(&out));
    // Misuse.
    for (args, message) in [
        (vec!["--jobs", "0", &signed], "0 is not in 1..=256"),
        (vec!["--from-file", "/nonexistent/list"], "No such file"),
    ] {
        let mut all = vec!["policy", "eval", "--policy", &policy_arg];
        all.extend(args);
        let out = ocitrust(&all);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "# nothing\n\n").unwrap();
    let out = ocitrust(&[
        "policy",
        "eval",
        "--policy",
        &policy_arg,
        "--from-file",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no image to evaluate"), "{}", stderr(&out));
}
