//! Notation's X.509 trust store: named stores of three types (`ca`, `signingAuthority`, `tsa`),
//! each a set of certificate files (PEM or DER, several certificates a file), as notation keeps
//! them under `truststore/x509/<type>/<name>/`. The files are read by the caller; here they are
//! parsed and held to notation's rules: every certificate a CA or self-signed, every `tsa`
//! certificate a root. A store that breaks a rule keeps the reason, reported when a trust policy
//! names it (as notation reports it then, not when the directory is read).

use std::collections::BTreeMap;
use std::fmt;

use der::{Decode, Encode, Reader, SliceReader};
use serde::Serialize;

use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::x509::{certificates_from_pem, Certificate};

/// Most certificates one named store may hold.
pub const STORE_CERTIFICATES_MAX: usize = 1000;
/// Largest certificate file read.
pub const CERTIFICATE_FILE_SIZE_MAX: usize = 4 * 1024 * 1024;

/// The type of a named trust store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TrustStoreType {
    /// Certificate authorities that issue signing certificates (signing scheme `notary.x509`).
    Ca,
    /// Signing authorities (signing scheme `notary.x509.signingAuthority`).
    SigningAuthority,
    /// Timestamp authorities' roots.
    Tsa,
}

impl TrustStoreType {
    /// Every type, as notation lists them.
    pub const ALL: [TrustStoreType; 3] = [
        TrustStoreType::Ca,
        TrustStoreType::SigningAuthority,
        TrustStoreType::Tsa,
    ];

    /// The type's name in trust policies and directory names.
    pub fn name(self) -> &'static str {
        match self {
            TrustStoreType::Ca => "ca",
            TrustStoreType::SigningAuthority => "signingAuthority",
            TrustStoreType::Tsa => "tsa",
        }
    }

    /// The type named `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for TrustStoreType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `name` may name a store (`[a-zA-Z0-9_.-]+`).
pub fn is_valid_store_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The named stores read so far.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    stores: BTreeMap<(TrustStoreType, String), std::result::Result<Vec<Certificate>, String>>,
}

impl TrustStore {
    /// An empty trust store.
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// Records that the store `name` of type `kind` exists (its files are added with
    /// [`TrustStore::add_certificate_file`]).
    pub fn add_store(&mut self, kind: TrustStoreType, name: &str) {
        self.stores
            .entry((kind, name.to_owned()))
            .or_insert_with(|| Ok(Vec::new()));
    }

    /// Records why the store cannot be used (a symlink, a directory inside it, an unreadable file),
    /// in notation's words; every later use of it fails with `reason`.
    pub fn mark_unusable(&mut self, kind: TrustStoreType, name: &str, reason: String) {
        self.stores.insert((kind, name.to_owned()), Err(reason));
    }

    /// Adds the certificates of one file (`bytes`, PEM or DER) to the store `name`. A file that is
    /// malformed, or holds a certificate the store may not hold, makes the store unusable.
    pub fn add_certificate_file(&mut self, kind: TrustStoreType, name: &str, file_name: &str, bytes: &[u8]) {
        let parsed = read_certificate_file(bytes).and_then(|certificates| {
            validate_store_certificates(kind, &certificates).map_err(|reason| {
                format!("failed to validate the trusted certificate {file_name} in trust store {name} of type {kind}: {reason}")
            })?;
            Ok(certificates)
        });
        let entry = self
            .stores
            .entry((kind, name.to_owned()))
            .or_insert_with(|| Ok(Vec::new()));
        match (entry, parsed) {
            (Err(_), _) => {}
            (entry @ Ok(_), Err(reason)) => {
                let reason = if reason.starts_with("failed to validate") {
                    reason
                } else {
                    format!("failed to read the trusted certificate {file_name} in trust store {name} of type {kind}: {reason}")
                };
                *entry = Err(reason);
            }
            (Ok(held), Ok(certificates)) => {
                if held.len() + certificates.len() > STORE_CERTIFICATES_MAX {
                    *self.stores.get_mut(&(kind, name.to_owned())).expect("entry exists") = Err(format!(
                        "trust store {name} of type {kind} holds more than {STORE_CERTIFICATES_MAX} certificates"
                    ));
                } else {
                    held.extend(certificates);
                }
            }
        }
    }

