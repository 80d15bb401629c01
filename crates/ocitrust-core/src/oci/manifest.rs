//! A manifest or index: raw bytes, their digest, and the parsed structure.

use oci_spec::image::{ImageIndex, ImageManifest};

use super::media_types as mt;
use crate::digest::{Algorithm, Digest};
use crate::error::{Error, ErrorCode, Result};

/// Largest manifest or index accepted (the distribution spec's recommended limit).
pub const MANIFEST_SIZE_MAX: usize = 4 * 1024 * 1024;

/// The parsed body of a [`Manifest`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ManifestKind {
    /// An image (or artifact) manifest, OCI or Docker schema 2.
    Image(Box<ImageManifest>),
    /// An image index or Docker manifest list.
    Index(Box<ImageIndex>),
}

/// A manifest kept together with the exact bytes it was parsed from and their digest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    bytes: Vec<u8>,
    digest: Digest,
    media_type: String,
    kind: ManifestKind,
}

impl Manifest {
    /// Hashes `bytes`, checks them against `expected` (when the caller asked for a digest), and only
    /// then parses them. Without `expected` the digest is computed with SHA-256.
    pub fn from_bytes(bytes: Vec<u8>, expected: Option<&Digest>) -> Result<Self> {
        if bytes.len() > MANIFEST_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("manifest is {} bytes, limit is {MANIFEST_SIZE_MAX}", bytes.len()),
            ));
        }
        let digest = match expected {
            Some(expected) => {
                expected.verify(&bytes)?;
                expected.clone()
            }
            None => Digest::compute(Algorithm::Sha256, &bytes),
        };
        let (media_type, kind) = parse(&bytes).map_err(|e| e.context(format!("manifest {digest}")))?;
        Ok(Manifest {
            bytes,
            digest,
            media_type,
            kind,
        })
    }

    /// The raw bytes, exactly as received.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The digest of [`Manifest::bytes`].
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The media type (declared, or inferred from the shape for manifests without one).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The parsed body.
    pub fn kind(&self) -> &ManifestKind {
        &self.kind
    }

    /// The digest in the manifest's `subject` field: what this manifest refers to, when it is an
    /// OCI 1.1 referrer (a signature, SBOM, …). `None` for indexes and manifests without one.
    pub fn subject(&self) -> Option<&str> {
        match &self.kind {
            ManifestKind::Image(m) => m.subject().as_ref().map(|d| d.digest().as_ref()),
            ManifestKind::Index(i) => i.subject().as_ref().map(|d| d.digest().as_ref()),
        }
    }

    /// The artifact type the referrers API would list for this manifest: its `artifactType`, else
    /// (for an image manifest) its config's media type.
    pub fn artifact_type(&self) -> Option<String> {
        match &self.kind {
            ManifestKind::Image(m) => Some(
                m.artifact_type()
                    .as_ref()
                    .map_or_else(|| m.config().media_type().to_string(), ToString::to_string),
            ),
            ManifestKind::Index(i) => i.artifact_type().as_ref().map(ToString::to_string),
        }
    }

    /// The image manifest, or an error naming what this is instead.
    pub fn as_image(&self) -> Result<&ImageManifest> {
        match &self.kind {
            ManifestKind::Image(m) => Ok(m),
            ManifestKind::Index(_) => Err(Error::new(
                ErrorCode::InvalidManifest,
                format!(
                    "{} is an index ({}), expected an image manifest",
                    self.digest, self.media_type
                ),
            )),
        }
    }
}

#[derive(serde::Deserialize)]
struct Shape {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<u64>,
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    manifests: Option<serde::de::IgnoredAny>,
    layers: Option<serde::de::IgnoredAny>,
}

fn parse(bytes: &[u8]) -> Result<(String, ManifestKind)> {
    let invalid = |why: String| Error::new(ErrorCode::InvalidManifest, why);
    let shape: Shape = serde_json::from_slice(bytes).map_err(|e| invalid(format!("not a JSON manifest: {e}")))?;
    if let Some(mt) = &shape.media_type {
        if mt::DOCKER_SCHEMA1.contains(&mt.as_str()) {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("docker schema 1 manifests ({mt}) are not supported"),
            ));
        }
    }
    if shape.schema_version != Some(2) {
        return Err(invalid(format!(
            "schemaVersion is {:?}, expected 2",
            shape.schema_version
        )));
    }
    let is_index = match shape.media_type.as_deref() {
        Some(mt::OCI_INDEX | mt::DOCKER_MANIFEST_LIST) => true,
        Some(mt::OCI_MANIFEST | mt::DOCKER_MANIFEST) => false,
        Some(other) => return Err(invalid(format!("unsupported manifest media type {other:?}"))),
        None => match (shape.manifests.is_some(), shape.layers.is_some()) {
            (true, false) => true,
            (false, true) => false,
            _ => {
                return Err(invalid(
                    "manifest has no mediaType and is neither clearly an index nor an image".into(),
                ))
            }
        },
    };
    if is_index {
        let index: ImageIndex =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("malformed image index: {e}")))?;
        Ok((
            shape.media_type.unwrap_or_else(|| mt::OCI_INDEX.into()),
            ManifestKind::Index(Box::new(index)),
        ))
    } else {
        let manifest: ImageManifest =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("malformed image manifest: {e}")))?;
        Ok((
            shape.media_type.unwrap_or_else(|| mt::OCI_MANIFEST.into()),
            ManifestKind::Image(Box::new(manifest)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;

    #[test]
    fn parses_image_and_keeps_bytes() {
        let m = Manifest::from_bytes(IMAGE.as_bytes().to_vec(), None).unwrap();
        assert_eq!(m.bytes(), IMAGE.as_bytes());
        assert_eq!(m.digest(), &Digest::sha256(IMAGE.as_bytes()));
        assert!(m.as_image().is_ok());
    }

    #[test]
    fn digest_is_checked_before_parsing() {
        let wrong = Digest::sha256(b"other");
        let err = Manifest::from_bytes(b"not even json".to_vec(), Some(&wrong)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::DigestMismatch);
    }

    #[test]
    fn parses_index_without_media_type() {
        let index = r#"{"schemaVersion":2,"manifests":[]}"#;
        let m = Manifest::from_bytes(index.as_bytes().to_vec(), None).unwrap();
        assert!(matches!(m.kind(), ManifestKind::Index(_)));
        assert!(m.as_image().is_err());
    }

    #[test]
    fn rejects_bad_manifests() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"schemaVersion":1,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}"#,
            r#"{"schemaVersion":3,"layers":[]}"#,
            r#"{"schemaVersion":2,"mediaType":"text/plain","layers":[]}"#,
            r#"{"schemaVersion":2}"#,
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#,
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a/b","digest":"sha256:zz","size":1},"layers":[]}"#,
        ] {
            assert!(Manifest::from_bytes(bad.as_bytes().to_vec(), None).is_err(), "{bad}");
        }
        let huge = vec![b' '; MANIFEST_SIZE_MAX + 1];
        assert_eq!(
            Manifest::from_bytes(huge, None).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
    }
}
