//! Stele on Ethereum: a chain's block proofs checked by contracts.
//!
//! - [`transcript`]: proving and verifying with the Keccak transcript the EVM verifier reads
//!   (SHPLONK on KZG/BN254, as every Stele proof).
//! - [`contracts`]: the verifier contract generated from a verifying key (snark-verifier's
//!   generator), and the settlement contract that keeps the chain's state root.
//! - [`solc`]: the Solidity compiler (npm `solc@0.8.19`, a WebAssembly build run by Node.js).
//! - [`evm`]: an in-memory EVM (revm) to deploy and call the contracts locally.
//! - [`abi`]: the settlement contract's ABI: calldata encoding and revert decoding.
//!
//! Every failure is an [`EvmError`]; nothing here panics on bad input.

pub mod abi;
pub mod contracts;
mod error;
pub mod evm;
pub mod solc;
pub mod transcript;

pub use error::EvmError;

/// EIP-170: the largest runtime bytecode a contract may have on Ethereum mainnet.
pub const MAX_RUNTIME_SIZE: usize = 24_576;
