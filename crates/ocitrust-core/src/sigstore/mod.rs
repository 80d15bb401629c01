//! Sigstore: the trust material keyless verification is judged under, bundles, transparency-log
//! entries (SETs, inclusion proofs, checkpoints, bodies), SCTs, RFC 3161 timestamps, Fulcio claims
//! and identity policies, and the verification of a bundle that joins them.

mod base64_field;
mod bundle;
mod checkpoint;
mod fulcio_claims;
mod identity;
mod merkle;
mod rekor_body;
mod rfc3339;
mod sct;
mod signed_data;
mod statement;
mod timestamp;
mod tlog;
mod trust_material;
mod trusted_root;
mod verify_bundle;

pub use bundle::{
    BundleContent, BundleVersion, DsseEnvelope, InclusionProof, SigstoreBundle, TlogEntry, VerificationMaterial,
    SIGSTORE_BUNDLE_SIZE_MAX,
};
pub use checkpoint::{verify_checkpoint, Checkpoint};
pub use fulcio_claims::FulcioClaims;
pub use identity::{CertificateIdentity, Matcher};
pub use merkle::{leaf_hash, verify_inclusion};
pub use rekor_body::{check_entry_body, pae, SignedContent, SignerMaterial};
pub use rfc3339::{format_rfc3339, format_time, parse_rfc3339, unix_seconds};
pub use sct::{parse_sct_list, verify_embedded_scts, SignedCertificateTimestamp, SCT_LIST_EXTENSION};
pub use statement::{InTotoStatement, StatementSubject, IN_TOTO_STATEMENT_TYPES};
pub use timestamp::{
    timestamp_request, timestamp_token, verify_timestamp, verify_timestamp_under_roots, RootedTimestamp,
    TIMESTAMP_SIZE_MAX,
};
pub use tlog::{verify_tlog_entry, VerifiedEntry};
pub use trust_material::{TrustMaterial, TrustMaterialSource, TufVersions};
pub use trusted_root::{
    CertificateAuthority, RootRef, TransparencyLog, TrustedRoot, ValidityPeriod, TRUSTED_ROOT_MEDIA_TYPES,
    TRUSTED_ROOT_SIZE_MAX,
};
pub use verify_bundle::{
    verify_sigstore_bundle, Artifact, BundleJudgement, BundleOptions, BundleSigner, IN_TOTO_PAYLOAD_TYPE,
};
