//! The server's metrics, in Prometheus' text format (`GET /metrics`): requests by path and
//! status, decisions by result, request and verification latency histograms, and what the fact
//! cache did in each tier.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ocitrust::fact_cache::FactCacheStats;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A latency histogram with [`LATENCY_BUCKETS`].
#[derive(Debug)]
pub struct Histogram {
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: LATENCY_BUCKETS.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Counts one observation.
    pub fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// What a decision about one image came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DecisionResult {
    /// The policy held.
    Allowed,
    /// Denied (enforce mode), including failures to decide.
    Denied,
    /// Allowed with a warning (warn mode).
    Warned,
    /// Allowed although the policy did not hold (audit mode).
    Audited,
}

impl DecisionResult {
    /// Its label.
    pub fn name(self) -> &'static str {
        match self {
            DecisionResult::Allowed => "allowed",
            DecisionResult::Denied => "denied",
            DecisionResult::Warned => "warned",
            DecisionResult::Audited => "audited",
        }
    }
}

/// Everything counted.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    decisions: Mutex<BTreeMap<(DecisionResult, bool), u64>>,
    /// Time from a review read to its answer.
    pub request_seconds: Histogram,
    /// Time to decide about one image (verification included, cached or not).
    pub decision_seconds: Histogram,
    /// Time of one verification run for want of a fact (cache misses only).
    pub verification_seconds: Histogram,
    /// Refreshes of the trust material that succeeded.
    pub trust_refreshes: AtomicU64,
    /// Refreshes of the trust material that failed (the last good material stays in force).
    pub trust_refresh_failures: AtomicU64,
}

impl Metrics {
    /// Counts a request to `path` answered with `status`.
    pub fn request(&self, path: &'static str, status: u16) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((path, status)).or_default() += 1;
        }
    }

    /// Counts a decision; `unfinished` when the verification did not finish before the deadline.
    pub fn decision(&self, result: DecisionResult, unfinished: bool) {
        if let Ok(mut decisions) = self.decisions.lock() {
            *decisions.entry((result, unfinished)).or_default() += 1;
        }
    }

    /// Everything, with the fact cache's counters, as Prometheus text.
    pub fn render(&self, cache: &FactCacheStats) -> String {
        let mut out = String::new();
        out.push_str("# HELP ocitrust_admission_requests_total HTTP requests by path and status.\n");
        out.push_str("# TYPE ocitrust_admission_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((path, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "ocitrust_admission_requests_total{{path=\"{path}\",code=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str("# HELP ocitrust_admission_decisions_total Decisions about images by result; unfinished: the verification did not finish before the request's deadline.\n");
        out.push_str("# TYPE ocitrust_admission_decisions_total counter\n");
        if let Ok(decisions) = self.decisions.lock() {
            for ((result, unfinished), count) in decisions.iter() {
                let _ = writeln!(
                    out,
                    "ocitrust_admission_decisions_total{{result=\"{}\",unfinished=\"{unfinished}\"}} {count}",
                    result.name()
                );
            }
        }
        self.request_seconds.render(
            &mut out,
            "ocitrust_admission_request_duration_seconds",
            "Time from a review read to its answer.",
        );
        self.decision_seconds.render(
            &mut out,
            "ocitrust_admission_decision_duration_seconds",
            "Time to decide about one image, verification included.",
        );
        self.verification_seconds.render(
            &mut out,
            "ocitrust_verification_duration_seconds",
            "Time of one verification run for want of a fact (cache misses only).",
        );
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let counters = [
            ("ocitrust_fact_cache_hits_total", "memory", load(&cache.memory_hits)),
            ("ocitrust_fact_cache_hits_total", "redis", load(&cache.shared_hits)),
            ("ocitrust_fact_cache_misses_total", "memory", load(&cache.memory_misses)),
            ("ocitrust_fact_cache_misses_total", "redis", load(&cache.shared_misses)),
            (
                "ocitrust_fact_cache_rejected_total",
                "redis",
                load(&cache.shared_rejected),
            ),
        ];
        let mut named = "";
        for (name, tier, value) in counters {
            if name != named {
                let _ = writeln!(out, "# TYPE {name} counter");
                named = name;
            }
            let _ = writeln!(out, "{name}{{tier=\"{tier}\"}} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP ocitrust_redis_errors_total Requests to Redis that failed (verified live instead).\n# TYPE ocitrust_redis_errors_total counter\nocitrust_redis_errors_total {}",
            load(&cache.shared_errors)
        );
        let _ = writeln!(
            out,
            "# HELP ocitrust_verifications_total Verifications run for want of a usable fact.\n# TYPE ocitrust_verifications_total counter\nocitrust_verifications_total {}",
            load(&cache.verifications)
        );
        let _ = writeln!(
            out,
            "# HELP ocitrust_trust_refreshes_total Refreshes of the Sigstore trust material (TUF) by result; a failed one keeps the last good material.\n# TYPE ocitrust_trust_refreshes_total counter\nocitrust_trust_refreshes_total{{result=\"ok\"}} {}\nocitrust_trust_refreshes_total{{result=\"failed\"}} {}",
            load(&self.trust_refreshes),
            load(&self.trust_refresh_failures)
        );
        let _ = writeln!(
            out,
            "# HELP ocitrust_verification_waits_total Requests that waited for the same verification running for another.\n# TYPE ocitrust_verification_waits_total counter\nocitrust_verification_waits_total {}",
            load(&cache.waits)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_every_series_is_rendered() {
        let metrics = Metrics::default();
        metrics.request_seconds.observe(Duration::from_micros(300));
        metrics.request_seconds.observe(Duration::from_millis(3));
        metrics.request_seconds.observe(Duration::from_secs(60));
        metrics.request("/validate", 200);
        metrics.request("/validate", 400);
        metrics.decision(DecisionResult::Denied, true);
        let stats = FactCacheStats::default();
        stats.shared_rejected.fetch_add(2, Ordering::Relaxed);
        let text = metrics.render(&stats);
        for line in [
            "ocitrust_admission_request_duration_seconds_bucket{le=\"0.0005\"} 1",
            "ocitrust_admission_request_duration_seconds_bucket{le=\"0.005\"} 2",
            "ocitrust_admission_request_duration_seconds_bucket{le=\"30\"} 2",
            "ocitrust_admission_request_duration_seconds_bucket{le=\"+Inf\"} 3",
            "ocitrust_admission_request_duration_seconds_count 3",
            "ocitrust_admission_requests_total{path=\"/validate\",code=\"400\"} 1",
            "ocitrust_admission_decisions_total{result=\"denied\",unfinished=\"true\"} 1",
            "ocitrust_fact_cache_rejected_total{tier=\"redis\"} 2",
            "ocitrust_redis_errors_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}
