//! RFC 3161 timestamps (a TimeStampResp or a bare token) of arbitrary DER, verified against the
//! production timestamp authorities, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::{verify_timestamp, TrustedRoot};

fuzz_target!(|data: &[u8]| {
    let root = TrustedRoot::production_shared().expect("the embedded root");
    let _ = verify_timestamp(data, b"signature", &root);
});
