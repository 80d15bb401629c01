//! Verifying one Sigstore bundle for an artifact, in the order of the Sigstore client
//! specification (and sigstore-go): the transparency-log entries (each verified, each bound to this
//! bundle), the verified signing times, the certificate chain at those times and its SCT, the
//! signature, the artifact, and the identity. Every check is recorded; one failing makes the bundle
//! unverified, and checks that depend on it are "not reached".

use std::time::SystemTime;

use super::bundle::{BundleContent, SigstoreBundle, VerificationMaterial};
use super::fulcio_claims::FulcioClaims;
use super::identity::CertificateIdentity;
use super::rekor_body::{check_entry_body, pae, SignedContent, SignerMaterial};
use super::rfc3339::unix_seconds;
use super::sct::verify_embedded_scts;
use super::statement::InTotoStatement;
use super::timestamp::verify_timestamp;
use super::tlog::verify_tlog_entry;
use super::trusted_root::{RootRef, TrustedRoot};
use crate::checks::{Checks, Failure};
use crate::crypto::{sha256, PublicKey, SignatureAlgorithm};
use crate::digest::{Algorithm, Digest};
use crate::error::{Error, ErrorCode, Result};
use crate::verdict::{CertificateSummary, CheckName, Outcome, SignatureKind, SignatureReport, Signer};
use crate::x509::{Certificate, TrustedChain, EKU_CODE_SIGNING};

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// What was signed, as the caller has it.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// Only its digest (`sha256:…`, or `sha512:…` for a DSSE subject).
    Digest(&'a Digest),
}

/// Who must have signed the bundle.
#[derive(Debug, Clone, Copy)]
pub enum BundleSigner<'a> {
    /// A key known out of band (`--key`).
    Key(&'a PublicKey),
    /// A Fulcio certificate naming this identity: the one given out of band, if any, else the
    /// bundle's.
    Identity {
        /// Who the certificate must name.
        identity: &'a CertificateIdentity,
        /// The signing certificate given out of band (`--certificate`).
        certificate: Option<&'a Certificate>,
    },
}

/// What a bundle verification may relax; all off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BundleOptions {
    /// Skip the transparency-log check (`--insecure-ignore-tlog`). A keyless signature then needs
    /// an RFC 3161 timestamp, the only other source of a verified signing time.
    pub insecure_ignore_tlog: bool,
    /// Accept a certificate without a verified SCT (`--insecure-ignore-sct`).
    pub insecure_ignore_sct: bool,
}

fn failed(message: String) -> Failure {
    Failure::Failed(Error::new(ErrorCode::NoMatchingSignatures, message))
}

/// The artifact's SHA-256, computed or given; `None` for a digest of another algorithm.
fn artifact_sha256(artifact: Artifact<'_>) -> Option<Vec<u8>> {
    match artifact {
        Artifact::Bytes(bytes) => Some(sha256(bytes)),
        Artifact::Digest(digest) if digest.algorithm() == Algorithm::Sha256 => crate::hex::decode(digest.hex()),
        Artifact::Digest(_) => None,
    }
}

/// How one bundle is judged: by whom it must be signed, under which trust material, and what its
/// signed payload must also say.
#[derive(Clone, Copy)]
pub struct BundleJudgement<'a> {
    /// Who must have signed.
    pub signer: BundleSigner<'a>,
    /// The trust material (logs, CAs, CT logs, timestamp authorities), read when a check needs it.
    pub root: RootRef<'a>,
    /// Insecure relaxations.
    pub options: BundleOptions,
    /// The name of the verifier's authority judging, for the report's signer.
    pub authority: &'a str,
    /// Further claims the signed payload (the artifact bytes of a message signature, or the DSSE
    /// statement) must satisfy, checked with the artifact: a cosign payload naming the image, a
    /// predicate type. Blobs ask nothing more.
    pub payload_claims: &'a dyn Fn(&[u8]) -> Result<()>,
}

impl std::fmt::Debug for BundleJudgement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleJudgement")
            .field("signer", &self.signer)
            .field("options", &self.options)
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

