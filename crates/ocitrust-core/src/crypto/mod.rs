//! The only module that calls cryptographic libraries: hashing, public-key verification, signing,
//! key generation and password-based key encryption. `ring` is the backend, `aws-lc-rs` the other
//! for verification and hashing (a cargo feature, see [`backend`]); the choice touches only this
//! folder.

mod backend;
mod digest_context;
mod oids;
mod password_box;
mod public_key;
mod signing_key;

pub use digest_context::{hash_parts, sha1_for_identifiers, sha256, DigestContext};
pub use password_box::{open_password_box, seal_password_box, PasswordBox, ScryptParams};
pub use public_key::{KeyType, PublicKey, SignatureAlgorithm, PUBLIC_KEY_SIZE_MAX};
pub use signing_key::SigningKey;
