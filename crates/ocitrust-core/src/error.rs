//! The one error type of ocitrust and its stable codes.
//!
//! An [`ErrorCode`] is part of the public contract: its numeric value is also the C ABI's
//! `ocitrust_result` and picks the CLI's exit code. Values are grouped by hundreds and never reused.

use std::fmt;

/// What kind of failure an [`Error`] is. The numeric values are stable and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[repr(u32)]
pub enum ErrorCode {
    // 1xx: input that could not be parsed or is not allowed.
    /// A digest string is not `algorithm:hex` with a supported algorithm and exact length.
    InvalidDigest = 100,
    /// An image reference does not follow the reference grammar.
    InvalidReference = 101,
    /// A manifest or index is not valid JSON of the expected shape.
    InvalidManifest = 102,
    /// A signed payload (simple signing) is malformed.
    InvalidPayload = 103,
    /// A key (public or private) cannot be parsed or is of an unsupported kind.
    InvalidKey = 104,
    /// A signature value is malformed (bad base64, wrong encoding).
    InvalidSignatureEncoding = 105,
    /// An argument or option is invalid (an annotation without `=`, a bad platform…).
    InvalidArgument = 106,
    /// Input exceeded a named size or count limit.
    LimitExceeded = 107,
    /// An algorithm or parameter set that ocitrust does not accept.
    Unsupported = 108,
    /// A file or object that was looked for does not exist (a layout file, a tag, a blob).
    NotFound = 109,

    // 2xx: integrity.
    /// Bytes did not hash to the digest that named them.
    DigestMismatch = 200,

    // 3xx: verification outcomes.
    /// No signature was found for the subject.
    NoSignatures = 300,
    /// Signatures were found, but none satisfied every requirement.
    NoMatchingSignatures = 301,

    // 4xx: private keys.
    /// The private key could not be decrypted (wrong password or corrupted key file).
    KeyDecryption = 400,

    // 5xx: the environment.
    /// Reading or writing a file failed.
    Io = 500,

    // 9xx: bugs.
    /// An internal invariant failed; please report it.
    Internal = 900,
}

impl ErrorCode {
    /// The stable numeric value (the C ABI's `ocitrust_result`).
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// A short stable name, e.g. `no_signatures`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidDigest => "invalid_digest",
            ErrorCode::InvalidReference => "invalid_reference",
            ErrorCode::InvalidManifest => "invalid_manifest",
            ErrorCode::InvalidPayload => "invalid_payload",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::InvalidSignatureEncoding => "invalid_signature_encoding",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::NotFound => "not_found",
            ErrorCode::DigestMismatch => "digest_mismatch",
            ErrorCode::NoSignatures => "no_signatures",
            ErrorCode::NoMatchingSignatures => "no_matching_signatures",
            ErrorCode::KeyDecryption => "key_decryption",
            ErrorCode::Io => "io",
            ErrorCode::Internal => "internal",
        }
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
    fn context_prefixes_message_and_keeps_code() {
        let e = Error::new(ErrorCode::NotFound, "blob missing").context("reading layout");
        assert_eq!(e.to_string(), "reading layout: blob missing");
        assert_eq!(e.code(), ErrorCode::NotFound);
    }
}
