//! `ocitrust_policy`: a trust policy document (`ocitrust.dev/v1alpha1` `TrustPolicy`) with its trust
//! material, evaluated for a reference into an `ocitrust_decision`: whether the image may run, under
//! which policy and mode, and why (the explanation tree, in the decision's JSON).

use std::ffi::c_char;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ocitrust::core::policy::{Decision, Mode};
use ocitrust::{Error, ErrorCode, Policy, Result};

use crate::boundary::{arg, arg_bytes, arg_str, arg_str_or_null, free_handle, give, out_param, run, run_or};
use crate::buffer::copy_field;
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;
use crate::verifier::ocitrust_verifier;

/// A trust policy, loaded with the trust material it names. Immutable; may be shared between
/// threads and evaluated concurrently.
pub struct ocitrust_policy {
    policy: Policy,
}

/// A decision about one image. Immutable; may be shared between threads.
pub struct ocitrust_decision {
    decision: Decision,
    json: OnceLock<String>,
}

/// A policy's mode (`OCITRUST_POLICY_MODE_*`).
pub type ocitrust_policy_mode = u32;
/// A failure denies.
pub const OCITRUST_POLICY_MODE_ENFORCE: ocitrust_policy_mode = 1;
/// A failure is allowed, with a warning.
pub const OCITRUST_POLICY_MODE_WARN: ocitrust_policy_mode = 2;
/// A failure is allowed and reported, without a warning.
pub const OCITRUST_POLICY_MODE_AUDIT: ocitrust_policy_mode = 3;

/// Reads the trust policy document at `path` (YAML or JSON, NUL-terminated) and the files it names,
/// relative to its folder. Errors: `OCITRUST_ERR_INVALID_POLICY` (the message starts
/// `PATH:LINE:COLUMN:`), `OCITRUST_ERR_NOT_FOUND`, `OCITRUST_ERR_IO`, `OCITRUST_ERR_LIMIT_EXCEEDED`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_policy_from_file(
    path: *const c_char,
    policy_out: *mut *mut ocitrust_policy,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let path = arg_str(path, "path")?;
        let out = out_param(policy_out, "policy_out")?;
        give(
            out,
            ocitrust_policy {
                policy: Policy::from_file(Path::new(path))?,
            },
        );
        Ok(())
    })
}

/// A trust policy from `document_len` bytes at `document` (YAML or JSON); the files it names are
/// read relative to `base_dir` (NUL-terminated), or the current directory when it is NULL.
/// Errors as `ocitrust_policy_from_file` (the message starts `policy:LINE:COLUMN:`).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_policy_from_bytes(
    document: *const u8,
    document_len: usize,
    base_dir: *const c_char,
    policy_out: *mut *mut ocitrust_policy,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let document = arg_bytes(document, document_len, "document")?;
        let base = if base_dir.is_null() {
            PathBuf::from(".")
        } else {
            PathBuf::from(arg_str(base_dir, "base_dir")?)
        };
        let out = out_param(policy_out, "policy_out")?;
        give(
            out,
            ocitrust_policy {
                policy: Policy::from_bytes(document, &base, "policy")?,
            },
        );
        Ok(())
    })
}

/// Frees a policy and sets `*policy` to NULL. NULL and `*policy == NULL` are ignored.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_policy_free(policy: *mut *mut ocitrust_policy) {
    free_handle(policy);
}

/// Decides whether `reference` (NUL-terminated: `registry/repo[:tag|@digest]` or
/// `oci:PATH[:TAG|@DIGEST]`) may run under `policy`: the reference is resolved to its digest once,
/// and what the applicable policy needs is verified with `verifier`'s options (registry settings,
/// platform, verification time, revocation; its own authorities are not used). `scope`
/// (NUL-terminated, or NULL) names an OCI layout for scope matching. Every verification ends within
/// `timeout_ms` (0: the registry options' timeout); one that does not is a failure, which denies. A
/// denial is a decision, not an error: read `ocitrust_decision_allowed`. Errors only when no
/// decision could be made: `OCITRUST_ERR_INVALID_REFERENCE`, `OCITRUST_ERR_INVALID_ARGUMENT` (a
/// scope for a registry image), `OCITRUST_ERR_NOT_FOUND`, `OCITRUST_ERR_NETWORK`, ….
#[no_mangle]
pub unsafe extern "C" fn ocitrust_policy_evaluate(
    policy: *const ocitrust_policy,
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    scope: *const c_char,
    timeout_ms: u64,
    decision_out: *mut *mut ocitrust_decision,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let policy = arg(policy, "policy")?;
        let verifier = arg(verifier, "verifier")?;
        let reference = arg_str(reference, "reference")?;
        let scope = arg_str_or_null(scope, "scope")?;
        let out = out_param(decision_out, "decision_out")?;
        let limit = (timeout_ms > 0).then(|| std::time::Duration::from_millis(timeout_ms));
        let decision = policy
            .policy
            .evaluate_within(verifier.inner(), reference, scope, limit)?;
        give(
            out,
            ocitrust_decision {
                decision,
                json: OnceLock::new(),
            },
        );
        Ok(())
    })
}

