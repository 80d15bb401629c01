//! Fetching a small document over HTTPS, e.g. a vendor's published public key
//! (`--key https://ca.vendor.example/v1/cosign.pub`): TLS only (redirects included), bounded size,
//! bounded time, and redirects held to the address policy of registries
//! ([`super::address_policy`]): the host the user named, or nothing inside a network.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::{redirect, StatusCode, Url};

use super::address_policy::{internal_network, AddressPolicy, GuardedResolver};
use super::blocking::BlockingRuntime;
use super::tls::{verified_config, TlsRoots};
use super::transport::{error_chain, read_body};

/// Redirects followed when fetching a document.
const REDIRECTS_MAX: usize = 5;

/// GETs `url` (which must be `https://`) and returns its body, refusing more than `size_max`
/// bytes, any redirect away from HTTPS, and anything slower than `timeout`.
pub fn fetch_https(url: &str, size_max: u64, timeout: Duration) -> Result<Vec<u8>> {
    let parsed =
        Url::parse(url).map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("{url}: not a URL: {e}")))?;
    if parsed.scheme() != "https" {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{url}: only https:// URLs are fetched; a key over plain HTTP could be swapped in transit"),
        ));
    }
    let own = AddressPolicy::for_registry(&parsed[url::Position::BeforeHost..url::Position::AfterPort]);
    let policy = redirect::Policy::custom(move |attempt| {
        let literal = match attempt.url().host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        let internal = literal
            .and_then(internal_network)
            .filter(|_| !own.is_own(attempt.url()));
        if attempt.url().scheme() != "https" {
            attempt.error("a redirect would leave HTTPS")
        } else if let Some(network) = internal {
            attempt.error(format!("a redirect to a {network} address; refused"))
        } else if attempt.previous().len() > REDIRECTS_MAX {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(verified_config(TlsRoots::System.store()?, None)?)
        .redirect(policy)
        .dns_resolver(Arc::new(GuardedResolver::for_registry(
            parsed.host_str().unwrap_or_default(),
        )))
        .timeout(timeout)
        .user_agent(concat!("ocitrust/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(ErrorCode::Network, format!("building the HTTP client: {e}")))?;
    BlockingRuntime::new()?.block_on(async {
        let network = |e: reqwest::Error| Error::new(ErrorCode::Network, format!("{url}: {}", error_chain(&e)));
        let mut response = client.get(parsed.clone()).send().await.map_err(network)?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Err(Error::new(ErrorCode::NotFound, format!("{url}: 404 Not Found"))),
            status => return Err(Error::new(ErrorCode::Network, format!("{url}: {status}"))),
        }
        read_body(&mut response, url, size_max).await
    })
}
