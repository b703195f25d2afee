//! MockProver tests of the block circuit (`stele_circuit::block`): every example's
//! `inputs/block.json` at the manifest's `block_size`, and examples/counter, examples/token and
//! examples/amm in blocks of 4 slots (the transactions the executor applies, the rest padding)
//! with soundness tests.
//!
//! - **Completeness**: MockProver is satisfied and the public new root is the executor's.
//! - **Soundness**: each public input changed, a padding slot switched on, a rejected
//!   transaction forced in, the starting state cells tampered, a wrong Merkle sibling: all
//!   rejected.
//! - One real keygen / prove / verify round trip for counter with the dev SRS.

use std::path::Path;

use halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_proofs::halo2curves::bn256::{Bn256, Fr};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::{keygen_pk, keygen_vk};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::block::{
    BlockCircuit, BlockError, BlockFault, tx_commitment, tx_fields, tx_width,
};
use stele_circuit::files::{dev_params, vk_from_bytes, vk_to_bytes};
use stele_circuit::gates::Faults;
use stele_circuit::proof;
use stele_exec::{Executable, State, Tx, apply_tx};
use stele_ir::Program;

const BLOCK: usize = 4;

struct Example {
    program: Program,
    chain_id: u64,
    /// The manifest's `block_size`.
    block_size: usize,
    state: State,
    /// Every transaction of `inputs/block.json`.
    all: Vec<Tx>,
    /// The ones the executor applies, in order.
    applied: Vec<Tx>,
}

fn example(name: &str) -> Example {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let program = stele_driver::compile(&stele_driver::load(&root), None, &mut |_, _| {})
        .program
        .expect("example compiles");
    let toml = std::fs::read_to_string(root.join("Stele.toml")).expect("Stele.toml");
    let field = |name: &str| -> u64 {
        toml.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in Stele.toml"))
    };
    let chain_id = field("id = ");
    let block_size = field("block_size = ") as usize;
    let block: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("inputs/block.json")).expect("block.json"),
    )
    .expect("block json");
    let all = stele_exec::decode_block(&program, &block).expect("block decodes");
    let state = match std::fs::read_to_string(root.join("inputs/state.json")) {
        Ok(text) => State::from_json(&program, &serde_json::from_str(&text).expect("state json"))
            .expect("state decodes"),
        Err(_) => State::new(&program),
    };
    let exe = Executable::new(&program).expect("valid program");
    let mut s = state.clone();
    let applied: Vec<Tx> = all
        .iter()
        .filter(|tx| apply_tx(&exe, &mut s, tx).is_ok())
        .take(BLOCK)
        .cloned()
        .collect();
    Example {
        program,
        chain_id,
        block_size,
        state,
        all,
        applied,
    }
}

fn new_root(ex: &Example, txs: &[Tx]) -> Fr {
    let exe = Executable::new(&ex.program).expect("valid program");
    let mut s = ex.state.clone();
    for tx in txs {
        apply_tx(&exe, &mut s, tx).expect("applied");
    }
    s.root()
}

fn failures(circuit: &BlockCircuit, k: u32, public: &[Fr]) -> Vec<VerifyFailure> {
    let prover = MockProver::run(k, circuit, vec![public.to_vec()])
        .unwrap_or_else(|e| panic!("synthesis: {e:?} {:?}", circuit.error()));
    prover.verify().err().unwrap_or_default()
}

fn satisfied(circuit: &BlockCircuit, k: u32, public: &[Fr]) -> bool {
    failures(circuit, k, public).is_empty()
}

/// Whether some gate (not only a copy or an instance) is violated.
fn gate_fails(circuit: &BlockCircuit, k: u32, public: &[Fr]) -> bool {
    failures(circuit, k, public)
        .iter()
        .any(|f| matches!(f, VerifyFailure::ConstraintNotSatisfied { .. }))
}

/// Honest block: satisfied, public inputs as documented.
fn honest(ex: &Example) -> (BlockCircuit, Vec<Fr>, u32) {
    let (circuit, public) =
        BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, &ex.applied)
            .expect("block builds");
    let k = circuit.k();
    println!(
        "{} applied transactions, {} rows, k = {k}",
        ex.applied.len(),
        circuit.rows()
    );
    assert_eq!(public.len(), 5);
    assert_eq!(public[0], Fr::from(ex.chain_id));
    assert_eq!(public[1], ex.state.root());
    assert_eq!(public[2], new_root(ex, &ex.applied));
    assert_eq!(public[3], tx_commitment(&ex.program, &ex.applied));
    assert_eq!(public[4], Fr::ZERO);
    assert!(satisfied(&circuit, k, &public), "honest block rejected");
    assert_eq!(circuit.exposed(), public, "the circuit's public cells");
    (circuit, public, k)
}

