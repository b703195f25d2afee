//! Merkle map access in the circuit: a fixed-depth Poseidon Merkle path, and guarded map
//! **reads** and **writes** against a running state root, exactly as `docs/state-commitment.md`
//! ("Merkle tree", "Maps") and the native [`stele_crypto::MerkleTree`] define them.
//!
//! # The path
//!
//! [`root_from_path`] takes a `key` cell (an unsigned integer), a depth `D` (1..=64), a leaf cell
//! and the `D` sibling cells (leaf level first, as [`stele_crypto::MerkleTree::siblings`]
//! returns them), and computes the root:
//!
//! 1. **Key bits** ([`key_bits`]): `D` fresh cells `b_0 .. b_{D-1}` (least significant first),
//!    each constrained boolean (`b·b − b = 0`), and the Horner sum
//!    `((b_{D-1}·2 + b_{D-2})·2 + …)·2 + b_0` copy-constrained to the key.
//! 2. **Levels**: for `l = 0 .. D − 1`, `left = select(b_l, sib_l, cur)`,
//!    `right = select(b_l, cur, sib_l)`, `cur = poseidon2(left, right)` on the
//!    [`PoseidonChip`] (both inputs copy-constrained into the hash's input row, its output
//!    copied into the next level's selects). Bit `l` = 1 says the path node at level `l` is a
//!    right child, so the sibling is the left input: the node rule of the spec.
//!
//! **No aliasing.** The bits are booleans and `D ≤ 64`, so their weighted sum is an integer in
//! `[0, 2^D − 1] ⊂ [0, 2^64) ⊂ [0, p)`: it never wraps modulo p, and the field element it
//! equals is the key. Integers below p are distinct field elements, so the key's canonical
//! integer *is* that sum: the key is below `2^D` and the bits are its binary digits (unique).
//! A key `≥ 2^D` — in particular `k + 2^D` for a valid `k`, or any field element above `2^64`
//! such as `p − 1` — equals no such sum, so it has no satisfying witness; two keys can never
//! verify against the same path.
//!
//! # Guarded accesses
//!
//! The IR's semantics under a guard bit `g`: with `g = 0` an access neither fails nor changes
//! anything and the read values are zero; with `g = 1` it must be correct. Both gadgets:
//!
//! - decompose the **masked key** `g·key` (1 row), not the key: with `g = 1` it is the key, so
//!   a key `≥ 2^D` has no witness (see above); with `g = 0` it is 0, whose decomposition always
//!   exists, so the key may be anything (even `≥ 2^D` or `≥ 2^64`) and the gadget cannot fail.
//!   The path is then the one of leaf 0 with whatever siblings the witness holds; it is never
//!   compared with anything that matters.
//! - check the computed root against the current one as `select(g, computed, current) =
//!   current` (one `select` row and a copy constraint), which is
//!   `g·(computed − current) + current = current`, i.e. `g·(computed − current) = 0`.
//!
//! [`map_read`]: computes the root of the leaf and checks it. The read *values* are the
//! caller's: it hashes them into the leaf (for 2 scalars with [`leaf_hash2`]) and must return
//! `g·v` for each value `v` ([`GateCtx::mask`]), so that they are zero under `g = 0` (with
//! `g = 0` the leaf, hence the values, are unconstrained). [`map_read2`] does all of that for a
//! 2-scalar value.
//!
//! [`map_write`]: one decomposition of the key and one set of siblings for two paths: the old
//! leaf's root, checked against the current root as above, and the new leaf's root; the next
//! root is `select(g, new_root, current_root)` (one row). With `g = 0` it is the current root,
//! whatever the witness; with `g = 1` the old leaf is proven to be the one stored at `key`
//! under the current root (Poseidon being collision resistant, the siblings are then the true
//! ones), and since the new path uses the same siblings and bits, the new root is that of the
//! same tree with only leaf `key` replaced.
//!
//! Without a guard (`g = None`) the masking row disappears and the check is a plain copy
//! constraint; the next root of a write is the new root.
//!
//! # Leaf hashes
//!
//! The leaf of a map value is `hash_list` of its commitment scalars. For exactly 2 scalars that
//! is one `poseidon2`: [`leaf_hash2`]. Other widths come from a wide-Poseidon gadget; every
//! gadget here therefore takes the leaf hash as a cell.
//!
//! # Layout and cost
//!
//! Everything goes through a [`GateCtx`]: the Poseidon hashes of one access form one batch in
//! rows set aside with [`GateCtx::reserve`] (41 rows per hash plus one), the gate rows are
//! allocated by the context around them. Per access of depth `D` (rows; see
//! `tests/merkle.rs`, `costs`, which measures them):
//!
//! | part | rows |
//! |---|---|
//! | key mask (guarded only) | 1 |
//! | key bits (boolean) | D |
//! | Horner sum (`mul_add`, the constant 2 once per context) | D − 1 (+1) |
//! | selects | 2·D per path |
//! | hashes | 41·D + 1 per read, 82·D + 1 per write (one batch) |
//! | root check, next root | 1, 2 |
//!
//! So a depth-20 read is 41·20 + 1 + 20 + 19 + 1 + 40 + 1 + 1 = 903 rows, and a depth-20 write
//! 82·20 + 1 + 20 + 19 + 1 + 80 + 1 + 2 = 1764 rows (leaf hashes not included: [`leaf_hash2`]
//! is 42 rows on its own).
//!
//! # Fault-injection labels
//!
//! The gadgets use the [`GateCtx`] gadgets only, so their cells carry those labels: key bits
//! are `bit` (least significant first, after any `bit` the caller made), the Horner sum
//! `mul_add.out`, the masked key `mask.out`, the selects `select.out` (per level: left, then
//! right; for a write the old path's `2·D`, then the new path's `2·D`; then the root check,
//! then for a write the next root).
//!
//! # Missing in the chips (implemented here instead)
//!
//! Nothing needed a change in `gates` or `poseidon`. Two conveniences would help other users:
//! a `GateCtx` method that runs a closure with the region and a reserved row band for another
//! chip (here [`GateCtx::reserve`] plus the crate-internal `region_mut`), and a conversion from
//! a Poseidon output cell to a [`Var`] (here [`hashed_var`]).

