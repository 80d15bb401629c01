//! `ocitrust notation policy import|show`: notation's trust policy, validated before it is written.

use std::path::PathBuf;

use clap::Subcommand;
use ocitrust::registry::file::read_bounded;
use ocitrust::{NotationConfigDir, Result};

use crate::terminal::show;

/// `notation policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Import a trust policy file (validated first) as notation's trust policy.
    Import {
        /// Replace the current trust policy.
        #[arg(long)]
        force: bool,
        /// The trust policy (JSON).
        file: PathBuf,
    },
    /// Print the trust policy.
    Show,
}

pub fn run(command: PolicyCommand) -> Result<()> {
    let config = NotationConfigDir::from_environment()?;
    match command {
        PolicyCommand::Import { force, file } => {
            config.import_trust_policy(&file, force)?;
            show!("Trust policy configuration imported successfully.");
        }
        PolicyCommand::Show => {
            let path = config.trust_policy_path();
            // Validated as verification reads it, so what is shown is what would be used.
            config.read_trust_policy()?;
            let bytes = read_bounded(
                &path,
                ocitrust::core::notation::trust_policy::TRUST_POLICY_SIZE_MAX as u64,
            )?;
            show!("{}", String::from_utf8_lossy(&bytes).trim_end());
        }
    }
    Ok(())
}
