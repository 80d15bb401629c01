//! ocitrust: decide whether an OCI image may run, by verifying its cosign signatures.
//!
//! ```no_run
//! use ocitrust::{PublicKey, Verifier};
//! let key = PublicKey::from_pem_or_der(&std::fs::read("cosign.pub")?)?;
//! let verdict = Verifier::new(key).insecure_ignore_tlog(true).verify("oci:examples/sample-image:v1")?;
//! verdict.require_trusted()?;
//! println!("{} is signed", verdict.subject.digest);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The facade joins the sans-IO core (`ocitrust-core`, re-exported as [`core`]) and the transports
//! (`ocitrust-registry`, re-exported as [`registry`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod evidence;
pub mod fact_cache;
mod keys;
mod notation;
mod notation_list;
mod notation_sign;
mod policy_batch;
mod policy_import;
mod referrer_store;
mod sign;
mod tree;
mod triangulate;
mod trust_material;
mod trust_policy;
mod verifier;

pub use fact_cache::{FactCache, FactKey, FactStore, StoreAnswer};
pub use ocitrust_core as core;
pub use ocitrust_core::authority::KeylessIdentity;
pub use ocitrust_core::crypto::{PublicKey, SigningKey};
pub use ocitrust_core::oci::Platform;
pub use ocitrust_core::sigstore::{Artifact, CertificateIdentity, Matcher, TrustedRoot};
pub use ocitrust_core::verdict::CertificateSummary;
pub use ocitrust_core::verdict::{Check, CheckName, Outcome, SignatureKind, SignatureReport, Signer, Subject};
pub use ocitrust_core::x509::{certificate_from_pem_or_der, Certificate};
pub use ocitrust_core::{Authority, Digest, Error, ErrorCode, Reference, Result, Verdict};
pub use ocitrust_registry as registry;
pub use ocitrust_registry::remote::{Credentials, Referrer, ReferrersSource, RegistryOptions};

pub use keys::{
    generate_key_pair, load_private_key, load_public_key, load_public_key_file, read_key_file, GeneratedKeyPair,
};
pub use notation::{notation_authority, notation_trust};
pub use notation_list::{notation_signatures, NotationSignatures};
pub use notation_sign::{notation_sign, NotationSignOptions, NotationSigner};
pub use ocitrust_core::notation::{EnvelopeFormat, SignatureManifestForm};
pub use ocitrust_core::notation::{NotationTrust, PluginHost, TrustPolicyDocument, TrustStore};
pub use ocitrust_core::x509::revocation::RevocationSource;
pub use ocitrust_registry::NotationConfigDir;
pub use policy_import::{import_containers_policy, import_notation_policy};
pub use sign::{attest, sign, AttestOptions, SignOptions, SignOutcome};
pub use tree::{tree, Attached, TagArtifact};
pub use triangulate::triangulate;
pub use trust_material::{initialize_tuf, public_good_trusted_root, trusted_root_from_file, trusted_root_from_tuf};
pub use trust_policy::{Policy, POLICY_FILE_SIZE_MAX};
pub use verifier::{Resolved, Verifier};