/// Decides for `count` references at once (`references`: `count` NUL-terminated strings), up to
/// `jobs` at a time (0 is 1) on one verifier's connections, a reference named twice evaluated once,
/// all within `timeout_ms` (0: the registry options' timeout). For each reference `i`, exactly one of
/// `decisions_out[i]` (free with `ocitrust_decision_free`) and `errors_out[i]` (why no decision could
/// be made; free with `ocitrust_error_free`) is set and the other is NULL; both arrays, of `count`
/// elements, are the caller's. The call itself fails only on a NULL argument or a reference that is
/// not UTF-8, writing nothing to the arrays then.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_policy_evaluate_all(
    policy: *const ocitrust_policy,
    verifier: *const ocitrust_verifier,
    references: *const *const c_char,
    count: usize,
    scope: *const c_char,
    jobs: usize,
    timeout_ms: u64,
    decisions_out: *mut *mut ocitrust_decision,
    errors_out: *mut *mut ocitrust_error,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let policy = arg(policy, "policy")?;
        let verifier = arg(verifier, "verifier")?;
        let scope = arg_str_or_null(scope, "scope")?;
        if count > 0 && (references.is_null() || decisions_out.is_null() || errors_out.is_null()) {
            return Err(Error::new(
                ErrorCode::NullArgument,
                "`references`, `decisions_out` and `errors_out` must not be NULL when `count` is not 0",
            ));
        }
        let pointers = if count == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(references, count)
        };
        let references = pointers
            .iter()
            .enumerate()
            .map(|(i, p)| arg_str(*p, &format!("references[{i}]")).map(str::to_owned))
            .collect::<Result<Vec<_>>>()?;
        let limit = (timeout_ms > 0).then(|| std::time::Duration::from_millis(timeout_ms));
        policy
            .policy
            .evaluate_all(verifier.inner(), &references, scope, jobs, limit, |i, _, result| {
                let (decision, error) = match result {
                    Ok(decision) => (
                        Box::into_raw(Box::new(ocitrust_decision {
                            decision: decision.clone(),
                            json: OnceLock::new(),
                        })),
                        std::ptr::null_mut(),
                    ),
                    Err(error) => (std::ptr::null_mut(), crate::error::new_error_handle(error.clone())),
                };
                *decisions_out.add(i) = decision;
                *errors_out.add(i) = error;
            });
        Ok(())
    })
}

/// Whether the image may run: the policy held, or its mode only reports. NULL gives false.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_allowed(decision: *const ocitrust_decision) -> bool {
    run_or(false, || decision.as_ref().is_some_and(|d| d.decision.allowed))
}

/// Whether the policy's requirements held (an image can be allowed without: `warn`, `audit`).
/// NULL gives false.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_satisfied(decision: *const ocitrust_decision) -> bool {
    run_or(false, || decision.as_ref().is_some_and(|d| d.decision.satisfied))
}

/// The mode of the policy that applied (`OCITRUST_POLICY_MODE_*`); with no policy, ENFORCE unless
/// the default warns. NULL gives 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_mode(decision: *const ocitrust_decision) -> ocitrust_policy_mode {
    run_or(0, || match decision.as_ref().map(|d| d.decision.mode) {
        Some(Mode::Enforce) => OCITRUST_POLICY_MODE_ENFORCE,
        Some(Mode::Warn) => OCITRUST_POLICY_MODE_WARN,
        Some(Mode::Audit) => OCITRUST_POLICY_MODE_AUDIT,
        None => 0,
    })
}

/// Copies the digest judged (`sha256:…`) into `buf`. Buffer rules as `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_digest(
    decision: *const ocitrust_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(decision, "decision", buf.cast(), buf_len, out_len, |d| {
        Ok(d.decision.digest.clone().into_bytes())
    })
}

/// Copies the name of the policy that applied into `buf`; `OCITRUST_ERR_NOT_FOUND` when no policy's
/// scope matched.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_policy(
    decision: *const ocitrust_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(decision, "decision", buf.cast(), buf_len, out_len, |d| {
        d.decision
            .policy
            .clone()
            .map(String::into_bytes)
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "no policy's scope matched the image"))
    })
}

/// Copies why the policy did not hold, one line (empty when it held), into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_summary(
    decision: *const ocitrust_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(decision, "decision", buf.cast(), buf_len, out_len, |d| {
        Ok(d.decision.summary().into_bytes())
    })
}

/// Copies the whole decision as JSON (`reference`, `digest`, `allowed`, `satisfied`, `mode`,
/// `policy`, `scope`, `explanation`, `insecure`, `time`: `ocitrust policy eval -o json`) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_json(
    decision: *const ocitrust_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(decision, "decision", buf.cast(), buf_len, out_len, |d| {
        Ok(d.json()?.as_bytes().to_vec())
    })
}

impl ocitrust_decision {
    fn json(&self) -> Result<&str> {
        if let Some(json) = self.json.get() {
            return Ok(json);
        }
        let json = self.decision.to_json()?;
        Ok(self.json.get_or_init(|| json))
    }
}

/// Frees a decision and sets `*decision` to NULL. NULL and `*decision == NULL` are ignored.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_decision_free(decision: *mut *mut ocitrust_decision) {
    free_handle(decision);
}
