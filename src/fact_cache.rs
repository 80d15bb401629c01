//! The verification fact cache: what a verifier established about the signatures of one subject
//! under one authority, kept so the next request for the same image need not verify it again.
//!
//! Facts, never decisions, are cached: the policy decision (thresholds, scopes, conditions,
//! platforms, modes) is made afresh from them on every evaluation. A fact's key is a hash of
//! everything the verification read and depended on ([`FactKey`]): the format version, the
//! subject's digest, the digests of the signature artifacts judged (the signature manifest, each
//! bundle, each envelope), the fingerprint of the authority (every byte of its trust material and
//! each of its requirements) and the verifier's options. Nothing is keyed by a tag: a tag moved to
//! another digest names other facts.
//!
//! A fact lives until the earliest of the cache's time to live and the instant its reports stop
//! holding by time alone (a certificate's expiry or a signature's when they were judged at the
//! verification time, and never past "now" for an answer a revocation server gave). A
//! verification that could not read everything (a blob that could not be had, a network failure)
//! is never kept. Two tiers: an in-process LRU, and optionally a shared [`FactStore`] (Redis, in
//! the admission server), whose entries are only hints: one that cannot be read back exactly is
//! a miss. One verification runs per key at a time: concurrent requests for the same facts wait
//! for it.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use lru::LruCache;
use ocitrust_core::sigstore::unix_seconds;
use ocitrust_core::verdict::SignatureReport;
use ocitrust_core::{Digest, Result};
use serde::{Deserialize, Serialize};

/// The version of what is cached and how; part of every key, so a new release never reads an
/// older one's facts (its embedded trust material or its checks may differ).
pub const FACT_FORMAT: &str = concat!("ocitrust-facts/1 ", env!("CARGO_PKG_VERSION"));

/// The key of one set of facts: SHA-256 over length-prefixed parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FactKey(Digest);

impl FactKey {
    /// The key over `parts`, in order (each length-prefixed, so no two lists share a key).
    pub fn over<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut bytes = Vec::with_capacity(512);
        for part in std::iter::once(FACT_FORMAT.as_bytes()).chain(parts) {
            bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
            bytes.extend_from_slice(part);
        }
        FactKey(Digest::sha256(&bytes))
    }

    /// The key as hex text (how a shared store names it).
    pub fn hex(&self) -> &str {
        self.0.hex()
    }
}

/// What a shared store answered for a key.
#[derive(Debug)]
pub enum StoreAnswer {
    /// An entry that authenticated, with the instant (seconds since the Unix epoch) it expires.
    Found(Vec<u8>, u64),
    /// No entry.
    Missing,
    /// An entry that did not authenticate, was for another key, or had expired: never trusted.
    Rejected(String),
    /// The store could not be asked (down, slow, refused).
    Failed(String),
}

/// A store shared by many verifiers (across processes): facts are hints there, authenticated
/// by the store, re-read exactly or not at all.
pub trait FactStore: Send + Sync {
    /// The entry under `key`.
    fn get(&self, key: &FactKey) -> StoreAnswer;
    /// Keeps `value` under `key` until `expires_at` (seconds since the Unix epoch); a failure is
    /// returned to be counted, and changes nothing else.
    fn put(&self, key: &FactKey, value: &[u8], expires_at: u64) -> std::result::Result<(), String>;
}

/// Counters of what the cache did, for metrics.
#[derive(Debug, Default)]
pub struct FactCacheStats {
    /// Facts found in process.
    pub memory_hits: AtomicU64,
    /// Facts not in process (then asked of the shared store, or verified).
    pub memory_misses: AtomicU64,
    /// Facts the shared store had and that read back exactly.
    pub shared_hits: AtomicU64,
    /// Facts the shared store did not have.
    pub shared_misses: AtomicU64,
    /// Entries of the shared store refused: forged, swapped, expired, unreadable.
    pub shared_rejected: AtomicU64,
    /// Requests to the shared store that failed (down, slow): verified live instead.
    pub shared_errors: AtomicU64,
    /// Verifications run (no usable fact).
    pub verifications: AtomicU64,
    /// Requests that waited for the same verification running for another.
    pub waits: AtomicU64,
}

/// One set of facts: the reports of one verification, and until when they hold.
#[derive(Debug, Clone)]
struct Facts {
    reports: Arc<Vec<SignatureReport>>,
    expires_at: u64,
    /// Roughly what they take in memory: what they carry that a signer chose the size of.
    bytes: usize,
}

