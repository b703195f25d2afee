//! MockProver tests of `stele_circuit::poseidon_wide`: Poseidon at every width agrees with
//! circomlibjs (the known-answer vectors of `stele-crypto`) and with `stele_crypto::poseidon`,
//! `hash_list` agrees with `stele_crypto::hash_list` (lengths 0, 1, 2, 16, 17, 33), a tampered
//! cell of every kind (S-box powers and outputs, sums, operand copies, the output) or a wrong
//! public output is rejected, and the rows per permutation are pinned.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};
use stele_circuit::gates::{Faults, GateChip, GateConfig, GateCtx, Var};
use stele_circuit::poseidon_wide::{self, PoseidonError};
use stele_crypto::fr_from_str;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Lays out gadgets and returns the cells to expose as public outputs (instance rows 0, 1, ...).
type Build = dyn Fn(&mut GateCtx<'_, '_>) -> Vec<Var>;

#[derive(Clone)]
struct TestCircuit {
    build: Rc<Build>,
    faults: Faults,
    /// Height of the context after `build` (written during synthesis).
    height: Rc<Cell<usize>>,
}

impl Circuit<Fr> for TestCircuit {
    type Config = (GateConfig, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
        let advice = [(); 4].map(|_| meta.advice_column());
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        (GateChip::configure(meta, advice), instance)
    }

    fn synthesize(
        &self,
        (config, instance): Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = GateChip::new(config).with_faults(self.faults.clone());
        chip.load_table(&mut layouter)?;
        let outputs = RefCell::new(Vec::new());
        layouter.assign_region(
            || "poseidon_wide",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                *outputs.borrow_mut() = (self.build)(&mut ctx);
                self.height.set(ctx.height());
                Ok(())
            },
        )?;
        for (i, out) in outputs.into_inner().iter().enumerate() {
            layouter.constrain_instance(out.cell(), instance, i);
        }
        Ok(())
    }
}

/// Rows of the layout plus headroom for blinding rows, as a power of two (at least 2^9 for the
/// 256-row table).
fn k_for(rows: usize) -> u32 {
    let mut k = 9;
    while (1usize << k) < rows + 16 {
        k += 1;
    }
    k
}

/// Runs `build` with the given faults and public outputs; returns the verdict and the height.
fn run(
    faults: &Faults,
    public: Vec<Fr>,
    build: impl Fn(&mut GateCtx<'_, '_>) -> Vec<Var> + 'static,
) -> (Result<(), Vec<VerifyFailure>>, usize) {
    let build: Rc<Build> = Rc::new(build);
    // A first synthesis at a generous size measures the height; the check runs at the smallest k.
    let height = Rc::new(Cell::new(0));
    let probe = TestCircuit {
        build: build.clone(),
        faults: Faults::none(),
        height: height.clone(),
    };
    MockProver::run(16, &probe, vec![public.clone()]).expect("synthesis");
    let rows = height.get();
    let circuit = TestCircuit {
        build,
        faults: faults.clone(),
        height,
    };
    let verdict = MockProver::run(k_for(rows), &circuit, vec![public])
        .expect("synthesis")
        .verify();
    (verdict, rows)
}

fn honest(public: Vec<Fr>, build: impl Fn(&mut GateCtx<'_, '_>) -> Vec<Var> + 'static) -> usize {
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
    build: impl Fn(&mut GateCtx<'_, '_>) -> Vec<Var> + 'static,
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
) -> impl Fn(&mut GateCtx<'_, '_>) -> Vec<Var> + 'static {
    move |ctx| {
        let vars = witnesses(ctx, &inputs);
        let out = poseidon_wide::poseidon(ctx, &vars).expect("1..=16 inputs");
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
        for (inputs, output) in &cases {
            assert_eq!(stele_crypto::poseidon(inputs), *output, "native, arity {n}");
        }
        let public: Vec<Fr> = cases.iter().map(|(_, o)| *o).collect();
        honest(public, move |ctx| {
            cases
                .iter()
                .map(|(inputs, output)| poseidon_build(inputs.clone(), *output)(ctx))
                .map(|mut v| v.remove(0))
                .collect()
        });
    }
}

