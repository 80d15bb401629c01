//! The body of a transparency-log entry, bound to the bundle it came with: the same signature
//! bytes, the same certificate or key, the same artifact (or DSSE payload) digest. Kinds:
//! `hashedrekord` 0.0.1 and 0.0.2, `rekord` 0.0.1, `dsse` 0.0.1 and 0.0.2, `intoto` 0.0.1 (for
//! cosign v2 attestation layers, whose stored envelope it hashes) and 0.0.2. A valid entry for
//! something else is a failure that says what differs.

use serde_json::Value;

use super::base64_field::decode_base64;
use super::bundle::{BundleContent, DsseEnvelope, TlogEntry};
use crate::crypto::{sha256, PublicKey};
use crate::digest::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::hex::encode as hex;
use crate::x509::Certificate;

/// Who signed, as the bundle says.
#[derive(Debug, Clone, Copy)]
pub enum SignerMaterial<'a> {
    /// A certificate.
    Certificate(&'a Certificate),
    /// A key.
    Key(&'a PublicKey),
}

/// What the bundle signed, for comparison with the entry.
pub struct SignedContent<'a> {
    /// The bundle's content.
    pub content: &'a BundleContent,
    /// The artifact's SHA-256 (message signatures).
    pub artifact_sha256: Option<&'a [u8]>,
    /// The signer.
    pub signer: SignerMaterial<'a>,
    /// The DSSE envelope's bytes as a cosign v2 attestation layer stores them (what an `intoto`
    /// 0.0.1 entry hashes); `None` for a bundle.
    pub stored_envelope: Option<&'a [u8]>,
}

fn differs(message: String) -> Error {
    Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("the transparency-log entry is for something else: {message}"),
    )
}

fn text<'v>(value: &'v Value, path: &[&str]) -> Result<&'v str> {
    let mut at = value;
    for key in path {
        at = at
            .get(key)
            .ok_or_else(|| differs(format!("its body has no {}", path.join("."))))?;
    }
    at.as_str()
        .ok_or_else(|| differs(format!("its body's {} is not text", path.join("."))))
}

fn bytes(value: &Value, path: &[&str]) -> Result<Vec<u8>> {
    decode_base64(text(value, path)?).map_err(|_| differs(format!("its body's {} is not base64", path.join("."))))
}

/// Compares the signer the body names (`encoded`: DER of a certificate or key, or PEM text of one)
/// with the bundle's.
fn check_signer(encoded: &[u8], signer: SignerMaterial<'_>) -> Result<()> {
    let der = match pem::parse(encoded) {
        Ok(block) => block.into_contents(),
        Err(_) => encoded.to_vec(),
    };
    let same = match signer {
        SignerMaterial::Certificate(certificate) => der == certificate.der(),
        SignerMaterial::Key(key) => der == key.spki_der(),
    };
    if same {
        Ok(())
    } else {
        Err(differs("another certificate or key".into()))
    }
}

fn check_hex_hash(value: &Value, path: &[&str], expected: &[u8], what: &str) -> Result<()> {
    let mut algorithm_path = path.to_vec();
    algorithm_path.push("algorithm");
    let mut value_path = path.to_vec();
    value_path.push("value");
    let algorithm = text(value, &algorithm_path)?;
    if algorithm != Algorithm::Sha256.name() {
        return Err(differs(format!("its {what} hash is {algorithm}, expected sha256")));
    }
    let got = text(value, &value_path)?;
    if !got.eq_ignore_ascii_case(&hex(expected)) {
        return Err(differs(format!(
            "its {what} digest is sha256:{got}, expected sha256:{}",
            hex(expected)
        )));
    }
    Ok(())
}

fn check_b64_hash(value: &Value, path: &[&str], expected: &[u8], what: &str) -> Result<()> {
    let mut algorithm_path = path.to_vec();
    algorithm_path.push("algorithm");
    let mut digest_path = path.to_vec();
    digest_path.push("digest");
    let algorithm = text(value, &algorithm_path)?;
    if algorithm != "SHA2_256" {
        return Err(differs(format!("its {what} hash is {algorithm}, expected SHA2_256")));
    }
    let got = bytes(value, &digest_path)?;
    if got != expected {
        return Err(differs(format!(
            "its {what} digest is sha256:{}, expected sha256:{}",
            hex(&got),
            hex(expected)
        )));
    }
    Ok(())
}

fn check_signature(got: &[u8], expected: &[u8]) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(differs("another signature".into()))
    }
}

/// DSSE's pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

