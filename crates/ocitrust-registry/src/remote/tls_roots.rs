//! Which certificate authorities verify a registry's TLS certificate: the system's, or only those
//! in a PEM file the caller names (cosign's `--registry-cacert`).

use std::path::Path;
use std::sync::Arc;

use ocitrust_core::{Error, ErrorCode, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::file::read_bounded;

/// Largest CA bundle read.
pub const CA_FILE_SIZE_MAX: u64 = 4 * 1024 * 1024;

/// The roots a TLS connection to a registry is verified against.
#[derive(Debug, Clone)]
pub(crate) enum TlsRoots {
    /// The system's store (with `SSL_CERT_FILE` / `SSL_CERT_DIR`), read when first needed.
    System,
    /// Only these, from a CA file.
    Only(Arc<Vec<CertificateDer<'static>>>),
}

impl TlsRoots {
    /// Only the certificates in the PEM file `path`; an error when it has none, as cosign says.
    pub(crate) fn from_pem_file(path: &Path) -> Result<Self> {
        let bytes = read_bounded(path, CA_FILE_SIZE_MAX)?;
        let certificates = CertificateDer::pem_slice_iter(&bytes)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| invalid(path, &e.to_string()))?;
        if certificates.is_empty() {
            return Err(invalid(path, "no CA certificates in it"));
        }
        Ok(TlsRoots::Only(Arc::new(certificates)))
    }

    /// A root store with these roots.
    pub(crate) fn store(&self) -> Result<rustls::RootCertStore> {
        let mut roots = rustls::RootCertStore::empty();
        match self {
            TlsRoots::System => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    // A malformed certificate in the system store is skipped, as Go's crypto/x509 does.
                    let _ = roots.add(cert);
                }
            }
            TlsRoots::Only(certificates) => {
                for cert in certificates.iter() {
                    roots
                        .add(cert.clone())
                        .map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("registry CA certificate: {e}")))?;
                }
            }
        }
        Ok(roots)
    }
}

fn invalid(path: &Path, why: &str) -> Error {
    Error::new(
        ErrorCode::InvalidArgument,
        format!("registry CA file {}: {why}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let dir = std::env::temp_dir().join(format!("ocitrust-tls-roots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = TlsRoots::from_pem_file(&empty).unwrap_err();
        assert!(err.message().contains("no CA certificates"), "{err}");
        let missing = TlsRoots::from_pem_file(&dir.join("missing.pem")).unwrap_err();
        assert_eq!(missing.code(), ErrorCode::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
