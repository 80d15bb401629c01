//! The Sigstore trust material a keyless verification is judged under: a protobuf-specs
//! `TrustedRoot` (`application/vnd.dev.sigstore.trustedroot+json;version=0.1` or `0.2`) with its
//! transparency logs (Rekor v1 ECDSA, Rekor v2 Ed25519), Fulcio certificate authorities,
//! certificate-transparency logs and timestamp authorities, each valid for a window of time. The
//! public-good production root is embedded ([`TrustedRoot::production`]); a private deployment
//! gives its own (`--trusted-root FILE`). Parsing is strict: an unknown media type, a key that does
//! not parse, a log without the start of its validity, or a certificate that is not base64 DER
//! refuses the whole root, so what a verification trusts is never less checked than what it read.

use std::time::SystemTime;

use base64::Engine;
use serde::Deserialize;

use super::rfc3339::parse_rfc3339;
use super::trust_material::{TrustMaterial, TrustMaterialSource};
use crate::crypto::PublicKey;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::x509::{certificates_from_pem, TrustedChain};

/// Media types of the trusted-root JSON accepted.
pub const TRUSTED_ROOT_MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    "application/vnd.dev.sigstore.trustedroot+json;version=0.2",
];
/// Largest trusted-root document read.
pub const TRUSTED_ROOT_SIZE_MAX: usize = 1024 * 1024;
/// Most logs, authorities or certificates of one kind a root may list.
const ENTRIES_MAX: usize = 64;

/// The public-good Sigstore production root, as the `sigstore` Python package 4.5.1 ships it.
const PRODUCTION_TRUSTED_ROOT: &[u8] = include_bytes!("production.trusted_root.json");

/// The trust material a signature is judged under: a root at hand, or the embedded production
/// root, parsed when a check first needs it (a key-based verification that consults no log or
/// timestamp authority never does).
#[derive(Debug, Clone, Copy)]
pub enum RootRef<'a> {
    /// This root.
    Given(&'a TrustedRoot),
    /// The embedded production root ([`TrustedRoot::production_shared`]).
    Embedded,
}

impl<'a> RootRef<'a> {
    /// The root, parsed now if it is the embedded one and was not yet.
    pub fn get(self) -> Result<&'a TrustedRoot> {
        match self {
            RootRef::Given(root) => Ok(root),
            RootRef::Embedded => TrustedRoot::production_once()
                .as_ref()
                .map(|root| root.as_ref())
                .map_err(Clone::clone),
        }
    }
}

/// When a key or an authority may be relied on: from `start`, to `end` inclusive if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    /// The first instant.
    pub start: SystemTime,
    /// The last instant, if it ends.
    pub end: Option<SystemTime>,
}

impl ValidityPeriod {
    /// Whether `time` is within the period (both ends included).
    pub fn contains(&self, time: SystemTime) -> bool {
        self.start <= time && self.end.is_none_or(|end| time <= end)
    }
}

/// A transparency log (Rekor) or certificate-transparency log of the root.
#[derive(Debug, Clone)]
pub struct TransparencyLog {
    /// Where the log is served (recorded in verdicts; never contacted).
    pub base_url: String,
    /// The log's key id (the SHA-256 of its DER public key, for the logs Sigstore runs).
    pub log_id: Vec<u8>,
    /// The key the log signs with.
    pub key: PublicKey,
    /// The key's `keyDetails`, e.g. `PKIX_ECDSA_P256_SHA_256`, `PKIX_ED25519`.
    pub key_details: String,
    /// When the key may be relied on.
    pub valid_for: ValidityPeriod,
}

/// A certificate authority (Fulcio) or timestamp authority of the root.
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    /// Where it is served (recorded in verdicts; never contacted).
    pub uri: String,
    /// Its certificates, DER, as the root lists them: the issuing certificate first, the
    /// self-signed root last.
    pub chain: Vec<Vec<u8>>,
    /// The chain decoded, its links verified once at load ([`TrustedChain::new`]); the error when
    /// they do not verify, which every verification relying on this authority then reports.
    pub trusted_chain: std::result::Result<TrustedChain, Error>,
    /// When it may be relied on.
    pub valid_for: ValidityPeriod,
}

