//! A real control plane on loopback for the admission end-to-end test: Debian's etcd and
//! kube-apiserver (built from k8s.io/kubernetes by tests/tools/install.sh), with one static bearer
//! token for a cluster admin. No scheduler or kubelet: Pods are created, admitted and stored,
//! never run. Stopped on drop. OCITRUST_ETCD and OCITRUST_KUBE_APISERVER name the binaries.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::peers::{tool, Background};

const TOKEN: &str = "ocitrust-test-admin-token";

pub struct Kube {
    pub url: String,
    ca: PathBuf,
    _apiserver: Background,
    _etcd: Background,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Kube {
    pub fn start(dir: &Path) -> Kube {
        std::fs::create_dir_all(dir).unwrap();
        let (client, peer, secure) = (free_port(), free_port(), free_port());
        let etcd = Command::new(tool("OCITRUST_ETCD"))
            .arg("--data-dir")
            .arg(dir.join("etcd"))
            .args(["--listen-client-urls", &format!("http://127.0.0.1:{client}")])
            .args(["--advertise-client-urls", &format!("http://127.0.0.1:{client}")])
            .args(["--listen-peer-urls", &format!("http://127.0.0.1:{peer}")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("etcd.log")).unwrap())
            .spawn()
            .expect("starting etcd");
        let etcd = Background::new(etcd);
        openssl(dir, &["genrsa", "-out", "sa.key", "2048"]);
        openssl(dir, &["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
        std::fs::write(dir.join("tokens.csv"), format!("{TOKEN},admin,admin,system:masters\n")).unwrap();
        let apiserver = Command::new(tool("OCITRUST_KUBE_APISERVER"))
            .args([
                &format!("--etcd-servers=http://127.0.0.1:{client}"),
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-account-key-file=sa.pub",
                "--service-account-signing-key-file=sa.key",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--cert-dir=certs",
                &format!("--secure-port={secure}"),
                "--bind-address=127.0.0.1",
                "--token-auth-file=tokens.csv",
                "--authorization-mode=RBAC",
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("apiserver.log")).unwrap())
            .spawn()
            .expect("starting kube-apiserver");
        let kube = Kube {
            url: format!("https://127.0.0.1:{secure}"),
            ca: dir.join("certs/apiserver.crt"),
            _apiserver: Background::new(apiserver),
            _etcd: etcd,
        };
        for _ in 0..240 {
            if kube.ca.exists() && kube.call("GET", "/readyz", None, "").1.trim() == "ok" {
                return kube;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "kube-apiserver did not become ready:\n{}",
            std::fs::read_to_string(dir.join("apiserver.log")).unwrap_or_default()
        );
    }

    /// Sends `body` (of `content_type`) with `method` to `path`; the status and the body answered.
    pub fn call(&self, method: &str, path: &str, body: Option<&str>, content_type: &str) -> (u16, String) {
        let mut command = Command::new("curl");
        command
            .args(["-s", "--max-time", "60", "-w", "\n%{http_code}", "-X", method])
            .arg("--cacert")
            .arg(&self.ca)
            .args(["-H", &format!("Authorization: Bearer {TOKEN}")]);
        if let Some(body) = body {
            command.args(["-H", &format!("Content-Type: {content_type}"), "--data-binary", body]);
        }
        let out = command
            .arg(format!("{}{path}", self.url))
            .output()
            .expect("running curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (status.trim().parse().unwrap_or(0), body.to_owned())
    }

    /// Creates the object `json` at `path`, which must succeed.
    pub fn create(&self, path: &str, json: &serde_json::Value) {
        let (status, body) = self.call("POST", path, Some(&json.to_string()), "application/json");
        assert_eq!(status, 201, "creating at {path}: {body}");
    }
}
