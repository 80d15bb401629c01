//! `ocitrust_trusted_root`: Sigstore trust material (Fulcio CAs, Rekor logs, CT logs, timestamp
//! authorities), parsed once and shared by reference count between the authorities and verifiers
//! that use it.

use std::ffi::c_char;
use std::path::Path;
use std::sync::Arc;

use ocitrust::core::sigstore::TRUSTED_ROOT_SIZE_MAX;
use ocitrust::TrustedRoot;

use crate::boundary::{arg, arg_bytes, arg_str, free_handle, give, out_param, run};
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;

/// A Sigstore trusted root. Immutable; may be shared between threads. Identities and verifiers that
/// use it keep their own reference, so it may be freed once they are made.
pub struct ocitrust_trusted_root {
    pub(crate) root: Arc<TrustedRoot>,
}

/// The public-good Sigstore production root embedded in the library (the default).
/// On success `*root_out` receives a root to free with `ocitrust_trusted_root_free`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_production(
    root_out: *mut *mut ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let out = out_param(root_out, "root_out")?;
        give(
            out,
            ocitrust_trusted_root {
                root: TrustedRoot::production_shared()?,
            },
        );
        Ok(())
    })
}

/// Parses a `trusted_root.json` document (`json_len` bytes at `json`; at most 1 MiB), as
/// `--trusted-root` names one for a private Sigstore deployment. Errors:
/// `OCITRUST_ERR_INVALID_ARGUMENT` (malformed or incomplete), `OCITRUST_ERR_LIMIT_EXCEEDED`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_from_json(
    json: *const u8,
    json_len: usize,
    root_out: *mut *mut ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let json = arg_bytes(json, json_len, "json")?;
        let out = out_param(root_out, "root_out")?;
        let root = Arc::new(TrustedRoot::from_json(json)?);
        give(out, ocitrust_trusted_root { root });
        Ok(())
    })
}

/// Reads a `trusted_root.json` from the file at `path` (NUL-terminated). Errors as
/// `ocitrust_trusted_root_from_json`, and `OCITRUST_ERR_NOT_FOUND`, `OCITRUST_ERR_IO`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_from_file(
    path: *const c_char,
    root_out: *mut *mut ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let path = arg_str(path, "path")?;
        let out = out_param(root_out, "root_out")?;
        let bytes = ocitrust::registry::file::read_bounded(Path::new(path), TRUSTED_ROOT_SIZE_MAX as u64)?;
        let root = Arc::new(TrustedRoot::from_json(&bytes)?);
        give(out, ocitrust_trusted_root { root });
        Ok(())
    })
}

/// A copy of `root` whose Fulcio certificate authorities are replaced by the CA chain in `chain_pem`
/// (`chain_len` bytes of PEM: the CA that issues signing certificates first, the root last), as
/// `--certificate-chain` does for a private or corporate CA; its logs and timestamp authorities are
/// kept. On success `*root_out` receives a new root to free. Errors: `OCITRUST_ERR_INVALID_CERTIFICATE`
/// (not PEM certificates, or a chain whose links do not verify), `OCITRUST_ERR_LIMIT_EXCEEDED`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_with_certificate_chain(
    root: *const ocitrust_trusted_root,
    chain_pem: *const u8,
    chain_len: usize,
    root_out: *mut *mut ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let root = arg(root, "root")?;
        let chain = arg_bytes(chain_pem, chain_len, "chain_pem")?;
        let out = out_param(root_out, "root_out")?;
        let root = Arc::new(root.root.with_certificate_chain(chain)?);
        give(out, ocitrust_trusted_root { root });
        Ok(())
    })
}

/// Frees a root and sets `*root` to NULL; `root` or `*root` NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_free(root: *mut *mut ocitrust_trusted_root) {
    free_handle(root);
}
