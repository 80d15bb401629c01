//! Loading and generating keys the way cosign stores them.

use std::path::Path;
use std::time::Duration;

use ocitrust_core::cosign::{encrypt_key_file, load_signing_key, KEY_FILE_SIZE_MAX};
use ocitrust_core::crypto::{PublicKey, SigningKey, PUBLIC_KEY_SIZE_MAX};
use ocitrust_core::Result;
use ocitrust_registry::file::read_bounded;
use ocitrust_registry::remote::fetch_https;

/// A freshly generated key pair, encoded as cosign writes `cosign.key` and `cosign.pub`.
#[derive(Debug)]
pub struct GeneratedKeyPair {
    /// `cosign.key`: PEM `ENCRYPTED SIGSTORE PRIVATE KEY`.
    pub private_key_pem: String,
    /// `cosign.pub`: PEM `PUBLIC KEY`.
    pub public_key_pem: String,
}

/// Generates an ECDSA P-256 key pair and encrypts the private key with `password` (may be empty).
pub fn generate_key_pair(password: &[u8]) -> Result<GeneratedKeyPair> {
    let key = SigningKey::generate_ecdsa_p256()?;
    Ok(GeneratedKeyPair {
        private_key_pem: encrypt_key_file(&key, password)?,
        public_key_pem: key.public_key().to_pem(),
    })
}

/// Reads a private key: an encrypted cosign key (with `password`) or an unencrypted PEM key.
pub fn load_private_key(pem: &[u8], password: &[u8]) -> Result<SigningKey> {
    load_signing_key(pem, password)
}

/// Reads a key file (public or private), refusing files larger than any key file can be.
pub fn read_key_file(path: &Path) -> Result<Vec<u8>> {
    read_bounded(path, KEY_FILE_SIZE_MAX as u64)
}

/// Reads a public key (PEM or DER SubjectPublicKeyInfo) from `path`.
pub fn load_public_key_file(path: &Path) -> Result<PublicKey> {
    PublicKey::from_pem_or_der(&read_key_file(path)?)
        .map_err(|e| e.context(format!("loading public key {}", path.display())))
}

/// How long fetching a key from a URL may take.
const KEY_FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads a public key from `location`: an `https://` URL (as vendors publish keys, e.g.
/// `https://ca.vendor.example/v1/cosign.pub`; fetched over TLS with the system's roots, bounded in
/// size and time; plain `http://` is refused) or a file path.
pub fn load_public_key(location: &str) -> Result<PublicKey> {
    if location.starts_with("https://") || location.starts_with("http://") {
        let bytes = fetch_https(location, PUBLIC_KEY_SIZE_MAX as u64, KEY_FETCH_TIMEOUT)?;
        return PublicKey::from_pem_or_der(&bytes).map_err(|e| e.context(format!("loading public key {location}")));
    }
    load_public_key_file(Path::new(location))
}
