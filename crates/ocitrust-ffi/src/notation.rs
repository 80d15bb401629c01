//! `ocitrust_notation_policy`: a notation trust policy and the trust store it names, as one
//! authority of a verifier (`notation verify`): read from notation's configuration directory, from
//! named files, or built in memory from the policy JSON and certificates (for callers that keep
//! trust material elsewhere than on disk).

use std::ffi::c_char;
use std::path::Path;
use std::sync::Arc;

use ocitrust::core::notation::TrustStoreType;
use ocitrust::{Authority, Error, ErrorCode, NotationConfigDir, NotationTrust, TrustPolicyDocument, TrustStore};

use crate::boundary::{arg, arg_bytes, arg_mut, arg_str, free_handle, give, out_param, run};
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;
use crate::verifier::{configure, ocitrust_verifier};

/// A notation trust policy with its trust store. A verifier that trusts it keeps its own copy, so it
/// may be freed once added.
pub struct ocitrust_notation_policy {
    trust: NotationTrust,
}

/// Reads the trust policy (`trustpolicy.oci.json`, else `trustpolicy.json`) and trust store
/// (`truststore/x509/…`) of the notation configuration directory `config_dir` (NUL-terminated), or
/// when it is NULL of the one notation uses (`$NOTATION_CONFIG`, `$XDG_CONFIG_HOME/notation`,
/// `~/.config/notation`). Errors: `OCITRUST_ERR_NOT_FOUND` (no trust policy),
/// `OCITRUST_ERR_INVALID_POLICY` (it breaks a rule of notation's; the message says which),
/// `OCITRUST_ERR_IO`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_notation_policy_from_config(
    config_dir: *const c_char,
    policy_out: *mut *mut ocitrust_notation_policy,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let out = out_param(policy_out, "policy_out")?;
        let config = if config_dir.is_null() {
            NotationConfigDir::from_environment()?
        } else {
            NotationConfigDir::at(arg_str(config_dir, "config_dir")?)
        };
        let trust = NotationTrust {
            policy: Arc::new(config.read_trust_policy()?),
            trust_store: Arc::new(config.read_trust_store()?),
        };
        give(out, ocitrust_notation_policy { trust });
        Ok(())
    })
}

/// Reads the trust policy file `trust_policy_path` and the trust store directory `trust_store_dir`
/// (holding `x509/<type>/<name>/`), both NUL-terminated (`notation verify` with `--trust-policy`
/// and `--trust-store`). Errors as `ocitrust_notation_policy_from_config`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_notation_policy_from_files(
    trust_policy_path: *const c_char,
    trust_store_dir: *const c_char,
    policy_out: *mut *mut ocitrust_notation_policy,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let policy = arg_str(trust_policy_path, "trust_policy_path")?;
        let store = arg_str(trust_store_dir, "trust_store_dir")?;
        let out = out_param(policy_out, "policy_out")?;
        let trust = ocitrust::notation_trust(Some(Path::new(policy)), Some(Path::new(store)))?;
        give(out, ocitrust_notation_policy { trust });
        Ok(())
    })
}

/// A trust policy from its JSON (`json_len` bytes at `json`, at most 1 MiB) with an empty trust
/// store: add certificates with `ocitrust_notation_policy_add_certificates`. Errors:
/// `OCITRUST_ERR_INVALID_POLICY`, `OCITRUST_ERR_LIMIT_EXCEEDED`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_notation_policy_from_json(
    json: *const u8,
    json_len: usize,
    policy_out: *mut *mut ocitrust_notation_policy,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let json = arg_bytes(json, json_len, "json")?;
        let out = out_param(policy_out, "policy_out")?;
        let trust = NotationTrust {
            policy: Arc::new(TrustPolicyDocument::from_json(json)?),
            trust_store: Arc::new(TrustStore::new()),
        };
        give(out, ocitrust_notation_policy { trust });
        Ok(())
    })
}

/// Adds the certificates of one file's bytes (`certificates_len` bytes of PEM or DER at
/// `certificates`) to the trust store `store_name` of type `store_type` (`ca`,
/// `signingAuthority` or `tsa`), as a file in `truststore/x509/<type>/<name>/` would. Certificates
/// a store may not hold (not a CA nor self-signed; a `tsa` certificate that is not a root) make the
/// store unusable, as notation makes it; the reason shows in the verdict of a signature judged under
/// it. Errors: `OCITRUST_ERR_INVALID_ARGUMENT` for an unknown type or a malformed store name.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_notation_policy_add_certificates(
    policy: *mut ocitrust_notation_policy,
    store_type: *const c_char,
    store_name: *const c_char,
    certificates: *const u8,
    certificates_len: usize,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let policy = arg_mut(policy, "policy")?;
        let kind_name = arg_str(store_type, "store_type")?;
        let kind = TrustStoreType::named(kind_name).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("unknown trust store type {kind_name:?}: expected ca, signingAuthority or tsa"),
            )
        })?;
        let name = arg_str(store_name, "store_name")?;
        if !ocitrust::core::notation::trust_store::is_valid_store_name(name) {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("trust store name needs to follow [a-zA-Z0-9_.-]+ format, {name} is invalid"),
            ));
        }
        let bytes = arg_bytes(certificates, certificates_len, "certificates")?;
        Arc::make_mut(&mut policy.trust.trust_store).add_certificate_file(kind, name, "certificates", bytes);
        Ok(())
    })
}

/// Frees a policy and sets `*policy` to NULL; NULL or an already freed handle is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_notation_policy_free(policy: *mut *mut ocitrust_notation_policy) {
    free_handle(policy);
}

/// Trusts notation signatures under `policy` (copied), as one more authority of the verifier: a
/// notation signature is trusted when the statement that applies to the image passes it at its
/// verification level. A statement with level `skip` trusts the image without looking at its
/// signatures (`ocitrust_verdict_skipped_by_policy` then says which).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_add_notation_policy(
    verifier: *mut ocitrust_verifier,
    policy: *const ocitrust_notation_policy,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let trust = arg(policy, "policy")?.trust.clone();
        verifier.rebuild(|v| v.trust(Authority::Notation(trust)));
        Ok(())
    })
}

/// The trust policy scope (NUL-terminated; e.g. `local/app`) notation signatures in an OCI layout
/// are judged under (`notation verify --oci-layout --scope`). In a registry the image's repository
/// is the scope.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_set_notation_scope(
    verifier: *mut ocitrust_verifier,
    scope: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let scope = arg_str(scope, "scope")?.to_owned();
        verifier.rebuild(|v| v.notation_scope(Some(scope)));
        Ok(())
    })
}

/// Requires the user metadata `key=value` in a notation signature (`notation verify -m`);
/// repeatable. Both strings are NUL-terminated UTF-8.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_require_notation_metadata(
    verifier: *mut ocitrust_verifier,
    key: *const c_char,
    value: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let key = arg_str(key, "key")?;
        let value = arg_str(value, "value")?;
        verifier.rebuild(|v| v.require_notation_metadata(key, value));
        Ok(())
    })
}
