//! Notation's JWS envelope (`application/jose+json`): RFC 7515's flattened JSON serialization, with
//! the signed attributes in the protected header and the certificate chain (`x5c`), signing agent
//! and timestamp token in the unprotected one. The signature is over `protected.payload` as they
//! stand (base64url, no padding).
//!
//! Read by hand over serde_json rather than with a JOSE crate: notation's header semantics
//! (`crit` rules per signing scheme, extended attributes) are its own, and the unprotected header
//! must be read with Go's case-insensitive key matching, as notation reads it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

use super::envelope::{
    bounded_chain, chain_after_leaf, integrity, require_certificate_algorithm, validate_content, EnvelopeAlgorithm,
    EnvelopeContent, StatedAttributes, AUTHENTIC_SIGNING_TIME, ENVELOPE_SIZE_MAX, EXPIRY, SIGNING_SCHEME, SIGNING_TIME,
};
use super::envelope_budget::check_json_items;
use crate::error::{Error, ErrorCode, Result};
use crate::go_reading::{check_go_unambiguous, GoStructFields};
use crate::sigstore::parse_rfc3339;
use crate::x509::Certificate;

const ALG: &str = "alg";
const CTY: &str = "cty";
const CRIT: &str = "crit";
/// The protected header's own fields; every other key is an extended attribute.
const HEADER_KEYS: [&str; 7] = [
    ALG,
    CTY,
    CRIT,
    SIGNING_SCHEME,
    SIGNING_TIME,
    AUTHENTIC_SIGNING_TIME,
    EXPIRY,
];
const HEADER_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &HEADER_KEYS,
    opaque: &[],
};

/// Parses a JWS envelope, verifies its signature with its signing certificate, and checks what
/// every envelope must satisfy ([`validate_content`]).
pub fn verify_jws(bytes: &[u8]) -> Result<EnvelopeContent> {
    if bytes.len() > ENVELOPE_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "signature envelope is {} bytes, limit is {ENVELOPE_SIZE_MAX}",
                bytes.len()
            ),
        ));
    }
    check_json_items(bytes, "the JWS envelope")?;
    let envelope: Map<String, Value> = serde_json::from_slice(bytes)
        .map_err(|e| integrity(format!("unable to parse the digital signature, error : {e}")))?;
    let protected = text_field(&envelope, "protected")?;
    let payload = text_field(&envelope, "payload")?;
    let signature = text_field(&envelope, "signature")?;
    let header = match go_field(&envelope, "header") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(header)) => header.clone(),
        Some(_) => return Err(integrity("the JWS unprotected header is not an object".into())),
    };
    let chain_der = certificate_chain(&header)?;
    let leaf = Certificate::from_der(
        chain_der
            .first()
            .ok_or_else(|| integrity("malformed leaf certificate".into()))?,
    )
    .map_err(|_| integrity("malformed leaf certificate".into()))?;

    let header_bytes = decode_url(protected, "protected header")?;
    check_json_items(&header_bytes, "the JWS protected header")?;
    let header_json: Map<String, Value> = serde_json::from_slice(&header_bytes)
        .map_err(|e| integrity(format!("jws envelope protected header can't be decoded: {e}")))?;
    check_go_unambiguous(&header_bytes, HEADER_FIELDS, "the JWS protected header")
        .map_err(|e| integrity(e.message().to_owned()))?;
    let algorithm = match header_json.get(ALG) {
        Some(Value::String(alg)) => EnvelopeAlgorithm::from_jose_name(alg)
            .map_err(|e| integrity(format!("signature is invalid. Error: {}", e.message())))?,
        _ => {
            return Err(integrity(
                "signature is invalid. Error: the protected header names no algorithm".into(),
            ))
        }
    };
    require_certificate_algorithm(&leaf, algorithm)?;
    let payload_bytes = decode_url(payload, "payload")?;
    let signature_bytes = decode_url(signature, "signature")?;
    let signing_input = format!("{protected}.{payload}");
    algorithm.verify(leaf.public_key(), signing_input.as_bytes(), &signature_bytes)?;
    check_json_items(&payload_bytes, "the JWS payload")?;
    if !matches!(serde_json::from_slice::<Value>(&payload_bytes), Ok(Value::Object(_))) {
        return Err(integrity("the JWS payload is not a JSON object".into()));
    }

    let content_type = match header_json.get(CTY) {
        Some(Value::String(cty)) => cty.clone(),
        None | Some(Value::Null) => String::new(),
        Some(_) => return Err(integrity("\"cty\" is not a string".into())),
    };
    let attributes = stated_attributes(&header_json)?.resolve()?;
    let certificate_chain = chain_after_leaf(leaf, &chain_der[1..], |e| {
        format!("malformed certificate in x5c: {}", e.message())
    })?;
    let signing_agent = match go_field(&header, "io.cncf.notary.signingAgent") {
        Some(Value::String(agent)) => Some(agent.clone()),
        _ => None,
    };
    let timestamp = match go_field(&header, "io.cncf.notary.timestampSignature") {
        Some(Value::String(token)) => Some(decode_std(token, "timestamp")?),
        None | Some(Value::Null) => None,
        Some(_) => return Err(integrity("the JWS timestamp is not a base64 string".into())),
    };
    let content = EnvelopeContent {
        payload: payload_bytes,
        payload_content_type: content_type,
        signer: attributes.into_signer(certificate_chain, algorithm, signature_bytes, signing_agent, timestamp),
    };
    validate_content(&content)?;
    Ok(content)
}

