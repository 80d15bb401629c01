//! Revocation information fetched as notation fetches it: OCSP answers over HTTP (GET when the
//! base64 request is short, POST otherwise; 2 seconds each), CRLs over HTTP(S) (5 seconds), kept
//! in a cache on disk until their next update; and CRL files given by the user, consulted first,
//! which alone serve when the network is not to be used (offline verification, which notation
//! cannot do). The URLs come from certificates whose chain a trust store vouched for (the core asks
//! for no other); where their servers redirect is held to the address policy of registries
//! ([`super::named_url_client`]), and every fetch of one verification ends by its deadline. What is
//! fetched is verified by the core; a CRL is kept only once it verified under its issuer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use ocitrust_core::x509::revocation::{
    crl_is_keepable, crl_issuer_der, RevocationSource, CRL_SIZE_MAX, OCSP_RESPONSE_SIZE_MAX,
};
use ocitrust_core::x509::Certificate;
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use reqwest::{StatusCode, Url};

use super::blocking::BlockingRuntime;
use super::named_url_client::named_url_client;
use super::transport::{error_chain, read_body};
use crate::file::read_kept_file;

/// How long an OCSP responder may take (notation's).
pub const OCSP_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a CRL download may take.
pub const CRL_TIMEOUT: Duration = Duration::from_secs(5);

/// Where OCSP answers and CRLs come from.
#[derive(Debug, Clone, Default)]
pub struct HttpRevocationSource {
    /// Where fetched CRLs are kept until their next update (none: not kept).
    pub cache_dir: Option<PathBuf>,
    /// CRLs (DER) given by the user, consulted before any download.
    pub crls: Vec<Vec<u8>>,
    /// Never use the network: only `crls` serve.
    pub offline: bool,
    /// No request is made, or waited for, past this instant (the verification's deadline).
    pub deadline: Option<Instant>,
}

impl HttpRevocationSource {
    /// Fetches and caches under `$XDG_CACHE_HOME/ocitrust/crl` (else `~/.cache/ocitrust/crl`).
    pub fn with_default_cache() -> Self {
        HttpRevocationSource {
            cache_dir: crate::file::ocitrust_cache_dir().map(|base| base.join("crl")),
            ..Default::default()
        }
    }

    fn cached(&self, url: &str) -> Option<PathBuf> {
        Some(
            self.cache_dir
                .as_ref()?
                .join(format!("{}.crl", Digest::sha256(url.as_bytes()).hex())),
        )
    }
}

impl HttpRevocationSource {
    /// `timeout`, or less when the deadline is nearer; an error once it has passed.
    fn time_left(&self, url: &Url, timeout: Duration) -> Result<Duration> {
        let Some(deadline) = self.deadline else {
            return Ok(timeout);
        };
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(left.min(timeout)),
            _ => Err(Error::new(
                ErrorCode::Timeout,
                format!("{url}: not asked, the verification's deadline (--timeout) has passed"),
            )),
        }
    }

    fn get(&self, url: &Url, timeout: Duration, size_max: u64, body: Option<&[u8]>) -> Result<Vec<u8>> {
        let client = named_url_client(url, self.time_left(url, timeout)?)?;
        BlockingRuntime::new()?.block_on(async {
            let network = |e: reqwest::Error| {
                let code = if e.is_timeout() {
                    ErrorCode::Timeout
                } else {
                    ErrorCode::Network
                };
                Error::new(code, format!("{url}: {}", error_chain(&e)))
            };
            let request = match body {
                Some(body) => client
                    .post(url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/ocsp-request")
                    .body(body.to_vec()),
                None => client.get(url.clone()),
            };
            let mut response = request.send().await.map_err(network)?;
            if response.status() != StatusCode::OK {
                return Err(Error::new(ErrorCode::Network, format!("{url}: {}", response.status())));
            }
            read_body(&mut response, url.as_str(), size_max).await
        })
    }
}

impl RevocationSource for HttpRevocationSource {
    fn ocsp(&self, url: &str, request: &[u8]) -> Result<Vec<u8>> {
        if self.offline {
            return Err(Error::new(
                ErrorCode::Network,
                format!("{url}: offline, OCSP responders are not asked"),
            ));
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(request);
        let parsed = |text: &str| {
            Url::parse(text).map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("{text}: not a URL: {e}")))
        };
        if encoded.len() < 255 {
            let escaped: String = url::form_urlencoded::byte_serialize(encoded.as_bytes()).collect();
            let joined = format!("{}/{escaped}", url.trim_end_matches('/'));
            if escaped.len() < 255 {
                return self.get(&parsed(&joined)?, OCSP_TIMEOUT, OCSP_RESPONSE_SIZE_MAX as u64, None);
            }
        }
        self.get(
            &parsed(url)?,
            OCSP_TIMEOUT,
            OCSP_RESPONSE_SIZE_MAX as u64,
            Some(request),
        )
    }

    fn crl(&self, url: &str, issuer: &Certificate) -> Result<Vec<u8>> {
        if let Some(given) = self
            .crls
            .iter()
            .find(|crl| crl_issuer_der(crl).as_deref() == Some(issuer.subject_der()))
        {
            return Ok(given.clone());
        }
        if self.offline {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("{url}: offline, and no CRL file given for {:?}", issuer.subject_text()),
            ));
        }
        let cached = self.cached(url);
        if let Some(path) = &cached {
            if let Some(bytes) = kept_crl(path, issuer) {
                return Ok(bytes);
            }
        }
        let parsed =
            Url::parse(url).map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("{url}: not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("{url}: only http(s) CRLs are fetched"),
            ));
        }
        let bytes = self.get(&parsed, CRL_TIMEOUT, CRL_SIZE_MAX as u64, None)?;
        if let Some(path) = &cached {
            if crl_is_keepable(&bytes, issuer, SystemTime::now()) {
                keep(path, &bytes);
            }
        }
        Ok(bytes)
    }
}

/// The CRL kept at `path`, when it is still current and signed by `issuer`; one that is not (a file
/// planted there, or an expired CRL) is removed, so it is fetched again.
fn kept_crl(path: &Path, issuer: &Certificate) -> Option<Vec<u8>> {
    let bytes = read_kept_file(path, CRL_SIZE_MAX as u64);
    match bytes {
        Ok(bytes) if crl_is_keepable(&bytes, issuer, SystemTime::now()) => Some(bytes),
        Err(e) if e.code() == ErrorCode::NotFound => None,
        _ => {
            let _ = std::fs::remove_file(path);
            None
        }
    }
}

/// Keeps `crl` at `path`, written whole to a temporary file in the same directory and renamed
/// over it (never written through a link planted at `path`).
fn keep(path: &Path, crl: &[u8]) {
    let Some(dir) = path.parent() else {
        return;
    };
    let _ = std::fs::create_dir_all(dir);
    if let Ok(file) = tempfile::NamedTempFile::new_in(dir) {
        if std::fs::write(file.path(), crl).is_ok() {
            let _ = file.persist(path);
        }
    }
}
