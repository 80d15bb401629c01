//! Interop with the real cosign (v2.4.3, tag-scheme signatures; v3.1.3, Sigstore bundles as referrers)
//! through a loopback docker-registry, in both directions, with keys made by each tool loaded by the
//! other. Built only with the `interop` feature; the test command installs the peers and sets
//! OCITRUST_COSIGN, OCITRUST_COSIGN_V3, OCITRUST_CRANE and OCITRUST_DOCKER_REGISTRY. A missing peer
//! fails the test.

#[path = "support/peers.rs"]
mod peers;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use peers::*;
use support::*;

#[test]
fn cosign_signs_ocitrust_verifies_with_identical_output() {
    let peers = Peers::new("interop-cosign-to-ocitrust");
    let reference = peers.push_image("from-cosign");
    let keys = peers.dir("cosign-keys");
    ok(
        peers.cosign(&["generate-key-pair"], &keys, "cpw"),
        "cosign generate-key-pair",
    );
    ok(
        peers.cosign(
            &[
                "sign",
                "--key",
                "cosign.key",
                "--tlog-upload=false",
                "-y",
                "-a",
                "from=cosign",
                &reference,
            ],
            &keys,
            "cpw",
        ),
        "cosign sign",
    );
    let layout = peers.work.join("saved");
    ok(
        peers.cosign(&["save", "--dir", layout.to_str().unwrap(), &reference], &keys, ""),
        "cosign save",
    );

    let theirs = ok(
        peers.cosign(
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "-a",
                "from=cosign",
                &reference,
            ],
            &keys,
            "",
        ),
        "cosign verify",
    );
    let layout_ref = format!("oci:{}", layout.display());
    let ours = ok(
        ocitrust_in(
            &keys,
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "-a",
                "from=cosign",
                &layout_ref,
            ],
            &[],
        ),
        "ocitrust verify",
    );
    assert_eq!(
        stdout(&ours),
        stdout(&theirs),
        "ocitrust prints exactly what cosign verify prints"
    );

    // A key made by cosign signs in ocitrust too.
    ok(
        ocitrust_in(
            &keys,
            &[
                "sign",
                "--key",
                "cosign.key",
                "-a",
                "from=ocitrust-with-cosign-key",
                &layout_ref,
            ],
            &[("COSIGN_PASSWORD", "cpw")],
        ),
        "ocitrust sign with a cosign key",
    );
    assert_fails(
        &ocitrust_in(
            &keys,
            &["verify", "--key", "cosign.pub", "-a", "from=cosign", &layout_ref],
            &[],
        ),
        12,
        "--insecure-ignore-tlog",
    );
}

#[test]
fn ocitrust_signs_cosign_verifies() {
    let peers = Peers::new("interop-ocitrust-to-cosign");
    let reference = peers.push_image("from-ocitrust");
    let keys = peers.dir("ocitrust-keys");
    ok(
        ocitrust_in(&keys, &["generate-key-pair"], &[("COSIGN_PASSWORD", "opw")]),
        "ocitrust generate-key-pair",
    );
    let layout = peers.work.join("saved");
    ok(
        peers.cosign(&["save", "--dir", layout.to_str().unwrap(), &reference], &keys, ""),
        "cosign save (unsigned)",
    );
    let layout_ref = format!("oci:{}", layout.display());
    ok(
        ocitrust_in(
            &keys,
            &["sign", "--key", "cosign.key", "-a", "from=ocitrust", &layout_ref],
            &[("COSIGN_PASSWORD", "opw")],
        ),
        "ocitrust sign",
    );

    let pushed = format!("{}/from-ocitrust-signed:v1", peers.registry.address);
    ok(
        peers.cosign(&["load", "--dir", layout.to_str().unwrap(), &pushed], &keys, ""),
        "cosign load",
    );
    let out = ok(
        peers.cosign(
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "-a",
                "from=ocitrust",
                &pushed,
            ],
            &keys,
            "",
        ),
        "cosign verify of an ocitrust signature",
    );
    assert!(
        stdout(&out).contains(r#""optional":{"from":"ocitrust"}"#),
        "{}",
        stdout(&out)
    );
    // cosign rejects it under another key, so the acceptance above is not vacuous.
    let other = peers.dir("other-keys");
    ok(
        peers.cosign(&["generate-key-pair"], &other, ""),
        "cosign generate-key-pair",
    );
    let out = peers.cosign(
        &[
            "verify",
            "--key",
            other.join("cosign.pub").to_str().unwrap(),
            "--insecure-ignore-tlog",
            &pushed,
        ],
        &keys,
        "",
    );
    assert!(!out.status.success(), "cosign accepted a signature under the wrong key");

    // A key made by ocitrust signs in cosign, and ocitrust verifies that signature.
    let reference2 = peers.push_image("signed-by-cosign-with-ocitrust-key");
    ok(
        peers.cosign(
            &["sign", "--key", "cosign.key", "--tlog-upload=false", "-y", &reference2],
            &keys,
            "opw",
        ),
        "cosign sign with an ocitrust key",
    );
    let layout2 = peers.work.join("saved2");
    ok(
        peers.cosign(&["save", "--dir", layout2.to_str().unwrap(), &reference2], &keys, ""),
        "cosign save",
    );
    ok(
        ocitrust_in(
            &keys,
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                &format!("oci:{}", layout2.display()),
            ],
            &[],
        ),
        "ocitrust verify",
    );
}

