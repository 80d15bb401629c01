//! Signing an image with a key, storing the signature as cosign does: in an OCI layout, or in a
//! registry at the tag-scheme tag `sha256-<hex>.sig`.

use std::collections::BTreeMap;

use ocitrust_core::cosign::{sign_image, Attachment};
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::oci::media_types;
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result};
use ocitrust_registry::layout::{
    IndexEntry, COSIGN_KIND_ANNOTATION, COSIGN_KIND_IMAGE, COSIGN_KIND_IMAGE_INDEX, COSIGN_KIND_SIGNATURES,
    REF_NAME_ANNOTATION,
};
use ocitrust_registry::remote::{RegistryClient, RegistryOptions};
use ocitrust_registry::{discover_in_layout, LayoutReference, OciLayout, SignatureSource};

/// What to put in the signed payload.
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// Annotations (`-a key=value`), stored in the payload's `optional`.
    pub annotations: BTreeMap<String, String>,
    /// `critical.identity.docker-reference`; defaults to the layout path or the image's repository.
    pub identity: Option<String>,
    /// How to reach the registry, when signing an image in one.
    pub registry: RegistryOptions,
}

/// What `sign` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutcome {
    /// The digest that was signed.
    pub subject: Digest,
    /// The digest of the new signature manifest.
    pub signature_manifest: Digest,
    /// Where it is stored (`oci:PATH:sha256-<hex>.sig`, or the cosign-save `sigs` entry).
    pub location: String,
}

/// Signs the image `reference` names (`oci:PATH[:TAG|@DIGEST]`) with `key`: appends a layer to its
/// signature manifest (creating it if absent) and points the layout at the new manifest. In a layout
/// written by `cosign save` the `sigs` entry is replaced, so `cosign load` pushes the signature;
/// otherwise the tag `sha256-<hex>.sig` is set. Signers of one layout take turns (a lock on its
/// directory); a failed signing leaves the layout as it was.
pub fn sign(reference: &str, key: &SigningKey, options: &SignOptions) -> Result<SignOutcome> {
    if !LayoutReference::is_layout_reference(reference) {
        return sign_in_registry(reference, key, options);
    }
    let layout_ref = LayoutReference::parse(reference)?;
    let layout = OciLayout::open(&layout_ref.path)?;
    // Locked from reading the old signatures to writing the new index: a concurrent signer waits,
    // then appends to what this one wrote. So the layout is read again once the lock is held.
    let mut writer = layout.writer()?;
    let current = OciLayout::open(&layout_ref.path)?;
    let evidence = discover_in_layout(&current, &layout_ref, None, Attachment::Signatures)?;
    let subject_entry = &evidence.entry;
    let subject = evidence.subject.digest().clone();
    let identity = options
        .identity
        .clone()
        .unwrap_or_else(|| layout_ref.path.display().to_string());
    let existing = evidence.signatures.as_ref().map(|(m, _, _)| m);
    let new = sign_image(key, &subject, &identity, &options.annotations, existing)?;

    writer.write_blob(&new.payload)?;
    writer.write_blob(&new.config)?;
    let manifest_digest = writer.write_blob(&new.manifest)?;
    let cosign_save = matches!(
        subject_entry.cosign_kind(),
        Some(COSIGN_KIND_IMAGE | COSIGN_KIND_IMAGE_INDEX)
    ) && !matches!(evidence.signatures, Some((_, SignatureSource::Tag(_), _)));
    let tag = Attachment::Signatures.tag(&subject);
    let (annotation, location) = if cosign_save {
        (
            (COSIGN_KIND_ANNOTATION, COSIGN_KIND_SIGNATURES),
            format!(
                "{} (cosign save signatures {manifest_digest})",
                layout_ref.path.display()
            ),
        )
    } else {
        (
            (REF_NAME_ANNOTATION, tag.as_str()),
            format!("oci:{}:{tag}", layout_ref.path.display()),
        )
    };
    let entry = IndexEntry {
        media_type: media_types::OCI_MANIFEST.to_owned(),
        digest: manifest_digest.clone(),
        size: new.manifest.len() as u64,
        annotations: BTreeMap::from([(annotation.0.to_owned(), annotation.1.to_owned())]),
    };
    writer.put_entry(&entry, |e| {
        e.annotations.get(annotation.0).map(String::as_str) == Some(annotation.1)
    })?;
    Ok(SignOutcome {
        subject,
        signature_manifest: manifest_digest,
        location,
    })
}

/// Signs the image `reference` names in its registry: appends a layer to its signature manifest at
/// `sha256-<hex>.sig` (in `registry.signature_repository` if set), uploading the payload and config
/// blobs first and the manifest last, so a failure leaves the old signatures in place.
fn sign_in_registry(reference: &str, key: &SigningKey, options: &SignOptions) -> Result<SignOutcome> {
    let parsed = Reference::parse(reference)?;
    let client = RegistryClient::new(options.registry.clone())?.bounded_by_options();
    let subject = client.manifest(&parsed)?.ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            format!("{reference}: no such manifest in the registry"),
        )
    })?;
    let subject_digest = subject.digest().clone();
    let signature_repo = match &options.registry.signature_repository {
        Some(repo) => Reference::parse(repo).map_err(|e| e.context("signature repository (COSIGN_REPOSITORY)"))?,
        None => parsed.clone(),
    };
    let signature_ref = signature_repo.with_tag(&Attachment::Signatures.tag(&subject_digest))?;
    let existing = client.manifest(&signature_ref)?;
    let identity = options.identity.clone().unwrap_or_else(|| parsed.name());
    let new = sign_image(key, &subject_digest, &identity, &options.annotations, existing.as_ref())?;
    let (registry, repository) = (signature_ref.registry(), signature_ref.repository());
    client.push_blob(registry, repository, &new.payload)?;
    client.push_blob(registry, repository, &new.config)?;
    let manifest_digest = client.push_manifest(&signature_ref, media_types::OCI_MANIFEST, &new.manifest)?;
    Ok(SignOutcome {
        subject: subject_digest,
        signature_manifest: manifest_digest,
        location: signature_ref.to_string(),
    })
}
