//! The decision, as a pure function of the compiled policy, the evidence the verifiers produced
//! and the time: which policy applies (the most specific scope), whether its requirements hold,
//! and an explanation tree (policy → requirement → authority → signature → check) that says why.
//!
//! Thresholds count distinct authorities, and each signer counts for at most one authority: the
//! signatures are matched to authorities (a bipartite matching), so one key or one Fulcio
//! certificate can never satisfy two authorities of the same requirement, however the
//! authorities overlap. Attestation rules hold when at least one verified attestation of the type
//! from an allowed authority names the image and every such attestation satisfies the condition;
//! a condition that errs, returns a non-boolean or runs out of budget fails.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::compile::CompiledPolicy;
use super::document::{AttestationRule, Mode, NoMatch, PolicyRule, Requirement, Requires};
use super::scope::{ScopeName, ScopePattern};
use crate::digest::Digest;
use crate::verdict::{Outcome, SignatureReport};

/// Most steps of the search for a matching that satisfies a nested requirement; past it the
/// requirement fails (it is never assumed to hold).
pub const MATCHING_STEPS_MAX: usize = 1_000_000;

/// The image a decision is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    /// The reference as given.
    pub reference: String,
    /// How it is named for scope matching.
    pub scope_name: ScopeName,
    /// The digest judged (the platform manifest's when one was chosen and judged).
    pub digest: Digest,
    /// The platform chosen, if any.
    pub platform: Option<String>,
}

/// What judging an image's signatures under one authority alone gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Judged {
    /// Every signature examined, with its checks.
    Reports(Vec<SignatureReport>),
    /// Why they could not be judged (a network failure, a missing platform…).
    Failed(String),
}

/// The evidence for one image: for each authority a policy needs, what the verifiers found.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyEvidence {
    /// The image.
    pub image: ImageFacts,
    /// For each authority the signature requirement names: its signatures.
    pub signatures: BTreeMap<String, Judged>,
    /// For each attestation rule of the policy (in order), for each authority it allows: the
    /// attestations of the rule's predicate type.
    pub attestations: Vec<BTreeMap<String, Judged>>,
    /// Insecure options in force while the evidence was gathered.
    pub insecure: Vec<String>,
}

/// What a node of the explanation tree is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// The policy that applied (or the image, when none did).
    Policy,
    /// A requirement: the signatures, a threshold, an attestation rule.
    Requirement,
    /// An authority.
    Authority,
    /// One signature or attestation examined.
    Signature,
    /// One check on it.
    Check,
}

/// One node of the explanation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// What level of the tree this is.
    pub kind: NodeKind,
    /// What this node is about, e.g. `policy "prod"`, `at least 2 of [a, b, c]`, `authority "a"`.
    pub subject: String,
    /// Whether it holds.
    pub passed: bool,
    /// Why, in one line.
    pub reason: String,
    /// What it was decided from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Explanation>,
}

impl Explanation {
    fn leaf(kind: NodeKind, subject: impl Into<String>, passed: bool, reason: impl Into<String>) -> Self {
        Explanation {
            kind,
            subject: subject.into(),
            passed,
            reason: reason.into(),
            children: Vec::new(),
        }
    }

    /// Why it failed, for a one-line summary: each failed authority with its reason and the
    /// first failed signature's, or the deepest failed node above the authorities; each once.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_failures(&mut out);
        out
    }

    fn collect_failures(&self, out: &mut Vec<String>) {
        if self.passed {
            return;
        }
        let line = if self.kind == NodeKind::Authority {
            // The failed signature that got furthest (most checks passed) explains it best.
            let passed_checks = |c: &&Explanation| c.children.iter().filter(|check| check.passed).count();
            match self
                .children
                .iter()
                .filter(|c| !c.passed)
                .rev()
                .max_by_key(passed_checks)
            {
                Some(signature) => format!("{}: {} ({})", self.subject, self.reason, signature.reason),
                None => format!("{}: {}", self.subject, self.reason),
            }
        } else if self.children.iter().any(|c| !c.passed) {
            self.children.iter().for_each(|c| c.collect_failures(out));
            return;
        } else {
            format!("{}: {}", self.subject, self.reason)
        };
        if !out.contains(&line) {
            out.push(line);
        }
    }
}

