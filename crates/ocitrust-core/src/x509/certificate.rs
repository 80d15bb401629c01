//! One X.509 certificate, decoded with `x509-cert` and read once into what verification needs: the
//! signed bytes and signature, names, validity, key, the standard extensions that decide how it may
//! be used, and the raw payloads of the others (Fulcio's claims, the SCT list), read by their own
//! modules. Anything malformed refuses the certificate.

use std::time::SystemTime;

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectAltName};

use super::signed_parts;
use crate::crypto::{PublicKey, SignatureAlgorithm};
use crate::error::{Error, ErrorCode, Result};

/// Largest certificate read (Fulcio's carry a dozen claims and an SCT list: about 2 KiB).
pub const CERTIFICATE_SIZE_MAX: usize = 64 * 1024;

pub(crate) const EXTENSION_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const EXTENSION_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const EXTENSION_KEY_USAGE: &str = "2.5.29.15";
const EXTENSION_EXTENDED_KEY_USAGE: &str = "2.5.29.37";
/// Critical extensions a certificate may carry here; any other critical one refuses it (RFC 5280
/// 4.2: a verifier that does not understand a critical extension must reject the certificate).
const UNDERSTOOD_CRITICAL: &[&str] = &[
    EXTENSION_SUBJECT_ALT_NAME,
    EXTENSION_BASIC_CONSTRAINTS,
    EXTENSION_KEY_USAGE,
    EXTENSION_EXTENDED_KEY_USAGE,
];
/// `otherName` SAN Fulcio uses for usernames (`1.3.6.1.4.1.57264.1.7`), a UTF8String.
const FULCIO_OTHER_NAME_SAN: &str = "1.3.6.1.4.1.57264.1.7";

/// A bit of the key usage extension that verification asks about (RFC 5280 4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsage {
    /// `digitalSignature` (bit 0): the key signs data.
    DigitalSignature = 0,
    /// `keyCertSign` (bit 5): the key signs certificates.
    KeyCertSign = 5,
}

/// A subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AltName {
    /// `rfc822Name`: an email address.
    Email(String),
    /// `uniformResourceIdentifier`.
    Uri(String),
    /// `dNSName`.
    Dns(String),
    /// Fulcio's `otherName` username SAN.
    OtherName(String),
}

impl AltName {
    /// The name's text, as identity policies match it.
    pub fn value(&self) -> &str {
        match self {
            AltName::Email(v) | AltName::Uri(v) | AltName::Dns(v) | AltName::OtherName(v) => v,
        }
    }
}

/// A decoded certificate.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    decoded: x509_cert::Certificate,
    tbs: Vec<u8>,
    signature_algorithm: ObjectIdentifier,
    signature: Vec<u8>,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    not_before: SystemTime,
    not_after: SystemTime,
    public_key: PublicKey,
    is_ca: bool,
    has_basic_constraints: bool,
    path_len: Option<u8>,
    key_usage: Option<u16>,
    key_usage_critical: bool,
    extended_key_usage: Option<Vec<String>>,
    alt_names: Vec<AltName>,
    extensions: Vec<(String, Vec<u8>)>,
    critical_extensions: Vec<String>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidCertificate, message)
}

fn der_error(what: &str) -> impl Fn(der::Error) -> Error + '_ {
    move |e| invalid(format!("malformed {what}: {e}"))
}

