//! The server's certificate, re-read when its files change: cert-manager and make-secrets.sh
//! rotate the Secret the files come from, and a webhook must not need a restart (nor answer with
//! an expired certificate, which the API server refuses). The files are looked at no more than
//! every [`RECHECK`]; a new pair that cannot be read is logged and the last good one kept.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use ocitrust::registry::file::read_bounded;
use ocitrust::{Error, ErrorCode, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// How often the files are looked at.
pub const RECHECK: Duration = Duration::from_secs(10);
/// Largest certificate or key file read.
const PEM_FILE_SIZE_MAX: u64 = 1024 * 1024;

/// The TLS configuration serving the chain in `cert` (PEM, leaf first) with the key in `key` (PEM).
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let reloading = ReloadingCertificate::new(cert, key, &provider)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorCode::Internal, format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(reloading));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct ReloadingCertificate {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<rustls::crypto::CryptoProvider>,
    current: Mutex<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    certified: Arc<CertifiedKey>,
    modified: (Option<SystemTime>, Option<SystemTime>),
    checked: Instant,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl ReloadingCertificate {
    fn new(cert: &Path, key: &Path, provider: &Arc<rustls::crypto::CryptoProvider>) -> Result<Self> {
        let modified_before = (modified(cert), modified(key));
        let certified = load(cert, key, provider)?;
        Ok(ReloadingCertificate {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider: provider.clone(),
            current: Mutex::new(Loaded {
                certified,
                modified: modified_before,
                checked: Instant::now(),
            }),
        })
    }
}

impl ResolvesServerCert for ReloadingCertificate {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let mut current = self.current.lock().ok()?;
        if current.checked.elapsed() >= RECHECK {
            current.checked = Instant::now();
            let now = (modified(&self.cert), modified(&self.key));
            if now != current.modified {
                match load(&self.cert, &self.key, &self.provider) {
                    Ok(certified) => {
                        tracing::info!(cert = %self.cert.display(), "serving the new certificate");
                        current.certified = certified;
                        current.modified = now;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the changed certificate cannot be read; serving the last one")
                    }
                }
            }
        }
        Some(current.certified.clone())
    }
}

/// The certificate chain in `cert` with the key in `key`, which must belong together.
fn load(cert: &Path, key: &Path, provider: &rustls::crypto::CryptoProvider) -> Result<Arc<CertifiedKey>> {
    let invalid =
        |what: &Path, why: String| Error::new(ErrorCode::InvalidArgument, format!("{}: {why}", what.display()));
    let chain = CertificateDer::pem_slice_iter(&read_bounded(cert, PEM_FILE_SIZE_MAX)?)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(cert, format!("not a PEM certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(invalid(cert, "no certificate in it".into()));
    }
    let private_key = PrivateKeyDer::from_pem_slice(&read_bounded(key, PEM_FILE_SIZE_MAX)?)
        .map_err(|e| invalid(key, format!("not a PEM private key: {e}")))?;
    let certified = CertifiedKey::from_der(chain, private_key, provider)
        .map_err(|e| invalid(key, format!("does not serve with that certificate: {e}")))?;
    Ok(Arc::new(certified))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_certificate_and_its_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert, "not pem").unwrap();
        std::fs::write(&key, "not pem").unwrap();
        let error = tls_config(&cert, &key).unwrap_err();
        assert!(
            error.message().contains("no certificate") || error.message().contains("not a PEM"),
            "{error}"
        );
        assert!(tls_config(&dir.path().join("missing.pem"), &key).is_err());
    }
}
