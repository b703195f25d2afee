//! Merkle trees made by @zk-kit/incremental-merkle-tree with circomlibjs's Poseidon
//! (`tests/data/merkle_zk_kit.json`, see `tests/data/README.md`): the same leaves give the same
//! root in [`MerkleTree`], the same siblings, and every proof's path gives the root through
//! [`merkle_root_from_path`].

use serde_json::Value;
use stele_crypto::{Fr, MerkleTree, fr_from_str, merkle_root_from_path};

fn fr(v: &Value) -> Fr {
    fr_from_str(v.as_str().expect("a decimal string")).expect("a field element")
}

#[test]
fn zk_kit_trees_and_proofs() {
    let data: Value =
        serde_json::from_str(include_str!("data/merkle_zk_kit.json")).expect("valid JSON");
    let trees = data["trees"].as_array().expect("trees");
    assert_eq!(trees.len(), 5);
    for t in trees {
        let depth = t["depth"].as_u64().expect("depth") as u32;
        let mut tree = MerkleTree::new(depth, Fr::zero());
        for (i, leaf) in t["leaves"].as_array().expect("leaves").iter().enumerate() {
            tree.set_leaf(i as u64, fr(leaf));
        }
        let root = fr(&t["root"]);
        assert_eq!(tree.root(), root, "depth {depth}");
        for p in t["proofs"].as_array().expect("proofs") {
            let index = p["index"].as_u64().expect("index");
            let siblings: Vec<Fr> = p["siblings"]
                .as_array()
                .expect("siblings")
                .iter()
                .map(fr)
                .collect();
            let bits: Vec<u64> = p["path_indices"]
                .as_array()
                .expect("path indices")
                .iter()
                .map(|b| b.as_u64().expect("a bit"))
                .collect();
            assert_eq!(siblings.len(), depth as usize);
            assert_eq!(
                bits,
                (0..depth).map(|l| (index >> l) & 1).collect::<Vec<_>>()
            );
            assert_eq!(
                tree.siblings(index),
                siblings,
                "depth {depth}, index {index}"
            );
            assert_eq!(tree.leaf(index), fr(&p["leaf"]));
            assert_eq!(
                merkle_root_from_path(fr(&p["leaf"]), index, &siblings),
                root
            );
        }
    }
}
