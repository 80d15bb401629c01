//! `triangulate`: where the signatures (or attestations, or SBOMs) of an image are stored, or the
//! digest a tag names.

use ocitrust_core::cosign::tag_schema_tag;
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result};
use ocitrust_registry::remote::{RegistryClient, RegistryOptions};
use ocitrust_registry::LayoutReference;

/// The tag-scheme suffix for `kind` as `cosign triangulate --type` names it; `None` for `digest`,
/// which asks for the image itself, pinned.
fn suffix(kind: &str) -> Result<Option<&'static str>> {
    match kind {
        "signature" => Ok(Some("sig")),
        "attestation" => Ok(Some("att")),
        "sbom" => Ok(Some("sbom")),
        "digest" => Ok(None),
        other => Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("invalid type {other:?}: expected signature, attestation, sbom or digest"),
        )),
    }
}

/// `place` (a layout or repository) with the tag-scheme tag of `digest` for `suffix`, or pinned to
/// `digest` when there is no suffix.
fn locate(place: &str, digest: &Digest, suffix: Option<&str>) -> String {
    match suffix {
        Some(suffix) => format!("{place}:{}.{suffix}", tag_schema_tag(digest)),
        None => format!("{place}@{digest}"),
    }
}

/// The location of the cosign `kind` manifest (`signature`, `attestation`, `sbom`) for `reference`:
/// `oci:PATH:sha256-<hex>.sig` for a layout, `registry/repo:sha256-<hex>.sig` for a registry image
/// (a tag is resolved to its digest in the registry; `options.signature_repository` is honoured,
/// as cosign does). Kind `digest` gives the image pinned by digest, `registry/repo@sha256:…`.
pub fn triangulate(reference: &str, kind: &str, options: &RegistryOptions) -> Result<String> {
    triangulate_with(
        || Ok(RegistryClient::new(options.clone())?.bounded_by_options()),
        reference,
        kind,
        options,
    )
}

/// [`triangulate`] with a client made only if a tag must be resolved.
pub(crate) fn triangulate_with(
    client: impl FnOnce() -> Result<RegistryClient>,
    reference: &str,
    kind: &str,
    options: &RegistryOptions,
) -> Result<String> {
    let suffix = suffix(kind)?;
    if LayoutReference::is_layout_reference(reference) {
        let layout_ref = LayoutReference::parse(reference)?;
        let entry = layout_ref.open(Default::default())?.resolve(&layout_ref.selector)?;
        return Ok(locate(&layout_ref.source.to_string(), &entry.digest, suffix));
    }
    let parsed = Reference::parse(reference)?;
    let digest = match parsed.digest() {
        Some(digest) => digest.clone(),
        None => client()?.existing_manifest(&parsed)?.digest().clone(),
    };
    let repository = options.signature_repository_for(&parsed)?;
    Ok(locate(&repository.name(), &digest, suffix))
}
