//! The verdict: what was verified, whether it is trusted, and for every signature examined, each
//! check with its outcome. It serializes to JSON for `--output json` and the C ABI.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::authority::Authority;
use crate::crypto::PublicKey;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};

/// The result of verifying one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// What was verified.
    pub subject: Subject,
    /// Whether at least one signature passed every check.
    pub trusted: bool,
    /// Set when the subject is a platform manifest trusted because the index it was selected from
    /// is signed (and lists it), rather than by a signature of its own: the index's digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_through_index: Option<Digest>,
    /// Every signature examined, in the order found.
    pub signatures: Vec<SignatureReport>,
    /// Insecure options that were in force (e.g. `insecure-ignore-tlog`).
    pub insecure: Vec<String>,
    /// The Sigstore trusted roots signatures were judged under (keyless certificates, and the
    /// transparency logs of key-based signatures), each with where it came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trust_material: Vec<crate::sigstore::TrustMaterial>,
    /// Set when a trust policy's level is `skip` for the subject (notation): the subject is trusted
    /// without any signature being looked at, and this says which statement decided so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_by_policy: Option<String>,
    /// The trust policy scope notation signatures were judged under, when the verifier trusts a
    /// notation policy: the image's `registry/repository`, the scope given for a layout, or `*`
    /// for a layout verified without one (then only the policy's `*` statement applies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notation_scope: Option<String>,
    /// The instant the verdict speaks for, in seconds since the Unix epoch: "now" unless the caller
    /// set a verification time. Key-based cosign checks do not depend on time; certificate validity
    /// (keyless, notation) is judged at this instant.
    pub verification_time: u64,
}

/// The subject of a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// The reference as the user gave it.
    pub reference: String,
    /// The digest of the manifest whose signatures were checked.
    pub digest: Digest,
    /// For an index resolved with `--platform`: the platform chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// For an index resolved with `--platform`: the digest of the index itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<Digest>,
}

/// What kind of signature a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SignatureKind {
    /// A cosign simple-signing signature layer.
    CosignSignature,
    /// A Sigstore bundle attached as an OCI referrer (cosign v3).
    SigstoreBundle,
    /// A cosign attestation layer: an in-toto statement in a DSSE envelope, at `sha256-<hex>.att`.
    CosignAttestation,
    /// A Notary Project signature (notation: a JWS or COSE envelope) attached as an OCI referrer.
    NotationSignature,
}

impl SignatureKind {
    /// The kind's name as it appears in the verdict JSON, e.g. `cosign-signature`.
    pub fn name(self) -> &'static str {
        match self {
            SignatureKind::CosignSignature => "cosign-signature",
            SignatureKind::SigstoreBundle => "sigstore-bundle",
            SignatureKind::CosignAttestation => "cosign-attestation",
            SignatureKind::NotationSignature => "notation-signature",
        }
    }
}

/// Who signed, as far as the trust material tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The verifier's authority that vouched for the signature ([`Authority::name`]).
    pub authority: String,
    /// Hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
    pub key_id: String,
    /// Key type, e.g. `ECDSA P-256`.
    pub key_type: String,
    /// What the signing certificate says, for keyless signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSummary>,
    /// The signing certificate's subject (RFC 4514), for notation signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x509_subject: Option<String>,
}

/// What a signing certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// The subject alternative names (email, URI, username).
    pub subject: Vec<String>,
    /// The OIDC issuer.
    pub issuer: String,
    /// Every Fulcio claim present, by name.
    pub claims: crate::sigstore::FulcioClaims,
    /// The first instant of validity, seconds since the Unix epoch.
    pub not_before: u64,
    /// The last instant of validity, seconds since the Unix epoch.
    pub not_after: u64,
}

