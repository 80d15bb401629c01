//! The TUF cache read back as a mirror, so that tough verifies it as it verifies what a mirror
//! serves — every signature and threshold, every version and hash, every expiry — before any of it
//! is used. Metadata is served by role name whatever version is asked for (tough then checks the
//! version); no newer root is ever there; a target is served by its name with or without the hash
//! prefix of consistent snapshots.

use std::collections::HashMap;

use tough::{async_trait, Bytes, Transport, TransportError, TransportErrorKind, TransportStream};
use url::Url;

/// The metadata base URL the cache is served under.
pub(crate) const METADATA_BASE: &str = "ocitrust-tuf-cache:///metadata/";
/// The targets base URL the cache is served under.
pub(crate) const TARGETS_BASE: &str = "ocitrust-tuf-cache:///targets/";

/// The cached files: metadata by file name (`timestamp.json`), targets by target name.
#[derive(Debug, Clone, Default)]
pub(crate) struct CachedTransport {
    pub(crate) metadata: HashMap<String, Vec<u8>>,
    pub(crate) targets: HashMap<String, Vec<u8>>,
}

#[async_trait]
impl Transport for CachedTransport {
    async fn fetch(&self, url: Url) -> std::result::Result<TransportStream, TransportError> {
        let path = url.path();
        let found = if let Some(name) = path.strip_prefix("/metadata/") {
            let (version, role_file) = split_version(name);
            if version.is_some() && role_file == "root.json" {
                None
            } else {
                self.metadata.get(role_file)
            }
        } else if let Some(name) = path.strip_prefix("/targets/") {
            self.targets.get(without_hash_prefix(name))
        } else {
            None
        };
        match found {
            Some(bytes) => Ok(Box::pin(futures_util::stream::iter([Ok(Bytes::from(bytes.clone()))]))),
            None => Err(TransportError::new(TransportErrorKind::FileNotFound, url)),
        }
    }
}

/// `7.snapshot.json` → (Some(7), `snapshot.json`); `timestamp.json` → (None, `timestamp.json`).
pub(crate) fn split_version(name: &str) -> (Option<u64>, &str) {
    match name.split_once('.') {
        Some((digits, rest)) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            (digits.parse().ok(), rest)
        }
        _ => (None, name),
    }
}

/// `<sha256 hex>.trusted_root.json` → `trusted_root.json`.
fn without_hash_prefix(name: &str) -> &str {
    match name.split_once('.') {
        Some((hex, rest)) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => rest,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_served_by_role_and_target_never_a_newer_root() {
        assert_eq!(split_version("12.snapshot.json"), (Some(12), "snapshot.json"));
        assert_eq!(split_version("timestamp.json"), (None, "timestamp.json"));
        assert_eq!(
            split_version("3.registry.npmjs.org.json"),
            (Some(3), "registry.npmjs.org.json")
        );
        assert_eq!(
            without_hash_prefix(&format!("{}.trusted_root.json", "a".repeat(64))),
            "trusted_root.json"
        );
        assert_eq!(without_hash_prefix("abc.trusted_root.json"), "abc.trusted_root.json");
        let transport = CachedTransport {
            metadata: HashMap::from([("root.json".to_owned(), b"r".to_vec())]),
            targets: HashMap::new(),
        };
        let next_root = Url::parse(METADATA_BASE).unwrap().join("2.root.json").unwrap();
        let err = futures_util::FutureExt::now_or_never(transport.fetch(next_root))
            .unwrap()
            .err()
            .unwrap();
        assert_eq!(err.kind(), TransportErrorKind::FileNotFound);
    }
}
