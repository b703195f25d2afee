//! MockProver tests of `stele_circuit::merkle`: honest map reads and writes at depths 4 and 20
//! against the native `stele_crypto::MerkleTree` (siblings from `MerkleTree::siblings`),
//! chained writes whose running root follows the native tree, guard-off accesses, and the
//! soundness cases: a wrong sibling, a flipped key bit, a key bit of 2, a key `≥ 2^depth`
//! under guard 1, a wrong old leaf, a wrong new root, swapped hash inputs, and a tampered
//! next root under guard 0 are each rejected. The `costs` test measures the rows per access.

use std::cell::Cell as StdCell;
use std::rc::Rc;

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};
use stele_circuit::gates::{Faults, GateChip, GateConfig, GateCtx, Var};
use stele_circuit::merkle::{key_bits, leaf_hash2, map_read, map_read2, map_write, root_from_path};
use stele_circuit::poseidon::{PoseidonChip, PoseidonConfig};
use stele_crypto::{Fr, MerkleTree, hash_list, merkle_root_from_path, poseidon2};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Builds the test's cells in a context; returns the cells made public (instance rows 0..).
type Build = dyn Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var>;

#[derive(Clone, Debug)]
struct TestConfig {
    gate: GateConfig,
    poseidon: PoseidonConfig,
    instance: Column<Instance>,
}

#[derive(Clone)]
struct TestCircuit {
    build: Rc<Build>,
    faults: Faults,
}

impl Circuit<Fr> for TestCircuit {
    type Config = TestConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> TestConfig {
        let advice = [(); 4].map(|_| meta.advice_column());
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        TestConfig {
            gate: GateChip::configure(meta, advice),
            poseidon: PoseidonChip::configure(meta, advice),
            instance,
        }
    }

    fn synthesize(&self, config: TestConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = GateChip::new(config.gate).with_faults(self.faults.clone());
        chip.load_table(&mut layouter)?;
        let poseidon = PoseidonChip::new(config.poseidon);
        let public = layouter.assign_region(
            || "merkle",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                Ok((self.build)(&mut ctx, &poseidon))
            },
        )?;
        for (row, v) in public.iter().enumerate() {
            layouter.constrain_instance(v.cell(), config.instance, row);
        }
        Ok(())
    }
}

fn run(
    k: u32,
    faults: &Faults,
    public: Vec<Fr>,
    build: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static,
) -> Result<(), Vec<VerifyFailure>> {
    let circuit = TestCircuit {
        build: Rc::new(build),
        faults: faults.clone(),
    };
    MockProver::run(k, &circuit, vec![public])
        .expect("synthesis")
        .verify()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Gate,
    Lookup,
    Copy,
}

fn kind(f: &VerifyFailure) -> Kind {
    match f {
        VerifyFailure::ConstraintNotSatisfied { .. } => Kind::Gate,
        VerifyFailure::Lookup { .. } => Kind::Lookup,
        VerifyFailure::Permutation { .. } => Kind::Copy,
        other => panic!("unexpected failure kind: {other:?}"),
    }
}

fn accepts(
    k: u32,
    public: Vec<Fr>,
    build: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static,
) {
    if let Err(failures) = run(k, &Faults::none(), public, build) {
        panic!("honest run rejected: {failures:#?}");
    }
}

/// MockProver rejects with at least one failure of kind `expect`; faults must have landed.
fn rejects(
    k: u32,
    faults: Faults,
    public: Vec<Fr>,
    expect: Kind,
    build: impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static,
) {
    let result = run(k, &faults, public, build);
    if !faults.is_empty() {
        assert!(faults.hits() > 0, "the fault hit no cell");
    }
    match result {
        Ok(()) => panic!("MockProver accepted a witness it must reject"),
        Err(failures) => {
            let kinds: Vec<Kind> = failures.iter().map(kind).collect();
            assert!(
                kinds.contains(&expect),
                "expected a {expect:?} failure, got {failures:#?}"
            );
        }
    }
}

