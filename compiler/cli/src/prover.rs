//! The proving-system glue behind `stele keygen`, `stele prove`, `stele verify` and `stele info`:
//! KZG (BN254) with SHPLONK openings and a Blake2b transcript, on the block circuit of
//! `stele-circuit`. Keys and proofs are Stele containers bound to the compiled chain by
//! [`stele_circuit::block::fingerprint`].
//!
//! Long steps print one progress line each on standard error (`   Step ... done in 1.2 s`);
//! results go to standard output.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::plonk::{Circuit, ConstraintSystem, VerifyingKey, keygen_pk, keygen_vk};
use halo2_proofs::poly::commitment::Params;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stele_circuit::block::{BlockCircuit, BlockError, fingerprint};
use stele_circuit::costs::CostReport;
use stele_circuit::files::{self, FileError, ProofFile};
use stele_circuit::proof;
use stele_driver::Sources;
use stele_ir::Program;

use crate::block;

use crate::commands::{Failed, Outcome, compile_chain, error};

/// Runs one long step, printing `   {label} ... done in X s` (or `failed`) on standard error;
/// on a terminal the line counts the seconds while the step runs.
pub(crate) fn step<T, E>(label: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let tty = std::io::stderr().is_terminal();
    eprint!("   {label} ... ");
    let _ = std::io::stderr().flush();
    let start = Instant::now();
    let done = AtomicBool::new(false);
    let out = std::thread::scope(|scope| {
        if tty {
            scope.spawn(|| {
                let mut shown = 0;
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let secs = start.elapsed().as_secs();
                    if secs > shown && !done.load(Ordering::Relaxed) {
                        shown = secs;
                        eprint!("\r   {label} ... {secs} s");
                        let _ = std::io::stderr().flush();
                    }
                }
            });
        }
        let out = f();
        done.store(true, Ordering::Relaxed);
        out
    });
    // On a terminal, rewrite the line over the running count (and pad over its end).
    let (restart, pad) = if tty {
        (format!("\r   {label} ... "), "      ")
    } else {
        (String::new(), "")
    };
    match &out {
        Ok(_) => eprintln!(
            "{restart}done in {:.1} s{pad}",
            start.elapsed().as_secs_f64()
        ),
        Err(_) => eprintln!("{restart}failed{pad}"),
    }
    out
}

/// A compiled chain with everything the proving commands need.
pub(crate) struct Chain {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    sources: Sources,
    pub(crate) program: Program,
    pub(crate) chain_id: u64,
    pub(crate) block_size: usize,
    fingerprint: [u8; 32],
}

impl Chain {
    pub(crate) fn load(path: &Path, color: bool) -> Result<Chain, Failed> {
        let (sources, program): (Sources, Program) = compile_chain(path, None, color)?;
        let dir = if path.is_file() {
            path.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            path.to_path_buf()
        };
        let chain_id = sources.manifest.id;
        let block_size = sources.manifest.block_size as usize;
        Ok(Chain {
            name: sources.manifest.name.clone(),
            dir,
            sources: sources.clone(),
            fingerprint: fingerprint(&program, chain_id, block_size),
            program,
            chain_id,
            block_size,
        })
    }

    /// The setup and the verifying key from `keys` (default `target/keys/`).
    pub(crate) fn verifying_key(
        &self,
        params: Option<&Path>,
        keys: Option<PathBuf>,
    ) -> Result<(ParamsKZG<Bn256>, VerifyingKey<G1Affine>), Failed> {
        let k = self.k()?;
        let params = self.params(params, k)?;
        let dir = keys.unwrap_or_else(|| self.keys_dir());
        let (vk_path, _) = self.key_paths(&dir);
        if !vk_path.is_file() {
            return Err(error(format!(
                "no verifying key at `{}`: run `stele keygen` first",
                vk_path.display()
            )));
        }
        let vk_bytes = read_file(&vk_path)?;
        let vk = files::vk_from_bytes::<BlockCircuit>(&vk_bytes, &params, &self.fingerprint, ())
            .map_err(|e| in_file(&vk_path, e))?;
        Ok((params, vk))
    }

    /// Reads a proof file and checks it is for this chain and `vk`.
    pub(crate) fn proof_file(
        &self,
        path: &Path,
        vk: &VerifyingKey<G1Affine>,
    ) -> Result<ProofFile, Failed> {
        let bytes = read_file(path)?;
        let file = ProofFile::from_bytes(&bytes).map_err(|e| in_file(path, e))?;
        file.check(&self.fingerprint, vk)
            .map_err(|e| in_file(path, e))?;
        Ok(file)
    }

