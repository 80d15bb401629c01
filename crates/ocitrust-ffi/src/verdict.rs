//! `ocitrust_verdict`: what a verification found, read through accessors.

use std::ffi::c_char;
use std::sync::OnceLock;

use ocitrust::{Check, CheckName, Error, ErrorCode, Outcome, Result, SignatureReport, Verdict};

use crate::boundary::{arg, free_handle, out_param, run, run_or};
use crate::buffer::copy_field;
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;

/// The result of one verification: the subject, whether it is trusted, and every signature
/// examined with each of its checks. Immutable; may be shared between threads.
pub struct ocitrust_verdict {
    verdict: Verdict,
    /// The JSON, made on first request: callers ask for its length, then for the bytes.
    json: OnceLock<String>,
}

impl ocitrust_verdict {
    pub(crate) fn new(verdict: Verdict) -> Self {
        ocitrust_verdict {
            verdict,
            json: OnceLock::new(),
        }
    }

    fn json(&self) -> Result<&str> {
        if let Some(json) = self.json.get() {
            return Ok(json);
        }
        let json = self.verdict.to_json()?;
        Ok(self.json.get_or_init(|| json))
    }
}

/// The name of a check on a signature (`OCITRUST_CHECK_*`).
pub type ocitrust_check_name = u32;
/// The payload bytes hash to the digest the signature manifest names.
pub const OCITRUST_CHECK_INTEGRITY: ocitrust_check_name = 1;
/// The signature verifies over the payload with the trusted key.
pub const OCITRUST_CHECK_SIGNATURE: ocitrust_check_name = 2;
/// The signed payload names the subject's digest.
pub const OCITRUST_CHECK_CLAIMS: ocitrust_check_name = 3;
/// The required annotations are in the same signed payload.
pub const OCITRUST_CHECK_ANNOTATIONS: ocitrust_check_name = 4;
/// The signature is proven to be in the transparency log.
pub const OCITRUST_CHECK_TLOG: ocitrust_check_name = 5;
/// The signing time is vouched for (a verified log entry's integrated time, or a timestamp).
pub const OCITRUST_CHECK_TIMESTAMP: ocitrust_check_name = 6;
/// The signing certificate chains to a trusted certificate authority at the signing time.
pub const OCITRUST_CHECK_CERTIFICATE: ocitrust_check_name = 7;
/// The certificate carries a valid signed certificate timestamp of a trusted CT log.
pub const OCITRUST_CHECK_SCT: ocitrust_check_name = 8;
/// The certificate names the identity and issuer required.
pub const OCITRUST_CHECK_IDENTITY: ocitrust_check_name = 9;
/// The chain holds a certificate of the trust store, and the signer is a trusted identity
/// (notation).
pub const OCITRUST_CHECK_AUTHENTICITY: ocitrust_check_name = 10;
/// The signature has not expired (notation).
pub const OCITRUST_CHECK_EXPIRY: ocitrust_check_name = 11;
/// The signing time is vouched for: a verified timestamp, or the chain valid now (notation).
pub const OCITRUST_CHECK_AUTHENTIC_TIMESTAMP: ocitrust_check_name = 12;
/// No certificate of the chain is revoked (notation).
pub const OCITRUST_CHECK_REVOCATION: ocitrust_check_name = 13;
/// The verification plugin the signature names was found and run (notation).
pub const OCITRUST_CHECK_PLUGIN: ocitrust_check_name = 14;

/// The outcome of a check (`OCITRUST_OUTCOME_*`).
pub type ocitrust_outcome = u32;
/// The check ran and passed.
pub const OCITRUST_OUTCOME_PASSED: ocitrust_outcome = 1;
/// The check ran and failed.
pub const OCITRUST_OUTCOME_FAILED: ocitrust_outcome = 2;
/// The check was skipped because an insecure option allowed it.
pub const OCITRUST_OUTCOME_SKIPPED_INSECURE: ocitrust_outcome = 3;
/// The check was not reached because an earlier check failed.
pub const OCITRUST_OUTCOME_NOT_REACHED: ocitrust_outcome = 4;
/// The check failed, and the trust policy only logs its failures: a warning (notation `log`).
pub const OCITRUST_OUTCOME_FAILED_LOGGED: ocitrust_outcome = 5;
/// The check was not performed: the trust policy skips it (notation `skip`).
pub const OCITRUST_OUTCOME_SKIPPED_BY_POLICY: ocitrust_outcome = 6;

