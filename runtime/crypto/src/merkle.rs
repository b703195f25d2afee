//! A fixed-depth sparse binary Poseidon Merkle tree (encoding: docs/state-commitment.md).

use std::collections::HashMap;

use crate::{Fr, poseidon2};

/// Largest supported depth (indices are `u64`).
pub const MAX_DEPTH: u32 = 64;

/// A fixed-depth binary Merkle tree of `2^depth` leaves, every leaf initially `empty_leaf`.
///
/// * Level 0 holds the leaves, leaf `i` at position `i`; the node at level `l + 1`, position
///   `j` is `poseidon2(node_l[2j], node_l[2j + 1])`; the root is the single node at level
///   `depth`.
/// * Bit `l` of a leaf index (least significant first) says whether the path node at level `l`
///   is a right child (1) or a left child (0).
/// * The empty subtree of height `l` has root `E_l`: `E_0 = empty_leaf`,
///   `E_{l+1} = poseidon2(E_l, E_l)`.
///
/// Only nodes that differ from the empty tree's node at the same place (`E_l`) are stored, so
/// memory is at most `depth + 1` nodes per non-empty leaf; setting a leaf back to `empty_leaf`
/// removes exactly the nodes it had added.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    depth: u32,
    /// `E_0 ..= E_depth`.
    empty: Vec<Fr>,
    /// `depth + 1` levels; level `l` maps a position to its node when that is not `E_l`.
    levels: Vec<HashMap<u64, Fr>>,
}

impl MerkleTree {
    /// An empty tree of the given depth.
    ///
    /// # Panics
    /// If `depth` is 0 or greater than 64.
    pub fn new(depth: u32, empty_leaf: Fr) -> Self {
        assert!(
            (1..=MAX_DEPTH).contains(&depth),
            "Merkle tree depth {depth} is not in 1..=64"
        );
        MerkleTree {
            depth,
            empty: empty_nodes(depth, empty_leaf),
            levels: vec![HashMap::new(); depth as usize + 1],
        }
    }

    /// The depth (number of levels above the leaves).
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The root (the node at level `depth`).
    pub fn root(&self) -> Fr {
        self.node(self.depth, 0)
    }

    /// The leaf at `index` (`empty_leaf` where never set).
    ///
    /// # Panics
    /// If `index >= 2^depth`.
    pub fn leaf(&self, index: u64) -> Fr {
        self.check_index(index);
        self.node(0, index)
    }

    /// The node at `level` (0 = leaves, `depth` = root) and `position` (`< 2^(depth - level)`).
    ///
    /// # Panics
    /// If `level > depth` or the position is out of range.
    pub fn node(&self, level: u32, position: u64) -> Fr {
        assert!(level <= self.depth, "level {level} above the root");
        let width_bits = self.depth - level;
        assert!(
            width_bits >= 64 || position < (1u64 << width_bits),
            "position {position} out of range at level {level}"
        );
        let l = level as usize;
        self.levels[l]
            .get(&position)
            .copied()
            .unwrap_or(self.empty[l])
    }

    /// The root of an empty subtree of height `level` (`E_level`).
    ///
    /// # Panics
    /// If `level > depth`.
    pub fn empty_node(&self, level: u32) -> Fr {
        self.empty[level as usize]
    }

    /// Number of stored (non-empty) nodes over all levels, leaves included.
    pub fn stored_nodes(&self) -> usize {
        self.levels.iter().map(HashMap::len).sum()
    }

    /// Number of leaves that differ from `empty_leaf`.
    pub fn non_empty_leaves(&self) -> usize {
        self.levels[0].len()
    }

    /// Sets leaf `index` and recomputes its path to the root (at most `depth` hashes; none
    /// for a subtree that stays empty, none if the leaf does not change).
    ///
    /// # Panics
    /// If `index >= 2^depth` (the caller checks).
    pub fn set_leaf(&mut self, index: u64, leaf: Fr) {
        self.check_index(index);
        if self.node(0, index) == leaf {
            return;
        }
        self.store(0, index, leaf);
        let mut cur = leaf;
        let mut pos = index;
        for l in 0..self.depth as usize {
            let empty = self.empty[l];
            let sibling = self.levels[l].get(&(pos ^ 1)).copied().unwrap_or(empty);
            let parent = if cur == empty && sibling == empty {
                self.empty[l + 1]
            } else if pos & 1 == 0 {
                poseidon2(cur, sibling)
            } else {
                poseidon2(sibling, cur)
            };
            pos >>= 1;
            self.store(l + 1, pos, parent);
            cur = parent;
        }
    }

    /// The `depth` siblings of the path of leaf `index`, from the leaf level up: element `l`
    /// is the node at level `l`, position `(index >> l) ^ 1`.
    ///
    /// # Panics
    /// If `index >= 2^depth`.
    pub fn siblings(&self, index: u64) -> Vec<Fr> {
        self.check_index(index);
        (0..self.depth)
            .map(|l| self.node(l, (index >> l) ^ 1))
            .collect()
    }

    /// The root of an empty tree: `E_depth` for `E_0 = empty_leaf`.
    pub fn empty_root(depth: u32, empty_leaf: Fr) -> Fr {
        (0..depth).fold(empty_leaf, |e, _| poseidon2(e, e))
    }

    fn check_index(&self, index: u64) {
        assert!(
            self.depth >= 64 || index < (1u64 << self.depth),
            "leaf index {index} out of range for a tree of depth {}",
            self.depth
        );
    }

    fn store(&mut self, level: usize, position: u64, value: Fr) {
        if value == self.empty[level] {
            self.levels[level].remove(&position);
        } else {
            self.levels[level].insert(position, value);
        }
    }
}

/// `E_0 ..= E_depth`.
fn empty_nodes(depth: u32, empty_leaf: Fr) -> Vec<Fr> {
    let mut v = Vec::with_capacity(depth as usize + 1);
    v.push(empty_leaf);
    for l in 0..depth as usize {
        v.push(poseidon2(v[l], v[l]));
    }
    v
}

/// Recomputes a root from a leaf, its index and its `siblings` (from the leaf level up, as
/// returned by [`MerkleTree::siblings`]); the path length is the depth. For each level `l`,
/// `cur = poseidon2(cur, siblings[l])` if bit `l` of `index` is 0, else
/// `poseidon2(siblings[l], cur)`. With no siblings the result is `leaf`.
///
/// # Panics
/// If `siblings.len() > 64`, or `index >= 2^siblings.len()` (bits above the path would be
/// ignored otherwise, so two indices would verify against one path; the caller checks).
pub fn merkle_root_from_path(leaf: Fr, index: u64, siblings: &[Fr]) -> Fr {
    let depth = siblings.len();
    assert!(depth <= MAX_DEPTH as usize, "Merkle path longer than 64");
    assert!(
        depth >= 64 || index < (1u64 << depth),
        "leaf index {index} out of range for a path of length {depth}"
    );
    siblings.iter().enumerate().fold(leaf, |cur, (l, sib)| {
        if (index >> l) & 1 == 0 {
            poseidon2(cur, *sib)
        } else {
            poseidon2(*sib, cur)
        }
    })
}