use halo2_proofs::circuit::AssignedCell;
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::plonk::Assigned;
use stele_crypto::Fr;

use crate::gates::{Bit, GateCtx, Var};
use crate::poseidon::{HashInput, PoseidonChip, rows_for};

/// The largest map depth (keys are at most 64-bit integers).
pub const MAX_DEPTH: u32 = 64;

fn check_depth(depth: u32) {
    assert!(
        (1..=MAX_DEPTH).contains(&depth),
        "Merkle depth must be 1..={MAX_DEPTH}, not {depth}"
    );
}

/// A Poseidon output cell as a [`Var`] for the gate gadgets.
pub fn hashed_var(cell: &AssignedCell<&Assigned<Fr>, Fr>) -> Var {
    Var::new(cell.cell(), cell.value().map(|v| v.evaluate()))
}

fn input(v: &Var) -> HashInput {
    HashInput::Cell(v.cell(), v.value())
}

/// Bit `i` of the canonical integer of `x` (bits above 255 are 0).
fn bit_of(x: &Fr, i: u32) -> bool {
    let repr = x.to_repr();
    let byte = repr.as_ref()[(i / 8) as usize];
    (byte >> (i % 8)) & 1 == 1
}

/// The `depth` bits of `key` (least significant first): booleans whose weighted sum is
/// copy-constrained to `key`, which proves `key < 2^depth` (see the module docs: the sum of at
/// most 64 bits cannot wrap). The witness is the low `depth` bits of the key's value, so a key
/// `≥ 2^depth` gives a witness that fails the copy constraint.
///
/// Rows: `depth` boolean rows, `depth − 1` `mul_add` rows and the constant 2 (cached).
///
/// # Panics
/// If `depth` is not in 1..=64.
pub fn key_bits(ctx: &mut GateCtx<'_, '_>, key: &Var, depth: u32) -> Vec<Bit> {
    check_depth(depth);
    let bits: Vec<Bit> = (0..depth)
        .map(|i| ctx.witness_bit(key.value().map(|k| bit_of(&k, i))))
        .collect();
    let mut acc: Var = bits[depth as usize - 1].var().clone();
    if depth > 1 {
        let two = ctx.constant(Fr::from(2u64));
        for bit in bits[..depth as usize - 1].iter().rev() {
            acc = ctx.mul_add(&acc, &two, bit.var());
        }
    }
    ctx.assert_equal(&acc, key);
    bits
}

