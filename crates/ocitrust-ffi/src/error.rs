//! `ocitrust_error`: why a call failed — its code and the full message.

use std::ffi::c_char;

use ocitrust::{Error, ErrorCode};

use crate::boundary::{free_handle, give, run_or};
use crate::buffer::copy_field;
use crate::result::{ocitrust_result, result_of};

/// Why a call failed: an `ocitrust_result` code and a message saying what was expected and what was
/// found. Owned by the caller; release it with `ocitrust_error_free`.
pub struct ocitrust_error {
    pub(crate) error: Error,
}

/// A new error handle for the caller to free with `ocitrust_error_free`.
pub(crate) fn new_error_handle(error: Error) -> *mut ocitrust_error {
    Box::into_raw(Box::new(ocitrust_error { error }))
}

/// Writes an error handle to `error_out` when it is not NULL, freeing the error an earlier call left
/// there (the API contract: `*error_out` is NULL or such an error); otherwise drops the error.
pub(crate) fn report_error(error_out: *mut *mut ocitrust_error, error: Error) {
    // SAFETY: the caller of the exported function promised `error_out` is NULL or writable, and
    // `*error_out` NULL or an error handle it owns, which is freed here before being replaced.
    unsafe { free_handle(error_out) };
    if let Some(out) = unsafe { error_out.as_mut() } {
        give(out, ocitrust_error { error });
    }
}

/// The code of `error`, or `OCITRUST_ERR_NULL_ARGUMENT` when `error` is NULL.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_error_code(error: *const ocitrust_error) -> ocitrust_result {
    run_or(result_of(ErrorCode::Panic), || {
        // SAFETY: `error` is NULL or a live handle (API contract).
        match unsafe { error.as_ref() } {
            Some(e) => result_of(e.error.code()),
            None => result_of(ErrorCode::NullArgument),
        }
    })
}

/// Copies the message of `error` into `buf` (`buf_len` bytes, NUL-terminated). `*out_len` receives
/// the message length without the NUL, also when the buffer is too small
/// (`OCITRUST_ERR_BUFFER_TOO_SMALL`); pass `buf = NULL, buf_len = 0` to ask for the length.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_error_message(
    error: *const ocitrust_error,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(error, "error", buf.cast(), buf_len, out_len, |h| {
        Ok(h.error.message().as_bytes().to_vec())
    })
}

/// Frees the error `*error` points to and sets `*error` to NULL. `error == NULL` or `*error == NULL`
/// does nothing, so calling it twice on the same variable is safe.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_error_free(error: *mut *mut ocitrust_error) {
    free_handle(error);
}
