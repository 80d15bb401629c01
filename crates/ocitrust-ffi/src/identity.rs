//! `ocitrust_identity`: who must have signed a keyless signature, and adding it to a verifier as an
//! authority under a trusted root.

use std::ffi::c_char;

use ocitrust::{certificate_from_pem_or_der, Authority, Certificate, CertificateIdentity, KeylessIdentity, Matcher};

use crate::boundary::{arg, arg_bytes, arg_mut, arg_str, free_handle, give, out_param, run};
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;
use crate::trusted_root::ocitrust_trusted_root;
use crate::verifier::{configure, ocitrust_verifier};

/// A keyless identity: the certificate's subject (a SAN: email, URI) and OIDC issuer, each exact or
/// a regular expression, and GitHub workflow claims that must equal.
pub struct ocitrust_identity {
    identity: CertificateIdentity,
    certificate: Option<Certificate>,
}

fn matcher(text: &str, is_regexp: bool, what: &str) -> ocitrust::Result<Matcher> {
    if is_regexp {
        Matcher::regex(text, what)
    } else {
        Ok(Matcher::Exact(text.to_owned()))
    }
}

/// Makes an identity: `subject` (NUL-terminated) is matched against the certificate's subject
/// alternative names — exactly, or when `subject_is_regexp` as an RE2-syntax regular expression
/// matched anywhere unless anchored (`--certificate-identity[-regexp]`); `issuer` likewise against
/// its OIDC issuer (`--certificate-oidc-issuer[-regexp]`). Errors: `OCITRUST_ERR_INVALID_ARGUMENT`
/// for a regular expression that does not compile.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_identity_new(
    subject: *const c_char,
    subject_is_regexp: bool,
    issuer: *const c_char,
    issuer_is_regexp: bool,
    identity_out: *mut *mut ocitrust_identity,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let subject = matcher(arg_str(subject, "subject")?, subject_is_regexp, "subject")?;
        let issuer = matcher(arg_str(issuer, "issuer")?, issuer_is_regexp, "issuer")?;
        let out = out_param(identity_out, "identity_out")?;
        give(
            out,
            ocitrust_identity {
                identity: CertificateIdentity {
                    subject,
                    issuer,
                    github_claims: Vec::new(),
                },
                certificate: None,
            },
        );
        Ok(())
    })
}

/// Requires the certificate's Fulcio claim `name` to be `value` (both NUL-terminated): the GitHub
/// workflow claims `github-workflow-trigger`, `-sha`, `-name`, `-repository`, `-ref`
/// (`--certificate-github-workflow-*`). Errors: `OCITRUST_ERR_INVALID_ARGUMENT` for another name.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_identity_require_claim(
    identity: *mut ocitrust_identity,
    name: *const c_char,
    value: *const c_char,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let identity = arg_mut(identity, "identity")?;
        let name = arg_str(name, "name")?;
        let value = arg_str(value, "value")?;
        const CLAIMS: [&str; 5] = [
            "github-workflow-trigger",
            "github-workflow-sha",
            "github-workflow-name",
            "github-workflow-repository",
            "github-workflow-ref",
        ];
        if !CLAIMS.contains(&name) {
            return Err(ocitrust::Error::new(
                ocitrust::ErrorCode::InvalidArgument,
                format!("unknown claim {name:?} (expected one of {})", CLAIMS.join(", ")),
            ));
        }
        identity
            .identity
            .github_claims
            .push((name.to_owned(), value.to_owned()));
        Ok(())
    })
}

/// Gives the signing certificate out of band (`--certificate`): `certificate_len` bytes of PEM (the
/// first certificate is taken) or DER. Signatures must then be made with it, and one that carries
/// another certificate is refused; it is verified like an attached one (chain, SCT, identity, at the
/// signing time). Errors: `OCITRUST_ERR_INVALID_CERTIFICATE`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_identity_set_certificate(
    identity: *mut ocitrust_identity,
    certificate: *const u8,
    certificate_len: usize,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let identity = arg_mut(identity, "identity")?;
        let bytes = arg_bytes(certificate, certificate_len, "certificate")?;
        identity.certificate = Some(certificate_from_pem_or_der(bytes)?);
        Ok(())
    })
}

/// Frees an identity and sets `*identity` to NULL; `identity` or `*identity` NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_identity_free(identity: *mut *mut ocitrust_identity) {
    free_handle(identity);
}

/// Trusts keyless signatures by `identity` (copied) under `root` (shared): one more authority of
/// the verifier, like a key added with `ocitrust_verifier_add_key`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_verifier_add_identity(
    verifier: *mut ocitrust_verifier,
    identity: *const ocitrust_identity,
    root: *const ocitrust_trusted_root,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    configure(verifier, error_out, |verifier| {
        let identity = arg(identity, "identity")?;
        let trusted_root = arg(root, "root")?.root.clone();
        let mut keyless = KeylessIdentity::new(identity.identity.clone(), trusted_root);
        if let Some(certificate) = &identity.certificate {
            keyless = keyless.with_certificate(certificate.clone());
        }
        verifier.rebuild(|v| v.trust(Authority::Keyless(keyless)));
        Ok(())
    })
}
