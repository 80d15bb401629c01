//! Criterion: one notation signature judged in process (envelope, chain, trust store, trust
//! policy, expiry, authentic timestamp, revocation, payload), a JWS and a COSE envelope of the
//! notation sample. `--features aws-lc-rs` runs on the aws-lc-rs backend.

use criterion::{criterion_group, criterion_main, Criterion};
use ocitrust_benches::notation::NotationSample;

fn notation_signature(c: &mut Criterion) {
    let sample = NotationSample::new();
    let mut group = c.benchmark_group("notation_signature");
    for (name, media_type) in [("jws", "application/jose+json"), ("cose", "application/cose")] {
        assert!(sample.verify(media_type), "the {name} envelope must verify");
        group.bench_function(name, |b| b.iter(|| sample.verify(media_type)));
    }
    group.finish();
}

criterion_group!(benches, notation_signature);
criterion_main!(benches);
