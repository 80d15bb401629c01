//! How connections to registries are secured: which CAs verify the server (the system's, or only
//! those of a CA file: cosign's `--registry-cacert`), an optional client certificate for mutual TLS
//! (`--registry-client-cert` / `--registry-client-key`), and the insecure opt-in that accepts any
//! server certificate (`--allow-insecure-registry`).

use std::path::Path;
use std::sync::Arc;

use ocitrust_core::{Error, ErrorCode, Result};
use rustls::client::WantsClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, ConfigBuilder};

use super::endpoint::Endpoint;
use super::options::RegistryOptions;
use crate::file::read_bounded;

/// Largest PEM file read for TLS (CA bundle, client certificate chain, client key).
pub const TLS_PEM_FILE_SIZE_MAX: u64 = 4 * 1024 * 1024;

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
        let certificates = certificates_in(path, "registry CA file")?;
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

/// A client certificate chain and its private key, presented to registries that ask (mutual TLS).
#[derive(Debug)]
pub(crate) struct ClientIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl ClientIdentity {
    /// The chain in PEM file `certificate` and the key (PKCS#8, SEC1 or PKCS#1) in PEM file `key`.
    pub(crate) fn from_pem_files(certificate: &Path, key: &Path) -> Result<Self> {
        let chain = certificates_in(certificate, "registry client certificate file")?;
        let bytes = read_bounded(key, TLS_PEM_FILE_SIZE_MAX)?;
        let key = PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorCode::InvalidKey,
                format!("registry client key file {}: {e}", key.display()),
            )
        })?;
        Ok(ClientIdentity { chain, key })
    }
}

/// The TLS settings one registry client uses for every registry.
#[derive(Debug, Clone)]
pub(crate) struct TlsSettings {
    roots: TlsRoots,
    identity: Option<Arc<ClientIdentity>>,
}

impl TlsSettings {
    /// The settings `options` ask for; the files they name are read here.
    pub(crate) fn from_options(options: &RegistryOptions) -> Result<Self> {
        let roots = match &options.ca_file {
            Some(path) => TlsRoots::from_pem_file(path)?,
            None => TlsRoots::System,
        };
        let identity = match (&options.client_certificate_file, &options.client_key_file) {
            (Some(certificate), Some(key)) => Some(Arc::new(ClientIdentity::from_pem_files(certificate, key)?)),
            (None, None) => None,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    "a registry client certificate and its key go together: give both or neither",
                ))
            }
        };
        Ok(TlsSettings { roots, identity })
    }

    /// The rustls configuration for `endpoint`. Plain-HTTP endpoints (loopback) never use TLS, so
    /// the system's certificate store, which is most of the start-up cost of a verification, is not
    /// read for them.
    pub(crate) fn client_config(&self, endpoint: &Endpoint) -> Result<ClientConfig> {
        let identity = self.identity.as_deref();
        if endpoint.insecure {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = Arc::new(AnyCertificate(provider.clone()));
            let builder = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(tls_error)?
                .dangerous()
                .with_custom_certificate_verifier(verifier);
            return with_identity(builder, identity);
        }
        let roots = if endpoint.scheme == "https" {
            self.roots.store()?
        } else {
            rustls::RootCertStore::empty()
        };
        verified_config(roots, identity)
    }
}

/// TLS with rustls on ring, verifying servers against `roots`, presenting `identity` when asked.
pub(crate) fn verified_config(roots: rustls::RootCertStore, identity: Option<&ClientIdentity>) -> Result<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_root_certificates(roots);
    with_identity(builder, identity)
}

fn with_identity(
    builder: ConfigBuilder<ClientConfig, WantsClientCert>,
    identity: Option<&ClientIdentity>,
) -> Result<ClientConfig> {
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(identity) => builder
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .map_err(|e| {
                Error::new(
                    ErrorCode::InvalidKey,
                    format!("registry client certificate and key: {e}"),
                )
            }),
    }
}

fn tls_error(e: rustls::Error) -> Error {
    Error::new(ErrorCode::Network, format!("configuring TLS: {e}"))
}

/// The certificates in the PEM file `path` (`what` names it in errors); at least one.
fn certificates_in(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read_bounded(path, TLS_PEM_FILE_SIZE_MAX)?;
    let invalid = |why: String| Error::new(ErrorCode::InvalidArgument, format!("{what} {}: {why}", path.display()));
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(e.to_string()))?;
    if certificates.is_empty() {
        return Err(invalid("no certificates in it".into()));
    }
    Ok(certificates)
}

/// Accepts every server certificate, but still checks that the server holds the certificate's key
/// (the handshake signature), so the connection is at least to whoever presented it.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_files_must_hold_what_they_claim() {
        let dir = std::env::temp_dir().join(format!("ocitrust-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = TlsRoots::from_pem_file(&empty).unwrap_err();
        assert!(err.message().contains("no certificates"), "{err}");
        let missing = TlsRoots::from_pem_file(&dir.join("missing.pem")).unwrap_err();
        assert_eq!(missing.code(), ErrorCode::NotFound);
        let err = ClientIdentity::from_pem_files(&empty, &empty).unwrap_err();
        assert!(err.message().contains("client certificate file"), "{err}");
        let half = RegistryOptions {
            client_certificate_file: Some(empty.clone()),
            ..Default::default()
        };
        let err = TlsSettings::from_options(&half).unwrap_err();
        assert!(err.message().contains("give both or neither"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
