//! Writing into an OCI layout, which may hold links an attacker planted (a layout unpacked from
//! someone else's tarball, a shared CI workspace):
//! - one writer at a time: an advisory lock on the layout directory itself (no lock file is left
//!   behind), held from reading the old signatures to writing the new `index.json`, so two
//!   concurrent signers both keep their signature;
//! - every file is written to a fresh temporary file created exclusively, with an unpredictable
//!   name, in the directory it belongs in, then renamed into place: a planted link is replaced,
//!   never written through;
//! - `blobs/` and `blobs/<algorithm>/` must be real directories: a link there is refused;
//! - a blob already present is used only if its bytes match its name; otherwise it is replaced;
//! - until [`LayoutWriter::put_entry`] commits, the blobs written are removed again if the writer
//!   is dropped, so a failed write leaves the layout as it was.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ocitrust_core::oci::media_types;
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use serde_json::{json, Value};

use super::files::refused;
use super::store::{parse_entry, IndexEntry, OciLayout, INDEX_JSON, LAYOUT_VERSION};
use crate::file::io_error;

/// Writes into one layout while holding its lock; see the module documentation.
pub struct LayoutWriter<'a> {
    layout: &'a OciLayout,
    _lock: fs::File,
    created: Vec<PathBuf>,
    committed: bool,
}

impl OciLayout {
    /// Opens the layout at `root`, creating an empty one if the directory has none.
    pub fn open_or_create(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| io_error(&root, e))?;
        let lock = lock_directory(&root)?;
        if fs::symlink_metadata(root.join("oci-layout")).is_err() {
            real_directory(&root, Path::new("blobs"))?;
            real_directory(&root, Path::new("blobs/sha256"))?;
            let marker = json!({ "imageLayoutVersion": LAYOUT_VERSION });
            replace_file(&root, Path::new("oci-layout"), marker.to_string().as_bytes())?;
            let empty = json!({ "schemaVersion": 2, "mediaType": media_types::OCI_INDEX, "manifests": [] });
            replace_file(&root, Path::new(INDEX_JSON), &to_pretty_json(&empty)?)?;
        }
        drop(lock);
        Self::open(root)
    }

    /// Locks the layout for writing, waiting while another writer holds it.
    pub fn writer(&self) -> Result<LayoutWriter<'_>> {
        Ok(LayoutWriter {
            layout: self,
            _lock: lock_directory(self.writable_root()?)?,
            created: Vec::new(),
            committed: false,
        })
    }
}

impl LayoutWriter<'_> {
    /// Writes `bytes` as a blob (unless a blob with the same bytes is there) and returns its digest.
    pub fn write_blob(&mut self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256(bytes);
        let root = self.layout.root();
        let relative = self.layout.blob_relative_path(&digest);
        real_directory(root, Path::new("blobs"))?;
        real_directory(root, &Path::new("blobs").join(digest.algorithm().name()))?;
        match fs::symlink_metadata(root.join(&relative)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                replace_file(root, &relative, bytes)?;
                self.created.push(root.join(&relative));
            }
            Err(e) => return Err(io_error(&root.join(&relative), e)),
            Ok(existing) => {
                let intact = existing.is_file()
                    && self
                        .layout
                        .read_file(&relative, bytes.len() as u64)
                        .is_ok_and(|b| b == bytes);
                if !intact {
                    replace_file(root, &relative, bytes)?;
                }
            }
        }
        Ok(digest)
    }

    /// Adds `entry` to `index.json`, first removing every entry `replaces` matches, and so commits
    /// what was written.
    pub fn put_entry(mut self, entry: &IndexEntry, replaces: impl Fn(&IndexEntry) -> bool) -> Result<()> {
        let mut index = self.layout.read_index_json()?;
        let manifests = index
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut kept = Vec::with_capacity(manifests.len() + 1);
        for m in manifests {
            if !replaces(&parse_entry(&m)?) {
                kept.push(m);
            }
        }
        kept.push(entry.to_json());
        index["manifests"] = Value::Array(kept);
        replace_file(self.layout.root(), Path::new(INDEX_JSON), &to_pretty_json(&index)?)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for LayoutWriter<'_> {
    fn drop(&mut self) {
        if !self.committed {
            for path in &self.created {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// An exclusive advisory lock on the directory `root`, released when the handle is dropped.
fn lock_directory(root: &Path) -> Result<fs::File> {
    let directory = fs::File::open(root).map_err(|e| io_error(root, e))?;
    directory.lock().map_err(|e| {
        Error::new(
            ErrorCode::Io,
            format!("{}: locking the layout for writing: {e}", root.display()),
        )
    })?;
    Ok(directory)
}

/// Makes sure `root/relative` is a directory of its own (created if missing), not a link.
fn real_directory(root: &Path, relative: &Path) -> Result<()> {
    let path = root.join(relative);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(m) if m.file_type().is_symlink() => Err(refused(&path, "is a symbolic link; writing through it")),
        Ok(_) => Err(refused(&path, "is not a directory; writing blobs under it")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir(&path).map_err(|e| io_error(&path, e)),
        Err(e) => Err(io_error(&path, e)),
    }
}

/// Puts `bytes` at `root/relative` through a temporary file created exclusively beside it, then
/// renamed over whatever was there (a link planted at that name is replaced, not followed).
fn replace_file(root: &Path, relative: &Path, bytes: &[u8]) -> Result<()> {
    let path = root.join(relative);
    let directory = path.parent().unwrap_or(root);
    let mut temporary = tempfile::Builder::new()
        .prefix(".ocitrust-")
        .suffix(".tmp")
        .tempfile_in(directory)
        .map_err(|e| io_error(directory, e))?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(|e| io_error(&path, e))?;
    temporary.persist(&path).map_err(|e| io_error(&path, e.error))?;
    Ok(())
}

fn to_pretty_json(value: &Value) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))
}
