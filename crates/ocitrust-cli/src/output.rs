//! Printing verification results: cosign's JSON array of payloads, text, or the full verdict.

use crate::terminal::{say, show};
use ocitrust::core::cosign::{bundle_simple_signing_view, SimpleSigningPayload};
use ocitrust::{Error, ErrorCode, Reference, Result, SignatureKind, Verdict};

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

/// The header cosign prints on standard error before the payloads.
pub fn print_header(reference: &str, verdict: &Verdict, annotations_checked: bool) {
    if !verdict.insecure.is_empty() {
        say!("WARNING: Skipping tlog verification is an insecure practice that lacks transparency and auditability verification for the signature.");
    }
    say!("\nVerification for {reference} --");
    say!("The following checks were performed on each of these signatures:");
    if annotations_checked {
        say!("  - The specified annotations were verified.");
    }
    say!("  - The cosign claims were validated");
    say!("  - The signatures were verified against the specified public key");
}

/// Prints the verified payloads (or the verdict) of `reference` on standard output.
pub fn print_verdict(reference: &str, verdict: &Verdict, format: Format) -> Result<()> {
    match format {
        Format::Verdict => println!("{}", verdict.to_json()?),
        Format::Text => {
            for payload in cosign_payloads(reference, verdict)? {
                show!("{}", String::from_utf8_lossy(&payload));
            }
        }
        Format::Json => {
            let payloads = cosign_payloads(reference, verdict)?
                .iter()
                .map(|p| SimpleSigningPayload::parse(p))
                .collect::<Result<Vec<_>>>()?;
            let text = ocitrust::core::go_json::to_go_json(&payloads)
                .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
            println!("\n{text}");
        }
    }
    Ok(())
}

/// The payloads `cosign verify` prints: a tag-scheme signature's signed payload as it is, and for a
/// Sigstore bundle the simple-signing payload cosign v3 makes from its statement.
fn cosign_payloads(reference: &str, verdict: &Verdict) -> Result<Vec<Vec<u8>>> {
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
        .filter_map(|s| s.payload.as_deref().map(|payload| (s.kind, payload)))
        .map(|(kind, payload)| match kind {
            SignatureKind::CosignSignature => Ok(payload.to_vec()),
            SignatureKind::SigstoreBundle => bundle_simple_signing_view(payload, signed, &name)?.to_bytes(),
            other => Err(Error::new(
                ErrorCode::Internal,
                format!("cosign has no output form for {} signatures", other.name()),
            )),
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
        show!("   {branch} 🍒 {leaf}");
    }
}
