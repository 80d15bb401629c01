//! Named limits on what is read from untrusted storage. Exceeding one is an error, never a truncation.

/// Largest `index.json` read from a layout.
pub const INDEX_JSON_SIZE_MAX: u64 = 4 * 1024 * 1024;
/// Largest manifest read (same as the core's manifest limit).
pub const MANIFEST_SIZE_MAX: u64 = ocitrust_core::oci::MANIFEST_SIZE_MAX as u64;
/// Largest signature payload blob read.
pub const SIGNATURE_BLOB_SIZE_MAX: u64 = 32 * 1024 * 1024;
/// Sigstore bundles (cosign v3 referrers) fetched for one subject.
pub const BUNDLES_MAX: usize = 64;
