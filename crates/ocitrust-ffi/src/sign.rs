//! Signing and attesting an image in a registry or an OCI layout with a cosign key:
//! `ocitrust_signing_key`, `ocitrust_sign`, `ocitrust_attest`.

use std::ffi::c_char;

use ocitrust::{AttestOptions, SignOptions, SignOutcome, SigningKey};

use crate::boundary::{arg, arg_array, arg_bytes, arg_str, arg_str_or_null, free_handle, give, out_param, run};
use crate::buffer::copy_field;
use crate::error::ocitrust_error;
use crate::registry_options::ocitrust_registry_options;
use crate::result::ocitrust_result;

/// A private key that signs images. Its secret bytes are wiped when it is freed.
pub struct ocitrust_signing_key {
    key: SigningKey,
}

/// What `ocitrust_sign` (or `ocitrust_attest`) wrote: the signed digest, the new signature (or
/// attestation) manifest and where it is stored.
pub struct ocitrust_sign_outcome {
    outcome: SignOutcome,
}

/// An annotation passed in: `key=value`, both NUL-terminated UTF-8.
#[repr(C)]
pub struct ocitrust_annotation {
    /// The annotation key.
    pub key: *const c_char,
    /// The annotation value.
    pub value: *const c_char,
}

/// Loads a private key from `pem` (`pem_len` bytes): an encrypted cosign key file
/// (`ENCRYPTED SIGSTORE PRIVATE KEY`, decrypted with `password`/`password_len`, which may be empty)
/// or an unencrypted PKCS#8/SEC1 PEM key (password ignored). Errors:
/// `OCITRUST_ERR_KEY_DECRYPTION` (wrong password), `OCITRUST_ERR_INVALID_KEY`, `OCITRUST_ERR_UNSUPPORTED`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_signing_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    password: *const u8,
    password_len: usize,
    key_out: *mut *mut ocitrust_signing_key,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let pem = arg_bytes(pem, pem_len, "pem")?;
        let password = arg_bytes(password, password_len, "password")?;
        let out = out_param(key_out, "key_out")?;
        let key = ocitrust::load_private_key(pem, password)?;
        give(out, ocitrust_signing_key { key });
        Ok(())
    })
}

/// Frees the key `*key` points to (wiping its secret) and sets `*key` to NULL; NULL or a pointer to
/// NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_signing_key_free(key: *mut *mut ocitrust_signing_key) {
    free_handle(key);
}

/// Signs the image `reference` names as `cosign sign --key` does: in a registry
/// (`registry/repo[:tag|@digest]`, reached as `registry` says, or with the strict defaults when it
/// is NULL: credentials from Docker's configuration) the signature goes to the
/// `sha256-<hex>.sig` tag; in an OCI layout (`oci:PATH[:TAG|@DIGEST]`) to that tag or the
/// `cosign save` signatures entry. `annotations` (`annotation_count` of them; NULL when 0) go into the signed payload.
/// `identity` (NUL-terminated, or NULL for the layout path) is the payload's docker-reference.
/// The layout or registry is changed only when signing succeeds.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_sign(
    key: *const ocitrust_signing_key,
    reference: *const c_char,
    annotations: *const ocitrust_annotation,
    annotation_count: usize,
    identity: *const c_char,
    registry: *const ocitrust_registry_options,
    outcome_out: *mut *mut ocitrust_sign_outcome,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let key = arg(key, "key")?;
        let reference = arg_str(reference, "reference")?;
        let mut options = SignOptions::default();
        for (i, annotation) in arg_array(annotations, annotation_count, "annotations")?
            .iter()
            .enumerate()
        {
            let k = arg_str(annotation.key, &format!("annotations[{i}].key"))?;
            let v = arg_str(annotation.value, &format!("annotations[{i}].value"))?;
            options.annotations.insert(k.to_owned(), v.to_owned());
        }
        (options.identity, options.registry) = identity_and_registry(identity, registry)?;
        let out = out_param(outcome_out, "outcome_out")?;
        let outcome = ocitrust::sign(reference, &key.key, &options)?;
        give(out, ocitrust_sign_outcome { outcome });
        Ok(())
    })
}