fn kv(x: Fr) -> Value<Fr> {
    Value::known(x)
}

fn known(v: Value<Fr>) -> Fr {
    let mut out = None;
    v.map(|x| out = Some(x));
    out.expect("known value")
}

fn f(x: u64) -> Fr {
    Fr::from(x)
}

fn pow2(n: u32) -> Fr {
    Fr::from(2u64).pow_vartime([u64::from(n)])
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/// One map access as the witness generator sees it.
#[derive(Clone, Debug)]
struct Access {
    /// `None`: unguarded; `Some(g)`: a guard bit with value `g` (the context's `bit` number 0).
    guard: Option<bool>,
    depth: u32,
    key: Fr,
    old_leaf: Fr,
    /// `Some` for a write.
    new_leaf: Option<Fr>,
    siblings: Vec<Fr>,
}

/// A tree of `depth` with a few leaves set (empty leaf 0).
fn sample_tree(depth: u32, entries: &[(u64, Fr)]) -> MerkleTree {
    let mut t = MerkleTree::new(depth, Fr::ZERO);
    for &(i, v) in entries {
        t.set_leaf(i, v);
    }
    t
}

fn entries(depth: u32) -> Vec<(u64, Fr)> {
    let top = (1u64 << depth.min(63)) - 1;
    [
        (0, f(7)),
        (2, hash_list(&[f(11), f(12)])),
        (5, f(99)),
        (top, f(123_456)),
        (top / 3, poseidon2(f(1), f(2))),
    ]
    .into_iter()
    .map(|(i, v)| (i & top, v))
    .collect()
}

fn read(tree: &MerkleTree, guard: Option<bool>, key: u64) -> Access {
    Access {
        guard,
        depth: tree.depth(),
        key: f(key),
        old_leaf: tree.leaf(key),
        new_leaf: None,
        siblings: tree.siblings(key),
    }
}

fn write(tree: &MerkleTree, guard: Option<bool>, key: u64, new_leaf: Fr) -> Access {
    Access {
        new_leaf: Some(new_leaf),
        ..read(tree, guard, key)
    }
}

/// Lays out a sequence of accesses against a running root that starts at `root`: public are
/// the initial root, then the running root after each write.
fn accesses_build(
    root: Fr,
    accesses: Vec<Access>,
) -> impl Fn(&mut GateCtx<'_, '_>, &PoseidonChip) -> Vec<Var> + 'static {
    move |ctx, poseidon| {
        let mut cur = ctx.witness(kv(root));
        let mut public = vec![cur.clone()];
        for a in &accesses {
            let g = a.guard.map(|g| ctx.witness_bit(Value::known(g)));
            let key = ctx.witness(kv(a.key));
            let old = ctx.witness(kv(a.old_leaf));
            let sibs: Vec<Var> = a.siblings.iter().map(|s| ctx.witness(kv(*s))).collect();
            match a.new_leaf {
                None => {
                    map_read(ctx, poseidon, g.as_ref(), &key, a.depth, &old, &sibs, &cur);
                }
                Some(new_leaf) => {
                    let new = ctx.witness(kv(new_leaf));
                    cur = map_write(
                        ctx,
                        poseidon,
                        g.as_ref(),
                        &key,
                        a.depth,
                        &old,
                        &new,
                        &sibs,
                        &cur,
                    );
                    public.push(cur.clone());
                }
            }
        }
        public
    }
}

fn accepts_accesses(k: u32, public: Vec<Fr>, accesses: Vec<Access>) {
    accepts(k, public.clone(), accesses_build(public[0], accesses));
}

fn rejects_accesses(k: u32, faults: Faults, public: Vec<Fr>, expect: Kind, accesses: Vec<Access>) {
    rejects(
        k,
        faults,
        public.clone(),
        expect,
        accesses_build(public[0], accesses),
    );
}

