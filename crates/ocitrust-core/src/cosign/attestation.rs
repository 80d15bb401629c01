//! cosign attestations: in-toto statements in DSSE envelopes about an image, attached as layers of
//! the `sha256-<hex>.att` manifest (`application/vnd.dsse.envelope.v1+json`, cosign v2) or as
//! Sigstore bundle referrers (cosign v3). Each is read as a bundle and judged by the one bundle
//! verification under each authority — the DSSE signature over PAE(payloadType, payload), the log,
//! the certificate — then the statement: in-toto's payload type and statement type, a subject
//! naming the image's digest, and the predicate type asked for. What a verified attestation says
//! is handed out in its report ([`Attestation`]).

use std::cell::RefCell;

use super::bundle::read_bundle_referrer;
use super::layer_bundle::layer_as_bundle;
use super::signature_manifest::{signature_layers, SignatureLayer};
use super::verify::{integrity, unreadable, CosignRequirements, PayloadBlobs};
use crate::authority::{judge_under, no_authority, Authority};
use crate::checks::Checks;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::oci::Manifest;
use crate::sigstore::{Artifact, BundleContent, DsseEnvelope, InTotoStatement, RootRef, SigstoreBundle};
use crate::verdict::{Attestation, CheckName, SignatureKind, SignatureReport};

/// The media type of an attestation layer: a DSSE envelope.
pub const DSSE_ENVELOPE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The layer annotation cosign records the predicate type in (informative: the signed statement
/// is what is checked).
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// Largest attestation read: a DSSE envelope layer, or a bundle holding one (an SBOM can be large;
/// what one verification reads in all is bounded by its read budget).
pub const ATTESTATION_SIZE_MAX: usize = crate::sigstore::SIGSTORE_BUNDLE_SIZE_MAX;

/// cosign's names for predicate types (`--type`), and the URIs they stand for.
pub const PREDICATE_TYPE_ALIASES: [(&str, &str); 10] = [
    ("custom", "https://cosign.sigstore.dev/attestation/v1"),
    ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
    ("spdx", "https://spdx.dev/Document"),
    ("spdxjson", "https://spdx.dev/Document"),
    ("cyclonedx", "https://cyclonedx.org/bom"),
    ("link", "https://in-toto.io/Link/v1"),
    ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
    ("openvex", "https://openvex.dev/ns"),
];

/// The predicate type `name` stands for, as cosign maps `--type`: one of its aliases, or else a URI
/// (absolute, or an absolute path, as Go's `url.ParseRequestURI` accepts one).
pub fn predicate_type_uri(name: &str) -> Result<String> {
    if let Some((_, uri)) = PREDICATE_TYPE_ALIASES.iter().find(|(alias, _)| *alias == name) {
        return Ok((*uri).to_owned());
    }
    if is_request_uri(name) {
        return Ok(name.to_owned());
    }
    Err(Error::new(
        ErrorCode::InvalidArgument,
        format!(
            "invalid predicate type: {name} (expected one of {} or a URI)",
            PREDICATE_TYPE_ALIASES.map(|(alias, _)| alias).join(", ")
        ),
    ))
}

/// An absolute URI (`scheme:rest`) or an absolute path, without control characters or spaces.
fn is_request_uri(text: &str) -> bool {
    if text.is_empty() || text.chars().any(|c| c.is_control() || c == ' ') {
        return false;
    }
    if text.starts_with('/') {
        return true;
    }
    match text.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Verifies every layer of `attestations` (the manifest at `sha256-<hex>.att`) as an attestation
/// of `subject` with `predicate_type` under `authorities`. One report per layer; the manifest being
/// unreadable, or no authority at all, is an error.
pub fn verify_attestation_manifest(
    subject: &Digest,
    attestations: &Manifest,
    blobs: &PayloadBlobs,
    authorities: &[Authority],
    requirements: &CosignRequirements,
    predicate_type: &str,
    location: &str,
) -> Result<Vec<SignatureReport>> {
    let layers = signature_layers(attestations)?;
    let key_root = requirements.key_root();
    layers
        .iter()
        .map(|layer| {
            let location = format!("{location} layer {} ({})", layer.index, layer.digest);
            let mut checks = Checks::default();
            let read = checks.run(CheckName::Integrity, || {
                Ok(read_layer(layer, blobs.get(&layer.digest))?)
            });
            let Some((envelope, bundle)) = read else {
                let mut report = unreadable(checks, &location);
                report.kind = SignatureKind::CosignAttestation;
                return Ok(report);
            };
            let judgement = AttestationJudgement {
                subject,
                authorities,
                key_root,
                requirements,
                predicate_type,
            };
            let mut report = judgement.judge(&bundle, envelope, &location)?;
            report.kind = SignatureKind::CosignAttestation;
            Ok(report)
        })
        .collect()
}

/// Verifies one Sigstore bundle referrer (`bytes`, checked against its descriptor by the fetcher; an
/// error when it could not be had) as an attestation of `subject` with `predicate_type`.
pub fn verify_attestation_bundle(
    subject: &Digest,
    bytes: Result<&[u8]>,
    authorities: &[Authority],
    requirements: &CosignRequirements,
    predicate_type: &str,
    location: &str,
) -> Result<SignatureReport> {
    let bundle = match read_bundle_referrer(bytes, location) {
        Ok(bundle) => bundle,
        Err(report) => return Ok(*report),
    };
    let key_root = requirements.key_root();
    let envelope = match &bundle.content {
        BundleContent::Dsse(envelope) => envelope.to_bundle_json().to_string().into_bytes(),
        BundleContent::MessageSignature { .. } => Vec::new(),
    };
    let judgement = AttestationJudgement {
        subject,
        authorities,
        key_root,
        requirements,
        predicate_type,
    };
    judgement.judge(&bundle, envelope, location)
}

/// The layer's DSSE envelope (its bytes, as cosign prints them) and the layer as a bundle.
fn read_layer(layer: &SignatureLayer, blob: Result<&[u8]>) -> Result<(Vec<u8>, SigstoreBundle)> {
    let bytes = integrity(layer, blob, DSSE_ENVELOPE_MEDIA_TYPE)?;
    let envelope = DsseEnvelope::from_json(&bytes)?;
    let bundle = layer_as_bundle(layer, BundleContent::Dsse(envelope), Some(&bytes))?;
    Ok((bytes, bundle))
}

/// How an attestation is judged: about which image, by whom, under which trust material, and of
/// which predicate type.
struct AttestationJudgement<'a> {
    subject: &'a Digest,
    authorities: &'a [Authority],
    key_root: RootRef<'a>,
    requirements: &'a CosignRequirements,
    predicate_type: &'a str,
}

impl AttestationJudgement<'_> {
    /// Judges `bundle` under each authority; a verified report carries what its statement says
    /// (read once, when its predicate type is checked) and `envelope`, as cosign prints it.
    fn judge(&self, bundle: &SigstoreBundle, envelope: Vec<u8>, location: &str) -> Result<SignatureReport> {
        // The predicate type, the predicate and the whole statement, of the attempt that verified.
        type Stated = (String, Vec<u8>, Vec<u8>);
        let stated: RefCell<Option<Stated>> = RefCell::new(None);
        let claims = |statement: &[u8]| {
            let parsed = InTotoStatement::parse(statement)?;
            check_predicate_type(&parsed, self.predicate_type)?;
            let predicate = parsed.predicate_bytes().to_vec();
            *stated.borrow_mut() = Some((parsed.predicate_type, predicate, statement.to_vec()));
            Ok(())
        };
        let mut report = judge_under(self.authorities, |authority| {
            self.requirements.judge_bundle(
                bundle,
                Artifact::Digest(self.subject),
                authority,
                self.key_root,
                &claims,
                location,
            )
        })
        .ok_or_else(no_authority)?;
        if report.verified {
            report.attestation =
                match stated.into_inner() {
                    Some((predicate_type, predicate, statement)) => Some(Attestation {
                        predicate_type,
                        predicate,
                        envelope,
                        // The statement parsed as InTotoStatement above: it is JSON.
                        statement: std::sync::Arc::new(serde_json::from_slice(&statement).map_err(|e| {
                            Error::new(ErrorCode::InvalidPayload, format!("the in-toto statement: {e}"))
                        })?),
                    }),
                    None => None,
                };
        }
        Ok(report)
    }
}

