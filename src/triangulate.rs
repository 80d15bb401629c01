//! `triangulate`: where the signatures of an image are stored.

use ocitrust_core::cosign::signature_tag;
use ocitrust_core::{Error, ErrorCode, Reference, Result};
use ocitrust_registry::{LayoutReference, OciLayout};

/// The location of the cosign signature manifest for `reference`: `oci:PATH:sha256-<hex>.sig` for a
/// layout, `registry/repo:sha256-<hex>.sig` for a registry reference pinned by digest.
pub fn triangulate(reference: &str) -> Result<String> {
    if LayoutReference::is_layout_reference(reference) {
        let layout_ref = LayoutReference::parse(reference)?;
        let entry = OciLayout::open(&layout_ref.path)?.resolve(&layout_ref.selector)?;
        return Ok(format!(
            "oci:{}:{}",
            layout_ref.path.display(),
            signature_tag(&entry.digest)
        ));
    }
    let parsed = Reference::parse(reference)?;
    match parsed.digest() {
        Some(digest) => Ok(format!("{}:{}", parsed.name(), signature_tag(digest))),
        None => Err(Error::new(
            ErrorCode::Unsupported,
            format!("{reference}: resolving a tag needs a registry, which is not supported yet; pass the reference by digest (@sha256:…)"),
        )),
    }
}
