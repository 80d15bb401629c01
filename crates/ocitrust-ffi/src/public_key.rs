//! `ocitrust_public_key`: trust material for key-based verification.

use std::ffi::c_char;
use std::path::Path;

use ocitrust::PublicKey;

use crate::boundary::{arg_bytes, arg_str, free_handle, give, out_param, run};
use crate::buffer::copy_field;
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;

/// A public key (ECDSA P-256/P-384, RSA 2048–8192, Ed25519) trusted to sign images. Immutable;
/// may be shared between threads. Verifiers copy it, so it may be freed once they are made.
pub struct ocitrust_public_key {
    pub(crate) key: PublicKey,
}

/// Parses a public key from `pem` (`pem_len` bytes): PEM `PUBLIC KEY` as `cosign.pub`, or DER
/// SubjectPublicKeyInfo. On success `*key_out` receives a key to free with `ocitrust_public_key_free`.
/// Errors: `OCITRUST_ERR_INVALID_KEY`, `OCITRUST_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_public_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    key_out: *mut *mut ocitrust_public_key,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let pem = arg_bytes(pem, pem_len, "pem")?;
        let out = out_param(key_out, "key_out")?;
        let key = PublicKey::from_pem_or_der(pem)?;
        give(out, ocitrust_public_key { key });
        Ok(())
    })
}

/// Reads a public key from the file at `path` (NUL-terminated), as `cosign verify --key PATH`.
/// Files larger than a key file can be are refused. Errors: `OCITRUST_ERR_NOT_FOUND`,
/// `OCITRUST_ERR_IO`, `OCITRUST_ERR_LIMIT_EXCEEDED`, `OCITRUST_ERR_INVALID_KEY`, `OCITRUST_ERR_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_public_key_from_file(
    path: *const c_char,
    key_out: *mut *mut ocitrust_public_key,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let path = arg_str(path, "path")?;
        let out = out_param(key_out, "key_out")?;
        let key = ocitrust::load_public_key_file(Path::new(path))?;
        give(out, ocitrust_public_key { key });
        Ok(())
    })
}

/// Fetches a public key from `url` (NUL-terminated `https://` URL, as vendors publish keys): over TLS
/// verified against the system's roots (or `SSL_CERT_FILE`), at most 16 KiB, within 30 s; plain
/// `http://` is refused. Errors: `OCITRUST_ERR_INVALID_ARGUMENT`, `OCITRUST_ERR_NETWORK`,
/// `OCITRUST_ERR_NOT_FOUND`, `OCITRUST_ERR_LIMIT_EXCEEDED`, `OCITRUST_ERR_INVALID_KEY`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_public_key_from_url(
    url: *const c_char,
    key_out: *mut *mut ocitrust_public_key,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let url = arg_str(url, "url")?;
        let out = out_param(key_out, "key_out")?;
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(ocitrust::Error::new(
                ocitrust::ErrorCode::InvalidArgument,
                format!("{url}: not an https:// URL (use ocitrust_public_key_from_file for files)"),
            ));
        }
        let key = ocitrust::load_public_key(url)?;
        give(out, ocitrust_public_key { key });
        Ok(())
    })
}

/// Copies the key's id (hex SHA-256 of its DER SubjectPublicKeyInfo, as in verdicts) into `buf`.
/// Buffer rules as `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_public_key_id(
    key: *const ocitrust_public_key,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(key, "key", buf.cast(), buf_len, out_len, |h| {
        Ok(h.key.key_id().as_bytes().to_vec())
    })
}

/// Frees the key `*key` points to and sets `*key` to NULL; NULL or a pointer to NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_public_key_free(key: *mut *mut ocitrust_public_key) {
    free_handle(key);
}
