//! The state root recomputed by hand from the words of docs/state-commitment.md ("Values and the
//! state root"), with `poseidon`/`poseidon2` only: no `MerkleTree`, no `hash_list`.

mod common;

use common::*;
use serde_json::json;
use stele_crypto::{Fr, poseidon, poseidon2};
use stele_exec::{State, Tx, apply_tx};

const CHAIN: &str = r#"stele-ir 1
chain "spec"
file 0 "src/main.stele"
struct P { x: u64, y: Field }
state {
  p: P
  flag: bool
  n: u64
  m: map<u8, P, 3>
  after: u32
}
transition put(k: u8, v: P) @0:1:1 {
  %0: u8 = param 0
  %1: u64 = param 1
  %2: Field = param 2
  map.write m[%0] = [%1, %2] @0:2:1
}
"#;

/// A depth-3 Merkle root by hand: 8 leaves, pairs hashed with poseidon2 (left = even index).
fn merkle_root_by_hand(leaves: [Fr; 8]) -> Fr {
    let mut level: Vec<Fr> = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| poseidon2(pair[0], pair[1]))
            .collect();
    }
    level[0]
}

#[test]
fn root_of_a_small_chain_by_hand() {
    let exe = load(CHAIN);
    let state = State::from_json(
        exe.program(),
        &json!({
            "p": { "x": "7", "y": "0x10" },
            "flag": true,
            "n": "123",
            "m": { "2": { "x": "5", "y": "6" }, "5": { "x": "0", "y": "9" } },
            "after": 4
        }),
    )
    .unwrap();

    // A map leaf is hash_list of the flattened value: 2 scalars -> poseidon of both.
    // An absent key holds the all-zero value, so the empty leaf is poseidon([0, 0]).
    let empty = poseidon(&[fr(0), fr(0)]);
    let mut leaves = [empty; 8];
    leaves[2] = poseidon(&[fr(5), fr(6)]);
    leaves[5] = poseidon(&[fr(0), fr(9)]);
    let map_root = merkle_root_by_hand(leaves);

    // The state root: hash_list, in declaration order, of each plain field's scalars and each
    // map's root: [p.x, p.y, flag, n, root(m), after] (6 <= 16 elements: one poseidon).
    let expected = poseidon(&[fr(7), fr(16), fr(1), fr(123), map_root, fr(4)]);
    assert_eq!(state.root(), expected);
    assert_eq!(state.map_tree(0).root(), map_root);

    // The same state reached by transactions from a state holding the plain fields.
    let mut by_txs = State::from_json(
        exe.program(),
        &json!({ "p": { "x": "7", "y": "16" }, "flag": true, "n": "123", "after": 4 }),
    )
    .unwrap();
    for (k, x, y) in [(5, 0, 9), (2, 5, 6)] {
        apply_tx(
            &exe,
            &mut by_txs,
            &Tx {
                transition: 0,
                args: vec![int(k), int(x), field(fr(y))],
            },
        )
        .unwrap();
    }
    assert_eq!(by_txs.root(), expected);
}

#[test]
fn default_root_by_hand() {
    let exe = load(CHAIN);
    let empty = poseidon(&[fr(0), fr(0)]);
    let map_root = merkle_root_by_hand([empty; 8]);
    let expected = poseidon(&[fr(0), fr(0), fr(0), fr(0), map_root, fr(0)]);
    assert_eq!(State::new(exe.program()).root(), expected);
}

#[test]
fn more_than_sixteen_scalars_hash_in_chunks() {
    let exe = load("stele-ir 1\nchain \"c\"\nstate { xs: [u8; 20] }\n");
    let xs: Vec<u64> = (0..20).collect();
    let state = State::from_json(exe.program(), &json!({ "xs": xs })).unwrap();
    let all: Vec<Fr> = (0..20).map(fr).collect();
    let expected = poseidon(&[poseidon(&all[..16]), poseidon(&all[16..])]);
    assert_eq!(state.root(), expected);
}

#[test]
fn empty_state_root_is_zero() {
    let exe = load("stele-ir 1\nchain \"c\"\n");
    assert_eq!(State::new(exe.program()).root(), fr(0));
}

#[test]
fn enum_values_commit_tag_then_field_payload() {
    let exe =
        load("stele-ir 1\nchain \"c\"\nenum E { A, B(u8, bool), C(u64) }\nstate { e: E f: E }\n");
    let state = State::from_json(
        exe.program(),
        &json!({ "e": { "B": [200, true] }, "f": { "C": ["9"] } }),
    )
    .unwrap();
    // tag, then max(2, 1) = 2 payload slots, unused ones zero.
    let expected = poseidon(&[fr(1), fr(200), fr(1), fr(2), fr(9), fr(0)]);
    assert_eq!(state.root(), expected);
}

/// The check values printed in docs/state-commitment.md.
#[test]
fn documented_check_values() {
    let exe = load(CHAIN);
    let state = State::from_json(
        exe.program(),
        &json!({
            "p": { "x": "7", "y": "0x10" }, "flag": true, "n": "123",
            "m": { "2": { "x": "5", "y": "6" }, "5": { "x": "0", "y": "9" } }, "after": 4
        }),
    )
    .unwrap();
    let dec = |x: Fr| stele_crypto::fr_to_decimal(&x);
    let tree = state.map_tree(0);
    assert_eq!(
        dec(tree.leaf(0)),
        "14744269619966411208579211824598458697587494354926760081771325075741142829156"
    );
    assert_eq!(
        dec(tree.leaf(2)),
        "1879402270149794212432036740081454186623842057661213288749068713224962094903"
    );
    assert_eq!(
        dec(tree.leaf(5)),
        "7948981128859705176628245400708486295568034265231019153714433931117936228369"
    );
    assert_eq!(
        dec(tree.root()),
        "20988898266115569804595878922860199453643854776360959842966325932941896210674"
    );
    assert_eq!(
        dec(state.root()),
        "15474427288500302588906087827788750445971097207459473910938760590761589173875"
    );
    assert_eq!(
        dec(State::new(exe.program()).root()),
        "3054073609981537041536584093765960858130111556175479999281196179200404059718"
    );
}
