//! The standard library's circuit gadgets, each alone in a circuit of the block circuit's
//! columns (4 advice columns, the gate chip with its 8-bit range table, the width-3 Poseidon
//! chip, one instance column): the circuits of `std_gadgets` and of `versus_halo2_base`'s
//! Stele side for single gadgets.
//!
//! - [`Gadget::Eddsa`]: one `std::eddsa::verify`, the 5-input Poseidon of the challenge and the
//!   verification chip; public: the message and the verdict.
//! - [`Gadget::Poseidon`]: one `std::hash::poseidon` of `N` inputs `1..=N` (N = 2 on the
//!   dedicated chip, the others on the gate); public: the hash.
//! - [`Gadget::MerkleUpdate`]: one write to a depth-`D` Merkle map (old and new leaf on one
//!   shared path, the key's bits checked); public: the new root.

use std::cell::Cell;
use std::rc::Rc;

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};
use serde_json::Value as Json;
use stele_circuit::eddsa::{self, PointVar};
use stele_circuit::gates::{GateChip, GateConfig, GateCtx, Var};
use stele_circuit::poseidon::{PoseidonChip, PoseidonConfig};
use stele_circuit::{merkle, poseidon_wide};
use stele_crypto::babyjub::Point;
use stele_crypto::eddsa::Signature;
use stele_crypto::{Fr, MerkleTree, fr_from_str, poseidon};

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

#[derive(Clone, Debug)]
pub enum Gadget {
    Eddsa(EddsaCase),
    Poseidon(usize),
    MerkleUpdate(u32),
}

impl Gadget {
    /// The public values, computed natively.
    pub fn public(&self) -> Vec<Fr> {
        match self {
            Gadget::Eddsa(case) => vec![case.msg, Fr::from(u64::from(case.native()))],
            Gadget::Poseidon(n) => vec![poseidon(&poseidon_inputs(*n))],
            Gadget::MerkleUpdate(depth) => {
                let mut tree = MerkleTree::new(*depth, Fr::zero());
                tree.set_leaf(MERKLE_KEY, Fr::from(8));
                vec![tree.root()]
            }
        }
    }
}

/// The inputs of [`Gadget::Poseidon`]: `1..=n`.
pub fn poseidon_inputs(n: usize) -> Vec<Fr> {
    (1..=n as u64).map(Fr::from).collect()
}

const MERKLE_KEY: u64 = 5;

#[derive(Clone, Debug)]
pub struct GadgetCircuit {
    pub gadget: Gadget,
    /// Rows used (written during synthesis).
    rows: Rc<Cell<usize>>,
}

fn witness(ctx: &mut GateCtx<'_, '_>, x: Fr) -> Var {
    ctx.witness(Value::known(x))
}

impl GadgetCircuit {
    pub fn new(gadget: Gadget) -> GadgetCircuit {
        GadgetCircuit {
            gadget,
            rows: Rc::new(Cell::new(0)),
        }
    }

    /// Rows used, from a mock run at a generous size (which also checks the constraints and
    /// the public values against [`Gadget::public`]).
    pub fn rows(&self) -> usize {
        halo2_proofs::dev::MockProver::run(17, self, vec![self.gadget.public()])
            .expect("synthesis")
            .assert_satisfied();
        self.rows.get()
    }

    /// The public cells.
    fn layout(&self, ctx: &mut GateCtx<'_, '_>, chip: &PoseidonChip) -> Vec<Var> {
        match &self.gadget {
            Gadget::Eddsa(case) => {
                let a = PointVar {
                    x: witness(ctx, case.pubkey.x),
                    y: witness(ctx, case.pubkey.y),
                };
                let r8 = PointVar {
                    x: witness(ctx, case.sig.r8.x),
                    y: witness(ctx, case.sig.r8.y),
                };
                let m = witness(ctx, case.msg);
                let s = witness(ctx, case.sig.s);
                let h = poseidon_wide::poseidon(
                    ctx,
                    chip,
                    &[
                        r8.x.clone(),
                        r8.y.clone(),
                        a.x.clone(),
                        a.y.clone(),
                        m.clone(),
                    ],
                )
                .expect("5 inputs");
                let ok = eddsa::verify(ctx, &a, &r8, &s, &h);
                vec![m, ok.var().clone()]
            }
            Gadget::Poseidon(n) => {
                let vars: Vec<Var> = poseidon_inputs(*n)
                    .iter()
                    .map(|x| witness(ctx, *x))
                    .collect();
                // Two inputs take the dedicated width-3 chip, the others its S-box gate.
                vec![poseidon_wide::poseidon(ctx, chip, &vars).expect("1..=16 inputs")]
            }
            Gadget::MerkleUpdate(depth) => {
                let mut tree = MerkleTree::new(*depth, Fr::zero());
                tree.set_leaf(MERKLE_KEY, Fr::from(7));
                let siblings = tree.siblings(MERKLE_KEY);
                let root = tree.root();
                let k = witness(ctx, Fr::from(MERKLE_KEY));
                let old = witness(ctx, Fr::from(7));
                let new = witness(ctx, Fr::from(8));
                let sibs: Vec<Var> = siblings.iter().map(|s| witness(ctx, *s)).collect();
                let current = witness(ctx, root);
                vec![merkle::map_write(
                    ctx, chip, None, &k, *depth, &old, &new, &sibs, &current,
                )]
            }
        }
    }
}

impl Circuit<Fr> for GadgetCircuit {
    type Config = (GateConfig, PoseidonConfig, Column<Instance>);
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
        let advice = [(); 4].map(|_| meta.advice_column());
        let gate = GateChip::configure(meta, advice);
        let poseidon = PoseidonChip::configure(meta, advice);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        (gate, poseidon, instance)
    }

    fn synthesize(
        &self,
        (gate, poseidon, instance): Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = GateChip::new(gate);
        chip.load_table(&mut layouter)?;
        let poseidon = PoseidonChip::new(poseidon);
        let outs = layouter.assign_region(
            || "gadget",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                let outs = self.layout(&mut ctx, &poseidon);
                self.rows.set(ctx.next_row());
                Ok(outs.iter().map(|v| v.cell()).collect::<Vec<_>>())
            },
        )?;
        for (row, cell) in outs.into_iter().enumerate() {
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
