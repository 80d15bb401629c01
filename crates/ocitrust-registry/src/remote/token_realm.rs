//! Where a registry may send a client for a token. A registry names the token server (`realm`) in
//! its challenge, and the client then sends it the registry's credentials. The realm must be HTTPS,
//! or HTTP only for a registry reached over plain HTTP anyway (as go-containerregistry, so cosign,
//! requires), and it must pass the address policy every steered request passes
//! ([`super::address_policy`]): the registry's own host and port, or nothing inside a network.

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::Url;

use super::address_policy::AddressPolicy;

/// Checks that `url` (a token realm, or where the token server redirected) may be asked for a token
/// on behalf of the registry `policy` is for, which is reached over plain HTTP when
/// `registry_over_http`.
pub(crate) async fn check_token_url(url: &Url, policy: &AddressPolicy, registry_over_http: bool) -> Result<()> {
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
    policy.check(url, "token realm").await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, registry: &str, over_http: bool) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let policy = AddressPolicy::for_registry(registry);
        runtime.block_on(check_token_url(&Url::parse(url).unwrap(), &policy, over_http))
    }

    #[test]
    fn public_https_realms_and_the_registry_itself_are_allowed() {
        assert!(check("https://8.8.8.8/token", "r.example", false).is_ok());
        assert!(check("http://127.0.0.1:5000/token", "127.0.0.1:5000", true).is_ok());
        assert!(check("https://10.0.0.5/token", "10.0.0.5", false).is_ok());
    }

    #[test]
    fn downgrades_other_schemes_and_internal_addresses_are_refused() {
        let err = check("http://8.8.8.8/token", "r.example", false).unwrap_err();
        assert!(err.message().contains("not HTTPS"), "{err}");
        assert!(check("file:///etc/passwd", "r.example", true).is_err());
        let err = check("https://169.254.169.254/token", "r.example", false).unwrap_err();
        assert!(err.message().contains("link-local"), "{err}");
        // Names are resolved: another port on loopback is another service, whatever it is called.
        assert!(check("http://localhost:9000/token", "127.0.0.1:5000", true).is_err());
        assert!(check("http://127.0.0.1:9000/token", "127.0.0.1:5000", true).is_err());
    }
}