/// A decision about one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The reference as given.
    pub reference: String,
    /// The digest judged.
    pub digest: String,
    /// Whether the image may be used: the policy held, or its mode only reports.
    pub allowed: bool,
    /// Whether the policy's requirements held.
    pub satisfied: bool,
    /// The mode of the policy that applied (`enforce` when none did and the default denies or
    /// allows; `warn` when none did and the default warns).
    pub mode: Mode,
    /// The policy that applied, or `None` when no scope matched.
    pub policy: Option<String>,
    /// The scope pattern that selected it.
    pub scope: Option<String>,
    /// Why.
    pub explanation: Explanation,
    /// Insecure options that were in force.
    pub insecure: Vec<String>,
    /// The instant the decision speaks for, seconds since the Unix epoch.
    pub time: u64,
}

impl Decision {
    /// The warning to show, when the image is allowed although the policy did not hold (`warn`
    /// mode, or no policy and a default that warns).
    pub fn warning(&self) -> Option<String> {
        if self.satisfied || self.mode != Mode::Warn {
            return None;
        }
        Some(format!("{}: {}", self.reference, self.summary()))
    }

    /// Why the policy did not hold, in one line (empty when it held).
    pub fn summary(&self) -> String {
        self.explanation.failures().join("; ")
    }

    /// The decision as one line of JSON (`ocitrust policy eval -o json`).
    pub fn to_json(&self) -> crate::Result<String> {
        serde_json::to_string(self)
            .map_err(|e| crate::Error::new(crate::ErrorCode::Internal, format!("encoding the decision: {e}")))
    }
}

/// The policy that applies to `name`, and the pattern that selected it: the most specific match.
pub fn select<'a>(policy: &'a CompiledPolicy, name: &ScopeName) -> Option<(&'a PolicyRule, &'a ScopePattern)> {
    policy
        .document
        .policies
        .iter()
        .flat_map(|rule| rule.scope.iter().map(move |pattern| (rule, pattern)))
        .filter(|(_, pattern)| pattern.matches(name))
        .max_by_key(|(_, pattern)| pattern.specificity())
}

/// What the verifiers must establish for `rule`: the authorities whose signatures are judged,
/// and for each attestation rule, its predicate type and authorities.
pub fn needs(rule: &PolicyRule) -> (Vec<&str>, Vec<(&str, Vec<&str>)>) {
    match &rule.requires {
        Requires::Evidence {
            signatures,
            attestations,
        } => {
            let mut names: Vec<&str> = signatures.as_ref().map(Requirement::authorities).unwrap_or_default();
            let mut seen = BTreeSet::new();
            names.retain(|n| seen.insert(*n));
            let attestations = attestations
                .iter()
                .map(|a| {
                    (
                        a.predicate_type.as_str(),
                        a.by.iter().map(|(n, _)| n.as_str()).collect(),
                    )
                })
                .collect();
            (names, attestations)
        }
        Requires::Reject | Requires::InsecureAcceptAnything => (Vec::new(), Vec::new()),
    }
}

