//! Sigstore bundles (protobuf-specs `Bundle`, JSON form), versions 0.1 to 0.3 in both media-type
//! spellings: the verification material (a certificate, a chain, or a key hint), the transparency
//! log entries, the RFC 3161 timestamps, and the content (a message signature or a DSSE envelope).
//! Parsing also applies the rules each version sets for what must be present, so a bundle that
//! parses is complete for its version; the verification of what it holds is elsewhere.

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::base64_field::Base64;
use crate::error::{Error, ErrorCode, Result};
use crate::go_reading::{check_go_unambiguous, GoStructFields};
use crate::x509::Certificate;

/// Largest bundle parsed: an attestation's may carry a whole SBOM. (What one verification reads in
/// all is bounded by its read budget.)
pub const SIGSTORE_BUNDLE_SIZE_MAX: usize = 32 * 1024 * 1024;
/// Most transparency-log entries, timestamps, certificates or DSSE signatures a bundle may hold.
const ITEMS_MAX: usize = 32;
/// Most hashes in an inclusion proof (a tree of 2^64 leaves needs 64).
const PROOF_HASHES_MAX: usize = 64;

/// A bundle's version, from its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`
    V01,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.2`
    V02,
    /// `application/vnd.dev.sigstore.bundle+json;version=0.3` or `…bundle.v0.3+json`
    V03,
}

impl BundleVersion {
    /// The version a media type names.
    pub fn from_media_type(media_type: &str) -> Result<Self> {
        match media_type {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Ok(BundleVersion::V01),
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Ok(BundleVersion::V02),
            "application/vnd.dev.sigstore.bundle+json;version=0.3"
            | "application/vnd.dev.sigstore.bundle.v0.3+json" => Ok(BundleVersion::V03),
            other => Err(invalid(format!("unsupported bundle media type {other:?}"))),
        }
    }
}

/// What the signature is verified with.
#[derive(Debug, Clone)]
pub enum VerificationMaterial {
    /// A signing certificate (v0.3).
    Certificate(Box<Certificate>),
    /// A chain, signing certificate first (v0.1, v0.2); only the first is relied on.
    Chain(Vec<Certificate>),
    /// A key known out of band; the hint names it.
    PublicKey {
        /// The hint, as written (often a key id).
        hint: String,
    },
}

impl VerificationMaterial {
    /// The signing certificate, if the material has one.
    pub fn signing_certificate(&self) -> Option<&Certificate> {
        match self {
            VerificationMaterial::Certificate(c) => Some(c),
            VerificationMaterial::Chain(chain) => chain.first(),
            VerificationMaterial::PublicKey { .. } => None,
        }
    }
}

/// An inclusion proof of an entry, with the checkpoint it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    /// The entry's index in the tree the proof is for.
    pub log_index: u64,
    /// The root hash the proof leads to.
    pub root_hash: Vec<u8>,
    /// The size of that tree.
    pub tree_size: u64,
    /// The sibling hashes, leaf to root.
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint (a signed note) for that tree.
    pub checkpoint: String,
}

/// One transparency-log entry of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogEntry {
    /// Index in the log (a global index for Rekor v1 shards).
    pub log_index: u64,
    /// The log's id (SHA-256 of its key), naming it in the trusted root.
    pub log_id: Vec<u8>,
    /// Entry kind, e.g. `hashedrekord`.
    pub kind: String,
    /// Entry kind version, e.g. `0.0.1`.
    pub kind_version: String,
    /// When the log says it integrated the entry (seconds; 0 for Rekor v2, which gives none).
    pub integrated_time: u64,
    /// The signed entry timestamp (SET), if any.
    pub signed_entry_timestamp: Option<Vec<u8>>,
    /// The inclusion proof, if any.
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonicalized entry body the log stored.
    pub body: Vec<u8>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseEnvelope {
    /// The payload, decoded.
    pub payload: Vec<u8>,
    /// The payload type.
    pub payload_type: String,
    /// The signatures, decoded.
    pub signatures: Vec<Vec<u8>>,
}

/// What was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleContent {
    /// A signature over an artifact, with the artifact's digest when the bundle records it.
    MessageSignature {
        /// The digest (algorithm name as protobuf spells it, e.g. `SHA2_256`; bytes).
        digest: Option<(String, Vec<u8>)>,
        /// The signature.
        signature: Vec<u8>,
    },
    /// A DSSE envelope (attestations; cosign v3 image signatures).
    Dsse(DsseEnvelope),
}

/// A parsed bundle.
#[derive(Debug, Clone)]
pub struct SigstoreBundle {
    /// The media type as written.
    pub media_type: String,
    /// Its version.
    pub version: BundleVersion,
    /// The verification material.
    pub material: VerificationMaterial,
    /// Transparency-log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// RFC 3161 timestamp tokens (DER).
    pub rfc3161_timestamps: Vec<Vec<u8>>,
    /// A cosign v2 attestation layer's DSSE envelope, as the layer stores it: what cosign v2's
    /// RFC 3161 timestamps stamp (not the signature) and its `intoto` 0.0.1 log entries hash.
    /// `None` for a bundle.
    pub stored_envelope: Option<Vec<u8>>,
    /// The signed content.
    pub content: BundleContent,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPayload, format!("invalid bundle: {message}"))
}

/// protobuf JSON writes 64-bit integers as strings and reads numbers too; a field at its default
/// (0) is left out, so every integer field here defaults to 0.
fn int64<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int {
        Text(String),
        Number(u64),
    }
    match Int::deserialize(deserializer)? {
        Int::Number(n) => Ok(n),
        Int::Text(t) => t
            .parse()
            .map_err(|_| de::Error::custom(format!("{t:?} is not a 64-bit integer"))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BundleJson {
    media_type: String,
    verification_material: Option<MaterialJson>,
    message_signature: Option<MessageSignatureJson>,
    dsse_envelope: Option<EnvelopeJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MaterialJson {
    certificate: Option<RawBytesJson>,
    x509_certificate_chain: Option<ChainJson>,
    public_key: Option<HintJson>,
    #[serde(default)]
    tlog_entries: Vec<TlogEntryJson>,
    timestamp_verification_data: Option<TimestampDataJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawBytesJson {
    raw_bytes: Base64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChainJson {
    #[serde(default)]
    certificates: Vec<RawBytesJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HintJson {
    #[serde(default)]
    hint: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimestampDataJson {
    #[serde(default)]
    rfc3161_timestamps: Vec<SignedTimestampJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignedTimestampJson {
    signed_timestamp: Base64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TlogEntryJson {
    // protobuf JSON leaves out fields at their default: the first entry of a log has no logIndex.
    #[serde(default, deserialize_with = "int64")]
    log_index: u64,
    log_id: LogIdJson,
    kind_version: KindVersionJson,
    #[serde(default, deserialize_with = "int64")]
    integrated_time: u64,
    inclusion_promise: Option<PromiseJson>,
    inclusion_proof: Option<ProofJson>,
    canonicalized_body: Option<Base64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LogIdJson {
    key_id: Base64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KindVersionJson {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PromiseJson {
    signed_entry_timestamp: Base64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProofJson {
    #[serde(default, deserialize_with = "int64")]
    log_index: u64,
    root_hash: Base64,
    #[serde(deserialize_with = "int64")]
    tree_size: u64,
    #[serde(default)]
    hashes: Vec<Base64>,
    checkpoint: Option<CheckpointJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointJson {
    envelope: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MessageSignatureJson {
    message_digest: Option<MessageDigestJson>,
    signature: Base64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageDigestJson {
    algorithm: String,
    digest: Base64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnvelopeJson {
    payload: Base64,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<EnvelopeSignatureJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeSignatureJson {
    sig: Base64,
    #[serde(default)]
    #[allow(dead_code)]
    keyid: String,
}

fn bounded<T>(items: Vec<T>, what: &str) -> Result<Vec<T>> {
    bounded_to(items, ITEMS_MAX, what)
}

fn bounded_to<T>(items: Vec<T>, max: usize, what: &str) -> Result<Vec<T>> {
    if items.len() > max {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("the bundle holds {} {what}, limit is {max}", items.len()),
        ));
    }
    Ok(items)
}

impl DsseEnvelope {
    /// Parses a standalone DSSE envelope (`{"payloadType", "payload", "signatures": [{"keyid",
    /// "sig"}]}`, as a cosign attestation layer holds it), bounded like a bundle.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > SIGSTORE_BUNDLE_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "DSSE envelope is {} bytes, limit is {SIGSTORE_BUNDLE_SIZE_MAX}",
                    bytes.len()
                ),
            ));
        }
        check_go_unambiguous(bytes, ENVELOPE_FIELDS, "the DSSE envelope")?;
        let json: EnvelopeJson =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("not a DSSE envelope: {e}")))?;
        Self::from_parsed(json)
    }

    /// The envelope as read from JSON, its signatures bounded.
    fn from_parsed(json: EnvelopeJson) -> Result<Self> {
        Ok(DsseEnvelope {
            payload: json.payload.0,
            payload_type: json.payload_type,
            signatures: bounded(json.signatures, "DSSE signatures")?
                .into_iter()
                .map(|s| s.sig.0)
                .collect(),
        })
    }

    /// The envelope as a bundle's `dsseEnvelope` writes it (protobuf JSON: base64 `payload`,
    /// `payloadType`, `signatures` with `sig`; no key id), which is also how cosign v3 prints it.
    pub fn to_bundle_json(&self) -> serde_json::Value {
        use base64::Engine;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let signatures: Vec<serde_json::Value> = self
            .signatures
            .iter()
            .map(|sig| serde_json::json!({ "sig": b64(sig) }))
            .collect();
        serde_json::json!({
            "payload": b64(&self.payload),
            "payloadType": self.payload_type,
            "signatures": signatures,
        })
    }
}