fn check_name_code(name: CheckName) -> ocitrust_check_name {
    match name {
        CheckName::Integrity => OCITRUST_CHECK_INTEGRITY,
        CheckName::Signature => OCITRUST_CHECK_SIGNATURE,
        CheckName::Claims => OCITRUST_CHECK_CLAIMS,
        CheckName::Annotations => OCITRUST_CHECK_ANNOTATIONS,
        CheckName::Tlog => OCITRUST_CHECK_TLOG,
        CheckName::Timestamp => OCITRUST_CHECK_TIMESTAMP,
        CheckName::Certificate => OCITRUST_CHECK_CERTIFICATE,
        CheckName::Sct => OCITRUST_CHECK_SCT,
        CheckName::Identity => OCITRUST_CHECK_IDENTITY,
        CheckName::Authenticity => OCITRUST_CHECK_AUTHENTICITY,
        CheckName::Expiry => OCITRUST_CHECK_EXPIRY,
        CheckName::AuthenticTimestamp => OCITRUST_CHECK_AUTHENTIC_TIMESTAMP,
        CheckName::Revocation => OCITRUST_CHECK_REVOCATION,
        CheckName::Plugin => OCITRUST_CHECK_PLUGIN,
        // A check added to the core without a code here is reported as 0; the test below walks
        // CheckName::ALL so that cannot ship unnoticed.
        _ => 0,
    }
}

fn outcome_code(outcome: Outcome) -> ocitrust_outcome {
    match outcome {
        Outcome::Passed => OCITRUST_OUTCOME_PASSED,
        Outcome::Failed => OCITRUST_OUTCOME_FAILED,
        Outcome::SkippedInsecure => OCITRUST_OUTCOME_SKIPPED_INSECURE,
        Outcome::NotReached => OCITRUST_OUTCOME_NOT_REACHED,
        Outcome::FailedLogged => OCITRUST_OUTCOME_FAILED_LOGGED,
        Outcome::SkippedByPolicy => OCITRUST_OUTCOME_SKIPPED_BY_POLICY,
    }
}

fn not_found(what: &str) -> Error {
    Error::new(ErrorCode::NotFound, format!("the verdict has no {what}"))
}

fn signature(verdict: &Verdict, index: usize) -> Result<&SignatureReport> {
    verdict.signatures.get(index).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "signature index {index} is out of range; the verdict has {}",
                verdict.signatures.len()
            ),
        )
    })
}

/// Copies the text `field` picks from the verdict into the caller's buffer.
unsafe fn copy_verdict_field(
    verdict: *const ocitrust_verdict,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    field: impl FnOnce(&Verdict) -> Result<Vec<u8>>,
) -> ocitrust_result {
    copy_field(verdict, "verdict", buf, buf_len, out_len, |v| field(&v.verdict))
}

/// Whether at least one signature passed every check. NULL gives false.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_trusted(verdict: *const ocitrust_verdict) -> bool {
    run_or(false, || verdict.as_ref().is_some_and(|v| v.verdict.trusted))
}

/// `OCITRUST_OK` when trusted; otherwise the error cosign reports: `OCITRUST_ERR_NO_SIGNATURES`
/// (none found) or `OCITRUST_ERR_NO_MATCHING_SIGNATURES`, whose message says why each one failed.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_require_trusted(
    verdict: *const ocitrust_verdict,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        arg(verdict, "verdict")?.verdict.require_trusted()?;
        Ok(())
    })
}

/// Copies the digest of the manifest whose signatures were checked (`sha256:…`) into `buf`.
/// Buffer rules as `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_digest(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        Ok(v.subject.digest.to_string().into_bytes())
    })
}

/// Copies the reference the verdict is about, as it was given, into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_reference(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        Ok(v.subject.reference.clone().into_bytes())
    })
}

/// Copies the digest of the index the subject was selected from (with a platform set) into `buf`.
/// `OCITRUST_ERR_NOT_FOUND` when no index was involved.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_index_digest(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let digest = v
            .subject
            .index_digest
            .as_ref()
            .ok_or_else(|| not_found("index digest"))?;
        Ok(digest.to_string().into_bytes())
    })
}

/// Copies the digest of the signed index through which the platform manifest is trusted into `buf`
/// (the manifest has no valid signature of its own, the index listing it does).
/// `OCITRUST_ERR_NOT_FOUND` when trust did not come through an index.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_verified_through_index(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let digest = v
            .verified_through_index
            .as_ref()
            .ok_or_else(|| not_found("index it is verified through"))?;
        Ok(digest.to_string().into_bytes())
    })
}