const K4: u32 = 10;
const K20_READ: u32 = 10;
const K20_WRITE: u32 = 11;

// ---------------------------------------------------------------------------------------------
// Honest runs
// ---------------------------------------------------------------------------------------------

#[test]
fn path_gadget_matches_native_root_from_path() {
    for depth in [1u32, 4, 9] {
        let tree = sample_tree(depth, &entries(depth));
        for key in [0u64, 1, 2, (1 << depth) - 1].map(|k| k & ((1 << depth) - 1)) {
            let leaf = tree.leaf(key);
            let sibs = tree.siblings(key);
            let expected = merkle_root_from_path(leaf, key, &sibs);
            assert_eq!(expected, tree.root());
            accepts(K4, vec![expected], move |ctx, poseidon| {
                let k = ctx.witness(kv(f(key)));
                let l = ctx.witness(kv(leaf));
                let s: Vec<Var> = sibs.iter().map(|x| ctx.witness(kv(*x))).collect();
                let root = root_from_path(ctx, poseidon, &k, depth, &l, &s);
                assert_eq!(known(root.value()), expected);
                vec![root]
            });
        }
    }
}

#[test]
fn depth_64_path_with_a_top_key() {
    let key = u64::MAX - 5;
    let tree = sample_tree(64, &[(key, f(5)), (3, f(4))]);
    let (leaf, sibs, root) = (tree.leaf(key), tree.siblings(key), tree.root());
    accepts(12, vec![root], move |ctx, poseidon| {
        let k = ctx.witness(kv(Fr::from(key)));
        let l = ctx.witness(kv(leaf));
        let s: Vec<Var> = sibs.iter().map(|x| ctx.witness(kv(*x))).collect();
        vec![root_from_path(ctx, poseidon, &k, 64, &l, &s)]
    });
}

#[test]
fn honest_reads_at_depth_4() {
    let tree = sample_tree(4, &entries(4));
    for key in 0..16u64 {
        for guard in [None, Some(true)] {
            accepts_accesses(K4, vec![tree.root()], vec![read(&tree, guard, key)]);
        }
    }
}

#[test]
fn honest_reads_at_depth_20() {
    let tree = sample_tree(20, &entries(20));
    for key in [2u64, (1 << 20) - 1, 77] {
        accepts_accesses(
            K20_READ,
            vec![tree.root()],
            vec![read(&tree, Some(true), key)],
        );
    }
}

#[test]
fn honest_write_at_depth_4_and_20() {
    for (depth, k) in [(4u32, K4), (20, K20_WRITE)] {
        let mut tree = sample_tree(depth, &entries(depth));
        let before = tree.root();
        let access = write(&tree, Some(true), 2, f(31337));
        tree.set_leaf(2, f(31337));
        accepts_accesses(k, vec![before, tree.root()], vec![access]);
    }
}

#[test]
fn chained_writes_follow_the_native_tree_depth_4() {
    let mut tree = sample_tree(4, &entries(4));
    let mut public = vec![tree.root()];
    let mut accesses = Vec::new();
    // Overwrite, fresh key, back to empty, same key twice, unguarded, a read in between.
    let plan: [(u64, Fr, Option<bool>); 6] = [
        (2, f(1), Some(true)),
        (9, f(2), Some(true)),
        (0, Fr::ZERO, Some(true)),
        (9, f(3), None),
        (9, hash_list(&[f(4), f(5)]), Some(true)),
        (15, f(6), Some(true)),
    ];
    for (i, (key, value, guard)) in plan.into_iter().enumerate() {
        accesses.push(write(&tree, guard, key, value));
        tree.set_leaf(key, value);
        public.push(tree.root());
        if i == 2 {
            accesses.push(read(&tree, Some(true), 9));
        }
    }
    accepts_accesses(12, public, accesses);
}

