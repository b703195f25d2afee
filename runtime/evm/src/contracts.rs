//! The two contracts a chain settles with:
//!
//! - **`Halo2Verifier`**, generated from the chain's verifying key by snark-verifier: called with
//!   the public inputs (32-byte big-endian words) followed by the proof, it returns nothing on
//!   success and reverts otherwise. Everything (the key, the setup's `G2` points, the number of
//!   public inputs) is baked into its code.
//! - **`SteleSettlement`** ([`SETTLEMENT_SOURCE`]): keeps the chain's state root and accepts a
//!   block only with a proof the verifier accepts for *its* chain id and *its* current root.
//!   Its ABI is documented in `docs/settlement.md`.

use std::rc::Rc;

use halo2_proofs::halo2curves::bn256::{Bn256, Fq, Fr, G1Affine};
use halo2_proofs::plonk::VerifyingKey;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use snark_verifier::loader::evm::EvmLoader;
use snark_verifier::pcs::kzg::{Bdfg21, KzgAs, KzgDecidingKey};
use snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier::system::halo2::{Config, compile};
use snark_verifier::verifier::{SnarkVerifier, plonk::PlonkVerifier};

use crate::EvmError;
use crate::solc::{Compiled, Mode, Solc};

type Shplonk = PlonkVerifier<KzgAs<Bn256, Bdfg21>>;

/// What the generator learns about a verifying key besides the contract.
#[derive(Clone, Debug)]
pub struct VerifierSource {
    /// The Solidity source of `Halo2Verifier`.
    pub solidity: String,
    /// Length in bytes of every proof for this key (Keccak transcript).
    pub proof_len: usize,
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the generator panicked".into())
}

/// The verifier contract for `vk` with `num_instances` public inputs in one instance column.
pub fn verifier_source(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    num_instances: usize,
) -> Result<VerifierSource, EvmError> {
    if vk.get_domain().k() != params.k() {
        return Err(EvmError::Generator {
            message: format!(
                "the key is for k = {}, the setup for k = {}",
                vk.get_domain().k(),
                params.k()
            ),
        });
    }
    // The generator asserts on circuits it does not support: turn that into an error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let protocol = compile(
            params,
            vk,
            Config::kzg().with_num_instance(vec![num_instances]),
        );
        let proof_len = 64
            * (protocol.num_witness.iter().sum::<usize>() + protocol.quotient.num_chunk())
            + 32 * protocol.evaluations.len()
            + 2 * 64;
        let dk: KzgDecidingKey<Bn256> = (params.get_g()[0], params.g2(), params.s_g2()).into();
        let loader = EvmLoader::new::<Fq, Fr>();
        let protocol = protocol.loaded(&loader);
        let mut transcript = EvmTranscript::<G1Affine, Rc<EvmLoader>, _, _>::new(&loader);
        let instances = transcript.load_instances(vec![num_instances]);
        let proof = Shplonk::read_proof(&dk, &protocol, &instances, &mut transcript)
            .map_err(|e| format!("{e:?}"))?;
        Shplonk::verify(&dk, &protocol, &instances, &proof).map_err(|e| format!("{e:?}"))?;
        Ok(VerifierSource {
            solidity: loader.solidity_code(),
            proof_len,
        })
    }))
    .map_err(panic_message)
    .and_then(|r| r)
    .map_err(|message| EvmError::Generator { message })
}

/// The settlement contract (Solidity 0.8.19). The Poseidon constants are filled in from
/// `stele-crypto`, the same ones every state root and transaction commitment uses.
pub fn settlement_source() -> String {
    let p = stele_crypto::poseidon_params::params(3);
    let hex = |x: &Fr| {
        let mut bytes = x.to_bytes();
        bytes.reverse();
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let constants: String = p.round_constants.iter().flatten().map(hex).collect();
    let mds: String = p.mds.iter().flatten().map(hex).collect();
    SETTLEMENT_SOURCE
        .replace("{ROUND_CONSTANTS}", &constants)
        .replace("{MDS}", &mds)
        .replace("{ROUNDS}", &(p.full_rounds + p.partial_rounds).to_string())
        .replace("{HALF_FULL}", &(p.full_rounds / 2).to_string())
        .replace(
            "{LAST_PARTIAL}",
            &(p.full_rounds / 2 + p.partial_rounds).to_string(),
        )
}

/// The settlement contract's template; see [`settlement_source`].
pub const SETTLEMENT_SOURCE: &str = include_str!("SteleSettlement.sol");

/// Both contracts of a chain, compiled.
#[derive(Clone, Debug)]
pub struct Contracts {
    pub verifier_source: String,
    pub verifier: Compiled,
    pub settlement_source: String,
    pub settlement: Compiled,
    /// Length of every proof for this key.
    pub proof_len: usize,
}

/// Generates and compiles both contracts for `vk`. Refuses a verifier over EIP-170's limit.
pub fn build(
    solc: &Solc,
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    num_instances: usize,
) -> Result<Contracts, EvmError> {
    let generated = verifier_source(params, vk, num_instances)?;
    let verifier = solc.compile("Halo2Verifier", &generated.solidity, Mode::Verifier)?;
    let settlement_source = settlement_source();
    let settlement = solc.compile("SteleSettlement", &settlement_source, Mode::Standard)?;
    for (name, c) in [
        ("Halo2Verifier", &verifier),
        ("SteleSettlement", &settlement),
    ] {
        if c.runtime.len() > crate::MAX_RUNTIME_SIZE {
            return Err(EvmError::TooLarge {
                contract: name.into(),
                size: c.runtime.len(),
            });
        }
    }
    Ok(Contracts {
        verifier_source: generated.solidity,
        verifier,
        settlement_source,
        settlement,
        proof_len: generated.proof_len,
    })
}
