//! `ocitrust_registry_options`: how to reach registries, for verifying (`ocitrust_verifier_set_registry_options`)
//! and signing (`ocitrust_sign`). The defaults are strict and need no handle at all.

use std::ffi::c_char;
use std::path::PathBuf;
use std::time::Duration;

use ocitrust::{Credentials, Reference, RegistryOptions};

use crate::boundary::{arg_mut, arg_str, free_handle, give, out_param, run};
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;

/// How to reach registries: credentials, a CA file, a client certificate, a signature repository, a
/// timeout, and the insecure opt-in. Made with `ocitrust_registry_options_new` (strict defaults: TLS verified against
/// the system's roots except for loopback registries, credentials from Docker's configuration,
/// 60 s per request); copied by the functions that take it, so it may be freed right after.
pub struct ocitrust_registry_options {
    pub(crate) options: RegistryOptions,
}

/// Runs `change` on the options behind the panic boundary, after checking the pointer.
unsafe fn configure(
    options: *mut ocitrust_registry_options,
    error_out: *mut *mut ocitrust_error,
    change: impl FnOnce(&mut RegistryOptions) -> ocitrust::Result<()>,
) -> ocitrust_result {
    run(error_out, || change(&mut arg_mut(options, "options")?.options))
}

/// Makes registry options with the strict defaults.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_new(
    options_out: *mut *mut ocitrust_registry_options,
) -> ocitrust_result {
    run(std::ptr::null_mut(), || {
        let out = out_param(options_out, "options_out")?;
        give(
            out,
            ocitrust_registry_options {
                options: RegistryOptions::default(),
            },
        );
        Ok(())
    })
}

/// Frees the options `*options` points to and sets `*options` to NULL; NULL or a pointer to NULL
/// does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_free(options: *mut *mut ocitrust_registry_options) {
    free_handle(options);
}

/// INSECURE when `allow` is true (`--allow-insecure-registry`): accepts any TLS certificate from
/// registries and falls back to plain HTTP when one does not speak TLS; verdicts record it.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_allow_insecure(
    options: *mut ocitrust_registry_options,
    allow: bool,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        o.allow_insecure = allow;
        Ok(())
    })
}

/// Uses `username`/`password` (NUL-terminated) for every registry instead of Docker's
/// configuration (`config.json`, credential helpers), which is the default.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_credentials(
    options: *mut ocitrust_registry_options,
    username: *const c_char,
    password: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        o.credentials = Some(Credentials {
            username: arg_str(username, "username")?.to_owned(),
            password: arg_str(password, "password")?.to_owned(),
        });
        Ok(())
    })
}

/// Reads Docker's `config.json` from directory `dir` (NUL-terminated) instead of
/// `$DOCKER_CONFIG` or `$HOME/.docker`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_docker_config_dir(
    options: *mut ocitrust_registry_options,
    dir: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        o.docker_config_dir = Some(PathBuf::from(arg_str(dir, "dir")?));
        Ok(())
    })
}

/// Keeps signatures in `repository` (NUL-terminated, `registry/path`) instead of the image's own
/// repository, as `COSIGN_REPOSITORY` does. Errors: `OCITRUST_ERR_INVALID_REFERENCE`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_signature_repository(
    options: *mut ocitrust_registry_options,
    repository: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        let repository = arg_str(repository, "repository")?;
        Reference::parse(repository)?;
        o.signature_repository = Some(repository.to_owned());
        Ok(())
    })
}

/// Verifies registries' TLS certificates against only the CA certificates in the PEM file `path`
/// (NUL-terminated; cosign's `--registry-cacert`), read when a registry is first reached. Loopback
/// registries are then reached over TLS too.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_ca_file(
    options: *mut ocitrust_registry_options,
    path: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        o.ca_file = Some(PathBuf::from(arg_str(path, "path")?));
        Ok(())
    })
}

/// Presents the client certificate (with its chain) in the PEM file `certificate_path` and its
/// private key in the PEM file `key_path` (both NUL-terminated; cosign's `--registry-client-cert`
/// and `--registry-client-key`) to registries that demand mutual TLS. Both are read when a
/// registry is first reached.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_client_certificate(
    options: *mut ocitrust_registry_options,
    certificate_path: *const c_char,
    key_path: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        let certificate = PathBuf::from(arg_str(certificate_path, "certificate_path")?);
        let key = PathBuf::from(arg_str(key_path, "key_path")?);
        o.client_certificate_file = Some(certificate);
        o.client_key_file = Some(key);
        Ok(())
    })
}

/// Lets one whole verification or signing, every registry request together, take at most
/// `milliseconds` (default 180000, as cosign's `--timeout`).
/// Errors: `OCITRUST_ERR_INVALID_ARGUMENT` for 0.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_registry_options_set_timeout_ms(
    options: *mut ocitrust_registry_options,
    milliseconds: u64,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(options, error_out, |o| {
        if milliseconds == 0 {
            return Err(ocitrust::Error::new(
                ocitrust::ErrorCode::InvalidArgument,
                "a registry timeout of 0 ms would fail every request",
            ));
        }
        o.timeout = Some(Duration::from_millis(milliseconds));
        Ok(())
    })
}
