//! The witness trace of one transaction, for a circuit back end: every value every executed
//! instruction defined, every map access with the Merkle path of its key in the committed state,
//! and every Merkle path update of the commit.

use stele_ir::ValueId;

use crate::{Fr, Rejection, Val};

/// What [`crate::apply_tx_traced`] records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxTrace {
    pub outcome: Result<(), Rejection>,
    /// The body index of the instruction that rejected the transaction (it has no [`Step`]).
    /// `None` when the transaction succeeded or was rejected before running (bad arguments).
    pub failed_inst: Option<usize>,
    /// The instructions that ran to completion, in body order.
    pub steps: Vec<Step>,
    /// Every `MapRead` and `MapWrite` whose guard was on and that did not fail, in order.
    pub map_ops: Vec<MapOp>,
    /// One per distinct written key, in order of the key's first write in the transaction
    /// (empty when the transaction was rejected).
    pub updates: Vec<MapUpdate>,
    /// The state root before and after the transaction (equal when it was rejected).
    pub root_before: Fr,
    pub root_after: Fr,
}

impl TxTrace {
    pub(crate) fn rejected_early(root: Fr, rejection: Rejection) -> TxTrace {
        TxTrace {
            outcome: Err(rejection),
            failed_inst: None,
            steps: Vec::new(),
            map_ops: Vec::new(),
            updates: Vec::new(),
            root_before: root,
            root_after: root,
        }
    }
}

/// One executed instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Index into the function's body.
    pub inst: usize,
    /// The guard's value (`true` for an unguarded instruction). When `false` every result is
    /// zero and the instruction had no effect.
    pub active: bool,
    /// The instruction's results, in the order of `Inst::results`.
    pub results: Vec<(ValueId, Val)>,
}

/// A map read or write as the instruction saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapOp {
    pub inst: usize,
    /// Index among the program's maps.
    pub map: u32,
    pub key: u64,
    pub write: bool,
    /// The flattened value read or written.
    pub value: Vec<Val>,
    /// Whether an earlier write of this transaction staged this key (a read then returns the
    /// staged value, not the committed one).
    pub staged: bool,
    /// The key's leaf and its Merkle siblings (leaf level first) in the state as it was when
    /// the transaction started.
    pub committed_leaf: Fr,
    pub siblings: Vec<Fr>,
}

/// One Merkle path update at commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapUpdate {
    pub map: u32,
    pub key: u64,
    pub old_value: Vec<Val>,
    pub new_value: Vec<Val>,
    pub old_leaf: Fr,
    pub new_leaf: Fr,
    /// Siblings of the key's path (leaf level first), the same before and after the update.
    pub siblings: Vec<Fr>,
    /// The map's root before and after this update.
    pub old_root: Fr,
    pub new_root: Fr,
}
