//! The `ocitrust` CLI end to end on OCI layouts: the sample image signed by cosign, round trips, and
//! every kind of bad input the foundation issue lists. Negative cases outnumber positive ones.

mod support;

use std::fs;
use std::process::Command;

use base64::Engine;
use serde_json::json;
use support::*;

const INSECURE: &str = "--insecure-ignore-tlog";

fn verify_args<'a>(key: &'a str, layout: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["verify", "--key", key, INSECURE];
    args.extend_from_slice(extra);
    args.push(layout);
    args
}

fn oci(path: &std::path::Path) -> String {
    format!("oci:{}", path.display())
}

// ---- positive ----

#[test]
fn sample_image_verifies_with_cosign_compatible_output() {
    let out = ocitrust(&[
        "verify",
        "--key",
        "examples/sample-image/cosign.pub",
        INSECURE,
        "oci:examples/sample-image/layout",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let subject = entry_digest(&sample_layout(), KIND_IMAGE);
    assert_eq!(
        printed[0]["critical"]["image"]["docker-manifest-digest"],
        subject.as_str()
    );
    assert_eq!(printed[0]["critical"]["type"], "cosign container image signature");
    assert_eq!(printed[0]["optional"]["org"], "ocitrust-sample");
    assert!(
        stdout(&out).starts_with("\n[{\"critical\":{\"identity\":"),
        "cosign prints a blank line, then compact JSON"
    );
    assert!(stderr(&out).contains("WARNING: Skipping tlog verification is an insecure practice"));
    assert!(stderr(&out).contains("The signatures were verified against the specified public key"));
}

#[test]
fn verdict_output_lists_checks_and_records_the_insecure_opt_in() {
    let out = ocitrust(&[
        "verify",
        "--key",
        "examples/sample-image/cosign.pub",
        INSECURE,
        "-o",
        "verdict",
        "oci:examples/sample-image/layout",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    assert_eq!(verdict["trusted"], true);
    assert_eq!(verdict["insecure"], json!(["insecure-ignore-tlog"]));
    let checks = verdict["signatures"][0]["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["integrity", "tlog", "signature", "claims"]);
    assert_eq!(checks[1]["outcome"], "skipped-insecure");
}

#[test]
fn generate_sign_verify_round_trip_with_annotations() {
    let dir = scratch("roundtrip");
    let layout = sample_copy("roundtrip-layout");
    let pw = [("COSIGN_PASSWORD", "s3cret")];
    let out = ocitrust_in(&dir, &["generate-key-pair"], &pw);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(fs::read_to_string(dir.join("cosign.key"))
        .unwrap()
        .starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
    let out = ocitrust_in(
        &dir,
        &["sign", "--key", "cosign.key", "-a", "env=prod", &oci(&layout)],
        &pw,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = ocitrust_in(
        &dir,
        &verify_args("cosign.pub", &oci(&layout), &["-a", "env=prod"]),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(r#""optional":{"env":"prod"}"#));
    // The cosign-made signature is still there and still verifies with its own key.
    let out = ocitrust(&verify_args(
        "examples/sample-image/cosign.pub",
        &oci(&layout),
        &["-a", "org=ocitrust-sample"],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn triangulate_names_the_signature_tag() {
    let out = ocitrust(&["triangulate", "oci:examples/sample-image/layout"]);
    let subject = entry_digest(&sample_layout(), KIND_IMAGE);
    assert_eq!(
        stdout(&out).trim(),
        format!("oci:examples/sample-image/layout:sha256-{}.sig", &subject[7..])
    );
    let d = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let out = ocitrust(&["triangulate", &format!("ghcr.io/org/app@{d}")]);
    assert_eq!(stdout(&out).trim(), format!("ghcr.io/org/app:sha256-{}.sig", &d[7..]));
    let out = ocitrust(&["triangulate", "--type", "sbom", &format!("ghcr.io/org/app@{d}")]);
    assert_eq!(stdout(&out).trim(), format!("ghcr.io/org/app:sha256-{}.sbom", &d[7..]));
    let out = ocitrust(&[
        "triangulate",
        "--type",
        "attestation",
        "--signature-repository",
        "ghcr.io/org/sigs",
        &format!("ghcr.io/org/app@{d}"),
    ]);
    assert_eq!(stdout(&out).trim(), format!("ghcr.io/org/sigs:sha256-{}.att", &d[7..]));
    assert_fails(
        &ocitrust(&["triangulate", "--type", "blob", "oci:x"]),
        1,
        "invalid type",
    );
}

/// A copy of the sample made multi-arch: tag `multi` is an index of the signed sample image
/// (linux/amd64) and an unsigned manifest (linux/arm64/v8). With `keep_amd64_signature` the sample's
/// signature stays at the amd64 manifest's tag-scheme tag. Returns the layout and the index digest.
fn multiarch_copy(name: &str, keep_amd64_signature: bool) -> (std::path::PathBuf, String) {
    let layout = sample_copy(name);
    let image = entry_digest(&layout, KIND_IMAGE);
    let image_size = fs::metadata(blob_path(&layout, &image)).unwrap().len();
    let other = write_blob(&layout, br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#);
    let index = json!({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":image,"size":image_size,"platform":{"os":"linux","architecture":"amd64"}},
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":other,"size":10,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]});
    let index_bytes = serde_json::to_vec(&index).unwrap();
    let index_digest = write_blob(&layout, &index_bytes);
    let mut manifests = vec![
        json!({"mediaType":"application/vnd.oci.image.index.v1+json","digest":index_digest,"size":index_bytes.len(),"annotations":{"org.opencontainers.image.ref.name":"multi"}}),
    ];
    if keep_amd64_signature {
        let sigs = entry_digest(&layout, KIND_SIGS);
        let sigs_size = fs::metadata(blob_path(&layout, &sigs)).unwrap().len();
        manifests.push(json!({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":sigs,"size":sigs_size,"annotations":{"org.opencontainers.image.ref.name":format!("sha256-{}.sig", &image[7..])}}));
    }
    write_index(&layout, &json!({"schemaVersion":2,"manifests":manifests}));
    (layout, index_digest)
}

#[test]
fn platform_selects_the_signed_manifest_of_an_index() {
    let (layout, index_digest) = multiarch_copy("platform", true);
    let tagged = format!("{}:multi", oci(&layout));
    let out = ocitrust(&verify_args(
        "examples/sample-image/cosign.pub",
        &tagged,
        &["--platform", "linux/amd64", "-o", "verdict"],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    assert_eq!(verdict["subject"]["platform"], "linux/amd64");
    assert_eq!(verdict["subject"]["index_digest"], index_digest.as_str());
    assert!(verdict.get("verified_through_index").is_none(), "signed itself");
    // The arm64 manifest has no signature; the index itself neither.
    assert_fails(
        &ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            &tagged,
            &["--platform", "linux/arm64"],
        )),
        10,
        "no signatures found",
    );
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &tagged, &[])),
        10,
        "no signatures found",
    );
    assert_fails(
        &ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            &tagged,
            &["--platform", "windows/amd64"],
        )),
        1,
        "no manifest for platform windows/amd64",
    );
}

#[test]
fn a_platform_manifest_is_verified_through_its_signed_index() {
    let (layout, index_digest) = multiarch_copy("through-index", false);
    let tagged = format!("{}:multi", oci(&layout));
    // Sign the index only, as most publishers do.
    let out = ocitrust_in(
        &root(),
        &["sign", "--key", "examples/sample-image/cosign.key", &tagged],
        &[("COSIGN_PASSWORD", "")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for platform in ["linux/amd64", "linux/arm64/v8"] {
        let out = ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            &tagged,
            &["--platform", platform, "-o", "verdict"],
        ));
        assert_eq!(out.status.code(), Some(0), "{platform}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("verified through the signed index {index_digest}")),
            "{}",
            stderr(&out)
        );
        let verdict = stdout_json(&out);
        assert_eq!(verdict["verified_through_index"], index_digest.as_str());
        assert_eq!(verdict["subject"]["platform"], platform);
    }
    // Demanding the platform manifest's own signature: there is none.
    assert_fails(
        &ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            &tagged,
            &["--platform", "linux/amd64", "--require-platform-signature"],
        )),
        10,
        "no signatures found",
    );
    // Another key signed nothing here: neither the manifest nor the index verifies.
    let keys = scratch("through-index-keys");
    generate_key_pair_in(&keys, "");
    let other = keys.join("cosign.pub");
    assert_fails(
        &ocitrust(&verify_args(
            other.to_str().unwrap(),
            &tagged,
            &["--platform", "linux/amd64"],
        )),
        12,
        "no matching signatures",
    );
    assert_fails(
        &ocitrust(&["verify", "--key", "k", "--require-platform-signature", "oci:x"]),
        1,
        "--platform",
    );
}

// ---- negative ----

#[test]
fn without_tlog_opt_out_verification_fails_as_cosign_would() {
    let out = ocitrust(&[
        "verify",
        "--key",
        "examples/sample-image/cosign.pub",
        "oci:examples/sample-image/layout",
    ]);
    assert_fails(&out, 12, "no matching signatures");
    assert!(stderr(&out).contains("--insecure-ignore-tlog"));
    assert!(stdout(&out).is_empty());
}

#[test]
fn tampered_payload_is_rejected() {
    let layout = sample_copy("tampered-payload");
    let sigs = read_blob_json(&layout, &entry_digest(&layout, KIND_SIGS));
    let payload = blob_path(&layout, sigs["layers"][0]["digest"].as_str().unwrap());
    let text = fs::read_to_string(&payload)
        .unwrap()
        .replace("ocitrust-sample", "ocitrust-sampl3");
    fs::write(&payload, text).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        12,
        "digest mismatch",
    );
}

#[test]
fn tampered_subject_manifest_is_rejected() {
    let layout = sample_copy("tampered-manifest");
    let manifest = blob_path(&layout, &entry_digest(&layout, KIND_IMAGE));
    let mut bytes = fs::read(&manifest).unwrap();
    bytes.push(b'\n');
    fs::write(&manifest, bytes).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        1,
        "digest mismatch",
    );
}

#[test]
fn wrong_key_is_rejected() {
    let dir = scratch("wrong-key");
    generate_key_pair_in(&dir, "");
    let key = dir.join("cosign.pub");
    let out = ocitrust(&verify_args(
        key.to_str().unwrap(),
        "oci:examples/sample-image/layout",
        &[],
    ));
    assert_fails(&out, 12, "invalid signature");
}

#[test]
fn signature_for_another_digest_is_rejected() {
    let layout = sample_copy("other-digest");
    // Point the sample's signatures at a different image: the claim names the sample's digest.
    let other = write_blob(&layout, br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#);
    let mut index = read_index(&layout);
    for m in index["manifests"].as_array_mut().unwrap() {
        if m["annotations"]["kind"] == KIND_IMAGE {
            m["digest"] = json!(other);
            m["size"] = json!(fs::metadata(blob_path(&layout, &other)).unwrap().len());
        }
    }
    write_index(&layout, &index);
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        12,
        "invalid or missing digest in claim: sha256:",
    );
}

#[test]
fn constraint_satisfied_only_by_another_layer_is_rejected() {
    // A stranger signs with env=prod; the trusted key's (cosign) layer has no env annotation.
    let dir = scratch("other-layer");
    let layout = sample_copy("other-layer-layout");
    generate_key_pair_in(&dir, "");
    let out = ocitrust_in(
        &dir,
        &["sign", "--key", "cosign.key", "-a", "env=prod", &oci(&layout)],
        &[("COSIGN_PASSWORD", "")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = ocitrust(&verify_args(
        "examples/sample-image/cosign.pub",
        &oci(&layout),
        &["-a", "env=prod", "-o", "verdict"],
    ));
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    let sigs = verdict["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s["verified"] == false));
}

#[test]
fn missing_signature_manifest_means_no_signatures() {
    let layout = sample_copy("no-sigs");
    let mut index = read_index(&layout);
    index["manifests"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["annotations"]["kind"] != KIND_SIGS);
    write_index(&layout, &index);
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        10,
        "no signatures found",
    );
}

#[test]
fn empty_signature_manifest_means_no_signatures() {
    let layout = sample_copy("empty-sigs");
    let sigs_digest = entry_digest(&layout, KIND_SIGS);
    let mut sigs = read_blob_json(&layout, &sigs_digest);
    sigs["layers"] = json!([]);
    let bytes = serde_json::to_vec(&sigs).unwrap();
    let new = write_blob(&layout, &bytes);
    let mut index = read_index(&layout);
    for m in index["manifests"].as_array_mut().unwrap() {
        if m["digest"] == sigs_digest.as_str() {
            m["digest"] = json!(new);
            m["size"] = json!(bytes.len());
        }
    }
    write_index(&layout, &index);
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        10,
        "no signatures found",
    );
}

#[test]
fn malformed_public_key_is_rejected() {
    let dir = scratch("bad-pem");
    for (name, content) in [
        ("garbage.pub", &b"not a key at all"[..]),
        (
            "truncated.pub",
            b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
        ),
        (
            "cert.pub",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        ),
    ] {
        fs::write(dir.join(name), content).unwrap();
        let out = ocitrust(&verify_args(
            dir.join(name).to_str().unwrap(),
            "oci:examples/sample-image/layout",
            &[],
        ));
        assert_fails(&out, 1, "loading public key");
    }
    assert_fails(
        &ocitrust(&verify_args(
            "/nonexistent/cosign.pub",
            "oci:examples/sample-image/layout",
            &[],
        )),
        1,
        "No such file",
    );
}

#[test]
fn wrong_password_is_rejected_and_changes_nothing() {
    let layout = sample_copy("wrong-password");
    let before = fs::read(layout.join("index.json")).unwrap();
    let out = ocitrust(&[
        "sign",
        "--key",
        "crates/ocitrust-core/tests/data/cosign-v2.key",
        &oci(&layout),
    ]);
    assert_fails(&out, 1, "COSIGN_PASSWORD is not set");
    let out = ocitrust_in(
        &root(),
        &[
            "sign",
            "--key",
            "crates/ocitrust-core/tests/data/cosign-v2.key",
            &oci(&layout),
        ],
        &[("COSIGN_PASSWORD", "wrong")],
    );
    assert_fails(&out, 1, "decryption failed");
    assert_eq!(fs::read(layout.join("index.json")).unwrap(), before);
}

#[test]
fn unsupported_scrypt_parameters_are_rejected() {
    let dir = scratch("scrypt");
    let body = r#"{"kdf":{"name":"scrypt","params":{"N":1048576,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"}"#;
    let pem = format!(
        "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(body)
    );
    fs::write(dir.join("k.key"), pem).unwrap();
    let layout = sample_copy("scrypt-layout");
    let out = ocitrust_in(
        &dir,
        &["sign", "--key", "k.key", &oci(&layout)],
        &[("COSIGN_PASSWORD", "")],
    );
    assert_fails(&out, 1, "unsupported scrypt parameters");
}

#[test]
fn truncated_and_huge_json_are_rejected() {
    let layout = sample_copy("truncated");
    let index = fs::read(layout.join("index.json")).unwrap();
    fs::write(layout.join("index.json"), &index[..index.len() / 2]).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        1,
        "malformed JSON",
    );

    let layout = sample_copy("huge");
    let mut huge = b"{\"manifests\":[], \"pad\":\"".to_vec();
    huge.resize(5 * 1024 * 1024, b'a');
    huge.extend_from_slice(b"\"}");
    fs::write(layout.join("index.json"), huge).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        1,
        "larger than the limit",
    );

    // A truncated signature manifest: its digest no longer matches.
    let layout = sample_copy("truncated-sigs");
    let sigs = blob_path(&layout, &entry_digest(&layout, KIND_SIGS));
    let bytes = fs::read(&sigs).unwrap();
    fs::write(&sigs, &bytes[..bytes.len() - 5]).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        1,
        "digest mismatch",
    );
}

#[test]
fn invalid_references_are_rejected() {
    for (reference, needle) in [
        ("Alpine", "must be lowercase"),
        ("oci:", "empty path"),
        (
            "oci:examples/sample-image/layout@sha256:123",
            "invalid layout reference",
        ),
        ("oci:examples/sample-image/layout:bad tag!", "invalid tag"),
        ("registry.example:notaport/app", "invalid registry"),
    ] {
        assert_fails(
            &ocitrust(&verify_args("examples/sample-image/cosign.pub", reference, &[])),
            1,
            needle,
        );
    }
    assert_fails(
        &ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            "127.0.0.1:1/org/app:1.0",
            &[],
        )),
        1,
        "127.0.0.1:1",
    );
    assert_fails(
        &ocitrust(&["verify", "--key", "k", "--platform", "linux", "oci:x"]),
        1,
        "invalid platform",
    );
    assert_fails(
        &ocitrust(&["verify", "--key", "k", "-a", "novalue", "oci:x"]),
        1,
        "expected key=value",
    );
}

#[test]
fn missing_layout_files_are_rejected() {
    let layout = sample_copy("missing-files");
    assert_fails(
        &ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            "oci:/nonexistent/layout",
            &[],
        )),
        1,
        "not an OCI image layout",
    );
    fs::remove_file(layout.join("index.json")).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        1,
        "index.json",
    );

    let layout = sample_copy("missing-blob");
    fs::remove_file(blob_path(&layout, &entry_digest(&layout, KIND_IMAGE))).unwrap();
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &oci(&layout), &[])),
        1,
        "No such file",
    );

    let layout = sample_copy("missing-tag");
    assert_fails(
        &ocitrust(&verify_args(
            "examples/sample-image/cosign.pub",
            &format!("{}:nope", oci(&layout)),
            &[],
        )),
        1,
        "no manifest tagged \"nope\"",
    );
}

