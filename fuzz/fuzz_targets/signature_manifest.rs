//! Signature manifests: reading layers and appending a signature never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::cosign::{append_signature, signature_layers};
use ocitrust_core::oci::Manifest;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::from_bytes(data.to_vec(), None) {
        if let Ok(layers) = signature_layers(&m) {
            for layer in layers {
                let _ = layer.signature();
            }
        }
        let _ = append_signature(Some(&m), b"payload", b"signature");
    }
});
