//! Criterion benchmark of the standard library's circuit gadgets, each alone in a circuit of the
//! block circuit's columns (4 advice columns, the gate chip, the width-3 Poseidon chip, one
//! instance column), at the smallest `k` that fits: rows, then keygen-free prove time.
//!
//! - `eddsa`: one `std::eddsa::verify` (a circomlibjs signature): the 5-input Poseidon of the
//!   challenge and the verification chip; the verdict is the public input.
//! - `poseidon/N`: one `std::hash::poseidon` of `N` inputs (N = 2 on the dedicated chip, the
//!   others on the gate); the hash is public.
//! - `merkle_update/D`: one write to a depth-`D` Merkle map (old and new leaf on one shared path,
//!   the key's bits checked); the new root is public.
//!
//! The rows and `k` are printed once per workload (`cargo bench -p stele-circuit --bench
//! std_gadgets`). SHPLONK over KZG/BN254, Blake2b transcript; the setup is a TEST-ONLY seeded
//! one.

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::bn256::Bn256;
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use stele_circuit::eddsa::{self, PointVar};
use stele_circuit::gates::{GateChip, GateConfig, GateCtx, Var};
use stele_circuit::poseidon::{PoseidonChip, PoseidonConfig};
use stele_circuit::{merkle, poseidon_wide, proof};
use stele_crypto::eddsa::PrivateKey;
use stele_crypto::{Fr, MerkleTree, poseidon};

#[derive(Clone, Debug)]
enum Workload {
    Eddsa,
    Poseidon(usize),
    MerkleUpdate(u32),
}

#[derive(Clone, Debug)]
struct GadgetCircuit {
    workload: Workload,
    /// Rows used (written during synthesis).
    rows: Rc<Cell<usize>>,
}

fn witness(ctx: &mut GateCtx<'_, '_>, x: Fr) -> Var {
    ctx.witness(Value::known(x))
}

impl GadgetCircuit {
    /// The public output.
    fn layout(&self, ctx: &mut GateCtx<'_, '_>, chip: &PoseidonChip) -> Var {
        match self.workload {
            Workload::Eddsa => {
                let key = PrivateKey::from_bytes([3; 32]);
                let msg = Fr::from(1234);
                let sig = key.sign(msg);
                let pk = key.public_key();
                let a = PointVar {
                    x: witness(ctx, pk.x),
                    y: witness(ctx, pk.y),
                };
                let r8 = PointVar {
                    x: witness(ctx, sig.r8.x),
                    y: witness(ctx, sig.r8.y),
                };
                let m = witness(ctx, msg);
                let s = witness(ctx, sig.s);
                let h = poseidon_wide::poseidon(
                    ctx,
                    chip,
                    &[r8.x.clone(), r8.y.clone(), a.x.clone(), a.y.clone(), m],
                )
                .expect("5 inputs");
                let ok = eddsa::verify(ctx, &a, &r8, &s, &h);
                ok.var().clone()
            }
            Workload::Poseidon(n) => {
                let xs: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i + 1)).collect();
                let vars: Vec<Var> = xs.iter().map(|x| witness(ctx, *x)).collect();
                poseidon_wide::poseidon(ctx, chip, &vars).expect("1..=16 inputs")
            }
            Workload::MerkleUpdate(depth) => {
                let key = 5u64;
                let mut tree = MerkleTree::new(depth, Fr::zero());
                tree.set_leaf(key, Fr::from(7));
                let siblings = tree.siblings(key);
                let root = tree.root();
                let k = witness(ctx, Fr::from(key));
                let old = witness(ctx, Fr::from(7));
                let new = witness(ctx, Fr::from(8));
                let sibs: Vec<Var> = siblings.iter().map(|s| witness(ctx, *s)).collect();
                let current = witness(ctx, root);
                merkle::map_write(ctx, chip, None, &k, depth, &old, &new, &sibs, &current)
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
        let out = layouter.assign_region(
            || "gadget",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                let out = self.layout(&mut ctx, &poseidon);
                self.rows.set(ctx.next_row());
                Ok(out.cell())
            },
        )?;
        layouter.constrain_instance(out, instance, 0);
        Ok(())
    }
}

/// Smallest `k` whose usable rows (2^k minus the blinding rows) hold `rows`, at least 9 for the
/// range table.
fn smallest_k(rows: usize) -> u32 {
    (9..).find(|&k| (1usize << k) >= rows + 7).unwrap()
}

fn native_output(workload: &Workload) -> Fr {
    match workload {
        Workload::Eddsa => Fr::one(),
        Workload::Poseidon(n) => poseidon(&(1..=*n as u64).map(Fr::from).collect::<Vec<_>>()),
        Workload::MerkleUpdate(depth) => {
            let mut tree = MerkleTree::new(*depth, Fr::zero());
            tree.set_leaf(5, Fr::from(8));
            tree.root()
        }
    }
}

fn bench_workload(c: &mut Criterion, name: &str, workload: Workload) {
    let circuit = GadgetCircuit {
        workload: workload.clone(),
        rows: Rc::new(Cell::new(0)),
    };
    let public = native_output(&workload);
    // Measure the rows with a mock run at a generous size.
    halo2_proofs::dev::MockProver::run(17, &circuit, vec![vec![public]])
        .expect("synthesis")
        .assert_satisfied();
    let rows = circuit.rows.get();
    let k = smallest_k(rows);
    // TEST ONLY: a setup whose toxic waste is known.
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed([0; 32]));
    let (_, pk) = proof::keygen(&params, &circuit).expect("keys");
    let prove = || {
        let rng = ChaCha20Rng::seed_from_u64(1);
        proof::prove(&params, &pk, circuit.clone(), &[&[public]], rng).expect("proof")
    };
    let t = Instant::now();
    let bytes = prove();
    let once = t.elapsed();
    assert!(proof::verify(&params, pk.get_vk(), &[&[public]], &bytes));
    println!("{name}: {rows} rows, k = {k}; one proof {once:.2?}");

    let mut group = c.benchmark_group(format!("std_gadgets/{name}_k{k}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("prove", |b| b.iter(|| black_box(prove())));
    group.finish();
}

fn bench_all(c: &mut Criterion) {
    bench_workload(c, "eddsa", Workload::Eddsa);
    for n in [1, 2, 4, 8, 16] {
        bench_workload(c, &format!("poseidon/{n}"), Workload::Poseidon(n));
    }
    for depth in [20, 32] {
        bench_workload(
            c,
            &format!("merkle_update/{depth}"),
            Workload::MerkleUpdate(depth),
        );
    }
}

criterion_group!(benches, bench_all);
criterion_main!(benches);
