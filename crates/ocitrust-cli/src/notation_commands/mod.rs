//! `ocitrust notation …`: notation's commands, with its flags, reading and writing notation's own
//! configuration, so a user of a vendor's notation guide switches by renaming the command.

mod cert;
mod key;
mod list;
mod plugin;
mod policy;
mod sign;
mod table;
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
    /// Manage the trust store's certificates.
    Cert {
        #[command(subcommand)]
        command: cert::CertCommand,
    },
    /// Manage the signing keys.
    Key {
        #[command(subcommand)]
        command: key::KeyCommand,
    },
    /// List the plugins.
    Plugin {
        #[command(subcommand)]
        command: plugin::PluginCommand,
    },
    /// Manage the trust policy.
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// List the signatures of an artifact.
    #[command(alias = "list")]
    Ls(list::ListArgs),
    /// Inspect the signatures of an artifact: what each one whose envelope verifies says.
    Inspect(list::ListArgs),
}

/// Runs one notation command.
pub fn run(command: NotationCommand) -> Result<()> {
    match command {
        NotationCommand::Sign(args) => sign::sign(args),
        NotationCommand::Verify(args) => verify::verify(args),
        NotationCommand::Cert { command } => cert::run(command),
        NotationCommand::Key { command } => key::run(command),
        NotationCommand::Policy { command } => policy::run(command),
        NotationCommand::Plugin { command } => plugin::run(command),
        NotationCommand::Ls(args) => list::list(args),
        NotationCommand::Inspect(args) => list::inspect(args),
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
