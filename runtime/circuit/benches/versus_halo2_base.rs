//! Stele's circuits against the same work written by hand on halo2-base 0.5.5: keygen, prove
//! and verify time, proof size, and circuit shape (`k`, rows or cells, columns).
//!
//! # Workloads
//!
//! - **poseidon_chain_100**: `h_{i+1} = poseidon([h_i, i])` for `i < 100`, circomlib's
//!   Poseidon with two inputs, `h_0 = 42` private, the indices constants, `h_100` public.
//!   Stele: the dedicated width-3 Poseidon chip ([`stele_circuit::poseidon`]), one batch of
//!   100 hashes. halo2-base: 100 permutations on gate ops.
//! - **merkle_write_d20**, **merkle_write_d32**: one write to a depth-20 (depth-32) Merkle
//!   map. Stele: the block circuit ([`BlockCircuit`], block size 1) of a one-map chain,
//!   compiled from the source of [`map_chain`], applying `set(77, 11, 22)` to a map with five
//!   entries. It proves the old leaf of key 77 against the old map root, hashes the new value
//!   into the new leaf and computes the new root; as every Stele block it also hashes the state
//!   root before and after and the transaction commitment (a note under the table gives the
//!   rows of a bare leaf write at that depth, `std_gadgets`' `merkle_update`). halo2-base: the
//!   key as 20 (32) path bits, the old leaf (a witness) checked against the old map root along
//!   the siblings, the new leaf `poseidon([a, b])`, the new root along the same path; public
//!   inputs the old and the new map root.
//! - **token_block_16**: a block of 16 transfers of the token chain without signatures
//!   (`benches/support/token_unsigned`: `examples/token` before its accounts had keys; accounts
//!   in a depth-20 map of `{ balance: u64, nonce: u32 }`, fees, supply) from a state with eight funded
//!   accounts; eight of the transfers pay accounts that did not exist yet. Stele: the chain's
//!   block circuit with `block_size` 16 (every slot also carries the `deposit` transition, as
//!   every Stele slot holds every transition). halo2-base, per transfer: `from` and `to` as 20
//!   path bits each (so keys below 2^20), `from != to`, the nonce equal to the sender's, 64-bit
//!   range checks of `amount`, `fee`, `amount + fee`, the sender's new balance (so the balance
//!   covers `amount + fee`), the receiver's new balance and the fee total, a 32-bit check of
//!   the sender's new nonce; the sender's leaf `poseidon([balance, nonce])` checked against the
//!   running map root, its new leaf hashed up the same path into the next root; the same for
//!   the receiver against that root. Public inputs: the state roots before and after,
//!   `poseidon([accounts_root, fees, supply])` exactly as `State::root`, so the fee sum is
//!   committed too.
//! - **arith_u64**: checked u64 arithmetic with no hashing in its logic, the chain in
//!   [`ARITH_CHAIN`]: state `{ x: u64, max: u64 }`, one transition `run(xs: [u64; 32])` making
//!   16 passes over its inputs (512 steps), each step `acc = acc + xs[i] * 3`, `if acc >= LIMIT
//!   { acc = acc - LIMIT }`, `if acc > best { best = acc }`, then `state.x = acc` and
//!   `state.max = best`. (The multiply is on the input, not `acc * 3 + x`: with `acc < LIMIT` and
//!   inputs below `LIMIT / 3` one conditional subtraction keeps `acc < LIMIT`, while `acc * 3`
//!   would grow threefold per step and overflow u64 within about 40 steps.) One transaction from
//!   the zero state with 32 inputs spread below `LIMIT / 3`. Stele: the block circuit with
//!   block size 1; as every block it also hashes the state root before and after and commits to
//!   the transaction (one Poseidon per packed field), a fixed cost printed under the table.
//!   Stele's compiler computes each `xs[i] * 3` once for all passes. halo2-base, with
//!   `RangeChip`: the inputs and the state before as witnesses, each 64-bit checked (Stele checks
//!   its parameters and loads by type); per step `mul_add(x, 3, acc)` and a 64-bit check of it
//!   (one check covers the product and the sum: both are non-negative and far below p; Stele
//!   rejects overflow), `is_less_than(sum, LIMIT, 64)`, `sub` and `select` for the reduction,
//!   `is_less_than(best, acc, 64)` and `select` for the maximum. Public inputs: the state
//!   before and the final `x` and `max`, checked against the executor's state after the
//!   transaction (itself checked against the same loop in Rust).
//! - **poseidon_n01**, **poseidon_n04**, **poseidon_n08**, **poseidon_n16**: one circomlib
//!   Poseidon of 1, 4, 8, 16 inputs (width 2, 5, 9, 17), the inputs `1..=n` as witnesses, the
//!   hash public. Stele: `std::hash::poseidon` of that arity on the gate chip
//!   ([`stele_circuit::poseidon_wide`]), alone in a circuit of the block circuit's columns
//!   (`benches/support/gadgets.rs`, the circuits of `std_gadgets`). halo2-base: the hand-written
//!   Poseidon at width `n + 1`.
//! - **eddsa_verify**: one circomlib-compatible EdDSA-Poseidon verification over Baby Jubjub
//!   (`std::eddsa::verify`) of the first circomlibjs vector of
//!   `runtime/crypto/tests/data/eddsa_circomlibjs.json`; public inputs the message and the
//!   verdict bit (1). Stele: the challenge `poseidon([R8.x, R8.y, A.x, A.y, m])` on the gate and
//!   the chip [`stele_circuit::eddsa::verify`], alone in a circuit of the block circuit's
//!   columns (as `std_gadgets`). halo2-base, with `RangeChip` (the largest table of each
//!   candidate `k`, as arith_u64): the same hash with the hand-written Poseidon at width 6;
//!   `S` and `h` each as 128 + 126 bits by `num_to_bits` of their halves, recomposed, with
//!   `(hi, lo) <= p − 1` asserted (strict: no `x + p` alias) by `is_less_than` on the halves,
//!   and `S <= l − 1` the same way as a bit; `A` and `R8` on the curve (`is_equal(a·x² + y²,
//!   1 + d·x²y²)`), each replaced by the identity `(0, 1)` when not (so an invalid signature
//!   still has a witness, its verdict 0, as Stele's); `8·A` by three doublings and
//!   `is_zero((8·A).x)` negated; `h·(8·A)` double-and-add from the top, two bits a step, the
//!   window point chosen by `select` from `(0, 1), Q, 2Q, 3Q`; `S·B8` fixed-base, window `j`
//!   adding the constant point `(b0 + 2·b1)·4^j·B8` as one `inner_product` per coordinate of
//!   `b0`, `b1`, `b0·b1` with interpolated constants; additions with the complete formulas
//!   (the denominators `1 ± d·x₁x₂y₁y₂` by `mul_add`, the coordinates by `div_unsafe`),
//!   doublings with the on-curve formulas; both coordinates of `S·B8` and `R8 + h·(8·A)`
//!   compared by `is_equal`, the six conditions `and`-ed. The algorithms are Stele's, on
//!   halo2-base's single gate.
//!
//! # Keeping the two sides equivalent
//!
//! - The hand-written Poseidon is circomlib's (state `[0, inputs..]`, `R_F = 8`, `R_P` by
//!   width, x^5, output `state[0]`), written with halo2-base gate ops (`mul` for the S-box, one
//!   `inner_product` per MDS row with the next round's constant folded in) on the constants of
//!   [`stele_crypto::poseidon_params`]. halo2-base's own `PoseidonHasher` uses the same
//!   permutation in a different sponge, so it is not circomlib-compatible and is not used.
//! - Before anything is timed, each hand-written circuit's public values (as it computes them)
//!   are compared with native ones: the chain with [`stele_crypto::poseidon2`], the Merkle
//!   roots with [`stele_crypto::MerkleTree`] and the executor's state after the block
//!   ([`stele_exec::apply_tx`]), the token state roots with the executor's `State::root`, the
//!   arithmetic's final values with the executor's state scalars, the Poseidon hashes with
//!   [`stele_crypto::poseidon`], the EdDSA verdict with [`stele_crypto::eddsa::verify`] (and
//!   for each of the 11 negative circomlibjs vectors of the same file the hand-written verdict
//!   is computed too and must be 0, the native one). The Stele side takes its public inputs from
//!   [`BlockCircuit::new`], which runs the executor; a single gadget's circuit is first run by
//!   the `MockProver` against the native values.
//!   Every proof of both sides is then verified against those native values, and must fail
//!   with the last public input changed.
//! - Both sides use [`stele_circuit::proof`]: KZG on BN254, SHPLONK, a Blake2b transcript, a
//!   seeded ChaCha20 prover RNG and the TEST-ONLY development setup
//!   ([`stele_circuit::files::load_or_create_dev_params`], its secret public), cached on disk
//!   in `$STELE_BENCH_PARAMS`, else `$CARGO_TARGET_DIR/stele-bench-params`, else
//!   `target/stele-bench-params` at the workspace root.
//! - Each side's `k`: Stele's is the smallest that holds its rows (4 advice columns; a single
//!   gadget's at least 9, for its 8-bit table);
//!   halo2-base's is the smallest at which `calculate_params` needs at most 8 gate advice
//!   columns (a smaller `k` would mean more columns, so a bigger proof and verifier), with 9
//!   rows kept free for blinding. Lookup tables: the token block's range checks use a 16-bit
//!   table (`lookup_bits = 16`, so `k >= 17`, which its size needs anyway); arith_u64's use
//!   halo2-base's usual largest table for each candidate `k`, `lookup_bits = k - 1` (its cell
//!   counts depend on the table, so it is sized at every candidate `k`), since a fixed 16-bit
//!   table would force `k >= 17` on a circuit that fits in 2^13 rows. Stele's table is 8-bit
//!   whatever `k` ([`stele_circuit::gates`]).
//! - Timed: **keygen** = building the keygen circuit (for halo2-base, running the gadget code
//!   and `calculate_params`) + `keygen_vk` + `keygen_pk`; **prove** = witness generation (Stele:
//!   `BlockCircuit::new`, which runs the executor; halo2-base: running the gadget code in the
//!   prover stage) + `create_proof`; **verify** = `verify_proof`. The SRS is not timed.
//!
//! # Output
//!
//! First one table, workload by side: `k`, advice/fixed columns and lookup arguments (from the
//! verifying key's constraint system), the range table's size, rows used (Stele: the layout's
//! rows; halo2-base: gate cells divided by advice columns, rounded up) and advice cells
//! (halo2-base: gate plus lookup cells; Stele: rows × advice columns, an upper bound), proof
//! bytes, and one keygen, prove and verify each timed once. Notes under the table: for
//! arith_u64, Stele's rows outside the loop (its fixed per-block cost). Then criterion groups (`sample_size(10)`, short measurement)
//! per workload, `stele/…` and `halo2-base/…` for keygen, prove and verify. The token block
//! is slow (tens of seconds per proof on two cores), so its criterion group runs only with
//! `STELE_BENCH_TOKEN=1`; its one-off timings are in the table whenever it is set up.
//!
//! A criterion name filter also limits what is set up, measured once and printed: only the
//! workloads with a benchmark id (`workload/side/step`) containing the filter, or one of
//! several plain strings joined by `|`, so `arith` skips the token block's minutes of setup and
//! `eddsa|poseidon_n|d32` runs the single gadgets and the depth-32 write. A filter with other
//! regular-expression characters sets up every workload, as does no filter.
//!
//! ```text
//! cargo bench -p stele-circuit --bench versus_halo2_base [-- --quick] [FILTER]
//! ```
//!
//! # Measured: the standard library's gadgets
//!
//! Filter `eddsa|poseidon_n|merkle_write_d` on an otherwise idle two-core machine; times are
//! criterion medians, rows and cells as in the table above (halo2-base rows: gate cells over
//! its gate columns), advice columns with halo2-base's lookup column, proof in bytes;
//! ratio = Stele prove / halo2-base prove.
//!
//! | workload | side | k | advice | rows | cells | proof | keygen | prove | ratio |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | merkle_write_d20 | Stele (block) | 12 | 4 | 2,283 | 9,132 | 1,984 | 178 ms | 448 ms | 0.29 |
//! | | halo2-base | 14 | 8 | 15,014 | 120,112 | 3,328 | 842 ms | 1.55 s | |
//! | merkle_write_d32 | Stele (block) | 12 | 4 | 3,339 | 13,356 | 1,984 | 194 ms | 465 ms | 0.19 |
//! | | halo2-base | 15 | 6 | 31,739 | 190,432 | 2,624 | 1.29 s | 2.47 s | |
//! | poseidon_n01 | Stele | 9 | 4 | 171 | 684 | 1,984 | 34 ms | 85 ms | 1.02 |
//! | | halo2-base | 10 | 2 | 879 | 1,758 | 1,216 | 36 ms | 83 ms | |
//! | poseidon_n04 | Stele | 9 | 4 | 445 | 1,780 | 1,984 | 40 ms | 92 ms | 0.54 |
//! | | halo2-base | 10 | 7 | 943 | 6,596 | 2,976 | 79 ms | 170 ms | |
//! | poseidon_n08 | Stele | 10 | 4 | 937 | 3,748 | 1,984 | 66 ms | 155 ms | 0.39 |
//! | | halo2-base | 12 | 5 | 3,866 | 19,328 | 2,272 | 204 ms | 402 ms | |
//! | poseidon_n16 | Stele | 12 | 4 | 2,301 | 9,204 | 1,984 | 190 ms | 448 ms | 0.39 |
//! | | halo2-base | 14 | 5 | 13,776 | 68,880 | 2,272 | 577 ms | 1.14 s | |
//! | eddsa_verify | Stele | 13 | 4 | 5,588 | 22,352 | 1,984 | 302 ms | 707 ms | 0.91 |
//! | | halo2-base | 13 | 7 | 6,844 | 41,133 | 2,656 | 365 ms | 774 ms | |
//!
//! Verification takes about 3 to 4 ms on both sides. Stele's Merkle rows include the block's
//! fixed cost (a bare depth-20 or depth-32 leaf write is 1,764 or 2,820 rows). Where Stele is
//! not ahead: one Poseidon of a single input proves in the same time (1.02, within the noise;
//! both circuits are tiny) with a bigger proof, 1,984 bytes against 1,216 (1.63×), because
//! Stele's circuits always have 4 advice and 14 fixed columns while the one-hash halo2-base
//! circuit has 2 and 3; every other proof of Stele is smaller. EdDSA is at the same `k` on both
//! sides (0.91; under heavy load from other jobs runs ranged from 0.89 to 1.48, both sides
//! moving).

