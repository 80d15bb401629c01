//! One trust policy for every ecosystem: a document (`ocitrust.dev/v1alpha1` `TrustPolicy`) that
//! names trust material and authorities (cosign keys, keyless identities, notation PKIs) and says,
//! for each scope of images, which authorities must have signed (N of M over distinct
//! authorities, nested) and which attestations must hold (CEL conditions). Evaluation is a pure
//! function: (compiled policy, evidence the verifiers produced, time) → a decision with an
//! explanation tree. Reading the files a document names, and verifying, happen in the facade.

pub mod cel;
pub mod compile;
pub mod decide;
mod decode;
pub mod document;
pub mod emit;
pub mod import_containers;
pub mod import_notation;
pub mod scope;
mod signed_identity;
pub mod tree;

pub use compile::{compile, compile_with_public_good_root, CompiledAuthority, CompiledPolicy, PolicyFiles};
pub use decide::{decide, needs, select, Decision, Explanation, ImageFacts, Judged, NodeKind, PolicyEvidence};
pub use document::{Mode, NoMatch, Platforms, TrustPolicy};
pub use import_containers::{import_containers, ContainersImport};
pub use import_notation::{import_notation, NotationStoreFiles};
pub use scope::{ScopeName, ScopePattern, ARCHIVE_PREFIX, LAYOUT_PREFIX};
pub use tree::{Position, PositionedError};
