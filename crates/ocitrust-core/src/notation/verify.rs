//! Judging one notation signature under a trust policy statement, in notation-go's order: integrity
//! (the envelope and its signature), the verification plugin it names, authenticity (a certificate
//! of the chain in the statement's trust stores, and a trusted identity), expiry, authentic
//! timestamp, revocation; then the payload must name the subject, with the user metadata asked
//! for. Each validation's failure rejects the signature, is logged, or the validation is skipped,
//! as the statement's level says; the report lists every check with what it found.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::cose::verify_cose;
use super::dn::DistinguishedName;
use super::envelope::{
    EnvelopeContent, SignerInfo, SigningScheme, COSE_MEDIA_TYPE, JWS_MEDIA_TYPE, VERIFICATION_PLUGIN,
    VERIFICATION_PLUGIN_MIN_VERSION,
};
use super::jws::verify_jws;
use super::level::{TimestampPolicy, ValidationAction, ValidationType};
use super::plugin::{
    resolve_plugin, verify_with_plugin, PluginHost, ResolvedPlugin, REVOCATION_CHECK, TRUSTED_IDENTITY,
};
use super::timestamp::verify_countersignature;
use super::trust_policy::{x509_subject, TrustPolicyDocument, TrustPolicyStatement, WILDCARD};
use super::trust_store::{TrustStore, TrustStoreType};
use crate::checks::Checks;
use crate::error::{Error, ErrorCode, Result};
use crate::sigstore::{format_time, unix_seconds};
use crate::verdict::{CheckName, Outcome, SignatureKind, SignatureReport, Signer};
use crate::x509::revocation::{chain_revocation, names_revocation_servers, revocation_outcome, RevocationSource};
use crate::x509::Certificate;

/// A notation trust policy and the trust store it names: the authority of `notation verify`.
#[derive(Debug, Clone)]
pub struct NotationTrust {
    /// The trust policy document.
    pub policy: Arc<TrustPolicyDocument>,
    /// The trust store its statements name.
    pub trust_store: Arc<TrustStore>,
}

/// What is verified: the artifact's reference (for the trust policy's registry scopes) and its
/// descriptor, which the signed payload must name.
#[derive(Debug, Clone)]
pub struct NotationSubject<'a> {
    /// `registry/repository@digest` (for a layout, the scope it is verified under).
    pub reference: &'a str,
    /// The manifest's media type.
    pub media_type: &'a str,
    /// The manifest's digest.
    pub digest: &'a str,
    /// The manifest's size in bytes.
    pub size: u64,
}

/// What a signature must also satisfy, beside the trust policy, and where revocation information
/// comes from.
#[derive(Clone, Default)]
pub struct NotationRequirements {
    /// User metadata the signed payload must carry (`notation verify -m key=value`).
    pub user_metadata: BTreeMap<String, String>,
    /// Where OCSP answers and CRLs come from. Without one, a certificate that names an OCSP
    /// responder or a CRL has an unknown revocation status.
    pub revocation: Option<Arc<dyn RevocationSource + Send + Sync>>,
    /// Runs the verification plugins signatures name. Without one, such signatures are refused.
    pub plugins: Option<Arc<dyn PluginHost + Send + Sync>>,
    /// Passed to plugins as it is (`notation verify --plugin-config key=value`).
    pub plugin_config: BTreeMap<String, String>,
}

impl std::fmt::Debug for NotationRequirements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotationRequirements")
            .field("user_metadata", &self.user_metadata)
            .field("revocation", &self.revocation.is_some())
            .field("plugins", &self.plugins.is_some())
            .field("plugin_config", &self.plugin_config)
            .finish()
    }
}

/// The source used when none is given: it has nothing, so revocable certificates are unknown.
struct NoRevocationSource;

impl RevocationSource for NoRevocationSource {
    fn ocsp(&self, url: &str, _: &[u8]) -> Result<Vec<u8>> {
        Err(Error::new(
            ErrorCode::Unsupported,
            format!("{url}: no revocation source was given to fetch from"),
        ))
    }
    fn crl(&self, url: &str, _: &Certificate) -> Result<Vec<u8>> {
        Err(Error::new(
            ErrorCode::Unsupported,
            format!("{url}: no revocation source was given to fetch from"),
        ))
    }
}

