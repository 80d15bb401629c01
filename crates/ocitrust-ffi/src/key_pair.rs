//! `ocitrust_key_pair`: a freshly generated cosign key pair (`cosign generate-key-pair`).

use std::ffi::c_char;

use zeroize::Zeroizing;

use crate::boundary::{arg_bytes, free_handle, give, out_param, run};
use crate::buffer::copy_field;
use crate::error::ocitrust_error;
use crate::result::ocitrust_result;

/// A generated ECDSA P-256 key pair, encoded as cosign writes `cosign.key` and `cosign.pub`.
/// The private key text is wiped when the pair is freed.
pub struct ocitrust_key_pair {
    private_key_pem: Zeroizing<String>,
    public_key_pem: String,
}

/// Generates a key pair; the private key is encrypted with `password` (`password_len` bytes, may be
/// empty) exactly as cosign encrypts `cosign.key` (scrypt + secretbox).
#[no_mangle]
pub unsafe extern "C" fn ocitrust_key_pair_generate(
    password: *const u8,
    password_len: usize,
    pair_out: *mut *mut ocitrust_key_pair,
    error_out: *mut *mut ocitrust_error,
) -> ocitrust_result {
    run(error_out, || {
        let password = arg_bytes(password, password_len, "password")?;
        let out = out_param(pair_out, "pair_out")?;
        let pair = ocitrust::generate_key_pair(password)?;
        give(
            out,
            ocitrust_key_pair {
                private_key_pem: Zeroizing::new(pair.private_key_pem),
                public_key_pem: pair.public_key_pem,
            },
        );
        Ok(())
    })
}

/// Copies the encrypted private key (`cosign.key`, PEM) into `buf`. Buffer rules as
/// `ocitrust_error_message`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_key_pair_private_key_pem(
    pair: *const ocitrust_key_pair,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(pair, "pair", buf.cast(), buf_len, out_len, |h| {
        Ok(h.private_key_pem.as_bytes().to_vec())
    })
}

/// Copies the public key (`cosign.pub`, PEM) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_key_pair_public_key_pem(
    pair: *const ocitrust_key_pair,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ocitrust_result {
    copy_field(pair, "pair", buf.cast(), buf_len, out_len, |h| {
        Ok(h.public_key_pem.as_bytes().to_vec())
    })
}

/// Frees the pair `*pair` points to (wiping the private key text) and sets `*pair` to NULL; NULL or
/// a pointer to NULL does nothing.
#[no_mangle]
pub unsafe extern "C" fn ocitrust_key_pair_free(pair: *mut *mut ocitrust_key_pair) {
    free_handle(pair);
}
