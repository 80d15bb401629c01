//! OCI image layouts: `oci-layout`, `index.json` and `blobs/<alg>/<hex>`, read with every blob checked
//! against its digest, and written atomically (temporary file, then rename).

mod reference;
mod referrers;
mod store;

pub use reference::{LayoutReference, LayoutSelector};
pub use store::{
    IndexEntry, OciLayout, COSIGN_KIND_ANNOTATION, COSIGN_KIND_IMAGE, COSIGN_KIND_IMAGE_INDEX, COSIGN_KIND_SIGNATURES,
    REF_NAME_ANNOTATION,
};
