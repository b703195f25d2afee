//! Tests of the Poseidon chip: agreement with circomlib and `stele_crypto::poseidon2`,
//! soundness (every cell of the layout changed in turn, the capacity, a wrong public output),
//! batching and chaining, the layout numbers, and one real KZG keygen → prove → verify round
//! trip (SHPLONK, Blake2b) with a tampered proof rejected.

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{
    Advice, Circuit, Column, ConstraintSystem, Error, Instance, keygen_pk, keygen_vk,
};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use stele_circuit::poseidon::{
    CELLS_PER_PERMUTATION, FIXED_COLUMNS, HashInput, MAX_GATE_DEGREE, PermutationWitness,
    PoseidonChip, PoseidonConfig, ROWS_PER_PERMUTATION, layout_stats, rows_for,
};
use stele_crypto::{Fr, fr_from_str, poseidon2};

/// circomlib `Poseidon([1, 2])`.
const CIRCOMLIB_1_2: &str =
    "7853200120776062878684798364095072458815029376092732009249414926327459813530";

// The target: at most 200 advice cells per permutation.
const _: () = assert!(CELLS_PER_PERMUTATION <= 200);

/// Small `k` for the mock prover (one or a few hashes).
const K: u32 = 8;

#[derive(Clone, Debug)]
struct TestConfig {
    poseidon: PoseidonConfig,
    advice: [Column<Advice>; 4],
    instance: Column<Instance>,
}

fn configure_test(meta: &mut ConstraintSystem<Fr>) -> TestConfig {
    let advice = std::array::from_fn(|_| meta.advice_column());
    for a in advice {
        meta.enable_equality(a);
    }
    let instance = meta.instance_column();
    meta.enable_equality(instance);
    let constants = meta.fixed_column();
    meta.enable_constant(constants);
    TestConfig {
        poseidon: PoseidonChip::configure(meta, advice),
        advice,
        instance,
    }
}

/// Independent hashes in one batch; inputs are witnesses in their own rows after the batch;
/// outputs are public (instance rows `0..n`). `witnesses` replaces the honest witnesses.
#[derive(Clone, Debug, Default)]
struct HashCircuit {
    inputs: Vec<[Value<Fr>; 2]>,
    witnesses: Option<Vec<PermutationWitness>>,
}

impl HashCircuit {
    fn new(inputs: &[[Fr; 2]]) -> Self {
        HashCircuit {
            inputs: inputs
                .iter()
                .map(|p| [Value::known(p[0]), Value::known(p[1])])
                .collect(),
            witnesses: None,
        }
    }

    fn with_witnesses(inputs: &[[Fr; 2]], witnesses: Vec<PermutationWitness>) -> Self {
        HashCircuit {
            witnesses: Some(witnesses),
            ..Self::new(inputs)
        }
    }
}

impl Circuit<Fr> for HashCircuit {
    type Config = TestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        HashCircuit {
            inputs: vec![[Value::unknown(); 2]; self.inputs.len()],
            witnesses: None,
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> TestConfig {
        configure_test(meta)
    }

    fn synthesize(&self, config: TestConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = PoseidonChip::new(config.poseidon);
        let outputs = layouter.assign_region(
            || "hashes",
            |mut region| {
                let inputs_row = rows_for(self.inputs.len());
                let mut batch = chip.batch(0);
                let mut outputs = Vec::new();
                for (i, [a, b]) in self.inputs.iter().enumerate() {
                    let a = region.assign_advice(config.advice[0], inputs_row + i, *a);
                    let b = region.assign_advice(config.advice[2], inputs_row + i, *b);
                    let hashed = match &self.witnesses {
                        Some(w) => batch.hash2_with_witness(
                            &mut region,
                            (&a).into(),
                            (&b).into(),
                            Value::known(&w[i]),
                        )?,
                        None => batch.hash2(&mut region, (&a).into(), (&b).into())?,
                    };
                    outputs.push(hashed.out.cell());
                }
                assert_eq!(batch.end_row(), inputs_row);
                Ok(outputs)
            },
        )?;
        for (row, cell) in outputs.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, row);
        }
        Ok(())
    }
}

