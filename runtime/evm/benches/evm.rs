//! What settling costs off-chain: generating the verifier contract from a key, proving with the
//! Keccak transcript, verifying it natively, and running the verification in the local EVM
//! (the `counter` example's block of 4; the gas figures are printed once).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::block::BlockCircuit;
use stele_circuit::{files, proof};
use stele_evm::evm::LocalEvm;
use stele_evm::solc::Solc;
use stele_evm::{abi, contracts, transcript};

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/counter");
    let sources = stele_driver::load(&dir);
    let (id, size) = (sources.manifest.id, sources.manifest.block_size as usize);
    let program = stele_driver::compile(&sources, None, &mut |_, _| {})
        .program
        .expect("counter compiles");
    let keygen = BlockCircuit::without_witness(&program, id, size);
    let params = files::dev_params(keygen.k());
    let (vk, pk) = proof::keygen(&params, &keygen).expect("keygen");
    let state = stele_exec::State::new(&program);
    let txs = stele_exec::decode_block(
        &program,
        &serde_json::json!({"transactions": [{"transition": "increment", "args": {"by": 5}}]}),
    )
    .expect("block");
    let block = || BlockCircuit::new(&program, id, size, &state, &txs).expect("block builds");
    let (circuit, public) = block();
    let proof = transcript::prove(
        &params,
        &pk,
        circuit,
        &[&public],
        ChaCha20Rng::seed_from_u64(1),
    )
    .expect("proves");
    let solc = Solc::locate().expect("solc is installed (npm ci --prefix runtime/evm/solc)");
    let built = contracts::build(&solc, &params, &vk, public.len()).expect("contracts");
    let mut evm = LocalEvm::new();
    let (verifier, _) = evm
        .deploy("Halo2Verifier", &built.verifier.creation, &[])
        .expect("deploys");
    let calldata = abi::verifier_calldata(&public, &proof);
    let gas = evm.call(&verifier, calldata.clone()).expect("runs").gas();
    println!(
        "counter: verifier {} B, proof {} B, verification {gas} gas",
        built.verifier.runtime.len(),
        proof.len()
    );

    let mut g = c.benchmark_group("evm");
    g.sample_size(10);
    g.bench_function("verifier_source", |b| {
        b.iter(|| contracts::verifier_source(&params, &vk, public.len()).expect("generates"))
    });
    g.bench_function("prove_keccak_counter", |b| {
        b.iter(|| {
            let (circuit, public) = block();
            transcript::prove(
                &params,
                &pk,
                circuit,
                &[&public],
                ChaCha20Rng::seed_from_u64(2),
            )
            .expect("proves")
        })
    });
    g.bench_function("verify_keccak_native", |b| {
        b.iter(|| assert!(transcript::verify(&params, &vk, &[&public], &proof)))
    });
    g.bench_function("verify_in_local_evm", |b| {
        b.iter(|| {
            assert!(
                evm.call(&verifier, calldata.clone())
                    .expect("runs")
                    .is_success()
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
