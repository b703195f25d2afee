//! The native executor of Stele IR: the reference semantics that the circuit back end is held to.
//!
//! - [`Executable::new`] verifies a [`Program`] (`stele_ir::verify`) and precompiles every
//!   transition and test into typed register code. The running functions take an
//!   [`Executable`] or, for one-off calls, a [`Program`] ([`ToExecutable`]).
//! - [`State`] holds the chain state and computes the state root (`docs/state-commitment.md`).
//! - [`apply_tx`] runs one transaction: all of its effects or, when it is rejected, none.
//!   [`apply_block`] runs a list of them; [`run_test`] runs a `test` body on the default state.
//! - [`apply_tx_traced`] does what [`apply_tx`] does and also returns the full witness trace
//!   ([`TxTrace`]); the untraced path does no tracing work.
//! - [`decode_block`], [`State::from_json`] and [`State::to_json`] are the JSON codec
//!   (`docs/json-formats.md`).

mod compile;
mod json;
mod machine;
mod shape;
mod state;
mod trace;

use std::borrow::Cow;
use std::fmt;

pub use compile::{Executable, LoadError};
pub use json::{JsonError, decode_block, decode_value, encode_block, encode_value};
pub use state::State;
pub use stele_crypto::Fr;
pub use stele_ir::verify::VerifyError;
pub use trace::{MapOp, MapUpdate, Step, TxTrace};

use stele_ir::{Loc, Program};

/// One flattened scalar value. `Int` holds `bool` (0 or 1) and `uN` values, `Field` holds
/// `Field` values. Equality is by numeric value, so `Val::Int(5) == Val::Field(5)`.
#[derive(Clone, Copy, Debug)]
pub enum Val {
    Int(u128),
    Field(Fr),
}

impl Val {
    pub const ZERO: Val = Val::Int(0);

    /// The value as a field element (bool is 0 or 1).
    pub fn to_fr(self) -> Fr {
        match self {
            Val::Int(x) => stele_crypto::fr_from_u128(x),
            Val::Field(f) => f,
        }
    }

    /// The value as an integer, when it is below 2^128.
    pub fn to_u128(self) -> Option<u128> {
        match self {
            Val::Int(x) => Some(x),
            Val::Field(f) => stele_crypto::fr_to_u128(&f),
        }
    }

    pub fn is_zero(self) -> bool {
        match self {
            Val::Int(x) => x == 0,
            Val::Field(f) => f == Fr::zero(),
        }
    }
}

impl PartialEq for Val {
    fn eq(&self, other: &Val) -> bool {
        match (*self, *other) {
            (Val::Int(a), Val::Int(b)) => a == b,
            (Val::Field(a), Val::Field(b)) => a == b,
            (Val::Int(a), Val::Field(b)) | (Val::Field(b), Val::Int(a)) => {
                stele_crypto::fr_to_u128(&b) == Some(a)
            }
        }
    }
}

impl Eq for Val {}

impl From<u128> for Val {
    fn from(x: u128) -> Val {
        Val::Int(x)
    }
}

impl From<u64> for Val {
    fn from(x: u64) -> Val {
        Val::Int(x.into())
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Val {
        Val::Int(b.into())
    }
}

impl From<Fr> for Val {
    fn from(f: Fr) -> Val {
        Val::Field(f)
    }
}

impl fmt::Display for Val {
    /// Decimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Int(x) => write!(f, "{x}"),
            Val::Field(x) => f.write_str(&stele_crypto::fr_to_decimal(x)),
        }
    }
}

/// A transaction: a transition (index into [`Program::transitions`]) and its flattened arguments
/// (the layout of `stele_ir::layout`, parameters in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tx {
    pub transition: usize,
    pub args: Vec<Val>,
}

/// Why a transaction was rejected, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The `assert` message or a fixed reason such as `arithmetic overflow`.
    pub reason: String,
    /// The failing instruction's location, if it has one.
    pub loc: Option<Loc>,
    /// `loc`'s file name (from [`Program::files`]).
    pub file: Option<String>,
}

impl Rejection {
    /// A rejection with no location (malformed transaction, unknown test, ...).
    pub fn new(reason: impl Into<String>) -> Rejection {
        Rejection {
            reason: reason.into(),
            loc: None,
            file: None,
        }
    }

