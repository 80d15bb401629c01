//! The evidence a verifier judges, whatever transport gathered it: the subject, its signatures
//! (tag scheme and referrers), the index it was selected from (with the index's own), and the
//! payload blobs.

use ocitrust_core::cosign::PayloadBlobs;
use ocitrust_core::notation::NotationEnvelope;
use ocitrust_core::oci::{Manifest, ManifestKind};
use ocitrust_core::verdict::Subject;
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use ocitrust_registry::remote::RegistryEvidence;
use ocitrust_registry::{CosignEvidence, SignatureReferrers};

/// A Sigstore bundle: where it was found, and its bytes or why they could not be had.
pub(crate) type BundleEvidence<'a> = (&'a str, Result<&'a [u8]>);
/// A notation signature: where it was found, its envelope or why it could not be had, and the
/// thumbprints of its chain its manifest lists (unsigned; they only order the signatures).
pub(crate) struct NotationEvidence<'a> {
    pub location: &'a str,
    pub envelope: Result<NotationEnvelope<'a>>,
    pub chain_thumbprints: &'a [String],
}

/// Everything one verification judges.
pub(crate) struct Evidence<'a> {
    pub subject: Subject,
    /// The manifest the subject names (a notation payload must name its descriptor).
    pub subject_manifest: &'a Manifest,
    /// The tag-scheme signature manifest of the subject and where it was found.
    pub signatures: Option<(&'a Manifest, &'a str)>,
    pub referrers: ReferrerEvidence<'a>,
    /// The index the subject was selected from, when a platform was.
    pub index: Option<IndexEvidence<'a>>,
    pub payloads: &'a PayloadBlobs,
    /// The registry was reached over plain HTTP or unverified TLS by request.
    pub insecure_transport: bool,
}

/// An index a platform manifest was selected from, with the index's own signatures.
pub(crate) struct IndexEvidence<'a> {
    pub index: &'a Manifest,
    pub signatures: Option<(&'a Manifest, &'a str)>,
    pub referrers: ReferrerEvidence<'a>,
}

/// The signatures attached to one digest as referrers.
#[derive(Default)]
pub(crate) struct ReferrerEvidence<'a> {
    pub bundles: Vec<BundleEvidence<'a>>,
    pub notation_signatures: Vec<NotationEvidence<'a>>,
}

impl<'a> ReferrerEvidence<'a> {
    fn is_empty(&self) -> bool {
        self.bundles.is_empty() && self.notation_signatures.is_empty()
    }

    fn of(found: &'a SignatureReferrers) -> Self {
        ReferrerEvidence {
            bundles: found
                .bundles
                .iter()
                .map(|(location, bytes)| (location.as_str(), bytes.as_deref().map_err(Clone::clone)))
                .collect(),
            notation_signatures: found
                .notation_signatures
                .iter()
                .map(|(location, layer)| NotationEvidence {
                    location,
                    envelope: layer.as_ref().map_err(Clone::clone).map(|layer| NotationEnvelope {
                        media_type: &layer.media_type,
                        bytes: &layer.bytes,
                    }),
                    chain_thumbprints: layer.as_ref().map_or(&[], |layer| &layer.chain_thumbprints),
                })
                .collect(),
        }
    }
}

/// Evidence gathered in two steps: tag-scheme signatures first, referrers on request.
pub(crate) trait Found {
    /// The evidence to judge, labelled with `reference`.
    fn evidence<'a>(&'a self, reference: &str, insecure_transport: bool) -> Evidence<'a>;
}

impl Found for CosignEvidence {
    /// The evidence read from an OCI layout.
    fn evidence<'a>(&'a self, reference: &str, _insecure_transport: bool) -> Evidence<'a> {
        Evidence {
            subject: subject(
                reference,
                self.subject.digest(),
                self.platform.as_ref(),
                self.index.as_ref(),
            ),
            subject_manifest: &self.subject,
            signatures: self.signatures.as_ref().map(|(m, _, location)| (m, location.as_str())),
            referrers: ReferrerEvidence::of(&self.referrers),
            index: self.index.as_ref().map(|index| IndexEvidence {
                index,
                signatures: self
                    .index_signatures
                    .as_ref()
                    .map(|(m, _, location)| (m, location.as_str())),
                referrers: ReferrerEvidence::of(&self.index_referrers),
            }),
            payloads: &self.payloads,
            insecure_transport: false,
        }
    }
}

impl Found for RegistryEvidence {
    /// The evidence fetched from a registry.
    fn evidence<'a>(&'a self, reference: &str, insecure_transport: bool) -> Evidence<'a> {
        Evidence {
            subject: subject(
                reference,
                self.subject.digest(),
                self.platform.as_ref(),
                self.index.as_ref(),
            ),
            subject_manifest: &self.subject,
            signatures: self.signatures.as_ref().map(|(m, location)| (m, location.as_str())),
            referrers: ReferrerEvidence::of(&self.referrers),
            index: self.index.as_ref().map(|index| IndexEvidence {
                index,
                signatures: self
                    .index_signatures
                    .as_ref()
                    .map(|(m, location)| (m, location.as_str())),
                referrers: ReferrerEvidence::of(&self.index_referrers),
            }),
            payloads: &self.payloads,
            insecure_transport,
        }
    }
}

impl Evidence<'_> {
    /// Whether any signature was found among the referrers (of the subject or its index).
    pub fn has_referrers(&self) -> bool {
        !self.referrers.is_empty() || self.index.as_ref().is_some_and(|i| !i.referrers.is_empty())
    }
}

impl IndexEvidence<'_> {
    /// Whether the index lists `digest` among its manifests.
    pub fn lists(&self, digest: &Digest) -> Result<bool> {
        match self.index.kind() {
            ManifestKind::Index(index) => Ok(index.manifests().iter().any(|d| d.digest().as_ref() == digest.as_str())),
            _ => Err(Error::new(
                ErrorCode::Internal,
                format!("{} was used as an index but is an image manifest", self.index.digest()),
            )),
        }
    }
}

fn subject(
    reference: &str,
    digest: &Digest,
    platform: Option<&ocitrust_core::oci::Platform>,
    index: Option<&Manifest>,
) -> Subject {
    Subject {
        reference: reference.to_owned(),
        digest: digest.clone(),
        platform: platform.map(ToString::to_string),
        index_digest: index.map(|i| i.digest().clone()),
    }
}