impl Certificate {
    /// Decodes DER `bytes`.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > CERTIFICATE_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("certificate is {} bytes, limit is {CERTIFICATE_SIZE_MAX}", bytes.len()),
            ));
        }
        let decoded = x509_cert::Certificate::from_der(bytes).map_err(der_error("certificate"))?;
        let (tbs, _, signature_bits) = signed_parts(bytes).map_err(der_error("certificate"))?;
        let tbs_cert = &decoded.tbs_certificate;
        if tbs_cert.signature != decoded.signature_algorithm {
            return Err(invalid(
                "the certificate's two signature algorithm fields differ".to_owned(),
            ));
        }
        let spki = tbs_cert
            .subject_public_key_info
            .to_der()
            .map_err(der_error("public key"))?;
        let public_key = PublicKey::from_spki_der(&spki).map_err(|e| e.context("the certificate's public key"))?;
        let mut certificate = Certificate {
            der: bytes.to_vec(),
            tbs,
            signature_algorithm: decoded.signature_algorithm.oid,
            signature: signature_bits,
            subject: tbs_cert.subject.to_der().map_err(der_error("subject"))?,
            issuer: tbs_cert.issuer.to_der().map_err(der_error("issuer"))?,
            not_before: tbs_cert.validity.not_before.to_system_time(),
            not_after: tbs_cert.validity.not_after.to_system_time(),
            public_key,
            is_ca: false,
            has_basic_constraints: false,
            path_len: None,
            key_usage: None,
            key_usage_critical: false,
            extended_key_usage: None,
            alt_names: Vec::new(),
            extensions: Vec::new(),
            critical_extensions: Vec::new(),
            decoded: decoded.clone(),
        };
        for extension in tbs_cert.extensions.iter().flatten() {
            certificate.read_extension(extension)?;
        }
        Ok(certificate)
    }

    fn read_extension(&mut self, extension: &x509_cert::ext::Extension) -> Result<()> {
        let oid = extension.extn_id.to_string();
        let value = extension.extn_value.as_bytes();
        if self.extensions.iter().any(|(seen, _)| *seen == oid) {
            return Err(invalid(format!("the certificate has extension {oid} twice")));
        }
        match oid.as_str() {
            EXTENSION_BASIC_CONSTRAINTS => {
                let constraints = BasicConstraints::from_der(value).map_err(der_error("basic constraints"))?;
                self.is_ca = constraints.ca;
                self.has_basic_constraints = true;
                self.path_len = constraints.path_len_constraint;
            }
            EXTENSION_KEY_USAGE => {
                self.key_usage = Some(key_usage_bits(value)?);
                self.key_usage_critical = extension.critical;
            }
            EXTENSION_EXTENDED_KEY_USAGE => {
                let usages = ExtendedKeyUsage::from_der(value).map_err(der_error("extended key usage"))?;
                self.extended_key_usage = Some(usages.0.iter().map(ToString::to_string).collect());
            }
            EXTENSION_SUBJECT_ALT_NAME => {
                let names = SubjectAltName::from_der(value).map_err(der_error("subject alternative name"))?;
                self.alt_names = names.0.iter().filter_map(alt_name).collect::<Result<_>>()?;
            }
            _ if extension.critical && !UNDERSTOOD_CRITICAL.contains(&oid.as_str()) => {
                return Err(invalid(format!(
                    "the certificate has an unknown critical extension {oid}"
                )));
            }
            _ => {}
        }
        if extension.critical {
            self.critical_extensions.push(oid.clone());
        }
        self.extensions.push((oid, value.to_vec()));
        Ok(())
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The signed part (`tbsCertificate`), exactly as encoded.
    pub fn tbs(&self) -> &[u8] {
        &self.tbs
    }

    /// The decoded structure, for modules that re-encode a part of it (the SCT's precertificate).
    pub(crate) fn decoded(&self) -> &x509_cert::Certificate {
        &self.decoded
    }

    /// The DER subject name.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject
    }

    /// The DER issuer name.
    pub fn issuer_der(&self) -> &[u8] {
        &self.issuer
    }

    /// The subject name as text (RFC 4514); for a certificate with an empty subject (Fulcio's),
    /// its first subject alternative name.
    pub fn subject_text(&self) -> String {
        let subject = self.decoded.tbs_certificate.subject.to_string();
        match (subject.is_empty(), self.alt_names.first()) {
            (true, Some(name)) => name.value().to_owned(),
            _ => subject,
        }
    }

    /// The issuer name as text (RFC 4514).
    pub fn issuer_text(&self) -> String {
        self.decoded.tbs_certificate.issuer.to_string()
    }

    /// The first instant of validity.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The last instant of validity.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// Whether `time` is within the validity (both ends inclusive, as RFC 5280 says).
    pub fn is_valid_at(&self, time: SystemTime) -> bool {
        self.not_before <= time && time <= self.not_after
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Whether basic constraints mark it a CA.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// Whether the basic constraints extension is present.
    pub fn has_basic_constraints(&self) -> bool {
        self.has_basic_constraints
    }

    /// The key usage flags (bit n of the extension is `1 << n`) and whether the extension is
    /// critical; `None` without the extension.
    pub fn key_usage(&self) -> Option<(u16, bool)> {
        self.key_usage.map(|bits| (bits, self.key_usage_critical))
    }

    /// The subject name's relative distinguished names, in their encoded order, each a list of
    /// (attribute type OID, value as text); a value that is not a string is `None`.
    pub fn subject_rdns(&self) -> Vec<Vec<(String, Option<String>)>> {
        self.decoded
            .tbs_certificate
            .subject
            .0
            .iter()
            .map(|rdn| {
                rdn.0
                    .iter()
                    .map(|attribute| (attribute.oid.to_string(), directory_string(&attribute.value)))
                    .collect()
            })
            .collect()
    }

    /// Whether the certificate is signed by its own key under its own name (a root).
    pub fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.verify_issued_by(self).is_ok()
    }

    /// Whether the certificate's own key signed it, whatever its names say.
    pub fn is_signed_by_own_key(&self) -> bool {
        SignatureAlgorithm::from_x509_oid(&self.signature_algorithm).is_some_and(|algorithm| {
            self.public_key
                .verify_with(algorithm, &self.tbs, &self.signature)
                .is_ok()
        })
    }

    /// The CA's path length constraint, if any.
    pub fn path_len(&self) -> Option<u8> {
        self.path_len
    }

    /// Whether the key usage extension is absent or allows `usage`.
    pub fn allows_key_usage(&self, usage: KeyUsage) -> bool {
        self.key_usage.is_none_or(|bits| bits & (1 << usage as u16) != 0)
    }

    /// Whether the key usage extension is present and allows `usage`.
    pub fn declares_key_usage(&self, usage: KeyUsage) -> bool {
        self.key_usage.is_some_and(|bits| bits & (1 << usage as u16) != 0)
    }

    /// The extended key usages, when the extension is present.
    pub fn extended_key_usage(&self) -> Option<&[String]> {
        self.extended_key_usage.as_deref()
    }

    /// The subject alternative names.
    pub fn alt_names(&self) -> &[AltName] {
        &self.alt_names
    }

    /// The raw value (inside the OCTET STRING) of extension `oid`, if present.
    pub fn extension(&self, oid: &str) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(id, _)| id == oid)
            .map(|(_, value)| value.as_slice())
    }

    /// Whether extension `oid` is present and marked critical.
    pub fn extension_is_critical(&self, oid: &str) -> bool {
        self.critical_extensions.iter().any(|c| c == oid)
    }

    /// Whether subject and issuer are the same name (a root, or a self-issued CA certificate).
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// Whether this certificate names `issuer`'s subject as its issuer (the names chain; the
    /// signature is [`Certificate::verify_issued_by`]'s to check).
    pub fn names_issuer(&self, issuer: &Certificate) -> bool {
        self.issuer == issuer.subject
    }

    /// Verifies that `issuer`'s key signed this certificate, and that the names chain.
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<()> {
        if self.issuer != issuer.subject {
            return Err(invalid(format!(
                "certificate issued by {:?}, not by {:?}",
                self.decoded.tbs_certificate.issuer.to_string(),
                issuer.subject_text()
            )));
        }
        let algorithm = SignatureAlgorithm::from_x509_oid(&self.signature_algorithm).ok_or_else(|| {
            Error::new(
                ErrorCode::Unsupported,
                format!(
                    "unsupported certificate signature algorithm {}",
                    self.signature_algorithm
                ),
            )
        })?;
        issuer
            .public_key
            .verify_with(algorithm, &self.tbs, &self.signature)
            .map_err(|_| {
                invalid(format!(
                    "the signature on the certificate for {:?} does not verify with the key of {:?}",
                    self.subject_text(),
                    issuer.subject_text()
                ))
            })
    }
}

