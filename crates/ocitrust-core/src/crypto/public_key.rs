//! Public keys from SubjectPublicKeyInfo (PEM `PUBLIC KEY` or DER) and signature verification.

use std::fmt;

use super::backend::digest;
use super::backend::signature::{self as sig, UnparsedPublicKey};
use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode, Reader, SliceReader};
use spki::SubjectPublicKeyInfoRef;

use super::oids;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};

/// Largest PEM or DER public key accepted (an RSA-8192 SPKI is about 1.1 KiB in DER).
pub const PUBLIC_KEY_SIZE_MAX: usize = 16 * 1024;
const RSA_BITS_MIN: usize = 2048;
const RSA_BITS_MAX: usize = 8192;

/// The kind of a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeyType {
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521.
    EcdsaP521,
    /// RSA with the given modulus size in bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// Ed25519.
    Ed25519,
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::EcdsaP256 => f.write_str("ECDSA P-256"),
            KeyType::EcdsaP384 => f.write_str("ECDSA P-384"),
            KeyType::EcdsaP521 => f.write_str("ECDSA P-521"),
            KeyType::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyType::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// A signature algorithm: key type, padding and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA over SHA-256 (cosign's default for every curve), signature in ASN.1 DER or raw r‖s.
    EcdsaSha256,
    /// ECDSA over SHA-384, signature in ASN.1 DER or raw r‖s.
    EcdsaSha384,
    /// ECDSA over SHA-512, signature in ASN.1 DER or raw r‖s.
    EcdsaSha512,
    /// RSA PKCS#1 v1.5 with SHA-256 (cosign's default for RSA keys).
    RsaPkcs1Sha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaPkcs1Sha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaPkcs1Sha512,
    /// RSA-PSS with SHA-256 (MGF1 SHA-256, salt length = hash length).
    RsaPssSha256,
    /// RSA-PSS with SHA-384.
    RsaPssSha384,
    /// RSA-PSS with SHA-512.
    RsaPssSha512,
    /// Ed25519 over the message itself.
    Ed25519,
}

/// A parsed public key, kept with its DER SubjectPublicKeyInfo.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key_type: KeyType,
    spki_der: Vec<u8>,
    /// The `subjectPublicKey` bits: an EC point, a PKCS#1 `RSAPublicKey`, or 32 Ed25519 bytes.
    key_bytes: Vec<u8>,
}

