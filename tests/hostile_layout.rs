//! OCI layouts built by an attacker: links planted where ocitrust writes, links and special files
//! where it reads, blobs sized to exhaust memory, concurrent and failing signers, and control
//! characters in what it prints. Every case must end in a clear error or a correct result, change
//! nothing outside the layout, and stay within the memory the README states.

mod support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::*;

fn oci(path: &Path) -> String {
    format!("oci:{}", path.display())
}

fn sign_env() -> [(&'static str, &'static str); 1] {
    [("COSIGN_PASSWORD", "")]
}

fn sign_sample_with(layout: &Path, env: &[(&str, &str)]) -> Output {
    ocitrust_in(
        &root(),
        &[
            "sign",
            "--key",
            "examples/sample-image/cosign.key",
            "--sign-container-identity",
            "example.com/app",
            &oci(layout),
        ],
        env,
    )
}

fn verify_sample(layout: &Path) -> Output {
    ocitrust(&[
        "verify",
        "--key",
        sample_pub().to_str().unwrap(),
        "--insecure-ignore-tlog",
        &oci(layout),
    ])
}

/// Every file below `dir` with its bytes, to compare before and after.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let bytes = fs::read(&path).unwrap();
                files.push((path, bytes));
            } else {
                files.push((
                    path.clone(),
                    fs::read_link(&path)
                        .map(|l| l.to_string_lossy().into_owned().into_bytes())
                        .unwrap_or_default(),
                ));
            }
        }
    }
    files.sort();
    files
}

