//! Attestations through the CLI, offline: the committed attestation sample
//! (`examples/attestation-sample`, attested by the real cosign v2 on the `.att` tag scheme and v3 as
//! a bundle referrer, with the sample key) verified per platform and per predicate type, the
//! predicate handed out, and each way of getting it wrong refused with its reason and cosign's exit
//! code.

mod support;

use std::path::{Path, PathBuf};

use support::*;

fn sample(path: &str) -> PathBuf {
    root().join("examples/attestation-sample").join(path)
}

fn predicate(name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(sample("predicates").join(name)).unwrap()).unwrap()
}

fn verify_attestation(layout: &Path, extra: &[&str]) -> std::process::Output {
    let reference = format!("oci:{}", layout.display());
    let key = sample_pub();
    let mut args = vec![
        "verify-attestation",
        "--key",
        key.to_str().unwrap(),
        "--insecure-ignore-tlog",
    ];
    args.extend_from_slice(extra);
    args.push(&reference);
    ocitrust(&args)
}

/// The predicates of the envelopes printed, one a line.
fn printed_predicates(out: &std::process::Output) -> Vec<serde_json::Value> {
    use base64::Engine;
    stdout(out)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let envelope: serde_json::Value = serde_json::from_str(line).unwrap();
            let payload = base64::engine::general_purpose::STANDARD
                .decode(envelope["payload"].as_str().unwrap())
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&payload).unwrap()["predicate"].clone()
        })
        .collect()
}

