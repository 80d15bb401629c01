//! RFC 4514 distinguished names under notation's rules, from arbitrary text, and the subset match
//! between two of them: never a panic, and a name always contains itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::notation::DistinguishedName;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (first, second) = text.split_once('\n').unwrap_or((text, "C=US,ST=WA,O=x"));
    if let (Ok(a), Ok(b)) = (DistinguishedName::parse(first), DistinguishedName::parse(second)) {
        assert!(a.is_subset_of(&a));
        let _ = a.is_subset_of(&b);
    }
});
