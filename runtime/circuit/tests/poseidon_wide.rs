//! MockProver tests of `stele_circuit::poseidon_wide`: Poseidon at every width agrees with
//! circomlibjs (the known-answer vectors of `stele-crypto`) and with `stele_crypto::poseidon`,
//! `hash_list` agrees with `stele_crypto::hash_list` (lengths 0, 1, 2, 16, 17, 33), every cell
//! of a width-2 permutation (S-box rows, sums, operand copies, the output), every S-box-row cell
//! at width 6 and those of every 7th S-box row at width 17 (with the first, a middle and the
//! last cell of each other kind) is tampered in turn and rejected, a consistently forged S-box
//! row is rejected by the S-box gate that the row code in `kind_q` switches on, a wrong public
//! output is rejected, and the rows per permutation of every width are pinned.

use std::cell::Cell;
use std::rc::Rc;

use halo2_proofs::circuit::Value;
use halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_proofs::halo2curves::bn256::Fr;
use stele_circuit::gates::{Faults, GateCtx, Var};
use stele_circuit::poseidon::PoseidonChip;
use stele_circuit::poseidon_wide::{self, PoseidonError};
use stele_crypto::fr_from_str;

#[path = "support/chips.rs"]
mod chips;

use chips::{ChipCircuit, smallest_k};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Runs `build` with the given faults and public outputs; returns the verdict and the height.
fn run(
    faults: &Faults,
    public: Vec<Fr>,
    build: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static,
) -> (Result<(), Vec<VerifyFailure>>, usize) {
    // A first synthesis at a generous size measures the height; the check runs at the smallest k.
    let probe = ChipCircuit::new(build);
    MockProver::run(16, &probe, vec![public.clone()]).expect("synthesis");
    let rows = probe.height();
    let circuit = probe.with_faults(faults.clone());
    let verdict = MockProver::run(smallest_k(rows), &circuit, vec![public])
        .expect("synthesis")
        .verify();
    (verdict, rows)
}

fn honest(
    public: Vec<Fr>,
    build: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static,
) -> usize {
    let (verdict, rows) = run(&Faults::none(), public, build);
    if let Err(failures) = verdict {
        panic!("honest run rejected: {failures:#?}");
    }
    rows
}

/// MockProver rejects, on a gate (`expect_gate`) or on a copy constraint (the public output).
fn rejects(
    expect_gate: bool,
    faults: Faults,
    public: Vec<Fr>,
    build: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static,
) {
    let (verdict, _) = run(&faults, public, build);
    if !faults.is_empty() {
        assert!(faults.hits() > 0, "the fault hit no cell");
    }
    match verdict {
        Ok(()) => panic!("MockProver accepted a witness it must reject"),
        Err(failures) => assert!(
            failures.iter().any(|f| matches!(
                (f, expect_gate),
                (VerifyFailure::ConstraintNotSatisfied { .. }, true)
                    | (VerifyFailure::Permutation { .. }, false)
            )),
            "expected a {} failure, got {failures:#?}",
            if expect_gate { "gate" } else { "copy" }
        ),
    }
}

fn known(v: Value<Fr>) -> Fr {
    let mut out = None;
    v.map(|x| out = Some(x));
    out.expect("known value")
}

fn witnesses(ctx: &mut GateCtx<'_, '_>, xs: &[Fr]) -> Vec<Var> {
    xs.iter().map(|x| ctx.witness(Value::known(*x))).collect()
}

/// A circuit hashing `inputs` with `poseidon_wide::poseidon`, output public, the value checked
/// against `expected` during synthesis.
fn poseidon_build(
    inputs: Vec<Fr>,
    expected: Fr,
) -> impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static {
    move |ctx, chip| {
        let vars = witnesses(ctx, &inputs);
        let out = poseidon_wide::poseidon(ctx, chip, &vars).expect("1..=16 inputs");
        assert_eq!(known(out.value()), expected, "witness value of the output");
        vec![out]
    }
}

// ---------------------------------------------------------------------------------------------
// Known answers
// ---------------------------------------------------------------------------------------------

/// The vectors of `runtime/crypto/tests/data/poseidon_vectors.json` (circomlibjs 0.1.7):
/// `(inputs, output)`.
fn vectors() -> Vec<(Vec<Fr>, Fr)> {
    let text = include_str!("../../crypto/tests/data/poseidon_vectors.json");
    let quoted = |s: &str| -> Vec<Fr> {
        s.split('"')
            .skip(1)
            .step_by(2)
            .map(|n| fr_from_str(n).expect("decimal field element"))
            .collect()
    };
    let mut out = Vec::new();
    for chunk in text.split("\"inputs\"").skip(1) {
        let open = chunk.find('[').expect("inputs array");
        let close = chunk.find(']').expect("inputs array end");
        let inputs = quoted(&chunk[open + 1..close]);
        let rest = &chunk[close..];
        let at = rest.find("\"output\"").expect("output") + "\"output\"".len();
        let output = quoted(&rest[at..])[0];
        out.push((inputs, output));
    }
    out
}