#[test]
fn a_registry_with_its_own_ca_is_reached_over_verified_tls() {
    let peers = Peers::with_own_ca("registry-own-ca");
    let ca = peers.work.join("tls/ca.pem");
    let ca = ca.to_str().unwrap();
    let reference = peers.push_image("tls"); // crane --insecure: TLS without checks
    let keys = peers.dir("keys");
    ok(
        peers.cosign(&["generate-key-pair"], &keys, "cpw"),
        "cosign generate-key-pair",
    );
    ok(
        peers.cosign(
            &[
                "sign",
                "--key",
                "cosign.key",
                "--registry-cacert",
                ca,
                "--tlog-upload=false",
                "-y",
                &reference,
            ],
            &keys,
            "cpw",
        ),
        "cosign sign --registry-cacert",
    );
    let verify = ["verify", "--key", "cosign.pub", "--insecure-ignore-tlog"];

    // The registry's CA, and only it, verifies the certificate; nothing insecure is recorded.
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                &verify[..],
                &["--registry-cacert", ca, "-o", "verdict", reference.as_str()],
            ]
            .concat(),
        ),
        "verify --registry-cacert",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["trusted"], true);
    assert_eq!(verdict["insecure"], serde_json::json!(["insecure-ignore-tlog"]));

    // Another CA: the certificate is refused, and the error says so.
    let other = peers.dir("other-ca");
    make_test_ca_and_server_certificate(&other);
    let other_ca = other.join("ca.pem");
    assert_fails(
        &peers.ocitrust(
            &keys,
            &[
                &verify[..],
                &["--registry-cacert", other_ca.to_str().unwrap(), reference.as_str()],
            ]
            .concat(),
        ),
        1,
        "certificate",
    );
    // A file with no certificate in it is refused before anything is fetched.
    assert_fails(
        &peers.ocitrust(
            &keys,
            &[&verify[..], &["--registry-cacert", "cosign.pub", reference.as_str()]].concat(),
        ),
        1,
        "no certificates in it",
    );
    // Without the CA the loopback registry is tried over plain HTTP, which it refuses; told how to fix.
    assert_fails(
        &peers.ocitrust(&keys, &[&verify[..], &[reference.as_str()]].concat()),
        1,
        "the registry speaks HTTPS; give its CA certificate with --registry-cacert",
    );
    // --allow-insecure-registry accepts the certificate unchecked, and the verdict says so.
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                &verify[..],
                &["--allow-insecure-registry", "-o", "verdict", reference.as_str()],
            ]
            .concat(),
        ),
        "verify --allow-insecure-registry",
    );
    let verdict = stdout_json(&out);
    assert_eq!(
        verdict["insecure"],
        serde_json::json!(["insecure-ignore-tlog", "allow-insecure-registry"])
    );

    // ocitrust signs over the same verified TLS, and cosign accepts it.
    ok(
        ocitrust_in(
            &keys,
            &[
                "sign",
                "--key",
                "cosign.key",
                "--registry-cacert",
                ca,
                "-a",
                "by=ocitrust",
                &reference,
            ],
            &[("HOME", peers.work.to_str().unwrap()), ("COSIGN_PASSWORD", "cpw")],
        ),
        "ocitrust sign --registry-cacert",
    );
    ok(
        peers.cosign(
            &[&verify[..], &["--registry-cacert", ca, "-a", "by=ocitrust", &reference]].concat(),
            &keys,
            "",
        ),
        "cosign verify of ocitrust's signature over TLS",
    );
}

