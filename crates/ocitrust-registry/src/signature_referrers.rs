//! The signatures attached to a subject as OCI 1.1 referrers, wherever they are stored (a registry's
//! referrers API or its tag-schema fallback, or an OCI layout's `index.json`): Sigstore bundles
//! (cosign v3) and notation signatures.

use ocitrust_core::cosign::{BUNDLE_SIZE_MAX, BUNDLE_V03_MEDIA_TYPE};
use ocitrust_core::notation::envelope::ENVELOPE_SIZE_MAX;
use ocitrust_core::notation::sign::THUMBPRINT_ANNOTATION;
use ocitrust_core::notation::{
    read_chain_thumbprints, COSE_MEDIA_TYPE, JWS_MEDIA_TYPE, NOTATION_SIGNATURE_ARTIFACT_TYPE,
};
use ocitrust_core::oci::{Manifest, ManifestKind};
use ocitrust_core::{Digest, Error, ErrorCode, Result};

use crate::limits::{BUNDLES_MAX, NOTATION_SIGNATURES_MAX};

/// The signatures attached to one digest as referrers.
#[derive(Debug, Clone, Default)]
pub struct SignatureReferrers {
    /// Sigstore bundles (cosign v3): where each was found, and its bytes (checked against their
    /// digest) or why they could not be had.
    pub bundles: Vec<(String, Result<Vec<u8>>)>,
    /// Notation signatures: where each was found, and its envelope (checked against its digest)
    /// or why it could not be had.
    pub notation_signatures: Vec<(String, Result<FetchedLayer>)>,
}

/// The one layer a referrer carries its signature in: its media type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedLayer {
    /// The digest of the referrer manifest the layer is in.
    pub manifest_digest: Digest,
    /// The layer's media type (for a notation signature: `application/jose+json` or
    /// `application/cose`).
    pub media_type: String,
    /// Its bytes, checked against the layer's digest.
    pub bytes: Vec<u8>,
    /// For a notation signature, the thumbprints of its chain its manifest lists (unsigned: to
    /// look first at signatures a trust store may vouch for).
    pub chain_thumbprints: Vec<String>,
}

/// The layer of a referrer manifest to read: its digest, size, media type, and how many bytes it
/// may have.
#[derive(Debug, Clone)]
pub(crate) struct ReferrerLayer {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
    pub limit: u64,
    pub chain_thumbprints: Vec<String>,
}

/// Sorts the referrers of `subject` (each with its artifact type, the place it is at, and what
/// `fetch` needs to read it) into signatures, each read with `fetch`: given the place, the handle
/// and how to pick its signature layer from its manifest, it returns that layer's bytes. A
/// signature that cannot be had is reported with it; a transport or I/O failure, or the read
/// budget being spent (`budget_is_spent`), ends the search (it says nothing about the signature).
pub(crate) fn collect_signature_referrers<T>(
    subject: &Digest,
    referrers: impl IntoIterator<Item = (Option<String>, String, T)>,
    budget_is_spent: impl Fn() -> bool,
    mut fetch: impl FnMut(&str, T, &dyn Fn(&Manifest) -> Result<ReferrerLayer>) -> Result<FetchedLayer>,
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
    let notation = signatures.len() - bundles;
    if notation > NOTATION_SIGNATURES_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("{notation} notation signatures refer to {subject}, limit is {NOTATION_SIGNATURES_MAX}"),
        ));
    }
    let mut found = SignatureReferrers::default();
    for (kind, place, handle) in signatures {
        let location = kind.location(&place);
        let fetched = match fetch(&place, handle, &|manifest| kind.signature_layer(&place, manifest)) {
            Err(e) if ends_the_search(&e) || budget_is_spent() => return Err(e),
            fetched => fetched,
        };
        match kind {
            SignatureReferrerKind::NotationSignature => found.notation_signatures.push((location, fetched)),
            SignatureReferrerKind::Bundle => found.bundles.push((location, fetched.map(|layer| layer.bytes))),
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

    /// The layer of `manifest` (a referrer of this kind at `place`) that holds the signature.
    fn signature_layer(self, place: &str, manifest: &Manifest) -> Result<ReferrerLayer> {
        match self {
            SignatureReferrerKind::Bundle => {
                let (digest, size) = bundle_layer(place, manifest)?;
                Ok(ReferrerLayer {
                    digest,
                    size,
                    media_type: BUNDLE_V03_MEDIA_TYPE.to_owned(),
                    limit: BUNDLE_SIZE_MAX as u64,
                    chain_thumbprints: Vec::new(),
                })
            }
            SignatureReferrerKind::NotationSignature => notation_envelope_layer(place, manifest),
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

/// The envelope layer of a notation signature manifest found at `place`: its only layer, a JWS or
/// COSE envelope.
fn notation_envelope_layer(place: &str, manifest: &Manifest) -> Result<ReferrerLayer> {
    let invalid = |message: String| Error::new(ErrorCode::InvalidManifest, format!("{place}: {message}"));
    let ManifestKind::Image(image) = manifest.kind() else {
        return Err(invalid("a notation signature must be an image manifest".into()));
    };
    let [layer] = image.layers().as_slice() else {
        return Err(invalid(format!(
            "signature manifest requires exactly one signature envelope blob, got {}",
            image.layers().len()
        )));
    };
    let media_type = layer.media_type().to_string();
    if media_type != JWS_MEDIA_TYPE && media_type != COSE_MEDIA_TYPE {
        return Err(invalid(format!(
            "the signature envelope's media type {media_type:?} is neither {JWS_MEDIA_TYPE} nor {COSE_MEDIA_TYPE}"
        )));
    }
    let chain_thumbprints = image
        .annotations()
        .as_ref()
        .and_then(|annotations| annotations.get(THUMBPRINT_ANNOTATION))
        .map(|listed| read_chain_thumbprints(listed))
        .unwrap_or_default();
    Ok(ReferrerLayer {
        digest: Digest::parse(layer.digest().as_ref())?,
        size: layer.size(),
        media_type,
        limit: ENVELOPE_SIZE_MAX as u64,
        chain_thumbprints,
    })
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
