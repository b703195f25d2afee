//! `stele`: the command line. Argument parsing, files in and out, exit codes; the work itself is
//! done by the driver (compiling) and the runtime (executing).

mod block;
mod commands;
mod editor;
mod ethereum;
mod keys;
mod merkle;
mod prover;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "stele", version, about = "Compile, run and test Stele chains")]
struct Cli {
    /// Colour diagnostics: auto, always or never.
    #[arg(long, global = true, default_value = "auto")]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new chain folder with a manifest, sources and example inputs.
    New {
        /// The chain's name (also the folder created).
        name: String,
    },
    /// Parse and type-check a chain folder or a single `.stele` file.
    Check {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Compile a chain to IR; writes the artifact to `target/<name>.steleir` in the chain folder.
    Build {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print the IR text to standard output instead of writing the artifact.
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        /// Print the IR after this pass (`lower`, or a pass of the IR pipeline) to standard error.
        #[arg(long, value_name = "PASS")]
        print_after: Option<String>,
        /// Where to write the artifact.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Apply a block of transactions to a state and print the new state root.
    Run {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The starting state (JSON); the default state when omitted.
        #[arg(long)]
        state: Option<PathBuf>,
        /// The block of transactions (JSON).
        #[arg(long)]
        block: PathBuf,
        /// Write the new state (JSON) here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a chain's `test` items and its example block against the expected outputs; with a
    /// folder of chains, every chain in it.
    Test {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Rewrite the expected outputs from the actual ones.
        #[arg(long)]
        bless: bool,
    },
    /// Generate the verifying and proving keys of a chain's block circuit.
    Keygen {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// KZG parameters: a halo2-axiom params file or a snarkjs `.ptau`; the INSECURE
        /// development setup when omitted.
        #[arg(long)]
        params: Option<PathBuf>,
        /// Where to write `<name>.vk` and `<name>.pk` (default `target/keys/`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prove a block of applied transactions.
    Prove {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The starting state (JSON); the default state when omitted.
        #[arg(long)]
        state: Option<PathBuf>,
        /// The block of transactions (JSON).
        #[arg(long)]
        block: PathBuf,
        /// KZG parameters, as given to `stele keygen`.
        #[arg(long)]
        params: Option<PathBuf>,
        /// The folder of the keys (default `target/keys/`).
        #[arg(long)]
        keys: Option<PathBuf>,
        /// Where to write the proof (default `target/proofs/<name>.proof`, or
        /// `<name>.evm.proof` with `--evm`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Prove for the EVM verifier contract (Keccak transcript) instead of for off-chain
        /// verification (Blake2b); `stele verify` checks either.
        #[arg(long)]
        evm: bool,
    },
    /// Verify a block proof against the chain's verifying key.
    Verify {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
        /// KZG parameters, as given to `stele keygen`.
        #[arg(long)]
        params: Option<PathBuf>,
        /// The folder of the keys (default `target/keys/`).
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Print the sizes of a chain's circuit: per transition and for the block.
    Info {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Format `.stele` files in place: one file, or every file under a folder.
    Fmt {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Change nothing; list the files that are not formatted and fail if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Run the language server on standard input and output (for editors).
    Lsp,
    /// Generate the chain's verifier and settlement contracts for Ethereum: Solidity sources
    /// and creation bytecode in `target/evm/` (needs Node.js and `npm ci --prefix runtime/evm/solc`).
    Verifier {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// KZG parameters, as given to `stele keygen`.
        #[arg(long)]
        params: Option<PathBuf>,
        /// The folder of the keys (default `target/keys/`).
        #[arg(long)]
        keys: Option<PathBuf>,
        /// The folder to write to (default `target/evm/`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the calldata (hex) that submits an EVM proof (`stele prove --evm`).
    Calldata {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
        /// Which call: the bare verifier, `submitBlock` (validium) or `submitBlockWithData`
        /// (rollup, needs `--block`).
        #[arg(long, value_enum, default_value = "validium")]
        to: CalldataTarget,
        /// The proven block (JSON), whose transaction data a rollup submission carries.
        #[arg(long)]
        block: Option<PathBuf>,
    },
    /// Deploy the chain's contracts in a local EVM and submit an EVM proof: prints sizes, gas
    /// and the stored root. With `--block`, the settlement runs in rollup mode.
    Evm {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The proof file (`stele prove --evm`).
        #[arg(long)]
        proof: PathBuf,
        /// KZG parameters, as given to `stele keygen`.
        #[arg(long)]
        params: Option<PathBuf>,
        /// The folder of the keys (default `target/keys/`).
        #[arg(long)]
        keys: Option<PathBuf>,
        /// The proven block (JSON): submit it with its transaction data (rollup mode).
        #[arg(long)]
        block: Option<PathBuf>,
    },
    /// Baby Jubjub keys for `std::eddsa` signatures.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Sign a message with EdDSA-Poseidon (circomlibjs's `signPoseidon`); prints the signature
    /// as the JSON of a `std::eddsa::Signature` argument. With `--block`, signs every signature
    /// request in a block file instead (see `docs/json-formats.md`).
    Sign {
        /// The key file (from `stele key new`).
        #[arg(long, required_unless_present = "block")]
        key: Option<PathBuf>,
        /// The message, one field element.
        #[arg(long, conflicts_with = "hash")]
        msg: Option<String>,
        /// Sign `poseidon([A, B, ...])` of these comma-separated field elements (1 to 16).
        #[arg(long, value_name = "A,B,...")]
        hash: Option<String>,
        /// A block whose arguments `{"sign": {"key": FILE, "hash": ["$from", ...]}}` are to be
        /// replaced by signatures; prints the signed block.
        #[arg(long, conflicts_with_all = ["key", "msg", "hash"])]
        block: Option<PathBuf>,
        /// With `--block`: write the signed block here instead.
        #[arg(long, requires = "block")]
        out: Option<PathBuf>,
    },
    /// Build the Merkle tree of a list of leaves (`std::merkle`, state maps) and print its root
    /// as JSON; with `--index`, also that leaf's siblings, as `std::merkle` takes them.
    Merkle {
        /// The tree's depth (1 to 64).
        #[arg(long)]
        depth: u32,
        /// The leaves (JSON array): entry `i` is leaf `i`, a field element or an array of 1 to
        /// 16 field elements whose `std::hash::poseidon` is the leaf; the rest are 0.
        #[arg(long)]
        leaves: PathBuf,
        /// Print the path of this leaf.
        #[arg(long)]
        index: Option<u64>,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create a random key; with `--out`, write the key file there and print the public key.
    New {
        /// Where to write the key file (never over an existing file).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CalldataTarget {
    Verifier,
    Validium,
    Rollup,
}

#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    Ir,
}

/// Exit status of a command whose output pipe closed (as if killed by `SIGPIPE`).
const BROKEN_PIPE: i32 = 141;

fn main() -> ExitCode {
    // `stele build --emit ir | head`: a closed stdout ends the command quietly, as in other
    // command-line tools, instead of crashing on the next `print!`.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE);
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let outcome = std::panic::catch_unwind(move || match cli.command {
        Command::New { name } => commands::new(&name),
        Command::Check { path } => commands::check(&path, color),
        Command::Build {
            path,
            emit,
            print_after,
            out,
        } => commands::build(&path, emit.is_some(), print_after.as_deref(), out, color),
        Command::Run {
            path,
            state,
            block,
            out,
        } => commands::run(&path, state, &block, out, color),
        Command::Test { path, bless } => commands::test(&path, bless, color),
        Command::Keygen { path, params, out } => prover::keygen(&path, params, out, color),
        Command::Prove {
            path,
            state,
            block,
            params,
            keys,
            out,
            evm,
        } => prover::prove(
            &path,
            prover::ProveArgs {
                state,
                block,
                params,
                keys,
                out,
                evm,
            },
            color,
        ),
        Command::Verify {
            path,
            proof,
            params,
            keys,
        } => prover::verify(&path, &proof, params, keys, color),
        Command::Info { path } => prover::info(&path, color),
        Command::Verifier {
            path,
            params,
            keys,
            out,
        } => ethereum::verifier(&path, ethereum::KeyArgs { params, keys }, out, color),
        Command::Calldata {
            path,
            proof,
            to,
            block,
        } => {
            let target = match to {
                CalldataTarget::Verifier => ethereum::Target::Verifier,
                CalldataTarget::Validium => ethereum::Target::Validium,
                CalldataTarget::Rollup => ethereum::Target::Rollup,
            };
            ethereum::calldata(&path, &proof, target, block, color)
        }
        Command::Evm {
            path,
            proof,
            params,
            keys,
            block,
        } => ethereum::evm(
            &path,
            &proof,
            ethereum::KeyArgs { params, keys },
            block,
            color,
        ),
        Command::Fmt { path, check } => editor::fmt(&path, check, color),
        Command::Lsp => editor::lsp(),
        Command::Key {
            command: KeyCommand::New { out },
        } => keys::key_new(out),
        Command::Sign {
            key,
            msg,
            hash,
            block,
            out,
        } => match (block, key) {
            (Some(block), _) => keys::sign_block(&block, out),
            (None, Some(key)) => keys::sign(&key, msg, hash),
            (None, None) => {
                eprintln!("error: give --key (or --block)");
                Err(commands::Failed)
            }
        },
        Command::Merkle {
            depth,
            leaves,
            index,
        } => merkle::merkle(depth, &leaves, index),
    });
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(commands::Failed)) => ExitCode::FAILURE,
        Err(_) => {
            eprintln!(
                "error: internal compiler error: the command crashed (a bug in stele; please report it)"
            );
            ExitCode::from(101)
        }
    }
}