#[test]
fn arity_out_of_range_is_an_error() {
    honest(vec![], |ctx| {
        let xs = witnesses(ctx, &[Fr::from(1); 17]);
        assert_eq!(
            poseidon_wide::poseidon(ctx, &[]).unwrap_err(),
            PoseidonError::Arity(0)
        );
        assert_eq!(
            poseidon_wide::poseidon(ctx, &xs).unwrap_err(),
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
        honest(vec![expected], move |ctx| {
            let vars = witnesses(ctx, &xs);
            let out = poseidon_wide::hash_list(ctx, &vars).expect("any length");
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
        |ctx| vec![poseidon_wide::hash_list(ctx, &[]).expect("empty list")],
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
) -> impl Fn(&mut GateCtx<'_, '_>) -> Vec<Var> + 'static {
    move |ctx| {
        let vars = witnesses(ctx, &inputs);
        vec![poseidon_wide::poseidon(ctx, &vars).expect("1..=16 inputs")]
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

#[test]
fn tampered_intermediate_cells_are_rejected() {
    // Every kind of cell the layout assigns, at its first, a middle and its last occurrence:
    // S-box squares, fourth powers and outputs (plain or with a folded term; the last one is
    // the permutation's output), sum accumulators inside a chain and sum results (S-box inputs,
    // settled elements), and the copies of operands into gate rows.
    let labels = [
        "pow5.x2", "pow5.x4", "pow5.out", "lin.acc", "lin.out", "copy",
    ];
    let mut seen = [false; 6];
    for n in [1u64, 2, 4, 16] {
        let (inputs, out) = case(n);
        for (label, seen) in labels.iter().zip(seen.iter_mut()) {
            let count = count_label(n, label);
            if count == 0 {
                continue;
            }
            *seen = true;
            // A copy differs from its source: the permutation argument rejects it.
            let gate = *label != "copy";
            for nth in [0, count / 2, count - 1] {
                for delta in [Fr::from(1), -Fr::from(1)] {
                    let faults = Faults::none().add(label, nth, delta);
                    rejects(
                        gate,
                        faults,
                        vec![out],
                        poseidon_build_unchecked(inputs.clone()),
                    );
                }
            }
        }
    }
    assert_eq!(
        seen, [true; 6],
        "every cell kind of {labels:?} was tampered"
    );
}

#[test]
fn a_consistently_forged_output_is_rejected() {
    // The output is the last S-box cell (the last round folds its whole sum into the S-box
    // rows): set it to a forged value and publish that value; its gate row still rejects.
    for n in [1u64, 3, 16] {
        let (inputs, out) = case(n);
        let forged = out + Fr::from(5);
        let outs = count_label(n, "pow5.out");
        rejects(
            true,
            Faults::none().set("pow5.out", outs - 1, forged),
            vec![forged],
            poseidon_build_unchecked(inputs),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

/// Rows of one permutation per width `t`: in a fresh context (after the `t - 1` input
/// witnesses, which share rows with the gadgets), and again in the same context. The layout
/// caches nothing, so both are the same. The module docs of `poseidon_wide` quote these
/// numbers.
#[test]
fn rows_per_permutation() {
    let mut got = Vec::new();
    for (t, rows) in [(2usize, 275usize), (3, 373), (5, 604), (7, 871), (17, 2634)] {
        let (inputs, out) = case(t as u64 - 1);
        let measured = Rc::new(Cell::new((0usize, 0usize)));
        let probe = measured.clone();
        honest(vec![out, out], move |ctx| {
            let vars = witnesses(ctx, &inputs);
            let a = poseidon_wide::poseidon(ctx, &vars).expect("first");
            let first = ctx.height();
            let b = poseidon_wide::poseidon(ctx, &vars).expect("second");
            probe.set((first, ctx.height() - first));
            vec![a, b]
        });
        println!("t = {t}: {:?} rows (fresh, again)", measured.get());
        got.push((t, measured.get(), (rows, rows)));
    }
    for (t, measured, pinned) in got {
        assert_eq!(measured, pinned, "rows at t = {t}");
    }
}

/// The S-box rows are abc rows: after a 128-bit range check (16 rows whose a, b, c slots are
/// free) a permutation takes fewer than 16 more rows than alone.
#[test]
fn sbox_rows_fill_range_runs() {
    let (inputs, out) = case(2);
    let alone = Rc::new(Cell::new(0usize));
    let probe = alone.clone();
    let build_inputs = inputs.clone();
    honest(vec![out], move |ctx| {
        let vars = witnesses(ctx, &build_inputs);
        let h = poseidon_wide::poseidon(ctx, &vars).expect("two inputs");
        probe.set(ctx.height());
        vec![h]
    });
    let shared = Rc::new(Cell::new(0usize));
    let probe = shared.clone();
    honest(vec![out], move |ctx| {
        ctx.witness_uint(Value::known(Fr::from(u64::MAX)), 128);
        let vars = witnesses(ctx, &inputs);
        let h = poseidon_wide::poseidon(ctx, &vars).expect("two inputs");
        probe.set(ctx.height());
        vec![h]
    });
    println!("alone {}, after a u128 check {}", alone.get(), shared.get());
    assert!(shared.get() < alone.get() + 16);
}
