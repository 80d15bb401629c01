//! What a notation signature envelope says, whatever its format (JWS or COSE): the signed payload
//! and its content type, and the signer information (signing scheme, signing time, expiry,
//! extended attributes, certificate chain, algorithm, signature, signing agent, timestamp). Each
//! format's parser fills it once its signature verified; the checks every format shares are here.

use std::time::SystemTime;

use serde::Deserialize;

use super::chain::validate_code_signing_chain;
use crate::crypto::{KeyType, PublicKey, SignatureAlgorithm};
use crate::error::{Error, ErrorCode, Result};
use crate::go_reading::{check_go_unambiguous, GoStructFields};
use crate::x509::Certificate;

/// The media type of a JWS envelope.
pub const JWS_MEDIA_TYPE: &str = "application/jose+json";
/// The media type of a COSE envelope.
pub const COSE_MEDIA_TYPE: &str = "application/cose";
/// The content type of notation's payload.
pub const PAYLOAD_CONTENT_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";
/// Largest envelope read. Real ones are tens of KiB: a chain of at most 10 certificates, a
/// timestamp token of at most 64 KiB, a descriptor and a few attributes.
pub const ENVELOPE_SIZE_MAX: usize = 2 * 1024 * 1024;
/// The extended attribute that names the plugin a signature must be verified with.
pub const VERIFICATION_PLUGIN: &str = "io.cncf.notary.verificationPlugin";
/// The extended attribute that names the plugin's minimum version.
pub const VERIFICATION_PLUGIN_MIN_VERSION: &str = "io.cncf.notary.verificationPluginMinVersion";

/// How the signing certificate was issued, and so which trust store type vouches for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningScheme {
    /// `notary.x509`: a CA-issued certificate; the signing time is the signer's claim.
    X509,
    /// `notary.x509.signingAuthority`: a signing authority; its signing time is authentic.
    X509SigningAuthority,
}

impl SigningScheme {
    /// The scheme's name in envelopes.
    pub fn name(self) -> &'static str {
        match self {
            SigningScheme::X509 => "notary.x509",
            SigningScheme::X509SigningAuthority => "notary.x509.signingAuthority",
        }
    }

    /// The scheme named `name`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "notary.x509" => Some(SigningScheme::X509),
            "notary.x509.signingAuthority" => Some(SigningScheme::X509SigningAuthority),
            _ => None,
        }
    }
}

/// A signature algorithm notation allows, each tied to a key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeAlgorithm {
    /// RSASSA-PSS with SHA-256 (RSA-2048).
    Ps256,
    /// RSASSA-PSS with SHA-384 (RSA-3072).
    Ps384,
    /// RSASSA-PSS with SHA-512 (RSA-4096).
    Ps512,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// ECDSA P-521 with SHA-512.
    Es512,
}

