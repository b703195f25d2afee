//! A local, in-memory EVM (revm, mainnet rules, EIP-170 enforced) to deploy the contracts and
//! call them: what `stele evm` and the tests run.

use revm::context::TxEnv;
use revm::context::result::{ExecutionResult, Output};
use revm::database::InMemoryDB;
use revm::primitives::{Address, TxKind};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};

use crate::EvmError;

/// Gas every transaction may use (a mainnet block's limit).
pub const GAS_LIMIT: u64 = 30_000_000;

type Evm = revm::MainnetEvm<revm::handler::MainnetContext<InMemoryDB>>;

/// A chain with one funded-free account (gas price 0) that sends every transaction.
pub struct LocalEvm {
    evm: Evm,
    nonce: u64,
}

impl std::fmt::Debug for LocalEvm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEvm")
            .field("nonce", &self.nonce)
            .finish()
    }
}

/// An event a call emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub address: [u8; 20],
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

/// The outcome of a call transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It succeeded, using `gas` in all (the 21,000 base and calldata included).
    Success {
        gas: u64,
        output: Vec<u8>,
        events: Vec<Event>,
    },
    /// It reverted with `output` (e.g. an ABI-encoded custom error).
    Revert { gas: u64, output: Vec<u8> },
    /// It stopped abnormally (out of gas, invalid opcode, ...).
    Halt { gas: u64, reason: String },
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success { .. })
    }

    /// Gas used, whatever the outcome.
    pub fn gas(&self) -> u64 {
        match self {
            Outcome::Success { gas, .. }
            | Outcome::Revert { gas, .. }
            | Outcome::Halt { gas, .. } => *gas,
        }
    }

    /// Why it failed, readable (`None` on success).
    pub fn failure(&self) -> Option<String> {
        match self {
            Outcome::Success { .. } => None,
            Outcome::Revert { output, .. } => Some(crate::abi::describe_revert(output)),
            Outcome::Halt { reason, .. } => Some(format!("halted: {reason}")),
        }
    }
}

impl Default for LocalEvm {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalEvm {
    pub fn new() -> LocalEvm {
        LocalEvm {
            evm: Context::mainnet()
                .with_db(InMemoryDB::default())
                .build_mainnet(),
            nonce: 0,
        }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> Result<ExecutionResult, EvmError> {
        let tx = TxEnv {
            gas_limit: GAS_LIMIT,
            kind,
            data: data.into(),
            nonce: self.nonce,
            ..Default::default()
        };
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| EvmError::Execution {
                reason: format!("{e:?}"),
            })?;
        self.nonce += 1;
        Ok(result)
    }

    /// Deploys `creation` code followed by ABI-encoded constructor arguments; returns the
    /// contract's address and the deployment's gas.
    pub fn deploy(
        &mut self,
        name: &str,
        creation: &[u8],
        constructor_args: &[u8],
    ) -> Result<([u8; 20], u64), EvmError> {
        let mut data = creation.to_vec();
        data.extend_from_slice(constructor_args);
        let fail = |reason: String| EvmError::Deploy {
            contract: name.into(),
            reason,
        };
        match self.transact(TxKind::Create, data)? {
            ExecutionResult::Success {
                output: Output::Create(_, Some(address)),
                gas_used,
                ..
            } => Ok((address.into_array(), gas_used)),
            ExecutionResult::Success { .. } => Err(fail("no contract was created".into())),
            ExecutionResult::Revert { output, .. } => {
                Err(fail(crate::abi::describe_revert(&output)))
            }
            ExecutionResult::Halt { reason, .. } => Err(fail(format!("{reason:?}"))),
        }
    }

    /// Calls the contract at `to` with `data`.
    pub fn call(&mut self, to: &[u8; 20], data: Vec<u8>) -> Result<Outcome, EvmError> {
        Ok(
            match self.transact(TxKind::Call(Address::from(*to)), data)? {
                ExecutionResult::Success {
                    gas_used,
                    output,
                    logs,
                    ..
                } => Outcome::Success {
                    gas: gas_used,
                    output: output.into_data().to_vec(),
                    events: logs
                        .into_iter()
                        .map(|log| Event {
                            address: log.address.into_array(),
                            topics: log.data.topics().iter().map(|t| t.0).collect(),
                            data: log.data.data.to_vec(),
                        })
                        .collect(),
                },
                ExecutionResult::Revert { gas_used, output } => Outcome::Revert {
                    gas: gas_used,
                    output: output.to_vec(),
                },
                ExecutionResult::Halt { reason, gas_used } => Outcome::Halt {
                    gas: gas_used,
                    reason: format!("{reason:?}"),
                },
            },
        )
    }

    /// Calls a view function without arguments that returns one word (e.g. `stateRoot()`).
    pub fn view_word(&mut self, to: &[u8; 20], signature: &str) -> Result<[u8; 32], EvmError> {
        match self.call(to, crate::abi::selector(signature).to_vec())? {
            Outcome::Success { output, .. } if output.len() == 32 => {
                Ok(output.try_into().expect("32 bytes"))
            }
            other => Err(EvmError::Execution {
                reason: format!("`{signature}` returned {other:?}"),
            }),
        }
    }
}
