//! OCSP (RFC 6960) as notation uses it: a request with a SHA-1 CertID (what responders widely
//! accept), sent to each `http://` responder the certificate's authority information access
//! names until one answers definitely; the answer signed by the issuer or by a responder the
//! issuer certified for OCSP signing, about this certificate, current (a next update is required).

use std::time::SystemTime;

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request, TbsRequest,
};

use super::{verify_signed_by, CertificateStatus, RevocationSource, AUTHORITY_INFO_ACCESS};
use crate::crypto::sha1_for_identifiers;
use crate::error::{Error, ErrorCode, Result};
use crate::sigstore::format_time;
use crate::x509::signed_parts;
use crate::x509::Certificate;

/// Largest OCSP response read (notation's limit).
pub const OCSP_RESPONSE_SIZE_MAX: usize = 20 * 1024;
const ID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const ID_PKIX_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const SHA1: &str = "1.3.14.3.2.26";
const EKU_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const INVALIDITY_DATE: &str = "2.5.29.24";
/// How far ahead of the verification's clock a response's thisUpdate may be.
const THIS_UPDATE_SKEW_MAX: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// The OCSP responders `certificate` names.
pub(super) fn responder_urls(certificate: &Certificate) -> Vec<String> {
    let Some(value) = certificate.extension(AUTHORITY_INFO_ACCESS) else {
        return Vec::new();
    };
    let Ok(access) = AuthorityInfoAccessSyntax::from_der(value) else {
        return Vec::new();
    };
    access
        .0
        .iter()
        .filter(|a| a.access_method.to_string() == ID_AD_OCSP)
        .filter_map(|a| match &a.access_location {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
}

fn cert_id(certificate: &Certificate, issuer: &Certificate) -> Result<CertId> {
    let internal = |e: der::Error| Error::new(ErrorCode::Internal, format!("making the OCSP request: {e}"));
    let spki = spki::SubjectPublicKeyInfoRef::from_der(issuer.public_key().spki_der()).map_err(internal)?;
    let key_bits = spki.subject_public_key.raw_bytes();
    Ok(CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(SHA1),
            parameters: Some(der::Any::null()),
        },
        issuer_name_hash: OctetString::new(sha1_for_identifiers(issuer.subject_der())).map_err(internal)?,
        issuer_key_hash: OctetString::new(sha1_for_identifiers(key_bits)).map_err(internal)?,
        serial_number: certificate.decoded().tbs_certificate.serial_number.clone(),
    })
}

/// The DER OCSP request for `certificate`'s status.
pub fn ocsp_request(certificate: &Certificate, issuer: &Certificate) -> Result<Vec<u8>> {
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: Default::default(),
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id(certificate, issuer)?,
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    };
    request
        .to_der()
        .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding the OCSP request: {e}")))
}

/// The status the responders at `urls` give `certificate`: the first definite answer; unknown when
/// none answers definitely.
pub(super) fn status(
    certificate: &Certificate,
    issuer: &Certificate,
    urls: &[String],
    source: &dyn RevocationSource,
    now: SystemTime,
    signing_time: Option<SystemTime>,
) -> CertificateStatus {
    let request = match ocsp_request(certificate, issuer) {
        Ok(request) => request,
        Err(e) => return CertificateStatus::Unknown(e.message().to_owned()),
    };
    let mut reasons = Vec::new();
    for url in urls {
        if !url.to_ascii_lowercase().starts_with("http://") {
            reasons.push(format!("{url}: OCSPServer protocol is not supported (only http://)"));
            continue;
        }
        let answer = source
            .ocsp(url, &request)
            .map_err(|e| e.message().to_owned())
            .and_then(|response| judge_response(&response, certificate, issuer, now, signing_time));
        match answer {
            Ok(status) => return status,
            Err(reason) => reasons.push(format!("{url}: {reason}")),
        }
    }
    CertificateStatus::Unknown(reasons.join("; "))
}

