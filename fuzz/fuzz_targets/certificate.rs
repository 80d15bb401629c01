//! X.509 certificates and what is read from their extensions (Fulcio claims, SANs, the SCT list),
//! and chaining them to the production Fulcio CAs, from arbitrary DER never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::{parse_sct_list, FulcioClaims, TrustedRoot, SCT_LIST_EXTENSION};
use ocitrust_core::x509::{Certificate, EKU_CODE_SIGNING};

fuzz_target!(|data: &[u8]| {
    let Ok(certificate) = Certificate::from_der(data) else {
        return;
    };
    let _ = FulcioClaims::read(&certificate);
    let _ = certificate.subject_text();
    if let Some(extension) = certificate.extension(SCT_LIST_EXTENSION) {
        let _ = parse_sct_list(extension);
    }
    let root = TrustedRoot::production_shared().expect("the embedded root");
    for authority in &root.certificate_authorities {
        if let Ok(chain) = &authority.trusted_chain {
            let _ = chain.verify_leaf(&certificate, certificate.not_before(), EKU_CODE_SIGNING);
        }
    }
});
