//! Copying a value out into a caller's buffer, reporting the length it needs.

use ocitrust::{Error, ErrorCode, Result};

use crate::boundary::{arg, out_param, run};
use crate::result::ocitrust_result;

/// The accessor shape shared by every handle: checks `handle`, picks a value with `field`, and
/// copies it out with [`copy_out`], behind the panic boundary.
///
/// # Safety
/// As [`copy_out`]; `handle` is NULL or a live `T`.
pub(crate) unsafe fn copy_field<T>(
    handle: *const T,
    name: &str,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    field: impl FnOnce(&T) -> Result<Vec<u8>>,
) -> ocitrust_result {
    run(std::ptr::null_mut(), || {
        let value = field(arg(handle, name)?)?;
        copy_out(&value, buf, buf_len, out_len)
    })
}

/// Copies `value` and a terminating NUL into `buf` (`buf_len` bytes). `*out_len` always receives
/// the value's length without the NUL; when `buf_len < *out_len + 1` nothing is written to `buf`
/// and the result is BufferTooSmall. `buf` may be NULL when `buf_len` is 0 (to ask the length).
///
/// # Safety
/// `buf` is NULL or points to `buf_len` writable bytes; `out_len` is NULL or writable.
pub(crate) unsafe fn copy_out(value: &[u8], buf: *mut u8, buf_len: usize, out_len: *mut usize) -> Result<()> {
    let out_len = out_param(out_len, "out_len")?;
    if buf.is_null() && buf_len != 0 {
        return Err(Error::new(
            ErrorCode::NullArgument,
            "argument `buf` is NULL but `buf_len` is not 0",
        ));
    }
    *out_len = value.len();
    if buf_len <= value.len() {
        return Err(Error::new(
            ErrorCode::BufferTooSmall,
            format!(
                "the value needs {} bytes with its NUL; the buffer has {buf_len}",
                value.len() + 1
            ),
        ));
    }
    std::ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len());
    *buf.add(value.len()) = 0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_length_and_writes_only_when_it_fits() {
        let mut len = 0usize;
        let mut buf = [7u8; 4];
        unsafe {
            let err = copy_out(b"abcd", buf.as_mut_ptr(), 4, &mut len).unwrap_err();
            assert_eq!(err.code(), ErrorCode::BufferTooSmall);
            assert_eq!(len, 4);
            assert_eq!(buf, [7; 4]);
            copy_out(b"abc", buf.as_mut_ptr(), 4, &mut len).unwrap();
            assert_eq!(&buf, b"abc\0");
            assert_eq!(len, 3);
            assert_eq!(
                copy_out(b"abc", std::ptr::null_mut(), 0, &mut len).unwrap_err().code(),
                ErrorCode::BufferTooSmall
            );
            assert_eq!(
                copy_out(b"abc", buf.as_mut_ptr(), 4, std::ptr::null_mut())
                    .unwrap_err()
                    .code(),
                ErrorCode::NullArgument
            );
        }
    }
}
