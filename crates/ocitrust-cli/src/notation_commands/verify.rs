//! `ocitrust notation verify`: notation's verification, with its flags, lines and exit status, and
//! the reason each rejected signature failed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ocitrust::core::notation::target_artifact;
use ocitrust::registry::remote::{HttpRevocationSource, RegistryOptions};
use ocitrust::registry::LayoutReference;
use ocitrust::{CheckName, Error, ErrorCode, Outcome, Result, Verdict, Verifier};

use super::{parse_key_value, NotationRegistryArgs};
use crate::terminal::{field, say, show};

/// `notation verify`'s flags.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The artifact: registry/repository@digest (or :tag), oci:PATH@DIGEST, oci-archive:FILE@DIGEST
    /// (- for stdin), or with --oci-layout PATH@DIGEST.
    reference: String,
    /// The reference names an OCI image layout directory (PATH@DIGEST or PATH:TAG).
    #[arg(long)]
    oci_layout: bool,
    /// The trust policy scope an OCI layout's artifact is verified under (e.g. local/app).
    #[arg(long)]
    scope: Option<String>,
    /// User metadata the signature must carry, key=value (repeatable).
    #[arg(short = 'm', long = "user-metadata", value_parser = parse_key_value)]
    user_metadata: Vec<(String, String)>,
    /// The trust policy file instead of notation's (trustpolicy.oci.json, else trustpolicy.json, in
    /// its configuration directory).
    #[arg(long, value_name = "FILE")]
    trust_policy: Option<PathBuf>,
    /// The trust store directory (holding x509/<type>/<name>/) instead of notation's.
    #[arg(long, value_name = "DIR")]
    trust_store: Option<PathBuf>,
    /// At most this many signatures are examined; past it the verification fails.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    max_signatures: u16,
    /// Passed as it is to the verification plugin a signature names, key=value (repeatable).
    #[arg(long = "plugin-config", value_parser = parse_key_value)]
    plugin_config: Vec<(String, String)>,
    /// A CRL file (DER or PEM) to consult before any download (repeatable); with --offline the
    /// only revocation information used.
    #[arg(long = "crl", value_name = "FILE")]
    crls: Vec<PathBuf>,
    /// Use no network for revocation: OCSP responders are not asked, CRLs come from --crl only.
    #[arg(long)]
    offline: bool,
    /// Where downloaded CRLs are kept until their next update (default:
    /// $XDG_CACHE_HOME/ocitrust/crl).
    #[arg(long, value_name = "DIR")]
    crl_cache: Option<PathBuf>,
    /// How long the whole verification may take, every registry request and every OCSP and CRL
    /// fetch together (e.g. 30s, 2m).
    #[arg(long, value_parser = crate::commands::parse_duration, default_value = "3m")]
    timeout: std::time::Duration,
    /// Output: text (notation's lines) or json (the full verdict).
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    output: NotationFormat,
    /// Also print every check of every signature examined, with its outcome, to standard error.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// As --verbose (notation's debug logs).
    #[arg(short = 'd', long)]
    debug: bool,
    #[command(flatten)]
    registry: NotationRegistryArgs,
}

/// notation's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NotationFormat {
    /// What notation prints.
    Text,
    /// ocitrust's full verdict.
    Json,
}

/// The reference as the verifier reads it, and as notation prints it once pinned (`PATH@` for a
/// layout, the repository otherwise).
pub(super) fn verifier_reference(reference: &str, oci_layout: bool) -> String {
    if oci_layout && !reference.starts_with("oci:") {
        format!("oci:{reference}")
    } else {
        reference.to_owned()
    }
}

pub fn verify(args: VerifyArgs) -> Result<()> {
    let reference = verifier_reference(&args.reference, args.oci_layout);
    // notation's own flag demands a scope, as notation does; ocitrust's `oci:PATH` form may go
    // without one, and is then judged under the trust policy's `*` statement only.
    if args.oci_layout && args.scope.is_none() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "verifying an artifact in an OCI layout needs the trust policy scope it is verified under: --scope",
        ));
    }
    let unscoped_layout = LayoutReference::is_layout_reference(&reference) && args.scope.is_none();
    let deadline = std::time::Instant::now() + args.timeout;
    let authority = ocitrust::notation_authority(args.trust_policy.as_deref(), args.trust_store.as_deref())?;
    let mut source = HttpRevocationSource::with_default_cache();
    source.deadline = Some(deadline);
    if let Some(dir) = args.crl_cache {
        source.cache_dir = Some(dir);
    }
    source.offline = args.offline;
    for file in &args.crls {
        source.crls.push(read_crl_file(file)?);
    }
    let mut verifier = Verifier::trusting([authority])
        .notation_scope(args.scope)
        .registry_options(RegistryOptions {
            timeout: Some(args.timeout),
            ..args.registry.options()?
        })
        .revocation_source(std::sync::Arc::new(source))
        .notation_max_signatures(usize::from(args.max_signatures));
    for (key, value) in args.user_metadata {
        verifier = verifier.require_notation_metadata(key, value);
    }
    for (key, value) in args.plugin_config {
        verifier = verifier.plugin_config(key, value);
    }
    let verdict = verifier.verify(&reference)?;
    let pinned = pinned_name(&reference, &verdict)?;
    if unscoped_layout {
        say!("Warning: no --scope was given for the OCI layout, so it was verified under the trust policy's \"*\" statement, which applies to any repository");
    }
    if args.verbose || args.debug {
        print_checks(&verdict);
    }
    if !reference.contains('@') {
        let tag = reference.rsplit_once(':').map_or("", |(_, tag)| tag);
        say!("Warning: Always verify the artifact using digest(@sha256:...) rather than a tag(:{tag}) because resolved digest may not point to the same signed artifact, as tags are mutable.");
    }
    if args.output == NotationFormat::Json {
        show!("{}", verdict.to_json()?);
        return require_trusted(&verdict, &pinned);
    }
    require_trusted(&verdict, &pinned)?;
    if verdict.skipped_by_policy.is_some() {
        show!("Trust policy is configured to skip signature verification for {pinned}");
        return Ok(());
    }
    let Some(trusted) = verdict.signatures.iter().find(|s| s.verified) else {
        return Err(Error::new(
            ErrorCode::Internal,
            "a trusted verdict without a verified signature",
        ));
    };
    for check in trusted.checks.iter().filter(|c| c.outcome == Outcome::FailedLogged) {
        say!(
            "Warning: {} was set to \"log\" and failed with error: {}",
            validation_name(check.name),
            field(&check.detail)
        );
    }
    show!("Successfully verified signature for {pinned}");
    let metadata = trusted
        .payload
        .as_deref()
        .map(target_artifact)
        .transpose()?
        .map(|target| target.annotations)
        .unwrap_or_default();
    print_metadata(&metadata);
    Ok(())
}

