//! The admission webhook end to end: `ocitrust admission serve` over HTTPS, AdmissionReviews for
//! every kind of workload as the API server sends them, images in a loopback docker-registry signed
//! by the real cosign, the fact cache in process and shared through a real redis-server.
//! Built only with the `interop` feature (the test command installs cosign, crane, docker-registry
//! and redis-server).

#[path = "support/kube.rs"]
mod kube;
#[path = "support/peers.rs"]
mod peers;
#[path = "support/redis.rs"]
mod redis;
mod support;
#[path = "support/tuf_repository.rs"]
mod tuf_repository;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use kube::Kube;
use peers::*;
use redis::Redis;
use serde_json::{json, Value};
use support::*;

const FACTS_PREFIX: &str = "ocitrust:facts:v1:";

/// A running `ocitrust admission serve`, stopped on drop; its log is `log`.
struct Server {
    address: String,
    ca: PathBuf,
    log: PathBuf,
    pid: u32,
    process: Background,
}

impl Server {
    fn start(work: &Path, name: &str, args: &[&str]) -> Server {
        Server::start_with_env(work, name, args, &[])
    }

    fn start_with_env(work: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let tls = work.join("tls");
        if !tls.join("server.pem").exists() {
            std::fs::create_dir_all(&tls).unwrap();
            make_test_ca_and_server_certificate(&tls);
        }
        let log = work.join(format!("{name}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_ocitrust"))
            .args([
                "admission",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--allow-insecure-registry",
            ])
            .arg("--tls-cert")
            .arg(tls.join("server.pem"))
            .arg("--tls-key")
            .arg(tls.join("server.key"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(work)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting ocitrust admission serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("ocitrust admission: serving on https://")
            .unwrap_or_else(|| {
                panic!(
                    "the server did not start: {line:?}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_owned();
        Server {
            address,
            ca: tls.join("ca.pem"),
            log,
            pid: child.id(),
            process: Background::new(child),
        }
    }

    /// Sends `body` with `method` to `path`; the status and the body answered.
    fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let file = self.log.with_extension(format!("body-{}", std::process::id()));
        std::fs::write(&file, body).unwrap();
        let out = Command::new("curl")
            .args(["-s", "--max-time", "60", "-w", "\n%{http_code}", "-X", method])
            .arg("--cacert")
            .arg(&self.ca)
            .args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(format!("@{}", file.display()))
            .arg(format!("https://{}{path}", self.address))
            .output()
            .expect("running curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (status.trim().parse().unwrap_or(0), body.to_owned())
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.call("GET", path, b"")
    }

    /// The response of the review of `object` (a `kind` of `group`) at `path`.
    fn review(&self, path: &str, group: &str, kind: &str, sub_resource: Option<&str>, object: Value) -> Value {
        let (status, body) = self.call(
            "POST",
            path,
            review(group, kind, sub_resource, object).to_string().as_bytes(),
        );
        assert_eq!(status, 200, "{body}\n{}", self.log_text());
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(answer["response"]["uid"], "7f0a1d2c-uid", "the uid is echoed");
        answer["response"].clone()
    }

    fn validate_pod(&self, images: &[&str]) -> Value {
        self.review("/validate", "", "Pod", None, pod(images))
    }

    /// The value of the metric series `series` (name with labels, as printed).
    fn metric(&self, series: &str) -> f64 {
        let (_, text) = self.get("/metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
            .map_or(0.0, |v| v.trim().parse().unwrap())
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn review(group: &str, kind: &str, sub_resource: Option<&str>, object: Value) -> Value {
    let mut request = json!({
        "uid": "7f0a1d2c-uid",
        "kind": {"group": group, "version": "v1", "kind": kind},
        "resource": {"group": group, "version": "v1", "resource": format!("{}s", kind.to_lowercase())},
        "requestKind": {"group": group, "version": "v1", "kind": kind},
        "name": "app",
        "namespace": "team-a",
        "operation": if sub_resource.is_some() { "UPDATE" } else { "CREATE" },
        "userInfo": {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]},
        "object": object,
        "oldObject": null,
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    });
    if let Some(sub_resource) = sub_resource {
        request["subResource"] = json!(sub_resource);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}

fn pod_spec(images: &[&str]) -> Value {
    json!({
        "containers": images.iter().enumerate().map(|(i, image)| json!({"name": format!("c{i}"), "image": image})).collect::<Vec<_>>(),
        "restartPolicy": "Always",
    })
}

fn pod(images: &[&str]) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app", "namespace": "team-a"}, "spec": pod_spec(images)})
}

fn template(images: &[&str]) -> Value {
    json!({"metadata": {"labels": {"app": "app"}}, "spec": pod_spec(images)})
}

/// A registry with one image signed by cosign (key, no tlog), one unsigned, and a policy that
/// requires the key for the signed repository's scope.
struct Setup {
    peers: Peers,
    signed: String,
    signed_digest: String,
    unsigned: String,
    policy: PathBuf,
}

fn setup(name: &str) -> Setup {
    let peers = Peers::new(name);
    let signed = peers.push_image("signed");
    let unsigned = format!("{}/unsigned:v1", peers.registry.address);
    ok(
        run(
            &peers.crane,
            &["copy", "--insecure", &signed, &unsigned],
            &peers.work,
            &[],
        ),
        "crane copy",
    );
    // Another digest, so the unsigned image does not share the signed one's.
    ok(
        run(
            &peers.crane,
            &["mutate", "--insecure", "--annotation", "unsigned=yes", &unsigned],
            &peers.work,
            &[],
        ),
        "crane mutate",
    );
    let keys = peers.dir("keys");
    ok(
        peers.cosign(&["generate-key-pair"], &keys, "cpw"),
        "cosign generate-key-pair",
    );
    ok(
        peers.cosign(
            &["sign", "--key", "cosign.key", "--tlog-upload=false", "-y", &signed],
            &keys,
            "cpw",
        ),
        "cosign sign",
    );
    let signed_digest = peers.digest(&signed);
    let policy = write_policy(&peers.work, "policy.yaml", "keys/cosign.pub", "");
    Setup {
        peers,
        signed,
        signed_digest,
        unsigned,
        policy,
    }
}

/// A policy requiring the key at `key` (relative to `work`) for every image of the registry,
/// with `extra` appended to the policy (e.g. an attestation rule).
fn write_policy(work: &Path, name: &str, key: &str, extra: &str) -> PathBuf {
    let path = work.join(name);
    std::fs::write(
        &path,
        format!(
            "apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
defaults:
  noMatch: deny
authorities:
  release-key:
    cosign: {{key: {key}, tlog: ignore}}
policies:
- name: registry-images
  scope: [\"127.0.0.1:*/**\"]
  signatures: {{atLeast: 1, of: [release-key]}}
{extra}"
        ),
    )
    .unwrap();
    path
}

fn message(response: &Value) -> String {
    response["status"]["message"].as_str().unwrap_or("").to_owned()
}

fn patch(response: &Value) -> Vec<Value> {
    let Some(patch) = response["patch"].as_str() else {
        return Vec::new();
    };
    assert_eq!(response["patchType"], "JSONPatch");
    serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(patch).unwrap()).unwrap()
}

#[test]
fn every_workload_kind_is_decided_and_the_mutation_pins_the_verified_digest() {
    let s = setup("admission-kinds");
    let server = Server::start(
        &s.peers.work,
        "server",
        &["--policy", s.policy.to_str().unwrap(), "--mutate-digest"],
    );
    let (signed, unsigned) = (s.signed.as_str(), s.unsigned.as_str());
    let with_job = |images: &[&str]| json!({"template": template(images)});
    // (API group, kind, the object naming these images, the pointer of the second container's image)
    type Workload = Box<dyn Fn(&[&str]) -> Value>;
    let kinds: Vec<(&str, &str, Workload, &str)> = vec![
        ("", "Pod", Box::new(pod), "/spec/containers/1/image"),
        (
            "apps",
            "Deployment",
            Box::new(|i: &[&str]| json!({"spec": {"replicas": 2, "template": template(i)}})),
            "/spec/template/spec/containers/1/image",
        ),
        (
            "apps",
            "ReplicaSet",
            Box::new(|i: &[&str]| json!({"spec": {"template": template(i)}})),
            "/spec/template/spec/containers/1/image",
        ),
        (
            "apps",
            "StatefulSet",
            Box::new(|i: &[&str]| json!({"spec": {"serviceName": "s", "template": template(i)}})),
            "/spec/template/spec/containers/1/image",
        ),
        (
            "apps",
            "DaemonSet",
            Box::new(|i: &[&str]| json!({"spec": {"template": template(i)}})),
            "/spec/template/spec/containers/1/image",
        ),
        (
            "batch",
            "Job",
            Box::new(move |i: &[&str]| json!({"spec": with_job(i)})),
            "/spec/template/spec/containers/1/image",
        ),
        (
            "batch",
            "CronJob",
            Box::new(
                move |i: &[&str]| json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": with_job(i)}}}),
            ),
            "/spec/jobTemplate/spec/template/spec/containers/1/image",
        ),
        (
            "",
            "ReplicationController",
            Box::new(|i: &[&str]| json!({"spec": {"template": template(i)}})),
            "/spec/template/spec/containers/1/image",
        ),
    ];
    for (group, kind, object, pointer) in &kinds {
        let allowed = server.review("/validate", group, kind, None, object(&[signed, signed]));
        assert_eq!(allowed["allowed"], true, "{kind}: {allowed}");
        assert!(allowed.get("patch").is_none(), "{kind}: /validate never patches");
        let denied = server.review("/validate", group, kind, None, object(&[signed, unsigned]));
        assert_eq!(denied["allowed"], false, "{kind}: {denied}");
        assert_eq!(denied["status"]["code"], 403);
        let why = message(&denied);
        assert!(
            why.starts_with(&format!("{unsigned}: ")) && !why.contains(signed),
            "{kind}: {why}"
        );
        assert_eq!(why.lines().count(), 1, "{kind}: one line per denied image: {why}");
        let mutated = server.review("/mutate", group, kind, None, object(&[signed, signed]));
        let expected = format!("{signed}@{}", s.signed_digest);
        let ops = patch(&mutated);
        assert_eq!(ops.len(), 2, "{kind}: {mutated}");
        assert!(
            ops.iter()
                .all(|op| op["op"] == "replace" && op["value"] == expected.as_str()),
            "{kind}: {ops:?}"
        );
        assert!(ops.iter().any(|op| op["path"] == *pointer), "{kind}: {ops:?}");
        let refused = server.review("/mutate", group, kind, None, object(&[signed, unsigned]));
        assert_eq!(refused["allowed"], false);
        assert!(
            refused.get("patch").is_none(),
            "{kind}: no patch unless every image is allowed"
        );
    }
    // Init and ephemeral containers, image volumes, and the ephemeralcontainers subresource.
    let mut spec = pod(&[signed]);
    spec["spec"]["initContainers"] = json!([{"name": "init", "image": unsigned}]);
    let denied = server.review("/validate", "", "Pod", None, spec);
    assert!(message(&denied).starts_with(unsigned), "{denied}");
    let mut spec = pod(&[signed]);
    spec["spec"]["volumes"] = json!([{"name": "data", "image": {"reference": unsigned, "pullPolicy": "IfNotPresent"}}]);
    assert_eq!(server.review("/validate", "", "Pod", None, spec)["allowed"], false);
    let mut spec = pod(&[signed]);
    spec["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": unsigned, "targetContainerName": "c0"}]);
    let denied = server.review("/validate", "", "Pod", Some("ephemeralcontainers"), spec.clone());
    assert_eq!(denied["allowed"], false, "{denied}");
    spec["spec"]["ephemeralContainers"][0]["image"] = json!(signed);
    let mutated = server.review("/mutate", "", "Pod", Some("ephemeralcontainers"), spec);
    assert!(
        patch(&mutated)
            .iter()
            .any(|op| op["path"] == "/spec/ephemeralContainers/0/image"),
        "{mutated}"
    );
    // A deletion names no image to judge; an invalid image name is denied, not a server error.
    assert_eq!(
        server.review("/validate", "", "Pod", None, Value::Null)["allowed"],
        true
    );
    let invalid = server.validate_pod(&["UPPER/Case::bad"]);
    assert_eq!(invalid["allowed"], false, "{invalid}");
    // One structured line per decision.
    let log = server.log_text();
    assert!(
        log.lines()
            .any(|l| l.contains("decision") && l.contains(&s.signed_digest) && l.contains("allowed")),
        "{log}"
    );
    assert!(server.metric("ocitrust_admission_decisions_total{result=\"denied\",unfinished=\"false\"}") >= 10.0);
}

#[test]
fn bad_requests_are_answered_400_and_nothing_else_is_served() {
    let s = setup("admission-bad-requests");
    let server = Server::start(&s.peers.work, "server", &["--policy", s.policy.to_str().unwrap()]);
    let good = review("", "Pod", None, pod(&[&s.signed])).to_string();
    let mut v1beta1: Value = serde_json::from_str(&good).unwrap();
    v1beta1["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let mut no_uid: Value = serde_json::from_str(&good).unwrap();
    no_uid["request"].as_object_mut().unwrap().remove("uid");
    let mut huge: Value = serde_json::from_str(&good).unwrap();
    huge["request"]["object"]["metadata"]["annotations"] = json!({"padding": "x".repeat(3 * 1024 * 1024)});
    for (body, why) in [
        (b"not json".to_vec(), "not an AdmissionReview"),
        (b"{}".to_vec(), "no apiVersion"),
        (v1beta1.to_string().into_bytes(), "v1beta1 is not served"),
        (no_uid.to_string().into_bytes(), "no uid"),
        (huge.to_string().into_bytes(), "API server's limit"),
    ] {
        let (status, text) = server.call("POST", "/validate", &body);
        assert_eq!(status, 400, "{why}: {text}");
        let first = why.split(' ').next().unwrap();
        assert!(text.contains(first), "{why}: {text}");
    }
    let (status, text) = server.call("POST", "/validate?timeout=soon", good.as_bytes());
    assert_eq!((status, text.contains("not a duration")), (400, true), "{text}");
    assert_eq!(
        server.call("POST", "/mutate", good.as_bytes()).0,
        404,
        "not without --mutate-digest"
    );
    assert_eq!(server.call("POST", "/elsewhere", good.as_bytes()).0, 404);
    assert_eq!(server.call("GET", "/validate", b"").0, 405);
    assert_eq!(server.call("POST", "/healthz", b"").0, 405);
    assert_eq!(server.get("/healthz"), (200, "ok\n".to_owned()));
    assert_eq!(
        server.metric("ocitrust_admission_requests_total{path=\"/validate\",code=\"400\"}"),
        6.0
    );
    // Still serving, still right.
    assert_eq!(server.validate_pod(&[&s.signed])["allowed"], true);
    assert!(!server.log_text().contains("panicked"));
}

#[test]
fn the_cache_never_reuses_what_it_should_not() {
    let s = setup("admission-cache");
    let redis = Redis::start(&s.peers.work.join("redis"));
    let secret = s.peers.work.join("cache.key");
    std::fs::write(&secret, [42u8; 32]).unwrap();
    let shared = ["--redis", &redis.url(), "--cache-key-file", secret.to_str().unwrap()];
    let server = Server::start(
        &s.peers.work,
        "a",
        &[&["--policy", s.policy.to_str().unwrap()][..], &shared].concat(),
    );
    let moving = format!("{}/signed:moving", s.peers.registry.address);
    ok(
        run(
            &s.peers.crane,
            &["tag", "--insecure", &s.signed, "moving"],
            &s.peers.work,
            &[],
        ),
        "crane tag",
    );
    assert_eq!(server.validate_pod(&[&moving])["allowed"], true);
    assert_eq!(server.validate_pod(&[&moving])["allowed"], true);
    assert!(server.metric("ocitrust_fact_cache_hits_total{tier=\"memory\"}") >= 1.0);
    // The tag moves to an unsigned digest: the next request judges that digest.
    let unsigned_digest = s.peers.digest(&s.unsigned);
    let unsigned_by_digest = format!("{}/unsigned@{unsigned_digest}", s.peers.registry.address);
    ok(
        run(
            &s.peers.crane,
            &["copy", "--insecure", &unsigned_by_digest, &moving],
            &s.peers.work,
            &[],
        ),
        "crane copy",
    );
    let denied = server.validate_pod(&[&moving]);
    assert_eq!(denied["allowed"], false, "{denied}");

    // Another key file: its authority is another fingerprint, so nothing is reused.
    let other_keys = s.peers.dir("other-keys");
    ok(
        s.peers.cosign(&["generate-key-pair"], &other_keys, ""),
        "cosign generate-key-pair",
    );
    let other_policy = write_policy(&s.peers.work, "other.yaml", "other-keys/cosign.pub", "");
    let other = Server::start(
        &s.peers.work,
        "other",
        &[&["--policy", other_policy.to_str().unwrap()][..], &shared].concat(),
    );
    let denied = other.validate_pod(&[&s.signed]);
    assert_eq!(denied["allowed"], false, "{denied}");
    assert_eq!(other.metric("ocitrust_fact_cache_hits_total{tier=\"redis\"}"), 0.0);
    assert_eq!(other.metric("ocitrust_verifications_total"), 1.0);
    assert_eq!(
        other.metric("ocitrust_verification_duration_seconds_count"),
        1.0,
        "the one verification is timed"
    );

    // The same key, a stricter policy: the facts are shared (a hit), the new rule still applies.
    let stricter = write_policy(
        &s.peers.work,
        "stricter.yaml",
        "keys/cosign.pub",
        "  attestations:\n  - predicateType: cyclonedx\n    by: [release-key]\n",
    );
    let strict = Server::start(
        &s.peers.work,
        "strict",
        &[&["--policy", stricter.to_str().unwrap()][..], &shared].concat(),
    );
    let denied = strict.validate_pod(&[&s.signed]);
    assert_eq!(denied["allowed"], false, "{denied}");
    assert!(message(&denied).contains("cyclonedx"), "{denied}");
    assert!(
        strict.metric("ocitrust_fact_cache_hits_total{tier=\"redis\"}") >= 1.0,
        "the signature facts were shared"
    );
}

#[test]
fn replicas_share_facts_through_redis_and_a_tampered_or_missing_store_changes_no_decision() {
    let s = setup("admission-redis");
    let mut redis = Redis::start(&s.peers.work.join("redis"));
    let secret = s.peers.work.join("cache.key");
    std::fs::write(&secret, [7u8; 32]).unwrap();
    let url = redis.url();
    let args = [
        "--policy",
        s.policy.to_str().unwrap(),
        "--redis",
        &url,
        "--cache-key-file",
        secret.to_str().unwrap(),
    ];
    let start = |name: &str| Server::start(&s.peers.work, name, &args);
    let first = start("first");
    assert_eq!(first.validate_pod(&[&s.signed])["allowed"], true);
    let signed_keys = redis.keys(FACTS_PREFIX);
    assert_eq!(signed_keys.len(), 1, "{signed_keys:?}");
    assert_eq!(first.validate_pod(&[&s.unsigned])["allowed"], false);
    let all_keys = redis.keys(FACTS_PREFIX);
    let unsigned_key = all_keys
        .iter()
        .find(|k| !signed_keys.contains(k))
        .expect("the unsigned image's facts")
        .clone();

    let second = start("second");
    assert_eq!(second.validate_pod(&[&s.signed])["allowed"], true);
    assert_eq!(
        second.metric("ocitrust_fact_cache_hits_total{tier=\"redis\"}"),
        1.0,
        "the first request is a hit"
    );
    assert_eq!(second.metric("ocitrust_verifications_total"), 0.0);

    // The signed image's (valid) entry copied over the unsigned image's: another key's, refused.
    ok(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{cli} -h 127.0.0.1 -p {port} --raw GET {from} | head -c -1 | {cli} -h 127.0.0.1 -p {port} -x SET {to}",
                cli = tool("OCITRUST_REDIS_CLI"),
                port = redis.port,
                from = signed_keys[0],
                to = unsigned_key
            ))
            .output()
            .unwrap(),
        "copying an entry",
    );
    let third = start("third");
    assert_eq!(third.validate_pod(&[&s.unsigned])["allowed"], false);
    assert_eq!(third.metric("ocitrust_fact_cache_rejected_total{tier=\"redis\"}"), 1.0);
    // A forged entry (garbage under the signed image's key) is refused; verified live, still allowed.
    redis.cli(&[
        "SET",
        &signed_keys[0],
        "OTF1forged-entry-of-any-length-at-all-and-more-bytes-here",
    ]);
    let fourth = start("fourth");
    assert_eq!(fourth.validate_pod(&[&s.signed])["allowed"], true);
    assert_eq!(fourth.metric("ocitrust_fact_cache_rejected_total{tier=\"redis\"}"), 1.0);
    assert_eq!(fourth.metric("ocitrust_verifications_total"), 1.0);

    // Redis stops mid-run: every decision stays the same, verified live.
    redis.stop();
    let fifth = start("fifth");
    for _ in 0..2 {
        assert_eq!(fifth.validate_pod(&[&s.signed])["allowed"], true);
        assert_eq!(fifth.validate_pod(&[&s.unsigned])["allowed"], false);
        assert_eq!(first.validate_pod(&[&s.unsigned])["allowed"], false);
    }
    assert!(fifth.metric("ocitrust_redis_errors_total") >= 1.0);
}

/// A loopback TCP proxy to `target` that holds each new connection for `delay` before relaying it.
fn slow_proxy(target: String, delay: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let target = target.clone();
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let Ok(upstream) = std::net::TcpStream::connect(&target) else {
                    return;
                };
                let (mut c1, mut u1) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut u1);
                    let _ = u1.shutdown(std::net::Shutdown::Write);
                });
                let (mut u2, mut c2) = (upstream, client);
                let _ = std::io::copy(&mut u2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    address
}

#[test]
fn a_verification_slower_than_the_deadline_is_denied_in_time_and_its_result_serves_the_retry() {
    let s = setup("admission-deadline");
    let proxy = slow_proxy(s.peers.registry.address.clone(), Duration::from_millis(2500));
    let slow = s.signed.replace(&s.peers.registry.address, &proxy);
    let server = Server::start(&s.peers.work, "server", &["--policy", s.policy.to_str().unwrap()]);
    let body = review("", "Pod", None, pod(&[&slow])).to_string();
    let began = Instant::now();
    let (status, text) = server.call("POST", "/validate?timeout=1s", body.as_bytes());
    let took = began.elapsed();
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        answer["response"]["allowed"], false,
        "never allowed for want of an answer: {text}"
    );
    assert!(
        message(&answer["response"]).contains("did not finish in 1.0s"),
        "{text}"
    );
    assert!(
        took < Duration::from_millis(2500),
        "answered before the registry did ({took:?})"
    );
    assert_eq!(
        server.metric("ocitrust_admission_decisions_total{result=\"denied\",unfinished=\"true\"}"),
        1.0
    );
    // The evaluation went on; the retry finds its facts (the connection it opened is reused).
    let mut retried = Value::Null;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(250));
        if server.metric("ocitrust_verifications_total") >= 1.0 {
            let (_, text) = server.call("POST", "/validate?timeout=10s", body.as_bytes());
            retried = serde_json::from_str(&text).unwrap();
            break;
        }
    }
    assert_eq!(retried["response"]["allowed"], true, "{retried}");
}

