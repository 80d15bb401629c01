//! Signing and attesting an image with a key, storing the signature (or attestation) as cosign
//! does: in an OCI layout, or in a registry at the tag-scheme tag `sha256-<hex>.sig` (`.att`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use ocitrust_core::cosign::{
    attest_image, attest_image_bundle, sign_image, Attachment, AttestRequest, NewSignatureManifest, ReferrerSubject,
};
use ocitrust_core::crypto::SigningKey;
use ocitrust_core::oci::media_types;
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result};
use ocitrust_registry::layout::{
    IndexEntry, COSIGN_KIND_ANNOTATION, COSIGN_KIND_IMAGE, COSIGN_KIND_IMAGE_INDEX, REF_NAME_ANNOTATION,
};
use ocitrust_registry::remote::{RegistryClient, RegistryOptions};
use ocitrust_registry::{discover_in_layout, LayoutReference, OciLayout, SignatureSource};

use crate::referrer_store::{store_referrer, NewReferrer};

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

/// What to attest (`cosign attest --key … --tlog-upload=false`).
#[derive(Debug, Clone, Default)]
pub struct AttestOptions {
    /// The predicate type (`--type`): an alias (`cyclonedx`, `spdxjson`, `slsaprovenance1`,
    /// `custom`, …) or a URI.
    pub predicate_type: String,
    /// The predicate file's bytes (`--predicate`).
    pub predicate: Vec<u8>,
    /// Replace the image's attestations of the same predicate type (`--replace`; tag scheme only).
    pub replace: bool,
    /// Write a Sigstore bundle referrer, as cosign v3 does (`--new-bundle-format`), instead of a
    /// layer of the `.att` manifest.
    pub new_bundle_format: bool,
    /// The statement subject's name; defaults to the layout path or the image's repository.
    pub identity: Option<String>,
    /// How to reach the registry, when attesting an image in one.
    pub registry: RegistryOptions,
}

/// What `sign` (or `attest`) wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutcome {
    /// The digest that was signed.
    pub subject: Digest,
    /// The digest of the new signature (or attestation) manifest.
    pub signature_manifest: Digest,
    /// Where it is stored (`oci:PATH:sha256-<hex>.sig`, or the cosign-save `sigs` entry).
    pub location: String,
}

/// Signs the image `reference` names with `key`, in a registry or an OCI layout (see [`attach`]).
pub fn sign(reference: &str, key: &SigningKey, options: &SignOptions) -> Result<SignOutcome> {
    attach(
        reference,
        Attachment::Signatures,
        options.identity.as_deref(),
        &options.registry,
        |subject, identity, existing| sign_image(key, subject, identity, &options.annotations, existing),
    )
}

/// Attests the image `reference` names with `key`, as `cosign attest --key --tlog-upload=false`
/// does (see [`attach`]): the predicate in an in-toto statement about the image's digest, signed
/// in a DSSE envelope, added to its `.att` manifest. Nothing is written when the predicate is not
/// what its type needs.
pub fn attest(reference: &str, key: &SigningKey, options: &AttestOptions) -> Result<SignOutcome> {
    let request = AttestRequest {
        predicate_type: &options.predicate_type,
        predicate: &options.predicate,
        replace: options.replace,
        time: SystemTime::now(),
    };
    if options.new_bundle_format {
        if options.replace {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "--replace applies to the .att tag scheme; a bundle referrer is added beside the others",
            ));
        }
        return attest_as_referrer(reference, key, &request, options);
    }
    attach(
        reference,
        Attachment::Attestations,
        options.identity.as_deref(),
        &options.registry,
        |subject, identity, existing| attest_image(key, subject, identity, &request, existing),
    )
}

/// Attests as a Sigstore bundle referrer of the image (cosign v3), stored as referrers are
/// ([`store_referrer`]).
fn attest_as_referrer(
    reference: &str,
    key: &SigningKey,
    request: &AttestRequest<'_>,
    options: &AttestOptions,
) -> Result<SignOutcome> {
    store_referrer(
        reference,
        &options.registry,
        options.identity.as_deref(),
        |subject, identity| {
            let referrer = ReferrerSubject {
                media_type: subject.media_type(),
                digest: subject.digest(),
                size: subject.bytes().len() as u64,
            };
            let new = attest_image_bundle(key, referrer, identity, request)?;
            Ok(NewReferrer {
                blobs: vec![new.config, new.bundle],
                manifest: new.manifest,
                entry_annotations: BTreeMap::new(),
            })
        },
    )
}

