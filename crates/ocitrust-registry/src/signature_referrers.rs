//! The signatures attached to a subject as OCI 1.1 referrers, wherever they are stored (a registry's
//! referrers API or its tag-schema fallback, or an OCI layout's `index.json`): Sigstore bundles
//! (cosign v3) and notation signatures.

use ocitrust_core::cosign::BUNDLE_V03_MEDIA_TYPE;
use ocitrust_core::notation::NOTATION_SIGNATURE_ARTIFACT_TYPE;
use ocitrust_core::oci::{Manifest, ManifestKind};
use ocitrust_core::{Digest, Error, ErrorCode, Result};

use crate::limits::BUNDLES_MAX;

/// The signatures attached to one digest as referrers.
#[derive(Debug, Clone, Default)]
pub struct SignatureReferrers {
    /// Sigstore bundles (cosign v3): where each was found, and its bytes (checked against their
    /// digest) or why they could not be had.
    pub bundles: Vec<(String, Result<Vec<u8>>)>,
    /// Where each notation signature manifest is; listed, not read, since they are not verified yet.
    pub notation_signatures: Vec<String>,
}

impl SignatureReferrers {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty() && self.notation_signatures.is_empty()
    }
}

/// What a referrer is, by its artifact type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureReferrerKind {
    Bundle,
    NotationSignature,
}

impl SignatureReferrerKind {
    /// The kind of a referrer of `artifact_type`; `None` for anything that is not a signature.
    pub(crate) fn of(artifact_type: Option<&str>) -> Option<Self> {
        match artifact_type? {
            BUNDLE_V03_MEDIA_TYPE => Some(SignatureReferrerKind::Bundle),
            NOTATION_SIGNATURE_ARTIFACT_TYPE => Some(SignatureReferrerKind::NotationSignature),
            _ => None,
        }
    }

    /// How a referrer of this kind at `place` is named in a verdict.
    pub(crate) fn location(self, place: &str) -> String {
        match self {
            SignatureReferrerKind::Bundle => format!("{place} (Sigstore bundle)"),
            SignatureReferrerKind::NotationSignature => format!("{place} (notation signature)"),
        }
    }
}

/// More than BUNDLES_MAX bundles referring to one subject is an error.
pub(crate) fn check_bundle_count(count: usize, subject: &Digest) -> Result<()> {
    if count > BUNDLES_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("{count} Sigstore bundles refer to {subject}, limit is {BUNDLES_MAX}"),
        ));
    }
    Ok(())
}

/// The digest and size of the bundle layer of a cosign v3 referrer manifest found at `place` (its
/// one layer of the bundle media type).
pub(crate) fn bundle_layer(place: &str, manifest: &Manifest) -> Result<(Digest, u64)> {
    let ManifestKind::Image(image) = manifest.kind() else {
        return Err(Error::new(
            ErrorCode::InvalidManifest,
            format!("{place}: a bundle referrer must be an image manifest"),
        ));
    };
    let layer = image
        .layers()
        .iter()
        .find(|l| l.media_type().to_string() == BUNDLE_V03_MEDIA_TYPE)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidManifest,
                format!("{place}: no layer of type {BUNDLE_V03_MEDIA_TYPE}"),
            )
        })?;
    Ok((Digest::parse(layer.digest().as_ref())?, layer.size()))
}