/// Signs `reference` keyless with cosign v3 inside a fresh loopback Sigstore; leaves the stack's
/// trusted root (`keyless/trusted_root.json`) and issuer (`keyless/issuer`) in the peers' work.
fn sign_keyless(peers: &Peers, reference: &str) -> PathBuf {
    let commands = format!(
        r#""{v3}" sign --yes --signing-config "$SIGSTORE_STACK_SIGNING_CONFIG" --trusted-root "$SIGSTORE_STACK_TRUSTED_ROOT" \
  --identity-token "$SIGSTORE_STACK_TOKEN" "{reference}""#,
        v3 = tool("OCITRUST_COSIGN_V3"),
    );
    peers.in_sigstore_stack(
        "keyless",
        &commands,
        "keyless signing by cosign v3 against the loopback Sigstore",
    )
}

/// Signs `reference` (by digest) with notation under a test key `admission`; returns the
/// certificate's path.
fn sign_notation(peers: &Peers, reference: &str) -> PathBuf {
    let config = peers.dir("notation-config");
    let env = [("XDG_CONFIG_HOME", config.to_str().unwrap())];
    let notation = tool("OCITRUST_NOTATION");
    ok(
        run(
            &notation,
            &["cert", "generate-test", "admission", "--default"],
            &peers.work,
            &env,
        ),
        "notation cert generate-test",
    );
    ok(
        run(
            &notation,
            &["sign", "--insecure-registry", reference],
            &peers.work,
            &env,
        ),
        "notation sign",
    );
    config.join("notation/localkeys/admission.crt")
}