use std::collections::HashMap;
use std::hint::black_box;
use std::iter::once;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use halo2_base::QuantumCell::{Constant, Existing};
use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::{BaseCircuitParams, CircuitBuilderStage};
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::gates::{GateChip, GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell};
use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::{Circuit, ConstraintSystem, ProvingKey};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::block::{BlockCircuit, tx_width};
use stele_circuit::files::load_or_create_dev_params;
use stele_circuit::gates::LIMB_BITS;
use stele_circuit::poseidon::rows_for;
use stele_circuit::proof;
use stele_crypto::{Fr, MerkleTree, poseidon, poseidon2};
use stele_crypto::{babyjub, poseidon_params};
use stele_exec::{Executable, State, Tx, Val, apply_tx};
use stele_ir::Program;

/// Depth of the token block's account map.
const DEPTH: usize = 20;
/// halo2-base: most advice columns accepted when choosing `k`.
const MAX_ADVICE: usize = 8;
/// halo2-base: rows kept free at the bottom (blinding), as `calculate_params(Some(..))`.
const MIN_ROWS: usize = 9;
/// halo2-base: size of the range lookup table (2^16 entries).
const LOOKUP_BITS: usize = 16;
/// Set to run the token block's criterion group.
const TOKEN_ENV: &str = "STELE_BENCH_TOKEN";

/// The chain of workload (b): one depth-`depth` map of two-field entries, one transition
/// writing it.
fn map_chain(depth: usize) -> String {
    format!(
        "
struct Entry {{ a: Field, b: Field }}

state {{
    entries: Map<u32, Entry, {depth}>,
}}

transition set(key: u32, a: Field, b: Field) {{
    state.entries[key] = Entry {{ a: a, b: b }};
}}
"
    )
}

// ---------------------------------------------------------------------------------------------
// Common driver
// ---------------------------------------------------------------------------------------------

/// A proving key, plus the break points a halo2-base prover needs (empty for Stele).
struct Keys {
    pk: ProvingKey<G1Affine>,
    break_points: MultiPhaseThreadBreakPoints,
}

type KeygenFn = Box<dyn Fn(&ParamsKZG<Bn256>) -> Keys>;
type ProveFn = Box<dyn Fn(&ParamsKZG<Bn256>, &Keys) -> Vec<u8>>;

/// One side of one workload.
struct Target {
    workload: &'static str,
    side: &'static str,
    k: u32,
    /// Rows used.
    rows: usize,
    /// Advice cells (halo2-base: assigned; Stele: rows × advice columns).
    cells: usize,
    /// Range lookup table: `2^bits` entries.
    lookup_bits: Option<usize>,
    /// A line printed under the table.
    note: Option<String>,
    /// The public inputs, computed natively.
    public: Vec<Fr>,
    keygen: KeygenFn,
    prove: ProveFn,
}

