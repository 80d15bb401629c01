//! Keyless identity policies: who must have signed, as a Fulcio certificate says it. The subject is
//! matched against the certificate's subject alternative names (email, URI, Fulcio's otherName),
//! the issuer against the OIDC issuer claim, each exactly or by an RE2-syntax regular expression
//! matched unanchored (as cosign and sigstore-go match them); GitHub workflow claims, when asked
//! for, must equal. Messages say what was expected and what was found, in sigstore-go's words.

use super::fulcio_claims::FulcioClaims;
use crate::error::{Error, ErrorCode, Result};
use crate::x509::Certificate;

/// Largest compiled regular expression accepted (bytes of the regex crate's program).
const REGEX_SIZE_MAX: usize = 1 << 20;

/// An exact value or a regular expression.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Equal to this text.
    Exact(String),
    /// Matched (anywhere, unless anchored) by this expression.
    Regex(regex::Regex),
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Matcher::Exact(a), Matcher::Exact(b)) => a == b,
            (Matcher::Regex(a), Matcher::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl Eq for Matcher {}

impl Matcher {
    /// `pattern` as a regular expression (RE2 syntax), refusing one that does not compile.
    pub fn regex(pattern: &str, what: &str) -> Result<Self> {
        regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_MAX)
            .build()
            .map(Matcher::Regex)
            .map_err(|e| {
                Error::new(
                    ErrorCode::InvalidArgument,
                    format!("invalid {what} regular expression: {e}"),
                )
            })
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(expected) => expected == value,
            Matcher::Regex(regex) => regex.is_match(value),
        }
    }

    /// How the expectation reads in a message, e.g. `SAN value "x"` or `SAN value to match regex "x"`.
    fn expectation(&self, what: &str) -> String {
        match self {
            Matcher::Exact(expected) => format!("{what} value {expected:?}"),
            Matcher::Regex(regex) => format!("{what} value to match regex {:?}", regex.as_str()),
        }
    }

    /// Describes the matcher for verdicts, e.g. `"x"` or `/x/`.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Exact(expected) => format!("{expected:?}"),
            Matcher::Regex(regex) => format!("/{}/", regex.as_str()),
        }
    }
}

/// Who must have signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateIdentity {
    /// Matched against the subject alternative names (`--certificate-identity[-regexp]`).
    pub subject: Matcher,
    /// Matched against the OIDC issuer (`--certificate-oidc-issuer[-regexp]`).
    pub issuer: Matcher,
    /// GitHub workflow claims that must equal (`--certificate-github-workflow-*`), by claim name
    /// (`github-workflow-trigger`, `-sha`, `-name`, `-repository`, `-ref`).
    pub github_claims: Vec<(String, String)>,
}

impl CertificateIdentity {
    /// An identity with an exact subject and issuer.
    pub fn exact(subject: impl Into<String>, issuer: impl Into<String>) -> Self {
        CertificateIdentity {
            subject: Matcher::Exact(subject.into()),
            issuer: Matcher::Exact(issuer.into()),
            github_claims: Vec::new(),
        }
    }

    /// How a verdict names an authority with this identity.
    pub fn describe(&self) -> String {
        format!(
            "identity {} issued by {}",
            self.subject.describe(),
            self.issuer.describe()
        )
    }

    /// Checks `certificate` (with its `claims`) against the identity: issuer, then subject, then
    /// each GitHub claim.
    pub fn check(&self, certificate: &Certificate, claims: &FulcioClaims) -> Result<()> {
        let issuer = claims.issuer().unwrap_or("");
        if !self.issuer.matches(issuer) {
            return Err(mismatch(format!(
                "expected {}, got {issuer:?}",
                self.issuer.expectation("issuer")
            )));
        }
        let names = certificate.alt_names();
        if !names.iter().any(|n| self.subject.matches(n.value())) {
            let got = names.iter().map(|n| format!("{:?}", n.value())).collect::<Vec<_>>();
            let got = if got.is_empty() {
                "no SAN".to_owned()
            } else {
                got.join(", ")
            };
            return Err(mismatch(format!(
                "expected {}, got {got}",
                self.subject.expectation("SAN")
            )));
        }
        for (name, expected) in &self.github_claims {
            let got = claims.get(name).unwrap_or("");
            if got != expected {
                return Err(mismatch(format!("expected {name} value {expected:?}, got {got:?}")));
            }
        }
        Ok(())
    }
}

fn mismatch(message: String) -> Error {
    Error::new(ErrorCode::NoMatchingSignatures, message)
}
