//! cosign signature manifests: one simple-signing layer per signature, the signature in the
//! `dev.cosignproject.cosign/signature` annotation; found at tag `sha256-<hex>.sig`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};

use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::go_json::to_go_json;
use crate::oci::{media_types, Manifest};

/// Layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Layer annotation holding a Rekor bundle (transparency-log proof).
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// Layer annotation holding a Fulcio certificate (keyless signatures).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Annotation holding the PEM chain of the certificate's issuers.
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Annotation holding an RFC 3161 timestamp over the signature (`{"SignedRFC3161Timestamp": …}`).
pub const RFC3161_TIMESTAMP_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";
/// Most signature layers read from one signature manifest.
pub const SIGNATURE_LAYERS_MAX: usize = 256;

/// The tag a digest stands for where tags name digests: `sha256-<hex>`. It is the OCI referrers
/// tag schema, and with a suffix (`.sig`, `.att`, `.sbom`) cosign's tag scheme.
pub fn tag_schema_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm().name(), subject.hex())
}

/// What cosign attaches to an image under its tag scheme: manifests of the same shape (one layer
/// per signature, the evidence in annotations) under different tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// Signatures (`cosign sign`): simple-signing payload layers, at `sha256-<hex>.sig`.
    Signatures,
    /// Attestations (`cosign attest`): DSSE envelope layers, at `sha256-<hex>.att`.
    Attestations,
}

impl Attachment {
    /// The tag cosign stores these attachments of `subject` under: `sha256-<hex>.sig` or `.att`.
    pub fn tag(self, subject: &Digest) -> String {
        let suffix = match self {
            Attachment::Signatures => "sig",
            Attachment::Attestations => "att",
        };
        format!("{}.{suffix}", tag_schema_tag(subject))
    }

    /// The largest layer blob read: a simple-signing payload, or an attestation's DSSE envelope.
    pub const fn layer_size_max(self) -> u64 {
        match self {
            Attachment::Signatures => super::PAYLOAD_SIZE_MAX as u64,
            Attachment::Attestations => super::ATTESTATION_SIZE_MAX as u64,
        }
    }

    /// The `kind` annotation of their entry in a `cosign save` layout.
    pub const fn cosign_save_kind(self) -> &'static str {
        match self {
            Attachment::Signatures => "dev.cosignproject.cosign/sigs",
            Attachment::Attestations => "dev.cosignproject.cosign/atts",
        }
    }
}

/// One layer of a signature manifest, as declared (nothing in it is trusted yet).
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureLayer {
    /// Position in the manifest.
    pub index: usize,
    /// Declared media type.
    pub media_type: String,
    /// Declared digest of the payload blob.
    pub digest: Digest,
    /// Declared size of the payload blob.
    pub size: u64,
    /// The base64 signature annotation, if present.
    pub signature_base64: Option<String>,
    /// The Rekor bundle annotation (JSON: the SET and the entry), if present.
    pub tlog_bundle: Option<String>,
    /// The certificate annotation (PEM), present on keyless signatures.
    pub certificate: Option<String>,
    /// The chain annotation (PEM: the issuing CAs).
    pub chain: Option<String>,
    /// The RFC 3161 timestamp annotation (JSON), if present.
    pub rfc3161_timestamp: Option<String>,
}

impl SignatureLayer {
    /// The decoded signature bytes.
    pub fn signature(&self) -> Result<Vec<u8>> {
        let text = self.signature_base64.as_deref().ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidSignatureEncoding,
                format!("layer {} has no {SIGNATURE_ANNOTATION} annotation", self.index),
            )
        })?;
        BASE64.decode(text.trim()).map_err(|e| {
            Error::new(
                ErrorCode::InvalidSignatureEncoding,
                format!("layer {} signature is not base64: {e}", self.index),
            )
        })
    }
}

/// Reads the layers of a signature manifest (bounded in count).
pub fn signature_layers(manifest: &Manifest) -> Result<Vec<SignatureLayer>> {
    let image = manifest.as_image()?;
    if image.layers().len() > SIGNATURE_LAYERS_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!(
                "signature manifest has {} layers, limit is {SIGNATURE_LAYERS_MAX}",
                image.layers().len()
            ),
        ));
    }
    image
        .layers()
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            let annotations = layer.annotations().as_ref();
            let get = |k: &str| annotations.and_then(|a| a.get(k)).cloned();
            Ok(SignatureLayer {
                index,
                media_type: layer.media_type().to_string(),
                digest: Digest::parse(layer.digest().as_ref())?,
                size: layer.size(),
                signature_base64: get(SIGNATURE_ANNOTATION),
                tlog_bundle: get(BUNDLE_ANNOTATION),
                certificate: get(CERTIFICATE_ANNOTATION),
                chain: get(CHAIN_ANNOTATION),
                rfc3161_timestamp: get(RFC3161_TIMESTAMP_ANNOTATION),
            })
        })
        .collect()
}