#[test]
fn chained_writes_follow_the_native_tree_depth_20() {
    let mut tree = sample_tree(20, &entries(20));
    let mut public = vec![tree.root()];
    let mut accesses = Vec::new();
    for (key, value) in [(123_456u64, f(8)), (123_457, f(9))] {
        accesses.push(write(&tree, Some(true), key, value));
        tree.set_leaf(key, value);
        public.push(tree.root());
    }
    accepts_accesses(12, public, accesses);
}

#[test]
fn guard_off_read_skips_the_check_and_reads_zero() {
    let tree = sample_tree(4, &entries(4));
    let p_minus_1 = -Fr::ONE;
    for key in [f(3), f(16), f(1 << 40), p_minus_1] {
        // Garbage path: wrong leaf, wrong siblings, key possibly out of range.
        let access = Access {
            guard: Some(false),
            depth: 4,
            key,
            old_leaf: f(42),
            new_leaf: None,
            siblings: vec![f(1), f(2), f(3), f(4)],
        };
        accepts_accesses(K4, vec![tree.root()], vec![access]);
    }
    // map_read2: the values read under guard 0 are zero (public), under guard 1 the values.
    let value = [f(11), f(12)];
    for g in [false, true] {
        let sibs = tree.siblings(2);
        let root = tree.root();
        let expected = if g { value } else { [Fr::ZERO; 2] };
        accepts(
            K4,
            vec![root, expected[0], expected[1]],
            move |ctx, poseidon| {
                let cur = ctx.witness(kv(root));
                let gb = ctx.witness_bit(Value::known(g));
                let key = ctx.witness(kv(f(2)));
                let a = ctx.witness(kv(value[0]));
                let b = ctx.witness(kv(value[1]));
                let s: Vec<Var> = sibs.iter().map(|x| ctx.witness(kv(*x))).collect();
                let [ra, rb] = map_read2(ctx, poseidon, Some(&gb), &key, 4, [&a, &b], &s, &cur);
                vec![cur, ra, rb]
            },
        );
    }
}

#[test]
fn leaf_hash2_is_hash_list_of_two() {
    let expected = hash_list(&[f(1), f(2)]);
    assert_eq!(expected, poseidon2(f(1), f(2)));
    accepts(K4, vec![expected], move |ctx, poseidon| {
        let a = ctx.witness(kv(f(1)));
        let b = ctx.witness(kv(f(2)));
        vec![leaf_hash2(ctx, poseidon, &a, &b)]
    });
}

#[test]
fn guard_off_write_keeps_the_root() {
    let tree = sample_tree(4, &entries(4));
    let root = tree.root();
    let honest = write(&tree, Some(false), 2, f(5));
    accepts_accesses(K4, vec![root, root], vec![honest.clone()]);
    // Garbage old leaf and siblings, key out of range: still nothing changes.
    let garbage = Access {
        key: f(1 << 33),
        old_leaf: f(1),
        siblings: vec![f(9); 4],
        ..honest.clone()
    };
    accepts_accesses(K4, vec![root, root], vec![garbage]);
    // Claiming the root the write would give under guard 1 is rejected ...
    let mut changed = tree.clone();
    changed.set_leaf(2, f(5));
    rejects_accesses(
        K4,
        Faults::none(),
        vec![root, changed.root()],
        Kind::Copy,
        vec![honest.clone()],
    );
    // ... and so is a forged next-root cell (the last `select.out`: 2·2·4 path selects, the
    // root check, then the next root).
    rejects_accesses(
        K4,
        Faults::none().set("select.out", 17, changed.root()),
        vec![root, changed.root()],
        Kind::Gate,
        vec![honest],
    );
}

