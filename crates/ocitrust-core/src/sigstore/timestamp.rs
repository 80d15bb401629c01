//! RFC 3161 timestamps, as Sigstore bundles carry them (a `TimeStampResp`, or the bare token): a
//! CMS SignedData (decoded with `cms`) over a TSTInfo (`x509-tsp`) whose message imprint is the hash
//! of the signature being timestamped. Verified against the trusted root's timestamp authorities:
//! the signer is the authority's certificate (or one its CA issued), valid with its chain at the
//! stamped time, allowed to stamp, within the authority's validity; the signed attributes bind the
//! TSTInfo; the signature verifies. Certificates the token embeds never add trust.

use std::time::SystemTime;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_tsp::{TimeStampResp, TstInfo};

use super::trusted_root::{CertificateAuthority, TrustedRoot};
use crate::crypto::{hash_parts, SignatureAlgorithm};
use crate::digest::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::x509::{Certificate, EKU_TIME_STAMPING};

/// Largest timestamp read.
pub const TIMESTAMP_SIZE_MAX: usize = 64 * 1024;
const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const ID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";

fn failed(message: String) -> Error {
    Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("RFC 3161 timestamp: {message}"),
    )
}

fn malformed(what: &str) -> impl Fn(der::Error) -> Error + '_ {
    move |e| failed(format!("malformed {what}: {e}"))
}

fn hash_algorithm(oid: &ObjectIdentifier) -> Result<Algorithm> {
    match oid.to_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => Ok(Algorithm::Sha256),
        "2.16.840.1.101.3.4.2.2" => Ok(Algorithm::Sha384),
        "2.16.840.1.101.3.4.2.3" => Ok(Algorithm::Sha512),
        other => Err(failed(format!("unsupported hash algorithm {other}"))),
    }
}

/// The token's ContentInfo, whether `bytes` is a `TimeStampResp` or the token itself.
fn token(bytes: &[u8]) -> Result<ContentInfo> {
    if let Ok(response) = TimeStampResp::from_der(bytes) {
        if response.status.status as u32 > 1 {
            return Err(failed(format!(
                "the response's status is {:?}, not granted",
                response.status.status
            )));
        }
        return response
            .time_stamp_token
            .ok_or_else(|| failed("the response holds no token".into()));
    }
    ContentInfo::from_der(bytes).map_err(malformed("token"))
}

