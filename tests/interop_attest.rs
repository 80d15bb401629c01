//! Attestations made by the real cosign, verified by ocitrust: cosign v2 `attest` (the `.att` tag
//! scheme) and cosign v3 `attest` (a Sigstore bundle referrer), with a key, on images in the
//! loopback registry and in a `cosign save` layout. ocitrust prints what `cosign verify-attestation`
//! prints, hands out the predicate that was attested (`--output-predicate`), picks attestations by
//! predicate type as cosign does, and refuses with cosign's exit codes.

#[path = "support/peers.rs"]
mod peers;
mod support;

use peers::*;
use support::*;

const SBOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "components": [
    {"type": "library", "name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"},
    {"type": "library", "name": "naïve-ünïcode", "version": "0.1.0", "description": "quotes \" and \\ and <tags> & ampersands"}
  ]
}"#;

const SPDX: &str = r#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "sample", "packages": []}"#;

/// Parsed JSON lines of `text` (one document a line, blank lines ignored), sorted for comparison.
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    lines.sort_by_key(|v| v.to_string());
    lines
}

/// The predicate of each envelope line printed (the `jq '.payload | @base64d | fromjson |
/// .predicate'` pipeline).
fn predicates(text: &str) -> Vec<serde_json::Value> {
    use base64::Engine;
    json_lines(text)
        .iter()
        .map(|envelope| {
            let payload = base64::engine::general_purpose::STANDARD
                .decode(envelope["payload"].as_str().unwrap())
                .unwrap();
            let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            statement["predicate"].clone()
        })
        .collect()
}

/// Runs ocitrust with the peers' HOME and Docker config and the keys' (empty) password.
fn ocitrust_with_key(peers: &Peers, keys: &std::path::Path, args: &[&str]) -> std::process::Output {
    let home = peers.work.to_str().unwrap();
    ocitrust_in(
        keys,
        args,
        &[
            ("HOME", home),
            ("DOCKER_CONFIG", &format!("{home}/.docker")),
            ("COSIGN_PASSWORD", ""),
        ],
    )
}

/// Runs `ocitrust attest --key cosign.key --type KIND --predicate PREDICATE EXTRA… IMAGE` in `keys`.
fn ocitrust_attest(
    peers: &Peers,
    keys: &std::path::Path,
    kind: &str,
    predicate: &str,
    extra: &[&str],
    image: &str,
) -> std::process::Output {
    let args = [
        &[
            "attest",
            "--key",
            "cosign.key",
            "--type",
            kind,
            "--predicate",
            predicate,
        ][..],
        extra,
        &[image],
    ]
    .concat();
    ocitrust_with_key(peers, keys, &args)
}

fn attest_v2(peers: &Peers, keys: &std::path::Path, kind: &str, predicate: &str, image: &str) {
    ok(
        peers.cosign(
            &[
                "attest",
                "--key",
                "cosign.key",
                "--type",
                kind,
                "--predicate",
                predicate,
                "--tlog-upload=false",
                "-y",
                image,
            ],
            keys,
            "",
        ),
        &format!("cosign v2 attest --type {kind}"),
    );
}

