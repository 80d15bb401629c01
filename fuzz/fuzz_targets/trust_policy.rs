//! notation's trust policy document (every validation rule, overrides, identities, scopes) from
//! arbitrary bytes, and statement selection for a few references: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::notation::TrustPolicyDocument;

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = TrustPolicyDocument::from_json(data) {
        for reference in ["r.example/app@sha256:00", "localhost:5000/a/b@sha256:11", "nothing", "@", "a/@b"] {
            let _ = document.applicable(reference);
        }
    }
});
