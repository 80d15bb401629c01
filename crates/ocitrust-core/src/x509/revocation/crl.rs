//! CRLs (RFC 5280 section 5) as notation uses them: every distribution point the certificate names
//! is consulted; each CRL (and its delta, when the certificate names a freshest CRL) must be
//! signed by the issuer, name a next update that has not passed, and carry no critical extension
//! but the issuing distribution point. A certificate on it is revoked, unless the entry is only a
//! hold later removed, or (for a signing authority) its invalidity date follows the signing time.

use std::time::SystemTime;

use der::Decode;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::CrlDistributionPoints;

use super::{verify_signed_by, CertificateStatus, RevocationSource, FRESHEST_CRL};
use crate::sigstore::format_time;
use crate::x509::signed_parts;
use crate::x509::Certificate;

/// Largest CRL read.
pub const CRL_SIZE_MAX: usize = 32 * 1024 * 1024;
const ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
const CRL_REASON: &str = "2.5.29.21";
const INVALIDITY_DATE: &str = "2.5.29.24";
const DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const CERTIFICATE_HOLD: u8 = 6;
const REMOVE_FROM_CRL: u8 = 8;

/// The URIs of the distribution points in extension `oid` of `certificate` (the CRL
/// distribution points, or the freshest CRL's).
pub(super) fn distribution_points(certificate: &Certificate, oid: &str) -> Vec<String> {
    let Some(value) = certificate.extension(oid) else {
        return Vec::new();
    };
    let Ok(points) = CrlDistributionPoints::from_der(value) else {
        return Vec::new();
    };
    points
        .0
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
}

/// The DER issuer name of a CRL (to match CRL files to the certificates they are about).
pub fn crl_issuer_der(crl: &[u8]) -> Option<Vec<u8>> {
    let list = CertificateList::from_der(crl).ok()?;
    der::Encode::to_der(&list.tbs_cert_list.issuer).ok()
}

/// Whether `crl` may be kept for later verifications: issued and signed by `issuer`, and not past
/// its next update at `now`. A source keeps only such a CRL, so a forged answer never outlives the
/// verification it came in (which judges it again, as it judges every CRL).
pub fn crl_is_keepable(crl: &[u8], issuer: &Certificate, now: SystemTime) -> bool {
    crl_signed_by(crl, issuer).is_ok_and(|list| {
        list.tbs_cert_list
            .next_update
            .is_some_and(|next| next.to_system_time() >= now)
    })
}

/// Whether `crl` (DER, at most [`CRL_SIZE_MAX`]) was issued and signed by `issuer`. The signature is
/// checked before the list is parsed: a large CRL with a junk signature costs a hash, not a parse.
fn crl_signed_by(crl: &[u8], issuer: &Certificate) -> std::result::Result<CertificateList, String> {
    if crl.len() > CRL_SIZE_MAX {
        return Err(format!("the CRL is {} bytes, limit is {CRL_SIZE_MAX}", crl.len()));
    }
    let (tbs, algorithm, signature) = signed_parts(crl).map_err(|e| format!("malformed CRL: {e}"))?;
    verify_signed_by(issuer, &algorithm, &tbs, &signature)
        .map_err(|e| format!("CRL is not signed by CA {:?}: {e}", issuer.subject_text()))?;
    let list = CertificateList::from_der(crl).map_err(|e| format!("malformed CRL: {e}"))?;
    if der::Encode::to_der(&list.tbs_cert_list.issuer).ok().as_deref() != Some(issuer.subject_der()) {
        return Err(format!("CRL is not issued by CA {:?}", issuer.subject_text()));
    }
    Ok(list)
}

/// The status the CRLs at `urls` give `certificate`.
pub(super) fn status(
    certificate: &Certificate,
    issuer: &Certificate,
    urls: &[String],
    source: &dyn RevocationSource,
    now: SystemTime,
    signing_time: Option<SystemTime>,
) -> CertificateStatus {
    let deltas = distribution_points(certificate, FRESHEST_CRL);
    for url in urls {
        let base = match source.crl(url, issuer) {
            Ok(base) => base,
            Err(e) => return CertificateStatus::Unknown(format!("failed to download CRL from {url}: {}", e.message())),
        };
        let base = match read_valid(&base, issuer, now) {
            Ok(list) => list,
            Err(reason) => return CertificateStatus::Unknown(format!("failed to validate CRL from {url}: {reason}")),
        };
        let mut lists = vec![base];
        if let Some(delta_url) = deltas.first() {
            let delta = source
                .crl(delta_url, issuer)
                .map_err(|e| e.message().to_owned())
                .and_then(|bytes| read_valid(&bytes, issuer, now));
            match delta {
                Ok(delta) => lists.push(delta),
                Err(reason) => {
                    return CertificateStatus::Unknown(format!(
                        "failed to validate delta CRL from {delta_url}: {reason}"
                    ))
                }
            }
        }
        match revoked_by(certificate, &lists, signing_time) {
            Ok(true) => return CertificateStatus::Revoked,
            Ok(false) => {}
            Err(reason) => {
                return CertificateStatus::Unknown(format!("failed to check revocation status from {url}: {reason}"))
            }
        }
    }
    CertificateStatus::Good
}

