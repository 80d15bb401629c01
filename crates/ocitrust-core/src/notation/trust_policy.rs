//! Notation's trust policy document (`trustpolicy.oci.json`, or `trustpolicy.json`, version 1.0):
//! statements that say, for the repositories in their registry scopes, which trust stores and
//! trusted identities a signature must chain to and how strictly each validation is applied. A
//! document is validated whole when it is read, by notation-go's rules and with its messages; a
//! statement is then selected for an artifact by its repository.

use serde::Deserialize;

use super::dn::DistinguishedName;
use super::level::{TimestampPolicy, ValidationAction, ValidationType, VerificationLevel};
use super::trust_store::TrustStoreType;
use crate::error::{Error, ErrorCode, Result};
use crate::go_reading::{check_go_unambiguous, GoStructFields};

/// Where notation's documentation tells users how to write a trust policy.
pub const TRUST_POLICY_LINK: &str = "https://notaryproject.dev/docs/quickstart/#create-a-trust-policy";
/// Largest trust policy document read.
pub const TRUST_POLICY_SIZE_MAX: usize = 1024 * 1024;
/// The wildcard registry scope and trusted identity.
pub const WILDCARD: &str = "*";
/// The scope of an artifact that belongs to no repository (an OCI layout verified without a
/// scope): only the wildcard statement applies to `*@digest`.
pub const ANY_REPOSITORY: &str = WILDCARD;
const X509_SUBJECT: &str = "x509.subject";

/// A validated trust policy document.
#[derive(Debug, Clone)]
pub struct TrustPolicyDocument {
    statements: Vec<TrustPolicyStatement>,
}

/// One statement of a trust policy document.
#[derive(Debug, Clone)]
pub struct TrustPolicyStatement {
    /// The statement's name.
    pub name: String,
    /// The repositories it applies to (`registry/repository`), or `*`.
    pub registry_scopes: Vec<String>,
    /// How strictly each validation is applied.
    pub level: VerificationLevel,
    /// When the timestamp countersignature is verified.
    pub verify_timestamp: TimestampPolicy,
    /// The trust stores (`type:name`) whose certificates a signature may chain to, in order.
    pub trust_stores: Vec<(TrustStoreType, String)>,
    /// The trusted identities as written (`x509.subject:…`, or `*`).
    pub trusted_identities: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    trust_policies: Option<Vec<Statement>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    signature_verification: Option<SignatureVerification>,
    #[serde(default)]
    trust_stores: Option<Vec<String>>,
    #[serde(default)]
    trusted_identities: Option<Vec<String>>,
    #[serde(default)]
    registry_scopes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignatureVerification {
    #[serde(default)]
    level: Option<String>,
    #[serde(default, rename = "override")]
    overrides: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    verify_timestamp: Option<String>,
}

const DOCUMENT_FIELDS: GoStructFields<'static> = GoStructFields {
    fields: &[
        "version",
        "trustPolicies",
        "name",
        "signatureVerification",
        "trustStores",
        "trustedIdentities",
        "registryScopes",
        "level",
        "override",
        "verifyTimestamp",
    ],
    opaque: &["override"],
};

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidPolicy, message)
}