#[path = "../benches/support/chain.rs"]
mod chain;

use chain::ChainCircuit;

/// The convenience entry points: `hash2` at an offset (inputs in other rows) and `hash2_many`
/// with fresh-witness inputs; the outputs are public.
#[derive(Clone, Debug)]
struct ApiCircuit {
    inputs: [Value<Fr>; 4],
}

impl Circuit<Fr> for ApiCircuit {
    type Config = TestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        ApiCircuit {
            inputs: [Value::unknown(); 4],
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> TestConfig {
        configure_test(meta)
    }

    fn synthesize(&self, config: TestConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = PoseidonChip::new(config.poseidon);
        let [x0, x1, x2, x3] = self.inputs;
        let outputs = layouter.assign_region(
            || "api",
            |mut region| {
                let a = region.assign_advice(config.advice[3], 0, x0);
                let b = region.assign_advice(config.advice[1], 2, x1);
                let single = chip.hash2(&mut region, 5, &a, &b)?;
                let start = 5 + rows_for(1);
                let many = chip.hash2_many(
                    &mut region,
                    start,
                    &[
                        (HashInput::Witness(x2), HashInput::Witness(x3)),
                        ((&single).into(), HashInput::Witness(x0)),
                    ],
                )?;
                Ok([single.cell(), many[0].out.cell(), many[1].out.cell()])
            },
        )?;
        for (row, cell) in outputs.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, row);
        }
        Ok(())
    }
}

fn chain_native(h0: Fr, n: usize) -> Fr {
    (0..n).fold(h0, |h, i| poseidon2(h, Fr::from(i as u64)))
}

fn mock_ok(circuit: &impl Circuit<Fr>, public: Vec<Fr>) -> bool {
    MockProver::run(K, circuit, vec![public])
        .expect("mock prover runs")
        .verify()
        .is_ok()
}

fn random_pair(rng: &mut ChaCha20Rng) -> [Fr; 2] {
    [Fr::random(&mut *rng), Fr::random(&mut *rng)]
}

// ------------------------------------------------------------------------------------------
// Completeness
// ------------------------------------------------------------------------------------------

#[test]
fn hash_of_1_2_is_circomlib() {
    let expected = fr_from_str(CIRCOMLIB_1_2).unwrap();
    let inputs = [[Fr::from(1), Fr::from(2)]];
    assert_eq!(
        PermutationWitness::new(Fr::from(1), Fr::from(2)).hash(),
        expected
    );
    let prover = MockProver::run(K, &HashCircuit::new(&inputs), vec![vec![expected]]).unwrap();
    prover.assert_satisfied();
}

#[test]
fn random_inputs_agree_with_native_poseidon2() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut inputs: Vec<[Fr; 2]> = (0..3).map(|_| random_pair(&mut rng)).collect();
    inputs.push([Fr::ZERO, Fr::ZERO]);
    inputs.push([-Fr::ONE, Fr::from(u64::MAX)]);
    let public: Vec<Fr> = inputs.iter().map(|p| poseidon2(p[0], p[1])).collect();
    for (p, h) in inputs.iter().zip(&public) {
        assert_eq!(PermutationWitness::new(p[0], p[1]).hash(), *h);
    }
    MockProver::run(K, &HashCircuit::new(&inputs), vec![public])
        .unwrap()
        .assert_satisfied();
}

#[test]
fn more_native_agreement() {
    // The witness generator alone (cheap): many random inputs.
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    for _ in 0..200 {
        let [a, b] = random_pair(&mut rng);
        assert_eq!(PermutationWitness::new(a, b).hash(), poseidon2(a, b));
    }
}

