//! `ocitrust notation plugin ls`: the plugins in notation's plugin directory, each asked for its
//! metadata as notation asks.

use clap::Subcommand;
use ocitrust::core::notation::plugin::plugin_metadata;
use ocitrust::registry::notation_plugins::DirectoryPluginHost;
use ocitrust::{NotationConfigDir, Result};

use super::table::print_table;

/// `notation plugin` subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the installed plugins.
    #[command(alias = "list")]
    Ls,
}

pub fn run(command: PluginCommand) -> Result<()> {
    match command {
        PluginCommand::Ls => {
            let host = DirectoryPluginHost::new(NotationConfigDir::from_environment()?.plugins_path());
            let rows: Vec<Vec<String>> = host
                .installed()?
                .into_iter()
                .map(|name| match plugin_metadata(&host, &name, &Default::default()) {
                    Ok(m) => vec![
                        name,
                        m.description,
                        m.version,
                        format!("{:?}", m.capabilities),
                        String::new(),
                    ],
                    Err(e) => vec![name, String::new(), String::new(), String::new(), e],
                })
                .collect();
            print_table(&["NAME", "DESCRIPTION", "VERSION", "CAPABILITIES", "ERROR"], &rows);
            Ok(())
        }
    }
}
