//! Notary Project (notation) signatures: the JWS envelope, the certificate chain rules, notation's
//! trust store and trust policy, verification levels, and judging a signature under them as
//! notation-go does.

pub mod chain;
pub mod cose;
pub mod dn;
pub mod envelope;
mod envelope_budget;
pub mod jws;
pub mod level;
pub mod plugin;
pub mod sign;
pub mod timestamp;
pub mod trust_policy;
pub mod trust_store;
pub mod verify;

pub use cose::verify_cose;
pub use dn::DistinguishedName;
pub use envelope::{
    target_artifact, EnvelopeContent, SignerInfo, SigningScheme, TargetArtifact, COSE_MEDIA_TYPE, JWS_MEDIA_TYPE,
};
pub use jws::verify_jws;
pub use level::{TimestampPolicy, ValidationAction, ValidationType, VerificationLevel};
pub use plugin::{PluginHost, PluginMetadata};
pub use sign::{
    notation_signature_manifest, sign_notation_envelope, verification_plugin_attributes, EnvelopeFormat,
    NotationSignRequest, SignatureManifest, SignatureManifestForm, SignedEnvelope, Timestamping,
};
pub use trust_policy::{TrustPolicyDocument, TrustPolicyStatement, ANY_REPOSITORY};
pub use trust_store::{read_chain_thumbprints, TrustStore, TrustStoreType};
pub use verify::{
    refused_notation_signature, unexamined_notation_signature, NotationEnvelope, NotationRequirements, NotationSubject,
    NotationTrust,
};

/// The artifact type of a notation signature manifest.
pub const NOTATION_SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";
