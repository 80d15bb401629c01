//! The fact store shared by replicas, on Redis or Valkey: `GET` and `SET … PX` under a versioned
//! prefix, every value authenticated with HMAC-SHA256 under a secret only the replicas hold, over
//! the key, the value and its expiry. A value that does not authenticate (forged, or copied from
//! another key), or that has expired, is refused; the store holds no credentials, only facts any
//! replica could establish again. Every request is bounded by a short timeout; a store that is
//! down or slow is a failed request, and the cache verifies live.

use std::io::{BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ocitrust::fact_cache::STORED_FACTS_SIZE_MAX;
use ocitrust::{Error, ErrorCode, FactKey, FactStore, Result, StoreAnswer};
use ring::hmac;

use crate::resp::{command, read_reply, Reply};

/// Every key the store writes starts with this (the version of the entry layout).
pub const KEY_PREFIX: &str = "ocitrust:facts:v1:";
/// What an entry starts with.
const ENTRY_MAGIC: &[u8; 4] = b"OTF1";
const MAC_LENGTH: usize = 32;
const HEADER_LENGTH: usize = ENTRY_MAGIC.len() + 8 + MAC_LENGTH;
/// The shortest secret accepted (the HMAC key).
pub const SECRET_LENGTH_MIN: usize = 32;
/// How many idle connections are kept.
const IDLE_CONNECTIONS_MAX: usize = 16;
/// How long Redis is left alone after a request to it failed: while it is down or unreachable,
/// requests are not delayed by a timeout each.
pub const BACKOFF: Duration = Duration::from_secs(2);

/// Where the store is and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisAddress {
    host: String,
    port: u16,
    database: u32,
    username: Option<String>,
    password: Option<String>,
}

impl RedisAddress {
    /// Reads `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (no TLS: run it on a trusted network; the
    /// entries authenticate themselves, and hold nothing secret).
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: &str| Error::new(ErrorCode::InvalidArgument, format!("--redis {text:?}: {why}"));
        let url = url::Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
        if url.scheme() != "redis" {
            return Err(invalid("the scheme must be redis://"));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("no host"))?;
        let database = match url.path().trim_start_matches('/') {
            "" => 0,
            db => db.parse().map_err(|_| invalid("the path must be a database number"))?,
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("no query or fragment is understood"));
        }
        Ok(RedisAddress {
            host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
            port: url.port().unwrap_or(6379),
            database,
            username: Some(url.username()).filter(|u| !u.is_empty()).map(str::to_owned),
            password: url.password().map(str::to_owned),
        })
    }
}

/// The fact store on Redis.
pub struct RedisFactStore {
    address: RedisAddress,
    key: hmac::Key,
    timeout: Duration,
    idle: Mutex<Vec<BufReader<TcpStream>>>,
    /// Until when Redis is not asked, after a failure.
    resting_until: Mutex<Option<Instant>>,
}