impl EnvelopeAlgorithm {
    /// The JOSE name (`PS256`…).
    pub fn jose_name(self) -> &'static str {
        match self {
            EnvelopeAlgorithm::Ps256 => "PS256",
            EnvelopeAlgorithm::Ps384 => "PS384",
            EnvelopeAlgorithm::Ps512 => "PS512",
            EnvelopeAlgorithm::Es256 => "ES256",
            EnvelopeAlgorithm::Es384 => "ES384",
            EnvelopeAlgorithm::Es512 => "ES512",
        }
    }

    /// The algorithm of JOSE name `name`.
    pub fn from_jose_name(name: &str) -> Result<Self> {
        Ok(match name {
            "PS256" => EnvelopeAlgorithm::Ps256,
            "PS384" => EnvelopeAlgorithm::Ps384,
            "PS512" => EnvelopeAlgorithm::Ps512,
            "ES256" => EnvelopeAlgorithm::Es256,
            "ES384" => EnvelopeAlgorithm::Es384,
            "ES512" => EnvelopeAlgorithm::Es512,
            other => {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!("signature algorithm {other:?} is not supported"),
                ))
            }
        })
    }

    /// The algorithm notation signs with for `key` (its key spec).
    pub fn for_key(key: &PublicKey) -> Result<Self> {
        Ok(match key.key_type() {
            KeyType::Rsa { bits: 2048 } => EnvelopeAlgorithm::Ps256,
            KeyType::Rsa { bits: 3072 } => EnvelopeAlgorithm::Ps384,
            KeyType::Rsa { bits: 4096 } => EnvelopeAlgorithm::Ps512,
            KeyType::EcdsaP256 => EnvelopeAlgorithm::Es256,
            KeyType::EcdsaP384 => EnvelopeAlgorithm::Es384,
            KeyType::EcdsaP521 => EnvelopeAlgorithm::Es512,
            other => {
                return Err(Error::new(
                    ErrorCode::Unsupported,
                    format!(
                    "signing certificate key {other} is not supported (RSA 2048/3072/4096, ECDSA P-256/P-384/P-521)"
                ),
                ))
            }
        })
    }

    /// The key algorithm and hash it names.
    pub fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            EnvelopeAlgorithm::Ps256 => SignatureAlgorithm::RsaPssSha256,
            EnvelopeAlgorithm::Ps384 => SignatureAlgorithm::RsaPssSha384,
            EnvelopeAlgorithm::Ps512 => SignatureAlgorithm::RsaPssSha512,
            EnvelopeAlgorithm::Es256 => SignatureAlgorithm::EcdsaSha256,
            EnvelopeAlgorithm::Es384 => SignatureAlgorithm::EcdsaSha384,
            EnvelopeAlgorithm::Es512 => SignatureAlgorithm::EcdsaSha512,
        }
    }

    /// Its hash (what a timestamp request over the signature hashes with).
    pub fn hash(self) -> crate::digest::Algorithm {
        match self {
            EnvelopeAlgorithm::Ps256 | EnvelopeAlgorithm::Es256 => crate::digest::Algorithm::Sha256,
            EnvelopeAlgorithm::Ps384 | EnvelopeAlgorithm::Es384 => crate::digest::Algorithm::Sha384,
            EnvelopeAlgorithm::Ps512 | EnvelopeAlgorithm::Es512 => crate::digest::Algorithm::Sha512,
        }
    }

    /// Verifies `signature` over `message` with `key`. ECDSA signatures are `r‖s`, each of the
    /// curve's size.
    pub fn verify(self, key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<()> {
        let algorithm = self.signature_algorithm();
        let fixed_length = match self {
            EnvelopeAlgorithm::Ps256 | EnvelopeAlgorithm::Ps384 | EnvelopeAlgorithm::Ps512 => None,
            EnvelopeAlgorithm::Es256 => Some(64),
            EnvelopeAlgorithm::Es384 => Some(96),
            EnvelopeAlgorithm::Es512 => Some(132),
        };
        if fixed_length.is_some_and(|n| n != signature.len()) {
            return Err(integrity(
                "the signature is invalid: an ECDSA signature of the wrong length".into(),
            ));
        }
        key.verify_with(algorithm, message, signature).map_err(|_| {
            integrity("the signature is invalid: it does not verify with the signing certificate's key".into())
        })
    }
}

/// A signed attribute beside the ones notation defines.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendedAttribute {
    /// Its name.
    pub key: String,
    /// Whether it is marked critical (a verifier that does not understand it must refuse).
    pub critical: bool,
    /// Its value.
    pub value: serde_json::Value,
}

/// Who signed and how, as the envelope says.
#[derive(Debug, Clone)]
pub struct SignerInfo {
    /// The signing scheme.
    pub signing_scheme: SigningScheme,
    /// The signing time (`signingTime`), or for a signing authority its authentic signing time.
    pub signing_time: SystemTime,
    /// When the signature stops being valid, if it does.
    pub expiry: Option<SystemTime>,
    /// The other signed attributes.
    pub extended_attributes: Vec<ExtendedAttribute>,
    /// The certificate chain, leaf first.
    pub certificate_chain: Vec<Certificate>,
    /// The signature algorithm.
    pub algorithm: EnvelopeAlgorithm,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// What made the signature (unsigned; for information only).
    pub signing_agent: Option<String>,
    /// The RFC 3161 timestamp token over the signature (unsigned).
    pub timestamp: Option<Vec<u8>>,
}

impl SignerInfo {
    /// The extended attribute `key`, if present.
    pub fn extended_attribute(&self, key: &str) -> Option<&ExtendedAttribute> {
        self.extended_attributes.iter().find(|a| a.key == key)
    }

    /// The signing certificate.
    pub fn leaf(&self) -> Result<&Certificate> {
        self.certificate_chain
            .first()
            .ok_or_else(|| integrity("certificate-chain not present or is empty".into()))
    }
}

/// A verified envelope's content.
#[derive(Debug, Clone)]
pub struct EnvelopeContent {
    /// The payload bytes as signed.
    pub payload: Vec<u8>,
    /// The payload's content type.
    pub payload_content_type: String,
    /// The signer information.
    pub signer: SignerInfo,
}

