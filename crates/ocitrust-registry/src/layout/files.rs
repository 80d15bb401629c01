//! The files of an OCI layout as untrusted input. A layout may come from anyone (an image pulled
//! by another tool, a tarball unpacked by a CI job), so the names in it are not trusted to be plain
//! files inside it:
//! - a path is resolved (symbolic links followed) and must stay inside the layout: a blob linked to
//!   `/etc/passwd` is refused, not read, so its digest is never an oracle for files elsewhere;
//! - the file is opened without blocking and must be a regular file on the opened handle: a FIFO,
//!   a device or a directory is refused instead of hanging or streaming forever;
//! - errors name the path inside the layout, never where a link pointed.
//!
//! Writing has stricter rules ([`super::writer`]): no symbolic link inside the layout is written
//! through at all.

use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ocitrust_core::{Error, ErrorCode, Result};

use crate::file::io_error;
use crate::limits::ReadBudget;

/// Reads `relative` (e.g. `blobs/sha256/<hex>`) inside the layout at `root`, refusing anything
/// but a regular file inside the layout, and more than `size_max` bytes; the bytes are charged to
/// `budget`.
pub(crate) fn read_layout_file(root: &Path, relative: &Path, size_max: u64, budget: &ReadBudget) -> Result<Vec<u8>> {
    let named = root.join(relative);
    let inside = resolve_inside(root, &named)?;
    let file = fs::OpenOptions::new()
        .read(true)
        // The resolved path has no links left; a FIFO opened without O_NONBLOCK waits for a writer.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&inside)
        .map_err(|e| io_error(&named, e))?;
    let metadata = file.metadata().map_err(|e| io_error(&named, e))?;
    if !metadata.is_file() {
        return Err(refused(&named, "is not a regular file"));
    }
    if metadata.len() > size_max {
        return Err(too_large(&named, size_max));
    }
    budget.charge(metadata.len(), &named.display().to_string())?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(size_max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&named, e))?;
    if bytes.len() as u64 > size_max {
        return Err(too_large(&named, size_max));
    }
    Ok(bytes)
}

/// `named` with every symbolic link resolved, when that stays inside `root`.
fn resolve_inside(root: &Path, named: &Path) -> Result<PathBuf> {
    let root = fs::canonicalize(root).map_err(|e| io_error(root, e))?;
    let resolved = fs::canonicalize(named).map_err(|e| io_error(named, e))?;
    if !resolved.starts_with(&root) {
        return Err(refused(
            named,
            "is a symbolic link (or under one) that leads out of the layout",
        ));
    }
    Ok(resolved)
}

pub(crate) fn refused(path: &Path, why: &str) -> Error {
    Error::new(ErrorCode::Io, format!("{} {why}; refused", path.display()))
}

fn too_large(path: &Path, size_max: u64) -> Error {
    Error::new(
        ErrorCode::LimitExceeded,
        format!("{} is larger than the limit of {size_max} bytes", path.display()),
    )
}
