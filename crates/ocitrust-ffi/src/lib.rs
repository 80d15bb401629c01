//! The C ABI of ocitrust. `include/ocitrust.h` is generated from this crate by cbindgen (see
//! `cbindgen.toml`); the doc comments here are the header's documentation.
//!
//! Conventions (after rustls-ffi), the same for every function:
//! - Objects are opaque handles made by `ocitrust_*_new`/`_from_*`/`_generate` and released with
//!   `ocitrust_*_free(&handle)`, which frees the object and sets the caller's pointer to NULL, so a
//!   second call on the same variable, or a call with NULL, does nothing.
//! - Fallible functions return an `ocitrust_result`: `OCITRUST_OK` (0) or a code equal to the Rust
//!   `ErrorCode`, grouped by hundreds and never reused. Other outputs are out-parameters written
//!   only on success. Functions that can fail for reasons worth a sentence take a last
//!   `ocitrust_error **error_out`: when it is not NULL and the call fails, it receives an error
//!   handle (message and code) that the caller frees; accessors return only the code.
//!   `*error_out` must be NULL or an error an earlier call wrote there, which a new error then
//!   frees and replaces: one variable can be reused across calls without leaking.
//! - Strings passed in are NUL-terminated UTF-8; byte buffers are a pointer and a length (the pointer
//!   may be NULL when the length is 0). Inputs are copied; nothing the caller passes is retained.
//! - Strings handed out are copied into a caller buffer (see `ocitrust_verdict_json`): the length is
//!   always reported, the buffer is written only when it has room for the value and a NUL.
//! - Every function runs inside a panic boundary and checks every pointer for NULL.
//! - Handles may be shared between threads for functions that take them `const`; functions that
//!   take them non-`const` (option setters, free) need exclusive access.
#![allow(non_camel_case_types)]
// Every exported function is `unsafe` because it takes raw pointers; the contract is the same for
// all of them (the conventions above: pointers are NULL or valid for the call) and is written once.
#![allow(clippy::missing_safety_doc)]
#![warn(missing_docs)]

mod boundary;
mod buffer;
mod error;
mod identity;
mod key_pair;
mod notation;
mod policy;
mod public_key;
mod registry_options;
mod result;
mod sign;
mod tree;
mod trusted_root;
mod verdict;
mod verifier;
mod version;

pub use error::*;
pub use identity::*;
pub use key_pair::*;
pub use policy::*;
pub use public_key::*;
pub use registry_options::*;
pub use result::*;
pub use sign::*;
pub use tree::*;
pub use trusted_root::*;
pub use verdict::*;
pub use verifier::*;
pub use version::*;
