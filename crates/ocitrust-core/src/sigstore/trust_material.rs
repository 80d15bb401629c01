//! Where a trusted root came from, as verdicts name it: the root compiled into ocitrust, a file the
//! user named, or a TUF repository (with the versions of its metadata that vouched for it), and the
//! SHA-256 of its `trusted_root.json`, so two verdicts can be compared byte for byte.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// Where a trusted root came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustMaterialSource {
    /// The public-good root compiled into this build.
    Embedded,
    /// A `trusted_root.json` document handed over (a file, bytes through the C ABI).
    Document,
    /// Assembled from a trust policy's Fulcio CAs and Rekor keys.
    PolicyParts,
    /// The `trusted_root.json` target of a TUF repository, verified by the TUF client.
    Tuf,
}

/// The versions of a TUF repository's top-level metadata that vouched for a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TufVersions {
    /// `root.json`.
    pub root: u64,
    /// `timestamp.json`.
    pub timestamp: u64,
    /// `snapshot.json`.
    pub snapshot: u64,
    /// `targets.json`.
    pub targets: u64,
}

/// Where a trusted root came from, and what it was.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrustMaterial {
    /// Its kind of source.
    pub source: TrustMaterialSource,
    /// The file's path, or the TUF mirror's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// For a TUF target: the metadata versions that vouched for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuf: Option<TufVersions>,
    /// The SHA-256 of the `trusted_root.json` bytes (or of the parts it was assembled from).
    pub sha256: Digest,
}

impl TrustMaterial {
    /// Material of `source` whose bytes hash to `sha256`, with no location.
    pub fn new(source: TrustMaterialSource, sha256: Digest) -> Self {
        TrustMaterial {
            source,
            location: None,
            tuf: None,
            sha256,
        }
    }

    /// The same, found at `location`.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// One line for a person: `tuf https://… (root v15, timestamp v2001, snapshot v201, targets v20) sha256:…`.
    pub fn describe(&self) -> String {
        let source = match self.source {
            TrustMaterialSource::Embedded => "the embedded public-good root",
            TrustMaterialSource::Document => "trusted root",
            TrustMaterialSource::PolicyParts => "the trust policy's Fulcio CAs and Rekor keys",
            TrustMaterialSource::Tuf => "TUF",
        };
        let mut text = source.to_owned();
        if let Some(location) = &self.location {
            text.push_str(&format!(" {location}"));
        }
        if let Some(v) = &self.tuf {
            text.push_str(&format!(
                " (root v{}, timestamp v{}, snapshot v{}, targets v{})",
                v.root, v.timestamp, v.snapshot, v.targets
            ));
        }
        text.push_str(&format!(" {}", self.sha256));
        text
    }
}
