//! The command line: arguments and what each command does.

use crate::terminal::{say, show};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand};
use ocitrust::registry::file::io_error;
use ocitrust::{Credentials, Error, ErrorCode, Platform, RegistryOptions, Result, SignOptions};

use crate::attestation_commands;
use crate::blob_commands;
use crate::notation_commands;
use crate::output::{self, Format};
use crate::password;
use crate::trust_args::TrustArgs;

/// Verify and sign OCI images with cosign-compatible keys.
#[derive(Debug, Parser)]
#[command(name = "ocitrust", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a cosign key pair (cosign.key, cosign.pub). Password from COSIGN_PASSWORD or a prompt.
    GenerateKeyPair {
        /// Write PREFIX.key and PREFIX.pub.
        #[arg(long, default_value = "cosign")]
        output_key_prefix: String,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Sign an image in a registry (tag-scheme signature) or in an OCI layout with a key.
    Sign {
        /// Private key: an encrypted cosign key or an unencrypted PEM key.
        #[arg(long)]
        key: PathBuf,
        /// Annotation to put in the signed payload, key=value (repeatable).
        #[arg(short = 'a', long = "annotations", value_parser = parse_annotation)]
        annotations: Vec<(String, String)>,
        /// The docker-reference to sign as (default: the layout path).
        #[arg(long)]
        sign_container_identity: Option<String>,
        #[command(flatten)]
        registry: RegistryArgs,
        /// The image to sign: registry/repo[:tag|@digest], or oci:PATH[:TAG|@DIGEST] for a layout.
        reference: String,
    },
    /// Attest an image with a key, as cosign attest --tlog-upload=false: an in-toto statement of the
    /// predicate, signed in a DSSE envelope, stored at the `.att` tag (or the layout's entry).
    Attest {
        #[command(flatten)]
        attestation: attestation_commands::AttestArgs,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Verify the cosign signatures of images: with a key, or keyless (an identity and its issuer).
    Verify {
        #[command(flatten)]
        trust: TrustArgs,
        /// Annotation the signed payload must carry, key=value (repeatable).
        #[arg(short = 'a', long = "annotations", value_parser = parse_annotation)]
        annotations: Vec<(String, String)>,
        /// Verify the manifest for this platform of an index (os/arch[/variant]). It is trusted if it
        /// is signed, or if the index listing it is signed ("verified through the signed index").
        #[arg(long, value_parser = parse_platform)]
        platform: Option<Platform>,
        /// With --platform: require a signature on the platform manifest itself; a signed index is not enough.
        #[arg(long, requires = "platform")]
        require_platform_signature: bool,
        /// Output format.
        #[arg(short = 'o', long, value_enum, default_value = "json")]
        output: Format,
        #[command(flatten)]
        registry: RegistryArgs,
        /// Images to verify: registry/repo[:tag|@digest], oci:PATH[:TAG|@DIGEST] for a layout, or oci-archive:FILE[:TAG|@DIGEST] (- for stdin) for one in a tar.
        #[arg(required = true)]
        references: Vec<String>,
    },
    /// Verify the attestations of images (in-toto statements: SBOMs, provenance), as cosign
    /// verify-attestation; prints each verified one's DSSE envelope, or writes its predicate.
    VerifyAttestation {
        #[command(flatten)]
        attestation: attestation_commands::VerifyAttestationArgs,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Verify a blob (a file, or its digest) with its Sigstore bundle, as cosign verify-blob.
    VerifyBlob {
        /// The Sigstore bundle (JSON) of the blob.
        #[arg(long)]
        bundle: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// Output: the default prints "Verified OK"; verdict prints the full verdict too.
        #[arg(short = 'o', long, value_enum, default_value = "json")]
        output: Format,
        /// The blob, or its digest (sha256:<hex>).
        file_or_digest: String,
    },
    /// Verify a Sigstore bundle for an artifact: the Sigstore conformance suite's client protocol.
    VerifyBundle {
        /// The Sigstore bundle (JSON).
        #[arg(long)]
        bundle: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
        /// The artifact, or its digest (sha256:<hex>); for a DSSE bundle, the in-toto subject.
        file_or_digest: String,
    },
    /// notation's commands (verify), reading notation's own configuration.
    Notation {
        #[command(subcommand)]
        command: notation_commands::NotationCommand,
    },
    /// Trust policies: one document for cosign keys, keyless identities and notation PKIs (check,
    /// eval, explain).
    Policy {
        #[command(subcommand)]
        command: crate::policy_commands::PolicyCommand,
    },
    /// Update the TUF cache of the Sigstore trusted root from a mirror, as cosign initialize.
    Initialize(crate::initialize_command::InitializeArgs),
    /// The Kubernetes admission webhook: AdmissionReviews decided under a trust policy (serve).
    Admission {
        #[command(subcommand)]
        command: crate::admission_commands::AdmissionCommand,
    },
    /// List what is attached to an image in a registry: signatures, attestations, SBOMs, referrers.
    Tree {
        #[command(flatten)]
        registry: RegistryArgs,
        /// The image: registry/repo[:tag|@digest].
        reference: String,
    },
    /// Print where the signatures (or attestations, or SBOMs) of an image are stored, or its digest.
    Triangulate {
        /// What to locate: signature, attestation, sbom, or digest (the image pinned by digest).
        #[arg(long = "type", default_value = "signature")]
        kind: String,
        #[command(flatten)]
        registry: RegistryArgs,
        /// The image: registry/repo[:tag|@digest] (a tag is resolved in the registry), or oci:PATH.
        reference: String,
    },
}

/// How to reach registries, with cosign's flag names.
#[derive(Debug, clap::Args)]
pub(crate) struct RegistryArgs {
    /// INSECURE: accept any TLS certificate, and plain HTTP, from registries (loopback registries are
    /// reached over plain HTTP unless --registry-cacert is given). Recorded in the verdict.
    #[arg(long)]
    allow_insecure_registry: bool,
    /// PEM file of the CA certificates that alone verify registries' TLS certificates (instead of
    /// the system's). With it, loopback registries are reached over TLS too.
    #[arg(long, value_name = "FILE")]
    registry_cacert: Option<std::path::PathBuf>,
    /// PEM file of the client certificate for registries that demand mutual TLS.
    #[arg(long, value_name = "FILE", requires = "registry_client_key")]
    registry_client_cert: Option<std::path::PathBuf>,
    /// PEM file of that client certificate's private key.
    #[arg(long, value_name = "FILE", requires = "registry_client_cert")]
    registry_client_key: Option<std::path::PathBuf>,
    /// Registry username (default: Docker's config.json and credential helpers).
    #[arg(long, requires = "registry_password")]
    registry_username: Option<String>,
    /// Registry password.
    #[arg(
        long,
        env = "OCITRUST_REGISTRY_PASSWORD",
        hide_env_values = true,
        requires = "registry_username"
    )]
    registry_password: Option<String>,
    /// Look for signatures in this repository instead of the image's.
    #[arg(long, env = "COSIGN_REPOSITORY")]
    signature_repository: Option<String>,
    /// How long the whole operation may take, every registry request together (e.g. 30s, 2m), as
    /// cosign's --timeout.
    #[arg(long, value_parser = parse_duration, default_value = "3m")]
    timeout: Duration,
}

