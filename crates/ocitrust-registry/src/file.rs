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
    read_at_most(file, path, size_max)
}

/// The contents of `file` (opened from `path`), failing beyond `size_max` bytes.
fn read_at_most(file: fs::File, path: &Path, size_max: u64) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(size_max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > size_max {
        return Err(too_large(path, size_max));
    }
    Ok(bytes)
}

/// Reads `path`, a file this program keeps (a cache) that others may have planted something at:
/// opened without following a link and without blocking (a FIFO would wait for a writer), refused
/// unless a regular file, and at most `size_max` bytes (a link to `/dev/zero` is never followed).
pub fn read_kept_file(path: &Path, size_max: u64) -> Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY;
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    let metadata = file.metadata().map_err(|e| io_error(path, e))?;
    if !metadata.is_file() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{} is not a regular file", path.display()),
        ));
    }
    if metadata.len() > size_max {
        return Err(too_large(path, size_max));
    }
    read_at_most(file, path, size_max)
}

fn too_large(path: &Path, size_max: u64) -> Error {
    Error::new(
        ErrorCode::LimitExceeded,
        format!("{} is larger than the limit of {size_max} bytes", path.display()),
    )
}
