//! `hash_list` chunking, checked against hand-built compositions of `poseidon`.

use stele_crypto::{Fr, fr_from_u128, hash_list, poseidon};

fn seq(n: usize) -> Vec<Fr> {
    (0..n)
        .map(|i| fr_from_u128(i as u128 * 1_000_003 + 5))
        .collect()
}

#[test]
fn empty_list_is_zero() {
    assert_eq!(hash_list(&[]), Fr::zero());
}

#[test]
fn short_lists_are_plain_poseidon() {
    for n in 1..=16 {
        let xs = seq(n);
        assert_eq!(hash_list(&xs), poseidon(&xs), "length {n}");
    }
}

#[test]
fn seventeen_elements() {
    let xs = seq(17);
    let expected = poseidon(&[poseidon(&xs[..16]), poseidon(&xs[16..])]);
    assert_eq!(hash_list(&xs), expected);
    // The trailing chunk of one element is hashed, not passed through.
    assert_ne!(hash_list(&xs), poseidon(&[poseidon(&xs[..16]), xs[16]]));
}

#[test]
fn thirty_three_elements() {
    let xs = seq(33);
    let expected = poseidon(&[
        poseidon(&xs[..16]),
        poseidon(&xs[16..32]),
        poseidon(&xs[32..]),
    ]);
    assert_eq!(hash_list(&xs), expected);
}

#[test]
fn thirty_two_elements() {
    let xs = seq(32);
    let expected = poseidon(&[poseidon(&xs[..16]), poseidon(&xs[16..])]);
    assert_eq!(hash_list(&xs), expected);
}

#[test]
fn two_levels_of_chunking() {
    // 16 * 16 + 1 = 257 elements -> 17 chunk hashes -> 2 chunk hashes -> one poseidon.
    let xs = seq(257);
    let level1: Vec<Fr> = xs.chunks(16).map(poseidon).collect();
    assert_eq!(level1.len(), 17);
    let level2 = [poseidon(&level1[..16]), poseidon(&level1[16..])];
    assert_eq!(hash_list(&xs), poseidon(&level2));
}

#[test]
#[should_panic(expected = "1..=16 inputs")]
fn poseidon_of_nothing_panics() {
    poseidon(&[]);
}

#[test]
#[should_panic(expected = "1..=16 inputs")]
fn poseidon_of_seventeen_panics() {
    poseidon(&seq(17));
}