/// Copies why a trust policy trusted the subject without looking at its signatures (a notation
/// statement of level `skip`) into `buf`. `OCITRUST_ERR_NOT_FOUND` when none did.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_skipped_by_policy(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let skipped = v
            .skipped_by_policy
            .as_ref()
            .ok_or_else(|| not_found("policy that skipped verification"))?;
        Ok(skipped.clone().into_bytes())
    })
}

/// Copies the trust policy scope notation signatures were judged under into `buf`: the image's
/// `registry/repository`, the scope given for a layout, or `*` for a layout verified without one
/// (only the policy's `*` statement applied). `OCITRUST_ERR_NOT_FOUND` when the verifier trusts no
/// notation policy.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_notation_scope(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let scope = v.notation_scope.as_ref().ok_or_else(|| not_found("notation scope"))?;
        Ok(scope.clone().into_bytes())
    })
}

/// Copies the platform selected from an index (`os/arch[/variant]`) into `buf`.
/// `OCITRUST_ERR_NOT_FOUND` when no platform was selected.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_platform(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let platform = v.subject.platform.as_ref().ok_or_else(|| not_found("platform"))?;
        Ok(platform.clone().into_bytes())
    })
}

/// Copies the whole verdict as JSON (the CLI's `--output verdict`) into `buf`. Buffer rules as
/// `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_json(
    verdict: *const ocitrust_verdict,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(verdict, "verdict", buf.cast(), buf_len, out_len, |v| {
        Ok(v.json()?.as_bytes().to_vec())
    })
}

/// The instant the verdict speaks for, in seconds since the Unix epoch. NULL gives 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_verification_time(verdict: *const ocitrust_verdict) -> u64 {
    run_or(0, || verdict.as_ref().map_or(0, |v| v.verdict.verification_time))
}

/// How many insecure options were in force (e.g. `insecure-ignore-tlog`). NULL gives 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_insecure_count(verdict: *const ocitrust_verdict) -> usize {
    run_or(0, || verdict.as_ref().map_or(0, |v| v.verdict.insecure.len()))
}

/// Copies the name of insecure option `index` (e.g. `insecure-ignore-tlog`) into `buf`.
/// `OCITRUST_ERR_INVALID_ARGUMENT` when `index` is out of range.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_insecure_option(
    verdict: *const ocitrust_verdict,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let option = v.insecure.get(index).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!(
                    "insecure option index {index} is out of range; the verdict has {}",
                    v.insecure.len()
                ),
            )
        })?;
        Ok(option.clone().into_bytes())
    })
}

/// How many signatures were examined. NULL gives 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_count(verdict: *const ocitrust_verdict) -> usize {
    run_or(0, || verdict.as_ref().map_or(0, |v| v.verdict.signatures.len()))
}

/// Whether signature `index` passed every check (insecurely skipped checks included).
/// `OCITRUST_ERR_INVALID_ARGUMENT` when `index` is out of range.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_verified(
    verdict: *const ocitrust_verdict,
    index: usize,
    verified_out: *mut bool,
) -> ocitrust_result {
    run(std::ptr::null_mut(), || {
        let verdict = &arg(verdict, "verdict")?.verdict;
        let out = out_param(verified_out, "verified_out")?;
        *out = signature(verdict, index)?.verified;
        Ok(())
    })
}

/// Copies the kind of signature `index` into `buf`: `cosign-signature` (tag scheme),
/// `cosign-attestation` (`.att` tag scheme), `sigstore-bundle` (cosign v3 referrer) or
/// `notation-signature` (a notation JWS or COSE envelope referrer).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_kind(
    verdict: *const ocitrust_verdict,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        Ok(signature(v, index)?.kind.name().as_bytes().to_vec())
    })
}

/// Copies where signature `index` was found (artifact and layer) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_location(
    verdict: *const ocitrust_verdict,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        Ok(signature(v, index)?.location.clone().into_bytes())
    })
}

/// Copies the predicate type of signature `index`'s in-toto statement into `buf`, for a verified
/// Sigstore bundle: `https://sigstore.dev/cosign/sign/v1` for a cosign v3 signature, the attested
/// type for an attestation (which verifies as a signature too, as in `cosign verify`).
/// `OCITRUST_ERR_NOT_FOUND` for other signatures, and for one that did not verify.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_predicate_type(
    verdict: *const ocitrust_verdict,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let predicate_type = signature(v, index)?
            .predicate_type
            .as_ref()
            .ok_or_else(|| not_found("predicate type"))?;
        Ok(predicate_type.clone().into_bytes())
    })
}