impl TrustPolicyDocument {
    /// Reads and validates a trust policy document (JSON).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > TRUST_POLICY_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "trust policy is {} bytes, limit is {TRUST_POLICY_SIZE_MAX}",
                    bytes.len()
                ),
            ));
        }
        let malformed = || {
            invalid(format!(
                "malformed trust policy. To create a trust policy, see: {TRUST_POLICY_LINK}"
            ))
        };
        check_go_unambiguous(bytes, DOCUMENT_FIELDS, "trust policy").map_err(|e| invalid(e.message().to_owned()))?;
        let document: Document = serde_json::from_slice(bytes).map_err(|_| malformed())?;
        let version = document.version.unwrap_or_default();
        if version.is_empty() {
            return Err(invalid(
                "trust policy document is missing or has empty version, it must be specified".into(),
            ));
        }
        if version != "1.0" {
            return Err(invalid(format!(
                "trust policy document uses unsupported version {version:?}"
            )));
        }
        let raw = document.trust_policies.unwrap_or_default();
        if raw.is_empty() {
            return Err(invalid(
                "trust policy document can not have zero trust policy statements".into(),
            ));
        }
        let statements = raw.into_iter().map(statement).collect::<Result<Vec<_>>>()?;
        validate_registry_scopes(&statements)?;
        for (i, statement) in statements.iter().enumerate() {
            if statements[..i].iter().any(|s| s.name == statement.name) {
                return Err(invalid(format!(
                    "multiple trust policy statements use the same name {:?}, statement names must be unique",
                    statement.name
                )));
            }
        }
        Ok(TrustPolicyDocument { statements })
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[TrustPolicyStatement] {
        &self.statements
    }

    /// The statement whose scope is `*` (it applies to any repository no other statement names).
    pub fn wildcard_statement(&self) -> Option<&TrustPolicyStatement> {
        self.statements
            .iter()
            .find(|s| s.registry_scopes.iter().any(|r| r == WILDCARD))
    }

    /// The statement for `artifact_reference` (`registry/repository@digest`): the one whose scopes
    /// name its repository, else the wildcard one. `*@digest` names an artifact of no repository
    /// (an OCI layout verified without a scope, [`ANY_REPOSITORY`]): only the wildcard statement,
    /// which applies to any repository, applies to it.
    pub fn applicable(&self, artifact_reference: &str) -> Result<&TrustPolicyStatement> {
        let repository = match artifact_reference.rsplit_once('@') {
            Some((repository, _)) => repository,
            None => {
                return Err(Error::new(
                    ErrorCode::InvalidReference,
                    format!("artifact URI {artifact_reference:?} could not be parsed, make sure it is the fully qualified OCI artifact URI without the scheme/protocol. e.g domain.com:80/my/repository@sha256:digest"),
                ))
            }
        };
        if repository == ANY_REPOSITORY {
            return self.wildcard_statement().ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidPolicy,
                    "an artifact verified without a trust policy scope (an OCI layout) is judged under the trust policy's \"*\" statement, and there is none: give the scope it is verified under (notation verify --scope)",
                )
            });
        }
        validate_scope_format(repository)
            .map_err(|e| Error::new(ErrorCode::InvalidReference, e.message().to_owned()))?;
        let scoped = |scope: &str| {
            self.statements
                .iter()
                .find(|s| s.registry_scopes.iter().any(|r| r == scope))
        };
        scoped(repository).or_else(|| scoped(WILDCARD)).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidPolicy,
                format!("artifact {artifact_reference:?} has no applicable trust policy. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: {TRUST_POLICY_LINK}"),
            )
        })
    }
}

fn statement(raw: Statement) -> Result<TrustPolicyStatement> {
    let name = raw.name.unwrap_or_default();
    if name.is_empty() {
        return Err(invalid(
            "a trust policy statement is missing a name, every statement requires a name".into(),
        ));
    }
    let verification = raw.signature_verification.unwrap_or(SignatureVerification {
        level: None,
        overrides: None,
        verify_timestamp: None,
    });
    let level = verification_level(&verification).map_err(|e| {
        invalid(format!(
            "trust policy statement {name:?} has invalid signatureVerification: {e}"
        ))
    })?;
    let verify_timestamp = match verification.verify_timestamp.as_deref() {
        None | Some("") | Some("always") => TimestampPolicy::Always,
        Some("afterCertExpiry") => TimestampPolicy::AfterCertExpiry,
        Some(other) => {
            return Err(invalid(format!(
                "trust policy statement {name:?} has invalid signatureVerification: verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got {other:?}"
            )))
        }
    };
    let trust_stores_raw = raw.trust_stores.unwrap_or_default();
    let trusted_identities = raw.trusted_identities.unwrap_or_default();
    if level.is_skip() {
        if !trust_stores_raw.is_empty() || !trusted_identities.is_empty() {
            return Err(invalid(format!(
                "trust policy statement {name:?} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped"
            )));
        }
    } else if trust_stores_raw.is_empty() || trusted_identities.is_empty() {
        return Err(invalid(format!(
            "trust policy statement {name:?} is either missing trust stores or trusted identities, both must be specified"
        )));
    }
    let trust_stores = trust_stores_raw
        .iter()
        .map(|store| trust_store(&name, store))
        .collect::<Result<Vec<_>>>()?;
    validate_trusted_identities(&name, &trusted_identities)?;
    Ok(TrustPolicyStatement {
        name,
        registry_scopes: raw.registry_scopes.unwrap_or_default(),
        level,
        verify_timestamp,
        trust_stores,
        trusted_identities,
    })
}