#[test]
fn a_registry_demanding_client_certificates_is_reached_with_one() {
    // An open registry to push and sign through, and a second one serving the same storage over
    // mutual TLS: only clients with a certificate from the registry's CA get an answer.
    let peers = Peers::new("registry-mutual-tls");
    let reference = peers.push_image("mtls");
    let keys = peers.dir("keys");
    cosign_sign(&peers, &keys, &reference);
    let tls = peers.dir("tls");
    make_test_ca_and_server_certificate(&tls);
    make_test_client_certificate(&tls);
    let guarded = Registry::start_mutual_tls(
        peers.work.join("registry-mtls"),
        &peers.work.join("registry/data"),
        &tls,
    );
    let reference = reference.replace(&peers.registry.address, &guarded.address);
    let file = |name: &str| tls.join(name).to_str().unwrap().to_owned();
    let (ca, cert, key) = (file("ca.pem"), file("client.pem"), file("client.key"));
    let verify = [
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "-a",
        "from=cosign",
        "--registry-cacert",
        ca.as_str(),
    ];

    let with_certificate = [
        &verify[..],
        &[
            "--registry-client-cert",
            &cert,
            "--registry-client-key",
            &key,
            &reference,
        ],
    ]
    .concat();
    ok(
        peers.ocitrust(&keys, &with_certificate),
        "verify with a client certificate",
    );
    // cosign reaches it the same way (its flags are the same).
    ok(
        peers.cosign(
            &[
                &verify[..],
                &[
                    "--registry-client-cert",
                    &cert,
                    "--registry-client-key",
                    &key,
                    &reference,
                ],
            ]
            .concat(),
            &keys,
            "",
        ),
        "cosign verify with a client certificate",
    );
    // Without one, the handshake fails: a transport error that says why, never "no signatures".
    assert_fails(
        &peers.ocitrust(&keys, &[&verify[..], &[reference.as_str()]].concat()),
        1,
        "the registry refused the client certificate, or wants one",
    );
    // A certificate without its key is refused before anything is sent.
    assert_fails(
        &peers.ocitrust(
            &keys,
            &[&verify[..], &["--registry-client-cert", &cert, &reference]].concat(),
        ),
        1,
        "--registry-client-key",
    );
    assert_fails(
        &peers.ocitrust(
            &keys,
            &[
                &verify[..],
                &[
                    "--registry-client-cert",
                    &cert,
                    "--registry-client-key",
                    &ca,
                    &reference,
                ],
            ]
            .concat(),
        ),
        1,
        "registry client key file",
    );
}

/// Signs with cosign into a key pair made in `keys`, with annotation from=cosign.
fn cosign_sign(peers: &Peers, keys: &Path, reference: &str) {
    ok(
        peers.cosign(&["generate-key-pair"], keys, "cpw"),
        "cosign generate-key-pair",
    );
    ok(
        peers.cosign(
            &[
                "sign",
                "--key",
                "cosign.key",
                "--tlog-upload=false",
                "-y",
                "-a",
                "from=cosign",
                reference,
            ],
            keys,
            "cpw",
        ),
        "cosign sign",
    );
}

