//! The cost of the C ABI: one verification of the embedded sample image through the Rust API and
//! through the exported C functions (called from Rust exactly as a C program calls them: handles,
//! copied inputs, a verdict handle freed afterwards), in the same criterion group.
//!
//! `bytes`: sans-IO from manifests and payload already in memory (pure verification cost).
//! `layout`: from the OCI layout on disk (file reads included).
//! The Go binding's figures come from `go test -bench` in bindings/go; benches/compare_ffi.sh runs
//! both and prints the ratios.

use std::ffi::CString;
use std::path::PathBuf;
use std::ptr;

use criterion::{criterion_group, criterion_main, Criterion};
use ocitrust::{PublicKey, Verifier};
use ocitrust_ffi::*;

const SUBJECT: &str = "198ab5544a1261f11a03498d804fe00986882f0366803d30a27b353393736524";
const SIGNATURES: &str = "c4efa108f49639b69a8c1d84b725731e7b1dca5b9df6f1a3ac7aace1c5b1c49f";
const PAYLOAD: &str = "b8a819ff16fc17c716272b40b2740579062ec63236ce7fc77e85d16e809e914f";

fn sample() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/sample-image")
}

fn blob(hex: &str) -> Vec<u8> {
    std::fs::read(sample().join("layout/blobs/sha256").join(hex)).unwrap()
}

fn ffi_verify(c: &mut Criterion) {
    let key_pem = std::fs::read(sample().join("cosign.pub")).unwrap();
    let (subject, signatures, payload) = (blob(SUBJECT), blob(SIGNATURES), blob(PAYLOAD));
    let reference = format!("oci:{}", sample().join("layout").display());
    let c_reference = CString::new(reference.clone()).unwrap();
    let label = CString::new("sample").unwrap();

    let rust = Verifier::new(PublicKey::from_pem_or_der(&key_pem).unwrap())
        .insecure_ignore_tlog(true)
        .require_annotation("org", "ocitrust-sample");

    let mut c_key = ptr::null_mut();
    let mut c_verifier = ptr::null_mut();
    unsafe {
        assert_eq!(
            ocitrust_public_key_from_pem(key_pem.as_ptr(), key_pem.len(), &mut c_key, ptr::null_mut()),
            OCITRUST_OK
        );
        assert_eq!(ocitrust_verifier_new(&mut c_verifier, ptr::null_mut()), OCITRUST_OK);
        assert_eq!(
            ocitrust_verifier_add_key(c_verifier, c_key, ptr::null_mut()),
            OCITRUST_OK
        );
        assert_eq!(
            ocitrust_verifier_set_insecure_ignore_tlog(c_verifier, true, ptr::null_mut()),
            OCITRUST_OK
        );
        assert_eq!(
            ocitrust_verifier_require_annotation(
                c_verifier,
                c"org".as_ptr(),
                c"ocitrust-sample".as_ptr(),
                ptr::null_mut()
            ),
            OCITRUST_OK
        );
    }
    let c_payloads = [ocitrust_bytes {
        data: payload.as_ptr(),
        len: payload.len(),
    }];

    let mut group = c.benchmark_group("verify_sample");
    group.bench_function("bytes/rust_api", |b| {
        b.iter(|| {
            let verdict = rust
                .verify_bytes("sample", &subject, Some(&signatures), &[&payload])
                .unwrap();
            assert!(verdict.trusted);
        })
    });
    group.bench_function("bytes/c_abi", |b| {
        b.iter(|| unsafe {
            let mut verdict = ptr::null_mut();
            let rc = ocitrust_verifier_verify_bytes(
                c_verifier,
                label.as_ptr(),
                subject.as_ptr(),
                subject.len(),
                signatures.as_ptr(),
                signatures.len(),
                c_payloads.as_ptr(),
                1,
                &mut verdict,
                ptr::null_mut(),
            );
            assert_eq!(rc, OCITRUST_OK);
            assert!(ocitrust_verdict_trusted(verdict));
            ocitrust_verdict_free(&mut verdict);
        })
    });
    group.bench_function("layout/rust_api", |b| {
        b.iter(|| assert!(rust.verify(&reference).unwrap().trusted))
    });
    group.bench_function("layout/c_abi", |b| {
        b.iter(|| unsafe {
            let mut verdict = ptr::null_mut();
            assert_eq!(
                ocitrust_verifier_verify(c_verifier, c_reference.as_ptr(), 0, &mut verdict, ptr::null_mut()),
                OCITRUST_OK
            );
            assert!(ocitrust_verdict_trusted(verdict));
            ocitrust_verdict_free(&mut verdict);
        })
    });
    group.finish();
    unsafe {
        ocitrust_verifier_free(&mut c_verifier);
        ocitrust_public_key_free(&mut c_key);
    }
}

criterion_group!(benches, ffi_verify);
criterion_main!(benches);
