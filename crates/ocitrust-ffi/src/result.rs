//! `ocitrust_result`: the code every fallible function returns. Its values are the Rust
//! `ErrorCode`'s, one to one; `OCITRUST_OK` (0) is success.

use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

use ocitrust::ErrorCode;

/// The outcome of a fallible call: `OCITRUST_OK` or one of the `OCITRUST_ERR_*` codes. Values are
/// grouped by hundreds (1xx bad input, 2xx integrity, 3xx verification, 4xx private keys,
/// 5xx environment, 9xx bugs) and never reused.
pub type ocitrust_result = u32;

/// Success.
pub const OCITRUST_OK: ocitrust_result = 0;
/// A digest string is not `algorithm:hex` with a supported algorithm and exact length.
pub const OCITRUST_ERR_INVALID_DIGEST: ocitrust_result = 100;
/// An image reference does not follow the reference grammar.
pub const OCITRUST_ERR_INVALID_REFERENCE: ocitrust_result = 101;
/// A manifest or index is not valid JSON of the expected shape.
pub const OCITRUST_ERR_INVALID_MANIFEST: ocitrust_result = 102;
/// A signed payload (simple signing) is malformed.
pub const OCITRUST_ERR_INVALID_PAYLOAD: ocitrust_result = 103;
/// A key (public or private) cannot be parsed or is of an unsupported kind.
pub const OCITRUST_ERR_INVALID_KEY: ocitrust_result = 104;
/// A signature value is malformed (bad base64, wrong encoding).
pub const OCITRUST_ERR_INVALID_SIGNATURE_ENCODING: ocitrust_result = 105;
/// An argument is invalid: a string that is not UTF-8, a bad platform, an index out of range…
pub const OCITRUST_ERR_INVALID_ARGUMENT: ocitrust_result = 106;
/// Input exceeded a named size or count limit.
pub const OCITRUST_ERR_LIMIT_EXCEEDED: ocitrust_result = 107;
/// An algorithm, parameter set or kind of reference that ocitrust does not accept.
pub const OCITRUST_ERR_UNSUPPORTED: ocitrust_result = 108;
/// What was looked for does not exist: a file, a tag, a blob, or a verdict field with no value.
pub const OCITRUST_ERR_NOT_FOUND: ocitrust_result = 109;
/// A required pointer argument was NULL.
pub const OCITRUST_ERR_NULL_ARGUMENT: ocitrust_result = 110;
/// The caller's buffer is too small; the needed length was written to the length out-parameter.
pub const OCITRUST_ERR_BUFFER_TOO_SMALL: ocitrust_result = 111;
/// A certificate, certificate chain or trust material is malformed, or does not chain to what is
/// trusted.
pub const OCITRUST_ERR_INVALID_CERTIFICATE: ocitrust_result = 112;
/// A trust policy or trust store is malformed or breaks its rules.
pub const OCITRUST_ERR_INVALID_POLICY: ocitrust_result = 113;
/// Bytes did not hash to the digest that named them.
pub const OCITRUST_ERR_DIGEST_MISMATCH: ocitrust_result = 200;
/// No signature was found for the subject.
pub const OCITRUST_ERR_NO_SIGNATURES: ocitrust_result = 300;
/// Signatures were found, but none satisfied every requirement.
pub const OCITRUST_ERR_NO_MATCHING_SIGNATURES: ocitrust_result = 301;
/// The private key could not be decrypted (wrong password or corrupted key file).
pub const OCITRUST_ERR_KEY_DECRYPTION: ocitrust_result = 400;
/// Reading or writing a file failed.
pub const OCITRUST_ERR_IO: ocitrust_result = 500;
/// A registry could not be reached or answered outside the protocol (connection, TLS, timeout,
/// unexpected status, too many redirects or retries).
pub const OCITRUST_ERR_NETWORK: ocitrust_result = 501;
/// A registry refused the credentials (or their absence): HTTP 401 or 403.
pub const OCITRUST_ERR_UNAUTHORIZED: ocitrust_result = 502;
/// The operation's time limit ran out (the registry options' timeout, or a call's `timeout_ms`).
pub const OCITRUST_ERR_TIMEOUT: ocitrust_result = 503;
/// An internal invariant failed; please report it.
pub const OCITRUST_ERR_INTERNAL: ocitrust_result = 900;
/// ocitrust panicked; the panic was caught at the C boundary. Please report it.
pub const OCITRUST_ERR_PANIC: ocitrust_result = 901;

/// The `ocitrust_result` for `code`.
pub(crate) fn result_of(code: ErrorCode) -> ocitrust_result {
    code.as_u32()
}

/// The stable name of `result` (`"ok"`, `"no_signatures"`, …), or `"unknown"` for a value that is
/// not a code. The string is NUL-terminated, static, and must not be freed.
#[no_mangle]
pub extern "C" fn ocitrust_result_name(result: ocitrust_result) -> *const c_char {
    static NAMES: OnceLock<HashMap<u32, CString>> = OnceLock::new();
    const OK: &CStr = c"ok";
    const UNKNOWN: &CStr = c"unknown";
    if result == OCITRUST_OK {
        return OK.as_ptr();
    }
    let names = NAMES.get_or_init(|| {
        ErrorCode::ALL
            .iter()
            .map(|c| (c.as_u32(), CString::new(c.name()).expect("code names have no NUL")))
            .collect()
    });
    names.get(&result).map_or(UNKNOWN.as_ptr(), |n| n.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_rust_codes() {
        let name = |r| unsafe { CStr::from_ptr(ocitrust_result_name(r)) }.to_str().unwrap();
        assert_eq!(name(OCITRUST_OK), "ok");
        assert_eq!(name(OCITRUST_ERR_NO_SIGNATURES), "no_signatures");
        assert_eq!(name(OCITRUST_ERR_PANIC), "panic");
        assert_eq!(name(7), "unknown");
        for code in ErrorCode::ALL {
            assert_eq!(name(result_of(*code)), code.name());
        }
    }
}