/// `n` pseudo-random inputs (native Poseidon hashes of a counter) and their hash.
fn pseudo_random_case(n: usize) -> (Vec<Fr>, Fr) {
    let inputs: Vec<Fr> = (0..n as u64)
        .map(|i| stele_crypto::poseidon(&[Fr::from(0x5eed), Fr::from(i + 100 * n as u64)]))
        .collect();
    let out = stele_crypto::poseidon(&inputs);
    (inputs, out)
}

/// Every arity 1..=16 (width 2..=17): the three circomlibjs vectors and one pseudo-random case
/// agree with the circuit.
#[test]
fn every_arity_matches_circomlibjs_vectors() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 48, "three vectors per arity 1..=16");
    for n in 1..=16 {
        let cases: Vec<(Vec<Fr>, Fr)> = vectors
            .iter()
            .filter(|(inputs, _)| inputs.len() == n)
            .cloned()
            .collect();
        assert_eq!(cases.len(), 3, "arity {n}");
        let mut cases = cases;
        cases.push(pseudo_random_case(n));
        for (inputs, output) in &cases {
            assert_eq!(stele_crypto::poseidon(inputs), *output, "native, arity {n}");
        }
        let public: Vec<Fr> = cases.iter().map(|(_, o)| *o).collect();
        honest(public, move |ctx, chip| {
            cases
                .iter()
                .map(|(inputs, output)| poseidon_build(inputs.clone(), *output)(ctx, chip))
                .map(|mut v| v.remove(0))
                .collect()
        });
    }
}

#[test]
fn arity_out_of_range_is_an_error() {
    honest(vec![], |ctx, chip| {
        let xs = witnesses(ctx, &[Fr::from(1); 17]);
        assert_eq!(
            poseidon_wide::poseidon(ctx, chip, &[]).unwrap_err(),
            PoseidonError::Arity(0)
        );
        assert_eq!(
            poseidon_wide::poseidon(ctx, chip, &xs).unwrap_err(),
            PoseidonError::Arity(17)
        );
        vec![]
    });
}

// ---------------------------------------------------------------------------------------------
// hash_list
// ---------------------------------------------------------------------------------------------

#[test]
fn hash_list_matches_native() {
    for len in [0usize, 1, 2, 16, 17, 33] {
        let xs: Vec<Fr> = (0..len as u64).map(|i| Fr::from(i * 7919 + 3)).collect();
        let expected = stele_crypto::hash_list(&xs);
        honest(vec![expected], move |ctx, chip| {
            let vars = witnesses(ctx, &xs);
            let out = poseidon_wide::hash_list(ctx, chip, &vars).expect("any length");
            assert_eq!(known(out.value()), expected, "hash_list of {len}");
            vec![out]
        });
    }
}

#[test]
fn hash_list_of_nothing_is_pinned_to_zero() {
    rejects(
        true,
        Faults::none().add("const", 0, Fr::from(1)),
        vec![Fr::zero()],
        |ctx, chip| vec![poseidon_wide::hash_list(ctx, chip, &[]).expect("empty list")],
    );
}

// ---------------------------------------------------------------------------------------------
// Soundness
// ---------------------------------------------------------------------------------------------

/// Inputs `1..=n` and their hash.
fn case(n: u64) -> (Vec<Fr>, Fr) {
    let inputs: Vec<Fr> = (1..=n).map(Fr::from).collect();
    let out = stele_crypto::poseidon(&inputs);
    (inputs, out)
}

#[test]
fn a_wrong_public_output_is_rejected() {
    for n in [1, 2, 4, 16] {
        let (inputs, out) = case(n);
        rejects(
            false,
            Faults::none(),
            vec![out + Fr::from(1)],
            poseidon_build(inputs, out),
        );
    }
}

/// Like [`poseidon_build`] without the synthesis-time value check (a tampered run changes it).
fn poseidon_build_unchecked(
    inputs: Vec<Fr>,
) -> impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static {
    move |ctx, chip| {
        let vars = witnesses(ctx, &inputs);
        vec![poseidon_wide::poseidon(ctx, chip, &vars).expect("1..=16 inputs")]
    }
}