#[test]
fn ocitrust_verifies_cosign_signatures_straight_from_the_registry() {
    let peers = Peers::new("registry-direct");
    let reference = peers.push_image("direct");
    let keys = peers.dir("keys");
    cosign_sign(&peers, &keys, &reference);
    let verify = [
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "-a",
        "from=cosign",
    ];

    let theirs = ok(
        peers.cosign(&[&verify[..], &[reference.as_str()]].concat(), &keys, ""),
        "cosign verify",
    );
    let ours = ok(
        peers.ocitrust(&keys, &[&verify[..], &[reference.as_str()]].concat()),
        "ocitrust verify",
    );
    assert_eq!(
        stdout(&ours),
        stdout(&theirs),
        "ocitrust prints exactly what cosign verify prints"
    );
    let digest = peers.digest(&reference);
    assert!(
        stderr(&ours).contains("is a tag, which can be moved") && stderr(&ours).contains(&digest),
        "a tag gets a warning naming the verified digest: {}",
        stderr(&ours)
    );

    // By digest: no warning; the verdict names the digest and no insecure transport (loopback).
    let pinned = format!("{}@{digest}", reference.trim_end_matches(":v1"));
    let out = ok(
        peers.ocitrust(&keys, &[&verify[..], &["-o", "verdict", pinned.as_str()]].concat()),
        "ocitrust verify by digest",
    );
    assert!(!stderr(&out).contains("is a tag"), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    assert_eq!(verdict["subject"]["digest"], digest.as_str());
    assert_eq!(verdict["insecure"], serde_json::json!(["insecure-ignore-tlog"]));
    let out = ok(
        peers.ocitrust(
            &keys,
            &[
                &verify[..],
                &["--allow-insecure-registry", "-o", "verdict", pinned.as_str()],
            ]
            .concat(),
        ),
        "ocitrust verify --allow-insecure-registry",
    );
    let verdict = stdout_json(&out);
    assert_eq!(
        verdict["insecure"],
        serde_json::json!(["insecure-ignore-tlog", "allow-insecure-registry"])
    );

    // An image nobody signed; a key that did not sign; an image that does not exist.
    let unsigned = peers.push_image("unsigned");
    assert_fails(
        &peers.ocitrust(&keys, &[&verify[..], &[unsigned.as_str()]].concat()),
        10,
        "no signatures found",
    );
    let other_keys = peers.dir("other-keys");
    generate_key_pair_in(&other_keys, "");
    let other_pub = other_keys.join("cosign.pub");
    assert_fails(
        &peers.ocitrust(
            &keys,
            &[
                "verify",
                "--key",
                other_pub.to_str().unwrap(),
                "--insecure-ignore-tlog",
                &reference,
            ],
        ),
        12,
        "no matching signatures",
    );
    let missing = format!("{}/direct:nope", peers.registry.address);
    assert_fails(
        &peers.ocitrust(&keys, &[&verify[..], &[missing.as_str()]].concat()),
        1,
        "no such manifest",
    );
}

#[test]
fn basic_auth_from_docker_config_or_flags() {
    let peers = Peers::with_basic_auth("registry-basic-auth", "alice", "s3cr3t");
    let reference = peers.push_image("private");
    let keys = peers.dir("keys");
    cosign_sign(&peers, &keys, &reference);
    let verify = ["verify", "--key", "cosign.pub", "--insecure-ignore-tlog"];

    // Credentials from the Docker config.json in HOME, as cosign finds them.
    ok(
        peers.ocitrust(&keys, &[&verify[..], &[reference.as_str()]].concat()),
        "verify with config.json",
    );
    assert_cosign_v3_bundle_verifies(&peers, "private-v3");

    // Without any credentials, and with wrong ones: refused, never "no signatures".
    let bare = |args: &[&str]| {
        ocitrust_in(
            &keys,
            args,
            &[
                ("HOME", keys.to_str().unwrap()),
                ("DOCKER_CONFIG", keys.to_str().unwrap()),
            ],
        )
    };
    assert_fails(&bare(&[&verify[..], &[reference.as_str()]].concat()), 1, "401");
    assert_fails(
        &bare(
            &[
                &verify[..],
                &[
                    "--registry-username",
                    "alice",
                    "--registry-password",
                    "wrong",
                    reference.as_str(),
                ],
            ]
            .concat(),
        ),
        1,
        "user \"alice\"",
    );
    ok(
        bare(
            &[
                &verify[..],
                &[
                    "--registry-username",
                    "alice",
                    "--registry-password",
                    "s3cr3t",
                    reference.as_str(),
                ],
            ]
            .concat(),
        ),
        "verify with --registry-username/--registry-password",
    );
    assert_fails(
        &bare(&[&verify[..], &["--registry-username", "alice", reference.as_str()]].concat()),
        1,
        "registry-password",
    );

    // A credential helper named in config.json's credHelpers, found on PATH, as Docker runs it.
    let helper_dir = peers.dir("helper");
    let bin = helper_dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("docker-credential-ocitrust-test");
    std::fs::write(
        &script,
        "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\necho \"$server\" > \"$(dirname \"$0\")/asked\"\necho '{\"Username\":\"alice\",\"Secret\":\"s3cr3t\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = serde_json::json!({"credHelpers": {peers.registry.address.clone(): "ocitrust-test"}});
    std::fs::write(helper_dir.join("config.json"), config.to_string()).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    ok(
        ocitrust_in(
            &keys,
            &[&verify[..], &[reference.as_str()]].concat(),
            &[("DOCKER_CONFIG", helper_dir.to_str().unwrap()), ("PATH", &path)],
        ),
        "verify with a credential helper",
    );
    assert_eq!(
        std::fs::read_to_string(bin.join("asked")).unwrap().trim(),
        peers.registry.address,
        "the helper is asked for this registry"
    );
}

#[test]
fn ocitrust_signs_in_the_registry_cosign_verifies() {
    let peers = Peers::with_basic_auth("registry-sign", "bob", "pa55");
    let reference = peers.push_image("signed-by-ocitrust");
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    let sign = |extra: &[&str]| {
        let mut args = vec!["sign", "--key", "cosign.key"];
        args.extend_from_slice(extra);
        args.push(&reference);
        let home = peers.work.to_str().unwrap();
        ocitrust_in(
            &keys,
            &args,
            &[
                ("HOME", home),
                ("DOCKER_CONFIG", &format!("{home}/.docker")),
                ("COSIGN_PASSWORD", ""),
            ],
        )
    };
    let out = ok(sign(&["-a", "by=ocitrust"]), "ocitrust sign into the registry");
    let digest = peers.digest(&reference);
    assert!(
        stderr(&out).contains(&digest),
        "the tag warning names the signed digest: {}",
        stderr(&out)
    );
    // A second signature is appended to the same signature manifest, as cosign does.
    ok(sign(&["-a", "round=2"]), "ocitrust sign again");

    for annotation in ["by=ocitrust", "round=2"] {
        ok(
            peers.cosign(
                &[
                    "verify",
                    "--key",
                    "cosign.pub",
                    "--insecure-ignore-tlog",
                    "-a",
                    annotation,
                    &reference,
                ],
                &keys,
                "",
            ),
            "cosign verify of ocitrust's registry signature",
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
                &reference,
            ],
        ),
        "ocitrust verify of its own registry signature",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["signatures"].as_array().unwrap().len(), 2);

    // Without credentials the registry refuses the push, and nothing is signed.
    let refused = ocitrust_in(
        &keys,
        &[
            "sign",
            "--key",
            "cosign.key",
            &format!("{}/unsigned-elsewhere:v1", peers.registry.address),
        ],
        &[
            ("HOME", keys.to_str().unwrap()),
            ("DOCKER_CONFIG", keys.to_str().unwrap()),
            ("COSIGN_PASSWORD", ""),
        ],
    );
    assert_fails(&refused, 1, "401");
}

#[test]
fn tree_lists_what_cosign_attached() {
    let peers = Peers::new("registry-tree");
    let reference = peers.push_image("tree");
    let keys = peers.dir("keys");
    let bare = ok(
        peers.ocitrust(&keys, &["tree", &reference]),
        "tree of an unsigned image",
    );
    assert!(
        stdout(&bare).starts_with("No Supply Chain Security Related Artifacts found"),
        "{}",
        stdout(&bare)
    );

    cosign_sign(&peers, &keys, &reference);
    ok(
        peers.cosign(
            &[
                "sign",
                "--key",
                "cosign.key",
                "--tlog-upload=false",
                "-y",
                "-a",
                "second=yes",
                &reference,
            ],
            &keys,
            "cpw",
        ),
        "cosign sign (second signature)",
    );
    let digest = peers.digest(&reference);
    for kind in ["signature", "attestation", "digest"] {
        let triangulated = ok(
            peers.ocitrust(&keys, &["triangulate", "--type", kind, &reference]),
            "triangulate a tag",
        );
        let theirs = ok(
            peers.cosign(&["triangulate", "--type", kind, &reference], &keys, ""),
            "cosign triangulate",
        );
        assert_eq!(
            stdout(&triangulated),
            stdout(&theirs),
            "--type {kind}: the same as cosign"
        );
    }
    let out = ok(peers.ocitrust(&keys, &["tree", &reference]), "tree of a signed image");
    let text = stdout(&out);
    let sig_tag = format!("{}/tree:sha256-{}.sig", peers.registry.address, &digest[7..]);
    assert!(
        text.contains(&format!("🔐 Signatures for an image tag: {sig_tag}")),
        "{text}"
    );
    assert_eq!(text.matches("🍒 sha256:").count(), 2, "two signature layers: {text}");
    assert!(!text.contains("Referrers"), "docker-registry has no referrers: {text}");
}

/// Writes an OCI layout holding one Helm chart, as `helm push` stores charts: its own config and
/// layer media types. Returns the layout directory.
fn helm_chart_layout(dir: &Path) -> PathBuf {
    let layout = dir.join("helm-layout");
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = sha256_hex(bytes);
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let (config, config_size) = put(br#"{"name":"demo","version":"0.1.0","apiVersion":"v2"}"#);
    let (chart, chart_size) = put(b"not really a tarball, but the registry does not care");
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": chart, "size": chart_size}],
    })
    .to_string();
    let (manifest_digest, manifest_size) = put(manifest.as_bytes());
    std::fs::write(layout.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest_size,
        "annotations": {"org.opencontainers.image.ref.name": "0.1.0"}}]});
    std::fs::write(layout.join("index.json"), index.to_string()).unwrap();
    layout
}

