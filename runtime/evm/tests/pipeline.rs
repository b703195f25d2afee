//! Every example, end to end in an EVM: keygen, a proof of its first block with the Keccak
//! transcript, the verifier and settlement contracts compiled and deployed, the valid block
//! accepted, and a tamper matrix rejected, with the Rust verifier agreeing with the EVM on
//! every case:
//!
//! - every public input changed (on the bare verifier);
//! - one byte changed in every 32-byte word of the proof (each point coordinate, each
//!   evaluation, the opening proof), and the proof cut short or lengthened;
//! - a proof made with another chain's key, for that chain's id;
//! - a stale previous root, a wrong transaction commitment, a replayed block;
//! - in rollup mode: the commitment computed from the transaction data by the contract, a
//!   changed field, a non-canonical field.

use std::path::{Path, PathBuf};

use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{ProvingKey, VerifyingKey};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::block::{BlockCircuit, tx_fields};
use stele_circuit::{files, proof};
use stele_evm::abi;
use stele_evm::contracts::{self, Contracts};
use stele_evm::evm::{LocalEvm, Outcome};
use stele_evm::solc::Solc;
use stele_evm::transcript;
use stele_exec::{Executable, State, Tx, apply_tx};
use stele_ir::Program;

struct Example {
    program: Program,
    chain_id: u64,
    block_size: usize,
    state: State,
    /// The first block: up to `block_size` transactions the executor applies.
    txs: Vec<Tx>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> Example {
    let dir = root().join("examples").join(name);
    let sources = stele_driver::load(&dir);
    let chain_id = sources.manifest.id;
    let block_size = sources.manifest.block_size as usize;
    let program = stele_driver::compile(&sources, None, &mut |_, _| {})
        .program
        .expect("example compiles");
    let read = |file: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("inputs").join(file)).unwrap())
            .unwrap()
    };
    let state = match dir.join("inputs/state.json").is_file() {
        true => State::from_json(&program, &read("state.json")).expect("state"),
        false => State::new(&program),
    };
    // The block made for proving where there is one.
    let block = match dir.join("inputs/proof-block.json").is_file() {
        true => read("proof-block.json"),
        false => read("block.json"),
    };
    let all = stele_exec::decode_block(&program, &block).expect("block");
    let exe = Executable::new(&program).expect("valid program");
    let mut s = state.clone();
    let txs = all
        .into_iter()
        .filter(|tx| apply_tx(&exe, &mut s, tx).is_ok())
        .take(block_size)
        .collect();
    Example {
        program,
        chain_id,
        block_size,
        state,
        txs,
    }
}

fn params(k: u32) -> ParamsKZG<Bn256> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("params");
    files::load_or_create_dev_params(dir, k).expect("dev params")
}

type Keys = (VerifyingKey<G1Affine>, ProvingKey<G1Affine>);

/// Keys and an EVM proof of `ex`'s first block for `chain_id`.
fn keys_and_proof(
    ex: &Example,
    chain_id: u64,
    params: &ParamsKZG<Bn256>,
) -> (Keys, Vec<Fr>, Vec<u8>) {
    let keys = proof::keygen(
        params,
        &BlockCircuit::without_witness(&ex.program, chain_id, ex.block_size),
    )
    .expect("keygen");
    let (circuit, public) =
        BlockCircuit::new(&ex.program, chain_id, ex.block_size, &ex.state, &ex.txs)
            .expect("block builds");
    let proof = transcript::prove(
        params,
        &keys.1,
        circuit,
        &[&public],
        ChaCha20Rng::seed_from_u64(chain_id),
    )
    .expect("proves");
    (keys, public, proof)
}

/// What the EVM and the Rust verifier say about one case.
fn agree(
    label: &str,
    outcome: &Outcome,
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[Fr],
    proof: &[u8],
) {
    let native = transcript::verify(params, vk, &[instances], proof);
    assert_eq!(
        outcome.is_success(),
        native,
        "{label}: the EVM says {:?}, the Rust verifier {native}",
        outcome.failure()
    );
}

fn reverted_with(outcome: &Outcome, error: &str) -> bool {
    outcome
        .failure()
        .is_some_and(|f| f.starts_with(&format!("{error}(")))
}

fn deploy_settlement(
    evm: &mut LocalEvm,
    c: &Contracts,
    verifier: &[u8; 20],
    chain_id: u64,
    genesis: &Fr,
    rollup: bool,
) -> [u8; 20] {
    let args = abi::settlement_constructor(verifier, chain_id, genesis, rollup, c.proof_len);
    evm.deploy("SteleSettlement", &c.settlement.creation, &args)
        .expect("settlement deploys")
        .0
}

fn stored_root(evm: &mut LocalEvm, at: &[u8; 20]) -> [u8; 32] {
    evm.view_word(at, "stateRoot()").expect("stateRoot")
}