/// The root of the path of `leaf` whose node at level `l` is a right child iff `bits[l] = 1`,
/// with the given siblings (leaf level first). All `bits.len()` hashes form one Poseidon batch
/// in rows reserved in `ctx`; per level two `select` rows.
///
/// # Panics
/// If `bits` and `siblings` differ in length or are empty.
pub fn root_from_bits(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    leaf: &Var,
    bits: &[Bit],
    siblings: &[Var],
) -> Var {
    roots_from_bits(ctx, poseidon, &[leaf], bits, siblings)
        .pop()
        .expect("one root")
}

/// [`root_from_bits`] for several leaves on the same path (same bits, same siblings), all
/// hashes in one batch: the old and the new root of a write.
fn roots_from_bits(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    leaves: &[&Var],
    bits: &[Bit],
    siblings: &[Var],
) -> Vec<Var> {
    assert!(!bits.is_empty(), "a Merkle path has at least one level");
    assert_eq!(bits.len(), siblings.len(), "one sibling per key bit");
    let start = ctx.reserve(rows_for(leaves.len() * bits.len()));
    let mut batch = poseidon.batch(start);
    let mut roots = Vec::with_capacity(leaves.len());
    for leaf in leaves {
        let mut cur = (*leaf).clone();
        for (bit, sib) in bits.iter().zip(siblings) {
            let left = ctx.select(bit, sib, &cur);
            let right = ctx.select(bit, &cur, sib);
            let hashed = batch
                .hash2(ctx.region_mut(), input(&left), input(&right))
                .expect("assigning a Poseidon hash");
            cur = hashed_var(&hashed.out);
        }
        roots.push(cur);
    }
    debug_assert_eq!(batch.end_row(), start + rows_for(leaves.len() * bits.len()));
    roots
}

/// The root of the Merkle path of `leaf` at index `key` in a tree of depth `depth`
/// (= `siblings.len()`), constraining `key < 2^depth` (no guard: a key out of range has no
/// witness). See the module docs.
///
/// # Panics
/// If `depth` is not in 1..=64 or `siblings.len() != depth`.
pub fn root_from_path(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    key: &Var,
    depth: u32,
    leaf: &Var,
    siblings: &[Var],
) -> Var {
    check_depth(depth);
    assert_eq!(siblings.len(), depth as usize, "one sibling per level");
    let bits = key_bits(ctx, key, depth);
    root_from_bits(ctx, poseidon, leaf, &bits, siblings)
}

/// The leaf of a 2-scalar map value: `hash_list([a, b]) = poseidon2(a, b)`. One hash in
/// `rows_for(1)` = 42 rows reserved in `ctx`.
pub fn leaf_hash2(ctx: &mut GateCtx<'_, '_>, poseidon: &PoseidonChip, a: &Var, b: &Var) -> Var {
    let start = ctx.reserve(rows_for(1));
    let mut batch = poseidon.batch(start);
    let hashed = batch
        .hash2(ctx.region_mut(), input(a), input(b))
        .expect("assigning a Poseidon hash");
    hashed_var(&hashed.out)
}

/// The key the path is decomposed from: `g·key` (see the module docs).
fn path_key(ctx: &mut GateCtx<'_, '_>, g: Option<&Bit>, key: &Var) -> Var {
    ctx.mask(g, key)
}

/// `g·(computed − current) = 0` as `select(g, computed, current) = current`; a copy
/// constraint without a guard.
fn check_root(ctx: &mut GateCtx<'_, '_>, g: Option<&Bit>, computed: &Var, current: &Var) {
    match g {
        Some(g) => {
            let picked = ctx.select(g, computed, current);
            ctx.assert_equal(&picked, current);
        }
        None => ctx.assert_equal(computed, current),
    }
}

