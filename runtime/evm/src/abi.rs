//! The settlement contract's ABI (Solidity's standard encoding), and the verifier's raw calldata.

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;
use sha3::{Digest, Keccak256};

/// A 32-byte big-endian word.
pub type Word = [u8; 32];

/// Keccak-256.
pub fn keccak(bytes: &[u8]) -> Word {
    Keccak256::digest(bytes).into()
}

/// The 4-byte selector of a function or error signature such as `submitBlock(uint256,bytes)`.
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// A field element as the EVM's 32-byte big-endian word.
pub fn word(x: &Fr) -> Word {
    let mut w = x.to_repr();
    w.as_mut().reverse();
    w
}

/// A `u64` as a word.
pub fn word_u64(x: u64) -> Word {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&x.to_be_bytes());
    w
}

/// A 20-byte address as a word.
pub fn word_address(a: &[u8; 20]) -> Word {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a);
    w
}

/// What the verifier contract is called with: the public inputs as words, then the proof.
pub fn verifier_calldata(instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = instances.iter().flat_map(word).collect();
    out.extend_from_slice(proof);
    out
}

/// One argument of a call.
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Word(Word),
    Words(&'a [Word]),
    Bytes(&'a [u8]),
}

fn padded(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.resize(bytes.len().div_ceil(32) * 32, 0);
    out
}

/// Standard ABI encoding of `args` (without a selector).
pub fn encode(args: &[Arg<'_>]) -> Vec<u8> {
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let head_len = 32 * args.len();
    for arg in args {
        match arg {
            Arg::Word(w) => head.extend_from_slice(w),
            Arg::Words(ws) => {
                head.extend_from_slice(&word_u64((head_len + tail.len()) as u64));
                tail.extend_from_slice(&word_u64(ws.len() as u64));
                ws.iter().for_each(|w| tail.extend_from_slice(w));
            }
            Arg::Bytes(b) => {
                head.extend_from_slice(&word_u64((head_len + tail.len()) as u64));
                tail.extend_from_slice(&word_u64(b.len() as u64));
                tail.extend_from_slice(&padded(b));
            }
        }
    }
    head.extend_from_slice(&tail);
    head
}

/// A call of `signature` with `args`.
pub fn call(signature: &str, args: &[Arg<'_>]) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    out.extend_from_slice(&encode(args));
    out
}

/// `SteleSettlement`'s constructor: `(verifier, chainId, genesisRoot, rollup, proofLength)`.
pub fn settlement_constructor(
    verifier: &[u8; 20],
    chain_id: u64,
    genesis_root: &Fr,
    rollup: bool,
    proof_len: usize,
) -> Vec<u8> {
    encode(&[
        Arg::Word(word_address(verifier)),
        Arg::Word(word_u64(chain_id)),
        Arg::Word(word(genesis_root)),
        Arg::Word(word_u64(rollup as u64)),
        Arg::Word(word_u64(proof_len as u64)),
    ])
}

pub const SUBMIT_BLOCK: &str = "submitBlock(uint256,uint256,uint256,bytes)";
pub const SUBMIT_BLOCK_WITH_DATA: &str = "submitBlockWithData(uint256,uint256,uint256[],bytes)";

/// `submitBlock(prevRoot, newRoot, txCommitment, proof)` (validium mode).
pub fn submit_block(prev_root: &Fr, new_root: &Fr, tx_commitment: &Fr, proof: &[u8]) -> Vec<u8> {
    call(
        SUBMIT_BLOCK,
        &[
            Arg::Word(word(prev_root)),
            Arg::Word(word(new_root)),
            Arg::Word(word(tx_commitment)),
            Arg::Bytes(proof),
        ],
    )
}

/// `submitBlockWithData(prevRoot, newRoot, txData, proof)` (rollup mode).
pub fn submit_block_with_data(
    prev_root: &Fr,
    new_root: &Fr,
    tx_data: &[Fr],
    proof: &[u8],
) -> Vec<u8> {
    let words: Vec<Word> = tx_data.iter().map(word).collect();
    call(
        SUBMIT_BLOCK_WITH_DATA,
        &[
            Arg::Word(word(prev_root)),
            Arg::Word(word(new_root)),
            Arg::Words(&words),
            Arg::Bytes(proof),
        ],
    )
}

/// The settlement contract's custom errors, by signature.
pub const ERRORS: &[&str] = &[
    "StaleRoot(uint256,uint256)",
    "InvalidProof()",
    "BadProofLength(uint256,uint256)",
    "NotCanonical(uint256)",
    "DataRequired()",
    "NoVerifier()",
];

/// A readable form of a revert's return data: the settlement's custom error with its
/// arguments, or the raw bytes.
pub fn describe_revert(output: &[u8]) -> String {
    if output.is_empty() {
        return "reverted without data".into();
    }
    if output.len() >= 4 {
        for sig in ERRORS {
            if output[..4] == selector(sig) {
                let name = &sig[..sig.find('(').unwrap_or(sig.len())];
                let args: Vec<String> = output[4..]
                    .chunks(32)
                    .map(|w| format!("0x{}", crate::solc::encode_hex(w)))
                    .collect();
                return format!("{name}({})", args.join(", "));
            }
        }
    }
    format!("reverted with 0x{}", crate::solc::encode_hex(output))
}
