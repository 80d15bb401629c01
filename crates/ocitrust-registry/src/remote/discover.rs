//! Finding the cosign signatures of an image in a registry: the tag scheme (`sha256-<hex>.sig`),
//! in the image's repository or the one `signature_repository` names (`COSIGN_REPOSITORY`), and, on
//! request, what is attached as OCI 1.1 referrers: Sigstore bundles (cosign v3) and notation
//! signatures.

use ocitrust_core::cosign::{signature_layers, Attachment, PayloadBlobs};
use ocitrust_core::oci::{Manifest, ManifestKind, Platform};
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result};

use super::client::{missing_manifest, RegistryClient};
use crate::signature_referrers::{collect_signature_referrers, ends_the_search, FetchedLayer, SignatureReferrers};

/// Everything the core needs to verify the cosign signatures of one image in a registry.
#[derive(Debug, Clone)]
pub struct RegistryEvidence {
    /// The verified subject, pinned by digest.
    pub resolved: Reference,
    /// The repository signatures are stored in: the subject's, or `COSIGN_REPOSITORY`'s.
    pub signature_repository: Reference,
    /// The manifest whose signatures are checked (a platform manifest when `platform` was given).
    pub subject: Manifest,
    /// The index the subject was chosen from, when a platform was selected.
    pub index: Option<Manifest>,
    /// The platform selected.
    pub platform: Option<Platform>,
    /// The signature manifest and where it was found (`registry/repo:sha256-<hex>.sig`).
    pub signatures: Option<(Manifest, String)>,
    /// The same for the index, when a platform was selected from one.
    pub index_signatures: Option<(Manifest, String)>,
    /// The signatures attached to the subject as referrers; empty until [`discover_referrers`]
    /// looked for them.
    pub referrers: SignatureReferrers,
    /// The same for the index, when a platform was selected from one.
    pub index_referrers: SignatureReferrers,
    /// The payload blobs its layers reference (a blob that could not be had is marked unavailable).
    pub payloads: PayloadBlobs,
}

/// Fetches the subject `reference` names (resolving an index to `platform` if given) and its cosign
/// tag-scheme `attachment` (signatures or attestations). Transport failures are errors; a missing signature manifest means no
/// signatures. Referrers cost a listing more, so they are looked for only on request
/// ([`discover_referrers`]), when the tag scheme did not already settle the question.
pub fn discover_in_registry(
    client: &RegistryClient,
    reference: &Reference,
    platform: Option<&Platform>,
    attachment: Attachment,
) -> Result<RegistryEvidence> {
    let signature_repo = client.options().signature_repository_for(reference)?;
    // By digest (and no index to resolve), the signature tag is known at once: fetch both together.
    let (top, prefetched_signatures) = match (reference.digest(), platform) {
        (Some(digest), None) => {
            let signature_ref = signature_repo.with_tag(&attachment.tag(digest))?;
            let (top, signatures) = client.manifest_pair(reference, &signature_ref);
            (top?, Some(signatures?))
        }
        _ => (client.manifest(reference)?, None),
    };
    let top = top.ok_or_else(|| missing_manifest(reference))?;
    let (subject, index) = match (top.kind(), platform) {
        (ManifestKind::Index(index), Some(platform)) => {
            let chosen = platform.select(index)?;
            let digest = Digest::parse(chosen.digest().as_ref())?;
            let pinned = reference.with_digest(digest.clone());
            let manifest = client.manifest(&pinned)?.ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("{pinned}: the index lists it, the registry does not have it"),
                )
            })?;
            (manifest, Some(top))
        }
        _ => (top, None),
    };
    let resolved = reference.with_digest(subject.digest().clone());
    let mut payloads = PayloadBlobs::default();
    let signatures = signatures_of(
        client,
        &signature_repo,
        attachment,
        subject.digest(),
        prefetched_signatures,
        &mut payloads,
    )?;
    let index_signatures = match &index {
        Some(index) => signatures_of(client, &signature_repo, attachment, index.digest(), None, &mut payloads)?,
        None => None,
    };
    Ok(RegistryEvidence {
        resolved,
        signature_repository: signature_repo,
        subject,
        index,
        platform: platform.cloned(),
        signatures,
        index_signatures,
        referrers: SignatureReferrers::default(),
        index_referrers: SignatureReferrers::default(),
        payloads,
    })
}

/// Adds to `evidence` the signatures referring to its subject and, when a platform was selected,
/// to its index.
pub fn discover_referrers(client: &RegistryClient, evidence: &mut RegistryEvidence) -> Result<()> {
    evidence.referrers = signature_referrers(client, &evidence.signature_repository, evidence.subject.digest())?;
    if let Some(index) = &evidence.index {
        evidence.index_referrers = signature_referrers(client, &evidence.signature_repository, index.digest())?;
    }
    Ok(())
}

/// The signatures referring to `digest` in `repository`, through one referrers listing (the API or
/// its tag-schema fallback). Transport failures are errors; a bundle that cannot be had is reported.
fn signature_referrers(client: &RegistryClient, repository: &Reference, digest: &Digest) -> Result<SignatureReferrers> {
    let (referrers, _) = client.referrers(repository, digest, None)?;
    let listed = referrers.into_iter().map(|r| {
        let pinned = repository.with_digest(r.digest);
        (r.artifact_type, pinned.to_string(), pinned)
    });
    collect_signature_referrers(
        digest,
        listed,
        || client.budget_is_spent(),
        |place, pinned, signature_layer| {
            let manifest = client.manifest(&pinned)?.ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("{place}: listed as a referrer, not in the registry"),
                )
            })?;
            let layer = signature_layer(&manifest)?;
            let bytes = client.blob(
                pinned.registry(),
                pinned.repository(),
                &layer.digest,
                layer.size,
                layer.limit,
            )?;
            Ok(FetchedLayer {
                manifest_digest: manifest.digest().clone(),
                media_type: layer.media_type,
                bytes,
                chain_thumbprints: layer.chain_thumbprints,
            })
        },
    )
}

/// The `attachment` manifest of `digest` at its tag-scheme tag in `repository` (unless already
/// `prefetched`), with its layer blobs added to `payloads`; `None` when the registry has no such
/// tag. Transport failures are errors.
fn signatures_of(
    client: &RegistryClient,
    repository: &Reference,
    attachment: Attachment,
    digest: &Digest,
    prefetched: Option<Option<Manifest>>,
    payloads: &mut PayloadBlobs,
) -> Result<Option<(Manifest, String)>> {
    let signature_ref = repository.with_tag(&attachment.tag(digest))?;
    let fetched = match prefetched {
        Some(manifest) => manifest,
        None => client.manifest(&signature_ref)?,
    };
    let Some(manifest) = fetched else {
        return Ok(None);
    };
    for layer in signature_layers(&manifest)? {
        let fetched = client.blob(
            signature_ref.registry(),
            signature_ref.repository(),
            &layer.digest,
            layer.size,
            attachment.layer_size_max(),
        );
        match fetched {
            Ok(bytes) => payloads.insert(layer.digest, bytes),
            Err(e) if ends_the_search(&e) || client.budget_is_spent() => return Err(e),
            Err(e) => payloads.mark_unavailable(layer.digest, e.message().to_owned()),
        }
    }
    Ok(Some((manifest, signature_ref.to_string())))
}