/// The descriptor a payload names: what was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetArtifact {
    /// Its media type.
    pub media_type: String,
    /// Its digest.
    pub digest: String,
    /// Its size in bytes.
    pub size: i64,
    /// The user metadata signed with it (`notation sign -m key=value`).
    pub annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(default)]
    target_artifact: Option<Descriptor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    size: Option<i64>,
    #[serde(default)]
    annotations: Option<std::collections::BTreeMap<String, String>>,
}

const PAYLOAD_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &[
        "targetArtifact",
        "mediaType",
        "digest",
        "size",
        "annotations",
        "urls",
        "data",
        "platform",
        "artifactType",
    ],
    opaque: &["annotations", "platform"],
};

impl EnvelopeContent {
    /// The descriptor the payload names.
    pub fn target_artifact(&self) -> Result<TargetArtifact> {
        target_artifact(&self.payload)
    }
}

/// The descriptor a notation payload (`{"targetArtifact": {...}}`) names.
pub fn target_artifact(payload: &[u8]) -> Result<TargetArtifact> {
    {
        check_go_unambiguous(payload, PAYLOAD_FIELDS, "notation payload")?;
        let payload: Payload = serde_json::from_slice(payload).map_err(|e| {
            Error::new(
                ErrorCode::InvalidPayload,
                format!("the signed payload is not notation's: {e}"),
            )
        })?;
        let target = payload
            .target_artifact
            .ok_or_else(|| Error::new(ErrorCode::InvalidPayload, "the signed payload names no targetArtifact"))?;
        Ok(TargetArtifact {
            media_type: target.media_type.unwrap_or_default(),
            digest: target.digest.unwrap_or_default(),
            size: target.size.unwrap_or_default(),
            annotations: target.annotations.unwrap_or_default(),
        })
    }
}

/// The signed attributes an envelope's protected header states, before notation's rules are applied.
pub(crate) struct StatedAttributes {
    pub signing_scheme: Option<String>,
    pub signing_time: Option<SystemTime>,
    pub authentic_signing_time: Option<SystemTime>,
    pub expiry: Option<SystemTime>,
    /// The attributes marked critical; `None` when the header has no `crit`.
    pub critical: Option<Vec<String>>,
    /// Every other attribute, by name.
    pub extended: Vec<(String, serde_json::Value)>,
}

/// The signed attributes once notation's rules held.
pub(crate) struct SignedAttributes {
    pub signing_scheme: SigningScheme,
    /// The signing time, or a signing authority's authentic signing time.
    pub signing_time: SystemTime,
    pub expiry: Option<SystemTime>,
    pub extended_attributes: Vec<ExtendedAttribute>,
}

impl SignedAttributes {
    /// The signer these attributes, the chain, the signature and the unsigned attributes describe.
    pub(crate) fn into_signer(
        self,
        certificate_chain: Vec<Certificate>,
        algorithm: EnvelopeAlgorithm,
        signature: Vec<u8>,
        signing_agent: Option<String>,
        timestamp: Option<Vec<u8>>,
    ) -> SignerInfo {
        SignerInfo {
            signing_scheme: self.signing_scheme,
            signing_time: self.signing_time,
            expiry: self.expiry,
            extended_attributes: self.extended_attributes,
            certificate_chain,
            algorithm,
            signature,
            signing_agent,
            timestamp,
        }
    }
}

/// Names of the attributes notation defines, as both envelope formats label them.
pub(crate) const SIGNING_SCHEME: &str = "io.cncf.notary.signingScheme";
pub(crate) const SIGNING_TIME: &str = "io.cncf.notary.signingTime";
pub(crate) const AUTHENTIC_SIGNING_TIME: &str = "io.cncf.notary.authenticSigningTime";
pub(crate) const EXPIRY: &str = "io.cncf.notary.expiry";