/// Decides about `evidence.image` under `policy`, at `time` (seconds since the Unix epoch).
pub fn decide(policy: &CompiledPolicy, evidence: &PolicyEvidence, time: u64) -> Decision {
    let image = &evidence.image;
    let mut insecure = evidence.insecure.clone();
    let Some((rule, pattern)) = select(policy, &image.scope_name) else {
        let no_match = policy.document.defaults.no_match;
        let (satisfied, mode, reason) = match no_match {
            NoMatch::Deny => (
                false,
                Mode::Enforce,
                "no policy's scope matches, and defaults.noMatch is deny",
            ),
            NoMatch::Warn => (
                false,
                Mode::Warn,
                "no policy's scope matches, and defaults.noMatch is warn",
            ),
            NoMatch::Allow => (
                true,
                Mode::Enforce,
                "no policy's scope matches, and defaults.noMatch is allow",
            ),
        };
        return Decision {
            reference: image.reference.clone(),
            digest: image.digest.to_string(),
            allowed: satisfied || mode != Mode::Enforce,
            satisfied,
            mode,
            policy: None,
            scope: None,
            explanation: Explanation::leaf(
                NodeKind::Policy,
                format!("image {}", image.scope_name.repository),
                satisfied,
                reason,
            ),
            insecure,
            time,
        };
    };
    let mut children = Vec::new();
    let satisfied = match &rule.requires {
        Requires::Reject => {
            children.push(Explanation::leaf(
                NodeKind::Requirement,
                "reject",
                false,
                "the policy rejects every image in its scope",
            ));
            false
        }
        Requires::InsecureAcceptAnything => {
            insecure.push(format!("insecure-accept-anything (policy {:?})", rule.name));
            children.push(Explanation::leaf(
                NodeKind::Requirement,
                "insecureAcceptAnything",
                true,
                "the policy accepts every image in its scope without checking anything",
            ));
            true
        }
        Requires::Evidence {
            signatures,
            attestations,
        } => {
            let mut held = true;
            if let Some(requirement) = signatures {
                let judged = with_signed_identities(policy, &evidence.signatures, &image.reference);
                let explanation = explain_signatures(requirement, &judged);
                held &= explanation.passed;
                children.push(explanation);
            }
            for (i, rule) in attestations.iter().enumerate() {
                let empty = BTreeMap::new();
                let judged = evidence.attestations.get(i).unwrap_or(&empty);
                let explanation = explain_attestation(rule, judged, image);
                held &= explanation.passed;
                children.push(explanation);
            }
            held
        }
    };
    let reason = match (satisfied, rule.mode) {
        (true, _) => "every requirement holds".to_owned(),
        (false, Mode::Enforce) => "a requirement does not hold: denied".to_owned(),
        (false, mode) => format!(
            "a requirement does not hold: allowed, as the policy's mode is {}",
            mode.name()
        ),
    };
    Decision {
        reference: image.reference.clone(),
        digest: image.digest.to_string(),
        allowed: satisfied || rule.mode != Mode::Enforce,
        satisfied,
        mode: rule.mode,
        policy: Some(rule.name.clone()),
        scope: Some(pattern.text().to_owned()),
        explanation: Explanation {
            kind: NodeKind::Policy,
            subject: format!("policy {:?}", rule.name),
            passed: satisfied,
            reason,
            children,
        },
        insecure,
        time,
    }
}

/// The evidence as it counts: under an authority whose signatures must claim an image identity,
/// a verified signature that claims another is not verified.
fn with_signed_identities(
    policy: &CompiledPolicy,
    judged: &BTreeMap<String, Judged>,
    image: &str,
) -> BTreeMap<String, Judged> {
    judged
        .iter()
        .map(|(name, judged)| {
            let rule = policy.authority(name).and_then(|a| a.signed_identity.as_ref());
            let judged = match (judged, rule) {
                (Judged::Reports(reports), Some(rule)) => Judged::Reports(
                    reports
                        .iter()
                        .map(|r| super::signed_identity::with_signed_identity(r.clone(), rule, image))
                        .collect(),
                ),
                (judged, _) => judged.clone(),
            };
            (name.clone(), judged)
        })
        .collect()
}

/// Who made a verified signature: its key (for keyless, the certificate's key), or else where it
/// was found. Each counts for one authority at most.
fn signer_id(report: &SignatureReport) -> String {
    report.signer.as_ref().map_or_else(
        || format!("location:{}", report.location),
        |s| format!("key:{}", s.key_id),
    )
}

/// The verified signers of each authority.
fn candidates<'a>(names: &[&'a str], judged: &BTreeMap<String, Judged>) -> Vec<(&'a str, Vec<String>)> {
    names
        .iter()
        .map(|name| {
            let mut signers: Vec<String> = match judged.get(*name) {
                Some(Judged::Reports(reports)) => reports.iter().filter(|r| r.verified).map(signer_id).collect(),
                _ => Vec::new(),
            };
            signers.sort();
            signers.dedup();
            (*name, signers)
        })
        .collect()
}

/// A matching of authorities (by index) to signers.
#[derive(Clone, Default)]
struct Matching {
    signer_of: BTreeMap<usize, String>,
    authority_of: BTreeMap<String, usize>,
}