impl RedisFactStore {
    /// A store at `address` whose entries are authenticated under `secret` (at least
    /// [`SECRET_LENGTH_MIN`] bytes), every request within `timeout`. Nothing is connected yet.
    pub fn new(address: RedisAddress, secret: &[u8], timeout: Duration) -> Result<Self> {
        if secret.len() < SECRET_LENGTH_MIN {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "the cache key is {} bytes; it must be at least {SECRET_LENGTH_MIN} random bytes (e.g. head -c 32 /dev/urandom)",
                    secret.len()
                ),
            ));
        }
        Ok(RedisFactStore {
            address,
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            timeout,
            idle: Mutex::new(Vec::new()),
            resting_until: Mutex::new(None),
        })
    }

    /// [`RedisFactStore::new`] with the secret read from `path` (at most 4 KiB).
    pub fn with_secret_file(address: RedisAddress, path: &Path, timeout: Duration) -> Result<Self> {
        let secret = ocitrust::registry::file::read_bounded(path, 4096)?;
        RedisFactStore::new(address, &secret, timeout)
    }

    fn connect(&self) -> std::result::Result<BufReader<TcpStream>, String> {
        let address = (self.address.host.as_str(), self.address.port)
            .to_socket_addrs()
            .map_err(|e| format!("resolving {}: {e}", self.address.host))?
            .next()
            .ok_or_else(|| format!("{} has no address", self.address.host))?;
        let stream = TcpStream::connect_timeout(&address, self.timeout).map_err(|e| format!("connecting: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let mut connection = BufReader::new(stream);
        if let Some(password) = &self.address.password {
            let mut auth: Vec<&[u8]> = vec![b"AUTH"];
            if let Some(username) = &self.address.username {
                auth.push(username.as_bytes());
            }
            auth.push(password.as_bytes());
            self.expect_ok(&mut connection, &auth)?;
        }
        if self.address.database != 0 {
            let database = self.address.database.to_string();
            self.expect_ok(&mut connection, &[b"SELECT", database.as_bytes()])?;
        }
        Ok(connection)
    }

    fn expect_ok(&self, connection: &mut BufReader<TcpStream>, parts: &[&[u8]]) -> std::result::Result<(), String> {
        match self.ask(connection, parts)? {
            Reply::Simple(_) => Ok(()),
            Reply::Error(e) => Err(format!("{}: {e}", String::from_utf8_lossy(parts[0]))),
            other => Err(format!(
                "{}: unexpected reply {other:?}",
                String::from_utf8_lossy(parts[0])
            )),
        }
    }

    /// Sends one command and reads its reply, all before the timeout from now.
    fn ask(&self, connection: &mut BufReader<TcpStream>, parts: &[&[u8]]) -> std::result::Result<Reply, String> {
        let stream = connection.get_mut();
        stream
            .set_write_timeout(Some(self.timeout))
            .map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(self.timeout)).map_err(|e| e.to_string())?;
        stream.write_all(&command(parts)).map_err(|e| format!("writing: {e}"))?;
        read_reply(connection, STORED_FACTS_SIZE_MAX + HEADER_LENGTH)
    }

    /// Runs one command on an idle connection or a new one; a connection that failed is dropped
    /// (its state is unknown), one that answered goes back to the idle ones.
    fn request(&self, parts: &[&[u8]]) -> std::result::Result<Reply, String> {
        let resting = self.resting_until.lock().map_or(None, |until| *until);
        if resting.is_some_and(|until| Instant::now() < until) {
            return Err(format!("not asked: a request failed less than {BACKOFF:?} ago"));
        }
        let reply = self.request_now(parts);
        if reply.is_err() {
            if let Ok(mut until) = self.resting_until.lock() {
                *until = Some(Instant::now() + BACKOFF);
            }
        }
        reply
    }

    fn request_now(&self, parts: &[&[u8]]) -> std::result::Result<Reply, String> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut connection = match idle {
            Some(connection) => connection,
            None => self.connect()?,
        };
        let reply = self.ask(&mut connection, parts)?;
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < IDLE_CONNECTIONS_MAX {
                idle.push(connection);
            }
        }
        Ok(reply)
    }

    /// What the MAC covers: the prefix and key, the expiry, the value.
    fn signed_message(key: &FactKey, expires_at: u64, value: &[u8]) -> Vec<u8> {
        let mut message = Vec::with_capacity(KEY_PREFIX.len() + 64 + 8 + value.len());
        message.extend_from_slice(KEY_PREFIX.as_bytes());
        message.extend_from_slice(key.hex().as_bytes());
        message.extend_from_slice(&expires_at.to_be_bytes());
        message.extend_from_slice(value);
        message
    }

    /// The entry for `value` under `key` until `expires_at`: magic ‖ expiry ‖ MAC ‖ value.
    pub fn seal(&self, key: &FactKey, value: &[u8], expires_at: u64) -> Vec<u8> {
        let mut entry = Vec::with_capacity(HEADER_LENGTH + value.len());
        entry.extend_from_slice(ENTRY_MAGIC);
        entry.extend_from_slice(&expires_at.to_be_bytes());
        let tag = hmac::sign(&self.key, &Self::signed_message(key, expires_at, value));
        entry.extend_from_slice(tag.as_ref());
        entry.extend_from_slice(value);
        entry
    }

    /// The value of `entry` read under `key` at `now`, if it authenticates and has not expired.
    pub fn open(&self, key: &FactKey, entry: &[u8], now: u64) -> StoreAnswer {
        let Some(header) = entry.get(..HEADER_LENGTH) else {
            return StoreAnswer::Rejected("an entry shorter than its header".into());
        };
        if &header[..4] != ENTRY_MAGIC {
            return StoreAnswer::Rejected("an entry of another layout".into());
        }
        let mut expiry = [0; 8];
        expiry.copy_from_slice(&header[4..12]);
        let expires_at = u64::from_be_bytes(expiry);
        let value = &entry[HEADER_LENGTH..];
        let message = Self::signed_message(key, expires_at, value);
        if hmac::verify(&self.key, &message, &header[12..HEADER_LENGTH]).is_err() {
            return StoreAnswer::Rejected("an entry whose MAC does not verify (forged, or another key's)".into());
        }
        if expires_at <= now {
            return StoreAnswer::Rejected("an expired entry".into());
        }
        StoreAnswer::Found(value.to_vec(), expires_at)
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl FactStore for RedisFactStore {
    fn get(&self, key: &FactKey) -> StoreAnswer {
        let name = format!("{KEY_PREFIX}{}", key.hex());
        match self.request(&[b"GET", name.as_bytes()]) {
            Ok(Reply::Bulk(Some(entry))) => self.open(key, &entry, now()),
            Ok(Reply::Bulk(None)) => StoreAnswer::Missing,
            Ok(Reply::Error(e)) => StoreAnswer::Failed(format!("GET: {e}")),
            Ok(other) => StoreAnswer::Failed(format!("GET: unexpected reply {other:?}")),
            Err(e) => StoreAnswer::Failed(e),
        }
    }

    fn put(&self, key: &FactKey, value: &[u8], expires_at: u64) -> std::result::Result<(), String> {
        let left = expires_at.saturating_sub(now());
        if left == 0 {
            return Ok(());
        }
        let name = format!("{KEY_PREFIX}{}", key.hex());
        let entry = self.seal(key, value, expires_at);
        let milliseconds = left.saturating_mul(1000).to_string();
        match self.request(&[b"SET", name.as_bytes(), &entry, b"PX", milliseconds.as_bytes()])? {
            Reply::Simple(_) => Ok(()),
            other => Err(format!("SET: unexpected reply {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(secret: &[u8]) -> RedisFactStore {
        RedisFactStore::new(
            RedisAddress::parse("redis://127.0.0.1:1/0").unwrap(),
            secret,
            Duration::from_millis(50),
        )
        .unwrap()
    }

    #[test]
    fn an_entry_opens_only_under_its_key_its_secret_and_before_its_expiry() {
        let (a, b) = (FactKey::over([&b"a"[..]]), FactKey::over([&b"b"[..]]));
        let store = store(&[7; 32]);
        let entry = store.seal(&a, b"facts", 100);
        assert!(matches!(store.open(&a, &entry, 99), StoreAnswer::Found(v, 100) if v == b"facts"));
        assert!(
            matches!(store.open(&a, &entry, 100), StoreAnswer::Rejected(_)),
            "expired"
        );
        assert!(
            matches!(store.open(&b, &entry, 99), StoreAnswer::Rejected(_)),
            "swapped"
        );
        assert!(matches!(
            self::store(&[8; 32]).open(&a, &entry, 99),
            StoreAnswer::Rejected(_)
        ));
        for i in 0..entry.len() {
            let mut tampered = entry.clone();
            tampered[i] ^= 1;
            assert!(
                matches!(store.open(&a, &tampered, 99), StoreAnswer::Rejected(_)),
                "byte {i}"
            );
        }
        assert!(matches!(store.open(&a, &entry[..40], 99), StoreAnswer::Rejected(_)));
        let mut extended = entry.clone();
        extended.push(b'!');
        assert!(matches!(store.open(&a, &extended, 99), StoreAnswer::Rejected(_)));
    }

    #[test]
    fn short_secrets_and_bad_addresses_are_refused() {
        let address = RedisAddress::parse("redis://127.0.0.1:6379/2").unwrap();
        assert!(RedisFactStore::new(address, &[1; 31], Duration::from_millis(50)).is_err());
        for bad in [
            "http://127.0.0.1:6379",
            "redis://",
            "redis://h:1/x",
            "redis://h:1/0?tls=1",
            "redis://h:99999",
            "127.0.0.1:6379",
        ] {
            assert!(RedisAddress::parse(bad).is_err(), "{bad}");
        }
        let with_auth = RedisAddress::parse("redis://u:p@[::1]:7000/3").unwrap();
        assert_eq!(
            (
                with_auth.host.as_str(),
                with_auth.port,
                with_auth.database,
                with_auth.username.as_deref(),
                with_auth.password.as_deref()
            ),
            ("::1", 7000, 3, Some("u"), Some("p"))
        );
    }

    #[test]
    fn a_store_that_cannot_be_reached_is_a_failed_request_and_then_left_alone_a_while() {
        let store = store(&[7; 32]);
        let key = FactKey::over([&b"a"[..]]);
        assert!(matches!(store.get(&key), StoreAnswer::Failed(why) if why.contains("connecting")));
        assert!(matches!(store.get(&key), StoreAnswer::Failed(why) if why.contains("not asked")));
        assert!(store.put(&key, b"v", now() + 60).is_err());
    }
}
