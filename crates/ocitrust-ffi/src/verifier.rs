//! `ocitrust_verifier`: trust material plus requirements; verifies OCI layouts or caller-fetched bytes.

use std::ffi::c_char;
use std::time::{Duration, UNIX_EPOCH};

use ocitrust::{Authority, Platform, Verifier};

use crate::boundary::{arg, arg_array, arg_bytes, arg_mut, arg_str, free_handle, give, out_param, run};
use crate::error::ocitrust_error;
use crate::public_key::ocitrust_public_key;
use crate::registry_options::ocitrust_registry_options;
use crate::result::ocitrust_result;
use crate::trusted_root::ocitrust_trusted_root;
use crate::verdict::ocitrust_verdict;

/// A verifier: the authorities it trusts (keys, added with `ocitrust_verifier_add_key`; keyless
/// identities, added with `ocitrust_verifier_add_identity`) and what a
/// signature must also satisfy. Set it up before sharing it; `ocitrust_verifier_verify*` take it
/// `const` and may run on many threads at once.
pub struct ocitrust_verifier {
    verifier: Verifier,
}

/// Runs `change` on the verifier behind the panic boundary, after checking the pointer.
pub(crate) unsafe fn configure(
    verifier: *mut ocitrust_verifier,
    error_out: *mut *mut ocitrust_error,
    change: impl FnOnce(&mut ocitrust_verifier) -> ocitrust::Result<()>,
) -> ocitrust_result {
    run(error_out, || change(arg_mut(verifier, "verifier")?))
}

impl ocitrust_verifier {
    /// Replaces the facade verifier with `change` applied to it (its builder methods take it by value).
    pub(crate) fn rebuild(&mut self, change: impl FnOnce(Verifier) -> Verifier) {
        self.verifier = change(self.verifier.clone());
    }

    /// The facade verifier.
    pub(crate) fn inner(&self) -> &Verifier {
        &self.verifier
    }
}

/// A byte buffer passed in: `len` bytes at `data` (`data` may be NULL when `len` is 0).
#[repr(C)]
pub struct ocitrust_bytes {
    /// The first byte.
    pub data: *const u8,
    /// How many bytes.
    pub len: usize,
}

/// Makes a verifier that trusts no one yet: add at least one authority
/// (`ocitrust_verifier_add_key`) before verifying, or verification fails with
/// `OCITRUST_ERR_INVALID_ARGUMENT`. Defaults are strict: a transparency-log proof is required and no
/// platform is selected.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_new(
    verifier_out: *mut *mut ocitrust_verifier,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let out = out_param(verifier_out, "verifier_out")?;
        give(
            out,
            ocitrust_verifier {
                verifier: Verifier::trusting([]),
            },
        );
        Ok(())
    })
}

/// Trusts signatures made with `key` (copied; `key` may be freed afterwards), as one more authority:
/// a signature is trusted when any one authority vouches for it (`cosign verify --key`).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_add_key(
    verifier: *mut ocitrust_verifier,
    key: *const ocitrust_public_key,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let key = arg(key, "key")?.key.clone();
        verifier.rebuild(|v| v.trust(Authority::CosignKey(key)));
        Ok(())
    })
}

/// Requires the annotation `key=value` in the signed payload (`cosign verify -a key=value`);
/// repeatable, all must hold on the same signature. Both strings are NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_require_annotation(
    verifier: *mut ocitrust_verifier,
    key: *const c_char,
    value: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let key = arg_str(key, "key")?;
        let value = arg_str(value, "value")?;
        verifier.rebuild(|v| v.require_annotation(key, value));
        Ok(())
    })
}

/// Resolves an index to the manifest for `platform` (`os/arch[/variant]`, e.g. `linux/arm64/v8`)
/// and verifies that manifest's own signatures. Errors: `OCITRUST_ERR_INVALID_ARGUMENT` for a
/// malformed platform.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_platform(
    verifier: *mut ocitrust_verifier,
    platform: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let platform = Platform::parse(arg_str(platform, "platform")?)?;
        verifier.rebuild(|v| v.platform(Some(platform)));
        Ok(())
    })
}

/// With a platform set: when `require` is true, the platform manifest must carry a signature of its
/// own. By default a platform manifest is also trusted when the index listing it is signed (most
/// publishers sign only the index); `ocitrust_verdict_verified_through_index` then names the index.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_require_platform_signature(
    verifier: *mut ocitrust_verifier,
    require: bool,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        verifier.rebuild(|v| v.require_platform_signature(require));
        Ok(())
    })
}

/// INSECURE when `ignore` is true: accepts signatures without a transparency-log proof
/// (`--insecure-ignore-tlog`). Verdicts record it (`ocitrust_verdict_insecure_count`).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_insecure_ignore_tlog(
    verifier: *mut ocitrust_verifier,
    ignore: bool,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        verifier.rebuild(|v| v.insecure_ignore_tlog(ignore));
        Ok(())
    })
}