/// The level named in `verification`, with its overrides applied.
fn verification_level(verification: &SignatureVerification) -> std::result::Result<VerificationLevel, String> {
    let name = verification.level.as_deref().unwrap_or_default();
    if name.is_empty() {
        return Err("signature verification level is empty or missing in the trust policy statement".into());
    }
    let mut level =
        VerificationLevel::named(name).ok_or_else(|| format!("invalid signature verification level {name:?}"))?;
    let overrides = match &verification.overrides {
        Some(overrides) if !overrides.is_empty() => overrides,
        _ => return Ok(level),
    };
    if level.is_skip() {
        return Err(format!(
            "signature verification level {name:?} can't be used to customize signature verification"
        ));
    }
    for (key, value) in overrides {
        let validation = ValidationType::named(key).ok_or_else(|| {
            format!(
                "verification type {key:?} in custom signature verification is not supported, supported values are {:?}",
                ValidationType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>()
            )
        })?;
        let action = value.as_str().and_then(ValidationAction::named).ok_or_else(|| {
            format!(
                "verification action {} in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]",
                value
            )
        })?;
        if validation == ValidationType::Integrity {
            return Err(format!(
                "{key:?} verification can not be overridden in custom signature verification"
            ));
        }
        if validation != ValidationType::Revocation && action == ValidationAction::Skip {
            return Err(format!(
                "{key:?} verification can not be skipped in custom signature verification"
            ));
        }
        level.set(validation, action);
    }
    Ok(level)
}

fn trust_store(statement: &str, value: &str) -> Result<(TrustStoreType, String)> {
    let (kind, name) = value.split_once(':').ok_or_else(|| {
        invalid(format!(
            "trust policy statement {statement:?} has malformed trust store value {value:?}. The required format is <TrustStoreType>:<TrustStoreName>"
        ))
    })?;
    let kind = TrustStoreType::named(kind).ok_or_else(|| {
        invalid(format!(
            "trust policy statement {statement:?} uses an unsupported trust store type {kind:?} in trust store value {value:?}"
        ))
    })?;
    if !super::trust_store::is_valid_store_name(name) {
        return Err(invalid(format!(
            "trust policy statement {statement:?} uses an unsupported trust store name {name:?} in trust store value {value:?}. Named store name needs to follow [a-zA-Z0-9_.-]+ format"
        )));
    }
    Ok((kind, name.to_owned()))
}

fn validate_trusted_identities(statement: &str, identities: &[String]) -> Result<()> {
    if identities.len() > 1 && identities.iter().any(|i| i == WILDCARD) {
        return Err(invalid(format!(
            "trust policy statement {statement:?} uses a wildcard trusted identity '*', a wildcard identity cannot be used in conjunction with other values"
        )));
    }
    let mut parsed: Vec<(&str, DistinguishedName)> = Vec::new();
    for identity in identities {
        if identity.is_empty() {
            return Err(invalid(format!(
                "trust policy statement {statement:?} has an empty trusted identity"
            )));
        }
        if identity == WILDCARD {
            continue;
        }
        if let Some(dn) = x509_subject(statement, identity)? {
            let dn = dn.map_err(|e| {
                invalid(format!(
                    "trust policy statement {statement:?} has trusted identity {identity:?} with invalid identity value: {}",
                    e.message()
                ))
            })?;
            parsed.push((identity, dn));
        }
    }
    for (i, (first, a)) in parsed.iter().enumerate() {
        for (j, (second, b)) in parsed.iter().enumerate() {
            if i != j && a.is_subset_of(b) {
                return Err(invalid(format!(
                    "trust policy statement {statement:?} has overlapping x509 trustedIdentities, {first:?} overlaps with {second:?}"
                )));
            }
        }
    }
    Ok(())
}

