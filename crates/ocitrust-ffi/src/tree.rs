//! What is attached to an image in a registry (`ocitrust_verifier_tree`), and where its signatures
//! are stored (`ocitrust_verifier_triangulate`), with a verifier's registry settings.

use std::ffi::c_char;
use std::sync::OnceLock;

use ocitrust::{Attached, Error, ErrorCode};

use crate::boundary::{arg, arg_str, free_handle, give, out_param, run};
use crate::buffer::{copy_field, copy_out};
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;
use crate::verifier::ocitrust_verifier;

/// A buffer this large always holds a location `ocitrust_verifier_triangulate` writes.
pub const OCITRUST_LOCATION_SIZE_MAX: usize = 8192;

/// What is attached to one image: cosign's tag-scheme signatures, attestations and SBOMs, and its
/// OCI 1.1 referrers. Read it as JSON with `ocitrust_attached_json`.
pub struct ocitrust_attached {
    attached: Attached,
    json: OnceLock<String>,
}

/// Lists what is attached to the image `reference` (NUL-terminated, `registry/repo[:tag|@digest]`)
/// in its registry, reached with `verifier`'s registry settings. Referrers come from the OCI 1.1
/// referrers API, or its tag-schema fallback only when the API answers 404.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_tree(
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    attached_out: *mut *mut ocitrust_attached,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let verifier = arg(verifier, "verifier")?;
        let reference = arg_str(reference, "reference")?;
        let out = out_param(attached_out, "attached_out")?;
        let attached = verifier.inner().tree(reference)?;
        give(
            out,
            ocitrust_attached {
                attached,
                json: OnceLock::new(),
            },
        );
        Ok(())
    })
}

/// Copies `attached` as JSON (`subject`, `tag_scheme`: kind, reference, layers; `referrers`:
/// digest, media_type, artifact_type, size; `referrers_source`) into `buf`. Buffer rules as
/// `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_attached_json(
    attached: *const ocitrust_attached,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(attached, "attached", buf.cast(), buf_len, out_len, |a| {
        if let Some(json) = a.json.get() {
            return Ok(json.as_bytes().to_vec());
        }
        let json = a.attached.to_json()?;
        Ok(a.json.get_or_init(|| json).as_bytes().to_vec())
    })
}

/// Frees `*attached` and sets it to NULL; NULL or a pointer to NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_attached_free(attached: *mut *mut ocitrust_attached) {
    free_handle(attached);
}

/// Writes where the `kind` artifacts (`"signature"`, `"attestation"`, `"sbom"`; NULL means
/// `"signature"`) of `reference` are stored, or for `"digest"` the image pinned by digest, as
/// `cosign triangulate` prints it, into `buf`: a tag in
/// a registry is resolved with `verifier`'s registry settings. `*out_len` receives the length; a
/// buffer of `OCITRUST_LOCATION_SIZE_MAX` bytes always suffices (a smaller one that is too small
/// gives `OCITRUST_ERR_BUFFER_TOO_SMALL`, and asking again resolves the tag again).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_triangulate(
    verifier: *const ocitrust_verifier,
    reference: *const c_char,
    kind: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let verifier = arg(verifier, "verifier")?;
        let reference = arg_str(reference, "reference")?;
        let kind = if kind.is_null() {
            "signature"
        } else {
            arg_str(kind, "kind")?
        };
        out_param(out_len, "out_len")?;
        let location = verifier.inner().triangulate(reference, kind)?;
        if location.len() >= OCITRUST_LOCATION_SIZE_MAX {
            return Err(Error::new(
                ErrorCode::Internal,
                "a location longer than OCITRUST_LOCATION_SIZE_MAX",
            ));
        }
        copy_out(location.as_bytes(), buf.cast(), buf_len, out_len)
    })
}