    /// The certificates of the store `name` of type `kind`, or why there are none to use.
    pub fn certificates(&self, kind: TrustStoreType, name: &str) -> Result<&[Certificate]> {
        match self.stores.get(&(kind, name.to_owned())) {
            None => Err(Error::new(
                ErrorCode::InvalidPolicy,
                format!(
                    "the trust store {name:?} of type {kind:?} does not exist",
                    kind = kind.name()
                ),
            )),
            Some(Err(reason)) => Err(Error::new(ErrorCode::InvalidPolicy, reason.clone())),
            Some(Ok(certificates)) if certificates.is_empty() => Err(Error::new(
                ErrorCode::InvalidPolicy,
                format!(
                    "no x509 certificates were found in trust store {name:?} of type {kind:?}",
                    kind = kind.name()
                ),
            )),
            Some(Ok(certificates)) => Ok(certificates),
        }
    }

    /// The thumbprint (SHA-256 of the DER, lower-case hex, as [`read_chain_thumbprints`] gives
    /// them) of every certificate of every usable store.
    pub fn thumbprints(&self) -> impl Iterator<Item = String> + '_ {
        self.stores
            .values()
            .flatten()
            .flatten()
            .map(|certificate| Digest::sha256(certificate.der()).hex().to_owned())
    }

    /// The stores, each with its certificates or why it cannot be used.
    pub fn stores(&self) -> impl Iterator<Item = (TrustStoreType, &str, std::result::Result<&[Certificate], &str>)> {
        self.stores.iter().map(|((kind, name), held)| {
            (
                *kind,
                name.as_str(),
                held.as_ref().map(Vec::as_slice).map_err(String::as_str),
            )
        })
    }
}

/// The thumbprints a notation signature manifest's `io.cncf.notary.x509chain.thumbprint#S256`
/// annotation lists (a JSON array of SHA-256 hex digests of its chain's certificates), lower-cased;
/// none when it is anything else. The annotation is not signed: it only says which signatures to
/// look at first, never whether one is trusted.
pub fn read_chain_thumbprints(annotation: &str) -> Vec<String> {
    let listed: Vec<String> = serde_json::from_str(annotation).unwrap_or_default();
    if listed.len() > super::chain::CHAIN_LENGTH_MAX
        || !listed
            .iter()
            .all(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Vec::new();
    }
    listed.iter().map(|t| t.to_ascii_lowercase()).collect()
}

/// The certificates of a file as notation reads one: PEM `CERTIFICATE` blocks, or DER
/// certificates one after the other.
pub fn read_certificate_file(bytes: &[u8]) -> std::result::Result<Vec<Certificate>, String> {
    if bytes.len() > CERTIFICATE_FILE_SIZE_MAX {
        return Err(format!(
            "the file is {} bytes, limit is {CERTIFICATE_FILE_SIZE_MAX}",
            bytes.len()
        ));
    }
    let certificates = if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        certificates_from_pem(bytes).map_err(|e| e.message().to_owned())?
    } else {
        concatenated_der(bytes)?
            .iter()
            .map(|der| Certificate::from_der(der).map_err(|e| e.message().to_owned()))
            .collect::<std::result::Result<Vec<_>, _>>()?
    };
    if certificates.is_empty() {
        return Err("no certificate found".to_owned());
    }
    if certificates.len() > STORE_CERTIFICATES_MAX {
        return Err(format!("more than {STORE_CERTIFICATES_MAX} certificates"));
    }
    Ok(certificates)
}

