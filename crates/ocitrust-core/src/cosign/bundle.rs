//! Key-based verification of the Sigstore bundles cosign v3 attaches to images as OCI referrers:
//! a DSSE envelope around an in-toto Statement whose subject is the image digest and whose
//! predicate type is `https://sigstore.dev/cosign/sign/v1` (`cosign sign -a` annotations ride on
//! that subject). The checks mirror a tag-scheme signature's, on the same bundle.

use std::collections::BTreeMap;

use base64::Engine;
use serde::Deserialize;

use super::checks::{Checks, Failure};
use super::payload::{check_required_annotations, Critical, Identity, Image, SimpleSigningPayload};
use super::verify::CosignRequirements;
use crate::authority::{judge_under, no_authority, Authority};
use crate::crypto::PublicKey;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::go_reading::{check_go_unambiguous, GoStructFields};
use crate::verdict::{CheckName, SignatureKind, SignatureReport, Signer};

/// The media type (and OCI artifact type) of a v0.3 Sigstore bundle.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The predicate type of the statement `cosign sign` puts in a bundle.
pub const COSIGN_SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";
/// DSSE payload type of in-toto statements.
const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
const IN_TOTO_STATEMENT_TYPES: [&str; 2] = ["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"];
/// Largest bundle parsed.
pub const BUNDLE_SIZE_MAX: usize = 1024 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    media_type: String,
    #[serde(default)]
    verification_material: VerificationMaterial,
    dsse_envelope: Option<Envelope>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerificationMaterial {
    #[serde(default)]
    tlog_entries: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    payload: String,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Deserialize)]
struct EnvelopeSignature {
    sig: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    #[serde(rename = "_type")]
    statement_type: String,
    subject: Vec<StatementSubject>,
    predicate_type: String,
}

#[derive(Deserialize)]
struct StatementSubject {
    #[serde(default)]
    digest: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, serde_json::Value>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPayload, message)
}

/// DSSE's pre-authentication encoding: what the signature covers.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

fn base64_decode(text: &str, what: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(text))
        .map_err(|e| {
            Error::new(
                ErrorCode::InvalidSignatureEncoding,
                format!("{what} is not base64: {e}"),
            )
        })
}

/// The envelope's payload and payload type, once the bundle parsed as a v0.3 DSSE bundle.
fn integrity(bytes: Result<&[u8]>) -> Result<(Bundle, Vec<u8>)> {
    let bytes = bytes?;
    if bytes.len() > BUNDLE_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("bundle is {} bytes, limit is {BUNDLE_SIZE_MAX}", bytes.len()),
        ));
    }
    let bundle: Bundle = serde_json::from_slice(bytes).map_err(|e| invalid(format!("not a Sigstore bundle: {e}")))?;
    if bundle.media_type != BUNDLE_V03_MEDIA_TYPE {
        return Err(invalid(format!(
            "bundle media type {:?}, expected {BUNDLE_V03_MEDIA_TYPE}",
            bundle.media_type
        )));
    }
    let envelope = bundle
        .dsse_envelope
        .as_ref()
        .ok_or_else(|| invalid("the bundle has no DSSE envelope (cosign signs images as DSSE)".into()))?;
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(invalid(format!(
            "DSSE payload type {:?}, expected {IN_TOTO_PAYLOAD_TYPE}",
            envelope.payload_type
        )));
    }
    let payload = base64_decode(&envelope.payload, "the DSSE payload")?;
    Ok((bundle, payload))
}

/// Verifies one cosign bundle (`bytes`, already checked against its descriptor's digest by the
/// fetcher; an error when it could not be had) as a signature of `subject` under `authorities`.
/// No authority at all is an error.
pub fn verify_bundle(
    subject: &Digest,
    bytes: Result<&[u8]>,
    authorities: &[Authority],
    requirements: &CosignRequirements,
    location: &str,
) -> Result<SignatureReport> {
    judge_under(authorities, |authority| match authority {
        Authority::CosignKey(key) => {
            verify_bundle_with_key(subject, bytes.clone(), key, authority, requirements, location)
        }
    })
    .ok_or_else(no_authority)
}

