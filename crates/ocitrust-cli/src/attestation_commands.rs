//! `attest` and `verify-attestation`, as cosign's. `attest` signs a predicate about an image with a
//! key. `verify-attestation` verifies the attestations of an image under the trust flags and prints
//! those of the predicate type asked for (`--type`) one DSSE envelope a line, so `| jq '.payload |
//! @base64d | fromjson | .predicate'` works unchanged; or writes the verified predicate to a file
//! (`--output-predicate`), which needs no pipeline.

use std::io::Write;
use std::path::{Path, PathBuf};

use ocitrust::registry::file::io_error;
use ocitrust::{Error, ErrorCode, Platform, RegistryOptions, Result, Verdict};

use crate::commands::{load_signing_key, parse_platform, warn_if_mutable};
use crate::output::{self, Format};
use crate::terminal::say;
use crate::trust_args::TrustArgs;

/// The flags of `attest` besides the registry's.
#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    /// Private key: an encrypted cosign key or an unencrypted PEM key.
    #[arg(long)]
    key: PathBuf,
    /// The predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson,
    /// cyclonedx, vuln, openvex, custom, or a URI.
    #[arg(long = "type", default_value = "custom")]
    predicate_type: String,
    /// The predicate file (at most 24 MiB, so its attestation stays under 32 MiB).
    #[arg(long, value_name = "FILE")]
    predicate: PathBuf,
    /// Replace the image's attestations of the same predicate type instead of adding one.
    #[arg(long, conflicts_with = "new_bundle_format")]
    replace: bool,
    /// Write a Sigstore bundle attached as a referrer, as cosign v3 does, instead of a layer of the
    /// `.att` manifest.
    #[arg(long)]
    new_bundle_format: bool,
    /// Upload to a transparency log: ocitrust never does; give --tlog-upload=false, as with cosign.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, value_name = "BOOL")]
    tlog_upload: bool,
    /// Skip confirmation prompts (accepted for cosign compatibility; ocitrust asks none).
    #[arg(short = 'y', long = "yes")]
    _yes: bool,
    /// The statement subject's name (default: the layout path or the image's repository).
    #[arg(long)]
    sign_container_identity: Option<String>,
    /// The image: registry/repo[:tag|@digest], oci:PATH[:TAG|@DIGEST] for a layout, or oci-archive:FILE[:TAG|@DIGEST] (- for stdin) for one in a tar.
    reference: String,
}

/// Largest predicate file read: its base64 in the envelope must fit the attestation limit.
const PREDICATE_FILE_SIZE_MAX: u64 = 24 * 1024 * 1024;

/// Runs `attest`.
pub fn attest(args: AttestArgs, registry: RegistryOptions) -> Result<()> {
    if args.tlog_upload {
        return Err(Error::new(
            ErrorCode::Unsupported,
            "ocitrust does not upload to a transparency log: pass --tlog-upload=false (verifiers then need --insecure-ignore-tlog)",
        ));
    }
    let predicate = ocitrust::registry::file::read_bounded(&args.predicate, PREDICATE_FILE_SIZE_MAX)?;
    let key = load_signing_key(&args.key)?;
    let options = ocitrust::AttestOptions {
        predicate_type: args.predicate_type,
        predicate,
        replace: args.replace,
        new_bundle_format: args.new_bundle_format,
        identity: args.sign_container_identity,
        registry,
    };
    let outcome = ocitrust::attest(&args.reference, &key, &options)?;
    warn_if_mutable(&args.reference, &outcome.subject);
    say!(
        "Attested {} ({}); attestation stored at {}",
        args.reference,
        outcome.subject,
        outcome.location
    );
    Ok(())
}

