//! Interop with the real notation (v1.3.2) through a loopback docker-registry: notation signs with a
//! test certificate, storing its signature under the referrers tag schema (docker-registry has no
//! referrers API), or with `--oci-layout` into an OCI layout, and ocitrust finds it. Verifying
//! notation signatures is not implemented yet, so the verdict must report the signature and refuse
//! to count it. Built only with the `interop` feature; the test command installs the peers and sets
//! OCITRUST_NOTATION too.

#[path = "support/peers.rs"]
mod peers;
mod support;

use std::path::Path;
use std::process::Output;

use peers::*;
use support::*;

const NOTATION_SIGNATURE: &str = "application/vnd.cncf.notary.signature";

/// Runs notation with its configuration (keys, certificates) under `work`.
fn notation(work: &Path, args: &[&str]) -> Output {
    let config = work.join("notation-config");
    run(
        &tool("OCITRUST_NOTATION"),
        args,
        work,
        &[("XDG_CONFIG_HOME", config.to_str().unwrap())],
    )
}

#[test]
fn notation_signatures_are_found_and_reported_not_trusted() {
    let peers = Peers::new("registry-notation");
    let reference = peers.push_image("notarized");
    let digest = peers.digest(&reference);
    let pinned = format!("{}/notarized@{digest}", peers.registry.address);
    ok(
        notation(&peers.work, &["cert", "generate-test", "--default", "ocitrust-test"]),
        "notation cert generate-test",
    );
    ok(
        notation(&peers.work, &["sign", "--insecure-registry", &pinned]),
        "notation sign",
    );
    let listed = stdout(&ok(
        notation(&peers.work, &["ls", "--insecure-registry", &pinned]),
        "notation ls",
    ));
    let signature = listed
        .split_whitespace()
        .find(|word| word.starts_with("sha256:") && !pinned.ends_with(*word))
        .unwrap_or_else(|| panic!("no signature digest in `notation ls`:\n{listed}"))
        .to_owned();

    // tree lists it among the referrers, by its digest and artifact type.
    let tree = stdout(&ok(peers.ocitrust(&peers.work, &["tree", &reference]), "tree"));
    assert!(tree.contains(&format!("{signature} ({NOTATION_SIGNATURE})")), "{tree}");

    // verify examines it and says why it does not count; the image is not trusted.
    let key = sample_pub();
    let key = key.to_str().unwrap();
    let out = peers.ocitrust(
        &peers.work,
        &[
            "verify",
            "--key",
            key,
            "--insecure-ignore-tlog",
            "-o",
            "verdict",
            &reference,
        ],
    );
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    assert_eq!(verdict["trusted"], false);
    assert_eq!(verdict["signatures"].as_array().unwrap().len(), 1, "{verdict}");
    assert_eq!(verdict["signatures"][0]["kind"], "notation-signature");
    assert!(
        verdict["signatures"][0]["location"]
            .as_str()
            .unwrap()
            .contains(&signature),
        "{verdict}"
    );
    assert_fails(
        &peers.ocitrust(
            &peers.work,
            &["verify", "--key", key, "--insecure-ignore-tlog", &pinned],
        ),
        12,
        "notation signatures are not verified by ocitrust yet",
    );
}

#[test]
fn notation_signatures_in_an_oci_layout_are_found_offline() {
    let work = scratch("layout-notation");
    let layout = work.join("image");
    ok(
        run(
            "python3",
            &[
                root().join("examples/sample-image/build_image.py").to_str().unwrap(),
                layout.to_str().unwrap(),
            ],
            &work,
            &[],
        ),
        "building the image layout",
    );
    let digest = read_index(&layout)["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        notation(&work, &["cert", "generate-test", "--default", "ocitrust-test"]),
        "notation cert generate-test",
    );
    let config = work.join("notation-config");
    ok(
        run(
            &tool("OCITRUST_NOTATION"),
            &["sign", "--oci-layout", &format!("{}@{digest}", layout.display())],
            &work,
            &[
                ("XDG_CONFIG_HOME", config.to_str().unwrap()),
                ("NOTATION_EXPERIMENTAL", "1"),
            ],
        ),
        "notation sign --oci-layout",
    );
    assert_eq!(
        read_index(&layout)["manifests"].as_array().unwrap().len(),
        2,
        "notation adds its signature to index.json"
    );

    // The layout's only image is still found without naming it; its notation signature is reported.
    let key = sample_pub();
    let out = ocitrust_in(
        &work,
        &[
            "verify",
            "--key",
            key.to_str().unwrap(),
            "--insecure-ignore-tlog",
            "-o",
            "verdict",
            &format!("oci:{}", layout.display()),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    assert_eq!(verdict["subject"]["digest"], digest.as_str());
    assert_eq!(verdict["signatures"][0]["kind"], "notation-signature", "{verdict}");
}
