//! `ocitrust notation ls` and `inspect`: the notation signatures attached to an artifact, as a
//! tree; `inspect` adds, for each signature whose envelope verifies, what it says (signed and
//! unsigned attributes, certificates, the signed artifact). Nothing is said of an envelope whose
//! own signature does not verify except why.

use ocitrust::core::notation::{verify_cose, verify_jws, EnvelopeContent, COSE_MEDIA_TYPE};
use ocitrust::core::sigstore::format_time;
use ocitrust::{Digest, Result};
use serde_json::json;

use super::verify::{pinned_name_of, verifier_reference};
use super::NotationRegistryArgs;
use crate::terminal::{field, show};

/// `notation ls`'s and `notation inspect`'s flags.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The artifact: registry/repository@digest (or :tag), oci:PATH@DIGEST, or with --oci-layout
    /// PATH@DIGEST.
    reference: String,
    /// The reference names an OCI image layout directory.
    #[arg(long)]
    oci_layout: bool,
    /// Output: text (notation's tree) or json (inspect only).
    #[arg(short = 'o', long, default_value = "text", value_parser = ["text", "json"])]
    output: String,
    #[command(flatten)]
    registry: NotationRegistryArgs,
}

/// An envelope's media type and content once it verified, or why it did not.
type Inspected = std::result::Result<(String, EnvelopeContent), String>;

const ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";

pub fn list(args: ListArgs) -> Result<()> {
    let reference = verifier_reference(&args.reference, args.oci_layout);
    let found = ocitrust::notation_signatures(&reference, &args.registry.options()?)?;
    let pinned = pinned_name_of(&reference, &found.subject)?;
    show!("{}", field(&pinned));
    if found.signatures.is_empty() {
        show!("└── (no signatures)");
        return Ok(());
    }
    show!("└── {ARTIFACT_TYPE}");
    let count = found.signatures.len();
    for (i, (location, _)) in found.signatures.iter().enumerate() {
        show!("    {} {}", branch(i, count), field(&manifest_digest(location)));
    }
    Ok(())
}

pub fn inspect(args: ListArgs) -> Result<()> {
    let reference = verifier_reference(&args.reference, args.oci_layout);
    let found = ocitrust::notation_signatures(&reference, &args.registry.options()?)?;
    let pinned = pinned_name_of(&reference, &found.subject)?;
    let inspected: Vec<(String, Inspected)> = found
        .signatures
        .iter()
        .map(|(location, fetched)| {
            let content = fetched.as_ref().map_err(|e| e.message().to_owned()).and_then(|layer| {
                let read = if layer.media_type == COSE_MEDIA_TYPE {
                    verify_cose(&layer.bytes)
                } else {
                    verify_jws(&layer.bytes)
                };
                read.map(|c| (layer.media_type.clone(), c))
                    .map_err(|e| e.message().to_owned())
            });
            (manifest_digest(location), content)
        })
        .collect();
    if args.output == "json" {
        let signatures: Vec<serde_json::Value> = inspected
            .iter()
            .map(|(digest, content)| signature_json(digest, content))
            .collect();
        show!(
            "{}",
            serde_json::to_string_pretty(&json!({"reference": pinned, "signatures": signatures})).unwrap_or_default()
        );
        return Ok(());
    }
    show!("{pinned}");
    if inspected.is_empty() {
        show!("└── (no signatures)");
        return Ok(());
    }
    show!("└── {ARTIFACT_TYPE}");
    for (i, (digest, content)) in inspected.iter().enumerate() {
        let last = i + 1 == inspected.len();
        show!("    {} {digest}", branch(i, inspected.len()));
        let indent = if last { "        " } else { "    │   " };
        match content {
            Err(reason) => show!("{indent}└── not verifiable: {}", field(reason)),
            Ok((media_type, content)) => print_signature(indent, media_type, content),
        }
    }
    Ok(())
}

fn branch(i: usize, count: usize) -> &'static str {
    if i + 1 == count {
        "└──"
    } else {
        "├──"
    }
}

/// The manifest digest in a referrer's location (`…@sha256:… (notation signature)`).
fn manifest_digest(location: &str) -> String {
    location
        .rsplit_once('@')
        .map(|(_, rest)| rest.split_whitespace().next().unwrap_or(rest))
        .unwrap_or(location)
        .to_owned()
}