impl Signer {
    /// The signer of a signature made with `key`, vouched for by `authority`.
    pub fn with_key(authority: &Authority, key: &PublicKey) -> Self {
        Signer {
            authority: authority.name(),
            key_id: key.key_id(),
            key_type: key.key_type().to_string(),
            certificate: None,
            x509_subject: None,
        }
    }
}

/// The name of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CheckName {
    /// The payload bytes hash to the layer's declared digest.
    Integrity,
    /// The signature verifies over the payload with the trusted key.
    Signature,
    /// The payload's claims name the subject digest.
    Claims,
    /// The required annotations are present in the same payload.
    Annotations,
    /// The signature is proven to be in the transparency log.
    Tlog,
    /// The signing time is vouched for (a verified log entry's integrated time, or a timestamp).
    Timestamp,
    /// The signing certificate chains to a trusted certificate authority at the signing time.
    Certificate,
    /// The certificate carries a valid signed certificate timestamp of a trusted CT log.
    Sct,
    /// The certificate names the identity and issuer required.
    Identity,
    /// The certificate chain holds a certificate of the trust store, and the signer is a trusted
    /// identity (notation's `authenticity`).
    Authenticity,
    /// The signature has not expired (notation's `expiry`).
    Expiry,
    /// The signing time is vouched for: a verified timestamp, or the chain valid now (notation's
    /// `authenticTimestamp`).
    AuthenticTimestamp,
    /// No certificate of the chain is revoked (notation's `revocation`).
    Revocation,
    /// The verification plugin the signature names was found and run.
    Plugin,
}

impl CheckName {
    /// Every check name.
    pub const ALL: &'static [CheckName] = &[
        CheckName::Integrity,
        CheckName::Signature,
        CheckName::Claims,
        CheckName::Annotations,
        CheckName::Tlog,
        CheckName::Timestamp,
        CheckName::Certificate,
        CheckName::Sct,
        CheckName::Identity,
        CheckName::Authenticity,
        CheckName::Expiry,
        CheckName::AuthenticTimestamp,
        CheckName::Revocation,
        CheckName::Plugin,
    ];
}

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The check ran and passed.
    Passed,
    /// The check ran and failed.
    Failed,
    /// The check was skipped because the user opted out with an insecure option.
    SkippedInsecure,
    /// The check was not reached because an earlier check failed.
    NotReached,
    /// The check failed, and the trust policy only logs this check's failures (notation's `log`
    /// action): a warning, the signature may still be trusted.
    FailedLogged,
    /// The check was not performed: the trust policy's level skips it (notation's `skip` action).
    SkippedByPolicy,
}

/// One check on one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Which check.
    pub name: CheckName,
    /// Its outcome.
    pub outcome: Outcome,
    /// Why it failed or was skipped; empty when it passed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Everything about one signature examined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// The kind of signature.
    pub kind: SignatureKind,
    /// Where it was found (artifact and layer).
    pub location: String,
    /// The signer, once the signature verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<Signer>,
    /// Every check, in the order performed.
    pub checks: Vec<Check>,
    /// Whether no check failed: every check passed, was skipped (by an insecure opt-in or the trust
    /// policy), or failed where the trust policy only logs failures.
    pub verified: bool,
    /// The signed payload, kept only when the signature verified.
    #[serde(skip)]
    pub payload: Option<Vec<u8>>,
    /// What the signature carried beside its payload that `cosign verify` adds to the payload it
    /// prints (`Bundle`: a layer's Rekor bundle; `RFC3161Timestamp`: its timestamp), as JSON.
    #[serde(skip)]
    pub cosign_extras: BTreeMap<String, serde_json::Value>,
    /// What a verified attestation states (attestation verifications only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
    /// The predicate type of a verified Sigstore bundle's in-toto statement: cosign v3's
    /// `https://sigstore.dev/cosign/sign/v1` for `cosign sign`, the attested type for `cosign attest`
    /// (which `cosign verify` accepts as a signature too, as ocitrust does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// The last instant (seconds since the Unix epoch) this report's outcome holds by time alone:
    /// set when it was judged at the verification time (a certificate's validity, a signature's
    /// expiry, a revocation answer), so what was established may be kept no longer.
    #[serde(skip)]
    pub valid_until: Option<u64>,
}