fn only_signature(envelope: &DsseEnvelope) -> Result<&[u8]> {
    match envelope.signatures.as_slice() {
        [only] => Ok(only),
        other => Err(differs(format!(
            "the envelope has {} signatures, expected one",
            other.len()
        ))),
    }
}

/// Checks that `entry`'s body records `signed`.
pub fn check_entry_body(entry: &TlogEntry, signed: &SignedContent<'_>) -> Result<()> {
    let body: Value = serde_json::from_slice(&entry.body).map_err(|e| differs(format!("its body is not JSON: {e}")))?;
    let (kind, version) = (text(&body, &["kind"])?, text(&body, &["apiVersion"])?);
    if kind != entry.kind || version != entry.kind_version {
        return Err(differs(format!(
            "its body is a {kind} {version} entry, the bundle says {} {}",
            entry.kind, entry.kind_version
        )));
    }
    match (signed.content, kind, version) {
        (BundleContent::MessageSignature { signature, .. }, "hashedrekord" | "rekord", "0.0.1") => {
            let digest = signed
                .artifact_sha256
                .ok_or_else(|| differs("the artifact's SHA-256 is not known".into()))?;
            check_signature(&bytes(&body, &["spec", "signature", "content"])?, signature)?;
            check_signer(
                &bytes(&body, &["spec", "signature", "publicKey", "content"])?,
                signed.signer,
            )?;
            check_hex_hash(&body, &["spec", "data", "hash"], digest, "artifact")
        }
        (content, "hashedrekord", "0.0.2") => {
            let spec = &body["spec"]["hashedRekordV002"];
            let (signature, digest) = match content {
                BundleContent::MessageSignature { signature, .. } => (
                    signature.as_slice(),
                    signed
                        .artifact_sha256
                        .ok_or_else(|| differs("the artifact's SHA-256 is not known".into()))?
                        .to_vec(),
                ),
                BundleContent::Dsse(envelope) => (
                    only_signature(envelope)?,
                    sha256(&pae(&envelope.payload_type, &envelope.payload)),
                ),
            };
            check_signature(&bytes(spec, &["signature", "content"])?, signature)?;
            check_v2_verifier(&spec["signature"]["verifier"], signed.signer)?;
            check_b64_hash(spec, &["data"], &digest, "artifact")
        }
        (BundleContent::Dsse(envelope), "dsse", "0.0.1") => {
            check_hex_hash(&body, &["spec", "payloadHash"], &sha256(&envelope.payload), "payload")?;
            let entries = body["spec"]["signatures"]
                .as_array()
                .ok_or_else(|| differs("its body has no signatures".into()))?;
            check_dsse_signatures(entries, envelope, signed.signer, |e| {
                Ok((bytes(e, &["signature"])?, bytes(e, &["verifier"])?))
            })
        }
        (BundleContent::Dsse(envelope), "dsse", "0.0.2") => {
            let spec = &body["spec"]["dsseV002"];
            check_b64_hash(spec, &["payloadHash"], &sha256(&envelope.payload), "payload")?;
            let entries = spec["signatures"]
                .as_array()
                .ok_or_else(|| differs("its body has no signatures".into()))?;
            for e in entries {
                check_v2_verifier(&e["verifier"], signed.signer)?;
            }
            check_dsse_signatures(entries, envelope, signed.signer, |e| {
                Ok((bytes(e, &["content"])?, Vec::new()))
            })
        }
        (BundleContent::Dsse(envelope), "intoto", "0.0.1") => {
            // The envelope's hash covers its payload and signatures: it is the binding.
            let stored = signed.stored_envelope.ok_or_else(|| {
                differs("an intoto 0.0.1 entry hashes the envelope as a cosign layer stores it, which a bundle does not keep".into())
            })?;
            check_hex_hash(&body, &["spec", "content", "hash"], &sha256(stored), "envelope")?;
            if body["spec"]["content"].get("payloadHash").is_some() {
                check_hex_hash(
                    &body,
                    &["spec", "content", "payloadHash"],
                    &sha256(&envelope.payload),
                    "payload",
                )?;
            }
            check_signer(&bytes(&body, &["spec", "publicKey"])?, signed.signer)
        }
        (BundleContent::Dsse(envelope), "intoto", "0.0.2") => {
            check_hex_hash(
                &body,
                &["spec", "content", "payloadHash"],
                &sha256(&envelope.payload),
                "payload",
            )?;
            let entries = body["spec"]["content"]["envelope"]["signatures"]
                .as_array()
                .ok_or_else(|| differs("its body has no signatures".into()))?;
            // intoto 0.0.2 stores each signature base64-encoded once more.
            check_dsse_signatures(entries, envelope, signed.signer, |e| {
                let once = bytes(e, &["sig"])?;
                let signature = std::str::from_utf8(&once)
                    .ok()
                    .and_then(|t| decode_base64(t).ok())
                    .unwrap_or(once);
                Ok((signature, bytes(e, &["publicKey"])?))
            })
        }
        (_, kind, version) => Err(Error::new(
            ErrorCode::Unsupported,
            format!("transparency-log entries of kind {kind} {version} are not supported for this content"),
        )),
    }
}

