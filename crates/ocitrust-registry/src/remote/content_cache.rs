//! Content fetched by digest (manifests named by digest, blobs), kept by the client for the next
//! operation: it cannot change, so an admission server or a batch verifying the same signatures
//! again asks the registry only what can (tags, referrer listings). Bounded in bytes, least recently
//! used first out; only what matched its digest is kept.

use std::sync::Mutex;

use lru::LruCache;
use ocitrust_core::Digest;

/// Total bytes kept.
pub const CONTENT_CACHE_BYTES_MAX: usize = 32 * 1024 * 1024;
/// Largest single item kept.
pub const CONTENT_CACHE_ITEM_MAX: usize = 1024 * 1024;

/// Where content was read: registry and repository (a digest readable in one repository says
/// nothing about another), and its digest.
type Place = (String, String, Digest);

/// Bytes by place, bounded in total.
pub(crate) struct ContentCache {
    items: Mutex<(LruCache<Place, Vec<u8>>, usize)>,
}

impl ContentCache {
    pub(crate) fn new() -> Self {
        ContentCache {
            items: Mutex::new((LruCache::unbounded(), 0)),
        }
    }

    /// The bytes of `digest` read from `registry/repository` before, if kept.
    pub(crate) fn get(&self, registry: &str, repository: &str, digest: &Digest) -> Option<Vec<u8>> {
        let mut items = self.items.lock().ok()?;
        let place = (registry.to_owned(), repository.to_owned(), digest.clone());
        items.0.get(&place).cloned()
    }

    /// Keeps `bytes`, which the caller checked hash to `digest`.
    pub(crate) fn put(&self, registry: &str, repository: &str, digest: &Digest, bytes: &[u8]) {
        if bytes.len() > CONTENT_CACHE_ITEM_MAX {
            return;
        }
        let Ok(mut items) = self.items.lock() else { return };
        let (cache, total) = &mut *items;
        let place = (registry.to_owned(), repository.to_owned(), digest.clone());
        if let Some(old) = cache.put(place, bytes.to_vec()) {
            *total -= old.len();
        }
        *total += bytes.len();
        while *total > CONTENT_CACHE_BYTES_MAX {
            match cache.pop_lru() {
                Some((_, evicted)) => *total -= evicted.len(),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_kept_per_repository_and_bounded_in_bytes() {
        let cache = ContentCache::new();
        let item = vec![7u8; CONTENT_CACHE_ITEM_MAX];
        let digest = |i: usize| Digest::sha256(&i.to_be_bytes());
        cache.put("r", "a", &digest(0), b"zero");
        assert_eq!(cache.get("r", "a", &digest(0)), Some(b"zero".to_vec()));
        assert_eq!(cache.get("r", "b", &digest(0)), None, "another repository");
        assert_eq!(cache.get("s", "a", &digest(0)), None, "another registry");
        cache.put("r", "a", &digest(1), &[0; CONTENT_CACHE_ITEM_MAX + 1]);
        assert_eq!(cache.get("r", "a", &digest(1)), None, "too big to keep");
        for i in 2..(CONTENT_CACHE_BYTES_MAX / CONTENT_CACHE_ITEM_MAX + 3) {
            cache.put("r", "a", &digest(i), &item);
        }
        assert_eq!(
            cache.get("r", "a", &digest(0)),
            None,
            "the least recently used went first"
        );
        let total = cache.items.lock().unwrap().1;
        assert!(total <= CONTENT_CACHE_BYTES_MAX, "{total}");
    }
}
