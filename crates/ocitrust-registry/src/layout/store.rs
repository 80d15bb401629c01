//! Reading and writing the files of an OCI image layout.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ocitrust_core::oci::{media_types, Manifest};
use ocitrust_core::{Digest, Error, ErrorCode, Result};
use serde_json::{json, Value};

use super::LayoutSelector;
use crate::file::{io_error, read_bounded};
use crate::limits::{INDEX_JSON_SIZE_MAX, MANIFEST_SIZE_MAX};

/// Annotation naming a tag in `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";
/// Annotation `cosign save` puts on each entry of its layouts.
pub const COSIGN_KIND_ANNOTATION: &str = "kind";
/// `kind` of the image in a `cosign save` layout.
pub const COSIGN_KIND_IMAGE: &str = "dev.cosignproject.cosign/image";
/// `kind` of the image index in a `cosign save` layout.
pub const COSIGN_KIND_IMAGE_INDEX: &str = "dev.cosignproject.cosign/imageIndex";
/// `kind` of the signatures image in a `cosign save` layout.
pub const COSIGN_KIND_SIGNATURES: &str = "dev.cosignproject.cosign/sigs";
const COSIGN_KIND_ATTESTATIONS: &str = "dev.cosignproject.cosign/atts";
const LAYOUT_VERSION: &str = "1.0.0";

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
        ) || self
            .tag()
            .is_some_and(|t| t.starts_with("sha256-") && [".sig", ".att", ".sbom"].iter().any(|s| t.ends_with(s)))
    }

    fn to_json(&self) -> Value {
        let mut v = json!({ "mediaType": self.media_type, "size": self.size, "digest": self.digest.as_str() });
        if !self.annotations.is_empty() {
            v["annotations"] = json!(self.annotations);
        }
        v
    }
}

/// An OCI image layout directory.
#[derive(Debug, Clone)]
pub struct OciLayout {
    root: PathBuf,
}

impl OciLayout {
    /// Opens an existing layout: `oci-layout` must exist with version 1.0.0, and `index.json` too.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let marker = root.join("oci-layout");
        let bytes = read_bounded(&marker, 4096)
            .map_err(|e| e.context(format!("{} is not an OCI image layout", root.display())))?;
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
        let layout = OciLayout { root };
        layout.read_index_json()?;
        Ok(layout)
    }

    /// Opens the layout at `root`, creating an empty one if the directory has none.
    pub fn open_or_create(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        if root.join("oci-layout").exists() {
            return Self::open(root);
        }
        fs::create_dir_all(root.join("blobs").join("sha256")).map_err(|e| io_error(&root, e))?;
        let layout = OciLayout { root };
        write_atomically(&layout.root.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        let empty = json!({ "schemaVersion": 2, "mediaType": media_types::OCI_INDEX, "manifests": [] });
        layout.write_index_json(&empty)?;
        Ok(layout)
    }

    /// The layout directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The entries of `index.json`.
    pub fn entries(&self) -> Result<Vec<IndexEntry>> {
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
        let entries = self.entries()?;
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
    fn without_referrers<'a>(&self, candidates: Vec<&'a IndexEntry>) -> Result<Vec<&'a IndexEntry>> {
        if candidates.len() < 2 {
            return Ok(candidates);
        }
        let mut images = Vec::new();
        for entry in candidates {
            if self.read_manifest(&entry.digest)?.subject().is_none() {
                images.push(entry);
            }
        }
        Ok(images)
    }

    /// Reads the blob `digest`, refusing more than `size_max` bytes and checking the digest.
    pub fn read_blob(&self, digest: &Digest, size_max: u64) -> Result<Vec<u8>> {
        let bytes = read_bounded(&self.blob_path(digest), size_max)?;
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

    /// Writes `bytes` as a blob (if not already present) and returns its digest.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256(bytes);
        let path = self.blob_path(&digest);
        if !path.exists() {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
            }
            write_atomically(&path, bytes)?;
        }
        Ok(digest)
    }

    /// Adds `entry` to `index.json`, first removing every entry `replaces` matches.
    pub fn put_entry(&self, entry: &IndexEntry, replaces: impl Fn(&IndexEntry) -> bool) -> Result<()> {
        let mut index = self.read_index_json()?;
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
        self.write_index_json(&index)
    }

    fn index_path(&self) -> PathBuf {
        self.root.join("index.json")
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root
            .join("blobs")
            .join(digest.algorithm().name())
            .join(digest.hex())
    }

    fn read_index_json(&self) -> Result<Value> {
        let bytes = read_bounded(&self.index_path(), INDEX_JSON_SIZE_MAX)?;
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

    fn write_index_json(&self, index: &Value) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(index).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
        write_atomically(&self.index_path(), &bytes)
    }
}

fn describe(selector: &LayoutSelector) -> String {
    match selector {
        LayoutSelector::Default => "to use by default (the layout holds no single image)".into(),
        LayoutSelector::Tag(t) => format!("tagged {t:?}"),
        LayoutSelector::Digest(d) => format!("with digest {d}"),
    }
}

fn parse_entry(value: &Value) -> Result<IndexEntry> {
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

/// Writes through a temporary file in the same directory, then renames, so readers never see half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        let d = layout.write_blob(b"hello").unwrap();
        assert_eq!(layout.read_blob(&d, 100).unwrap(), b"hello");
        assert_eq!(layout.read_blob(&d, 4).unwrap_err().code(), ErrorCode::LimitExceeded);
        let entry = IndexEntry {
            media_type: "x/y".into(),
            digest: d.clone(),
            size: 5,
            annotations: BTreeMap::from([(REF_NAME_ANNOTATION.into(), "v1".into())]),
        };
        layout.put_entry(&entry, |_| false).unwrap();
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
        let d = layout.write_blob(b"hello").unwrap();
        fs::write(layout.blob_path(&d), b"jello").unwrap();
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
}
