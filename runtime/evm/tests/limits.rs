//! A verifier over EIP-170's limit is refused with the way out, and the generator's failures are
//! errors, not panics.

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance};
use halo2_proofs::poly::Rotation;
use stele_circuit::{files, proof};
use stele_evm::EvmError;
use stele_evm::contracts;
use stele_evm::solc::Solc;

/// `WIDTH` advice columns, each with its own lookup into a fixed table and a gate tying it to
/// the next: many columns and lookups, as a wide layout would have.
#[derive(Clone, Default)]
struct Wide;

const WIDTH: usize = 24;

impl Circuit<Fr> for Wide {
    type Config = ([Column<Advice>; WIDTH], Column<Fixed>, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Wide
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
        let cols: [Column<Advice>; WIDTH] = std::array::from_fn(|_| meta.advice_column());
        let table = meta.fixed_column();
        let instance = meta.instance_column();
        meta.enable_equality(cols[0]);
        meta.enable_equality(instance);
        for c in cols {
            meta.lookup_any("in table", |m| {
                vec![(
                    m.query_advice(c, Rotation::cur()),
                    m.query_fixed(table, Rotation::cur()),
                )]
            });
        }
        meta.create_gate("chain", |m| {
            (0..WIDTH - 1)
                .map(|i| {
                    let a = m.query_advice(cols[i], Rotation::cur());
                    let b = m.query_advice(cols[i + 1], Rotation::cur());
                    a.clone() * a - b.clone() * b
                })
                .collect::<Vec<_>>()
        });
        (cols, table, instance)
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let (cols, table, instance) = config;
        let cell = layouter.assign_region(
            || "row",
            |mut region| {
                region.assign_fixed(table, 0, Fr::zero());
                let mut first = None;
                for c in cols {
                    let cell = region.assign_advice(c, 0, Value::known(Fr::zero()));
                    first.get_or_insert(cell);
                }
                Ok(first.expect("a column"))
            },
        )?;
        layouter.constrain_instance(cell.cell(), instance, 0);
        Ok(())
    }
}

#[test]
fn a_verifier_over_the_limit_is_refused_with_the_way_out() {
    let solc = Solc::locate().expect("solc is installed (npm ci --prefix runtime/evm/solc)");
    let params = files::dev_params(5);
    let (vk, _) = proof::keygen(&params, &Wide).unwrap();
    let err = match contracts::build(&solc, &params, &vk, 1) {
        Ok(c) => panic!("a verifier of {} bytes", c.verifier.runtime.len()),
        Err(err) => err,
    };
    let EvmError::TooLarge { contract, size } = &err else {
        panic!("expected TooLarge, got {err}")
    };
    assert_eq!(contract, "Halo2Verifier");
    assert!(*size > stele_evm::MAX_RUNTIME_SIZE);
    let text = err.to_string();
    assert!(text.contains("EIP-170"), "{text}");
    assert!(
        text.contains("fewer columns") && text.contains("aggregation"),
        "{text}"
    );
}

#[test]
fn a_key_for_other_params_is_an_error() {
    let (vk, _) = proof::keygen(&files::dev_params(5), &Wide).unwrap();
    let err = contracts::verifier_source(&files::dev_params(6), &vk, 1).unwrap_err();
    assert!(
        matches!(&err, EvmError::Generator { message } if message.contains("k = 5")),
        "{err}"
    );
}