impl Matching {
    /// Kuhn's augmenting path from `authority`: true when it could be given a signer (others may
    /// move to another of theirs).
    fn augment(
        &mut self,
        authority: usize,
        candidates: &[(&str, Vec<String>)],
        visited: &mut BTreeSet<String>,
    ) -> bool {
        for signer in &candidates[authority].1 {
            if !visited.insert(signer.clone()) {
                continue;
            }
            let holder = self.authority_of.get(signer).copied();
            if holder.is_none_or(|holder| self.augment(holder, candidates, visited)) {
                self.signer_of.insert(authority, signer.clone());
                self.authority_of.insert(signer.clone(), authority);
                return true;
            }
        }
        false
    }

    fn with(&self, authority: usize, candidates: &[(&str, Vec<String>)]) -> Option<Matching> {
        let mut next = self.clone();
        next.augment(authority, candidates, &mut BTreeSet::new())
            .then_some(next)
    }
}

/// Finds a matching under which `requirement` holds, or else a maximum matching (to explain
/// the failure) and `false`.
fn match_signers(requirement: &Requirement, candidates: &[(&str, Vec<String>)]) -> (Matching, bool) {
    let holds_with = |matching: &Matching| {
        requirement.holds(&|name: &str| {
            candidates
                .iter()
                .enumerate()
                .any(|(i, (n, _))| *n == name && matching.signer_of.contains_key(&i))
        })
    };
    let mut maximum = Matching::default();
    for i in 0..candidates.len() {
        if let Some(next) = maximum.with(i, candidates) {
            maximum = next;
        }
    }
    if holds_with(&maximum) {
        return (maximum, true);
    }
    let mut steps = 0;
    match search(requirement, candidates, 0, Matching::default(), &mut steps) {
        Some(found) => (found, true),
        None => (maximum, false),
    }
}

/// Depth-first over the authorities with a signer: include each (when the matching can grow to
/// it) or leave it out, pruning branches where even every remaining authority would not do.
fn search(
    requirement: &Requirement,
    candidates: &[(&str, Vec<String>)],
    next: usize,
    matching: Matching,
    steps: &mut usize,
) -> Option<Matching> {
    *steps += 1;
    if *steps > MATCHING_STEPS_MAX {
        return None;
    }
    let possible = requirement.holds(&|name: &str| {
        candidates.iter().enumerate().any(|(i, (n, signers))| {
            *n == name && (matching.signer_of.contains_key(&i) || (i >= next && !signers.is_empty()))
        })
    });
    if !possible {
        return None;
    }
    if next == candidates.len() {
        return Some(matching);
    }
    if let Some(grown) = matching.with(next, candidates) {
        if let Some(found) = search(requirement, candidates, next + 1, grown, steps) {
            return Some(found);
        }
    }
    search(requirement, candidates, next + 1, matching, steps)
}

fn explain_signatures(requirement: &Requirement, judged: &BTreeMap<String, Judged>) -> Explanation {
    let mut names = requirement.authorities();
    let mut seen = BTreeSet::new();
    names.retain(|n| seen.insert(*n));
    let candidates = candidates(&names, judged);
    let (matching, held) = match_signers(requirement, &candidates);
    let counted: BTreeMap<&str, &str> = matching
        .signer_of
        .iter()
        .map(|(i, signer)| (candidates[*i].0, signer.as_str()))
        .collect();
    let owner: BTreeMap<&str, &str> = counted.iter().map(|(a, s)| (*s, *a)).collect();
    let mut explanation = explain_requirement(requirement, judged, &counted, &owner);
    if !held && explanation.passed {
        // Reachable only when the search ran out of steps: never assume the requirement holds.
        explanation.passed = false;
        explanation.reason = "too many overlapping authorities to decide; denied".into();
    }
    Explanation {
        kind: NodeKind::Requirement,
        subject: "signatures".into(),
        passed: held && explanation.passed,
        reason: if held {
            "the signature requirement holds".into()
        } else {
            "the signature requirement does not hold".into()
        },
        children: vec![explanation],
    }
}

fn describe(requirement: &Requirement) -> String {
    let list = |items: &[Requirement]| items.iter().map(describe).collect::<Vec<_>>().join(", ");
    match requirement {
        Requirement::Authority(name, _) => name.clone(),
        Requirement::Any(items) => format!("any of [{}]", list(items)),
        Requirement::All(items) => format!("all of [{}]", list(items)),
        Requirement::AtLeast(n, items) => format!("at least {n} of [{}]", list(items)),
    }
}

