//! OCI image layouts: `oci-layout`, `index.json` and `blobs/<alg>/<hex>`, read with every blob checked
//! against its digest and every file checked before it is read ([`files`]; in a tar archive,
//! [`archive`]), and written one writer
//! at a time, atomically, never through a link ([`writer`]).

mod archive;
mod files;
mod reference;
mod referrers;
mod store;
mod writer;

pub use reference::{LayoutReference, LayoutSelector, LayoutSource, ARCHIVE_PREFIX, LAYOUT_PREFIX};
pub use store::{
    IndexEntry, OciLayout, COSIGN_KIND_ANNOTATION, COSIGN_KIND_IMAGE, COSIGN_KIND_IMAGE_INDEX, COSIGN_KIND_SIGNATURES,
    REF_NAME_ANNOTATION,
};
pub use writer::LayoutWriter;