/// The signature algorithm as notation names it.
fn algorithm_name(content: &EnvelopeContent) -> &'static str {
    match content.signer.algorithm.jose_name() {
        "PS256" => "RSASSA-PSS-SHA-256",
        "PS384" => "RSASSA-PSS-SHA-384",
        "PS512" => "RSASSA-PSS-SHA-512",
        "ES256" => "ECDSA-SHA-256",
        _ => "ECDSA-SHA-384",
    }
}

fn print_signature(indent: &str, media_type: &str, content: &EnvelopeContent) {
    let signer = &content.signer;
    show!("{indent}├── signature algorithm: {}", algorithm_name(content));
    show!("{indent}├── signature envelope type: {}", field(media_type));
    show!("{indent}├── signed attributes");
    let mut signed = vec![
        ("signingScheme".to_owned(), signer.signing_scheme.name().to_owned()),
        ("signingTime".to_owned(), format_time(signer.signing_time)),
    ];
    if let Some(expiry) = signer.expiry {
        signed.push(("expiry".to_owned(), format_time(expiry)));
    }
    signed.extend(
        signer
            .extended_attributes
            .iter()
            .map(|a| (a.key.clone(), a.value.to_string())),
    );
    print_pairs(&format!("{indent}│   "), &signed);
    show!("{indent}├── user defined attributes");
    let target = content.target_artifact().ok();
    let metadata: Vec<(String, String)> = target
        .as_ref()
        .map(|t| t.annotations.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    if metadata.is_empty() {
        show!("{indent}│   └── (empty)");
    } else {
        print_pairs(&format!("{indent}│   "), &metadata);
    }
    show!("{indent}├── unsigned attributes");
    let mut unsigned = Vec::new();
    if let Some(agent) = &signer.signing_agent {
        unsigned.push(("signingAgent".to_owned(), agent.clone()));
    }
    if signer.timestamp.is_some() {
        unsigned.push((
            "timestamp signature".to_owned(),
            "present (verified by notation verify)".to_owned(),
        ));
    }
    if unsigned.is_empty() {
        show!("{indent}│   └── (empty)");
    } else {
        print_pairs(&format!("{indent}│   "), &unsigned);
    }
    show!("{indent}├── certificates");
    let count = signer.certificate_chain.len();
    for (i, certificate) in signer.certificate_chain.iter().enumerate() {
        let last = i + 1 == count;
        show!(
            "{indent}│   {} SHA256 fingerprint: {}",
            branch(i, count),
            Digest::sha256(certificate.der()).hex()
        );
        let inner = if last { "    " } else { "│   " };
        show!(
            "{indent}│   {inner}├── issued to: {}",
            field(&certificate.subject_text())
        );
        show!(
            "{indent}│   {inner}├── issued by: {}",
            field(&certificate.issuer_text())
        );
        show!(
            "{indent}│   {inner}└── expiry: {}",
            format_time(certificate.not_after())
        );
    }
    show!("{indent}└── signed artifact");
    if let Some(target) = target {
        show!("{indent}    ├── media type: {}", field(&target.media_type));
        show!("{indent}    ├── digest: {}", field(&target.digest));
        show!("{indent}    └── size: {}", target.size);
    }
}

fn print_pairs(indent: &str, pairs: &[(String, String)]) {
    for (i, (key, value)) in pairs.iter().enumerate() {
        show!("{indent}{} {}: {}", branch(i, pairs.len()), field(key), field(value));
    }
}

fn signature_json(digest: &str, content: &Inspected) -> serde_json::Value {
    match content {
        Err(reason) => json!({"digest": digest, "error": reason}),
        Ok((media_type, content)) => {
            let signer = &content.signer;
            let target = content.target_artifact().ok();
            json!({
                "digest": digest,
                "signatureAlgorithm": algorithm_name(content),
                "signatureEnvelopeType": media_type,
                "signedAttributes": {
                    "signingScheme": signer.signing_scheme.name(),
                    "signingTime": format_time(signer.signing_time),
                    "expiry": signer.expiry.map(format_time),
                },
                "userDefinedAttributes": target.as_ref().map(|t| t.annotations.clone()),
                "unsignedAttributes": {"signingAgent": signer.signing_agent},
                "certificates": signer.certificate_chain.iter().map(|c| json!({
                    "SHA256Fingerprint": Digest::sha256(c.der()).hex(),
                    "issuedTo": c.subject_text(),
                    "issuedBy": c.issuer_text(),
                    "expiry": format_time(c.not_after()),
                })).collect::<Vec<_>>(),
                "signedArtifact": target.map(|t| json!({"mediaType": t.media_type, "digest": t.digest, "size": t.size})),
            })
        }
    }
}