/// Verifies `bundle` as a signature of `artifact` as `judgement` says. `location` labels the report.
pub fn verify_sigstore_bundle(
    bundle: &SigstoreBundle,
    artifact: Artifact<'_>,
    judgement: &BundleJudgement<'_>,
    location: &str,
) -> SignatureReport {
    let BundleJudgement {
        signer,
        root,
        options,
        authority: authority_name,
        payload_claims,
    } = *judgement;
    let mut checks = Checks::default();
    let digest = artifact_sha256(artifact);
    let bundled = bundle.material.signing_certificate();
    let certificate = match signer {
        BundleSigner::Identity {
            certificate: Some(given),
            ..
        } => Some(given),
        _ => bundled,
    };
    let signer_material = match (signer, certificate) {
        (BundleSigner::Key(key), _) => Some(SignerMaterial::Key(key)),
        (BundleSigner::Identity { .. }, Some(certificate)) => Some(SignerMaterial::Certificate(certificate)),
        (BundleSigner::Identity { .. }, None) => None,
    };
    let material_ok = checks.run(CheckName::Integrity, || match (signer_material, bundled) {
        (None, _) => Err(failed(
            "the bundle is signed with a key, not a certificate: verify it with --key".into(),
        )),
        (Some(SignerMaterial::Certificate(given)), Some(carried)) if given.der() != carried.der() => {
            Err(failed(format!(
                "the signature carries a certificate for {:?}, not the signing certificate given out of band (--certificate)",
                carried.alt_names().first().map(|n| n.value()).unwrap_or_default()
            )))
        }
        _ => Ok(()),
    });
    let signer_material = material_ok.and(signer_material);
    let certificate = material_ok.and(certificate);
    let keyless = matches!(signer, BundleSigner::Identity { .. });

    // The transparency log: every entry verified and bound to this bundle.
    let mut times: Vec<SystemTime> = Vec::new();
    // Skipping the log leaves a keyless signature only its timestamps to say when it was made.
    let tlog_ok = if options.insecure_ignore_tlog {
        checks.push(
            CheckName::Tlog,
            Outcome::SkippedInsecure,
            "skipped: --insecure-ignore-tlog".into(),
        );
        true
    } else {
        checks
            .run(CheckName::Tlog, || {
                let material = signer_material.ok_or(Failure::NotReached)?;
                if bundle.tlog_entries.is_empty() {
                    return Err(failed(if keyless {
                        "the signature has no transparency-log entry".into()
                    } else {
                        "signature not found in transparency log: it has no transparency-log entry (signed with --tlog-upload=false?); pass --insecure-ignore-tlog to skip the transparency log check".into()
                    }));
                }
                let signed = SignedContent {
                    content: &bundle.content,
                    artifact_sha256: digest.as_deref(),
                    signer: material,
                    stored_envelope: bundle.stored_envelope.as_deref(),
                };
                for entry in &bundle.tlog_entries {
                    let verified = verify_tlog_entry(entry, root.get()?)?;
                    check_entry_body(entry, &signed)?;
                    times.extend(verified.integrated_time);
                }
                Ok(())
            })
            .is_some()
    };

    // Verified times: integrated times of verified entries, and every timestamp (each must verify).
    // A key-signed bundle needs no time; its timestamps, if any, are still checked.
    let times_ok = if !keyless && bundle.rfc3161_timestamps.is_empty() {
        Some(())
    } else {
        checks.run(CheckName::Timestamp, || {
            if !tlog_ok {
                return Err(Failure::NotReached);
            }
            let stamped = bundle.timestamped_bytes()?;
            for token in &bundle.rfc3161_timestamps {
                times.push(verify_timestamp(token, stamped, root.get()?)?);
            }
            if keyless && times.is_empty() {
                return Err(failed(
                    "no verified signing time: the bundle has neither a signed entry timestamp nor an RFC 3161 timestamp"
                        .into(),
                ));
            }
            Ok(())
        })
    };

    // The certificate, at every verified time, and its SCT.
    let mut summary = None;
    let public_key: Option<&PublicKey> = match (signer, certificate) {
        (BundleSigner::Key(key), _) => Some(key),
        (BundleSigner::Identity { identity, .. }, Some(leaf)) => {
            let chain = checks.run(CheckName::Certificate, || {
                times_ok.ok_or(Failure::NotReached)?;
                let root = root.get()?;
                check_bundled_roots(&bundle.material, root)?;
                Ok(chain_for(leaf, &times, root)?)
            });
            if options.insecure_ignore_sct {
                checks.push(
                    CheckName::Sct,
                    Outcome::SkippedInsecure,
                    "skipped: --insecure-ignore-sct".into(),
                );
            } else {
                checks.run(CheckName::Sct, || {
                    let chain = chain.ok_or(Failure::NotReached)?;
                    verify_embedded_scts(leaf, chain.issuing_ca(), root.get()?)?;
                    Ok(())
                });
            }
            let claims = checks.run(CheckName::Identity, || {
                chain.ok_or(Failure::NotReached)?;
                let claims = FulcioClaims::read(leaf)?;
                identity.check(leaf, &claims)?;
                Ok(claims)
            });
            summary = claims.map(|claims| certificate_summary(leaf, claims));
            Some(leaf.public_key())
        }
        (BundleSigner::Identity { .. }, None) => None,
    };

    let signature_ok = checks.run(CheckName::Signature, || {
        let key = public_key.ok_or(Failure::NotReached)?;
        Ok(verify_signature(&bundle.content, artifact, key)?)
    });
    let payload = checks.run(CheckName::Claims, || {
        signature_ok.ok_or(Failure::NotReached)?;
        let payload = check_artifact(&bundle.content, artifact, digest.as_deref())?;
        if let Some(bytes) = &payload.bytes {
            payload_claims(bytes)?;
        }
        Ok(payload)
    });
    let verified = checks.all_passed_or_skipped();
    SignatureReport {
        kind: SignatureKind::SigstoreBundle,
        location: location.to_owned(),
        signer: signature_ok.and(public_key).map(|key| Signer {
            authority: authority_name.to_owned(),
            key_id: key.key_id(),
            key_type: key.key_type().to_string(),
            certificate: summary,
            x509_subject: None,
        }),
        checks: checks.0,
        verified,
        predicate_type: payload
            .as_ref()
            .and_then(|p| p.predicate_type.clone())
            .filter(|_| verified),
        payload: payload.and_then(|p| p.bytes).filter(|_| verified),
        // Certificates are judged at verified signing times, never at the verification time.
        valid_until: None,
        cosign_extras: Default::default(),
        attestation: None,
    }
}