/// SHA-256 in hex through the system's `sha256sum`, so the test needs no hashing crate.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("running sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn any_oci_artifact_verifies_like_an_image_a_helm_chart() {
    let peers = Peers::new("registry-helm");
    let layout = helm_chart_layout(&peers.work);
    let keys = peers.dir("keys");

    // In a layout: ocitrust signs and verifies the chart.
    let layout_ref = format!("oci:{}:0.1.0", layout.display());
    generate_key_pair_in(&keys, "");
    ok(
        ocitrust_in(
            &keys,
            &["sign", "--key", "cosign.key", &layout_ref],
            &[("COSIGN_PASSWORD", "")],
        ),
        "sign the chart layout",
    );
    ok(
        ocitrust_in(
            &keys,
            &["verify", "--key", "cosign.pub", "--insecure-ignore-tlog", &layout_ref],
            &[],
        ),
        "verify the chart layout",
    );

    // In a registry: cosign signs the pushed chart, ocitrust verifies it.
    let reference = format!("{}/charts/demo:0.1.0", peers.registry.address);
    let fresh = helm_chart_layout(&peers.dir("fresh"));
    ok(
        run(
            &peers.crane,
            &["push", "--insecure", fresh.to_str().unwrap(), &reference],
            &peers.work,
            &[],
        ),
        "crane push of the chart",
    );
    let cosign_keys = peers.dir("cosign-keys");
    cosign_sign(&peers, &cosign_keys, &reference);
    ok(
        peers.ocitrust(
            &cosign_keys,
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "-a",
                "from=cosign",
                &reference,
            ],
        ),
        "verify the chart in the registry",
    );
}

#[test]
fn bearer_tokens_from_a_real_token_server() {
    let peers = Peers::with_token_auth("registry-token-auth", "carol", "t0ken-pw");
    let reference = peers.push_image("tokens");
    let keys = peers.dir("keys");
    cosign_sign(&peers, &keys, &reference);
    let verify = [
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "-a",
        "from=cosign",
    ];
    // Credentials from config.json are sent to the token endpoint; the token to the registry.
    let out = ok(
        peers.ocitrust(&keys, &[&verify[..], &[reference.as_str()]].concat()),
        "verify with tokens",
    );
    assert!(stderr(&out).contains("is a tag"), "{}", stderr(&out));
    assert_cosign_v3_bundle_verifies(&peers, "tokens-v3");
    // ocitrust signs through the same flow (a push scope), and cosign accepts the result.
    let home = peers.work.to_str().unwrap();
    ok(
        ocitrust_in(
            &keys,
            &["sign", "--key", "cosign.key", "-a", "by=ocitrust", &reference],
            &[
                ("HOME", home),
                ("DOCKER_CONFIG", &format!("{home}/.docker")),
                ("COSIGN_PASSWORD", "cpw"),
            ],
        ),
        "ocitrust sign with tokens",
    );
    ok(
        peers.cosign(
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "-a",
                "by=ocitrust",
                &reference,
            ],
            &keys,
            "",
        ),
        "cosign verify of ocitrust's signature",
    );
    // Wrong credentials: the token endpoint refuses, and that is what the error says.
    let bare = ocitrust_in(
        &keys,
        &[
            &verify[..],
            &[
                "--registry-username",
                "carol",
                "--registry-password",
                "wrong",
                reference.as_str(),
            ],
        ]
        .concat(),
        &[
            ("HOME", keys.to_str().unwrap()),
            ("DOCKER_CONFIG", keys.to_str().unwrap()),
        ],
    );
    assert_fails(&bare, 1, "token endpoint");
}