impl PublicKey {
    /// Parses PEM (`-----BEGIN PUBLIC KEY-----`) or, failing that, DER SubjectPublicKeyInfo.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > PUBLIC_KEY_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("public key is {} bytes, limit is {PUBLIC_KEY_SIZE_MAX}", bytes.len()),
            ));
        }
        let trimmed = bytes.trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN") {
            let block = pem::parse(trimmed)
                .map_err(|e| Error::new(ErrorCode::InvalidKey, format!("malformed PEM public key: {e}")))?;
            if block.tag() != "PUBLIC KEY" {
                return Err(Error::new(
                    ErrorCode::InvalidKey,
                    format!("expected a PEM \"PUBLIC KEY\" block, found {:?}", block.tag()),
                ));
            }
            Self::from_spki_der(block.contents())
        } else {
            Self::from_spki_der(bytes)
        }
    }

    /// Parses a DER PKCS#1 `RSAPublicKey` (how a Sigstore trusted root gives `PKCS1_RSA_*` keys).
    pub fn from_pkcs1_rsa_der(der: &[u8]) -> Result<Self> {
        let invalid = |why: String| Error::new(ErrorCode::InvalidKey, why);
        let spki = spki::SubjectPublicKeyInfoOwned {
            algorithm: spki::AlgorithmIdentifierOwned {
                oid: oids::RSA_ENCRYPTION,
                parameters: Some(der::asn1::Null.into()),
            },
            subject_public_key: der::asn1::BitString::from_bytes(der)
                .map_err(|e| invalid(format!("malformed RSA public key: {e}")))?,
        };
        let encoded = spki
            .to_der()
            .map_err(|e| invalid(format!("malformed RSA public key: {e}")))?;
        Self::from_spki_der(&encoded)
    }

    /// Parses DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let invalid = |why: String| Error::new(ErrorCode::InvalidKey, why);
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| invalid(format!("malformed SubjectPublicKeyInfo: {e}")))?;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| invalid("public key bit string has unused bits".into()))?
            .to_vec();
        let oid = spki.algorithm.oid;
        let key_type = if oid == oids::EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .ok_or_else(|| invalid("EC public key without a named curve".into()))?
                .decode_as()
                .map_err(|e| invalid(format!("EC public key curve is not a named curve: {e}")))?;
            let (key_type, point_len) = match curve {
                c if c == oids::CURVE_P256 => (KeyType::EcdsaP256, 65),
                c if c == oids::CURVE_P384 => (KeyType::EcdsaP384, 97),
                c if c == oids::CURVE_P521 => (KeyType::EcdsaP521, 133),
                other => {
                    return Err(Error::new(
                        ErrorCode::Unsupported,
                        format!("unsupported elliptic curve {other}"),
                    ))
                }
            };
            if key_bytes.len() != point_len || key_bytes.first() != Some(&0x04) {
                return Err(invalid(format!(
                    "{key_type} public key must be an uncompressed point of {point_len} bytes"
                )));
            }
            key_type
        } else if oid == oids::RSA_ENCRYPTION {
            let bits = rsa_modulus_bits(&key_bytes).map_err(|e| invalid(format!("malformed RSA public key: {e}")))?;
            if !(RSA_BITS_MIN..=RSA_BITS_MAX).contains(&bits) {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!("RSA keys of {bits} bits are not supported (expected {RSA_BITS_MIN} to {RSA_BITS_MAX})"),
                ));
            }
            KeyType::Rsa { bits }
        } else if oid == oids::ED25519 {
            if key_bytes.len() != 32 {
                return Err(invalid("Ed25519 public key must be 32 bytes".into()));
            }
            KeyType::Ed25519
        } else {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("unsupported public key algorithm {oid}"),
            ));
        };
        let spki_der = spki.to_der().map_err(|e| invalid(format!("re-encoding key: {e}")))?;
        Ok(PublicKey {
            key_type,
            spki_der,
            key_bytes,
        })
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// PEM `PUBLIC KEY`, as cosign writes `cosign.pub`.
    pub fn to_pem(&self) -> String {
        crate::pem_text::encode("PUBLIC KEY", &self.spki_der)
    }

    /// The key id: hex SHA-256 of the DER SubjectPublicKeyInfo.
    pub fn key_id(&self) -> String {
        Digest::sha256(&self.spki_der).hex().to_owned()
    }

    /// The algorithm cosign uses with this key for key-based signatures: ECDSA with SHA-256 for
    /// every curve, RSA PKCS#1 v1.5 with SHA-256, and Ed25519.
    pub fn default_algorithm(&self) -> SignatureAlgorithm {
        match self.key_type {
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => SignatureAlgorithm::EcdsaSha256,
            KeyType::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
            KeyType::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }

    /// Verifies `signature` over `message` with the key's default algorithm.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        self.verify_with(self.default_algorithm(), message, signature)
    }

    /// Verifies `signature` over `message` with `algorithm`, which must suit the key type. ECDSA
    /// signatures may be ASN.1 DER or raw r‖s.
    pub fn verify_with(&self, algorithm: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> Result<()> {
        use SignatureAlgorithm as A;
        // What the backend lacks (P-521, and ECDSA over SHA-512) is verified from the message's hash.
        let ecdsa_hash = match algorithm {
            A::EcdsaSha256 => Some(&digest::SHA256),
            A::EcdsaSha384 => Some(&digest::SHA384),
            A::EcdsaSha512 => Some(&digest::SHA512),
            _ => None,
        };
        if let Some(hash) = ecdsa_hash {
            if self.key_type == KeyType::EcdsaP521 || algorithm == A::EcdsaSha512 {
                return self.verify_prehashed(algorithm, digest::digest(hash, message).as_ref(), signature);
            }
        }
        let candidates: &[&'static dyn sig::VerificationAlgorithm] = match (self.key_type, algorithm) {
            (KeyType::EcdsaP256, A::EcdsaSha256) => &[&sig::ECDSA_P256_SHA256_ASN1, &sig::ECDSA_P256_SHA256_FIXED],
            (KeyType::EcdsaP256, A::EcdsaSha384) => &[&sig::ECDSA_P256_SHA384_ASN1],
            (KeyType::EcdsaP384, A::EcdsaSha256) => &[&sig::ECDSA_P384_SHA256_ASN1],
            (KeyType::EcdsaP384, A::EcdsaSha384) => &[&sig::ECDSA_P384_SHA384_ASN1, &sig::ECDSA_P384_SHA384_FIXED],
            (KeyType::Rsa { .. }, A::RsaPkcs1Sha256) => &[&sig::RSA_PKCS1_2048_8192_SHA256],
            (KeyType::Rsa { .. }, A::RsaPkcs1Sha384) => &[&sig::RSA_PKCS1_2048_8192_SHA384],
            (KeyType::Rsa { .. }, A::RsaPkcs1Sha512) => &[&sig::RSA_PKCS1_2048_8192_SHA512],
            (KeyType::Rsa { .. }, A::RsaPssSha256) => &[&sig::RSA_PSS_2048_8192_SHA256],
            (KeyType::Rsa { .. }, A::RsaPssSha384) => &[&sig::RSA_PSS_2048_8192_SHA384],
            (KeyType::Rsa { .. }, A::RsaPssSha512) => &[&sig::RSA_PSS_2048_8192_SHA512],
            (KeyType::Ed25519, A::Ed25519) => &[&sig::ED25519],
            (key_type, algorithm) => {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!("signature algorithm {algorithm:?} does not apply to a {key_type} key"),
                ))
            }
        };
        // ring rejects raw P-256 signatures of the wrong length and DER of the wrong shape, so trying
        // both encodings of the same (r, s) accepts nothing that either encoding alone would not.
        let verified = candidates.iter().any(|alg| {
            UnparsedPublicKey::new(*alg, &self.key_bytes)
                .verify(message, signature)
                .is_ok()
        });
        if verified {
            Ok(())
        } else {
            Err(self.does_not_verify(algorithm))
        }
    }
}

