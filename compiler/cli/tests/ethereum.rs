//! `stele prove --evm`, `stele verifier`, `stele calldata` and `stele evm` end to end on a copy
//! of `examples/counter`, and their errors.

mod support;

use std::path::Path;

use stele_circuit::files::{ProofFile, Transcript};
use support::{counter, stele, stele_env};

const EVM_PROOF: &str = "counter/target/proofs/counter.evm.proof";

fn keygen_and_prove_evm(dir: &Path) {
    let out = stele(dir, &["keygen", "counter"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let out = stele(
        dir,
        &[
            "prove",
            "counter",
            "--evm",
            "--state",
            "counter/inputs/state.json",
            "--block",
            "applied.json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stderr
            .contains("Proving for the EVM (k = 9) ... done in"),
        "{}",
        out.show()
    );
    let file = ProofFile::from_bytes(&std::fs::read(dir.join(EVM_PROOF)).unwrap()).unwrap();
    assert_eq!(file.transcript, Transcript::Keccak);
}

#[test]
fn evm_pipeline_on_counter() {
    let tmp = counter();
    let dir = tmp.path();
    keygen_and_prove_evm(dir);

    // `stele verify` reads either transcript.
    let out = stele(dir, &["verify", "counter", "--proof", EVM_PROOF]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.starts_with("proof is valid\n"), "{}", out.show());

    let out = stele(dir, &["verifier", "counter"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stderr.contains("INSECURE"), "{}", out.show());
    assert!(
        out.stdout.contains("of the 24576-byte EIP-170 limit"),
        "{}",
        out.show()
    );
    let evm_dir = dir.join("counter/target/evm");
    for file in [
        "Halo2Verifier.sol",
        "Halo2Verifier.bin",
        "SteleSettlement.sol",
        "SteleSettlement.bin",
        "contracts.json",
    ] {
        assert!(evm_dir.join(file).is_file(), "{file}");
    }
    let sol = std::fs::read_to_string(evm_dir.join("Halo2Verifier.sol")).unwrap();
    assert!(sol.contains("pragma solidity 0.8.19"));
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(evm_dir.join("contracts.json")).unwrap())
            .unwrap();
    assert_eq!(info["chain_id"], 1);
    assert_eq!(info["insecure_dev_setup"], true);
    let proof_len = info["proof_length"].as_u64().unwrap() as usize;

    // Calldata: the bare verifier's is 5 public inputs then the proof.
    let out = stele(
        dir,
        &[
            "calldata", "counter", "--proof", EVM_PROOF, "--to", "verifier",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    let hex = out.stdout.trim().strip_prefix("0x").unwrap();
    assert_eq!(hex.len() / 2, 5 * 32 + proof_len, "{}", out.show());
    let out = stele(dir, &["calldata", "counter", "--proof", EVM_PROOF]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.starts_with("0x"), "{}", out.show());
    let out = stele(
        dir,
        &[
            "calldata", "counter", "--proof", EVM_PROOF, "--to", "rollup",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("pass `--block`"), "{}", out.show());
    let out = stele(
        dir,
        &[
            "calldata",
            "counter",
            "--proof",
            EVM_PROOF,
            "--to",
            "rollup",
            "--block",
            "counter/inputs/block.json",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("is not the block the proof is for"),
        "{}",
        out.show()
    );

    // The local EVM accepts the block, in both modes.
    let out = stele(dir, &["evm", "counter", "--proof", EVM_PROOF]);
    assert_eq!(out.code, 0, "{}", out.show());
    for line in [
        "verification     accepted: ",
        "submitBlock      accepted: ",
        "stored root      0x1fb5e555fc1121795bb66bd9edbb8720a4bdd5131d2d184e777426f5f6708218",
        "block accepted",
    ] {
        assert!(out.stdout.contains(line), "{line}\n{}", out.show());
    }
    let out = stele(
        dir,
        &[
            "evm",
            "counter",
            "--proof",
            EVM_PROOF,
            "--block",
            "applied.json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(
        out.stdout.contains("submitBlockWithData accepted: "),
        "{}",
        out.show()
    );

    // Too few public inputs in a well-formed file: an error, not a crash.
    let mut short = ProofFile::from_bytes(&std::fs::read(dir.join(EVM_PROOF)).unwrap()).unwrap();
    short.public_inputs[0].truncate(1);
    std::fs::write(dir.join("short.proof"), short.to_bytes()).unwrap();
    let out = stele(dir, &["evm", "counter", "--proof", "short.proof"]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("the proof has no block public inputs"),
        "{}",
        out.show()
    );

    // A lying public input in a well-formed file: both verifiers reject it.
    let mut file = ProofFile::from_bytes(&std::fs::read(dir.join(EVM_PROOF)).unwrap()).unwrap();
    file.public_inputs[0][2] = file.public_inputs[0][3];
    std::fs::write(dir.join("lying.proof"), file.to_bytes()).unwrap();
    let out = stele(dir, &["evm", "counter", "--proof", "lying.proof"]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stdout
            .contains("submitBlock      REJECTED (InvalidProof())"),
        "{}",
        out.show()
    );
    assert!(
        out.stderr
            .contains("error: the settlement contract rejected the block"),
        "{}",
        out.show()
    );
}

#[test]
fn evm_commands_refuse_what_they_cannot_use() {
    let tmp = counter();
    let dir = tmp.path();
    let out = stele(dir, &["keygen", "counter"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let out = stele(
        dir,
        &[
            "prove",
            "counter",
            "--state",
            "counter/inputs/state.json",
            "--block",
            "applied.json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.show());
    // An off-chain proof is not for the EVM.
    let out = stele(
        dir,
        &[
            "evm",
            "counter",
            "--proof",
            "counter/target/proofs/counter.proof",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("stele prove --evm"), "{}", out.show());
    // No compiler where it is looked for: a clear error with the way out.
    let out = stele_env(
        dir,
        &[("STELE_SOLC", "/nonexistent")],
        &["verifier", "counter"],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("the Solidity compiler (npm package `solc@0.8.19`) is not installed"),
        "{}",
        out.show()
    );
    assert!(
        out.stderr.contains("npm ci --prefix runtime/evm/solc"),
        "{}",
        out.show()
    );
    // No Node.js.
    let out = stele_env(
        dir,
        &[("STELE_NODE", "/nonexistent/node")],
        &["verifier", "counter"],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("cannot run Node.js"), "{}", out.show());
    // Not a proof.
    let out = stele(dir, &["calldata", "counter", "--proof", "applied.json"]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("not a proof file"), "{}", out.show());
}