    fn keygen_circuit(&self) -> BlockCircuit {
        BlockCircuit::without_witness(&self.program, self.chain_id, self.block_size)
    }

    fn keys_dir(&self) -> PathBuf {
        self.dir.join("target").join("keys")
    }

    fn key_paths(&self, dir: &Path) -> (PathBuf, PathBuf) {
        (
            dir.join(format!("{}.vk", self.name)),
            dir.join(format!("{}.pk", self.name)),
        )
    }

    /// The circuit's `k`, or an error if the program cannot be laid out.
    pub(crate) fn k(&self) -> Result<u32, Failed> {
        let circuit = self.keygen_circuit();
        // `rows()` panics when the program cannot be lowered: `new` on an empty block reports it.
        let state = stele_exec::State::new(&self.program);
        BlockCircuit::new(&self.program, self.chain_id, self.block_size, &state, &[])
            .map_err(|e| error(format!("cannot build the block circuit: {e}")))?;
        Ok(circuit.k())
    }

    /// The KZG parameters for `k`: from `file` (halo2-axiom params or snarkjs `.ptau`), or the
    /// INSECURE development setup cached under `target/params/`.
    pub(crate) fn params(&self, file: Option<&Path>, k: u32) -> Result<ParamsKZG<Bn256>, Failed> {
        let err = |e: FileError| error(e);
        match file {
            Some(path) => {
                let params = if is_ptau(path) {
                    step(&format!("Reading {} (k = {k})", path.display()), || {
                        files::read_ptau_file(path, k)
                    })
                    .map_err(err)?
                } else {
                    let full = step(&format!("Reading {}", path.display()), || {
                        files::read_params_file(path)
                    })
                    .map_err(err)?;
                    if full.k() == k {
                        full
                    } else {
                        step(&format!("Downsizing params to k = {k}"), || {
                            files::params_for_k(&full, k)
                        })
                        .map_err(err)?
                    }
                };
                if files::is_insecure_dev_params(&params) {
                    eprintln!(
                        "warning: `{}` is the INSECURE development setup: for development only",
                        path.display()
                    );
                }
                Ok(params)
            }
            None => {
                let dir = self.dir.join("target").join("params");
                eprintln!(
                    "warning: using the INSECURE development setup (its secret is public: anyone can forge proofs); for development only, pass `--params` for a real ceremony file"
                );
                let cached = dir.join(files::dev_params_file_name(k)).is_file();
                let label = if cached {
                    format!("Loading INSECURE dev setup (k = {k})")
                } else {
                    format!("Generating INSECURE dev setup (k = {k})")
                };
                step(&label, || files::load_or_create_dev_params(&dir, k)).map_err(err)
            }
        }
    }
}