/// Verifies `bytes` as a timestamp over `signature` under `root`'s timestamp authorities; returns
/// the stamped time.
pub fn verify_timestamp(bytes: &[u8], signature: &[u8], root: &TrustedRoot) -> Result<SystemTime> {
    if bytes.len() > TIMESTAMP_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("timestamp is {} bytes, limit is {TIMESTAMP_SIZE_MAX}", bytes.len()),
        ));
    }
    let token = token(bytes)?;
    if token.content_type.to_string() != ID_SIGNED_DATA {
        return Err(failed("the token is not CMS SignedData".into()));
    }
    let signed: SignedData = token.content.decode_as().map_err(malformed("SignedData"))?;
    if signed.encap_content_info.econtent_type.to_string() != ID_CT_TST_INFO {
        return Err(failed("the token does not hold a TSTInfo".into()));
    }
    let tst_der = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| failed("the token's TSTInfo is missing".into()))?
        .decode_as::<OctetString>()
        .map_err(malformed("TSTInfo"))?
        .into_bytes();
    let tst = TstInfo::from_der(&tst_der).map_err(malformed("TSTInfo"))?;
    let imprint_algorithm = hash_algorithm(&tst.message_imprint.hash_algorithm.oid)?;
    if tst.message_imprint.hashed_message.as_bytes() != hash_parts(imprint_algorithm, &[signature]) {
        return Err(failed("its message imprint is not the hash of this signature".into()));
    }
    let time = tst.gen_time.to_system_time();
    let signer_info = match signed.signer_infos.0.as_slice() {
        [only] => only,
        other => return Err(failed(format!("{} signer infos, expected one", other.len()))),
    };
    let signed_attributes = check_signed_attributes(signer_info, &tst_der)?;
    let embedded: Vec<Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(c) => c.to_der().ok(),
            CertificateChoices::Other(_) => None,
        })
        .filter_map(|der| Certificate::from_der(&der).ok())
        .collect();
    let mut last = failed("the trusted root lists no timestamp authority".into());
    for authority in &root.timestamp_authorities {
        match verify_with_authority(authority, signer_info, &signed_attributes, &embedded, time) {
            Ok(()) => return Ok(time),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Checks the content-type and message-digest attributes; returns the DER the signature covers.
fn check_signed_attributes(signer_info: &SignerInfo, tst_der: &[u8]) -> Result<Vec<u8>> {
    let attributes = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| failed("the signer info has no signed attributes".into()))?;
    let single = |oid: &str| -> Result<&der::Any> {
        let attribute = attributes
            .iter()
            .find(|a| a.oid.to_string() == oid)
            .ok_or_else(|| failed(format!("signed attribute {oid} is missing")))?;
        match attribute.values.as_slice() {
            [only] => Ok(only),
            _ => Err(failed(format!("signed attribute {oid} has other than one value"))),
        }
    };
    let content_type: ObjectIdentifier = single(ID_CONTENT_TYPE)?
        .decode_as()
        .map_err(malformed("content type"))?;
    if content_type.to_string() != ID_CT_TST_INFO {
        return Err(failed("the signed content type is not TSTInfo".into()));
    }
    let digest: OctetString = single(ID_MESSAGE_DIGEST)?
        .decode_as()
        .map_err(malformed("message digest"))?;
    let algorithm = hash_algorithm(&signer_info.digest_alg.oid)?;
    if digest.as_bytes() != hash_parts(algorithm, &[tst_der]) {
        return Err(failed("the signed message digest is not the TSTInfo's".into()));
    }
    attributes.to_der().map_err(malformed("signed attributes"))
}

fn signature_algorithm(signer_info: &SignerInfo) -> Result<SignatureAlgorithm> {
    let oid = &signer_info.signature_algorithm.oid;
    if oid.to_string() == RSA_ENCRYPTION {
        return match hash_algorithm(&signer_info.digest_alg.oid)? {
            Algorithm::Sha256 => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
            Algorithm::Sha384 => Ok(SignatureAlgorithm::RsaPkcs1Sha384),
            Algorithm::Sha512 => Ok(SignatureAlgorithm::RsaPkcs1Sha512),
        };
    }
    SignatureAlgorithm::from_x509_oid(oid).ok_or_else(|| failed(format!("unsupported signature algorithm {oid}")))
}

/// Whether `certificate` is the one `sid` names.
fn identifies(sid: &SignerIdentifier, certificate: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            let tbs = &certificate.decoded().tbs_certificate;
            id.issuer == tbs.issuer && id.serial_number == tbs.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => certificate
            .extension(SUBJECT_KEY_IDENTIFIER)
            .and_then(|value| OctetString::from_der(value).ok())
            .is_some_and(|value| value.as_bytes() == ski.0.as_bytes()),
    }
}

fn verify_with_authority(
    authority: &CertificateAuthority,
    signer_info: &SignerInfo,
    signed_attributes: &[u8],
    embedded: &[Certificate],
    time: SystemTime,
) -> Result<()> {
    if !authority.valid_for.contains(time) {
        return Err(failed(format!(
            "the stamped time is outside the validity of the timestamp authority {}",
            authority.uri
        )));
    }
    let chain = authority.trusted_chain.as_ref().map_err(Clone::clone)?;
    let first = &chain.certificates()[0];
    let signer = std::iter::once(first)
        .chain(embedded)
        .find(|c| identifies(&signer_info.sid, c))
        .ok_or_else(|| {
            failed(format!(
                "not signed by a certificate of the timestamp authority {}",
                authority.uri
            ))
        })?;
    if signer.der() == first.der() {
        if !first
            .extended_key_usage()
            .is_some_and(|u| u.iter().any(|e| e == EKU_TIME_STAMPING))
        {
            return Err(failed("the authority's certificate may not stamp time".into()));
        }
        if let Some(expired) = chain.certificates().iter().find(|c| !c.is_valid_at(time)) {
            return Err(failed(format!(
                "certificate {:?} is not valid at the stamped time",
                expired.subject_text()
            )));
        }
    } else {
        chain
            .verify_leaf(signer, time, EKU_TIME_STAMPING)
            .map_err(|e| failed(e.message().to_owned()))?;
    }
    signer
        .public_key()
        .verify_with(
            signature_algorithm(signer_info)?,
            signed_attributes,
            signer_info.signature.as_bytes(),
        )
        .map_err(|_| failed("its signature does not verify".into()))
}
