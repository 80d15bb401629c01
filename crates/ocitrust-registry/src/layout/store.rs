//! Reading and writing the files of an OCI image layout.

use ocitrust_core::cosign::Attachment;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ocitrust_core::oci::Manifest;
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use serde_json::{json, Value};

use super::archive::ArchiveFiles;
use super::files::{refused, LayoutDirectory};
use super::LayoutSelector;
use crate::limits::{ReadBudget, INDEX_JSON_SIZE_MAX, MANIFEST_SIZE_MAX};

/// Annotation naming a tag in `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";
/// Annotation `cosign save` puts on each entry of its layouts.
pub const COSIGN_KIND_ANNOTATION: &str = "kind";
/// `kind` of the image in a `cosign save` layout.
pub const COSIGN_KIND_IMAGE: &str = "dev.cosignproject.cosign/image";
/// `kind` of the image index in a `cosign save` layout.
pub const COSIGN_KIND_IMAGE_INDEX: &str = "dev.cosignproject.cosign/imageIndex";
/// `kind` of the signatures image in a `cosign save` layout.
pub const COSIGN_KIND_SIGNATURES: &str = Attachment::Signatures.cosign_save_kind();
const COSIGN_KIND_ATTESTATIONS: &str = Attachment::Attestations.cosign_save_kind();
pub(crate) const LAYOUT_VERSION: &str = "1.0.0";
/// Largest `oci-layout` file read.
const OCI_LAYOUT_FILE_SIZE_MAX: u64 = 4096;

/// One entry of `index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Declared media type.
    pub media_type: String,
    /// Declared digest.
    pub digest: Digest,
    /// Declared size.
    pub size: u64,
    /// Annotations (string values only).
    pub annotations: BTreeMap<String, String>,
}

impl IndexEntry {
    /// The tag, if the entry has one.
    pub fn tag(&self) -> Option<&str> {
        self.annotations.get(REF_NAME_ANNOTATION).map(String::as_str)
    }

    /// The `cosign save` kind, if any.
    pub fn cosign_kind(&self) -> Option<&str> {
        self.annotations.get(COSIGN_KIND_ANNOTATION).map(String::as_str)
    }

    /// Whether the entry holds signatures or attestations rather than an image.
    pub fn is_attached_artifact(&self) -> bool {
        matches!(
            self.cosign_kind(),
            Some(COSIGN_KIND_SIGNATURES | COSIGN_KIND_ATTESTATIONS)
        ) || self.tag().is_some_and(is_attached_artifact_tag)
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v = json!({ "mediaType": self.media_type, "size": self.size, "digest": self.digest.as_str() });
        if !self.annotations.is_empty() {
            v["annotations"] = json!(self.annotations);
        }
        v
    }
}

