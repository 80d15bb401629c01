//! Private key passwords: `COSIGN_PASSWORD` (may be empty) or an interactive prompt.

use std::io::IsTerminal;

use ocitrust::{Error, ErrorCode, Result};

const PASSWORD_ENV: &str = "COSIGN_PASSWORD";

/// The password to unlock a key.
pub fn for_reading() -> Result<Vec<u8>> {
    if let Some(p) = from_env() {
        return Ok(p);
    }
    prompt("Enter password for private key: ")
}

/// The password for a new key, asked twice when interactive.
pub fn for_new_key() -> Result<Vec<u8>> {
    if let Some(p) = from_env() {
        return Ok(p);
    }
    let first = prompt("Enter password for private key: ")?;
    let second = prompt("Enter password for private key again: ")?;
    if first != second {
        return Err(Error::new(ErrorCode::InvalidArgument, "passwords do not match"));
    }
    Ok(first)
}

fn from_env() -> Option<Vec<u8>> {
    std::env::var_os(PASSWORD_ENV).map(|v| v.into_encoded_bytes())
}

fn prompt(text: &str) -> Result<Vec<u8>> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{PASSWORD_ENV} is not set and standard input is not a terminal to ask for the password"),
        ));
    }
    rpassword::prompt_password(text)
        .map(String::into_bytes)
        .map_err(|e| Error::new(ErrorCode::Io, format!("reading password: {e}")))
}
