//! cosign's private key file (`cosign.key`): a PEM block `ENCRYPTED SIGSTORE PRIVATE KEY` (or the older
//! `ENCRYPTED COSIGN PRIVATE KEY`) whose body is JSON
//! `{"kdf":{"name":"scrypt","params":{"N":…,"r":8,"p":1},"salt":…},"cipher":{"name":"nacl/secretbox","nonce":…},"ciphertext":…}`
//! with base64 byte strings, sealing a PKCS#8 DER private key.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::crypto::{open_password_box, seal_password_box, PasswordBox, ScryptParams, SigningKey};
use crate::error::{Error, ErrorCode, Result};

/// PEM label cosign writes today.
pub const SIGSTORE_KEY_PEM_TAG: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label older cosign releases wrote; still read.
pub const LEGACY_COSIGN_KEY_PEM_TAG: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// Largest key file accepted.
pub const KEY_FILE_SIZE_MAX: usize = 64 * 1024;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EncryptedKeyJson {
    kdf: KdfJson,
    cipher: CipherJson,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    name: String,
    params: ScryptParamsJson,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScryptParamsJson {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CipherJson {
    name: String,
    nonce: String,
}

/// Whether `pem_bytes` is an encrypted cosign key file (by its PEM label).
pub fn is_encrypted_key_file(pem_bytes: &[u8]) -> bool {
    let text = pem_bytes.trim_ascii_start();
    [SIGSTORE_KEY_PEM_TAG, LEGACY_COSIGN_KEY_PEM_TAG]
        .iter()
        .any(|tag| text.starts_with(format!("-----BEGIN {tag}-----").as_bytes()))
}

/// Decrypts a cosign key file with `password` (which may be empty).
pub fn decrypt_key_file(pem_bytes: &[u8], password: &[u8]) -> Result<SigningKey> {
    let invalid = |why: String| Error::new(ErrorCode::InvalidKey, why);
    if pem_bytes.len() > KEY_FILE_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("key file is {} bytes, limit is {KEY_FILE_SIZE_MAX}", pem_bytes.len()),
        ));
    }
    let block = pem::parse(pem_bytes).map_err(|e| invalid(format!("malformed PEM private key: {e}")))?;
    if block.tag() != SIGSTORE_KEY_PEM_TAG && block.tag() != LEGACY_COSIGN_KEY_PEM_TAG {
        return Err(invalid(format!(
            "unsupported private key PEM type {:?}: expected {SIGSTORE_KEY_PEM_TAG:?} or {LEGACY_COSIGN_KEY_PEM_TAG:?}",
            block.tag()
        )));
    }
    let body: EncryptedKeyJson =
        serde_json::from_slice(block.contents()).map_err(|e| invalid(format!("malformed encrypted key JSON: {e}")))?;
    if body.kdf.name != "scrypt" {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!("unsupported key derivation {:?} (expected scrypt)", body.kdf.name),
        ));
    }
    if body.cipher.name != "nacl/secretbox" {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!("unsupported cipher {:?} (expected nacl/secretbox)", body.cipher.name),
        ));
    }
    let decode = |field: &str, value: &str| {
        BASE64
            .decode(value)
            .map_err(|e| invalid(format!("encrypted key {field} is not base64: {e}")))
    };
    let sealed = PasswordBox {
        params: ScryptParams {
            n: body.kdf.params.n,
            r: body.kdf.params.r,
            p: body.kdf.params.p,
        },
        salt: decode("salt", &body.kdf.salt)?,
        nonce: decode("nonce", &body.cipher.nonce)?,
        ciphertext: decode("ciphertext", &body.ciphertext)?,
    };
    let pkcs8 = open_password_box(&sealed, password)?;
    SigningKey::from_pkcs8_der(&pkcs8)
}

