//! Streaming SHA-2 over `ring::digest`.

use crate::digest::Algorithm;

/// A running SHA-2 computation.
pub struct DigestContext(super::backend::digest::Context);

impl DigestContext {
    /// Starts a computation for `algorithm`.
    pub fn new(algorithm: Algorithm) -> Self {
        let alg = match algorithm {
            Algorithm::Sha256 => &super::backend::digest::SHA256,
            Algorithm::Sha384 => &super::backend::digest::SHA384,
            Algorithm::Sha512 => &super::backend::digest::SHA512,
        };
        DigestContext(super::backend::digest::Context::new(alg))
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The raw digest.
    pub fn finish(self) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

/// The raw digest of `parts`, hashed one after another with `algorithm`.
pub fn hash_parts(algorithm: Algorithm, parts: &[&[u8]]) -> Vec<u8> {
    let mut context = DigestContext::new(algorithm);
    for part in parts {
        context.update(part);
    }
    context.finish()
}

/// The raw SHA-1 of `bytes`, for what still names things by it (an OCSP request's CertID, which
/// responders widely expect in SHA-1). Never used to verify a signature.
pub fn sha1_for_identifiers(bytes: &[u8]) -> Vec<u8> {
    super::backend::digest::digest(&super::backend::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes)
        .as_ref()
        .to_vec()
}

/// The raw SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    hash_parts(Algorithm::Sha256, &[bytes])
}