fn run(name: &str, other_key: bool) {
    let solc = Solc::locate().expect("solc is installed (npm ci --prefix runtime/evm/solc)");
    let ex = example(name);
    assert!(!ex.txs.is_empty(), "{name}: a block to prove");
    let k = BlockCircuit::without_witness(&ex.program, ex.chain_id, ex.block_size).k();
    let params = params(k);
    let ((vk, _), public, proof) = keys_and_proof(&ex, ex.chain_id, &params);
    assert!(transcript::verify(&params, &vk, &[&public], &proof));
    let c = contracts::build(&solc, &params, &vk, public.len()).expect("contracts build");
    assert_eq!(
        proof.len(),
        c.proof_len,
        "{name}: proof length from the key"
    );
    assert!(c.verifier.runtime.len() <= stele_evm::MAX_RUNTIME_SIZE);
    println!(
        "{name}: k = {k}, verifier {} B runtime, settlement {} B, proof {} B",
        c.verifier.runtime.len(),
        c.settlement.runtime.len(),
        proof.len()
    );

    let mut evm = LocalEvm::new();
    let (verifier, _) = evm
        .deploy("Halo2Verifier", &c.verifier.creation, &[])
        .expect("verifier deploys");

    // The bare verifier: the valid proof, then every public input changed and every word of
    // the proof damaged.
    let ok = evm
        .call(&verifier, abi::verifier_calldata(&public, &proof))
        .unwrap();
    assert!(
        ok.is_success(),
        "{name}: valid proof rejected: {:?}",
        ok.failure()
    );
    println!("{name}: bare verification {} gas", ok.gas());
    for i in 0..public.len() {
        let mut bad = public.clone();
        bad[i] += Fr::ONE;
        let out = evm
            .call(&verifier, abi::verifier_calldata(&bad, &proof))
            .unwrap();
        agree(
            &format!("{name}: public input {i}"),
            &out,
            &params,
            &vk,
            &bad,
            &proof,
        );
        assert!(!out.is_success());
    }
    for word in 0..proof.len() / 32 {
        let mut bad = proof.clone();
        bad[word * 32 + 31] ^= 1;
        let out = evm
            .call(&verifier, abi::verifier_calldata(&public, &bad))
            .unwrap();
        agree(
            &format!("{name}: proof word {word}"),
            &out,
            &params,
            &vk,
            &public,
            &bad,
        );
        assert!(!out.is_success(), "{name}: proof word {word} accepted");
    }

    // Validium settlement, and one for another chain id with this chain's verifier.
    let settlement = deploy_settlement(&mut evm, &c, &verifier, ex.chain_id, &public[1], false);
    let other_id = ex.chain_id + 1;
    let foreign = deploy_settlement(&mut evm, &c, &verifier, other_id, &public[1], false);
    if other_key {
        // A proof made with another chain's key (the same circuit for chain id + 1), submitted to
        // a settlement for that chain id that uses this chain's verifier.
        let ((other_vk, _), other_public, other_proof) = keys_and_proof(&ex, other_id, &params);
        assert!(transcript::verify(
            &params,
            &other_vk,
            &[&other_public],
            &other_proof
        ));
        let out = evm
            .call(
                &foreign,
                abi::submit_block(
                    &other_public[1],
                    &other_public[2],
                    &other_public[3],
                    &other_proof,
                ),
            )
            .unwrap();
        assert!(
            reverted_with(&out, "InvalidProof"),
            "{name}: {:?}",
            out.failure()
        );
        agree(
            &format!("{name}: another chain's key"),
            &out,
            &params,
            &vk,
            &other_public,
            &other_proof,
        );
    }
    let submit =
        |prev: &Fr, new: &Fr, com: &Fr, proof: &[u8]| abi::submit_block(prev, new, com, proof);
    let instances = |prev: &Fr, new: &Fr, com: &Fr| vec![public[0], *prev, *new, *com, Fr::ZERO];
    // Another chain id: the settlement of chain id + 1 with this chain's proof.
    let out = evm
        .call(&foreign, submit(&public[1], &public[2], &public[3], &proof))
        .unwrap();
    assert!(reverted_with(&out, "InvalidProof"));
    let mut wrong_chain = instances(&public[1], &public[2], &public[3]);
    wrong_chain[0] = Fr::from(other_id);
    agree(
        &format!("{name}: chain id"),
        &out,
        &params,
        &vk,
        &wrong_chain,
        &proof,
    );
    // A stale previous root.
    let stale = public[1] + Fr::ONE;
    let out = evm
        .call(&settlement, submit(&stale, &public[2], &public[3], &proof))
        .unwrap();
    assert!(reverted_with(&out, "StaleRoot"));
    agree(
        &format!("{name}: stale root"),
        &out,
        &params,
        &vk,
        &instances(&stale, &public[2], &public[3]),
        &proof,
    );
    // Another new root, another commitment.
    for (label, new, com) in [
        ("new root", public[2] + Fr::ONE, public[3]),
        ("commitment", public[2], public[3] + Fr::ONE),
    ] {
        let out = evm
            .call(&settlement, submit(&public[1], &new, &com, &proof))
            .unwrap();
        assert!(reverted_with(&out, "InvalidProof"), "{name}: {label}");
        agree(
            &format!("{name}: {label}"),
            &out,
            &params,
            &vk,
            &instances(&public[1], &new, &com),
            &proof,
        );
    }
    // Cut short, lengthened.
    for bad in [
        &proof[..proof.len() - 32],
        &[proof.as_slice(), &[0u8; 32]].concat(),
    ] {
        let out = evm
            .call(&settlement, submit(&public[1], &public[2], &public[3], bad))
            .unwrap();
        assert!(reverted_with(&out, "BadProofLength"));
        agree(
            &format!("{name}: proof of {} bytes", bad.len()),
            &out,
            &params,
            &vk,
            &public,
            bad,
        );
    }
    assert_eq!(stored_root(&mut evm, &settlement), abi::word(&public[1]));
    // The valid block.
    let out = evm
        .call(
            &settlement,
            submit(&public[1], &public[2], &public[3], &proof),
        )
        .unwrap();
    agree(
        &format!("{name}: valid block"),
        &out,
        &params,
        &vk,
        &public,
        &proof,
    );
    let Outcome::Success { gas, events, .. } = &out else {
        panic!("{name}: valid block rejected: {:?}", out.failure())
    };
    println!("{name}: submitBlock {gas} gas");
    assert_eq!(stored_root(&mut evm, &settlement), abi::word(&public[2]));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].topics[0],
        abi::keccak(b"BlockSubmitted(uint256,uint256,uint256,uint256)")
    );
    assert_eq!(events[0].topics[1], abi::word_u64(1));
    let expected: Vec<u8> = [public[1], public[2], public[3]]
        .iter()
        .flat_map(abi::word)
        .collect();
    assert_eq!(events[0].data, expected);
    // Replayed.
    let out = evm
        .call(
            &settlement,
            submit(&public[1], &public[2], &public[3], &proof),
        )
        .unwrap();
    assert!(reverted_with(&out, "StaleRoot"));
    agree(
        &format!("{name}: replayed"),
        &out,
        &params,
        &vk,
        &instances(&public[2], &public[2], &public[3]),
        &proof,
    );

    // Rollup settlement: the contract hashes the transaction data itself.
    let rollup = deploy_settlement(&mut evm, &c, &verifier, ex.chain_id, &public[1], true);
    let data: Vec<Fr> = ex
        .txs
        .iter()
        .flat_map(|tx| tx_fields(&ex.program, tx))
        .collect();
    let out = evm
        .call(&rollup, submit(&public[1], &public[2], &public[3], &proof))
        .unwrap();
    assert!(reverted_with(&out, "DataRequired"));
    let mut changed = data.clone();
    changed[0] += Fr::ONE;
    let out = evm
        .call(
            &rollup,
            abi::submit_block_with_data(&public[1], &public[2], &changed, &proof),
        )
        .unwrap();
    assert!(reverted_with(&out, "InvalidProof"), "{name}: changed data");
    let mut non_canonical = abi::submit_block_with_data(&public[1], &public[2], &data, &proof);
    // The first data word sits after the selector, 4 head words and the array's length.
    let at = 4 + 5 * 32;
    let p_word = abi::word(&(-Fr::ONE));
    let mut p = p_word;
    p[31] += 1; // p itself: -1 + 1 without the reduction
    let mut aliased = abi::word(&data[0]);
    // data[0] + p, as a 256-bit integer (fits: fields are below 2^248).
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = aliased[i] as u16 + p[i] as u16 + carry;
        aliased[i] = s as u8;
        carry = s >> 8;
    }
    non_canonical[at..at + 32].copy_from_slice(&aliased);
    let out = evm.call(&rollup, non_canonical).unwrap();
    assert!(
        reverted_with(&out, "NotCanonical"),
        "{name}: {:?}",
        out.failure()
    );
    let out = evm
        .call(
            &rollup,
            abi::submit_block_with_data(&public[1], &public[2], &data, &proof),
        )
        .unwrap();
    let Outcome::Success { gas, .. } = &out else {
        panic!("{name}: rollup block rejected: {:?}", out.failure())
    };
    println!(
        "{name}: submitBlockWithData ({} fields) {gas} gas",
        data.len()
    );
    assert_eq!(stored_root(&mut evm, &rollup), abi::word(&public[2]));
}

#[test]
fn counter() {
    run("counter", true);
}

#[test]
fn token() {
    run("token", true);
}

#[test]
fn amm() {
    run("amm", false);
}

#[test]
fn vm() {
    run("vm", false);
}

#[test]
fn airdrop() {
    run("airdrop", false);
}
