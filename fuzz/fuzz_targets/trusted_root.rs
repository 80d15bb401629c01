//! Sigstore trusted roots (`--trusted-root FILE`) and the RFC 3339 times in them: parsing arbitrary
//! bytes never panics, and a parsed root's windows answer for any instant.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ocitrust_core::sigstore::{parse_rfc3339, TrustedRoot};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(time) = parse_rfc3339(text) {
            let _ = time.duration_since(std::time::UNIX_EPOCH);
        }
    }
    if let Ok(root) = TrustedRoot::from_json(data) {
        for log in root.tlogs.iter().chain(&root.ctlogs) {
            let _ = log.valid_for.contains(std::time::SystemTime::now());
            let _ = root.tlog(&log.log_id);
        }
    }
});