// ---------------------------------------------------------------------------------------------
// Soundness
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_sibling_is_rejected() {
    let tree = sample_tree(4, &entries(4));
    for level in 0..4 {
        let mut a = read(&tree, Some(true), 5);
        a.siblings[level] += Fr::ONE;
        rejects_accesses(K4, Faults::none(), vec![tree.root()], Kind::Copy, vec![a]);
    }
    let mut tree20 = sample_tree(20, &entries(20));
    tree20.set_leaf(1000, f(3));
    let mut a = read(&tree20, Some(true), 1000);
    a.siblings[13] = a.siblings[12];
    rejects_accesses(
        K20_READ,
        Faults::none(),
        vec![tree20.root()],
        Kind::Copy,
        vec![a],
    );
}

#[test]
fn flipped_key_bit_is_rejected() {
    let tree = sample_tree(4, &entries(4));
    for bit in 0..4usize {
        // Key bits are `bit` cells 1..=4 (0 is the guard).
        let flipped = if (5 >> bit) & 1 == 1 {
            Fr::ZERO
        } else {
            Fr::ONE
        };
        rejects_accesses(
            K4,
            Faults::none().set("bit", 1 + bit, flipped),
            vec![tree.root()],
            Kind::Copy,
            vec![read(&tree, Some(true), 5)],
        );
    }
}

#[test]
fn flipped_key_bit_with_a_matching_key_is_rejected() {
    // The prover claims key 5 but walks the path of key 4 (a valid path of the tree): the
    // bits no longer sum to the key.
    let tree = sample_tree(4, &[(4, f(8)), (5, f(8))]);
    let mut a = read(&tree, Some(true), 4);
    a.key = f(5);
    rejects_accesses(
        K4,
        Faults::none().set("bit", 1, Fr::ZERO),
        vec![tree.root()],
        Kind::Copy,
        vec![a],
    );
}

#[test]
fn key_bit_two_is_rejected() {
    // Key 2 = 0b10: bits (0, 1). The forged bits (2, 0) have the same weighted sum.
    let tree = sample_tree(4, &entries(4));
    let faults = Faults::none().set("bit", 1, f(2)).set("bit", 2, Fr::ZERO);
    rejects_accesses(
        K4,
        faults,
        vec![tree.root()],
        Kind::Gate,
        vec![read(&tree, Some(true), 2)],
    );
}

#[test]
fn key_out_of_range_under_guard_is_rejected() {
    let depth = 4;
    let tree = sample_tree(depth, &entries(depth));
    // 2^4 + 2 has the low bits of key 2 and the path of leaf 2 verifies: only the range of the
    // key is wrong. Also 2^4, 2^64 + 2 and p − 1.
    let aliases = [
        pow2(depth) + f(2),
        pow2(depth),
        pow2(64) + f(2),
        -Fr::ONE,
        -Fr::ONE - f(13),
    ];
    for key in aliases {
        let mut a = read(&tree, Some(true), 2);
        a.key = key;
        rejects_accesses(
            K4,
            Faults::none(),
            vec![tree.root()],
            Kind::Copy,
            vec![a.clone()],
        );
        // The same access unguarded is rejected too, and under guard 0 it is accepted.
        a.guard = None;
        rejects_accesses(
            K4,
            Faults::none(),
            vec![tree.root()],
            Kind::Copy,
            vec![a.clone()],
        );
        a.guard = Some(false);
        accepts_accesses(K4, vec![tree.root()], vec![a]);
    }
    // At depth 20 as well.
    let tree20 = sample_tree(20, &entries(20));
    let mut a = read(&tree20, Some(true), 2);
    a.key = pow2(20) + f(2);
    rejects_accesses(
        K20_READ,
        Faults::none(),
        vec![tree20.root()],
        Kind::Copy,
        vec![a],
    );
}

#[test]
fn wrong_old_leaf_is_rejected() {
    let mut tree = sample_tree(4, &entries(4));
    let before = tree.root();
    let mut a = write(&tree, Some(true), 2, f(5));
    a.old_leaf += Fr::ONE;
    tree.set_leaf(2, f(5));
    rejects_accesses(
        K4,
        Faults::none(),
        vec![before, tree.root()],
        Kind::Copy,
        vec![a],
    );
    // A read of an absent key claiming a value.
    let tree = sample_tree(4, &entries(4));
    let mut r = read(&tree, Some(true), 3);
    r.old_leaf = f(1);
    rejects_accesses(K4, Faults::none(), vec![tree.root()], Kind::Copy, vec![r]);
}