/// What the one-off run of a target measured.
struct Measured {
    keys: Keys,
    proof: Vec<u8>,
    keygen: Duration,
    prove: Duration,
    verify: Duration,
}

fn verify(params: &ParamsKZG<Bn256>, keys: &Keys, public: &[Fr], proof_bytes: &[u8]) -> bool {
    proof::verify(params, keys.pk.get_vk(), &[public], proof_bytes)
}

fn prover_rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(1)
}

/// Where the TEST-ONLY development setups are cached.
fn params_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STELE_BENCH_PARAMS") {
        return dir.into();
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("stele-bench-params");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/stele-bench-params")
}

/// TEST-ONLY KZG setups (public secret), one per `k`, generated once and cached.
#[derive(Default)]
struct Setups(HashMap<u32, Arc<ParamsKZG<Bn256>>>);

impl Setups {
    fn get(&mut self, k: u32) -> Arc<ParamsKZG<Bn256>> {
        self.0
            .entry(k)
            .or_insert_with(|| {
                let t = Instant::now();
                let params = load_or_create_dev_params(params_dir(), k).expect("dev setup");
                eprintln!("setup k = {k}: {:.1?} (TEST-ONLY, not timed)", t.elapsed());
                Arc::new(params)
            })
            .clone()
    }
}

