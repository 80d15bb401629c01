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
use ocitrust::{Credentials, Error, ErrorCode, RegistryOptions, Result};

const PASSWORD_STDIN_SIZE_MAX: u64 = 64 * 1024;

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
    #[arg(short = 'u', long, env = "NOTATION_USERNAME")]
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
    /// Read the registry password (or identity token) from standard input, up to its first line end.
    #[arg(long, requires = "username", conflicts_with = "password")]
    password_stdin: bool,
}

impl NotationRegistryArgs {
    pub(crate) fn options(self) -> Result<RegistryOptions> {
        let password = if self.password_stdin {
            Some(password_from_stdin()?)
        } else {
            self.password
        };
        if self.username.is_some() && password.is_none() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "--username needs --password or --password-stdin",
            ));
        }
        Ok(RegistryOptions {
            allow_insecure: self.insecure_registry,
            credentials: self
                .username
                .zip(password)
                .map(|(username, password)| Credentials { username, password }),
            ..RegistryOptions::default()
        })
    }
}

/// The first line of standard input (at most 64 KiB), without its line end.
fn password_from_stdin() -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(PASSWORD_STDIN_SIZE_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorCode::Io, format!("reading the password from standard input: {e}")))?;
    if bytes.len() as u64 > PASSWORD_STDIN_SIZE_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("the password on standard input is over {PASSWORD_STDIN_SIZE_MAX} bytes"),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorCode::InvalidArgument,
            "the password on standard input is not UTF-8",
        )
    })?;
    let line = text.split(['\n', '\r']).next().unwrap_or_default();
    if line.is_empty() {
        return Err(Error::new(ErrorCode::InvalidArgument, "no password on standard input"));
    }
    Ok(line.to_owned())
}

fn parse_key_value(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("invalid metadata {text:?}: expected key=value")),
    }
}
