//! The files of an OCI layout as untrusted input. A layout may come from anyone (an image pulled
//! by another tool, a tarball unpacked by a CI job), so the names in it are not trusted to be plain
//! files inside it:
//! - a path is resolved by the kernel beneath the layout's directory and must stay inside it: a
//!   blob linked to `/etc/passwd` is refused, not read, so its digest is never an oracle for files
//!   elsewhere;
//! - the file is opened without blocking and must be a regular file on the opened handle: a FIFO,
//!   a device or a directory is refused instead of hanging or streaming forever;
//! - errors name the path inside the layout, never where a link pointed.
//!
//! Writing has stricter rules ([`super::writer`]): no symbolic link inside the layout is written
//! through at all.

use std::fs;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ocitrust_core::{Error, ErrorCode, Result};

use crate::file::io_error;
use crate::limits::ReadBudget;

/// A layout's directory, opened once; its files are opened relative to it.
#[derive(Debug)]
pub(crate) struct LayoutDirectory {
    path: PathBuf,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    fd: OwnedFd,
}

impl LayoutDirectory {
    /// Opens the directory at `path` (which may itself be a link: the user named it).
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let directory = fs::File::open(path).map_err(|e| io_error(path, e))?;
        if !directory.metadata().map_err(|e| io_error(path, e))?.is_dir() {
            return Err(refused(path, "is not a directory"));
        }
        Ok(LayoutDirectory {
            path: path.to_owned(),
            fd: directory.into(),
        })
    }

    /// Reads `relative` (e.g. `blobs/sha256/<hex>`), refusing anything but a regular file inside
    /// the layout, and more than `size_max` bytes; the bytes are charged to `budget`.
    pub(crate) fn read(&self, relative: &Path, size_max: u64, budget: &ReadBudget) -> Result<Vec<u8>> {
        let named = self.path.join(relative);
        let file = self.open_file(relative, &named)?;
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

    /// Opens `relative` for reading without blocking (a FIFO opened otherwise waits for a writer),
    /// resolved by the kernel beneath the layout's directory (`openat2` with `RESOLVE_BENEATH`:
    /// a link may point elsewhere inside, never out, and no `/proc` magic link is followed). Where
    /// the kernel has no `openat2`, the path is resolved here and checked instead.
    #[cfg(target_os = "linux")]
    fn open_file(&self, relative: &Path, named: &Path) -> Result<fs::File> {
        use rustix::fs::{openat2, Mode, OFlags, ResolveFlags};
        use rustix::io::Errno;
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
        match openat2(&self.fd, relative, flags, Mode::empty(), resolve) {
            Ok(fd) => Ok(fd.into()),
            Err(Errno::XDEV | Errno::LOOP) => Err(leaves_the_layout(named)),
            // No openat2 (before Linux 5.6), or a seccomp filter refusing it (older container runtimes).
            Err(Errno::NOSYS | Errno::PERM) => self.open_resolved(named),
            Err(e) => Err(io_error(named, e.into())),
        }
    }

    /// Elsewhere than Linux, the resolve-and-check way.
    #[cfg(not(target_os = "linux"))]
    fn open_file(&self, _relative: &Path, named: &Path) -> Result<fs::File> {
        self.open_resolved(named)
    }

    /// The fallback of [`LayoutDirectory::open_file`]: every link in `named` resolved, the result
    /// required to be inside the layout, then opened with no link left to follow.
    fn open_resolved(&self, named: &Path) -> Result<fs::File> {
        let root = fs::canonicalize(&self.path).map_err(|e| io_error(&self.path, e))?;
        let resolved = fs::canonicalize(named).map_err(|e| io_error(named, e))?;
        if !resolved.starts_with(&root) {
            return Err(leaves_the_layout(named));
        }
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
            .open(&resolved)
            .map_err(|e| io_error(named, e))
    }
}

fn leaves_the_layout(path: &Path) -> Error {
    refused(path, "is a symbolic link (or under one) that leads out of the layout")
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A layout directory holding a regular file, a link inside, a link out and a FIFO.
    fn hostile_directory(name: &str) -> (PathBuf, LayoutDirectory) {
        let dir = std::env::temp_dir().join(format!("ocitrust-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("blobs")).unwrap();
        fs::write(dir.join("blobs/file"), b"inside").unwrap();
        symlink("file", dir.join("blobs/inner-link")).unwrap();
        symlink("/etc/passwd", dir.join("blobs/outer-link")).unwrap();
        symlink("../../../../../../../../etc/passwd", dir.join("blobs/dotdot-link")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("blobs/fifo"))
            .status()
            .unwrap();
        assert!(fifo.success());
        let directory = LayoutDirectory::open(&dir).unwrap();
        (dir, directory)
    }

    #[test]
    fn only_regular_files_inside_the_layout_are_read_by_either_way_of_opening() {
        let (dir, directory) = hostile_directory("both");
        let budget = ReadBudget::default();
        let read = |name: &str| directory.read(Path::new(name), 1024, &budget);
        assert_eq!(read("blobs/file").unwrap(), b"inside");
        assert_eq!(read("blobs/inner-link").unwrap(), b"inside");
        for name in ["blobs/outer-link", "blobs/dotdot-link", "../../../etc/passwd"] {
            let err = read(name).unwrap_err();
            assert!(err.message().contains("leads out of the layout"), "{name}: {err}");
            assert!(!err.message().contains("/etc/passwd") || name.contains("etc"), "{err}");
        }
        assert!(read("blobs/fifo")
            .unwrap_err()
            .message()
            .contains("is not a regular file"));
        assert!(read("blobs").unwrap_err().message().contains("is not a regular file"));
        // The fallback for kernels without openat2 holds the same line.
        let open = |name: &str| directory.open_resolved(&dir.join(name));
        assert!(open("blobs/inner-link").is_ok());
        for name in ["blobs/outer-link", "blobs/dotdot-link"] {
            assert!(
                open(name).unwrap_err().message().contains("leads out of the layout"),
                "{name}"
            );
        }
        let fifo = open("blobs/fifo").unwrap();
        assert!(
            !fifo.metadata().unwrap().is_file(),
            "opened without blocking, refused on its type"
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
