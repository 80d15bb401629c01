//! Private keys for signing: PKCS#8, SEC1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`) DER/PEM,
//! ECDSA P-256 key generation, and signing the way cosign signs with a key.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier};
use der::{Decode, Encode};
use pkcs8::PrivateKeyInfo;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use super::oids;
use super::public_key::PublicKey;
use crate::error::{Error, ErrorCode, Result};

enum Pair {
    EcdsaP256(sig::EcdsaKeyPair),
    EcdsaP384(sig::EcdsaKeyPair),
    /// ring has no P-521; RustCrypto's `p521` signs with it (random nonces from the OS).
    EcdsaP521(Box<p521::ecdsa::SigningKey>),
    Ed25519(sig::Ed25519KeyPair),
    Rsa(sig::RsaKeyPair),
}

/// A private key that can sign, with its PKCS#8 encoding (wiped on drop) and its public key.
pub struct SigningKey {
    pair: Pair,
    pkcs8: Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl SigningKey {
    /// Generates a new ECDSA P-256 key, cosign's default.
    pub fn generate_ecdsa_p256() -> Result<Self> {
        let rng = SystemRandom::new();
        let doc = sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| Error::new(ErrorCode::Internal, "generating an ECDSA P-256 key failed"))?;
        Self::from_pkcs8_der(doc.as_ref())
    }

    /// Reads a PEM private key: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1) or
    /// `RSA PRIVATE KEY` (PKCS#1). Encrypted cosign keys are read by `cosign::PrivateKeyFile`.
    pub fn from_pem(pem_bytes: &[u8]) -> Result<Self> {
        let block = pem::parse(pem_bytes)
            .map_err(|e| Error::new(ErrorCode::InvalidKey, format!("malformed PEM private key: {e}")))?;
        let der = Zeroizing::new(block.contents().to_vec());
        match block.tag() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "EC PRIVATE KEY" => Self::from_sec1_der(&der),
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            other => Err(Error::new(
                ErrorCode::InvalidKey,
                format!("unsupported PEM block {other:?}: expected PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY or an encrypted cosign key"),
            )),
        }
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let invalid = |why: String| Error::new(ErrorCode::InvalidKey, why);
        let info = PrivateKeyInfo::from_der(der).map_err(|e| invalid(format!("malformed PKCS#8 private key: {e}")))?;
        let oid = info.algorithm.oid;
        let rejected = |e: ring::error::KeyRejected| invalid(format!("private key rejected: {e}"));
        let rng = SystemRandom::new();
        let pair = if oid == oids::EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = info
                .algorithm
                .parameters
                .ok_or_else(|| invalid("EC private key without a named curve".into()))?
                .decode_as()
                .map_err(|e| invalid(format!("EC private key curve: {e}")))?;
            if curve == oids::CURVE_P256 {
                Pair::EcdsaP256(
                    sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng).map_err(rejected)?,
                )
            } else if curve == oids::CURVE_P384 {
                Pair::EcdsaP384(
                    sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P384_SHA384_FIXED_SIGNING, der, &rng)
                        .map_err(rejected)?,
                )
            } else if curve == oids::CURVE_P521 {
                let key = sec1::EcPrivateKey::from_der(info.private_key)
                    .map_err(|e| invalid(format!("malformed P-521 private key: {e}")))?;
                let scalar = p521::ecdsa::SigningKey::from_slice(key.private_key)
                    .map_err(|_| invalid("P-521 private key rejected: not a scalar of the curve".into()))?;
                Pair::EcdsaP521(Box::new(scalar))
            } else {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!("unsupported elliptic curve {curve}"),
                ));
            }
        } else if oid == oids::ED25519 {
            Pair::Ed25519(sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?)
        } else if oid == oids::RSA_ENCRYPTION {
            Pair::Rsa(sig::RsaKeyPair::from_pkcs8(der).map_err(rejected)?)
        } else {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("unsupported private key algorithm {oid}"),
            ));
        };
        let public = public_key_of(&pair)?;
        Ok(SigningKey {
            pair,
            pkcs8: Zeroizing::new(der.to_vec()),
            public,
        })
    }

    /// Reads a DER SEC1 `ECPrivateKey` by wrapping it in PKCS#8.
    fn from_sec1_der(der: &[u8]) -> Result<Self> {
        let key = sec1::EcPrivateKey::from_der(der)
            .map_err(|e| Error::new(ErrorCode::InvalidKey, format!("malformed EC PRIVATE KEY: {e}")))?;
        let curve = key
            .parameters
            .and_then(|p| p.named_curve())
            .ok_or_else(|| Error::new(ErrorCode::InvalidKey, "EC PRIVATE KEY without a named curve"))?;
        Self::from_pkcs8_der(&wrap_pkcs8(oids::EC_PUBLIC_KEY, AnyRef::from(&curve), der)?)
    }

    /// Reads a DER PKCS#1 `RSAPrivateKey` by wrapping it in PKCS#8.
    fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        Self::from_pkcs8_der(&wrap_pkcs8(oids::RSA_ENCRYPTION, AnyRef::NULL, der)?)
    }

    /// The PKCS#8 DER encoding (what cosign encrypts into `cosign.key`).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `message` as cosign does with a key: ECDSA P-256 over SHA-256 (ASN.1 DER),
    /// RSA PKCS#1 v1.5 over SHA-256, or Ed25519 over the message.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let rng = SystemRandom::new();
        let failed = |_| Error::new(ErrorCode::Internal, "signing failed");
        match &self.pair {
            Pair::EcdsaP256(pair) => Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
            // cosign signs with SHA-256 whatever the curve; ring cannot sign P-384 over SHA-256,
            // and a SHA-384 signature would not verify in cosign.
            Pair::EcdsaP384(_) | Pair::EcdsaP521(_) => Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "signing cosign signatures with {} keys is not supported (cosign signs them over SHA-256); use P-256, Ed25519 or RSA",
                    self.public.key_type()
                ),
            )),
            Pair::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Pair::Rsa(pair) => {
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(&sig::RSA_PKCS1_SHA256, &rng, message, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
        }
    }
}

