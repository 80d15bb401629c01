//! The edge between C and Rust: the panic boundary around every exported body, NULL and UTF-8
//! checks on arguments, and handing owned objects out to and back from the caller.

use std::any::Any;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use ocitrust::{Error, ErrorCode, Result};

use crate::error::{ocitrust_error, report_error};
use crate::result::{ocitrust_result, result_of, OCITRUST_OK};

/// Runs `body` behind the panic boundary. On failure the code is returned and, when `error_out` is
/// not NULL, an error handle is written to it.
pub(crate) fn run(error_out: *mut *mut ocitrust_error, body: impl FnOnce() -> Result<()>) -> ocitrust_result {
    let error = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return OCITRUST_OK,
        Ok(Err(error)) => error,
        Err(panic) => panic_error(panic.as_ref()),
    };
    let code = result_of(error.code());
    report_error(error_out, error);
    code
}

/// Runs an infallible accessor behind the panic boundary, answering `fallback` if it panics.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_error(panic: &(dyn Any + Send)) -> Error {
    let detail = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    Error::new(
        ErrorCode::Panic,
        format!("ocitrust panicked (please report this): {detail}"),
    )
}

fn null_argument(name: &str) -> Error {
    Error::new(ErrorCode::NullArgument, format!("argument `{name}` is NULL"))
}

/// `ptr` as a shared reference, or a NullArgument error naming `name`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` for `'a`.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    ptr.as_ref().ok_or_else(|| null_argument(name))
}

/// `ptr` as an exclusive reference, or a NullArgument error naming `name`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` for `'a` that nothing else uses meanwhile.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    ptr.as_mut().ok_or_else(|| null_argument(name))
}

/// A NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string live for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    CStr::from_ptr(ptr).to_str().map_err(|e| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("argument `{name}` is not UTF-8: {e}"),
        )
    })
}

/// An optional NUL-terminated UTF-8 string argument: `None` when `ptr` is NULL.
///
/// # Safety
/// As [`arg_str`].
pub(crate) unsafe fn arg_str_or_null<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        arg_str(ptr, name).map(Some)
    }
}

/// A byte buffer argument; `ptr` may be NULL only when `len` is 0.
///
/// # Safety
/// When `len` is not 0, `ptr` points to `len` readable bytes live for `'a`.
pub(crate) unsafe fn arg_bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    if len > isize::MAX as usize {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("argument `{name}` has an impossible length {len}"),
        ));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// An array argument of `count` elements; `ptr` may be NULL only when `count` is 0.
///
/// # Safety
/// When `count` is not 0, `ptr` points to `count` initialised `T`s live for `'a`.
pub(crate) unsafe fn arg_array<'a, T>(ptr: *const T, count: usize, name: &str) -> Result<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    if count > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("argument `{name}` has an impossible count {count}"),
        ));
    }
    Ok(std::slice::from_raw_parts(ptr, count))
}

/// An out-parameter, checked before any work is done so a NULL one fails early.
///
/// # Safety
/// `ptr` is NULL or points to writable storage for a `T`.
pub(crate) unsafe fn out_param<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    ptr.as_mut().ok_or_else(|| null_argument(name))
}

/// Moves `value` to the heap and gives the caller ownership of it.
pub(crate) fn give<T>(out: &mut *mut T, value: T) {
    *out = Box::into_raw(Box::new(value));
}

/// Takes back and drops a handle given out with [`give`], then sets the caller's pointer to NULL.
/// NULL, or a pointer to NULL, is a no-op.
///
/// # Safety
/// `handle` is NULL or points to a pointer that is NULL or came from [`give`] with the same `T`
/// and has not been freed since.
pub(crate) unsafe fn free_handle<T>(handle: *mut *mut T) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(slot) = handle.as_mut() {
            let owned = std::mem::replace(slot, std::ptr::null_mut());
            if !owned.is_null() {
                drop(Box::from_raw(owned));
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_the_panic_code_with_the_message() {
        let mut error: *mut ocitrust_error = std::ptr::null_mut();
        let code = run(&mut error, || panic!("boom"));
        assert_eq!(code, crate::OCITRUST_ERR_PANIC);
        let message = unsafe { &*error }.error.message().to_owned();
        assert!(message.contains("boom"), "{message}");
        unsafe { free_handle(&mut error) };
        assert!(error.is_null());
    }

    #[test]
    fn null_and_non_utf8_arguments_are_errors() {
        unsafe {
            assert_eq!(
                arg::<u8>(std::ptr::null(), "x").unwrap_err().code(),
                ErrorCode::NullArgument
            );
            assert_eq!(
                arg_str(std::ptr::null(), "s").unwrap_err().code(),
                ErrorCode::NullArgument
            );
            let bad = [0xffu8, 0];
            assert_eq!(
                arg_str(bad.as_ptr().cast(), "s").unwrap_err().code(),
                ErrorCode::InvalidArgument
            );
            assert_eq!(arg_bytes(std::ptr::null(), 0, "b").unwrap(), &[] as &[u8]);
            assert_eq!(
                arg_bytes(std::ptr::null(), 3, "b").unwrap_err().code(),
                ErrorCode::NullArgument
            );
            let one = 1u8;
            assert_eq!(
                arg_bytes(&one, usize::MAX, "b").unwrap_err().code(),
                ErrorCode::InvalidArgument
            );
        }
    }
}
