//! Signed certificate timestamps embedded in a Fulcio certificate (RFC 6962 3.3): the list in
//! extension `1.3.6.1.4.1.11129.2.4.2`, each SCT verified against the trusted root's CT log with
//! its log id, over the precertificate entry it was issued for — the leaf's TBS without the SCT
//! extension, bound to the SHA-256 of the issuer's key. The TLS-encoded list is read here by hand:
//! it is an extension payload, and its format is a few length-prefixed fields.

use std::time::{Duration, UNIX_EPOCH};

use der::Encode;

use super::trusted_root::TrustedRoot;
use crate::crypto::{sha256, SignatureAlgorithm};
use crate::error::{Error, ErrorCode, Result};
use crate::hex::encode as hex;
use crate::x509::{octet_string_contents, Certificate};

/// The SCT list extension.
pub const SCT_LIST_EXTENSION: &str = "1.3.6.1.4.1.11129.2.4.2";
/// Most SCTs read from one certificate.
const SCTS_MAX: usize = 32;

/// One SCT as encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCertificateTimestamp {
    /// The log's id: SHA-256 of its key.
    pub log_id: Vec<u8>,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The extensions field (empty for classic logs; static CT logs put the leaf index here).
    pub extensions: Vec<u8>,
    /// TLS HashAlgorithm code (4: SHA-256).
    pub hash_algorithm: u8,
    /// TLS SignatureAlgorithm code (1: RSA, 3: ECDSA, 7: Ed25519).
    pub signature_algorithm: u8,
    /// The signature.
    pub signature: Vec<u8>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidCertificate, format!("SCT: {message}"))
}

/// A cursor over TLS-encoded bytes.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(invalid("truncated".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uint(&mut self, bytes: usize) -> Result<u64> {
        Ok(self.take(bytes)?.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b)))
    }

    fn vector(&mut self, length_bytes: usize) -> Result<&'a [u8]> {
        let len = self.uint(length_bytes)? as usize;
        self.take(len)
    }
}

/// Parses a `SignedCertificateTimestampList` (the TLS bytes inside the extension's OCTET STRING).
pub fn parse_sct_list(list: &[u8]) -> Result<Vec<SignedCertificateTimestamp>> {
    let mut outer = Tls(list);
    let mut items = Tls(outer.vector(2)?);
    if !outer.0.is_empty() {
        return Err(invalid("bytes after the list".into()));
    }
    let mut scts = Vec::new();
    while !items.0.is_empty() {
        if scts.len() == SCTS_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("more than {SCTS_MAX} SCTs in one certificate"),
            ));
        }
        let mut sct = Tls(items.vector(2)?);
        let version = sct.uint(1)?;
        if version != 0 {
            return Err(invalid(format!("version {version}, expected 0 (v1)")));
        }
        let parsed = SignedCertificateTimestamp {
            log_id: sct.take(32)?.to_vec(),
            timestamp_ms: sct.uint(8)?,
            extensions: sct.vector(2)?.to_vec(),
            hash_algorithm: sct.uint(1)? as u8,
            signature_algorithm: sct.uint(1)? as u8,
            signature: sct.vector(2)?.to_vec(),
        };
        if !sct.0.is_empty() {
            return Err(invalid("bytes after the signature".into()));
        }
        scts.push(parsed);
    }
    Ok(scts)
}

/// The leaf's TBS with the SCT list extension removed, as the log signed it.
fn precertificate_tbs(leaf: &Certificate) -> Result<Vec<u8>> {
    let mut tbs = leaf.decoded().tbs_certificate.clone();
    if let Some(extensions) = tbs.extensions.as_mut() {
        extensions.retain(|e| e.extn_id.to_string() != SCT_LIST_EXTENSION);
    }
    tbs.to_der()
        .map_err(|e| invalid(format!("re-encoding the precertificate: {e}")))
}