impl SigningKey {
    /// Signs `message` with `algorithm` as JOSE and COSE encode signatures: ECDSA as the fixed-size
    /// `r‖s` (P-256 over SHA-256, P-384 over SHA-384, P-521 over SHA-512), RSA-PSS with a salt the hash's length.
    pub fn sign_jose(&self, algorithm: super::SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        use super::SignatureAlgorithm as A;
        let rng = SystemRandom::new();
        let failed = |_| Error::new(ErrorCode::Internal, "signing failed");
        let unsupported = || {
            Error::new(
                ErrorCode::Unsupported,
                format!("a {} key cannot sign with {algorithm:?}", self.public.key_type()),
            )
        };
        match (&self.pair, algorithm) {
            (Pair::EcdsaP256(_), A::EcdsaSha256) => {
                let pair = sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &self.pkcs8, &rng)
                    .map_err(|_| Error::new(ErrorCode::Internal, "re-reading the P-256 key failed"))?;
                Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec())
            }
            (Pair::EcdsaP384(pair), A::EcdsaSha384) => Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
            (Pair::EcdsaP521(key), A::EcdsaSha512) => {
                use p521::ecdsa::signature::Signer;
                let signature: p521::ecdsa::Signature = key
                    .try_sign(message)
                    .map_err(|_| Error::new(ErrorCode::Internal, "signing failed"))?;
                Ok(signature.to_bytes().to_vec())
            }
            (Pair::Rsa(pair), A::RsaPssSha256 | A::RsaPssSha384 | A::RsaPssSha512) => {
                let padding: &'static dyn sig::RsaEncoding = match algorithm {
                    A::RsaPssSha256 => &sig::RSA_PSS_SHA256,
                    A::RsaPssSha384 => &sig::RSA_PSS_SHA384,
                    _ => &sig::RSA_PSS_SHA512,
                };
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, message, &mut out).map_err(failed)?;
                Ok(out)
            }
            _ => Err(unsupported()),
        }
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?})", self.public)
    }
}

fn wrap_pkcs8(oid: ObjectIdentifier, parameters: AnyRef<'_>, private_key: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = PrivateKeyInfo {
        algorithm: AlgorithmIdentifierRef {
            oid,
            parameters: Some(parameters),
        },
        private_key,
        public_key: None,
    };
    info.to_der()
        .map(Zeroizing::new)
        .map_err(|e| Error::new(ErrorCode::InvalidKey, format!("wrapping private key: {e}")))
}

fn public_key_of(pair: &Pair) -> Result<PublicKey> {
    let curve_p256 = AnyRef::from(&oids::CURVE_P256);
    let curve_p384 = AnyRef::from(&oids::CURVE_P384);
    let curve_p521 = AnyRef::from(&oids::CURVE_P521);
    let p521_point;
    let (algorithm, key_bytes) = match pair {
        Pair::EcdsaP256(p) => (
            AlgorithmIdentifierRef {
                oid: oids::EC_PUBLIC_KEY,
                parameters: Some(curve_p256),
            },
            p.public_key().as_ref(),
        ),
        Pair::EcdsaP384(p) => (
            AlgorithmIdentifierRef {
                oid: oids::EC_PUBLIC_KEY,
                parameters: Some(curve_p384),
            },
            p.public_key().as_ref(),
        ),
        Pair::EcdsaP521(key) => {
            p521_point = p521::ecdsa::VerifyingKey::from(key.as_ref()).to_encoded_point(false);
            (
                AlgorithmIdentifierRef {
                    oid: oids::EC_PUBLIC_KEY,
                    parameters: Some(curve_p521),
                },
                p521_point.as_bytes(),
            )
        }
        Pair::Ed25519(p) => (
            AlgorithmIdentifierRef {
                oid: oids::ED25519,
                parameters: None,
            },
            p.public_key().as_ref(),
        ),
        Pair::Rsa(p) => (
            AlgorithmIdentifierRef {
                oid: oids::RSA_ENCRYPTION,
                parameters: Some(AnyRef::NULL),
            },
            p.public().as_ref(),
        ),
    };
    let internal = |e: der::Error| Error::new(ErrorCode::Internal, format!("encoding public key: {e}"));
    let spki = SubjectPublicKeyInfoRef {
        algorithm,
        subject_public_key: BitStringRef::from_bytes(key_bytes).map_err(internal)?,
    };
    PublicKey::from_spki_der(&spki.to_der().map_err(internal)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyType;

    #[test]
    fn generated_p256_signs_and_verifies() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        assert_eq!(key.public_key().key_type(), KeyType::EcdsaP256);
        let signature = key.sign(b"payload").unwrap();
        key.public_key().verify(b"payload", &signature).unwrap();
        assert!(key.public_key().verify(b"other", &signature).is_err());
        let again = SigningKey::from_pkcs8_der(key.pkcs8_der()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }

    #[test]
    fn rejects_garbage_private_keys() {
        assert!(SigningKey::from_pkcs8_der(b"junk").is_err());
        assert!(SigningKey::from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
        let err = SigningKey::from_pem(b"-----BEGIN OTHER-----\nAAAA\n-----END OTHER-----\n").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidKey);
        assert!(SigningKey::from_pem(b"no pem here").is_err());
    }
}
