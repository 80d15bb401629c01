//! Printing verification results: cosign's JSON array of payloads, text, or the full verdict.

use crate::terminal::{field, say, show};
use ocitrust::core::cosign::{bundle_simple_signing_view, SimpleSigningPayload};
use ocitrust::{CertificateSummary, CheckName, Error, ErrorCode, Outcome, Reference, Result, SignatureKind, Verdict};

/// `--output` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The verified payloads as a JSON array, exactly as `cosign verify` prints them.
    Json,
    /// The verified payloads, one per line, as `cosign verify --output text` prints them.
    Text,
    /// ocitrust's full verdict as JSON: every signature examined and every check.
    Verdict,
}

/// The header cosign prints on standard error before the payloads: the checks that held for the
/// signatures that verified.
pub fn print_header(reference: &str, verdict: &Verdict, annotations_checked: bool) {
    if verdict.insecure.iter().any(|o| o == "insecure-ignore-tlog") {
        say!("WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.");
    }
    let passed = |name: CheckName| {
        verdict
            .signatures
            .iter()
            .filter(|s| s.verified)
            .any(|s| s.checks.iter().any(|c| c.name == name && c.outcome == Outcome::Passed))
    };
    say!("\nVerification for {reference} --");
    say!("The following checks were performed on each of these signatures:");
    if annotations_checked {
        say!("  - The specified annotations were verified.");
    }
    say!("  - The cosign claims were validated");
    if passed(CheckName::Tlog) {
        say!("  - Existence of the claims in the transparency log was verified offline");
    }
    if passed(CheckName::Certificate) {
        say!("  - The code-signing certificate was verified using trusted certificate authority certificates");
    } else {
        say!("  - The signatures were verified against the specified public key");
    }
    if passed(CheckName::Certificate) || passed(CheckName::Tlog) {
        for material in &verdict.trust_material {
            say!("  - Sigstore trust material: {}", material.describe());
        }
    }
}

