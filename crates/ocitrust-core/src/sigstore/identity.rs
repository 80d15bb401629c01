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

    /// How the expectation reads in a message, e.g. `SAN value "x"` or `SAN value to match regex "x"`:
    /// the value or the expression exactly as given, as sigstore-go prints them.
    fn expectation(&self, what: &str) -> String {
        match self {
            Matcher::Exact(expected) => format!("{what} value {}", as_given(expected)),
            Matcher::Regex(regex) => format!("{what} value to match regex {}", as_given(regex.as_str())),
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
                "expected {}, got {}",
                self.issuer.expectation("issuer"),
                as_given(issuer)
            )));
        }
        let names = certificate.alt_names();
        if !names.iter().any(|n| self.subject.matches(n.value())) {
            let got = names.iter().map(|n| as_given(n.value())).collect::<Vec<_>>();
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
                return Err(mismatch(format!(
                    "expected {name} value {}, got {}",
                    as_given(expected),
                    as_given(got)
                )));
            }
        }
        Ok(())
    }
}

/// `text` between double quotes, unescaped, as Go's `"%s"` prints it (sigstore-go's messages): a
/// regular expression reads as the user wrote it. Whoever prints the message to a terminal escapes
/// its control characters there.
fn as_given(text: &str) -> String {
    format!("\"{text}\"")
}

fn mismatch(message: String) -> Error {
    Error::new(ErrorCode::NoMatchingSignatures, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigstore::SigstoreBundle;

    /// The conformance happy-path certificate: SAN the beacon workflow URI, GitHub's issuer.
    fn beacon() -> (Certificate, FulcioClaims) {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/sigstore-conformance/happy-path-v0.3/bundle.sigstore.json");
        let bundle = SigstoreBundle::from_json(&std::fs::read(path).unwrap()).unwrap();
        let certificate = bundle.material.signing_certificate().unwrap().clone();
        let claims = FulcioClaims::read(&certificate).unwrap();
        (certificate, claims)
    }

    const SAN: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    const ISSUER: &str = "https://token.actions.githubusercontent.com";

    fn check(identity: CertificateIdentity) -> std::result::Result<(), String> {
        let (certificate, claims) = beacon();
        identity
            .check(&certificate, &claims)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn exact_and_unanchored_regexp_matches_as_cosign() {
        assert_eq!(check(CertificateIdentity::exact(SAN, ISSUER)), Ok(()));
        let regex = |s: &str| Matcher::regex(s, "test").unwrap();
        let unanchored = CertificateIdentity {
            subject: regex("extremely-dangerous"),
            issuer: regex(r"actions\.githubusercontent"),
            github_claims: vec![],
        };
        assert_eq!(check(unanchored), Ok(()));
        // An exact identity is not a prefix match.
        let prefix = CertificateIdentity::exact("https://github.com/sigstore-conformance/", ISSUER);
        assert!(check(prefix)
            .unwrap_err()
            .starts_with("expected SAN value \"https://github.com/sigstore-conformance/\""));
    }

    #[test]
    fn the_issuer_is_checked_first_and_messages_name_what_was_found() {
        let err = check(CertificateIdentity::exact(
            "nobody@example.com",
            "https://accounts.google.com",
        ))
        .unwrap_err();
        assert_eq!(
            err,
            format!("expected issuer value \"https://accounts.google.com\", got \"{ISSUER}\"")
        );
        let err = check(CertificateIdentity {
            subject: Matcher::regex("^mailto:", "test").unwrap(),
            issuer: Matcher::Exact(ISSUER.into()),
            github_claims: vec![],
        })
        .unwrap_err();
        assert_eq!(
            err,
            format!("expected SAN value to match regex \"^mailto:\", got \"{SAN}\"")
        );
    }

    #[test]
    fn expressions_and_values_print_as_given_with_no_escaping() {
        let regex = |s: &str| Matcher::regex(s, "test").unwrap();
        let err = check(CertificateIdentity {
            subject: regex(r"^.*@example\.com$"),
            issuer: Matcher::Exact(ISSUER.into()),
            github_claims: vec![],
        })
        .unwrap_err();
        assert_eq!(
            err,
            format!(r#"expected SAN value to match regex "^.*@example\.com$", got "{SAN}""#)
        );
        let err = check(CertificateIdentity {
            subject: Matcher::Exact(SAN.into()),
            issuer: regex(r"^https://accounts\.google\.com$"),
            github_claims: vec![],
        })
        .unwrap_err();
        assert_eq!(
            err,
            format!(r#"expected issuer value to match regex "^https://accounts\.google\.com$", got "{ISSUER}""#)
        );
        let err = check(CertificateIdentity::exact(r#"a\b"c"#, ISSUER)).unwrap_err();
        assert!(err.starts_with(r#"expected SAN value "a\b"c", got"#), "{err}");
    }

    #[test]
    fn github_claims_must_equal() {
        let (_, claims) = beacon();
        let repository = claims.get("github-workflow-repository").unwrap().to_owned();
        let mut identity = CertificateIdentity::exact(SAN, ISSUER);
        identity
            .github_claims
            .push(("github-workflow-repository".into(), repository));
        assert_eq!(check(identity.clone()), Ok(()));
        identity
            .github_claims
            .push(("github-workflow-trigger".into(), "release".into()));
        assert!(check(identity)
            .unwrap_err()
            .starts_with("expected github-workflow-trigger value \"release\""));
    }

    #[test]
    fn a_regexp_that_does_not_compile_or_is_too_large_is_refused() {
        assert!(Matcher::regex("(", "identity").is_err());
        assert!(Matcher::regex(&"a{1000}".repeat(200), "identity").is_err());
    }
}