impl Facts {
    fn new(reports: Vec<SignatureReport>, expires_at: u64) -> Self {
        let bytes = reports
            .iter()
            .map(|r| {
                let attestation = r
                    .attestation
                    .as_ref()
                    .map_or(0, |a| a.envelope.len() + 2 * a.predicate.len());
                REPORT_BYTES + r.payload.as_ref().map_or(0, Vec::len) + attestation
            })
            .sum();
        Facts {
            reports: Arc::new(reports),
            expires_at,
            bytes,
        }
    }
}

/// What a report takes beside its payloads, counted for each.
const REPORT_BYTES: usize = 1024;
/// The most the in-process tier holds, whatever its number of entries.
pub const FACTS_BYTES_MAX: usize = 256 * 1024 * 1024;

/// The in-process tier: at most its capacity of entries and [`FACTS_BYTES_MAX`] bytes, least
/// recently used out first; an expired entry is dropped when found.
struct Memory {
    entries: LruCache<FactKey, Facts>,
    bytes: usize,
}

impl Memory {
    fn get(&mut self, key: &FactKey, now: u64) -> Option<Arc<Vec<SignatureReport>>> {
        let facts = self.entries.get(key)?;
        if facts.expires_at > now {
            return Some(facts.reports.clone());
        }
        if let Some(expired) = self.entries.pop(key) {
            self.bytes -= expired.bytes;
        }
        None
    }

    fn put(&mut self, key: FactKey, facts: Facts) {
        self.bytes += facts.bytes;
        if let Some((_, replaced)) = self.entries.push(key, facts) {
            self.bytes -= replaced.bytes;
        }
        while self.bytes > FACTS_BYTES_MAX {
            match self.entries.pop_lru() {
                Some((_, evicted)) => self.bytes -= evicted.bytes,
                None => break,
            }
        }
    }
}

/// The fact cache: an LRU of `capacity` entries, each kept at most `ttl`, and optionally a
/// shared store behind it.
pub struct FactCache {
    memory: Mutex<Memory>,
    in_flight: Mutex<HashMap<FactKey, Arc<InFlight>>>,
    shared: Option<Arc<dyn FactStore>>,
    ttl: Duration,
    stats: FactCacheStats,
    /// Told how long each verification run took (a metrics histogram).
    timing: Option<VerificationTiming>,
}

/// Called with the time each verification the cache runs took.
pub type VerificationTiming = Arc<dyn Fn(Duration) + Send + Sync>;