/// A parsed trusted root.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// The media type it declared.
    pub media_type: String,
    /// Transparency logs (Rekor).
    pub tlogs: Vec<TransparencyLog>,
    /// Fulcio certificate authorities.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// Certificate-transparency logs.
    pub ctlogs: Vec<TransparencyLog>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<CertificateAuthority>,
    /// Where it came from (recorded in verdicts).
    pub material: TrustMaterial,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RootJson {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<LogJson>,
    #[serde(default)]
    certificate_authorities: Vec<AuthorityJson>,
    #[serde(default)]
    ctlogs: Vec<LogJson>,
    #[serde(default)]
    timestamp_authorities: Vec<AuthorityJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogJson {
    #[serde(default)]
    base_url: String,
    public_key: KeyJson,
    log_id: LogIdJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    raw_bytes: String,
    #[serde(default)]
    key_details: String,
    valid_for: Option<PeriodJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogIdJson {
    key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorityJson {
    #[serde(default)]
    uri: String,
    cert_chain: ChainJson,
    valid_for: Option<PeriodJson>,
}

#[derive(Deserialize)]
struct ChainJson {
    #[serde(default)]
    certificates: Vec<CertificateJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CertificateJson {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct PeriodJson {
    start: Option<String>,
    end: Option<String>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, format!("trusted root: {message}"))
}

fn base64(text: &str, what: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| invalid(format!("{what} is not base64: {e}")))
}

impl TrustedRoot {
    /// The embedded public-good production root. Its chains are trusted as compiled in: their
    /// links are verified by a test (`every_link_of_the_embedded_root_verifies`), not at every
    /// start, so a verification that needs no certificate authority pays nothing for them.
    pub fn production() -> Result<Self> {
        let root = Self::parse(PRODUCTION_TRUSTED_ROOT, ChainLinks::CompiledIn)?;
        Ok(root.with_material(Self::production_material()))
    }

    /// Where the embedded production root comes from, known without parsing it.
    pub fn production_material() -> TrustMaterial {
        TrustMaterial::new(TrustMaterialSource::Embedded, Digest::sha256(PRODUCTION_TRUSTED_ROOT))
    }

    /// This root, recorded as coming from `material`.
    pub fn with_material(mut self, material: TrustMaterial) -> Self {
        self.material = material;
        self
    }

    /// The embedded production root, parsed once per process and shared.
    pub fn production_shared() -> Result<std::sync::Arc<Self>> {
        Self::production_once().clone()
    }

    fn production_once() -> &'static Result<std::sync::Arc<Self>> {
        static PRODUCTION: std::sync::OnceLock<Result<std::sync::Arc<TrustedRoot>>> = std::sync::OnceLock::new();
        PRODUCTION.get_or_init(|| Self::production().map(std::sync::Arc::new))
    }

    /// Parses a trusted-root JSON document (bounded; strict, see the module documentation).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        Self::parse(bytes, ChainLinks::Verify)
    }

    fn parse(bytes: &[u8], links: ChainLinks) -> Result<Self> {
        if bytes.len() > TRUSTED_ROOT_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "trusted root is {} bytes, limit is {TRUSTED_ROOT_SIZE_MAX}",
                    bytes.len()
                ),
            ));
        }
        let root: RootJson = serde_json::from_slice(bytes).map_err(|e| invalid(format!("malformed JSON: {e}")))?;
        if !TRUSTED_ROOT_MEDIA_TYPES.contains(&root.media_type.as_str()) {
            return Err(invalid(format!(
                "unknown media type {:?} (expected {})",
                root.media_type,
                TRUSTED_ROOT_MEDIA_TYPES.join(" or ")
            )));
        }
        for (what, count) in [
            ("transparency logs", root.tlogs.len()),
            ("certificate authorities", root.certificate_authorities.len()),
            ("CT logs", root.ctlogs.len()),
            ("timestamp authorities", root.timestamp_authorities.len()),
        ] {
            if count > ENTRIES_MAX {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("trusted root lists {count} {what}, limit is {ENTRIES_MAX}"),
                ));
            }
        }
        Ok(TrustedRoot {
            tlogs: root
                .tlogs
                .iter()
                .map(|l| log(l, "transparency log"))
                .collect::<Result<_>>()?,
            certificate_authorities: root
                .certificate_authorities
                .iter()
                .map(|a| authority(a, "certificate authority", links))
                .collect::<Result<_>>()?,
            ctlogs: root.ctlogs.iter().map(|l| log(l, "CT log")).collect::<Result<_>>()?,
            timestamp_authorities: root
                .timestamp_authorities
                .iter()
                .map(|a| authority(a, "timestamp authority", links))
                .collect::<Result<_>>()?,
            media_type: root.media_type,
            material: TrustMaterial::new(TrustMaterialSource::Document, Digest::sha256(bytes)),
        })
    }

    /// This root with its certificate authorities replaced by `chain_pem` (PEM, the issuing CA
    /// first, the root last), as `cosign verify --certificate-chain` does: signing certificates must
    /// chain to it, trusted at any time its certificates are valid. Its links must verify.
    pub fn with_certificate_chain(&self, chain_pem: &[u8]) -> Result<Self> {
        if chain_pem.len() > TRUSTED_ROOT_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "a certificate chain of {} bytes, limit is {TRUSTED_ROOT_SIZE_MAX}",
                    chain_pem.len()
                ),
            ));
        }
        let chain: Vec<Vec<u8>> = certificates_from_pem(chain_pem)?
            .iter()
            .map(|c| c.der().to_vec())
            .collect();
        let trusted_chain = TrustedChain::new(&chain)?;
        Ok(TrustedRoot {
            certificate_authorities: vec![CertificateAuthority {
                uri: "--certificate-chain".to_owned(),
                chain,
                trusted_chain: Ok(trusted_chain),
                valid_for: ValidityPeriod {
                    start: SystemTime::UNIX_EPOCH,
                    end: None,
                },
            }],
            ..self.clone()
        })
    }

    /// The transparency log whose key id is `log_id`.
    pub fn tlog(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }

    /// The CT log whose key id is `log_id`.
    pub fn ctlog(&self, log_id: &[u8]) -> Option<&TransparencyLog> {
        self.ctlogs.iter().find(|l| l.log_id == log_id)
    }
}

