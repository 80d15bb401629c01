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

/// A client for requests to `named` that give up after `timeout`.
pub(crate) fn named_url_client(named: &Url, timeout: Duration) -> Result<reqwest::Client> {
    let own = AddressPolicy::for_registry(&named[url::Position::BeforeHost..url::Position::AfterPort]);
    let policy = redirect::Policy::custom(move |attempt| {
        let literal = match attempt.url().host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        let internal = literal
            .and_then(internal_network)
            .filter(|_| !own.is_own(attempt.url()));
        let from_https = attempt.previous().iter().any(|url| url.scheme() == "https");
        if from_https && attempt.url().scheme() != "https" {
            attempt.error("a redirect would leave HTTPS")
        } else if !matches!(attempt.url().scheme(), "http" | "https") {
            attempt.error("a redirect to another scheme than http(s)")
        } else if let Some(network) = internal {
            attempt.error(format!("a redirect to a {network} address; refused"))
        } else if attempt.previous().len() > REDIRECTS_MAX {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
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
