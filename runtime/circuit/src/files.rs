//! Files of the proving system: structured reference strings, verifying and proving keys, proofs.
//!
//! Every reader here treats its input as hostile: lengths are validated before anything is
//! allocated, points are checked to lie on the curve (and in the right subgroup), field elements
//! must be canonical, and every failure is a typed [`FileError`], never a panic.
//!
//! - Params: KZG parameters (the SRS). [`dev_params`] is an **INSECURE** deterministic
//!   development setup (its toxic waste is public); [`read_params`] reads halo2-axiom's own
//!   format (Axiom's `kzg_bn254_{k}.srs`, or the compressed `Processed` layout) and
//!   [`read_ptau`] reads a snarkjs `.ptau` ceremony file. Both check the setup's consistency
//!   with pairings before returning it.
//! - Containers: Stele's versioned container for verifying keys, proving keys and proofs:
//!   magic, format version, the circuit's `k`, a 32-byte fingerprint binding the file to its
//!   chain, the body length and a Blake2b checksum, then the body.
//!
//! # Container layout (format version 1, all integers little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic: `STELEVK\0`, `STELEPK\0`, `STELEPF\0` or `STELEPE\0` (a proof for the EVM) |
//! | 8 | 4 | format version (`u32`, currently 1) |
//! | 12 | 4 | `k` of the circuit (`u32`) |
//! | 16 | 32 | fingerprint (e.g. a hash of the chain's compiled IR artifact) |
//! | 48 | 8 | body length in bytes (`u64`) |
//! | 56 | 32 | Blake2b-256 (personal `SteleFileSum.v1`) of bytes `0..56` followed by the body |
//! | 88 | body length | body |
//!
//! Bodies: a verifying key is halo2's `VerifyingKey::write(.., SerdeFormat::RawBytes)`, a
//! proving key halo2's `ProvingKey::write(.., SerdeFormat::RawBytes)` (both are validated
//! structurally before halo2 parses them); a proof is described at [`ProofFile`].

mod container;
mod error;
mod params;
mod ptau;
mod scan;

pub use container::{
    EVM_PROOF_MAGIC, FORMAT_VERSION, Fingerprint, HEADER_LEN, PK_MAGIC, PROOF_MAGIC, ProofFile,
    Transcript, VK_MAGIC, pk_from_bytes, pk_to_bytes, read_pk, read_vk, vk_from_bytes, vk_to_bytes,
    write_pk, write_vk,
};
pub use error::{FileError, FileKind};
pub use params::{
    DEV_SEED, MAX_K, ParamsFormat, check_params, dev_params, dev_params_file_name,
    is_insecure_dev_params, load_or_create_dev_params, params_for_k, read_params, read_params_file,
    write_params, write_params_file,
};
pub use ptau::{PTAU_VERSION, PtauInfo, ptau_info, read_ptau, read_ptau_file};
