//! One AdmissionReview decided: every image the workload names evaluated under the trust policy
//! (each distinct one once, all at the same time), the answer given before the request's
//! deadline. A verification still running then is a denial (a warning in `warn` mode) that names
//! the time allowed; it goes on in the background, so the API server's retry finds its facts in the
//! cache. Nothing is ever allowed for want of an answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ocitrust::core::admission::{
    read_review, review_response, workload_images, AdmissionAnswer, ReviewError, WorkloadImage,
};
use ocitrust::core::policy::{Decision, Mode};
use ocitrust::{Digest, FactCache, Policy, Verifier};

use crate::evaluation_threads::EvaluationThreads;
use crate::metrics::{DecisionResult, Metrics};

/// What the server needs to decide: the policy, the verifier (registry options, the fact cache),
/// and what it counts.
pub struct Admission {
    /// The policy in force: replaced whole when its trust material is refreshed
    /// ([`crate::trust_refresh`]); each evaluation uses the one it started with.
    policy: std::sync::RwLock<Policy>,
    verifier: Verifier,
    cache: Arc<FactCache>,
    mutates: bool,
    /// Turns for evaluations: a slow registry cannot make the server start a thread per image
    /// without end.
    evaluations: Arc<tokio::sync::Semaphore>,
    /// Where evaluations run.
    threads: EvaluationThreads,
    /// What was counted.
    pub metrics: Arc<Metrics>,
}

/// How many images are evaluated at once, across all reviews.
pub const EVALUATIONS_MAX: usize = 256;

/// How a review was answered.
#[derive(Debug)]
pub enum Reviewed {
    /// An AdmissionReview response (HTTP 200).
    Answer(Vec<u8>),
    /// The body was not an acceptable review (HTTP 400), and why.
    Refused(String),
}

/// The review being answered: its uid, the time the API server allows, when it was read.
#[derive(Clone, Copy)]
struct ReviewAt<'a> {
    uid: &'a str,
    allowed: Duration,
    started: Instant,
}

/// What became of one image's evaluation.
enum Outcome {
    Decided(Decision),
    Failed(String),
    Unfinished,
}

impl Admission {
    /// Decides under `policy` with `verifier`'s options, keeping facts in `cache` (whose
    /// verifications are timed into the metrics).
    pub fn new(policy: Policy, verifier: Verifier, cache: FactCache) -> Self {
        let metrics = Arc::new(Metrics::default());
        let timed = metrics.clone();
        let cache =
            Arc::new(cache.timing_verifications(Arc::new(move |took| timed.verification_seconds.observe(took))));
        Admission {
            policy: std::sync::RwLock::new(policy),
            verifier: verifier.fact_cache(Some(cache.clone())),
            cache,
            mutates: false,
            evaluations: Arc::new(tokio::sync::Semaphore::new(EVALUATIONS_MAX)),
            threads: EvaluationThreads::default(),
            metrics,
        }
    }