/// Whether `tag` is where cosign's tag scheme keeps what is attached to a digest:
/// `<algorithm>-<hex>.sig`, `.att` or `.sbom`, for SHA-256 or SHA-512.
fn is_attached_artifact_tag(tag: &str) -> bool {
    let Some((stem, suffix)) = tag.rsplit_once('.') else {
        return false;
    };
    let hex_len = match stem.split_once('-') {
        Some(("sha256", hex)) if hex.len() == 64 => 64,
        Some(("sha512", hex)) if hex.len() == 128 => 128,
        _ => return false,
    };
    matches!(suffix, "sig" | "att" | "sbom")
        && stem[stem.len() - hex_len..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where a layout's files are read from.
#[derive(Debug)]
enum LayoutFiles {
    Directory(LayoutDirectory),
    Archive(Arc<ArchiveFiles>),
}

impl LayoutFiles {
    fn read(&self, relative: &Path, size_max: u64, budget: &ReadBudget) -> Result<Vec<u8>> {
        match self {
            LayoutFiles::Directory(directory) => directory.read(relative, size_max, budget),
            LayoutFiles::Archive(archive) => archive.read(relative, size_max, budget),
        }
    }
}

/// An OCI image layout, in a directory or a tar archive, read with every file checked
/// ([`super::files`], [`super::archive`]) and every byte charged to one read budget.
#[derive(Debug, Clone)]
pub struct OciLayout {
    root: PathBuf,
    files: Arc<LayoutFiles>,
    budget: Arc<ReadBudget>,
    /// `index.json` as it was when the layout was opened: one consistent view for every lookup.
    entries: Arc<[IndexEntry]>,
}

impl OciLayout {
    /// Opens an existing layout: `oci-layout` must exist with version 1.0.0, and `index.json` too.
    /// What is read through it counts against a budget of its own ([`ReadBudget::default`]).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        Self::open_with_budget(root, Arc::default())
    }

    /// Opens an existing layout whose reads count against `budget` (shared by one verification).
    pub fn open_with_budget(root: impl Into<PathBuf>, budget: Arc<ReadBudget>) -> Result<Self> {
        let root = root.into();
        let directory = LayoutDirectory::open(&root)
            .map_err(|e| e.context(format!("{} is not an OCI image layout", root.display())))?;
        Self::from_files(root, LayoutFiles::Directory(directory), budget)
    }

    /// Opens the layout in the tar archive at `path` (plain or gzip), read without unpacking it.
    pub fn open_archive(path: &Path, budget: Arc<ReadBudget>) -> Result<Self> {
        let archive = ArchiveFiles::from_file(path)?;
        Self::from_files(path.to_owned(), LayoutFiles::Archive(Arc::new(archive)), budget)
    }

    /// Opens the layout in the tar archive on standard input, read once for the whole process.
    pub fn open_archive_on_stdin(budget: Arc<ReadBudget>) -> Result<Self> {
        let archive = ArchiveFiles::from_stdin()?;
        Self::from_files(PathBuf::from("-"), LayoutFiles::Archive(archive), budget)
    }

    /// Opens the layout in the tar archive (plain or gzip) that `stream` reads, named `name`.
    pub fn open_archive_stream(name: &str, stream: impl std::io::Read, budget: Arc<ReadBudget>) -> Result<Self> {
        let archive = ArchiveFiles::from_reader(name.to_owned(), stream)?;
        Self::from_files(PathBuf::from(name), LayoutFiles::Archive(Arc::new(archive)), budget)
    }

    fn from_files(root: PathBuf, files: LayoutFiles, budget: Arc<ReadBudget>) -> Result<Self> {
        let marker = root.join("oci-layout");
        let not_a_layout = |e: Error| e.context(format!("{} is not an OCI image layout", root.display()));
        let bytes = files
            .read(Path::new("oci-layout"), OCI_LAYOUT_FILE_SIZE_MAX, &budget)
            .map_err(not_a_layout)?;
        let version = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("imageLayoutVersion").and_then(Value::as_str).map(str::to_owned));
        if version.as_deref() != Some(LAYOUT_VERSION) {
            return Err(Error::new(
                ErrorCode::InvalidManifest,
                format!(
                    "{}: imageLayoutVersion is {version:?}, expected {LAYOUT_VERSION:?}",
                    marker.display()
                ),
            ));
        }
        let mut layout = OciLayout {
            root,
            files: Arc::new(files),
            budget,
            entries: Arc::new([]),
        };
        layout.entries = layout.read_entries()?.into();
        Ok(layout)
    }

    /// The budget reads through this layout count against.
    pub fn budget(&self) -> &Arc<ReadBudget> {
        &self.budget
    }

    /// The layout directory, or the archive it is in (`-` for standard input).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of a layout that may be written to: an archive's may not.
    pub(crate) fn writable_root(&self) -> Result<&Path> {
        match *self.files {
            LayoutFiles::Directory(_) => Ok(&self.root),
            LayoutFiles::Archive(_) => Err(refused(&self.root, "is an archive, which is only read; writing")),
        }
    }

    /// The entries of `index.json`, read (once) when the layout was opened.
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// The entries of `index.json`, read now.
    fn read_entries(&self) -> Result<Vec<IndexEntry>> {
        let index = self.read_index_json()?;
        let manifests = index
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        manifests
            .iter()
            .map(|m| parse_entry(m).map_err(|e| e.context(format!("{}", self.index_path().display()))))
            .collect()
    }

    /// The entry `selector` names.
    pub fn resolve(&self, selector: &LayoutSelector) -> Result<IndexEntry> {
        let entries = self.entries();
        let found: Vec<&IndexEntry> = match selector {
            LayoutSelector::Tag(tag) => entries.iter().filter(|e| e.tag() == Some(tag.as_str())).collect(),
            LayoutSelector::Digest(d) => entries.iter().filter(|e| &e.digest == d).take(1).collect(),
            LayoutSelector::Default => {
                let cosign: Vec<&IndexEntry> = entries
                    .iter()
                    .filter(|e| matches!(e.cosign_kind(), Some(COSIGN_KIND_IMAGE | COSIGN_KIND_IMAGE_INDEX)))
                    .collect();
                if cosign.is_empty() {
                    self.without_referrers(entries.iter().filter(|e| !e.is_attached_artifact()).collect())?
                } else {
                    cosign
                }
            }
        };
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::new(
                ErrorCode::NotFound,
                format!("{}: no manifest {}", self.root.display(), describe(selector)),
            )),
            many => {
                let tags: Vec<String> = many
                    .iter()
                    .map(|e| e.tag().map_or_else(|| e.digest.to_string(), str::to_owned))
                    .collect();
                Err(Error::new(
                    ErrorCode::InvalidReference,
                    format!(
                        "{}: {} manifests match {}; name one with :TAG or @DIGEST ({})",
                        self.root.display(),
                        many.len(),
                        describe(selector),
                        tags.join(", ")
                    ),
                ))
            }
        }
    }

    /// `candidates` less the referrers among them (signatures notation or crane put in `index.json`
    /// untagged), when there is more than one: those are attached to an image, not images to use.
    /// Each digest is read once, however often it is listed.
    fn without_referrers<'a>(&self, candidates: Vec<&'a IndexEntry>) -> Result<Vec<&'a IndexEntry>> {
        if candidates.len() < 2 {
            return Ok(candidates);
        }
        let mut referrers = HashSet::new();
        let mut images = HashSet::new();
        for entry in &candidates {
            if referrers.contains(&entry.digest) || images.contains(&entry.digest) {
                continue;
            }
            if self.read_manifest(&entry.digest)?.subject().is_some() {
                referrers.insert(entry.digest.clone());
            } else {
                images.insert(entry.digest.clone());
            }
        }
        Ok(candidates
            .into_iter()
            .filter(|e| !referrers.contains(&e.digest))
            .collect())
    }

    /// Reads the blob `digest`, refusing more than `size_max` bytes and checking the digest.
    pub fn read_blob(&self, digest: &Digest, size_max: u64) -> Result<Vec<u8>> {
        let bytes = self.read_file(&self.blob_relative_path(digest), size_max)?;
        digest
            .verify(&bytes)
            .map_err(|e| e.context(format!("blob {} in {}", digest, self.root.display())))?;
        Ok(bytes)
    }

    /// Reads and parses the manifest `digest` (bytes checked before parsing).
    pub fn read_manifest(&self, digest: &Digest) -> Result<Manifest> {
        let bytes = self.read_blob(digest, MANIFEST_SIZE_MAX)?;
        Manifest::from_bytes(bytes, Some(digest))
    }

    pub(crate) fn index_path(&self) -> PathBuf {
        self.root.join(INDEX_JSON)
    }

    /// Reads the file at `relative` in the layout (checked as [`super::files`] says), charging the
    /// layout's budget.
    pub(crate) fn read_file(&self, relative: &Path, size_max: u64) -> Result<Vec<u8>> {
        self.files.read(relative, size_max, &self.budget)
    }

    /// Where the blob `digest` is, relative to the layout's root.
    pub(crate) fn blob_relative_path(&self, digest: &Digest) -> PathBuf {
        Path::new("blobs").join(digest.algorithm().name()).join(digest.hex())
    }

    pub(crate) fn read_index_json(&self) -> Result<Value> {
        let bytes = self.read_file(Path::new(INDEX_JSON), INDEX_JSON_SIZE_MAX)?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorCode::InvalidManifest,
                format!("{}: malformed JSON: {e}", self.index_path().display()),
            )
        })?;
        if !value.get("manifests").is_some_and(Value::is_array) {
            return Err(Error::new(
                ErrorCode::InvalidManifest,
                format!("{}: no \"manifests\" array", self.index_path().display()),
            ));
        }
        Ok(value)
    }
}