fn verify_bundle_with_key(
    subject: &Digest,
    bytes: Result<&[u8]>,
    key: &PublicKey,
    authority: &Authority,
    requirements: &CosignRequirements,
    location: &str,
) -> SignatureReport {
    let mut checks = Checks::default();
    let parsed = checks.run(CheckName::Integrity, || Ok(integrity(bytes)?));
    let signature_ok = checks.run(CheckName::Signature, || {
        let (bundle, payload) = parsed.as_ref().ok_or(Failure::NotReached)?;
        let envelope = bundle.dsse_envelope.as_ref().ok_or(Failure::NotReached)?;
        let message = pae(&envelope.payload_type, payload);
        let mut last = Error::new(ErrorCode::NoMatchingSignatures, "the DSSE envelope has no signatures");
        for signature in &envelope.signatures {
            match base64_decode(&signature.sig, "a DSSE signature").and_then(|sig| key.verify(&message, &sig)) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(Failure::Failed(last))
    });
    let claims = checks.run(CheckName::Claims, || {
        signature_ok.ok_or(Failure::NotReached)?;
        let (_, payload) = parsed.as_ref().ok_or(Failure::NotReached)?;
        Ok(statement_subject(payload, subject)?)
    });
    if !requirements.annotations.is_empty() {
        checks.run(CheckName::Annotations, || {
            let annotations = claims.as_ref().ok_or(Failure::NotReached)?;
            Ok(check_required_annotations(
                Some(annotations),
                &requirements.annotations,
            )?)
        });
    }
    checks.tlog(requirements.insecure_ignore_tlog, claims.is_some(), || {
        let has_entries = parsed
            .as_ref()
            .is_some_and(|(b, _)| !b.verification_material.tlog_entries.is_empty());
        let why = if has_entries {
            "the bundle carries transparency-log entries, but their verification is not implemented yet"
        } else {
            "the bundle has no transparency-log entry (signed without a transparency log?)"
        };
        Error::new(
            ErrorCode::NoMatchingSignatures,
            format!("{why}; pass --insecure-ignore-tlog to skip the transparency log check"),
        )
    });
    let verified = checks.all_passed_or_skipped();
    SignatureReport {
        kind: SignatureKind::SigstoreBundle,
        location: location.to_owned(),
        signer: signature_ok.map(|()| Signer::with_key(authority, key)),
        checks: checks.0,
        verified,
        payload: if verified {
            parsed.map(|(_, payload)| payload)
        } else {
            None
        },
    }
}

/// What `cosign verify` (v3) prints for a verified bundle's `statement`: a simple-signing payload
/// made from it. `docker-reference` is the name that was verified (`docker_reference`, as
/// [`crate::Reference::full_name`] spells it), the digest is `subject` (the one verified), the type
/// the predicate type, and `optional` the annotations of the statement's entry for `subject` — the
/// entry verification chose ([`statement_subject`]), never another one (`{}` when it has none).
pub fn bundle_simple_signing_view(
    statement: &[u8],
    subject: &Digest,
    docker_reference: &str,
) -> Result<SimpleSigningPayload> {
    let statement = parse_statement(statement)?;
    let predicate_type = statement.predicate_type.clone();
    let annotations = statement_subject_entry(statement, subject)?;
    Ok(SimpleSigningPayload {
        critical: Critical {
            identity: Identity {
                docker_reference: docker_reference.to_owned(),
            },
            image: Image {
                docker_manifest_digest: subject.to_string(),
            },
            kind: predicate_type,
        },
        optional: Some(annotations),
    })
}

/// The fields of the in-toto statement structs Go reads; digest sets, annotations and the
/// predicate are maps or free-form.
const STATEMENT_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &[
        "_type",
        "subject",
        "name",
        "digest",
        "annotations",
        "predicateType",
        "predicate",
    ],
    opaque: &["digest", "annotations", "predicate"],
};

fn parse_statement(payload: &[u8]) -> Result<Statement> {
    check_go_unambiguous(payload, STATEMENT_FIELDS, "the in-toto statement")?;
    serde_json::from_slice(payload).map_err(|e| invalid(format!("the DSSE payload is not an in-toto statement: {e}")))
}

