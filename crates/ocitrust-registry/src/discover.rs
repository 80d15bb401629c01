//! Finding what is attached to a subject in a layout: the cosign signature manifest, either at tag
//! `sha256-<hex>.sig` or, in a `cosign save` layout, the entry of kind `dev.cosignproject.cosign/sigs`;
//! and, on request, the signatures kept as referrers (Sigstore bundles, notation signatures).

use ocitrust_core::cosign::{signature_layers, Attachment, PayloadBlobs};
use ocitrust_core::oci::{Manifest, ManifestKind, Platform};
use ocitrust_core::{Digest, Result};

use crate::layout::{IndexEntry, LayoutReference, OciLayout, COSIGN_KIND_IMAGE, COSIGN_KIND_IMAGE_INDEX};
use crate::signature_referrers::{collect_signature_referrers, FetchedLayer, SignatureReferrers};

/// Where a signature (or attestation) manifest was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureSource {
    /// At a tag-scheme tag (`sha256-<hex>.sig`, `.att`).
    Tag(String),
    /// As the `dev.cosignproject.cosign/sigs` (`atts`) entry of a `cosign save` layout.
    CosignSaveLayout,
}

/// Everything the core needs to verify the cosign signatures of one subject.
#[derive(Debug, Clone)]
pub struct CosignEvidence {
    /// The `index.json` entry the reference named (the index itself when a platform was selected).
    pub entry: IndexEntry,
    /// The manifest whose signatures are checked (a platform manifest when `platform` was given).
    pub subject: Manifest,
    /// The index the subject was chosen from, when a platform was selected.
    pub index: Option<Manifest>,
    /// The platform selected.
    pub platform: Option<Platform>,
    /// The signature manifest, where it was found, and a human-readable location.
    pub signatures: Option<(Manifest, SignatureSource, String)>,
    /// The same for the index, when a platform was selected from one.
    pub index_signatures: Option<(Manifest, SignatureSource, String)>,
    /// The payload blobs its layers reference.
    pub payloads: PayloadBlobs,
    /// The signatures kept in the layout as referrers of the subject; empty until
    /// [`discover_layout_referrers`] looked for them.
    pub referrers: SignatureReferrers,
    /// The same for the index, when a platform was selected from one.
    pub index_referrers: SignatureReferrers,
}

/// Reads the subject named by `reference` (resolving an index to `platform` if given) and its cosign
/// `attachment` (signatures or attestations) from `layout` (the one `reference` names, opened once
/// for the whole verification, so every step sees the same `index.json` and reads count against its
/// budget). Every manifest and blob is checked against its digest.
pub fn discover_in_layout(
    layout: &OciLayout,
    reference: &LayoutReference,
    platform: Option<&Platform>,
    attachment: Attachment,
) -> Result<CosignEvidence> {
    let entry = layout.resolve(&reference.selector)?;
    let top = layout.read_manifest(&entry.digest)?;
    let (subject, index) = match (top.kind(), platform) {
        (ManifestKind::Index(index), Some(platform)) => {
            let chosen = platform.select(index)?;
            let digest = Digest::parse(chosen.digest().as_ref())?;
            (layout.read_manifest(&digest)?, Some(top))
        }
        _ => (top, None),
    };
    let entries = layout.entries();
    let mut payloads = PayloadBlobs::default();
    // In a `cosign save` layout the `sigs` entry belongs to the saved image or index itself.
    let saved_kind = entry.cosign_kind();
    let signatures = signatures_of(
        layout,
        entries,
        attachment,
        subject.digest(),
        index.is_none() && matches!(saved_kind, Some(COSIGN_KIND_IMAGE | COSIGN_KIND_IMAGE_INDEX)),
        reference,
        &mut payloads,
    )?;
    let index_signatures = match &index {
        Some(index) => signatures_of(
            layout,
            entries,
            attachment,
            index.digest(),
            saved_kind == Some(COSIGN_KIND_IMAGE_INDEX),
            reference,
            &mut payloads,
        )?,
        None => None,
    };
    Ok(CosignEvidence {
        entry,
        subject,
        index,
        platform: platform.cloned(),
        signatures,
        index_signatures,
        payloads,
        referrers: SignatureReferrers::default(),
        index_referrers: SignatureReferrers::default(),
    })
}

