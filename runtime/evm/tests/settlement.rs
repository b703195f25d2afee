//! The settlement contract alone: its Poseidon agrees with the executor's, and its checks that
//! need no proof.

use halo2_proofs::halo2curves::bn256::Fr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stele_evm::abi::{self, Arg};
use stele_evm::contracts::settlement_source;
use stele_evm::evm::{LocalEvm, Outcome};
use stele_evm::solc::{Mode, Solc};

fn fr_of_word(w: &[u8]) -> Fr {
    let mut le: [u8; 32] = w.try_into().unwrap();
    le.reverse();
    Fr::from_bytes(&le).unwrap()
}

/// Creation code of a contract whose runtime code is the single byte `STOP`:
/// `PUSH1 1 PUSH1 12 PUSH1 0 CODECOPY PUSH1 1 PUSH1 0 RETURN STOP`.
const STAND_IN: [u8; 13] = [
    0x60, 0x01, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x01, 0x60, 0x00, 0xf3, 0x00,
];

#[test]
fn commitment_in_the_evm_is_the_transaction_commitment() {
    let solc = Solc::locate().unwrap();
    let settlement = solc
        .compile("SteleSettlement", &settlement_source(), Mode::Standard)
        .unwrap();
    let mut evm = LocalEvm::new();
    // The settlement needs code at the verifier's address; `commitment` never calls it.
    let (verifier, _) = evm.deploy("stand-in", &STAND_IN, &[]).unwrap();
    let ctor = abi::settlement_constructor(&verifier, 7, &Fr::from(5), true, 100);
    let (addr, _) = evm
        .deploy("SteleSettlement", &settlement.creation, &ctor)
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for n in [0usize, 1, 2, 5] {
        let fields: Vec<Fr> = (0..n)
            .map(|_| Fr::from(rng.r#gen::<u64>()) * Fr::from(rng.r#gen::<u64>()))
            .collect();
        let words: Vec<abi::Word> = fields.iter().map(abi::word).collect();
        let data = abi::call("commitment(uint256[])", &[Arg::Words(&words)]);
        let Outcome::Success { output, gas, .. } = evm.call(&addr, data).unwrap() else {
            panic!("commitment reverted")
        };
        let mut c = Fr::zero();
        for f in &fields {
            c = stele_crypto::poseidon2(c, *f);
        }
        assert_eq!(fr_of_word(&output), c, "{n} fields");
        eprintln!("{n} fields: {gas} gas");
    }
}

#[test]
fn constructor_refuses_an_empty_verifier_and_a_non_canonical_root() {
    let solc = Solc::locate().unwrap();
    let settlement = solc
        .compile("SteleSettlement", &settlement_source(), Mode::Standard)
        .unwrap();
    let mut evm = LocalEvm::new();
    let empty = [7u8; 20];
    let ctor = abi::settlement_constructor(&empty, 1, &Fr::from(5), false, 100);
    let err = evm
        .deploy("SteleSettlement", &settlement.creation, &ctor)
        .unwrap_err();
    assert!(err.to_string().contains("NoVerifier()"), "{err}");
    let (verifier, _) = evm.deploy("stand-in", &STAND_IN, &[]).unwrap();
    // The modulus itself as the genesis root.
    let mut ctor = abi::settlement_constructor(&verifier, 1, &Fr::zero(), false, 100);
    let p = abi::word(&(-Fr::one()));
    ctor[64..96].copy_from_slice(&p);
    ctor[95] += 1;
    let err = evm
        .deploy("SteleSettlement", &settlement.creation, &ctor)
        .unwrap_err();
    assert!(err.to_string().contains("NotCanonical("), "{err}");
}