/// The distinguished name of an `x509.subject:` identity (`None` for identities of other kinds,
/// which plugins verify).
pub(crate) fn x509_subject(statement: &str, identity: &str) -> Result<Option<Result<DistinguishedName>>> {
    let (prefix, value) = identity.split_once(':').ok_or_else(|| {
        invalid(format!(
            "trust policy statement {statement:?} has trusted identity {identity:?} missing separator"
        ))
    })?;
    if prefix != X509_SUBJECT {
        return Ok(None);
    }
    if value.is_empty() {
        return Err(invalid(format!(
            "trust policy statement {statement:?} has trusted identity {identity:?} without an identity value"
        )));
    }
    Ok(Some(DistinguishedName::parse(value)))
}

fn validate_registry_scopes(statements: &[TrustPolicyStatement]) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for statement in statements {
        let scopes = &statement.registry_scopes;
        if scopes.is_empty() {
            return Err(invalid(format!(
                "trust policy statement {:?} has zero registry scopes, it must specify registry scopes with at least one value",
                statement.name
            )));
        }
        if scopes.len() > 1 && scopes.iter().any(|s| s == WILDCARD) {
            return Err(invalid(format!(
                "trust policy statement {:?} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values",
                statement.name
            )));
        }
        for scope in scopes {
            if scope != WILDCARD {
                validate_scope_format(scope)?;
            }
            if seen.contains(&scope.as_str()) {
                return Err(invalid(format!(
                    "registry scope {scope:?} is present in multiple trust policy statements, one registry scope value can only be associated with one statement"
                )));
            }
            seen.push(scope);
        }
    }
    Ok(())
}

/// A registry scope is `domain[:port]/repository` as the distribution spec writes them.
fn validate_scope_format(scope: &str) -> Result<()> {
    let ensure = "make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout";
    if scope.len() > 1 && scope.contains('*') {
        return Err(invalid(format!(
            "registry scope {scope:?} with wild card(s) is not valid, {ensure}"
        )));
    }
    let valid = scope
        .split_once('/')
        .is_some_and(|(domain, repository)| is_domain(domain) && is_repository(repository));
    if !valid {
        return Err(invalid(format!("registry scope {scope:?} is not valid, {ensure}")));
    }
    Ok(())
}

