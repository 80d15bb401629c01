//! The certificate chains of notation signatures and of their timestamps, leaf first and root
//! last, held to the Notary Project's certificate requirements: each certificate issued and signed
//! by the next, the last a self-signed root and no other self-signed; each CA marked a CA, allowed
//! to sign certificates, within its path length. A code signing leaf is a non-CA with key usage
//! exactly digitalSignature (critical) and no extended key usage of another purpose, and every
//! certificate is valid at the signing time; a timestamping leaf has key usage digitalSignature and
//! the one, critical, extended key usage timeStamping. (A certificate signed with SHA-1 never
//! verifies: the crypto module does not offer it.)

use std::time::SystemTime;

use crate::sigstore::format_time;
use crate::x509::{Certificate, KeyUsage, EKU_TIME_STAMPING};

const EXTENSION_EXTENDED_KEY_USAGE: &str = "2.5.29.37";

/// Most certificates in a signature's chain.
pub const CHAIN_LENGTH_MAX: usize = 10;

/// Key usage bits a signing certificate must not have beside digitalSignature.
const LEAF_FORBIDDEN_KEY_USAGES: [(u16, &str); 7] = [
    (2, "KeyEncipherment"),
    (3, "DataEncipherment"),
    (4, "KeyAgreement"),
    (5, "CertSign"),
    (6, "CRLSign"),
    (7, "EncipherOnly"),
    (8, "DecipherOnly"),
];

/// Extended key usages a code signing certificate must not have.
const LEAF_FORBIDDEN_EKUS: [(&str, &str); 5] = [
    ("1.3.6.1.5.5.7.3.1", "ServerAuth"),
    ("1.3.6.1.5.5.7.3.2", "ClientAuth"),
    ("1.3.6.1.5.5.7.3.4", "EmailProtection"),
    ("1.3.6.1.5.5.7.3.8", "Timestamping"),
    ("1.3.6.1.5.5.7.3.9", "OCSPSigning"),
];

/// A certificate's subject for messages, written out only when a message is (decoding a name to
/// text costs more than checking a signature).
struct Named<'a>(&'a Certificate);

impl std::fmt::Debug for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0.subject_text())
    }
}

/// What a chain's leaf does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    CodeSigning,
    Timestamping,
}

/// Checks a signature's `chain` (leaf first) against the requirements at `signing_time`; the
/// error says which certificate breaks which rule.
pub fn validate_code_signing_chain(chain: &[Certificate], signing_time: SystemTime) -> Result<(), String> {
    validate_chain(chain, Purpose::CodeSigning, Some(signing_time))
}

/// Checks a timestamp's `chain` (its signing certificate first) against the requirements.
pub fn validate_timestamping_chain(chain: &[Certificate]) -> Result<(), String> {
    validate_chain(chain, Purpose::Timestamping, None)
}

fn validate_chain(chain: &[Certificate], purpose: Purpose, signing_time: Option<SystemTime>) -> Result<(), String> {
    if chain.is_empty() {
        return Err("certificate chain must contain at least one certificate".to_owned());
    }
    if chain.len() > CHAIN_LENGTH_MAX {
        return Err(format!(
            "certificate chain has {} certificates, limit is {CHAIN_LENGTH_MAX}",
            chain.len()
        ));
    }
    if let [only] = chain {
        if !only.is_self_signed() {
            return Err(format!(
                "invalid self-signed certificate. subject: {:?}. Error: certificate is not self-signed",
                only.subject_text()
            ));
        }
        valid_at_signing_time(only, signing_time)?;
        return validate_leaf(only, purpose).map_err(|e| format!("invalid self-signed certificate. Error: {e}"));
    }
    let last = chain.len() - 1;
    for (i, certificate) in chain.iter().enumerate() {
        valid_at_signing_time(certificate, signing_time)?;
        let subject = Named(certificate);
        if i == last {
            if !certificate.is_self_signed() {
                return Err(format!(
                    "root certificate with subject {subject:?} is not self-signed. Certificate chain must end with a valid self-signed root certificate"
                ));
            }
        } else {
            if certificate.is_self_signed() {
                let role = if i == 0 { "leaf" } else { "intermediate" };
                return Err(format!(
                    "{role} certificate with subject {subject:?} is self-signed. Certificate chain must not contain self-signed {role} certificate"
                ));
            }
            let parent = &chain[i + 1];
            certificate.verify_issued_by(parent).map_err(|e| {
                format!(
                    "invalid certificates or certificate with subject {subject:?} is not issued by {:?}. Error: {}",
                    parent.subject_text(),
                    e.message()
                )
            })?;
        }
        if i == 0 {
            validate_leaf(certificate, purpose)?;
        } else {
            validate_ca(certificate, i - 1, purpose)?;
        }
    }
    Ok(())
}