impl PublicKey {
    /// Verifies `signature` over a message of which only `digest` is known (its hash under the
    /// algorithm's hash function): what a caller that has the artifact's digest but not the
    /// artifact needs. ECDSA only (RSA and Ed25519 sign the message itself here).
    pub fn verify_prehashed(&self, algorithm: SignatureAlgorithm, digest: &[u8], signature: &[u8]) -> Result<()> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let expected_len = match algorithm {
            SignatureAlgorithm::EcdsaSha256 => 32,
            SignatureAlgorithm::EcdsaSha384 => 48,
            SignatureAlgorithm::EcdsaSha512 => 64,
            other => {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!(
                        "{} signatures cannot be verified from the digest alone; give the artifact itself",
                        algorithm_label(other)
                    ),
                ))
            }
        };
        if digest.len() != expected_len {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "a {}-byte digest for a {} signature",
                    digest.len(),
                    algorithm_label(algorithm)
                ),
            ));
        }
        let verified = match self.key_type {
            KeyType::EcdsaP256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(&self.key_bytes)
                .ok()
                .zip(
                    p256::ecdsa::Signature::from_der(signature)
                        .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                        .ok(),
                )
                .is_some_and(|(key, sig)| key.verify_prehash(digest, &sig).is_ok()),
            KeyType::EcdsaP384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(&self.key_bytes)
                .ok()
                .zip(
                    p384::ecdsa::Signature::from_der(signature)
                        .or_else(|_| p384::ecdsa::Signature::from_slice(signature))
                        .ok(),
                )
                .is_some_and(|(key, sig)| key.verify_prehash(digest, &sig).is_ok()),
            KeyType::EcdsaP521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(&self.key_bytes)
                .ok()
                .zip(
                    p521::ecdsa::Signature::from_der(signature)
                        .or_else(|_| p521::ecdsa::Signature::from_slice(signature))
                        .ok(),
                )
                .is_some_and(|(key, sig)| {
                    // A hash shorter than the curve's 66-byte field is the same integer padded
                    // (as Go reads it); the ecdsa crate refuses hashes under half the field.
                    let mut padded = [0u8; 66];
                    padded[66 - digest.len()..].copy_from_slice(digest);
                    key.verify_prehash(&padded, &sig).is_ok()
                }),
            key_type => {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!("{key_type} signatures cannot be verified from the digest alone; give the artifact itself"),
                ))
            }
        };
        if verified {
            Ok(())
        } else {
            Err(self.does_not_verify(algorithm))
        }
    }

    fn does_not_verify(&self, algorithm: SignatureAlgorithm) -> Error {
        Error::new(
            ErrorCode::NoMatchingSignatures,
            format!(
                "invalid signature: {} signature does not verify with the {} key {}",
                algorithm_label(algorithm),
                self.key_type,
                self.key_id()
            ),
        )
    }
}

