//! Stele's native cryptography over the BN254 scalar field: circomlib-compatible Poseidon,
//! list hashing, a sparse Poseidon Merkle tree, and field element conversions.
//!
//! Everything here must agree bit for bit with the halo2 circuit; the encoding is specified
//! in `docs/state-commitment.md`.
//!
//! * [`poseidon`] / [`poseidon2`]: circomlib's Poseidon (`poseidon([1, 2]) =
//!   7853200120776062878684798364095072458815029376092732009249414926327459813530`).
//! * [`hash_list`]: a hash of a list of any length, by chunks of 16.
//! * [`MerkleTree`], [`merkle_root_from_path`]: fixed-depth sparse Merkle tree.
//! * [`fr_from_str`], [`fr_to_decimal`], [`fr_to_hex`], [`fr_from_u128`], [`fr_to_u128`].
//! * [`babyjub`]: the Baby Jubjub curve; [`eddsa`]: EdDSA-Poseidon signatures, compatible
//!   with circomlib's `EdDSAPoseidonVerifier` and circomlibjs.
//! * [`poseidon_params`]: the raw constants and the permutation itself, for circuits and tests.
//!
//! Performance: constants are generated once per width on first use (`OnceLock`); a hash
//! allocates nothing and runs a width-specialised permutation with sparse partial rounds
//! (about 600 field multiplications for two inputs). The optional `asm` feature turns on
//! halo2curves' x86_64 assembly (BMI2 + ADX CPUs only), about 15% faster, same results.

pub mod babyjub;
mod bigint;
mod convert;
pub mod eddsa;
mod grain;
mod merkle;
mod poseidon;

pub use halo2curves::bn256::Fr;

pub use convert::{fr_from_str, fr_from_u128, fr_to_decimal, fr_to_hex, fr_to_u128};
pub use merkle::{MAX_DEPTH, MerkleTree, merkle_root_from_path};
pub use poseidon::MAX_INPUTS;

/// The raw Poseidon parameters (round constants, MDS matrix, round numbers) per width, and the
/// permutation (optimised and textbook reference).
pub mod poseidon_params {
    pub use crate::poseidon::{
        FULL_ROUNDS, PoseidonParams, params, partial_rounds, permute, permute_reference,
    };
}

/// circomlib Poseidon of 1..=16 inputs: width `t = n + 1`, state `[0, inputs..]`, output
/// `state[0]` after the permutation, no padding.
///
/// # Panics
/// If `inputs.len()` is 0 or greater than 16 (a caller bug; use [`hash_list`] for lists of
/// any length).
pub fn poseidon(inputs: &[Fr]) -> Fr {
    poseidon::hash(inputs)
}

/// `poseidon(&[a, b])` without allocation: the hot path of every Merkle node.
#[inline]
pub fn poseidon2(a: Fr, b: Fr) -> Fr {
    poseidon::hash2(a, b)
}

/// The hash of a list of any length: 0 elements -> `Fr::zero()`; 1..=16 -> `poseidon(xs)`;
/// more than 16 -> `hash_list` of the list of `poseidon` hashes of consecutive chunks of 16
/// (the last chunk may be shorter; a last chunk of one element `x` gives `poseidon([x])`).
pub fn hash_list(xs: &[Fr]) -> Fr {
    match xs.len() {
        0 => Fr::zero(),
        1..=MAX_INPUTS => poseidon(xs),
        _ => {
            let hashes: Vec<Fr> = xs.chunks(MAX_INPUTS).map(poseidon).collect();
            hash_list(&hashes)
        }
    }
}