fn period(json: Option<&PeriodJson>, what: &str) -> Result<ValidityPeriod> {
    let start = json
        .and_then(|p| p.start.as_deref())
        .ok_or_else(|| invalid(format!("{what} has no start of validity (validFor.start)")))?;
    let start = parse_rfc3339(start).map_err(|e| invalid(format!("{what} validFor.start: {}", e.message())))?;
    let end = json
        .and_then(|p| p.end.as_deref())
        .map(|end| parse_rfc3339(end).map_err(|e| invalid(format!("{what} validFor.end: {}", e.message()))))
        .transpose()?;
    if end.is_some_and(|end| end < start) {
        return Err(invalid(format!("{what} is valid until before it starts")));
    }
    Ok(ValidityPeriod { start, end })
}

fn log(json: &LogJson, kind: &str) -> Result<TransparencyLog> {
    let what = format!("{kind} {}", json.base_url);
    let raw = base64(&json.public_key.raw_bytes, &format!("{what} key"))?;
    // `rawBytes` is encoded as `keyDetails` says: PKCS#1 for the PKCS1_* kinds, else PKIX.
    let key = if json.public_key.key_details.starts_with("PKCS1_RSA") {
        PublicKey::from_pkcs1_rsa_der(&raw)
    } else {
        PublicKey::from_spki_der(&raw)
    }
    .map_err(|e| invalid(format!("{what} key: {}", e.message())))?;
    let log_id = base64(&json.log_id.key_id, &format!("{what} log id"))?;
    if log_id.is_empty() {
        return Err(invalid(format!("{what} has an empty log id")));
    }
    Ok(TransparencyLog {
        base_url: json.base_url.clone(),
        log_id,
        key,
        key_details: json.public_key.key_details.clone(),
        valid_for: period(json.public_key.valid_for.as_ref(), &what)?,
    })
}

/// Whether the signatures of a root's chain links are verified as it is read.
#[derive(Clone, Copy)]
enum ChainLinks {
    /// Read from outside the program: verified.
    Verify,
    /// Compiled into the program and verified by a test.
    CompiledIn,
}

