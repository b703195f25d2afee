//! The gate chip through the real KZG prover and verifier (not only MockProver): the
//! constraint system's degree fits halo2-axiom's cap, an honest proof verifies, and a proof of
//! a tampered witness (the test-only fault hook) does not.

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::bn256::{Bn256, Fr};
use halo2_proofs::plonk::{Circuit, ConstraintSystem, Error};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use stele_circuit::gates::{Faults, GateChip, GateConfig};
use stele_circuit::proof;

const K: u32 = 9;

#[derive(Clone, Default)]
struct Sample {
    faults: Faults,
}

impl Circuit<Fr> for Sample {
    type Config = GateConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> GateConfig {
        let advice = [(); 4].map(|_| meta.advice_column());
        GateChip::configure(meta, advice)
    }

    fn synthesize(&self, config: GateConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = GateChip::new(config).with_faults(self.faults.clone());
        chip.load_table(&mut layouter)?;
        layouter.assign_region(
            || "sample",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                let x = ctx.witness_uint(Value::known(Fr::from(1000)), 64);
                let y = ctx.witness_uint(Value::known(Fr::from(7)), 64);
                let g = ctx.witness_bit(Value::known(true));
                let s = ctx.guarded_add(Some(&g), &x, &y, 64);
                let (q, _r) = ctx.guarded_div_rem(Some(&g), &s, &y, 64);
                let lt = ctx.less_than(&q, &x, 64);
                ctx.assert_guarded(Some(&g), &lt);
                let p = ctx.pick(&y, &[x.clone(), y.clone(), q.clone()]);
                let z = ctx.is_zero(&p);
                ctx.assert_guarded(Some(&g), &z);
                let w = ctx.guarded_mul(Some(&g), &x, &x, 128);
                ctx.guarded_field_div(Some(&g), &w, &x);
                Ok(())
            },
        )
    }
}

fn prove_and_verify(circuit: &Sample) -> bool {
    let params = ParamsKZG::<Bn256>::setup(K, ChaCha20Rng::from_seed([7; 32])); // test-only SRS
    let (vk, pk) = proof::keygen(&params, &Sample::default()).expect("keys");
    let rng = ChaCha20Rng::from_seed([9; 32]);
    let proof = proof::prove(&params, &pk, circuit.clone(), &[], rng).expect("proof");
    proof::verify(&params, &vk, &[], &proof)
}

#[test]
fn the_constraint_system_fits_the_degree_cap_and_column_budget() {
    let mut meta = ConstraintSystem::<Fr>::default();
    Sample::configure(&mut meta);
    // halo2-axiom caps the degree at MAX_DEGREE = 5 (the lookup is 2 + 2 + 1).
    assert_eq!(meta.degree(), 5);
    assert_eq!(meta.num_advice_columns(), 4);
    assert_eq!(
        meta.num_fixed_columns(),
        10,
        "9 coefficient/selector columns + the table"
    );
    assert_eq!(meta.lookups().len(), 1);
    assert_eq!(meta.gates().len(), 1);
}

#[test]
fn a_real_proof_verifies_and_a_tampered_one_does_not() {
    assert!(prove_and_verify(&Sample::default()), "honest proof");
    // 1007 / 7 = 143 claimed as 142 rem 13: every row equation holds, but the gap
    // 7 - 1 - 13 is negative, so its range check (a lookup) fails.
    let faults = Faults::none()
        .set("div.q", 0, Fr::from(142))
        .set("div.rem", 0, Fr::from(13));
    let tampered = Sample {
        faults: faults.clone(),
    };
    assert!(
        !prove_and_verify(&tampered),
        "tampered proof must not verify"
    );
    assert!(faults.hits() > 0);
}