#[test]
fn each_platform_gives_its_own_sbom_and_the_index_its_own() {
    let layout = sample("layout-v2");
    for (platform, sbom) in [("linux/amd64", "sbom-amd64.json"), ("linux/arm64", "sbom-arm64.json")] {
        let out = verify_attestation(&layout, &["--type", "cyclonedx", "--platform", platform]);
        assert_eq!(out.status.code(), Some(0), "{platform}: {}", stderr(&out));
        assert_eq!(printed_predicates(&out), [predicate(sbom)], "{platform}");
    }
    let out = verify_attestation(&layout, &["--type", "cyclonedx"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(printed_predicates(&out), [predicate("sbom-index.json")]);

    // A platform with none of its own is not given the index's: the error names the index.
    let out = verify_attestation(&layout, &["--type", "cyclonedx", "--platform", "linux/riscv64"]);
    assert_fails(
        &out,
        10,
        "its index sha256:629cdab7b9e3973b7f8869a8a62d78b33b1559a5bea35509157b09c24131e657 has 1, which attest the index, not this platform's manifest",
    );
}

#[test]
fn the_predicate_type_picks_the_attestation_and_output_predicate_writes_it() {
    let layout = sample("layout-v2");
    let dir = scratch("attestation-output");
    let written = dir.join("spdx.json");
    let out = verify_attestation(
        &layout,
        &[
            "--type",
            "spdxjson",
            "--platform",
            "linux/amd64",
            "--output-predicate",
            written.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let extracted: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    assert_eq!(extracted, predicate("spdx-amd64.json"));

    // The same through the alias's URI; a type nobody attested fails (12) naming what was found,
    // and leaves the file as it was.
    let out = verify_attestation(
        &layout,
        &["--type", "https://spdx.dev/Document", "--platform", "linux/amd64"],
    );
    assert_eq!(printed_predicates(&out), [predicate("spdx-amd64.json")]);
    let before = std::fs::read(&written).unwrap();
    let out = verify_attestation(
        &layout,
        &[
            "--type",
            "slsaprovenance1",
            "--platform",
            "linux/amd64",
            "--output-predicate",
            written.to_str().unwrap(),
        ],
    );
    assert_fails(
        &out,
        12,
        r#"predicate type is "https://spdx.dev/Document", expected "https://slsa.dev/provenance/v1""#,
    );
    assert_fails(
        &out,
        12,
        r#"predicate type is "https://cyclonedx.org/bom", expected "https://slsa.dev/provenance/v1""#,
    );
    assert_eq!(std::fs::read(&written).unwrap(), before);

    // cosign's default type is custom; an unknown name is a usage error.
    let out = verify_attestation(&layout, &["--platform", "linux/amd64"]);
    assert_fails(&out, 12, r#"expected "https://cosign.sigstore.dev/attestation/v1""#);
    let out = verify_attestation(&layout, &["--type", "sbom"]);
    assert_fails(&out, 1, "invalid predicate type: sbom");
}

#[test]
fn a_v3_bundle_attestation_verifies_and_the_verdict_carries_the_predicate() {
    let out = verify_attestation(&sample("layout-v3"), &["--type", "cyclonedx", "-o", "verdict"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let signature = &verdict["signatures"][0];
    assert_eq!(signature["kind"], "sigstore-bundle");
    assert_eq!(signature["attestation"]["predicate_type"], "https://cyclonedx.org/bom");
    assert_eq!(signature["attestation"]["predicate"], predicate("sbom-amd64.json"));
    assert_eq!(verdict["insecure"], serde_json::json!(["insecure-ignore-tlog"]));
}

#[test]
fn verify_accepts_a_v3_attestation_bundle_as_cosign_v3_does_and_prints_its_type() {
    let reference = format!("oci:{}", sample("layout-v3").display());
    let key = sample_pub();
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--key", key.to_str().unwrap(), "--insecure-ignore-tlog"];
        args.extend_from_slice(extra);
        args.push(&reference);
        ocitrust(&args)
    };
    // Printed as cosign v3 prints it: the statement as a simple-signing payload whose type is the
    // predicate type.
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(printed[0]["critical"]["type"], "https://cyclonedx.org/bom");
    assert_eq!(
        printed[0]["critical"]["image"]["docker-manifest-digest"],
        "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524"
    );
    let verdict = stdout_json(&verify(&["-o", "verdict"]));
    assert_eq!(verdict["signatures"][0]["kind"], "sigstore-bundle");
    assert_eq!(verdict["signatures"][0]["predicate_type"], "https://cyclonedx.org/bom");
    // The v2 sample's attestations are on the .att tag scheme, which cosign verify never reads.
    let v2 = format!("oci:{}", sample("layout-v2").display());
    assert_fails(
        &ocitrust(&["verify", "--key", key.to_str().unwrap(), "--insecure-ignore-tlog", &v2]),
        10,
        "no signatures found",
    );
    // Another key, still refused.
    let dir = scratch("attestation-as-signature-other-key");
    generate_key_pair_in(&dir, "");
    let other = dir.join("cosign.pub");
    assert_fails(
        &ocitrust(&[
            "verify",
            "--key",
            other.to_str().unwrap(),
            "--insecure-ignore-tlog",
            &reference,
        ]),
        12,
        "no matching signatures",
    );
}

/// A copy of the v2 sample whose `.att` manifest for `subject_tag_hex` has its first layer's
/// envelope rewritten by `edit` (blob, descriptor and index updated, so only what `edit` changed
/// is wrong).
fn with_rewritten_envelope(name: &str, manifest_tag: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let copy = scratch(name);
    copy_dir(&sample("layout-v2"), &copy);
    let mut index = read_index(&copy);
    let entry = index["manifests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == manifest_tag)
        .unwrap();
    let mut manifest = read_blob_json(&copy, entry["digest"].as_str().unwrap());
    let layer = &mut manifest["layers"][0];
    let mut envelope = read_blob_json(&copy, layer["digest"].as_str().unwrap());
    edit(&mut envelope);
    let envelope_bytes = serde_json::to_vec(&envelope).unwrap();
    layer["digest"] = write_blob(&copy, &envelope_bytes).into();
    layer["size"] = envelope_bytes.len().into();
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
    entry["digest"] = write_blob(&copy, &manifest_bytes).into();
    entry["size"] = manifest_bytes.len().into();
    write_index(&copy, &index);
    copy
}

const AMD64_ATT: &str = "sha256-198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524.att";

fn payload_of(envelope: &serde_json::Value) -> serde_json::Value {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn set_payload(envelope: &mut serde_json::Value, statement: &serde_json::Value) {
    use base64::Engine;
    envelope["payload"] = base64::engine::general_purpose::STANDARD
        .encode(serde_json::to_vec(statement).unwrap())
        .into();
}

#[test]
fn tampered_attestations_are_refused_with_their_reason() {
    let amd64 = ["--type", "cyclonedx", "--platform", "linux/amd64"];
    // The statement changed after signing (another SBOM slipped in): the DSSE signature fails.
    let tampered = with_rewritten_envelope("attestation-tampered", AMD64_ATT, |envelope| {
        let mut statement = payload_of(envelope);
        statement["predicate"]["components"] = serde_json::json!([]);
        set_payload(envelope, &statement);
    });
    let does_not_verify = "invalid signature: ECDSA SHA-256 signature does not verify";
    assert_fails(&verify_attestation(&tampered, &amd64), 12, does_not_verify);

    // The payload type changed: PAE covers it, so the signature fails too.
    let retyped = with_rewritten_envelope("attestation-payload-type", AMD64_ATT, |envelope| {
        envelope["payloadType"] = "application/json".into();
    });
    assert_fails(&verify_attestation(&retyped, &amd64), 12, does_not_verify);

    // The layer's bytes no longer match its descriptor.
    let copy = scratch("attestation-blob-swapped");
    copy_dir(&sample("layout-v2"), &copy);
    let index = read_index(&copy);
    let att = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == AMD64_ATT)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let manifest = read_blob_json(&copy, &att);
    let blob = blob_path(&copy, manifest["layers"][0]["digest"].as_str().unwrap());
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    assert_fails(&verify_attestation(&copy, &amd64), 12, "digest mismatch");

    // The wrong key.
    let dir = scratch("attestation-other-key");
    generate_key_pair_in(&dir, "");
    let reference = format!("oci:{}", sample("layout-v2").display());
    let out = ocitrust(&[
        "verify-attestation",
        "--key",
        dir.join("cosign.pub").to_str().unwrap(),
        "--insecure-ignore-tlog",
        "--type",
        "cyclonedx",
        "--platform",
        "linux/amd64",
        &reference,
    ]);
    assert_fails(&out, 12, does_not_verify);
}

#[test]
fn the_amd64_attestations_do_not_speak_for_another_digest() {
    // The amd64 `.att` manifest retagged as arm64's: signed and intact, about another digest.
    let copy = scratch("attestation-other-subject");
    copy_dir(&sample("layout-v2"), &copy);
    let mut index = read_index(&copy);
    let arm64_att = "sha256-9f1c71c0a2a294b6c66355efa0192d6ceef1e9371809dadbdede16fc73cff6d0.att";
    let manifests = index["manifests"].as_array_mut().unwrap();
    manifests.retain(|m| m["annotations"]["org.opencontainers.image.ref.name"] != arm64_att);
    for m in manifests.iter_mut() {
        if m["annotations"]["org.opencontainers.image.ref.name"] == AMD64_ATT {
            m["annotations"]["org.opencontainers.image.ref.name"] = arm64_att.into();
        }
    }
    write_index(&copy, &index);
    let out = verify_attestation(&copy, &["--type", "cyclonedx", "--platform", "linux/arm64"]);
    assert_fails(&out, 12, "do not include the artifact");
    assert_fails(
        &out,
        12,
        "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524",
    );
}

#[test]
fn an_attestation_over_the_size_limit_is_not_read() {
    // A 33 MiB envelope (the limit is 32 MiB, ATTESTATION_SIZE_MAX) put in place of the amd64 SBOM.
    let copy = scratch("attestation-oversize");
    copy_dir(&sample("layout-v2"), &copy);
    let mut index = read_index(&copy);
    let entry = index["manifests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == AMD64_ATT)
        .unwrap();
    let mut manifest = read_blob_json(&copy, entry["digest"].as_str().unwrap());
    let mut huge = br#"{"payloadType":"application/vnd.in-toto+json","payload":""#.to_vec();
    huge.resize(33 * 1024 * 1024, b'A');
    huge.extend_from_slice(br#"","signatures":[]}"#);
    manifest["layers"][0]["digest"] = write_blob(&copy, &huge).into();
    manifest["layers"][0]["size"] = huge.len().into();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    entry["digest"] = write_blob(&copy, &bytes).into();
    entry["size"] = bytes.len().into();
    write_index(&copy, &index);
    let out = verify_attestation(&copy, &["--type", "cyclonedx", "--platform", "linux/amd64"]);
    assert_fails(&out, 12, "limit");
    assert_fails(&out, 12, &format!("{}", 32 * 1024 * 1024));
}
