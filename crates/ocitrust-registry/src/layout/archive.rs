//! An OCI layout inside a tar archive (`skopeo copy … oci-archive:FILE`, `tar -C layout -c .`),
//! plain or gzip-compressed, from a file or standard input, read in one pass without unpacking
//! anything to disk. The archive is untrusted input:
//! - only regular files and directories are accepted; a symbolic or hard link, a device, a FIFO or
//!   a sparse file (GNU or PAX) is refused, as is a name that is absolute or climbs with `..`, and
//!   a name given twice (which of the two would count is not guessed);
//! - the number of entries and the bytes read are bounded ([`ARCHIVE_ENTRIES_MAX`],
//!   [`ARCHIVE_BYTES_MAX`]); an entry that claims to extend past the end of its file is refused;
//! - of the layout's files only `oci-layout`, `index.json` and blobs of at most
//!   [`ARCHIVE_HELD_FILE_SIZE_MAX`] bytes are held in memory ([`ARCHIVE_HELD_BYTES_MAX`] in all);
//!   image layers (gzip, zstd or tar data, which verification never reads) and larger blobs are
//!   remembered by size only, so a read of one fails as a read of a file past its limit in a
//!   layout directory would.
//!
//! What is held is read through the layout's read budget like a directory's files, and checked
//! against its digest by the layout as any blob is.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use flate2::bufread::MultiGzDecoder;
use ocitrust_core::{Error, ErrorCode, Result};
use tar::EntryType;

use crate::file::io_error;
use crate::limits::{
    ReadBudget, ARCHIVE_BYTES_MAX, ARCHIVE_ENTRIES_MAX, ARCHIVE_HELD_BYTES_MAX, ARCHIVE_HELD_FILE_SIZE_MAX,
};

/// What an archive holds of one file of the layout.
#[derive(Debug)]
enum HeldFile {
    Bytes(Vec<u8>),
    /// Larger than [`ARCHIVE_HELD_FILE_SIZE_MAX`]: not held, only its size is known.
    TooLarge(u64),
    /// Image layer data: not held.
    Layer(u64),
}

/// The files of a layout read from a tar archive.
#[derive(Debug)]
pub(crate) struct ArchiveFiles {
    /// How errors name the archive (its path, or `standard input`).
    name: String,
    files: HashMap<PathBuf, HeldFile>,
}

/// The archive on standard input, read once for the whole process (every later open of
/// `oci-archive:-` sees the same bytes).
static STDIN_ARCHIVE: OnceLock<std::result::Result<Arc<ArchiveFiles>, Error>> = OnceLock::new();

impl ArchiveFiles {
    /// Reads the archive in the file at `path`.
    pub(crate) fn from_file(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let file = fs::File::open(path).map_err(|e| io_error(path, e))?;
        let metadata = file.metadata().map_err(|e| io_error(path, e))?;
        if !metadata.is_file() {
            return Err(Error::new(
                ErrorCode::Io,
                format!("{name} is not a regular file; an oci-archive must be one (or - for standard input)"),
            ));
        }
        let mut reader = BufReader::new(file);
        if is_gzip(&mut reader).map_err(|e| io_error(path, e))? {
            return Self::from_stream(name, MultiGzDecoder::new(reader));
        }
        let mut file = reader.into_inner();
        file.rewind().map_err(|e| io_error(path, e))?;
        let mut archive = tar::Archive::new(file);
        let entries = archive.entries_with_seek().map_err(|e| unreadable(&name, &e))?;
        collect(name, entries, Some(metadata.len()))
    }

    /// The archive on standard input (read at the first call, then shared).
    pub(crate) fn from_stdin() -> Result<Arc<Self>> {
        STDIN_ARCHIVE
            .get_or_init(|| Self::from_reader("standard input".to_owned(), io::stdin().lock()).map(Arc::new))
            .clone()
    }

    /// Reads the archive (plain or gzip) that `reader` streams, named `name` in errors.
    pub(crate) fn from_reader(name: String, reader: impl Read) -> Result<Self> {
        let mut reader = BufReader::new(reader);
        match is_gzip(&mut reader) {
            Ok(true) => Self::from_stream(name, MultiGzDecoder::new(reader)),
            Ok(false) => Self::from_stream(name, reader),
            Err(e) => Err(unreadable(&name, &e)),
        }
    }

    /// Reads an archive that can only be read forward (compressed, or a pipe).
    fn from_stream(name: String, stream: impl Read) -> Result<Self> {
        let mut archive = tar::Archive::new(stream.take(ARCHIVE_BYTES_MAX));
        let entries = archive.entries().map_err(|e| unreadable(&name, &e))?;
        collect(name, entries, None)
    }

    /// The layout file at `relative`, refusing more than `size_max` bytes; the bytes are charged to
    /// `budget`.
    pub(crate) fn read(&self, relative: &Path, size_max: u64, budget: &ReadBudget) -> Result<Vec<u8>> {
        let named = format!("{} in {}", relative.display(), self.name);
        let too_large = |size: u64| {
            Error::new(
                ErrorCode::LimitExceeded,
                format!("{named} is {size} bytes, larger than the limit of {size_max} bytes"),
            )
        };
        match self.files.get(relative) {
            None => Err(Error::new(ErrorCode::NotFound, format!("{named}: no such file"))),
            Some(HeldFile::TooLarge(size)) => Err(too_large(*size)),
            Some(HeldFile::Layer(size)) => Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("{named} is image layer data ({size} bytes), which is not read from an archive"),
            )),
            Some(HeldFile::Bytes(bytes)) if bytes.len() as u64 > size_max => Err(too_large(bytes.len() as u64)),
            Some(HeldFile::Bytes(bytes)) => {
                budget.charge(bytes.len() as u64, &named)?;
                Ok(bytes.clone())
            }
        }
    }
}

