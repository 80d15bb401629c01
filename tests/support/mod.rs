//! Shared helpers for the CLI and interop tests: the binary, scratch directories, layout surgery.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed sample image (a `cosign save` layout signed by cosign v2.4.3).
pub fn sample_layout() -> PathBuf {
    root().join("examples/sample-image/layout")
}

/// The sample image's public key.
pub fn sample_pub() -> PathBuf {
    root().join("examples/sample-image/cosign.pub")
}

/// A fresh scratch directory under the target dir, removed first if it exists.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ocitrust-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A scratch copy of the sample layout.
pub fn sample_copy(name: &str) -> PathBuf {
    let dir = scratch(name).join("layout");
    copy_dir(&sample_layout(), &dir);
    dir
}

/// Runs `ocitrust` with `args` in `cwd`, with `env` added and COSIGN_PASSWORD removed unless given.
pub fn ocitrust_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    ocitrust_with_input(cwd, args, env, b"")
}

/// [`ocitrust_in`] with `input` on standard input.
pub fn ocitrust_with_input(cwd: &Path, args: &[&str], env: &[(&str, &str)], input: &[u8]) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocitrust"));
    // A cache of the tests' own (unless a test names one): a TUF cache `ocitrust initialize` made in
    // the user's ~/.cache must not change which trusted root the tests verify under.
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ocitrust-xdg-cache");
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("COSIGN_PASSWORD")
        .env("XDG_CACHE_HOME", cache);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("running ocitrust");
    // A command that exits before reading its input closes the pipe; that is its answer.
    let _ = child.stdin.take().expect("piped stdin").write_all(input);
    let out = child.wait_with_output().expect("running ocitrust");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "ocitrust panicked: {stderr}");
    out
}

/// Runs `ocitrust` in the repository root.
pub fn ocitrust(args: &[&str]) -> Output {
    ocitrust_in(&root(), args, &[])
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the exit code and that standard error contains `needle`.
#[track_caller]
pub fn assert_fails(out: &Output, code: i32, needle: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    assert!(
        stderr(out).contains(needle),
        "expected {needle:?} in stderr: {}",
        stderr(out)
    );
}

/// The `index.json` of a layout as JSON.
pub fn read_index(layout: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap()
}

/// Writes the `index.json` of a layout.
pub fn write_index(layout: &Path, index: &serde_json::Value) {
    std::fs::write(layout.join("index.json"), serde_json::to_vec_pretty(index).unwrap()).unwrap();
}

/// The path of blob `digest` (`sha256:…`) in a layout.
pub fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    let (alg, hex) = digest.split_once(':').unwrap();
    layout.join("blobs").join(alg).join(hex)
}

/// Reads blob `digest` as JSON.
pub fn read_blob_json(layout: &Path, digest: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(blob_path(layout, digest)).unwrap()).unwrap()
}

/// Writes `bytes` as a blob and returns its digest.
pub fn write_blob(layout: &Path, bytes: &[u8]) -> String {
    let digest = ocitrust::Digest::sha256(bytes).to_string();
    std::fs::write(blob_path(layout, &digest), bytes).unwrap();
    digest
}

/// The digest of the index entry whose `kind` annotation is `kind`.
pub fn entry_digest(layout: &Path, kind: &str) -> String {
    read_index(layout)["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["kind"] == kind)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub const KIND_IMAGE: &str = "dev.cosignproject.cosign/image";
pub const KIND_SIGS: &str = "dev.cosignproject.cosign/sigs";

/// Runs `ocitrust generate-key-pair` in `dir` with `password`, asserting success.
#[track_caller]
pub fn generate_key_pair_in(dir: &Path, password: &str) {
    let out = ocitrust_in(dir, &["generate-key-pair"], &[("COSIGN_PASSWORD", password)]);
    assert_eq!(out.status.code(), Some(0), "generate-key-pair: {}", stderr(&out));
}

/// Standard output parsed as JSON (a verdict printed with `-o verdict`), or a failure showing it.
#[track_caller]
pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(out)))
}

/// A throwaway CA (`dir/ca.pem`, `ca.key`) and a certificate it issued for 127.0.0.1
/// (`dir/server.pem`, `server.key`), made with openssl, for loopback TLS servers.
pub fn make_test_ca_and_server_certificate(dir: &Path) {
    make_self_signed_certificate(dir, "ca", "/CN=ocitrust test CA");
    issue_test_certificate(dir, "server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1");
}

/// A client certificate (`dir/client.pem`, `client.key`) issued by the CA that
/// `make_test_ca_and_server_certificate` made in `dir`, for mutual TLS.
pub fn make_test_client_certificate(dir: &Path) {
    issue_test_certificate(dir, "client", "/CN=ocitrust test client", "extendedKeyUsage=clientAuth");
}

/// A P-256 key `dir/NAME.key` and a self-signed certificate `dir/NAME.pem` for `subject`, valid
/// for two days (a CA, or a token issuer).
pub fn make_self_signed_certificate(dir: &Path, name: &str, subject: &str) {
    new_key_and_request(dir, name, subject, &["-x509", "-days", "2"], &format!("{name}.pem"));
}

/// A P-256 key `dir/NAME.key` and a certificate `dir/NAME.pem` for `subject` with `extension`,
/// issued by the CA in `dir/ca.pem` and `ca.key`.
fn issue_test_certificate(dir: &Path, name: &str, subject: &str, extension: &str) {
    let (csr, ext, pem) = (format!("{name}.csr"), format!("{name}.ext"), format!("{name}.pem"));
    new_key_and_request(dir, name, subject, &[], &csr);
    std::fs::write(dir.join(&ext), format!("{extension}\n")).unwrap();
    openssl_in(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "2",
            "-extfile",
            &ext,
        ],
    );
}

/// `openssl req` making the P-256 key `dir/NAME.key` and writing `out` for `subject`: a request,
/// or with `extra` (`-x509 …`) a self-signed certificate.
fn new_key_and_request(dir: &Path, name: &str, subject: &str, extra: &[&str], out: &str) {
    let key = format!("{name}.key");
    let mut args = vec!["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    args.extend_from_slice(extra);
    args.extend(["-keyout", &key, "-out", out, "-subj", subject]);
    openssl_in(dir, &args);
}

/// Runs openssl with `args` in `dir`; it must succeed.
fn openssl_in(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
}

/// What the README states for a hostile verification's peak memory with the default limits.
pub const PEAK_MEMORY_MAX_KIB: u64 = 256 * 1024;

/// The peak resident memory (KiB) of ocitrust run with `args` in the repository root (with the
/// file `input` on standard input, if given), and its output.
pub fn peak_memory(args: &[&str], input: Option<&Path>) -> (u64, Output) {
    let measure = "import resource, subprocess, sys\n\
                   stdin = open(sys.argv[1], 'rb') if sys.argv[1] else subprocess.DEVNULL\n\
                   r = subprocess.run(sys.argv[2:], stdin=stdin, capture_output=True)\n\
                   sys.stdout.buffer.write(b'%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
                   sys.stderr.buffer.write(r.stderr)\n\
                   sys.exit(r.returncode)";
    let out = Command::new("python3")
        .arg("-c")
        .arg(measure)
        .arg(input.map(|p| p.display().to_string()).unwrap_or_default())
        .arg(env!("CARGO_BIN_EXE_ocitrust"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    let kib = stdout(&out).trim().parse().unwrap();
    eprintln!("peak resident memory of ocitrust {}: {kib} KiB", args.join(" "));
    (kib, out)
}
