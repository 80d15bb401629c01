//! Making notation signatures: a JWS or COSE envelope over a target artifact's descriptor, signed
//! with a key whose certificate chain (leaf first) meets the Notary certificate requirements, and
//! the signature manifest that attaches it to the artifact as a referrer.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use coset::cbor::value::Value;
use coset::{iana, CoseSign1Builder, HeaderBuilder, Label, RegisteredLabel, TaggedCborSerializable};
use serde_json::json;

use super::chain::{validate_code_signing_chain, validate_timestamping_chain};
use super::envelope::{
    EnvelopeAlgorithm, ExtendedAttribute, TargetArtifact, COSE_MEDIA_TYPE, EXPIRY, JWS_MEDIA_TYPE,
    PAYLOAD_CONTENT_TYPE, SIGNING_SCHEME, SIGNING_TIME, VERIFICATION_PLUGIN, VERIFICATION_PLUGIN_MIN_VERSION,
};
use super::NOTATION_SIGNATURE_ARTIFACT_TYPE;
use crate::crypto::SigningKey;
use crate::digest::Digest;
use crate::error::{Error, ErrorCode, Result};
use crate::oci::media_types::{OCI_EMPTY, OCI_MANIFEST};
use crate::sigstore::{format_rfc3339, timestamp_request, timestamp_token, unix_seconds, verify_timestamp_under_roots};
use crate::x509::Certificate;

/// The annotation of a signature manifest that lists the SHA-256 thumbprints of its chain.
pub const THUMBPRINT_ANNOTATION: &str = "io.cncf.notary.x509chain.thumbprint#S256";
const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";

/// The envelope format of a notation signature (`notation sign --signature-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeFormat {
    /// JWS (`application/jose+json`).
    Jws,
    /// COSE_Sign1 (`application/cose`).
    Cose,
}

impl EnvelopeFormat {
    /// The envelope's media type.
    pub fn media_type(self) -> &'static str {
        match self {
            EnvelopeFormat::Jws => JWS_MEDIA_TYPE,
            EnvelopeFormat::Cose => COSE_MEDIA_TYPE,
        }
    }
}

/// How a signature manifest says it is a notation signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureManifestForm {
    /// The config's media type is notation's (what notation 1.x writes; every release reads it,
    /// in registries and in OCI layouts).
    #[default]
    ConfigMediaType,
    /// The OCI 1.1 `artifactType`, with the empty config (notation 1.3 does not find these in OCI
    /// layouts).
    ArtifactType,
}

/// What to sign, with what, and when.
#[derive(Debug)]
pub struct NotationSignRequest<'a> {
    /// The artifact's descriptor, with the user metadata to sign (`-m key=value`).
    pub target: &'a TargetArtifact,
    /// The signing key: the leaf certificate's.
    pub key: &'a SigningKey,
    /// The certificate chain, leaf first.
    pub certificate_chain: &'a [Certificate],
    /// The signing time (whole seconds are kept).
    pub signing_time: SystemTime,
    /// How long the signature stays valid, if not forever (`--expiry`).
    pub expiry: Option<Duration>,
    /// Recorded in the unprotected header.
    pub signing_agent: &'a str,
    /// JWS or COSE.
    pub format: EnvelopeFormat,
    /// When set, the signature is timestamped (`--timestamp-url`, `--timestamp-root-cert`).
    pub timestamping: Option<Timestamping<'a>>,
    /// Further signed attributes, each critical or not (what signing plugins add, such as the
    /// verification plugin a signature requires: [`verification_plugin_attributes`]).
    pub extended_attributes: &'a [ExtendedAttribute],
}

/// The signed attributes that make a signature require the verification plugin `name` (at least
/// `min_version`), as signing plugins add them.
pub fn verification_plugin_attributes(name: &str, min_version: Option<&str>) -> Vec<ExtendedAttribute> {
    let mut attributes = vec![ExtendedAttribute {
        key: VERIFICATION_PLUGIN.to_owned(),
        critical: true,
        value: json!(name),
    }];
    if let Some(version) = min_version {
        attributes.push(ExtendedAttribute {
            key: VERIFICATION_PLUGIN_MIN_VERSION.to_owned(),
            critical: true,
            value: json!(version),
        });
    }
    attributes
}