#[test]
fn a_platform_manifest_in_a_registry_is_verified_through_the_index_cosign_signed() {
    let peers = Peers::new("registry-index");
    let image = peers.push_image("multi");
    let index = format!("{}/multi:index", peers.registry.address);
    ok(
        run(
            &peers.crane,
            &["index", "append", "--insecure", "-m", &image, "-t", &index],
            &peers.work,
            &[],
        ),
        "crane index append",
    );
    let keys = peers.dir("keys");
    cosign_sign(&peers, &keys, &index);
    let index_digest = peers.digest(&index);
    let image_digest = peers.digest(&image);
    let verify = [
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "--platform",
        "linux/amd64",
    ];

    let out = ok(
        peers.ocitrust(&keys, &[&verify[..], &["-o", "verdict", index.as_str()]].concat()),
        "verify the amd64 manifest through the signed index",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["subject"]["digest"], image_digest.as_str());
    assert_eq!(verdict["subject"]["index_digest"], index_digest.as_str());
    assert_eq!(verdict["verified_through_index"], index_digest.as_str());
    assert!(
        stderr(&out).contains("verified through the signed index"),
        "{}",
        stderr(&out)
    );

    assert_fails(
        &peers.ocitrust(
            &keys,
            &[&verify[..], &["--require-platform-signature", index.as_str()]].concat(),
        ),
        10,
        "no signatures found",
    );
}

/// Signs `pinned` with cosign v3 and the key in `keys` (made by `generate_key_pair_in`), adding
/// `annotations` (`-a k=v` each), with the peers' Docker config. cosign v3 refuses
/// `--tlog-upload=false`; a signing config with no transparency log is its offline way.
fn cosign_v3_sign(peers: &Peers, keys: &Path, pinned: &str, annotations: &[&str]) {
    let cosign_v3 = tool("OCITRUST_COSIGN_V3");
    if !keys.join("signing-config.json").exists() {
        ok(
            run(
                &cosign_v3,
                &["signing-config", "create", "--out", "signing-config.json"],
                keys,
                &[],
            ),
            "cosign v3 signing-config create",
        );
    }
    let mut args = vec![
        "sign",
        "--key",
        "cosign.key",
        "--signing-config",
        "signing-config.json",
        "-y",
    ];
    for annotation in annotations {
        args.extend(["-a", annotation]);
    }
    args.push(pinned);
    let docker_config = peers.work.join(".docker");
    ok(
        run(
            &cosign_v3,
            &args,
            keys,
            &[
                ("COSIGN_PASSWORD", ""),
                ("DOCKER_CONFIG", docker_config.to_str().unwrap()),
            ],
        ),
        "cosign v3 sign (a Sigstore bundle as a referrer; docker-registry stores it under the tag schema)",
    );
}

/// Pushes `repo`, signs it with cosign v3 (a bundle), and checks ocitrust verifies that bundle with
/// the peers' credentials.
fn assert_cosign_v3_bundle_verifies(peers: &Peers, repo: &str) {
    let reference = peers.push_image(repo);
    let digest = peers.digest(&reference);
    let keys = peers.dir(&format!("keys-{repo}"));
    generate_key_pair_in(&keys, "");
    cosign_v3_sign(
        peers,
        &keys,
        &format!("{}/{repo}@{digest}", peers.registry.address),
        &[],
    );
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
                &reference,
            ],
        ),
        "ocitrust verify of a cosign v3 bundle",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["trusted"], true, "{verdict}");
    assert_eq!(verdict["signatures"][0]["kind"], "sigstore-bundle", "{verdict}");
}

/// `cosign verify` v3 with the key in `keys`, offline.
fn cosign_v3_verify(peers: &Peers, keys: &Path, args: &[&str]) -> Output {
    let home = peers.work.to_str().unwrap();
    run(
        &tool("OCITRUST_COSIGN_V3"),
        &[&["verify", "--key", "cosign.pub", "--insecure-ignore-tlog"][..], args].concat(),
        keys,
        &[("HOME", home)],
    )
}