/// Splits DER bytes into the TLVs that follow one another.
fn concatenated_der(bytes: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let mut reader = SliceReader::new(bytes).map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    while !reader.is_finished() {
        let any = der::asn1::AnyRef::decode(&mut reader).map_err(|e| format!("malformed DER certificate: {e}"))?;
        parts.push(any.to_der().map_err(|e| e.to_string())?);
        if parts.len() > STORE_CERTIFICATES_MAX {
            return Err(format!("more than {STORE_CERTIFICATES_MAX} certificates"));
        }
    }
    Ok(parts)
}

/// A store holds CA certificates or self-signed signing certificates; a `tsa` store only roots.
fn validate_store_certificates(kind: TrustStoreType, certificates: &[Certificate]) -> std::result::Result<(), String> {
    for certificate in certificates {
        if !certificate.is_ca() && !certificate.is_signed_by_own_key() {
            return Err(format!(
                "certificate with subject {:?} is not a CA certificate or self-signed signing certificate",
                certificate.subject_text()
            ));
        }
        if kind == TrustStoreType::Tsa && !certificate.is_self_signed() {
            return Err(format!(
                "certificate with subject {:?} is not a root CA certificate",
                certificate.subject_text()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production_fulcio_pem() -> (String, String) {
        let root = crate::sigstore::TrustedRoot::production().unwrap();
        let chain = &root.certificate_authorities.last().unwrap().chain;
        let pem = |der: &Vec<u8>| pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()));
        (pem(&chain[0]), pem(&chain[1]))
    }

    #[test]
    fn stores_hold_pem_and_concatenated_der_and_say_why_they_cannot_be_used() {
        let root = crate::sigstore::TrustedRoot::production().unwrap();
        let chain = &root.certificate_authorities.last().unwrap().chain;
        let (intermediate, root_pem) = production_fulcio_pem();
        let mut store = TrustStore::new();
        store.add_certificate_file(
            TrustStoreType::Ca,
            "fulcio",
            "both.pem",
            format!("{intermediate}{root_pem}").as_bytes(),
        );
        store.add_certificate_file(
            TrustStoreType::Ca,
            "der",
            "both.der",
            &[chain[0].clone(), chain[1].clone()].concat(),
        );
        assert_eq!(store.certificates(TrustStoreType::Ca, "fulcio").unwrap().len(), 2);
        assert_eq!(store.certificates(TrustStoreType::Ca, "der").unwrap().len(), 2);
        // The intermediate is a CA but not a root: no place in a tsa store.
        store.add_certificate_file(TrustStoreType::Tsa, "tsa", "i.pem", intermediate.as_bytes());
        let error = store.certificates(TrustStoreType::Tsa, "tsa").unwrap_err();
        assert!(error.message().contains("is not a root CA certificate"), "{error}");
        store.add_certificate_file(
            TrustStoreType::Ca,
            "junk",
            "x.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        assert!(store
            .certificates(TrustStoreType::Ca, "junk")
            .unwrap_err()
            .message()
            .contains("failed to read the trusted certificate x.pem"));
        store.add_certificate_file(TrustStoreType::Ca, "fulcio", "junk.der", b"\x30\x03\x02\x01\x01");
        assert!(
            store.certificates(TrustStoreType::Ca, "fulcio").is_err(),
            "one bad file spoils the store"
        );
        assert!(store
            .certificates(TrustStoreType::Ca, "none")
            .unwrap_err()
            .message()
            .contains("does not exist"));
        store.add_store(TrustStoreType::SigningAuthority, "empty");
        assert!(store
            .certificates(TrustStoreType::SigningAuthority, "empty")
            .unwrap_err()
            .message()
            .contains("no x509 certificates were found"));
        store.mark_unusable(TrustStoreType::Ca, "der", "a symlink".into());
        assert_eq!(
            store.certificates(TrustStoreType::Ca, "der").unwrap_err().message(),
            "a symlink"
        );
    }

    #[test]
    fn store_names_follow_notations_pattern() {
        assert!(is_valid_store_name("valid-trust_store.1"));
        for bad in ["", "a/b", "a b", "ü"] {
            assert!(!is_valid_store_name(bad), "{bad}");
        }
    }
}
