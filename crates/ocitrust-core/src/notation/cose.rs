//! Notation's COSE envelope (`application/cose`): a tagged COSE_Sign1 (RFC 9052) with the payload
//! attached, the signed attributes in the protected header under notation's text labels (times as
//! CBOR tag 1 epoch times), and the certificate chain (`x5chain`, label 33), signing agent and
//! timestamp token in the unprotected one. The signature is over the `Signature1` structure of
//! the protected header exactly as received. Parsed with `coset`.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use coset::cbor::value::Value;
use coset::iana;
use coset::{CoseSign1, Label, RegisteredLabel, RegisteredLabelWithPrivate, TaggedCborSerializable};

use super::envelope::{
    bounded_chain, chain_after_leaf, integrity, require_certificate_algorithm, validate_content, EnvelopeAlgorithm,
    EnvelopeContent, StatedAttributes, AUTHENTIC_SIGNING_TIME, ENVELOPE_SIZE_MAX, EXPIRY, SIGNING_SCHEME, SIGNING_TIME,
};
use super::envelope_budget::{check_cbor_items, check_json_items, sign1_protected_header};
use crate::error::{Error, ErrorCode, Result};
use crate::x509::Certificate;

/// The unprotected header label of the certificate chain (`x5chain`).
const X5CHAIN: i64 = 33;
const SIGNING_AGENT: &str = "io.cncf.notary.signingAgent";
const TIMESTAMP_SIGNATURE: &str = "io.cncf.notary.timestampSignature";
/// Protected header attributes notation defines beside alg, crit and content type.
const NOTATION_LABELS: [&str; 4] = [SIGNING_SCHEME, SIGNING_TIME, AUTHENTIC_SIGNING_TIME, EXPIRY];

/// Parses a COSE envelope, verifies its signature with its signing certificate, and checks what
/// every envelope must satisfy.
pub fn verify_cose(bytes: &[u8]) -> Result<EnvelopeContent> {
    if bytes.len() > ENVELOPE_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "signature envelope is {} bytes, limit is {ENVELOPE_SIZE_MAX}",
                bytes.len()
            ),
        ));
    }
    check_cbor_items(bytes, "the COSE envelope")?;
    if let Some(protected) = sign1_protected_header(bytes) {
        check_cbor_items(protected, "the COSE protected header")?;
    }
    let sign1 = CoseSign1::from_tagged_slice(bytes).map_err(|e| {
        integrity(format!(
            "unable to parse the digital signature, error : not a COSE_Sign1_Tagged object: {e}"
        ))
    })?;
    let chain_der = certificate_chain(&sign1.unprotected.rest)?;
    let leaf_der = chain_der
        .first()
        .ok_or_else(|| integrity("certificate chain is not present".into()))?;
    let leaf = Certificate::from_der(leaf_der).map_err(|_| integrity("malformed leaf certificate".into()))?;
    let header = &sign1.protected.header;
    let algorithm = match &header.alg {
        Some(RegisteredLabelWithPrivate::Assigned(alg)) => algorithm(*alg)?,
        Some(other) => return Err(integrity(format!("signature algorithm not supported: {other:?}"))),
        None => return Err(integrity("the protected header names no algorithm".into())),
    };
    require_certificate_algorithm(&leaf, algorithm)?;
    let payload = sign1
        .payload
        .clone()
        .ok_or_else(|| integrity("the COSE envelope has no attached payload".into()))?;
    if sign1.signature.is_empty() {
        return Err(integrity("signature missing in COSE envelope".into()));
    }
    let to_be_signed = sign1.tbs_data(b"");
    algorithm.verify(leaf.public_key(), &to_be_signed, &sign1.signature)?;
    check_json_items(&payload, "the COSE payload")?;

    let content_type = match &header.content_type {
        Some(RegisteredLabel::Text(text)) => text.clone(),
        Some(_) => return Err(integrity("content type should be of 'tstr' type".into())),
        None => return Err(integrity("missing content type".into())),
    };
    let attributes = stated_attributes(header)?.resolve()?;
    let certificate_chain = chain_after_leaf(leaf, &chain_der[1..], |e| e.message().to_owned())?;
    let unprotected = |name: &str| text_label(&sign1.unprotected.rest, name);
    let signing_agent = match unprotected(SIGNING_AGENT) {
        Some(Value::Text(agent)) => Some(agent.clone()),
        _ => None,
    };
    let timestamp = match unprotected(TIMESTAMP_SIGNATURE) {
        Some(Value::Bytes(token)) => Some(token.clone()),
        _ => None,
    };
    let content = EnvelopeContent {
        payload,
        payload_content_type: content_type,
        signer: attributes.into_signer(
            certificate_chain,
            algorithm,
            sign1.signature.clone(),
            signing_agent,
            timestamp,
        ),
    };
    validate_content(&content)?;
    Ok(content)
}