/// How to timestamp a signature: send a DER `TimeStampReq` and get the `TimeStampResp` back
/// (`exchange`, the caller's I/O), and the roots the authority's certificate must chain to.
pub struct Timestamping<'a> {
    /// Sends a request to the timestamp authority; returns its response.
    pub exchange: &'a dyn Fn(&[u8]) -> Result<Vec<u8>>,
    /// The authority's trusted roots.
    pub roots: &'a [Certificate],
}

impl std::fmt::Debug for Timestamping<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timestamping")
            .field("roots", &self.roots.len())
            .finish()
    }
}

/// A signed envelope.
#[derive(Debug, Clone)]
pub struct SignedEnvelope {
    /// The envelope bytes.
    pub bytes: Vec<u8>,
    /// Its media type.
    pub media_type: &'static str,
    /// The raw signature (what a timestamp authority stamps).
    pub signature: Vec<u8>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}

/// Signs `request`'s target as notation does (signing scheme `notary.x509`). The key must be the
/// leaf certificate's, and the chain must meet the certificate requirements at the signing time.
pub fn sign_notation_envelope(request: &NotationSignRequest<'_>) -> Result<SignedEnvelope> {
    let leaf = request
        .certificate_chain
        .first()
        .ok_or_else(|| invalid("a notation signature needs the signing certificate chain".into()))?;
    if leaf.public_key() != request.key.public_key() {
        return Err(invalid(
            "the signing key is not the key of the chain's first (signing) certificate".into(),
        ));
    }
    let signing_seconds = unix_seconds(request.signing_time);
    let signing_time = SystemTime::UNIX_EPOCH + Duration::from_secs(signing_seconds);
    validate_code_signing_chain(request.certificate_chain, signing_time).map_err(|e| {
        Error::new(
            ErrorCode::InvalidCertificate,
            format!("certificate-chain is invalid, {e}"),
        )
    })?;
    let algorithm = EnvelopeAlgorithm::for_key(leaf.public_key())?;
    let expiry_seconds = match request.expiry {
        Some(d) if d.as_secs() == 0 => return Err(invalid("the expiry must be at least one second".into())),
        Some(d) => Some(signing_seconds.saturating_add(d.as_secs())),
        None => None,
    };
    let payload = payload(request.target)?;
    let sign = |message: &[u8]| request.key.sign_jose(algorithm.signature_algorithm(), message);
    let stamp = |signature: &[u8]| -> Result<Option<Vec<u8>>> {
        match &request.timestamping {
            Some(timestamping) => timestamp(timestamping, algorithm, signature).map(Some),
            None => Ok(None),
        }
    };
    match request.format {
        EnvelopeFormat::Jws => sign_jws(
            request,
            algorithm,
            &payload,
            signing_seconds,
            expiry_seconds,
            sign,
            stamp,
        ),
        EnvelopeFormat::Cose => sign_cose(
            request,
            algorithm,
            payload,
            signing_seconds,
            expiry_seconds,
            sign,
            stamp,
        ),
    }
}

/// A timestamp token over `signature`, checked as notation checks one before embedding it: the
/// authority's chain to `roots` meets the timestamping certificate requirements.
fn timestamp(timestamping: &Timestamping<'_>, algorithm: EnvelopeAlgorithm, signature: &[u8]) -> Result<Vec<u8>> {
    let response = (timestamping.exchange)(&timestamp_request(algorithm.hash(), signature)?)?;
    let token = timestamp_token(&response)?;
    let stamped = verify_timestamp_under_roots(&token, signature, timestamping.roots)
        .map_err(|e| e.context("the timestamp authority's response"))?;
    validate_timestamping_chain(&stamped.chain).map_err(|e| {
        Error::new(
            ErrorCode::InvalidCertificate,
            format!("the timestamp authority's certificate chain is invalid: {e}"),
        )
    })?;
    Ok(token)
}

/// `{"targetArtifact": descriptor}`, with the user metadata as its annotations.
fn payload(target: &TargetArtifact) -> Result<Vec<u8>> {
    let mut descriptor = json!({
        "mediaType": target.media_type,
        "digest": target.digest,
        "size": target.size,
    });
    if !target.annotations.is_empty() {
        descriptor["annotations"] = json!(target.annotations);
    }
    serde_json::to_vec(&json!({ "targetArtifact": descriptor }))
        .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding the payload: {e}")))
}

