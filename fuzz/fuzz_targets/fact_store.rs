//! What the admission server reads back from Redis, all of it untrusted: a RESP reply (bounded, never
//! a panic), an entry opened under a key and secret (random bytes never authenticate), and the stored
//! facts inside one (what reads back encodes to what reads back the same).
#![no_main]
use std::io::Cursor;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ocitrust::fact_cache::{decode, encode};
use ocitrust::{FactKey, StoreAnswer};
use ocitrust_admission::resp::read_reply;
use ocitrust_admission::{RedisAddress, RedisFactStore};

fuzz_target!(|data: &[u8]| {
    let _ = read_reply(&mut Cursor::new(data), 1 << 16);
    let address = RedisAddress::parse("redis://127.0.0.1:1/0").expect("a fixed address");
    let store = RedisFactStore::new(address, &[7; 32], Duration::from_millis(1)).expect("a fixed secret");
    let key = FactKey::over([&b"fuzz"[..]]);
    assert!(
        !matches!(store.open(&key, data, 0), StoreAnswer::Found(..)),
        "an entry authenticated without the secret"
    );
    if let Ok(reports) = decode(data) {
        let again = encode(&reports).expect("encoding what was read");
        assert_eq!(decode(&again).expect("reading what was encoded"), reports);
    }
});