/// How many fresh cells labelled `label` one permutation of `1..=n` assigns, counted by the hits
/// of no-op faults: first on every 64th index, then on each index of the last block of 64.
fn count_label(n: u64, label: &'static str) -> usize {
    let hits = |indices: &mut dyn Iterator<Item = usize>| {
        let (inputs, out) = case(n);
        let faults = indices.fold(Faults::none(), |f, i| f.add(label, i, Fr::zero()));
        let (verdict, _) = run(&faults, vec![out], poseidon_build_unchecked(inputs));
        assert!(verdict.is_ok(), "no-op faults keep the witness honest");
        faults.hits()
    };
    let blocks = hits(&mut (0..1000).map(|i| i * 64));
    assert!(blocks < 1000, "{label}: {blocks} blocks");
    if blocks == 0 {
        return 0;
    }
    let base = (blocks - 1) * 64;
    base + hits(&mut (base..base + 64))
}

/// Every fresh cell kind of the layout: S-box rows (`x⁴`, `x⁵`, the output's fourth power),
/// sum accumulators inside a chain, sum results (S-box inputs, settled elements, the output)
/// and the copies of operands into gate rows.
const LABELS: [&str; 6] = [
    "sbox.x4",
    "sbox.out",
    "sbox.out4",
    "lin.acc",
    "lin.out",
    "copy",
];

/// Tampers the cells `nths(count)` of every label of [`LABELS`] in one permutation of `1..=n`,
/// one at a time, by `+1`; each must be rejected (a copy by the permutation argument, every
/// other cell by a gate). Returns how many cells were tampered.
fn tamper_each(n: u64, nths: impl Fn(usize) -> Vec<usize>) -> usize {
    let (inputs, out) = case(n);
    let mut tampered = 0;
    for label in LABELS {
        let count = count_label(n, label);
        assert!(
            count > 0 || label == "lin.acc",
            "{label}: no cell at n = {n}"
        );
        for nth in nths(count) {
            let faults = Faults::none().add(label, nth, Fr::from(1));
            rejects(
                label != "copy",
                faults,
                vec![out],
                poseidon_build_unchecked(inputs.clone()),
            );
            tampered += 1;
        }
    }
    tampered
}

#[test]
fn every_cell_of_a_width_2_permutation_is_checked() {
    // t = 2: every fresh cell and every copy of the permutation, one at a time.
    let tampered = tamper_each(1, |count| (0..count).collect());
    println!("t = 2: {tampered} cells tampered");
    assert!(tampered > 400, "{tampered} cells");
}

#[test]
fn every_sbox_row_cell_of_wide_permutations_is_checked() {
    // t = 6: every cell of every S-box row; t = 17: those of every 7th S-box row (full and
    // partial rounds alike) and of the last. Both: the first, a middle and the last cell of
    // each other kind.
    for (n, step) in [(5u64, 1), (16, 7)] {
        let (inputs, out) = case(n);
        let sboxes = count_label(n, "sbox.x4");
        let rows: Vec<usize> = (0..sboxes).step_by(step).chain([sboxes - 1]).collect();
        for label in ["sbox.x4", "sbox.out", "sbox.out4"] {
            for &nth in &rows {
                rejects(
                    true,
                    Faults::none().add(label, nth, Fr::from(1)),
                    vec![out],
                    poseidon_build_unchecked(inputs.clone()),
                );
            }
        }
        tamper_each(n, |count| vec![0, count / 2, count.saturating_sub(1)]);
    }
}

/// The names of the gates a run violates (without public outputs, so only gates can fail).
fn violated_gates(faults: &Faults, n: u64) -> Vec<String> {
    let (inputs, _) = case(n);
    let (verdict, _) = run(faults, vec![], move |ctx, chip| {
        let vars = witnesses(ctx, &inputs);
        poseidon_wide::poseidon(ctx, chip, &vars).expect("1..=16 inputs");
        vec![]
    });
    assert!(faults.hits() > 0, "the fault hit no cell");
    let failures = verdict.expect_err("a forged S-box must be rejected");
    failures
        .iter()
        .map(|f| match f {
            VerifyFailure::ConstraintNotSatisfied { constraint, .. } => constraint.to_string(),
            other => panic!("only gates can fail here, got {other:?}"),
        })
        .collect()
}

#[test]
fn a_consistently_forged_sbox_is_rejected_by_the_sbox_gate() {
    // A wrong fourth power z' with everything after it computed from it (x⁵ = x·z', its
    // fourth power, every later sum and S-box, the output): the row's arithmetic holds, so
    // only the Poseidon chip's S-box gate, switched on by the S-box row code in the fixed
    // column kind_q, can reject it. Likewise a wrong output fourth power.
    for n in [1u64, 5, 16] {
        let sboxes = count_label(n, "sbox.x4");
        for (label, nth) in [
            ("sbox.x4", 0),
            ("sbox.x4", sboxes / 2),
            ("sbox.x4", sboxes - 1),
            ("sbox.out4", sboxes / 3),
        ] {
            let gates = violated_gates(&Faults::none().add(label, nth, Fr::from(3)), n);
            assert!(
                !gates.is_empty() && gates.iter().all(|g| g.contains("poseidon sbox")),
                "n = {n}, {label} #{nth}: {gates:?}"
            );
        }
        // A wrong x⁵ with its fourth power recomputed: the arithmetic gate rejects it.
        let gates = violated_gates(&Faults::none().add("sbox.out", sboxes / 2, Fr::from(3)), n);
        assert!(
            !gates.is_empty() && gates.iter().all(|g| g.contains("stele arithmetic")),
            "n = {n}: {gates:?}"
        );
    }
}