impl NotationRequirements {
    /// The revocation source to consult.
    pub(crate) fn revocation_source(&self) -> &dyn RevocationSource {
        match &self.revocation {
            Some(source) => source.as_ref(),
            None => &NoRevocationSource,
        }
    }
}

/// One notation signature: its envelope's media type and bytes (checked against their digest).
#[derive(Debug, Clone, Copy)]
pub struct NotationEnvelope<'a> {
    /// `application/jose+json` or `application/cose`.
    pub media_type: &'a str,
    /// The envelope.
    pub bytes: &'a [u8],
}

impl NotationTrust {
    /// How the verdict names this authority.
    pub fn name(&self) -> String {
        let names: Vec<&str> = self.policy.statements().iter().map(|s| s.name.as_str()).collect();
        format!("notation trust policy ({})", names.join(", "))
    }

    /// The statement that applies to `subject`; an error when none does (notation refuses the
    /// artifact before looking at any signature).
    pub fn statement_for(&self, subject: &NotationSubject<'_>) -> Result<&TrustPolicyStatement> {
        self.policy.applicable(subject.reference)
    }

    /// The name of the statement that applies to `subject` when its level is `skip`: notation then
    /// trusts the artifact without looking at any signature.
    pub fn skips(&self, subject: &NotationSubject<'_>) -> Result<Option<&str>> {
        let statement = self.statement_for(subject)?;
        Ok(statement.level.is_skip().then_some(statement.name.as_str()))
    }

    /// Judges `envelope` as a signature of `subject` at `time`, found at `location`.
    pub fn judge(
        &self,
        subject: &NotationSubject<'_>,
        envelope: NotationEnvelope<'_>,
        requirements: &NotationRequirements,
        time: SystemTime,
        location: &str,
    ) -> SignatureReport {
        let mut judgement = Judgement {
            checks: Checks::default(),
            stopped: false,
        };
        let statement = match self.statement_for(subject) {
            Ok(statement) => statement,
            Err(e) => {
                judgement.record(
                    CheckName::Authenticity,
                    ValidationAction::Enforce,
                    Err(e.message().to_owned()),
                );
                return judgement.report(location, None, &self.name(), None);
            }
        };
        let level = &statement.level;
        let content = match verify_envelope(envelope) {
            Ok(content) => content,
            Err(e) => {
                judgement.record(
                    CheckName::Integrity,
                    ValidationAction::Enforce,
                    Err(e.message().to_owned()),
                );
                return judgement.report(location, None, &self.name(), None);
            }
        };
        let signer = &content.signer;
        let named = named_plugin(&content);
        // Without a plugin to process them, every critical attribute must be one notation knows.
        let understood = match named {
            Ok(None) => understood_critical_attributes(&content),
            _ => Ok(()),
        };
        judgement.record(CheckName::Integrity, ValidationAction::Enforce, understood);
        let host = requirements.plugins.as_deref().map(|h| h as &dyn PluginHost);
        let plugin = match named {
            Ok(None) => None,
            Ok(Some((name, minimum))) => {
                match resolve_plugin(host, &name, minimum.as_deref(), &requirements.plugin_config) {
                    Ok(resolved) => Some((name, resolved)),
                    Err(reason) => {
                        judgement.record(CheckName::Plugin, ValidationAction::Enforce, Err(reason));
                        None
                    }
                }
            }
            Err(reason) => {
                judgement.record(CheckName::Plugin, ValidationAction::Enforce, Err(reason));
                None
            }
        };
        let plugin_judges_identity = plugin.as_ref().is_some_and(|(_, p)| p.judges_identity());
        judgement.step(
            CheckName::Authenticity,
            level.action(ValidationType::Authenticity),
            || authenticity(statement, &self.trust_store, &content, !plugin_judges_identity),
        );
        judgement.step(
            CheckName::Expiry,
            level.action(ValidationType::Expiry),
            || match signer.expiry {
                Some(expiry) if time >= expiry => {
                    Err(format!("digital signature has expired on {}", format_time(expiry)))
                }
                _ => Ok(()),
            },
        );
        judgement.step(
            CheckName::AuthenticTimestamp,
            level.action(ValidationType::AuthenticTimestamp),
            || authentic_timestamp(statement, &self.trust_store, &content, time, requirements),
        );
        if !plugin.as_ref().is_some_and(|(_, p)| p.checks_revocation()) {
            // The responders and CRLs a certificate names are asked only once its chain is trusted:
            // any signer can name any URL, and an untrusted one would steer requests where it likes.
            let trusted_chain = judgement.outcome(CheckName::Authenticity) == Some(Outcome::Passed);
            judgement.step(CheckName::Revocation, level.action(ValidationType::Revocation), || {
                let chain = &signer.certificate_chain;
                if !trusted_chain && names_revocation_servers(chain) {
                    return Err(REVOCATION_NOT_CHECKED.to_owned());
                }
                let authentic =
                    (signer.signing_scheme == SigningScheme::X509SigningAuthority).then_some(signer.signing_time);
                let statuses = chain_revocation(chain, requirements.revocation_source(), time, authentic);
                revocation_outcome(chain, &statuses, "signing")
            });
        }
        if let (Some((name, resolved)), Some(host)) = (&plugin, host) {
            judgement.plugin_verification(host, name, resolved, &content, statement, requirements);
        }
        judgement.step(CheckName::Claims, ValidationAction::Enforce, || {
            names_subject(&content, subject)
        });
        if !requirements.user_metadata.is_empty() {
            judgement.step(CheckName::Annotations, ValidationAction::Enforce, || {
                user_metadata(&content, &requirements.user_metadata)
            });
        }
        let leaf = signer.certificate_chain.first();
        let mut report = judgement.report(location, leaf, &self.name(), Some(content.payload));
        report.valid_until = Some(unix_seconds(holds_until(signer, time)));
        report
    }
}

