//! A document made ready to evaluate: the files it names (given by the caller as bytes) parsed into
//! trust material and each authority built, fingerprinted by its key material. Two authorities
//! with the same key material are refused: a signature would count for both, and a threshold over
//! them would count one signer twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::document::{
    AuthorityKind, AuthoritySpec, Expected, FileRef, KeySource, NotationSpec, SigstoreRoot, TlogRule, TrustPolicy,
    TrustRootMaterial,
};
use super::tree::{Position, PositionedError};
use crate::authority::{Authority, KeylessIdentity};
use crate::crypto::PublicKey;
use crate::digest::Digest;
use crate::notation::{NotationTrust, TrustPolicyDocument, TrustStore, TrustStoreType};
use crate::sigstore::{CertificateIdentity, Matcher, TrustedRoot};

/// The files a document names, by the path as written.
pub type PolicyFiles = BTreeMap<String, Vec<u8>>;

/// A document with its trust material loaded.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// The document.
    pub document: TrustPolicy,
    /// Its authorities, in document order.
    pub authorities: Vec<CompiledAuthority>,
}

/// One authority, ready to verify with.
#[derive(Debug, Clone)]
pub struct CompiledAuthority {
    /// Its name in the document.
    pub name: String,
    /// What it trusts.
    pub authority: Authority,
    /// Whether the transparency log is not checked (insecure; recorded in decisions).
    pub ignore_tlog: bool,
    /// The Sigstore root whose logs prove a key's signatures (`None`: the embedded one).
    pub key_root: Option<Arc<TrustedRoot>>,
    /// A fingerprint of everything it trusts and requires: every byte of its trust material, its
    /// identities and its options.
    pub fingerprint: Digest,
    /// A fingerprint of its key material alone (keys, certificates, identities), which no two
    /// authorities may share.
    pub material: Digest,
}

impl CompiledPolicy {
    /// The authority named `name`.
    pub fn authority(&self, name: &str) -> Option<&CompiledAuthority> {
        self.authorities.iter().find(|a| a.name == name)
    }
}

enum Root {
    Sigstore(Arc<TrustedRoot>, Digest),
    X509(Vec<(TrustStoreType, String, Vec<u8>)>),
}

fn file<'a>(files: &'a PolicyFiles, reference: &FileRef) -> Result<&'a [u8], PositionedError> {
    files
        .get(&reference.path)
        .map(Vec::as_slice)
        .ok_or_else(|| PositionedError::new(reference.at, format!("the file {:?} was not read", reference.path)))
}

/// Loads `document`'s trust material from `files` (every path of [`TrustPolicy::files`]).
pub fn compile(document: TrustPolicy, files: &PolicyFiles) -> Result<CompiledPolicy, PositionedError> {
    let mut roots: BTreeMap<&str, Root> = BTreeMap::new();
    for spec in &document.trust_roots {
        let root = match &spec.material {
            TrustRootMaterial::Sigstore(SigstoreRoot::Embedded) => {
                let root = TrustedRoot::production_shared().map_err(|e| PositionedError::new(spec.at, e.message()))?;
                Root::Sigstore(root, Digest::sha256(b"embedded"))
            }
            TrustRootMaterial::Sigstore(SigstoreRoot::File(reference)) => {
                let bytes = file(files, reference)?;
                let root = TrustedRoot::from_json(bytes)
                    .map_err(|e| PositionedError::new(reference.at, format!("{}: {}", reference.path, e.message())))?;
                Root::Sigstore(Arc::new(root), Digest::sha256(bytes))
            }
            TrustRootMaterial::X509 {
                ca,
                tsa,
                signing_authority,
            } => {
                let mut certificates = Vec::new();
                for (kind, references) in [
                    (TrustStoreType::Ca, ca),
                    (TrustStoreType::Tsa, tsa),
                    (TrustStoreType::SigningAuthority, signing_authority),
                ] {
                    for reference in references {
                        let bytes = file(files, reference)?;
                        let mut probe = TrustStore::new();
                        probe.add_certificate_file(kind, &spec.name, &reference.path, bytes);
                        probe
                            .certificates(kind, &spec.name)
                            .map_err(|e| PositionedError::new(reference.at, e.message()))?;
                        certificates.push((kind, reference.path.clone(), bytes.to_vec()));
                    }
                }
                Root::X509(certificates)
            }
        };
        roots.insert(&spec.name, root);
    }
    let mut authorities: Vec<CompiledAuthority> = Vec::new();
    for spec in &document.authorities {
        let compiled = compile_authority(spec, &roots, files)?;
        if let Some(twin) = authorities.iter().find(|a| a.material == compiled.material) {
            return Err(PositionedError::new(
                spec.at,
                format!(
                    "authority {:?} has the same key material as {:?}: a signature would count for both",
                    spec.name, twin.name
                ),
            ));
        }
        authorities.push(compiled);
    }
    Ok(CompiledPolicy { document, authorities })
}

/// Hashes labelled parts, each length-prefixed so no two different lists hash alike.
fn fingerprint(parts: &[&[u8]]) -> Digest {
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
        bytes.extend_from_slice(part);
    }
    Digest::sha256(&bytes)
}

fn expected(value: &Expected, what: &str, at: Position) -> Result<Matcher, PositionedError> {
    match value {
        Expected::Exact(text) => Ok(Matcher::Exact(text.clone())),
        Expected::RegExp(pattern) => Matcher::regex(pattern, what).map_err(|e| PositionedError::new(at, e.message())),
    }
}

fn expected_text(value: &Expected) -> String {
    match value {
        Expected::Exact(text) => format!("exact:{text}"),
        Expected::RegExp(pattern) => format!("regexp:{pattern}"),
    }
}