/// A field of a signature's signer (`OCITRUST_SIGNER_*`), read with
/// `ocitrust_verdict_signature_signer`.
pub type ocitrust_signer_field = u32;
/// The verifier's authority that vouched for the signature, e.g. `cosign key 1f3a…`.
pub const OCITRUST_SIGNER_AUTHORITY: ocitrust_signer_field = 1;
/// The hex SHA-256 of the signing key's DER SubjectPublicKeyInfo.
pub const OCITRUST_SIGNER_KEY_ID: ocitrust_signer_field = 2;
/// The signing key's type, e.g. `ECDSA P-256`.
pub const OCITRUST_SIGNER_KEY_TYPE: ocitrust_signer_field = 3;
/// Keyless: the signing certificate's subject alternative names, one a line.
pub const OCITRUST_SIGNER_CERTIFICATE_SUBJECT: ocitrust_signer_field = 4;
/// Keyless: the signing certificate's OIDC issuer.
pub const OCITRUST_SIGNER_CERTIFICATE_ISSUER: ocitrust_signer_field = 5;
/// Keyless: every Fulcio claim of the certificate, as a JSON object (e.g.
/// `{"github-workflow-repository":"org/repo",…}`).
pub const OCITRUST_SIGNER_CERTIFICATE_CLAIMS: ocitrust_signer_field = 6;
/// Notation: the signing certificate's subject (RFC 4514), e.g. `CN=acme,O=Notary,ST=WA,C=US`.
pub const OCITRUST_SIGNER_X509_SUBJECT: ocitrust_signer_field = 7;

/// Copies `field` of the signer of signature `index` into `buf`. `OCITRUST_ERR_NOT_FOUND` when the
/// signature did not verify (it has no signer), or for a certificate field of a key-signed one;
/// `OCITRUST_ERR_INVALID_ARGUMENT` for an unknown field.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_signer(
    verdict: *const ocitrust_verdict,
    index: usize,
    field: ocitrust_signer_field,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let signer = signature(v, index)?
            .signer
            .as_ref()
            .ok_or_else(|| not_found("signer for this signature"))?;
        let certificate = || {
            signer
                .certificate
                .as_ref()
                .ok_or_else(|| not_found("certificate for this signer (it signed with a key)"))
        };
        let text = match field {
            OCITRUST_SIGNER_AUTHORITY => signer.authority.clone(),
            OCITRUST_SIGNER_KEY_ID => signer.key_id.clone(),
            OCITRUST_SIGNER_KEY_TYPE => signer.key_type.clone(),
            OCITRUST_SIGNER_CERTIFICATE_SUBJECT => certificate()?.subject.join("\n"),
            OCITRUST_SIGNER_CERTIFICATE_ISSUER => certificate()?.issuer.clone(),
            OCITRUST_SIGNER_CERTIFICATE_CLAIMS => certificate()?.claims.to_json(),
            OCITRUST_SIGNER_X509_SUBJECT => signer
                .x509_subject
                .clone()
                .ok_or_else(|| not_found("X.509 subject for this signer (it is not a notation signature)"))?,
            other => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!("unknown signer field {other}"),
                ))
            }
        };
        Ok(text.into_bytes())
    })
}

/// A field of a verified attestation (`OCITRUST_ATTESTATION_*`), read with
/// `ocitrust_verdict_signature_attestation`.
pub type ocitrust_attestation_field = u32;
/// The statement's predicate type, e.g. `https://cyclonedx.org/bom`.
pub const OCITRUST_ATTESTATION_PREDICATE_TYPE: ocitrust_attestation_field = 1;
/// The statement's predicate (an SBOM, a provenance), its JSON bytes as they stand in the signed
/// statement.
pub const OCITRUST_ATTESTATION_PREDICATE: ocitrust_attestation_field = 2;
/// The DSSE envelope as `cosign verify-attestation` prints it (`payloadType`, base64 `payload`,
/// `signatures`).
pub const OCITRUST_ATTESTATION_ENVELOPE: ocitrust_attestation_field = 3;

/// Copies `field` of what attestation `index` states into `buf`, followed by a NUL (a predicate
/// may be large: call with `buf_len` 0 to learn the size in `*out_len` first). Only a verified
/// attestation states anything: `OCITRUST_ERR_NOT_FOUND` for one that did not verify, or a
/// signature; `OCITRUST_ERR_INVALID_ARGUMENT` for an unknown field.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_attestation(
    verdict: *const ocitrust_verdict,
    index: usize,
    field: ocitrust_attestation_field,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf, buf_len, out_len, |v| {
        let attestation = signature(v, index)?
            .attestation
            .as_ref()
            .ok_or_else(|| not_found("verified attestation at this index"))?;
        match field {
            OCITRUST_ATTESTATION_PREDICATE_TYPE => Ok(attestation.predicate_type.clone().into_bytes()),
            OCITRUST_ATTESTATION_PREDICATE => Ok(attestation.predicate.clone()),
            OCITRUST_ATTESTATION_ENVELOPE => Ok(attestation.envelope.clone()),
            other => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("unknown attestation field {other}"),
            )),
        }
    })
}

