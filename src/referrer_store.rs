//! Storing a referrer (a manifest whose `subject` is an image) next to the image: in a registry,
//! pushed by digest to the signature repository and listed by the referrers API or, without one,
//! its tag schema; in an OCI layout, added to `index.json` untagged, as referrers are. Cosign v3
//! bundles and notation signatures are stored this way.

use std::collections::BTreeMap;

use ocitrust_core::cosign::Attachment;
use ocitrust_core::oci::{media_types, Manifest};
use ocitrust_core::{Reference, Result};
use ocitrust_registry::layout::IndexEntry;
use ocitrust_registry::remote::{RegistryClient, RegistryOptions};
use ocitrust_registry::{discover_in_layout, LayoutReference, OciLayout};

use crate::sign::SignOutcome;

/// A referrer to store: the blobs its manifest names, the manifest, and the annotations a
/// layout's index entry for it carries.
pub(crate) struct NewReferrer {
    pub blobs: Vec<Vec<u8>>,
    pub manifest: Vec<u8>,
    pub entry_annotations: BTreeMap<String, String>,
}

/// Stores the referrer `make` makes from the subject manifest `reference` names and the identity
/// to name it by (`identity`, else the image's repository or the layout's path). A layout's
/// writers take turns; a failure leaves it as it was.
pub(crate) fn store_referrer(
    reference: &str,
    registry: &RegistryOptions,
    identity: Option<&str>,
    make: impl FnOnce(&Manifest, &str) -> Result<NewReferrer>,
) -> Result<SignOutcome> {
    if !LayoutReference::is_layout_reference(reference) {
        let parsed = Reference::parse(reference)?;
        let client = RegistryClient::new(registry.clone())?.bounded_by_options();
        let subject = client.existing_manifest(&parsed)?;
        let repository = registry.signature_repository_for(&parsed)?;
        let identity = identity.map_or_else(|| parsed.name(), str::to_owned);
        let new = make(&subject, &identity)?;
        for blob in &new.blobs {
            client.push_blob(repository.registry(), repository.repository(), blob)?;
        }
        let digest = client.push_referrer(&repository, subject.digest(), &new.manifest)?;
        return Ok(SignOutcome {
            subject: subject.digest().clone(),
            signature_manifest: digest.clone(),
            location: repository.with_digest(digest).to_string(),
        });
    }
    let layout_ref = LayoutReference::parse(reference)?;
    let directory = layout_ref.source.writable_directory()?;
    let layout = OciLayout::open(directory)?;
    let mut writer = layout.writer()?;
    let current = OciLayout::open(directory)?;
    let evidence = discover_in_layout(&current, &layout_ref, None, Attachment::Signatures)?;
    let identity = identity.map_or_else(|| directory.display().to_string(), str::to_owned);
    let new = make(&evidence.subject, &identity)?;
    for blob in &new.blobs {
        writer.write_blob(blob)?;
    }
    let digest = writer.write_blob(&new.manifest)?;
    let entry = IndexEntry {
        media_type: media_types::OCI_MANIFEST.to_owned(),
        digest: digest.clone(),
        size: new.manifest.len() as u64,
        annotations: new.entry_annotations,
    };
    writer.put_entry(&entry, |e| e.digest == digest)?;
    Ok(SignOutcome {
        subject: evidence.subject.digest().clone(),
        signature_manifest: digest.clone(),
        location: layout_ref.pinned(&digest),
    })
}
