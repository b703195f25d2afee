//! The proving system, in one place: KZG on BN254 with SHPLONK openings and a Blake2b
//! transcript. Keygen, proving and verification of every Stele circuit go through here.

use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::plonk::{
    Circuit, Error, ProvingKey, VerifyingKey, create_proof, keygen_pk, keygen_vk, verify_proof,
};
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_proofs::poly::kzg::multiopen::{ProverSHPLONK, VerifierSHPLONK};
use halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_proofs::transcript::{
    Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer,
};
use rand::RngCore;

/// Verifying and proving keys of `circuit` (a circuit without witness suffices).
pub fn keygen<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    circuit: &C,
) -> Result<(VerifyingKey<G1Affine>, ProvingKey<G1Affine>), Error> {
    let vk = keygen_vk(params, circuit)?;
    let pk = keygen_pk(params, vk.clone(), circuit)?;
    Ok((vk, pk))
}

/// A proof that `circuit` is satisfied with `instances` (one slice per instance column).
pub fn prove<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[&[Fr]],
    rng: impl RngCore,
) -> Result<Vec<u8>, Error> {
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<
        KZGCommitmentScheme<Bn256>,
        ProverSHPLONK<'_, Bn256>,
        Challenge255<G1Affine>,
        _,
        Blake2bWrite<Vec<u8>, G1Affine, Challenge255<G1Affine>>,
        _,
    >(params, pk, &[circuit], &[instances], rng, &mut transcript)?;
    Ok(transcript.finalize())
}

/// Whether `proof` shows the key's circuit satisfied with `instances`.
pub fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[&[Fr]],
    proof: &[u8],
) -> bool {
    let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(proof);
    verify_proof::<
        KZGCommitmentScheme<Bn256>,
        VerifierSHPLONK<'_, Bn256>,
        Challenge255<G1Affine>,
        Blake2bRead<&[u8], G1Affine, Challenge255<G1Affine>>,
        SingleStrategy<'_, Bn256>,
    >(
        params.verifier_params(),
        vk,
        SingleStrategy::new(params),
        &[instances],
        &mut transcript,
    )
    .is_ok()
}