fn explain_requirement(
    requirement: &Requirement,
    judged: &BTreeMap<String, Judged>,
    counted: &BTreeMap<&str, &str>,
    owner: &BTreeMap<&str, &str>,
) -> Explanation {
    match requirement {
        Requirement::Authority(name, _) => explain_authority(name, judged.get(name), counted, owner),
        Requirement::Any(items) | Requirement::All(items) | Requirement::AtLeast(_, items) => {
            let children: Vec<Explanation> = items
                .iter()
                .map(|item| explain_requirement(item, judged, counted, owner))
                .collect();
            let held = children.iter().filter(|c| c.passed).count();
            let needed = match requirement {
                Requirement::Any(_) => 1,
                Requirement::All(_) => items.len(),
                Requirement::AtLeast(n, _) => *n,
                Requirement::Authority(..) => 1,
            };
            Explanation {
                kind: NodeKind::Requirement,
                subject: describe(requirement),
                passed: held >= needed,
                reason: format!("{held} of {} hold, {needed} needed", items.len()),
                children,
            }
        }
    }
}

fn explain_authority(
    name: &str,
    judged: Option<&Judged>,
    counted: &BTreeMap<&str, &str>,
    owner: &BTreeMap<&str, &str>,
) -> Explanation {
    let subject = format!("authority {name:?}");
    let reports = match judged {
        None => return Explanation::leaf(NodeKind::Authority, subject, false, "its signatures were not judged"),
        Some(Judged::Failed(why)) => {
            return Explanation::leaf(
                NodeKind::Authority,
                subject,
                false,
                format!("could not be verified: {why}"),
            )
        }
        Some(Judged::Reports(reports)) => reports,
    };
    let mine = counted.get(name).copied();
    let children: Vec<Explanation> = reports
        .iter()
        .map(|report| {
            let id = signer_id(report);
            let (passed, reason) = match (report.verified, owner.get(id.as_str())) {
                (false, _) => (false, report.failure().unwrap_or("not verified").to_owned()),
                (true, Some(holder)) if *holder == name => (true, "verified; counts for this authority".to_owned()),
                (true, Some(holder)) => (
                    false,
                    format!("verified, but its signer already counts for authority {holder:?}"),
                ),
                (true, None) => (true, "verified".to_owned()),
            };
            explain_report(report, passed, reason)
        })
        .collect();
    let reason = match (mine, reports.is_empty(), reports.iter().any(|r| r.verified)) {
        (Some(_), _, _) => "a verified signature counts for it".to_owned(),
        (None, true, _) => "no signature found".to_owned(),
        (None, false, true) => "its verified signatures' signers already count for other authorities".to_owned(),
        (None, false, false) => "no signature verified under it".to_owned(),
    };
    Explanation {
        kind: NodeKind::Authority,
        subject,
        passed: mine.is_some(),
        reason,
        children,
    }
}

fn explain_report(report: &SignatureReport, passed: bool, reason: String) -> Explanation {
    Explanation {
        kind: NodeKind::Signature,
        subject: format!("{} {}", report.kind.name(), report.location),
        passed,
        reason,
        children: report
            .checks
            .iter()
            .map(|check| {
                Explanation::leaf(
                    NodeKind::Check,
                    format!(
                        "check {}",
                        serde_json::to_value(check.name)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    ),
                    check.outcome != Outcome::Failed,
                    if check.detail.is_empty() {
                        outcome_name(check.outcome).to_owned()
                    } else {
                        format!("{}: {}", outcome_name(check.outcome), check.detail)
                    },
                )
            })
            .collect(),
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::SkippedInsecure => "skipped (insecure)",
        Outcome::NotReached => "not reached",
        Outcome::FailedLogged => "failed (logged)",
        Outcome::SkippedByPolicy => "skipped by policy",
    }
}

