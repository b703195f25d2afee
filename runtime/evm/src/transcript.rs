//! Proofs for the EVM: the same SHPLONK proofs as [`stele_circuit::proof`], with the Keccak-256
//! transcript (64-byte uncompressed points, big-endian scalars) that the generated verifier
//! contract replays.

use std::io::Read;

use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::plonk::{Circuit, ProvingKey, VerifyingKey, create_proof, verify_proof};
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_proofs::poly::kzg::multiopen::{ProverSHPLONK, VerifierSHPLONK};
use halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_proofs::transcript::{TranscriptReadBuffer, TranscriptWriterBuffer};
use rand::RngCore;
use snark_verifier::loader::native::NativeLoader;
use snark_verifier::system::halo2::transcript::evm::{ChallengeEvm, EvmTranscript};

use crate::EvmError;

type Writer = EvmTranscript<G1Affine, NativeLoader, Vec<u8>, Vec<u8>>;

/// A proof that `circuit` is satisfied with `instances` (one slice per instance column), for the
/// EVM verifier.
pub fn prove<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[&[Fr]],
    rng: impl RngCore,
) -> Result<Vec<u8>, EvmError> {
    let mut transcript = Writer::init(Vec::new());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, Writer, _>(
        params,
        pk,
        &[circuit],
        &[instances],
        rng,
        &mut transcript,
    )
    .map_err(|e| EvmError::Prove {
        reason: format!("{e:?}"),
    })?;
    Ok(transcript.finalize())
}

/// Counts what the transcript reads, so trailing bytes can be refused.
struct Counted<'a> {
    bytes: &'a [u8],
    read: usize,
}

impl Read for &mut Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (&self.bytes[self.read..]).read(buf)?;
        self.read += n;
        Ok(n)
    }
}

/// Whether `proof` (Keccak transcript) shows the key's circuit satisfied with `instances`.
/// A proof with bytes after its end is refused, as the settlement contract refuses it.
pub fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[&[Fr]],
    proof: &[u8],
) -> bool {
    let mut counted = Counted {
        bytes: proof,
        read: 0,
    };
    let ok = {
        let mut transcript =
            EvmTranscript::<G1Affine, NativeLoader, &mut Counted<'_>, Vec<u8>>::init(&mut counted);
        verify_proof::<
            KZGCommitmentScheme<Bn256>,
            VerifierSHPLONK<'_, Bn256>,
            ChallengeEvm<G1Affine>,
            _,
            SingleStrategy<'_, Bn256>,
        >(
            params.verifier_params(),
            vk,
            SingleStrategy::new(params),
            &[instances],
            &mut transcript,
        )
        .is_ok()
    };
    ok && counted.read == proof.len()
}