/// The name of the layout's index.
pub(crate) const INDEX_JSON: &str = "index.json";

fn describe(selector: &LayoutSelector) -> String {
    match selector {
        LayoutSelector::Default => "to use by default (the layout holds no single image)".into(),
        LayoutSelector::Tag(t) => format!("tagged {t:?}"),
        LayoutSelector::Digest(d) => format!("with digest {d}"),
    }
}

pub(crate) fn parse_entry(value: &Value) -> Result<IndexEntry> {
    let invalid = |why: &str| Error::new(ErrorCode::InvalidManifest, format!("index entry {why}"));
    let media_type = value
        .get("mediaType")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("without mediaType"))?;
    let digest = Digest::parse(
        value
            .get("digest")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("without digest"))?,
    )?;
    let size = value
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid("without size"))?;
    let annotations = value
        .get("annotations")
        .and_then(Value::as_object)
        .map(|a| {
            a.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(IndexEntry {
        media_type: media_type.to_owned(),
        digest,
        size,
        annotations,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ocitrust-layout-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn create_write_read_round_trip() {
        let dir = temp_dir("rt");
        let layout = OciLayout::open_or_create(&dir).unwrap();
        let mut writer = layout.writer().unwrap();
        let d = writer.write_blob(b"hello").unwrap();
        assert_eq!(layout.read_blob(&d, 100).unwrap(), b"hello");
        assert_eq!(layout.read_blob(&d, 4).unwrap_err().code(), ErrorCode::LimitExceeded);
        let entry = IndexEntry {
            media_type: "x/y".into(),
            digest: d.clone(),
            size: 5,
            annotations: BTreeMap::from([(REF_NAME_ANNOTATION.into(), "v1".into())]),
        };
        writer.put_entry(&entry, |_| false).unwrap();
        let reopened = OciLayout::open(&dir).unwrap();
        assert_eq!(reopened.resolve(&LayoutSelector::Tag("v1".into())).unwrap(), entry);
        assert_eq!(reopened.resolve(&LayoutSelector::Default).unwrap(), entry);
        assert_eq!(
            reopened.resolve(&LayoutSelector::Tag("v2".into())).unwrap_err().code(),
            ErrorCode::NotFound
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tampered_blob_is_rejected() {
        let dir = temp_dir("tamper");
        let layout = OciLayout::open_or_create(&dir).unwrap();
        let mut writer = layout.writer().unwrap();
        let d = writer.write_blob(b"hello").unwrap();
        fs::write(dir.join(layout.blob_relative_path(&d)), b"jello").unwrap();
        assert_eq!(layout.read_blob(&d, 100).unwrap_err().code(), ErrorCode::DigestMismatch);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_layout_files_are_clear_errors() {
        let dir = temp_dir("missing");
        assert_eq!(OciLayout::open(&dir).unwrap_err().code(), ErrorCode::NotFound);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"2.0.0"}"#).unwrap();
        assert_eq!(OciLayout::open(&dir).unwrap_err().code(), ErrorCode::InvalidManifest);
        fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        let err = OciLayout::open(&dir).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        assert!(err.message().contains("index.json"), "{err}");
        fs::write(dir.join("index.json"), b"{not json").unwrap();
        assert_eq!(OciLayout::open(&dir).unwrap_err().code(), ErrorCode::InvalidManifest);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn cosign_tag_scheme_tags_for_sha256_and_sha512_are_attached_artifacts() {
        let sha256 = "a".repeat(64);
        let sha512 = "b".repeat(128);
        for tag in [
            format!("sha256-{sha256}.sig"),
            format!("sha256-{sha256}.att"),
            format!("sha512-{sha512}.sig"),
            format!("sha512-{sha512}.sbom"),
        ] {
            assert!(is_attached_artifact_tag(&tag), "{tag}");
        }
        for tag in [
            "v1".to_owned(),
            format!("sha256-{sha256}.tar"),
            format!("sha512-{sha256}.sig"),
            format!("sha256-{}.sig", "G".repeat(64)),
            format!("md5-{sha256}.sig"),
            "sha256-.sig".to_owned(),
        ] {
            assert!(!is_attached_artifact_tag(&tag), "{tag}");
        }
    }
}
