//! cosign: key files, simple-signing payloads, signature manifests and their verification.

mod private_key_file;

pub use private_key_file::{
    decrypt_key_file, encrypt_key_file, is_encrypted_key_file, load_signing_key, KEY_FILE_SIZE_MAX,
    LEGACY_COSIGN_KEY_PEM_TAG, SIGSTORE_KEY_PEM_TAG,
};
