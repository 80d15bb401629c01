//! Loading and generating keys the way cosign stores them.

use std::path::Path;

use ocitrust_core::cosign::{encrypt_key_file, load_signing_key, KEY_FILE_SIZE_MAX};
use ocitrust_core::crypto::{PublicKey, SigningKey};
use ocitrust_core::Result;
use ocitrust_registry::file::read_bounded;

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