#[test]
fn cosign_v2_attestations_verify_and_hand_out_the_predicate() {
    let peers = Peers::new("registry-attest-v2");
    let reference = peers.push_image("attested");
    let image = format!("{}@{}", reference.trim_end_matches(":v1"), peers.digest(&reference));
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    std::fs::write(keys.join("sbom.json"), SBOM).unwrap();
    std::fs::write(keys.join("spdx.json"), SPDX).unwrap();
    attest_v2(&peers, &keys, "cyclonedx", "sbom.json", &image);
    attest_v2(&peers, &keys, "spdxjson", "spdx.json", &image);

    let verify = |extra: &[&str]| {
        let mut args = vec!["verify-attestation", "--key", "cosign.pub", "--insecure-ignore-tlog"];
        args.extend_from_slice(extra);
        args.push(&image);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };

    // Each tool prints the cyclonedx attestation's envelope, the same one.
    let args = verify(&["--type", "cyclonedx"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let cosign = ok(peers.cosign(&argv, &keys, ""), "cosign verify-attestation");
    let ours = ok(peers.ocitrust(&keys, &argv), "ocitrust verify-attestation");
    assert_eq!(json_lines(&stdout(&ours)), json_lines(&stdout(&cosign)), "{args:?}");
    assert_eq!(json_lines(&stdout(&ours)).len(), 1);
    let sbom: serde_json::Value = serde_json::from_str(SBOM).unwrap();
    assert_eq!(predicates(&stdout(&ours)), std::slice::from_ref(&sbom));

    // --output-predicate writes the attested SBOM: the same JSON value.
    let written = keys.join("out/sbom.json");
    std::fs::create_dir_all(written.parent().unwrap()).unwrap();
    let args = verify(&["--type", "cyclonedx", "--output-predicate", written.to_str().unwrap()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(
        peers.ocitrust(&keys, &argv),
        "ocitrust verify-attestation --output-predicate",
    );
    let extracted: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    assert_eq!(extracted, sbom);

    // The spdx one by its URI; a type nobody attested is "no matching attestations" (12), naming
    // what was found; the wrong key likewise; the written file is left alone on failure.
    let args = verify(&["--type", "https://spdx.dev/Document"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(peers.ocitrust(&keys, &argv), "ocitrust verify-attestation --type <URI>");
    assert_eq!(
        predicates(&stdout(&out)),
        [serde_json::from_str::<serde_json::Value>(SPDX).unwrap()]
    );
    let before = std::fs::read(&written).unwrap();
    let args = verify(&[
        "--type",
        "slsaprovenance1",
        "--output-predicate",
        written.to_str().unwrap(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_fails(
        &peers.ocitrust(&keys, &argv),
        12,
        r#"the attestation's predicate type is "https://cyclonedx.org/bom", expected "https://slsa.dev/provenance/v1""#,
    );
    assert_eq!(
        std::fs::read(&written).unwrap(),
        before,
        "a failed verification leaves the file alone"
    );
    let other = peers.dir("other");
    generate_key_pair_in(&other, "");
    let out = peers.ocitrust(
        &keys,
        &[
            "verify-attestation",
            "--key",
            other.join("cosign.pub").to_str().unwrap(),
            "--insecure-ignore-tlog",
            "--type",
            "cyclonedx",
            &image,
        ],
    );
    assert_fails(&out, 12, "no matching attestations");

    // Strict by default: no log entry was made (--tlog-upload=false).
    let out = peers.ocitrust(
        &keys,
        &[
            "verify-attestation",
            "--key",
            "cosign.pub",
            "--type",
            "cyclonedx",
            &image,
        ],
    );
    assert_fails(&out, 12, "no transparency-log entry");

    // SLSA provenance v1 and cosign's custom type, attested by cosign: ocitrust hands out what
    // cosign's own pipeline extracts (cosign re-encodes a provenance, and wraps a custom predicate
    // with a timestamp).
    std::fs::write(
        keys.join("provenance.json"),
        r#"{"buildDefinition":{"buildType":"https://example.com/build@v1","externalParameters":{"ref":"main"}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}"#,
    )
    .unwrap();
    std::fs::write(keys.join("notes.txt"), "reviewed by the release team\n").unwrap();
    attest_v2(&peers, &keys, "slsaprovenance1", "provenance.json", &image);
    attest_v2(&peers, &keys, "custom", "notes.txt", &image);
    for (kind, check) in [("slsaprovenance1", "buildDefinition"), ("custom", "Data")] {
        let args = verify(&["--type", kind]);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let theirs = ok(
            peers.cosign(&argv, &keys, ""),
            &format!("cosign verify-attestation --type {kind}"),
        );
        let written = keys.join(format!("out/{kind}.json"));
        let args = verify(&["--type", kind, "--output-predicate", written.to_str().unwrap()]);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(
            peers.ocitrust(&keys, &argv),
            &format!("ocitrust verify-attestation --type {kind}"),
        );
        let extracted: serde_json::Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
        assert_eq!(predicates(&stdout(&theirs)), std::slice::from_ref(&extracted), "{kind}");
        assert!(extracted.get(check).is_some(), "{kind}: {extracted}");
    }

    // An image nobody attested: "no attestations" (10), as cosign.
    let bare = peers.push_image("bare");
    let bare = format!("{}@{}", bare.trim_end_matches(":v1"), peers.digest(&bare));
    let out = peers.ocitrust(
        &keys,
        &[
            "verify-attestation",
            "--key",
            "cosign.pub",
            "--insecure-ignore-tlog",
            &bare,
        ],
    );
    assert_fails(&out, 10, "no attestations found");

    // The same attestations in a `cosign save` layout.
    let layout = peers.work.join("saved");
    ok(
        peers.cosign(&["save", "--dir", layout.to_str().unwrap(), &image], &keys, ""),
        "cosign save",
    );
    let oci = format!("oci:{}", layout.display());
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                "verify-attestation",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "--type",
                "cyclonedx",
                &oci,
            ],
        ),
        "ocitrust verify-attestation on the cosign save layout",
    );
    assert_eq!(predicates(&stdout(&out)), [sbom]);
}

#[test]
fn cosign_v3_bundle_attestations_verify_with_cosigns_output() {
    let peers = Peers::new("registry-attest-v3");
    let reference = peers.push_image("attested-v3");
    let image = format!("{}@{}", reference.trim_end_matches(":v1"), peers.digest(&reference));
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    std::fs::write(keys.join("sbom.json"), SBOM).unwrap();
    let cosign_v3 = tool("OCITRUST_COSIGN_V3");
    let docker_config = peers.work.join(".docker");
    let env = [
        ("COSIGN_PASSWORD", ""),
        ("DOCKER_CONFIG", docker_config.to_str().unwrap()),
    ];
    // No services in the signing config: a bundle with the key's signature and no log entry.
    ok(
        run(
            &cosign_v3,
            &["signing-config", "create", "--out", "signing-config.json"],
            &keys,
            &[],
        ),
        "cosign v3 signing-config create",
    );
    ok(
        run(
            &cosign_v3,
            &[
                "attest",
                "--key",
                "cosign.key",
                "--signing-config",
                "signing-config.json",
                "--type",
                "cyclonedx",
                "--predicate",
                "sbom.json",
                "-y",
                &image,
            ],
            &keys,
            &env,
        ),
        "cosign v3 attest (a bundle referrer)",
    );
    let args = [
        "verify-attestation",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "--type",
        "cyclonedx",
        image.as_str(),
    ];
    let cosign = ok(run(&cosign_v3, &args, &keys, &env), "cosign v3 verify-attestation");
    let ours = ok(peers.ocitrust(&keys, &args), "ocitrust verify-attestation of a bundle");
    assert_eq!(json_lines(&stdout(&ours)), json_lines(&stdout(&cosign)));
    let sbom: serde_json::Value = serde_json::from_str(SBOM).unwrap();
    assert_eq!(predicates(&stdout(&ours)), std::slice::from_ref(&sbom));

    // The verdict lists the bundle with what it states.
    let out = ok(
        peers.ocitrust(&keys, &[&args[..6], &["-o", "verdict", image.as_str()]].concat()),
        "ocitrust verify-attestation -o verdict",
    );
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let signature = &verdict["signatures"][0];
    assert_eq!(signature["kind"], "sigstore-bundle");
    assert_eq!(signature["attestation"]["predicate_type"], "https://cyclonedx.org/bom");
    assert_eq!(signature["attestation"]["predicate"], sbom);

    // `cosign verify` (v3) accepts the attestation bundle as a signature of the image and prints its
    // predicate type as the payload's type; ocitrust prints the same, byte for byte, and records
    // the type in the verdict.
    for format in ["json", "text"] {
        let verify = [
            "verify",
            "--key",
            "cosign.pub",
            "--insecure-ignore-tlog",
            "-o",
            format,
            image.as_str(),
        ];
        let cosign = ok(
            run(&cosign_v3, &verify, &keys, &env),
            "cosign v3 verify of an attestation",
        );
        let ours = ok(peers.ocitrust(&keys, &verify), "ocitrust verify of an attestation");
        assert_eq!(stdout(&ours), stdout(&cosign), "-o {format}");
        assert!(
            stdout(&ours).contains(r#""type":"https://cyclonedx.org/bom""#),
            "{}",
            stdout(&ours)
        );
    }
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "-o",
                "verdict",
                &image,
            ],
        ),
        "ocitrust verify -o verdict of an attestation",
    );
    let verdict: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(verdict["signatures"][0]["predicate_type"], "https://cyclonedx.org/bom");
    // Required annotations are looked for on the statement's subject, which has none here: refused,
    // as cosign refuses it.
    let annotated = [
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "-a",
        "team=x",
        image.as_str(),
    ];
    assert!(!run(&cosign_v3, &annotated, &keys, &env).status.success());
    assert_fails(&peers.ocitrust(&keys, &annotated), 12, "annotation");
}

#[test]
fn cosign_verifies_what_ocitrust_attests() {
    let peers = Peers::new("registry-attest-ours");
    let reference = peers.push_image("ours");
    let image = format!("{}@{}", reference.trim_end_matches(":v1"), peers.digest(&reference));
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    std::fs::write(keys.join("sbom.json"), SBOM).unwrap();
    std::fs::write(keys.join("spdx.json"), SPDX).unwrap();
    std::fs::write(keys.join("notes.txt"), "free text, attested as cosign's custom type\n").unwrap();
    let attest = |kind: &str, predicate: &str, extra: &[&str]| {
        let extra = [&["--tlog-upload=false", "-y"][..], extra].concat();
        ok(
            ocitrust_attest(&peers, &keys, kind, predicate, &extra, &image),
            &format!("ocitrust attest --type {kind}"),
        )
    };
    attest("cyclonedx", "sbom.json", &[]);
    attest("spdxjson", "spdx.json", &[]);
    attest("custom", "notes.txt", &[]);

    let cosign_verify = |kind: &str| {
        ok(
            peers.cosign(
                &[
                    "verify-attestation",
                    "--key",
                    "cosign.pub",
                    "--insecure-ignore-tlog",
                    "--type",
                    kind,
                    &image,
                ],
                &keys,
                "",
            ),
            &format!("cosign verify-attestation --type {kind} of ocitrust's attestation"),
        )
    };
    let sbom: serde_json::Value = serde_json::from_str(SBOM).unwrap();
    assert_eq!(
        predicates(&stdout(&cosign_verify("cyclonedx"))),
        std::slice::from_ref(&sbom)
    );
    assert_eq!(
        predicates(&stdout(&cosign_verify("spdxjson"))),
        [serde_json::from_str::<serde_json::Value>(SPDX).unwrap()]
    );
    let custom = predicates(&stdout(&cosign_verify("custom")));
    assert_eq!(custom[0]["Data"], "free text, attested as cosign's custom type\n");
    assert!(custom[0]["Timestamp"].as_str().unwrap().ends_with('Z'));

    // Attesting again adds one (a new signature, a new layer), as cosign; --replace replaces those
    // of the type and keeps the others.
    attest("cyclonedx", "sbom.json", &[]);
    std::fs::write(
        keys.join("sbom2.json"),
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":2}"#,
    )
    .unwrap();
    attest("cyclonedx", "sbom2.json", &[]);
    assert_eq!(predicates(&stdout(&cosign_verify("cyclonedx"))).len(), 3);
    attest("cyclonedx", "sbom.json", &["--replace"]);
    assert_eq!(
        predicates(&stdout(&cosign_verify("cyclonedx"))),
        std::slice::from_ref(&sbom)
    );
    assert_eq!(
        predicates(&stdout(&cosign_verify("spdxjson"))).len(),
        1,
        "other types are kept"
    );

    // Refusals change nothing: a predicate that is not JSON, a log upload asked for.
    std::fs::write(keys.join("broken.json"), "{not json").unwrap();
    let out = ocitrust_attest(
        &peers,
        &keys,
        "cyclonedx",
        "broken.json",
        &["--tlog-upload=false"],
        &image,
    );
    assert_fails(
        &out,
        1,
        "invalid JSON payload for predicate type https://cyclonedx.org/bom",
    );
    let out = ocitrust_attest(&peers, &keys, "cyclonedx", "sbom.json", &["--tlog-upload=true"], &image);
    assert_fails(&out, 1, "does not upload to a transparency log");
    assert_eq!(predicates(&stdout(&cosign_verify("cyclonedx"))), [sbom]);
}

#[test]
fn ocitrust_attests_in_a_layout_that_cosign_loads_and_verifies() {
    let peers = Peers::new("registry-attest-layout");
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    std::fs::write(keys.join("sbom.json"), SBOM).unwrap();
    let layout = sample_copy("attest-layout");
    let oci = format!("oci:{}", layout.display());
    ok(
        ocitrust_attest(&peers, &keys, "cyclonedx", "sbom.json", &["--tlog-upload=false"], &oci),
        "ocitrust attest into the cosign save layout",
    );
    // ocitrust verifies it in the layout; cosign pushes the layout (`cosign load`) and verifies it.
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                "verify-attestation",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "--type",
                "cyclonedx",
                &oci,
            ],
        ),
        "ocitrust verify-attestation in the layout",
    );
    let sbom: serde_json::Value = serde_json::from_str(SBOM).unwrap();
    assert_eq!(predicates(&stdout(&out)), std::slice::from_ref(&sbom));
    let target = format!("{}/loaded:v1", peers.registry.address);
    ok(
        peers.cosign(&["load", "--dir", layout.to_str().unwrap(), &target], &keys, ""),
        "cosign load of the attested layout",
    );
    let out = ok(
        peers.cosign(
            &[
                "verify-attestation",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "--type",
                "cyclonedx",
                &target,
            ],
            &keys,
            "",
        ),
        "cosign verify-attestation of what cosign load pushed",
    );
    assert_eq!(predicates(&stdout(&out)), [sbom]);
}

#[test]
fn cosign_v3_verifies_the_bundle_attestations_ocitrust_writes() {
    let peers = Peers::new("registry-attest-ours-v3");
    let reference = peers.push_image("ours-v3");
    let image = format!("{}@{}", reference.trim_end_matches(":v1"), peers.digest(&reference));
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    std::fs::write(keys.join("sbom.json"), SBOM).unwrap();
    std::fs::write(keys.join("spdx.json"), SPDX).unwrap();
    for (kind, predicate) in [("cyclonedx", "sbom.json"), ("spdxjson", "spdx.json")] {
        ok(
            ocitrust_attest(
                &peers,
                &keys,
                kind,
                predicate,
                &["--new-bundle-format", "--tlog-upload=false"],
                &image,
            ),
            &format!("ocitrust attest --new-bundle-format --type {kind}"),
        );
    }
    let cosign_v3 = tool("OCITRUST_COSIGN_V3");
    let docker_config = peers.work.join(".docker");
    let env = [("DOCKER_CONFIG", docker_config.to_str().unwrap())];
    let args = [
        "verify-attestation",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "--type",
        "cyclonedx",
        image.as_str(),
    ];
    let cosign = ok(
        run(&cosign_v3, &args, &keys, &env),
        "cosign v3 verify-attestation of ocitrust's bundle",
    );
    let sbom: serde_json::Value = serde_json::from_str(SBOM).unwrap();
    assert_eq!(predicates(&stdout(&cosign)), std::slice::from_ref(&sbom));
    let ours = ok(
        peers.ocitrust(&keys, &args),
        "ocitrust verify-attestation of its own bundle",
    );
    assert_eq!(json_lines(&stdout(&ours)), json_lines(&stdout(&cosign)));

    // --replace is for the tag scheme.
    let out = ocitrust_attest(
        &peers,
        &keys,
        "cyclonedx",
        "sbom.json",
        &["--new-bundle-format", "--replace", "--tlog-upload=false"],
        &image,
    );
    assert_ne!(out.status.code(), Some(0));

    // In a layout: ocitrust writes the referrer, then verifies it.
    let layout = sample_copy("attest-layout-v3");
    let oci = format!("oci:{}", layout.display());
    ok(
        ocitrust_attest(
            &peers,
            &keys,
            "cyclonedx",
            "sbom.json",
            &["--new-bundle-format", "--tlog-upload=false"],
            &oci,
        ),
        "ocitrust attest --new-bundle-format into a layout",
    );
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                "verify-attestation",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "--type",
                "cyclonedx",
                &oci,
            ],
        ),
        "ocitrust verify-attestation of the layout's referrer",
    );
    assert_eq!(predicates(&stdout(&out)), [sbom]);
}