fn explain_attestation(rule: &AttestationRule, judged: &BTreeMap<String, Judged>, image: &ImageFacts) -> Explanation {
    let by: Vec<&str> = rule.by.iter().map(|(n, _)| n.as_str()).collect();
    let subject = format!("attestation {} by [{}]", rule.predicate_type, by.join(", "));
    let mut children = Vec::new();
    let mut verified = 0;
    let mut all_pass = true;
    let mut judged_locations = BTreeSet::new();
    for name in &by {
        let reports = match judged.get(*name) {
            None => {
                children.push(Explanation::leaf(
                    NodeKind::Authority,
                    format!("authority {name:?}"),
                    false,
                    "its attestations were not judged",
                ));
                continue;
            }
            Some(Judged::Failed(why)) => {
                children.push(Explanation::leaf(
                    NodeKind::Authority,
                    format!("authority {name:?}"),
                    false,
                    format!("could not be verified: {why}"),
                ));
                continue;
            }
            Some(Judged::Reports(reports)) => reports,
        };
        let mut authority_children = Vec::new();
        for report in reports {
            if !report.verified {
                authority_children.push(explain_report(
                    report,
                    false,
                    report.failure().unwrap_or("not verified").to_owned(),
                ));
                continue;
            }
            if !judged_locations.insert(report.location.clone()) {
                continue;
            }
            verified += 1;
            let (passed, reason) = judge_attestation(rule, report, image);
            all_pass &= passed;
            authority_children.push(explain_report(report, passed, reason));
        }
        let any = authority_children.iter().any(|c| c.passed);
        children.push(Explanation {
            kind: NodeKind::Authority,
            subject: format!("authority {name:?}"),
            passed: any,
            reason: if reports.is_empty() {
                // Named here: a denial's one-line summary shows this node, not the requirement's.
                format!("no {} attestation found", rule.predicate_type)
            } else {
                format!("{} attestation(s) examined", reports.len())
            },
            children: authority_children,
        });
    }
    let passed = verified > 0 && all_pass;
    let reason = match (verified, all_pass) {
        (0, _) => "no verified attestation of this type by an allowed authority".to_owned(),
        (n, true) => format!("{n} verified attestation(s), each satisfies the rule"),
        (n, false) => format!("{n} verified attestation(s), not all satisfy the rule"),
    };
    Explanation {
        kind: NodeKind::Requirement,
        subject,
        passed,
        reason,
        children,
    }
}

/// Whether one verified attestation satisfies the rule: its statement names the image's digest,
/// and the condition, if any, is `true`.
fn judge_attestation(rule: &AttestationRule, report: &SignatureReport, image: &ImageFacts) -> (bool, String) {
    let Some(attestation) = &report.attestation else {
        return (false, "verified, but it carries no statement".into());
    };
    let statement = attestation.statement.as_ref();
    if !names_digest(statement, &image.digest) {
        return (false, format!("the statement's subjects do not name {}", image.digest));
    }
    let Some(condition) = &rule.condition else {
        return (true, "verified; the statement names the image".into());
    };
    let null = serde_json::Value::Null;
    let predicate = statement.get("predicate").unwrap_or(&null);
    let signer = report
        .signer
        .as_ref()
        .and_then(|s| serde_json::to_value(s).ok())
        .unwrap_or(serde_json::Value::Null);
    let image_json = serde_json::json!({
        "reference": image.reference,
        "repository": image.scope_name.repository,
        "digest": image.digest.to_string(),
        "platform": image.platform,
    });
    match condition.evaluate(super::cel::ConditionInputs {
        predicate,
        statement,
        signer: &signer,
        image: &image_json,
    }) {
        Ok(true) => (true, format!("the condition {:?} is true", condition.source())),
        Ok(false) => (false, format!("the condition {:?} is false", condition.source())),
        Err(error) => (false, format!("the condition {:?} failed: {error}", condition.source())),
    }
}

fn names_digest(statement: &serde_json::Value, digest: &Digest) -> bool {
    let Some((algorithm, hex)) = digest
        .to_string()
        .split_once(':')
        .map(|(a, h)| (a.to_owned(), h.to_owned()))
    else {
        return false;
    };
    statement
        .get("subject")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|subjects| {
            subjects.iter().any(|s| {
                s.get("digest")
                    .and_then(|d| d.get(&algorithm))
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|h| h.eq_ignore_ascii_case(&hex))
            })
        })
}