/// `label(.label)*(:port)?`, each label alphanumeric with inner hyphens.
fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    host.split('.').all(label) && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Path components of lowercase alphanumerics joined by one of `.`, `_`, `__` or any run of `-`.
fn is_repository(repository: &str) -> bool {
    repository.split('/').all(|component| {
        let bytes = component.as_bytes();
        if bytes.is_empty() || !is_lower_alnum(bytes[0]) || !is_lower_alnum(bytes[bytes.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < bytes.len() {
            if is_lower_alnum(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && !is_lower_alnum(bytes[i]) {
                i += 1;
            }
            let separator = &component[start..i];
            let allowed = matches!(separator, "." | "_" | "__") || separator.chars().all(|c| c == '-');
            if !allowed {
                return false;
            }
        }
        true
    })
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(statements: &str) -> String {
        format!(r#"{{"version":"1.0","trustPolicies":[{statements}]}}"#)
    }

    const GOOD: &str = r#"{"name":"a","registryScopes":["r.example/app"],"signatureVerification":{"level":"strict"},"trustStores":["ca:acme"],"trustedIdentities":["x509.subject:C=US,ST=WA,O=Acme"]}"#;

    fn error(document: &str) -> String {
        TrustPolicyDocument::from_json(document.as_bytes())
            .unwrap_err()
            .message()
            .to_owned()
    }

    #[test]
    fn a_valid_document_selects_its_statement_by_repository_and_falls_back_to_the_wildcard() {
        let wildcard = r#"{"name":"w","registryScopes":["*"],"signatureVerification":{"level":"audit"},"trustStores":["ca:acme"],"trustedIdentities":["*"]}"#;
        let document = TrustPolicyDocument::from_json(policy(&format!("{GOOD},{wildcard}")).as_bytes()).unwrap();
        assert_eq!(document.applicable("r.example/app@sha256:00").unwrap().name, "a");
        assert_eq!(document.applicable("r.example/other@sha256:00").unwrap().name, "w");
        let only = TrustPolicyDocument::from_json(policy(GOOD).as_bytes()).unwrap();
        assert!(only
            .applicable("r.example/other@sha256:00")
            .unwrap_err()
            .message()
            .contains("has no applicable trust policy"));
        assert!(only
            .applicable("r.example/app:v1")
            .unwrap_err()
            .message()
            .contains("could not be parsed"));
    }

    #[test]
    fn an_artifact_of_no_repository_gets_the_wildcard_statement_or_a_clear_error() {
        let wildcard = r#"{"name":"w","registryScopes":["*"],"signatureVerification":{"level":"audit"},"trustStores":["ca:acme"],"trustedIdentities":["*"]}"#;
        let both = TrustPolicyDocument::from_json(policy(&format!("{GOOD},{wildcard}")).as_bytes()).unwrap();
        let unscoped = format!("{ANY_REPOSITORY}@sha256:00");
        assert_eq!(both.applicable(&unscoped).unwrap().name, "w");
        assert_eq!(both.wildcard_statement().unwrap().name, "w");
        let only = TrustPolicyDocument::from_json(policy(GOOD).as_bytes()).unwrap();
        assert!(only.wildcard_statement().is_none());
        let refused = only.applicable(&unscoped).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidPolicy);
        assert!(
            refused.message().contains("give the scope it is verified under"),
            "{}",
            refused.message()
        );
        // A scope with a wildcard in it is still no scope at all.
        assert!(both.applicable("r.example/*@sha256:00").is_err());
    }

    #[test]
    fn every_rule_of_notation_is_checked_with_its_message() {
        let cases: &[(&str, &str)] = &[
            (r#"{"trustPolicies":[]}"#, "missing or has empty version"),
            (r#"{"version":"2.0","trustPolicies":[]}"#, "unsupported version \"2.0\""),
            (
                r#"{"version":"1.0","trustPolicies":[]}"#,
                "zero trust policy statements",
            ),
            ("not json", "malformed trust policy"),
            (&policy(&GOOD.replace(r#""name":"a","#, "")), "missing a name"),
            (&policy(&GOOD.replace("strict", "")), "level is empty or missing"),
            (
                &policy(&GOOD.replace("strict", "lenient")),
                "invalid signature verification level \"lenient\"",
            ),
            (
                &policy(&GOOD.replace(r#""ca:acme""#, "")),
                "missing trust stores or trusted identities",
            ),
            (&policy(&GOOD.replace("ca:acme", "ca")), "malformed trust store value"),
            (
                &policy(&GOOD.replace("ca:acme", "x:acme")),
                "unsupported trust store type \"x\"",
            ),
            (
                &policy(&GOOD.replace("ca:acme", "ca:a/b")),
                "unsupported trust store name",
            ),
            (
                &policy(&GOOD.replace("x509.subject:C=US,ST=WA,O=Acme", "nocolon")),
                "missing separator",
            ),
            (
                &policy(&GOOD.replace("C=US,ST=WA,O=Acme", "")),
                "without an identity value",
            ),
            (
                &policy(&GOOD.replace("C=US,ST=WA,O=Acme", "C=US")),
                "invalid identity value",
            ),
            (
                &policy(&GOOD.replace(
                    r#""x509.subject:C=US,ST=WA,O=Acme""#,
                    r#""*","x509.subject:C=US,ST=WA,O=Acme""#,
                )),
                "wildcard trusted identity",
            ),
            (
                &policy(&GOOD.replace(
                    r#""x509.subject:C=US,ST=WA,O=Acme""#,
                    r#""x509.subject:C=US,ST=WA,O=Acme","x509.subject:C=US,ST=WA,O=Acme,CN=x""#,
                )),
                "overlapping x509 trustedIdentities",
            ),
            (&policy(&GOOD.replace(r#""r.example/app""#, "")), "zero registry scopes"),
            (
                &policy(&GOOD.replace(r#""r.example/app""#, r#""*","r.example/b""#)),
                "wildcard scope cannot be used",
            ),
            (&policy(&GOOD.replace("r.example/app", "r.example/App")), "is not valid"),
            (
                &policy(&GOOD.replace("r.example/app", "r.example/a*")),
                "with wild card(s)",
            ),
            (
                &policy(&GOOD.replace("r.example/app", "https://r.example/app")),
                "is not valid",
            ),
            (
                &policy(&format!("{GOOD},{}", GOOD.replace(r#""name":"a""#, r#""name":"b""#))),
                "present in multiple trust policy statements",
            ),
            (
                &policy(&format!("{GOOD},{}", GOOD.replace("r.example/app", "r.example/b"))),
                "use the same name \"a\"",
            ),
            (
                &policy(&GOOD.replace(r#""level":"strict""#, r#""level":"skip""#)),
                "set to skip signature verification but configured",
            ),
            (
                &policy(&GOOD.replace(
                    r#""level":"strict""#,
                    r#""level":"strict","override":{"integrity":"log"}"#,
                )),
                "\"integrity\" verification can not be overridden",
            ),
            (
                &policy(&GOOD.replace(
                    r#""level":"strict""#,
                    r#""level":"strict","override":{"expiry":"skip"}"#,
                )),
                "\"expiry\" verification can not be skipped",
            ),
            (
                &policy(&GOOD.replace(r#""level":"strict""#, r#""level":"strict","override":{"speed":"log"}"#)),
                "verification type \"speed\"",
            ),
            (
                &policy(&GOOD.replace(
                    r#""level":"strict""#,
                    r#""level":"strict","override":{"expiry":"maybe"}"#,
                )),
                "verification action \"maybe\"",
            ),
            (
                &policy(&GOOD.replace(r#""level":"strict""#, r#""level":"skip","override":{"expiry":"log"}"#)),
                "can't be used to customize",
            ),
            (
                &policy(&GOOD.replace(r#""level":"strict""#, r#""level":"strict","verifyTimestamp":"never""#)),
                "verifyTimestamp must be",
            ),
            (&policy(&GOOD.replace("\"name\"", "\"Name\"")), "refused"),
        ];
        for (document, expected) in cases {
            let message = error(document);
            assert!(
                message.contains(expected),
                "{document}\n  gave: {message}\n  expected: {expected}"
            );
        }
    }

    #[test]
    fn overrides_change_one_action_and_revocation_may_be_skipped() {
        let document = policy(&GOOD.replace(
            r#""level":"strict""#,
            r#""level":"strict","override":{"revocation":"skip","expiry":"log"},"verifyTimestamp":"afterCertExpiry""#,
        ));
        let parsed = TrustPolicyDocument::from_json(document.as_bytes()).unwrap();
        let statement = &parsed.statements()[0];
        assert_eq!(
            statement.level.action(ValidationType::Revocation),
            ValidationAction::Skip
        );
        assert_eq!(statement.level.action(ValidationType::Expiry), ValidationAction::Log);
        assert_eq!(
            statement.level.action(ValidationType::Authenticity),
            ValidationAction::Enforce
        );
        assert_eq!(statement.verify_timestamp, TimestampPolicy::AfterCertExpiry);
    }

    #[test]
    fn repositories_follow_the_distribution_grammar() {
        for good in ["a", "a/b", "a.b", "a_b", "a__b", "a---b", "0/x9"] {
            assert!(is_repository(good), "{good}");
        }
        for bad in ["", "A", "a/", "/a", "a..b", "a___b", "-a", "a-", "a/B"] {
            assert!(!is_repository(bad), "{bad}");
        }
        for good in ["localhost", "localhost:5000", "r.example.com", "127.0.0.1:80", "a-b.c"] {
            assert!(is_domain(good), "{good}");
        }
        for bad in ["", "a..b", "-a.b", "a:", "a:x", "a_b"] {
            assert!(!is_domain(bad), "{bad}");
        }
    }
}
