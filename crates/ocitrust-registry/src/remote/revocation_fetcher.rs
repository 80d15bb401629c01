//! Revocation information fetched as notation fetches it: OCSP answers over HTTP (GET when the
//! base64 request is short, POST otherwise; 2 seconds each), CRLs over HTTP(S) (5 seconds), kept
//! in a cache on disk until their next update; and CRL files given by the user, consulted first,
//! which alone serve when the network is not to be used (offline verification, which notation
//! cannot do). What is fetched is verified by the core, not here.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use base64::Engine;
use ocitrust_core::x509::revocation::{
    crl_issuer_der, crl_next_update, RevocationSource, CRL_SIZE_MAX, OCSP_RESPONSE_SIZE_MAX,
};
use ocitrust_core::x509::Certificate;
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use reqwest::{redirect, StatusCode, Url};

use super::blocking::BlockingRuntime;
use super::tls::{verified_config, TlsRoots};
use super::transport::{error_chain, read_body};

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
}

impl HttpRevocationSource {
    /// Fetches and caches under `$XDG_CACHE_HOME/ocitrust/crl` (else `~/.cache/ocitrust/crl`).
    pub fn with_default_cache() -> Self {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
        HttpRevocationSource {
            cache_dir: base.map(|b| b.join("ocitrust").join("crl")),
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

fn get(url: &Url, timeout: Duration, size_max: u64, body: Option<&[u8]>) -> Result<Vec<u8>> {
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(verified_config(TlsRoots::System.store()?, None)?)
        .redirect(redirect::Policy::limited(3))
        .timeout(timeout)
        .user_agent(concat!("ocitrust/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(ErrorCode::Network, format!("building the HTTP client: {e}")))?;
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
                return get(&parsed(&joined)?, OCSP_TIMEOUT, OCSP_RESPONSE_SIZE_MAX as u64, None);
            }
        }
        get(
            &parsed(url)?,
            OCSP_TIMEOUT,
            OCSP_RESPONSE_SIZE_MAX as u64,
            Some(request),
        )
    }

    fn crl(&self, url: &str, issuer: &Certificate) -> Result<Vec<u8>> {
        let now = SystemTime::now();
        let current = |crl: &[u8]| crl_next_update(crl).is_some_and(|next| next >= now);
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
            if let Ok(bytes) = std::fs::read(path) {
                if bytes.len() <= CRL_SIZE_MAX && current(&bytes) {
                    return Ok(bytes);
                }
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
        let bytes = get(&parsed, CRL_TIMEOUT, CRL_SIZE_MAX as u64, None)?;
        if let (Some(path), true) = (&cached, current(&bytes)) {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
                if let Ok(file) = tempfile::NamedTempFile::new_in(dir) {
                    if std::fs::write(file.path(), &bytes).is_ok() {
                        let _ = file.persist(path);
                    }
                }
            }
        }
        Ok(bytes)
    }
}
