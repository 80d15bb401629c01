//! Criterion: one legacy keyless `.sig` layer verification (certificate + Rekor bundle) by ocitrust
//! and sigstore-verify in one group ([`ocitrust_benches::legacy_keyless`] says what each is given
//! and checks, and why sigstore-rs is absent). `--features aws-lc-rs` runs ocitrust on aws-lc-rs.

use criterion::{criterion_group, criterion_main, Criterion};
use ocitrust_benches::legacy_keyless::LegacyKeyless;

fn legacy_keyless_layer(c: &mut Criterion) {
    let legacy = LegacyKeyless::new();
    assert!(legacy.run_ocitrust(), "ocitrust must accept the layer");
    assert!(
        legacy.run_sigstore_verify(),
        "sigstore-verify must accept the equivalent bundle"
    );
    let mut group = c.benchmark_group("legacy_keyless_layer");
    group.bench_function("ocitrust", |b| b.iter(|| legacy.run_ocitrust()));
    group.bench_function("sigstore_verify", |b| b.iter(|| legacy.run_sigstore_verify()));
    group.finish();
}

criterion_group!(benches, legacy_keyless_layer);
criterion_main!(benches);