/// The fields of the DSSE envelope structs Go reads a standalone envelope into.
const ENVELOPE_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &["payloadType", "payload", "signatures", "keyid", "sig"],
    opaque: &[],
};

impl SigstoreBundle {
    /// Parses bundle JSON (bounded), refusing what its version does not allow.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > SIGSTORE_BUNDLE_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("bundle is {} bytes, limit is {SIGSTORE_BUNDLE_SIZE_MAX}", bytes.len()),
            ));
        }
        let json: BundleJson =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("not a Sigstore bundle: {e}")))?;
        let version = BundleVersion::from_media_type(&json.media_type)?;
        let material = json
            .verification_material
            .ok_or_else(|| invalid("no verificationMaterial".into()))?;
        let verification = match (
            material.certificate,
            material.x509_certificate_chain,
            material.public_key,
        ) {
            (Some(certificate), None, None) => {
                VerificationMaterial::Certificate(Box::new(Certificate::from_der(&certificate.raw_bytes.0)?))
            }
            (None, Some(chain), None) => {
                if version >= BundleVersion::V03 {
                    return Err(invalid(
                        "a v0.3 bundle must carry a certificate, not an x509CertificateChain".into(),
                    ));
                }
                if chain.certificates.is_empty() {
                    return Err(invalid("the certificate chain is empty".into()));
                }
                let certificates = bounded(chain.certificates, "certificates")?
                    .iter()
                    .map(|c| Certificate::from_der(&c.raw_bytes.0))
                    .collect::<Result<Vec<_>>>()?;
                VerificationMaterial::Chain(certificates)
            }
            (None, None, Some(key)) => VerificationMaterial::PublicKey { hint: key.hint },
            (None, None, None) => return Err(invalid("no certificate, chain or public key".into())),
            _ => return Err(invalid("more than one kind of verification material".into())),
        };
        let tlog_entries = bounded(material.tlog_entries, "transparency-log entries")?
            .into_iter()
            .map(|entry| tlog_entry(entry, version))
            .collect::<Result<Vec<_>>>()?;
        let rfc3161_timestamps = material
            .timestamp_verification_data
            .map(|data| bounded(data.rfc3161_timestamps, "timestamps"))
            .transpose()?
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.signed_timestamp.0)
            .collect();
        let content = match (json.message_signature, json.dsse_envelope) {
            (Some(message), None) => BundleContent::MessageSignature {
                digest: message.message_digest.map(|d| (d.algorithm, d.digest.0)),
                signature: message.signature.0,
            },
            (None, Some(envelope)) if envelope.signatures.len() != 1 => {
                return Err(invalid(format!(
                    "the DSSE envelope has {} signatures; a Sigstore bundle carries exactly one",
                    envelope.signatures.len()
                )))
            }
            (None, Some(envelope)) => BundleContent::Dsse(DsseEnvelope::from_parsed(envelope)?),
            (None, None) => return Err(invalid("no messageSignature or dsseEnvelope".into())),
            (Some(_), Some(_)) => return Err(invalid("both a messageSignature and a dsseEnvelope".into())),
        };
        Ok(SigstoreBundle {
            media_type: json.media_type,
            version,
            material: verification,
            tlog_entries,
            rfc3161_timestamps,
            stored_envelope: None,
            content,
        })
    }

    /// The signature bytes a timestamp or a log entry vouches for: the message signature, or the
    /// DSSE envelope's only signature.
    /// The bytes its RFC 3161 timestamps must stamp: [`SigstoreBundle::stored_envelope`], else
    /// the signature.
    pub fn timestamped_bytes(&self) -> Result<&[u8]> {
        match &self.stored_envelope {
            Some(bytes) => Ok(bytes),
            None => self.signature_bytes(),
        }
    }

    /// The signature's bytes (a DSSE envelope's one signature).
    pub fn signature_bytes(&self) -> Result<&[u8]> {
        match &self.content {
            BundleContent::MessageSignature { signature, .. } => Ok(signature),
            BundleContent::Dsse(envelope) => match envelope.signatures.as_slice() {
                [only] => Ok(only),
                other => Err(invalid(format!(
                    "the DSSE envelope has {} signatures, expected exactly one",
                    other.len()
                ))),
            },
        }
    }
}