fn authority(json: &AuthorityJson, kind: &str, links: ChainLinks) -> Result<CertificateAuthority> {
    let what = format!("{kind} {}", json.uri);
    if json.cert_chain.certificates.is_empty() {
        return Err(invalid(format!("{what} has no certificates")));
    }
    if json.cert_chain.certificates.len() > ENTRIES_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("{what} lists more than {ENTRIES_MAX} certificates"),
        ));
    }
    let chain = json
        .cert_chain
        .certificates
        .iter()
        .map(|c| base64(&c.raw_bytes, &format!("{what} certificate")))
        .collect::<Result<Vec<_>>>()?;
    let trusted_chain = match links {
        ChainLinks::Verify => TrustedChain::new(&chain),
        ChainLinks::CompiledIn => TrustedChain::compiled_in(&chain),
    }
    .map_err(|e| e.context(&what));
    Ok(CertificateAuthority {
        uri: json.uri.clone(),
        chain,
        trusted_chain,
        valid_for: period(json.valid_for.as_ref(), &what)?,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn shared(path: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data")
            .join(path)
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn the_embedded_production_root_parses_with_every_part() {
        let root = TrustedRoot::production().unwrap();
        assert_eq!(root.tlogs.len(), 2, "Rekor v1 (ECDSA) and Rekor v2 (Ed25519)");
        assert_eq!(root.tlogs[0].key_details, "PKIX_ECDSA_P256_SHA_256");
        assert_eq!(root.tlogs[1].key_details, "PKIX_ED25519");
        assert_eq!(root.tlogs[0].log_id.len(), 32);
        assert!(root.tlog(&root.tlogs[0].log_id.clone()).is_some());
        assert!(root.tlog(b"no such log").is_none());
        assert!(!root.certificate_authorities.is_empty() && !root.ctlogs.is_empty());
        assert!(!root.timestamp_authorities.is_empty());
        // The 2021 Fulcio root's window, end included, nothing after it.
        let first = &root.certificate_authorities[0].valid_for;
        let end = first.end.unwrap();
        assert!(first.contains(first.start) && first.contains(end));
        assert!(!first.contains(end + Duration::from_millis(1)));
        assert!(!first.contains(first.start - Duration::from_secs(1)));
        // The embedded copy is the one in the shared test data.
        let copy = std::fs::read(shared("sigstore-trusted-root/production.trusted_root.json")).unwrap();
        assert_eq!(copy, PRODUCTION_TRUSTED_ROOT);
    }

    #[test]
    fn every_link_of_the_embedded_root_verifies() {
        let root = TrustedRoot::production().unwrap();
        let authorities = root.certificate_authorities.iter().chain(&root.timestamp_authorities);
        let mut links = 0;
        for authority in authorities {
            let compiled = authority.trusted_chain.as_ref().unwrap();
            let checked = TrustedChain::new(&authority.chain).unwrap();
            assert_eq!(compiled.certificates().len(), checked.certificates().len());
            links += authority.chain.len();
        }
        assert!(links >= 5, "{links} certificates");
        // The same document read from outside is checked the long way, with the same result.
        let checked = TrustedRoot::from_json(PRODUCTION_TRUSTED_ROOT).unwrap();
        assert!(checked.certificate_authorities.iter().all(|a| a.trusted_chain.is_ok()));
    }

    #[test]
    fn every_shared_root_parses_except_the_one_without_a_start() {
        let mut paths = vec![shared("sigstore-trusted-root/staging.trusted_root.json")];
        for entry in std::fs::read_dir(shared("sigstore-conformance")).unwrap() {
            let path = entry.unwrap().path().join("trusted_root.json");
            if path.exists() {
                paths.push(path);
            }
        }
        assert!(paths.len() > 10, "{paths:?}");
        for path in paths {
            let result = TrustedRoot::from_json(&std::fs::read(&path).unwrap());
            if path.to_string_lossy().contains("missing-validity-start") {
                let err = result.unwrap_err();
                assert!(err.message().contains("no start of validity"), "{err}");
            } else {
                let root = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!root.tlogs.is_empty(), "{}", path.display());
                if path.ends_with("staging.trusted_root.json") {
                    // Its first CT log key is PKCS#1 RSA (`PKCS1_RSA_PKCS1V5`), not PKIX.
                    assert_eq!(
                        root.ctlogs[0].key.key_type(),
                        crate::crypto::KeyType::Rsa { bits: 4096 }
                    );
                }
            }
        }
    }

    #[test]
    fn malformed_roots_are_refused_whole() {
        let good = String::from_utf8(PRODUCTION_TRUSTED_ROOT.to_vec()).unwrap();
        for (bad, why) in [
            (
                good.replace("trustedroot+json;version=0.1", "trustedroot+json;version=9"),
                "unknown media type",
            ),
            (
                good.replacen("\"start\": \"2021-01-12T11:53:27Z\"", "\"start\": \"yesterday\"", 1),
                "validFor.start",
            ),
            (good.replacen("\"keyId\": \"wNI9", "\"keyId\": \"!!!!", 1), "not base64"),
            (good.replacen("\"rawBytes\": \"MFkw", "\"rawBytes\": \"MFkx", 1), "key"),
            ("{\"mediaType\": 1}".to_owned(), "malformed JSON"),
        ] {
            let err = TrustedRoot::from_json(bad.as_bytes()).unwrap_err();
            assert!(err.message().contains(why), "{why}: {err}");
        }
        let huge = vec![b' '; TRUSTED_ROOT_SIZE_MAX + 1];
        assert_eq!(
            TrustedRoot::from_json(&huge).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
        let backwards = ValidityPeriod {
            start: at(10),
            end: Some(at(5)),
        };
        assert!(!backwards.contains(at(7)));
    }
}
