//! The Sigstore bundles cosign v3 attaches to images as OCI referrers: a DSSE envelope around an
//! in-toto Statement whose subject is the image digest (`cosign sign -a` annotations ride on that
//! subject), judged by the one bundle verification under each authority, then the cosign claims on
//! the same bundle. As `cosign verify` (v3) does, any predicate type is a signature: `cosign sign`
//! writes `https://sigstore.dev/cosign/sign/v1`, `cosign attest` the attested type; the report
//! records which, and `cosign verify`'s output names it as the payload's `type`.

use std::collections::BTreeMap;

use super::payload::{check_required_annotations, Critical, Identity, Image, SimpleSigningPayload};
use super::verify::{require_annotations, unreadable, CosignRequirements};
use crate::authority::{judge_under, no_authority, Authority};
use crate::checks::Checks;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::sigstore::{Artifact, BundleContent, InTotoStatement, SigstoreBundle};
use crate::verdict::{CheckName, SignatureKind, SignatureReport};

/// The media type (and OCI artifact type) of a v0.3 Sigstore bundle.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The predicate type of the statement `cosign sign` puts in a bundle.
pub const COSIGN_SIGN_PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";
/// Largest bundle parsed.
pub const BUNDLE_SIZE_MAX: usize = crate::sigstore::SIGSTORE_BUNDLE_SIZE_MAX;

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPayload, message)
}

/// The bundle referrer `bytes` parsed, or the report on it when it cannot be read: only its
/// integrity check, failed.
pub(crate) fn read_bundle_referrer(
    bytes: Result<&[u8]>,
    location: &str,
) -> std::result::Result<SigstoreBundle, Box<SignatureReport>> {
    let mut checks = Checks::default();
    checks
        .run(CheckName::Integrity, || Ok(dsse_bundle(bytes)?))
        .ok_or_else(|| {
            let mut report = unreadable(checks, location);
            report.kind = SignatureKind::SigstoreBundle;
            Box::new(report)
        })
}

/// The bundle, once it parsed and holds a DSSE envelope (cosign signs and attests images as DSSE).
fn dsse_bundle(bytes: Result<&[u8]>) -> Result<SigstoreBundle> {
    let bundle = SigstoreBundle::from_json(bytes?)?;
    if !matches!(bundle.content, BundleContent::Dsse(_)) {
        return Err(invalid(
            "the bundle has no DSSE envelope (cosign signs and attests images as DSSE)".into(),
        ));
    }
    Ok(bundle)
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
    let bundle = match read_bundle_referrer(bytes, location) {
        Ok(bundle) => bundle,
        Err(report) => return Ok(*report),
    };
    let key_root = requirements.key_root();
    let claims = |statement: &[u8]| -> Result<()> { statement_subject(statement, subject).map(|_| ()) };
    judge_under(authorities, |authority| {
        let mut report = requirements.judge_bundle(
            &bundle,
            Artifact::Digest(subject),
            authority,
            key_root,
            &claims,
            location,
        );
        require_annotations(&mut report, &requirements.annotations, |statement| {
            check_required_annotations(Some(&statement_subject(statement, subject)?), &requirements.annotations)
        });
        report
    })
    .ok_or_else(no_authority)
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
    let statement = InTotoStatement::parse(statement)?;
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

/// The annotations of the statement's subject entry naming `subject`, whatever its predicate type.
fn statement_subject(payload: &[u8], subject: &Digest) -> Result<BTreeMap<String, serde_json::Value>> {
    statement_subject_entry(InTotoStatement::parse(payload)?, subject)
}

/// The annotations of the first subject entry of `statement` whose digest set names `subject`.
fn statement_subject_entry(
    statement: InTotoStatement,
    subject: &Digest,
) -> Result<BTreeMap<String, serde_json::Value>> {
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
    use crate::sigstore::{pae, IN_TOTO_PAYLOAD_TYPE};
    use crate::verdict::Outcome;

    fn bundle(key: &SigningKey, statement: &str) -> Vec<u8> {
        use base64::Engine;
        let payload = statement.as_bytes();
        let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, payload)).unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let tlog_entries = "[]";
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
        let bytes = bundle(&key, &statement(&subject, COSIGN_SIGN_PREDICATE_TYPE));
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

        // Strict: no transparency-log entry.
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
        assert!(report.failure().unwrap().contains("--insecure-ignore-tlog"));
    }

    #[test]
    fn an_attestation_bundle_is_a_signature_as_cosign_verify_reads_it_and_says_its_type() {
        let key = SigningKey::generate_ecdsa_p256().unwrap();
        let subject = Digest::sha256(b"image");
        let req = CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        let authorities = [Authority::CosignKey(key.public_key().clone())];
        let signed = bundle(&key, &statement(&subject, COSIGN_SIGN_PREDICATE_TYPE));
        let report = verify_bundle(&subject, Ok(&signed), &authorities, &req, "l").unwrap();
        assert_eq!(report.predicate_type.as_deref(), Some(COSIGN_SIGN_PREDICATE_TYPE));
        let attested = bundle(&key, &statement(&subject, "https://cyclonedx.org/bom"));
        let report = verify_bundle(&subject, Ok(&attested), &authorities, &req, "l").unwrap();
        assert!(report.verified, "{:?}", report.checks);
        assert_eq!(report.predicate_type.as_deref(), Some("https://cyclonedx.org/bom"));
        let view = bundle_simple_signing_view(report.payload.as_deref().unwrap(), &subject, "r.example/app").unwrap();
        assert_eq!(view.critical.kind, "https://cyclonedx.org/bom");
        // Its annotations are still required of the same statement.
        let mut wants = req.clone();
        wants.annotations.insert("org".into(), "y".into());
        let report = verify_bundle(&subject, Ok(&attested), &authorities, &wants, "l").unwrap();
        assert_eq!(outcome(&report, CheckName::Annotations), Outcome::Failed);
        assert!(!report.verified && report.predicate_type.is_none() && report.payload.is_none());
        // An unverified report records no predicate type.
        let other = SigningKey::generate_ecdsa_p256().unwrap();
        let report = verify_bundle(
            &subject,
            Ok(&attested),
            &[Authority::CosignKey(other.public_key().clone())],
            &req,
            "l",
        )
        .unwrap();
        assert!(!report.verified && report.predicate_type.is_none());
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
        let good = bundle(&key, &statement(&subject, COSIGN_SIGN_PREDICATE_TYPE));

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
        assert!(report.failure().unwrap().contains("do not include the artifact"));

        // An attestation about another image is no signature of this one, whatever its type.
        let elsewhere = bundle(
            &key,
            &statement(&Digest::sha256(b"another image"), "https://slsa.dev/provenance/v1"),
        );
        let report = verify_bundle(
            &subject,
            Ok(&elsewhere),
            &[Authority::CosignKey(key.public_key().clone())],
            &req,
            "l",
        )
        .unwrap();
        assert_eq!(outcome(&report, CheckName::Claims), Outcome::Failed);
        assert_eq!(report.predicate_type, None);

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
        let bytes = bundle(&key, &statement);
        let req = CosignRequirements {
            annotations: BTreeMap::from([("env".into(), "prod".into())]),
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
        let bytes = bundle(&key, &statement);
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
