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

/// Sorts the referrers of `subject` (each with its artifact type, the place it is at, and what
/// `fetch_bundle` needs to read it) into signatures: notation signatures are listed, bundles read
/// with `fetch_bundle`. A bundle that cannot be had is reported with it; a transport or I/O failure,
/// or the read budget being spent (`budget_is_spent`), ends the search (it says nothing about the
/// bundle).
pub(crate) fn collect_signature_referrers<T>(
    subject: &Digest,
    referrers: impl IntoIterator<Item = (Option<String>, String, T)>,
    budget_is_spent: impl Fn() -> bool,
    mut fetch_bundle: impl FnMut(&str, T) -> Result<Vec<u8>>,
) -> Result<SignatureReferrers> {
    let signatures: Vec<(SignatureReferrerKind, String, T)> = referrers
        .into_iter()
        .filter_map(|(artifact_type, place, handle)| {
            SignatureReferrerKind::of(artifact_type.as_deref()).map(|kind| (kind, place, handle))
        })
        .collect();
    let bundles = signatures
        .iter()
        .filter(|(kind, _, _)| *kind == SignatureReferrerKind::Bundle)
        .count();
    if bundles > BUNDLES_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("{bundles} Sigstore bundles refer to {subject}, limit is {BUNDLES_MAX}"),
        ));
    }
    let mut found = SignatureReferrers::default();
    for (kind, place, handle) in signatures {
        let location = kind.location(&place);
        match kind {
            SignatureReferrerKind::NotationSignature => found.notation_signatures.push(location),
            SignatureReferrerKind::Bundle => match fetch_bundle(&place, handle) {
                Err(e) if ends_the_search(&e) || budget_is_spent() => return Err(e),
                fetched => found.bundles.push((location, fetched)),
            },
        }
    }
    Ok(found)
}

/// Whether a failure to read one signature is a failure to read at all (the network, credentials,
/// the disk), which says nothing about that signature and so ends the search.
pub(crate) fn ends_the_search(error: &Error) -> bool {
    matches!(
        error.code(),
        ErrorCode::Network | ErrorCode::Unauthorized | ErrorCode::Io | ErrorCode::Timeout
    )
}

/// What a referrer is, by its artifact type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignatureReferrerKind {
    Bundle,
    NotationSignature,
}

impl SignatureReferrerKind {
    /// The kind of a referrer of `artifact_type`; `None` for anything that is not a signature.
    fn of(artifact_type: Option<&str>) -> Option<Self> {
        match artifact_type? {
            BUNDLE_V03_MEDIA_TYPE => Some(SignatureReferrerKind::Bundle),
            NOTATION_SIGNATURE_ARTIFACT_TYPE => Some(SignatureReferrerKind::NotationSignature),
            _ => None,
        }
    }

    /// How a referrer of this kind at `place` is named in a verdict.
    fn location(self, place: &str) -> String {
        match self {
            SignatureReferrerKind::Bundle => format!("{place} (Sigstore bundle)"),
            SignatureReferrerKind::NotationSignature => format!("{place} (notation signature)"),
        }
    }
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
