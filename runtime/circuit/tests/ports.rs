//! The block circuit's shared map ports (`stele_circuit::ports`, "Map ports" in
//! `stele_circuit::block`), on a chain whose transitions use a map in every way a port can be
//! shared: a plain read (`get`), a write without a read (`set`), a read fused with its
//! write-back (`bump`), two reads and two writes where only one pair fuses (`swap`), and an
//! unguarded read fused with a write in both branches of an `if` (`settle`: the compiler
//! merges the two writes into one guarded by either branch).
//!
//! - The plan is as documented (golden below).
//! - **Agreement**: random blocks of these transactions (seeded), including rejected ones left
//!   out, give MockProver-satisfied circuits whose new root is the executor's.
//! - **Soundness**: every map read's value tampered (proved consistently by its port), every
//!   shared port's old values tampered (no longer matching its reader), every port's sibling
//!   tampered: all rejected.

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use stele_circuit::block::{BlockCircuit, BlockFault};
use stele_circuit::ports::{self, PortKind};
use stele_driver::Sources;
use stele_exec::{Executable, State, Tx, Val, apply_tx};
use stele_ir::Program;

const SOURCE: &str = r#"
struct Pair {
    a: u64,
    b: u32,
}

state {
    m: Map<u32, Pair, 4>,
    reads: u64,
}

transition get(k: u32, want: u64) {
    assert(state.m[k].a == want, "wrong value");
    state.reads += 1;
}

transition set(k: u32, a: u64) {
    state.m[k] = Pair { a: a, b: 7 };
}

transition bump(k: u32) {
    state.m[k].a += 1;
}

transition swap(i: u32, j: u32) {
    let x = state.m[i];
    let y = state.m[j];
    state.m[i] = y;
    state.m[j] = x;
}

transition settle(k: u32, up: bool) {
    let t = state.m[k];
    if up {
        state.m[k] = Pair { a: t.a + 1, b: t.b };
    } else {
        state.m[k] = Pair { a: t.a, b: t.b + 1 };
    }
}
"#;

const BLOCK: usize = 4;
const CHAIN: u64 = 9;

fn program() -> Program {
    let sources = Sources::single_file("ports.stele", SOURCE);
    let out = stele_driver::compile(&sources, None, &mut |_, _| {});
    out.program
        .unwrap_or_else(|| panic!("compiles: {:?}", out.diagnostics))
}

fn tx(kind: usize, args: &[u128]) -> Tx {
    Tx {
        transition: kind,
        args: args.iter().map(|a| Val::Int(*a)).collect(),
    }
}

/// A random transaction: keys mostly in range (0..16), sometimes not; `get` guesses right
/// half the time.
fn random_tx(rng: &mut ChaCha20Rng, state: &State) -> Tx {
    let key = |rng: &mut ChaCha20Rng| {
        if rng.gen_bool(0.9) {
            rng.gen_range(0..16)
        } else {
            16
        }
    };
    match rng.gen_range(0..5) {
        0 => {
            let k = key(rng);
            let stored = if k < 16 {
                state.map_get(0, k as u64)[0].to_fr()
            } else {
                Fr::ZERO
            };
            let want = stele_crypto::fr_to_u128(&stored).unwrap_or(0);
            let want = if rng.gen_bool(0.5) { want } else { want + 1 };
            tx(0, &[k, want])
        }
        1 => tx(1, &[key(rng), rng.gen_range(0..1000)]),
        2 => tx(2, &[key(rng)]),
        3 => tx(3, &[key(rng), key(rng)]),
        _ => tx(4, &[key(rng), rng.gen_range(0..2)]),
    }
}

/// The transactions the executor applies, up to a full block, and the state after them.
fn applied(program: &Program, state: &State, txs: &[Tx]) -> (Vec<Tx>, State) {
    let exe = Executable::new(program).expect("valid program");
    let mut s = state.clone();
    let ok = txs
        .iter()
        .filter(|t| apply_tx(&exe, &mut s, t).is_ok())
        .take(BLOCK)
        .cloned()
        .collect();
    (ok, s)
}

fn satisfied(circuit: &BlockCircuit, k: u32, public: &[Fr]) -> bool {
    MockProver::run(k, circuit, vec![public.to_vec()])
        .unwrap_or_else(|e| panic!("synthesis: {e:?} {:?}", circuit.error()))
        .verify()
        .is_ok()
}

#[test]
fn plan() {
    let plan = ports::plan(&program());
    use PortKind::{Read as R, Update as U};
    assert_eq!(plan.ports, vec![vec![R, U, U]]);
    let ports_of = |t: usize| {
        plan.roles[t]
            .iter()
            .map(|r| (r.port, r.fused))
            .collect::<Vec<_>>()
    };
    // `set` upgraded `get`'s read port to an update port; `swap`'s extra read got its own.
    assert_eq!(ports_of(0), vec![(1, false)], "get: one read");
    assert_eq!(ports_of(1), vec![(1, false)], "set: one write");
    assert_eq!(ports_of(2), vec![(1, true), (1, true)], "bump: fused");
    assert_eq!(
        ports_of(3),
        vec![(1, true), (0, false), (1, true), (2, false)],
        "swap: read i fused with write i; read j at the read port; write j alone"
    );
    assert_eq!(
        ports_of(4),
        vec![(1, true), (1, true)],
        "settle: one fused update"
    );
}

