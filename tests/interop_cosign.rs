//! Interop with the real cosign CLI (filled in below).
