//! Notary Project (notation) signatures, as far as this release goes: recognised among an
//! artifact's referrers, so a verdict says they are there and why they did not count. Verifying
//! them (envelope, certificate chain, trust store and trust policy) is not implemented yet.

use crate::verdict::{Check, CheckName, Outcome, SignatureKind, SignatureReport};

/// The artifact type of a notation signature manifest.
pub const NOTATION_SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";

/// The report on the notation signature found at `location`: examined and not trusted, since it
/// cannot be verified yet.
pub fn notation_signature_not_verified(location: &str) -> SignatureReport {
    SignatureReport {
        kind: SignatureKind::NotationSignature,
        location: location.to_owned(),
        signer: None,
        checks: vec![Check {
            name: CheckName::Signature,
            outcome: Outcome::Failed,
            detail: "notation signatures are not verified by ocitrust yet; verify this one with `notation verify`"
                .to_owned(),
        }],
        verified: false,
        payload: None,
        cosign_extras: Default::default(),
        attestation: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notation_signature_is_reported_and_never_trusted() {
        let report = notation_signature_not_verified("r.example/app@sha256:00 (notation signature)");
        assert!(!report.verified);
        assert_eq!(report.kind.name(), "notation-signature");
        assert!(report.failure().unwrap().contains("not verified by ocitrust yet"));
    }
}
