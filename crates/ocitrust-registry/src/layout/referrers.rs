//! OCI 1.1 referrers kept in a layout: manifests listed in `index.json` (usually untagged, as
//! notation's `--oci-layout` and go-containerregistry's layout writer put them) whose `subject`
//! names another manifest. A layout has no referrers index, so finding them means reading the
//! listed image manifests, each checked against its digest; each digest is read once however
//! often it is listed, at most REFERRERS_MAX of them, and every byte counts against the budget.

use std::collections::HashSet;

use ocitrust_core::oci::media_types::OCI_MANIFEST;
use ocitrust_core::oci::Manifest;
use ocitrust_core::{Error, ErrorCode, Result};

use super::store::OciLayout;
use crate::remote::REFERRERS_MAX;

impl OciLayout {
    /// Every manifest listed in `index.json` that refers to another one (has a `subject`).
    pub fn referrer_manifests(&self) -> Result<Vec<Manifest>> {
        let mut seen = HashSet::new();
        let candidates: Vec<_> = self
            .entries()
            .iter()
            .filter(|e| e.media_type == OCI_MANIFEST && !e.is_attached_artifact())
            .filter(|e| seen.insert(e.digest.clone()))
            .collect();
        if candidates.len() > REFERRERS_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "{}: {} image manifests to read looking for referrers, limit is {REFERRERS_MAX}",
                    self.root().display(),
                    candidates.len()
                ),
            ));
        }
        let mut referrers = Vec::new();
        for entry in candidates {
            let manifest = self.read_manifest(&entry.digest)?;
            if manifest.subject().is_some() {
                referrers.push(manifest);
            }
        }
        Ok(referrers)
    }
}