#[test]
fn precomputed_witnesses_are_accepted() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let inputs: Vec<[Fr; 2]> = (0..2).map(|_| random_pair(&mut rng)).collect();
    let witnesses: Vec<_> = inputs
        .iter()
        .map(|p| PermutationWitness::new(p[0], p[1]))
        .collect();
    let public = witnesses.iter().map(PermutationWitness::hash).collect();
    assert!(mock_ok(
        &HashCircuit::with_witnesses(&inputs, witnesses),
        public
    ));
}

#[test]
fn single_and_many_entry_points() {
    let x = [5u64, 6, 7, 8].map(Fr::from);
    let h1 = poseidon2(x[0], x[1]);
    let public = vec![h1, poseidon2(x[2], x[3]), poseidon2(h1, x[0])];
    let circuit = ApiCircuit {
        inputs: x.map(Value::known),
    };
    MockProver::run(K, &circuit, vec![public.clone()])
        .unwrap()
        .assert_satisfied();
    let mut wrong = public;
    wrong[2] += Fr::ONE;
    assert!(!mock_ok(&circuit, wrong));
}

#[test]
fn chained_hashes_with_constant_indices() {
    let h0 = Fr::from(42);
    let circuit = ChainCircuit {
        h0: Value::known(h0),
        n: 4,
    };
    let expected = chain_native(h0, 4);
    assert!(mock_ok(&circuit, vec![expected]));
    assert!(!mock_ok(&circuit, vec![expected + Fr::ONE]));
    // A chain with other indices has another result: the constants are enforced.
    let other = (0..4u64).fold(h0, |h, i| poseidon2(h, Fr::from(i + 1)));
    assert!(!mock_ok(&circuit, vec![other]));
}

// ------------------------------------------------------------------------------------------
// Soundness
// ------------------------------------------------------------------------------------------

/// Every cell of one permutation's layout: `(row, column)` relative to its input row.
fn layout_cells() -> Vec<(usize, usize)> {
    let mut cells = vec![(0, 1), (0, 3)];
    for row in 1..=40 {
        cells.extend((0..4).map(|col| (row, col)));
    }
    cells.extend([(41, 0), (41, 2)]);
    cells
}

fn cell_mut(w: &mut PermutationWitness, row: usize, col: usize) -> &mut Fr {
    match (row, col) {
        (0, 1) => &mut w.inputs[0],
        (0, 3) => &mut w.inputs[1],
        (41, 0) => &mut w.output[0],
        (41, 2) => &mut w.output[1],
        (r, c) => &mut w.sbox_rows[r - 1][c],
    }
}

fn inputs_3_5() -> [[Fr; 2]; 1] {
    [[Fr::from(3), Fr::from(5)]]
}

/// The honest circuit for inputs (3, 5) with one cell changed by `delta`: true if the mock
/// prover accepts it (with the honest public output).
fn accepts_with_change(row: usize, col: usize, delta: Fr) -> bool {
    let inputs = inputs_3_5();
    let mut w = PermutationWitness::new(inputs[0][0], inputs[0][1]);
    let honest = w.hash();
    *cell_mut(&mut w, row, col) += delta;
    mock_ok(&HashCircuit::with_witnesses(&inputs, vec![w]), vec![honest])
}

#[track_caller]
fn assert_change_rejected(row: usize, col: usize) {
    assert!(
        !accepts_with_change(row, col, Fr::ONE),
        "changing cell (row {row}, column {col}) was accepted"
    );
}

#[test]
fn honest_witness_through_the_tamper_path_is_accepted() {
    assert!(accepts_with_change(20, 1, Fr::ZERO));
}

#[test]
fn changed_input_is_rejected() {
    assert_change_rejected(0, 1); // a
    assert_change_rejected(0, 3); // b
}

