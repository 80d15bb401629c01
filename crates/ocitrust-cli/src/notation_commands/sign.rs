//! `ocitrust notation sign`: signs an artifact as notation does, with a key named in notation's
//! `signingkeys.json` (or its default key), or with a key file and certificate chain file.

use std::path::PathBuf;
use std::time::Duration;

use ocitrust::{EnvelopeFormat, NotationConfigDir, NotationSignOptions, NotationSigner, Result, SignatureManifestForm};

use super::verify::{pinned_name_of, verifier_reference};
use super::{parse_key_value, NotationRegistryArgs};
use crate::terminal::{say, show};

/// `notation sign`'s flags.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The artifact: registry/repository@digest (or :tag), oci:PATH@DIGEST, or with --oci-layout
    /// PATH@DIGEST.
    reference: String,
    /// The signing key: its name in notation's signingkeys.json (default: the default key), or
    /// with --cert a PEM private key file.
    #[arg(short = 'k', long)]
    key: Option<String>,
    /// The signing certificate chain (PEM, leaf first) for a --key file.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// The envelope format.
    #[arg(long, value_enum, default_value = "jws")]
    signature_format: SignatureFormat,
    /// How long the signature stays valid, as a Go duration (e.g. 24h, 90m, 1h30m).
    #[arg(short = 'e', long, value_parser = parse_go_duration)]
    expiry: Option<Duration>,
    /// User metadata to sign with the artifact, key=value (repeatable).
    #[arg(short = 'm', long = "user-metadata", value_parser = parse_key_value)]
    user_metadata: Vec<(String, String)>,
    /// The reference names an OCI image layout directory.
    #[arg(long)]
    oci_layout: bool,
    /// Timestamp the signature with this RFC 3161 timestamp authority.
    #[arg(long, requires = "timestamp_root_cert")]
    timestamp_url: Option<String>,
    /// The timestamp authority's root certificate(s) (PEM), which its answer must chain to.
    #[arg(long, value_name = "FILE", requires = "timestamp_url")]
    timestamp_root_cert: Option<PathBuf>,
    /// Make the signature require this verification plugin (as signing plugins do for theirs).
    #[arg(long, value_name = "NAME")]
    verification_plugin: Option<String>,
    /// The verification plugin's minimum version.
    #[arg(long, value_name = "SEMVER", requires = "verification_plugin")]
    verification_plugin_min_version: Option<String>,
    /// How the signature manifest says it is notation's: config-media-type (what notation 1.x
    /// writes and every release reads) or artifact-type (OCI 1.1).
    #[arg(long, value_enum, default_value = "config-media-type")]
    manifest_form: ManifestForm,
    #[command(flatten)]
    registry: NotationRegistryArgs,
}

/// `--signature-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignatureFormat {
    /// JWS (application/jose+json).
    Jws,
    /// COSE_Sign1 (application/cose).
    Cose,
}

/// `--manifest-form`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ManifestForm {
    /// config.mediaType is application/vnd.cncf.notary.signature.
    ConfigMediaType,
    /// artifactType is application/vnd.cncf.notary.signature, with the empty config.
    ArtifactType,
}

pub fn sign(args: SignArgs) -> Result<()> {
    let reference = verifier_reference(&args.reference, args.oci_layout);
    let signer = match (&args.key, &args.cert) {
        (Some(key), Some(cert)) => NotationSigner::from_files(key.as_ref(), cert)?,
        (name, None) => NotationSigner::from_notation_config(&NotationConfigDir::from_environment()?, name.as_deref())?,
        (None, Some(_)) => {
            return Err(ocitrust::Error::new(
                ocitrust::ErrorCode::InvalidArgument,
                "--cert needs --key, the private key file of its leaf certificate",
            ))
        }
    };
    let options = NotationSignOptions {
        format: match args.signature_format {
            SignatureFormat::Jws => EnvelopeFormat::Jws,
            SignatureFormat::Cose => EnvelopeFormat::Cose,
        },
        expiry: args.expiry,
        user_metadata: args.user_metadata.into_iter().collect(),
        manifest_form: match args.manifest_form {
            ManifestForm::ConfigMediaType => SignatureManifestForm::ConfigMediaType,
            ManifestForm::ArtifactType => SignatureManifestForm::ArtifactType,
        },
        registry: args.registry.options()?,
        timestamp_url: args.timestamp_url,
        verification_plugin: args
            .verification_plugin
            .map(|name| (name, args.verification_plugin_min_version)),
        timestamp_roots: match &args.timestamp_root_cert {
            Some(file) => {
                ocitrust::core::x509::certificates_from_pem(&ocitrust::registry::file::read_bounded(file, 1024 * 1024)?)
                    .map_err(|e| e.context(file.display()))?
            }
            None => Vec::new(),
        },
    };
    let outcome = ocitrust::notation_sign(&reference, &signer, &options)?;
    if !reference.contains('@') {
        let tag = reference.rsplit_once(':').map_or("", |(_, tag)| tag);
        say!("Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:{tag}) because tags are mutable and a tag reference can point to a different artifact than the one signed.");
    }
    show!("Successfully signed {}", pinned_name_of(&reference, &outcome.subject)?);
    Ok(())
}

/// A Go duration (`time.ParseDuration`): a sequence of decimal numbers, each with a unit (`ns`,
/// `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `1h30m`, `1.5h`, `90s`. It must be positive.
fn parse_go_duration(text: &str) -> std::result::Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?}: expected e.g. 24h, 90m, 1h30m");
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        let number: f64 = rest[..number_end].parse().map_err(|_| invalid())?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    if !(total.is_finite() && (1.0..1e11).contains(&total)) {
        return Err(format!(
            "invalid duration {text:?}: it must be between 1s and about 3000 years"
        ));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_are_read_as_go_reads_them() {
        assert_eq!(parse_go_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_go_duration("1h30m").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_go_duration("1.5h").unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse_go_duration("90s").unwrap(), Duration::from_secs(90));
        for bad in ["", "24", "h", "1d", "-1h", "0s", "500ms", "1h30", "1e3h"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }
}