#[test]
fn a_consistently_forged_output_is_rejected() {
    // The output is the last sum of the layout: set it to a forged value and publish that
    // value; its gate row still rejects.
    for n in [1u64, 3, 16] {
        let (inputs, out) = case(n);
        let forged = out + Fr::from(5);
        let outs = count_label(n, "lin.out");
        rejects(
            true,
            Faults::none().set("lin.out", outs - 1, forged),
            vec![forged],
            poseidon_build_unchecked(inputs),
        );
    }
}

#[test]
fn two_inputs_use_the_width_3_chip() {
    // 2 inputs: one dedicated-chip hash (42 rows reserved after the input witnesses).
    let (inputs, out) = case(2);
    let rows = honest(vec![out], move |ctx, chip| {
        let vars = witnesses(ctx, &inputs);
        let start = ctx.height();
        let h = poseidon_wide::poseidon(ctx, chip, &vars).expect("two inputs");
        assert_eq!(ctx.height() - start, 42);
        vec![h]
    });
    assert_eq!(rows, 44);
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

/// Rows of one permutation per width `t` (inputs `t - 1`): in a fresh context (after the
/// `t - 1` input witnesses, which share rows with the gadgets), and again in the same context.
/// The layout caches nothing, so both are the same, except at `t = 3`, where the width-3 chip's
/// 42 rows are reserved after the two input witnesses. The module docs of `poseidon_wide`, the
/// standard library README and `docs/reference.md` quote these numbers.
const ROWS: [(usize, usize, usize); 16] = [
    (2, 171, 171),
    (3, 44, 42),
    (4, 340, 340),
    (5, 445, 445),
    (6, 565, 565),
    (7, 686, 686),
    (8, 834, 834),
    (9, 937, 937),
    (10, 1063, 1063),
    (11, 1246, 1246),
    (12, 1354, 1354),
    (13, 1550, 1550),
    (14, 1818, 1818),
    (15, 1805, 1805),
    (16, 2086, 2086),
    (17, 2301, 2301),
];

#[test]
fn rows_per_permutation() {
    let mut got = Vec::new();
    for (t, fresh, again) in ROWS {
        let (inputs, out) = case(t as u64 - 1);
        let measured = Rc::new(Cell::new((0usize, 0usize)));
        let probe = measured.clone();
        honest(vec![out, out], move |ctx, chip| {
            let vars = witnesses(ctx, &inputs);
            let a = poseidon_wide::poseidon(ctx, chip, &vars).expect("first");
            let first = ctx.height();
            let b = poseidon_wide::poseidon(ctx, chip, &vars).expect("second");
            probe.set((first, ctx.height() - first));
            vec![a, b]
        });
        println!("t = {t}: {:?} rows (fresh, again)", measured.get());
        got.push((t, measured.get(), (fresh, again)));
    }
    for (t, measured, pinned) in got {
        assert_eq!(measured, pinned, "rows at t = {t}");
    }
}

/// The short sums (S-box inputs of one or two terms) are abc rows: after a 128-bit range check
/// (16 rows whose a, b, c slots are free) a permutation takes fewer than 16 more rows than
/// alone. (The S-box rows themselves are full rows.)
#[test]
fn short_sums_fill_range_runs() {
    let (inputs, out) = case(1);
    let alone = Rc::new(Cell::new(0usize));
    let probe = alone.clone();
    let build_inputs = inputs.clone();
    honest(vec![out], move |ctx, chip| {
        let vars = witnesses(ctx, &build_inputs);
        let h = poseidon_wide::poseidon(ctx, chip, &vars).expect("one input");
        probe.set(ctx.height());
        vec![h]
    });
    let shared = Rc::new(Cell::new(0usize));
    let probe = shared.clone();
    honest(vec![out], move |ctx, chip| {
        ctx.witness_uint(Value::known(Fr::from(u64::MAX)), 128);
        let vars = witnesses(ctx, &inputs);
        let h = poseidon_wide::poseidon(ctx, chip, &vars).expect("one input");
        probe.set(ctx.height());
        vec![h]
    });
    println!("alone {}, after a u128 check {}", alone.get(), shared.get());
    assert!(shared.get() < alone.get() + 16);
}
