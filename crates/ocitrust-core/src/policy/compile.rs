//! A document made ready to evaluate: the files it names (given by the caller as bytes) parsed into
//! trust material and each authority built, fingerprinted by its key material. Two authorities
//! with the same key material in one policy's signature requirement are refused: a threshold over
//! them would read as two signers where one signed.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::document::{
    AuthorityKind, AuthoritySpec, Expected, FileRef, KeySource, NotationSpec, Requires, SignedIdentity, SigstoreRoot,
    TlogRule, TrustPolicy, TrustRootMaterial,
};
use super::tree::{Position, PositionedError};
use crate::authority::{Authority, KeylessIdentity};
use crate::crypto::PublicKey;
use crate::digest::Digest;
use crate::notation::{NotationTrust, TrustPolicyDocument, TrustStore, TrustStoreType};
use crate::sigstore::{CertificateIdentity, Matcher, TrustMaterial, TrustMaterialSource, TrustedRoot};

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
    /// Whether certificates are accepted without an SCT (insecure; recorded in decisions).
    pub ignore_sct: bool,
    /// What image identity its cosign signatures must claim, if anything.
    pub signed_identity: Option<SignedIdentity>,
    /// The Sigstore root whose logs prove a key's signatures (`None`: the embedded one).
    pub key_root: Option<Arc<TrustedRoot>>,
    /// A fingerprint of its key material alone (keys, certificates, identities), which no two
    /// authorities may share.
    pub material: Digest,
    /// A fingerprint of everything its verifications depend on: every byte of its trust material
    /// (keys, certificate bundles, trusted roots), its identities, and its requirements (tlog, SCT,
    /// notation level, overrides and timestamp rule). What was verified under it is cached under
    /// this, so any change to the authority is a different key.
    pub fingerprint: Digest,
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

fn file<'a>(files: &'a PolicyFiles, reference: &'a FileRef) -> Result<&'a [u8], PositionedError> {
    if reference.is_inline_pem() {
        return Ok(reference.path.as_bytes());
    }
    files
        .get(&reference.path)
        .map(Vec::as_slice)
        .ok_or_else(|| PositionedError::new(reference.at, format!("the file {:?} was not read", reference.path)))
}

/// Loads `document`'s trust material from `files` (every path of [`TrustPolicy::files`]); a
/// `trustedRoot: embedded` is the root compiled into ocitrust.
pub fn compile(document: TrustPolicy, files: &PolicyFiles) -> Result<CompiledPolicy, PositionedError> {
    compile_with_public_good_root(document, files, None)
}

