//! Exit codes, as cosign uses them: 10 no signatures, 12 no matching signatures, 1 anything else.

use ocitrust::{Error, ErrorCode};

/// No signature was found.
pub const NO_SIGNATURES: u8 = 10;
/// Signatures were found but none matched.
pub const NO_MATCHING_SIGNATURES: u8 = 12;
/// Any other failure.
pub const OTHER: u8 = 1;

pub fn for_error(error: &Error) -> u8 {
    match error.code() {
        ErrorCode::NoSignatures => NO_SIGNATURES,
        ErrorCode::NoMatchingSignatures => NO_MATCHING_SIGNATURES,
        _ => OTHER,
    }
}