impl RegistryArgs {
    pub(crate) fn options(self) -> RegistryOptions {
        RegistryOptions {
            allow_insecure: self.allow_insecure_registry,
            credentials: self
                .registry_username
                .zip(self.registry_password)
                .map(|(username, password)| Credentials { username, password }),
            docker_config_dir: None,
            signature_repository: self.signature_repository,
            timeout: Some(self.timeout),
            ca_file: self.registry_cacert,
            client_certificate_file: self.registry_client_cert,
            client_key_file: self.registry_client_key,
        }
    }
}

pub(crate) fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 30s, 2m, 1h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("invalid duration {text:?}: the unit must be s, m or h")),
    };
    if seconds == 0 {
        return Err(format!("invalid duration {text:?}: must be more than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

fn parse_annotation(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("invalid annotation {text:?}: expected key=value")),
    }
}

pub(crate) fn parse_platform(text: &str) -> std::result::Result<Platform, String> {
    Platform::parse(text).map_err(|e| e.to_string())
}

impl Cli {
    /// Whether the command is one of notation's, which exits 1 on every failure as notation does
    /// (cosign's commands exit 10 and 12 for missing and unmatched signatures).
    pub fn is_notation(&self) -> bool {
        matches!(self.command, Command::Notation { .. })
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::GenerateKeyPair {
            output_key_prefix,
            force,
        } => generate_key_pair(&output_key_prefix, force),
        Command::Sign {
            key,
            annotations,
            sign_container_identity,
            registry,
            reference,
        } => {
            let signing_key = load_signing_key(&key)?;
            let options = SignOptions {
                annotations: annotations.into_iter().collect(),
                identity: sign_container_identity,
                registry: registry.options(),
            };
            let outcome = ocitrust::sign(&reference, &signing_key, &options)?;
            warn_if_mutable(&reference, &outcome.subject);
            say!(
                "Signed {} ({}); signature stored at {}",
                reference,
                outcome.subject,
                outcome.location
            );
            Ok(())
        }
        Command::VerifyBlob {
            bundle,
            trust,
            output,
            file_or_digest,
        } => blob_commands::verify_blob(&bundle, &file_or_digest, &trust, output),
        Command::VerifyBundle {
            bundle,
            trust,
            file_or_digest,
        } => blob_commands::verify_blob(&bundle, &file_or_digest, &trust, Format::Json),
        Command::Verify {
            trust,
            annotations,
            platform,
            require_platform_signature,
            output,
            registry,
            references,
        } => {
            let annotations: BTreeMap<String, String> = annotations.into_iter().collect();
            let annotations_checked = !annotations.is_empty();
            let verifier = trust
                .verifier()?
                .require_annotations(annotations)
                .platform(platform)
                .require_platform_signature(require_platform_signature)
                .registry_options(registry.options());
            for reference in &references {
                let verdict = verifier.verify(reference)?;
                warn_if_mutable(reference, &verdict.subject.digest);
                if let (true, Some(index)) = (verdict.trusted, &verdict.verified_through_index) {
                    say!(
                        "The {} manifest {} is verified through the signed index {index}, which lists it",
                        verdict.subject.platform.as_deref().unwrap_or("selected"),
                        verdict.subject.digest
                    );
                }
                if output == Format::Verdict {
                    output::print_verdict(reference, &verdict, output)?;
                    verdict.require_trusted()?;
                    continue;
                }
                verdict.require_trusted()?;
                output::print_header(reference, &verdict, annotations_checked);
                output::print_verdict(reference, &verdict, output)?;
            }
            Ok(())
        }
        Command::Attest { attestation, registry } => attestation_commands::attest(attestation, registry.options()),
        Command::VerifyAttestation { attestation, registry } => {
            attestation_commands::verify_attestation(attestation, registry.options())
        }
        Command::Notation { command } => notation_commands::run(command),
        Command::Policy { command } => crate::policy_commands::run(command),
        Command::Admission { command } => crate::admission_commands::run(command),
        Command::Initialize(args) => crate::initialize_command::initialize(args),
        Command::Tree { registry, reference } => {
            let attached = ocitrust::tree(&reference, &registry.options())?;
            output::print_tree(&reference, &attached);
            Ok(())
        }
        Command::Triangulate {
            kind,
            registry,
            reference,
        } => {
            show!("{}", ocitrust::triangulate(&reference, &kind, &registry.options())?);
            Ok(())
        }
    }
}

/// The private key at `path`, asking for its password (COSIGN_PASSWORD or a prompt) when encrypted.
pub(crate) fn load_signing_key(path: &Path) -> Result<ocitrust::SigningKey> {
    let pem = ocitrust::read_key_file(path)?;
    let password = if ocitrust::core::cosign::is_encrypted_key_file(&pem) {
        password::for_reading()?
    } else {
        Vec::new()
    };
    ocitrust::load_private_key(&pem, &password)
}

/// A registry tag can be moved to other content; say which digest was used, to pin it.
pub(crate) fn warn_if_mutable(reference: &str, digest: &ocitrust::Digest) {
    if let Ok(parsed) = ocitrust::Reference::parse(reference) {
        if parsed.digest().is_none() && !ocitrust::registry::LayoutReference::is_layout_reference(reference) {
            say!(
                "WARNING: {reference} is a tag, which can be moved to other content; this was {}@{digest} (use the digest to pin it)",
                parsed.name(),
            );
        }
    }
}

fn generate_key_pair(prefix: &str, force: bool) -> Result<()> {
    let key_path = PathBuf::from(format!("{prefix}.key"));
    let pub_path = PathBuf::from(format!("{prefix}.pub"));
    for path in [&key_path, &pub_path] {
        if path.exists() && !force {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("{} already exists; pass --force to overwrite it", path.display()),
            ));
        }
    }
    let password = password::for_new_key()?;
    let pair = ocitrust::generate_key_pair(&password)?;
    write_private(&key_path, pair.private_key_pem.as_bytes())?;
    fs::write(&pub_path, pair.public_key_pem.as_bytes()).map_err(|e| io_error(&pub_path, e))?;
    say!("Private key written to {}", key_path.display());
    say!("Public key written to {}", pub_path.display());
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| io_error(path, e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).map_err(|e| io_error(path, e))
}
