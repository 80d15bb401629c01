//! A trusted CA chain (issuing CA first, root last) as a Sigstore trusted root lists it for Fulcio
//! or a timestamp authority. Its own links are verified once, when it is made; a leaf is then
//! judged against it at a given instant: issued and signed by the first CA, every certificate valid
//! at that instant, CA rules on the issuers, and the extended key usage the leaf must carry.

use std::time::SystemTime;

use super::{Certificate, KeyUsage};
use crate::error::{Error, ErrorCode, Result};
use crate::sigstore::format_time;

/// Extended key usage `id-kp-codeSigning`: what Fulcio leaves carry.
pub const EKU_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
/// Extended key usage `id-kp-timeStamping`: what a timestamp authority's signing certificate carries.
pub const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// Most certificates in a trusted chain.
const CHAIN_LENGTH_MAX: usize = 8;

/// A CA chain whose links verified.
#[derive(Debug, Clone)]
pub struct TrustedChain {
    certificates: Vec<Certificate>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidCertificate, message)
}

impl TrustedChain {
    /// Decodes `chain` (DER, the issuing CA first, the root last) and verifies its links: each
    /// certificate is issued and signed by the next, every issuer is a CA allowed to sign
    /// certificates within its path length, and the last is self-signed.
    pub fn new(chain: &[Vec<u8>]) -> Result<Self> {
        let trusted = Self::compiled_in(chain)?;
        let certificates = &trusted.certificates;
        for pair in certificates.windows(2) {
            pair[0].verify_issued_by(&pair[1])?;
        }
        if let Some(root) = certificates.last() {
            root.verify_issued_by(root)?;
        }
        Ok(trusted)
    }

    /// [`TrustedChain::new`] for trust material compiled into the program (the embedded Sigstore
    /// root): every rule but the signatures of its links, which a test verifies instead of every
    /// start of the program paying for them (P-384 checks cost more than a whole key-based
    /// verification).
    pub(crate) fn compiled_in(chain: &[Vec<u8>]) -> Result<Self> {
        if chain.is_empty() || chain.len() > CHAIN_LENGTH_MAX {
            return Err(invalid(format!(
                "a trusted chain of {} certificates (expected 1 to {CHAIN_LENGTH_MAX})",
                chain.len()
            )));
        }
        let certificates = chain
            .iter()
            .map(|der| Certificate::from_der(der))
            .collect::<Result<Vec<_>>>()?;
        for (position, pair) in certificates.windows(2).enumerate() {
            check_issuer(&pair[1], cas_below(&certificates, position + 1))?;
            if !pair[0].names_issuer(&pair[1]) {
                return Err(invalid(format!(
                    "{:?} is not issued by {:?}, the next certificate of the chain",
                    pair[0].subject_text(),
                    pair[1].subject_text()
                )));
            }
        }
        let root = certificates.last().ok_or_else(|| invalid("empty chain".into()))?;
        if !root.is_self_issued() {
            return Err(invalid(format!(
                "the trusted chain ends with {:?}, which is not a root (self-issued) certificate",
                root.subject_text()
            )));
        }
        check_issuer(root, cas_below(&certificates, certificates.len() - 1))?;
        Ok(TrustedChain { certificates })
    }

    /// The CA that issues leaves (the first certificate).
    pub fn issuing_ca(&self) -> &Certificate {
        &self.certificates[0]
    }