fn tlog_entry(json: TlogEntryJson, version: BundleVersion) -> Result<TlogEntry> {
    let body = json
        .canonicalized_body
        .ok_or_else(|| invalid("a transparency-log entry has no canonicalizedBody".into()))?
        .0;
    let signed_entry_timestamp = json.inclusion_promise.map(|p| p.signed_entry_timestamp.0);
    if version == BundleVersion::V01 && signed_entry_timestamp.is_none() {
        return Err(invalid(
            "a transparency-log entry has no inclusion promise (required for bundle v0.1)".into(),
        ));
    }
    let inclusion_proof = json
        .inclusion_proof
        .map(|proof| {
            let checkpoint = proof
                .checkpoint
                .ok_or_else(|| invalid("an inclusion proof has no checkpoint".into()))?
                .envelope;
            Ok::<_, Error>(InclusionProof {
                log_index: proof.log_index,
                root_hash: proof.root_hash.0,
                tree_size: proof.tree_size,
                hashes: bounded_to(proof.hashes, PROOF_HASHES_MAX, "hashes in one inclusion proof")?
                    .into_iter()
                    .map(|h| h.0)
                    .collect(),
                checkpoint,
            })
        })
        .transpose()?;
    if version >= BundleVersion::V02 && inclusion_proof.is_none() {
        return Err(invalid(
            "a transparency-log entry has no inclusion proof (required for bundle v0.2 and later)".into(),
        ));
    }
    Ok(TlogEntry {
        log_index: json.log_index,
        log_id: json.log_id.key_id.0,
        kind: json.kind_version.kind,
        kind_version: json.kind_version.version,
        integrated_time: json.integrated_time,
        signed_entry_timestamp,
        inclusion_proof,
        body,
    })
}