/// Attests the image `reference` names as `cosign attest --key --tlog-upload=false` does: the
/// predicate (`predicate_len` bytes at `predicate`) in an in-toto statement about the image's
/// digest, as cosign makes it for `predicate_type` (NUL-terminated: `cyclonedx`, `spdxjson`,
/// `slsaprovenance1`, `custom`, … or a URI), signed with `key` in a DSSE envelope and added to the
/// image's `.att` manifest (in a registry, reached as `registry` says or with the strict defaults
/// when it is NULL; in an OCI layout at that tag or the `cosign save` attestations entry). `replace`
/// drops the attestations of the same predicate type first. With `new_bundle_format` it is written
/// as cosign v3 writes it instead: a Sigstore bundle attached as a referrer of the image (`replace`
/// must then be false). `identity` (or NULL) names the
/// statement's subject. Errors: `OCITRUST_ERR_INVALID_ARGUMENT` (a predicate its type refuses, an
/// unknown type), `OCITRUST_ERR_LIMIT_EXCEEDED` (over 32 MiB once enveloped), and those of
/// `ocitrust_sign`. The layout or registry is changed only when attesting succeeds.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_attest(
    key: *const ocitrust_signing_key,
    reference: *const c_char,
    predicate_type: *const c_char,
    predicate: *const u8,
    predicate_len: usize,
    replace: bool,
    new_bundle_format: bool,
    identity: *const c_char,
    registry: *const ocitrust_registry_options,
    outcome_out: *mut *mut ocitrust_sign_outcome,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let key = arg(key, "key")?;
        let reference = arg_str(reference, "reference")?;
        let mut options = AttestOptions {
            predicate_type: arg_str(predicate_type, "predicate_type")?.to_owned(),
            predicate: arg_bytes(predicate, predicate_len, "predicate")?.to_vec(),
            replace,
            new_bundle_format,
            ..AttestOptions::default()
        };
        (options.identity, options.registry) = identity_and_registry(identity, registry)?;
        let out = out_param(outcome_out, "outcome_out")?;
        let outcome = ocitrust::attest(reference, &key.key, &options)?;
        give(out, ocitrust_sign_outcome { outcome });
        Ok(())
    })
}

/// The optional `identity` (NULL: the default name) and `registry` options (NULL: the strict
/// defaults) both signing and attesting take.
///
/// # Safety
/// `identity` is NULL or a NUL-terminated string; `registry` is NULL or a live handle.
unsafe fn identity_and_registry(
    identity: *const c_char,
    registry: *const ocitrust_registry_options,
) -> ocitrust::Result<(Option<String>, ocitrust::RegistryOptions)> {
    let identity = arg_str_or_null(identity, "identity")?.map(str::to_owned);
    let registry = if registry.is_null() {
        ocitrust::RegistryOptions::default()
    } else {
        arg(registry, "registry")?.options.clone()
    };
    Ok((identity, registry))
}

/// Copies the digest that was signed into `buf`. Buffer rules as `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_sign_outcome_subject_digest(
    outcome: *const ocitrust_sign_outcome,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(outcome, "outcome", buf.cast(), buf_len, out_len, |h| {
        Ok(h.outcome.subject.to_string().as_bytes().to_vec())
    })
}

/// Copies the digest of the new signature manifest into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_sign_outcome_signature_digest(
    outcome: *const ocitrust_sign_outcome,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(outcome, "outcome", buf.cast(), buf_len, out_len, |h| {
        Ok(h.outcome.signature_manifest.to_string().as_bytes().to_vec())
    })
}

/// Copies where the signature is stored (e.g. `oci:PATH:sha256-<hex>.sig`) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_sign_outcome_location(
    outcome: *const ocitrust_sign_outcome,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(outcome, "outcome", buf.cast(), buf_len, out_len, |h| {
        Ok(h.outcome.location.as_bytes().to_vec())
    })
}

/// Frees the outcome `*outcome` points to and sets `*outcome` to NULL; NULL or a pointer to NULL
/// does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_sign_outcome_free(outcome: *mut *mut ocitrust_sign_outcome) {
    free_handle(outcome);
}