/// Adds what `make` makes (from the subject's digest, the identity to name it by and the current
/// manifest of `attachment`) to the image `reference` names: in a registry ([`attach_in_registry`]),
/// or in an OCI layout (`oci:PATH[:TAG|@DIGEST]`), where the new manifest replaces the old one: in a
/// layout written by `cosign save` its `sigs` (`atts`) entry, so `cosign load` pushes it; otherwise
/// the tag `sha256-<hex>.sig` (`.att`). Writers of one layout take turns (a lock on its
/// directory); a failure leaves the layout as it was.
fn attach(
    reference: &str,
    attachment: Attachment,
    identity: Option<&str>,
    registry: &RegistryOptions,
    make: impl FnOnce(&Digest, &str, Option<&ocitrust_core::oci::Manifest>) -> Result<NewSignatureManifest>,
) -> Result<SignOutcome> {
    if !LayoutReference::is_layout_reference(reference) {
        return attach_in_registry(reference, attachment, identity, registry, make);
    }
    let layout_ref = LayoutReference::parse(reference)?;
    let directory = layout_ref.source.writable_directory()?;
    let layout = OciLayout::open(directory)?;
    // Locked from reading the old signatures to writing the new index: a concurrent signer waits,
    // then appends to what this one wrote. So the layout is read again once the lock is held.
    let mut writer = layout.writer()?;
    let current = OciLayout::open(directory)?;
    let evidence = discover_in_layout(&current, &layout_ref, None, attachment)?;
    let subject_entry = &evidence.entry;
    let subject = evidence.subject.digest().clone();
    let identity = identity.map_or_else(|| directory.display().to_string(), str::to_owned);
    let existing = evidence.signatures.as_ref().map(|(m, _, _)| m);
    let new = make(&subject, &identity, existing)?;

    writer.write_blob(&new.payload)?;
    writer.write_blob(&new.config)?;
    let manifest_digest = writer.write_blob(&new.manifest)?;
    let cosign_save = matches!(
        subject_entry.cosign_kind(),
        Some(COSIGN_KIND_IMAGE | COSIGN_KIND_IMAGE_INDEX)
    ) && !matches!(evidence.signatures, Some((_, SignatureSource::Tag(_), _)));
    let tag = attachment.tag(&subject);
    let (annotation, location) = if cosign_save {
        (
            (COSIGN_KIND_ANNOTATION, attachment.cosign_save_kind()),
            format!(
                "{} (cosign save {} {manifest_digest})",
                directory.display(),
                match attachment {
                    Attachment::Signatures => "signatures",
                    Attachment::Attestations => "attestations",
                }
            ),
        )
    } else {
        (
            (REF_NAME_ANNOTATION, tag.as_str()),
            format!("{}:{tag}", layout_ref.source),
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

/// Adds to the image `reference` names in its registry: a layer more in its `attachment` manifest at
/// `sha256-<hex>.sig` (`.att`; in `registry.signature_repository` if set), uploading the blobs
/// first and the manifest last, so a failure leaves the old manifest in place.
fn attach_in_registry(
    reference: &str,
    attachment: Attachment,
    identity: Option<&str>,
    registry: &RegistryOptions,
    make: impl FnOnce(&Digest, &str, Option<&ocitrust_core::oci::Manifest>) -> Result<NewSignatureManifest>,
) -> Result<SignOutcome> {
    let parsed = Reference::parse(reference)?;
    let client = RegistryClient::new(registry.clone())?.bounded_by_options();
    let subject = client.existing_manifest(&parsed)?;
    let subject_digest = subject.digest().clone();
    let signature_repo = registry.signature_repository_for(&parsed)?;
    let signature_ref = signature_repo.with_tag(&attachment.tag(&subject_digest))?;
    let existing = client.manifest(&signature_ref)?;
    let identity = identity.map_or_else(|| parsed.name(), str::to_owned);
    let new = make(&subject_digest, &identity, existing.as_ref())?;
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
