//! Where a registry's API is and which scheme reaches it.

use std::net::IpAddr;

use ocitrust_core::{Error, ErrorCode, Result};

use super::options::RegistryOptions;

/// The base URL of a registry's API (`https://host[:port]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or `http`.
    pub scheme: &'static str,
    /// The host and port the API answers on.
    pub host: String,
    /// INSECURE (`--allow-insecure-registry`): accept any TLS certificate, and fall back to plain
    /// HTTP when the registry does not speak TLS, as go-containerregistry does for insecure registries.
    pub insecure: bool,
}

impl Endpoint {
    /// The endpoint for `registry` (as in a reference), reached as `options` say. Docker Hub's names
    /// map to its API host. TLS is used unless the registry is on loopback (`localhost`,
    /// `127.0.0.0/8`, `[::1]`), which cosign (go-containerregistry) also reaches over plain HTTP, and
    /// no CA file was given for it. With `allow_insecure`, TLS is tried first without checking the
    /// certificate, then plain HTTP.
    pub fn for_registry(registry: &str, options: &RegistryOptions) -> Result<Self> {
        let allow_insecure = options.allow_insecure;
        if registry.is_empty() || registry.contains(['/', '?', '#', '@', ' ']) {
            return Err(Error::new(
                ErrorCode::InvalidReference,
                format!("invalid registry host {registry:?}"),
            ));
        }
        let host = match registry {
            "docker.io" | "index.docker.io" => "registry-1.docker.io".to_owned(),
            other => other.to_owned(),
        };
        let scheme = if !allow_insecure && options.ca_file.is_none() && is_loopback(&host) {
            "http"
        } else {
            "https"
        };
        Ok(Endpoint {
            scheme,
            host,
            insecure: allow_insecure,
        })
    }

    /// The URL of `path` (which starts with `/v2/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.host, path)
    }
}

/// Whether `host` (with an optional port) names the loopback interface.
fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_except_loopback_or_when_insecure_is_asked() {
        let e = |r: &str, allow_insecure| {
            let options = RegistryOptions {
                allow_insecure,
                ..Default::default()
            };
            Endpoint::for_registry(r, &options).unwrap()
        };
        assert_eq!(e("ghcr.io", false).url("/v2/"), "https://ghcr.io/v2/");
        assert_eq!(e("docker.io", false).host, "registry-1.docker.io");
        assert_eq!(e("127.0.0.1:5000", false).scheme, "http");
        assert_eq!(e("127.1.2.3", false).scheme, "http");
        assert_eq!(e("localhost:5000", false).scheme, "http");
        assert_eq!(e("[::1]:5000", false).scheme, "http");
        assert_eq!(e("192.168.1.10:5000", false).scheme, "https");
        assert_eq!(e("localhost.evil.example", false).scheme, "https");
        assert_eq!(e("127.0.0.1.nip.io", false).scheme, "https");
        let insecure = e("registry.internal:5000", true);
        assert_eq!(
            (insecure.scheme, insecure.insecure),
            ("https", true),
            "TLS first, unverified"
        );
        assert_eq!(e("127.0.0.1:5000", true).scheme, "https");
        assert!(Endpoint::for_registry("a/b", &RegistryOptions::default()).is_err());
        let own_ca = RegistryOptions {
            ca_file: Some("ca.pem".into()),
            ..Default::default()
        };
        assert_eq!(
            Endpoint::for_registry("localhost:5000", &own_ca).unwrap().scheme,
            "https",
            "a CA file means the loopback registry speaks TLS"
        );
    }
}
