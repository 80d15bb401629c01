//! `Verifier`: trust material + requirements in, a verdict out for any reference.

use std::collections::BTreeMap;

use ocitrust_core::cosign::{verify_signature_manifest, CosignRequirements};
use ocitrust_core::crypto::PublicKey;
use ocitrust_core::oci::Platform;
use ocitrust_core::verdict::Subject;
use ocitrust_core::{Error, ErrorCode, Result, Verdict};
use ocitrust_registry::{discover_in_layout, LayoutReference};

/// The insecure option name recorded in verdicts when the tlog check is skipped.
pub const INSECURE_IGNORE_TLOG: &str = "insecure-ignore-tlog";

/// Verifies cosign key-based signatures on images.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: PublicKey,
    requirements: CosignRequirements,
    platform: Option<Platform>,
}

impl Verifier {
    /// A verifier trusting signatures made with `key`.
    pub fn new(key: PublicKey) -> Self {
        Verifier {
            key,
            requirements: CosignRequirements::default(),
            platform: None,
        }
    }

    /// Requires the annotation `key=value` in the signed payload (`cosign verify -a key=value`).
    pub fn require_annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.requirements.annotations.insert(key.into(), value.into());
        self
    }

    /// Requires every annotation in `annotations`.
    pub fn require_annotations(mut self, annotations: BTreeMap<String, String>) -> Self {
        self.requirements.annotations.extend(annotations);
        self
    }

    /// Resolves an index to the manifest for `platform` and verifies that manifest's signatures.
    pub fn platform(mut self, platform: Option<Platform>) -> Self {
        self.platform = platform;
        self
    }

    /// Accepts signatures without a transparency-log proof. Insecure; recorded in the verdict.
    pub fn insecure_ignore_tlog(mut self, ignore: bool) -> Self {
        self.requirements.insecure_ignore_tlog = ignore;
        self
    }

    /// Verifies `reference` (`oci:PATH[:TAG|@DIGEST]`). The verdict lists every signature examined;
    /// call [`Verdict::require_trusted`] to turn an untrusted verdict into cosign's error.
    pub fn verify(&self, reference: &str) -> Result<Verdict> {
        if !LayoutReference::is_layout_reference(reference) {
            ocitrust_core::Reference::parse(reference)?;
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("{reference}: verifying from a registry is not supported yet; copy the image into an OCI layout (e.g. `cosign save --dir DIR {reference}`) and verify oci:DIR"),
            ));
        }
        let layout_ref = LayoutReference::parse(reference)?;
        let evidence = discover_in_layout(&layout_ref, self.platform.as_ref())?;
        let signatures = match &evidence.signatures {
            Some((manifest, _, location)) => verify_signature_manifest(
                evidence.subject.digest(),
                manifest,
                &evidence.payloads,
                &self.key,
                &self.requirements,
                location,
            )?,
            None => Vec::new(),
        };
        let insecure = if self.requirements.insecure_ignore_tlog {
            vec![INSECURE_IGNORE_TLOG.to_owned()]
        } else {
            Vec::new()
        };
        Ok(Verdict {
            subject: Subject {
                reference: reference.to_owned(),
                digest: evidence.subject.digest().clone(),
                platform: evidence.platform.as_ref().map(ToString::to_string),
                index_digest: evidence.index.as_ref().map(|i| i.digest().clone()),
            },
            trusted: signatures.iter().any(|s| s.verified),
            signatures,
            insecure,
        })
    }
}