/// Encrypts `key` into a cosign key file (`ENCRYPTED SIGSTORE PRIVATE KEY`), as
/// `cosign generate-key-pair` writes it.
pub fn encrypt_key_file(key: &SigningKey, password: &[u8]) -> Result<String> {
    let sealed = seal_password_box(key.pkcs8_der(), password, ScryptParams::COSIGN_DEFAULT)?;
    let body = EncryptedKeyJson {
        kdf: KdfJson {
            name: "scrypt".into(),
            params: ScryptParamsJson {
                n: sealed.params.n,
                r: sealed.params.r,
                p: sealed.params.p,
            },
            salt: BASE64.encode(&sealed.salt),
        },
        cipher: CipherJson {
            name: "nacl/secretbox".into(),
            nonce: BASE64.encode(&sealed.nonce),
        },
        ciphertext: BASE64.encode(&sealed.ciphertext),
    };
    let json =
        serde_json::to_vec(&body).map_err(|e| Error::new(ErrorCode::Internal, format!("encoding key JSON: {e}")))?;
    Ok(crate::pem_text::encode(SIGSTORE_KEY_PEM_TAG, &json))
}

/// Reads any private key ocitrust can sign with: an encrypted cosign key file (decrypted with
/// `password`), or an unencrypted PKCS#8, SEC1 or PKCS#1 PEM key (`password` ignored).
pub fn load_signing_key(pem_bytes: &[u8], password: &[u8]) -> Result<SigningKey> {
    if is_encrypted_key_file(pem_bytes) {
        decrypt_key_file(pem_bytes, password)
    } else {
        SigningKey::from_pem(pem_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by `cosign generate-key-pair` v2.4.3 with COSIGN_PASSWORD=pw.
    const COSIGN_KEY: &str = include_str!("../../tests/data/cosign-v2.key");
    const COSIGN_PUB: &str = include_str!("../../tests/data/cosign-v2.pub");

    #[test]
    fn reads_a_key_written_by_cosign() {
        let key = decrypt_key_file(COSIGN_KEY.as_bytes(), b"pw").unwrap();
        let public = crate::crypto::PublicKey::from_pem_or_der(COSIGN_PUB.as_bytes()).unwrap();
        assert_eq!(key.public_key(), &public);
    }

    #[test]
    fn wrong_password_is_a_decryption_error() {
        let err = decrypt_key_file(COSIGN_KEY.as_bytes(), b"wrong").unwrap_err();
        assert_eq!(err.code(), ErrorCode::KeyDecryption);
    }

    #[test]
    fn writes_then_reads_with_empty_password() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let file = encrypt_key_file(&key, b"").unwrap();
        assert!(file.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        assert!(!file.contains('\r'));
        let back = load_signing_key(file.as_bytes(), b"").unwrap();
        assert_eq!(back.public_key(), key.public_key());
    }

    fn with_json(json: &str) -> String {
        crate::pem_text::encode(SIGSTORE_KEY_PEM_TAG, json.as_bytes())
    }

    #[test]
    fn rejects_unsupported_scrypt_parameters_before_deriving() {
        let file = with_json(
            r#"{"kdf":{"name":"scrypt","params":{"N":1048576,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"}"#,
        );
        let err = decrypt_key_file(file.as_bytes(), b"").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unsupported);
        assert!(err.message().contains("unsupported scrypt parameters"), "{err}");
    }

    #[test]
    fn rejects_malformed_bodies() {
        for json in [
            "",
            "{",
            "[]",
            r#"{"kdf":{"name":"pbkdf2","params":{"N":32768,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"}"#,
            r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"aes","nonce":"AAAA"},"ciphertext":"AAAA"}"#,
            r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"!!"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"}"#,
            r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"}"#,
        ] {
            assert!(decrypt_key_file(with_json(json).as_bytes(), b"").is_err(), "{json}");
        }
        let huge = "A".repeat(KEY_FILE_SIZE_MAX + 1);
        assert_eq!(
            decrypt_key_file(huge.as_bytes(), b"").unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
        assert!(decrypt_key_file(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", b"").is_err());
    }
}