    pub(crate) fn at(program: &Program, loc: Option<Loc>, reason: impl Into<String>) -> Rejection {
        let file = loc.and_then(|l| program.files.get(l.file as usize).cloned());
        Rejection {
            reason: reason.into(),
            loc,
            file,
        }
    }
}

impl fmt::Display for Rejection {
    /// `reason (file:line:col)`; `reason (line:col)` without a file name; `reason` without a
    /// location.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)?;
        match (&self.loc, &self.file) {
            (Some(l), Some(file)) => write!(f, " ({file}:{}:{})", l.line, l.col),
            (Some(l), None) => write!(f, " ({}:{})", l.line, l.col),
            (None, _) => Ok(()),
        }
    }
}

impl std::error::Error for Rejection {}

/// What happened to one transaction of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Rejected(Rejection),
}

/// The outcome of each transaction of a block, and the state root after the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockResult {
    pub outcomes: Vec<Outcome>,
    pub root: Fr,
}

/// What the running functions accept: an [`Executable`] (checked and precompiled once: use it
/// for repeated calls) or a [`Program`] (checked and precompiled on every call; an invalid
/// program rejects every transaction with `invalid program: ...`).
pub trait ToExecutable {
    fn to_executable(&self) -> Result<Cow<'_, Executable>, LoadError>;
}

impl ToExecutable for Executable {
    fn to_executable(&self) -> Result<Cow<'_, Executable>, LoadError> {
        Ok(Cow::Borrowed(self))
    }
}

impl ToExecutable for Program {
    fn to_executable(&self) -> Result<Cow<'_, Executable>, LoadError> {
        Executable::new(self).map(Cow::Owned)
    }
}

fn load<P: ToExecutable + ?Sized>(program: &P) -> Result<Cow<'_, Executable>, Rejection> {
    program
        .to_executable()
        .map_err(|e| Rejection::new(format!("invalid program: {e}")))
}

/// Runs one transaction. On success its effects are committed to `state`; on rejection
/// `state` is unchanged.
///
/// # Panics
/// If `state` was not built for this program (a different state layout).
pub fn apply_tx<P: ToExecutable + ?Sized>(
    program: &P,
    state: &mut State,
    tx: &Tx,
) -> Result<(), Rejection> {
    let exe = load(program)?;
    machine::Machine::new().apply(&exe, state, tx)
}

/// Runs the transactions in order; a rejected one changes nothing and the block goes on.
///
/// # Panics
/// If `state` was not built for this program.
pub fn apply_block<P: ToExecutable + ?Sized>(
    program: &P,
    state: &mut State,
    txs: &[Tx],
) -> BlockResult {
    let outcomes = match load(program) {
        Ok(exe) => {
            // Merkle path updates are deferred to the end of the block: one per distinct key
            // written in the block (transactions read entries, never trees).
            let mut m = machine::Machine::new();
            m.begin_batch();
            let outcomes = txs
                .iter()
                .map(|tx| match m.apply(&exe, state, tx) {
                    Ok(()) => Outcome::Applied,
                    Err(r) => Outcome::Rejected(r),
                })
                .collect();
            m.end_batch(state);
            outcomes
        }
        Err(r) => txs.iter().map(|_| Outcome::Rejected(r.clone())).collect(),
    };
    BlockResult {
        outcomes,
        root: state.root(),
    }
}

/// Like [`apply_tx`], and records the witness trace: every executed instruction's results,
/// every map access with the committed leaf and Merkle siblings of its key, and every Merkle
/// path update of the commit.
///
/// # Panics
/// If `state` was not built for this program.
pub fn apply_tx_traced<P: ToExecutable + ?Sized>(
    program: &P,
    state: &mut State,
    tx: &Tx,
) -> TxTrace {
    match load(program) {
        Ok(exe) => machine::Machine::new().apply_traced(&exe, state, tx),
        Err(r) => TxTrace::rejected_early(state.root(), r),
    }
}

/// Runs test `index` (of [`Program::tests`]) on the default state.
pub fn run_test<P: ToExecutable + ?Sized>(program: &P, index: usize) -> Result<(), Rejection> {
    let exe = load(program)?;
    let mut state = State::new(exe.program());
    machine::Machine::new().run_test(&exe, &mut state, index)
}