fn check_path(depth: u32, siblings: &[Var]) {
    check_depth(depth);
    assert_eq!(siblings.len(), depth as usize, "one sibling per level");
}

/// A guarded map read: `leaf` (the hash of the value read) is stored at `key` under
/// `current_root`, checked as `g·(root(key, leaf, siblings) − current_root) = 0`. With `g = 1`
/// and `key ≥ 2^depth` there is no witness; with `g = 0` nothing is checked and the key may be
/// anything. The caller masks the values it read with `g` (see [`map_read2`]). Returns the
/// computed root (meaningful only when `g = 1`).
///
/// # Panics
/// If `depth` is not in 1..=64 or `siblings.len() != depth`.
#[allow(clippy::too_many_arguments)]
pub fn map_read(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    g: Option<&Bit>,
    key: &Var,
    depth: u32,
    leaf: &Var,
    siblings: &[Var],
    current_root: &Var,
) -> Var {
    check_path(depth, siblings);
    let k = path_key(ctx, g, key);
    let bits = key_bits(ctx, &k, depth);
    let root = root_from_bits(ctx, poseidon, leaf, &bits, siblings);
    check_root(ctx, g, &root, current_root);
    root
}

/// [`map_read`] of a 2-scalar value `(a, b)`: hashes the leaf with [`leaf_hash2`], checks the
/// read, and returns `(g·a, g·b)`, the IR's read values (zero when `g = 0`).
#[allow(clippy::too_many_arguments)]
pub fn map_read2(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    g: Option<&Bit>,
    key: &Var,
    depth: u32,
    value: [&Var; 2],
    siblings: &[Var],
    current_root: &Var,
) -> [Var; 2] {
    let leaf = leaf_hash2(ctx, poseidon, value[0], value[1]);
    map_read(ctx, poseidon, g, key, depth, &leaf, siblings, current_root);
    value.map(|v| ctx.mask(g, v))
}

/// A guarded map write: `old_leaf` is stored at `key` under `current_root` (checked as in
/// [`map_read`], same siblings), and the returned next root is
/// `select(g, root(key, new_leaf, siblings), current_root)`: the root with leaf `key` replaced
/// by `new_leaf` when `g = 1`, the current root when `g = 0`.
///
/// # Panics
/// If `depth` is not in 1..=64 or `siblings.len() != depth`.
#[allow(clippy::too_many_arguments)]
pub fn map_write(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    g: Option<&Bit>,
    key: &Var,
    depth: u32,
    old_leaf: &Var,
    new_leaf: &Var,
    siblings: &[Var],
    current_root: &Var,
) -> Var {
    map_update(
        ctx,
        poseidon,
        g,
        g,
        key,
        depth,
        old_leaf,
        new_leaf,
        siblings,
        current_root,
    )
}

/// [`map_write`] with a separate write guard `w`, which must imply `g` (`w = 1 ⇒ g = 1`; the
/// caller's duty): the old leaf is checked under `g` and the next root is
/// `select(w, root(key, new_leaf, siblings), current_root)`. With `g = 1, w = 0` it is a
/// [`map_read`] of `old_leaf` that keeps the root: the block circuit's shared ports, where
/// one transition may read and another write through the same path.
///
/// # Panics
/// If `depth` is not in 1..=64 or `siblings.len() != depth`.
#[allow(clippy::too_many_arguments)]
pub fn map_update(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    g: Option<&Bit>,
    w: Option<&Bit>,
    key: &Var,
    depth: u32,
    old_leaf: &Var,
    new_leaf: &Var,
    siblings: &[Var],
    current_root: &Var,
) -> Var {
    check_path(depth, siblings);
    let k = path_key(ctx, g, key);
    let bits = key_bits(ctx, &k, depth);
    let roots = roots_from_bits(ctx, poseidon, &[old_leaf, new_leaf], &bits, siblings);
    check_root(ctx, g, &roots[0], current_root);
    match w {
        Some(w) => ctx.select(w, &roots[1], current_root),
        None => roots[1].clone(),
    }
}
