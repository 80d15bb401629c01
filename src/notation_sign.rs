//! Signing an image as `notation sign` does: a JWS or COSE envelope over the image's descriptor,
//! stored as a referrer in its registry or OCI layout, with the key and certificate chain given or
//! named in notation's `signingkeys.json`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use ocitrust_core::crypto::SigningKey;
use ocitrust_core::notation::envelope::TargetArtifact;
use ocitrust_core::notation::{
    notation_signature_manifest, sign_notation_envelope, verification_plugin_attributes, EnvelopeFormat,
    NotationSignRequest, SignatureManifestForm, Timestamping,
};
use ocitrust_core::x509::{certificates_from_pem, Certificate};
use ocitrust_core::{Error, ErrorCode, Result};
use ocitrust_registry::file::read_bounded;
use ocitrust_registry::remote::{exchange_timestamp, RegistryOptions};
use ocitrust_registry::NotationConfigDir;

use crate::referrer_store::{store_referrer, NewReferrer};
use crate::sign::SignOutcome;

/// Largest key or certificate chain file read.
const KEY_FILE_SIZE_MAX: u64 = 1024 * 1024;

/// How to sign (`notation sign` flags).
#[derive(Debug, Clone)]
pub struct NotationSignOptions {
    /// JWS or COSE (`--signature-format`).
    pub format: EnvelopeFormat,
    /// How long the signature stays valid (`--expiry`); forever when `None`.
    pub expiry: Option<Duration>,
    /// User metadata signed with the descriptor (`-m key=value`).
    pub user_metadata: BTreeMap<String, String>,
    /// The signature manifest's form.
    pub manifest_form: SignatureManifestForm,
    /// How to reach the registry.
    pub registry: RegistryOptions,
    /// Timestamp the signature with this RFC 3161 authority (`--timestamp-url`), whose certificate
    /// must chain to one of `timestamp_roots` (`--timestamp-root-cert`).
    pub timestamp_url: Option<String>,
    /// The timestamp authority's trusted roots.
    pub timestamp_roots: Vec<Certificate>,
    /// The verification plugin the signature requires, and its minimum version (what a signing
    /// plugin adds for its verification plugin).
    pub verification_plugin: Option<(String, Option<String>)>,
}

impl Default for NotationSignOptions {
    fn default() -> Self {
        NotationSignOptions {
            format: EnvelopeFormat::Jws,
            expiry: None,
            user_metadata: BTreeMap::new(),
            manifest_form: SignatureManifestForm::default(),
            registry: RegistryOptions::default(),
            timestamp_url: None,
            timestamp_roots: Vec::new(),
            verification_plugin: None,
        }
    }
}

/// A signing key and its certificate chain (leaf first).
#[derive(Debug)]
pub struct NotationSigner {
    /// The private key.
    pub key: SigningKey,
    /// The certificate chain, leaf first.
    pub certificate_chain: Vec<Certificate>,
}

impl NotationSigner {
    /// Reads a PEM private key file and a PEM certificate chain file (leaf first).
    pub fn from_files(key_file: &Path, certificate_chain_file: &Path) -> Result<Self> {
        let key = SigningKey::from_pem(&read_bounded(key_file, KEY_FILE_SIZE_MAX)?)
            .map_err(|e| e.context(key_file.display()))?;
        let certificate_chain = certificates_from_pem(&read_bounded(certificate_chain_file, KEY_FILE_SIZE_MAX)?)
            .map_err(|e| e.context(certificate_chain_file.display()))?;
        Ok(NotationSigner { key, certificate_chain })
    }

    /// The key notation's `signingkeys.json` names `name` (or its default key).
    pub fn from_notation_config(config: &NotationConfigDir, name: Option<&str>) -> Result<Self> {
        let keys = config.signing_keys()?;
        let entry = keys.select(name)?;
        match (&entry.key_path, &entry.cert_path, &entry.plugin_name) {
            (Some(key), Some(chain), _) => Self::from_files(key, chain),
            (_, _, Some(plugin)) => Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "signing key {} is held by the plugin {plugin}; signing through plugins is not supported",
                    entry.name
                ),
            )),
            _ => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "signing key {} names neither a key file and certificate nor a plugin",
                    entry.name
                ),
            )),
        }
    }
}

/// Signs the image `reference` names (`registry/repo[:tag|@digest]` or `oci:PATH[:TAG|@DIGEST]`)
/// and stores the signature as its referrer.
pub fn notation_sign(reference: &str, signer: &NotationSigner, options: &NotationSignOptions) -> Result<SignOutcome> {
    if options.timestamp_url.is_some() && options.timestamp_roots.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "timestamping needs the timestamp authority's root certificate (--timestamp-root-cert)",
        ));
    }
    let exchange = options
        .timestamp_url
        .as_deref()
        .map(|url| move |request: &[u8]| exchange_timestamp(url, request));
    let exchange = exchange.as_ref().map(|f| f as &dyn Fn(&[u8]) -> Result<Vec<u8>>);
    let extended = match &options.verification_plugin {
        Some((name, minimum)) => verification_plugin_attributes(name, minimum.as_deref()),
        None => Vec::new(),
    };
    store_referrer(reference, &options.registry, None, |subject, _| {
        let target = TargetArtifact {
            media_type: subject.media_type().to_owned(),
            digest: subject.digest().as_str().to_owned(),
            size: i64::try_from(subject.bytes().len()).unwrap_or(i64::MAX),
            annotations: options.user_metadata.clone(),
        };
        let now = SystemTime::now();
        let envelope = sign_notation_envelope(&NotationSignRequest {
            target: &target,
            key: &signer.key,
            certificate_chain: &signer.certificate_chain,
            signing_time: now,
            expiry: options.expiry,
            signing_agent: concat!("ocitrust/", env!("CARGO_PKG_VERSION")),
            format: options.format,
            timestamping: exchange.as_ref().map(|exchange| Timestamping {
                exchange,
                roots: &options.timestamp_roots,
            }),
            extended_attributes: &extended,
        })?;
        let made = notation_signature_manifest(
            &target,
            &envelope,
            &signer.certificate_chain,
            options.manifest_form,
            now,
        )?;
        Ok(NewReferrer {
            blobs: vec![made.config, made.envelope],
            manifest: made.manifest,
            entry_annotations: made.annotations,
        })
    })
}
