//! The sparse Merkle tree against a naive dense recomputation, and path round trips.

use rand::{Rng, SeedableRng, rngs::StdRng};
use stele_crypto::{Fr, MerkleTree, fr_from_u128, merkle_root_from_path, poseidon2};

/// All levels of the dense tree over `leaves` (level 0 = leaves, last = `[root]`).
fn dense_levels(leaves: &[Fr]) -> Vec<Vec<Fr>> {
    let mut levels = vec![leaves.to_vec()];
    while levels.last().unwrap().len() > 1 {
        let next = levels
            .last()
            .unwrap()
            .chunks(2)
            .map(|p| poseidon2(p[0], p[1]))
            .collect();
        levels.push(next);
    }
    levels
}

#[test]
fn matches_dense_tree_depth4_random_writes() {
    let mut rng = StdRng::seed_from_u64(42);
    for empty in [Fr::zero(), fr_from_u128(777)] {
        let mut tree = MerkleTree::new(4, empty);
        let mut dense = vec![empty; 16];
        assert_eq!(tree.root(), dense_levels(&dense)[4][0]);
        assert_eq!(tree.root(), MerkleTree::empty_root(4, empty));
        for step in 0..300 {
            let i = rng.gen_range(0..16u64);
            // One write in three resets a leaf to empty.
            let v = if rng.gen_range(0..3) == 0 {
                empty
            } else {
                fr_from_u128(rng.gen_range(0..5u128))
            };
            tree.set_leaf(i, v);
            dense[i as usize] = v;
            let levels = dense_levels(&dense);
            assert_eq!(tree.root(), levels[4][0], "step {step}");
            for (l, level) in levels.iter().enumerate() {
                for (j, node) in level.iter().enumerate() {
                    assert_eq!(tree.node(l as u32, j as u64), *node, "level {l} pos {j}");
                }
            }
            for j in 0..16 {
                assert_eq!(tree.leaf(j), dense[j as usize]);
            }
            // Only nodes that differ from the empty tree are stored.
            let expected_stored: usize = levels
                .iter()
                .enumerate()
                .map(|(l, level)| {
                    level
                        .iter()
                        .filter(|n| **n != tree.empty_node(l as u32))
                        .count()
                })
                .sum();
            assert_eq!(tree.stored_nodes(), expected_stored, "step {step}");
        }
        // Reset everything: back to the empty tree with nothing stored.
        for i in 0..16 {
            tree.set_leaf(i, empty);
        }
        assert_eq!(tree.stored_nodes(), 0);
        assert_eq!(tree.non_empty_leaves(), 0);
        assert_eq!(tree.root(), MerkleTree::empty_root(4, empty));
    }
}

#[test]
fn tree_encoding_by_hand_depth2() {
    let z = Fr::zero();
    let a = fr_from_u128(11);
    let mut tree = MerkleTree::new(2, z);
    tree.set_leaf(2, a); // index 0b10: left child at level 0, right child at level 1.
    let e1 = poseidon2(z, z);
    let expected = poseidon2(e1, poseidon2(a, z));
    assert_eq!(tree.root(), expected);
    assert_eq!(tree.siblings(2), vec![z, e1]);
    assert_eq!(tree.depth(), 2);
}

#[test]
fn empty_roots() {
    let z = Fr::zero();
    let mut e = z;
    for d in 0..=64u32 {
        assert_eq!(MerkleTree::empty_root(d, z), e);
        if d >= 1 {
            let t = MerkleTree::new(d, z);
            assert_eq!(t.root(), e);
            assert_eq!(t.empty_node(d), e);
        }
        e = poseidon2(e, e);
    }
}

#[test]
fn siblings_round_trip() {
    let mut rng = StdRng::seed_from_u64(7);
    for depth in [1u32, 4, 20, 64] {
        let mut tree = MerkleTree::new(depth, Fr::zero());
        let max = if depth == 64 {
            u64::MAX
        } else {
            (1u64 << depth) - 1
        };
        let mut indices: Vec<u64> = (0..40).map(|_| rng.gen_range(0..=max)).collect();
        indices.extend([0, max]);
        for (k, &i) in indices.iter().enumerate() {
            tree.set_leaf(i, fr_from_u128(k as u128 + 1));
        }
        for &i in &indices {
            let sib = tree.siblings(i);
            assert_eq!(sib.len(), depth as usize);
            assert_eq!(merkle_root_from_path(tree.leaf(i), i, &sib), tree.root());
            // An empty slot proves emptiness the same way.
            let j = i ^ 1;
            assert_eq!(
                merkle_root_from_path(tree.leaf(j), j, &tree.siblings(j)),
                tree.root()
            );
            // A wrong leaf does not.
            assert_ne!(
                merkle_root_from_path(tree.leaf(i) + Fr::one(), i, &sib),
                tree.root()
            );
        }
        assert!(tree.stored_nodes() <= indices.len() * (depth as usize + 1));
    }
}

#[test]
fn path_of_length_zero_is_the_leaf() {
    assert_eq!(merkle_root_from_path(Fr::one(), 0, &[]), Fr::one());
}

#[test]
#[should_panic(expected = "out of range")]
fn set_leaf_out_of_range_panics() {
    MerkleTree::new(4, Fr::zero()).set_leaf(16, Fr::one());
}

#[test]
#[should_panic(expected = "out of range")]
fn path_index_out_of_range_panics() {
    merkle_root_from_path(Fr::one(), 2, &[Fr::zero()]);
}

#[test]
#[should_panic(expected = "not in 1..=64")]
fn depth_zero_panics() {
    MerkleTree::new(0, Fr::zero());
}

#[test]
#[should_panic(expected = "not in 1..=64")]
fn depth_65_panics() {
    MerkleTree::new(65, Fr::zero());
}
