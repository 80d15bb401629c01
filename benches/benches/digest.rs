//! SHA-256 throughput over 64 MiB (what hashing a large blob costs). Compare with
//! `openssl speed -evp sha256` via compare_sha256.sh, which runs both in one go.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ocitrust_core::digest::{Algorithm, Hasher};
use ocitrust_core::Digest;

fn sha256_64mib(c: &mut Criterion) {
    let data = vec![0x5au8; 64 * 1024 * 1024];
    let mut group = c.benchmark_group("sha256");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.bench_function("one_shot_64MiB", |b| {
        b.iter(|| Digest::sha256(std::hint::black_box(&data)))
    });
    group.bench_function("streaming_1MiB_chunks_64MiB", |b| {
        b.iter(|| {
            let mut h = Hasher::new(Algorithm::Sha256);
            for chunk in data.chunks(1 << 20) {
                h.update(chunk);
            }
            h.finish()
        })
    });
    group.finish();
}

criterion_group!(benches, sha256_64mib);
criterion_main!(benches);
