//! `std::merkle` in the block circuit: the `merkle.root` instruction agrees with the executor
//! and with the native tree on random paths, an index out of range has no witness under its
//! guard (and cannot fail under a guard that is off), and every cell the instruction adds is
//! pinned by a constraint.

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use stele_circuit::block::{BlockCircuit, BlockError};
use stele_circuit::gates::Faults;
use stele_crypto::{MerkleTree, merkle_root_from_path};
use stele_exec::{Executable, State, Tx, Val, apply_tx};
use stele_ir::Program;

const DEPTH: u32 = 4;

const CHAIN: &str = "
state {
    root: Field,
    hits: u64,
}

transition set(index: u64, leaf: Field, path: [Field; 4]) {
    state.root = std::merkle::root(index, leaf, path);
}

transition maybe(on: bool, index: u64, leaf: Field, path: [Field; 4]) {
    if on {
        state.root = std::merkle::root(index, leaf, path);
    }
    state.hits += 1;
}

transition update(index: u64, old: Field, new: Field, path: [Field; 4]) {
    state.root = std::merkle::update(state.root, index, old, new, path);
}
";

fn program() -> Program {
    compile(CHAIN)
}

fn compile(text: &str) -> Program {
    let sources = stele_driver::Sources::single_file("main.stele", text);
    let out = stele_driver::compile(&sources, None, &mut |_, _| {});
    out.program
        .unwrap_or_else(|| panic!("the chain does not compile: {:?}", out.diagnostics))
}

fn transition(program: &Program, name: &str) -> usize {
    program
        .transitions
        .iter()
        .position(|f| f.name == name)
        .unwrap_or_else(|| panic!("no transition `{name}`"))
}

fn field(x: Fr) -> Val {
    Val::Field(x)
}

/// Flattened arguments: the scalars before the path, then the path's siblings.
fn args(head: Vec<Val>, siblings: &[Fr]) -> Vec<Val> {
    head.into_iter()
        .chain(siblings.iter().copied().map(field))
        .collect()
}

fn satisfied(circuit: &BlockCircuit, public: &[Fr]) -> bool {
    let prover = MockProver::run(circuit.k(), circuit, vec![public.to_vec()])
        .unwrap_or_else(|e| panic!("synthesis: {e:?} {:?}", circuit.error()));
    prover.verify().is_ok()
}

/// Applies `txs` natively (all must apply) and proves them as one block: satisfied, and the
/// new state root is the executor's.
fn prove(program: &Program, state: &State, txs: &[Tx]) -> (BlockCircuit, Vec<Fr>, State) {
    prove_in(program, state, txs, 4)
}

/// [`prove`] in a block of `block_size` slots.
fn prove_in(
    program: &Program,
    state: &State,
    txs: &[Tx],
    block_size: usize,
) -> (BlockCircuit, Vec<Fr>, State) {
    let exe = Executable::new(program).expect("valid program");
    let mut after = state.clone();
    for tx in txs {
        apply_tx(&exe, &mut after, tx).expect("applied");
    }
    let (circuit, public) =
        BlockCircuit::new(program, 5, block_size, state, txs).expect("block builds");
    assert_eq!(public[2], after.root(), "new root");
    assert!(satisfied(&circuit, &public), "honest block rejected");
    (circuit, public, after)
}

/// `state.root`, the first plain scalar.
fn root_of(state: &State) -> Fr {
    match &state.scalars()[0] {
        Val::Field(x) => *x,
        v => panic!("root is {v:?}"),
    }
}