fn valid_at_signing_time(certificate: &Certificate, signing_time: Option<SystemTime>) -> Result<(), String> {
    let Some(signing_time) = signing_time else {
        return Ok(());
    };
    if certificate.is_valid_at(signing_time) {
        return Ok(());
    }
    Err(format!(
        "certificate with subject {:?} was invalid at signing time of {}. Certificate is valid from [{}] to [{}]",
        certificate.subject_text(),
        format_time(signing_time),
        format_time(certificate.not_before()),
        format_time(certificate.not_after())
    ))
}

/// A CA with `below` CAs beneath it in the chain.
fn validate_ca(certificate: &Certificate, below: usize, purpose: Purpose) -> Result<(), String> {
    let subject = Named(certificate);
    if !certificate.has_basic_constraints() || !certificate.is_ca() {
        return Err(format!(
            "certificate with subject {subject:?}: ca field in basic constraints must be present, critical, and set to true"
        ));
    }
    if let Some(len) = certificate.path_len() {
        if usize::from(len) < below {
            return Err(format!(
                "certificate with subject {subject:?}: expected path length of {below} but certificate has path length {len} instead"
            ));
        }
    }
    key_usage_present(certificate, purpose)?;
    if !certificate.declares_key_usage(KeyUsage::KeyCertSign) {
        return Err(format!(
            "certificate with subject {subject:?}: key usage must have the bit positions for key cert sign set"
        ));
    }
    Ok(())
}

fn validate_leaf(certificate: &Certificate, purpose: Purpose) -> Result<(), String> {
    let subject = Named(certificate);
    if certificate.is_ca() {
        return Err(format!(
            "certificate with subject {subject:?}: if the basic constraints extension is present, the ca field must be set to false"
        ));
    }
    let bits = key_usage_present(certificate, purpose)?;
    if bits & 1 == 0 {
        return Err(format!(
            "the certificate with subject {subject:?} is invalid. The key usage must have the bit positions for \"Digital Signature\" set"
        ));
    }
    let forbidden: Vec<String> = LEAF_FORBIDDEN_KEY_USAGES
        .iter()
        .filter(|(bit, _)| bits & (1 << bit) != 0)
        .map(|(_, name)| format!("{name:?}"))
        .collect();
    if !forbidden.is_empty() {
        return Err(format!(
            "the certificate with subject {subject:?} is invalid. The key usage must be \"Digital Signature\" only, but found {}",
            forbidden.join(", ")
        ));
    }
    match purpose {
        Purpose::CodeSigning => {
            if let Some(usages) = certificate.extended_key_usage() {
                if let Some((_, name)) = LEAF_FORBIDDEN_EKUS
                    .iter()
                    .find(|(oid, _)| usages.iter().any(|u| u == oid))
                {
                    return Err(format!(
                        "certificate with subject {subject:?}: extended key usage must not contain {name} eku"
                    ));
                }
            }
        }
        Purpose::Timestamping => {
            let only_time_stamping = certificate
                .extended_key_usage()
                .is_some_and(|usages| usages.len() == 1 && usages[0] == EKU_TIME_STAMPING);
            if !only_time_stamping {
                return Err(format!(
                    "timestamp signing certificate with subject {subject:?} must have and only have Timestamping as extended key usage"
                ));
            }
            if !certificate.extension_is_critical(EXTENSION_EXTENDED_KEY_USAGE) {
                return Err(format!(
                    "timestamp signing certificate with subject {subject:?} must have extended key usage extension marked as critical"
                ));
            }
        }
    }
    super::envelope::EnvelopeAlgorithm::for_key(certificate.public_key())
        .map(|_| ())
        .map_err(|e| format!("certificate with subject {subject:?}: {e}"))
}

/// The key usage bits: present, and for code signing critical.
fn key_usage_present(certificate: &Certificate, purpose: Purpose) -> Result<u16, String> {
    match certificate.key_usage() {
        Some((bits, critical)) if critical || purpose == Purpose::Timestamping => Ok(bits),
        Some((_, _)) => Err(format!(
            "certificate with subject {:?}: key usage extension must be marked critical",
            certificate.subject_text()
        )),
        None => Err(format!(
            "certificate with subject {:?}: key usage extension must be present",
            certificate.subject_text()
        )),
    }
}
