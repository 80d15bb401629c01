//! Signature verifications per second through ocitrust's `PublicKey` for P-256, P-384, Ed25519 and
//! RSA-2048, next to ring's raw P-256 verify (the backend's own rate). Keys and signatures for the
//! curves ring cannot make here are produced once by `openssl` before timing starts.

use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ocitrust_core::crypto::{PublicKey, SignatureAlgorithm, SigningKey};

const MESSAGE: &[u8] = br#"{"critical":{"identity":{"docker-reference":"example.com/app"},"image":{"docker-manifest-digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"type":"cosign container image signature"},"optional":null}"#;

/// (public key, signature) made by openssl: `genpkey_args` choose the key, `digest` the hash.
fn openssl_signed(genpkey_args: &[&str], digest: Option<&str>) -> (PublicKey, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!(
        "ocitrust-bench-{}-{}",
        genpkey_args.join("-").replace([':', '='], "_"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .status()
            .expect("openssl")
            .success();
        assert!(ok, "openssl {args:?}");
    };
    let mut gen = vec!["genpkey", "-out", "key.pem"];
    gen.extend_from_slice(genpkey_args);
    run(&gen);
    run(&["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    std::fs::write(dir.join("msg"), MESSAGE).unwrap();
    let mut sign = vec![
        "pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-in", "msg", "-out", "sig",
    ];
    if let Some(d) = digest {
        sign.extend_from_slice(&["-digest", d]);
    }
    run(&sign);
    let key = PublicKey::from_pem_or_der(&std::fs::read(dir.join("pub.pem")).unwrap()).unwrap();
    let sig = std::fs::read(dir.join("sig")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (key, sig)
}

fn verify_rates(c: &mut Criterion) {
    let p256 = SigningKey::generate_ecdsa_p256().unwrap();
    let p256_sig = p256.sign(MESSAGE).unwrap();
    let (p384, p384_sig) = openssl_signed(
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        Some("sha256"),
    );
    let (ed25519, ed25519_sig) = openssl_signed(&["-algorithm", "ED25519"], None);
    let (rsa, rsa_sig) = openssl_signed(
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        Some("sha256"),
    );
    p384.verify_with(SignatureAlgorithm::EcdsaSha256, MESSAGE, &p384_sig)
        .unwrap();
    ed25519.verify(MESSAGE, &ed25519_sig).unwrap();
    rsa.verify(MESSAGE, &rsa_sig).unwrap();
    let raw_point = p256.public_key().spki_der()[26..].to_vec();

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ring_raw_p256_sha256", |b| {
        let key = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, &raw_point);
        b.iter(|| key.verify(MESSAGE, &p256_sig).unwrap())
    });
    group.bench_function("ocitrust_p256_sha256", |b| {
        b.iter(|| p256.public_key().verify(MESSAGE, &p256_sig).unwrap())
    });
    group.bench_function("ocitrust_p384_sha256", |b| {
        b.iter(|| {
            p384.verify_with(SignatureAlgorithm::EcdsaSha256, MESSAGE, &p384_sig)
                .unwrap()
        })
    });
    group.bench_function("ocitrust_ed25519", |b| {
        b.iter(|| ed25519.verify(MESSAGE, &ed25519_sig).unwrap())
    });
    group.bench_function("ocitrust_rsa2048_pkcs1_sha256", |b| {
        b.iter(|| rsa.verify(MESSAGE, &rsa_sig).unwrap())
    });
    group.finish();
}

criterion_group!(benches, verify_rates);
criterion_main!(benches);