#[test]
fn keyless_and_notation_signatures_admit_their_images_and_the_wrong_identity_denies() {
    let s = setup("admission-ecosystems");
    let address = s.peers.registry.address.clone();
    let keyless = format!("{address}/keyless:v1");
    let notary = format!("{address}/notary:v1");
    for copy in [&keyless, &notary] {
        ok(
            run(
                &s.peers.crane,
                &["copy", "--insecure", &s.signed, copy],
                &s.peers.work,
                &[],
            ),
            "crane copy",
        );
    }
    let keyless_work = sign_keyless(&s.peers, &keyless);
    let issuer = std::fs::read_to_string(keyless_work.join("issuer")).unwrap();
    let notary_pinned = format!("{address}/notary@{}", s.peers.digest(&notary));
    let certificate = sign_notation(&s.peers, &notary_pinned);
    let policy = |identity: &str, x509_subject: &str| {
        let path = s.peers.work.join(format!("ecosystems-{identity}.yaml"));
        std::fs::write(
            &path,
            format!(
                "apiVersion: ocitrust.dev/v1alpha1
kind: TrustPolicy
defaults: {{noMatch: deny}}
trustRoots:
  stack: {{sigstore: {{trustedRoot: keyless/trusted_root.json}}}}
  notary-ca: {{x509: {{ca: [{certificate}]}}}}
authorities:
  release-key: {{cosign: {{key: keys/cosign.pub, tlog: ignore}}}}
  ci: {{keyless: {{trustRoot: stack, issuer: \"{issuer}\", identity: \"{identity}\"}}}}
  notary: {{notation: {{trustRoots: [notary-ca], trustedIdentities: [\"x509.subject: {x509_subject}\"], level: strict}}}}
policies:
- {{name: key, scope: [\"{address}/signed\"], signatures: {{atLeast: 1, of: [release-key]}}}}
- {{name: keyless, scope: [\"{address}/keyless\"], signatures: {{atLeast: 1, of: [ci]}}}}
- {{name: notation, scope: [\"{address}/notary\"], signatures: {{atLeast: 1, of: [notary]}}}}
",
                certificate = certificate.display(),
            ),
        )
        .unwrap();
        path
    };
    let subject = "C=US, ST=WA, L=Seattle, O=Notary, CN=admission";
    let right = policy("ci@example.com", subject);
    let server = Server::start(
        &s.peers.work,
        "right",
        &["--policy", right.to_str().unwrap(), "--mutate-digest"],
    );
    let images = [s.signed.as_str(), keyless.as_str(), notary.as_str()];
    let allowed = server.review("/mutate", "", "Pod", None, pod(&images));
    assert_eq!(allowed["allowed"], true, "{allowed}\n{}", server.log_text());
    assert_eq!(patch(&allowed).len(), 3, "{allowed}");
    // Warm: the same answer from the cache.
    assert_eq!(server.validate_pod(&images)["allowed"], true);
    assert!(server.metric("ocitrust_fact_cache_hits_total{tier=\"memory\"}") >= 3.0);

    let wrong = policy(
        "someone-else@example.com",
        "C=US, ST=WA, L=Seattle, O=Notary, CN=somebody",
    );
    let server = Server::start(&s.peers.work, "wrong", &["--policy", wrong.to_str().unwrap()]);
    let denied = server.validate_pod(&images);
    assert_eq!(denied["allowed"], false, "{denied}");
    let why = message(&denied);
    assert_eq!(why.lines().count(), 2, "{why}");
    assert!(why.lines().any(|l| l.starts_with(&keyless)), "{why}");
    assert!(why.lines().any(|l| l.starts_with(&notary)), "{why}");
}

/// deploy/webhooks.yaml's documents, each pointed at `server` (a URL instead of the in-cluster
/// Service) with its CA: what make-secrets.sh does for a cluster.
fn deploy_webhooks(server: &Server) -> Vec<String> {
    let ca = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&server.ca).unwrap());
    let text = std::fs::read_to_string(root().join("deploy/webhooks.yaml")).unwrap();
    text.split("\n---\n")
        .map(|document| {
            document
                .lines()
                .map(|line| match line.trim_start().strip_prefix("service: {") {
                    Some(service) => {
                        let path = service.split("path: ").nth(1).unwrap().split(',').next().unwrap();
                        format!("    url: https://{}{path}", server.address)
                    }
                    None if line.trim_start().starts_with("caBundle:") => format!("    caBundle: {ca}"),
                    None => line.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

fn named_pod(name: &str, images: &[&str]) -> Value {
    let mut pod = pod(images);
    pod["metadata"] = json!({"name": name});
    pod
}

#[test]
fn a_real_kube_apiserver_admits_signed_workloads_pinned_and_refuses_the_rest_through_deploy_manifests() {
    let s = setup("admission-kube");
    let mut server = Some(Server::start(
        &s.peers.work,
        "server",
        &["--policy", s.policy.to_str().unwrap(), "--mutate-digest"],
    ));
    let kube = Kube::start(&s.peers.work.join("kube"));
    // The namespaces and their default service accounts (no controller manager runs to make them).
    for namespace in ["team-a", "ocitrust-system"] {
        kube.create(
            "/api/v1/namespaces",
            &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}),
        );
        kube.create(
            &format!("/api/v1/namespaces/{namespace}/serviceaccounts"),
            &json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}),
        );
    }
    for document in deploy_webhooks(server.as_ref().unwrap()) {
        let collection = if document.contains("kind: MutatingWebhookConfiguration") {
            "mutatingwebhookconfigurations"
        } else {
            "validatingwebhookconfigurations"
        };
        let path = format!("/apis/admissionregistration.k8s.io/v1/{collection}");
        let (status, body) = kube.call("POST", &path, Some(&document), "application/yaml");
        assert_eq!(status, 201, "the API server takes deploy/webhooks.yaml: {body}");
    }
    let (signed, unsigned) = (s.signed.as_str(), s.unsigned.as_str());
    let pods = "/api/v1/namespaces/team-a/pods";
    // The API server applies webhook configurations once its informer has them.
    let mut refused = None;
    for attempt in 0..40 {
        let (status, body) = kube.call(
            "POST",
            pods,
            Some(&named_pod(&format!("unsigned-{attempt}"), &[unsigned]).to_string()),
            "application/json",
        );
        if status != 201 {
            refused = Some((status, body));
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let (status, body) = refused.expect("the webhooks never took effect");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("denied the request") && body.contains(unsigned), "{body}");

    // A signed Pod is admitted, its image pinned to the digest that was verified.
    kube.create(pods, &named_pod("signed", &[signed]));
    let (_, stored) = kube.call("GET", &format!("{pods}/signed"), None, "");
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        stored["spec"]["containers"][0]["image"],
        format!("{signed}@{}", s.signed_digest)
    );

    // Workloads: a signed Deployment is admitted and pinned; unsigned Deployments and CronJobs are not.
    let deployment = |name: &str, image: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec(&[image])}}})
    };
    let deployments = "/apis/apps/v1/namespaces/team-a/deployments";
    kube.create(deployments, &deployment("signed", signed));
    let (_, stored) = kube.call("GET", &format!("{deployments}/signed"), None, "");
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        stored["spec"]["template"]["spec"]["containers"][0]["image"],
        format!("{signed}@{}", s.signed_digest)
    );
    let (status, body) = kube.call(
        "POST",
        deployments,
        Some(&deployment("unsigned", unsigned).to_string()),
        "application/json",
    );
    assert_eq!(status, 403, "{body}");
    let mut job_spec = json!({"template": template(&[unsigned])});
    job_spec["template"]["spec"]["restartPolicy"] = json!("Never");
    let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
                         "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": job_spec}}});
    let (status, body) = kube.call(
        "POST",
        "/apis/batch/v1/namespaces/team-a/cronjobs",
        Some(&cronjob.to_string()),
        "application/json",
    );
    assert_eq!(status, 403, "{body}");

    // kubectl debug's way in: an unsigned ephemeral container is refused.
    let debug =
        json!([{"op": "add", "path": "/spec/ephemeralContainers", "value": [{"name": "debug", "image": unsigned}]}]);
    let (status, body) = kube.call(
        "PATCH",
        &format!("{pods}/signed/ephemeralcontainers"),
        Some(&debug.to_string()),
        "application/json-patch+json",
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains(unsigned), "{body}");

    // The webhook's own namespace is not judged.
    kube.create(
        "/api/v1/namespaces/ocitrust-system/pods",
        &named_pod("unsigned", &[unsigned]),
    );

    // No webhook answering: nothing is admitted (failurePolicy Fail).
    server = None;
    drop(server);
    let (status, body) = kube.call(
        "POST",
        pods,
        Some(&named_pod("while-down", &[signed]).to_string()),
        "application/json",
    );
    assert_ne!(status, 201, "admitted with no webhook answering: {body}");
    assert!(body.contains("failed calling webhook"), "{body}");
}

#[test]
fn a_rotated_certificate_is_served_without_a_restart() {
    let s = setup("admission-rotation");
    let server = Server::start(&s.peers.work, "server", &["--policy", s.policy.to_str().unwrap()]);
    assert_eq!(server.get("/healthz").0, 200);
    // A new CA and certificate written over the served files, as a rotated Secret is.
    let rotated = s.peers.dir("rotated");
    make_test_ca_and_server_certificate(&rotated);
    for name in ["server.pem", "server.key"] {
        std::fs::copy(rotated.join(name), s.peers.work.join("tls").join(name)).unwrap();
    }
    let with_new_ca = Server {
        address: server.address.clone(),
        ca: rotated.join("ca.pem"),
        log: s.peers.work.join("rotated.log"),
        pid: 0,
        process: Background::new(Command::new("true").spawn().unwrap()),
    };
    let mut served = false;
    for _ in 0..60 {
        if with_new_ca.get("/healthz").0 == 200 {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(served, "the new certificate was never served:\n{}", server.log_text());
    assert_eq!(server.get("/healthz").0, 0, "the old CA no longer verifies the server");
    assert_eq!(with_new_ca.validate_pod(&[&s.signed])["allowed"], true);
}

#[test]
fn told_to_stop_the_server_finishes_the_reviews_in_flight_and_accepts_no_more() {
    let s = setup("admission-shutdown");
    let proxy = slow_proxy(s.peers.registry.address.clone(), Duration::from_millis(1500));
    let slow = s.signed.replace(&s.peers.registry.address, &proxy);
    let mut server = Server::start(&s.peers.work, "server", &["--policy", s.policy.to_str().unwrap()]);
    let body = review("", "Pod", None, pod(&[&slow])).to_string();
    let in_flight = {
        let (address, ca, body) = (server.address.clone(), server.ca.clone(), body.clone());
        std::thread::spawn(move || {
            let out = Command::new("curl")
                .args(["-s", "--max-time", "60", "--cacert"])
                .arg(&ca)
                .args(["--data-binary", &body])
                .arg(format!("https://{address}/validate?timeout=20s"))
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    let terminated = Command::new("kill")
        .args(["-TERM", &server.pid.to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let answer: Value = serde_json::from_str(&in_flight.join().unwrap()).expect("the review in flight is answered");
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    // Then it is gone, having exited cleanly, and nothing more is accepted.
    let mut exited = None;
    for _ in 0..100 {
        exited = server.process.exited();
        if exited.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        exited.is_some_and(|status| status.success()),
        "{exited:?}:\n{}",
        server.log_text()
    );
    assert!(
        server.log_text().contains("finishing the reviews in flight"),
        "{}",
        server.log_text()
    );
    assert_eq!(server.get("/healthz").0, 0, "no longer accepting");
}

/// Waits (up to a minute) until `series` is at least `value`.
fn wait_for_metric(server: &Server, series: &str, value: f64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.metric(series) < value {
        assert!(
            Instant::now() < deadline,
            "{series} never reached {value}\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_server_keeps_its_trust_material_current_through_tuf_and_keeps_the_last_good_when_the_mirror_fails() {
    let s = setup("admission-tuf");
    let keyless = format!("{}/keyless:v1", s.peers.registry.address);
    ok(
        run(
            &s.peers.crane,
            &["copy", "--insecure", &s.signed, &keyless],
            &s.peers.work,
            &[],
        ),
        "crane copy",
    );
    let keyless_work = sign_keyless(&s.peers, &keyless);
    let issuer = std::fs::read_to_string(keyless_work.join("issuer")).unwrap();
    // The TUF repository first publishes the production root, which does not know this Sigstore,
    // with a timestamp that expires in 4 s (the server refreshes from the mirror only then).
    let mut repository =
        tuf_repository::Repository::new("admission-tuf-repository", &tuf_repository::production_root(), 4);
    let policy = s.peers.work.join("tuf-policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "apiVersion: ocitrust.dev/v1alpha1\nkind: TrustPolicy\ntrustRoots:\n  public-good: {{sigstore: {{trustedRoot: embedded}}}}\nauthorities:\n  ci: {{keyless: {{trustRoot: public-good, issuer: \"{issuer}\", identity: ci@example.com}}}}\npolicies:\n- {{name: keyless, scope: [\"{}/keyless\"], signatures: {{atLeast: 1, of: [ci]}}}}\n",
            s.peers.registry.address
        ),
    )
    .unwrap();
    let mirror = repository.mirror();
    let tuf_root = repository.metadata("1.root.json");
    let server = Server::start_with_env(
        &s.peers.work,
        "tuf",
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--tuf-mirror",
            &mirror,
            "--tuf-root",
            tuf_root.to_str().unwrap(),
            "--trust-refresh-interval",
            "1s",
        ],
        &[("XDG_CACHE_HOME", repository.cache.to_str().unwrap())],
    );
    let denied = server.validate_pod(&[&keyless]);
    assert_eq!(denied["allowed"], false, "{denied}");
    wait_for_metric(&server, "ocitrust_trust_refreshes_total{result=\"ok\"}", 1.0);

    // The repository rotates its root and publishes this Sigstore's trusted root (its timestamp
    // expiring in 10 s). Once the server's cached timestamp has expired, it picks that up on its
    // own, without a restart.
    repository.edit(&[
        "publish",
        "--rotate-root",
        "--target",
        keyless_work.join("trusted_root.json").to_str().unwrap(),
        "--timestamp-expires",
        "10",
    ]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let answer = server.validate_pod(&[&keyless]);
        if answer["allowed"] == true {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never allowed: {answer}\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        server.log_text().contains("(root v2, timestamp v2"),
        "{}",
        server.log_text()
    );

    // The mirror goes away and the cached timestamp expires: refreshes fail, the last good
    // material stays in force, and nothing is allowed that was not before.
    repository.stop();
    let failed = server.metric("ocitrust_trust_refreshes_total{result=\"failed\"}");
    wait_for_metric(
        &server,
        "ocitrust_trust_refreshes_total{result=\"failed\"}",
        failed + 2.0,
    );
    assert!(
        server
            .log_text()
            .contains("refreshing the trust material failed; the last good material stays in force"),
        "{}",
        server.log_text()
    );
    let (status, _) = server.get("/healthz");
    assert_eq!(status, 200);
    assert_eq!(server.validate_pod(&[&keyless])["allowed"], true);
    let unsigned = server.validate_pod(&[&s.unsigned]);
    assert_eq!(unsigned["allowed"], false, "{unsigned}");
}
