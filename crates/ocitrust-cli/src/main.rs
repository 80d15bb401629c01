//! `ocitrust`: verify and sign OCI images with cosign-compatible keys.

mod commands;
mod exit_code;
mod output;
mod password;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(exit_code::for_error(&e))
        }
    }
}
