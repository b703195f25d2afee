//! Criterion benchmark of the Poseidon chip: keygen, prove and verify of a chain of hashes
//! `h_{i+1} = poseidon2(h_i, i)` (`h_0` private, the indices fixed constants, the last hash
//! public) at the smallest `k` that fits: 100 hashes (41·100 + 1 = 4,101 rows, k = 13), and
//! 99 hashes (4,060 rows, the most that fit k = 12) to show the cost of the power-of-two step.
//! SHPLONK over KZG/BN254 with a Blake2b transcript; the setup is a TEST-ONLY seeded one.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_proofs::plonk::{Circuit, ProvingKey, VerifyingKey};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::poseidon::rows_for;
use stele_circuit::proof;
use stele_crypto::{Fr, poseidon2};

#[path = "support/chain.rs"]
mod chain;

use chain::ChainCircuit;

fn keygen(params: &ParamsKZG<Bn256>, circuit: &ChainCircuit) -> ProvingKey<G1Affine> {
    proof::keygen(params, circuit).expect("keys").1
}

fn prove(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: &ChainCircuit,
    public: Fr,
) -> Vec<u8> {
    let rng = ChaCha20Rng::seed_from_u64(1);
    proof::prove(params, pk, circuit.clone(), &[&[public]], rng).expect("proof")
}

fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &[u8],
    public: Fr,
) -> bool {
    proof::verify(params, vk, &[&[public]], proof)
}

/// Smallest `k` whose usable rows (2^k minus the 7 blinding/last rows) hold `rows`.
fn smallest_k(rows: usize) -> u32 {
    (1..).find(|&k| (1usize << k) >= rows + 7).unwrap()
}

fn bench_chain(c: &mut Criterion, n: usize) {
    let rows = rows_for(n);
    let k = smallest_k(rows);
    let h0 = Fr::from(42);
    let public = (0..n).fold(h0, |h, i| poseidon2(h, Fr::from(i as u64)));
    let circuit = ChainCircuit {
        h0: Value::known(h0),
        n,
    };
    let blank = circuit.without_witnesses();

    let t = Instant::now();
    // TEST ONLY: a setup whose toxic waste is known.
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed([0; 32]));
    let setup = t.elapsed();
    let t = Instant::now();
    let pk = keygen(&params, &blank);
    let keygen_once = t.elapsed();
    let t = Instant::now();
    let proof = prove(&params, &pk, &circuit, public);
    let prove_once = t.elapsed();
    assert!(verify(&params, pk.get_vk(), &proof, public));
    assert!(!verify(&params, pk.get_vk(), &proof, public + Fr::from(1)));
    println!(
        "poseidon_chain/{n}: {rows} rows, k = {k}, proof {} bytes; one-off: setup {setup:.2?}, \
         keygen {keygen_once:.2?}, prove {prove_once:.2?}",
        proof.len()
    );

    let mut group = c.benchmark_group(format!("poseidon_chain/{n}_k{k}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("keygen", |b| b.iter(|| keygen(&params, black_box(&blank))));
    group.bench_function("prove", |b| {
        b.iter(|| prove(&params, &pk, black_box(&circuit), public))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify(&params, pk.get_vk(), black_box(&proof), public))
    });
    group.finish();
}

fn bench_chains(c: &mut Criterion) {
    bench_chain(c, 100);
    bench_chain(c, 99);
}

criterion_group!(benches, bench_chains);
criterion_main!(benches);
