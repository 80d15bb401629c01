//! The one error type of ocitrust and its stable codes.
//!
//! An [`ErrorCode`] is part of the public contract: its numeric value is also the C ABI's
//! `ocitrust_result` and picks the CLI's exit code. Values are grouped by hundreds and never reused.

use std::fmt;

/// Declares [`ErrorCode`] once: the variants with their numbers, their stable names and the list of
/// all codes come from the same table, so the C ABI and the bindings can enumerate them completely.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $value:literal => $name:literal,)*) => {
        /// What kind of failure an [`Error`] is. The numeric values are stable and never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        #[repr(u32)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant = $value,)*
        }

        impl ErrorCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// A short stable name, e.g. `no_signatures`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    // 1xx: input that could not be parsed or is not allowed.
    /// A digest string is not `algorithm:hex` with a supported algorithm and exact length.
    InvalidDigest = 100 => "invalid_digest",
    /// An image reference does not follow the reference grammar.
    InvalidReference = 101 => "invalid_reference",
    /// A manifest or index is not valid JSON of the expected shape.
    InvalidManifest = 102 => "invalid_manifest",
    /// A signed payload (simple signing) is malformed.
    InvalidPayload = 103 => "invalid_payload",
    /// A key (public or private) cannot be parsed or is of an unsupported kind.
    InvalidKey = 104 => "invalid_key",
    /// A signature value is malformed (bad base64, wrong encoding).
    InvalidSignatureEncoding = 105 => "invalid_signature_encoding",
    /// An argument or option is invalid (an annotation without `=`, a bad platform…).
    InvalidArgument = 106 => "invalid_argument",
    /// Input exceeded a named size or count limit.
    LimitExceeded = 107 => "limit_exceeded",
    /// An algorithm or parameter set that ocitrust does not accept.
    Unsupported = 108 => "unsupported",
    /// A file or object that was looked for does not exist (a layout file, a tag, a blob).
    NotFound = 109 => "not_found",
    /// A required pointer argument was NULL (C ABI).
    NullArgument = 110 => "null_argument",
    /// A caller's output buffer is too small; the needed length was reported (C ABI).
    BufferTooSmall = 111 => "buffer_too_small",
    /// A certificate, certificate chain or trust material is malformed, or does not chain to what
    /// is trusted.
    InvalidCertificate = 112 => "invalid_certificate",
    /// A trust policy or trust store is malformed or breaks its rules (notation's
    /// `trustpolicy.json`, a named trust store).
    InvalidPolicy = 113 => "invalid_policy",

    // 2xx: integrity.
    /// Bytes did not hash to the digest that named them.
    DigestMismatch = 200 => "digest_mismatch",

    // 3xx: verification outcomes.
    /// No signature was found for the subject.
    NoSignatures = 300 => "no_signatures",
    /// Signatures were found, but none satisfied every requirement.
    NoMatchingSignatures = 301 => "no_matching_signatures",

    // 4xx: private keys.
    /// The private key could not be decrypted (wrong password or corrupted key file).
    KeyDecryption = 400 => "key_decryption",

    // 5xx: the environment.
    /// Reading or writing a file failed.
    Io = 500 => "io",
    /// A registry could not be reached or answered outside the protocol (connection, TLS, timeout,
    /// unexpected status, too many redirects or retries).
    Network = 501 => "network",
    /// A registry refused the credentials (or their absence): HTTP 401 or 403.
    Unauthorized = 502 => "unauthorized",
    /// The operation's time limit ran out (`--timeout`, a C call's `timeout_ms`, a Go context's
    /// deadline) before the registry had answered everything it needed.
    Timeout = 503 => "timeout",

    // 9xx: bugs.
    /// An internal invariant failed; please report it.
    Internal = 900 => "internal",
    /// Code behind the C ABI panicked; the panic was caught at the boundary. Please report it.
    Panic = 901 => "panic",
}

impl ErrorCode {
    /// The stable numeric value (the C ABI's `ocitrust_result`).
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// The code with numeric value `value`, if there is one.
    pub fn from_u32(value: u32) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_u32() == value)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error: a stable [`ErrorCode`] and a message saying what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// An error with `code` and a human-readable `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with `context` put in front of its message (`context: message`).
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error {
            code: self.code,
            message: format!("{context}: {}", self.message),
        }
    }
}

/// `Result<T, ocitrust_core::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_numbers() {
        assert_eq!(ErrorCode::NoSignatures.as_u32(), 300);
        assert_eq!(ErrorCode::NoMatchingSignatures.as_u32(), 301);
        assert_eq!(ErrorCode::DigestMismatch.as_u32(), 200);
    }

    #[test]
    fn all_lists_every_code_once_in_order_and_round_trips() {
        assert!(ErrorCode::ALL.windows(2).all(|w| w[0].as_u32() < w[1].as_u32()));
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_u32(code.as_u32()), Some(code));
            assert!(!code.name().is_empty());
        }
        assert_eq!(ErrorCode::from_u32(0), None);
        assert_eq!(ErrorCode::from_u32(299), None);
    }

    #[test]
    fn context_prefixes_message_and_keeps_code() {
        let e = Error::new(ErrorCode::NotFound, "blob missing").context("reading layout");
        assert_eq!(e.to_string(), "reading layout: blob missing");
        assert_eq!(e.code(), ErrorCode::NotFound);
    }
}
