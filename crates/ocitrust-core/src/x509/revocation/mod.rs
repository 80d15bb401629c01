//! Certificate revocation, as notation checks it: for each certificate of a chain but its root,
//! OCSP first (when the certificate names a responder), the CRL (when it names a distribution
//! point) if OCSP gives no definite answer; a certificate that names neither cannot be revoked.
//! The checks here are pure: the OCSP answers and CRLs come from a [`RevocationSource`] (the
//! network and a cache, or CRL files given for offline use), and each is verified here: signed by
//! the certificate's issuer (or, for OCSP, a responder it delegated to), current, about that
//! certificate.

mod crl;
mod ocsp;

use std::time::SystemTime;

pub use crl::{crl_is_keepable, crl_issuer_der, CRL_SIZE_MAX};
pub use ocsp::{ocsp_request, OCSP_RESPONSE_SIZE_MAX};

use super::Certificate;
use crate::error::Result;

/// Where revocation information comes from: the caller's I/O.
pub trait RevocationSource {
    /// Sends the DER OCSP `request` to the responder at `url`; returns its DER response.
    fn ocsp(&self, url: &str, request: &[u8]) -> Result<Vec<u8>>;
    /// The DER CRL at `url` (or one the source holds for `issuer`'s name).
    fn crl(&self, url: &str, issuer: &Certificate) -> Result<Vec<u8>>;
}

/// A certificate's revocation status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateStatus {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked,
    /// No definite answer, and why.
    Unknown(String),
    /// The certificate names neither an OCSP responder nor a CRL.
    NonRevokable,
}

/// Most OCSP responders, and most CRL distribution points, asked about one certificate (real ones
/// name one or two; a certificate naming hundreds would make one verification send hundreds of
/// requests).
pub const URLS_PER_CERTIFICATE_MAX: usize = 3;
/// OID of the CRL distribution points extension.
pub(crate) const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
/// OID of the authority information access extension.
pub(crate) const AUTHORITY_INFO_ACCESS: &str = "1.3.6.1.5.5.7.1.1";
/// OID of the freshest CRL (delta CRL distribution points) extension.
pub(crate) const FRESHEST_CRL: &str = "2.5.29.46";

/// The status of every certificate of `chain` (leaf first; the root is never revocable) at
/// `now`. With a `signing_time` (a signing authority's authentic one), a revocation whose
/// invalidity date is after it does not count.
pub fn chain_revocation(
    chain: &[Certificate],
    source: &dyn RevocationSource,
    now: SystemTime,
    signing_time: Option<SystemTime>,
) -> Vec<CertificateStatus> {
    let mut statuses = Vec::with_capacity(chain.len());
    for (i, certificate) in chain.iter().enumerate() {
        let Some(issuer) = chain.get(i + 1) else {
            statuses.push(CertificateStatus::NonRevokable);
            break;
        };
        statuses.push(certificate_revocation(certificate, issuer, source, now, signing_time));
    }
    statuses
}

/// Whether any certificate of `chain` but its root names an OCSP responder or a CRL: whether
/// checking its revocation would ask a server.
pub fn names_revocation_servers(chain: &[Certificate]) -> bool {
    let revocable = chain.len().saturating_sub(1);
    chain[..revocable].iter().any(|certificate| {
        !ocsp::responder_urls(certificate).is_empty()
            || !crl::distribution_points(certificate, CRL_DISTRIBUTION_POINTS).is_empty()
    })
}

/// One certificate's status: OCSP, then the CRL when OCSP said nothing definite.
fn certificate_revocation(
    certificate: &Certificate,
    issuer: &Certificate,
    source: &dyn RevocationSource,
    now: SystemTime,
    signing_time: Option<SystemTime>,
) -> CertificateStatus {
    let mut ocsp_urls = ocsp::responder_urls(certificate);
    let mut crl_urls = crl::distribution_points(certificate, CRL_DISTRIBUTION_POINTS);
    if ocsp_urls.is_empty() && crl_urls.is_empty() {
        return CertificateStatus::NonRevokable;
    }
    let mut reasons = Vec::new();
    for (urls, kind) in [
        (&mut ocsp_urls, "OCSP responders"),
        (&mut crl_urls, "CRL distribution points"),
    ] {
        if urls.len() > URLS_PER_CERTIFICATE_MAX {
            reasons.push(format!(
                "the certificate names {} {kind}; only the first {URLS_PER_CERTIFICATE_MAX} are asked",
                urls.len()
            ));
            urls.truncate(URLS_PER_CERTIFICATE_MAX);
        }
    }
    if !ocsp_urls.is_empty() {
        match ocsp::status(certificate, issuer, &ocsp_urls, source, now, signing_time) {
            CertificateStatus::Unknown(reason) => reasons.push(format!("OCSP: {reason}")),
            definite => return definite,
        }
    }
    if !crl_urls.is_empty() {
        match crl::status(certificate, issuer, &crl_urls, source, now, signing_time) {
            CertificateStatus::Unknown(reason) => reasons.push(format!("CRL: {reason}")),
            definite => return definite,
        }
    }
    CertificateStatus::Unknown(reasons.join("; "))
}

/// notation's verdict on a chain's statuses: revoked when any certificate is, unknown when any
/// status is; the certificate named is the one nearest the root.
pub fn revocation_outcome(
    chain: &[Certificate],
    statuses: &[CertificateStatus],
    what: &str,
) -> std::result::Result<(), String> {
    let named = |i: usize| chain.get(i).map(Certificate::subject_text).unwrap_or_default();
    if let Some(i) = statuses.iter().rposition(|s| *s == CertificateStatus::Revoked) {
        return Err(format!("{what} certificate with subject {:?} is revoked", named(i)));
    }
    if let Some((i, CertificateStatus::Unknown(reason))) = statuses
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| matches!(s, CertificateStatus::Unknown(_)))
    {
        return Err(format!(
            "{what} certificate with subject {:?} revocation status is unknown ({reason})",
            named(i)
        ));
    }
    Ok(())
}

/// Verifies that `signer`'s key made `signature` over `tbs` with the X.509 algorithm `algorithm`.
pub(crate) fn verify_signed_by(
    signer: &Certificate,
    algorithm: &der::asn1::ObjectIdentifier,
    tbs: &[u8],
    signature: &[u8],
) -> std::result::Result<(), String> {
    let algorithm = crate::crypto::SignatureAlgorithm::from_x509_oid(algorithm)
        .ok_or_else(|| format!("unsupported signature algorithm {algorithm}"))?;
    signer.public_key().verify_with(algorithm, tbs, signature).map_err(|_| {
        format!(
            "the signature does not verify with the key of {:?}",
            signer.subject_text()
        )
    })
}