impl SignatureAlgorithm {
    /// The algorithm an X.509 `AlgorithmIdentifier` OID names (certificates, CRLs, CMS), if it is
    /// one ocitrust verifies. RSA-PSS, whose parameters live beside the OID, is not among them.
    pub fn from_x509_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match oid.to_string().as_str() {
            "1.2.840.10045.4.3.2" => SignatureAlgorithm::EcdsaSha256,
            "1.2.840.10045.4.3.3" => SignatureAlgorithm::EcdsaSha384,
            "1.2.840.10045.4.3.4" => SignatureAlgorithm::EcdsaSha512,
            "1.2.840.113549.1.1.11" => SignatureAlgorithm::RsaPkcs1Sha256,
            "1.2.840.113549.1.1.12" => SignatureAlgorithm::RsaPkcs1Sha384,
            "1.2.840.113549.1.1.13" => SignatureAlgorithm::RsaPkcs1Sha512,
            "1.3.101.112" => SignatureAlgorithm::Ed25519,
            _ => return None,
        })
    }
}

fn algorithm_label(algorithm: SignatureAlgorithm) -> &'static str {
    match algorithm {
        SignatureAlgorithm::EcdsaSha256 => "ECDSA SHA-256",
        SignatureAlgorithm::EcdsaSha384 => "ECDSA SHA-384",
        SignatureAlgorithm::EcdsaSha512 => "ECDSA SHA-512",
        SignatureAlgorithm::RsaPkcs1Sha256 => "RSA PKCS#1 v1.5 SHA-256",
        SignatureAlgorithm::RsaPkcs1Sha384 => "RSA PKCS#1 v1.5 SHA-384",
        SignatureAlgorithm::RsaPkcs1Sha512 => "RSA PKCS#1 v1.5 SHA-512",
        SignatureAlgorithm::RsaPssSha256 => "RSA-PSS SHA-256",
        SignatureAlgorithm::RsaPssSha384 => "RSA-PSS SHA-384",
        SignatureAlgorithm::RsaPssSha512 => "RSA-PSS SHA-512",
        SignatureAlgorithm::Ed25519 => "Ed25519",
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({}, {})", self.key_type, self.key_id())
    }
}

