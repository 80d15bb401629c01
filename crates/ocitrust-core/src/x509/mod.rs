//! X.509: certificates (decoded with `x509-cert`) and trusted chains, whose CA links are verified
//! once when the trust material is loaded and whose leaves are then checked per verification.

mod certificate;
pub mod revocation;
mod signed_parts;
mod test_certificate;
mod trusted_chain;

pub(crate) use certificate::octet_string_contents;
pub use certificate::{
    certificate_from_pem_or_der, certificates_from_pem, AltName, Certificate, KeyUsage, CERTIFICATE_SIZE_MAX,
};
pub(crate) use signed_parts::signed_parts;
pub use test_certificate::generate_test_certificate;
pub use trusted_chain::{TrustedChain, EKU_CODE_SIGNING, EKU_TIME_STAMPING};