/// [`compile`], with `public_good` as the root `trustedRoot: embedded` names (the one kept current
/// through TUF, when the caller has it).
pub fn compile_with_public_good_root(
    document: TrustPolicy,
    files: &PolicyFiles,
    public_good: Option<Arc<TrustedRoot>>,
) -> Result<CompiledPolicy, PositionedError> {
    let mut roots: BTreeMap<&str, Root> = BTreeMap::new();
    for spec in &document.trust_roots {
        let root = match &spec.material {
            TrustRootMaterial::Sigstore(SigstoreRoot::Embedded) => {
                let root = match &public_good {
                    Some(root) => root.clone(),
                    None => TrustedRoot::production_shared().map_err(|e| PositionedError::new(spec.at, e.message()))?,
                };
                let digest = root.material.sha256.clone();
                Root::Sigstore(root, digest)
            }
            TrustRootMaterial::Sigstore(SigstoreRoot::Parts { fulcio_cas, rekor_keys }) => {
                let (root, digest) = root_from_parts(files, fulcio_cas, rekor_keys)?;
                Root::Sigstore(Arc::new(root), digest)
            }
            TrustRootMaterial::Sigstore(SigstoreRoot::File(reference)) => {
                let bytes = file(files, reference)?;
                let root = TrustedRoot::from_json(bytes)
                    .map_err(|e| PositionedError::new(reference.at, format!("{}: {}", reference.path, e.message())))?;
                let root = TrustedRoot {
                    material: root.material.clone().at(reference.path.clone()),
                    ..root
                };
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
    let authorities = document
        .authorities
        .iter()
        .map(|spec| compile_authority(spec, &roots, files))
        .collect::<Result<Vec<_>, _>>()?;
    refuse_twins(&document, &authorities)?;
    Ok(CompiledPolicy { document, authorities })
}

/// Two authorities with the same key material in one signature requirement are refused: a
/// threshold over them would read as two signers where one signed. (In different policies, the
/// same key may well be trusted under different rules.)
fn refuse_twins(document: &TrustPolicy, authorities: &[CompiledAuthority]) -> Result<(), PositionedError> {
    for policy in &document.policies {
        let Requires::Evidence {
            signatures: Some(requirement),
            ..
        } = &policy.requires
        else {
            continue;
        };
        let mut named: Vec<&CompiledAuthority> = Vec::new();
        for name in requirement.authorities() {
            let Some(authority) = authorities.iter().find(|a| a.name == name) else {
                continue;
            };
            if let Some(twin) = named
                .iter()
                .find(|a| a.material == authority.material && a.name != authority.name)
            {
                let at = document.authority(name).map_or(policy.at, |a| a.at);
                return Err(PositionedError::new(
                    at,
                    format!(
                        "authority {:?} has the same key material as {:?}, and policy {:?} counts both: a signature would count for both",
                        authority.name, twin.name, policy.name
                    ),
                ));
            }
            named.push(authority);
        }
    }
    Ok(())
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
    match &spec.kind {
        AuthorityKind::Cosign {
            key,
            tlog,
            trust_root,
            signed_identity,
        } => {
            let (bytes, at) = match key {
                KeySource::File(reference) => (file(files, reference)?, reference.at),
                KeySource::Data(text, at) => (text.as_bytes(), *at),
            };
            let key = PublicKey::from_pem_or_der(bytes).map_err(|e| PositionedError::new(at, e.message()))?;
            let root = trust_root
                .as_ref()
                .map(|(name, at)| sigstore_root(roots, name, *at))
                .transpose()?;
            let material = fingerprint(&[b"cosign", key.spki_der()]);
            let root_digest = root.map_or_else(|| "the embedded root".to_owned(), |(_, digest)| digest.to_string());
            let tlog_rule = format!("tlog {tlog:?}");
            Ok(CompiledAuthority {
                name: spec.name.clone(),
                fingerprint: fingerprint(&[
                    material.as_str().as_bytes(),
                    root_digest.as_bytes(),
                    tlog_rule.as_bytes(),
                ]),
                material,
                authority: Authority::CosignKey(key),
                ignore_tlog: *tlog == TlogRule::Ignore,
                ignore_sct: false,
                signed_identity: signed_identity.clone(),
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
            let rules = format!("tlog {:?} sct {:?}", keyless.tlog, keyless.sct);
            Ok(CompiledAuthority {
                name: spec.name.clone(),
                fingerprint: fingerprint(&[material.as_str().as_bytes(), rules.as_bytes()]),
                material,
                authority: Authority::Keyless(KeylessIdentity::new(identity, root.clone())),
                ignore_tlog: keyless.tlog == TlogRule::Ignore,
                ignore_sct: keyless.sct == TlogRule::Ignore,
                signed_identity: keyless.signed_identity.clone(),
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
    let statement_text = statement.to_string();
    Ok(CompiledAuthority {
        name: spec.name.clone(),
        fingerprint: fingerprint(&[material.as_str().as_bytes(), statement_text.as_bytes()]),
        material,
        authority: Authority::Notation(NotationTrust {
            policy: Arc::new(policy),
            trust_store: Arc::new(store),
        }),
        ignore_tlog: false,
        ignore_sct: false,
        signed_identity: None,
        key_root: None,
    })
}

/// A Sigstore trusted root made of parts: each CA certificate a trust anchor and each Rekor key a
/// log, valid at any time (containers-policy.json gives no windows), without CT logs or timestamp
/// authorities. It is written as trusted-root JSON and read by the one strict reader.
fn root_from_parts(
    files: &PolicyFiles,
    fulcio_cas: &[FileRef],
    rekor_keys: &[FileRef],
) -> Result<(TrustedRoot, Digest), PositionedError> {
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let always = serde_json::json!({"start": "1970-01-01T00:00:00Z"});
    let mut authorities = Vec::new();
    let mut logs = Vec::new();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for reference in fulcio_cas {
        let bytes = file(files, reference)?;
        let certificates = crate::x509::certificates_from_pem(bytes)
            .map_err(|e| PositionedError::new(reference.at, format!("{}: {}", reference.path, e.message())))?;
        for certificate in certificates {
            authorities.push(serde_json::json!({
                "uri": reference.path,
                "certChain": {"certificates": [{"rawBytes": b64(certificate.der())}]},
                "validFor": always,
            }));
        }
        parts.push(bytes.to_vec());
    }
    for reference in rekor_keys {
        let bytes = file(files, reference)?;
        let key = PublicKey::from_pem_or_der(bytes)
            .map_err(|e| PositionedError::new(reference.at, format!("{}: {}", reference.path, e.message())))?;
        let spki = key.spki_der();
        logs.push(serde_json::json!({
            "baseUrl": reference.path,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": b64(spki), "keyDetails": "PKIX", "validFor": always},
            "logId": {"keyId": b64(&crate::crypto::sha256(spki))},
        }));
        parts.push(bytes.to_vec());
    }
    let json = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": logs,
        "certificateAuthorities": authorities,
    });
    let at = fulcio_cas
        .iter()
        .chain(rekor_keys)
        .map(|f| f.at)
        .next()
        .unwrap_or_default();
    let root =
        TrustedRoot::from_json(json.to_string().as_bytes()).map_err(|e| PositionedError::new(at, e.message()))?;
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let digest = fingerprint(&refs);
    let root = root.with_material(TrustMaterial::new(TrustMaterialSource::PolicyParts, digest.clone()));
    Ok((root, digest))
}