#[test]
fn random_blocks_agree() {
    let program = program();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut state = State::new(&program);
    let mut k = 0;
    for round in 0..4 {
        let candidates: Vec<Tx> = match round {
            // A swap of a key with itself: the unfused write sees the fused one's new leaf.
            0 => vec![tx(1, &[2, 9]), tx(3, &[2, 2]), tx(2, &[2]), tx(0, &[2, 10])],
            _ => (0..8).map(|_| random_tx(&mut rng, &state)).collect(),
        };
        let (txs, after) = applied(&program, &state, &candidates);
        if round == 0 {
            assert_eq!(txs, candidates, "all apply");
        }
        let (circuit, public) = BlockCircuit::new(&program, CHAIN, BLOCK, &state, &txs)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        if k == 0 {
            k = circuit.k();
        }
        assert_eq!(public[2], after.root(), "round {round}: new root");
        assert!(satisfied(&circuit, k, &public), "round {round}: {txs:?}");
        state = after;
    }
}

#[test]
fn tampered_ports_are_rejected() {
    let program = program();
    let start = State::new(&program);
    // set 3, bump 3, swap 3 5 (i ≠ j), get 5: every kind of port use, every port shared.
    let txs = vec![
        tx(1, &[3, 40]),
        tx(2, &[3]),
        tx(3, &[3, 5]),
        tx(0, &[5, 41]),
    ];
    let (ok, _) = applied(&program, &start, &txs);
    assert_eq!(ok.len(), 4, "all apply");
    let (circuit, public) = BlockCircuit::new(&program, CHAIN, BLOCK, &start, &txs).expect("block");
    let k = circuit.k();
    println!("{} rows, k = {k}", circuit.rows());
    assert!(satisfied(&circuit, k, &public), "honest");

    // Reads with the guard on: bump's 1, swap's 2, get's 1.
    for read in 0..4 {
        let bad = circuit
            .clone()
            .without_trace_checks()
            .with_fault(BlockFault::ReadValue { read });
        assert!(!satisfied(&bad, k, &public), "read {read} tampered");
    }
    // Ports with the guard on, in layout order (slot by slot, port by port): set's write
    // (port 1), bump's update (port 1), swap's read j (port 0), update i (port 1) and write j
    // (port 2), get's read (port 1). Port 1 is shared with readers, so its old values are a
    // witness bound to each reader; ports 0 and 2 have one contributor each (the read's own
    // cells are the old values; no reader), so `PortOld` has nothing to touch there (ops 2, 4).
    for op in 0..6 {
        let bad = circuit
            .clone()
            .without_trace_checks()
            .with_fault(BlockFault::Sibling { op });
        assert!(!satisfied(&bad, k, &public), "sibling of port {op}");
        let bad = circuit
            .clone()
            .without_trace_checks()
            .with_fault(BlockFault::PortOld { op });
        assert_eq!(
            satisfied(&bad, k, &public),
            op == 2 || op == 4,
            "old values of port {op}"
        );
    }
    let past = circuit
        .clone()
        .without_trace_checks()
        .with_fault(BlockFault::Sibling { op: 6 });
    assert!(satisfied(&past, k, &public), "only 6 ports are on");
}

/// `settle`'s port checks the old leaf under the slot's guard and writes under the branch
/// guards: both branches, each tampered.
#[test]
fn guarded_write_back() {
    let program = program();
    let start = State::new(&program);
    let txs = vec![
        tx(1, &[6, 3]),
        tx(4, &[6, 1]),
        tx(4, &[6, 0]),
        tx(4, &[7, 0]),
    ];
    let (ok, after) = applied(&program, &start, &txs);
    assert_eq!(ok.len(), 4, "all apply");
    let (circuit, public) = BlockCircuit::new(&program, CHAIN, BLOCK, &start, &txs).expect("block");
    assert_eq!(public[2], after.root());
    let k = circuit.k();
    assert!(satisfied(&circuit, k, &public), "honest");
    for read in 0..3 {
        let bad = circuit
            .clone()
            .without_trace_checks()
            .with_fault(BlockFault::ReadValue { read });
        assert!(!satisfied(&bad, k, &public), "read {read} tampered");
    }
    for op in 0..4 {
        let bad = circuit
            .clone()
            .without_trace_checks()
            .with_fault(BlockFault::Sibling { op });
        assert!(!satisfied(&bad, k, &public), "sibling of port {op}");
    }
}
