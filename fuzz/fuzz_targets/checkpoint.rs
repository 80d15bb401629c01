//! Signed checkpoints (signed notes) of arbitrary text, checked against every production log key,
//! never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::{verify_checkpoint, TrustedRoot};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let root = TrustedRoot::production_shared().expect("the embedded root");
    for log in &root.tlogs {
        let _ = verify_checkpoint(text, log);
    }
});
