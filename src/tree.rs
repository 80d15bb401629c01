//! `tree`: everything attached to an image in a registry — cosign's tag-scheme signatures,
//! attestations and SBOMs, and OCI 1.1 referrers (Sigstore bundles, notation signatures, …).

use ocitrust_core::cosign::tag_schema_tag;
use ocitrust_core::oci::ManifestKind;
use ocitrust_core::{Digest, Error, ErrorCode, Reference, Result};
use ocitrust_registry::remote::{Referrer, ReferrersSource, RegistryClient, RegistryOptions};

/// The cosign tag-scheme suffixes and what they hold.
const TAG_SCHEME: [(&str, &str); 3] = [("sig", "signatures"), ("att", "attestations"), ("sbom", "sboms")];

/// One tag-scheme artifact: `sha256-<hex>.sig`, `.att` or `.sbom`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagArtifact {
    /// `signatures`, `attestations` or `sboms`.
    pub kind: &'static str,
    /// Where it is, `registry/repo:sha256-<hex>.<suffix>`.
    pub reference: String,
    /// The digests of its layers (one per signature, attestation or SBOM).
    pub layers: Vec<Digest>,
}

/// What is attached to one image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attached {
    /// The image's digest (a tag is resolved).
    pub subject: Digest,
    /// The tag-scheme artifacts present.
    pub tag_scheme: Vec<TagArtifact>,
    /// The referrers.
    pub referrers: Vec<Referrer>,
    /// Whether the referrers came from the API or its tag-schema fallback.
    pub referrers_source: ReferrersSource,
}

impl Attached {
    /// As pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding the tree: {e}")))
    }
}

/// Lists what is attached to the image `reference` names in its registry (signatures looked for in
/// `options.signature_repository` when set).
pub fn tree(reference: &str, options: &RegistryOptions) -> Result<Attached> {
    tree_with(&RegistryClient::new(options.clone())?.bounded_by_options(), reference)
}

/// [`tree`] through an existing client (its options apply).
pub(crate) fn tree_with(client: &RegistryClient, reference: &str) -> Result<Attached> {
    let options = client.options();
    if ocitrust_registry::LayoutReference::is_layout_reference(reference) {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!("{reference}: tree reads registries; for a layout, its index.json lists every tag"),
        ));
    }
    let parsed = Reference::parse(reference)?;
    let subject = client.existing_manifest(&parsed)?;
    let digest = subject.digest().clone();
    let attached_repo = options.signature_repository_for(&parsed)?;
    let mut tag_scheme = Vec::new();
    for (suffix, kind) in TAG_SCHEME {
        let tagged = attached_repo.with_tag(&format!("{}.{suffix}", tag_schema_tag(&digest)))?;
        if let Some(manifest) = client.manifest(&tagged)? {
            let layers = match manifest.kind() {
                ManifestKind::Image(image) => image
                    .layers()
                    .iter()
                    .map(|l| Digest::parse(l.digest().as_ref()))
                    .collect::<Result<Vec<_>>>()?,
                _ => Vec::new(),
            };
            tag_scheme.push(TagArtifact {
                kind,
                reference: tagged.to_string(),
                layers,
            });
        }
    }
    let (referrers, referrers_source) = client.referrers(&parsed, &digest, None)?;
    Ok(Attached {
        subject: digest,
        tag_scheme,
        referrers,
        referrers_source,
    })
}