/// Keygen, prove and verify once, with the correctness checks.
fn measure(target: &Target, params: &ParamsKZG<Bn256>) -> Measured {
    let t = Instant::now();
    let keys = (target.keygen)(params);
    let keygen = t.elapsed();
    let t = Instant::now();
    let proof_bytes = (target.prove)(params, &keys);
    let prove = t.elapsed();
    let t = Instant::now();
    let ok = verify(params, &keys, &target.public, &proof_bytes);
    let verify_time = t.elapsed();
    assert!(
        ok,
        "{}/{}: the proof does not verify",
        target.workload, target.side
    );
    let mut wrong = target.public.clone();
    *wrong.last_mut().expect("public inputs") += Fr::ONE;
    assert!(
        !verify(params, &keys, &wrong, &proof_bytes),
        "{}/{}: the proof verifies a wrong public input",
        target.workload,
        target.side
    );
    eprintln!(
        "{}/{}: keygen {keygen:.2?}, prove {prove:.2?}, verify {verify_time:.2?}",
        target.workload, target.side
    );
    Measured {
        keys,
        proof: proof_bytes,
        keygen,
        prove,
        verify: verify_time,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn print_table(rows: &[(&Target, &Measured)]) {
    println!();
    println!(
        "Stele vs hand-written halo2-base (SHPLONK, Blake2b, TEST-ONLY setup); times from one run each"
    );
    println!(
        "{:<19} {:<10} {:>3} {:>6} {:>5} {:>7} {:>5} {:>8} {:>10} {:>6} {:>11} {:>10} {:>9}",
        "workload",
        "side",
        "k",
        "advice",
        "fixed",
        "lookups",
        "table",
        "rows",
        "cells",
        "proof",
        "keygen ms",
        "prove ms",
        "verify ms"
    );
    for (t, m) in rows {
        let cs = m.keys.pk.get_vk().cs();
        println!(
            "{:<19} {:<10} {:>3} {:>6} {:>5} {:>7} {:>5} {:>8} {:>10} {:>6} {:>11} {:>10} {:>9}",
            t.workload,
            t.side,
            t.k,
            cs.num_advice_columns(),
            cs.num_fixed_columns(),
            cs.lookups().len(),
            t.lookup_bits.map_or("-".into(), |bits| format!("2^{bits}")),
            t.rows,
            t.cells,
            m.proof.len(),
            ms(m.keygen),
            ms(m.prove),
            ms(m.verify),
        );
    }
    println!(
        "(advice: all advice columns, halo2-base's lookup columns included; rows: Stele layout rows, \
         halo2-base gate cells / gate columns; cells: halo2-base assigned gate + lookup cells, \
         Stele rows x advice columns; table: range lookup table size)"
    );
    for (t, _) in rows {
        if let Some(note) = &t.note {
            println!("({}/{}: {note})", t.workload, t.side);
        }
    }
    println!();
}

fn bench_group(
    c: &mut Criterion,
    workload: &str,
    items: &[(&Target, &Measured, &ParamsKZG<Bn256>)],
) {
    let mut group = c.benchmark_group(workload);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for (t, m, params) in items {
        group.bench_function(format!("{}/keygen", t.side), |b| {
            b.iter(|| (t.keygen)(params))
        });
        group.bench_function(format!("{}/prove", t.side), |b| {
            b.iter(|| (t.prove)(params, black_box(&m.keys)))
        });
        group.bench_function(format!("{}/verify", t.side), |b| {
            b.iter(|| verify(params, &m.keys, &t.public, black_box(&m.proof)))
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// halo2-base side
// ---------------------------------------------------------------------------------------------

/// Fills a builder with a hand-written circuit (pushing its public cells to instance column 0)
/// and returns the values of those cells.
type Fill = Arc<dyn Fn(&mut BaseCircuitBuilder<Fr>) -> Vec<Fr>>;

/// circomlib's Poseidon of `inputs` (1 to 16 of them) on halo2-base's gate: `mul` for the
/// S-boxes, one `inner_product` per MDS row with the next round's constant as its first term.
fn poseidon_gates(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    inputs: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    let t = inputs.len() + 1;
    let p = poseidon_params::params(t);
    let rounds = p.full_rounds + p.partial_rounds;
    let half = p.full_rounds / 2;
    let rc = &p.round_constants;
    // Round 0's constants: the capacity cell is 0, so it becomes the constant itself.
    let mut state: Vec<QuantumCell<Fr>> = once(QuantumCell::Constant(rc[0][0]))
        .chain(
            inputs
                .iter()
                .zip(&rc[0][1..])
                .map(|(x, c)| QuantumCell::Existing(gate.add(ctx, *x, QuantumCell::Constant(*c)))),
        )
        .collect();
    for r in 0..rounds {
        let full = r < half || r >= half + p.partial_rounds;
        for cell in state.iter_mut().take(if full { t } else { 1 }) {
            let x = *cell;
            let x2 = gate.mul(ctx, x, x);
            let x4 = gate.mul(ctx, x2, x2);
            *cell = QuantumCell::Existing(gate.mul(ctx, x4, x));
        }
        // The last round only needs the output cell.
        let width = if r + 1 == rounds { 1 } else { t };
        state = (0..width)
            .map(|i| {
                let c = rc.get(r + 1).map_or(Fr::ZERO, |next| next[i]);
                QuantumCell::Existing(
                    gate.inner_product(
                        ctx,
                        once(QuantumCell::Constant(c)).chain(state.iter().copied()),
                        once(QuantumCell::Constant(Fr::ONE))
                            .chain(p.mds[i].iter().map(|m| QuantumCell::Constant(*m))),
                    ),
                )
            })
            .collect();
    }
    match state[0] {
        QuantumCell::Existing(out) => out,
        _ => unreachable!("the output is an inner product"),
    }
}

/// The root of a depth-`bits.len()` Merkle path: `bits` of the key (least significant first,
/// 1 = right child), `siblings` from the leaf level up.
fn merkle_root_gates(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    leaf: AssignedValue<Fr>,
    bits: &[AssignedValue<Fr>],
    siblings: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    bits.iter().zip(siblings).fold(leaf, |h, (bit, sib)| {
        let left = gate.select(ctx, *sib, h, *bit);
        let right = gate.select(ctx, h, *sib, *bit);
        poseidon_gates(ctx, gate, &[left, right])
    })
}

/// The lookup table of a halo2-base circuit.
#[derive(Clone, Copy, Debug)]
enum Lookup {
    /// No range checks: no table.
    None,
    /// A table of `2^bits` entries, whatever `k`.
    Bits(usize),
    /// The largest table that `k` holds, `2^(k-1)` entries (halo2-base's usual choice).
    BelowK,
}

impl Lookup {
    fn bits(self, k: usize) -> Option<usize> {
        match self {
            Lookup::None => None,
            Lookup::Bits(bits) => Some(bits),
            Lookup::BelowK => Some(k - 1),
        }
    }
}

/// The halo2-base side of a workload: sizes the circuit, chooses `k`, checks its public values
/// against `public` (native).
fn hand_target(workload: &'static str, lookup: Lookup, public: Vec<Fr>, fill: Fill) -> Target {
    let builder = move |stage: CircuitBuilderStage, k: usize| {
        let mut b = BaseCircuitBuilder::<Fr>::from_stage(stage)
            .use_k(k)
            .use_instance_columns(1);
        if let Some(bits) = lookup.bits(k) {
            b.set_lookup_bits(bits);
        }
        b
    };
    // Size it (and check what it computes) with the table of each candidate `k`; the cell
    // counts depend on `k` only through the table size.
    let mut sized: Option<(Option<usize>, BaseCircuitBuilder<Fr>)> = None;
    let mut chosen = None;
    for k in 10..=24 {
        let bits = lookup.bits(k);
        if bits.is_some_and(|bits| bits >= k) {
            continue;
        }
        if sized.as_ref().is_none_or(|(done, _)| *done != bits) {
            let mut b = builder(CircuitBuilderStage::Mock, k);
            let computed = fill(&mut b);
            assert_eq!(
                computed, public,
                "{workload}/halo2-base: the circuit's public values differ from the native ones"
            );
            sized = Some((bits, b));
        }
        let b = &sized.as_ref().expect("filled").1;
        let stats = b.statistics();
        let gate_cells = stats.gate.total_advice_per_phase[0];
        let lookup_cells = stats.total_lookup_advice_per_phase[0];
        let usable = (1usize << k) - MIN_ROWS;
        if gate_cells.div_ceil(usable) <= MAX_ADVICE {
            chosen = Some((k, gate_cells, lookup_cells));
            break;
        }
    }
    let (k, gate_cells, lookup_cells) = chosen.expect("a k up to 24 fits");
    let mut b = sized.expect("filled").1;
    b.set_k(k);
    let cfg: BaseCircuitParams = b.calculate_params(Some(MIN_ROWS));
    let columns = cfg.num_advice_per_phase[0];
    let table_bits = cfg.lookup_bits;
    drop(b);

    let keygen_fill = fill.clone();
    let keygen: KeygenFn = Box::new(move |params| {
        let mut b = builder(CircuitBuilderStage::Keygen, k);
        keygen_fill(&mut b);
        b.calculate_params(Some(MIN_ROWS));
        let (_, pk) = proof::keygen(params, &b).expect("halo2-base keygen");
        Keys {
            pk,
            break_points: b.break_points(),
        }
    });
    let prove_public = public.clone();
    let prove: ProveFn = Box::new(move |params, keys| {
        let mut b = BaseCircuitBuilder::prover(cfg.clone(), keys.break_points.clone());
        fill(&mut b);
        proof::prove(params, &keys.pk, b, &[&prove_public], prover_rng()).expect("halo2-base proof")
    });
    Target {
        workload,
        side: "halo2-base",
        k: k as u32,
        rows: gate_cells.div_ceil(columns),
        cells: gate_cells + lookup_cells,
        lookup_bits: table_bits,
        note: None,
        public,
        keygen,
        prove,
    }
}

// ---------------------------------------------------------------------------------------------
// (a) 100 chained Poseidon hashes
// ---------------------------------------------------------------------------------------------

const CHAIN_LEN: usize = 100;
const CHAIN_H0: u64 = 42;

#[path = "support/chain.rs"]
mod chain;

use chain::ChainCircuit;

fn chain_targets(name: &'static str) -> Vec<Target> {
    let h0 = Fr::from(CHAIN_H0);
    let public = vec![(0..CHAIN_LEN).fold(h0, |h, i| poseidon2(h, Fr::from(i as u64)))];

    let rows = rows_for(CHAIN_LEN);
    let mut cs = ConstraintSystem::<Fr>::default();
    ChainCircuit::configure(&mut cs);
    let k = (1..)
        .find(|&k| (1usize << k) > rows + cs.blinding_factors())
        .unwrap();
    let stele = Target {
        workload: name,
        side: "stele",
        k,
        rows,
        cells: rows * cs.num_advice_columns(),
        lookup_bits: None,
        note: None,
        public: public.clone(),
        keygen: Box::new(|params| {
            let blank = ChainCircuit {
                h0: Value::unknown(),
                n: CHAIN_LEN,
            };
            Keys {
                pk: proof::keygen(params, &blank).expect("keys").1,
                break_points: Vec::new(),
            }
        }),
        prove: {
            let public = public.clone();
            Box::new(move |params, keys| {
                let circuit = ChainCircuit {
                    h0: Value::known(h0),
                    n: CHAIN_LEN,
                };
                proof::prove(params, &keys.pk, circuit, &[&public], prover_rng()).expect("proof")
            })
        },
    };

    let fill: Fill = Arc::new(move |b| {
        let gate = GateChip::<Fr>::default();
        let ctx = b.main(0);
        let mut h = ctx.load_witness(h0);
        for i in 0..CHAIN_LEN {
            let index = ctx.load_constant(Fr::from(i as u64));
            h = poseidon_gates(ctx, &gate, &[h, index]);
        }
        b.assigned_instances[0].push(h);
        vec![*h.value()]
    });
    let hand = hand_target(name, Lookup::None, public, fill);
    vec![stele, hand]
}

// ---------------------------------------------------------------------------------------------
// Stele chains
// ---------------------------------------------------------------------------------------------

fn compile(sources: &stele_driver::Sources) -> Program {
    let out = stele_driver::compile(sources, None, &mut |_, _| {});
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

/// Stele's block circuit of `txs` (all applied by the executor) from `state`.
fn stele_block_target(
    workload: &'static str,
    program: Program,
    chain_id: u64,
    block_size: usize,
    state: State,
    txs: Vec<Tx>,
    public: Vec<Fr>,
) -> Target {
    let (circuit, block_public) =
        BlockCircuit::new(&program, chain_id, block_size, &state, &txs).expect("block builds");
    assert_eq!(
        block_public[1], public[0],
        "{workload}: previous state root"
    );
    assert_eq!(block_public[2], public[1], "{workload}: new state root");
    let k = circuit.k();
    let rows = circuit.rows();
    let mut cs = ConstraintSystem::<Fr>::default();
    BlockCircuit::configure(&mut cs);
    let program = Arc::new(program);
    let keygen_program = program.clone();
    Target {
        workload,
        side: "stele",
        k,
        rows,
        cells: rows * cs.num_advice_columns(),
        lookup_bits: Some(LIMB_BITS as usize),
        note: None,
        public: block_public,
        keygen: Box::new(move |params| {
            let blank = BlockCircuit::without_witness(&keygen_program, chain_id, block_size);
            Keys {
                pk: proof::keygen(params, &blank).expect("keys").1,
                break_points: Vec::new(),
            }
        }),
        prove: Box::new(move |params, keys| {
            let (circuit, public) = BlockCircuit::new(&program, chain_id, block_size, &state, &txs)
                .expect("block builds");
            proof::prove(params, &keys.pk, circuit, &[&public], prover_rng()).expect("proof")
        }),
    }
}

fn int(x: u64) -> Val {
    Val::Int(x as u128)
}

fn load_witnesses(ctx: &mut Context<Fr>, xs: &[Fr]) -> Vec<AssignedValue<Fr>> {
    xs.iter().map(|x| ctx.load_witness(*x)).collect()
}

// ---------------------------------------------------------------------------------------------
// (b) one Merkle map write at depth 20 or 32
// ---------------------------------------------------------------------------------------------

fn merkle_targets(name: &'static str, depth: usize) -> Vec<Target> {
    const KEY: u64 = 77;
    let sources = stele_driver::Sources {
        manifest: stele_driver::Manifest {
            name: "mapwrite".into(),
            id: 9,
            block_size: 1,
        },
        files: vec![stele_driver::SourceFile {
            name: "main.stele".into(),
            module: Vec::new(),
            text: map_chain(depth),
        }],
        problems: Vec::new(),
    };
    let program = compile(&sources);
    let set = transition(&program, "set");
    let exe = Executable::new(&program).expect("valid program");
    let set_tx = |key: u64, a: u64, b: u64| Tx {
        transition: set,
        args: vec![int(key), Val::Field(Fr::from(a)), Val::Field(Fr::from(b))],
    };
    let mut start = State::new(&program);
    for key in [5, KEY, 1000, 524_287, 1_048_575] {
        apply_tx(&exe, &mut start, &set_tx(key, key, 2 * key)).expect("setup write");
    }
    let (a, b) = (Fr::from(11), Fr::from(22));
    let tx = set_tx(KEY, 11, 22);
    let mut end = start.clone();
    apply_tx(&exe, &mut end, &tx).expect("the write applies");

    // Native witness and values for the hand-written side.
    let mut tree: MerkleTree = start.map_tree(0).clone();
    let old_root = tree.root();
    let old_leaf = tree.leaf(KEY);
    assert_eq!(old_leaf, poseidon2(Fr::from(KEY), Fr::from(2 * KEY)));
    let siblings = tree.siblings(KEY);
    tree.set_leaf(KEY, poseidon2(a, b));
    let new_root = tree.root();
    assert_eq!(new_root, end.map_tree(0).root(), "native tree vs executor");

    let mut stele = stele_block_target(
        name,
        program,
        sources.manifest.id,
        1,
        start.clone(),
        vec![tx],
        vec![start.root(), end.root()],
    );
    let write_rows = Gadget::MerkleUpdate(depth as u32).rows();
    stele.note = Some(format!(
        "a bare write of a leaf value at this depth (std_gadgets' merkle_update: old and new \
         leaf on one path, the key's bits) is {write_rows} rows; the block's {} rows also hash \
         the old and new entry into leaves, the state root before and after, and commit to the \
         transaction",
        stele.rows
    ));

    let fill: Fill = Arc::new(move |builder| {
        let gate = GateChip::<Fr>::default();
        let ctx = builder.main(0);
        let key = ctx.load_witness(Fr::from(KEY));
        let bits = gate.num_to_bits(ctx, key, depth);
        let leaf = ctx.load_witness(old_leaf);
        let sibs = load_witnesses(ctx, &siblings);
        let root0 = merkle_root_gates(ctx, &gate, leaf, &bits, &sibs);
        let value = load_witnesses(ctx, &[a, b]);
        let new_leaf = poseidon_gates(ctx, &gate, &value);
        let root1 = merkle_root_gates(ctx, &gate, new_leaf, &bits, &sibs);
        builder.assigned_instances[0].extend([root0, root1]);
        vec![*root0.value(), *root1.value()]
    });
    let hand = hand_target(name, Lookup::None, vec![old_root, new_root], fill);
    vec![stele, hand]
}

// ---------------------------------------------------------------------------------------------
// (c) a block of 16 token transfers
// ---------------------------------------------------------------------------------------------

/// One transfer's witness for the hand-written circuit.
#[derive(Clone, Debug)]
struct TransferWitness {
    from: u64,
    to: u64,
    amount: u64,
    fee: u64,
    nonce: u64,
    /// Sender's balance and nonce before.
    sender: [Fr; 2],
    sender_siblings: Vec<Fr>,
    /// Receiver's balance and nonce before.
    receiver: [Fr; 2],
    /// The receiver's siblings after the sender's update.
    receiver_siblings: Vec<Fr>,
}

/// The hand-written token block: see the module docs.
fn token_fill(
    builder: &mut BaseCircuitBuilder<Fr>,
    start: [Fr; 3],
    txs: &[TransferWitness],
) -> Vec<Fr> {
    let range: RangeChip<Fr> = builder.range_chip();
    let gate = range.gate();
    let ctx = builder.main(0);
    let [start_root, start_fees, supply] = start;
    let mut root = ctx.load_witness(start_root);
    let mut fees = ctx.load_witness(start_fees);
    let supply = ctx.load_witness(supply);
    let prev_state_root = poseidon_gates(ctx, gate, &[root, fees, supply]);
    for tx in txs {
        let [from, to, amount, fee, nonce] =
            [tx.from, tx.to, tx.amount, tx.fee, tx.nonce].map(|x| ctx.load_witness(Fr::from(x)));
        range.range_check(ctx, amount, 64);
        range.range_check(ctx, fee, 64);
        let from_bits = gate.num_to_bits(ctx, from, DEPTH);
        let to_bits = gate.num_to_bits(ctx, to, DEPTH);
        let same = gate.is_equal(ctx, from, to);
        gate.assert_is_const(ctx, &same, &Fr::ZERO);

        // Sender: nonce, balance, debit.
        let [balance, sender_nonce] = tx.sender.map(|x| ctx.load_witness(x));
        ctx.constrain_equal(&nonce, &sender_nonce);
        let total = gate.add(ctx, amount, fee);
        range.range_check(ctx, total, 64);
        let new_balance = gate.sub(ctx, balance, total);
        range.range_check(ctx, new_balance, 64);
        let new_nonce = gate.add(ctx, sender_nonce, QuantumCell::Constant(Fr::ONE));
        range.range_check(ctx, new_nonce, 32);
        let sibs = load_witnesses(ctx, &tx.sender_siblings);
        let leaf = poseidon_gates(ctx, gate, &[balance, sender_nonce]);
        let old = merkle_root_gates(ctx, gate, leaf, &from_bits, &sibs);
        ctx.constrain_equal(&old, &root);
        let leaf = poseidon_gates(ctx, gate, &[new_balance, new_nonce]);
        root = merkle_root_gates(ctx, gate, leaf, &from_bits, &sibs);

        // Receiver: credit.
        let [r_balance, r_nonce] = tx.receiver.map(|x| ctx.load_witness(x));
        let r_sibs = load_witnesses(ctx, &tx.receiver_siblings);
        let leaf = poseidon_gates(ctx, gate, &[r_balance, r_nonce]);
        let old = merkle_root_gates(ctx, gate, leaf, &to_bits, &r_sibs);
        ctx.constrain_equal(&old, &root);
        let r_new_balance = gate.add(ctx, r_balance, amount);
        range.range_check(ctx, r_new_balance, 64);
        let leaf = poseidon_gates(ctx, gate, &[r_new_balance, r_nonce]);
        root = merkle_root_gates(ctx, gate, leaf, &to_bits, &r_sibs);

        fees = gate.add(ctx, fees, fee);
        range.range_check(ctx, fees, 64);
    }
    let new_state_root = poseidon_gates(ctx, gate, &[root, fees, supply]);
    builder.assigned_instances[0].extend([prev_state_root, new_state_root]);
    vec![*prev_state_root.value(), *new_state_root.value()]
}

fn token_targets(name: &'static str) -> Vec<Target> {
    const BLOCK: usize = 16;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/support/token_unsigned");
    let sources = stele_driver::load(&root);
    assert_eq!(sources.manifest.block_size as usize, BLOCK);
    let program = compile(&sources);
    let transfer = transition(&program, "transfer");
    let deposit = transition(&program, "deposit");
    let exe = Executable::new(&program).expect("valid program");

    // Eight funded accounts spread over the key space, then 16 transfers: even ones between
    // funded accounts, odd ones to fresh accounts.
    let funded: [u64; 8] = [3, 17, 1000, 4242, 65_536, 123_456, 999_999, 1_048_575];
    let mut start = State::new(&program);
    for (i, to) in funded.iter().enumerate() {
        let tx = Tx {
            transition: deposit,
            args: vec![int(*to), int(1_000_000 + 1000 * i as u64)],
        };
        apply_tx(&exe, &mut start, &tx).expect("deposit");
    }
    let mut nonces = HashMap::new();
    let mut txs = Vec::new();
    for i in 0..BLOCK as u64 {
        let from = funded[i as usize % 8];
        let to = if i % 2 == 0 {
            funded[(i as usize * 3 + 1) % 8]
        } else {
            500_000 + i
        };
        let nonce = nonces.entry(from).or_insert(0u64);
        txs.push(Tx {
            transition: transfer,
            args: vec![
                int(from),
                int(to),
                int(100 + i),
                int(1 + i % 3),
                int(*nonce),
            ],
        });
        *nonce += 1;
    }

    // Native run: the executor, and a copy of the map tree updated leaf by leaf for the
    // hand-written side's siblings (the receiver's path is taken after the sender's write).
    let fr_of = |v: Val| v.to_fr();
    let mut state = start.clone();
    let mut tree: MerkleTree = start.map_tree(0).clone();
    let mut witnesses = Vec::new();
    for tx in &txs {
        let [from, to, amount, fee, nonce] = std::array::from_fn(|j| match tx.args[j] {
            Val::Int(x) => x as u64,
            Val::Field(_) => unreachable!("integer arguments"),
        });
        let account = |s: &State, key: u64| -> [Fr; 2] {
            let v = s.map_get(0, key);
            [fr_of(v[0]), fr_of(v[1])]
        };
        let sender = account(&state, from);
        let receiver = account(&state, to);
        let sender_siblings = tree.siblings(from);
        tree.set_leaf(
            from,
            poseidon2(sender[0] - Fr::from(amount + fee), sender[1] + Fr::ONE),
        );
        let receiver_siblings = tree.siblings(to);
        tree.set_leaf(to, poseidon2(receiver[0] + Fr::from(amount), receiver[1]));
        apply_tx(&exe, &mut state, tx).expect("every transfer applies");
        assert_eq!(
            tree.root(),
            state.map_tree(0).root(),
            "native tree vs executor"
        );
        witnesses.push(TransferWitness {
            from,
            to,
            amount,
            fee,
            nonce,
            sender,
            sender_siblings,
            receiver,
            receiver_siblings,
        });
    }
    let start_scalars = start.commitment_scalars();
    assert_eq!(start_scalars.len(), 3, "[accounts root, fees, supply]");
    assert_eq!(poseidon(&start_scalars), start.root());
    let public = vec![start.root(), state.root()];

    let stele = stele_block_target(
        name,
        program,
        sources.manifest.id,
        BLOCK,
        start,
        txs,
        public.clone(),
    );
    let start3 = [start_scalars[0], start_scalars[1], start_scalars[2]];
    let fill: Fill = Arc::new(move |b| token_fill(b, start3, &witnesses));
    let hand = hand_target(name, Lookup::Bits(LOOKUP_BITS), public, fill);
    vec![stele, hand]
}

// ---------------------------------------------------------------------------------------------
// (d) checked u64 arithmetic, no hashing in the logic
// ---------------------------------------------------------------------------------------------

/// Workload (d)'s reduction bound, `LIMIT` in [`ARITH_CHAIN`].
const ARITH_LIMIT: u64 = 4_000_000_000_000_000_000;
/// Workload (d)'s passes over the inputs, `ROUNDS` in [`ARITH_CHAIN`].
const ARITH_ROUNDS: usize = 16;
/// Workload (d)'s number of inputs.
const ARITH_INPUTS: usize = 32;

/// The chain of workload (d): two u64 scalars, one transition doing checked arithmetic over 32
/// u64 inputs. `LIMIT` and `ROUNDS` are [`ARITH_LIMIT`] and [`ARITH_ROUNDS`]
/// ([`arith_targets`] checks the executor's result against the same loop in Rust). With
/// `acc < LIMIT` and every input below `LIMIT / 3`, `acc + 3·x < 2·LIMIT < 2^63`, and one
/// conditional subtraction brings it below `LIMIT` again: an honest run never overflows.
const ARITH_CHAIN: &str = "
const LIMIT: u64 = 4_000_000_000_000_000_000;
const ROUNDS: u32 = 16;

state {
    x: u64,
    max: u64,
}

transition run(xs: [u64; 32]) {
    let mut acc = state.x;
    let mut best = state.max;
    for _r in 0..ROUNDS {
        for i in 0..32 {
            acc = acc + xs[i] * 3;
            if acc >= LIMIT {
                acc = acc - LIMIT;
            }
            if acc > best {
                best = acc;
            }
        }
    }
    state.x = acc;
    state.max = best;
}
";

/// The hand-written arithmetic of workload (d): see the module docs.
fn arith_fill(builder: &mut BaseCircuitBuilder<Fr>, start: [u64; 2], xs: &[u64]) -> Vec<Fr> {
    let range: RangeChip<Fr> = builder.range_chip();
    let gate = range.gate();
    let ctx = builder.main(0);
    let limit = Fr::from(ARITH_LIMIT);
    // The state before (public, as Stele's is through its root) and the inputs (witnesses),
    // all 64-bit checked as Stele checks its loads and parameters.
    let [mut acc, mut best] = start.map(|v| ctx.load_witness(Fr::from(v)));
    let start_cells = [acc, best];
    let xs: Vec<AssignedValue<Fr>> = xs.iter().map(|x| ctx.load_witness(Fr::from(*x))).collect();
    for v in xs.iter().chain(&start_cells) {
        range.range_check(ctx, *v, 64);
    }
    for _ in 0..ARITH_ROUNDS {
        for x in &xs {
            // acc + 3·x: one range check covers both the product and the sum, as both are
            // non-negative integers far below p.
            let sum = gate.mul_add(ctx, *x, QuantumCell::Constant(Fr::from(3)), acc);
            range.range_check(ctx, sum, 64);
            let below = range.is_less_than(ctx, sum, QuantumCell::Constant(limit), 64);
            let reduced = gate.sub(ctx, sum, QuantumCell::Constant(limit));
            acc = gate.select(ctx, sum, reduced, below);
            let grows = range.is_less_than(ctx, best, acc, 64);
            best = gate.select(ctx, acc, best, grows);
        }
    }
    let public = [start_cells[0], start_cells[1], acc, best];
    builder.assigned_instances[0].extend(public);
    public.iter().map(|v| *v.value()).collect()
}

fn arith_targets(name: &'static str) -> Vec<Target> {
    let sources = stele_driver::Sources {
        manifest: stele_driver::Manifest {
            name: "arith".into(),
            id: 11,
            block_size: 1,
        },
        files: vec![stele_driver::SourceFile {
            name: "main.stele".into(),
            module: Vec::new(),
            text: ARITH_CHAIN.into(),
        }],
        problems: Vec::new(),
    };
    let program = compile(&sources);
    let run = transition(&program, "run");
    let exe = Executable::new(&program).expect("valid program");

    // Spread-out inputs below LIMIT / 3 (a 64-bit mixing step, reduced).
    let xs: Vec<u64> = (1..=ARITH_INPUTS as u64)
        .map(|i| {
            let mut z = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            (z ^ (z >> 29)) % (ARITH_LIMIT / 3)
        })
        .collect();
    let start = State::new(&program);
    let tx = Tx {
        transition: run,
        args: xs.iter().map(|x| int(*x)).collect(),
    };
    let mut end = start.clone();
    apply_tx(&exe, &mut end, &tx).expect("the run applies");

    let scalar = |s: &State, i: usize| match s.scalars()[i] {
        Val::Int(v) => u64::try_from(v).expect("a u64"),
        Val::Field(_) => unreachable!("u64 state"),
    };
    let start_values = [scalar(&start, 0), scalar(&start, 1)];
    let end_values = [scalar(&end, 0), scalar(&end, 1)];
    // The same computation in Rust, from this file's constants: they are the source's.
    let (mut acc, mut best) = (start_values[0], start_values[1]);
    for _ in 0..ARITH_ROUNDS {
        for x in &xs {
            acc = acc.checked_add(x * 3).expect("no overflow");
            if acc >= ARITH_LIMIT {
                acc -= ARITH_LIMIT;
            }
            best = best.max(acc);
        }
    }
    assert_eq!([acc, best], end_values, "native run vs executor");
    // Public: the state before and the executor's final `state.x` and `state.max`; the
    // hand-written circuit's values must equal them (checked in `hand_target` before anything
    // is timed).
    let public: Vec<Fr> = start_values
        .iter()
        .chain(&end_values)
        .map(|v| Fr::from(*v))
        .collect();

    // Stele's rows outside the loop: the same chain with `ROUNDS = 0`.
    let rounds = format!("const ROUNDS: u32 = {ARITH_ROUNDS};");
    assert!(ARITH_CHAIN.contains(&rounds));
    let mut no_loop = sources.clone();
    no_loop.files[0].text = ARITH_CHAIN.replace(&rounds, "const ROUNDS: u32 = 0;");
    let fixed_rows =
        BlockCircuit::without_witness(&compile(&no_loop), no_loop.manifest.id, 1).rows();

    let fields = tx_width(&program);
    let mut stele = stele_block_target(
        name,
        program,
        sources.manifest.id,
        1,
        start.clone(),
        vec![tx],
        vec![start.root(), end.root()],
    );
    stele.note = Some(format!(
        "{fixed_rows} of its {} rows are outside the loop, counted in its cost: hashing the \
         state root before and after, committing to the transaction ({ARITH_INPUTS} inputs in \
         {fields} packed fields, one Poseidon each), the slot's selector bits, the range checks \
         of the inputs and loaded values; halo2-base has the range checks but no hashing, its \
         state before and after being public values",
        stele.rows
    ));
    let fill: Fill = Arc::new(move |b| arith_fill(b, start_values, &xs));
    let hand = hand_target(name, Lookup::BelowK, public, fill);
    vec![stele, hand]
}

// ---------------------------------------------------------------------------------------------
// Single gadgets: Stele's side
// ---------------------------------------------------------------------------------------------

#[path = "../tests/support/chips.rs"]
mod chips;
#[path = "support/gadgets.rs"]
mod gadgets;

use chips::{ChipCircuit, EddsaCase, circomlibjs_eddsa, smallest_k};
use gadgets::{Gadget, poseidon_inputs};

/// Stele's side of a single-gadget workload: the gadget alone in a circuit of the block
/// circuit's columns, as `std_gadgets` proves it.
fn stele_gadget_target(workload: &'static str, gadget: Gadget) -> Target {
    let public = gadget.public();
    let circuit = gadget.circuit();
    let rows = gadget.rows();
    let mut cs = ConstraintSystem::<Fr>::default();
    ChipCircuit::configure(&mut cs);
    let keygen_circuit = circuit.clone();
    Target {
        workload,
        side: "stele",
        k: smallest_k(rows),
        rows,
        cells: rows * cs.num_advice_columns(),
        lookup_bits: Some(LIMB_BITS as usize),
        note: None,
        public: public.clone(),
        keygen: Box::new(move |params| Keys {
            pk: proof::keygen(params, &keygen_circuit).expect("keys").1,
            break_points: Vec::new(),
        }),
        prove: Box::new(move |params, keys| {
            proof::prove(params, &keys.pk, circuit.clone(), &[&public], prover_rng())
                .expect("proof")
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// (e) one Poseidon hash of 1, 4, 8 or 16 inputs
// ---------------------------------------------------------------------------------------------

fn poseidon_targets(name: &'static str, inputs: usize) -> Vec<Target> {
    let gadget = Gadget::Poseidon(inputs);
    let public = gadget.public();
    let stele = stele_gadget_target(name, gadget);
    let fill: Fill = Arc::new(move |b| {
        let gate = GateChip::<Fr>::default();
        let ctx = b.main(0);
        let xs = load_witnesses(ctx, &poseidon_inputs(inputs));
        let h = poseidon_gates(ctx, &gate, &xs);
        b.assigned_instances[0].push(h);
        vec![*h.value()]
    });
    let hand = hand_target(name, Lookup::None, public, fill);
    vec![stele, hand]
}

// ---------------------------------------------------------------------------------------------
// (f) one EdDSA-Poseidon verification
// ---------------------------------------------------------------------------------------------

/// A Baby Jubjub point as two cells.
#[derive(Clone, Copy, Debug)]
struct EdPoint {
    x: AssignedValue<Fr>,
    y: AssignedValue<Fr>,
}

/// The gate and range chips, the context: what every hand-written EdDSA step needs.
struct Ed<'a> {
    ctx: &'a mut Context<Fr>,
    gate: &'a GateChip<Fr>,
    range: &'a RangeChip<Fr>,
}

/// `(x >> 128, x mod 2^128)` of the canonical integer of `x`.
fn halves(x: Fr) -> (Fr, Fr) {
    let repr = x.to_repr();
    let half = |at: usize| {
        let bytes: [u8; 16] = repr.as_ref()[at..at + 16].try_into().expect("16 bytes");
        Fr::from_u128(u128::from_le_bytes(bytes))
    };
    (half(16), half(0))
}

impl Ed<'_> {
    /// The complete addition of two points on the curve: the numerators, `τ = x₁x₂y₁y₂`, the
    /// denominators `1 ± d·τ` and two `div_unsafe` (never by zero on the curve).
    fn add(&mut self, p: EdPoint, q: EdPoint) -> EdPoint {
        let (ctx, gate) = (&mut *self.ctx, self.gate);
        let x1y2 = gate.mul(ctx, p.x, q.y);
        let num_x = gate.mul_add(ctx, p.y, q.x, x1y2);
        let x1x2 = gate.mul(ctx, p.x, q.x);
        let y1y2 = gate.mul(ctx, p.y, q.y);
        let num_y = gate.mul_add(ctx, x1x2, Constant(-babyjub::coeff_a()), y1y2);
        let tau = gate.mul(ctx, x1x2, y1y2);
        let d = babyjub::coeff_d();
        let den_x = gate.mul_add(ctx, tau, Constant(d), Constant(Fr::ONE));
        let den_y = gate.mul_add(ctx, tau, Constant(-d), Constant(Fr::ONE));
        EdPoint {
            x: gate.div_unsafe(ctx, num_x, den_x),
            y: gate.div_unsafe(ctx, num_y, den_y),
        }
    }

    /// `2·p` on the curve: `x₃ = 2xy/(a·x² + y²)`, `y₃ = (y² − a·x²)/(2 − a·x² − y²)`.
    fn double(&mut self, p: EdPoint) -> EdPoint {
        let (ctx, gate) = (&mut *self.ctx, self.gate);
        let a = babyjub::coeff_a();
        let xy = gate.mul(ctx, p.x, p.y);
        let xx = gate.mul(ctx, p.x, p.x);
        let yy = gate.mul(ctx, p.y, p.y);
        let den_x = gate.mul_add(ctx, xx, Constant(a), yy);
        let num_x = gate.add(ctx, xy, xy);
        let num_y = gate.mul_add(ctx, xx, Constant(-a), yy);
        let den_y = gate.sub(ctx, Constant(Fr::from(2)), den_x);
        EdPoint {
            x: gate.div_unsafe(ctx, num_x, den_x),
            y: gate.div_unsafe(ctx, num_y, den_y),
        }
    }

    /// Whether `a·x² + y² = 1 + d·x²y²`.
    fn on_curve(&mut self, p: EdPoint) -> AssignedValue<Fr> {
        let (ctx, gate) = (&mut *self.ctx, self.gate);
        let xx = gate.mul(ctx, p.x, p.x);
        let yy = gate.mul(ctx, p.y, p.y);
        let xxyy = gate.mul(ctx, xx, yy);
        let lhs = gate.mul_add(ctx, xx, Constant(babyjub::coeff_a()), yy);
        let rhs = gate.mul_add(ctx, xxyy, Constant(babyjub::coeff_d()), Constant(Fr::ONE));
        gate.is_equal(ctx, lhs, rhs)
    }

    /// `bit ? p : (0, 1)`.
    fn or_identity(&mut self, bit: AssignedValue<Fr>, p: EdPoint) -> EdPoint {
        let (ctx, gate) = (&mut *self.ctx, self.gate);
        EdPoint {
            x: gate.mul(ctx, bit, p.x),
            y: gate.select(ctx, p.y, Constant(Fr::ONE), bit),
        }
    }

    /// `hi·2^128 + lo <= c` for `hi < 2^126`, `lo < 2^128`:
    /// `hi < c_hi ∨ (hi = c_hi ∧ lo < c_lo + 1)`.
    fn at_most(
        &mut self,
        hi: AssignedValue<Fr>,
        lo: AssignedValue<Fr>,
        c: Fr,
    ) -> AssignedValue<Fr> {
        let (ctx, gate, range) = (&mut *self.ctx, self.gate, self.range);
        let (c_hi, c_lo) = halves(c);
        let hi_lt = range.is_less_than(ctx, hi, Constant(c_hi), 126);
        let hi_eq = gate.is_equal(ctx, hi, Constant(c_hi));
        let lo_le = range.is_less_than(ctx, lo, Constant(c_lo + Fr::ONE), 129);
        let tie = gate.and(ctx, hi_eq, lo_le);
        gate.or(ctx, hi_lt, tie)
    }

    /// The 254 bits of `x`'s canonical integer (least significant first), strictly: the halves
    /// `x = hi·2^128 + lo` by `num_to_bits` (126 and 128 bits), `(hi, lo) <= p − 1` asserted.
    /// Also returns the halves.
    fn bits_strict(
        &mut self,
        x: AssignedValue<Fr>,
    ) -> (Vec<AssignedValue<Fr>>, [AssignedValue<Fr>; 2]) {
        let (hi_value, lo_value) = halves(*x.value());
        let (ctx, gate) = (&mut *self.ctx, self.gate);
        let hi = ctx.load_witness(hi_value);
        let lo = ctx.load_witness(lo_value);
        let mut bits = gate.num_to_bits(ctx, lo, 128);
        bits.extend(gate.num_to_bits(ctx, hi, 126));
        let sum = gate.mul_add(ctx, hi, Constant(Fr::from_u128(1 << 64).square()), lo);
        ctx.constrain_equal(&sum, &x);
        let canonical = self.at_most(hi, lo, -Fr::ONE);
        self.gate.assert_is_const(self.ctx, &canonical, &Fr::ONE);
        (bits, [hi, lo])
    }

    /// `(b0 + 2·b1)·q` from `[(0, 1), q, 2q, 3q]` by selects.
    fn var_window(&mut self, b: &[AssignedValue<Fr>], table: &[EdPoint; 3]) -> EdPoint {
        let [q, q2, q3] = *table;
        let low = self.or_identity(b[0], q);
        let (ctx, gate) = (&mut *self.ctx, self.gate);
        let high_x = gate.select(ctx, q3.x, q2.x, b[0]);
        let high_y = gate.select(ctx, q3.y, q2.y, b[0]);
        EdPoint {
            x: gate.select(ctx, high_x, low.x, b[1]),
            y: gate.select(ctx, high_y, low.y, b[1]),
        }
    }

    /// `Σ bits[i]·2^i · q`: double-and-add from the top, two bits a step.
    fn mul_var(&mut self, bits: &[AssignedValue<Fr>], q: EdPoint) -> EdPoint {
        let q2 = self.double(q);
        let q3 = self.add(q2, q);
        let table = [q, q2, q3];
        let mut windows = bits.chunks(2).rev();
        let mut acc = self.var_window(windows.next().expect("bits"), &table);
        for w in windows {
            let twice = self.double(acc);
            let four = self.double(twice);
            let term = self.var_window(w, &table);
            acc = self.add(four, term);
        }
        acc
    }

    /// `Σ bits[i]·2^i · B8`: window `j` adds `(b0 + 2·b1)·4^j·B8`, each coordinate one
    /// `inner_product` of the bits and `b0·b1` with constants (the table interpolated).
    fn mul_b8(&mut self, bits: &[AssignedValue<Fr>]) -> EdPoint {
        let mut base = babyjub::b8();
        let mut acc: Option<EdPoint> = None;
        for w in bits.chunks(2) {
            let base2 = base.double();
            let table = [babyjub::Point::IDENTITY, base, base2, base2.add(&base)];
            let (ctx, gate) = (&mut *self.ctx, self.gate);
            let both = gate.mul(ctx, w[0], w[1]);
            let mut coordinate = |c: [Fr; 4]| {
                gate.inner_product(
                    ctx,
                    [
                        Constant(c[0]),
                        Existing(w[0]),
                        Existing(w[1]),
                        Existing(both),
                    ],
                    [
                        Constant(Fr::ONE),
                        Constant(c[1] - c[0]),
                        Constant(c[2] - c[0]),
                        Constant(c[3] - c[2] - c[1] + c[0]),
                    ],
                )
            };
            let term = EdPoint {
                x: coordinate(table.map(|p| p.x)),
                y: coordinate(table.map(|p| p.y)),
            };
            acc = Some(match acc {
                None => term,
                Some(acc) => self.add(acc, term),
            });
            base = base2.double();
        }
        acc.expect("bits")
    }
}

/// The hand-written verification of workload (f): see the module docs. Public: the message
/// and the verdict.
fn eddsa_fill(builder: &mut BaseCircuitBuilder<Fr>, case: &EddsaCase) -> Vec<Fr> {
    let range: RangeChip<Fr> = builder.range_chip();
    let ctx = builder.main(0);
    let mut ed = Ed {
        ctx,
        gate: range.gate(),
        range: &range,
    };
    let [ax, ay, rx, ry, msg, s] = [
        case.pubkey.x,
        case.pubkey.y,
        case.sig.r8.x,
        case.sig.r8.y,
        case.msg,
        case.sig.s,
    ]
    .map(|v| ed.ctx.load_witness(v));
    let h = poseidon_gates(ed.ctx, ed.gate, &[rx, ry, ax, ay, msg]);

    let (s_bits, [s_hi, s_lo]) = ed.bits_strict(s);
    let l = Fr::from_raw(babyjub::SUBGROUP_ORDER);
    let s_ok = ed.at_most(s_hi, s_lo, l - Fr::ONE);
    let (h_bits, _) = ed.bits_strict(h);
    // Points off the curve become the identity, so every addition is on the curve.
    let a_on = ed.on_curve(EdPoint { x: ax, y: ay });
    let r_on = ed.on_curve(EdPoint { x: rx, y: ry });
    let a = ed.or_identity(a_on, EdPoint { x: ax, y: ay });
    let r = ed.or_identity(r_on, EdPoint { x: rx, y: ry });
    let a2 = ed.double(a);
    let a4 = ed.double(a2);
    let a8 = ed.double(a4);
    let small = ed.gate.is_zero(ed.ctx, a8.x);
    let ha8 = ed.mul_var(&h_bits, a8);
    let right = ed.add(r, ha8);
    let left = ed.mul_b8(&s_bits);

    let (ctx, gate) = (ed.ctx, ed.gate);
    let eq_x = gate.is_equal(ctx, left.x, right.x);
    let eq_y = gate.is_equal(ctx, left.y, right.y);
    let not_small = gate.not(ctx, small);
    let verdict = [a_on, r_on, not_small, eq_x, eq_y]
        .into_iter()
        .fold(s_ok, |ok, bit| gate.and(ctx, ok, bit));
    builder.assigned_instances[0].extend([msg, verdict]);
    vec![*msg.value(), *verdict.value()]
}

fn eddsa_targets(name: &'static str) -> Vec<Target> {
    let (valid, negative) = circomlibjs_eddsa();
    // The hand-written verdicts of the changed signatures are the native ones (all false).
    for case in &negative {
        let mut b = BaseCircuitBuilder::<Fr>::from_stage(CircuitBuilderStage::Mock)
            .use_k(LOOKUP_BITS + 1)
            .use_lookup_bits(LOOKUP_BITS)
            .use_instance_columns(1);
        let verdict = eddsa_fill(&mut b, case)[1];
        assert_eq!(
            verdict,
            Fr::from(u64::from(case.native())),
            "{name}: {case:?}"
        );
        assert_eq!(verdict, Fr::ZERO);
    }
    let case = valid[0];
    let gadget = Gadget::Eddsa(case);
    let public = gadget.public();
    assert_eq!(public[1], Fr::ONE, "a circomlibjs signature verifies");
    let stele = stele_gadget_target(name, gadget);
    let fill: Fill = Arc::new(move |b| eddsa_fill(b, &case));
    let hand = hand_target(name, Lookup::BelowK, public, fill);
    vec![stele, hand]
}

// ---------------------------------------------------------------------------------------------

/// Criterion's name filter (its first free argument), if any.
fn bench_filter() -> Option<String> {
    // Criterion's options that take a value.
    const WITH_VALUE: &[&str] = &[
        "-c",
        "--color",
        "-s",
        "--save-baseline",
        "-b",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--format",
        "--profile-time",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--plotting-backend",
        "--output-format",
    ];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if WITH_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

/// Whether a workload's benchmarks can match `filter`: every workload without a filter or with
/// a regular expression; with plain strings joined by `|`, those with a benchmark id
/// (`workload/side/step`) containing one of them.
fn selected(workload: &str, filter: Option<&str>) -> bool {
    let Some(filter) = filter else { return true };
    if filter.contains(|c: char| "\\.^$?*+()[]{}".contains(c)) {
        return true;
    }
    filter.split('|').any(|part| {
        ["stele", "halo2-base"].iter().any(|side| {
            ["keygen", "prove", "verify"]
                .iter()
                .any(|step| format!("{workload}/{side}/{step}").contains(part))
        })
    })
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let mut setups = Setups::default();
    let token_criterion = std::env::var_os(TOKEN_ENV).is_some_and(|v| v != "0" && !v.is_empty());
    let filter = bench_filter();

    // Set up, measure once and check only the workloads the filter can select (all of them by
    // default): the token block alone takes minutes.
    type Build = fn(&'static str) -> Vec<Target>;
    let workloads: [(&'static str, Build); 10] = [
        ("poseidon_chain_100", chain_targets),
        ("merkle_write_d20", |name| merkle_targets(name, 20)),
        ("token_block_16", token_targets),
        ("arith_u64", arith_targets),
        ("merkle_write_d32", |name| merkle_targets(name, 32)),
        ("poseidon_n01", |name| poseidon_targets(name, 1)),
        ("poseidon_n04", |name| poseidon_targets(name, 4)),
        ("poseidon_n08", |name| poseidon_targets(name, 8)),
        ("poseidon_n16", |name| poseidon_targets(name, 16)),
        ("eddsa_verify", eddsa_targets),
    ];
    let mut kept: Vec<(Target, Measured, Arc<ParamsKZG<Bn256>>)> = Vec::new();
    let mut skipped = Vec::new();
    for (workload, build) in workloads {
        if !selected(workload, filter.as_deref()) {
            skipped.push(workload);
            continue;
        }
        for target in build(workload) {
            let params = setups.get(target.k);
            let measured = measure(&target, &params);
            kept.push((target, measured, params));
        }
    }
    let table: Vec<(&Target, &Measured)> = kept.iter().map(|(t, m, _)| (t, m)).collect();
    print_table(&table);
    if !skipped.is_empty() {
        println!(
            "(not matching the filter, not set up: {})",
            skipped.join(", ")
        );
    }
    if !token_criterion && kept.iter().any(|(t, _, _)| t.workload == "token_block_16") {
        println!(
            "(token_block_16: one-off timings only; set {TOKEN_ENV}=1 for its criterion group)"
        );
        kept.retain(|(t, _, _)| t.workload != "token_block_16");
    }
    drop(setups);

    let all: Vec<(&Target, &Measured, &ParamsKZG<Bn256>)> =
        kept.iter().map(|(t, m, p)| (t, m, &**p)).collect();
    for (workload, _) in workloads {
        let items: Vec<_> = all
            .iter()
            .filter(|(t, _, _)| t.workload == workload)
            .copied()
            .collect();
        if !items.is_empty() {
            bench_group(&mut criterion, workload, &items);
        }
    }
    criterion.final_summary();
}
