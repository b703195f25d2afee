//! A circuit with the block circuit's columns (4 advice columns, the gate chip with its 8-bit
//! range table, the width-3 Poseidon chip, one instance column) around a layout closure: what
//! the gadget tests and the gadget benchmarks prove. Also the circomlibjs EdDSA vectors they
//! share.

// Each test and benchmark that includes this file uses a part of it.
#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};
use serde_json::Value as Json;
use stele_circuit::gates::{Faults, GateChip, GateConfig, GateCtx, Var};
use stele_circuit::poseidon::{PoseidonChip, PoseidonConfig};
use stele_crypto::babyjub::Point;
use stele_crypto::eddsa::Signature;
use stele_crypto::fr_from_str;

/// Lays out gadgets and returns the cells to expose as public outputs (instance rows 0, 1, ...).
pub type Layout = dyn Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var>;

#[derive(Clone)]
pub struct ChipCircuit {
    layout: Rc<Layout>,
    faults: Faults,
    /// Height of the context after the layout (written during synthesis).
    height: Rc<Cell<usize>>,
}

impl ChipCircuit {
    pub fn new(layout: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static) -> Self {
        ChipCircuit {
            layout: Rc::new(layout),
            faults: Faults::none(),
            height: Rc::new(Cell::new(0)),
        }
    }

    /// The same layout with the gate chip's test-only faults.
    pub fn with_faults(&self, faults: Faults) -> Self {
        ChipCircuit {
            faults,
            ..self.clone()
        }
    }

    /// Rows of the layout, as the last synthesis found them (0 before any).
    pub fn height(&self) -> usize {
        self.height.get()
    }
}

impl Circuit<Fr> for ChipCircuit {
    type Config = (GateConfig, PoseidonConfig, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
        let advice = [(); 4].map(|_| meta.advice_column());
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        (
            GateChip::configure(meta, advice),
            PoseidonChip::configure(meta, advice),
            instance,
        )
    }

    fn synthesize(
        &self,
        (config, poseidon, instance): Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = GateChip::new(config).with_faults(self.faults.clone());
        let poseidon = PoseidonChip::new(poseidon);
        chip.load_table(&mut layouter)?;
        let outputs = layouter.assign_region(
            || "gadgets",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                let outputs = (self.layout)(&mut ctx, &poseidon);
                self.height.set(ctx.height());
                Ok(outputs.iter().map(Var::cell).collect::<Vec<_>>())
            },
        )?;
        for (row, cell) in outputs.into_iter().enumerate() {
            layouter.constrain_instance(cell, instance, row);
        }
        Ok(())
    }
}

/// Smallest `k` whose usable rows (2^k minus the blinding rows) hold `rows`, at least 9 for the
/// range table.
pub fn smallest_k(rows: usize) -> u32 {
    (9..).find(|&k| (1usize << k) >= rows + 7).unwrap()
}

/// One EdDSA verification's inputs.
#[derive(Clone, Copy, Debug)]
pub struct EddsaCase {
    pub pubkey: Point,
    pub msg: Fr,
    pub sig: Signature,
}

impl EddsaCase {
    /// `stele_crypto::eddsa::verify`.
    pub fn native(&self) -> bool {
        stele_crypto::eddsa::verify(&self.pubkey, self.msg, &self.sig)
    }
}

/// The circomlibjs 0.1.7 vectors of `runtime/crypto/tests/data/eddsa_circomlibjs.json`: the
/// valid signatures, then the negative ones.
pub fn circomlibjs_eddsa() -> (Vec<EddsaCase>, Vec<EddsaCase>) {
    let json: Json = serde_json::from_str(include_str!(
        "../../../crypto/tests/data/eddsa_circomlibjs.json"
    ))
    .expect("valid JSON");
    let field =
        |v: &Json| fr_from_str(v.as_str().expect("a decimal string")).expect("a field element");
    let point = |v: &Json| Point {
        x: field(&v["x"]),
        y: field(&v["y"]),
    };
    let cases = |key: &str| -> Vec<EddsaCase> {
        json[key]
            .as_array()
            .expect("an array of vectors")
            .iter()
            .map(|v| EddsaCase {
                pubkey: point(&v["public_key"]),
                msg: field(&v["msg"]),
                sig: Signature {
                    r8: point(&v["signature"]["r8"]),
                    s: field(&v["signature"]["s"]),
                },
            })
            .collect()
    };
    (cases("valid"), cases("negative"))
}