    /// Whether `/mutate` is served: pinning images to the digests verified (`--mutate-digest`).
    pub fn mutating(mut self, mutates: bool) -> Self {
        self.mutates = mutates;
        self
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        match self.policy.read() {
            Ok(policy) => policy.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts `policy` in force for the evaluations that start from now on.
    pub fn replace_policy(&self, policy: Policy) {
        match self.policy.write() {
            Ok(mut current) => *current = policy,
            Err(poisoned) => *poisoned.into_inner() = policy,
        }
    }

    /// Whether `/mutate` is served.
    pub fn mutates(&self) -> bool {
        self.mutates
    }

    /// The fact cache.
    pub fn cache(&self) -> &FactCache {
        &self.cache
    }

    /// Answers the review in `body` before `deadline`; with `mutate`, the answer pins every
    /// image to the digest that was judged (only when all are allowed).
    pub async fn review(self: &Arc<Self>, body: &[u8], mutate: bool, deadline: Instant, allowed: Duration) -> Reviewed {
        let started = Instant::now();
        let request = match read_review(body) {
            Ok(request) => request,
            Err(ReviewError(why)) => return Reviewed::Refused(why),
        };
        let images = match workload_images(&request) {
            Ok(images) => images,
            Err(ReviewError(why)) => {
                let answer = AdmissionAnswer {
                    allowed: false,
                    denials: vec![why],
                    warnings: Vec::new(),
                    pins: Vec::new(),
                };
                return Reviewed::Answer(review_response(&request.uid, &answer));
            }
        };
        let mut distinct: Vec<(String, Vec<WorkloadImage>)> = Vec::new();
        for image in images {
            match distinct.iter_mut().find(|(name, _)| *name == image.normalised) {
                Some((_, same)) => same.push(image),
                None => distinct.push((image.normalised.clone(), vec![image])),
            }
        }
        let running: Vec<_> = distinct
            .iter()
            .map(|(name, _)| {
                let (admission, name) = (self.clone(), name.clone());
                let (done, result) = tokio::sync::oneshot::channel();
                tokio::spawn(async move {
                    // At most EVALUATIONS_MAX at once; one still waiting at the deadline is unfinished,
                    // and still runs when its turn comes, for the retry.
                    let Ok(turn) = admission.evaluations.clone().acquire_owned().await else {
                        return;
                    };
                    let threads = admission.threads.clone();
                    threads.run(move || {
                        let began = Instant::now();
                        let decided = admission.policy().evaluate(&admission.verifier, &name, None);
                        admission.metrics.decision_seconds.observe(began.elapsed());
                        drop(turn);
                        let _ = done.send(decided);
                    });
                });
                result
            })
            .collect();
        let mut answer = AdmissionAnswer {
            allowed: true,
            denials: Vec::new(),
            warnings: Vec::new(),
            pins: Vec::new(),
        };
        for ((name, images), task) in distinct.into_iter().zip(running) {
            let outcome = match tokio::time::timeout_at(deadline.into(), task).await {
                Ok(Ok(Ok(decision))) => Outcome::Decided(decision),
                Ok(Ok(Err(error))) => Outcome::Failed(error.message().to_owned()),
                Ok(Err(_)) => Outcome::Failed("the evaluation stopped without an answer".to_owned()),
                // The evaluation goes on without its receiver: its facts are kept for the retry.
                Err(_) => Outcome::Unfinished,
            };
            let review = ReviewAt {
                uid: &request.uid,
                allowed,
                started,
            };
            self.answer_for(&review, &name, &images, outcome, &mut answer);
        }
        if !mutate {
            answer.pins.clear();
        }
        self.metrics.request_seconds.observe(started.elapsed());
        Reviewed::Answer(review_response(&request.uid, &answer))
    }

    /// Adds what `outcome` means for `images` (one image, named in one or more places) to `answer`,
    /// and logs the decision.
    fn answer_for(
        &self,
        review: &ReviewAt<'_>,
        name: &str,
        images: &[WorkloadImage],
        outcome: Outcome,
        answer: &mut AdmissionAnswer,
    ) {
        let ReviewAt { uid, allowed, started } = *review;
        let given = &images[0].given;
        let label = if images[0].was_normalised() {
            format!("{given} (normalised to {name})")
        } else {
            given.clone()
        };
        let (result, digest, policy, why) = match &outcome {
            Outcome::Decided(decision) => {
                let result = match (decision.satisfied, decision.allowed, decision.mode) {
                    (true, _, _) => DecisionResult::Allowed,
                    (false, false, _) => DecisionResult::Denied,
                    (false, true, Mode::Warn) => DecisionResult::Warned,
                    (false, true, _) => DecisionResult::Audited,
                };
                (
                    result,
                    Some(decision.digest.clone()),
                    decision.policy.clone(),
                    decision.summary(),
                )
            }
            Outcome::Failed(why) => (self.failure_result(name), None, None, why.clone()),
            Outcome::Unfinished => (
                self.failure_result(name),
                None,
                None,
                format!(
                    "verification did not finish in {:.1}s (the time the API server allows); it goes on, and a retry uses its result",
                    allowed.as_secs_f64()
                ),
            ),
        };
        match result {
            DecisionResult::Denied => {
                answer.allowed = false;
                answer.denials.push(format!("{label}: {why}"));
            }
            DecisionResult::Warned => answer.warnings.push(format!("{label}: {why}")),
            DecisionResult::Allowed | DecisionResult::Audited => {}
        }
        if let Some(digest) = digest.as_deref().and_then(|d| Digest::parse(d).ok()) {
            answer
                .pins
                .extend(images.iter().map(|image| (image.clone(), digest.clone())));
        }
        self.metrics.decision(result, matches!(outcome, Outcome::Unfinished));
        tracing::info!(
            uid,
            image = given.as_str(),
            normalised = name,
            digest = digest.as_deref().unwrap_or(""),
            policy = policy.as_deref().unwrap_or(""),
            result = result.name(),
            reason = why.as_str(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "decision"
        );
    }

    /// What a failure to decide about `name` comes to under the policy's mode for it.
    fn failure_result(&self, name: &str) -> DecisionResult {
        match self.policy().mode_for(name, None) {
            Ok(Mode::Warn) => DecisionResult::Warned,
            Ok(Mode::Audit) => DecisionResult::Audited,
            _ => DecisionResult::Denied,
        }
    }
}

/// The instant to answer by, for a request allowed `timeout`: a tenth of it (at least 100 ms, at
/// most 1 s) earlier, so the answer reaches the API server in time.
pub fn answer_by(received: Instant, timeout: Duration) -> Instant {
    let margin = (timeout / 10).clamp(Duration::from_millis(100), Duration::from_secs(1));
    received + timeout.saturating_sub(margin)
}