#[test]
fn wrong_new_root_is_rejected() {
    let mut tree = sample_tree(4, &entries(4));
    let before = tree.root();
    let a = write(&tree, Some(true), 2, f(5));
    tree.set_leaf(2, f(5));
    let after = tree.root();
    accepts_accesses(K4, vec![before, after], vec![a.clone()]);
    // A claimed next root of another write (another key, another value) or the old root.
    let mut other = sample_tree(4, &entries(4));
    other.set_leaf(3, f(5));
    for claimed in [other.root(), before, after + Fr::ONE] {
        rejects_accesses(
            K4,
            Faults::none(),
            vec![before, claimed],
            Kind::Copy,
            vec![a.clone()],
        );
    }
    // A forged next-root cell (`select.out` 17, see `guard_off_write_keeps_the_root`).
    rejects_accesses(
        K4,
        Faults::none().set("select.out", 17, other.root()),
        vec![before, other.root()],
        Kind::Gate,
        vec![a.clone()],
    );
    // A forged select on the new path (level 3's right input).
    rejects_accesses(
        K4,
        Faults::none().add("select.out", 8 + 7, Fr::ONE),
        vec![before, after],
        Kind::Gate,
        vec![a],
    );
}

/// The native `(left, right)` inputs of every level of the path of `key`.
fn native_levels(leaf: Fr, key: u64, sibs: &[Fr]) -> Vec<(Fr, Fr)> {
    let mut cur = leaf;
    let mut out = Vec::new();
    for (l, s) in sibs.iter().enumerate() {
        let pair = if (key >> l) & 1 == 1 {
            (*s, cur)
        } else {
            (cur, *s)
        };
        out.push(pair);
        cur = poseidon2(pair.0, pair.1);
    }
    out
}

#[test]
fn swapped_left_right_is_rejected() {
    let tree = sample_tree(4, &entries(4));
    let key = 5u64;
    let levels = native_levels(tree.leaf(key), key, &tree.siblings(key));
    for (l, (left, right)) in levels.into_iter().enumerate() {
        // The hash inputs of level l swapped (select.out 2l is left, 2l+1 right).
        let faults =
            Faults::none()
                .set("select.out", 2 * l, right)
                .set("select.out", 2 * l + 1, left);
        rejects_accesses(
            K4,
            faults,
            vec![tree.root()],
            Kind::Gate,
            vec![read(&tree, Some(true), key)],
        );
    }
    // A root computed natively with the order of one level swapped is not accepted as the
    // tree's root for the honest path.
    let sibs = tree.siblings(key);
    let mut cur = tree.leaf(key);
    for (l, s) in sibs.iter().enumerate() {
        let right_child = ((key >> l) & 1 == 1) != (l == 2);
        cur = if right_child {
            poseidon2(*s, cur)
        } else {
            poseidon2(cur, *s)
        };
    }
    assert_ne!(cur, tree.root());
    rejects_accesses(
        K4,
        Faults::none(),
        vec![cur],
        Kind::Copy,
        vec![read(&tree, Some(true), key)],
    );
}

#[test]
fn forged_horner_sum_is_rejected() {
    let tree = sample_tree(4, &entries(4));
    rejects_accesses(
        K4,
        Faults::none().add("mul_add.out", 1, Fr::ONE),
        vec![tree.root()],
        Kind::Gate,
        vec![read(&tree, Some(true), 5)],
    );
}

