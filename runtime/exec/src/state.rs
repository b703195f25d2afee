//! The chain state and its commitment (`docs/state-commitment.md`, "Values and the state root").

use std::collections::HashMap;

use stele_crypto::{MerkleTree, hash_list};
use stele_ir::{Program, StateKind, Ty};

use crate::compile::MapInfo;
use crate::shape::zero_of;
use crate::{Fr, Val};

/// Plain state scalars and, per map, its non-default entries and Merkle tree of leaf hashes.
///
/// Scalars are kept in the kind of their type: [`Val::Int`] for `bool` and `uN`, [`Val::Field`]
/// for `Field` (enum payload slots are `Field`).
#[derive(Clone, Debug)]
pub struct State {
    pub(crate) scalars: Vec<Val>,
    pub(crate) maps: Vec<MapState>,
    /// The state fields in declaration order: how plain scalars and maps interleave in the root.
    order: Vec<Item>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    /// A plain field of this many scalars.
    Scalars(usize),
    Map,
}

#[derive(Clone, Debug)]
pub(crate) struct MapState {
    pub depth: u32,
    /// The value of an absent key: all zero.
    pub default: Box<[Val]>,
    /// Only keys whose value differs from `default`.
    pub entries: HashMap<u64, Box<[Val]>>,
    /// Leaf `k` is `hash_list` of the value at key `k`.
    pub tree: MerkleTree,
}

impl MapState {
    fn new(depth: u32, value_tys: &[Ty]) -> MapState {
        let default: Box<[Val]> = value_tys.iter().map(|t| zero_of(*t)).collect();
        let empty_leaf = hash_list(&vec![Fr::zero(); default.len()]);
        MapState {
            depth,
            default,
            entries: HashMap::new(),
            tree: MerkleTree::new(depth, empty_leaf),
        }
    }

    /// The value at `key` (the default when absent).
    #[inline]
    pub(crate) fn get(&self, key: u64) -> &[Val] {
        self.entries.get(&key).map_or(&self.default, |v| v)
    }

    /// Sets the entry only; the caller updates the tree.
    pub(crate) fn set(&mut self, key: u64, value: &[Val]) {
        if value == &*self.default {
            self.entries.remove(&key);
        } else if let Some(e) = self.entries.get_mut(&key) {
            e.copy_from_slice(value);
        } else {
            self.entries.insert(key, value.into());
        }
    }

    /// Sets the entry and its leaf.
    pub(crate) fn put(&mut self, key: u64, value: &[Val]) {
        let leaf = leaf_hash(value);
        self.set(key, value);
        self.tree.set_leaf(key, leaf);
    }
}

/// A map leaf: `hash_list` of the value's scalars as field elements.
pub(crate) fn leaf_hash(value: &[Val]) -> Fr {
    let xs: Vec<Fr> = value.iter().map(|v| v.to_fr()).collect();
    hash_list(&xs)
}

impl State {
    /// The default state: every plain scalar zero, every map empty.
    ///
    /// # Panics
    /// If a map's depth is not in `1..=64` ([`crate::Executable::new`] rejects such programs).
    pub fn new(program: &Program) -> State {
        let mut scalars = Vec::new();
        let mut maps = Vec::new();
        let mut order = Vec::new();
        for f in &program.state {
            match &f.kind {
                StateKind::Value(ty) => {
                    let tys = program.flatten(ty);
                    order.push(Item::Scalars(tys.len()));
                    scalars.extend(tys.into_iter().map(zero_of));
                }
                StateKind::Map { value, depth, .. } => {
                    order.push(Item::Map);
                    maps.push(MapState::new(*depth, &program.flatten(value)));
                }
            }
        }
        State {
            scalars,
            maps,
            order,
        }
    }

    /// The state root: `hash_list` of, in state declaration order, each plain field's flattened
    /// scalars and each map's Merkle root.
    pub fn root(&self) -> Fr {
        hash_list(&self.commitment_scalars())
    }

    /// The list the state root hashes.
    pub fn commitment_scalars(&self) -> Vec<Fr> {
        // Plain scalars and maps interleave in declaration order; `order` says which comes next.
        let mut out = Vec::with_capacity(self.scalars.len() + self.maps.len());
        let mut scalars = self.scalars.iter();
        let mut maps = self.maps.iter();
        for item in &self.order {
            match item {
                Item::Scalars(n) => out.extend(scalars.by_ref().take(*n).map(|v| v.to_fr())),
                Item::Map => out.extend(maps.next().map(|m| m.tree.root())),
            }
        }
        out
    }

    /// The flattened plain-state scalars, in layout order.
    pub fn scalars(&self) -> &[Val] {
        &self.scalars
    }

    /// Number of maps.
    pub fn map_count(&self) -> usize {
        self.maps.len()
    }

    /// The flattened value of map `map` at `key` (the all-zero default when absent).
    ///
    /// # Panics
    /// If `map` is out of range.
    pub fn map_get(&self, map: usize, key: u64) -> &[Val] {
        self.maps[map].get(key)
    }

    /// The keys of map `map` holding a non-default value, ascending.
    pub fn map_keys(&self, map: usize) -> Vec<u64> {
        let mut keys: Vec<u64> = self.maps[map].entries.keys().copied().collect();
        keys.sort_unstable();
        keys
    }

    /// Map `map`'s Merkle tree (leaf `k` is `hash_list` of the value at `k`).
    pub fn map_tree(&self, map: usize) -> &MerkleTree {
        &self.maps[map].tree
    }

    /// Whether this state has the layout of a program with these plain scalars and maps.
    pub(crate) fn matches(&self, state_tys: &[Ty], maps: &[MapInfo]) -> bool {
        self.scalars.len() == state_tys.len()
            && self.maps.len() == maps.len()
            && self
                .maps
                .iter()
                .zip(maps)
                .all(|(m, i)| m.depth == i.depth && m.default.len() == i.value_tys.len())
    }
}
