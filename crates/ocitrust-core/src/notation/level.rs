//! Verification levels: for each of notation's five validations, whether a failure rejects the
//! signature (`enforce`), is recorded as a warning (`log`), or the validation is not run (`skip`).
//! The presets are notation's `strict`, `permissive`, `audit` and `skip`; a trust policy may
//! override single validations.

use serde::Serialize;

/// A validation notation performs on a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ValidationType {
    /// The envelope is well formed and its signature verifies with its signing certificate.
    Integrity,
    /// The certificate chain contains a certificate of the trust store, and the signer is a
    /// trusted identity.
    Authenticity,
    /// The signing time is vouched for: a timestamp, or the chain valid now.
    AuthenticTimestamp,
    /// The signature has not expired.
    Expiry,
    /// No certificate of the chain is revoked.
    Revocation,
}

impl ValidationType {
    /// Every validation, in notation's order.
    pub const ALL: [ValidationType; 5] = [
        ValidationType::Integrity,
        ValidationType::Authenticity,
        ValidationType::AuthenticTimestamp,
        ValidationType::Expiry,
        ValidationType::Revocation,
    ];

    /// The name a trust policy uses.
    pub fn name(self) -> &'static str {
        match self {
            ValidationType::Integrity => "integrity",
            ValidationType::Authenticity => "authenticity",
            ValidationType::AuthenticTimestamp => "authenticTimestamp",
            ValidationType::Expiry => "expiry",
            ValidationType::Revocation => "revocation",
        }
    }

    /// The validation a trust policy names `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What a failed validation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ValidationAction {
    /// Rejects the signature.
    Enforce,
    /// Recorded as a warning; the signature may still be trusted.
    Log,
    /// The validation is not performed.
    Skip,
}

impl ValidationAction {
    /// The action a trust policy names `name`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "enforce" => Some(ValidationAction::Enforce),
            "log" => Some(ValidationAction::Log),
            "skip" => Some(ValidationAction::Skip),
            _ => None,
        }
    }
}

/// When a trust policy verifies the timestamp countersignature (`verifyTimestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TimestampPolicy {
    /// Whenever a `tsa` trust store is configured.
    Always,
    /// Only once a certificate of the signing chain has expired.
    AfterCertExpiry,
}

/// A verification level: a name and the action of each validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationLevel {
    name: &'static str,
    actions: [ValidationAction; 5],
}

impl VerificationLevel {
    /// The preset named `name` (`strict`, `permissive`, `audit`, `skip`).
    pub fn named(name: &str) -> Option<Self> {
        use ValidationAction::{Enforce as E, Log as L, Skip as S};
        let (name, actions) = match name {
            "strict" => ("strict", [E, E, E, E, E]),
            "permissive" => ("permissive", [E, E, L, L, L]),
            "audit" => ("audit", [E, L, L, L, L]),
            "skip" => ("skip", [S, S, S, S, S]),
            _ => return None,
        };
        Some(VerificationLevel { name, actions })
    }

    /// The level's name (`custom` once a validation was overridden).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether no validation is performed at all.
    pub fn is_skip(&self) -> bool {
        self.name == "skip"
    }

    /// What a failure of `validation` does.
    pub fn action(&self, validation: ValidationType) -> ValidationAction {
        self.actions[validation as usize]
    }

    /// Overrides the action of `validation`.
    pub(crate) fn set(&mut self, validation: ValidationType, action: ValidationAction) {
        self.actions[validation as usize] = action;
        self.name = "custom";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_presets_are_notations() {
        use ValidationAction::*;
        let actions = |name: &str| ValidationType::ALL.map(|t| VerificationLevel::named(name).unwrap().action(t));
        assert_eq!(actions("strict"), [Enforce; 5]);
        assert_eq!(actions("permissive"), [Enforce, Enforce, Log, Log, Log]);
        assert_eq!(actions("audit"), [Enforce, Log, Log, Log, Log]);
        assert_eq!(actions("skip"), [Skip; 5]);
        assert!(VerificationLevel::named("Strict").is_none());
        for t in ValidationType::ALL {
            assert_eq!(ValidationType::named(t.name()), Some(t));
        }
    }
}