/// A snarkjs powers-of-tau file: `.ptau` extension or the `ptau` magic.
fn is_ptau(path: &Path) -> bool {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ptau"))
    {
        return true;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && &magic == b"ptau"
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Failed> {
    std::fs::read(path).map_err(|e| error(format!("cannot read `{}`: {e}", path.display())))
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failed> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| error(format!("cannot create `{}`: {e}", parent.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| error(format!("cannot write `{}`: {e}", path.display())))
}

pub(crate) fn in_file(path: &Path, e: FileError) -> Failed {
    error(format!("`{}`: {e}", path.display()))
}

pub fn keygen(path: &Path, params: Option<PathBuf>, out: Option<PathBuf>, color: bool) -> Outcome {
    let chain = Chain::load(path, color)?;
    let circuit = chain.keygen_circuit();
    let k = chain.k()?;
    let params = chain.params(params.as_deref(), k)?;
    let vk = step(&format!("Generating verifying key (k = {k})"), || {
        keygen_vk(&params, &circuit)
    })
    .map_err(|e| error(format!("key generation failed: {e:?}")))?;
    let pk = step(&format!("Generating proving key (k = {k})"), || {
        keygen_pk(&params, vk.clone(), &circuit)
    })
    .map_err(|e| error(format!("key generation failed: {e:?}")))?;
    let dir = out.unwrap_or_else(|| chain.keys_dir());
    let (vk_path, pk_path) = chain.key_paths(&dir);
    step("Writing keys", || {
        write_file(&vk_path, &files::vk_to_bytes(&vk, &chain.fingerprint))?;
        write_file(&pk_path, &files::pk_to_bytes(&pk, &chain.fingerprint))
    })?;
    eprintln!(
        "    Finished keys for `{}` (block_size {}, k = {k}): {} and {}",
        chain.name,
        chain.block_size,
        vk_path.display(),
        pk_path.display()
    );
    Ok(())
}

pub struct ProveArgs {
    pub state: Option<PathBuf>,
    pub block: PathBuf,
    pub params: Option<PathBuf>,
    pub keys: Option<PathBuf>,
    pub out: Option<PathBuf>,
    /// Use the Keccak transcript the EVM verifier reads.
    pub evm: bool,
}

pub fn prove(path: &Path, args: ProveArgs, color: bool) -> Outcome {
    let chain = Chain::load(path, color)?;
    let program = &chain.program;
    let state = match &args.state {
        Some(p) => block::read_state(program, p)?,
        None => stele_exec::State::new(program),
    };
    let txs = block::read_block(program, &args.block)?;
    let built = step("Running the block", || {
        BlockCircuit::new(program, chain.chain_id, chain.block_size, &state, &txs)
    });
    let (circuit, public) = match built {
        Ok(b) => b,
        Err(e @ BlockError::Rejected { .. }) => {
            return Err(error(format!(
                "{e}; a block proof covers applied transactions only"
            )));
        }
        Err(e) => return Err(error(format!("`{}`: {e}", args.block.display()))),
    };
    let k = circuit.k();
    let params = chain.params(args.params.as_deref(), k)?;
    let dir = args.keys.unwrap_or_else(|| chain.keys_dir());
    let (_, pk_path) = chain.key_paths(&dir);
    if !pk_path.is_file() {
        return Err(error(format!(
            "no proving key at `{}`: run `stele keygen` first",
            pk_path.display()
        )));
    }
    let pk = step("Reading proving key", || {
        let bytes = read_file(&pk_path)?;
        files::pk_from_bytes::<BlockCircuit>(&bytes, &params, &chain.fingerprint, ())
            .map_err(|e| in_file(&pk_path, e))
    })?;
    let (transcript, label, suffix) = if args.evm {
        (
            files::Transcript::Keccak,
            "Proving for the EVM",
            "evm.proof",
        )
    } else {
        (files::Transcript::Blake2b, "Proving", "proof")
    };
    let proof = step(&format!("{label} (k = {k})"), || match transcript {
        files::Transcript::Blake2b => {
            proof::prove(&params, &pk, circuit, &[&public], rand::rngs::OsRng)
                .map_err(|e| format!("{e:?}"))
        }
        files::Transcript::Keccak => {
            stele_evm::transcript::prove(&params, &pk, circuit, &[&public], rand::rngs::OsRng)
                .map_err(|e| e.to_string())
        }
    })
    .map_err(|e| error(format!("proving failed: {e}")))?;
    let file = ProofFile {
        k,
        fingerprint: chain.fingerprint,
        public_inputs: vec![public],
        transcript,
        proof,
    };
    let out = args.out.unwrap_or_else(|| {
        chain
            .dir
            .join("target")
            .join("proofs")
            .join(format!("{}.{suffix}", chain.name))
    });
    let bytes = file.to_bytes();
    write_file(&out, &bytes)?;
    print_public(&file.public_inputs[0]);
    println!(
        "proof: {} bytes ({} bytes in the file) -> {}",
        file.proof.len(),
        bytes.len(),
        out.display()
    );
    Ok(())
}

pub fn verify(
    path: &Path,
    proof_path: &Path,
    params: Option<PathBuf>,
    keys: Option<PathBuf>,
    color: bool,
) -> Outcome {
    let chain = Chain::load(path, color)?;
    // A damaged file is reported before the setup is loaded.
    ProofFile::from_bytes(&read_file(proof_path)?).map_err(|e| in_file(proof_path, e))?;
    let (params, vk) = chain.verifying_key(params.as_deref(), keys)?;
    let file = chain.proof_file(proof_path, &vk)?;
    let instances = file.instance_slices();
    let ok = step("Verifying", || -> Result<bool, Failed> {
        Ok(match file.transcript {
            files::Transcript::Blake2b => proof::verify(&params, &vk, &instances, &file.proof),
            files::Transcript::Keccak => {
                stele_evm::transcript::verify(&params, &vk, &instances, &file.proof)
            }
        })
    })?;
    if !ok {
        return Err(error("proof is invalid"));
    }
    println!("proof is valid");
    if let Some(public) = file.public_inputs.first() {
        print_public(public);
    }
    Ok(())
}

const LABELS: [&str; 5] = [
    "chain id",
    "previous root",
    "new root",
    "transaction commitment",
    "messages root",
];

pub(crate) fn print_public(public: &[Fr]) {
    println!("public inputs:");
    for (i, x) in public.iter().enumerate() {
        let label = LABELS.get(i).copied().unwrap_or("extra input");
        let value = if i == 0 {
            small(x).map_or_else(|| hex(x), |n| n.to_string())
        } else {
            hex(x)
        };
        println!("  {label:<23} {value}");
    }
}

/// `x` as a `u64` when it is that small.
fn small(x: &Fr) -> Option<u64> {
    let repr = x.to_repr();
    let bytes = repr.as_ref();
    if bytes[8..].iter().any(|&b| b != 0) {
        return None;
    }
    Some(u64::from_le_bytes(bytes[..8].try_into().ok()?))
}

/// `0x` and 64 hex digits, big-endian.
pub(crate) fn hex(x: &Fr) -> String {
    let repr = x.to_repr();
    let digits: String = repr
        .as_ref()
        .iter()
        .rev()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("0x{digits}")
}

/// Rows of one slot by source line, per transition (`BlockCircuit::slot_costs`).
fn print_line_costs(chain: &Chain, report: &CostReport) {
    let program = &chain.program;
    let text_of = |file: u32, line: u32| -> Option<String> {
        let name = program.files.get(file as usize)?;
        let source = chain.sources.files.iter().find(|f| &f.name == name)?;
        let text = source.text.lines().nth(line.checked_sub(1)? as usize)?;
        Some(text.trim_end().to_string())
    };
    println!();
    println!("rows by source line, in one slot (a map path shared by transitions counts for each)");
    for t in &report.transitions {
        println!("{}", t.name);
        for l in &t.lines {
            let place = format!(
                "{}:{}",
                program
                    .files
                    .get(l.file as usize)
                    .map_or("?", |f| f.as_str()),
                l.line
            );
            let text = text_of(l.file, l.line).unwrap_or_default();
            println!("  {place:<22} {:>6}  {}", l.rows, text.trim());
        }
    }
    println!(
        "(the slot itself: selector bits and transaction commitment, {} rows)",
        report.slot_overhead
    );
}

pub fn info(path: &Path, color: bool) -> Outcome {
    let chain = Chain::load(path, color)?;
    let program = &chain.program;
    chain.k()?;
    let report = stele_circuit::costs::cost_report(program, chain.chain_id, chain.block_size)
        .map_err(|e| error(format!("cannot build the block circuit: {e}")))?;
    let width = program
        .transitions
        .iter()
        .map(|t| t.name.len())
        .chain(std::iter::once("transition".len()))
        .max()
        .unwrap_or(0);
    let plan = stele_circuit::ports::plan(program);
    println!(
        "{:<width$}  {:>15}  {:>12}  {:>10}  {:>10}",
        "transition",
        "IR instructions",
        "map accesses",
        "rows alone",
        format!("k alone×{}", chain.block_size)
    );
    for t in &report.transitions {
        println!(
            "{:<width$}  {:>15}  {:>12}  {:>10}  {:>10}",
            t.name, t.ir_instructions, t.map_accesses, t.rows_alone, t.k_alone
        );
    }
    let slot = report.slot_rows;
    let map_names = program
        .state
        .iter()
        .filter(|f| matches!(f.kind, stele_ir::StateKind::Map { .. }))
        .map(|f| f.name.as_str());
    println!();
    println!("slot (every transition; map paths shared)");
    println!("  {:<17} {slot}", "rows");
    for (name, ports) in map_names.zip(&plan.ports) {
        let kinds: Vec<&str> = ports
            .iter()
            .map(|p| match p {
                stele_circuit::ports::PortKind::Read => "read",
                stele_circuit::ports::PortKind::Update => "update",
            })
            .collect();
        println!("  {:<17} `{name}`: {}", "map ports", kinds.join(", "));
    }
    print_line_costs(&chain, &report);
    let mut cs = ConstraintSystem::<Fr>::default();
    BlockCircuit::configure(&mut cs);
    let k = report.k;
    let rows = report.block_rows;
    // Slots beyond `block_size` that still fit `k`: a larger block for the same proving time.
    let usable = (1usize << k).saturating_sub(cs.blinding_factors() + 1);
    let fixed = rows.saturating_sub(chain.block_size * slot);
    let fit = usable
        .saturating_sub(fixed)
        .checked_div(slot)
        .unwrap_or(chain.block_size);
    println!();
    println!("block of `{}`", chain.name);
    let lines = [
        ("block_size", chain.block_size.to_string()),
        ("rows", rows.to_string()),
        ("k", format!("{k} ({} rows)", 1u64 << k)),
        ("slots that fit k", fit.max(chain.block_size).to_string()),
        ("advice columns", cs.num_advice_columns().to_string()),
        ("fixed columns", cs.num_fixed_columns().to_string()),
        ("instance columns", cs.num_instance_columns().to_string()),
        ("lookups", cs.lookups().len().to_string()),
    ];
    for (label, value) in lines {
        println!("  {label:<17} {value}");
    }
    Ok(())
}