fn sign_jws(
    request: &NotationSignRequest<'_>,
    algorithm: EnvelopeAlgorithm,
    payload: &[u8],
    signing_seconds: u64,
    expiry_seconds: Option<u64>,
    sign: impl Fn(&[u8]) -> Result<Vec<u8>>,
    stamp: impl Fn(&[u8]) -> Result<Option<Vec<u8>>>,
) -> Result<SignedEnvelope> {
    let mut critical = vec![SIGNING_SCHEME];
    let mut header = json!({
        "alg": algorithm.jose_name(),
        "cty": PAYLOAD_CONTENT_TYPE,
        SIGNING_SCHEME: "notary.x509",
        SIGNING_TIME: format_rfc3339(signing_seconds),
    });
    if let Some(expiry) = expiry_seconds {
        header[EXPIRY] = json!(format_rfc3339(expiry));
        critical.push(EXPIRY);
    }
    for attribute in request.extended_attributes {
        if header.get(&attribute.key).is_some() {
            return Err(invalid(format!(
                "{:?} already exists in the protected header",
                attribute.key
            )));
        }
        header[&attribute.key] = attribute.value.clone();
        if attribute.critical {
            critical.push(&attribute.key);
        }
    }
    header["crit"] = json!(critical);
    let protected = URL_SAFE_NO_PAD.encode(header.to_string());
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let signature = sign(format!("{protected}.{payload}").as_bytes())?;
    let chain: Vec<String> = request
        .certificate_chain
        .iter()
        .map(|c| STANDARD.encode(c.der()))
        .collect();
    let mut envelope = json!({
        "payload": payload,
        "protected": protected,
        "header": {
            "x5c": chain,
            "io.cncf.notary.signingAgent": request.signing_agent,
        },
        "signature": URL_SAFE_NO_PAD.encode(&signature),
    });
    if let Some(token) = stamp(&signature)? {
        envelope["header"]["io.cncf.notary.timestampSignature"] = json!(STANDARD.encode(token));
    }
    Ok(SignedEnvelope {
        bytes: envelope.to_string().into_bytes(),
        media_type: JWS_MEDIA_TYPE,
        signature,
    })
}

fn sign_cose(
    request: &NotationSignRequest<'_>,
    algorithm: EnvelopeAlgorithm,
    payload: Vec<u8>,
    signing_seconds: u64,
    expiry_seconds: Option<u64>,
    sign: impl Fn(&[u8]) -> Result<Vec<u8>>,
    stamp: impl Fn(&[u8]) -> Result<Option<Vec<u8>>>,
) -> Result<SignedEnvelope> {
    let epoch = |seconds: u64| Value::Tag(1, Box::new(Value::Integer(seconds.into())));
    let alg = match algorithm {
        EnvelopeAlgorithm::Ps256 => iana::Algorithm::PS256,
        EnvelopeAlgorithm::Ps384 => iana::Algorithm::PS384,
        EnvelopeAlgorithm::Ps512 => iana::Algorithm::PS512,
        EnvelopeAlgorithm::Es256 => iana::Algorithm::ES256,
        EnvelopeAlgorithm::Es384 => iana::Algorithm::ES384,
        EnvelopeAlgorithm::Es512 => iana::Algorithm::ES512,
    };
    let mut protected = HeaderBuilder::new()
        .algorithm(alg)
        .content_type(PAYLOAD_CONTENT_TYPE.to_owned())
        .text_value(SIGNING_SCHEME.to_owned(), Value::Text("notary.x509".to_owned()))
        .text_value(SIGNING_TIME.to_owned(), epoch(signing_seconds));
    let mut critical = vec![SIGNING_SCHEME];
    if let Some(expiry) = expiry_seconds {
        protected = protected.text_value(EXPIRY.to_owned(), epoch(expiry));
        critical.push(EXPIRY);
    }
    for attribute in request.extended_attributes {
        if [SIGNING_SCHEME, SIGNING_TIME, EXPIRY].contains(&attribute.key.as_str()) {
            return Err(invalid(format!(
                "{:?} already exists in the protected header",
                attribute.key
            )));
        }
        protected = protected.text_value(attribute.key.clone(), cbor_of(&attribute.value)?);
        if attribute.critical {
            critical.push(&attribute.key);
        }
    }
    let mut protected = protected.build();
    protected.crit = critical
        .into_iter()
        .map(|label| RegisteredLabel::Text(label.to_owned()))
        .collect();
    let chain = Value::Array(
        request
            .certificate_chain
            .iter()
            .map(|c| Value::Bytes(c.der().to_vec()))
            .collect(),
    );
    let mut unprotected = HeaderBuilder::new()
        .text_value(
            "io.cncf.notary.signingAgent".to_owned(),
            Value::Text(request.signing_agent.to_owned()),
        )
        .build();
    unprotected.rest.push((Label::Int(33), chain));
    let mut sign1 = CoseSign1Builder::new()
        .protected(protected)
        .unprotected(unprotected)
        .payload(payload)
        .try_create_signature(b"", |to_be_signed| sign(to_be_signed))?
        .build();
    let signature = sign1.signature.clone();
    if let Some(token) = stamp(&signature)? {
        sign1.unprotected.rest.push((
            Label::Text("io.cncf.notary.timestampSignature".to_owned()),
            Value::Bytes(token),
        ));
    }
    let bytes = sign1
        .to_tagged_vec()
        .map_err(|e| Error::new(ErrorCode::Internal, format!("encoding the COSE envelope: {e}")))?;
    Ok(SignedEnvelope {
        bytes,
        media_type: COSE_MEDIA_TYPE,
        signature,
    })
}

