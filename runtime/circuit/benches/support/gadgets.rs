//! The standard library's circuit gadgets, each alone in a circuit of the block circuit's
//! columns (`tests/support/chips.rs`): the circuits of `std_gadgets` and of
//! `versus_halo2_base`'s Stele side for single gadgets.
//!
//! - [`Gadget::Eddsa`]: one `std::eddsa::verify`, the 5-input Poseidon of the challenge and the
//!   verification chip; public: the message and the verdict.
//! - [`Gadget::Poseidon`]: one `std::hash::poseidon` of `N` inputs `1..=N` (N = 2 on the
//!   dedicated chip, the others on its S-box gate); public: the hash.
//! - [`Gadget::MerkleUpdate`]: one write to a depth-`D` Merkle map (old and new leaf on one
//!   shared path, the key's bits checked); public: the new root.

use halo2_proofs::circuit::Value;
use stele_circuit::eddsa::{self, PointVar};
use stele_circuit::gates::{GateCtx, Var};
use stele_circuit::poseidon::PoseidonChip;
use stele_circuit::{merkle, poseidon_wide};
use stele_crypto::{Fr, MerkleTree, poseidon};

use crate::chips::{ChipCircuit, EddsaCase};

#[derive(Clone, Debug)]
pub enum Gadget {
    Eddsa(EddsaCase),
    Poseidon(usize),
    MerkleUpdate(u32),
}

/// The inputs of [`Gadget::Poseidon`]: `1..=n`.
pub fn poseidon_inputs(n: usize) -> Vec<Fr> {
    (1..=n as u64).map(Fr::from).collect()
}

const MERKLE_KEY: u64 = 5;

fn witness(ctx: &mut GateCtx<'_, '_>, x: Fr) -> Var {
    ctx.witness(Value::known(x))
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

    /// The gadget alone in a circuit of the block circuit's columns.
    pub fn circuit(&self) -> ChipCircuit {
        let gadget = self.clone();
        ChipCircuit::new(move |ctx, chip| gadget.layout(ctx, chip))
    }

    /// Rows used, from a mock run at a generous size (which also checks the constraints and
    /// the public values against [`Gadget::public`]).
    pub fn rows(&self) -> usize {
        let circuit = self.circuit();
        halo2_proofs::dev::MockProver::run(17, &circuit, vec![self.public()])
            .expect("synthesis")
            .assert_satisfied();
        circuit.height()
    }

    /// The public cells.
    fn layout(&self, ctx: &mut GateCtx<'_, '_>, chip: &PoseidonChip) -> Vec<Var> {
        match self {
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