/// INSECURE when `ignore` is true: accepts Fulcio certificates without a verified signed
/// certificate timestamp (`--insecure-ignore-sct`). Verdicts record it.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_insecure_ignore_sct(
    verifier: *mut ocitrust_verifier,
    ignore: bool,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        verifier.rebuild(|v| v.insecure_ignore_sct(ignore));
        Ok(())
    })
}

/// Checks the transparency-log entries of key-signed signatures against `root`'s logs (shared)
/// instead of the embedded production root's (`--trusted-root`). Keyless identities carry their own.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_trusted_root(
    verifier: *mut ocitrust_verifier,
    root: *const ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let root = arg(root, "root")?.root.clone();
        verifier.rebuild(|v| v.trusted_root(root));
        Ok(())
    })
}

/// Verifies a blob signed with a Sigstore bundle (`cosign verify-blob --bundle`): `bundle` is the
/// bundle JSON (`bundle_len` bytes, at most 1 MiB), the blob is `artifact` (`artifact_len` bytes) or,
/// when `artifact` is NULL, `artifact_digest` (NUL-terminated `sha256:<hex>`, or `sha512:<hex>` for
/// a DSSE subject); `label` (NUL-terminated) names it in the verdict. Offline. On success
/// `*verdict_out` receives the verdict, trusted or not. Errors: `OCITRUST_ERR_INVALID_PAYLOAD` (the
/// bundle does not parse), `OCITRUST_ERR_INVALID_ARGUMENT`, `OCITRUST_ERR_LIMIT_EXCEEDED`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_verify_blob(
    verifier: *const ocitrust_verifier,
    bundle: *const u8,
    bundle_len: usize,
    artifact: *const u8,
    artifact_len: usize,
    artifact_digest: *const c_char,
    label: *const c_char,
    verdict_out: *mut *mut ocitrust_verdict,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let verifier = arg(verifier, "verifier")?;
        let bundle = arg_bytes(bundle, bundle_len, "bundle")?;
        let label = arg_str(label, "label")?;
        let digest;
        let artifact = if artifact.is_null() {
            digest = ocitrust::Digest::parse(arg_str(artifact_digest, "artifact_digest")?)?;
            ocitrust::Artifact::Digest(&digest)
        } else {
            ocitrust::Artifact::Bytes(arg_bytes(artifact, artifact_len, "artifact")?)
        };
        let out = out_param(verdict_out, "verdict_out")?;
        let verdict = verifier.verifier.verify_blob(bundle, artifact, label)?;
        give(out, ocitrust_verdict::new(verdict));
        Ok(())
    })
}

/// Judges evidence as of `unix_seconds` (seconds since 1970-01-01 UTC) instead of the current time.
/// Key-based cosign checks do not depend on time; the instant is recorded in the verdict, and
/// certificate validity (keyless, notation) is judged at it.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_verification_time(
    verifier: *mut ocitrust_verifier,
    unix_seconds: u64,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let time = UNIX_EPOCH
            .checked_add(Duration::from_secs(unix_seconds))
            .ok_or_else(|| {
                ocitrust::Error::new(
                    ocitrust::ErrorCode::InvalidArgument,
                    format!("verification time {unix_seconds} is out of range"),
                )
            })?;
        verifier.rebuild(|v| v.verification_time(Some(time)));
        Ok(())
    })
}

/// Lets one verification read at most `bytes` in all from a registry or a layout (manifests,
/// payloads, referrers, bundles; default 64 MiB): past it the verification fails with
/// `OCITRUST_ERR_LIMIT_EXCEEDED`. It bounds the memory a hostile image can make a verification use.
/// Errors: `OCITRUST_ERR_INVALID_ARGUMENT` for 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_read_budget(
    verifier: *mut ocitrust_verifier,
    bytes: u64,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        if bytes == 0 {
            return Err(ocitrust::Error::new(
                ocitrust::ErrorCode::InvalidArgument,
                "a read budget of 0 bytes would fail every verification",
            ));
        }
        verifier.rebuild(|v| v.read_budget(bytes));
        Ok(())
    })
}

/// Reaches registries as `options` say (copied; `options` may be freed afterwards). Without this
/// call the strict defaults of `ocitrust_registry_options_new` apply.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_registry_options(
    verifier: *mut ocitrust_verifier,
    options: *const ocitrust_registry_options,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let registry = arg(options, "options")?.options.clone();
        verifier.rebuild(|v| v.registry_options(registry));
        Ok(())
    })
}

/// Verifies the image `reference` names: `registry/repository[:tag|@digest]` in an OCI registry, or
/// `oci:PATH[:TAG|@DIGEST]` (an OCI image layout, e.g. from `cosign save`). On success `*verdict_out` receives the verdict — trusted or not; call
/// `ocitrust_verdict_require_trusted` to turn an untrusted verdict into cosign's error. A failure
/// here means the evidence could not be read or is corrupt: `OCITRUST_ERR_NOT_FOUND`,
/// `OCITRUST_ERR_DIGEST_MISMATCH`, `OCITRUST_ERR_INVALID_MANIFEST`, `OCITRUST_ERR_INVALID_REFERENCE`,
/// `OCITRUST_ERR_NETWORK`, `OCITRUST_ERR_UNAUTHORIZED`, `OCITRUST_ERR_LIMIT_EXCEEDED`, …
///
/// A verification in a registry ends within the registry options' timeout (3 minutes unless set):
/// every request shares it. `timeout_ms`, when not 0, shortens it for this call (a caller's own
/// deadline); past it the call fails with `OCITRUST_ERR_TIMEOUT`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_verify(
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    timeout_ms: u64,
    verdict_out: *mut *mut ocitrust_verdict,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    verify_reference(
        verifier,
        reference,
        timeout_ms,
        verdict_out,
        error_out,
        |v, reference, limit| v.verify_within(reference, limit),
    )
}