/// A CRL signed by `issuer`, current at `now`, with no critical extension it does not understand.
fn read_valid(bytes: &[u8], issuer: &Certificate, now: SystemTime) -> std::result::Result<CertificateList, String> {
    let list = crl_signed_by(bytes, issuer)?;
    let next = list
        .tbs_cert_list
        .next_update
        .ok_or("CRL NextUpdate is not set")?
        .to_system_time();
    if now > next {
        return Err(format!(
            "expired CRL. Current time {} is after CRL NextUpdate {}",
            format_time(now),
            format_time(next)
        ));
    }
    for extension in list.tbs_cert_list.crl_extensions.iter().flatten() {
        let oid = extension.extn_id.to_string();
        if extension.critical && oid != ISSUING_DISTRIBUTION_POINT && oid != DELTA_CRL_INDICATOR {
            return Err(format!("unsupported critical extension found in CRL: {oid}"));
        }
    }
    Ok(list)
}

/// Whether `certificate` is revoked by `lists` (the base CRL, then its delta).
fn revoked_by(
    certificate: &Certificate,
    lists: &[CertificateList],
    signing_time: Option<SystemTime>,
) -> std::result::Result<bool, String> {
    let serial = &certificate.decoded().tbs_certificate.serial_number;
    // The latest hold or removal decides, when no permanent revocation does.
    let mut latest_temporary: Option<(SystemTime, u8)> = None;
    for entry in lists
        .iter()
        .flat_map(|l| l.tbs_cert_list.revoked_certificates.iter().flatten())
    {
        if entry.serial_number != *serial {
            continue;
        }
        let mut reason = 0u8;
        let mut invalid_from = None;
        for extension in entry.crl_entry_extensions.iter().flatten() {
            match extension.extn_id.to_string().as_str() {
                CRL_REASON => {
                    reason = der::asn1::Any::from_der(extension.extn_value.as_bytes())
                        .ok()
                        .and_then(|any| any.value().first().copied())
                        .ok_or("malformed CRL reason")?;
                }
                INVALIDITY_DATE => {
                    let date = der::asn1::GeneralizedTime::from_der(extension.extn_value.as_bytes())
                        .map_err(|e| format!("failed to parse invalidity date: {e}"))?;
                    invalid_from = Some(date.to_system_time());
                }
                other if extension.critical => {
                    return Err(format!("unsupported critical extension found in CRL: {other}"))
                }
                _ => {}
            }
        }
        if let (Some(signed), Some(invalid)) = (signing_time, invalid_from) {
            if signed < invalid {
                continue;
            }
        }
        let revoked_at = entry.revocation_date.to_system_time();
        match reason {
            CERTIFICATE_HOLD | REMOVE_FROM_CRL => {
                if latest_temporary.is_none_or(|(at, _)| at < revoked_at) {
                    latest_temporary = Some((revoked_at, reason));
                }
            }
            _ => return Ok(true),
        }
    }
    Ok(latest_temporary.is_some_and(|(_, reason)| reason == CERTIFICATE_HOLD))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use der::asn1::{BitString, OctetString};
    use der::Encode;

    use super::*;
    use crate::x509::generate_test_certificate;

    #[test]
    fn a_crl_with_a_junk_signature_is_refused_before_it_is_parsed() {
        let (_, issuer) =
            generate_test_certificate("crl issuer", SystemTime::now(), Duration::from_secs(3600)).unwrap();
        // A "CRL" whose to-be-signed part is 8 MiB that is no CertificateList at all: a parse would
        // fail on it (after building what it could); the signature check comes first and fails.
        let junk = OctetString::new(vec![0x30; 8 * 1024 * 1024]).unwrap();
        let algorithm = spki::AlgorithmIdentifierOwned {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        };
        let mut body = junk.to_der().unwrap();
        body.extend(algorithm.to_der().unwrap());
        body.extend(BitString::from_bytes(&[0x30, 0x00]).unwrap().to_der().unwrap());
        let mut crl = vec![0x30, 0x83];
        crl.extend(&(body.len() as u32).to_be_bytes()[1..]);
        crl.extend(body);
        let refused = crl_signed_by(&crl, &issuer).unwrap_err();
        assert!(refused.contains("CRL is not signed by CA"), "{refused}");
        assert!(crl_signed_by(&vec![0; CRL_SIZE_MAX + 1], &issuer)
            .unwrap_err()
            .contains("limit"));
    }
}
