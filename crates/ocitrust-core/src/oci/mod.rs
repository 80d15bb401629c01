//! OCI and Docker manifests, image indexes and platforms, always kept with the bytes they came from.

mod manifest;
pub mod media_types;
mod platform;

pub use manifest::{Manifest, ManifestKind, MANIFEST_SIZE_MAX};
pub use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
pub use platform::Platform;
