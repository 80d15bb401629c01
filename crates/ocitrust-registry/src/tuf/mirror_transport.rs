//! How TUF metadata and targets are fetched from a mirror: HTTP(S) only to the mirror's own origin
//! (a redirect to another host, port or scheme is refused, as is one that would leave HTTPS),
//! within a time limit per request, and never more than [`RESPONSE_SIZE_MAX`] bytes of a response
//! (tough then holds each file to its own, smaller limit). A 404 or 403 means the file is not
//! there, which is how the search for the next root version ends.
//!
//! The metadata it fetched is remembered byte for byte ([`MirrorTransport::fetched_metadata`]):
//! the cache keeps those bytes, whose hashes newer metadata lists, not a re-serialization.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::{redirect, StatusCode};
use tough::{async_trait, Bytes, Transport, TransportError, TransportErrorKind, TransportStream};
use url::{Origin, Url};

use crate::remote::tls::{verified_config, TlsRoots};

/// The most bytes read of one response: the largest file TUF metadata limits allow.
pub(crate) const RESPONSE_SIZE_MAX: u64 = 4 * 1024 * 1024;
/// How long one request may take, start to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Redirects followed within the mirror.
const REDIRECTS_MAX: usize = 5;

/// Fetches from one mirror's origin.
#[derive(Debug, Clone)]
pub(crate) struct MirrorTransport {
    client: reqwest::Client,
    origin: Origin,
    /// The mirror's URL: files directly under it are metadata.
    metadata_base: Url,
    /// Metadata fetched, by file name (`3.snapshot.json`).
    fetched: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl MirrorTransport {
    pub(crate) fn new(mirror: &Url) -> Result<Self> {
        let origin = mirror.origin();
        let own = origin.clone();
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.url().origin() != own {
                let to = attempt.url().origin().ascii_serialization();
                attempt.error(format!("the TUF mirror redirected to another origin ({to}); refused"))
            } else if attempt.previous().len() > REDIRECTS_MAX {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        // The system's certificate store is read only for an HTTPS mirror.
        let roots = match mirror.scheme() {
            "https" => TlsRoots::System.store()?,
            _ => rustls::RootCertStore::empty(),
        };
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(verified_config(roots, None)?)
            .redirect(policy)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("ocitrust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::new(ErrorCode::Network, format!("building the HTTP client: {e}")))?;
        Ok(MirrorTransport {
            client,
            origin,
            metadata_base: mirror.clone(),
            fetched: Arc::default(),
        })
    }

    /// The metadata files fetched so far, by file name, as the mirror served them.
    pub(crate) fn fetched_metadata(&self) -> HashMap<String, Vec<u8>> {
        self.fetched.lock().map(|fetched| fetched.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Transport for MirrorTransport {
    async fn fetch(&self, url: Url) -> std::result::Result<TransportStream, TransportError> {
        let other = |why: String| TransportError::new_with_cause(TransportErrorKind::Other, &url, why);
        if url.origin() != self.origin {
            return Err(other("outside the mirror; refused".to_owned()));
        }
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| other(describe(&e)))?;
        match response.status() {
            status if status.is_success() => {}
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN => {
                return Err(TransportError::new(TransportErrorKind::FileNotFound, &url))
            }
            status => return Err(other(format!("the mirror answered HTTP {status}"))),
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| other(describe(&e)))? {
            if (body.len() + chunk.len()) as u64 > RESPONSE_SIZE_MAX {
                return Err(other(format!(
                    "the response is larger than {RESPONSE_SIZE_MAX} bytes; refused"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(name) = self.metadata_base.make_relative(&url).filter(|n| !n.contains('/')) {
            if let Ok(mut fetched) = self.fetched.lock() {
                fetched.insert(name, body.clone());
            }
        }
        Ok(Box::pin(futures_util::stream::iter([Ok(Bytes::from(body))])))
    }
}

/// A reqwest error with its causes (a refused redirect's reason is in its source).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
