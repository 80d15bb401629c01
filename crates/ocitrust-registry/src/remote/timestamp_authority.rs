//! Asking an RFC 3161 timestamp authority for a timestamp (`notation sign --timestamp-url`): one
//! POST of a `TimeStampReq`, the `TimeStampResp` read back within a limit and a deadline. Plain
//! HTTP is allowed, as timestamp authorities commonly serve it: the token is verified against the
//! authority's root before it is used, so the transport adds no trust. Redirects are not followed.

use std::time::Duration;

use ocitrust_core::sigstore::TIMESTAMP_SIZE_MAX;
use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::{redirect, StatusCode, Url};

use super::blocking::BlockingRuntime;
use super::tls::{verified_config, TlsRoots};
use super::transport::{error_chain, read_body};

/// How long a timestamp authority may take to answer.
pub const TIMESTAMP_TIMEOUT: Duration = Duration::from_secs(15);

/// Sends `request` (a DER `TimeStampReq`) to the authority at `url`; returns its `TimeStampResp`.
pub fn exchange_timestamp(url: &str, request: &[u8]) -> Result<Vec<u8>> {
    let parsed =
        Url::parse(url).map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("{url}: not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{url}: a timestamp authority is reached over http:// or https://"),
        ));
    }
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(verified_config(TlsRoots::System.store()?, None)?)
        .redirect(redirect::Policy::none())
        .timeout(TIMESTAMP_TIMEOUT)
        .user_agent(concat!("ocitrust/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(ErrorCode::Network, format!("building the HTTP client: {e}")))?;
    BlockingRuntime::new()?.block_on(async {
        let network = |e: reqwest::Error| Error::new(ErrorCode::Network, format!("{url}: {}", error_chain(&e)));
        let mut response = client
            .post(parsed.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .body(request.to_vec())
            .send()
            .await
            .map_err(network)?;
        if response.status() != StatusCode::OK {
            return Err(Error::new(
                ErrorCode::Network,
                format!("{url}: the timestamp authority answered {}", response.status()),
            ));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if content_type != "application/timestamp-reply" {
            return Err(Error::new(
                ErrorCode::Network,
                format!("{url}: the answer is {content_type:?}, not application/timestamp-reply"),
            ));
        }
        read_body(&mut response, url, TIMESTAMP_SIZE_MAX as u64).await
    })
}