#[test]
fn nonzero_capacity_is_rejected() {
    // A complete, internally consistent trace of the permutation of [1, 3, 5], its own
    // output public: only the capacity differs, and the chip rejects it.
    let inputs = inputs_3_5();
    let w = PermutationWitness::with_capacity(Fr::ONE, inputs[0][0], inputs[0][1]);
    let out = w.hash();
    assert_ne!(out, poseidon2(inputs[0][0], inputs[0][1]));
    assert!(!mock_ok(
        &HashCircuit::with_witnesses(&inputs, vec![w]),
        vec![out]
    ));
    // The same trace with capacity 0 is accepted (the test harness is not what rejects).
    let w0 = PermutationWitness::with_capacity(Fr::ZERO, inputs[0][0], inputs[0][1]);
    let out0 = w0.hash();
    assert!(mock_ok(
        &HashCircuit::with_witnesses(&inputs, vec![w0]),
        vec![out0]
    ));
}

#[test]
fn changed_input_round_cells_are_rejected() {
    // Row 1: round 0's two S-boxes (x = input + constant, z = x^4).
    for col in 0..4 {
        assert_change_rejected(1, col);
    }
}

#[test]
fn changed_full_round_cells_are_rejected() {
    // Opening rounds (rows 2..=6A) and closing rounds (rows 35..=40): x and z cells.
    for (row, col) in [
        (2, 0),
        (3, 3),
        (4, 2),
        (5, 1),
        (6, 0),
        (37, 0),
        (38, 3),
        (40, 2),
    ] {
        assert_change_rejected(row, col);
    }
}

#[test]
fn changed_partial_round_cells_are_rejected() {
    // x (S-box input) and z (the intermediate x^4) of partial rounds, both slots of a row,
    // including the transitions into (rows 6B, 7) and out of (rows 33, 34) the partial rounds.
    for row in [6, 7, 8, 20, 33, 34] {
        let cols: &[usize] = if row == 6 { &[2, 3] } else { &[0, 1, 2, 3] };
        for &col in cols {
            assert_change_rejected(row, col);
        }
    }
}

#[test]
fn changed_output_cells_are_rejected() {
    assert_change_rejected(41, 0); // out
    assert_change_rejected(41, 2); // out1, the determined by-product
}

#[test]
fn every_cell_of_the_layout_is_constrained() {
    let cells = layout_cells();
    assert_eq!(cells.len(), CELLS_PER_PERMUTATION);
    for (row, col) in cells {
        assert_change_rejected(row, col);
    }
}

#[test]
fn every_slot_input_is_pinned_by_its_linear_relation() {
    // Change a slot's x and keep its S-box consistent (z = x'^4): the S-box gate holds, so
    // only the linear relation defining x can reject it.
    let inputs = inputs_3_5();
    let honest = poseidon2(inputs[0][0], inputs[0][1]);
    for row in 1..=40 {
        for side in 0..2 {
            let mut w = PermutationWitness::new(inputs[0][0], inputs[0][1]);
            let x = w.sbox_rows[row - 1][2 * side] + Fr::ONE;
            w.sbox_rows[row - 1][2 * side] = x;
            w.sbox_rows[row - 1][2 * side + 1] = x.square().square();
            assert!(
                !mock_ok(&HashCircuit::with_witnesses(&inputs, vec![w]), vec![honest]),
                "slot input at row {row}, side {side} is not pinned"
            );
        }
    }
}

#[test]
fn wrong_public_output_is_rejected() {
    let inputs = inputs_3_5();
    let honest = poseidon2(inputs[0][0], inputs[0][1]);
    let circuit = HashCircuit::new(&inputs);
    assert!(mock_ok(&circuit, vec![honest]));
    assert!(!mock_ok(&circuit, vec![honest + Fr::ONE]));
    assert!(!mock_ok(&circuit, vec![Fr::ZERO]));
}