/// The shape both verify entry points share: the verifier, the reference and the deadline
/// (`timeout_ms`, 0 for none) checked and handed to `verify`, its verdict given out.
///
/// # Safety
/// As `ocitrust_verifier_verify`.
unsafe fn verify_reference(
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    timeout_ms: u64,
    verdict_out: *mut *mut ocitrust_verdict,
    error_out: *mut *mut ocitrust_error,
    verify: impl FnOnce(&ocitrust::Verifier, &str, Option<std::time::Duration>) -> ocitrust::Result<ocitrust::Verdict>,
) -> ocitrust_result {
    run(error_out, || {
        let verifier = arg(verifier, "verifier")?;
        let reference = arg_str(reference, "reference")?;
        let out = out_param(verdict_out, "verdict_out")?;
        let limit = (timeout_ms > 0).then(|| std::time::Duration::from_millis(timeout_ms));
        let verdict = verify(&verifier.verifier, reference, limit)?;
        give(out, ocitrust_verdict::new(verdict));
        Ok(())
    })
}

/// Verifies the attestations of the image `reference` names (as `ocitrust_verifier_verify` does
/// for signatures) whose predicate type is `predicate_type` (NUL-terminated; cosign's `--type`: an
/// alias such as `cyclonedx`, `spdxjson`, `slsaprovenance1`, `custom`, or a URI), from the `.att`
/// tag scheme (cosign v2) and Sigstore bundle referrers (cosign v3). The verdict is trusted when one
/// attestation passed every check of one authority and states that predicate type about the
/// image's digest; read what a verified one states with `ocitrust_verdict_signature_attestation`.
/// With a platform set, the platform manifest's own attestations are judged, never its index's.
/// Errors as `ocitrust_verifier_verify`, and `OCITRUST_ERR_INVALID_ARGUMENT` for an unknown
/// predicate type, `OCITRUST_ERR_NO_SIGNATURES` for a platform without attestations whose index has
/// some (the message names the index).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_verify_attestations(
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    predicate_type: *const c_char,
    timeout_ms: u64,
    verdict_out: *mut *mut ocitrust_verdict,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    verify_reference(
        verifier,
        reference,
        timeout_ms,
        verdict_out,
        error_out,
        |v, reference, limit| {
            let predicate_type = arg_str(predicate_type, "predicate_type")?;
            v.verify_attestations_within(reference, predicate_type, limit)
        },
    )
}

/// Verifies evidence the caller fetched itself (sans-IO): the subject manifest's bytes, its cosign
/// signature manifest's bytes (`signature_manifest = NULL, signature_manifest_len = 0` when the
/// subject has none), and the `payload_count` payload blobs that manifest references, in any
/// order. Every byte is hashed here, so a lying fetcher is caught. `reference` (NUL-terminated)
/// only labels the verdict. A verifier with a platform set is refused: pass the platform manifest.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_verify_bytes(
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    subject_manifest: *const u8,
    subject_manifest_len: usize,
    signature_manifest: *const u8,
    signature_manifest_len: usize,
    payloads: *const ocitrust_bytes,
    payload_count: usize,
    verdict_out: *mut *mut ocitrust_verdict,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let verifier = arg(verifier, "verifier")?;
        let reference = arg_str(reference, "reference")?;
        let subject = arg_bytes(subject_manifest, subject_manifest_len, "subject_manifest")?;
        if subject.is_empty() {
            return Err(ocitrust::Error::new(
                ocitrust::ErrorCode::InvalidArgument,
                "argument `subject_manifest` is empty",
            ));
        }
        let signatures = match (signature_manifest.is_null(), signature_manifest_len) {
            (true, 0) => None,
            _ => Some(arg_bytes(
                signature_manifest,
                signature_manifest_len,
                "signature_manifest",
            )?),
        };
        let blobs = arg_array(payloads, payload_count, "payloads")?
            .iter()
            .enumerate()
            .map(|(i, b)| arg_bytes(b.data, b.len, &format!("payloads[{i}].data")))
            .collect::<ocitrust::Result<Vec<&[u8]>>>()?;
        let out = out_param(verdict_out, "verdict_out")?;
        let verdict = verifier.verifier.verify_bytes(reference, subject, signatures, &blobs)?;
        give(out, ocitrust_verdict::new(verdict));
        Ok(())
    })
}

/// Frees the verifier `*verifier` points to and sets `*verifier` to NULL; NULL or a pointer to
/// NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_free(verifier: *mut *mut ocitrust_verifier) {
    free_handle(verifier);
}
