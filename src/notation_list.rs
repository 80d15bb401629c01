//! The notation signatures attached to an image, as `notation ls` and `notation inspect` list them:
//! each signature manifest's digest and its envelope, from a registry (referrers API or tag
//! schema) or an OCI layout. Nothing here is verified; the envelopes are only the bytes found.

use ocitrust_core::cosign::Attachment;
use ocitrust_core::{Digest, Reference, Result};
use ocitrust_registry::remote::{discover_in_registry, discover_referrers, RegistryClient, RegistryOptions};
use ocitrust_registry::{discover_in_layout, discover_layout_referrers, FetchedLayer, LayoutReference};

/// The notation signatures of one image.
#[derive(Debug)]
pub struct NotationSignatures {
    /// The image's digest (a tag resolved).
    pub subject: Digest,
    /// Each signature: where it was found, and its envelope or why it could not be read.
    pub signatures: Vec<(String, Result<FetchedLayer>)>,
}

/// The notation signatures of the image `reference` names (`registry/repo[:tag|@digest]` or
/// `oci:PATH[:TAG|@DIGEST]`).
pub fn notation_signatures(reference: &str, registry: &RegistryOptions) -> Result<NotationSignatures> {
    if LayoutReference::is_layout_reference(reference) {
        let layout_ref = LayoutReference::parse(reference)?;
        let layout = layout_ref.open(Default::default())?;
        let mut found = discover_in_layout(&layout, &layout_ref, None, Attachment::Signatures)?;
        discover_layout_referrers(&layout, &layout_ref, &mut found)?;
        return Ok(NotationSignatures {
            subject: found.subject.digest().clone(),
            signatures: found.referrers.notation_signatures,
        });
    }
    let parsed = Reference::parse(reference)?;
    let client = RegistryClient::new(registry.clone())?.bounded_by_options();
    let mut found = discover_in_registry(&client, &parsed, None, Attachment::Signatures)?;
    discover_referrers(&client, &mut found)?;
    Ok(NotationSignatures {
        subject: found.subject.digest().clone(),
        signatures: found.referrers.notation_signatures,
    })
}