/// The report on a notation signature refused before any trust policy judged it: `check` failed
/// for `reason` (its envelope could not be had, or no authority of the verifier judges it).
pub fn refused_notation_signature(location: &str, check: CheckName, reason: String) -> SignatureReport {
    let mut judgement = Judgement {
        checks: Checks::default(),
        stopped: false,
    };
    judgement.record(check, ValidationAction::Enforce, Err(reason));
    judgement.report(location, None, "", None)
}

/// The report on a notation signature left unexamined because `limit` others were examined first
/// (`notation verify --max-signatures`): not trusted, not judged either.
pub fn unexamined_notation_signature(location: &str, limit: usize) -> SignatureReport {
    let mut judgement = Judgement {
        checks: Checks::default(),
        stopped: true,
    };
    judgement.checks.push(
        CheckName::Integrity,
        Outcome::NotReached,
        format!("not examined: {limit} signatures were examined first, the limit (--max-signatures)"),
    );
    judgement.report(location, None, "", None)
}

/// The checks so far, and whether an enforced failure ended the verification.
struct Judgement {
    checks: Checks,
    stopped: bool,
}

/// Why the revocation of a chain that failed authenticity is not checked.
const REVOCATION_NOT_CHECKED: &str = "not checked: the certificate chain is not trusted (authenticity failed), so no OCSP responder or CRL it names was asked";

impl Judgement {
    /// The outcome recorded for `name`, if it was.
    fn outcome(&self, name: CheckName) -> Option<Outcome> {
        self.checks.0.iter().rev().find(|c| c.name == name).map(|c| c.outcome)
    }

    fn record(&mut self, name: CheckName, action: ValidationAction, result: std::result::Result<(), String>) {
        let (outcome, detail) = match (action, result) {
            (ValidationAction::Skip, _) => (Outcome::SkippedByPolicy, String::new()),
            (_, Ok(())) => (Outcome::Passed, String::new()),
            (ValidationAction::Log, Err(reason)) => (Outcome::FailedLogged, reason),
            (ValidationAction::Enforce, Err(reason)) => {
                self.stopped = true;
                (Outcome::Failed, reason)
            }
        };
        self.checks.push(name, outcome, detail);
    }

