//! `stele merkle`: builds the Merkle tree of a list of leaves (the tree of `std::merkle` and of
//! state maps, `stele_crypto::MerkleTree`) and prints its root, or the path of one leaf as
//! `std::merkle` takes it.
//!
//! The leaves file is a JSON array; entry `i` is leaf `i`, either a field element (a decimal or
//! `0x` string, or a non-negative integer) or an array of 1 to 16 field elements, whose
//! `std::hash::poseidon` is the leaf. Leaves after the last entry are 0 (the empty leaf).

use std::fmt;
use std::path::Path;

use serde_json::{Value, json};
use stele_crypto::{Fr, MerkleTree, fr_from_str, fr_to_decimal, poseidon};

use crate::commands::{Outcome, error};

/// Why a leaves file cannot be turned into a tree.
#[derive(Debug, PartialEq, Eq)]
pub enum LeavesError {
    /// Not JSON (line, column, message).
    Json(usize, usize, String),
    /// The top level is not an array.
    NotAnArray,
    /// Entry `index` is neither a field element nor an array of 1 to 16 of them.
    BadLeaf { index: usize, why: String },
    /// More leaves than the tree holds.
    TooMany { leaves: usize, depth: u32 },
}

impl fmt::Display for LeavesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeavesError::Json(line, col, e) => write!(f, "{line}:{col}: invalid JSON: {e}"),
            LeavesError::NotAnArray => write!(f, "the leaves must be a JSON array"),
            LeavesError::BadLeaf { index, why } => write!(f, "leaf {index}: {why}"),
            LeavesError::TooMany { leaves, depth } => write!(
                f,
                "{leaves} leaves do not fit in a tree of depth {depth} ({} leaves)",
                1u128 << depth
            ),
        }
    }
}

fn field(v: &Value) -> Option<Fr> {
    match v {
        Value::String(s) => fr_from_str(s),
        Value::Number(n) => n.as_u64().map(Fr::from),
        _ => None,
    }
}

fn leaf(index: usize, v: &Value) -> Result<Fr, LeavesError> {
    let bad = |why: &str| LeavesError::BadLeaf {
        index,
        why: why.into(),
    };
    match v {
        Value::Array(xs) => {
            if !(1..=16).contains(&xs.len()) {
                return Err(bad(&format!(
                    "an array leaf hashes 1 to 16 field elements, not {}",
                    xs.len()
                )));
            }
            let xs = xs
                .iter()
                .map(field)
                .collect::<Option<Vec<Fr>>>()
                .ok_or_else(|| bad("an array leaf holds field elements only"))?;
            Ok(poseidon(&xs))
        }
        _ => field(v).ok_or_else(|| {
            bad("expected a field element (a decimal or 0x string below the modulus, or a non-negative integer) or an array of them")
        }),
    }
}

/// The tree of depth `depth` (1..=64) whose leaves `text` lists.
pub fn parse_leaves(text: &str, depth: u32) -> Result<MerkleTree, LeavesError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| LeavesError::Json(e.line(), e.column(), e.to_string()))?;
    let Value::Array(entries) = value else {
        return Err(LeavesError::NotAnArray);
    };
    if depth < 64 && entries.len() as u128 > 1u128 << depth {
        return Err(LeavesError::TooMany {
            leaves: entries.len(),
            depth,
        });
    }
    let mut tree = MerkleTree::new(depth, Fr::from(0u64));
    for (i, v) in entries.iter().enumerate() {
        tree.set_leaf(i as u64, leaf(i, v)?);
    }
    Ok(tree)
}

/// `stele merkle --depth D --leaves FILE [--index I]`.
pub fn merkle(depth: u32, leaves: &Path, index: Option<u64>) -> Outcome {
    if !(1..=64).contains(&depth) {
        return Err(error(format!("--depth must be 1 to 64, not {depth}")));
    }
    let text = std::fs::read_to_string(leaves)
        .map_err(|e| error(format!("cannot read `{}`: {e}", leaves.display())))?;
    let tree =
        parse_leaves(&text, depth).map_err(|e| error(format!("`{}`: {e}", leaves.display())))?;
    let root = fr_to_decimal(&tree.root());
    let out = match index {
        None => json!({ "depth": depth, "root": root }),
        Some(i) => {
            if depth < 64 && i >> depth != 0 {
                return Err(error(format!(
                    "--index {i} is outside a tree of depth {depth} (indices below {})",
                    1u128 << depth
                )));
            }
            let siblings: Vec<String> = tree.siblings(i).iter().map(fr_to_decimal).collect();
            json!({
                "depth": depth,
                "root": root,
                "index": i,
                "leaf": fr_to_decimal(&tree.leaf(i)),
                "siblings": siblings,
            })
        }
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&out).expect("JSON values print")
    );
    Ok(())
}
