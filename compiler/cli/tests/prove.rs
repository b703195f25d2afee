//! `stele keygen`, `stele prove`, `stele verify` and `stele info` end to end on a copy of
//! `examples/counter` (block_size 4: 466 rows, k = 9) in a temporary folder, so `target/` is
//! never written into the repository.

mod support;

use std::path::Path;

use stele_circuit::files::ProofFile;
use support::{Out, copy_dir, counter, stele};

const PROOF: &str = "counter/target/proofs/counter.proof";

fn keygen_and_prove(dir: &Path) {
    let out = stele(dir, &["keygen", "counter"]);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stderr.contains("INSECURE"), "{}", out.show());
    assert!(
        out.stderr
            .contains("Generating proving key (k = 9) ... done in"),
        "{}",
        out.show()
    );
    assert!(dir.join("counter/target/keys/counter.vk").is_file());
    assert!(dir.join("counter/target/keys/counter.pk").is_file());
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
    assert!(
        out.stderr.contains("Proving (k = 9) ... done in"),
        "{}",
        out.show()
    );
    for label in [
        "chain id                1",
        "previous root           0x00d4661cfcdc1c39edbb9502f9ede83f7a07a760affa53d40de3372cb52ea98f",
        "new root                0x1fb5e555fc1121795bb66bd9edbb8720a4bdd5131d2d184e777426f5f6708218",
        "transaction commitment  0x",
        "messages root           0x0000000000000000000000000000000000000000000000000000000000000000",
        "proof: ",
    ] {
        assert!(out.stdout.contains(label), "{label}\n{}", out.show());
    }
    assert!(dir.join(PROOF).is_file());
}

fn verify(dir: &Path, proof: &str) -> Out {
    stele(dir, &["verify", "counter", "--proof", proof])
}

#[test]
fn keygen_prove_verify_and_damaged_proofs() {
    let tmp = counter();
    let dir = tmp.path();
    keygen_and_prove(dir);

    let out = verify(dir, PROOF);
    assert_eq!(out.code, 0, "{}", out.show());
    assert!(out.stdout.starts_with("proof is valid\n"), "{}", out.show());
    assert!(out.stdout.contains("new root"), "{}", out.show());

    let bytes = std::fs::read(dir.join(PROOF)).unwrap();
    let file = ProofFile::from_bytes(&bytes).unwrap();

    // One byte of the proof part flipped in the file: its checksum no longer matches.
    let mut flipped = bytes.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 1;
    std::fs::write(dir.join("flipped.proof"), &flipped).unwrap();
    let out = verify(dir, "flipped.proof");
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("error: `flipped.proof`: corrupt proof file"),
        "{}",
        out.show()
    );

    // One byte of the proof flipped inside a well-formed container: the verifier says no.
    let mut forged = file.clone();
    forged.proof[100] ^= 1;
    std::fs::write(dir.join("forged.proof"), forged.to_bytes()).unwrap();
    let out = verify(dir, "forged.proof");
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("error: proof is invalid"),
        "{}",
        out.show()
    );
    assert!(!out.stdout.contains("proof is valid"), "{}", out.show());

    // A wrong public input in a well-formed container: invalid too.
    let mut lying = file.clone();
    lying.public_inputs[0][2] = lying.public_inputs[0][3];
    std::fs::write(dir.join("lying.proof"), lying.to_bytes()).unwrap();
    let out = verify(dir, "lying.proof");
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains("error: proof is invalid"),
        "{}",
        out.show()
    );

    // Truncated.
    std::fs::write(dir.join("short.proof"), &bytes[..bytes.len() / 2]).unwrap();
    let out = verify(dir, "short.proof");
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("error: `short.proof`: truncated proof file"),
        "{}",
        out.show()
    );

    // Not a proof at all.
    let out = verify(dir, "applied.json");
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(out.stderr.contains("not a proof file"), "{}", out.show());
}

#[test]
fn prove_refuses_a_rejected_transaction() {
    let tmp = counter();
    let dir = tmp.path();
    std::fs::write(
        dir.join("rejected.json"),
        r#"{ "transactions": [
            { "transition": "increment", "args": { "by": 5 } },
            { "transition": "increment", "args": { "by": 500 } }
        ] }"#,
    )
    .unwrap();
    let out = stele(dir, &["prove", "counter", "--block", "rejected.json"]);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr.contains(
            "error: transaction 1 is rejected: step too large (src/main.stele:15:5); a block proof covers applied transactions only"
        ),
        "{}",
        out.show()
    );
    assert!(!dir.join(PROOF).exists());
}

#[test]
fn verify_with_keys_of_another_chain_fails() {
    let tmp = counter();
    let dir = tmp.path();
    keygen_and_prove(dir);
    copy_dir(&dir.join("counter/target/keys"), &dir.join("old-keys"));
    // Change the chain's code and make new keys: the old proof is for another chain.
    let src = dir.join("counter/src/main.stele");
    let text = std::fs::read_to_string(&src).unwrap();
    assert!(text.contains("by <= 100,"));
    std::fs::write(&src, text.replacen("by <= 100,", "by <= 200,", 1)).unwrap();
    let out = stele(dir, &["keygen", "counter"]);
    assert_eq!(out.code, 0, "{}", out.show());
    let out = verify(dir, PROOF);
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("proof file belongs to another chain or circuit: expected fingerprint"),
        "{}",
        out.show()
    );
    // The old keys with the changed chain: the key file is refused.
    let out = stele(
        dir,
        &["verify", "counter", "--proof", PROOF, "--keys", "old-keys"],
    );
    assert_eq!(out.code, 1, "{}", out.show());
    assert!(
        out.stderr
            .contains("verifying-key file belongs to another chain or circuit"),
        "{}",
        out.show()
    );
}

#[test]
fn info_counter() {
    let tmp = counter();
    let out = stele(tmp.path(), &["info", "counter"]);
    assert_eq!(out.code, 0, "{}", out.show());
    insta::assert_snapshot!(out.stdout);
}
