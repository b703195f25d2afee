use std::fmt;

/// Everything that can go wrong generating, compiling, deploying or calling the contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvmError {
    /// Node.js is not installed or cannot be started.
    NodeMissing { tried: String, reason: String },
    /// The npm package `solc` is not installed where it is looked for.
    SolcMissing { searched: Vec<String> },
    /// The installed `solc` package is not the version the contracts are written for.
    SolcVersion {
        found: String,
        expected: &'static str,
    },
    /// The compiler ran and reported errors (or its output could not be read).
    Compile { contract: String, message: String },
    /// The verifier generator could not handle the verifying key.
    Generator { message: String },
    /// A contract's runtime code is over EIP-170's limit, so it cannot be deployed on Ethereum.
    TooLarge { contract: String, size: usize },
    /// Deploying a contract in the local EVM failed.
    Deploy { contract: String, reason: String },
    /// The local EVM could not run a transaction at all (not a revert: a setup problem).
    Execution { reason: String },
    /// Proving failed.
    Prove { reason: String },
}

impl fmt::Display for EvmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvmError::NodeMissing { tried, reason } => write!(
                f,
                "cannot run Node.js (`{tried}`): {reason}\n  = help: install Node.js (Debian: `apt install nodejs npm`), or set STELE_NODE to its path"
            ),
            EvmError::SolcMissing { searched } => write!(
                f,
                "the Solidity compiler (npm package `solc@{}`) is not installed; looked in: {}\n  = help: run `npm ci --prefix runtime/evm/solc` in the Stele checkout, or set STELE_SOLC to a folder holding `node_modules/solc`",
                crate::solc::SOLC_VERSION,
                searched.join(", ")
            ),
            EvmError::SolcVersion { found, expected } => write!(
                f,
                "the installed Solidity compiler is {found}, the contracts need {expected}\n  = help: run `npm ci --prefix runtime/evm/solc`"
            ),
            EvmError::Compile { contract, message } => {
                write!(f, "compiling `{contract}` failed:\n{message}")
            }
            EvmError::Generator { message } => {
                write!(f, "cannot generate the verifier contract: {message}")
            }
            EvmError::TooLarge { contract, size } => write!(
                f,
                "`{contract}` is {size} bytes of runtime code, over the {} bytes Ethereum allows (EIP-170)\n  = help: the verifier grows with the circuit's columns and lookups; use a layout with fewer columns, or verify an aggregation proof of this chain's blocks instead",
                crate::MAX_RUNTIME_SIZE
            ),
            EvmError::Deploy { contract, reason } => {
                write!(f, "deploying `{contract}` failed: {reason}")
            }
            EvmError::Execution { reason } => write!(f, "the EVM could not run: {reason}"),
            EvmError::Prove { reason } => write!(f, "proving failed: {reason}"),
        }
    }
}

impl std::error::Error for EvmError {}