/// The trusted chain under which `leaf` verifies at every one of `times`: a certificate authority
/// valid then, whose chain issued the leaf and was valid then.
fn chain_for<'r>(leaf: &Certificate, times: &[SystemTime], root: &'r TrustedRoot) -> Result<&'r TrustedChain> {
    let mut last = Error::new(
        ErrorCode::InvalidCertificate,
        "the trusted root lists no certificate authority",
    );
    for authority in &root.certificate_authorities {
        let chain = match &authority.trusted_chain {
            Ok(chain) => chain,
            Err(e) => {
                last = e.clone();
                continue;
            }
        };
        let outcome = times.iter().try_for_each(|time| {
            if !authority.valid_for.contains(*time) {
                return Err(Error::new(
                    ErrorCode::InvalidCertificate,
                    format!(
                        "the certificate authority {} was not valid at the signing time {}",
                        authority.uri,
                        super::format_time(*time)
                    ),
                ));
            }
            chain.verify_leaf(leaf, *time, EKU_CODE_SIGNING)
        });
        match outcome {
            Ok(()) => return Ok(chain),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The certificates a v0.1/v0.2 chain carries beyond the leaf add no trust (the chain is the
/// trusted root's); a root among them that the trusted root does not hold is a bundle bringing its
/// own trust anchor, and refused.
fn check_bundled_roots(material: &VerificationMaterial, root: &TrustedRoot) -> Result<()> {
    let VerificationMaterial::Chain(chain) = material else {
        return Ok(());
    };
    let trusted = |certificate: &Certificate| {
        root.certificate_authorities
            .iter()
            .any(|ca| ca.chain.iter().any(|der| der.as_slice() == certificate.der()))
    };
    match chain.iter().skip(1).find(|c| c.is_self_issued() && !trusted(c)) {
        Some(foreign) => Err(Error::new(
            ErrorCode::InvalidCertificate,
            format!(
                "the bundle's certificate chain holds a root the trusted root does not: {:?}",
                foreign.subject_text()
            ),
        )),
        None => Ok(()),
    }
}

fn certificate_summary(leaf: &Certificate, claims: FulcioClaims) -> CertificateSummary {
    CertificateSummary {
        subject: leaf.alt_names().iter().map(|n| n.value().to_owned()).collect(),
        issuer: claims.issuer().unwrap_or_default().to_owned(),
        claims,
        not_before: unix_seconds(leaf.not_before()),
        not_after: unix_seconds(leaf.not_after()),
    }
}

/// The signature algorithm of a message signature: the recorded digest's hash with an ECDSA key,
/// otherwise the key's default.
fn message_algorithm(digest_algorithm: Option<&str>, key: &PublicKey) -> SignatureAlgorithm {
    use crate::crypto::KeyType;
    match (key.key_type(), digest_algorithm) {
        (KeyType::EcdsaP256 | KeyType::EcdsaP384, Some("SHA2_384")) => SignatureAlgorithm::EcdsaSha384,
        (KeyType::EcdsaP384, None) => SignatureAlgorithm::EcdsaSha384,
        _ => key.default_algorithm(),
    }
}

fn verify_signature(content: &BundleContent, artifact: Artifact<'_>, key: &PublicKey) -> Result<()> {
    match content {
        BundleContent::MessageSignature { digest, signature } => {
            let algorithm = message_algorithm(digest.as_ref().map(|(a, _)| a.as_str()), key);
            match artifact {
                Artifact::Bytes(bytes) => key.verify_with(algorithm, bytes, signature),
                Artifact::Digest(given) => {
                    let digest = crate::hex::decode(given.hex()).unwrap_or_default();
                    key.verify_prehashed(algorithm, &digest, signature)
                }
            }
        }
        BundleContent::Dsse(envelope) => {
            let signature = match envelope.signatures.as_slice() {
                [only] => only,
                other => {
                    return Err(Error::new(
                        ErrorCode::NoMatchingSignatures,
                        format!("the DSSE envelope has {} signatures, expected exactly one", other.len()),
                    ))
                }
            };
            key.verify(&pae(&envelope.payload_type, &envelope.payload), signature)
        }
    }
}

/// Checks that the bundle speaks for `artifact`; returns what was signed when the caller does not
/// already know all of it: the artifact's bytes, or the DSSE payload (the statement). `None` for a
/// message signature over an artifact known only by its digest.
/// What the signed content says once it names the artifact: the payload (the artifact's bytes for a
/// message signature given them, the statement of a DSSE envelope) and a statement's predicate type.
struct SignedPayload {
    bytes: Option<Vec<u8>>,
    predicate_type: Option<String>,
}

fn check_artifact(content: &BundleContent, artifact: Artifact<'_>, sha256: Option<&[u8]>) -> Result<SignedPayload> {
    match content {
        BundleContent::MessageSignature { digest, .. } => {
            let sha256 = sha256.ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidArgument,
                    "a message signature is checked against a sha256 digest",
                )
            })?;
            if let Some((algorithm, recorded)) = digest {
                if algorithm != "SHA2_256" || recorded != sha256 {
                    return Err(Error::new(
                        ErrorCode::NoMatchingSignatures,
                        "the bundle's message digest is not the artifact's",
                    ));
                }
            }
            Ok(SignedPayload {
                bytes: match artifact {
                    Artifact::Bytes(bytes) => Some(bytes.to_vec()),
                    Artifact::Digest(_) => None,
                },
                predicate_type: None,
            })
        }
        BundleContent::Dsse(envelope) => {
            if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
                return Err(Error::new(
                    ErrorCode::InvalidPayload,
                    format!(
                        "DSSE payload type {:?}, expected {IN_TOTO_PAYLOAD_TYPE}",
                        envelope.payload_type
                    ),
                ));
            }
            let predicate_type = check_statement_subject(&envelope.payload, artifact)?;
            Ok(SignedPayload {
                bytes: Some(envelope.payload.clone()),
                predicate_type: Some(predicate_type),
            })
        }
    }
}

