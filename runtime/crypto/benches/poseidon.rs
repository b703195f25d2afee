//! Criterion benchmarks: Poseidon of 2, 5 and 16 inputs, and one depth-20 Merkle `set_leaf`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use stele_crypto::{Fr, MerkleTree, fr_from_u128, poseidon, poseidon2};

fn inputs(n: usize) -> Vec<Fr> {
    // Full-size field elements, not small integers.
    (0..n)
        .map(|i| -fr_from_u128(0x1234_5678_9abc_def0_u128 * (i as u128 + 7)))
        .collect()
}

fn bench_poseidon(c: &mut Criterion) {
    let xs = inputs(16);
    c.bench_function("poseidon2", |b| {
        b.iter(|| poseidon2(black_box(xs[0]), black_box(xs[1])))
    });
    c.bench_function("poseidon/5", |b| b.iter(|| poseidon(black_box(&xs[..5]))));
    c.bench_function("poseidon/16", |b| b.iter(|| poseidon(black_box(&xs[..16]))));
}

fn bench_merkle(c: &mut Criterion) {
    let mut tree = MerkleTree::new(20, Fr::zero());
    // Some existing content so siblings are a mix of stored and empty nodes.
    for i in 0..1000u64 {
        tree.set_leaf(i * 977 % (1 << 20), fr_from_u128(u128::from(i) + 1));
    }
    let mut v = 1u128;
    c.bench_function("merkle_set_leaf/depth20", |b| {
        b.iter(|| {
            // A fresh value each time so the path is always recomputed.
            v += 1;
            tree.set_leaf(black_box(123_457), fr_from_u128(v));
        })
    });
}

criterion_group!(benches, bench_poseidon, bench_merkle);
criterion_main!(benches);