/// The flags of `verify-attestation` besides the registry's.
#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    #[command(flatten)]
    trust: TrustArgs,
    /// The predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson,
    /// cyclonedx, vuln, openvex, custom, or a URI.
    #[arg(long = "type", default_value = "custom")]
    predicate_type: String,
    /// Verify the attestations of this platform's manifest in an index (os/arch[/variant]); an
    /// index's own attestations are about the index and never stand for its platforms.
    #[arg(long, value_parser = parse_platform)]
    platform: Option<Platform>,
    /// Write the verified predicate (the statement's `predicate`, its bytes as signed) to FILE.
    /// Written only when verification succeeded; one image only.
    #[arg(long, value_name = "FILE")]
    output_predicate: Option<PathBuf>,
    /// Output: the verified DSSE envelopes (json, text), or the full verdict.
    #[arg(short = 'o', long, value_enum, default_value = "json")]
    output: Format,
    /// Images: registry/repo[:tag|@digest], oci:PATH[:TAG|@DIGEST] for a layout, or oci-archive:FILE[:TAG|@DIGEST] (- for stdin) for one in a tar.
    #[arg(required = true)]
    references: Vec<String>,
}

/// Runs `verify-attestation`.
pub fn verify_attestation(args: VerifyAttestationArgs, registry: RegistryOptions) -> Result<()> {
    if args.output_predicate.is_some() && args.references.len() != 1 {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "--output-predicate writes one predicate: give one image",
        ));
    }
    let verifier = args
        .trust
        .verifier()?
        .platform(args.platform)
        .registry_options(registry);
    for reference in &args.references {
        let verdict = verifier.verify_attestations(reference, &args.predicate_type)?;
        warn_if_mutable(reference, &verdict.subject.digest);
        if args.output == Format::Verdict {
            output::print_verdict(reference, &verdict, args.output)?;
            require_attested(&verdict, reference)?;
            continue;
        }
        require_attested(&verdict, reference)?;
        output::print_header(reference, &verdict, false);
        for report in verdict.signatures.iter().filter(|s| s.verified) {
            if let Some(certificate) = report.signer.as_ref().and_then(|s| s.certificate.as_ref()) {
                output::print_certificate_lines(certificate);
            }
            if let Some(attestation) = &report.attestation {
                crate::stdout::line(&String::from_utf8_lossy(&attestation.envelope));
            }
        }
        if let Some(path) = &args.output_predicate {
            write_predicate(path, &verdict)?;
        }
    }
    Ok(())
}

/// cosign's outcome for attestations: none at all is "no attestations" (exit 10); some, none
/// verified with the predicate type asked for, is "no matching attestations" (exit 12) with each
/// one's reason.
fn require_attested(verdict: &Verdict, reference: &str) -> Result<()> {
    if verdict.trusted {
        return Ok(());
    }
    if verdict.signatures.is_empty() {
        return Err(Error::new(
            ErrorCode::NoSignatures,
            format!("no attestations found for {reference} ({})", verdict.subject.digest),
        ));
    }
    Err(Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("no matching attestations:\n{}", verdict.failure_reasons()),
    ))
}

/// Writes the verified predicate to `path`, replacing it in one step (a temporary file beside it,
/// renamed). Several verified attestations must state the same predicate.
fn write_predicate(path: &Path, verdict: &Verdict) -> Result<()> {
    let mut predicates = verdict
        .signatures
        .iter()
        .filter(|s| s.verified)
        .filter_map(|s| s.attestation.as_ref())
        .map(|a| a.predicate.as_slice());
    let first = predicates
        .next()
        .ok_or_else(|| Error::new(ErrorCode::Internal, "a trusted verdict without an attestation"))?;
    if predicates.any(|other| other != first) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "the verified attestations state different predicates; -o verdict shows each, --output-predicate cannot choose",
        ));
    }
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(directory).map_err(|e| io_error(directory, e))?;
    file.write_all(first).map_err(|e| io_error(path, e))?;
    file.persist(path).map_err(|e| io_error(path, e.error))?;
    say!("Verified predicate written to {}", path.display());
    Ok(())
}