/// A CRL file's DER (PEM `X509 CRL` blocks are unwrapped).
fn read_crl_file(file: &std::path::Path) -> Result<Vec<u8>> {
    let bytes = ocitrust::registry::file::read_bounded(file, ocitrust::core::x509::revocation::CRL_SIZE_MAX as u64)?;
    if !bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        return Ok(bytes);
    }
    let block = pem::parse(&bytes)
        .map_err(|e| Error::new(ErrorCode::InvalidArgument, format!("{}: not PEM: {e}", file.display())))?;
    if block.tag() != "X509 CRL" {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "{}: a PEM {:?} block where an X509 CRL was expected",
                file.display(),
                block.tag()
            ),
        ));
    }
    Ok(block.contents().to_vec())
}

/// `registry/repository@digest`, or `PATH@digest` for a layout, as notation names the artifact.
fn pinned_name(reference: &str, verdict: &Verdict) -> Result<String> {
    pinned_name_of(reference, &verdict.subject.digest)
}

/// [`pinned_name`] of `reference` resolved to `digest`.
pub(super) fn pinned_name_of(reference: &str, digest: &ocitrust::Digest) -> Result<String> {
    if LayoutReference::is_layout_reference(reference) {
        let layout = LayoutReference::parse(reference)?;
        return Ok(format!("{}@{digest}", layout.source.path_shown()));
    }
    let parsed = ocitrust::Reference::parse(reference)?;
    Ok(format!("{}/{}@{digest}", parsed.registry(), parsed.repository()))
}

/// notation's failure: no signature at all, or none trusted (each one's reason listed first).
fn require_trusted(verdict: &Verdict, pinned: &str) -> Result<()> {
    if verdict.trusted {
        return Ok(());
    }
    if verdict.signatures.is_empty() {
        return Err(Error::new(
            ErrorCode::NoSignatures,
            format!("signature verification failed: no signature is associated with \"{pinned}\", make sure the artifact was signed successfully"),
        ));
    }
    for signature in &verdict.signatures {
        if let Some(check) = signature.checks.iter().find(|c| c.outcome == Outcome::Failed) {
            say!(
                "Signature {} failed {}: {}",
                field(&signature.location),
                validation_name(check.name),
                field(&check.detail)
            );
        } else if let Some(unexamined) = signature.checks.first().filter(|c| c.outcome == Outcome::NotReached) {
            say!("Signature {} {}", field(&signature.location), field(&unexamined.detail));
        }
    }
    Err(Error::new(
        ErrorCode::NoMatchingSignatures,
        format!("signature verification failed for all the signatures associated with {pinned}"),
    ))
}

/// Each signature's checks, one line each: `Signature LOCATION: CHECK OUTCOME[: DETAIL]`.
fn print_checks(verdict: &Verdict) {
    if let Some(why) = &verdict.skipped_by_policy {
        say!("{why}");
    }
    for signature in &verdict.signatures {
        for check in &signature.checks {
            let outcome = match check.outcome {
                Outcome::Passed => "passed",
                Outcome::Failed => "failed",
                Outcome::FailedLogged => "failed (logged)",
                Outcome::SkippedByPolicy => "skipped by the trust policy",
                Outcome::SkippedInsecure => "skipped (insecure opt-in)",
                Outcome::NotReached => "not reached",
            };
            let detail = if check.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", field(&check.detail))
            };
            say!(
                "Signature {}: {} {outcome}{detail}",
                field(&signature.location),
                validation_name(check.name)
            );
        }
    }
}

/// The name notation gives a validation.
fn validation_name(check: CheckName) -> &'static str {
    match check {
        CheckName::Integrity => "integrity",
        CheckName::Authenticity => "authenticity",
        CheckName::Expiry => "expiry",
        CheckName::AuthenticTimestamp => "authenticTimestamp",
        CheckName::Revocation => "revocation",
        CheckName::Plugin => "plugin",
        CheckName::Claims => "target artifact",
        CheckName::Annotations => "user metadata",
        _ => "signature",
    }
}

/// The user metadata of the verified signature, as notation lists it.
fn print_metadata(metadata: &BTreeMap<String, String>) {
    if metadata.is_empty() {
        return;
    }
    show!("\nThe artifact was signed with the following user metadata.");
    let metadata: Vec<(String, String)> = metadata
        .iter()
        .map(|(key, value)| (field(key).into_owned(), field(value).into_owned()))
        .collect();
    let width = metadata
        .iter()
        .map(|(key, _)| key.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    show!("\n{:width$}   VALUE", "KEY");
    for (key, value) in &metadata {
        show!("{key:width$}   {value}");
    }
}