/// What an SCT over a precertificate signs (RFC 6962 3.2, `digitally-signed struct`).
fn signed_entry(sct: &SignedCertificateTimestamp, issuer_key_hash: &[u8], tbs: &[u8]) -> Result<Vec<u8>> {
    if tbs.len() >= 1 << 24 || sct.extensions.len() >= 1 << 16 {
        return Err(invalid("the precertificate is too large to log".into()));
    }
    let mut out = Vec::with_capacity(tbs.len() + 64);
    out.extend_from_slice(&[0, 0]); // version v1, signature type certificate_timestamp
    out.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    out.extend_from_slice(&[0, 1]); // entry type precert_entry
    out.extend_from_slice(issuer_key_hash);
    out.extend_from_slice(&(tbs.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(tbs);
    out.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
    out.extend_from_slice(&sct.extensions);
    Ok(out)
}

fn algorithm(sct: &SignedCertificateTimestamp) -> Result<SignatureAlgorithm> {
    match (sct.hash_algorithm, sct.signature_algorithm) {
        (4, 3) => Ok(SignatureAlgorithm::EcdsaSha256),
        (5, 3) => Ok(SignatureAlgorithm::EcdsaSha384),
        (4, 1) => Ok(SignatureAlgorithm::RsaPkcs1Sha256),
        (_, 7) => Ok(SignatureAlgorithm::Ed25519),
        (hash, signature) => Err(invalid(format!(
            "unsupported hash/signature algorithm {hash}/{signature}"
        ))),
    }
}

/// Verifies the SCTs embedded in `leaf` (issued by `issuer`) against the CT logs of `root`:
/// succeeds when at least one verifies with a trusted log valid at its time, and returns how many
/// did. A certificate without SCTs, or whose SCTs all fail, is an error that says why.
pub fn verify_embedded_scts(leaf: &Certificate, issuer: &Certificate, root: &TrustedRoot) -> Result<usize> {
    let extension = leaf.extension(SCT_LIST_EXTENSION).ok_or_else(|| {
        Error::new(
            ErrorCode::NoMatchingSignatures,
            "the certificate has no embedded SCT (pass --insecure-ignore-sct to accept it without one)",
        )
    })?;
    let scts = parse_sct_list(&octet_string_contents(extension)?)?;
    let tbs = precertificate_tbs(leaf)?;
    let issuer_key_hash = sha256(issuer.public_key().spki_der());
    let mut verified = 0;
    let mut last = invalid("the SCT list is empty".into());
    for sct in &scts {
        let outcome = (|| {
            let log = root
                .ctlog(&sct.log_id)
                .ok_or_else(|| invalid(format!("signed by an unknown CT log {}", hex(&sct.log_id))))?;
            let time = UNIX_EPOCH + Duration::from_millis(sct.timestamp_ms);
            if !log.valid_for.contains(time) {
                return Err(invalid(format!(
                    "the CT log {} was not valid at the SCT's time",
                    log.base_url
                )));
            }
            let message = signed_entry(sct, &issuer_key_hash, &tbs)?;
            log.key
                .verify_with(algorithm(sct)?, &message, &sct.signature)
                .map_err(|_| invalid(format!("the signature of the CT log {} does not verify", log.base_url)))
        })();
        match outcome {
            Ok(()) => verified += 1,
            Err(e) => last = e,
        }
    }
    if verified == 0 {
        return Err(Error::new(ErrorCode::NoMatchingSignatures, last.message().to_owned()));
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_parsed_exactly_or_refused() {
        let mut sct = vec![0u8];
        sct.extend_from_slice(&[7; 32]);
        sct.extend_from_slice(&5u64.to_be_bytes());
        sct.extend_from_slice(&[0, 2, 0xaa, 0xbb]);
        sct.extend_from_slice(&[4, 3, 0, 1, 0x30]);
        let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
        list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
        list.extend_from_slice(&sct);
        let parsed = parse_sct_list(&list).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].timestamp_ms, 5);
        assert_eq!(parsed[0].extensions, vec![0xaa, 0xbb]);
        assert_eq!(parsed[0].signature, vec![0x30]);
        for cut in 0..list.len() {
            assert!(parse_sct_list(&list[..cut]).is_err(), "truncated at {cut}");
        }
        let mut trailing = list.clone();
        trailing.push(0);
        assert!(parse_sct_list(&trailing).is_err());
        let mut v2 = list.clone();
        v2[4] = 1;
        assert!(parse_sct_list(&v2).unwrap_err().message().contains("version"));
    }
}
