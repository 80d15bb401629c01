//! A notation signature's timestamp countersignature: an RFC 3161 token over the signature bytes,
//! verified as notation verifies it when the trust policy asks for it: under the policy's `tsa`
//! trust stores, the stamping chain meeting the timestamping certificate requirements, the stamp
//! certainly after the claimed signing time, and the signing chain valid at the stamped time.

use std::time::SystemTime;

use super::chain::validate_timestamping_chain;
use super::envelope::EnvelopeContent;
use super::trust_policy::TrustPolicyStatement;
use super::trust_store::{TrustStore, TrustStoreType};
use crate::sigstore::{format_time, verify_timestamp_under_roots};
use crate::x509::revocation::{chain_revocation, revocation_outcome, RevocationSource};
use crate::x509::Certificate;

/// Verifies the timestamp of `content` under the `tsa` stores `statement` names.
pub(crate) fn verify_countersignature(
    statement: &TrustPolicyStatement,
    trust_store: &TrustStore,
    content: &EnvelopeContent,
    revocation: &dyn RevocationSource,
    now: SystemTime,
) -> std::result::Result<(), String> {
    let signer = &content.signer;
    let token = signer
        .timestamp
        .as_deref()
        .ok_or("no timestamp countersignature was found in the signature envelope")?;
    let mut roots: Vec<Certificate> = Vec::new();
    for (kind, name) in &statement.trust_stores {
        if *kind != TrustStoreType::Tsa {
            continue;
        }
        let certificates = trust_store
            .certificates(TrustStoreType::Tsa, name)
            .map_err(|e| format!("failed to load tsa trust store with error: {}", e.message()))?;
        roots.extend(certificates.iter().cloned());
    }
    if roots.is_empty() {
        return Err("no trusted TSA certificate found in trust store".to_owned());
    }
    let stamped = verify_timestamp_under_roots(token, &signer.signature, &roots).map_err(|e| {
        format!(
            "failed to verify the timestamp countersignature with error: {}",
            e.message()
        )
    })?;
    if !stamped.bounded_after(signer.signing_time) {
        return Err(format!(
            "timestamp {} is not bounded after the signing time {}",
            format_time(stamped.time),
            format_time(signer.signing_time)
        ));
    }
    validate_timestamping_chain(&stamped.chain)
        .map_err(|e| format!("failed to validate the timestamping certificate chain with error: {e}"))?;
    for certificate in &signer.certificate_chain {
        if !stamped.bounded_after(certificate.not_before()) {
            return Err(format!(
                "timestamp can be before certificate {:?} validity period, it will be valid from {}",
                certificate.subject_text(),
                format_time(certificate.not_before())
            ));
        }
        if !stamped.bounded_before(certificate.not_after()) {
            return Err(format!(
                "timestamp can be after certificate {:?} validity period, it was expired at {}",
                certificate.subject_text(),
                format_time(certificate.not_after())
            ));
        }
    }
    let statuses = chain_revocation(&stamped.chain, revocation, now, None);
    revocation_outcome(&stamped.chain, &statuses, "timestamping")
}