#[test]
fn the_worked_example_of_the_spec() {
    // docs/state-commitment.md: depth 2, leaf 2 = 11, the others empty.
    let text = "
        test worked_example {
            let e1 = std::hash::poseidon([0, 0]);
            let r = std::merkle::root(2, 11, [0, e1]);
            assert(r == 1973306818804876942664028263252800384980949072635163280153553697216277976977, \"root\");
            assert(std::merkle::contains(r, 2, 11, [0, e1]), \"contains\");
            assert(!std::merkle::contains(r, 3, 11, [0, e1]), \"another index\");
            assert(!std::merkle::contains(r, 2, 12, [0, e1]), \"another leaf\");
            assert(std::merkle::update(r, 2, 11, 0, [0, e1]) == std::hash::poseidon([e1, e1]), \"emptied\");
        }
        test stale_update {
            let e1 = std::hash::poseidon([0, 0]);
            let r = std::merkle::root(2, 11, [0, e1]);
            let _ = std::merkle::update(r, 2, 12, 0, [0, e1]);
        }";
    let program = compile(&format!("{CHAIN}{text}"));
    assert_eq!(program.tests.len(), 2);
    stele_exec::run_test(&program, 0).expect("worked example");
    let stale = stele_exec::run_test(&program, 1).expect_err("stale update");
    assert_eq!(stale.reason, "merkle proof does not match the root");
}

/// The trees of `runtime/crypto/tests/data/merkle_zk_kit.json` (@zk-kit/incremental-merkle-tree
/// with circomlibjs's Poseidon): one proof per tree of depth 16, 20 and 32 gives zk-kit's root
/// through `std::merkle::root` in the circuit.
#[test]
fn zk_kit_proofs_give_their_roots_in_the_circuit() {
    let program = compile(
        "state { root: Field }
         transition d16(i: u64, leaf: Field, path: [Field; 16]) { state.root = std::merkle::root(i, leaf, path); }
         transition d20(i: u64, leaf: Field, path: [Field; 20]) { state.root = std::merkle::root(i, leaf, path); }
         transition d32(i: u64, leaf: Field, path: [Field; 32]) { state.root = std::merkle::root(i, leaf, path); }",
    );
    let data: serde_json::Value =
        serde_json::from_str(include_str!("../../crypto/tests/data/merkle_zk_kit.json"))
            .expect("valid JSON");
    let fr = |v: &serde_json::Value| {
        stele_crypto::fr_from_str(v.as_str().expect("a string")).expect("a field element")
    };
    let state = State::new(&program);
    let mut txs = Vec::new();
    let mut roots = Vec::new();
    for tree in data["trees"].as_array().expect("trees") {
        let depth = tree["depth"].as_u64().expect("depth");
        let Some(name) = [(16, "d16"), (20, "d20"), (32, "d32")]
            .iter()
            .find_map(|&(d, n)| (d == depth).then_some(n))
        else {
            continue;
        };
        // The last proof: a leaf in the middle of the inserted ones.
        let proof = tree["proofs"]
            .as_array()
            .expect("proofs")
            .last()
            .expect("a proof");
        let siblings: Vec<Fr> = proof["siblings"]
            .as_array()
            .expect("siblings")
            .iter()
            .map(fr)
            .collect();
        let index = proof["index"].as_u64().expect("index");
        txs.push(Tx {
            transition: transition(&program, name),
            args: args(
                vec![Val::Int(u128::from(index)), field(fr(&proof["leaf"]))],
                &siblings,
            ),
        });
        roots.push(fr(&tree["root"]));
    }
    assert_eq!(txs.len(), 3);
    // One block per proof, so each new state root is checked against zk-kit's.
    for (tx, root) in txs.iter().zip(roots) {
        let (_, _, after) = prove_in(&program, &state, std::slice::from_ref(tx), 1);
        assert_eq!(root_of(&after), root);
    }
}

#[test]
fn random_paths_agree_with_the_native_tree() {
    let program = program();
    let (set, maybe) = (transition(&program, "set"), transition(&program, "maybe"));
    let mut rng = ChaCha20Rng::seed_from_u64(20);
    let mut state = State::new(&program);
    for round in 0..3 {
        let mut txs = Vec::new();
        let mut expected = Fr::ZERO;
        for i in 0..4 {
            let index = rng.gen_range(0..1u64 << DEPTH);
            let leaf = Fr::random(&mut rng);
            let siblings: Vec<Fr> = (0..DEPTH).map(|_| Fr::random(&mut rng)).collect();
            expected = merkle_root_from_path(leaf, index, &siblings);
            let head = vec![Val::Int(u128::from(index)), field(leaf)];
            txs.push(if (round + i) % 2 == 0 {
                Tx {
                    transition: set,
                    args: args(head, &siblings),
                }
            } else {
                Tx {
                    transition: maybe,
                    args: args([vec![Val::Int(1)], head].concat(), &siblings),
                }
            });
        }
        let (_, _, after) = prove(&program, &state, &txs);
        assert_eq!(root_of(&after), expected, "round {round}");
        state = after;
    }

    // The same paths through a real tree: `update` moves a leaf's root along with the tree.
    let update = transition(&program, "update");
    let mut tree = MerkleTree::new(DEPTH, Fr::ZERO);
    let state = State::new(&program);
    let set_root = Tx {
        transition: set,
        args: args(vec![Val::Int(0), field(Fr::ZERO)], &tree.siblings(0)),
    };
    let mut txs = vec![set_root];
    let mut current = tree.root();
    for (index, value) in [(3u64, 7u64), (12, 9), (3, 8)] {
        let old = tree.leaf(index);
        let siblings = tree.siblings(index);
        tree.set_leaf(index, Fr::from(value));
        txs.push(Tx {
            transition: update,
            args: args(
                vec![
                    Val::Int(u128::from(index)),
                    field(old),
                    field(Fr::from(value)),
                ],
                &siblings,
            ),
        });
        assert_ne!(tree.root(), current);
        current = tree.root();
    }
    let (_, _, after) = prove(&program, &state, &txs);
    assert_eq!(root_of(&after), tree.root());
}

#[test]
fn an_index_out_of_range_is_rejected_under_its_guard_only() {
    let program = program();
    let (set, maybe) = (transition(&program, "set"), transition(&program, "maybe"));
    let exe = Executable::new(&program).expect("valid program");
    let state = State::new(&program);
    let siblings = [Fr::ONE, Fr::from(2), Fr::from(3), Fr::from(4)];
    let far = [1u128 << DEPTH, (1 << DEPTH) + 3, u128::from(u64::MAX)];

    // Guard off: `maybe(false, ...)` applies whatever the index, in both back ends.
    let off: Vec<Tx> = far
        .iter()
        .map(|&index| Tx {
            transition: maybe,
            args: args(
                vec![Val::Int(0), Val::Int(index), field(Fr::from(9))],
                &siblings,
            ),
        })
        .collect();
    prove(&program, &state, &off);

    // Guard on: the executor rejects, and the transaction forced into a block has no witness,
    // even with the public values the forged witness computes itself.
    for index in far {
        let tx = Tx {
            transition: set,
            args: args(vec![Val::Int(index), field(Fr::from(9))], &siblings),
        };
        let rejection = apply_tx(&exe, &mut state.clone(), &tx).expect_err("rejected");
        assert_eq!(rejection.reason, "merkle index out of range");
        match BlockCircuit::new(&program, 5, 4, &state, std::slice::from_ref(&tx)) {
            Err(BlockError::Rejected { index: 0, .. }) => {}
            other => panic!("expected a rejection, got {other:?}"),
        }
        let (forced, public) =
            BlockCircuit::new_forced(&program, 5, 4, &state, std::slice::from_ref(&tx))
                .expect("forced");
        assert!(!satisfied(&forced, &public), "index {index}");
        let own = forced.exposed();
        assert!(!satisfied(&forced, &own), "index {index}, self-consistent");
    }
}

#[test]
fn every_cell_of_the_path_is_constrained() {
    // One `maybe(true, ...)` in a one-slot block: the masked index, its bits and Horner sum,
    // the selects of every level and the masked result (of `maybe`, and of the other
    // transitions, which the slot also holds). Each labelled cell, changed by one, must be
    // rejected; every occurrence of each label is tried until a fault no longer lands.
    let program = program();
    let maybe = transition(&program, "maybe");
    let state = State::new(&program);
    let siblings = [Fr::from(5), Fr::from(6), Fr::from(7), Fr::from(8)];
    let tx = Tx {
        transition: maybe,
        args: args(
            vec![Val::Int(1), Val::Int(11), field(Fr::from(12345))],
            &siblings,
        ),
    };
    let (circuit, public, _) = prove_in(&program, &state, &[tx], 1);
    let mut tried = 0;
    for label in ["mask.out", "bit", "mul_add.out", "select.out"] {
        for nth in 0.. {
            let faults = Faults::none().add(label, nth, Fr::ONE);
            let bad = circuit
                .clone()
                .without_trace_checks()
                .with_faults(faults.clone());
            let ok = satisfied(&bad, &public);
            if faults.hits() == 0 {
                break;
            }
            assert!(!ok, "`{label}` #{nth} changed and accepted");
            tried += 1;
        }
    }
    println!("{tried} cells changed, each rejected");
    assert!(tried > 3 * DEPTH as usize, "only {tried} cells tried");
}