    /// Has the plugin verify what it can (its revocation check only when the level does not skip
    /// revocation), and records its answers as authenticity and revocation results.
    fn plugin_verification(
        &mut self,
        host: &dyn PluginHost,
        name: &str,
        plugin: &ResolvedPlugin,
        content: &EnvelopeContent,
        statement: &TrustPolicyStatement,
        requirements: &NotationRequirements,
    ) {
        if self.stopped {
            self.checks.push(CheckName::Plugin, Outcome::NotReached, String::new());
            return;
        }
        let level = &statement.level;
        let capabilities: Vec<&str> = plugin
            .capabilities
            .iter()
            .copied()
            .filter(|c| *c != REVOCATION_CHECK || level.action(ValidationType::Revocation) != ValidationAction::Skip)
            .collect();
        if capabilities.is_empty() {
            return;
        }
        let verdict = match verify_with_plugin(
            host,
            name,
            &capabilities,
            content,
            &statement.trusted_identities,
            &requirements.plugin_config,
        ) {
            Ok(verdict) => {
                self.checks.push(CheckName::Plugin, Outcome::Passed, String::new());
                verdict
            }
            Err(reason) => return self.record(CheckName::Plugin, ValidationAction::Enforce, Err(reason)),
        };
        for capability in capabilities {
            let Some(result) = verdict.verification_results.get(capability) else {
                continue;
            };
            let (check, validation, what) = if capability == TRUSTED_IDENTITY {
                (
                    CheckName::Authenticity,
                    ValidationType::Authenticity,
                    "trusted identify verification",
                )
            } else {
                (CheckName::Revocation, ValidationType::Revocation, "revocation check")
            };
            let outcome = if result.success {
                Ok(())
            } else {
                Err(format!(
                    "{what} by plugin {name:?} failed with reason {:?}",
                    result.reason
                ))
            };
            if self.stopped {
                self.checks.push(check, Outcome::NotReached, String::new());
            } else {
                self.record(check, level.action(validation), outcome);
            }
        }
    }

    /// Runs `check` unless an enforced failure came before, or the level skips it.
    fn step(
        &mut self,
        name: CheckName,
        action: ValidationAction,
        check: impl FnOnce() -> std::result::Result<(), String>,
    ) {
        if self.stopped {
            self.checks.push(name, Outcome::NotReached, String::new());
        } else if action == ValidationAction::Skip {
            self.record(name, action, Ok(()));
        } else {
            self.record(name, action, check());
        }
    }

    fn report(
        self,
        location: &str,
        leaf: Option<&Certificate>,
        authority: &str,
        payload: Option<Vec<u8>>,
    ) -> SignatureReport {
        let verified = !self.stopped && self.checks.0.iter().all(|c| c.outcome != Outcome::Failed);
        SignatureReport {
            kind: SignatureKind::NotationSignature,
            location: location.to_owned(),
            signer: leaf.filter(|_| verified).map(|leaf| Signer {
                authority: authority.to_owned(),
                key_id: leaf.public_key().key_id(),
                key_type: leaf.public_key().key_type().to_string(),
                certificate: None,
                x509_subject: Some(leaf.subject_text()),
            }),
            checks: self.checks.0,
            verified,
            payload: payload.filter(|_| verified),
            cosign_extras: Default::default(),
            attestation: None,
            predicate_type: None,
            valid_until: None,
        }
    }
}

/// The last instant a judgement of `signer` made at `time` holds by time alone: the signature's
/// expiry, the first certificate of its chain to expire or to become valid, and no later than
/// `time` itself when its revocation status came from a server (that answer is not kept here).
fn holds_until(signer: &SignerInfo, time: SystemTime) -> SystemTime {
    let chain = &signer.certificate_chain;
    if names_revocation_servers(chain) {
        return time;
    }
    let becomes_valid = chain.iter().map(Certificate::not_before).filter(|t| *t > time);
    let expires = chain.iter().map(Certificate::not_after);
    signer
        .expiry
        .into_iter()
        .chain(becomes_valid)
        .chain(expires)
        .min()
        .unwrap_or(time)
}