/// What a responder's answer says of `certificate`, once it is known to be genuine and current.
fn judge_response(
    response: &[u8],
    certificate: &Certificate,
    issuer: &Certificate,
    now: SystemTime,
    signing_time: Option<SystemTime>,
) -> std::result::Result<CertificateStatus, String> {
    if response.len() > OCSP_RESPONSE_SIZE_MAX {
        return Err(format!(
            "the OCSP response is {} bytes, limit is {OCSP_RESPONSE_SIZE_MAX}",
            response.len()
        ));
    }
    let outer = OcspResponse::from_der(response).map_err(|e| format!("malformed OCSP response: {e}"))?;
    if outer.response_status != OcspResponseStatus::Successful {
        return Err(format!("the responder answered {:?}", outer.response_status));
    }
    let bytes = outer.response_bytes.ok_or("the OCSP response is empty")?;
    if bytes.response_type.to_string() != ID_PKIX_OCSP_BASIC {
        return Err(format!("unsupported OCSP response type {}", bytes.response_type));
    }
    let basic_der = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der).map_err(|e| format!("malformed basic OCSP response: {e}"))?;
    let (tbs, algorithm, signature) =
        signed_parts(basic_der).map_err(|e| format!("malformed basic OCSP response: {e}"))?;
    let delegated: Vec<Certificate> = basic
        .certs
        .iter()
        .flatten()
        .filter_map(|c| c.to_der().ok())
        .filter_map(|der| Certificate::from_der(&der).ok())
        .collect();
    let by_issuer = verify_signed_by(issuer, &algorithm, &tbs, &signature);
    if by_issuer.is_err() {
        let responder = delegated
            .iter()
            .find(|c| verify_signed_by(c, &algorithm, &tbs, &signature).is_ok())
            .ok_or("the OCSP response is signed neither by the issuer nor by a responder certificate it carries")?;
        responder
            .verify_issued_by(issuer)
            .map_err(|_| "the OCSP responder's certificate is not issued by the certificate's issuer".to_owned())?;
        if !responder
            .extended_key_usage()
            .is_some_and(|u| u.iter().any(|e| e == EKU_OCSP_SIGNING))
        {
            return Err("the OCSP responder's certificate may not sign OCSP responses".to_owned());
        }
        if !responder.is_valid_at(now) {
            return Err("the OCSP responder's certificate is not valid now".to_owned());
        }
    }
    let wanted = cert_id(certificate, issuer).map_err(|e| e.message().to_owned())?;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|r| r.cert_id == wanted)
        .ok_or("the OCSP response is not about this certificate")?;
    // A responder answers with the second it signed at, often after the instant the verification
    // took as now; a clock a little ahead is not a forgery (Go's parser, which notation uses, does
    // not look at thisUpdate at all).
    if single.this_update.0.to_system_time() > now + THIS_UPDATE_SKEW_MAX {
        return Err(format!(
            "the OCSP response is not yet valid (this update {})",
            format_time(single.this_update.0.to_system_time())
        ));
    }
    match &single.next_update {
        Some(next) if next.0.to_system_time() >= now => {}
        Some(next) => {
            return Err(format!(
                "expired OCSP response (next update {})",
                format_time(next.0.to_system_time())
            ))
        }
        None => return Err("expired OCSP response (it names no next update)".to_owned()),
    }
    Ok(match single.cert_status {
        CertStatus::Good(_) => CertificateStatus::Good,
        CertStatus::Unknown(_) => CertificateStatus::Unknown("the responder does not know the certificate".to_owned()),
        CertStatus::Revoked(_) => {
            let invalid_from = single.single_extensions.iter().flatten().find_map(|e| {
                (e.extn_id.to_string() == INVALIDITY_DATE)
                    .then(|| der::asn1::GeneralizedTime::from_der(e.extn_value.as_bytes()).ok())
                    .flatten()
            });
            match (signing_time, invalid_from) {
                (Some(signed), Some(invalid)) if signed < invalid.to_system_time() => CertificateStatus::Good,
                _ => CertificateStatus::Revoked,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use der::asn1::{BitString, GeneralizedTime, Null};
    use x509_ocsp::{OcspGeneralizedTime, ResponderId, ResponseBytes, ResponseData, SingleResponse, Version};

    use super::*;
    use crate::crypto::SigningKey;
    use crate::x509::generate_test_certificate;

    /// A good-status response about `certificate` (self-signed), signed with its `key`.
    fn response(key: &SigningKey, certificate: &Certificate, this_update: SystemTime) -> Vec<u8> {
        let time = |t: SystemTime| {
            let seconds = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
            OcspGeneralizedTime(GeneralizedTime::from_unix_duration(Duration::from_secs(seconds)).unwrap())
        };
        let data = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(OctetString::new(vec![1; 20]).unwrap()),
            produced_at: time(this_update),
            responses: vec![SingleResponse {
                cert_id: cert_id(certificate, certificate).unwrap(),
                cert_status: CertStatus::Good(Null),
                this_update: time(this_update),
                next_update: Some(time(this_update + Duration::from_secs(86400))),
                single_extensions: None,
            }],
            response_extensions: None,
        };
        let signature = key.sign(&data.to_der().unwrap()).unwrap();
        let basic = BasicOcspResponse {
            tbs_response_data: data,
            signature_algorithm: spki::AlgorithmIdentifierOwned {
                oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
                parameters: None,
            },
            signature: BitString::from_bytes(&signature).unwrap(),
            certs: None,
        };
        OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: ObjectIdentifier::new_unwrap(ID_PKIX_OCSP_BASIC),
                response: OctetString::new(basic.to_der().unwrap()).unwrap(),
            }),
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn a_response_signed_a_moment_after_now_is_current_and_one_far_ahead_is_not() {
        let now = SystemTime::now();
        let (key, certificate) =
            generate_test_certificate("ocsp test", now - Duration::from_secs(3600), Duration::from_secs(86400))
                .unwrap();
        let judge = |this_update| {
            judge_response(
                &response(&key, &certificate, this_update),
                &certificate,
                &certificate,
                now,
                None,
            )
        };
        assert_eq!(judge(now - Duration::from_secs(60)), Ok(CertificateStatus::Good));
        // The responder's second is later than the verification's instant: still current.
        assert_eq!(judge(now + Duration::from_secs(2)), Ok(CertificateStatus::Good));
        let ahead = judge(now + Duration::from_secs(3600)).unwrap_err();
        assert!(ahead.contains("not yet valid"), "{ahead}");
        // Another key's signature is refused.
        let (other, _) = generate_test_certificate("other", now, Duration::from_secs(86400)).unwrap();
        let forged = judge_response(
            &response(&other, &certificate, now),
            &certificate,
            &certificate,
            now,
            None,
        );
        assert!(forged.unwrap_err().contains("signed neither by the issuer"));
    }
}
