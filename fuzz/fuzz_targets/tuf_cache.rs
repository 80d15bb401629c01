//! The TUF cache as untrusted input: whatever bytes are found in it (root, timestamp, snapshot and
//! targets metadata, the trusted_root.json target — the input split at 0xFF bytes, which JSON never
//! holds), reading it back never panics, and never yields a trusted root that tough did not verify.
#![no_main]
use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ocitrust::registry::tuf::TufClient;

fn base() -> &'static PathBuf {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| std::env::temp_dir().join(format!("ocitrust-fuzz-tuf-{}", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let client = TufClient::new("http://127.0.0.1:9/", base()).expect("a valid mirror");
    let dir = client.cache_dir().to_owned();
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("targets")).unwrap();
    let names = ["root.json", "timestamp.json", "snapshot.json", "targets.json", "targets/trusted_root.json"];
    for (name, part) in names.iter().zip(data.split(|b| *b == 0xff)) {
        fs::write(dir.join(name), part).unwrap();
    }
    if let Ok(verified) = client.cached() {
        // Only what verified: the target parses as a trusted root.
        assert!(!verified.trusted_root.is_empty());
    }
});