#[test]
fn generate_key_pair_refuses_to_overwrite() {
    let dir = scratch("overwrite");
    generate_key_pair_in(&dir, "");
    let before = fs::read(dir.join("cosign.key")).unwrap();
    assert_fails(
        &ocitrust_in(&dir, &["generate-key-pair"], &[("COSIGN_PASSWORD", "")]),
        1,
        "already exists",
    );
    assert_eq!(fs::read(dir.join("cosign.key")).unwrap(), before);
}

/// `openssl s_server` serving `dir` over HTTPS on a free loopback port with a certificate for
/// 127.0.0.1 issued by a throwaway CA (`dir/ca.pem`); killed on drop: `openssl s_server -WWW`, or
/// with `python` Python's http.server, for paths with `:` (which s_server refuses), e.g. `sha256:…`.
struct HttpsFiles {
    port: u16,
    child: std::process::Child,
}

impl HttpsFiles {
    fn start(dir: &std::path::Path, python: bool) -> HttpsFiles {
        make_test_ca_and_server_certificate(dir);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let python_server = format!(
            "import http.server, ssl\n\
             class Files(http.server.SimpleHTTPRequestHandler):\n\
             \x20   def do_GET(self):\n\
             \x20       if self.path.startswith('/redirect-to/'):\n\
             \x20           self.send_response(302)\n\
             \x20           self.send_header('Location', self.path[len('/redirect-to/'):])\n\
             \x20           self.end_headers()\n\
             \x20       else:\n\
             \x20           super().do_GET()\n\
             server = http.server.HTTPServer(('127.0.0.1', {port}), Files)\n\
             tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
             tls.load_cert_chain('server.pem', 'server.key')\n\
             server.socket = tls.wrap_socket(server.socket, server_side=True)\n\
             server.serve_forever()\n"
        );
        let accept = format!("127.0.0.1:{port}");
        let mut command = if python {
            let mut c = std::process::Command::new("python3");
            c.args(["-c", &python_server]);
            c
        } else {
            let mut c = std::process::Command::new("openssl");
            c.args([
                "s_server",
                "-accept",
                &accept,
                "-cert",
                "server.pem",
                "-key",
                "server.key",
                "-WWW",
                "-quiet",
            ]);
            c
        };
        let child = command
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting the HTTPS file server");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        HttpsFiles { port, child }
    }
}