/// The modulus size of a PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_modulus_bits(der: &[u8]) -> der::Result<usize> {
    let mut reader = SliceReader::new(der)?;
    let modulus = reader.sequence(|seq| {
        let modulus = UintRef::decode(seq)?;
        let _exponent = UintRef::decode(seq)?;
        Ok(modulus)
    })?;
    reader.finish(())?;
    let bytes = modulus.as_bytes();
    Ok(match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // `openssl ecparam -genkey -name prime256v1 | openssl ec -pubout`
    const P256_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEiOZRzd2ylgeuabI5Uo4Vy5ILpdbE
oL6njiAnylpHQx4hWnSNyRxjKJDd0yaE5JmivLfnnlyVMPvSlD1a+T8Q2Q==
-----END PUBLIC KEY-----
";

    #[test]
    fn parses_p256_pem_and_der() {
        let k = PublicKey::from_pem_or_der(P256_PEM.as_bytes()).unwrap();
        assert_eq!(k.key_type(), KeyType::EcdsaP256);
        let again = PublicKey::from_pem_or_der(k.spki_der()).unwrap();
        assert_eq!(again, k);
        assert_eq!(PublicKey::from_pem_or_der(k.to_pem().as_bytes()).unwrap(), k);
        assert_eq!(k.key_id().len(), 64);
    }

    #[test]
    fn rejects_garbage_and_wrong_blocks() {
        for bad in [
            &b""[..],
            b"not a key",
            b"-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(PublicKey::from_pem_or_der(bad).is_err());
        }
        let huge = vec![b'A'; PUBLIC_KEY_SIZE_MAX + 1];
        assert_eq!(
            PublicKey::from_pem_or_der(&huge).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
    }

    #[test]
    fn wrong_algorithm_for_key_is_unsupported() {
        let k = PublicKey::from_pem_or_der(P256_PEM.as_bytes()).unwrap();
        let err = k.verify_with(SignatureAlgorithm::Ed25519, b"m", b"s").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unsupported);
    }
}

#[cfg(test)]
mod openssl_made {
    //! Keys and signatures made by openssl (tests/data/openssl/regenerate.sh).
    use super::*;
    use crate::crypto::SigningKey;

    fn data(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/data/openssl/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn key(name: &str) -> PublicKey {
        PublicKey::from_pem_or_der(&data(name)).unwrap()
    }

    #[test]
    fn verifies_each_supported_key_type() {
        let msg = data("msg.txt");
        let p384 = key("p384.pub");
        assert_eq!(p384.key_type(), KeyType::EcdsaP384);
        p384.verify(&msg, &data("p384-sha256.sig")).unwrap();
        p384.verify_with(SignatureAlgorithm::EcdsaSha384, &msg, &data("p384-sha384.sig"))
            .unwrap();
        assert!(
            p384.verify(&msg, &data("p384-sha384.sig")).is_err(),
            "the hash is part of the algorithm"
        );
        let p521 = key("p521.pub");
        assert_eq!(p521.key_type(), KeyType::EcdsaP521);
        p521.verify_with(SignatureAlgorithm::EcdsaSha512, &msg, &data("p521-sha512.sig"))
            .unwrap();
        p521.verify(&msg, &data("p521-sha256.sig")).unwrap();
        assert!(p521.verify(&msg, &data("p521-sha512.sig")).is_err());
        let mut flipped = msg.clone();
        flipped[0] ^= 1;
        assert!(p521
            .verify_with(SignatureAlgorithm::EcdsaSha512, &flipped, &data("p521-sha512.sig"))
            .is_err());
        let ed = key("ed25519.pub");
        assert_eq!(ed.key_type(), KeyType::Ed25519);
        ed.verify(&msg, &data("ed25519.sig")).unwrap();
        let rsa = key("rsa2048.pub");
        assert_eq!(rsa.key_type(), KeyType::Rsa { bits: 2048 });
        rsa.verify(&msg, &data("rsa2048-pkcs1-sha256.sig")).unwrap();
        rsa.verify_with(SignatureAlgorithm::RsaPssSha256, &msg, &data("rsa2048-pss-sha256.sig"))
            .unwrap();
        assert!(
            rsa.verify(&msg, &data("rsa2048-pss-sha256.sig")).is_err(),
            "PSS is not PKCS#1 v1.5"
        );
    }

    #[test]
    fn tampered_messages_and_signatures_fail() {
        let msg = data("msg.txt");
        let mut other = msg.clone();
        other[0] ^= 1;
        for (pub_name, sig_name) in [
            ("p384.pub", "p384-sha256.sig"),
            ("ed25519.pub", "ed25519.sig"),
            ("rsa2048.pub", "rsa2048-pkcs1-sha256.sig"),
        ] {
            let k = key(pub_name);
            let sig = data(sig_name);
            assert_eq!(
                k.verify(&other, &sig).unwrap_err().code(),
                ErrorCode::NoMatchingSignatures
            );
            let mut bad = sig.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(k.verify(&msg, &bad).is_err());
            assert!(k.verify(&msg, &[]).is_err());
        }
    }

    #[test]
    fn raw_r_s_p256_signatures_verify() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let der = key.sign(b"m").unwrap();
        // DER SEQUENCE { INTEGER r, INTEGER s } -> 32-byte r || 32-byte s.
        let mut raw = Vec::new();
        let mut i = 2;
        for _ in 0..2 {
            let len = usize::from(der[i + 1]);
            let int = &der[i + 2..i + 2 + len];
            let int = if int.len() > 32 { &int[int.len() - 32..] } else { int };
            raw.extend(std::iter::repeat_n(0u8, 32 - int.len()));
            raw.extend_from_slice(int);
            i += 2 + len;
        }
        key.public_key().verify(b"m", &raw).unwrap();
    }