#[test]
fn counter_block() {
    let ex = example("counter");
    assert_eq!(
        ex.applied.len(),
        3,
        "counter applies 3 of its 5 transactions"
    );
    let (circuit, public, k) = honest(&ex);

    // Each public input changed.
    for i in 0..public.len() {
        let mut bad = public.clone();
        bad[i] += Fr::ONE;
        assert!(!satisfied(&circuit, k, &bad), "public input {i} changed");
    }

    // The starting state cells (first `witness` cells: count, then increments) tampered.
    for nth in 0..2 {
        let tampered = circuit
            .clone()
            .without_trace_checks()
            .with_faults(Faults::none().add("witness", nth, Fr::ONE));
        assert!(!satisfied(&tampered, k, &public), "start cell {nth}");
    }
}

#[test]
fn counter_padding_and_rejections() {
    let ex = example("counter");
    // Three applied transactions, one padding slot.
    let txs = &ex.applied[..];
    let (circuit, public) =
        BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, txs).expect("block");
    let k = circuit.k();
    assert!(satisfied(&circuit, k, &public), "padded block");
    assert_eq!(public[2], new_root(&ex, txs));

    // A padding slot switched on: alone, and with a transition selected (zero arguments).
    for kind in [None, Some(0), Some(1)] {
        let bad = circuit
            .clone()
            .without_trace_checks()
            .with_fault(BlockFault::ActivateSlot { slot: 3, kind });
        assert!(!satisfied(&bad, k, &public), "padding on, kind {kind:?}");
        if kind.is_none() {
            // Active without a kind fails the one-hot constraint even with the witness's own
            // public values. (With a kind and zero arguments it is a different, valid block:
            // the tx commitment and new root above are what reject it.)
            let own = bad.exposed();
            assert!(!satisfied(&bad, k, &own), "one-hot");
        }
    }

    // An active slot after a padding slot: slots 0, 1 active, 2 padding, 3 switched on (as a
    // `reset`, a valid transaction): the ordering gate fails even with self-consistent public
    // values.
    let (two, public2) =
        BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, &ex.applied[..2])
            .expect("block");
    assert!(satisfied(&two, k, &public2), "two transactions");
    let bad = two
        .without_trace_checks()
        .with_fault(BlockFault::ActivateSlot {
            slot: 3,
            kind: Some(1),
        });
    assert!(!satisfied(&bad, k, &public2), "gap");
    let own = bad.exposed();
    assert!(gate_fails(&bad, k, &own), "ordering gate");

    // A rejected transaction is refused by the builder...
    let rejected = ex
        .all
        .iter()
        .find(|tx| !ex.applied.contains(tx))
        .expect("a rejected transaction")
        .clone();
    let txs = vec![ex.applied[0].clone(), rejected];
    match BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, &txs) {
        Err(BlockError::Rejected { index, rejection }) => {
            assert_eq!(index, 1);
            assert_eq!(rejection.reason, "step too large");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    // ...and forced in, fails the constraints, even with the witness's own public values.
    let (forced, public) =
        BlockCircuit::new_forced(&ex.program, ex.chain_id, BLOCK, &ex.state, &txs).expect("forced");
    assert!(!satisfied(&forced, k, &public), "forced, executor's root");
    let own = forced.exposed();
    assert_eq!(own.len(), 5);
    assert!(!satisfied(&forced, k, &own), "forced, self-consistent");
    assert!(
        gate_fails(&forced, k, &own),
        "the failing instruction's check"
    );

    // Too many transactions.
    let many = vec![ex.applied[0].clone(); BLOCK + 1];
    assert!(matches!(
        BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, &many),
        Err(BlockError::TooManyTransactions { .. })
    ));
}

