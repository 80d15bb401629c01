//! Authorities: who may vouch for an image. A verifier holds a list of them; a signature is trusted
//! when every check of one authority passes on that one signature. Each kind of authority brings
//! its own checks (a key: the signature verifies with it; a keyless identity under a Sigstore
//! trusted root; a notation trust policy), judged on the same evidence. An authority judges only
//! the signatures of its own ecosystem: a notation trust policy never vouches for a cosign
//! signature, nor a cosign key for a notation one.

use std::sync::Arc;

use crate::crypto::PublicKey;
use crate::error::{Error, ErrorCode};
use crate::notation::NotationTrust;
use crate::sigstore::{BundleSigner, CertificateIdentity, RootRef, TrustedRoot};
use crate::verdict::{Outcome, SignatureReport};
use crate::x509::Certificate;

/// One party whose signature makes an image trusted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Authority {
    /// Signatures made with this key (`cosign verify --key`).
    CosignKey(PublicKey),
    /// Keyless signatures: a Fulcio certificate for this identity, under this trusted root
    /// (`cosign verify --certificate-identity … --certificate-oidc-issuer …`).
    Keyless(KeylessIdentity),
    /// Notation signatures, under a trust policy and the trust store it names (`notation verify`).
    Notation(NotationTrust),
}

/// A keyless identity and the trust material it is judged under.
#[derive(Debug, Clone)]
pub struct KeylessIdentity {
    /// Who must have signed.
    pub identity: CertificateIdentity,
    /// The Fulcio CAs, logs and timestamp authorities trusted (shared between authorities).
    pub trusted_root: Arc<TrustedRoot>,
    /// The signing certificate, when it is given out of band (`cosign verify --certificate`):
    /// signatures must be made with it, and one that carries another certificate is refused.
    pub certificate: Option<Arc<Certificate>>,
}

impl KeylessIdentity {
    /// `identity`, judged under `trusted_root`, with the certificate each signature carries.
    pub fn new(identity: CertificateIdentity, trusted_root: Arc<TrustedRoot>) -> Self {
        KeylessIdentity {
            identity,
            trusted_root,
            certificate: None,
        }
    }

    /// The same identity, whose signatures are made with `certificate` (given out of band).
    pub fn with_certificate(self, certificate: Certificate) -> Self {
        KeylessIdentity {
            certificate: Some(Arc::new(certificate)),
            ..self
        }
    }
}

impl Authority {
    /// How the verdict names this authority, e.g. `cosign key 1f3a…` (the key id) or
    /// `keyless identity "…" issued by "…"`.
    pub fn name(&self) -> String {
        match self {
            Authority::CosignKey(key) => format!("cosign key {}", key.key_id()),
            Authority::Keyless(keyless) => format!("keyless {}", keyless.identity.describe()),
            Authority::Notation(trust) => trust.name(),
        }
    }

    /// Who must have signed a bundle under this authority, and the trust material it is judged by:
    /// a key's signatures are checked against `key_root`'s logs, a keyless identity's against its
    /// own root. `None` for an authority that does not judge Sigstore signatures.
    pub fn bundle_signer<'a>(&'a self, key_root: RootRef<'a>) -> Option<(BundleSigner<'a>, RootRef<'a>)> {
        match self {
            Authority::CosignKey(key) => Some((BundleSigner::Key(key), key_root)),
            Authority::Keyless(keyless) => Some((
                BundleSigner::Identity {
                    identity: &keyless.identity,
                    certificate: keyless.certificate.as_deref(),
                },
                RootRef::Given(&keyless.trusted_root),
            )),
            Authority::Notation(_) => None,
        }
    }
}

/// The error for judging under an empty list of authorities.
pub fn no_authority() -> Error {
    Error::new(
        ErrorCode::InvalidArgument,
        "the verifier trusts no authority: add a key, a keyless identity or a notation trust policy to it",
    )
}

/// Judges one signature under each authority in turn (`attempt`), stopping at the first under
/// which it verified. When none vouches for it, the report kept is the attempt that passed the
/// most checks (the first of equals): its first failure is the reason closest to success. `None`
/// only when there is no authority at all.
pub fn judge_under(
    authorities: &[Authority],
    mut attempt: impl FnMut(&Authority) -> SignatureReport,
) -> Option<SignatureReport> {
    let mut closest: Option<(usize, SignatureReport)> = None;
    for authority in authorities {
        let report = attempt(authority);
        if report.verified {
            return Some(report);
        }
        let passed = report.checks.iter().filter(|c| c.outcome == Outcome::Passed).count();
        if closest.as_ref().is_none_or(|(best, _)| passed > *best) {
            closest = Some((passed, report));
        }
    }
    closest.map(|(_, report)| report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;
    use crate::verdict::{Check, CheckName, SignatureKind};

    fn report(verified: bool, passed: usize, label: &str) -> SignatureReport {
        let mut checks: Vec<Check> = (0..passed)
            .map(|_| Check {
                name: CheckName::Integrity,
                outcome: Outcome::Passed,
                detail: String::new(),
            })
            .collect();
        if !verified {
            checks.push(Check {
                name: CheckName::Signature,
                outcome: Outcome::Failed,
                detail: label.to_owned(),
            });
        }
        SignatureReport {
            kind: SignatureKind::CosignSignature,
            location: label.to_owned(),
            signer: None,
            checks,
            verified,
            payload: None,
            cosign_extras: Default::default(),
            attestation: None,
            predicate_type: None,
            valid_until: None,
        }
    }

    fn keys(n: usize) -> Vec<Authority> {
        (0..n)
            .map(|_| Authority::CosignKey(SigningKey::generate_ecdsa_p256().unwrap().public_key().clone()))
            .collect()
    }

    #[test]
    fn the_first_authority_that_vouches_wins_and_later_ones_are_not_tried() {
        let authorities = keys(3);
        let mut tried = 0;
        let judged = judge_under(&authorities, |_| {
            tried += 1;
            report(tried == 2, 1, &format!("attempt {tried}"))
        })
        .unwrap();
        assert!(judged.verified);
        assert_eq!(judged.location, "attempt 2");
        assert_eq!(tried, 2);
    }

    #[test]
    fn without_a_voucher_the_attempt_that_got_furthest_explains_the_failure() {
        let authorities = keys(3);
        let mut tried = 0;
        let judged = judge_under(&authorities, |_| {
            tried += 1;
            report(false, [1, 3, 3][tried - 1], &format!("attempt {tried}"))
        })
        .unwrap();
        assert!(!judged.verified);
        assert_eq!(judged.failure(), Some("attempt 2"));
    }

    #[test]
    fn no_authority_gives_no_report() {
        assert!(judge_under(&[], |_| report(true, 1, "x")).is_none());
    }

    #[test]
    fn a_key_authority_is_named_by_its_key_id() {
        let authority = &keys(1)[0];
        let Authority::CosignKey(key) = authority else {
            unreachable!()
        };
        assert_eq!(authority.name(), format!("cosign key {}", key.key_id()));
    }
}