impl std::fmt::Debug for FactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactCache")
            .field("ttl", &self.ttl)
            .field("shared", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

/// A verification running for a key: the others wait until it is `done`.
#[derive(Default)]
struct InFlight {
    done: Mutex<bool>,
    finished: Condvar,
}

/// Removes the in-flight mark and wakes the waiters however the verification ends (a panic too).
struct Leading<'a> {
    cache: &'a FactCache,
    key: &'a FactKey,
    mark: Arc<InFlight>,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        lock(&self.cache.in_flight).remove(self.key);
        *lock(&self.mark.done) = true;
        self.mark.finished.notify_all();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves the map consistent (every change is one call).
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FactCache {
    /// A cache of up to `capacity` entries (at least one), each kept at most `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        FactCache {
            memory: Mutex::new(Memory {
                entries: LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
                bytes: 0,
            }),
            in_flight: Mutex::new(HashMap::new()),
            shared: None,
            ttl,
            stats: FactCacheStats::default(),
            timing: None,
        }
    }

    /// The same cache, telling `timing` how long each verification it runs takes.
    pub fn timing_verifications(mut self, timing: VerificationTiming) -> Self {
        self.timing = Some(timing);
        self
    }

    /// The same cache, backed by `store` shared with other processes.
    pub fn shared_with(mut self, store: Arc<dyn FactStore>) -> Self {
        self.shared = Some(store);
        self
    }

    /// What the cache did so far.
    pub fn stats(&self) -> &FactCacheStats {
        &self.stats
    }

    /// How many entries are in process.
    pub fn len(&self) -> usize {
        lock(&self.memory).entries.len()
    }

    /// Whether no entry is in process.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The reports under `key`, or those `verify` establishes (kept when `keep` and `verify`
    /// succeeded). One `verify` runs per key at a time; concurrent callers wait for it and then
    /// read what it kept, or verify themselves when it kept nothing.
    pub(crate) fn reports(
        &self,
        key: &FactKey,
        keep: bool,
        verify: impl FnOnce() -> Result<Vec<SignatureReport>>,
    ) -> Result<Vec<SignatureReport>> {
        let now = unix_seconds(SystemTime::now());
        if let Some(facts) = self.in_memory(key, now) {
            return Ok(facts);
        }
        self.stats.memory_misses.fetch_add(1, Ordering::Relaxed);
        let _leading = loop {
            let running = {
                let mut in_flight = lock(&self.in_flight);
                match in_flight.get(key) {
                    Some(running) => running.clone(),
                    None => {
                        let mark = Arc::new(InFlight::default());
                        in_flight.insert(key.clone(), mark.clone());
                        break Leading { cache: self, key, mark };
                    }
                }
            };
            self.stats.waits.fetch_add(1, Ordering::Relaxed);
            let mut done = lock(&running.done);
            while !*done {
                done = running
                    .finished
                    .wait(done)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            drop(done);
            if let Some(facts) = self.in_memory(key, unix_seconds(SystemTime::now())) {
                return Ok(facts);
            }
        };
        if let Some(facts) = self.in_shared(key, now) {
            return Ok(facts);
        }
        self.stats.verifications.fetch_add(1, Ordering::Relaxed);
        let began = std::time::Instant::now();
        let verified = verify();
        if let Some(timing) = &self.timing {
            timing(began.elapsed());
        }
        let reports = verified?;
        let expires_at = reports
            .iter()
            .filter_map(|r| r.valid_until)
            .fold(now.saturating_add(self.ttl.as_secs()), u64::min);
        if keep && expires_at > now {
            self.keep(key, &reports, expires_at);
        }
        Ok(reports)
    }

    fn in_memory(&self, key: &FactKey, now: u64) -> Option<Vec<SignatureReport>> {
        let reports = lock(&self.memory).get(key, now)?;
        self.stats.memory_hits.fetch_add(1, Ordering::Relaxed);
        Some(reports.as_ref().clone())
    }

    fn in_shared(&self, key: &FactKey, now: u64) -> Option<Vec<SignatureReport>> {
        let shared = self.shared.as_ref()?;
        let counter = match shared.get(key) {
            StoreAnswer::Found(value, expires_at) if expires_at > now => match decode(&value) {
                Ok(reports) => {
                    self.stats.shared_hits.fetch_add(1, Ordering::Relaxed);
                    // Kept in process no longer than here, nor than this process's own time to live.
                    let expires_at = expires_at.min(now.saturating_add(self.ttl.as_secs()));
                    lock(&self.memory).put(key.clone(), Facts::new(reports.clone(), expires_at));
                    return Some(reports);
                }
                Err(_) => &self.stats.shared_rejected,
            },
            StoreAnswer::Found(..) | StoreAnswer::Rejected(_) => &self.stats.shared_rejected,
            StoreAnswer::Missing => &self.stats.shared_misses,
            StoreAnswer::Failed(_) => &self.stats.shared_errors,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        None
    }

    fn keep(&self, key: &FactKey, reports: &[SignatureReport], expires_at: u64) {
        if let Some(shared) = &self.shared {
            let stored = encode(reports).and_then(|value| shared.put(key, &value, expires_at));
            if stored.is_err() {
                self.stats.shared_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        lock(&self.memory).put(key.clone(), Facts::new(reports.to_vec(), expires_at));
    }
}

/// A report as stored: its JSON form, and what that form leaves out (the verified payload, what
/// cosign prints beside it, an attestation's envelope and statement, until when it holds).
#[derive(Serialize, Deserialize)]
struct StoredReport {
    report: SignatureReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    cosign_extras: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envelope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    statement: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<u64>,
}

/// The largest stored set of facts read back (bigger is refused, not parsed).
pub const STORED_FACTS_SIZE_MAX: usize = 8 * 1024 * 1024;

/// The stored form of `reports` (what a shared store keeps).
pub fn encode(reports: &[SignatureReport]) -> std::result::Result<Vec<u8>, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let stored: Vec<StoredReport> = reports
        .iter()
        .map(|report| StoredReport {
            report: report.clone(),
            payload: report.payload.as_ref().map(|p| b64.encode(p)),
            cosign_extras: report.cosign_extras.clone(),
            envelope: report.attestation.as_ref().map(|a| b64.encode(&a.envelope)),
            statement: report.attestation.as_ref().map(|a| a.statement.as_ref().clone()),
            valid_until: report.valid_until,
        })
        .collect();
    serde_json::to_vec(&stored).map_err(|e| format!("encoding facts: {e}"))
}

/// Reads back what [`encode`] wrote; anything else is an error (a rejected entry).
pub fn decode(value: &[u8]) -> std::result::Result<Vec<SignatureReport>, String> {
    if value.len() > STORED_FACTS_SIZE_MAX {
        return Err(format!(
            "{} bytes of facts, limit is {STORED_FACTS_SIZE_MAX}",
            value.len()
        ));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let stored: Vec<StoredReport> = serde_json::from_slice(value).map_err(|e| format!("reading facts: {e}"))?;
    stored
        .into_iter()
        .map(|stored| {
            let mut report = stored.report;
            report.payload = stored
                .payload
                .map(|p| b64.decode(p))
                .transpose()
                .map_err(|e| format!("reading a payload: {e}"))?;
            report.cosign_extras = stored.cosign_extras;
            report.valid_until = stored.valid_until;
            match (&mut report.attestation, stored.envelope, stored.statement) {
                (Some(attestation), Some(envelope), Some(statement)) => {
                    attestation.envelope = b64.decode(envelope).map_err(|e| format!("reading an envelope: {e}"))?;
                    attestation.statement = Arc::new(statement);
                }
                (None, None, None) => {}
                _ => return Err("an attestation stored without its envelope and statement".to_owned()),
            }
            Ok(report)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocitrust_core::sigstore::FulcioClaims;
    use ocitrust_core::verdict::{Attestation, CertificateSummary, Check, CheckName, Outcome, SignatureKind, Signer};

    fn report(verified: bool) -> SignatureReport {
        SignatureReport {
            kind: SignatureKind::CosignAttestation,
            location: "r/x:sha256-ab.att layer 0".into(),
            signer: Some(Signer {
                authority: "cosign key".into(),
                key_id: "ab".into(),
                key_type: "ECDSA P-256".into(),
                certificate: Some(CertificateSummary {
                    subject: vec!["ci@example.com".into()],
                    issuer: "https://issuer.example".into(),
                    // Out of name order: the order the certificate has them in is kept.
                    claims: FulcioClaims(vec![("z".into(), "1".into()), ("a".into(), "2".into())]),
                    not_before: 1,
                    not_after: 2,
                }),
                x509_subject: Some("CN=x".into()),
            }),
            checks: vec![Check {
                name: CheckName::Signature,
                outcome: if verified { Outcome::Passed } else { Outcome::Failed },
                detail: String::new(),
            }],
            verified,
            payload: Some(b"{\"p\": 1}".to_vec()),
            cosign_extras: BTreeMap::from([("Bundle".to_owned(), serde_json::json!({"a": [1, 2]}))]),
            attestation: Some(Attestation {
                predicate_type: "https://cyclonedx.org/bom".into(),
                predicate: b"{ \"b\" :2 }".to_vec(),
                envelope: b"{\"payloadType\":\"x\"}".to_vec(),
                statement: Arc::new(serde_json::json!({"predicate": {"b": 2}})),
            }),
            predicate_type: Some("https://cyclonedx.org/bom".into()),
            valid_until: Some(7),
        }
    }

    #[test]
    fn stored_facts_read_back_exactly_and_anything_else_is_refused() {
        let reports = vec![report(true), report(false)];
        let bytes = encode(&reports).unwrap();
        assert_eq!(decode(&bytes).unwrap(), reports);
        for bad in [
            &b"not json"[..],
            b"{}",
            b"[{\"report\": 1}]",
            b"[{\"report\": {\"kind\": \"cosign-signature\"}}]",
        ] {
            assert!(decode(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let mut lost_envelope: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        lost_envelope[0].as_object_mut().unwrap().remove("envelope");
        assert!(decode(&serde_json::to_vec(&lost_envelope).unwrap()).is_err());
        let mut bad_payload: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        bad_payload[0]["payload"] = "***".into();
        assert!(decode(&serde_json::to_vec(&bad_payload).unwrap()).is_err());
        assert!(decode(&vec![b' '; STORED_FACTS_SIZE_MAX + 1]).is_err());
    }

    #[test]
    fn keys_differ_whenever_any_part_differs_or_moves() {
        let key = |parts: &[&[u8]]| FactKey::over(parts.iter().copied());
        assert_eq!(key(&[b"a", b"b"]), key(&[b"a", b"b"]));
        assert_ne!(key(&[b"a", b"b"]), key(&[b"ab"]));
        assert_ne!(key(&[b"a", b"b"]), key(&[b"b", b"a"]));
        assert_ne!(key(&[b"a", b""]), key(&[b"a"]));
    }

    #[test]
    fn a_failed_or_unkept_verification_is_never_reused_and_an_expired_fact_is_gone() {
        let cache = FactCache::new(4, Duration::from_secs(60));
        let key = FactKey::over([&b"k"[..]]);
        let runs = AtomicU64::new(0);
        let verify = |result: Result<Vec<SignatureReport>>| {
            runs.fetch_add(1, Ordering::Relaxed);
            result
        };
        let failed = ocitrust_core::Error::new(ocitrust_core::ErrorCode::Network, "down");
        assert!(cache.reports(&key, true, || verify(Err(failed.clone()))).is_err());
        cache.reports(&key, false, || verify(Ok(vec![report(true)]))).unwrap();
        assert!(cache.is_empty());
        // Holds until 7 (long past): not kept.
        cache.reports(&key, true, || verify(Ok(vec![report(true)]))).unwrap();
        assert!(cache.is_empty());
        let mut lasting = report(true);
        lasting.valid_until = None;
        cache.reports(&key, true, || verify(Ok(vec![lasting.clone()]))).unwrap();
        assert_eq!(cache.reports(&key, true, || verify(Ok(vec![]))).unwrap(), vec![lasting]);
        assert_eq!(runs.load(Ordering::Relaxed), 4);
        assert_eq!(cache.stats().memory_hits.load(Ordering::Relaxed), 1);
        let cache = FactCache::new(4, Duration::ZERO);
        cache.reports(&key, true, || verify(Ok(vec![]))).unwrap();
        assert!(cache.is_empty(), "a time to live of zero keeps nothing");
    }

    #[test]
    fn the_memory_tier_is_bounded_in_bytes_as_well_as_entries() {
        let cache = FactCache::new(1000, Duration::from_secs(60));
        let mut big = report(true);
        big.valid_until = None;
        big.payload = Some(vec![0; FACTS_BYTES_MAX / 4]);
        for i in 0..6u8 {
            let key = FactKey::over([&[i][..]]);
            cache.reports(&key, true, || Ok(vec![big.clone()])).unwrap();
        }
        assert!(
            cache.len() < 4,
            "{} entries of a quarter of the bound each",
            cache.len()
        );
        assert!(lock(&cache.memory).bytes <= FACTS_BYTES_MAX);
        let newest = FactKey::over([&[5u8][..]]);
        assert!(lock(&cache.memory).get(&newest, 0).is_some(), "the newest stays");
    }

    #[test]
    fn concurrent_requests_for_one_key_verify_once() {
        let cache = Arc::new(FactCache::new(4, Duration::from_secs(60)));
        let key = FactKey::over([&b"k"[..]]);
        let runs = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, key, runs) = (cache.clone(), key.clone(), runs.clone());
                std::thread::spawn(move || {
                    cache
                        .reports(&key, true, || {
                            runs.fetch_add(1, Ordering::Relaxed);
                            // The other seven can only be waiting for this one: nothing is kept yet.
                            while cache.stats().waits.load(Ordering::Relaxed) < 7 {
                                std::thread::sleep(Duration::from_millis(1));
                            }
                            Ok(Vec::new())
                        })
                        .unwrap()
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    }

    struct Forged;
    impl FactStore for Forged {
        fn get(&self, _: &FactKey) -> StoreAnswer {
            StoreAnswer::Found(b"[{\"report\": 3}]".to_vec(), u64::MAX)
        }
        fn put(&self, _: &FactKey, _: &[u8], _: u64) -> std::result::Result<(), String> {
            Err("read-only".into())
        }
    }

    #[test]
    fn a_shared_entry_that_does_not_read_back_is_a_rejected_miss_and_verification_runs() {
        let cache = FactCache::new(4, Duration::from_secs(60)).shared_with(Arc::new(Forged));
        let key = FactKey::over([&b"k"[..]]);
        let mut lasting = report(true);
        lasting.valid_until = None;
        let got = cache.reports(&key, true, || Ok(vec![lasting.clone()])).unwrap();
        assert_eq!(got, vec![lasting]);
        let stats = cache.stats();
        assert_eq!(stats.shared_rejected.load(Ordering::Relaxed), 1);
        assert_eq!(
            stats.shared_errors.load(Ordering::Relaxed),
            1,
            "the failed put is counted"
        );
        assert_eq!(stats.verifications.load(Ordering::Relaxed), 1);
    }
}
