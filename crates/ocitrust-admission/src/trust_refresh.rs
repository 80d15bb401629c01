//! Trust material kept current while the server runs: every interval the policy is compiled again
//! with the Sigstore root as it is now (the TUF cache, refreshed from its mirror once its metadata
//! has expired) and put in force for the evaluations that start after it. A refresh that fails —
//! the mirror down, metadata that does not verify — changes nothing: the last good material stays
//! in force, the failure is logged and counted, and the next interval tries again. Facts cached
//! under the old material are keyed by its fingerprint, so new material never reuses them.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use ocitrust::{Policy, Result};

use crate::Admission;

/// Compiles the policy again, with the trust material as it is now.
pub type PolicyLoader = Box<dyn Fn() -> Result<Policy> + Send>;

/// Starts a thread that refreshes `admission`'s policy with `load` every `every`, for as long as
/// the process runs.
pub fn keep_trust_material_current(admission: Arc<Admission>, load: PolicyLoader, every: Duration) -> JoinHandle<()> {
    std::thread::spawn(move || loop {
        std::thread::sleep(every);
        refresh_once(&admission, &load);
    })
}

/// One refresh: the new policy in force, or the old one kept.
pub fn refresh_once(admission: &Admission, load: &PolicyLoader) {
    match load() {
        Ok(policy) => {
            let material = policy_material(&policy);
            admission.replace_policy(policy);
            admission
                .metrics
                .trust_refreshes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::info!(trust_material = %material, "trust material refreshed");
        }
        Err(e) => {
            admission
                .metrics
                .trust_refresh_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(error = %e, "refreshing the trust material failed; the last good material stays in force");
        }
    }
}

/// The Sigstore trust material the policy's keyless authorities use, for the log.
fn policy_material(policy: &Policy) -> String {
    let mut described: Vec<String> = Vec::new();
    for authority in &policy.compiled().authorities {
        if let ocitrust::Authority::Keyless(keyless) = &authority.authority {
            let text = keyless.trusted_root.material.describe();
            if !described.contains(&text) {
                described.push(text);
            }
        }
    }
    described.join("; ")
}
