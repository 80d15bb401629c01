//! Verification of a cosign signature manifest, layer by layer, under the verifier's authorities.
//! Each layer is read as a Sigstore bundle ([`super::layer_bundle`]) and judged by the one bundle
//! verification; the cosign claims (the payload names the image) and required annotations are
//! checked on the same layer whose signature verified: one layer never lends a passing check to
//! another.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::layer_bundle::{layer_as_bundle, message_signature};
use super::payload::SimpleSigningPayload;
use super::signature_manifest::{signature_layers, SignatureLayer};
use crate::authority::{judge_under, no_authority, Authority};
use crate::checks::{Checks, Failure};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{media_types, Manifest};
use crate::sigstore::{
    verify_sigstore_bundle, Artifact, BundleJudgement, BundleOptions, RootRef, SigstoreBundle, TrustedRoot,
};
use crate::verdict::{CheckName, Outcome, SignatureKind, SignatureReport};

/// What a cosign verification requires beyond a valid signature.
#[derive(Debug, Clone, Default)]
pub struct CosignRequirements {
    /// Annotations that must be present in the signed payload's `optional` (`-a key=value`).
    pub annotations: BTreeMap<String, String>,
    /// Skip the transparency-log check of key-signed signatures (`--insecure-ignore-tlog`).
    /// Recorded in the verdict.
    pub insecure_ignore_tlog: bool,
    /// Accept certificates without a verified SCT (`--insecure-ignore-sct`). Recorded in the verdict.
    pub insecure_ignore_sct: bool,
    /// The transparency logs key-signed signatures are checked against (`--trusted-root`); the
    /// embedded production root when unset. Keyless authorities carry their own.
    pub key_trusted_root: Option<Arc<TrustedRoot>>,
}

impl CosignRequirements {
    /// The bundle options these requirements set.
    pub fn bundle_options(&self) -> BundleOptions {
        BundleOptions {
            insecure_ignore_tlog: self.insecure_ignore_tlog,
            insecure_ignore_sct: self.insecure_ignore_sct,
        }
    }

    /// Judges `bundle` as a signature of `artifact` by `authority` under these requirements
    /// (`key_root` for a key's log entries); `payload_claims` is what its signed payload must also say.
    pub(crate) fn judge_bundle(
        &self,
        bundle: &SigstoreBundle,
        artifact: Artifact<'_>,
        authority: &Authority,
        key_root: RootRef<'_>,
        payload_claims: &dyn Fn(&[u8]) -> Result<()>,
        location: &str,
    ) -> SignatureReport {
        let Some((signer, root)) = authority.bundle_signer(key_root) else {
            return not_judged_by(authority, location);
        };
        let judgement = BundleJudgement {
            signer,
            root,
            options: self.bundle_options(),
            authority: &authority.name(),
            payload_claims,
        };
        verify_sigstore_bundle(bundle, artifact, &judgement, location)
    }

    /// The root key-signed signatures are judged under (the embedded one is parsed only when a
    /// check needs it).
    pub fn key_root(&self) -> RootRef<'_> {
        match &self.key_trusted_root {
            Some(root) => RootRef::Given(root),
            None => RootRef::Embedded,
        }
    }
}

/// Payload blobs supplied by the caller, keyed by the digest they were fetched under. Their bytes
/// are re-hashed before use, so a lying fetcher is caught here. A blob the fetcher could not get is
/// recorded with the reason, which the verdict then shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayloadBlobs {
    found: HashMap<Digest, Vec<u8>>,
    unavailable: HashMap<Digest, String>,
}

impl PayloadBlobs {
    /// Blobs named by their SHA-256 digest (for callers that fetched bytes without digests).
    pub fn from_blobs<I: IntoIterator<Item = Vec<u8>>>(blobs: I) -> Self {
        let mut set = PayloadBlobs::default();
        for blob in blobs {
            set.insert(Digest::sha256(&blob), blob);
        }
        set
    }

    /// Records `bytes` as fetched under `digest`.
    pub fn insert(&mut self, digest: Digest, bytes: Vec<u8>) {
        self.found.insert(digest, bytes);
    }

    /// Whether a blob could not be fetched (a verification of these blobs says something about
    /// the fetch, not only about the signatures).
    pub fn has_unavailable(&self) -> bool {
        !self.unavailable.is_empty()
    }

    /// Records that the blob `digest` could not be fetched, and why.
    pub fn mark_unavailable(&mut self, digest: Digest, reason: String) {
        self.unavailable.insert(digest, reason);
    }

