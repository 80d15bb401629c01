//! Sigstore: the trust material keyless verification is judged under (more to come: bundles,
//! Rekor entries, SCTs, timestamps).

mod rfc3339;
mod trusted_root;

pub use rfc3339::parse_rfc3339;
pub use trusted_root::{
    CertificateAuthority, TransparencyLog, TrustedRoot, ValidityPeriod, TRUSTED_ROOT_MEDIA_TYPES, TRUSTED_ROOT_SIZE_MAX,
};
