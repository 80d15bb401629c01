//! The cryptographic library verification and hashing run on: `ring` by default, `aws-lc-rs` with
//! the `aws-lc-rs` feature (its P-384 verification, which Fulcio's CA uses, takes about a fourth of
//! ring's instructions). Both expose the same API for what is used here. Signing and key
//! generation, on no hot path, stay on `ring` either way.

#[cfg(feature = "aws-lc-rs")]
pub(crate) use aws_lc_rs::{digest, signature};
#[cfg(not(feature = "aws-lc-rs"))]
pub(crate) use ring::{digest, signature};
