//! The halo2 back end (KZG on BN254): chips that constrain what the native executor computes.
//!
//! - [`poseidon`]: circomlib's Poseidon permutation (width 3) as a dedicated round gate.
//! - [`gates`]: the arithmetic gate and the range-check lookup every IR operation lowers to.
//!
//! Every chip configures itself on advice columns it is given, so one block circuit can share a
//! few columns between all of them (the Ethereum verifier's size grows with columns).

pub mod files;
pub mod gates;
pub mod lower;
pub mod merkle;
pub mod poseidon;
pub mod poseidon_wide;
