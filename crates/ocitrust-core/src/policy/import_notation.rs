//! Importing notation's trust policy (`trustpolicy.json`, `trustpolicy.oci.json`) as an ocitrust
//! document, losslessly: every statement becomes a policy with the same scopes (exact
//! repositories, or `*`, which ocitrust's precedence ranks below them as notation does) requiring
//! one notation authority with the statement's level, overrides, `verifyTimestamp`, trust stores
//! and identities as written; a `skip` statement becomes `insecureAcceptAnything`. Each trust store
//! a statement names becomes an x509 trust root listing its files. An image no statement covers
//! is denied, as notation refuses it.

use std::collections::BTreeMap;

use super::document::{is_name, API_VERSION, KIND};
use super::emit::{to_yaml, Yaml};
use crate::error::{Error, ErrorCode, Result};
use crate::notation::{TrustPolicyDocument, TrustStoreType};

/// The certificate files of one notation trust store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotationStoreFiles {
    /// Its type.
    pub kind: TrustStoreType,
    /// Its name.
    pub name: String,
    /// Its files (paths as the imported document will name them), in order.
    pub files: Vec<String>,
}

/// Where a trust store type's certificates go in an x509 trust root.
fn x509_field(kind: TrustStoreType) -> &'static str {
    match kind {
        TrustStoreType::Ca => "ca",
        TrustStoreType::SigningAuthority => "signingAuthority",
        TrustStoreType::Tsa => "tsa",
    }
}

/// Names that are valid in an ocitrust document, each distinct, derived from notation's.
#[derive(Default)]
struct Names {
    given: BTreeMap<String, String>,
}

impl Names {
    fn name(&mut self, original: &str) -> String {
        if let Some(name) = self.given.get(original) {
            return name.clone();
        }
        let mut base: String = original
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .take(56)
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            base.insert(0, 'n');
        }
        let mut name = base.clone();
        let mut n = 2;
        while self.given.values().any(|v| *v == name) || !is_name(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.given.insert(original.to_owned(), name.clone());
        name
    }
}

/// The ocitrust document equivalent to notation's trust policy `json`, whose trust stores are
/// `stores`.
pub fn import_notation(json: &[u8], stores: &[NotationStoreFiles]) -> Result<String> {
    let validated = TrustPolicyDocument::from_json(json)?;
    let raw: serde_json::Value = serde_json::from_slice(json)
        .map_err(|e| Error::new(ErrorCode::InvalidPolicy, format!("malformed trust policy: {e}")))?;
    let raw_statements = raw["trustPolicies"].as_array().cloned().unwrap_or_default();
    // Policies, authorities and trust roots are separate namespaces in a document.
    let (mut policy_names, mut authority_names, mut root_names_given) =
        (Names::default(), Names::default(), Names::default());
    let mut roots: Vec<(String, Yaml)> = Vec::new();
    let mut authorities: Vec<(String, Yaml)> = Vec::new();
    let mut policies: Vec<Yaml> = Vec::new();
    for (statement, raw) in validated.statements().iter().zip(&raw_statements) {
        let verification = &raw["signatureVerification"];
        let level = verification["level"].as_str().unwrap_or("strict");
        let policy_name = policy_names.name(&statement.name);
        let mut policy = vec![
            ("name".to_owned(), Yaml::str(&policy_name)),
            (
                "scope".to_owned(),
                Yaml::strs(statement.registry_scopes.iter().cloned()),
            ),
        ];
        if level == "skip" {
            policy.push(("insecureAcceptAnything".into(), Yaml::Bool(true)));
            policies.push(Yaml::Map(policy));
            continue;
        }
        let mut root_names = Vec::new();
        for (kind, store_name) in &statement.trust_stores {
            let files = stores
                .iter()
                .find(|s| s.kind == *kind && s.name == *store_name)
                .map(|s| s.files.clone())
                .unwrap_or_default();
            if files.is_empty() {
                return Err(Error::new(
                    ErrorCode::InvalidPolicy,
                    format!(
                        "trust store {kind}:{store_name} (named by statement {:?}) has no certificate files",
                        statement.name
                    ),
                ));
            }
            let root_name = root_names_given.name(&format!("{kind}-{store_name}"));
            if !roots.iter().any(|(n, _)| *n == root_name) {
                let material = Yaml::map([(x509_field(*kind), Yaml::strs(files))]);
                roots.push((root_name.clone(), Yaml::map([("x509", material)])));
            }
            root_names.push(root_name);
        }
        let mut notation = vec![
            ("trustRoots".to_owned(), Yaml::strs(root_names)),
            (
                "trustedIdentities".to_owned(),
                Yaml::strs(statement.trusted_identities.iter().cloned()),
            ),
            ("level".to_owned(), Yaml::str(level)),
        ];
        if let Some(overrides) = verification["override"].as_object().filter(|o| !o.is_empty()) {
            let entries = overrides
                .iter()
                .map(|(check, action)| (check.clone(), Yaml::str(action.as_str().unwrap_or_default())));
            notation.push(("override".into(), Yaml::map(entries)));
        }
        notation.push((
            "verifyTimestamp".into(),
            Yaml::str(verification["verifyTimestamp"].as_str().unwrap_or("always")),
        ));
        let authority_name = authority_names.name(&statement.name);
        authorities.push((authority_name.clone(), Yaml::map([("notation", Yaml::Map(notation))])));
        policy.push(("signatures".into(), Yaml::map([("any", Yaml::strs([authority_name]))])));
        policies.push(Yaml::Map(policy));
    }
    let mut document = vec![
        ("apiVersion".to_owned(), Yaml::str(API_VERSION)),
        ("kind".to_owned(), Yaml::str(KIND)),
        ("defaults".to_owned(), Yaml::map([("noMatch", Yaml::str("deny"))])),
    ];
    if !roots.is_empty() {
        document.push(("trustRoots".into(), Yaml::Map(roots)));
    }
    if !authorities.is_empty() {
        document.push(("authorities".into(), Yaml::Map(authorities)));
    }
    document.push(("policies".into(), Yaml::List(policies)));
    Ok(to_yaml(&Yaml::Map(document)))
}
