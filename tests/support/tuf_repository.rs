//! A TUF repository made and signed by python-tuf (tests/tools/tuf_repository.py), served on
//! loopback, and an empty ocitrust cache (XDG_CACHE_HOME) to update from it.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::peers::{tool, Background};
use crate::support::*;

/// A TUF repository in a directory, served on loopback while `server` runs.
pub struct Repository {
    pub dir: PathBuf,
    pub cache: PathBuf,
    server: Option<Background>,
    pub port: u16,
    made: Instant,
}

impl Repository {
    /// A repository whose target is `target`, its timestamp expiring in `timestamp_expires`
    /// seconds, served; and an empty cache (XDG_CACHE_HOME) for ocitrust.
    pub fn new(name: &str, target: &Path, timestamp_expires: i64) -> Self {
        let work = scratch(name);
        let mut repository = Repository {
            dir: work.join("repository"),
            cache: work.join("cache"),
            server: None,
            port: 0,
            made: Instant::now(),
        };
        repository.edit(&[
            "init",
            "--target",
            target.to_str().unwrap(),
            "--timestamp-expires",
            &timestamp_expires.to_string(),
        ]);
        repository.serve(&[]);
        repository
    }

    /// Runs tests/tools/tuf_repository.py COMMAND DIR ARGS.
    pub fn edit(&self, command_and_args: &[&str]) {
        let (command, args) = command_and_args.split_first().unwrap();
        let out = Command::new(tool("OCITRUST_TUF_PYTHON"))
            .arg(root().join("tests/tools/tuf_repository.py"))
            .arg(command)
            .arg(&self.dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "tuf_repository.py {command}: {}", stderr(&out));
    }

    /// Serves the repository (again, on the same port: the cache is the mirror's), with `flags`
    /// (--redirect-to, --endless).
    pub fn serve(&mut self, flags: &[&str]) -> String {
        self.server = None;
        let port_file = self.dir.with_extension("port");
        let _ = fs::remove_file(&port_file);
        let child = Command::new(tool("OCITRUST_TUF_PYTHON"))
            .arg(root().join("tests/tools/tuf_repository.py"))
            .arg("serve")
            .arg(&self.dir)
            .arg(&port_file)
            .args(["--port", &self.port.to_string()])
            .args(flags)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        self.server = Some(Background::new(child));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !port_file.exists() {
            assert!(Instant::now() < deadline, "the TUF server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.port = fs::read_to_string(&port_file).unwrap().parse().unwrap();
        self.mirror()
    }

    pub fn stop(&mut self) {
        self.server = None;
    }

    pub fn mirror(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn metadata(&self, name: &str) -> PathBuf {
        self.dir.join("metadata").join(name)
    }

    /// `ocitrust ARGS` with this repository's cache as XDG_CACHE_HOME.
    pub fn ocitrust(&self, args: &[&str]) -> Output {
        ocitrust_in(&root(), args, &[("XDG_CACHE_HOME", self.cache.to_str().unwrap())])
    }

    pub fn initialize(&self, root_file: Option<&Path>) -> Output {
        let mirror = self.mirror();
        let mut args = vec!["initialize", "--mirror", mirror.as_str()];
        if let Some(root_file) = root_file {
            args.extend(["--root", root_file.to_str().unwrap()]);
        }
        self.ocitrust(&args)
    }

    pub fn initialized(&self) {
        let out = self.initialize(Some(&self.metadata("1.root.json")));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    /// Keyless verification of the committed sample, with `extra` flags, as a verdict.
    pub fn verify_keyless(&self, extra: &[&str]) -> (Output, serde_json::Value) {
        let issuer = fs::read_to_string(root().join("examples/keyless-sample/issuer")).unwrap();
        let mut args = vec![
            "verify",
            "--certificate-identity",
            "ci@example.com",
            "--certificate-oidc-issuer",
            issuer.trim(),
            "-o",
            "verdict",
        ];
        args.extend(extra);
        args.push("oci:examples/keyless-sample/layout-bundle");
        let out = self.ocitrust(&args);
        let verdict = serde_json::from_str(stdout(&out).trim()).unwrap_or(serde_json::Value::Null);
        (out, verdict)
    }

    /// Every file of the cache with its bytes (to see that a refused update changed nothing); not
    /// `.verify/`, where tough records the time and versions of its last checks of the cache.
    pub fn cache_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut stack = vec![self.cache.clone()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.ends_with(".verify") {
                    continue;
                } else if path.is_dir() {
                    stack.push(path);
                } else {
                    files.push((path.clone(), fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    }

    /// The mirror's cache directory.
    pub fn mirror_cache(&self) -> PathBuf {
        let base = self.cache.join("ocitrust/tuf");
        fs::read_dir(&base)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.is_dir())
            .unwrap()
    }

    /// Waits until `seconds` have passed since the repository was made.
    pub fn wait_past(&self, seconds: u64) {
        let until = self.made + Duration::from_secs(seconds);
        if let Some(left) = until.checked_duration_since(Instant::now()) {
            std::thread::sleep(left);
        }
    }
}

pub fn production_root() -> PathBuf {
    root().join("tests/data/sigstore-trusted-root/production.trusted_root.json")
}

pub fn sample_root() -> PathBuf {
    root().join("examples/keyless-sample/trusted_root.json")
}

pub fn sha256_of(path: &Path) -> String {
    ocitrust::Digest::sha256(&fs::read(path).unwrap()).to_string()
}