#[test]
fn forged_masked_key_is_rejected() {
    // Under guard 0 the decomposed key is g·key = 0; forging it to another value is caught.
    let tree = sample_tree(4, &entries(4));
    let mut a = read(&tree, Some(false), 5);
    a.key = pow2(4) + f(5);
    rejects_accesses(
        K4,
        Faults::none().set("mask.out", 0, f(5)),
        vec![tree.root()],
        Kind::Gate,
        vec![a],
    );
}

// ---------------------------------------------------------------------------------------------
// Costs
// ---------------------------------------------------------------------------------------------

/// Rows an access takes in a fresh context (its inputs witnessed in an earlier one).
fn access_rows(depth: u32, is_write: bool) -> usize {
    let tree = sample_tree(depth, &entries(depth));
    let mut a = read(&tree, Some(true), 2);
    if is_write {
        a.new_leaf = Some(f(1));
    }
    let rows = Rc::new(StdCell::new(0));
    let rows_out = rows.clone();
    let root = tree.root();
    let circuit = TestCircuit {
        faults: Faults::none(),
        build: Rc::new(move |ctx: &mut GateCtx<'_, '_>, poseidon: &PoseidonChip| {
            let cur = ctx.witness(kv(root));
            let g = ctx.witness_bit(Value::known(true));
            let key = ctx.witness(kv(a.key));
            let old = ctx.witness(kv(a.old_leaf));
            let new = ctx.witness(kv(f(1)));
            let sibs: Vec<Var> = a.siblings.iter().map(|s| ctx.witness(kv(*s))).collect();
            let before = ctx.height();
            // Burn the free abc slots next to the witnesses so the access starts on fresh
            // rows: every row of the access is counted.
            while ctx.height() == before {
                ctx.witness_bit(Value::known(false));
            }
            let start = ctx.height();
            if is_write {
                map_write(
                    ctx,
                    poseidon,
                    Some(&g),
                    &key,
                    depth,
                    &old,
                    &new,
                    &sibs,
                    &cur,
                );
            } else {
                map_read(ctx, poseidon, Some(&g), &key, depth, &old, &sibs, &cur);
            }
            rows.set(ctx.height() - start);
            vec![cur]
        }),
    };
    MockProver::run(K20_WRITE, &circuit, vec![vec![root]])
        .expect("synthesis")
        .assert_satisfied();
    rows_out.get()
}

#[test]
fn costs() {
    // key mask 1, bits D, constant 1, Horner D − 1, selects 2D per path, hashes 41·D·paths + 1,
    // root check 1, next root 1 (write).
    let formula = |d: usize, paths: usize| {
        1 + d + 1 + (d - 1) + 2 * d * paths + 41 * d * paths + 1 + 1 + (paths - 1)
    };
    let read20 = access_rows(20, false);
    let write20 = access_rows(20, true);
    println!("depth-20 read: {read20} rows, depth-20 write: {write20} rows");
    assert_eq!(read20, formula(20, 1));
    assert_eq!(write20, formula(20, 2));
    assert_eq!(read20, 903);
    assert_eq!(write20, 1764);
    assert_eq!(access_rows(4, false), formula(4, 1));
}

#[test]
fn key_bits_alone() {
    // key_bits on its own: 2^depth − 1 passes, 2^depth fails.
    for depth in [1u32, 8, 63, 64] {
        let max = if depth == 64 {
            Fr::from(u64::MAX)
        } else {
            pow2(depth) - Fr::ONE
        };
        accepts(K4, vec![], move |ctx, _| {
            let k = ctx.witness(kv(max));
            let bits = key_bits(ctx, &k, depth);
            assert_eq!(bits.len(), depth as usize);
            vec![]
        });
        let over = pow2(depth);
        rejects(K4, Faults::none(), vec![], Kind::Copy, move |ctx, _| {
            let k = ctx.witness(kv(over));
            key_bits(ctx, &k, depth);
            vec![]
        });
    }
    // The repr helper reads the canonical integer (little-endian).
    assert_eq!(Fr::from(258u64).to_repr().as_ref()[..2], [2, 1]);
}