/// Whether the stream starts as gzip does (looked at without consuming it).
fn is_gzip(reader: &mut impl BufRead) -> io::Result<bool> {
    Ok(reader.fill_buf()?.starts_with(&[0x1f, 0x8b]))
}

/// Walks the entries, holding what a layout reads. `file_len` is the archive's length when it is
/// a file read with seeks (an entry may not claim bytes past it).
fn collect<R: Read>(name: String, entries: tar::Entries<'_, R>, file_len: Option<u64>) -> Result<ArchiveFiles> {
    let mut files = HashMap::new();
    let mut held_bytes = 0u64;
    let mut read_bytes = 0u64;
    for (count, entry) in entries.enumerate() {
        if count >= ARCHIVE_ENTRIES_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("{name} has more than {ARCHIVE_ENTRIES_MAX} entries; refused"),
            ));
        }
        let mut entry = entry.map_err(|e| unreadable(&name, &e))?;
        let raw_path = entry.path().map_err(|e| unreadable(&name, &e))?.into_owned();
        let shown = raw_path.display().to_string();
        let refuse = |why: &str| Error::new(ErrorCode::Io, format!("{name}: entry {shown:?} {why}; refused"));
        let Some(path) = inside_the_layout(&raw_path) else {
            return Err(refuse("is absolute or leads out of the layout with .."));
        };
        let entry_type = entry.header().entry_type();
        match entry_type {
            EntryType::Directory | EntryType::XGlobalHeader => continue,
            EntryType::Regular | EntryType::Continuous => {}
            EntryType::Symlink | EntryType::Link => return Err(refuse("is a link")),
            EntryType::GNUSparse => return Err(refuse("is a sparse file")),
            EntryType::Char | EntryType::Block | EntryType::Fifo => return Err(refuse("is a device or a FIFO")),
            other => {
                return Err(refuse(&format!(
                    "is of an unsupported type ({:?})",
                    other.as_byte() as char
                )))
            }
        }
        if is_pax_sparse(&mut entry).map_err(|e| unreadable(&name, &e))? {
            return Err(refuse("is a sparse file"));
        }
        let size = entry.size();
        read_bytes = read_bytes.saturating_add(size);
        if read_bytes > ARCHIVE_BYTES_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("{name} holds more than {ARCHIVE_BYTES_MAX} bytes; refused"),
            ));
        }
        if let Some(file_len) = file_len {
            if entry.raw_file_position().saturating_add(size) > file_len {
                return Err(refuse(&format!(
                    "claims {size} bytes, past the end of the archive (a truncated or forged archive)"
                )));
            }
        }
        if files.contains_key(&path) {
            return Err(refuse("appears twice"));
        }
        if !is_layout_file(&path) {
            continue;
        }
        let held = if size > ARCHIVE_HELD_FILE_SIZE_MAX {
            HeldFile::TooLarge(size)
        } else {
            let mut bytes = Vec::with_capacity(LAYER_SNIFF_LEN.min(size) as usize);
            (&mut entry)
                .take(LAYER_SNIFF_LEN)
                .read_to_end(&mut bytes)
                .map_err(|e| unreadable(&name, &e))?;
            if is_layer_data(&bytes) {
                HeldFile::Layer(size)
            } else {
                held_bytes += size;
                if held_bytes > ARCHIVE_HELD_BYTES_MAX {
                    return Err(Error::new(
                        ErrorCode::LimitExceeded,
                        format!("{name} holds more than {ARCHIVE_HELD_BYTES_MAX} bytes of manifests and other small blobs; refused"),
                    ));
                }
                bytes.reserve_exact((size as usize).saturating_sub(bytes.len()));
                (&mut entry)
                    .take(size)
                    .read_to_end(&mut bytes)
                    .map_err(|e| unreadable(&name, &e))?;
                if bytes.len() as u64 != size {
                    return Err(refuse("ends before its declared size"));
                }
                HeldFile::Bytes(bytes)
            }
        };
        files.insert(path, held);
    }
    Ok(ArchiveFiles { name, files })
}

/// Bytes looked at to tell image layer data from what verification reads: a tar header's magic
/// is at offset 257.
const LAYER_SNIFF_LEN: u64 = 512;

/// Whether `head` (a blob's first bytes) starts image layer data: gzip, zstd, or a tar header.
fn is_layer_data(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || head.get(257..262) == Some(b"ustar".as_slice())
}

/// `path` as a path inside the layout (`./` and `.` dropped), or `None` when it is absolute or
/// has a `..`.
fn inside_the_layout(path: &Path) -> Option<PathBuf> {
    let mut inside = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => inside.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(inside)
}

/// Whether a layout reader may read `path`: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`.
fn is_layout_file(path: &Path) -> bool {
    let parts: Vec<_> = path.components().collect();
    match parts.as_slice() {
        [Component::Normal(one)] => *one == "oci-layout" || *one == "index.json",
        [Component::Normal(blobs), Component::Normal(_), Component::Normal(_)] => *blobs == "blobs",
        _ => false,
    }
}

/// Whether the entry's PAX header marks it as a GNU sparse file (`tar --sparse --format=pax`),
/// whose data is not the file's bytes.
fn is_pax_sparse<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<bool> {
    let Some(extensions) = entry.pax_extensions()? else {
        return Ok(false);
    };
    for extension in extensions {
        if extension?.key_bytes().starts_with(b"GNU.sparse") {
            return Ok(true);
        }
    }
    Ok(false)
}

fn unreadable(name: &str, e: &io::Error) -> Error {
    Error::new(ErrorCode::Io, format!("{name} is not a readable tar archive: {e}"))
}
