//! OCI layouts in tar archives (`oci-archive:FILE[:TAG|@DIGEST]`, `oci-archive:-`): the committed
//! samples tarred by `tar` (plain and gzip) and by skopeo, through every command that reads images;
//! and hostile archives (links, devices, `..` and absolute names, duplicates, sparse files, claimed
//! sizes past the end, 100,000 entries, more bytes than may be held), each refused with its reason,
//! within the memory bound, leaving the archive untouched.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::*;

const NOTATION_DIGEST: &str = "sha256:198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524";

/// `layout` (a path under examples/, or an absolute one) tarred by GNU tar as `tar -C layout -c .`
/// into `dir`, with `flags` added.
fn tarred(dir: &Path, layout: impl AsRef<Path>, name: &str, flags: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("tar")
        .args(flags)
        .arg("-C")
        .arg(root().join("examples").join(layout.as_ref()))
        .arg("-cf")
        .arg(&out)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn archive(path: &Path) -> String {
    format!("oci-archive:{}", path.display())
}

fn verify_sample(reference: &str, input: &[u8]) -> Output {
    let key = sample_pub();
    ocitrust_with_input(
        &root(),
        &[
            "verify",
            "--key",
            key.to_str().unwrap(),
            "--insecure-ignore-tlog",
            reference,
        ],
        &[],
        input,
    )
}

fn verified_digest(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    let payload = stdout_json(out);
    payload[0]["critical"]["image"]["docker-manifest-digest"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_sample_verifies_from_plain_and_gzip_archives_and_from_standard_input() {
    let dir = scratch("archive-samples");
    let plain = tarred(&dir, "sample-image/layout", "sample.tar", &[]);
    let gzip = tarred(&dir, "sample-image/layout", "sample.tar.gz", &["-z"]);
    let expected = verified_digest(&verify_sample(&format!("oci:{}", sample_layout().display()), b""));
    for reference in [
        archive(&plain),
        archive(&gzip),
        format!("{}@{expected}", archive(&gzip)),
    ] {
        assert_eq!(
            verified_digest(&verify_sample(&reference, b"")),
            expected,
            "{reference}"
        );
    }
    for file in [&plain, &gzip] {
        let bytes = fs::read(file).unwrap();
        assert_eq!(verified_digest(&verify_sample("oci-archive:-", &bytes)), expected);
    }
    // The verdict names the archive the image was read from.
    let key = sample_pub();
    let out = ocitrust(&[
        "verify",
        "--key",
        key.to_str().unwrap(),
        "--insecure-ignore-tlog",
        "--output",
        "verdict",
        &archive(&gzip),
    ]);
    let verdict = stdout_json(&out);
    assert_eq!(verdict["subject"]["reference"], archive(&gzip), "{verdict}");
    assert_eq!(verdict["subject"]["digest"], expected.as_str(), "{verdict}");
    assert!(
        verdict["signatures"][0]["location"]
            .as_str()
            .unwrap()
            .starts_with(&gzip.display().to_string()),
        "{verdict}"
    );
}

#[test]
fn attestations_notation_and_the_policy_read_archives_too() {
    // verify-attestation: the platform's own SBOM, from a gzip archive on standard input.
    let dir = scratch("archive-commands");
    let sboms = tarred(&dir, "attestation-sample/layout-v2", "sboms.tar.gz", &["-z"]);
    let key = sample_pub();
    let out = ocitrust_with_input(
        &root(),
        &[
            "verify-attestation",
            "--key",
            key.to_str().unwrap(),
            "--insecure-ignore-tlog",
            "--type",
            "cyclonedx",
            "--platform",
            "linux/arm64",
            "oci-archive:-",
        ],
        &[],
        &fs::read(&sboms).unwrap(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected: serde_json::Value = serde_json::from_slice(
        &fs::read(root().join("examples/attestation-sample/predicates/sbom-arm64.json")).unwrap(),
    )
    .unwrap();
    let envelope: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let statement: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            envelope["payload"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(statement["predicate"], expected);

    // notation verify, by digest, as notation names the artifact (PATH@digest).
    let notation_archive = tarred(&dir, "notation-sample/layout", "notation.tar", &[]);
    let config = root().join("examples/notation-sample/notation-config");
    let reference = format!("{}@{NOTATION_DIGEST}", archive(&notation_archive));
    let out = ocitrust_in(
        &root(),
        &["notation", "verify", "--scope", "local/notation-sample", &reference],
        &[("NOTATION_CONFIG", config.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "Successfully verified signature for {}@{NOTATION_DIGEST}",
            notation_archive.display()
        )),
        "{}",
        stdout(&out)
    );

    // policy eval: an archive is in the scope oci-archive:PATH, and stdin is read once for the
    // resolution and the verification.
    let policy = dir.join("policy.yaml");
    fs::write(
        &policy,
        format!(
            "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\nauthorities:\n  vendor-key:\n    cosign: {{key: {}, tlog: ignore}}\npolicies:\n- name: archives\n  scope: [\"oci-archive:**\"]\n  signatures: {{atLeast: 1, of: [vendor-key]}}\n",
            key.display()
        ),
    )
    .unwrap();
    let sample = tarred(&dir, "sample-image/layout", "policy-sample.tar", &[]);
    for (reference, input) in [
        (archive(&sample), Vec::new()),
        ("oci-archive:-".to_owned(), fs::read(&sample).unwrap()),
    ] {
        let out = ocitrust_with_input(
            &root(),
            &["policy", "eval", "--policy", policy.to_str().unwrap(), &reference],
            &[],
            &input,
        );
        assert_eq!(out.status.code(), Some(0), "{reference}: {}", stderr(&out));
    }
    // The same archive under a policy scoped to layout directories only is not matched.
    fs::write(
        &policy,
        fs::read_to_string(&policy).unwrap().replace("oci-archive:**", "oci:**"),
    )
    .unwrap();
    let out = ocitrust(&[
        "policy",
        "eval",
        "--policy",
        policy.to_str().unwrap(),
        &archive(&sample),
    ]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no policy"), "{}", stdout(&out));
}

#[test]
fn archives_written_by_skopeo_are_read_as_skopeo_wrote_them() {
    let skopeo = std::env::var("OCITRUST_SKOPEO").expect("OCITRUST_SKOPEO (tests/tools/install.sh)");
    let dir = scratch("archive-skopeo");
    // The sample, its image and signature manifests tagged (skopeo copies from a layout by tag).
    let layout = dir.join("layout");
    fs::create_dir_all(&layout).unwrap();
    copy_dir(&sample_layout(), &layout);
    let subject = format!("sha256:{}", sample_manifest_hex());
    let sig_tag = format!("{}.sig", subject.replace(':', "-"));
    let mut index = read_index(&layout);
    for entry in index["manifests"].as_array_mut().unwrap() {
        let tag = if entry["digest"] == subject.as_str() {
            "v1"
        } else {
            sig_tag.as_str()
        };
        entry["annotations"]["org.opencontainers.image.ref.name"] = tag.into();
    }
    write_index(&layout, &index);
    let copy = |tag: &str, archive_file: &Path| {
        let status = Command::new(&skopeo)
            .args(["copy", "--preserve-digests", "--insecure-policy", "--quiet"])
            .arg(format!("oci:{}:{tag}", layout.display()))
            .arg(format!("oci-archive:{}:{tag}", archive_file.display()))
            .status()
            .unwrap();
        assert!(status.success(), "skopeo copy {tag}");
    };
    // skopeo writes one image per archive, so a signature travels in an archive of its own: the
    // image's archive resolves to the same digest and is reported unsigned, for that digest...
    let image = dir.join("image.tar");
    copy("v1", &image);
    let unsigned = verify_sample(&format!("{}:v1", archive(&image)), b"");
    assert_fails(&unsigned, 10, "no signatures found");
    let located = ocitrust(&["triangulate", &format!("{}:v1", archive(&image))]);
    assert_eq!(
        stdout(&located).trim(),
        format!("{}:{sig_tag}", archive(&image)),
        "{}",
        stderr(&located)
    );
    // ...and the signature manifest's archive holds it byte for byte (its digest kept), from a
    // file and from standard input.
    let signature = dir.join("signature.tar");
    copy(&sig_tag, &signature);
    let sig_digest = read_index(&layout)["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["digest"] != subject.as_str())
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    for (reference, input) in [
        (format!("{}:{sig_tag}", archive(&signature)), Vec::new()),
        (format!("oci-archive:-:{sig_tag}"), fs::read(&signature).unwrap()),
    ] {
        let out = ocitrust_with_input(&root(), &["triangulate", &reference], &[], &input);
        assert!(
            stdout(&out).contains(&format!("{}.sig", sig_digest.replace(':', "-"))),
            "{reference}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

/// A hostile archive of `kind` made by tests/tools/hostile_tar.py from the sample layout.
fn hostile(kind: &str, extra: &[&str]) -> PathBuf {
    let dir = scratch(&format!("archive-hostile-{kind}"));
    let out = dir.join(format!("{kind}.tar"));
    let status = Command::new("python3")
        .arg(root().join("tests/tools/hostile_tar.py"))
        .arg(kind)
        .arg(&out)
        .arg(sample_layout())
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success(), "{kind}");
    out
}

fn sample_manifest_hex() -> String {
    let index = read_index(&sample_layout());
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["kind"] == "dev.cosignproject.cosign/image")
        .map(|m| m["digest"].as_str().unwrap().trim_start_matches("sha256:").to_owned())
        .unwrap()
}

fn refused_within_bounds(archive_file: &Path, needle: &str) {
    let before = fs::read(archive_file).unwrap();
    let key = sample_pub();
    let key = key.to_str().unwrap();
    for (reference, input) in [
        (archive(archive_file), None),
        ("oci-archive:-".to_owned(), Some(archive_file)),
    ] {
        let args = ["verify", "--key", key, "--insecure-ignore-tlog", reference.as_str()];
        let (kib, out) = peak_memory(&args, input);
        assert_ne!(out.status.code(), Some(0), "{reference}");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains(needle),
            "{}: expected {needle:?} in {err}",
            archive_file.display()
        );
        assert!(kib < PEAK_MEMORY_MAX_KIB, "{}: {kib} KiB", archive_file.display());
    }
    assert_eq!(fs::read(archive_file).unwrap(), before, "the archive is only read");
}

#[test]
fn links_devices_and_names_leaving_the_layout_are_refused() {
    let manifest = sample_manifest_hex();
    refused_within_bounds(&hostile("symlink", &[&manifest]), "is a link; refused");
    refused_within_bounds(&hostile("hardlink", &[&manifest]), "is a link; refused");
    refused_within_bounds(
        &hostile("dotdot", &[]),
        "entry \"../escaped\" is absolute or leads out of the layout with ..; refused",
    );
    refused_within_bounds(
        &hostile("absolute", &[]),
        "entry \"/index.json\" is absolute or leads out of the layout with ..; refused",
    );
    refused_within_bounds(&hostile("fifo", &[]), "is a device or a FIFO; refused");
    refused_within_bounds(&hostile("device", &[]), "is a device or a FIFO; refused");
    refused_within_bounds(
        &hostile("duplicate", &[]),
        "entry \"index.json\" appears twice; refused",
    );
    refused_within_bounds(&hostile("not-tar", &[]), "is not a readable tar archive");
    let dotdot = hostile("dotdot", &[]);
    assert!(
        !dotdot.parent().unwrap().parent().unwrap().join("escaped").exists() && !root().join("../escaped").exists(),
        "nothing is unpacked"
    );
}

#[test]
fn sizes_and_counts_past_the_bounds_are_refused() {
    // GNU tar's sparse forms of a 10 GB file (old GNU and PAX), holding 4 KiB of data.
    let dir = scratch("archive-sparse");
    fs::create_dir_all(dir.join("layout")).unwrap();
    copy_dir(&sample_layout(), &dir.join("layout"));
    let sparse = dir.join("layout/blobs/sha256").join("1".repeat(64));
    let file = fs::File::create(&sparse).unwrap();
    std::io::Write::write_all(&mut &file, &[7u8; 4096]).unwrap();
    file.set_len(10 * 1000 * 1000 * 1000).unwrap();
    for (name, format) in [("gnu-sparse.tar", "--format=gnu"), ("pax-sparse.tar", "--format=pax")] {
        let out = tarred(&dir, dir.join("layout"), name, &["--sparse", format]);
        assert!(fs::metadata(&out).unwrap().len() < 1024 * 1024, "{name} holds no 10 GB");
        refused_within_bounds(&out, "is a sparse file; refused");
    }
    // A header claiming 10 GB with nothing after it: past the end of a file, an early end on a pipe.
    let huge = hostile("huge-header", &[]);
    let key = sample_pub();
    let key = key.to_str().unwrap();
    let (_, out) = peak_memory(
        &["verify", "--key", key, "--insecure-ignore-tlog", &archive(&huge)],
        None,
    );
    assert!(
        stderr(&out).contains("claims 10000000000 bytes, past the end of the archive"),
        "{}",
        stderr(&out)
    );
    let (kib, out) = peak_memory(
        &["verify", "--key", key, "--insecure-ignore-tlog", "oci-archive:-"],
        Some(&huge),
    );
    assert!(
        stderr(&out).contains("is not a readable tar archive"),
        "{}",
        stderr(&out)
    );
    assert!(kib < PEAK_MEMORY_MAX_KIB, "{kib} KiB");
    refused_within_bounds(&hostile("many", &[]), "has more than 10000 entries; refused");
    refused_within_bounds(
        &hostile("held-bytes", &[]),
        "holds more than 134217728 bytes of manifests and other small blobs; refused",
    );
}

#[test]
fn an_archive_is_never_written_to() {
    let dir = scratch("archive-unwritten");
    let plain = tarred(&dir, "sample-image/layout", "sign-target.tar", &[]);
    let before = fs::read(&plain).unwrap();
    let out = ocitrust_in(
        &root(),
        &["sign", "--key", "examples/sample-image/cosign.key", &archive(&plain)],
        &[("COSIGN_PASSWORD", "")],
    );
    assert_fails(
        &out,
        1,
        "is an archive, which is only read; unpack it into a layout directory",
    );
    assert_eq!(fs::read(&plain).unwrap(), before);
    // A tampered blob in an archive fails its digest as in a directory.
    let layout = dir.join("layout");
    fs::create_dir_all(&layout).unwrap();
    copy_dir(&sample_layout(), &layout);
    let manifest = sample_manifest_hex();
    let path = layout.join("blobs/sha256").join(&manifest);
    let mut bytes = fs::read(&path).unwrap();
    bytes[10] ^= 1;
    fs::write(&path, bytes).unwrap();
    let tampered = tarred(&dir, &layout, "tampered.tar", &[]);
    let out = verify_sample(&archive(&tampered), b"");
    assert!(
        stderr(&out).contains("digest mismatch") || stderr(&out).contains("does not match"),
        "{}",
        stderr(&out)
    );
    assert_ne!(out.status.code(), Some(0));
    // Neither a directory nor a missing file is an archive.
    assert_fails(&verify_sample(&archive(&layout), b""), 1, "is not a regular file");
    assert_fails(&verify_sample("oci-archive:/nonexistent/x.tar", b""), 1, "No such file");
}
