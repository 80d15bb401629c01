//! Local files: bounded reads of untrusted input, I/O errors that say which path failed, and the
//! private, atomically replaced files ocitrust keeps (its caches, notation configuration).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

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

/// Where ocitrust keeps what it caches: `$XDG_CACHE_HOME/ocitrust`, else `~/.cache/ocitrust`.
pub fn ocitrust_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .map(|base| base.join("ocitrust"))
}

/// Creates `dir` and its parents, readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error(dir, e))
}

/// Replaces the file at `path` with `bytes` (owner-only), written whole to a temporary file in
/// its directory (created owner-only if missing) and renamed over it: a reader sees the old file
/// or the new one, never a part, and a link planted at `path` is replaced, not written through.
pub fn replace_private_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("{} has no directory", path.display()),
        )
    })?;
    create_private_dir(dir)?;
    let temporary = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_error(dir, e))?;
    fs::write(temporary.path(), bytes).map_err(|e| io_error(temporary.path(), e))?;
    temporary.persist(path).map_err(|e| io_error(path, e.error)).map(|_| ())
}

fn too_large(path: &Path, size_max: u64) -> Error {
    Error::new(
        ErrorCode::LimitExceeded,
        format!("{} is larger than the limit of {size_max} bytes", path.display()),
    )
}
