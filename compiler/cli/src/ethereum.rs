//! `stele verifier`, `stele calldata` and `stele evm`: a chain's contracts for Ethereum, the
//! calldata that submits a block, and a local EVM run that deploys both contracts and submits
//! a block proof (`stele-evm` does the work).

use std::path::{Path, PathBuf};

use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::plonk::VerifyingKey;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stele_circuit::block::tx_fields;
use stele_circuit::files::{self, ProofFile, Transcript};
use stele_evm::contracts::{self, Contracts};
use stele_evm::evm::{LocalEvm, Outcome};
use stele_evm::solc::{Solc, encode_hex};
use stele_evm::{MAX_RUNTIME_SIZE, abi};

use crate::block;
use crate::commands::{Failed, Outcome as CliOutcome, error};
use crate::prover::{Chain, hex, print_public, step, write_file};

/// Where the key and the setup come from.
pub struct KeyArgs {
    pub params: Option<PathBuf>,
    pub keys: Option<PathBuf>,
}

fn build(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
) -> Result<(Contracts, bool), Failed> {
    let solc = Solc::locate().map_err(error)?;
    let contracts = step("Generating and compiling the contracts", || {
        contracts::build(&solc, params, vk, stele_circuit::block::PUBLIC_INPUTS)
    })
    .map_err(error)?;
    Ok((contracts, files::is_insecure_dev_params(params)))
}

fn size_line(name: &str, runtime: usize) -> String {
    format!(
        "{name:<16} {runtime:>6} bytes runtime ({:.1}% of the {MAX_RUNTIME_SIZE}-byte EIP-170 limit)",
        100.0 * runtime as f64 / MAX_RUNTIME_SIZE as f64
    )
}

fn insecure_warning(insecure: bool) {
    if insecure {
        eprintln!(
            "warning: these contracts trust the INSECURE development setup (anyone can forge proofs for them): never deploy them; pass `--params` with a real ceremony file"
        );
    }
}

/// `stele verifier`: writes both contracts' sources and creation bytecode to `out`.
pub fn verifier(path: &Path, key: KeyArgs, out: Option<PathBuf>, color: bool) -> CliOutcome {
    let chain = Chain::load(path, color)?;
    let (params, vk) = chain.verifying_key(key.params.as_deref(), key.keys)?;
    let (c, insecure) = build(&params, &vk)?;
    let dir = out.unwrap_or_else(|| chain.dir.join("target").join("evm"));
    let write = |name: &str, bytes: &[u8]| write_file(&dir.join(name), bytes);
    write("Halo2Verifier.sol", c.verifier_source.as_bytes())?;
    write(
        "Halo2Verifier.bin",
        encode_hex(&c.verifier.creation).as_bytes(),
    )?;
    write("SteleSettlement.sol", c.settlement_source.as_bytes())?;
    write(
        "SteleSettlement.bin",
        encode_hex(&c.settlement.creation).as_bytes(),
    )?;
    let info = serde_json::json!({
        "chain": chain.name,
        "chain_id": chain.chain_id,
        "block_size": chain.block_size,
        "public_inputs": stele_circuit::block::PUBLIC_INPUTS,
        "proof_length": c.proof_len,
        "verifier_runtime_bytes": c.verifier.runtime.len(),
        "settlement_runtime_bytes": c.settlement.runtime.len(),
        "insecure_dev_setup": insecure,
        "settlement_constructor": "constructor(address verifier, uint256 chainId, uint256 genesisRoot, bool rollup, uint256 proofLength)",
    });
    write(
        "contracts.json",
        format!("{}\n", serde_json::to_string_pretty(&info).expect("json")).as_bytes(),
    )?;
    insecure_warning(insecure);
    println!("{}", size_line("Halo2Verifier", c.verifier.runtime.len()));
    println!(
        "{}",
        size_line("SteleSettlement", c.settlement.runtime.len())
    );
    println!("proof length     {} bytes", c.proof_len);
    println!(
        "settlement args  (verifier, chainId = {}, genesisRoot, rollup, proofLength = {})",
        chain.chain_id, c.proof_len
    );
    println!("written to {}", dir.display());
    Ok(())
}

/// How a proof is submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The verifier contract alone: public inputs, then the proof.
    Verifier,
    /// `submitBlock(prevRoot, newRoot, txCommitment, proof)`.
    Validium,
    /// `submitBlockWithData(prevRoot, newRoot, txData, proof)`.
    Rollup,
}

fn read_evm_proof(path: &Path) -> Result<ProofFile, Failed> {
    let bytes = crate::prover::read_file(path)?;
    let file = ProofFile::from_bytes(&bytes).map_err(|e| crate::prover::in_file(path, e))?;
    if file.transcript != Transcript::Keccak {
        return Err(error(format!(
            "`{}` is a proof for off-chain verification; the EVM verifier reads proofs made with `stele prove --evm`",
            path.display()
        )));
    }
    Ok(file)
}

