//! `ocitrust_trusted_root`: Sigstore trust material (Fulcio CAs, Rekor logs, CT logs, timestamp
//! authorities), parsed once and shared by reference count between the authorities and verifiers
//! that use it.

use std::ffi::{c_char, c_int};
use std::path::Path;
use std::sync::Arc;

use ocitrust::TrustedRoot;

use crate::boundary::{arg, arg_bytes, arg_str, arg_str_or_null, free_handle, give, out_param, run};
use crate::buffer::copy_field;
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
        let root = ocitrust::trusted_root_from_file(Path::new(path))?;
        give(out, ocitrust_trusted_root { root });
        Ok(())
    })
}

/// The `trusted_root.json` target of the TUF repository at `mirror` (NUL-terminated http:// or
/// https:// URL; NULL: Sigstore's public-good `https://tuf-repo-cdn.sigstore.dev`), kept in a cache
/// under `cache_dir` (NULL: `$XDG_CACHE_HOME/ocitrust/tuf`): the cache's while it verifies and its
/// metadata has not expired, else updated from the mirror — a first update starting from the TUF
/// `root.json` at `initial_root` (`initial_root_len` bytes; NULL: the public-good root embedded in
/// the library). Every TUF rule is checked (thresholds, the root chain, rollback, expiry, target
/// length and hashes); an expired cache that cannot be refreshed is an error, never used.
/// On success `*root_out` receives a root to free with `ocitrust_trusted_root_free`. Errors:
/// `OCITRUST_ERR_INVALID_ARGUMENT` (a bad mirror URL), `OCITRUST_ERR_NETWORK` (the mirror could not
/// be read), `OCITRUST_ERR_INVALID_CERTIFICATE` (metadata that does not verify or has expired),
/// `OCITRUST_ERR_LIMIT_EXCEEDED`, `OCITRUST_ERR_IO`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_from_tuf(
    mirror: *const c_char,
    initial_root: *const u8,
    initial_root_len: usize,
    cache_dir: *const c_char,
    root_out: *mut *mut ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let mirror = arg_str_or_null(mirror, "mirror")?;
        let initial_root = if initial_root.is_null() {
            None
        } else {
            Some(arg_bytes(initial_root, initial_root_len, "initial_root")?)
        };
        let cache_dir = arg_str_or_null(cache_dir, "cache_dir")?.map(Path::new);
        let out = out_param(root_out, "root_out")?;
        let root = ocitrust::trusted_root_from_tuf(mirror, initial_root, cache_dir)?;
        give(out, ocitrust_trusted_root { root });
        Ok(())
    })
}

/// The root keyless verification uses by default, as the CLI chooses it: the TUF cache of the
/// mirror `ocitrust initialize` set up (refreshed from it once expired), else the embedded
/// public-good root; with `offline` non-zero, the embedded root. Errors as
/// `ocitrust_trusted_root_from_tuf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_default(
    offline: c_int,
    root_out: *mut *mut ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let out = out_param(root_out, "root_out")?;
        let root = ocitrust::public_good_trusted_root(offline != 0)?;
        give(out, ocitrust_trusted_root { root });
        Ok(())
    })
}

/// Where `root` came from, as JSON (`{"source":"tuf","location":MIRROR,"tuf":{"root":N,…},
/// "sha256":…}`; `source` is `embedded`, `document`, `policy-parts` or `tuf`), copied into `buf`
/// as `ocitrust_error_message` copies (`*out_len` receives the length without the NUL).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_trusted_root_material(
    root: *const ocitrust_trusted_root,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(root, "root", buf.cast(), buf_len, out_len, |h| {
        serde_json::to_vec(&h.root.material)
            .map_err(|e| ocitrust::Error::new(ocitrust::ErrorCode::Internal, e.to_string()))
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
