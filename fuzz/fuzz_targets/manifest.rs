//! Manifests and indexes: parsing arbitrary bytes never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::oci::Manifest;

fuzz_target!(|data: &[u8]| {
    let _ = Manifest::from_bytes(data.to_vec(), None);
});
