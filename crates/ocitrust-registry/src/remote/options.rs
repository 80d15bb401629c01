//! What a caller may say about how to reach registries.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A username and password (or identity token) for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username (`<token>` for identity tokens, as Docker writes them).
    pub username: String,
    /// The password or token.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// How to reach registries. The default is strict: TLS everywhere except loopback registries,
/// anonymous unless Docker's configuration has credentials for the registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// INSECURE (`--allow-insecure-registry`): accept any TLS certificate, and fall back to plain HTTP
    /// when a registry does not speak TLS. Recorded in verdicts.
    pub allow_insecure: bool,
    /// Credentials to use for every registry, instead of Docker's configuration.
    pub credentials: Option<Credentials>,
    /// Where Docker's `config.json` lives; `None` means `$DOCKER_CONFIG` or `$HOME/.docker`.
    pub docker_config_dir: Option<PathBuf>,
    /// Look for signatures in this repository instead of the image's (`COSIGN_REPOSITORY`).
    pub signature_repository: Option<String>,
    /// How long one operation (a verification or a signing, every request it makes together) may
    /// take; `None` means OPERATION_TIMEOUT_DEFAULT (3 minutes, as cosign's `--timeout`).
    pub timeout: Option<Duration>,
    /// A PEM file of CA certificates that alone verify registries' TLS certificates instead of the
    /// system's (cosign's `--registry-cacert`). With it, loopback registries are reached over TLS
    /// too (a registry on localhost with its own CA).
    pub ca_file: Option<PathBuf>,
    /// A PEM file with the client certificate (and its chain) presented to registries that demand
    /// mutual TLS (cosign's `--registry-client-cert`); goes with `client_key_file`.
    pub client_certificate_file: Option<PathBuf>,
    /// The PEM file with that certificate's private key (cosign's `--registry-client-key`).
    pub client_key_file: Option<PathBuf>,
}

impl RegistryOptions {
    /// Where the signatures, attestations and referrers of `image` are stored: its repository, or
    /// the one `signature_repository` names (`COSIGN_REPOSITORY`).
    pub fn signature_repository_for(
        &self,
        image: &ocitrust_core::Reference,
    ) -> ocitrust_core::Result<ocitrust_core::Reference> {
        match &self.signature_repository {
            Some(repo) => {
                ocitrust_core::Reference::parse(repo).map_err(|e| e.context("signature repository (COSIGN_REPOSITORY)"))
            }
            None => Ok(image.clone()),
        }
    }
}
