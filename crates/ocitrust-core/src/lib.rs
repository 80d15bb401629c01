//! ocitrust-core: the sans-IO heart of ocitrust.
//!
//! Every function here takes bytes, trust material and (where it matters) a time, and returns a value:
//! no network, no file system, no clock. That is what makes it fuzzable, benchmarkable and usable
//! offline. The I/O lives in `ocitrust-registry`; the facade `ocitrust` joins the two.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admission;
pub mod authority;
pub mod blob;
mod checks;
pub mod cosign;
pub mod crypto;
pub mod digest;
pub mod error;
pub mod go_json;
pub mod go_reading;
pub mod hex;
pub mod notation;
pub mod oci;
mod pem_text;
pub mod policy;
pub mod reference;
pub mod sigstore;
pub mod verdict;
pub mod x509;

pub use authority::Authority;
pub use digest::Digest;
pub use error::{Error, ErrorCode, Result};
pub use reference::Reference;
pub use verdict::Verdict;