impl Drop for HttpsFiles {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn key_from_an_https_url_is_fetched_over_verified_tls_with_a_size_limit() {
    let dir = scratch("key-url");
    fs::copy(root().join("examples/sample-image/cosign.pub"), dir.join("cosign.pub")).unwrap();
    fs::write(dir.join("huge.pub"), vec![b'A'; 64 * 1024]).unwrap();
    let server = HttpsFiles::start(&dir, false);
    let url = |file: &str| format!("https://127.0.0.1:{}/{file}", server.port);
    let sample = format!("oci:{}", root().join("examples/sample-image/layout").display());
    let ca = dir.join("ca.pem");
    let verify = |key: &str, trust_test_ca: bool| {
        let mut env = vec![("SSL_CERT_DIR", "/nonexistent")];
        if trust_test_ca {
            env.push(("SSL_CERT_FILE", ca.to_str().unwrap()));
        }
        ocitrust_in(&root(), &["verify", "--key", key, INSECURE, &sample], &env)
    };
    let out = verify(&url("cosign.pub"), true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The same server, not trusted: the TLS handshake fails and nothing is verified.
    assert_fails(&verify(&url("cosign.pub"), false), 1, "certificate");
    assert_fails(&verify(&url("huge.pub"), true), 1, "larger than the limit");
    assert_fails(&verify(&url("missing.pub"), true), 1, "missing.pub");
    assert_fails(
        &verify(&format!("http://127.0.0.1:{}/cosign.pub", server.port), true),
        1,
        "only https:// URLs",
    );
}

#[test]
fn a_key_server_cannot_redirect_into_the_network() {
    let dir = scratch("key-url-redirects");
    fs::copy(root().join("examples/sample-image/cosign.pub"), dir.join("cosign.pub")).unwrap();
    let server = HttpsFiles::start(&dir, true);
    let sample = format!("oci:{}", root().join("examples/sample-image/layout").display());
    let ca = dir.join("ca.pem");
    let verify = |key: String| {
        let env = [
            ("SSL_CERT_DIR", "/nonexistent"),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ];
        ocitrust_in(&root(), &["verify", "--key", &key, INSECURE, &sample], &env)
    };
    let port = server.port;
    // To the host the user named: followed.
    let out = verify(format!("https://127.0.0.1:{port}/redirect-to//cosign.pub"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Elsewhere on loopback, by address or by a name that resolves there: refused.
    assert_fails(
        &verify(format!(
            "https://127.0.0.1:{port}/redirect-to/https://127.0.0.2:{port}/cosign.pub"
        )),
        1,
        "a redirect to a loopback address; refused",
    );
    assert_fails(
        &verify(format!(
            "https://127.0.0.1:{port}/redirect-to/https://localhost:{port}/cosign.pub"
        )),
        1,
        "inside a network; refused",
    );
}

#[test]
fn allow_insecure_registry_accepts_a_self_signed_tls_registry_and_says_so() {
    // A static "registry" over TLS with a certificate nobody trusts: the sample image, its signature
    // manifest at the tag-scheme tag, and the payload blob, served by openssl s_server -WWW.
    let dir = scratch("insecure-tls-registry");
    let blob = |hex: &str| fs::read(root().join("examples/sample-image/layout/blobs/sha256").join(hex)).unwrap();
    let subject = "198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524";
    let manifests = dir.join("v2/app/manifests");
    let blobs = dir.join("v2/app/blobs");
    fs::create_dir_all(&manifests).unwrap();
    fs::create_dir_all(&blobs).unwrap();
    fs::write(manifests.join(format!("sha256:{subject}")), blob(subject)).unwrap();
    fs::write(
        manifests.join(format!("sha256-{subject}.sig")),
        blob("c4efa108f49639b69a8c1d84b725731e7b1dca5b9df6f1a3ac7aace1c5b1c49f"),
    )
    .unwrap();
    let payload = "b8a819ff16fc17c716272b40b2740579062ec63236ce7fc77e85d16e809e914f";
    fs::write(blobs.join(format!("sha256:{payload}")), blob(payload)).unwrap();
    let server = HttpsFiles::start(&dir, true);
    let reference = format!("127.0.0.1:{}/app@sha256:{subject}", server.port);

    let out = ocitrust(&verify_args(
        "examples/sample-image/cosign.pub",
        &reference,
        &["--allow-insecure-registry", "-o", "verdict"],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verdict = stdout_json(&out);
    assert_eq!(
        verdict["insecure"],
        json!(["insecure-ignore-tlog", "allow-insecure-registry"])
    );

    // Without the opt-in a loopback registry is spoken to in plain HTTP, which this one is not.
    assert_fails(
        &ocitrust(&verify_args("examples/sample-image/cosign.pub", &reference, &[])),
        1,
        &format!("127.0.0.1:{}", server.port),
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    // `policy explain … | READER`, with ocitrust's exit status printed on standard error.
    let piped_into = |reader: &str| {
        let shell = format!(
            "{} policy explain --policy examples/trust-policy/policy.yaml oci:examples/sample-image/layout | {reader}; echo \"status ${{PIPESTATUS[0]}}\" >&2",
            env!("CARGO_BIN_EXE_ocitrust")
        );
        Command::new("bash")
            .arg("-c")
            .arg(&shell)
            .current_dir(root())
            .output()
            .unwrap()
    };
    // `… | head -1`: the reader closes its end after one line; the rest is not a panic.
    let out = piped_into("head -1");
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        stdout(&out).starts_with("ALLOWED oci:examples/sample-image/layout"),
        "{}",
        stdout(&out)
    );
    // 141 when the write failed, 0 when everything fit in the pipe before head closed it.
    assert!(err.contains("status 141") || err.contains("status 0"), "{err}");
    // A reader that is gone before the first byte: the same.
    let out = piped_into("true");
    let err = stderr(&out);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    assert!(err.contains("status 141"), "as a tool ended by SIGPIPE: {err}");
}
