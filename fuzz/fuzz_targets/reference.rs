//! Image references: parsing never panics, and what parses prints to something that parses the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::Reference;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(r) = Reference::parse(text) {
            let again = Reference::parse(&r.to_string()).expect("a printed reference parses");
            assert_eq!(again.name(), r.name());
        }
    }
});