/// The signed attributes the protected header states.
fn stated_attributes(header: &Map<String, Value>) -> Result<StatedAttributes> {
    let signing_scheme = match header.get(SIGNING_SCHEME) {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => return Err(integrity(format!("{SIGNING_SCHEME:?} is not a string"))),
    };
    let critical = match header.get(CRIT) {
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| integrity("\"crit\" holds a non-string".into()))
            })
            .collect::<Result<Vec<String>>>()?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(integrity("\"crit\" is not an array".into())),
    };
    Ok(StatedAttributes {
        signing_scheme,
        signing_time: time_field(header, SIGNING_TIME)?,
        authentic_signing_time: time_field(header, AUTHENTIC_SIGNING_TIME)?,
        expiry: time_field(header, EXPIRY)?,
        critical: Some(critical).filter(|c| !c.is_empty()),
        extended: header
            .iter()
            .filter(|(key, _)| !HEADER_KEYS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
    })
}

fn time_field(header: &Map<String, Value>, key: &str) -> Result<Option<std::time::SystemTime>> {
    match header.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => parse_rfc3339(text).map(Some).map_err(|e| {
            integrity(format!(
                "jws envelope protected header can't be decoded: {key}: {}",
                e.message()
            ))
        }),
        Some(_) => Err(integrity(format!(
            "jws envelope protected header can't be decoded: {key} is not a time"
        ))),
    }
}

/// The value of `name` in `object` as Go reads a struct field: a key equal to it ignoring ASCII case
/// (of several, the last in key order; Go takes the last in the document). Only for the unsigned
/// parts of the envelope, whose reading cannot change what was signed.
fn go_field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .rev()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

fn text_field<'a>(envelope: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    match go_field(envelope, name) {
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Ok(""),
        Some(_) => Err(integrity(format!("the JWS {name} is not a string"))),
    }
}

fn certificate_chain(header: &Map<String, Value>) -> Result<Vec<Vec<u8>>> {
    match go_field(header, "x5c") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => {
            bounded_chain("x5c", values.len())?;
            values
                .iter()
                .map(|v| match v {
                    Value::String(text) => decode_std(text, "x5c certificate"),
                    _ => Err(integrity("x5c holds a non-string".into())),
                })
                .collect()
        }
        Some(_) => Err(integrity("x5c is not an array".into())),
    }
}

fn decode_url(text: &str, what: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| integrity(format!("the JWS {what} is not unpadded base64url: {e}")))
}

fn decode_std(text: &str, what: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|e| integrity(format!("the JWS {what} is not base64: {e}")))
}