/// Runs ocitrust with a time limit (a read that blocks would hang forever): the output, or a
/// failure saying it hung.
fn ocitrust_within(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocitrust"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ocitrust {args:?} still ran after {limit:?}: it blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let _ = fs::remove_file(path);
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn a_planted_temporary_file_link_is_never_written_through() {
    let layout = sample_copy("hostile-tmp-links");
    let victim = scratch("hostile-tmp-links-victim").join("victim");
    fs::write(&victim, b"precious").unwrap();
    // The names the old writer used (`index.tmp-<pid>`) for every plausible pid, and index.json
    // itself a link to a file inside the layout.
    for pid in 300..33000 {
        symlink(&victim, layout.join(format!("index.tmp-{pid}"))).unwrap();
    }
    let real = layout.join("real-index.json");
    fs::rename(layout.join("index.json"), &real).unwrap();
    symlink("real-index.json", layout.join("index.json")).unwrap();
    let before_target = fs::read(&real).unwrap();

    let out = sign_sample_with(&layout, &sign_env());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read(&victim).unwrap(), b"precious", "the victim was overwritten");
    assert_eq!(
        fs::read(&real).unwrap(),
        before_target,
        "the link's target was written through"
    );
    assert!(
        fs::symlink_metadata(layout.join("index.json")).unwrap().is_file(),
        "index.json is still a link"
    );
    let out = verify_sample(&layout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // No temporary file is left behind.
    let leftovers: Vec<_> = fs::read_dir(&layout)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_linked_blob_directory_is_refused_for_writing() {
    let layout = sample_copy("hostile-blobs-link");
    let outside = scratch("hostile-blobs-link-outside");
    // blobs/sha256 is a link to a directory elsewhere, holding the same blobs (so reads work).
    copy_dir(&layout.join("blobs/sha256"), &outside);
    fs::remove_dir_all(layout.join("blobs/sha256")).unwrap();
    symlink(&outside, layout.join("blobs/sha256")).unwrap();
    let outside_before = snapshot(&outside);
    let index_before = fs::read(layout.join("index.json")).unwrap();

    let out = sign_sample_with(&layout, &sign_env());
    assert_fails(&out, 1, "is a symbolic link");
    assert_eq!(snapshot(&outside), outside_before, "a blob landed outside the layout");
    assert_eq!(fs::read(layout.join("index.json")).unwrap(), index_before);
}

#[test]
fn special_files_and_links_out_of_the_layout_are_refused_without_blocking() {
    let limit = Duration::from_secs(20);
    let key = sample_pub();
    let verify = |layout: &Path| {
        ocitrust_within(
            &[
                "verify",
                "--key",
                key.to_str().unwrap(),
                "--insecure-ignore-tlog",
                &oci(layout),
            ],
            limit,
        )
    };
    for name in ["index.json", "oci-layout"] {
        let layout = sample_copy(&format!("hostile-fifo-{name}"));
        mkfifo(&layout.join(name));
        let out = verify(&layout);
        assert_ne!(out.status.code(), Some(0));
        assert!(
            stderr(&out).contains("is not a regular file"),
            "{name}: {}",
            stderr(&out)
        );
    }
    // The subject manifest as a FIFO, and as a link to /proc/self/fd/0.
    let subject = entry_digest(&sample_layout(), KIND_IMAGE);
    let layout = sample_copy("hostile-fifo-manifest");
    mkfifo(&blob_path(&layout, &subject));
    let out = verify(&layout);
    assert!(stderr(&out).contains("is not a regular file"), "{}", stderr(&out));
    let layout = sample_copy("hostile-stdin-manifest");
    fs::remove_file(blob_path(&layout, &subject)).unwrap();
    symlink("/proc/self/fd/0", blob_path(&layout, &subject)).unwrap();
    let out = verify(&layout);
    assert!(stderr(&out).contains("leads out of the layout"), "{}", stderr(&out));

    // The signature payload as a FIFO: that signature cannot be had, and the verdict says why.
    let signatures = read_blob_json(&sample_layout(), &entry_digest(&sample_layout(), KIND_SIGS));
    let payload = signatures["layers"][0]["digest"].as_str().unwrap().to_owned();
    let layout = sample_copy("hostile-fifo-payload");
    mkfifo(&blob_path(&layout, &payload));
    let out = verify(&layout);
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not a regular file"), "{}", stderr(&out));
}

#[test]
fn a_blob_linked_to_a_file_elsewhere_is_not_read() {
    // Were it read, the digest mismatch error would print the hash of any readable file.
    let secret = scratch("hostile-hash-oracle").join("secret");
    fs::write(&secret, b"the root password is hunter2\n").unwrap();
    let secret_digest = ocitrust::Digest::sha256(&fs::read(&secret).unwrap()).to_string();
    let subject = entry_digest(&sample_layout(), KIND_IMAGE);
    for target in [secret.clone(), PathBuf::from("/etc/passwd")] {
        let layout = sample_copy("hostile-hash-oracle-layout");
        fs::remove_file(blob_path(&layout, &subject)).unwrap();
        symlink(&target, blob_path(&layout, &subject)).unwrap();
        let out = verify_sample(&layout);
        assert_ne!(out.status.code(), Some(0));
        let err = stderr(&out);
        assert!(err.contains("leads out of the layout"), "{err}");
        assert!(
            !err.contains(&secret_digest) && !err.contains(target.to_str().unwrap()),
            "{err}"
        );
    }
    // A link that stays inside the layout is followed.
    let layout = sample_copy("hostile-inner-link");
    let moved = layout.join("moved-manifest");
    fs::rename(blob_path(&layout, &subject), &moved).unwrap();
    symlink("../../moved-manifest", blob_path(&layout, &subject)).unwrap();
    let out = verify_sample(&layout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_garbage_blob_at_the_payload_name_is_replaced() {
    // Sign once to learn the payload's digest (the payload is deterministic), then plant garbage
    // under that name in a fresh copy before signing it.
    let first = sample_copy("hostile-garbage-first");
    assert_eq!(sign_sample_with(&first, &sign_env()).status.code(), Some(0));
    let signatures = read_blob_json(&first, &entry_digest(&first, KIND_SIGS));
    let layers = signatures["layers"].as_array().unwrap();
    let payload = layers.last().unwrap()["digest"].as_str().unwrap().to_owned();

    let layout = sample_copy("hostile-garbage");
    fs::write(blob_path(&layout, &payload), b"garbage").unwrap();
    let out = sign_sample_with(&layout, &sign_env());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let bytes = fs::read(blob_path(&layout, &payload)).unwrap();
    assert_eq!(ocitrust::Digest::sha256(&bytes).to_string(), payload);
    let out = verify_sample(&layout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_failed_signing_leaves_the_layout_as_it_was() {
    // index.json padded past a file-size limit the blobs are under: the blobs are written, then
    // writing the new index fails (EFBIG, with SIGXFSZ ignored), and the blobs must go again.
    let layout = sample_copy("hostile-failed-sign");
    let mut index = read_index(&layout);
    index["annotations"] = serde_json::json!({ "padding": "x".repeat(200 * 1024) });
    write_index(&layout, &index);
    let before = snapshot(&layout);
    let script = format!(
        "trap '' XFSZ; ulimit -f 100; exec {} sign --key examples/sample-image/cosign.key --sign-container-identity example.com/app {}",
        env!("CARGO_BIN_EXE_ocitrust"),
        oci(&layout)
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .current_dir(root())
        .env("COSIGN_PASSWORD", "")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("index.json"), "{}", stderr(&out));
    assert_eq!(snapshot(&layout), before, "the failed signing left files behind");
}

#[test]
fn concurrent_signers_of_one_layout_keep_every_signature() {
    let layout = sample_copy("hostile-concurrent-sign");
    let signers: Vec<_> = (0..6)
        .map(|i| {
            let layout = layout.clone();
            let annotation = format!("signer={i}");
            std::thread::spawn(move || {
                ocitrust_in(
                    &root(),
                    &[
                        "sign",
                        "--key",
                        "examples/sample-image/cosign.key",
                        "-a",
                        &annotation,
                        &oci(&layout),
                    ],
                    &sign_env(),
                )
            })
        })
        .collect();
    for signer in signers {
        let out = signer.join().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let signatures = read_blob_json(&layout, &entry_digest(&layout, KIND_SIGS));
    assert_eq!(
        signatures["layers"].as_array().unwrap().len(),
        7,
        "the cosign signature and six more: {signatures}"
    );
    for i in 0..6 {
        let out = ocitrust(&[
            "verify",
            "--key",
            sample_pub().to_str().unwrap(),
            "--insecure-ignore-tlog",
            "-a",
            &format!("signer={i}"),
            &oci(&layout),
        ]);
        assert_eq!(out.status.code(), Some(0), "signer {i}: {}", stderr(&out));
    }
}

/// A file of `size` bytes, sparse but for `head`.
fn sparse_blob(layout: &Path, head: &[u8], size: u64) -> String {
    let mut bytes = vec![0u8; size as usize];
    bytes[..head.len()].copy_from_slice(head);
    let digest = ocitrust::Digest::sha256(&bytes).to_string();
    let file = fs::File::create(blob_path(layout, &digest)).unwrap();
    std::io::Write::write_all(&mut &file, head).unwrap();
    file.set_len(size).unwrap();
    digest
}

#[test]
fn huge_signature_payloads_are_not_read() {
    // 64 signature layers, each naming its own 32 MiB payload blob (sparse on disk): 2 GiB if
    // each were read, as they once were, before any check.
    let layout = sample_copy("hostile-huge-payloads");
    let sigs = entry_digest(&layout, KIND_SIGS);
    let mut signatures = read_blob_json(&layout, &sigs);
    let template = signatures["layers"][0].clone();
    let layers: Vec<_> = (0..64)
        .map(|i| {
            let digest = sparse_blob(&layout, format!("payload {i}").as_bytes(), 32 << 20);
            let mut layer = template.clone();
            layer["digest"] = digest.into();
            layer["size"] = (32u64 << 20).into();
            layer
        })
        .collect();
    signatures["layers"] = layers.into();
    let new_sigs = write_blob(&layout, &serde_json::to_vec(&signatures).unwrap());
    let mut index = read_index(&layout);
    for entry in index["manifests"].as_array_mut().unwrap() {
        if entry["digest"] == sigs.as_str() {
            entry["digest"] = new_sigs.clone().into();
            entry["size"] = serde_json::to_vec(&signatures).unwrap().len().into();
        }
    }
    write_index(&layout, &index);
    let key = sample_pub();
    let (kib, out) = peak_memory(
        &[
            "verify",
            "--key",
            key.to_str().unwrap(),
            "--insecure-ignore-tlog",
            &oci(&layout),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    assert!(stderr(&out).contains("larger than the limit"), "{}", stderr(&out));
    assert!(kib < PEAK_MEMORY_MAX_KIB, "peak memory {kib} KiB");
}

/// A 4 MiB image manifest (the manifest limit) that refers to `subject`, made unique by `n`.
fn big_referrer(subject: &str, n: usize) -> Vec<u8> {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example.padding",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2},
        "layers": [],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject, "size": 401},
        "annotations": {"n": n.to_string(), "padding": "x".repeat(4 * 1024 * 1024 - 1024)},
    });
    serde_json::to_vec(&manifest).unwrap()
}

fn add_untagged(layout: &Path, entries: impl IntoIterator<Item = (String, usize)>) {
    let mut index = read_index(layout);
    let manifests = index["manifests"].as_array_mut().unwrap();
    for (digest, size) in entries {
        manifests.push(serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size}));
    }
    write_index(layout, &index);
}

#[test]
fn the_referrer_scan_reads_each_manifest_once_and_within_the_budget() {
    let subject = entry_digest(&sample_layout(), KIND_IMAGE);
    let other_key = scratch("hostile-referrers-key");
    generate_key_pair_in(&other_key, "pw");
    let other_pub = other_key.join("cosign.pub");
    let verify = |layout: &Path| {
        peak_memory(
            &[
                "verify",
                "--key",
                other_pub.to_str().unwrap(),
                "--insecure-ignore-tlog",
                &oci(layout),
            ],
            None,
        )
    };

    // The same 4 MiB referrer listed 1024 times: read once (it once held 4 GiB).
    let layout = sample_copy("hostile-referrers-same");
    let bytes = big_referrer(&subject, 0);
    let digest = write_blob(&layout, &bytes);
    add_untagged(&layout, (0..1024).map(|_| (digest.clone(), bytes.len())));
    let (kib, out) = verify(&layout);
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    assert!(kib < PEAK_MEMORY_MAX_KIB, "peak memory {kib} KiB");

    // Thirty distinct ones: 120 MiB to read, past the budget of one verification.
    let layout = sample_copy("hostile-referrers-distinct");
    let entries: Vec<_> = (0..30)
        .map(|n| {
            let bytes = big_referrer(&subject, n);
            (write_blob(&layout, &bytes), bytes.len())
        })
        .collect();
    add_untagged(&layout, entries);
    let (kib, out) = verify(&layout);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("budget"), "{}", stderr(&out));
    assert!(kib < PEAK_MEMORY_MAX_KIB, "peak memory {kib} KiB");
}

/// A copy of the notation sample whose signature envelopes (the JWS and the COSE one) are replaced
/// by `jws` and `cose`, their manifests and index entries rewritten to name them.
fn notation_sample_with_envelopes(name: &str, jws: &[u8], cose: &[u8]) -> PathBuf {
    let layout = scratch(name).join("layout");
    copy_dir(&root().join("examples/notation-sample/layout"), &layout);
    let mut index = read_index(&layout);
    for entry in index["manifests"].as_array_mut().unwrap().iter_mut().skip(1) {
        let mut manifest = read_blob_json(&layout, entry["digest"].as_str().unwrap());
        let envelope = match manifest["layers"][0]["mediaType"].as_str().unwrap() {
            "application/jose+json" => jws,
            "application/cose" => cose,
            other => panic!("an envelope of {other}"),
        };
        manifest["layers"][0]["digest"] = write_blob(&layout, envelope).into();
        manifest["layers"][0]["size"] = envelope.len().into();
        let bytes = serde_json::to_vec(&manifest).unwrap();
        entry["digest"] = write_blob(&layout, &bytes).into();
        entry["size"] = bytes.len().into();
    }
    write_index(&layout, &index);
    layout
}

/// A JWS envelope whose unprotected header holds an array of `n` zeros.
fn jws_with_items(n: usize) -> Vec<u8> {
    let mut bytes = br#"{"protected":"","payload":"","signature":"","header":{"x":["#.to_vec();
    bytes.extend(std::iter::repeat_n(&b"0,"[..], n).flatten());
    bytes.extend_from_slice(b"0]}}");
    bytes
}

/// A tagged COSE_Sign1 whose unprotected header holds, under label 33, an array of `n` zeros.
fn cose_with_items(n: u32) -> Vec<u8> {
    let mut bytes = vec![0xd2, 0x84, 0x40, 0xa1, 0x18, 0x21, 0x9a];
    bytes.extend_from_slice(&n.to_be_bytes());
    bytes.extend(std::iter::repeat_n(0u8, n as usize));
    bytes.extend_from_slice(&[0x40, 0x40]);
    bytes
}

#[test]
fn hostile_notation_envelopes_are_refused_within_the_memory_bound() {
    let config = root().join("examples/notation-sample/notation-config");
    let verify = |layout: &Path| {
        let digest = read_index(layout)["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_owned();
        peak_memory(
            &[
                "notation",
                "verify",
                "--trust-policy",
                config.join("trustpolicy.json").to_str().unwrap(),
                "--trust-store",
                config.join("truststore").to_str().unwrap(),
                "--scope",
                "local/notation-sample",
                &format!("oci:{}@{digest}", layout.display()),
            ],
            None,
        )
    };
    // Just under the 2 MiB an envelope may be, each holding a million items or two: refused before
    // any tree of them is built (one such envelope once peaked at 998 MiB).
    let items = notation_sample_with_envelopes(
        "notation-envelope-items",
        &jws_with_items(1_000_000),
        &cose_with_items(2_000_000),
    );
    let (kib, out) = verify(&items);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("holds more than 16384 items").count(),
        2,
        "{}",
        stderr(&out)
    );
    assert!(kib < PEAK_MEMORY_MAX_KIB, "peak memory {kib} KiB");
    // 30 MiB ones are not even read.
    let large = notation_sample_with_envelopes(
        "notation-envelope-large",
        &jws_with_items(15_000_000),
        &cose_with_items(30_000_000),
    );
    let (kib, out) = verify(&large);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("larger than"), "{}", stderr(&out));
    assert!(kib < PEAK_MEMORY_MAX_KIB, "peak memory {kib} KiB");
}

#[test]
fn control_characters_from_a_layout_are_printed_escaped() {
    let layout = sample_copy("hostile-escapes");
    let mut index = read_index(&layout);
    for (i, entry) in index["manifests"].as_array_mut().unwrap().iter_mut().enumerate() {
        entry["annotations"] = serde_json::json!({
            "org.opencontainers.image.ref.name": format!("v{i}\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}")
        });
    }
    write_index(&layout, &index);
    let out = verify_sample(&layout);
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("manifests match"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    assert!(err.contains("\\u{1b}]0;pwned\\u{7}"), "{err}");
}
