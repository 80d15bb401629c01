//! Registry authentication: parsing `WWW-Authenticate` challenges, and finding credentials the way
//! Docker and cosign do (explicit, then `config.json` `auths`, `credHelpers`, `credsStore`).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use ocitrust_core::{Error, ErrorCode, Result};
use serde::Deserialize;

use super::options::{Credentials, RegistryOptions};
use crate::file::read_bounded;

/// Largest `config.json` read, and largest credential-helper answer.
const DOCKER_CONFIG_SIZE_MAX: u64 = 1024 * 1024;
/// How long a credential helper may take.
const CREDENTIAL_HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `Basic realm=…`: send the credentials with every request.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`: get a token from `realm`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

impl Challenge {
    /// Parses the header value; `None` for schemes ocitrust does not speak.
    pub(crate) fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        let params = parse_params(rest);
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic);
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(Challenge::Bearer {
                realm: params.get("realm")?.clone(),
                service: params.get("service").cloned(),
                scope: params.get("scope").cloned(),
            });
        }
        None
    }
}

/// `key="value", key=token, …` (RFC 7235 auth-params), keys lower-cased.
fn parse_params(text: &str) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if key.is_empty() {
            return params;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_owned();
        }
        params.insert(key, value);
    }
}

#[derive(Debug, Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, DockerAuth>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DockerAuth {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// The credentials for `registry`: the explicit ones, else Docker's configuration, else none.
pub(crate) fn credentials_for(registry: &str, options: &RegistryOptions) -> Result<Option<Credentials>> {
    if let Some(credentials) = &options.credentials {
        return Ok(Some(credentials.clone()));
    }
    let Some(dir) = options.docker_config_dir.clone().or_else(default_docker_config_dir) else {
        return Ok(None);
    };
    let path = dir.join("config.json");
    if !path.exists() {
        return Ok(None);
    }
    let bytes = read_bounded(&path, DOCKER_CONFIG_SIZE_MAX)?;
    let config: DockerConfig = serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{}: not a Docker config.json: {e}", path.display()),
        )
    })?;
    let keys = config_keys(registry);
    if let Some(helper) = keys.iter().find_map(|k| config.cred_helpers.get(k)) {
        return run_helper(helper, &keys[0]);
    }
    if let Some(auth) = keys.iter().find_map(|k| config.auths.get(k)) {
        if let Some(credentials) = decode_auth(auth, &path)? {
            return Ok(Some(credentials));
        }
    }
    match &config.creds_store {
        Some(store) => run_helper(store, &keys[0]),
        None => Ok(None),
    }
}

fn default_docker_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".docker")))
}

/// The keys Docker files credentials for `registry` under.
fn config_keys(registry: &str) -> Vec<String> {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => vec![
            "https://index.docker.io/v1/".to_owned(),
            "index.docker.io".to_owned(),
            "docker.io".to_owned(),
        ],
        host => vec![host.to_owned(), format!("https://{host}"), format!("http://{host}")],
    }
}

fn decode_auth(auth: &DockerAuth, path: &Path) -> Result<Option<Credentials>> {
    if let Some(token) = &auth.identity_token {
        return Ok(Some(Credentials {
            username: "<token>".into(),
            password: token.clone(),
        }));
    }
    if let (Some(username), Some(password)) = (&auth.username, &auth.password) {
        return Ok(Some(Credentials {
            username: username.clone(),
            password: password.clone(),
        }));
    }
    let Some(encoded) = &auth.auth else { return Ok(None) };
    let invalid = |why: &str| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{}: an `auth` entry {why}", path.display()),
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| invalid("is not base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| invalid("is not UTF-8"))?;
    let (username, password) = text.split_once(':').ok_or_else(|| invalid("is not user:password"))?;
    Ok(Some(Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    }))
}

/// Asks `docker-credential-<helper> get` for the credentials of `server`.
fn run_helper(helper: &str, server: &str) -> Result<Option<Credentials>> {
    if helper.is_empty() || !helper.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("invalid credential helper name {helper:?}"),
        ));
    }
    let program = format!("docker-credential-{helper}");
    let failed = |why: String| Error::new(ErrorCode::Io, format!("credential helper {program}: {why}"));
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|e| failed(e.to_string()))?;
    }
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| failed(e.to_string()))? {
            break status;
        }
        if started.elapsed() > CREDENTIAL_HELPER_TIMEOUT {
            let _ = child.kill();
            return Err(failed(format!(
                "no answer within {}s",
                CREDENTIAL_HELPER_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout
            .take(DOCKER_CONFIG_SIZE_MAX)
            .read_to_end(&mut out)
            .map_err(|e| failed(e.to_string()))?;
    }
    if !status.success() {
        // Helpers answer "credentials not found in native keychain" with a failure: no credentials.
        if String::from_utf8_lossy(&out).contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!("exited with {status}")));
    }
    let answer: HelperAnswer = serde_json::from_slice(&out).map_err(|e| failed(format!("unreadable answer: {e}")))?;
    Ok(Some(Credentials {
        username: answer.username,
        password: answer.secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        assert_eq!(
            Challenge::parse(
                r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull".into()),
            })
        );
        assert_eq!(
            Challenge::parse(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            Challenge::parse(r#"bearer realm="r\"q", error="insufficient_scope""#),
            Some(Challenge::Bearer {
                realm: "r\"q".into(),
                service: None,
                scope: None
            })
        );
        assert_eq!(
            Challenge::parse("Bearer service=x"),
            None,
            "a bearer challenge needs a realm"
        );
        assert_eq!(Challenge::parse("Negotiate abc"), None);
    }

    fn config_dir(name: &str, json: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ocitrust-docker-config-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.json"), json).unwrap();
        dir
    }

    #[test]
    fn reads_docker_config_auths() {
        let dir = config_dir(
            "auths",
            r#"{"auths":{"127.0.0.1:5000":{"auth":"YWxpY2U6czNjcjN0"},"https://index.docker.io/v1/":{"auth":"Ym9iOnB3"}}}"#,
        );
        let options = RegistryOptions {
            docker_config_dir: Some(dir.clone()),
            ..Default::default()
        };
        let c = credentials_for("127.0.0.1:5000", &options).unwrap().unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("alice", "s3cr3t"));
        assert_eq!(credentials_for("docker.io", &options).unwrap().unwrap().username, "bob");
        assert_eq!(credentials_for("ghcr.io", &options).unwrap(), None);
        let explicit = RegistryOptions {
            credentials: Some(Credentials {
                username: "x".into(),
                password: "y".into(),
            }),
            ..options
        };
        assert_eq!(
            credentials_for("127.0.0.1:5000", &explicit).unwrap().unwrap().username,
            "x"
        );
        assert!(
            !format!("{:?}", explicit.credentials).contains('y'),
            "passwords are redacted from Debug"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_configs_and_helpers_are_errors() {
        let dir = config_dir(
            "bad",
            r#"{"auths":{"r.example":{"auth":"not base64!"}},"credHelpers":{"h.example":"../evil"}}"#,
        );
        let options = RegistryOptions {
            docker_config_dir: Some(dir.clone()),
            ..Default::default()
        };
        assert_eq!(
            credentials_for("r.example", &options).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            credentials_for("h.example", &options).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        std::fs::write(dir.join("config.json"), r#"{"credsStore":"ocitrust-no-such-helper"}"#).unwrap();
        let err = credentials_for("any.example", &options).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io);
        assert!(
            err.message().contains("docker-credential-ocitrust-no-such-helper"),
            "{err}"
        );
        std::fs::write(dir.join("config.json"), "[").unwrap();
        assert_eq!(
            credentials_for("any.example", &options).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