/// Adds to `evidence` the signatures the layout keeps as referrers of its subject and, when a
/// platform was selected, of its index. Reading them costs a read of every image manifest listed,
/// so it is done only on request, when the tag-scheme signatures did not settle the question.
pub fn discover_layout_referrers(
    layout: &OciLayout,
    reference: &LayoutReference,
    evidence: &mut CosignEvidence,
) -> Result<()> {
    let manifests = layout.referrer_manifests()?;
    evidence.referrers = signature_referrers(layout, &manifests, evidence.subject.digest(), reference)?;
    if let Some(index) = &evidence.index {
        evidence.index_referrers = signature_referrers(layout, &manifests, index.digest(), reference)?;
    }
    Ok(())
}

/// The signatures among `manifests` (the layout's referrers) that refer to `digest`.
fn signature_referrers(
    layout: &OciLayout,
    manifests: &[Manifest],
    digest: &Digest,
    reference: &LayoutReference,
) -> Result<SignatureReferrers> {
    let referring = manifests
        .iter()
        .filter(|m| m.subject() == Some(digest.as_str()))
        .map(|m| {
            let place = format!("{}@{}", reference.source.path_shown(), m.digest());
            (m.artifact_type(), place, m)
        });
    collect_signature_referrers(
        digest,
        referring,
        || layout.budget().is_spent(),
        |_, manifest, signature_layer| {
            let layer = signature_layer(manifest)?;
            let bytes = layout.read_blob(&layer.digest, layer.size.min(layer.limit))?;
            Ok(FetchedLayer {
                manifest_digest: manifest.digest().clone(),
                media_type: layer.media_type,
                bytes,
                chain_thumbprints: layer.chain_thumbprints,
            })
        },
    )
}

/// The `attachment` manifest of `digest` (at its tag-scheme tag, or the `cosign save` entry of its
/// kind when `cosign_save_entry` says it belongs to `digest`), with its layer blobs added to
/// `payloads`.
fn signatures_of(
    layout: &OciLayout,
    entries: &[IndexEntry],
    attachment: Attachment,
    digest: &Digest,
    cosign_save_entry: bool,
    reference: &LayoutReference,
    payloads: &mut PayloadBlobs,
) -> Result<Option<(Manifest, SignatureSource, String)>> {
    let by_tag = attachment.tag(digest);
    let found = entries
        .iter()
        .find(|e| e.tag() == Some(by_tag.as_str()))
        .map(|e| (e, SignatureSource::Tag(by_tag.clone())))
        .or_else(|| {
            entries
                .iter()
                .find(|e| cosign_save_entry && e.cosign_kind() == Some(attachment.cosign_save_kind()))
                .map(|e| (e, SignatureSource::CosignSaveLayout))
        });
    let Some((sig_entry, source)) = found else {
        return Ok(None);
    };
    let manifest = layout.read_manifest(&sig_entry.digest)?;
    for layer in signature_layers(&manifest)? {
        match layout.read_blob(&layer.digest, attachment.layer_size_max().min(layer.size.max(1))) {
            Ok(bytes) => payloads.insert(layer.digest, bytes),
            // Past the budget nothing more can be read: the verification ends here.
            Err(e) if layout.budget().is_spent() => return Err(e),
            Err(e) => payloads.mark_unavailable(layer.digest, e.message().to_owned()),
        }
    }
    let location = match &source {
        SignatureSource::Tag(tag) => format!("{}:{tag}", reference.source.path_shown()),
        SignatureSource::CosignSaveLayout => format!(
            "{} (cosign save {} {})",
            reference.source.path_shown(),
            match attachment {
                Attachment::Signatures => "signatures",
                Attachment::Attestations => "attestations",
            },
            sig_entry.digest
        ),
    };
    Ok(Some((manifest, source, location)))
}