/// The statement (whose payload type and subject the bundle verification checked) must carry the
/// predicate type asked for.
fn check_predicate_type(statement: &InTotoStatement, predicate_type: &str) -> Result<()> {
    if statement.predicate_type == predicate_type {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::NoMatchingSignatures,
        format!(
            "the attestation's predicate type is {:?}, expected {predicate_type:?}",
            statement.predicate_type
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicate_types_are_named_as_cosign_names_them() {
        assert_eq!(predicate_type_uri("cyclonedx").unwrap(), "https://cyclonedx.org/bom");
        assert_eq!(predicate_type_uri("spdxjson").unwrap(), "https://spdx.dev/Document");
        assert_eq!(
            predicate_type_uri("slsaprovenance").unwrap(),
            "https://slsa.dev/provenance/v0.2"
        );
        assert_eq!(
            predicate_type_uri("slsaprovenance1").unwrap(),
            "https://slsa.dev/provenance/v1"
        );
        assert_eq!(
            predicate_type_uri("custom").unwrap(),
            "https://cosign.sigstore.dev/attestation/v1"
        );
        assert_eq!(
            predicate_type_uri("https://example.com/my/predicate/v1").unwrap(),
            "https://example.com/my/predicate/v1"
        );
        assert_eq!(predicate_type_uri("urn:example:p").unwrap(), "urn:example:p");
        for bad in ["sbom", "", "not a uri", "1http://x", "http:", "cyclone dx"] {
            let error = predicate_type_uri(bad).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidArgument, "{bad:?}");
            assert!(error.message().starts_with("invalid predicate type"), "{bad:?}");
        }
    }

    #[test]
    fn the_predicate_type_must_be_the_one_asked_for() {
        let statement = InTotoStatement::parse(br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://spdx.dev/Document","predicate":{}}"#).unwrap();
        assert!(check_predicate_type(&statement, "https://spdx.dev/Document").is_ok());
        let error = check_predicate_type(&statement, "https://cyclonedx.org/bom").unwrap_err();
        assert_eq!(
            error.message(),
            r#"the attestation's predicate type is "https://spdx.dev/Document", expected "https://cyclonedx.org/bom""#
        );
    }

    #[test]
    fn a_bundle_envelope_is_printed_as_cosign_prints_it() {
        let envelope = DsseEnvelope {
            payload: b"{}".to_vec(),
            payload_type: "application/vnd.in-toto+json".into(),
            signatures: vec![vec![1, 2, 3]],
        };
        let printed = envelope.to_bundle_json();
        assert_eq!(
            printed,
            serde_json::json!({"payload": "e30=", "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "AQID"}]})
        );
    }
}