/// A JSON attribute value as CBOR (strings, numbers, booleans, arrays, objects).
fn cbor_of(value: &serde_json::Value) -> Result<Value> {
    use serde_json::Value as J;
    Ok(match value {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::String(s) => Value::Text(s.clone()),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Integer(i.into()),
            (None, Some(f)) => Value::Float(f),
            _ => return Err(invalid(format!("{n} cannot be a COSE attribute"))),
        },
        J::Array(items) => Value::Array(items.iter().map(cbor_of).collect::<Result<_>>()?),
        J::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| Ok((Value::Text(k.clone()), cbor_of(v)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

/// The blobs and manifest that attach a signed envelope to its subject.
#[derive(Debug, Clone)]
pub struct SignatureManifest {
    /// The config blob (`{}`).
    pub config: Vec<u8>,
    /// The envelope blob.
    pub envelope: Vec<u8>,
    /// The manifest.
    pub manifest: Vec<u8>,
    /// Its annotations (also put on a layout's index entry, as notation does).
    pub annotations: BTreeMap<String, String>,
}

/// The signature manifest of `envelope` for the subject `target` (media type, digest, size), in
/// `form`, created at `created`.
pub fn notation_signature_manifest(
    target: &TargetArtifact,
    envelope: &SignedEnvelope,
    certificate_chain: &[Certificate],
    form: SignatureManifestForm,
    created: SystemTime,
) -> Result<SignatureManifest> {
    let config = b"{}".to_vec();
    let thumbprints: Vec<String> = certificate_chain
        .iter()
        .map(|c| Digest::sha256(c.der()).hex().to_owned())
        .collect();
    let annotations = BTreeMap::from([
        (
            THUMBPRINT_ANNOTATION.to_owned(),
            serde_json::to_string(&thumbprints).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?,
        ),
        (CREATED_ANNOTATION.to_owned(), format_rfc3339(unix_seconds(created))),
    ]);
    let config_media_type = match form {
        SignatureManifestForm::ConfigMediaType => NOTATION_SIGNATURE_ARTIFACT_TYPE,
        SignatureManifestForm::ArtifactType => OCI_EMPTY,
    };
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": config_media_type,
            "digest": Digest::sha256(&config).as_str(),
            "size": config.len(),
        },
        "layers": [{
            "mediaType": envelope.media_type,
            "digest": Digest::sha256(&envelope.bytes).as_str(),
            "size": envelope.bytes.len(),
        }],
        "subject": {
            "mediaType": target.media_type,
            "digest": target.digest,
            "size": target.size,
        },
        "annotations": annotations,
    });
    if form == SignatureManifestForm::ArtifactType {
        manifest["artifactType"] = json!(NOTATION_SIGNATURE_ARTIFACT_TYPE);
    }
    Ok(SignatureManifest {
        config,
        envelope: envelope.bytes.clone(),
        manifest: serde_json::to_vec(&manifest).map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?,
        annotations,
    })
}
