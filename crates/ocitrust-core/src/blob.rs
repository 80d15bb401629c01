//! Blobs signed with a Sigstore bundle (`cosign sign-blob --bundle`, `cosign attest-blob`, the
//! Sigstore conformance suite): the bundle judged for the artifact under each authority, with
//! nothing asked of the payload beyond what the bundle verification asks.

use crate::authority::{judge_under, no_authority, Authority};
use crate::cosign::CosignRequirements;
use crate::error::Result;
use crate::sigstore::{Artifact, SigstoreBundle};
use crate::verdict::SignatureReport;

/// Verifies `bundle` (JSON) as a signature of `artifact` under `authorities`. A bundle that does
/// not parse is an error (there is no signature to report on); no authority at all is an error.
pub fn verify_blob_bundle(
    bundle: &[u8],
    artifact: Artifact<'_>,
    authorities: &[Authority],
    requirements: &CosignRequirements,
    location: &str,
) -> Result<SignatureReport> {
    let bundle = SigstoreBundle::from_json(bundle)?;
    let key_root = requirements.key_root();
    let nothing_more = |_: &[u8]| Ok(());
    judge_under(authorities, |authority| {
        requirements.judge_bundle(&bundle, artifact, authority, key_root, &nothing_more, location)
    })
    .ok_or_else(no_authority)
}