#[test]
fn token_block() {
    let ex = example("token");
    // The first block: the four transfers of the vectors file, signed by circomlibjs keys, which
    // the executor applies and the circuit proves.
    let vectors: serde_json::Value = serde_json::from_str(include_str!(
        "../../crypto/tests/data/eddsa_circomlibjs.json"
    ))
    .expect("vectors");
    let signed = vectors["token_transfers"]
        .as_array()
        .expect("token_transfers");
    assert_eq!(ex.applied.len(), signed.len());
    let dec = |v: &serde_json::Value| stele_crypto::fr_from_str(v.as_str().unwrap()).unwrap();
    for (tx, v) in ex.applied.iter().zip(signed) {
        assert_eq!(ex.program.transitions[tx.transition].name, "transfer");
        let sig = &v["signature"];
        let expected: Vec<Fr> = [v["from"].as_u64(), v["to"].as_u64(), v["amount"].as_u64()]
            .iter()
            .chain(&[v["fee"].as_u64(), v["nonce"].as_u64()])
            .map(|n| Fr::from(n.expect("number")))
            .chain([dec(&sig["r8"]["x"]), dec(&sig["r8"]["y"]), dec(&sig["s"])])
            .collect();
        let args: Vec<Fr> = tx.args.iter().map(|a| a.to_fr()).collect();
        assert_eq!(args, expected, "a transfer signed by circomlibjs");
    }
    let (circuit, public, k) = honest(&ex);

    // A transfer whose S is changed (the executor rejects it: bad signature) forced in.
    let mut forged = ex.applied[0].clone();
    let s = forged.args.len() - 1;
    forged.args[s] = stele_exec::Val::Field(forged.args[s].to_fr() + Fr::ONE);
    let (forced, forced_public) =
        BlockCircuit::new_forced(&ex.program, ex.chain_id, BLOCK, &ex.state, &[forged])
            .expect("forced");
    assert!(!satisfied(&forced, k, &forced_public), "forged signature");
    assert!(
        !satisfied(&forced, k, &forced.exposed()),
        "forged signature, self-consistent"
    );

    // A wrong sibling in the first map access.
    let bad = circuit
        .clone()
        .without_trace_checks()
        .with_fault(BlockFault::Sibling { op: 0 });
    assert!(!satisfied(&bad, k, &public), "wrong sibling");

    // The starting map root (after the 2 plain scalars `fees`, `supply`) tampered.
    let bad = circuit
        .clone()
        .without_trace_checks()
        .with_faults(Faults::none().add("witness", 2, Fr::ONE));
    assert!(!satisfied(&bad, k, &public), "start map root");

    // A rejected deposit (key 2^20, out of the map's range) forced in, with the witness's
    // own public values.
    let out_of_range = ex
        .all
        .iter()
        .find(|tx| {
            !ex.applied.contains(tx) && ex.program.transitions[tx.transition].name == "deposit"
        })
        .expect("a rejected deposit")
        .clone();
    let mut txs = ex.applied[..3].to_vec();
    txs.push(out_of_range);
    assert!(matches!(
        BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, &txs),
        Err(BlockError::Rejected { index: 3, .. })
    ));
    let (forced, forced_public) =
        BlockCircuit::new_forced(&ex.program, ex.chain_id, BLOCK, &ex.state, &txs).expect("forced");
    assert!(!satisfied(&forced, k, &forced_public), "forced deposit");
    let own = forced.exposed();
    assert!(
        !satisfied(&forced, k, &own),
        "forced deposit, self-consistent"
    );
}

#[test]
fn counter_prove_verify() {
    let ex = example("counter");
    let (circuit, public) =
        BlockCircuit::new(&ex.program, ex.chain_id, BLOCK, &ex.state, &ex.applied).expect("block");
    let k = circuit.k();
    let params: ParamsKZG<Bn256> = dev_params(k);
    let keygen = BlockCircuit::without_witness(&ex.program, ex.chain_id, BLOCK);
    let vk = keygen_vk(&params, &keygen).expect("vk");
    // The verifying key survives its container (`Circuit::Params` is `()`).
    let fingerprint = [0x42; 32];
    let bytes = vk_to_bytes(&vk, &fingerprint);
    let vk = vk_from_bytes::<BlockCircuit>(&bytes, &params, &fingerprint, ()).expect("vk reads");
    let pk = keygen_pk(&params, vk.clone(), &keygen).expect("pk");

    let proof = proof::prove(
        &params,
        &pk,
        circuit,
        &[&public],
        ChaCha20Rng::from_seed([7; 32]),
    )
    .expect("proof");
    let verify = |public: &[Fr]| proof::verify(&params, &vk, &[public], &proof);
    assert!(verify(&public), "honest proof verifies");
    let mut bad = public.clone();
    bad[2] += Fr::ONE;
    assert!(!verify(&bad), "wrong new root");
}

#[test]
fn amm_block() {
    let ex = example("amm");
    assert_eq!(
        ex.applied.len(),
        BLOCK,
        "the first four applied amm transactions"
    );
    let (circuit, public, k) = honest(&ex);
    let mut bad = public.clone();
    bad[2] += Fr::ONE;
    assert!(!satisfied(&circuit, k, &bad), "a wrong new root");
}