/// A verified attestation: its predicate type and predicate, and the DSSE envelope it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// The statement's `predicateType`.
    pub predicate_type: String,
    /// The statement's `predicate`, its JSON bytes as they stand in the signed statement (in the
    /// verdict's JSON, the value itself).
    #[serde(serialize_with = "as_raw_json", deserialize_with = "from_raw_json")]
    pub predicate: Vec<u8>,
    /// The DSSE envelope as `cosign verify-attestation` prints it (`payloadType`, base64 `payload`,
    /// `signatures`).
    #[serde(skip)]
    pub envelope: Vec<u8>,
    /// The whole in-toto statement, parsed once when it verified (trust policy conditions read
    /// it without parsing it again).
    #[serde(skip)]
    pub statement: std::sync::Arc<serde_json::Value>,
}

fn as_raw_json<S: serde::Serializer>(bytes: &[u8], serializer: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    let text = std::str::from_utf8(bytes).map_err(serde::ser::Error::custom)?;
    let raw = serde_json::value::RawValue::from_string(text.to_owned()).map_err(serde::ser::Error::custom)?;
    raw.serialize(serializer)
}

fn from_raw_json<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Vec<u8>, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
    Ok(raw.get().as_bytes().to_vec())
}

impl SignatureReport {
    /// The first failed check's detail, if any.
    pub fn failure(&self) -> Option<&str> {
        self.checks
            .iter()
            .find(|c| c.outcome == Outcome::Failed)
            .map(|c| c.detail.as_str())
    }
}

impl Verdict {
    /// The payloads of the signatures that verified, in order.
    pub fn verified_payloads(&self) -> impl Iterator<Item = &[u8]> {
        self.signatures
            .iter()
            .filter(|s| s.verified)
            .filter_map(|s| s.payload.as_deref())
    }

    /// `Ok` when trusted; otherwise the error cosign would report: "no signatures found" (none were
    /// examined) or "no matching signatures: …" listing why each one failed.
    pub fn require_trusted(&self) -> Result<&Verdict> {
        if self.trusted {
            return Ok(self);
        }
        if self.signatures.is_empty() {
            return Err(Error::new(ErrorCode::NoSignatures, "no signatures found"));
        }
        Err(Error::new(
            ErrorCode::NoMatchingSignatures,
            format!("no matching signatures:\n{}", self.failure_reasons()),
        ))
    }

    /// Why each signature failed, one a line: `location: first failed check's detail`.
    pub fn failure_reasons(&self) -> String {
        let reasons: Vec<String> = self
            .signatures
            .iter()
            .map(|s| format!("{}: {}", s.location, s.failure().unwrap_or("not verified")))
            .collect();
        reasons.join("\n")
    }

    /// The verdict as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding verdict: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_name_all_is_complete() {
        // Adding a variant breaks this exhaustive match until it is also added to ALL.
        for name in CheckName::ALL {
            match name {
                CheckName::Integrity
                | CheckName::Signature
                | CheckName::Claims
                | CheckName::Annotations
                | CheckName::Tlog
                | CheckName::Timestamp
                | CheckName::Certificate
                | CheckName::Sct
                | CheckName::Identity
                | CheckName::Authenticity
                | CheckName::Expiry
                | CheckName::AuthenticTimestamp
                | CheckName::Revocation
                | CheckName::Plugin => {}
            }
        }
        assert_eq!(CheckName::ALL.len(), 14);
    }

    #[test]
    fn signature_kind_names_match_the_json() {
        for kind in [
            SignatureKind::CosignSignature,
            SignatureKind::SigstoreBundle,
            SignatureKind::NotationSignature,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }
}
