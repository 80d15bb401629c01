//! A legacy cosign signature (or attestation) layer read as a Sigstore bundle, so that it is
//! verified by the one bundle verification: the layer's signature over its payload is a message
//! signature, an attestation layer's DSSE envelope is the bundle's; the
//! certificate annotation is the verification material (the chain annotation adds no trust: the
//! chain comes from the trusted root); the Rekor bundle annotation (`{"SignedEntryTimestamp",
//! "Payload": {body, integratedTime, logIndex, logID}}`) is a transparency-log entry with its SET;
//! the RFC 3161 annotation (`{"SignedRFC3161Timestamp"}`) a timestamp.

use serde::Deserialize;

use super::signature_manifest::SignatureLayer;
use crate::crypto::sha256;
use crate::error::{Error, ErrorCode, Result};
use crate::sigstore::{BundleContent, BundleVersion, SigstoreBundle, TlogEntry, VerificationMaterial};
use crate::x509::certificates_from_pem;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RekorBundle {
    signed_entry_timestamp: String,
    payload: RekorPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RekorPayload {
    body: String,
    integrated_time: u64,
    log_index: u64,
    #[serde(rename = "logID")]
    log_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryKind {
    kind: String,
    api_version: String,
}

#[derive(Deserialize)]
struct TimestampAnnotation {
    #[serde(rename = "SignedRFC3161Timestamp")]
    signed_rfc3161_timestamp: String,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPayload, message)
}

fn base64(text: &str, what: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| invalid(format!("{what} is not base64: {e}")))
}

fn hex(text: &str, what: &str) -> Result<Vec<u8>> {
    crate::hex::decode(text).ok_or_else(|| invalid(format!("{what} is not hex")))
}

/// The Rekor bundle annotation as a transparency-log entry.
fn tlog_entry(annotation: &str) -> Result<TlogEntry> {
    let bundle: RekorBundle = serde_json::from_str(annotation)
        .map_err(|e| invalid(format!("the Rekor bundle annotation is malformed: {e}")))?;
    let body = base64(&bundle.payload.body, "the Rekor entry body")?;
    let kind: EntryKind =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the Rekor entry body is malformed: {e}")))?;
    Ok(TlogEntry {
        log_index: bundle.payload.log_index,
        log_id: hex(&bundle.payload.log_id, "the Rekor log id")?,
        kind: kind.kind,
        kind_version: kind.api_version,
        integrated_time: bundle.payload.integrated_time,
        signed_entry_timestamp: Some(base64(&bundle.signed_entry_timestamp, "the signed entry timestamp")?),
        inclusion_proof: None,
        body,
    })
}

/// The content of a signature layer whose `payload` passed its integrity check: the signature
/// annotation over the payload.
pub(crate) fn message_signature(layer: &SignatureLayer, payload: &[u8]) -> Result<BundleContent> {
    Ok(BundleContent::MessageSignature {
        digest: Some(("SHA2_256".to_owned(), sha256(payload))),
        signature: layer.signature()?,
    })
}

/// `layer`, whose signed `content` (a message signature, or an attestation's DSSE envelope) was
/// read from its blob, as a bundle. An attestation layer's blob (`attestation_blob`, its envelope)
/// is kept: cosign v2 timestamps it, and its `intoto` 0.0.1 log entries hash it.
pub(crate) fn layer_as_bundle(
    layer: &SignatureLayer,
    content: BundleContent,
    attestation_blob: Option<&[u8]>,
) -> Result<SigstoreBundle> {
    let material = match &layer.certificate {
        Some(pem) => {
            let mut certificates = certificates_from_pem(pem.as_bytes())?;
            if certificates.len() != 1 {
                return Err(Error::new(
                    ErrorCode::InvalidCertificate,
                    format!(
                        "the certificate annotation holds {} certificates, expected one",
                        certificates.len()
                    ),
                ));
            }
            VerificationMaterial::Certificate(Box::new(certificates.remove(0)))
        }
        None => VerificationMaterial::PublicKey { hint: String::new() },
    };
    let tlog_entries = layer
        .tlog_bundle
        .as_deref()
        .map(tlog_entry)
        .transpose()?
        .into_iter()
        .collect();
    let rfc3161_timestamps = layer
        .rfc3161_timestamp
        .as_deref()
        .map(|annotation| {
            let parsed: TimestampAnnotation = serde_json::from_str(annotation)
                .map_err(|e| invalid(format!("the RFC 3161 timestamp annotation is malformed: {e}")))?;
            base64(&parsed.signed_rfc3161_timestamp, "the RFC 3161 timestamp")
        })
        .transpose()?
        .into_iter()
        .collect();
    Ok(SigstoreBundle {
        media_type: "cosign signature layer".to_owned(),
        version: BundleVersion::V01,
        material,
        tlog_entries,
        rfc3161_timestamps,
        stored_envelope: attestation_blob.map(<[u8]>::to_vec),
        content,
    })
}
