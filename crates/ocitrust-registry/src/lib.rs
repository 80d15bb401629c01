//! ocitrust-registry: the I/O side. It turns a reference into *evidence* for the core: the subject
//! manifest's raw bytes and digest, and every candidate signature found for it, each already checked
//! against its digest. It reads and writes OCI image layouts on disk and reads OCI registries.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod discover;
pub mod file;
pub mod layout;
pub mod limits;
pub mod notation_config;
pub mod notation_config_edit;
pub mod notation_plugins;
pub mod remote;
mod signature_referrers;
pub mod tuf;

pub use discover::{discover_in_layout, discover_layout_referrers, CosignEvidence, SignatureSource};
pub use layout::{LayoutReference, LayoutSelector, OciLayout};
pub use notation_config::NotationConfigDir;
pub use signature_referrers::{FetchedLayer, SignatureReferrers};