fn sigstore_root<'a>(
    roots: &'a BTreeMap<&str, Root>,
    name: &str,
    at: Position,
) -> Result<(&'a Arc<TrustedRoot>, &'a Digest), PositionedError> {
    match roots.get(name) {
        Some(Root::Sigstore(root, digest)) => Ok((root, digest)),
        _ => Err(PositionedError::new(
            at,
            format!("trust root {name:?} is not a sigstore trust root"),
        )),
    }
}

fn compile_authority(
    spec: &AuthoritySpec,
    roots: &BTreeMap<&str, Root>,
    files: &PolicyFiles,
) -> Result<CompiledAuthority, PositionedError> {
    let tlog_name = |tlog: TlogRule| {
        if tlog == TlogRule::Ignore {
            "tlog:ignore"
        } else {
            "tlog:require"
        }
    };
    match &spec.kind {
        AuthorityKind::Cosign { key, tlog, trust_root } => {
            let (bytes, at) = match key {
                KeySource::File(reference) => (file(files, reference)?, reference.at),
                KeySource::Data(text, at) => (text.as_bytes(), *at),
            };
            let key = PublicKey::from_pem_or_der(bytes).map_err(|e| PositionedError::new(at, e.message()))?;
            let root = trust_root
                .as_ref()
                .map(|(name, at)| sigstore_root(roots, name, *at))
                .transpose()?;
            let root_digest = root.map_or_else(|| Digest::sha256(b"embedded"), |(_, digest)| digest.clone());
            let material = fingerprint(&[b"cosign", key.key_id().as_bytes()]);
            Ok(CompiledAuthority {
                name: spec.name.clone(),
                fingerprint: fingerprint(&[
                    material.to_string().as_bytes(),
                    tlog_name(*tlog).as_bytes(),
                    root_digest.to_string().as_bytes(),
                ]),
                material,
                authority: Authority::CosignKey(key),
                ignore_tlog: *tlog == TlogRule::Ignore,
                key_root: root.map(|(root, _)| root.clone()),
            })
        }
        AuthorityKind::Keyless(keyless) => {
            let (root, root_digest) = sigstore_root(roots, &keyless.trust_root.0, keyless.trust_root.1)?;
            let identity = CertificateIdentity {
                subject: expected(&keyless.identity, "identity", keyless.at)?,
                issuer: expected(&keyless.issuer, "issuer", keyless.at)?,
                github_claims: keyless
                    .github
                    .iter()
                    .map(|(claim, value)| (format!("github-workflow-{claim}"), value.clone()))
                    .collect(),
            };
            let claims: Vec<String> = keyless.github.iter().map(|(c, v)| format!("{c}={v}")).collect();
            let material = fingerprint(&[
                b"keyless",
                root_digest.to_string().as_bytes(),
                expected_text(&keyless.issuer).as_bytes(),
                expected_text(&keyless.identity).as_bytes(),
                claims.join("\n").as_bytes(),
            ]);
            Ok(CompiledAuthority {
                name: spec.name.clone(),
                fingerprint: fingerprint(&[material.to_string().as_bytes(), tlog_name(keyless.tlog).as_bytes()]),
                material,
                authority: Authority::Keyless(KeylessIdentity::new(identity, root.clone())),
                ignore_tlog: keyless.tlog == TlogRule::Ignore,
                key_root: None,
            })
        }
        AuthorityKind::Notation(notation) => compile_notation(spec, notation, roots),
    }
}

fn compile_notation(
    spec: &AuthoritySpec,
    notation: &NotationSpec,
    roots: &BTreeMap<&str, Root>,
) -> Result<CompiledAuthority, PositionedError> {
    let mut store = TrustStore::new();
    let mut store_names = Vec::new();
    let mut certificate_digests = Vec::new();
    for (name, at) in &notation.trust_roots {
        let Some(Root::X509(certificates)) = roots.get(name.as_str()) else {
            return Err(PositionedError::new(
                *at,
                format!("trust root {name:?} is not an x509 trust root"),
            ));
        };
        for (kind, path, bytes) in certificates {
            store.add_certificate_file(*kind, name, path, bytes);
            let store_name = format!("{kind}:{name}");
            if !store_names.contains(&store_name) {
                store_names.push(store_name);
            }
            certificate_digests.push(format!("{kind}:{}", Digest::sha256(bytes)));
        }
    }
    let overrides: serde_json::Map<String, serde_json::Value> = notation
        .overrides
        .iter()
        .map(|(check, action)| (check.clone(), serde_json::Value::String(action.clone())))
        .collect();
    let statement = serde_json::json!({
        "version": "1.0",
        "trustPolicies": [{
            "name": spec.name,
            "registryScopes": ["*"],
            "signatureVerification": {
                "level": notation.level,
                "override": overrides,
                "verifyTimestamp": notation.verify_timestamp,
            },
            "trustStores": store_names,
            "trustedIdentities": notation.trusted_identities,
        }]
    });
    let policy = TrustPolicyDocument::from_json(statement.to_string().as_bytes())
        .map_err(|e| PositionedError::new(notation.at, e.message()))?;
    certificate_digests.sort();
    let mut identities = notation.trusted_identities.clone();
    identities.sort();
    let material = fingerprint(&[
        b"notation",
        certificate_digests.join("\n").as_bytes(),
        identities.join("\n").as_bytes(),
    ]);
    Ok(CompiledAuthority {
        name: spec.name.clone(),
        fingerprint: fingerprint(&[material.to_string().as_bytes(), statement.to_string().as_bytes()]),
        material,
        authority: Authority::Notation(NotationTrust {
            policy: Arc::new(policy),
            trust_store: Arc::new(store),
        }),
        ignore_tlog: false,
        key_root: None,
    })
}