    pub(crate) fn get(&self, digest: &Digest) -> std::result::Result<&[u8], Error> {
        if let Some(bytes) = self.found.get(digest) {
            return Ok(bytes);
        }
        let reason = self
            .unavailable
            .get(digest)
            .map_or("it was not provided", String::as_str);
        Err(Error::new(
            crate::ErrorCode::NotFound,
            format!("payload blob {digest} is unavailable: {reason}"),
        ))
    }
}

/// Verifies every layer of `signatures` (the manifest at `sha256-<hex>.sig`) against `subject`
/// under `authorities` (any one of them vouching for a layer makes it verified). Returns one report
/// per layer; the manifest itself being unreadable, or no authority at all, is an error.
pub fn verify_signature_manifest(
    subject: &Digest,
    signatures: &Manifest,
    blobs: &PayloadBlobs,
    authorities: &[Authority],
    requirements: &CosignRequirements,
    location: &str,
) -> Result<Vec<SignatureReport>> {
    let layers = signature_layers(signatures)?;
    let key_root = requirements.key_root();
    layers
        .iter()
        .map(|layer| {
            let location = format!("{location} layer {} ({})", layer.index, layer.digest);
            judge_under(authorities, |authority| {
                verify_layer(
                    subject,
                    layer,
                    blobs.get(&layer.digest),
                    authority,
                    key_root,
                    requirements,
                    &location,
                )
            })
            .ok_or_else(no_authority)
        })
        .collect()
}

fn verify_layer(
    subject: &Digest,
    layer: &SignatureLayer,
    blob: Result<&[u8]>,
    authority: &Authority,
    key_root: RootRef<'_>,
    requirements: &CosignRequirements,
    location: &str,
) -> SignatureReport {
    let mut checks = Checks::default();
    let bundle = checks.run(CheckName::Integrity, || {
        let payload = integrity(layer, blob, media_types::COSIGN_SIMPLE_SIGNING)?;
        let bundle = layer_as_bundle(layer, message_signature(layer, &payload)?, None)?;
        Ok((payload, bundle))
    });
    let Some((payload, bundle)) = bundle else {
        return unreadable(checks, location);
    };
    let claims = |payload: &[u8]| -> Result<()> { SimpleSigningPayload::parse(payload)?.check_claims(subject) };
    let mut report = requirements.judge_bundle(
        &bundle,
        Artifact::Bytes(&payload),
        authority,
        key_root,
        &claims,
        location,
    );
    report.kind = SignatureKind::CosignSignature;
    report.cosign_extras = cosign_extras(layer);
    require_annotations(&mut report, &requirements.annotations, |payload| {
        SimpleSigningPayload::parse(payload)?.check_annotations(&requirements.annotations)
    });
    report
}

/// The layer's Rekor bundle and RFC 3161 timestamp annotations, parsed, under the names cosign
/// prints them with (annotations that are not JSON were refused before; they are left out).
fn cosign_extras(layer: &SignatureLayer) -> BTreeMap<String, serde_json::Value> {
    [
        ("Bundle", &layer.tlog_bundle),
        ("RFC3161Timestamp", &layer.rfc3161_timestamp),
    ]
    .into_iter()
    .filter_map(|(name, annotation)| {
        let value = serde_json::from_str(annotation.as_deref()?).ok()?;
        Some((name.to_owned(), value))
    })
    .collect()
}

/// The report on a Sigstore signature judged under an authority of another ecosystem: never trusted.
fn not_judged_by(authority: &Authority, location: &str) -> SignatureReport {
    let mut checks = Checks::default();
    checks.push(
        CheckName::Signature,
        Outcome::Failed,
        format!("{} does not judge cosign or Sigstore signatures", authority.name()),
    );
    SignatureReport {
        kind: SignatureKind::SigstoreBundle,
        location: location.to_owned(),
        signer: None,
        checks: checks.0,
        verified: false,
        payload: None,
        cosign_extras: Default::default(),
        attestation: None,
        predicate_type: None,
        valid_until: None,
    }
}

/// The report on a signature whose bytes could not be read: only the integrity check, failed.
pub(crate) fn unreadable(checks: Checks, location: &str) -> SignatureReport {
    SignatureReport {
        kind: SignatureKind::CosignSignature,
        location: location.to_owned(),
        signer: None,
        checks: checks.0,
        verified: false,
        payload: None,
        cosign_extras: Default::default(),
        attestation: None,
        predicate_type: None,
        valid_until: None,
    }
}