impl StatedAttributes {
    /// Applies notation's rules: a known signing scheme; for `notary.x509` a signing time and no
    /// authentic signing time, for a signing authority the reverse; `crit` naming the signing
    /// scheme, the expiry when there is one and a signing authority's authentic signing time,
    /// and nothing that is absent.
    pub(crate) fn resolve(self) -> Result<SignedAttributes> {
        let name = self.signing_scheme.as_deref().unwrap_or_default();
        let signing_scheme =
            SigningScheme::named(name).ok_or_else(|| integrity(format!("unsupported SigningScheme: `{name}`")))?;
        let signing_time = match signing_scheme {
            SigningScheme::X509 => {
                if self.authentic_signing_time.is_some() {
                    return Err(integrity(format!(
                        "{AUTHENTIC_SIGNING_TIME:?} header must not be present for notary.x509 signing scheme"
                    )));
                }
                self.signing_time
            }
            SigningScheme::X509SigningAuthority => {
                if self.signing_time.is_some() {
                    return Err(integrity(format!(
                        "{SIGNING_TIME:?} header must not be present for notary.x509.signingAuthority signing scheme"
                    )));
                }
                if self.authentic_signing_time.is_none() {
                    return Err(integrity(format!(
                        "{AUTHENTIC_SIGNING_TIME:?} header must be present for notary.x509.signingAuthority signing scheme"
                    )));
                }
                self.authentic_signing_time
            }
        };
        let critical = self
            .critical
            .ok_or_else(|| integrity("missing \"crit\" header".into()))?;
        let mut must: Vec<&str> = vec![SIGNING_SCHEME];
        if self.expiry.is_some() {
            must.push(EXPIRY);
        }
        if signing_scheme == SigningScheme::X509SigningAuthority {
            must.push(AUTHENTIC_SIGNING_TIME);
        }
        for name in &critical {
            if let Some(i) = must.iter().position(|m| m == name) {
                must.remove(i);
            } else if !self.extended.iter().any(|(key, _)| key == name) {
                return Err(integrity(format!("{name:?} header is marked critical but not present")));
            }
        }
        if !must.is_empty() {
            return Err(integrity(format!(
                "these required headers are not marked as critical: {must:?}"
            )));
        }
        Ok(SignedAttributes {
            signing_scheme,
            signing_time: signing_time.ok_or_else(|| integrity("signing-time not present".into()))?,
            expiry: self.expiry,
            extended_attributes: self
                .extended
                .into_iter()
                .map(|(key, value)| ExtendedAttribute {
                    critical: critical.contains(&key),
                    key,
                    value,
                })
                .collect(),
        })
    }
}

pub(crate) fn integrity(message: String) -> Error {
    Error::new(ErrorCode::InvalidSignatureEncoding, message)
}

/// Refuses an envelope whose header `field` holds more than [`super::chain::CHAIN_LENGTH_MAX`]
/// certificates before any of them is decoded.
pub(crate) fn bounded_chain(field: &str, count: usize) -> Result<()> {
    let max = super::chain::CHAIN_LENGTH_MAX;
    if count > max {
        return Err(integrity(format!("{field} holds {count} certificates, limit is {max}")));
    }
    Ok(())
}

/// The checks every envelope format shares, once its signature verified: a payload of notation's
/// content type, a signature, a signing time before the expiry, a chain that meets the
/// certificate requirements at the signing time, and an algorithm that is the leaf key's.
pub fn validate_content(content: &EnvelopeContent) -> Result<()> {
    if content.payload_content_type != PAYLOAD_CONTENT_TYPE {
        return Err(integrity(format!(
            "payload content type: {{{}}} not supported",
            content.payload_content_type
        )));
    }
    if content.payload.is_empty() {
        return Err(integrity("content not present".into()));
    }
    let signer = &content.signer;
    if signer.signature.is_empty() {
        return Err(integrity("signature not present or is empty".into()));
    }
    if signer.expiry.is_some_and(|expiry| expiry <= signer.signing_time) {
        return Err(integrity("expiry cannot be equal or before the signing time".into()));
    }
    validate_code_signing_chain(&signer.certificate_chain, signer.signing_time)
        .map_err(|e| integrity(format!("certificate-chain is invalid, {e}")))?;
    Ok(())
}

/// Refuses an envelope whose header names another algorithm than its signing certificate's key
/// calls for, before the signature is verified with it.
pub(crate) fn require_certificate_algorithm(leaf: &Certificate, stated: EnvelopeAlgorithm) -> Result<()> {
    let expected = EnvelopeAlgorithm::for_key(leaf.public_key()).map_err(|e| integrity(e.message().to_owned()))?;
    if stated != expected {
        return Err(integrity(format!(
            "the protected header's algorithm {} is not the signing certificate's {}",
            stated.jose_name(),
            expected.jose_name()
        )));
    }
    Ok(())
}

/// The leaf, then the rest of an envelope's chain decoded; `malformed` words a decoding error.
pub(crate) fn chain_after_leaf(
    leaf: Certificate,
    rest: &[Vec<u8>],
    malformed: impl Fn(&Error) -> String,
) -> Result<Vec<Certificate>> {
    let mut chain = Vec::with_capacity(rest.len() + 1);
    chain.push(leaf);
    for der in rest {
        chain.push(Certificate::from_der(der).map_err(|e| integrity(malformed(&e)))?);
    }
    Ok(chain)
}