#[test]
fn witness_of_other_inputs_is_rejected() {
    // A fully honest permutation of (3, 6), assigned where the inputs are the cells (3, 5).
    let inputs = inputs_3_5();
    let w = PermutationWitness::new(Fr::from(3), Fr::from(6));
    let out = w.hash();
    assert!(!mock_ok(
        &HashCircuit::with_witnesses(&inputs, vec![w]),
        vec![out]
    ));
}

// ------------------------------------------------------------------------------------------
// Numbers
// ------------------------------------------------------------------------------------------

#[test]
fn layout_numbers() {
    let mut cs = ConstraintSystem::<Fr>::default();
    let advice = std::array::from_fn(|_| cs.advice_column());
    PoseidonChip::configure(&mut cs, advice);
    let stats = layout_stats();
    println!(
        "poseidon chip: {} rows, {} advice cells per permutation (batch of n: {} rows for n = 1, \
         41n + 1 in general); {} gates, {} constraints, degree {}; {} fixed columns, {} selectors, \
         {} advice queries",
        stats.rows_per_permutation,
        stats.cells_per_permutation,
        rows_for(1),
        stats.gates,
        stats.constraints,
        cs.degree(),
        cs.num_fixed_columns(),
        cs.num_selectors(),
        cs.advice_queries().len(),
    );
    assert_eq!(ROWS_PER_PERMUTATION, 41);
    assert_eq!(CELLS_PER_PERMUTATION, 164);
    assert_eq!(rows_for(1), 42);
    assert_eq!(rows_for(100), 4101);
    assert_eq!(cs.degree(), MAX_GATE_DEGREE);
    let max_gate_degree = cs
        .gates()
        .iter()
        .flat_map(|g| g.polynomials().iter().map(|p| p.degree()))
        .max()
        .unwrap();
    assert_eq!(max_gate_degree, MAX_GATE_DEGREE);
    assert_eq!(cs.num_fixed_columns(), FIXED_COLUMNS);
    assert_eq!(cs.num_selectors(), 0);
}

// ------------------------------------------------------------------------------------------
// Real proof
// ------------------------------------------------------------------------------------------

fn prove(
    params: &ParamsKZG<Bn256>,
    pk: &halo2_proofs::plonk::ProvingKey<G1Affine>,
    circuit: HashCircuit,
    public: &[Fr],
) -> Vec<u8> {
    let rng = ChaCha20Rng::seed_from_u64(1);
    stele_circuit::proof::prove(params, pk, circuit, &[public], rng).expect("proof")
}

fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &halo2_proofs::plonk::VerifyingKey<G1Affine>,
    proof: &[u8],
    public: &[Fr],
) -> bool {
    stele_circuit::proof::verify(params, vk, &[public], proof)
}

#[test]
fn keygen_prove_verify_round_trip() {
    let k = 7;
    // TEST ONLY: a setup whose toxic waste is known.
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed([0; 32]));
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let inputs = [rng.r#gen::<u64>(), rng.r#gen::<u64>()].map(Fr::from);
    let inputs = [inputs];
    let public = [poseidon2(inputs[0][0], inputs[0][1])];

    let vk = keygen_vk(&params, &HashCircuit::new(&inputs).without_witnesses()).expect("vk");
    let pk = keygen_pk(
        &params,
        vk.clone(),
        &HashCircuit::new(&inputs).without_witnesses(),
    )
    .expect("pk");
    let proof = prove(&params, &pk, HashCircuit::new(&inputs), &public);
    println!("proof: {} bytes at k = {k}", proof.len());
    assert!(verify(&params, &vk, &proof, &public));

    // A wrong public output, and a changed proof byte, are rejected.
    assert!(!verify(&params, &vk, &proof, &[public[0] + Fr::ONE]));
    for i in [0, proof.len() / 2, proof.len() - 1] {
        let mut bad = proof.clone();
        bad[i] ^= 1;
        assert!(
            !verify(&params, &vk, &bad, &public),
            "proof byte {i} changed"
        );
    }
}
