//! RFC 3161 timestamps (a TimeStampResp or a bare token) of arbitrary DER, verified against the
//! production timestamp authorities and, as notation verifies them, under the test TSA's root,
//! never panic. Over the bytes the committed OpenSSL tokens stamp (tests/fixtures/timestamps, the
//! seeds), so mutations reach past the message imprint into the signed attributes and the chain.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::{verify_timestamp, verify_timestamp_under_roots, TrustedRoot};
use ocitrust_core::x509::{certificates_from_pem, Certificate};

const STAMPED: &[u8] = include_bytes!("../../tests/fixtures/timestamps/signature.bin");
const TSA_ROOT: &[u8] = include_bytes!("../../tests/fixtures/notation/tsa-root.pem");

fn tsa_roots() -> &'static [Certificate] {
    static ROOTS: OnceLock<Vec<Certificate>> = OnceLock::new();
    ROOTS.get_or_init(|| certificates_from_pem(TSA_ROOT).expect("the test TSA root"))
}

fuzz_target!(|data: &[u8]| {
    let root = TrustedRoot::production_shared().expect("the embedded root");
    let _ = verify_timestamp(data, STAMPED, &root);
    let _ = verify_timestamp_under_roots(data, STAMPED, tsa_roots());
});
