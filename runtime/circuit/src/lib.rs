//! The halo2 back end (KZG on BN254): chips that constrain what the native executor computes.
//!
//! - [`gates`]: the arithmetic gate and the range-check lookup every IR operation lowers to,
//!   with gadgets that mirror the IR's guarded, checked operations.
//! - [`poseidon`]: circomlib's Poseidon permutation (width 3) as a dedicated round gate.
//! - [`poseidon_wide`]: circomlib's Poseidon of any width, and `hash_list`, on the gate chip
//!   plus the S-box gate of the width-3 chip (2 inputs: the chip itself).
//! - [`merkle`]: map reads and writes as Merkle paths against a running root.
//! - [`ports`]: the plan that shares map accesses between a slot's transitions and fuses a
//!   read with the write back to the same key.
//! - [`lower`]: one IR transition, with the executor's trace as witness, to constraints.
//! - [`block`]: the block circuit: transaction slots (each able to run any transition),
//!   padding, state roots, the transaction commitment and the public inputs.
//! - [`proof`]: keygen, proving and verification (SHPLONK, Blake2b transcript).
//! - [`files`]: the structured reference string, keys and proofs as versioned files.
//!
//! Every chip configures itself on advice columns it is given, so one block circuit can share a
//! few columns between all of them (the Ethereum verifier's size grows with columns).

pub mod block;
pub mod costs;
pub mod eddsa;
pub mod files;
pub mod gates;
pub mod lower;
pub mod merkle;
pub mod ports;
pub mod poseidon;
pub mod poseidon_wide;
pub mod proof;
