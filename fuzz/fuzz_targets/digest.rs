//! Digests: parsing never panics and round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::Digest;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(d) = Digest::parse(text) {
            assert_eq!(d.as_str(), text);
        }
    }
});