fn algorithm(alg: iana::Algorithm) -> Result<EnvelopeAlgorithm> {
    Ok(match alg {
        iana::Algorithm::PS256 => EnvelopeAlgorithm::Ps256,
        iana::Algorithm::PS384 => EnvelopeAlgorithm::Ps384,
        iana::Algorithm::PS512 => EnvelopeAlgorithm::Ps512,
        iana::Algorithm::ES256 => EnvelopeAlgorithm::Es256,
        iana::Algorithm::ES384 => EnvelopeAlgorithm::Es384,
        iana::Algorithm::ES512 => EnvelopeAlgorithm::Es512,
        other => {
            return Err(integrity(format!(
                "signature algorithm not supported: {}",
                other as i64
            )))
        }
    })
}

/// The signed attributes the protected header states.
fn stated_attributes(header: &coset::Header) -> Result<StatedAttributes> {
    let rest = &header.rest;
    let signing_scheme = match text_label(rest, SIGNING_SCHEME) {
        Some(Value::Text(scheme)) => Some(scheme.clone()),
        None => None,
        Some(_) => return Err(integrity("invalid signingScheme".into())),
    };
    let critical = header
        .crit
        .iter()
        .map(|label| match label {
            RegisteredLabel::Text(text) => text.clone(),
            RegisteredLabel::Assigned(parameter) => (*parameter as i64).to_string(),
        })
        .collect::<Vec<_>>();
    let mut extended = Vec::new();
    for (label, value) in rest {
        let key = match label {
            Label::Text(text) if NOTATION_LABELS.contains(&text.as_str()) => continue,
            Label::Text(text) => text.clone(),
            Label::Int(number) => number.to_string(),
        };
        extended.push((key, json_of(value)?));
    }
    Ok(StatedAttributes {
        signing_scheme,
        signing_time: time_label(rest, SIGNING_TIME)?,
        authentic_signing_time: time_label(rest, AUTHENTIC_SIGNING_TIME)?,
        expiry: time_label(rest, EXPIRY)?,
        critical: Some(critical),
        extended,
    })
}

fn text_label<'a>(rest: &'a [(Label, Value)], name: &str) -> Option<&'a Value> {
    rest.iter()
        .find(|(label, _)| matches!(label, Label::Text(text) if text == name))
        .map(|(_, value)| value)
}

/// A time attribute: a CBOR tag 1 epoch time, in whole or fractional seconds.
fn time_label(rest: &[(Label, Value)], name: &str) -> Result<Option<SystemTime>> {
    let Some(value) = text_label(rest, name) else {
        return Ok(None);
    };
    let invalid = |why: &str| integrity(format!("invalid {name}: {why}"));
    let Value::Tag(1, inner) = value else {
        return Err(invalid("only Tag `1` Datetime CBOR object is supported"));
    };
    let seconds = match inner.as_ref() {
        Value::Integer(n) => i128::from(*n) as f64,
        Value::Float(f) if f.is_finite() => *f,
        _ => return Err(invalid("the epoch time is not a number")),
    };
    if !(0.0..=253_402_300_799.0).contains(&seconds) {
        return Err(invalid("the time is outside 1970..9999"));
    }
    Ok(Some(SystemTime::UNIX_EPOCH + Duration::from_secs_f64(seconds)))
}

/// The DER certificates of the unprotected `x5chain` (an array of byte strings).
fn certificate_chain(rest: &[(Label, Value)]) -> Result<Vec<Vec<u8>>> {
    let value = rest
        .iter()
        .find(|(label, _)| *label == Label::Int(X5CHAIN))
        .map(|(_, value)| value);
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            bounded_chain("x5chain", items.len())?;
            items
                .iter()
                .map(|item| match item {
                    Value::Bytes(der) => Ok(der.clone()),
                    _ => Err(integrity("certificate chain is not present".into())),
                })
                .collect()
        }
        Some(_) => Err(integrity("certificate chain is not present".into())),
    }
}

/// An extended attribute's CBOR value as JSON (byte strings as base64, tags as their content).
fn json_of(value: &Value) -> Result<serde_json::Value> {
    use serde_json::Value as J;
    Ok(match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Text(text) => J::String(text.clone()),
        Value::Integer(n) => {
            let n = i128::from(*n);
            match i64::try_from(n) {
                Ok(n) => J::from(n),
                Err(_) => J::String(n.to_string()),
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Bytes(bytes) => J::String(STANDARD.encode(bytes)),
        Value::Array(items) => J::Array(items.iter().map(json_of).collect::<Result<_>>()?),
        Value::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (key, value) in entries {
                let key = match key {
                    Value::Text(text) => text.clone(),
                    other => format!("{other:?}"),
                };
                map.insert(key, json_of(value)?);
            }
            J::Object(map)
        }
        Value::Tag(_, inner) => json_of(inner)?,
        _ => {
            return Err(integrity(
                "an extended attribute holds an unsupported CBOR value".into(),
            ))
        }
    })
}
