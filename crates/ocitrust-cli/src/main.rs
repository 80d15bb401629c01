//! `ocitrust`: verify and sign OCI images with cosign-compatible keys.

mod admission_commands;
mod attestation_commands;
mod blob_commands;
mod commands;
mod exit_code;
mod initialize_command;
mod notation_commands;
mod output;
mod password;
mod policy_commands;
mod stdout;
mod terminal;
mod trust_args;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match commands::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print and succeed; bad arguments exit 1, as cosign does.
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(exit_code::OTHER)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let notation = cli.is_notation();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            terminal::say!("Error: {e}");
            ExitCode::from(if notation {
                exit_code::OTHER
            } else {
                exit_code::for_error(&e)
            })
        }
    }
}