/// Copies why signature `index` failed (its first failed check's detail) into `buf`.
/// `OCITRUST_ERR_NOT_FOUND` when no check failed.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_failure(
    verdict: *const ocitrust_verdict,
    index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let failure = signature(v, index)?
            .failure()
            .ok_or_else(|| not_found("failed check for this signature"))?;
        Ok(failure.as_bytes().to_vec())
    })
}

/// Copies what signature `index` signed (a simple-signing payload, an in-toto statement, a blob)
/// into `buf`, followed by a NUL. Only a verified signature's payload is handed out:
/// `OCITRUST_ERR_NOT_FOUND` otherwise, and for a blob verified by its digest alone.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_payload(
    verdict: *const ocitrust_verdict,
    index: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf, buf_len, out_len, |v| {
        let report = signature(v, index)?;
        match (&report.payload, report.verified) {
            (Some(payload), true) => Ok(payload.clone()),
            _ => Err(not_found("verified payload for this signature")),
        }
    })
}

/// How many checks signature `index` records. NULL or an index out of range gives 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_check_count(
    verdict: *const ocitrust_verdict,
    index: usize,
) -> usize {
    run_or(0, || {
        verdict
            .as_ref()
            .and_then(|v| v.verdict.signatures.get(index))
            .map_or(0, |s| s.checks.len())
    })
}

fn check(verdict: &Verdict, signature_index: usize, check_index: usize) -> Result<&Check> {
    let report = signature(verdict, signature_index)?;
    report.checks.get(check_index).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!(
                "check index {check_index} is out of range; signature {signature_index} has {}",
                report.checks.len()
            ),
        )
    })
}

/// Copies why check `check_index` of signature `signature_index` failed or was skipped into `buf`.
/// `OCITRUST_ERR_NOT_FOUND` when it passed (a passed check has no detail).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_check_detail(
    verdict: *const ocitrust_verdict,
    signature_index: usize,
    check_index: usize,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_verdict_field(verdict, buf.cast(), buf_len, out_len, |v| {
        let check = check(v, signature_index, check_index)?;
        if check.detail.is_empty() {
            return Err(not_found("detail for this check"));
        }
        Ok(check.detail.clone().into_bytes())
    })
}

/// Reads check `check_index` of signature `signature_index`: its name (`OCITRUST_CHECK_*`) and
/// outcome (`OCITRUST_OUTCOME_*`). `OCITRUST_ERR_INVALID_ARGUMENT` when an index is out of range.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_signature_check(
    verdict: *const ocitrust_verdict,
    signature_index: usize,
    check_index: usize,
    name_out: *mut ocitrust_check_name,
    outcome_out: *mut ocitrust_outcome,
) -> ocitrust_result {
    run(std::ptr::null_mut(), || {
        let verdict = &arg(verdict, "verdict")?.verdict;
        let name_out = out_param(name_out, "name_out")?;
        let outcome_out = out_param(outcome_out, "outcome_out")?;
        let check = check(verdict, signature_index, check_index)?;
        *name_out = check_name_code(check.name);
        *outcome_out = outcome_code(check.outcome);
        Ok(())
    })
}

/// Frees the verdict `*verdict` points to and sets `*verdict` to NULL; NULL or a pointer to NULL
/// does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verdict_free(verdict: *mut *mut ocitrust_verdict) {
    free_handle(verdict);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_and_outcome_has_a_distinct_nonzero_code() {
        let names = CheckName::ALL;
        let codes: std::collections::BTreeSet<_> = names.iter().map(|n| check_name_code(*n)).collect();
        assert_eq!(codes.len(), names.len());
        assert!(!codes.contains(&0));
        let outcomes = [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::SkippedInsecure,
            Outcome::NotReached,
            Outcome::FailedLogged,
            Outcome::SkippedByPolicy,
        ];
        let codes: std::collections::BTreeSet<_> = outcomes.iter().map(|o| outcome_code(*o)).collect();
        assert_eq!(codes.len(), outcomes.len());
    }
}