/// A signature manifest ready to store: the manifest bytes and the blobs it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignatureManifest {
    /// The manifest JSON.
    pub manifest: Vec<u8>,
    /// The config blob JSON.
    pub config: Vec<u8>,
    /// The new payload blob.
    pub payload: Vec<u8>,
}

/// A layer to add to a tag-scheme manifest: its blob, media type and annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLayer<'a> {
    /// The layer's media type.
    pub media_type: &'a str,
    /// The layer's blob (a simple-signing payload, a DSSE envelope).
    pub blob: &'a [u8],
    /// The layer's annotations (the evidence).
    pub annotations: BTreeMap<String, String>,
}

/// Appends a signature layer (`payload` signed as `signature`) to `existing` (or to an empty
/// signature manifest), as `cosign sign` does.
pub fn append_signature(existing: Option<&Manifest>, payload: &[u8], signature: &[u8]) -> Result<NewSignatureManifest> {
    let layer = NewLayer {
        media_type: media_types::COSIGN_SIMPLE_SIGNING,
        blob: payload,
        annotations: BTreeMap::from([(SIGNATURE_ANNOTATION.to_owned(), BASE64.encode(signature))]),
    };
    append_layer(existing, layer, |_| false)
}

/// Appends `layer` to `existing` (or to an empty manifest), as cosign does, after removing the
/// existing layers `replaced` says to drop (`cosign attest --replace`). An identical layer already
/// present is not added twice; the layers kept are kept verbatim.
pub fn append_layer(
    existing: Option<&Manifest>,
    layer: NewLayer<'_>,
    replaced: impl Fn(&Value) -> bool,
) -> Result<NewSignatureManifest> {
    let blob_digest = Digest::sha256(layer.blob);
    let mut layers: Vec<Value> = match existing {
        Some(m) => {
            m.as_image()?;
            let value: Value = serde_json::from_slice(m.bytes())
                .map_err(|e| Error::new(ErrorCode::InvalidManifest, format!("signature manifest: {e}")))?;
            value
                .get("layers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    layers.retain(|l| !replaced(l));
    let annotations = json!(layer.annotations);
    let duplicate = layers.iter().any(|l| {
        l.get("digest").and_then(Value::as_str) == Some(blob_digest.as_str())
            && l.get("annotations") == Some(&annotations)
    });
    if !duplicate {
        layers.push(json!({
            "mediaType": layer.media_type,
            "size": layer.blob.len(),
            "digest": blob_digest.as_str(),
            "annotations": annotations,
        }));
    }
    if layers.len() > SIGNATURE_LAYERS_MAX {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("signature manifest would exceed {SIGNATURE_LAYERS_MAX} layers"),
        ));
    }
    let diff_ids: Vec<&str> = layers
        .iter()
        .filter_map(|l| l.get("digest").and_then(Value::as_str))
        .collect();
    let config = to_go_json(&ConfigJson::for_layers(&diff_ids))?.into_bytes();
    let manifest = to_go_json(&ManifestJson {
        schema_version: 2,
        media_type: media_types::OCI_MANIFEST,
        config: DescriptorJson {
            media_type: media_types::OCI_CONFIG,
            size: config.len(),
            digest: Digest::sha256(&config).to_string(),
        },
        layers,
    })?
    .into_bytes();
    Ok(NewSignatureManifest {
        manifest,
        config,
        payload: layer.blob.to_vec(),
    })
}

#[derive(serde::Serialize)]
struct ManifestJson {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'static str,
    config: DescriptorJson,
    layers: Vec<Value>,
}

#[derive(serde::Serialize)]
struct DescriptorJson {
    #[serde(rename = "mediaType")]
    media_type: &'static str,
    size: usize,
    digest: String,
}

/// The config go-containerregistry writes for an empty image with appended layers.
#[derive(serde::Serialize)]
struct ConfigJson {
    architecture: &'static str,
    created: &'static str,
    history: Vec<BTreeMap<&'static str, &'static str>>,
    os: &'static str,
    rootfs: RootFsJson,
    config: serde_json::Map<String, Value>,
}

#[derive(serde::Serialize)]
struct RootFsJson {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<String>,
}

impl ConfigJson {
    fn for_layers(diff_ids: &[&str]) -> Self {
        const EPOCH: &str = "0001-01-01T00:00:00Z";
        ConfigJson {
            architecture: "",
            created: EPOCH,
            history: diff_ids.iter().map(|_| BTreeMap::from([("created", EPOCH)])).collect(),
            os: "",
            rootfs: RootFsJson {
                kind: "layers",
                diff_ids: diff_ids.iter().map(|d| (*d).to_owned()).collect(),
            },
            config: serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signature manifest and config written by cosign v2.4.3 (`cosign sign --tlog-upload=false`).
    const COSIGN_MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"sha256:830e2cdc499e3146656713dbde7dc93683a8bd4185c1153e8a31ee835af68d18"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":245,"digest":"sha256:8b2d54ff82836cb18d583c51e91e8cf697cfd7bf46cf6be230a2c30c943133d2","annotations":{"dev.cosignproject.cosign/signature":"MEQCIB7Pafxy/gUeiU29c6RZ1/5gus7ueX/0kLAnoh0y/HftAiB+5FNV1V/teSRyUx6pcxzotVvMP27dqgza3lkYWpeGxA=="}}]}"#;
    const COSIGN_CONFIG: &str = r#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["sha256:8b2d54ff82836cb18d583c51e91e8cf697cfd7bf46cf6be230a2c30c943133d2"]},"config":{}}"#;

    #[test]
    fn config_matches_what_cosign_writes() {
        let config = to_go_json(&ConfigJson::for_layers(&[
            "sha256:8b2d54ff82836cb18d583c51e91e8cf697cfd7bf46cf6be230a2c30c943133d2",
        ]))
        .unwrap();
        assert_eq!(config, COSIGN_CONFIG);
    }

    #[test]
    fn reads_cosign_layers() {
        let m = Manifest::from_bytes(COSIGN_MANIFEST.as_bytes().to_vec(), None).unwrap();
        let layers = signature_layers(&m).unwrap();
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].size, 245);
        assert_eq!(layers[0].signature().unwrap().len(), 70);
        assert!(layers[0].tlog_bundle.is_none());
    }

    #[test]
    fn appending_keeps_existing_layers_and_skips_duplicates() {
        let m = Manifest::from_bytes(COSIGN_MANIFEST.as_bytes().to_vec(), None).unwrap();
        let new = append_signature(Some(&m), b"payload", b"sig").unwrap();
        let parsed = Manifest::from_bytes(new.manifest.clone(), None).unwrap();
        let layers = signature_layers(&parsed).unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0], signature_layers(&m).unwrap()[0]);
        assert_eq!(layers[1].digest, Digest::sha256(b"payload"));
        assert_eq!(
            parsed.as_image().unwrap().config().digest().to_string(),
            Digest::sha256(&new.config).to_string()
        );
        let again = append_signature(Some(&parsed), b"payload", b"sig").unwrap();
        assert_eq!(again.manifest, new.manifest);
    }

    #[test]
    fn attachment_tags_name_the_digest() {
        let d = Digest::sha256(b"x");
        assert_eq!(Attachment::Signatures.tag(&d), format!("sha256-{}.sig", d.hex()));
        assert_eq!(Attachment::Attestations.tag(&d), format!("sha256-{}.att", d.hex()));
    }

    #[test]
    fn bad_signature_encodings_are_errors() {
        let layer = SignatureLayer {
            index: 0,
            media_type: String::new(),
            digest: Digest::sha256(b""),
            size: 0,
            signature_base64: Some("!!".into()),
            tlog_bundle: None,
            certificate: None,
            chain: None,
            rfc3161_timestamp: None,
        };
        assert_eq!(
            layer.signature().unwrap_err().code(),
            ErrorCode::InvalidSignatureEncoding
        );
        let none = SignatureLayer {
            signature_base64: None,
            ..layer
        };
        assert_eq!(
            none.signature().unwrap_err().code(),
            ErrorCode::InvalidSignatureEncoding
        );
    }
}
