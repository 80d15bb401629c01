//! Fetching a small document over HTTPS, e.g. a vendor's published public key
//! (`--key https://ca.vendor.example/v1/cosign.pub`): TLS only (redirects included), bounded size,
//! bounded time, and redirects held to the address policy of registries
//! ([`super::named_url_client`]): the host the user named, or nothing inside a network.

use std::time::Duration;

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::{StatusCode, Url};

use super::blocking::BlockingRuntime;
use super::named_url_client::named_url_client;
use super::transport::{error_chain, read_body};

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
    let client = named_url_client(&parsed, timeout)?;
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
