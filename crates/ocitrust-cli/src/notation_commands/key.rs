//! `ocitrust notation key ls`: the signing keys in notation's `signingkeys.json`.

use clap::Subcommand;
use ocitrust::{NotationConfigDir, Result};

use super::table::print_table;

/// `notation key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// List the signing keys (the default one marked `*`).
    #[command(alias = "list")]
    Ls,
}

pub fn run(command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Ls => {
            let keys = NotationConfigDir::from_environment()?.signing_keys()?;
            let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            let rows: Vec<Vec<String>> = keys
                .keys
                .iter()
                .map(|k| {
                    let marker = if keys.default.as_deref() == Some(k.name.as_str()) {
                        "* "
                    } else {
                        ""
                    };
                    vec![
                        format!("{marker}{}", k.name),
                        path(&k.key_path),
                        path(&k.cert_path),
                        k.id.clone().unwrap_or_default(),
                        k.plugin_name.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["NAME", "KEY PATH", "CERTIFICATE PATH", "ID", "PLUGIN NAME"], &rows);
            Ok(())
        }
    }
}
