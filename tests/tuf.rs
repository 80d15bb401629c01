//! The Sigstore trusted root kept current through TUF: repositories made and signed by python-tuf
//! (the reference implementation, tests/tools/tuf_repository.py) and served on loopback;
//! `ocitrust initialize`, keyless verification of the committed keyless sample (whose trust
//! material is only in the TUF target), a root rotation picked up without `initialize` once the
//! cached timestamp has expired, and every way a repository or a cache can be wrong, each refused
//! with its reason and the cache left as it was.
//! Built only with the `interop` feature (the test command installs python-tuf).

#[path = "support/peers.rs"]
mod peers;
mod support;
#[path = "support/tuf_repository.rs"]
mod tuf_repository;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::time::{Duration, Instant};

use support::*;
use tuf_repository::*;

/// An update that must fail for `reason`, leaving the cache as it was.
fn refused(repository: &Repository, reason: &str) {
    let before = repository.cache_files();
    let out = repository.initialize(None);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(reason),
        "expected {reason:?} in: {}",
        stderr(&out)
    );
    assert_eq!(repository.cache_files(), before, "a refused update changed the cache");
}

#[test]
fn keyless_verification_follows_the_tuf_repository_through_a_root_rotation() {
    let mut repository = Repository::new("tuf-rotation", &production_root(), 15);
    // Before initialize: the embedded root, which does not know the sample's private Sigstore.
    let (out, verdict) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    assert_eq!(verdict["trust_material"][0]["source"], "embedded", "{verdict}");

    let out = repository.initialize(Some(&repository.metadata("1.root.json")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("metadata: root v1, timestamp v1, snapshot v1, targets v1"),
        "{}",
        stdout(&out)
    );
    // The cache: owner-only directories, owner-only regular files (tough's own record of its checks,
    // `.verify/`, is an owner-only directory).
    for (path, _) in repository.cache_files() {
        let mode = fs::symlink_metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        let parent = fs::metadata(path.parent().unwrap()).unwrap().permissions().mode();
        assert_eq!(parent & 0o777, 0o700, "{}", path.display());
    }
    let (out, verdict) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(12), "{}", stderr(&out));
    let material = &verdict["trust_material"][0];
    assert_eq!(material["source"], "tuf", "{verdict}");
    assert_eq!(material["location"], format!("{}/", repository.mirror()));
    assert_eq!(material["tuf"]["root"], 1);
    assert_eq!(material["sha256"], sha256_of(&production_root()));

    // The repository rotates its root keys (root v2 signed by v1's threshold and by the new keys)
    // and publishes the trusted root the sample needs. Once the cached timestamp has expired, the
    // next verification refreshes on its own.
    repository.edit(&["publish", "--rotate-root", "--target", sample_root().to_str().unwrap()]);
    let (out, _) = repository.verify_keyless(&[]);
    assert_eq!(
        out.status.code(),
        Some(12),
        "the cache holds until its timestamp expires"
    );
    repository.wait_past(16);
    let (out, verdict) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let material = &verdict["trust_material"][0];
    assert_eq!(material["tuf"]["root"], 2, "{verdict}");
    assert_eq!(material["tuf"]["timestamp"], 2);
    assert_eq!(material["sha256"], sha256_of(&sample_root()));
    // The cache keeps root v2 as the mirror served it.
    assert_eq!(
        fs::read(repository.mirror_cache().join("root.json")).unwrap(),
        fs::read(repository.metadata("2.root.json")).unwrap()
    );
    // The text output says which material was used.
    let issuer = fs::read_to_string(root().join("examples/keyless-sample/issuer")).unwrap();
    let out = repository.ocitrust(&[
        "verify",
        "--certificate-identity",
        "ci@example.com",
        "--certificate-oidc-issuer",
        issuer.trim(),
        "oci:examples/keyless-sample/layout-bundle",
    ]);
    assert!(
        stderr(&out).contains(&format!(
            "Sigstore trust material: TUF {}/ (root v2, timestamp v2, snapshot v2, targets v2)",
            repository.mirror()
        )),
        "{}",
        stderr(&out)
    );

    // --trusted-root comes first, --offline means the embedded root; both say so.
    let (out, verdict) = repository.verify_keyless(&["--trusted-root", production_root().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(12));
    assert_eq!(verdict["trust_material"][0]["source"], "document");
    assert_eq!(
        verdict["trust_material"][0]["location"],
        production_root().to_str().unwrap()
    );
    let (out, verdict) = repository.verify_keyless(&["--offline"]);
    assert_eq!(out.status.code(), Some(12));
    assert_eq!(verdict["trust_material"][0]["source"], "embedded");

    // A trust policy's `trustedRoot: embedded` is the same default root.
    let policy = repository.cache.parent().unwrap().join("policy.yaml");
    fs::write(
        &policy,
        format!(
            "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\ntrustRoots:\n  public-good: {{sigstore: {{trustedRoot: embedded}}}}\nauthorities:\n  ci:\n    keyless: {{trustRoot: public-good, issuer: \"{}\", identity: ci@example.com}}\npolicies:\n- name: samples\n  scope: [\"oci:**\"]\n  signatures: {{atLeast: 1, of: [ci]}}\n",
            issuer.trim()
        ),
    )
    .unwrap();
    let out = repository.ocitrust(&[
        "policy",
        "eval",
        "--policy",
        policy.to_str().unwrap(),
        "oci:examples/keyless-sample/layout-bundle",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    // --offline: the embedded root, which does not know the sample's Sigstore.
    let out = repository.ocitrust(&[
        "policy",
        "eval",
        "--offline",
        "--policy",
        policy.to_str().unwrap(),
        "oci:examples/keyless-sample/layout-bundle",
    ]);
    assert_eq!(out.status.code(), Some(12), "{}{}", stdout(&out), stderr(&out));

    // With the mirror gone and the cache still fresh, nothing changes.
    repository.stop();
    let (out, _) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_expired_cache_is_refreshed_or_refused_never_used() {
    let mut repository = Repository::new("tuf-expiry", &sample_root(), 3);
    repository.initialized();
    let (out, _) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    repository.stop();
    repository.wait_past(4);
    let before = repository.cache_files();
    let (out, _) = repository.verify_keyless(&[]);
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("timestamp metadata is expired"), "{err}");
    assert!(err.contains("refreshing it failed"), "{err}");
    assert!(err.contains(&repository.mirror()), "{err}");
    assert_eq!(repository.cache_files(), before);
    // The mirror back, with a fresh timestamp: the next verification refreshes and passes.
    repository.edit(&["publish"]);
    repository.serve(&[]);
    let (out, verdict) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(verdict["trust_material"][0]["tuf"]["timestamp"], 2);
}

#[test]
fn rolled_back_metadata_is_refused_and_the_cache_kept() {
    let repository = Repository::new("tuf-rollback", &sample_root(), 3600);
    repository.edit(&["publish", "--target", sample_root().to_str().unwrap()]);
    repository.edit(&["publish", "--target", sample_root().to_str().unwrap()]);
    repository.initialized();
    // Now cached: timestamp v3, snapshot v3, targets v3.
    repository.edit(&["set-timestamp", "--version", "2", "--snapshot-version", "3"]);
    refused(
        &repository,
        "Found version 2 of timestamp metadata when we had previously fetched version 3",
    );
    repository.edit(&["set-timestamp", "--version", "4", "--snapshot-version", "2"]);
    refused(
        &repository,
        "Snapshot version 2 in timestamp 4 is less than 3 in timestamp 3",
    );
    repository.edit(&["set-snapshot", "--version", "5", "--targets-version", "2"]);
    refused(
        &repository,
        "Role targets.json version 3 in snapshot 3 is greater than version 2 in snapshot 5",
    );
}

#[test]
fn repositories_that_break_the_rules_are_refused() {
    // A target whose bytes differ from what targets.json lists.
    let repository = Repository::new("tuf-tampered-target", &sample_root(), 3600);
    repository.edit(&["tamper-target"]);
    let out = repository.initialize(Some(&repository.metadata("1.root.json")));
    assert!(stderr(&out).contains("Hash mismatch for"), "{}", stderr(&out));

    // Root v2 signed only by its own keys, not by root v1's threshold.
    let repository = Repository::new("tuf-bad-root", &sample_root(), 3600);
    repository.initialized();
    repository.edit(&["bad-root"]);
    refused(&repository, "Failed to verify root metadata");

    // Mix and match: a snapshot naming targets v2, served targets v1's bytes at that name.
    let repository = Repository::new("tuf-mix-and-match", &sample_root(), 3600);
    repository.initialized();
    repository.edit(&["mismatch-targets"]);
    refused(&repository, "targets metadata version mismatch: fetched 1, expected 2");

    // Timestamp metadata larger than its bound (64 KiB).
    let repository = Repository::new("tuf-oversized", &sample_root(), 3600);
    repository.initialized();
    repository.edit(&["publish"]);
    repository.edit(&["oversize", "timestamp.json", "100000"]);
    refused(&repository, "Maximum size 65536");

    // Already expired when published.
    let repository = Repository::new("tuf-stale", &sample_root(), -60);
    let out = repository.initialize(Some(&repository.metadata("1.root.json")));
    assert!(
        stderr(&out).contains("timestamp metadata is expired"),
        "{}",
        stderr(&out)
    );

    // A mirror that redirects to another host, and one that sends endless data.
    let mut repository = Repository::new("tuf-redirect", &sample_root(), 3600);
    repository.initialized();
    let elsewhere = format!("http://localhost:{}", repository.port);
    repository.serve(&["--redirect-to", &elsewhere]);
    refused(&repository, "redirected to another origin");
    repository.serve(&["--endless", "timestamp.json"]);
    let started = Instant::now();
    refused(&repository, "the response is larger than 4194304 bytes; refused");
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());

    // No trusted root target at all.
    let repository = Repository::new("tuf-no-target", &sample_root(), 3600);
    fs::remove_dir_all(repository.metadata("targets")).unwrap();
    let out = repository.initialize(Some(&repository.metadata("1.root.json")));
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("trusted_root.json"), "{}", stderr(&out));
    // An invalid mirror URL.
    let out = repository.ocitrust(&["initialize", "--mirror", "ftp://127.0.0.1/x"]);
    assert_fails(&out, 1, "expected an http:// or https:// URL");
}

#[test]
fn fast_forward_recovery_forgets_a_rotated_timestamp_key_s_versions() {
    let repository = Repository::new("tuf-fast-forward", &sample_root(), 3600);
    repository.edit(&["publish"]);
    repository.edit(&["publish"]);
    repository.initialized();
    // Root v2 rotates the timestamp key and the timestamp starts again at version 1.
    repository.edit(&["publish", "--rotate-timestamp-key"]);
    let out = repository.initialize(None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("root v2, timestamp v1"), "{}", stdout(&out));
}

#[test]
fn a_changed_or_planted_cache_is_verified_again_not_trusted() {
    let mut repository = Repository::new("tuf-damaged-cache", &sample_root(), 3600);
    repository.initialized();
    let cached_target = repository.mirror_cache().join("targets/trusted_root.json");
    // The cached target replaced by other trust material: refused on use, refreshed from the mirror.
    fs::copy(production_root(), &cached_target).unwrap();
    let (out, verdict) = repository.verify_keyless(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(verdict["trust_material"][0]["sha256"], sha256_of(&sample_root()));
    assert_eq!(sha256_of(&cached_target), sha256_of(&sample_root()), "repaired");
    // With the mirror gone, a damaged cache is an error naming what is wrong.
    repository.stop();
    fs::copy(production_root(), &cached_target).unwrap();
    let (out, _) = repository.verify_keyless(&[]);
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("Maximum size 4078 (specified by targets.json) exceeded"),
        "{err}"
    );
    assert!(err.contains("refreshing it failed"), "{err}");
    // A link planted in the cache is not followed.
    fs::remove_file(&cached_target).unwrap();
    symlink(sample_root(), &cached_target).unwrap();
    let (out, _) = repository.verify_keyless(&[]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("trusted_root.json"), "{}", stderr(&out));
    // `current` naming a mirror whose cache is gone: a clear error, not the embedded root.
    fs::remove_dir_all(repository.mirror_cache()).unwrap();
    let (out, _) = repository.verify_keyless(&[]);
    assert_fails(&out, 1, "no TUF cache for");
}
