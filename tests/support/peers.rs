//! The real peers the interop tests drive: a loopback docker-registry (open, Basic or token auth),
//! crane to push images, cosign, and ocitrust itself with the peers' HOME and Docker config.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

pub fn tool(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the test command (tests/run.sh), which installs the interop peers")
    })
}

pub fn run(program: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env("HOME", cwd)
        .env_remove("COSIGN_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap_or_else(|e| panic!("running {program}: {e}"))
}

#[track_caller]
pub fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({:?})\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(&out),
        stderr(&out)
    );
    out
}

/// A docker-registry on a free loopback port, stopped on drop.
pub struct Registry {
    pub address: String,
    dir: PathBuf,
}

impl Registry {
    /// With `htpasswd`, the registry demands HTTP Basic authentication.
    fn start_with(dir: PathBuf, auth: &Auth) -> Self {
        let script = root().join("tests/tools/registry.sh");
        let mut args = vec![script.to_str().unwrap().to_owned(), dir.to_str().unwrap().to_owned()];
        let mut env = Vec::new();
        match auth {
            Auth::Open => {}
            Auth::OpenOverTls { certificate, key } => {
                env.push(("OCITRUST_REGISTRY_TLS_CERT", certificate.to_str().unwrap().to_owned()));
                env.push(("OCITRUST_REGISTRY_TLS_KEY", key.to_str().unwrap().to_owned()));
            }
            Auth::Basic { htpasswd } => args.push(htpasswd.to_str().unwrap().to_owned()),
            Auth::Token { realm, root_certs } => {
                env.push(("OCITRUST_TOKEN_REALM", realm.clone()));
                env.push(("OCITRUST_TOKEN_SERVICE", TOKEN_SERVICE.to_owned()));
                env.push(("OCITRUST_TOKEN_ISSUER", TOKEN_ISSUER.to_owned()));
                env.push(("OCITRUST_TOKEN_ROOTCERTS", root_certs.to_str().unwrap().to_owned()));
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Self::launch(dir, &args, &env)
    }

    /// Another registry serving `storage` (a registry's data directory, so it holds what was pushed
    /// there) over HTTPS with the server certificate in `tls` (made by
    /// `make_test_ca_and_server_certificate`), demanding a client certificate from the same CA.
    pub fn start_mutual_tls(dir: PathBuf, storage: &Path, tls: &Path) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        let script = root().join("tests/tools/registry.sh");
        let file = |name: &str| tls.join(name).to_str().unwrap().to_owned();
        let (certificate, key, cas) = (file("server.pem"), file("server.key"), file("ca.pem"));
        let env = [
            ("OCITRUST_REGISTRY_STORAGE", storage.to_str().unwrap()),
            ("OCITRUST_REGISTRY_TLS_CERT", certificate.as_str()),
            ("OCITRUST_REGISTRY_TLS_KEY", key.as_str()),
            ("OCITRUST_REGISTRY_TLS_CLIENT_CAS", cas.as_str()),
        ];
        Self::launch(dir.clone(), &[script.to_str().unwrap(), dir.to_str().unwrap()], &env)
    }

    fn launch(dir: PathBuf, args: &[&str], env: &[(&str, &str)]) -> Self {
        let out = ok(run("bash", args, &dir, env), "starting docker-registry");
        Registry {
            address: stdout(&out).trim().to_owned(),
            dir,
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

/// How the test registry authenticates clients.
pub enum Auth {
    Open,
    /// No authentication, over HTTPS with this certificate and key.
    OpenOverTls {
        certificate: PathBuf,
        key: PathBuf,
    },
    /// HTTP Basic against a bcrypt htpasswd file.
    Basic {
        htpasswd: PathBuf,
    },
    /// Bearer tokens from `realm` (tests/tools/token_server.py), signed by a key certified in `root_certs`.
    Token {
        realm: String,
        root_certs: PathBuf,
    },
}

pub const TOKEN_SERVICE: &str = "ocitrust-test-registry";
pub const TOKEN_ISSUER: &str = "ocitrust-test-token-issuer";

/// A child process killed on drop.
pub struct Background(std::process::Child);

impl Background {
    /// Owns `child` until dropped.
    pub fn new(child: std::process::Child) -> Self {
        Background(child)
    }

    /// How it exited, once it has.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().ok().flatten()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Peers {
    cosign: String,
    pub crane: String,
    pub work: PathBuf,
    pub registry: Registry,
    _token_server: Option<Background>,
}

impl Peers {
    pub fn new(name: &str) -> Self {
        Self::with_registry(scratch(name), &Auth::Open, None)
    }

    /// Peers whose registry serves HTTPS with a certificate for 127.0.0.1 from a throwaway CA, whose
    /// certificate is `self.work/tls/ca.pem`.
    pub fn with_own_ca(name: &str) -> Self {
        let work = scratch(name);
        let tls = work.join("tls");
        std::fs::create_dir_all(&tls).unwrap();
        make_test_ca_and_server_certificate(&tls);
        let auth = Auth::OpenOverTls {
            certificate: tls.join("server.pem"),
            key: tls.join("server.key"),
        };
        Self::with_registry(work, &auth, None)
    }

    /// Peers whose registry demands Basic authentication as `user`/`password`; the peers' HOME
    /// (the work dir) holds a Docker config.json with those credentials.
    pub fn with_basic_auth(name: &str, user: &str, password: &str) -> Self {
        let work = scratch(name);
        let htpasswd = work.join("htpasswd");
        ok(
            run(
                "htpasswd",
                &["-Bbc", htpasswd.to_str().unwrap(), user, password],
                &work,
                &[],
            ),
            "htpasswd",
        );
        let peers = Self::with_registry(work.clone(), &Auth::Basic { htpasswd }, None);
        peers.write_docker_config(user, password);
        peers
    }

    /// Peers whose registry demands Bearer tokens from a token server that grants them to
    /// `user`/`password`; the peers' HOME holds a Docker config.json with those credentials.
    pub fn with_token_auth(name: &str, user: &str, password: &str) -> Self {
        let work = scratch(name);
        make_self_signed_certificate(&work, "token", "/CN=ocitrust test token issuer");
        let port_file = work.join("token-port");
        let upstream_file = work.join("token-upstream");
        let child = Command::new("python3")
            .args([
                root().join("tests/tools/token_server.py").to_str().unwrap(),
                port_file.to_str().unwrap(),
                work.join("token.key").to_str().unwrap(),
                work.join("token.pem").to_str().unwrap(),
                TOKEN_ISSUER,
                TOKEN_SERVICE,
                user,
                password,
                upstream_file.to_str().unwrap(),
            ])
            .spawn()
            .expect("starting the token server");
        let server = Background(child);
        let mut port = String::new();
        for _ in 0..100 {
            port = std::fs::read_to_string(&port_file).unwrap_or_default();
            if !port.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(!port.is_empty(), "the token server did not start");
        // The token server fronts the registry, so the realm is on the registry's own host and port:
        // a realm elsewhere on loopback is refused (server-side request forgery), by
        // go-containerregistry (cosign) and ocitrust alike.
        let front = format!("127.0.0.1:{port}");
        let auth = Auth::Token {
            realm: format!("http://{front}/token"),
            root_certs: work.join("token.pem"),
        };
        let mut peers = Self::with_registry(work, &auth, Some(server));
        std::fs::write(&upstream_file, &peers.registry.address).unwrap();
        peers.registry.address = front;
        peers.write_docker_config(user, password);
        peers
    }

    /// Docker's config.json in the peers' HOME, with Basic credentials for the registry.
    pub fn write_docker_config(&self, user: &str, password: &str) {
        let auth = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{user}:{password}"));
        let config = serde_json::json!({"auths": {self.registry.address.clone(): {"auth": auth}}});
        let docker = self.work.join(".docker");
        std::fs::create_dir_all(&docker).unwrap();
        std::fs::write(docker.join("config.json"), config.to_string()).unwrap();
    }

    fn with_registry(work: PathBuf, auth: &Auth, token_server: Option<Background>) -> Self {
        let reg_dir = work.join("registry");
        std::fs::create_dir_all(&reg_dir).unwrap();
        Peers {
            cosign: tool("OCITRUST_COSIGN"),
            crane: tool("OCITRUST_CRANE"),
            registry: Registry::start_with(reg_dir, auth),
            work,
            _token_server: token_server,
        }
    }

    pub fn dir(&self, name: &str) -> PathBuf {
        let d = self.work.join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Builds the tiny test image and pushes it as REPO:v1; returns the reference.
    pub fn push_image(&self, repo: &str) -> String {
        let image = self.work.join(format!("image-{repo}"));
        ok(
            run(
                "python3",
                &[
                    root().join("examples/sample-image/build_image.py").to_str().unwrap(),
                    image.to_str().unwrap(),
                ],
                &self.work,
                &[],
            ),
            "building the image",
        );
        let reference = format!("{}/{repo}:v1", self.registry.address);
        ok(
            run(
                &self.crane,
                &["push", "--insecure", image.to_str().unwrap(), &reference],
                &self.work,
                &[],
            ),
            "crane push",
        );
        reference
    }

    /// The digest of `reference`, as crane sees it.
    pub fn digest(&self, reference: &str) -> String {
        let out = ok(
            run(&self.crane, &["digest", "--insecure", reference], &self.work, &[]),
            "crane digest",
        );
        stdout(&out).trim().to_owned()
    }

    /// Runs ocitrust with the peers' HOME (and so their Docker config), in `cwd`.
    pub fn ocitrust(&self, cwd: &Path, args: &[&str]) -> Output {
        let home = self.work.to_str().unwrap();
        ocitrust_in(
            cwd,
            args,
            &[("HOME", home), ("DOCKER_CONFIG", &format!("{home}/.docker"))],
        )
    }

    /// Runs the shell `commands` in `self.dir(name)` inside a fresh loopback Sigstore
    /// (tests/tools/sigstore_stack.py, which sets the SIGSTORE_STACK_* variables), with these peers'
    /// Docker config; leaves the stack's trusted root (`trusted_root.json`) and OIDC issuer (`issuer`)
    /// in that directory, and returns it. `what` names the step if it fails.
    pub fn in_sigstore_stack(&self, name: &str, commands: &str, what: &str) -> PathBuf {
        let work = self.dir(name);
        let script = work.join("sign.sh");
        std::fs::write(
            &script,
            format!(
                "set -euo pipefail\ncd \"{work}\"\nexport DOCKER_CONFIG=\"{docker}\"\n{commands}\ncp \"$SIGSTORE_STACK_TRUSTED_ROOT\" trusted_root.json\nprintf '%s' \"$SIGSTORE_STACK_ISSUER\" > issuer\n",
                work = work.display(),
                docker = self.work.join(".docker").display(),
            ),
        )
        .unwrap();
        let stack = root().join("tests/tools/sigstore_stack.py");
        let state = work.join("stack");
        let cosign = tool("OCITRUST_COSIGN_V3");
        let args = [
            stack.to_str().unwrap(),
            state.to_str().unwrap(),
            &cosign,
            "--",
            "bash",
            script.to_str().unwrap(),
        ];
        ok(run("python3", &args, &work, &[]), what);
        work
    }

    pub fn cosign(&self, args: &[&str], cwd: &Path, password: &str) -> Output {
        let docker_config = self.work.join(".docker");
        run(
            &self.cosign,
            args,
            cwd,
            &[
                ("COSIGN_PASSWORD", password),
                ("DOCKER_CONFIG", docker_config.to_str().unwrap()),
            ],
        )
    }
}

/// The test timestamp authority (tests/tools/tsa.py: `openssl ts -reply` behind HTTP, its chain
/// file holding the root and the signer, as private OpenSSL TSAs are set up), stopped on drop.
pub struct Tsa {
    pub url: String,
    _process: Background,
}

impl Tsa {
    pub fn start(work: &Path) -> Self {
        let dir = work.join("tsa");
        let child = std::process::Command::new("python3")
            .arg(root().join("tests/tools/tsa.py"))
            .arg(&dir)
            .spawn()
            .expect("starting the TSA");
        let process = Background::new(child);
        let url_file = dir.join("url");
        for _ in 0..100 {
            if let Ok(url) = std::fs::read_to_string(&url_file) {
                return Tsa { url, _process: process };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the TSA did not start");
    }

    /// A Sigstore trusted root (JSON) whose one timestamp authority has the chain `certificates`
    /// (PEM files of tests/fixtures/notation, the signer first): `["tsa.pem", "tsa-root.pem"]` is
    /// this TSA.
    pub fn trusted_root_json(certificates: &[&str]) -> String {
        let base64_der = |name: &&str| {
            let pem = std::fs::read_to_string(root().join("tests/fixtures/notation").join(name)).unwrap();
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            serde_json::json!({ "rawBytes": body })
        };
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "timestampAuthorities": [{
                "uri": "http://127.0.0.1/openssl-ts",
                "certChain": {"certificates": certificates.iter().map(base64_der).collect::<Vec<_>>()},
                "validFor": {"start": "2020-01-01T00:00:00Z"},
            }],
        })
        .to_string()
    }
}
