//! What `--certificate` and `--certificate-chain` read: a certificate as PEM or DER, and a PEM CA
//! chain replacing a trusted root's Fulcio CAs (its links verified), from arbitrary bytes never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::TrustedRoot;
use ocitrust_core::x509::certificate_from_pem_or_der;

fuzz_target!(|data: &[u8]| {
    let _ = certificate_from_pem_or_der(data);
    let root = TrustedRoot::production_shared().expect("the embedded root");
    let _ = root.with_certificate_chain(data);
});
