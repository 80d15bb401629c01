//! The chain thumbprints annotation of a notation signature manifest (unsigned, from the registry)
//! never panics, and what it gives is what the ordering relies on: at most 10 lower-case SHA-256
//! hex digests.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::notation::read_chain_thumbprints;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let thumbprints = read_chain_thumbprints(text);
        assert!(thumbprints.len() <= 10);
        assert!(thumbprints
            .iter()
            .all(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))));
    }
});