/// `KeyUsage ::= BIT STRING`, as flags: bit n of the string (n = 0 the first, most
/// significant bit) is flag `1 << n`.
fn key_usage_bits(value: &[u8]) -> Result<u16> {
    let bits = der::asn1::BitString::from_der(value).map_err(der_error("key usage"))?;
    let mut flags = 0u16;
    for (n, set) in bits.bits().enumerate().take(16) {
        if set {
            flags |= 1 << n;
        }
    }
    Ok(flags)
}

fn alt_name(name: &GeneralName) -> Option<Result<AltName>> {
    Some(Ok(match name {
        GeneralName::Rfc822Name(v) => AltName::Email(v.to_string()),
        GeneralName::UniformResourceIdentifier(v) => AltName::Uri(v.to_string()),
        GeneralName::DnsName(v) => AltName::Dns(v.to_string()),
        GeneralName::OtherName(other) if other.type_id.to_string() == FULCIO_OTHER_NAME_SAN => {
            return Some(
                other
                    .value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|v| AltName::OtherName(v.as_str().to_owned()))
                    .map_err(der_error("otherName SAN")),
            )
        }
        _ => return None,
    }))
}

/// The text of a directory string (UTF8String, PrintableString, IA5String, TeletexString read as
/// Latin-1, BMPString), or `None` for any other value.
fn directory_string(value: &der::asn1::Any) -> Option<String> {
    use der::{Tag, Tagged};
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            bytes
                .len()
                .is_multiple_of(2)
                .then(|| String::from_utf16(&units).ok())
                .flatten()
        }
        _ => None,
    }
}