/// Rekor v2's `verifier`: `{"x509Certificate": {"rawBytes"}}` or `{"publicKey": {"rawBytes"}}`.
fn check_v2_verifier(verifier: &Value, signer: SignerMaterial<'_>) -> Result<()> {
    let der = if verifier.get("x509Certificate").is_some() {
        bytes(verifier, &["x509Certificate", "rawBytes"])?
    } else {
        bytes(verifier, &["publicKey", "rawBytes"])?
    };
    check_signer(&der, signer)
}

/// The entry's signatures must be the envelope's (same set), each by the bundle's signer (when the
/// entry names one: `read` returns an empty verifier when the kind keeps it elsewhere).
fn check_dsse_signatures(
    entries: &[Value],
    envelope: &DsseEnvelope,
    signer: SignerMaterial<'_>,
    read: impl Fn(&Value) -> Result<(Vec<u8>, Vec<u8>)>,
) -> Result<()> {
    if entries.len() != envelope.signatures.len() {
        return Err(differs(format!(
            "it records {} signatures, the envelope has {}",
            entries.len(),
            envelope.signatures.len()
        )));
    }
    for entry in entries {
        let (signature, verifier) = read(entry)?;
        if !envelope.signatures.contains(&signature) {
            return Err(differs("a signature the envelope does not have".into()));
        }
        if !verifier.is_empty() {
            check_signer(&verifier, signer)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;
    use base64::Engine;

    /// An intoto 0.0.1 entry as Rekor canonicalizes what cosign v2 uploads for an attestation:
    /// the stored envelope's and payload's hashes, and the signer's PEM.
    fn intoto_v001(stored: &[u8], payload: &[u8], pem: &str) -> TlogEntry {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let body = serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "intoto",
            "spec": {
                "content": {
                    "hash": {"algorithm": "sha256", "value": hex(&sha256(stored))},
                    "payloadHash": {"algorithm": "sha256", "value": hex(&sha256(payload))},
                },
                "publicKey": b64(pem.as_bytes()),
            },
        });
        TlogEntry {
            log_index: 0,
            log_id: vec![0; 32],
            kind: "intoto".into(),
            kind_version: "0.0.1".into(),
            integrated_time: 0,
            signed_entry_timestamp: None,
            inclusion_proof: None,
            body: body.to_string().into_bytes(),
        }
    }

    #[test]
    fn an_intoto_v001_entry_binds_the_stored_envelope_and_its_signer() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let envelope = DsseEnvelope {
            payload: b"{\"statement\":1}".to_vec(),
            payload_type: "application/vnd.in-toto+json".into(),
            signatures: vec![vec![1, 2, 3]],
        };
        let content = BundleContent::Dsse(envelope.clone());
        let stored = b"{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"...\"}";
        let pem = key.public_key().to_pem();
        let signed = |stored_envelope| SignedContent {
            content: &content,
            artifact_sha256: None,
            signer: SignerMaterial::Key(key.public_key()),
            stored_envelope,
        };
        let entry = intoto_v001(stored, &envelope.payload, &pem);
        assert!(check_entry_body(&entry, &signed(Some(&stored[..]))).is_ok());

        let message = |result: Result<()>| result.unwrap_err().message().to_owned();
        // Another envelope stored (a signature changed), another payload, another signer.
        assert!(message(check_entry_body(&entry, &signed(Some(&b"{}"[..])))).contains("its envelope digest"));
        let other_payload = intoto_v001(stored, b"another", &pem);
        assert!(message(check_entry_body(&other_payload, &signed(Some(&stored[..])))).contains("its payload digest"));
        let stranger = SigningKey::generate_ecdsa_p256().unwrap().public_key().to_pem();
        let other_signer = intoto_v001(stored, &envelope.payload, &stranger);
        assert!(
            message(check_entry_body(&other_signer, &signed(Some(&stored[..])))).contains("another certificate or key")
        );
        // A bundle keeps no stored envelope: an intoto 0.0.1 entry cannot be bound to it.
        assert!(message(check_entry_body(&entry, &signed(None))).contains("which a bundle does not keep"));
    }
}