/// The block's transaction fields, in order (rollup mode's `txData`).
fn tx_data(chain: &Chain, block_path: &Path, commitment: &Fr) -> Result<Vec<Fr>, Failed> {
    let txs = block::read_block(&chain.program, block_path)?;
    let data: Vec<Fr> = txs
        .iter()
        .flat_map(|tx| tx_fields(&chain.program, tx))
        .collect();
    if stele_circuit::block::tx_commitment(&chain.program, &txs) != *commitment {
        return Err(error(format!(
            "`{}` is not the block the proof is for: its transactions do not hash to the proof's transaction commitment",
            block_path.display()
        )));
    }
    Ok(data)
}

/// The proof's block public inputs (a hand-made file may hold fewer).
fn block_public(file: &ProofFile) -> Result<&[Fr], Failed> {
    file.public_inputs
        .first()
        .map(Vec::as_slice)
        .filter(|p| p.len() == stele_circuit::block::PUBLIC_INPUTS)
        .ok_or_else(|| error("the proof has no block public inputs"))
}

fn calldata_for(
    chain: &Chain,
    file: &ProofFile,
    target: Target,
    block_path: Option<&Path>,
) -> Result<Vec<u8>, Failed> {
    let public = block_public(file)?;
    Ok(match target {
        Target::Verifier => abi::verifier_calldata(public, &file.proof),
        Target::Validium => abi::submit_block(&public[1], &public[2], &public[3], &file.proof),
        Target::Rollup => {
            let block_path = block_path
                .ok_or_else(|| error("rollup calldata needs the block: pass `--block`"))?;
            let data = tx_data(chain, block_path, &public[3])?;
            abi::submit_block_with_data(&public[1], &public[2], &data, &file.proof)
        }
    })
}

/// `stele calldata`: prints the calldata (hex) that submits the proof.
pub fn calldata(
    path: &Path,
    proof: &Path,
    target: Target,
    block_path: Option<PathBuf>,
    color: bool,
) -> CliOutcome {
    let chain = Chain::load(path, color)?;
    let file = read_evm_proof(proof)?;
    let data = calldata_for(&chain, &file, target, block_path.as_deref())?;
    println!("0x{}", encode_hex(&data));
    eprintln!("    {} bytes of calldata", data.len());
    Ok(())
}

/// `stele evm`: deploys the verifier and a settlement contract (genesis = the proof's previous
/// root) in a local EVM, submits the block, and prints gas, sizes and the stored root.
pub fn evm(
    path: &Path,
    proof: &Path,
    key: KeyArgs,
    block_path: Option<PathBuf>,
    color: bool,
) -> CliOutcome {
    let chain = Chain::load(path, color)?;
    read_evm_proof(proof)?;
    let (params, vk) = chain.verifying_key(key.params.as_deref(), key.keys)?;
    // The same checks as `stele verify`: this chain, this key.
    let file = chain.proof_file(proof, &vk)?;
    let public = block_public(&file)?;
    let native = stele_evm::transcript::verify(&params, &vk, &file.instance_slices(), &file.proof);
    let (c, insecure) = build(&params, &vk)?;
    insecure_warning(insecure);
    print_public(public);
    println!("{}", size_line("Halo2Verifier", c.verifier.runtime.len()));
    println!(
        "{}",
        size_line("SteleSettlement", c.settlement.runtime.len())
    );
    let mut evm = LocalEvm::new();
    let (verifier, verifier_gas) = evm
        .deploy("Halo2Verifier", &c.verifier.creation, &[])
        .map_err(error)?;
    let rollup = block_path.is_some();
    let args =
        abi::settlement_constructor(&verifier, chain.chain_id, &public[1], rollup, c.proof_len);
    let (settlement, settlement_gas) = evm
        .deploy("SteleSettlement", &c.settlement.creation, &args)
        .map_err(error)?;
    println!("deployment gas   Halo2Verifier {verifier_gas}, SteleSettlement {settlement_gas}");
    let bare = evm
        .call(
            &verifier,
            calldata_for(&chain, &file, Target::Verifier, None)?,
        )
        .map_err(error)?;
    report("verification", &bare, file.proof.len() + 32 * public.len());
    let (target, name) = if rollup {
        (Target::Rollup, "submitBlockWithData")
    } else {
        (Target::Validium, "submitBlock")
    };
    let data = calldata_for(&chain, &file, target, block_path.as_deref())?;
    let len = data.len();
    let submitted = evm.call(&settlement, data).map_err(error)?;
    report(name, &submitted, len);
    if submitted.is_success() != native {
        return Err(error(format!(
            "the EVM and the Rust verifier disagree (EVM: {}, Rust: {native}): please report this",
            submitted.is_success()
        )));
    }
    if !submitted.is_success() {
        return Err(error("the settlement contract rejected the block"));
    }
    let root = evm.view_word(&settlement, "stateRoot()").map_err(error)?;
    println!("stored root      0x{}", encode_hex(&root));
    if root != abi::word(&public[2]) {
        return Err(error(format!(
            "the stored root is not the proof's new root {}",
            hex(&public[2])
        )));
    }
    println!("block accepted: the settlement contract holds the new root");
    Ok(())
}

fn report(what: &str, outcome: &Outcome, calldata: usize) {
    match outcome.failure() {
        None => println!(
            "{what:<16} accepted: {} gas, {calldata} bytes of calldata",
            outcome.gas()
        ),
        Some(why) => println!("{what:<16} REJECTED ({why}), {} gas", outcome.gas()),
    }
}
