//! Self-signed code signing certificates for testing, as `notation cert generate-test` makes them:
//! a new key, and a certificate for `CN=<name>,O=Notary,L=Seattle,ST=WA,C=US` with key usage
//! digitalSignature (critical) and extended key usage codeSigning, signed by its own key. The key
//! is ECDSA P-256 (notation makes RSA; ring, the crypto used here, cannot generate RSA keys).

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{TbsCertificate, Version};

use super::Certificate;
use crate::crypto::SigningKey;
use crate::error::{Error, ErrorCode, Result};

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const EKU_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");

fn internal(what: &'static str) -> impl Fn(der::Error) -> Error {
    move |e| {
        Error::new(
            ErrorCode::Internal,
            format!("making the test certificate ({what}): {e}"),
        )
    }
}

/// A new key and a self-signed code signing certificate for `common_name`, valid from `not_before`
/// for `validity`.
pub fn generate_test_certificate(
    common_name: &str,
    not_before: SystemTime,
    validity: Duration,
) -> Result<(SigningKey, Certificate)> {
    if common_name.is_empty() || common_name.contains([',', '+', '=', '"', '\\', '<', '>', ';', '#']) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{common_name:?} cannot be a common name: use letters, digits, '-', '_', '.', spaces"),
        ));
    }
    let key = SigningKey::generate_ecdsa_p256()?;
    let name = Name::from_str(&format!("CN={common_name},O=Notary,L=Seattle,ST=WA,C=US")).map_err(internal("name"))?;
    let time = |t: SystemTime| -> Result<Time> {
        let seconds = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        Time::try_from(std::time::UNIX_EPOCH + Duration::from_secs(seconds.as_secs())).map_err(internal("time"))
    };
    let mut serial = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut serial)
        .map_err(|_| Error::new(ErrorCode::Internal, "no randomness for the serial number"))?;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    let extension = |oid: ObjectIdentifier, critical: bool, value: Vec<u8>| -> Result<Extension> {
        Ok(Extension {
            extn_id: oid,
            critical,
            extn_value: OctetString::new(value).map_err(internal("extension"))?,
        })
    };
    let key_usage = KeyUsage(KeyUsages::DigitalSignature.into())
        .to_der()
        .map_err(internal("key usage"))?;
    let extended = ExtendedKeyUsage(vec![EKU_CODE_SIGNING])
        .to_der()
        .map_err(internal("extended key usage"))?;
    let algorithm = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial).map_err(internal("serial"))?,
        signature: algorithm.clone(),
        issuer: name.clone(),
        validity: Validity {
            not_before: time(not_before)?,
            not_after: time(not_before + validity)?,
        },
        subject: name,
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(key.public_key().spki_der())
            .map_err(internal("public key"))?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(vec![
            extension(ObjectIdentifier::new_unwrap("2.5.29.15"), true, key_usage)?,
            extension(ObjectIdentifier::new_unwrap("2.5.29.37"), false, extended)?,
        ]),
    };
    let tbs_der = tbs.to_der().map_err(internal("encoding"))?;
    let signature = key.sign(&tbs_der)?;
    let certificate = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature).map_err(internal("signature"))?,
    };
    let der = certificate.to_der().map_err(internal("encoding"))?;
    Ok((key, Certificate::from_der(&der)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notation::chain::validate_code_signing_chain;

    #[test]
    fn the_certificate_is_a_self_signed_code_signing_leaf_of_its_key() {
        let now = SystemTime::now();
        let (key, certificate) = generate_test_certificate("acme test", now, Duration::from_secs(86_400)).unwrap();
        assert_eq!(certificate.public_key(), key.public_key());
        assert!(certificate.is_self_signed());
        assert_eq!(certificate.subject_text(), "CN=acme test,O=Notary,L=Seattle,ST=WA,C=US");
        validate_code_signing_chain(std::slice::from_ref(&certificate), now + Duration::from_secs(60)).unwrap();
        assert!(certificate.is_valid_at(now + Duration::from_secs(86_000)));
        assert!(!certificate.is_valid_at(now + Duration::from_secs(86_500)));
        assert!(generate_test_certificate("a,b", now, Duration::from_secs(1)).is_err());
    }
}
