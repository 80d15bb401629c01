//! The simple-signing payload cosign signs: which image digest, under which name, with which
//! optional annotations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::go_json::to_go_json;
use crate::go_reading::{check_go_unambiguous, GoStructFields};

/// The fields of cosign's payload structs (`payload.SimpleContainerImage`); `optional` is a map.
const SIMPLE_SIGNING_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &[
        "critical",
        "identity",
        "docker-reference",
        "image",
        "docker-manifest-digest",
        "type",
        "optional",
    ],
    opaque: &["optional"],
};

/// `critical.type` of a cosign container image signature.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";
/// Largest payload accepted.
pub const PAYLOAD_SIZE_MAX: usize = 128 * 1024;

/// A parsed simple-signing payload (`critical` + `optional`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleSigningPayload {
    /// What the signature is about.
    pub critical: Critical,
    /// Free-form annotations (`cosign sign -a k=v`); `null` when there are none.
    pub optional: Option<BTreeMap<String, serde_json::Value>>,
}

/// The `critical` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Critical {
    /// `critical.identity`.
    pub identity: Identity,
    /// `critical.image`.
    pub image: Image,
    /// `critical.type`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// `critical.identity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// The repository the signer named (`registry/repository`).
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

/// `critical.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// The signed manifest digest, as a string (checked against the subject, never trusted).
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

impl SimpleSigningPayload {
    /// A payload for `digest` under `docker_reference`, with `annotations` in `optional`.
    pub fn new(docker_reference: &str, digest: &Digest, annotations: &BTreeMap<String, String>) -> Self {
        let optional = (!annotations.is_empty()).then(|| {
            annotations
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect()
        });
        SimpleSigningPayload {
            critical: Critical {
                identity: Identity {
                    docker_reference: docker_reference.to_owned(),
                },
                image: Image {
                    docker_manifest_digest: digest.to_string(),
                },
                kind: COSIGN_SIGNATURE_TYPE.to_owned(),
            },
            optional,
        }
    }

    /// Parses payload bytes (bounded).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > PAYLOAD_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("payload is {} bytes, limit is {PAYLOAD_SIZE_MAX}", bytes.len()),
            ));
        }
        check_go_unambiguous(bytes, SIMPLE_SIGNING_FIELDS, "simple-signing payload")?;
        serde_json::from_slice(bytes).map_err(|e| {
            Error::new(
                ErrorCode::InvalidPayload,
                format!("malformed simple-signing payload: {e}"),
            )
        })
    }

    /// The bytes cosign would sign for this payload (Go's JSON encoding).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        to_go_json(self).map(String::into_bytes)
    }

    /// Checks the claims against the subject: the type, and that the digest claim is the subject's
    /// digest (cosign: "invalid or missing digest in claim").
    pub fn check_claims(&self, subject: &Digest) -> Result<()> {
        if self.critical.kind != COSIGN_SIGNATURE_TYPE {
            return Err(Error::new(
                ErrorCode::NoMatchingSignatures,
                format!(
                    "unexpected payload type {:?}, expected {COSIGN_SIGNATURE_TYPE:?}",
                    self.critical.kind
                ),
            ));
        }
        if self.critical.image.docker_manifest_digest != subject.as_str() {
            return Err(Error::new(
                ErrorCode::NoMatchingSignatures,
                format!(
                    "invalid or missing digest in claim: {}",
                    self.critical.image.docker_manifest_digest
                ),
            ));
        }
        Ok(())
    }

    /// Checks that every required annotation is present with the same string value in `optional`.
    pub fn check_annotations(&self, required: &BTreeMap<String, String>) -> Result<()> {
        check_required_annotations(self.optional.as_ref(), required)
    }
}

/// Every `required` annotation must be in `signed` as that exact string (cosign's `-a key=value`).
pub(crate) fn check_required_annotations(
    signed: Option<&BTreeMap<String, serde_json::Value>>,
    required: &BTreeMap<String, String>,
) -> Result<()> {
    for (key, want) in required {
        match signed.and_then(|a| a.get(key)) {
            Some(serde_json::Value::String(v)) if v == want => {}
            other => {
                let found = other.map_or_else(|| "nothing".to_owned(), |v| v.to_string());
                return Err(Error::new(
                    ErrorCode::NoMatchingSignatures,
                    format!("missing or incorrect annotation: expected {key}={want}, found {found}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest() -> Digest {
        Digest::sha256(b"image")
    }

    #[test]
    fn encodes_exactly_as_cosign() {
        let p = SimpleSigningPayload::new("127.0.0.1:5000/app", &digest(), &BTreeMap::new());
        let expected = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"127.0.0.1:5000/app"}},"image":{{"docker-manifest-digest":"{}"}},"type":"cosign container image signature"}},"optional":null}}"#,
            digest()
        );
        assert_eq!(String::from_utf8(p.to_bytes().unwrap()).unwrap(), expected);
        let annotated = SimpleSigningPayload::new(
            "r",
            &digest(),
            &BTreeMap::from([("b".into(), "2".into()), ("a".into(), "1".into())]),
        );
        assert!(String::from_utf8(annotated.to_bytes().unwrap())
            .unwrap()
            .ends_with(r#""optional":{"a":"1","b":"2"}}"#));
    }

    #[test]
    fn claims_must_name_the_subject() {
        let p = SimpleSigningPayload::new("r", &digest(), &BTreeMap::new());
        assert!(p.check_claims(&digest()).is_ok());
        let err = p.check_claims(&Digest::sha256(b"other")).unwrap_err();
        assert_eq!(
            err.message(),
            format!("invalid or missing digest in claim: {}", digest())
        );
        let mut wrong_type = p.clone();
        wrong_type.critical.kind = "atomic container signature".into();
        assert!(wrong_type.check_claims(&digest()).is_err());
    }

    #[test]
    fn annotations_must_match_as_strings() {
        let p = SimpleSigningPayload::parse(br#"{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:x"},"type":"t"},"optional":{"env":"prod","n":1}}"#).unwrap();
        let req = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(p.check_annotations(&req("env", "prod")).is_ok());
        assert!(p.check_annotations(&req("env", "dev")).is_err());
        assert!(p.check_annotations(&req("n", "1")).is_err());
        assert!(p.check_annotations(&req("missing", "x")).is_err());
        assert!(p.check_annotations(&BTreeMap::new()).is_ok());
    }

    #[test]
    fn a_digest_claim_go_would_read_differently_is_refused() {
        let a = Digest::sha256(b"a");
        let b = Digest::sha256(b"b");
        let payload = format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"r"}},"image":{{"docker-manifest-digest":"{a}","Docker-Manifest-Digest":"{b}"}},"type":"{COSIGN_SIGNATURE_TYPE}"}},"optional":null}}"#
        );
        let err = SimpleSigningPayload::parse(payload.as_bytes()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPayload);
        assert!(err.message().contains("Docker-Manifest-Digest"), "{err}");
    }

    #[test]
    fn rejects_malformed_and_huge_payloads() {
        for bad in [&b""[..], b"{}", b"[]", b"{\"critical\":{}}", b"null"] {
            assert_eq!(
                SimpleSigningPayload::parse(bad).unwrap_err().code(),
                ErrorCode::InvalidPayload
            );
        }
        let huge = vec![b' '; PAYLOAD_SIZE_MAX + 1];
        assert_eq!(
            SimpleSigningPayload::parse(&huge).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
    }
}
