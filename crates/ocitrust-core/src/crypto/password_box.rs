//! Password-based encryption as cosign's key files use it: scrypt derives a 32-byte key from the
//! password and a 32-byte salt, and NaCl secretbox (XSalsa20-Poly1305) seals the plaintext.

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};

/// Salt length cosign uses.
pub const SALT_LEN: usize = 32;
/// XSalsa20 nonce length.
pub const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// scrypt cost parameters. Only the sets cosign and go-securesystemslib write are accepted:
/// N ∈ {32768, 65536, 131072}, r = 8, p = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScryptParams {
    /// CPU/memory cost N (a power of two).
    pub n: u64,
    /// Block size r.
    pub r: u32,
    /// Parallelism p.
    pub p: u32,
}

impl ScryptParams {
    /// N = 65536, r = 8, p = 1: what cosign v2 writes (go-securesystemslib's standard parameters).
    pub const COSIGN_DEFAULT: ScryptParams = ScryptParams { n: 65536, r: 8, p: 1 };

    /// Rejects every parameter set but the accepted ones, so a key file cannot make us spend
    /// unbounded memory or time.
    pub fn check(self) -> Result<Self> {
        if matches!(self.n, 32768 | 65536 | 131072) && self.r == 8 && self.p == 1 {
            Ok(self)
        } else {
            Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "unsupported scrypt parameters N={}, r={}, p={} (expected N of 32768, 65536 or 131072 with r=8, p=1)",
                    self.n, self.r, self.p
                ),
            ))
        }
    }
}

/// A sealed box: everything needed to open it again except the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordBox {
    /// scrypt parameters.
    pub params: ScryptParams,
    /// scrypt salt.
    pub salt: Vec<u8>,
    /// secretbox nonce.
    pub nonce: Vec<u8>,
    /// Poly1305 tag followed by the ciphertext (NaCl `secretbox` layout).
    pub ciphertext: Vec<u8>,
}

/// Seals `plaintext` under `password` with fresh random salt and nonce.
pub fn seal_password_box(plaintext: &[u8], password: &[u8], params: ScryptParams) -> Result<PasswordBox> {
    let params = params.check()?;
    let rng = SystemRandom::new();
    let mut salt = vec![0u8; SALT_LEN];
    let mut nonce = vec![0u8; NONCE_LEN];
    rng.fill(&mut salt)
        .and_then(|()| rng.fill(&mut nonce))
        .map_err(|_| Error::new(ErrorCode::Internal, "the system random number generator failed"))?;
    let key = derive_key(password, &salt, params)?;
    let cipher = XSalsa20Poly1305::new(key.as_slice().into());
    let ciphertext = cipher
        .encrypt(nonce.as_slice().into(), plaintext)
        .map_err(|_| Error::new(ErrorCode::Internal, "secretbox encryption failed"))?;
    Ok(PasswordBox {
        params,
        salt,
        nonce,
        ciphertext,
    })
}

/// Opens `sealed` with `password`. A wrong password and a corrupted box give the same error.
pub fn open_password_box(sealed: &PasswordBox, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let params = sealed.params.check()?;
    if sealed.salt.len() != SALT_LEN {
        return Err(Error::new(
            ErrorCode::InvalidKey,
            format!("scrypt salt is {} bytes, expected {SALT_LEN}", sealed.salt.len()),
        ));
    }
    if sealed.nonce.len() != NONCE_LEN {
        return Err(Error::new(
            ErrorCode::InvalidKey,
            format!("secretbox nonce is {} bytes, expected {NONCE_LEN}", sealed.nonce.len()),
        ));
    }
    let key = derive_key(password, &sealed.salt, params)?;
    let cipher = XSalsa20Poly1305::new(key.as_slice().into());
    cipher
        .decrypt(sealed.nonce.as_slice().into(), sealed.ciphertext.as_slice())
        .map(Zeroizing::new)
        .map_err(|_| {
            Error::new(
                ErrorCode::KeyDecryption,
                "decrypt: encrypted: decryption failed (wrong password or corrupted key)",
            )
        })
}

fn derive_key(password: &[u8], salt: &[u8], params: ScryptParams) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let log_n = params.n.trailing_zeros() as u8;
    let scrypt_params = scrypt::Params::new(log_n, params.r, params.p, KEY_LEN)
        .map_err(|e| Error::new(ErrorCode::Unsupported, format!("scrypt parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    scrypt::scrypt(password, salt, &scrypt_params, key.as_mut_slice())
        .map_err(|e| Error::new(ErrorCode::Internal, format!("scrypt: {e}")))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips_and_tag_is_prefixed() {
        let sealed = seal_password_box(b"secret key bytes", b"pw", ScryptParams::COSIGN_DEFAULT).unwrap();
        assert_eq!(sealed.ciphertext.len(), 16 + 16);
        assert_eq!(&*open_password_box(&sealed, b"pw").unwrap(), b"secret key bytes");
    }

    #[test]
    fn wrong_password_and_tampering_fail() {
        let sealed = seal_password_box(b"x", b"", ScryptParams::COSIGN_DEFAULT).unwrap();
        assert_eq!(
            open_password_box(&sealed, b"nope").unwrap_err().code(),
            ErrorCode::KeyDecryption
        );
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert_eq!(
            open_password_box(&tampered, b"").unwrap_err().code(),
            ErrorCode::KeyDecryption
        );
    }

    #[test]
    fn rejects_unsupported_scrypt_parameters() {
        for params in [
            ScryptParams { n: 1 << 20, r: 8, p: 1 },
            ScryptParams { n: 16384, r: 8, p: 1 },
            ScryptParams { n: 32768, r: 16, p: 1 },
            ScryptParams { n: 32768, r: 8, p: 2 },
            ScryptParams { n: 32767, r: 8, p: 1 },
        ] {
            assert_eq!(params.check().unwrap_err().code(), ErrorCode::Unsupported);
        }
    }
}
