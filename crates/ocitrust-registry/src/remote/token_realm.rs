//! Where a registry may send a client for a token. A registry names the token server (`realm`) in
//! its challenge, and the client then sends it the registry's credentials; a hostile registry could
//! name an address inside the client's network instead (server-side request forgery: a cloud
//! metadata service at 169.254.169.254, an admin port on loopback). The rules are
//! go-containerregistry's (so cosign's): HTTPS, or HTTP only for a registry reached over plain HTTP
//! anyway; the registry's own host and port always; otherwise never an IP literal on loopback, a
//! private network, link-local or unspecified. Names are not resolved here: DNS-based forgery is for
//! network controls.

use std::net::IpAddr;

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::Url;

/// Checks that `url` (a token realm, or where the token server redirected) may be asked for a token
/// on behalf of the registry at `registry_host` (`host[:port]`), which is reached over plain HTTP
/// when `registry_over_http`.
pub(crate) fn check_token_url(url: &Url, registry_host: &str, registry_over_http: bool) -> Result<()> {
    let refuse = |why: String| {
        Err(Error::new(
            ErrorCode::Network,
            format!("token realm {url}: {why}; refused"),
        ))
    };
    match url.scheme() {
        "https" => {}
        "http" if registry_over_http => {}
        "http" => return refuse("not HTTPS, for a registry reached over HTTPS (credentials would go in clear)".into()),
        other => {
            return refuse(format!(
                "scheme {other:?} (must be https, or http for a plain-HTTP registry)"
            ))
        }
    }
    let host_and_port = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return refuse("no host".into()),
    };
    if host_and_port.eq_ignore_ascii_case(registry_host) {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    match literal.parse::<IpAddr>() {
        Ok(ip) if is_internal(ip) => refuse(format!(
            "{ip} is a loopback, private or link-local address and not the registry itself"
        )),
        _ => Ok(()),
    }
}

/// Loopback, private (RFC 1918, unique local), link-local or unspecified, IPv4-mapped included.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local() || v6.is_unspecified(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, registry: &str, over_http: bool) -> Result<()> {
        check_token_url(&Url::parse(url).unwrap(), registry, over_http)
    }

    #[test]
    fn public_https_realms_and_the_registry_itself_are_allowed() {
        assert!(check("https://auth.docker.io/token", "registry-1.docker.io", false).is_ok());
        assert!(check("https://8.8.8.8/token", "r.example", false).is_ok());
        assert!(check("http://127.0.0.1:5000/token", "127.0.0.1:5000", true).is_ok());
        assert!(check("https://10.0.0.5/token", "10.0.0.5", false).is_ok());
        // Names are not resolved: `localhost` is left to network controls, as go-containerregistry does.
        assert!(check("http://localhost:9000/token", "127.0.0.1:5000", true).is_ok());
    }

    #[test]
    fn internal_addresses_other_than_the_registry_and_downgrades_are_refused() {
        for url in [
            "https://169.254.169.254/latest/meta-data",
            "https://127.0.0.1:9000/token",
            "https://10.1.2.3/token",
            "https://192.168.0.1/token",
            "https://172.16.0.1/token",
            "https://0.0.0.0/token",
            "https://[::1]:9000/token",
            "https://[fd00:ec2::254]/token",
            "https://[fe80::1]/token",
            "https://[::ffff:169.254.169.254]/token",
        ] {
            let err = check(url, "r.example", false).unwrap_err();
            assert!(err.message().contains("not the registry itself"), "{url}: {err}");
        }
        let err = check("http://auth.example/token", "r.example", false).unwrap_err();
        assert!(err.message().contains("not HTTPS"), "{err}");
        assert!(check("file:///etc/passwd", "r.example", true).is_err());
        // Another port on the registry's own loopback address is another service.
        assert!(check("http://127.0.0.1:9000/token", "127.0.0.1:5000", true).is_err());
    }
}