    /// The certificates, issuing CA first.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Verifies `leaf` against this chain at `time`: signed by the issuing CA, not itself a CA,
    /// valid at `time` like every certificate of the chain, allowed to sign (key usage
    /// digitalSignature when present) and carrying `extended_key_usage`.
    pub fn verify_leaf(&self, leaf: &Certificate, time: SystemTime, extended_key_usage: &str) -> Result<()> {
        if leaf.is_ca() {
            return Err(invalid("the signing certificate is a CA certificate".into()));
        }
        if !leaf.allows_key_usage(KeyUsage::DigitalSignature) {
            return Err(invalid(
                "the signing certificate's key usage does not allow digital signatures".into(),
            ));
        }
        match leaf.extended_key_usage() {
            Some(usages) if usages.iter().any(|u| u == extended_key_usage) => {}
            _ => {
                return Err(invalid(format!(
                    "the signing certificate lacks the extended key usage {extended_key_usage}"
                )))
            }
        }
        leaf.verify_issued_by(self.issuing_ca())?;
        for certificate in std::iter::once(leaf).chain(&self.certificates) {
            if !certificate.is_valid_at(time) {
                return Err(invalid(format!(
                    "certificate {:?} is not valid at {}: valid from {} to {}",
                    certificate.subject_text(),
                    format_time(time),
                    format_time(certificate.not_before()),
                    format_time(certificate.not_after())
                )));
            }
        }
        Ok(())
    }
}

/// How many CA certificates come before position `index` of the chain: the intermediates between
/// the certificate there and an end entity (a Fulcio chain starts with its issuing CA; a timestamp
/// authority's chain with its own, non-CA, signing certificate).
fn cas_below(certificates: &[Certificate], index: usize) -> usize {
    certificates[..index].iter().filter(|c| c.is_ca()).count()
}

/// An issuer with `below` CAs beneath it: a CA that may sign certificates, with
/// room for the CAs beneath it in its path length.
fn check_issuer(issuer: &Certificate, below: usize) -> Result<()> {
    if !issuer.is_ca() {
        return Err(invalid(format!(
            "{:?} issues certificates but is not a CA",
            issuer.subject_text()
        )));
    }
    if !issuer.allows_key_usage(KeyUsage::KeyCertSign) {
        return Err(invalid(format!(
            "{:?} issues certificates but its key usage does not allow it",
            issuer.subject_text()
        )));
    }
    if let Some(len) = issuer.path_len() {
        if below > usize::from(len) {
            return Err(invalid(format!(
                "{:?} allows {len} CAs beneath it, the chain has {below}",
                issuer.subject_text()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production_chains() -> Vec<Vec<Vec<u8>>> {
        crate::sigstore::TrustedRoot::production()
            .unwrap()
            .certificate_authorities
            .iter()
            .map(|ca| ca.chain.clone())
            .collect()
    }

    #[test]
    fn every_production_fulcio_chain_verifies() {
        for chain in production_chains() {
            let trusted = TrustedChain::new(&chain).unwrap();
            assert!(trusted.issuing_ca().is_ca());
        }
    }

    #[test]
    fn a_compiled_in_chain_still_keeps_every_rule_but_link_signatures() {
        let chain = production_chains().remove(1);
        assert!(chain.len() >= 2);
        // Reversed, the names do not chain.
        let reversed: Vec<Vec<u8>> = chain.iter().rev().cloned().collect();
        assert!(TrustedChain::compiled_in(&reversed).is_err());
        // Without its root, it does not end in a root.
        assert!(TrustedChain::compiled_in(&chain[..1]).is_err());
        assert!(TrustedChain::compiled_in(&[]).is_err());
        // A link whose signature is broken: only the checked form notices.
        let mut broken = chain.clone();
        let last = broken[0].len() - 1;
        broken[0][last] ^= 1;
        assert!(TrustedChain::compiled_in(&broken).is_ok());
        assert!(TrustedChain::new(&broken).is_err());
    }

    #[test]
    fn a_chain_in_the_wrong_order_or_without_its_root_is_refused() {
        let chain = production_chains().pop().unwrap();
        let reversed: Vec<_> = chain.iter().rev().cloned().collect();
        assert!(TrustedChain::new(&reversed).is_err());
        assert!(TrustedChain::new(&chain[..1])
            .unwrap_err()
            .message()
            .contains("not a root"));
        assert!(TrustedChain::new(&[]).is_err());
    }
}
