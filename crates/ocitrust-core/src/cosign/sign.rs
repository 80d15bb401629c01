//! Key-based signing of an image digest, producing the signature manifest to store.

use std::collections::BTreeMap;

use super::payload::SimpleSigningPayload;
use super::signature_manifest::{append_signature, NewSignatureManifest};
use crate::crypto::SigningKey;
use crate::digest::Digest;
use crate::error::Result;
use crate::oci::Manifest;

/// Signs `subject` under the name `docker_reference` with `annotations`, appending the signature to
/// `existing` (the current signature manifest, if any).
pub fn sign_image(
    key: &SigningKey,
    subject: &Digest,
    docker_reference: &str,
    annotations: &BTreeMap<String, String>,
    existing: Option<&Manifest>,
) -> Result<NewSignatureManifest> {
    let payload = SimpleSigningPayload::new(docker_reference, subject, annotations).to_bytes()?;
    let signature = key.sign(&payload)?;
    append_signature(existing, &payload, &signature)
}
