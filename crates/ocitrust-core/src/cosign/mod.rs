//! cosign: key files, simple-signing payloads, signature manifests and their verification.

mod attest;
mod attestation;
mod bundle;
mod layer_bundle;
mod payload;
mod private_key_file;
mod sign;
mod signature_manifest;
mod verify;

pub use attest::{attest_image, attest_image_bundle, AttestRequest, NewBundleReferrer, ReferrerSubject};
pub use attestation::{
    predicate_type_uri, verify_attestation_bundle, verify_attestation_manifest, ATTESTATION_SIZE_MAX,
    DSSE_ENVELOPE_MEDIA_TYPE, PREDICATE_TYPE_ALIASES, PREDICATE_TYPE_ANNOTATION,
};
pub use bundle::{
    bundle_simple_signing_view, verify_bundle, BUNDLE_SIZE_MAX, BUNDLE_V03_MEDIA_TYPE, COSIGN_SIGN_PREDICATE_TYPE,
};
pub use payload::{Critical, Identity, Image, SimpleSigningPayload, COSIGN_SIGNATURE_TYPE, PAYLOAD_SIZE_MAX};
pub use private_key_file::{
    decrypt_key_file, encrypt_key_file, is_encrypted_key_file, load_signing_key, KEY_FILE_SIZE_MAX,
    LEGACY_COSIGN_KEY_PEM_TAG, SIGSTORE_KEY_PEM_TAG,
};
pub use sign::sign_image;
pub use signature_manifest::{
    append_layer, append_signature, signature_layers, tag_schema_tag, Attachment, NewLayer, NewSignatureManifest,
    SignatureLayer, BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, SIGNATURE_ANNOTATION, SIGNATURE_LAYERS_MAX,
};
pub use verify::{verify_signature_manifest, CosignRequirements, PayloadBlobs};
