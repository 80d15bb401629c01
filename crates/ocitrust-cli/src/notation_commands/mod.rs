//! `ocitrust notation …`: notation's commands, with its flags, reading and writing notation's own
//! configuration, so a user of a vendor's notation guide switches by renaming the command.

mod sign;
mod verify;

use clap::Subcommand;
use ocitrust::{Credentials, RegistryOptions, Result};

/// notation's commands.
#[derive(Debug, Subcommand)]
pub enum NotationCommand {
    /// Sign an artifact (JWS or COSE) with a key and its certificate chain, as notation sign does.
    Sign(sign::SignArgs),
    /// Verify the notation signatures of an artifact under notation's trust policy and trust store,
    /// as notation verify does.
    Verify(verify::VerifyArgs),
}

/// Runs one notation command.
pub fn run(command: NotationCommand) -> Result<()> {
    match command {
        NotationCommand::Sign(args) => sign::sign(args),
        NotationCommand::Verify(args) => verify::verify(args),
    }
}

/// How notation reaches registries.
#[derive(Debug, clap::Args)]
pub(crate) struct NotationRegistryArgs {
    /// INSECURE: plain HTTP and any TLS certificate (loopback registries are reached over plain
    /// HTTP anyway). Recorded in the verdict.
    #[arg(long)]
    insecure_registry: bool,
    /// Registry username.
    #[arg(short = 'u', long, env = "NOTATION_USERNAME", requires = "password")]
    username: Option<String>,
    /// Registry password.
    #[arg(
        short = 'p',
        long,
        env = "NOTATION_PASSWORD",
        hide_env_values = true,
        requires = "username"
    )]
    password: Option<String>,
}

impl NotationRegistryArgs {
    pub(crate) fn options(self) -> RegistryOptions {
        RegistryOptions {
            allow_insecure: self.insecure_registry,
            credentials: self
                .username
                .zip(self.password)
                .map(|(username, password)| Credentials { username, password }),
            ..RegistryOptions::default()
        }
    }
}

fn parse_key_value(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("invalid metadata {text:?}: expected key=value")),
    }
}
