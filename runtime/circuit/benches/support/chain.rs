//! The Poseidon-chain circuit of the benchmarks (`poseidon_chain`, `versus_halo2_base`'s Stele
//! side) and of `tests/poseidon.rs`: `h_{i+1} = poseidon2(h_i, i)` for `i < n` on the dedicated
//! width-3 chip, in one batch; `h_0` private, the indices fixed constants, `h_n` the public
//! input.

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Instance};
use stele_circuit::poseidon::{HashInput, PoseidonChip, PoseidonConfig};
use stele_crypto::Fr;

#[derive(Clone, Debug)]
pub struct ChainConfig {
    poseidon: PoseidonConfig,
    advice: [Column<Advice>; 4],
    instance: Column<Instance>,
}

/// `h_{i+1} = poseidon2(h_i, i)` for `i < n`; `h_n` is the public input.
#[derive(Clone, Debug)]
pub struct ChainCircuit {
    pub h0: Value<Fr>,
    pub n: usize,
}

impl Circuit<Fr> for ChainCircuit {
    type Config = ChainConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        ChainCircuit {
            h0: Value::unknown(),
            n: self.n,
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ChainConfig {
        let advice = std::array::from_fn(|_| meta.advice_column());
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        ChainConfig {
            poseidon: PoseidonChip::configure(meta, advice),
            advice,
            instance,
        }
    }

    fn synthesize(
        &self,
        config: ChainConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = PoseidonChip::new(config.poseidon);
        let last = layouter.assign_region(
            || "chain",
            |mut region| {
                // h_0 sits in the batch's first row, column 0 (unused by the chip there).
                let mut h = region.assign_advice(config.advice[0], 0, self.h0);
                let mut batch = chip.batch(0);
                for i in 0..self.n {
                    let index = Fr::from(i as u64);
                    let hashed = batch.hash2(
                        &mut region,
                        (&h).into(),
                        HashInput::Witness(Value::known(index)),
                    )?;
                    region.constrain_constant(hashed.b.cell(), index)?;
                    h = hashed.out;
                }
                Ok(h.cell())
            },
        )?;
        layouter.constrain_instance(last, config.instance, 0);
        Ok(())
    }
}
