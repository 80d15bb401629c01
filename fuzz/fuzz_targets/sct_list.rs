//! TLS-encoded signed certificate timestamp lists never panic the parser.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::parse_sct_list;

fuzz_target!(|data: &[u8]| {
    if let Ok(scts) = parse_sct_list(data) {
        assert!(scts.iter().all(|sct| sct.log_id.len() == 32));
    }
});
