//! `signedIdentity`: the image identity a cosign simple-signing signature must claim (its
//! `critical.identity.docker-reference`), with containers-policy.json's rules. A reference that
//! names only a repository matches no exact rule (cosign's claims name only the repository, so
//! `matchRepository` or `exactRepository` accept them, as containers/image documents).

use super::document::SignedIdentity;
use crate::reference::Reference;
use crate::verdict::{Check, CheckName, Outcome, SignatureReport};

/// A reference as containers/image compares them: repository, tag, digest.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    name: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Identity {
    fn parse(text: &str) -> Option<Identity> {
        let reference = Reference::parse(text).ok()?;
        Some(Identity {
            name: format!("{}/{}", reference.registry(), reference.repository()),
            tag: reference.tag().map(str::to_owned),
            digest: reference.digest().map(ToString::to_string),
        })
    }

    fn name_only(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    fn exactly(&self, other: &Identity) -> bool {
        !self.name_only() && !other.name_only() && self == other
    }
}

/// Why the claim `claimed` does not satisfy `rule` for the image named `image` (`None` when it
/// does).
fn mismatch(rule: &SignedIdentity, image: &str, claimed: &str) -> Option<String> {
    let Some(signature) = Identity::parse(claimed) else {
        return Some(format!("the claimed identity {claimed:?} is not a reference"));
    };
    let intended = match Identity::parse(image) {
        // An image named without tag or digest is its `latest` tag.
        Some(Identity {
            name,
            tag: None,
            digest: None,
        }) => Identity {
            name,
            tag: Some("latest".into()),
            digest: None,
        },
        Some(identity) => identity,
        None => return Some(format!("the image {image:?} has no registry identity to compare")),
    };
    // A claim that names only a repository is never exact enough here (containers/image).
    let repo_digest_or_exact = |intended: &Identity| {
        if signature.name_only() {
            false
        } else if intended.digest.is_some() && intended.tag.is_none() {
            signature.name == intended.name
        } else {
            signature.exactly(intended)
        }
    };
    let holds = match rule {
        SignedIdentity::MatchExact => signature.exactly(&intended),
        SignedIdentity::MatchRepoDigestOrExact => repo_digest_or_exact(&intended),
        SignedIdentity::MatchRepository => signature.name == intended.name,
        SignedIdentity::ExactReference(expected) => {
            Identity::parse(expected).is_some_and(|expected| signature.exactly(&expected))
        }
        SignedIdentity::ExactRepository(expected) => {
            Identity::parse(expected).is_some_and(|expected| signature.name == expected.name)
        }
        SignedIdentity::RemapIdentity { prefix, signed_prefix } => {
            let remapped = match intended.name.strip_prefix(prefix.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => Identity {
                    name: format!("{signed_prefix}{rest}"),
                    ..intended
                },
                _ => intended,
            };
            repo_digest_or_exact(&remapped)
        }
    };
    (!holds).then(|| format!("signedIdentity {rule:?}: the signature claims {claimed:?}, the image is {image:?}"))
}

/// `report` as it counts for an authority whose signatures must claim `rule` for `image`: a
/// verified signature whose claim does not satisfy it is no longer verified, and says why.
pub fn with_signed_identity(mut report: SignatureReport, rule: &SignedIdentity, image: &str) -> SignatureReport {
    if !report.verified {
        return report;
    }
    let claimed = report
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_slice::<serde_json::Value>(payload).ok())
        .and_then(|payload| {
            payload["critical"]["identity"]["docker-reference"]
                .as_str()
                .map(str::to_owned)
        });
    let why = match claimed {
        None => Some("the signature claims no image identity (critical.identity.docker-reference)".to_owned()),
        Some(claimed) => mismatch(rule, image, &claimed),
    };
    if let Some(detail) = why {
        report.verified = false;
        report.checks.push(Check {
            name: CheckName::Claims,
            outcome: Outcome::Failed,
            detail,
        });
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "registry.example.com/app";
    const DIGEST: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    fn holds(rule: &SignedIdentity, image: &str, claimed: &str) -> bool {
        mismatch(rule, image, claimed).is_none()
    }

    #[test]
    fn the_rules_of_containers_policy_json() {
        let by_tag = format!("{REPO}:v1");
        let by_digest = format!("{REPO}@{DIGEST}");
        use SignedIdentity::*;
        // cosign claims the repository only.
        assert!(!holds(&MatchExact, &by_tag, REPO));
        assert!(holds(&MatchExact, &by_tag, &by_tag));
        assert!(!holds(&MatchExact, &by_tag, &format!("{REPO}:v2")));
        assert!(!holds(&MatchRepoDigestOrExact, &by_tag, REPO));
        assert!(!holds(&MatchRepoDigestOrExact, &by_digest, REPO));
        assert!(holds(&MatchRepoDigestOrExact, &by_digest, &format!("{REPO}:v7")));
        assert!(holds(&MatchRepoDigestOrExact, &by_tag, &by_tag));
        assert!(!holds(
            &MatchRepoDigestOrExact,
            &by_digest,
            "registry.example.com/other"
        ));
        assert!(holds(&MatchRepository, &by_tag, REPO));
        assert!(!holds(&MatchRepository, &by_tag, "registry.example.com/app2"));
        assert!(holds(
            &ExactRepository("vendor.io/app".into()),
            &by_tag,
            "vendor.io/app"
        ));
        assert!(!holds(
            &ExactReference("vendor.io/app".into()),
            &by_tag,
            "vendor.io/app"
        ));
        assert!(holds(
            &ExactReference("vendor.io/app:v1".into()),
            &by_tag,
            "vendor.io/app:v1"
        ));
        let remap = RemapIdentity {
            prefix: "registry.example.com".into(),
            signed_prefix: "vendor.io".into(),
        };
        assert!(holds(&remap, &format!("{REPO}@{DIGEST}"), "vendor.io/app:v1"));
        assert!(!holds(&remap, &format!("{REPO}@{DIGEST}"), &format!("{REPO}:v1")));
        assert!(!holds(
            &remap,
            &format!("registry.example.com.evil.io/app@{DIGEST}"),
            "vendor.io/app:v1"
        ));
        // Normalised as containers/image normalises: nginx is docker.io/library/nginx.
        assert!(holds(&MatchRepository, "nginx:1.25", "docker.io/library/nginx"));
        assert!(!holds(&MatchRepository, "oci:/layout", REPO));
        assert!(!holds(&MatchRepository, &by_tag, "not a reference"));
    }
}