/// Prints the verified payloads (or the verdict) of `reference` on standard output.
pub fn print_verdict(reference: &str, verdict: &Verdict, format: Format) -> Result<()> {
    match format {
        Format::Verdict => crate::stdout::line(&verdict.to_json()?),
        Format::Text => {
            for Printed {
                payload, certificate, ..
            } in cosign_payloads(reference, verdict)?
            {
                if let Some(certificate) = certificate {
                    print_certificate_lines(certificate);
                }
                show!("{}", String::from_utf8_lossy(&payload));
            }
        }
        Format::Json => {
            let payloads = cosign_payloads(reference, verdict)?
                .iter()
                .map(|printed| {
                    let mut parsed = SimpleSigningPayload::parse(&printed.payload)?;
                    if let Some(certificate) = printed.certificate {
                        add_certificate_claims(&mut parsed, certificate);
                    }
                    if !printed.extras.is_empty() {
                        let optional = parsed.optional.get_or_insert_with(Default::default);
                        optional.extend(printed.extras.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                    Ok(parsed)
                })
                .collect::<Result<Vec<_>>>()?;
            let text = ocitrust::core::go_json::to_go_json(&payloads)
                .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
            crate::stdout::line(&format!("\n{text}"));
        }
    }
    Ok(())
}

/// The lines cosign's text output prints on standard error for a keyless signer's certificate.
pub fn print_certificate_lines(certificate: &CertificateSummary) {
    say!(
        "Certificate subject: {}",
        field(certificate.subject.first().map_or("", String::as_str))
    );
    say!("Certificate issuer URL: {}", field(&certificate.issuer));
    for (name, label) in GITHUB_CLAIM_LABELS {
        if let Some(value) = certificate.claims.get(name) {
            say!("{label}: {}", field(value));
        }
    }
}

/// The GitHub workflow claims cosign prints, by claim name: (name, text label, key in `optional`,
/// OID) — cosign adds each under both keys.
const GITHUB_CLAIMS: [(&str, &str, &str); 5] = [
    (
        "github-workflow-trigger",
        "githubWorkflowTrigger",
        "1.3.6.1.4.1.57264.1.2",
    ),
    ("github-workflow-sha", "githubWorkflowSha", "1.3.6.1.4.1.57264.1.3"),
    ("github-workflow-name", "githubWorkflowName", "1.3.6.1.4.1.57264.1.4"),
    (
        "github-workflow-repository",
        "githubWorkflowRepository",
        "1.3.6.1.4.1.57264.1.5",
    ),
    ("github-workflow-ref", "githubWorkflowRef", "1.3.6.1.4.1.57264.1.6"),
];

/// The lines cosign's text output prints for those claims.
const GITHUB_CLAIM_LABELS: [(&str, &str); 5] = [
    ("github-workflow-trigger", "GitHub Workflow Trigger"),
    ("github-workflow-sha", "GitHub Workflow SHA"),
    ("github-workflow-name", "GitHub Workflow Name"),
    ("github-workflow-repository", "GitHub Workflow Repository"),
    ("github-workflow-ref", "GitHub Workflow Ref"),
];

/// What `cosign verify` adds to a keyless signature's payload: `Subject` (the first SAN), `Issuer`
/// (also under the issuer extension's OID) and the GitHub workflow claims.
fn add_certificate_claims(payload: &mut SimpleSigningPayload, certificate: &CertificateSummary) {
    let optional = payload.optional.get_or_insert_with(Default::default);
    let subject = certificate.subject.first().cloned().unwrap_or_default();
    optional.insert("Subject".into(), subject.into());
    if !certificate.issuer.is_empty() {
        optional.insert("Issuer".into(), certificate.issuer.clone().into());
        optional.insert("1.3.6.1.4.1.57264.1.1".into(), certificate.issuer.clone().into());
    }
    for (name, key, oid) in GITHUB_CLAIMS {
        if let Some(value) = certificate.claims.get(name) {
            optional.insert(key.into(), value.into());
            optional.insert(oid.into(), value.into());
        }
    }
}

/// A payload as `cosign verify` prints it, with what it adds to it.
struct Printed<'v> {
    payload: Vec<u8>,
    certificate: Option<&'v CertificateSummary>,
    extras: &'v std::collections::BTreeMap<String, serde_json::Value>,
}

/// The payloads `cosign verify` prints, each with the certificate that signed it (keyless): a
/// tag-scheme signature's signed payload as it is, and for a Sigstore bundle the simple-signing
/// payload cosign v3 makes from its statement.
fn cosign_payloads<'v>(reference: &str, verdict: &'v Verdict) -> Result<Vec<Printed<'v>>> {
    let name = Reference::parse(reference).map_or_else(|_| reference.to_owned(), |r| r.full_name());
    // The verified signatures are all on the index when trust came through it, else all on the
    // subject (the index is judged only when nothing on the subject verified).
    let signed = verdict
        .verified_through_index
        .as_ref()
        .unwrap_or(&verdict.subject.digest);
    verdict
        .signatures
        .iter()
        .filter(|s| s.verified)
        .filter_map(|s| {
            // cosign adds what the certificate says to a tag-scheme signature's payload; for a
            // bundle, v3 prints the view of the statement alone (the interop test compares them).
            let certificate = s
                .signer
                .as_ref()
                .and_then(|signer| signer.certificate.as_ref())
                .filter(|_| s.kind == SignatureKind::CosignSignature);
            s.payload
                .as_deref()
                .map(|payload| (s.kind, payload, certificate, &s.cosign_extras))
        })
        .map(|(kind, payload, certificate, extras)| {
            let payload = match kind {
                SignatureKind::CosignSignature => payload.to_vec(),
                SignatureKind::SigstoreBundle => bundle_simple_signing_view(payload, signed, &name)?.to_bytes()?,
                other => {
                    return Err(Error::new(
                        ErrorCode::Internal,
                        format!("cosign has no output form for {} signatures", other.name()),
                    ))
                }
            };
            Ok(Printed {
                payload,
                certificate,
                extras,
            })
        })
        .collect()
}

/// Prints `tree` the way `cosign tree` does, with the referrers after the tag-scheme artifacts.
pub fn print_tree(reference: &str, attached: &ocitrust::Attached) {
    if attached.tag_scheme.is_empty() && attached.referrers.is_empty() {
        show!(
            "No Supply Chain Security Related Artifacts found for image {reference} ({})",
            attached.subject
        );
        return;
    }
    show!(
        "📦 Supply Chain Security Related artifacts for an image: {reference} ({})",
        attached.subject
    );
    for artifact in &attached.tag_scheme {
        let (icon, what) = match artifact.kind {
            "signatures" => ("🔐", "Signatures"),
            "attestations" => ("💾", "Attestations"),
            _ => ("📦", "SBOMs"),
        };
        show!("└── {icon} {what} for an image tag: {}", artifact.reference);
        print_leaves(artifact.layers.iter().map(ToString::to_string));
    }
    if !attached.referrers.is_empty() {
        let source = match attached.referrers_source {
            ocitrust::ReferrersSource::Api => "the OCI 1.1 referrers API".to_owned(),
            ocitrust::ReferrersSource::TagSchema => {
                format!(
                    "the referrers tag schema {}",
                    ocitrust::core::cosign::tag_schema_tag(&attached.subject)
                )
            }
        };
        show!("└── 🔗 Referrers, from {source}:");
        print_leaves(
            attached
                .referrers
                .iter()
                .map(|r| format!("{} ({})", r.digest, r.artifact_type.as_deref().unwrap_or(&r.media_type))),
        );
    }
}

fn print_leaves(leaves: impl ExactSizeIterator<Item = String>) {
    let count = leaves.len();
    for (i, leaf) in leaves.enumerate() {
        let branch = if i + 1 == count { "└──" } else { "├──" };
        show!("   {branch} 🍒 {}", field(&leaf));
    }
}
