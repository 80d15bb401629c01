//! Criterion: one keyless bundle verification by ocitrust, sigstore-verify and sigstore-rs in one
//! group ([`ocitrust_benches::keyless`] says what each checks). `--features aws-lc-rs` runs
//! ocitrust on the aws-lc-rs backend.

use criterion::{criterion_group, criterion_main, Criterion};
use ocitrust_benches::keyless::Keyless;

fn keyless_bundle(c: &mut Criterion) {
    let keyless = Keyless::new();
    assert!(keyless.run_ocitrust(), "ocitrust must accept the bundle");
    assert!(keyless.run_sigstore_verify(), "sigstore-verify must accept the bundle");
    assert!(keyless.run_sigstore_rs(), "sigstore-rs must accept the bundle");
    let mut group = c.benchmark_group("keyless_bundle");
    group.bench_function("ocitrust", |b| b.iter(|| keyless.run_ocitrust()));
    group.bench_function("sigstore_verify", |b| b.iter(|| keyless.run_sigstore_verify()));
    group.bench_function("sigstore_rs", |b| b.iter(|| keyless.run_sigstore_rs()));
    group.finish();
}

criterion_group!(benches, keyless_bundle);
criterion_main!(benches);