/// The contents of a DER OCTET STRING (how some extensions wrap their payload once more).
pub(crate) fn octet_string_contents(der: &[u8]) -> Result<Vec<u8>> {
    Ok(OctetString::from_der(der)
        .map_err(der_error("OCTET STRING"))?
        .into_bytes())
}

/// Decodes every certificate of a PEM text (`CERTIFICATE` blocks, in order).
pub fn certificates_from_pem(text: &[u8]) -> Result<Vec<Certificate>> {
    let blocks = pem::parse_many(text).map_err(|e| invalid(format!("not PEM: {e}")))?;
    if blocks.is_empty() {
        return Err(invalid("no PEM CERTIFICATE block found".to_owned()));
    }
    blocks
        .iter()
        .map(|block| {
            if block.tag() != "CERTIFICATE" {
                return Err(invalid(format!(
                    "a PEM {:?} block where a CERTIFICATE was expected",
                    block.tag()
                )));
            }
            Certificate::from_der(block.contents())
        })
        .collect()
}

/// The certificate a `--certificate` file holds, as cosign reads one: the first `CERTIFICATE` block
/// of a PEM text (the leaf, when a chain follows it), or else DER.
pub fn certificate_from_pem_or_der(bytes: &[u8]) -> Result<Certificate> {
    if bytes.len() > CERTIFICATE_SIZE_MAX {
        return Err(invalid(format!(
            "a certificate of {} bytes, limit is {CERTIFICATE_SIZE_MAX}",
            bytes.len()
        )));
    }
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        Ok(certificates_from_pem(bytes)?.remove(0))
    } else {
        Certificate::from_der(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production_fulcio() -> Vec<Certificate> {
        let root = crate::sigstore::TrustedRoot::production().unwrap();
        root.certificate_authorities
            .last()
            .unwrap()
            .chain
            .iter()
            .map(|der| Certificate::from_der(der).unwrap())
            .collect()
    }

    #[test]
    fn the_production_fulcio_intermediate_is_signed_by_its_root() {
        let chain = production_fulcio();
        assert_eq!(chain.len(), 2);
        let (intermediate, root) = (&chain[0], &chain[1]);
        assert!(intermediate.is_ca() && root.is_ca());
        assert!(root.is_self_issued());
        intermediate.verify_issued_by(root).unwrap();
        root.verify_issued_by(root).unwrap();
        let err = root.verify_issued_by(intermediate).unwrap_err();
        assert!(err.message().contains("issued by"), "{err}");
        assert!(intermediate.declares_key_usage(KeyUsage::KeyCertSign));
    }

    #[test]
    fn a_flipped_signature_bit_fails() {
        let chain = production_fulcio();
        let mut der = chain[0].der().to_vec();
        let last = der.len() - 3;
        der[last] ^= 1;
        let tampered = Certificate::from_der(&der).unwrap();
        assert!(tampered.verify_issued_by(&chain[1]).is_err());
    }

    #[test]
    fn garbage_and_oversized_input_are_refused() {
        assert_eq!(
            Certificate::from_der(b"").unwrap_err().code(),
            ErrorCode::InvalidCertificate
        );
        assert_eq!(
            Certificate::from_der(&vec![0x30; CERTIFICATE_SIZE_MAX + 1])
                .unwrap_err()
                .code(),
            ErrorCode::LimitExceeded
        );
        let chain = production_fulcio();
        let mut trailing = chain[0].der().to_vec();
        trailing.push(0);
        assert!(Certificate::from_der(&trailing).is_err());
    }
}