/// Every example's `inputs/block.json` as its chain would prove it: the transactions the
/// executor applies, in consecutive blocks of the manifest's `block_size` (the last one
/// padded), each satisfied with the executor's roots, chained from block to block, and the
/// first block rejected with one public input changed. Every vm
/// slot holds a 48-step `run` (about 31,000 rows), so for vm only the first block and the
/// blocks with a `run` go through MockProver (the others are executed, to chain the roots).
#[test]
fn every_example_at_its_block_size() {
    for name in ["counter", "token", "amm", "vm", "airdrop"] {
        let ex = example(name);
        let exe = Executable::new(&ex.program).expect("valid program");
        // A rejected transaction changes nothing, so the applied ones replay exactly.
        let mut state = ex.state.clone();
        let applied: Vec<Tx> = ex
            .all
            .iter()
            .filter(|tx| apply_tx(&exe, &mut state, tx).is_ok())
            .cloned()
            .collect();
        let mut state = ex.state.clone();
        let mut blocks = 0;
        for chunk in applied.chunks(ex.block_size) {
            let txs: Vec<Tx> = chunk.to_vec();
            let (circuit, public) =
                BlockCircuit::new(&ex.program, ex.chain_id, ex.block_size, &state, &txs)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            for tx in &txs {
                apply_tx(&exe, &mut state, tx).expect("applied");
            }
            assert_eq!(public[2], state.root(), "{name}: new root");
            blocks += 1;
            let runs = txs
                .iter()
                .any(|tx| ex.program.transitions[tx.transition].name == "run");
            if name == "vm" && blocks > 1 && !runs {
                continue;
            }
            let k = circuit.k();
            assert!(satisfied(&circuit, k, &public), "{name}: block {blocks}");
            if blocks == 1 {
                // One public input changed per example (all five are covered for counter in
                // `counter_block`).
                let which = match name {
                    "counter" => 0,
                    "token" => 1,
                    "amm" => 3,
                    "airdrop" => 4,
                    _ => 2,
                };
                let mut bad = public.clone();
                bad[which] += Fr::ONE;
                assert!(
                    !satisfied(&circuit, k, &bad),
                    "{name}: public input {which}"
                );
            }
            println!(
                "{name}: block {blocks}, {} transactions, k = {k}",
                txs.len()
            );
        }
        assert!(blocks > 0, "{name} proves something");
    }
}

/// Transactions are packed by their argument types (module docs, "Transaction commitment").
#[test]
fn tx_fields_pack_by_type() {
    let token = example("token");
    // transfer(from 1, to 2, amount 30, fee 1, nonce 0, sig): kind 0 in bits 0..16, then 32,
    // 32, 64, 64 and 32 bits: one field; then one field for each `Field` of the signature.
    let transfer = token.applied[0].clone();
    assert_eq!(tx_width(&token.program), 4);
    let args: Vec<u128> = transfer.args[..5]
        .iter()
        .map(|a| stele_crypto::fr_to_u128(&a.to_fr()).expect("small"))
        .collect();
    let expected = Fr::from_u128(args[0] << 16)
        + Fr::from_u128(args[1] << 48)
        + Fr::from_u128(args[2]) * Fr::from_u128(1 << 80)
        + Fr::from_u128(args[3]) * Fr::from_u128(1 << 100) * Fr::from_u128(1 << 44)
        + Fr::from_u128(args[4]) * Fr::from_u128(1 << 104) * Fr::from_u128(1 << 104);
    let sig: Vec<Fr> = transfer.args[5..].iter().map(|a| a.to_fr()).collect();
    assert_eq!(
        tx_fields(&token.program, &transfer),
        [vec![expected], sig].concat()
    );
    // vm: `store(at: u8, op: Op)`: kind, `at` at bit 16 and the enum's 32-bit tag at bit 24
    // share field 0; each `Field` payload slot of the enum has a field of its own.
    let vm = example("vm");
    let store = &vm.all[0];
    let a: Vec<Fr> = store.args.iter().map(|v| v.to_fr()).collect();
    let mut expected = vec![
        Fr::from(store.transition as u64)
            + a[0] * Fr::from(1u64 << 16)
            + a[1] * Fr::from(1u64 << 24),
    ];
    expected.extend(&a[2..]);
    assert_eq!(tx_fields(&vm.program, store), expected);
    assert_eq!(tx_width(&vm.program), expected.len());
}

/// The worked example of docs/state-commitment.md, "Transaction commitment".
#[test]
fn tx_commitment_worked_example() {
    let token = example("token");
    let transfer = stele_exec::Tx {
        transition: 0,
        args: [1u128, 2, 100, 1, 0]
            .iter()
            .map(|v| stele_exec::Val::Int(*v))
            .chain([3u64, 4, 5].map(|v| stele_exec::Val::Field(Fr::from(v))))
            .collect(),
    };
    let dec = |s: &str| stele_crypto::fr_from_str(s).expect("decimal");
    assert_eq!(
        tx_fields(&token.program, &transfer),
        vec![
            dec("22300745198530623262428300234674228930084864"),
            Fr::from(3),
            Fr::from(4),
            Fr::from(5)
        ]
    );

    assert_eq!(
        tx_commitment(&token.program, &[transfer]),
        dec("9838557683996106131953543358197569270856879656724123741767157884954301860092")
    );
    assert_eq!(tx_commitment(&token.program, &[]), Fr::ZERO);
}