/// An in-toto statement's subjects must include the artifact (by its sha256, or sha512); returns
/// its predicate type.
fn check_statement_subject(statement: &[u8], artifact: Artifact<'_>) -> Result<String> {
    let parsed = InTotoStatement::parse(statement)?;
    let matches = |algorithm: Algorithm, hex: &str| {
        parsed.subject.iter().any(|s| {
            s.digest
                .get(algorithm.name())
                .is_some_and(|d| d.eq_ignore_ascii_case(hex))
        })
    };
    let found = match artifact {
        Artifact::Digest(digest) => matches(digest.algorithm(), digest.hex()),
        Artifact::Bytes(bytes) => [Algorithm::Sha256, Algorithm::Sha512]
            .into_iter()
            .any(|algorithm| matches(algorithm, Digest::compute(algorithm, bytes).hex())),
    };
    if found {
        return Ok(parsed.predicate_type);
    }
    let named: Vec<String> = parsed
        .subject
        .iter()
        .flat_map(|s| s.digest.iter().map(|(a, d)| format!("{a}:{d}")))
        .collect();
    Err(Error::new(
        ErrorCode::NoMatchingSignatures,
        format!(
            "the statement's subjects ({}) do not include the artifact",
            if named.is_empty() {
                "none".to_owned()
            } else {
                named.join(", ")
            }
        ),
    ))
}