/// Adds the annotations check (when some are required) to a report, on its own verified payload.
pub(crate) fn require_annotations(
    report: &mut SignatureReport,
    required: &BTreeMap<String, String>,
    check: impl FnOnce(&[u8]) -> Result<()>,
) {
    if required.is_empty() {
        return;
    }
    let mut checks = Checks::default();
    let passed = checks
        .run(CheckName::Annotations, || {
            let payload = report.payload.as_deref().ok_or(Failure::NotReached)?;
            Ok(check(payload)?)
        })
        .is_some();
    report.checks.extend(checks.0);
    if !passed {
        report.verified = false;
        report.payload = None;
        report.predicate_type = None;
    }
    debug_assert!(report.checks.iter().all(|c| c.outcome != Outcome::Failed) || !report.verified);
}

/// The layer's blob, once its media type is `media_type` and its bytes match its size and digest.
pub(crate) fn integrity(layer: &SignatureLayer, blob: Result<&[u8]>, media_type: &str) -> Result<Vec<u8>> {
    if layer.media_type != media_type {
        return Err(Error::new(
            crate::ErrorCode::NoMatchingSignatures,
            format!(
                "unexpected layer media type {:?}, expected {media_type}",
                layer.media_type
            ),
        ));
    }
    let blob = blob?;
    if blob.len() as u64 != layer.size {
        return Err(Error::new(
            crate::ErrorCode::DigestMismatch,
            format!("payload is {} bytes, the layer declares {}", blob.len(), layer.size),
        ));
    }
    layer.digest.verify(blob)?;
    Ok(blob.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::sign_image;
    use crate::crypto::PublicKey;
    use crate::crypto::SigningKey;
    use crate::verdict::Outcome;
    use crate::verdict::Verdict;

    struct Signed {
        key: SigningKey,
        subject: Digest,
        manifest: Manifest,
        blobs: PayloadBlobs,
    }

    fn sign(annotations: &[(&str, &str)], existing: Option<&Signed>) -> Signed {
        let key = existing.map_or_else(
            || SigningKey::generate_ecdsa_p256().unwrap(),
            |s| SigningKey::from_pkcs8_der(s.key.pkcs8_der()).unwrap(),
        );
        let subject = Digest::sha256(b"subject manifest");
        let annotations = annotations
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let new = sign_image(
            &key,
            &subject,
            "example.com/app",
            &annotations,
            existing.map(|s| &s.manifest),
        )
        .unwrap();
        let mut blobs = existing.map(|s| s.blobs.clone()).unwrap_or_default();
        blobs.insert(Digest::sha256(&new.payload), new.payload);
        Signed {
            key,
            subject,
            manifest: Manifest::from_bytes(new.manifest, None).unwrap(),
            blobs,
        }
    }

    fn trusting(key: &PublicKey) -> Vec<Authority> {
        vec![Authority::CosignKey(key.clone())]
    }

    fn run(s: &Signed, key: &PublicKey, req: &CosignRequirements) -> Vec<SignatureReport> {
        verify_signature_manifest(&s.subject, &s.manifest, &s.blobs, &trusting(key), req, "test").unwrap()
    }

    fn insecure() -> CosignRequirements {
        CosignRequirements {
            insecure_ignore_tlog: true,
            ..Default::default()
        }
    }

    fn outcome(r: &SignatureReport, name: CheckName) -> Outcome {
        r.checks.iter().find(|c| c.name == name).unwrap().outcome
    }

    #[test]
    fn a_good_signature_verifies_with_insecure_tlog_and_records_it() {
        let s = sign(&[], None);
        let reports = run(&s, s.key.public_key(), &insecure());
        assert!(reports[0].verified);
        assert_eq!(outcome(&reports[0], CheckName::Tlog), Outcome::SkippedInsecure);
        assert!(reports[0].payload.is_some());
    }

    #[test]
    fn without_tlog_opt_out_verification_fails_and_says_so() {
        let s = sign(&[], None);
        let reports = run(&s, s.key.public_key(), &CosignRequirements::default());
        assert!(!reports[0].verified);
        assert!(reports[0].failure().unwrap().contains("--insecure-ignore-tlog"));
        assert!(reports[0].payload.is_none());
    }

    #[test]
    fn wrong_key_fails_signature_check() {
        let s = sign(&[], None);
        let other = SigningKey::generate_ecdsa_p256().unwrap();
        let r = &run(&s, other.public_key(), &insecure())[0];
        assert!(!r.verified);
        assert_eq!(outcome(r, CheckName::Signature), Outcome::Failed);
        assert_eq!(outcome(r, CheckName::Claims), Outcome::NotReached);
        assert!(r.signer.is_none());
    }

    #[test]
    fn tampered_payload_fails_integrity() {
        let mut s = sign(&[], None);
        for blob in s.blobs.found.values_mut() {
            let last = blob.len() - 2;
            blob[last] ^= 1;
        }
        let r = &run(&s, s.key.public_key(), &insecure())[0];
        assert_eq!(outcome(r, CheckName::Integrity), Outcome::Failed);
        assert!(r.failure().unwrap().contains("digest mismatch"));
    }

    #[test]
    fn missing_blob_fails_integrity() {
        let mut s = sign(&[], None);
        s.blobs = PayloadBlobs::default();
        let r = &run(&s, s.key.public_key(), &insecure())[0];
        assert_eq!(outcome(r, CheckName::Integrity), Outcome::Failed);
    }

    #[test]
    fn signature_for_another_digest_fails_claims() {
        let mut s = sign(&[], None);
        s.subject = Digest::sha256(b"another image");
        let r = &run(&s, s.key.public_key(), &insecure())[0];
        assert_eq!(outcome(r, CheckName::Signature), Outcome::Passed);
        assert_eq!(outcome(r, CheckName::Claims), Outcome::Failed);
        assert!(r
            .failure()
            .unwrap()
            .starts_with("invalid or missing digest in claim: sha256:"));
    }

    #[test]
    fn constraint_satisfied_only_by_another_layer_is_rejected() {
        // Layer 0: signed by a stranger, carries env=prod. Layer 1: signed by our key, no annotation.
        let stranger = sign(&[("env", "prod")], None);
        let ours_key = SigningKey::generate_ecdsa_p256().unwrap();
        let new = sign_image(
            &ours_key,
            &stranger.subject,
            "example.com/app",
            &BTreeMap::new(),
            Some(&stranger.manifest),
        )
        .unwrap();
        let mut blobs = stranger.blobs.clone();
        blobs.insert(Digest::sha256(&new.payload), new.payload);
        let manifest = Manifest::from_bytes(new.manifest, None).unwrap();
        let req = CosignRequirements {
            annotations: BTreeMap::from([("env".into(), "prod".into())]),
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        let reports = verify_signature_manifest(
            &stranger.subject,
            &manifest,
            &blobs,
            &trusting(ours_key.public_key()),
            &req,
            "t",
        )
        .unwrap();
        assert_eq!(reports.len(), 2);
        assert!(reports.iter().all(|r| !r.verified));
        assert_eq!(outcome(&reports[0], CheckName::Signature), Outcome::Failed);
        assert_eq!(outcome(&reports[1], CheckName::Annotations), Outcome::Failed);
        let verdict = Verdict {
            subject: crate::verdict::Subject {
                reference: "r".into(),
                digest: stranger.subject.clone(),
                platform: None,
                index_digest: None,
            },
            trusted: false,
            verified_through_index: None,
            signatures: reports,
            insecure: vec![],
            trust_material: vec![],
            skipped_by_policy: None,
            notation_scope: None,
            verification_time: 0,
        };
        assert_eq!(
            verdict.require_trusted().unwrap_err().code(),
            crate::ErrorCode::NoMatchingSignatures
        );
    }

    #[test]
    fn required_annotation_on_the_verified_layer_passes() {
        let s = sign(&[("env", "prod")], None);
        let req = CosignRequirements {
            annotations: BTreeMap::from([("env".into(), "prod".into())]),
            insecure_ignore_tlog: true,
            ..Default::default()
        };
        assert!(run(&s, s.key.public_key(), &req)[0].verified);
    }

    #[test]
    fn a_layer_is_verified_by_whichever_authority_signed_it() {
        let s = sign(&[], None);
        let stranger = SigningKey::generate_ecdsa_p256().unwrap();
        let authorities = vec![
            Authority::CosignKey(stranger.public_key().clone()),
            Authority::CosignKey(s.key.public_key().clone()),
        ];
        let r =
            &verify_signature_manifest(&s.subject, &s.manifest, &s.blobs, &authorities, &insecure(), "t").unwrap()[0];
        assert!(r.verified);
        assert_eq!(r.signer.as_ref().unwrap().authority, authorities[1].name());
    }

    #[test]
    fn no_authority_is_an_error_not_an_untrusted_verdict() {
        let s = sign(&[], None);
        let err = verify_signature_manifest(&s.subject, &s.manifest, &s.blobs, &[], &insecure(), "t").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidArgument);
    }

    #[test]
    fn empty_signature_manifest_gives_no_reports() {
        let s = sign(&[], None);
        let empty = crate::cosign::append_signature(None, b"", b"").unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&empty.manifest).unwrap();
        value["layers"] = serde_json::json!([]);
        let manifest = Manifest::from_bytes(serde_json::to_vec(&value).unwrap(), None).unwrap();
        let reports = verify_signature_manifest(
            &s.subject,
            &manifest,
            &s.blobs,
            &trusting(s.key.public_key()),
            &insecure(),
            "t",
        )
        .unwrap();
        assert!(reports.is_empty());
    }
}