    #[test]
    fn small_rsa_keys_are_refused() {
        let err = PublicKey::from_pem_or_der(&data("rsa1024.pub")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unsupported);
        assert!(err.message().contains("1024 bits"), "{err}");
    }

    #[test]
    fn loads_sec1_and_pkcs1_private_keys() {
        let ec = SigningKey::from_pem(&data("p256-sec1.key")).unwrap();
        let sig = ec.sign(b"x").unwrap();
        ec.public_key().verify(b"x", &sig).unwrap();
        let rsa = SigningKey::from_pem(&data("rsa2048-pkcs1.key")).unwrap();
        assert_eq!(rsa.public_key(), &key("rsa2048.pub"));
        rsa.public_key().verify(b"x", &rsa.sign(b"x").unwrap()).unwrap();
        let ed = SigningKey::from_pem(&data("ed25519.key")).unwrap();
        assert_eq!(ed.public_key(), &key("ed25519.pub"));
        // A P-521 key loads, signs JOSE/COSE (SHA-512, r‖s of 132 bytes) and has openssl's public key.
        let p521 = SigningKey::from_pem(&data("p521.key")).unwrap();
        assert_eq!(p521.public_key(), &key("p521.pub"));
        assert_eq!(p521.sign(b"x").unwrap_err().code(), ErrorCode::Unsupported);
        let jose = p521.sign_jose(SignatureAlgorithm::EcdsaSha512, b"x").unwrap();
        assert_eq!(jose.len(), 132);
        p521.public_key()
            .verify_with(SignatureAlgorithm::EcdsaSha512, b"x", &jose)
            .unwrap();
        assert!(p521.sign_jose(SignatureAlgorithm::EcdsaSha256, b"x").is_err());
        // A P-384 key loads and signs JOSE/COSE (SHA-384), but not as cosign signs (over SHA-256).
        let p384 = SigningKey::from_pem(&data("p384.key")).unwrap();
        assert_eq!(p384.sign(b"x").unwrap_err().code(), ErrorCode::Unsupported);
        let jose = p384.sign_jose(SignatureAlgorithm::EcdsaSha384, b"x").unwrap();
        p384.public_key()
            .verify_with(SignatureAlgorithm::EcdsaSha384, b"x", &jose)
            .unwrap();
    }
}