#[test]
fn cosign_v3_bundles_attached_as_referrers_verify_with_a_key() {
    let peers = Peers::new("registry-cosign-v3");
    let reference = peers.push_image("v3");
    let digest = peers.digest(&reference);
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    let pinned = format!("{}@{digest}", reference.trim_end_matches(":v1"));
    cosign_v3_sign(&peers, &keys, &pinned, &["team=v3"]);
    let verify = ["verify", "--key", "cosign.pub", "--insecure-ignore-tlog"];
    let out = ok(
        peers.ocitrust(
            &keys,
            &[&verify[..], &["-a", "team=v3", "-o", "verdict", reference.as_str()]].concat(),
        ),
        "ocitrust verify of a cosign v3 bundle",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["trusted"], true);
    assert_eq!(verdict["signatures"][0]["kind"], "sigstore-bundle");
    assert_eq!(verdict["subject"]["digest"], digest.as_str());

    // What is printed is cosign v3's own output, byte for byte: a simple-signing payload it makes from
    // the bundle's statement, naming the reference as given (tag or digest).
    for (target, format) in [(&reference, "json"), (&pinned, "json"), (&pinned, "text")] {
        let ours = ok(
            peers.ocitrust(&keys, &[&verify[..], &["-o", format, target.as_str()]].concat()),
            "ocitrust verify -o",
        );
        let theirs = ok(
            cosign_v3_verify(&peers, &keys, &["-o", format, target.as_str()]),
            "cosign v3 verify -o",
        );
        assert_eq!(stdout(&ours), stdout(&theirs), "{target} -o {format}");
        assert!(
            stdout(&ours).contains(r#""optional":{"team":"v3"}"#),
            "{}",
            stdout(&ours)
        );
    }

    assert_fails(
        &peers.ocitrust(
            &keys,
            &[&verify[..], &["-a", "team=other", reference.as_str()]].concat(),
        ),
        12,
        "missing or incorrect annotation",
    );
    assert_fails(
        &peers.ocitrust(&keys, &["verify", "--key", "cosign.pub", &reference]),
        12,
        "no transparency-log entry",
    );
    let tree = ok(peers.ocitrust(&keys, &["tree", &reference]), "tree");
    assert!(
        stdout(&tree).contains("application/vnd.dev.sigstore.bundle.v0.3+json"),
        "{}",
        stdout(&tree)
    );
    assert!(stdout(&tree).contains("referrers tag schema"), "{}", stdout(&tree));

    // Offline: the image and its bundle pulled into an OCI layout (crane lists the bundle manifest in
    // index.json, untagged) verify from disk, and a tampered bundle is refused.
    let fallback_index = stdout(&ok(
        run(
            &peers.crane,
            &[
                "manifest",
                "--insecure",
                &format!("{}:sha256-{}", reference.trim_end_matches(":v1"), &digest[7..]),
            ],
            &peers.work,
            &[],
        ),
        "crane manifest of the referrers tag schema",
    ));
    let fallback_index: serde_json::Value = serde_json::from_str(&fallback_index).unwrap();
    let bundle_manifest = fallback_index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let layout = peers.work.join("v3-layout");
    let bundle_ref = format!("{}@{bundle_manifest}", reference.trim_end_matches(":v1"));
    ok(
        run(
            &peers.crane,
            &[
                "pull",
                "--insecure",
                "--format",
                "oci",
                &reference,
                &bundle_ref,
                layout.to_str().unwrap(),
            ],
            &peers.work,
            &[],
        ),
        "crane pull into a layout",
    );
    let oci = format!("oci:{}", layout.display());
    let out = ok(
        peers.ocitrust(
            &keys,
            &[&verify[..], &["-a", "team=v3", "-o", "verdict", oci.as_str()]].concat(),
        ),
        "verify the bundle in a layout",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["signatures"][0]["kind"], "sigstore-bundle", "{verdict}");
    assert_eq!(verdict["subject"]["digest"], digest.as_str());
    let bundle_layer = read_blob_json(&layout, &bundle_manifest)["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let blob = blob_path(&layout, &bundle_layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    assert_fails(
        &peers.ocitrust(&keys, &[&verify[..], &[oci.as_str()]].concat()),
        12,
        "digest mismatch",
    );
}

/// The outcome of the check `name` of the first signature of `verdict`.
fn check_outcome(verdict: &serde_json::Value, name: &str) -> serde_json::Value {
    verdict["signatures"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {verdict}"))["outcome"]
        .clone()
}

#[test]
fn cosign_v3_timestamps_from_an_openssl_tsa_verify_on_blobs_and_images() {
    let peers = Peers::new("registry-cosign-v3-openssl-tsa");
    let tsa = Tsa::start(&peers.work);
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    let cosign_v3 = tool("OCITRUST_COSIGN_V3");
    let tsa_service = format!(
        "url={},api-version=1,start-time=2024-01-01T00:00:00Z,operator=ocitrust-tests",
        tsa.url
    );
    ok(
        run(
            &cosign_v3,
            &[
                "signing-config",
                "create",
                "--tsa",
                &tsa_service,
                "--tsa-config",
                "ANY",
                "--out",
                "signing-config.json",
            ],
            &keys,
            &[],
        ),
        "cosign v3 signing-config create with the OpenSSL TSA",
    );
    std::fs::write(
        keys.join("trusted_root.json"),
        Tsa::trusted_root_json(&["tsa.pem", "tsa-root.pem"]),
    )
    .unwrap();
    // Another timestamp authority: the notation test CA in the TSA's place.
    std::fs::write(keys.join("other_root.json"), Tsa::trusted_root_json(&["root.pem"])).unwrap();

    // A blob: cosign v3's bundle carries the OpenSSL token (the signer's certificate in it twice).
    std::fs::write(keys.join("blob.txt"), b"a blob stamped by OpenSSL").unwrap();
    std::fs::write(keys.join("other.txt"), b"another blob").unwrap();
    ok(
        run(
            &cosign_v3,
            &[
                "sign-blob",
                "--key",
                "cosign.key",
                "--signing-config",
                "signing-config.json",
                "--bundle",
                "blob.sigstore.json",
                "-y",
                "blob.txt",
            ],
            &keys,
            &[("COSIGN_PASSWORD", "")],
        ),
        "cosign v3 sign-blob with an OpenSSL timestamp",
    );
    ok(
        run(
            &cosign_v3,
            &[
                "verify-blob",
                "--key",
                "cosign.pub",
                "--bundle",
                "blob.sigstore.json",
                "--trusted-root",
                "trusted_root.json",
                "--insecure-ignore-tlog",
                "blob.txt",
            ],
            &keys,
            &[],
        ),
        "cosign v3 verify-blob of its own bundle",
    );
    let verify_blob = |root: &str, blob: &str| {
        peers.ocitrust(
            &keys,
            &[
                "verify-blob",
                "--key",
                "cosign.pub",
                "--bundle",
                "blob.sigstore.json",
                "--trusted-root",
                root,
                "--insecure-ignore-tlog",
                "-o",
                "verdict",
                blob,
            ],
        )
    };
    let verdict = stdout_json(&ok(
        verify_blob("trusted_root.json", "blob.txt"),
        "ocitrust verify-blob",
    ));
    assert_eq!(verdict["trusted"], true, "{verdict}");
    assert_eq!(check_outcome(&verdict, "timestamp"), "passed", "{verdict}");
    assert_fails(&verify_blob("other_root.json", "blob.txt"), 12, "RFC 3161 timestamp");
    assert_fails(&verify_blob("trusted_root.json", "other.txt"), 12, "");

    // An image: the bundle referrer cosign v3 attaches, verified from the registry.
    let reference = peers.push_image("stamped");
    let digest = peers.digest(&reference);
    let pinned = format!("{}@{digest}", reference.trim_end_matches(":v1"));
    cosign_v3_sign(&peers, &keys, &pinned, &[]);
    let verify = |root: &str| {
        peers.ocitrust(
            &keys,
            &[
                "verify",
                "--key",
                "cosign.pub",
                "--insecure-ignore-tlog",
                "--trusted-root",
                root,
                "-o",
                "verdict",
                &reference,
            ],
        )
    };
    let verdict = stdout_json(&ok(verify("trusted_root.json"), "ocitrust verify of the stamped image"));
    assert_eq!(verdict["signatures"][0]["kind"], "sigstore-bundle", "{verdict}");
    assert_eq!(check_outcome(&verdict, "timestamp"), "passed", "{verdict}");
    assert_fails(&verify("other_root.json"), 12, "RFC 3161 timestamp");
}

#[test]
fn a_platform_manifest_is_verified_through_an_index_cosign_v3_signed() {
    let peers = Peers::new("registry-index-v3");
    let image = peers.push_image("multi");
    let index = format!("{}/multi:index", peers.registry.address);
    ok(
        run(
            &peers.crane,
            &["index", "append", "--insecure", "-m", &image, "-t", &index],
            &peers.work,
            &[],
        ),
        "crane index append",
    );
    let index_digest = peers.digest(&index);
    let image_digest = peers.digest(&image);
    let keys = peers.dir("keys");
    generate_key_pair_in(&keys, "");
    cosign_v3_sign(
        &peers,
        &keys,
        &format!("{}/multi@{index_digest}", peers.registry.address),
        &[],
    );
    let verify = [
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog",
        "--platform",
        "linux/amd64",
    ];
    let out = ok(
        peers.ocitrust(&keys, &[&verify[..], &["-o", "verdict", index.as_str()]].concat()),
        "verify the amd64 manifest through the index's bundle",
    );
    let verdict = stdout_json(&out);
    assert_eq!(verdict["subject"]["digest"], image_digest.as_str());
    assert_eq!(verdict["verified_through_index"], index_digest.as_str());
    assert_eq!(verdict["signatures"][0]["kind"], "sigstore-bundle");
    assert_fails(
        &peers.ocitrust(
            &keys,
            &[&verify[..], &["--require-platform-signature", index.as_str()]].concat(),
        ),
        10,
        "no signatures found",
    );
    // The image itself carries no bundle: refused, and told so.
    assert_fails(
        &peers.ocitrust(
            &keys,
            &["verify", "--key", "cosign.pub", "--insecure-ignore-tlog", &image],
        ),
        10,
        "no signatures found",
    );
}