/// Parses and verifies the envelope by its media type.
fn verify_envelope(envelope: NotationEnvelope<'_>) -> Result<EnvelopeContent> {
    match envelope.media_type {
        JWS_MEDIA_TYPE => verify_jws(envelope.bytes),
        COSE_MEDIA_TYPE => verify_cose(envelope.bytes),
        other => Err(Error::new(
            ErrorCode::Unsupported,
            format!("unable to parse the digital signature, error : signature envelope format with media type {other:?} is not supported"),
        )),
    }
}

/// The verification plugin the signature names, if any, and the minimum version it asks for.
fn named_plugin(content: &EnvelopeContent) -> std::result::Result<Option<(String, Option<String>)>, String> {
    let text = |key: &str| -> std::result::Result<Option<String>, String> {
        let Some(attribute) = content.signer.extended_attribute(key) else {
            return Ok(None);
        };
        if !attribute.critical {
            return Err(format!("{key} is not a critical Extended attribute"));
        }
        match &attribute.value {
            serde_json::Value::String(value) if !value.trim().is_empty() => Ok(Some(value.clone())),
            serde_json::Value::String(_) => Err(format!("{key} from extended attribute is an empty string")),
            _ => Err(format!("{key} from extended attribute is not a string")),
        }
    };
    let Some(name) = text(VERIFICATION_PLUGIN)? else {
        return Ok(None);
    };
    let minimum = text(VERIFICATION_PLUGIN_MIN_VERSION)
        .map_err(|e| format!("error while getting plugin minimum version, error: {e}"))?;
    Ok(Some((name, minimum)))
}

/// A critical attribute nothing here understands refuses the signature (only a verification
/// plugin may process such attributes).
fn understood_critical_attributes(content: &EnvelopeContent) -> std::result::Result<(), String> {
    match content
        .signer
        .extended_attributes
        .iter()
        .find(|a| a.critical && a.key != VERIFICATION_PLUGIN && a.key != VERIFICATION_PLUGIN_MIN_VERSION)
    {
        Some(attribute) => Err(format!(
            "extended critical attribute {:?} is not understood (only a verification plugin may process it, and the signature names none)",
            attribute.key
        )),
        None => Ok(()),
    }
}

/// A certificate of the chain is in one of the statement's trust stores of the type the signing
/// scheme calls for, and the signing certificate's subject is a trusted identity.
fn authenticity(
    statement: &TrustPolicyStatement,
    trust_store: &TrustStore,
    content: &EnvelopeContent,
    check_identity: bool,
) -> std::result::Result<(), String> {
    let kind = match content.signer.signing_scheme {
        SigningScheme::X509 => TrustStoreType::Ca,
        SigningScheme::X509SigningAuthority => TrustStoreType::SigningAuthority,
    };
    let mut trusted: Vec<&Certificate> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (store_kind, name) in &statement.trust_stores {
        if *store_kind != kind || seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        let certificates = trust_store
            .certificates(kind, name)
            .map_err(|e| format!("error while loading the trust store, {}", e.message()))?;
        trusted.extend(certificates);
    }
    if trusted.is_empty() {
        return Err("no trusted certificates are found to verify authenticity".to_owned());
    }
    let chain = &content.signer.certificate_chain;
    if !trusted.iter().any(|t| chain.iter().any(|c| c.der() == t.der())) {
        return Err("the signature's certificate chain does not contain any trusted certificate".to_owned());
    }
    if !check_identity {
        return Ok(());
    }
    trusted_identity(statement, chain)
}

