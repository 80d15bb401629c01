//! Local files as untrusted input: bounded reads, and I/O errors that say which path failed.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use ocitrust_core::{Error, ErrorCode, Result};

/// An I/O failure on `path`: `NotFound` when it does not exist, `Io` otherwise.
pub fn io_error(path: &Path, e: io::Error) -> Error {
    let code = if e.kind() == io::ErrorKind::NotFound {
        ErrorCode::NotFound
    } else {
        ErrorCode::Io
    };
    Error::new(code, format!("{}: {e}", path.display()))
}

/// Reads a file, failing (not truncating) beyond `size_max` bytes.
pub fn read_bounded(path: &Path, size_max: u64) -> Result<Vec<u8>> {
    let file = fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut bytes = Vec::new();
    file.take(size_max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > size_max {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("{} is larger than the limit of {size_max} bytes", path.display()),
        ));
    }
    Ok(bytes)
}
