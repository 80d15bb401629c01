//! An HTTP client for a URL somebody trusted named: a vendor's published key, the OCSP responder
//! or CRL a trusted CA's certificate names. The named host is reached wherever it is (a corporate
//! PKI's CRL server is on a private network); where it redirects is held to the address policy of
//! registries ([`super::address_policy`]): its own host and port, or nothing inside a network
//! (loopback, private, link-local — a cloud metadata service at 169.254.169.254 —, …), checked on
//! the redirect's address and again when the connection is made, and never from HTTPS to HTTP.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::{redirect, Url};

use super::address_policy::{internal_network, AddressPolicy, GuardedResolver};
use super::tls::{verified_config, TlsRoots};

/// Redirects followed for a named URL.
const REDIRECTS_MAX: usize = 5;

/// Why a redirect to `next`, after `previous` (the named URL first), is not followed; `None` to
/// follow it.
fn redirect_refusal(own: &AddressPolicy, previous: &[Url], next: &Url) -> Option<String> {
    let literal = match next.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    let internal = literal.and_then(internal_network).filter(|_| !own.is_own(next));
    let from_https = previous.iter().any(|url| url.scheme() == "https");
    if from_https && next.scheme() != "https" {
        Some("a redirect would leave HTTPS".to_owned())
    } else if !matches!(next.scheme(), "http" | "https") {
        Some("a redirect to another scheme than http(s)".to_owned())
    } else if let Some(network) = internal {
        Some(format!("a redirect to a {network} address; refused"))
    } else if previous.len() > REDIRECTS_MAX {
        Some("too many redirects".to_owned())
    } else {
        None
    }
}

/// A client for requests to `named` that give up after `timeout`.
pub(crate) fn named_url_client(named: &Url, timeout: Duration) -> Result<reqwest::Client> {
    let own = AddressPolicy::for_registry(&named[url::Position::BeforeHost..url::Position::AfterPort]);
    let policy =
        redirect::Policy::custom(
            move |attempt| match redirect_refusal(&own, attempt.previous(), attempt.url()) {
                Some(why) => attempt.error(why),
                None => attempt.follow(),
            },
        );
    reqwest::Client::builder()
        .use_preconfigured_tls(verified_config(TlsRoots::System.store()?, None)?)
        .redirect(policy)
        .dns_resolver(Arc::new(GuardedResolver::for_registry(
            named.host_str().unwrap_or_default(),
        )))
        .timeout(timeout)
        .user_agent(concat!("ocitrust/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(ErrorCode::Network, format!("building the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(named: &str, previous: &[&str], next: &str) -> Option<String> {
        let named = Url::parse(named).unwrap();
        let own = AddressPolicy::for_registry(&named[url::Position::BeforeHost..url::Position::AfterPort]);
        let previous: Vec<Url> = previous.iter().map(|u| Url::parse(u).unwrap()).collect();
        redirect_refusal(&own, &previous, &Url::parse(next).unwrap())
    }

    #[test]
    fn redirects_stay_out_of_networks_and_on_https() {
        // Within the named host (even on loopback, as a corporate CRL server may be): followed.
        assert_eq!(
            refusal(
                "http://127.0.0.1:8080/a.crl",
                &["http://127.0.0.1:8080/a.crl"],
                "http://127.0.0.1:8080/b.crl"
            ),
            None
        );
        assert_eq!(
            refusal(
                "http://crl.example/a",
                &["http://crl.example/a"],
                "https://cdn.example/a"
            ),
            None
        );
        let refused = |previous: &[&str], next: &str| refusal("https://crl.example/a", previous, next).unwrap();
        assert!(refused(&["https://crl.example/a"], "http://crl.example/a").contains("leave HTTPS"));
        assert!(
            refused(&["http://x.example/", "https://crl.example/a"], "http://cdn.example/a").contains("leave HTTPS")
        );
        assert!(refused(&["https://crl.example/a"], "https://169.254.169.254/latest").contains("link-local"));
        assert!(refused(&["https://crl.example/a"], "https://[::1]:9/").contains("loopback"));
        assert!(refused(&["https://crl.example/a"], "https://10.0.0.1/").contains("private"));
        let to_a_file = refusal("http://crl.example/a", &["http://crl.example/a"], "file:///etc/passwd");
        assert!(to_a_file.unwrap().contains("scheme"));
        let many = ["https://crl.example/a"; REDIRECTS_MAX + 1];
        assert!(refused(&many, "https://cdn.example/a").contains("too many"));
    }
}
