//! Named limits on what is read from untrusted storage. Exceeding one is an error, never a truncation.

use std::sync::atomic::{AtomicU64, Ordering};

use ocitrust_core::{Error, ErrorCode, Result};

/// Largest `index.json` read from a layout.
pub const INDEX_JSON_SIZE_MAX: u64 = 4 * 1024 * 1024;
/// Largest manifest read (same as the core's manifest limit).
pub const MANIFEST_SIZE_MAX: u64 = ocitrust_core::oci::MANIFEST_SIZE_MAX as u64;
/// Largest signature payload blob read: a simple-signing payload larger than the core accepts
/// could never verify, so it is not read.
pub const SIGNATURE_BLOB_SIZE_MAX: u64 = ocitrust_core::cosign::PAYLOAD_SIZE_MAX as u64;
/// Sigstore bundles (cosign v3 referrers) fetched for one subject.
pub const BUNDLES_MAX: usize = 64;
/// Notation signatures read for one subject at most, whatever a verifier allows (the read budget
/// bounds their bytes too).
pub const NOTATION_SIGNATURES_MAX: usize = 1000;
/// Notation signatures a verification examines by default (notation's `--max-signatures`): past
/// it the verification stops, as notation's does.
pub const NOTATION_SIGNATURES_DEFAULT: usize = 100;
/// Bytes one verification (or signing) may read from a registry or a layout in all: manifests,
/// payloads, referrer lists, bundles, `index.json`. Each limit above holds alone; this one stops
/// them multiplying (256 signature layers, each at its limit). Everything read is held until the
/// verdict, so it also bounds the memory a hostile image can make a verification use.
pub const READ_BUDGET_DEFAULT: u64 = 64 * 1024 * 1024;

/// Entries an `oci-archive` may have (files and directories); a layout has a few per image.
pub const ARCHIVE_ENTRIES_MAX: usize = 10_000;
/// Bytes of tar stream an `oci-archive` may be (after decompression): the layers it carries are
/// passed over, never held, but a stream without end must still end.
pub const ARCHIVE_BYTES_MAX: u64 = 64 * 1024 * 1024 * 1024;
/// Largest file of an `oci-archive` held in memory: the largest any read of a layout accepts
/// (`index.json` and manifests). A larger blob is known by its size only.
pub const ARCHIVE_HELD_FILE_SIZE_MAX: u64 = INDEX_JSON_SIZE_MAX;
/// Bytes of an `oci-archive` held in memory in all (its manifests, configs, signatures and other
/// small blobs that are not image layers).
pub const ARCHIVE_HELD_BYTES_MAX: u64 = 128 * 1024 * 1024;

/// What is left of the bytes one verification may read ([`READ_BUDGET_DEFAULT`] unless chosen).
/// Shared by the concurrent fetches of one verification.
#[derive(Debug)]
pub struct ReadBudget {
    total: u64,
    used: AtomicU64,
}

impl Default for ReadBudget {
    fn default() -> Self {
        ReadBudget::new(READ_BUDGET_DEFAULT)
    }
}

impl ReadBudget {
    /// A budget of `total` bytes.
    pub fn new(total: u64) -> Self {
        ReadBudget {
            total,
            used: AtomicU64::new(0),
        }
    }

    /// Counts `bytes` read for `what`; an error once the total would pass the budget.
    pub fn charge(&self, bytes: u64, what: &str) -> Result<()> {
        let before = self.used.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.total {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "{what}: this verification would read more than its budget of {} bytes in all (manifests, payloads, referrers, bundles); refused",
                    self.total
                ),
            ));
        }
        Ok(())
    }

    /// Bytes counted so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Whether a charge was refused: nothing more may be read.
    pub fn is_spent(&self) -> bool {
        self.used() > self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_what_would_pass_it_and_keeps_refusing() {
        let budget = ReadBudget::new(100);
        budget.charge(60, "a").unwrap();
        budget.charge(40, "b").unwrap();
        let err = budget.charge(1, "c").unwrap_err();
        assert_eq!(err.code(), ErrorCode::LimitExceeded);
        assert!(err
            .message()
            .starts_with("c: this verification would read more than its budget of 100 bytes"));
        assert!(budget.charge(0, "d").is_err(), "once past, always past");
    }
}