/// The annotations of the statement's subject entry naming `subject`, once the statement is cosign's.
fn statement_subject(payload: &[u8], subject: &Digest) -> Result<BTreeMap<String, serde_json::Value>> {
    let statement = parse_statement(payload)?;
    if !IN_TOTO_STATEMENT_TYPES.contains(&statement.statement_type.as_str()) {
        return Err(invalid(format!(
            "statement type {:?} is not in-toto's",
            statement.statement_type
        )));
    }
    if statement.predicate_type != COSIGN_SIGN_PREDICATE_TYPE {
        return Err(Error::new(
            ErrorCode::NoMatchingSignatures,
            format!(
                "predicate type {:?} is not a cosign signature ({COSIGN_SIGN_PREDICATE_TYPE})",
                statement.predicate_type
            ),
        ));
    }
    statement_subject_entry(statement, subject)
}

/// The annotations of the first subject entry of `statement` whose digest set names `subject`.
fn statement_subject_entry(statement: Statement, subject: &Digest) -> Result<BTreeMap<String, serde_json::Value>> {
    let algorithm = subject.algorithm().name();
    statement
        .subject
        .into_iter()
        .find(|s| s.digest.get(algorithm).map(String::as_str) == Some(subject.hex()))
        .map(|s| s.annotations)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NoMatchingSignatures,
                format!("invalid or missing digest in claim: the statement does not name {subject}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;
    use crate::verdict::Outcome;

    fn bundle(key: &SigningKey, statement: &str, tlog: bool) -> Vec<u8> {
        let payload = statement.as_bytes();
        let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, payload)).unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let tlog_entries = if tlog { r#"[{"logIndex":"1"}]"# } else { "[]" };
        format!(
            r#"{{"mediaType":"{BUNDLE_V03_MEDIA_TYPE}","verificationMaterial":{{"publicKey":{{"hint":"x"}},"tlogEntries":{tlog_entries}}},"dsseEnvelope":{{"payload":"{}","payloadType":"{IN_TOTO_PAYLOAD_TYPE}","signatures":[{{"sig":"{}"}}]}}}}"#,
            b64(payload),
            b64(&sig)
        )
        .into_bytes()
    }

    fn statement(digest: &Digest, predicate_type: &str) -> String {
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{}"}},"annotations":{{"org":"x"}}}}],"predicateType":"{predicate_type}","predicate":{{}}}}"#,
            digest.hex()
        )
    }

    fn outcome(report: &SignatureReport, name: CheckName) -> Outcome {
        report.checks.iter().find(|c| c.name == name).unwrap().outcome
    }

    #[test]
    fn a_bundle_signed_by_the_key_over_the_subject_verifies() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let subject = Digest::sha256(b"image");
        let bytes = bundle(&key, &statement(&subject, COSIGN_SIGN_PREDICATE_TYPE), false);
        let mut req = CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        req.annotations.insert("org".into(), "x".into());
        let report = verify_bundle(
            &subject,
            Ok(&bytes),
            &[Authority::CosignKey(key.public_key().clone())],
            &req,
            "here",
        )
        .unwrap();
        assert!(report.verified, "{:?}", report.checks);
        assert_eq!(report.kind, SignatureKind::SigstoreBundle);
        let signed = report.payload.unwrap();
        assert!(signed.starts_with(b"{\"_type\""));
        // What cosign v3 prints for it.
        let view = bundle_simple_signing_view(&signed, &subject, "r.example/app:v1").unwrap();
        assert_eq!(
            String::from_utf8(view.to_bytes().unwrap()).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"r.example/app:v1"}},"image":{{"docker-manifest-digest":"{subject}"}},"type":"{COSIGN_SIGN_PREDICATE_TYPE}"}},"optional":{{"org":"x"}}}}"#
            )
        );

        // Strict: no transparency-log entry, and entries are not verified yet.
        let strict = CosignRequirements::default();
        let report = verify_bundle(
            &subject,
            Ok(&bytes),
            &[Authority::CosignKey(key.public_key().clone())],
            &strict,
            "here",
        )
        .unwrap();
        assert!(!report.verified);
        assert!(report.failure().unwrap().contains("no transparency-log entry"));
        let with_tlog = bundle(&key, &statement(&subject, COSIGN_SIGN_PREDICATE_TYPE), true);
        let report = verify_bundle(
            &subject,
            Ok(&with_tlog),
            &[Authority::CosignKey(key.public_key().clone())],
            &strict,
            "here",
        )
        .unwrap();
        assert!(report.failure().unwrap().contains("not implemented yet"));
    }

    #[test]
    fn wrong_key_subject_predicate_annotation_or_format_fail_their_check() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let other = SigningKey::generate_ecdsa_p256().unwrap();
        let subject = Digest::sha256(b"image");
        let req = CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        let good = bundle(&key, &statement(&subject, COSIGN_SIGN_PREDICATE_TYPE), false);

        let report = verify_bundle(
            &subject,
            Ok(&good),
            &[Authority::CosignKey(other.public_key().clone())],
            &req,
            "l",
        )
        .unwrap();
        assert_eq!(outcome(&report, CheckName::Signature), Outcome::Failed);
        assert_eq!(outcome(&report, CheckName::Claims), Outcome::NotReached);

        let report = verify_bundle(
            &Digest::sha256(b"another image"),
            Ok(&good),
            &[Authority::CosignKey(key.public_key().clone())],
            &req,
            "l",
        )
        .unwrap();
        assert_eq!(outcome(&report, CheckName::Claims), Outcome::Failed);
        assert!(report.failure().unwrap().contains("does not name"));

        let attestation = bundle(&key, &statement(&subject, "https://slsa.dev/provenance/v1"), false);
        let report = verify_bundle(
            &subject,
            Ok(&attestation),
            &[Authority::CosignKey(key.public_key().clone())],
            &req,
            "l",
        )
        .unwrap();
        assert!(report.failure().unwrap().contains("not a cosign signature"));

        let mut wants = req.clone();
        wants.annotations.insert("org".into(), "y".into());
        let report = verify_bundle(
            &subject,
            Ok(&good),
            &[Authority::CosignKey(key.public_key().clone())],
            &wants,
            "l",
        )
        .unwrap();
        assert_eq!(outcome(&report, CheckName::Annotations), Outcome::Failed);

        for bad in [
            &b"{"[..],
            br#"{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1"}"#,
            br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{}}"#,
        ] {
            let report = verify_bundle(
                &subject,
                Ok(bad),
                &[Authority::CosignKey(key.public_key().clone())],
                &req,
                "l",
            )
            .unwrap();
            assert_eq!(
                outcome(&report, CheckName::Integrity),
                Outcome::Failed,
                "{}",
                String::from_utf8_lossy(bad)
            );
            assert!(!report.verified);
        }
    }

    #[test]
    fn the_printed_view_shows_the_subject_entry_that_was_verified() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let image = Digest::sha256(b"image");
        let other = Digest::sha256(b"another image");
        let statement = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{}"}},"annotations":{{"env":"dev"}}}},{{"digest":{{"sha256":"{}"}},"annotations":{{"env":"prod"}}}}],"predicateType":"{COSIGN_SIGN_PREDICATE_TYPE}","predicate":{{}}}}"#,
            other.hex(),
            image.hex()
        );
        let bytes = bundle(&key, &statement, false);
        let req = CosignRequirements {
            annotations: BTreeMap::from([("env".into(), "prod".into())]),
            insecure_ignore_tlog: true,
        };
        let report = verify_bundle(
            &image,
            Ok(&bytes),
            &[Authority::CosignKey(key.public_key().clone())],
            &req,
            "here",
        )
        .unwrap();
        assert!(report.verified, "{:?}", report.failure());
        let view = bundle_simple_signing_view(report.payload.as_deref().unwrap(), &image, "r.example/app").unwrap();
        assert_eq!(view.critical.image.docker_manifest_digest, image.to_string());
        assert_eq!(view.optional.unwrap().get("env"), Some(&serde_json::json!("prod")));
    }

    #[test]
    fn a_statement_go_would_read_differently_is_refused() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let image = Digest::sha256(b"image");
        let statement = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{}"}}}}],"Subject":[],"predicateType":"{COSIGN_SIGN_PREDICATE_TYPE}","predicate":{{}}}}"#,
            image.hex()
        );
        let bytes = bundle(&key, &statement, false);
        let req = CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        let report = verify_bundle(
            &image,
            Ok(&bytes),
            &[Authority::CosignKey(key.public_key().clone())],
            &req,
            "here",
        )
        .unwrap();
        assert!(!report.verified);
        assert!(
            report.failure().unwrap().contains("Go's encoding/json"),
            "{:?}",
            report.failure()
        );
    }
}