/// The signing certificate's subject contains one of the statement's `x509.subject` identities
/// (or the statement trusts any identity).
fn trusted_identity(statement: &TrustPolicyStatement, chain: &[Certificate]) -> std::result::Result<(), String> {
    let name = &statement.name;
    if statement.trusted_identities.iter().any(|i| i == WILDCARD) {
        return Ok(());
    }
    let mut identities = Vec::new();
    for identity in &statement.trusted_identities {
        if let Some(dn) = x509_subject(name, identity).map_err(|e| e.message().to_owned())? {
            identities.push((identity, dn.map_err(|e| e.message().to_owned())?));
        }
    }
    if identities.is_empty() {
        return Err(format!(
            "no x509 trusted identities are configured in the trust policy {name:?}"
        ));
    }
    let leaf = chain.first().ok_or("the signature has no signing certificate")?;
    let subject = DistinguishedName::of_certificate_subject(leaf).map_err(|e| {
        format!(
            "error while parsing the certificate subject from the digital signature. error : {:?}",
            e.message()
        )
    })?;
    if identities.iter().any(|(_, dn)| dn.is_subset_of(&subject)) {
        return Ok(());
    }
    let listed: Vec<&str> = identities.iter().map(|(identity, _)| identity.as_str()).collect();
    Err(format!(
        "signing certificate from the digital signature does not match the X.509 trusted identities {listed:?} defined in the trust policy {name:?} (its subject is {:?})",
        leaf.subject_text()
    ))
}

/// The signing time is vouched for. A signing authority's is authentic: the chain must have been
/// valid then. A CA-issued signature's is only claimed: unless a timestamp is verified, the chain
/// must be valid now.
fn authentic_timestamp(
    statement: &TrustPolicyStatement,
    trust_store: &TrustStore,
    content: &EnvelopeContent,
    time: SystemTime,
    requirements: &NotationRequirements,
) -> std::result::Result<(), String> {
    let chain = &content.signer.certificate_chain;
    if content.signer.signing_scheme == SigningScheme::X509SigningAuthority {
        let signed = content.signer.signing_time;
        return match chain.iter().find(|c| !c.is_valid_at(signed)) {
            Some(c) => Err(format!(
                "certificate {:?} was not valid when the digital signature was produced at {}",
                c.subject_text(),
                format_time(signed)
            )),
            None => Ok(()),
        };
    }
    let tsa_configured = statement
        .trust_stores
        .iter()
        .any(|(kind, _)| *kind == TrustStoreType::Tsa);
    let chain_expired = chain.iter().any(|c| time > c.not_after());
    let stamp_needed = tsa_configured && (statement.verify_timestamp == TimestampPolicy::Always || chain_expired);
    if stamp_needed {
        return verify_countersignature(statement, trust_store, content, requirements.revocation_source(), time);
    }
    for certificate in chain {
        if time < certificate.not_before() {
            return Err(format!(
                "verification time is before certificate {:?} validity period, it will be valid from {}",
                certificate.subject_text(),
                format_time(certificate.not_before())
            ));
        }
        if time > certificate.not_after() {
            return Err(format!(
                "verification time is after certificate {:?} validity period, it was expired at {}",
                certificate.subject_text(),
                format_time(certificate.not_after())
            ));
        }
    }
    Ok(())
}

/// The payload's target artifact is the subject: same media type, digest and size.
fn names_subject(content: &EnvelopeContent, subject: &NotationSubject<'_>) -> std::result::Result<(), String> {
    let target = content.target_artifact().map_err(|e| e.message().to_owned())?;
    let same = target.media_type == subject.media_type
        && target.digest == subject.digest
        && u64::try_from(target.size).ok() == Some(subject.size);
    if same {
        return Ok(());
    }
    Err(format!(
        "content descriptor mismatch: the signature is for {} {} ({} bytes), not {} {} ({} bytes)",
        target.media_type, target.digest, target.size, subject.media_type, subject.digest, subject.size
    ))
}

/// The payload's target artifact carries every `key=value` asked for.
fn user_metadata(content: &EnvelopeContent, wanted: &BTreeMap<String, String>) -> std::result::Result<(), String> {
    let target = content.target_artifact().map_err(|e| e.message().to_owned())?;
    match wanted.iter().find(|(k, v)| target.annotations.get(*k) != Some(v)) {
        Some((key, value)) => Err(format!(
            "unable to find specified metadata in the signature: {key}={value} is not among the signed annotations"
        )),
        None => Ok(()),
    }
}
