//! Criterion benchmark of the standard library's circuit gadgets, each alone in a circuit of the
//! block circuit's columns (4 advice columns, the gate chip, the width-3 Poseidon chip, one
//! instance column), at the smallest `k` that fits: rows, then keygen-free prove time.
//!
//! - `eddsa`: one `std::eddsa::verify` of the first circomlibjs vector of
//!   `runtime/crypto/tests/data/eddsa_circomlibjs.json`: the 5-input Poseidon of the challenge
//!   and the verification chip; the message and the verdict are public.
//! - `poseidon/N`: one `std::hash::poseidon` of `N` inputs (N = 2 on the dedicated chip, the
//!   others on the gate); the hash is public.
//! - `merkle_update/D`: one write to a depth-`D` Merkle map (old and new leaf on one shared path,
//!   the key's bits checked); the new root is public.
//!
//! The circuits are in `support/gadgets.rs`, shared with `versus_halo2_base`.
//!
//! The rows and `k` are printed once per workload (`cargo bench -p stele-circuit --bench
//! std_gadgets`). SHPLONK over KZG/BN254, Blake2b transcript; the setup is a TEST-ONLY seeded
//! one.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::proof;

#[path = "../tests/support/chips.rs"]
mod chips;
#[path = "support/gadgets.rs"]
mod gadgets;

use chips::{circomlibjs_eddsa, smallest_k};
use gadgets::Gadget;

fn bench_workload(c: &mut Criterion, name: &str, gadget: Gadget) {
    let public = gadget.public();
    let circuit = gadget.circuit();
    let rows = gadget.rows();
    let k = smallest_k(rows);
    // TEST ONLY: a setup whose toxic waste is known.
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed([0; 32]));
    let (_, pk) = proof::keygen(&params, &circuit).expect("keys");
    let prove = || {
        let rng = ChaCha20Rng::seed_from_u64(1);
        proof::prove(&params, &pk, circuit.clone(), &[&public], rng).expect("proof")
    };
    let t = Instant::now();
    let bytes = prove();
    let once = t.elapsed();
    assert!(proof::verify(&params, pk.get_vk(), &[&public], &bytes));
    println!("{name}: {rows} rows, k = {k}; one proof {once:.2?}");

    let mut group = c.benchmark_group(format!("std_gadgets/{name}_k{k}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("prove", |b| b.iter(|| black_box(prove())));
    group.finish();
}

fn bench_all(c: &mut Criterion) {
    let (valid, _) = circomlibjs_eddsa();
    bench_workload(c, "eddsa", Gadget::Eddsa(valid[0]));
    for n in [1, 2, 4, 8, 16] {
        bench_workload(c, &format!("poseidon/{n}"), Gadget::Poseidon(n));
    }
    for depth in [20, 32] {
        bench_workload(
            c,
            &format!("merkle_update/{depth}"),
            Gadget::MerkleUpdate(depth),
        );
    }
}

criterion_group!(benches, bench_all);
criterion_main!(benches);
