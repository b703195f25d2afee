//! The block circuit: a proof that applying a block of transactions to the state with root `R0`
//! gives the state with root `R1`.
//!
//! # Public inputs (one instance column, fixed layout)
//!
//! | row | value | bound by |
//! |---|---|---|
//! | 0 | `chain_id` | copy of a **constant baked in at keygen** (a fixed-column constant of the gate chip), so a verifying key is for one chain |
//! | 1 | `prev_root` | `hash_list` of the starting state cells (below), the very cells the first slot reads |
//! | 2 | `new_root` | `hash_list` of the running state cells after the last slot |
//! | 3 | `tx_commitment` | the last element of the hash chain below |
//! | 4 | `messages_root` | reserved: the constant 0 |
//!
//! The state root is exactly that of `docs/state-commitment.md` and `State::root()`:
//! `hash_list(S)`, `S` the plain-state scalars and map roots in declaration order.
//!
//! # Transaction commitment
//!
//! A transaction of transition number `kind` is encoded as a few **fields** (field elements;
//! [`tx_fields`]), packing its flattened arguments by their types' widths, in order, like
//! packed calldata:
//!
//! - field 0 starts with `kind` in its low [`KIND_BITS`] bits;
//! - a `bool` takes 1 bit, a `uN` N bits, each placed at the lowest free bit of the current
//!   field, or at bit 0 of a new field if it would pass [`FIELD_BITS`] (248);
//! - a `Field` scalar (and every enum payload slot, which is a `Field` in the layout) takes a
//!   field of its own;
//! - every transaction of the chain has [`tx_width`] fields (the most any transition needs),
//!   the missing ones 0.
//!
//! So a field is `Σ value·2^shift` with every value below `2^width` and the sum below
//! `2^248 < p`: the encoding is injective, and the circuit computes it with linear
//! combinations of the parameter cells, which are range-checked by type in every slot. A
//! `token` transfer (`u32, u32, u64, u64, u32`) is one field: 16 + 224 bits.
//!
//! The commitment of a block starts at `c = 0` and absorbs every field of every transaction
//! in order: `c ← poseidon2(c, field)`. Padding slots leave it unchanged (in the circuit:
//! `c ← select(active, chained, c)`). Every step is one width-3 Poseidon (the dedicated chip
//! in the circuit, one `poseidon([c, x])` call for a Solidity or JavaScript verifier).
//! [`tx_commitment`] computes it natively; `docs/state-commitment.md` has a worked example.
//!
//! # Slots
//!
//! The block has `N` slots (`N` = the chain's `block_size`). Each slot has an `active` bit and
//! one bit `kind_i` per transition, constrained:
//!
//! - booleans, with `Σ_i kind_i = active` (one-hot when active, all zero when not; a sum of
//!   at most a few thousand booleans cannot wrap, so this is exact);
//! - **active slots come first**: `active_{s+1} ∧ ¬active_s = 0`. A padding slot followed by an
//!   active one is forbidden.
//!
//! Every slot contains every transition's lowering ([`lower_function_guarded`]) under the outer
//! guard `kind_i` (which equals `active ∧ kind_i`): every fallible instruction and every effect
//! runs under `kind_i ∧ inner guard`, so only the selected transition can fail or change state.
//! The slot's transaction fields are the selected transition's packed parameters,
//! `Σ_i kind_i · packed_{i,f}`, with its kind number `Σ_i i · kind_i` added to field 0.
//!
//! **Padding changes nothing**: with `active = 0` every `kind_i = 0`, every store is
//! `select(0, v, cur) = cur`, every map port is off (its next root is the current one), and the
//! commitment is `select(0, …, c) = c`; so running state and roots pass through unchanged.
//!
//! # State in the circuit
//!
//! - **Plain state**: one running cell per flattened scalar. A transition's `sload` reads the
//!   cells as they were when its lowering began (the IR's semantics: loads see the state at the
//!   start of the transaction); `sstore` under guard `g` replaces the running cell by
//!   `select(g, v, cur)`.
//! - **Maps**: one running root per map, updated by the slot's map ports (below). The final
//!   tree only depends on the final leaves, so the root after the block equals the executor's
//!   deferred commit. Leaf = `hash_list(flattened value)` ([`merkle::leaf_hash2`] for 2
//!   scalars, otherwise [`poseidon_wide::hash_list`]). The witness builder keeps its own copy
//!   of every map tree (from the starting state plus the block's writes) for the siblings,
//!   since the executor's siblings are those of the tree at the start of each transaction.
//!
//! # Map ports
//!
//! A transition's `map.read` and `map.write` do not lay out a Merkle path where they occur.
//! [`crate::ports::plan`] gives every slot a fixed sequence of **ports** per map (read or
//! update) and assigns each access of each transition to one, in execution order, fusing a
//! read with the write back to the same key (see that module). A read returns fresh witness
//! cells (the values at the key, native); after all the slot's transitions, each port is laid
//! out once for the accesses assigned to it (its *contributors*, at most one per transition):
//!
//! - **guard** `g = ∨ g_i` (one `or` row per extra contributor). Each `g_i` is
//!   `kind_i ∧ inner guard`, so at most one is on, and `g` is the running transition's guard.
//! - **key** `Σ g_i·key_i` (one row per contributor; a single contributor's key as is).
//! - **old leaf**: if some contributor reads, the hash of the port's *old values* `O`; each
//!   reader's cells `r_i` are bound by `select(g_i, r_i, O) = O` (one row per scalar), so with
//!   `g_i = 1` they are exactly `O`. A single contributor's read cells are `O` themselves.
//!   Without readers the old leaf is a witness.
//! - the path: [`merkle::map_read`] for a read port; [`merkle::map_update`] for an update
//!   port, with the old leaf checked under `g`, the new leaf the hash of
//!   `Σ_writers g_i·v_i` (a single writer's values as is), and the next root
//!   `select(w, new, cur)`, `w = ∨_writers g_i`: a transition that only reads through an
//!   update port keeps the root.
//!
//! Ports are laid out map by map in port order; the running transition's accesses keep their
//! order (the plan embeds each transition's sequence), so its reads see its earlier writes, as
//! in the executor. A fused read and its write see the same root: no write to that map lies
//! between them.
//!
//! # Rejected transactions
//!
//! [`BlockCircuit::new`] runs the executor and refuses a block with a rejected transaction
//! ([`BlockError::Rejected`], the executor's reason). A witness forced through anyway
//! ([`BlockCircuit::new_forced`], test-only) has no satisfying assignment: the failing
//! instruction's check runs under an outer guard of 1.
//!
//! # Witness order (for fault injection)
//!
//! The first `ctx.witness` cells (label `witness`) are the starting state: the plain scalars in
//! layout order (`0 .. P`), then the map roots in map order (`P .. P + M`). Tests tamper them
//! with [`BlockCircuit::with_faults`].
//!
//! # Size
//!
//! Measured by `tests/block.rs` (blocks of 4 slots): counter (2 transitions, 2 plain
//! scalars) 466 rows, `k = 9`; token (2 transitions sharing two update ports on a depth-20
//! map) 16,166 rows, `k = 14`. A slot costs its ports (shared by all transitions), its
//! commitment hashes (one per transaction field) and every transition's own arithmetic; `stele
//! info` prints the numbers for a chain.
//!
//! # Keys
//!
//! `Circuit::Params` is `()`: the gates and columns do not depend on the program; the program,
//! chain id and block size shape only the fixed columns, which
//! [`BlockCircuit::without_witness`] assigns identically at keygen.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{
    Advice, Any, Assigned, Assignment, Challenge, Circuit, Column, ConstraintSystem, Error, Fixed,
    FloorPlanner, Instance, Selector,
};
use stele_crypto::MerkleTree;
use stele_exec::{Executable, Rejection, State, Tx, TxTrace, apply_tx_traced};
use stele_ir::{Op, Program, StateKind, Ty};

use crate::gates::{Bit, Faults, GateChip, GateConfig, GateCtx, Var, pow2};
use crate::lower::{FunctionIo, LowerError, Witness, lower_function_guarded};
use crate::merkle;
use crate::ports::{self, AccessPlan, PortKind, Role};
use crate::poseidon::{PoseidonChip, PoseidonConfig};
use crate::poseidon_wide;

/// Number of public inputs: `[chain_id, prev_root, new_root, tx_commitment, messages_root]`.
pub const PUBLIC_INPUTS: usize = 5;

/// Why a block circuit could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// More transactions than slots.
    TooManyTransactions { count: usize, block_size: usize },
    /// The program does not load in the executor.
    Program(String),
    /// Transaction `index` of the block was rejected by the executor: it cannot be in a block.
    Rejected { index: usize, rejection: Rejection },
    /// The program uses something the lowering does not support (or is malformed).
    Lower(LowerError),
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::TooManyTransactions { count, block_size } => {
                write!(
                    f,
                    "{count} transactions do not fit in a block of {block_size}"
                )
            }
            BlockError::Program(s) => write!(f, "invalid program: {s}"),
            BlockError::Rejected { index, rejection } => {
                write!(f, "transaction {index} is rejected: {rejection}")
            }
            BlockError::Lower(e) => write!(f, "cannot lower the program: {e}"),
        }
    }
}

impl std::error::Error for BlockError {}

/// Bits of the transition number at the bottom of a transaction's first field.
pub const KIND_BITS: u32 = 16;

/// Bits a packed field holds: its value stays below `2^248 < p`.
pub const FIELD_BITS: u32 = 248;

/// Where each flattened argument scalar of a transition goes: `(field, shift)`; and how many
/// fields the transition needs (see "Transaction commitment").
fn packing(program: &Program, function: &stele_ir::Function) -> (Vec<(usize, u32)>, usize) {
    let mut at = Vec::new();
    let (mut field, mut used) = (0usize, KIND_BITS);
    for scalar in program.param_scalars(&function.params) {
        let bits = match scalar.ty {
            Ty::Field => None,
            Ty::Bool => Some(1),
            Ty::UInt(n) => Some(u32::from(n)),
        };
        match bits {
            None => {
                if used > 0 {
                    field += 1;
                }
                at.push((field, 0));
                field += 1;
                used = 0;
            }
            Some(b) => {
                if used + b > FIELD_BITS {
                    field += 1;
                    used = 0;
                }
                at.push((field, used));
                used += b;
            }
        }
    }
    (at, field + usize::from(used > 0))
}

/// The number of fields of every transaction of `program` (at least 1).
pub fn tx_width(program: &Program) -> usize {
    program
        .transitions
        .iter()
        .map(|f| packing(program, f).1)
        .max()
        .unwrap_or(1)
}

/// The fields of a transaction (see the module docs, "Transaction commitment").
pub fn tx_fields(program: &Program, tx: &Tx) -> Vec<Fr> {
    let mut fields = vec![Fr::ZERO; tx_width(program)];
    fields[0] = Fr::from(tx.transition as u64);
    if let Some(function) = program.transitions.get(tx.transition) {
        for (arg, (field, shift)) in tx.args.iter().zip(packing(program, function).0) {
            fields[field] += arg.to_fr() * pow2(shift);
        }
    }
    fields
}

/// The transaction commitment of a block (see the module docs): starting from 0, every
/// field of every transaction in order is absorbed as `c ← poseidon2(c, field)`.
pub fn tx_commitment(program: &Program, txs: &[Tx]) -> Fr {
    txs.iter()
        .flat_map(|tx| tx_fields(program, tx))
        .fold(Fr::ZERO, stele_crypto::poseidon2)
}

/// **Test-only** deviations of the witness from the honest one (an evil prover).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockFault {
    /// The honest witness.
    #[default]
    None,
    /// Switch on slot `slot`'s `active` bit (and `kind`'s bit, if given), with all-zero
    /// arguments.
    ActivateSlot { slot: usize, kind: Option<usize> },
    /// Add 1 to the level-0 sibling of the `op`-th map port (counted over the block, guard on
    /// only).
    Sibling { op: usize },
    /// Add 1 to the first value the `read`-th map read returns (counted over the block, guard
    /// on only), consistently: the port proves the tampered value.
    ReadValue { read: usize },
    /// Add 1 to the first old value of the `op`-th map port (as in `Sibling`), when that port
    /// is shared: its readers' values no longer match it.
    PortOld { op: usize },
}

#[derive(Debug)]
struct SlotWitness {
    tx: Tx,
    trace: TxTrace,
}

#[derive(Debug)]
struct BlockWitness {
    prev_state: State,
    slots: Vec<SlotWitness>,
    strict: bool,
}

/// The block circuit (see the module docs).
#[derive(Clone, Debug)]
pub struct BlockCircuit {
    program: Arc<Program>,
    chain_id: u64,
    block_size: usize,
    witness: Option<Arc<BlockWitness>>,
    faults: Faults,
    fault: BlockFault,
    /// Compare every gadget output with the executor's trace (off only in soundness tests).
    trace_checks: bool,
    empty_trace: Arc<TxTrace>,
    rows: Arc<AtomicUsize>,
    exposed: Arc<Mutex<Vec<Fr>>>,
    error: Arc<Mutex<Option<LowerError>>>,
    costs: Arc<Mutex<Option<SlotCosts>>>,
}

/// Where the rows of one slot go (measured on the first slot by a synthesis; see
/// [`BlockCircuit::slot_costs`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotCosts {
    /// Per transition, per body instruction: the rows its lowering took, plus the rows of every
    /// map port its access uses (a port shared by several transitions counts for each).
    pub insts: Vec<Vec<usize>>,
    /// Per transition: the rows validating its parameters.
    pub params: Vec<usize>,
    /// The slot's own rows: selector bits, transaction fields and commitment.
    pub overhead: usize,
    /// Every row of the slot, each counted once.
    pub total: usize,
}

impl SlotCosts {
    /// Adds each port's rows to the access of every transition that uses it and sets the
    /// overhead: what `total` has beyond the lowered instructions, parameters and ports.
    fn with_ports(mut self, program: &Program, ports: &[(Vec<(usize, usize)>, usize)]) -> Self {
        let lowered: usize =
            self.params.iter().sum::<usize>() + self.insts.iter().flatten().sum::<usize>();
        // Per transition: the instruction of each map access, in body order.
        let accesses: Vec<Vec<usize>> = program
            .transitions
            .iter()
            .map(|f| {
                f.body
                    .iter()
                    .enumerate()
                    .filter(|(_, inst)| matches!(inst.op, Op::MapRead { .. } | Op::MapWrite { .. }))
                    .map(|(pc, _)| pc)
                    .collect()
            })
            .collect();
        let mut port_total = 0;
        for (users, rows) in ports {
            port_total += rows;
            for &(kind, call) in users {
                if let Some(&pc) = accesses.get(kind).and_then(|a| a.get(call)) {
                    self.insts[kind][pc] += rows;
                }
            }
        }
        self.overhead = self.total.saturating_sub(lowered + port_total);
        self
    }
}

/// The circuit's columns: 4 shared advice columns, the gate chip, the width-3 Poseidon chip,
/// one instance column.
#[derive(Clone, Debug)]
pub struct BlockConfig {
    pub gate: GateConfig,
    pub poseidon: PoseidonConfig,
    pub instance: Column<Instance>,
}

impl BlockCircuit {
    fn base(program: &Program, chain_id: u64, block_size: usize) -> BlockCircuit {
        BlockCircuit {
            program: Arc::new(program.clone()),
            chain_id,
            block_size,
            witness: None,
            faults: Faults::none(),
            fault: BlockFault::None,
            trace_checks: true,
            empty_trace: Arc::new(TxTrace {
                outcome: Ok(()),
                failed_inst: None,
                steps: Vec::new(),
                map_ops: Vec::new(),
                updates: Vec::new(),
                root_before: Fr::ZERO,
                root_after: Fr::ZERO,
            }),
            rows: Arc::new(AtomicUsize::new(0)),
            exposed: Arc::new(Mutex::new(Vec::new())),
            error: Arc::new(Mutex::new(None)),
            costs: Arc::new(Mutex::new(None)),
        }
    }

    /// The circuit for key generation: no witness; same layout and fixed columns as any block
    /// of this chain.
    pub fn without_witness(program: &Program, chain_id: u64, block_size: usize) -> BlockCircuit {
        BlockCircuit::base(program, chain_id, block_size)
    }

    /// Runs the executor on `txs` from `prev_state` and builds the witness and the public
    /// inputs `[chain_id, prev_root, new_root, tx_commitment, 0]`. Refuses a block with a
    /// rejected transaction.
    pub fn new(
        program: &Program,
        chain_id: u64,
        block_size: usize,
        prev_state: &State,
        txs: &[Tx],
    ) -> Result<(BlockCircuit, Vec<Fr>), BlockError> {
        Self::build(program, chain_id, block_size, prev_state, txs, false)
    }

    /// **Test-only**: like [`BlockCircuit::new`], but keeps rejected transactions in the block
    /// (their honest attempt, not compared with the trace). The public inputs returned use the
    /// executor's new root; use [`BlockCircuit::exposed`] for the witness's own.
    pub fn new_forced(
        program: &Program,
        chain_id: u64,
        block_size: usize,
        prev_state: &State,
        txs: &[Tx],
    ) -> Result<(BlockCircuit, Vec<Fr>), BlockError> {
        Self::build(program, chain_id, block_size, prev_state, txs, true)
    }

    fn build(
        program: &Program,
        chain_id: u64,
        block_size: usize,
        prev_state: &State,
        txs: &[Tx],
        forced: bool,
    ) -> Result<(BlockCircuit, Vec<Fr>), BlockError> {
        if txs.len() > block_size {
            return Err(BlockError::TooManyTransactions {
                count: txs.len(),
                block_size,
            });
        }
        let exe = Executable::new(program).map_err(|e| BlockError::Program(e.to_string()))?;
        BlockCircuit::base(program, chain_id, block_size)
            .measure()
            .map_err(BlockError::Lower)?;
        let mut state = prev_state.clone();
        let mut slots = Vec::with_capacity(txs.len());
        for (index, tx) in txs.iter().enumerate() {
            let trace = apply_tx_traced(&exe, &mut state, tx);
            if let Err(rejection) = &trace.outcome
                && !forced
            {
                return Err(BlockError::Rejected {
                    index,
                    rejection: rejection.clone(),
                });
            }
            slots.push(SlotWitness {
                tx: tx.clone(),
                trace,
            });
        }
        let public = vec![
            Fr::from(chain_id),
            prev_state.root(),
            state.root(),
            tx_commitment(program, txs),
            Fr::ZERO,
        ];
        let mut circuit = BlockCircuit::base(program, chain_id, block_size);
        circuit.witness = Some(Arc::new(BlockWitness {
            prev_state: prev_state.clone(),
            slots,
            strict: !forced,
        }));
        Ok((circuit, public))
    }

    /// **Test-only**: gate-level witness faults (see [`crate::gates::fault`]).
    pub fn with_faults(mut self, faults: Faults) -> BlockCircuit {
        self.faults = faults;
        self
    }

    /// **Test-only**: do not compare gadget outputs with the executor's trace, so that a
    /// tampered witness reaches the constraints instead of failing synthesis with
    /// [`LowerError::TraceMismatch`].
    pub fn without_trace_checks(mut self) -> BlockCircuit {
        self.trace_checks = false;
        self
    }

    /// **Test-only**: a block-level witness fault.
    pub fn with_fault(mut self, fault: BlockFault) -> BlockCircuit {
        self.fault = fault;
        self
    }

    /// The values the last synthesis put in the five public cells (empty before one).
    pub fn exposed(&self) -> Vec<Fr> {
        self.exposed.lock().expect("lock").clone()
    }

    /// The lowering error of the last synthesis, if it failed with `Error::Synthesis`.
    pub fn error(&self) -> Option<LowerError> {
        self.error.lock().expect("lock").clone()
    }

    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// Rows the layout uses (measured by a synthesis without witness).
    ///
    /// # Panics
    /// If the program cannot be lowered ([`BlockCircuit::new`] reports that as
    /// [`BlockError::Lower`]).
    pub fn rows(&self) -> usize {
        self.measure()
            .unwrap_or_else(|e| panic!("the block layout does not synthesize: {e}"))
    }

    /// A synthesis without witness into an assignment that records nothing: the rows used.
    fn measure(&self) -> Result<usize, LowerError> {
        let mut cs = ConstraintSystem::<Fr>::default();
        let config = Self::configure(&mut cs);
        let probe = BlockCircuit {
            rows: Arc::new(AtomicUsize::new(0)),
            exposed: Arc::new(Mutex::new(Vec::new())),
            error: Arc::new(Mutex::new(None)),
            ..self.without_witnesses()
        };
        match SimpleFloorPlanner::synthesize(&mut Measure, &probe, config, Vec::new()) {
            Ok(()) => Ok(probe.rows.load(Ordering::Relaxed)),
            Err(e) => Err(probe
                .error()
                .unwrap_or_else(|| LowerError::Malformed(format!("synthesis failed: {e:?}")))),
        }
    }

    /// Where the rows of a slot go, per transition and instruction (see [`SlotCosts`]).
    ///
    /// # Errors
    /// If the program cannot be lowered.
    pub fn slot_costs(&self) -> Result<SlotCosts, LowerError> {
        let probe = BlockCircuit {
            block_size: self.block_size.max(1),
            costs: Arc::new(Mutex::new(None)),
            ..self.without_witnesses()
        };
        probe.measure()?;
        let costs = probe.costs.lock().expect("lock").clone();
        costs.ok_or_else(|| LowerError::Malformed("no slot was laid out".to_string()))
    }

    /// The smallest `k` (at least 9, for the range table) whose usable rows hold the layout.
    pub fn k(&self) -> u32 {
        let mut cs = ConstraintSystem::<Fr>::default();
        Self::configure(&mut cs);
        let rows = self.rows();
        let reserved = cs.blinding_factors() + 1;
        let mut k = 9;
        while (1usize << k) < rows + reserved {
            k += 1;
        }
        k
    }

    /// Lays the whole block out in `ctx`; returns the five public cells.
    fn layout(
        &self,
        ctx: &mut GateCtx<'_, '_>,
        poseidon: &PoseidonChip,
    ) -> Result<Vec<Var>, LowerError> {
        let program = &*self.program;
        let witness = self.witness.as_deref();
        let known = witness.is_some();
        let val = |x: Fr| {
            if known {
                Value::known(x)
            } else {
                Value::unknown()
            }
        };

        // Starting state: plain scalars, then map roots (the first `witness` cells).
        let mut maps = Vec::new();
        let mut plain_len = 0;
        for field in &program.state {
            match &field.kind {
                StateKind::Value(ty) => plain_len += program.flatten(ty).len(),
                StateKind::Map { value, depth, .. } => maps.push(MapInfo {
                    depth: *depth,
                    width: program.flatten(value).len(),
                }),
            }
        }
        let plain: Vec<Var> = (0..plain_len)
            .map(|i| {
                let v = witness.map_or(Fr::ZERO, |w| w.prev_state.scalars()[i].to_fr());
                ctx.witness(val(v))
            })
            .collect();
        let roots: Vec<Var> = (0..maps.len())
            .map(|m| {
                let v = witness.map_or(Fr::ZERO, |w| w.prev_state.map_tree(m).root());
                ctx.witness(val(v))
            })
            .collect();
        let chain = ctx.constant(Fr::from(self.chain_id));
        let zero = ctx.constant(Fr::ZERO);
        let prev_root = state_root(ctx, poseidon, program, &plain, &roots)?;

        let native = witness.map(|w| NativeMaps {
            trees: (0..maps.len())
                .map(|m| w.prev_state.map_tree(m).clone())
                .collect(),
            values: vec![HashMap::new(); maps.len()],
            base: &w.prev_state,
        });
        let mut io = BlockIo {
            poseidon,
            plain,
            snapshot: Vec::new(),
            roots,
            maps,
            native,
            fault: self.fault,
            reads: 0,
            ops: 0,
            plan: ports::plan(program),
            kind: 0,
            call: 0,
            pending: Vec::new(),
            port_rows: Vec::new(),
        };
        io.pending = io
            .plan
            .ports
            .iter()
            .map(|p| (0..p.len()).map(|_| Vec::new()).collect())
            .collect();

        let width = tx_width(program);
        let transitions = program.transitions.len();
        if transitions > 1 << KIND_BITS {
            return Err(LowerError::Unsupported(format!(
                "{transitions} transitions; a block supports at most {}",
                1u32 << KIND_BITS
            )));
        }
        let packings: Vec<(Vec<(usize, u32)>, usize)> = program
            .transitions
            .iter()
            .map(|f| packing(program, f))
            .collect();
        let mut commitment = zero.clone();
        let mut prev_active: Option<Bit> = None;
        for s in 0..self.block_size {
            let slot = witness.and_then(|w| w.slots.get(s));
            let (mut active_v, mut kind_v) = (slot.is_some(), slot.map(|t| t.tx.transition));
            if let BlockFault::ActivateSlot { slot: fs, kind } = self.fault
                && fs == s
            {
                active_v = true;
                kind_v = kind;
            }
            let bit = |b: bool| {
                if known {
                    Value::known(b)
                } else {
                    Value::unknown()
                }
            };
            let slot_start = ctx.height();
            let mut costs = SlotCosts::default();
            let active = ctx.witness_bit(bit(active_v));
            let kinds: Vec<Bit> = (0..transitions)
                .map(|i| ctx.witness_bit(bit(kind_v == Some(i))))
                .collect();
            // One-hot: Σ kind_i = active.
            match kinds.split_first() {
                None => ctx.assert_constant(active.var(), Fr::ZERO),
                Some((first, rest)) => {
                    let sum = rest
                        .iter()
                        .fold(first.var().clone(), |acc, k| ctx.add(&acc, k.var()));
                    ctx.assert_equal(&sum, active.var());
                }
            }
            // Active slots first.
            if let Some(prev) = &prev_active {
                let not_prev = ctx.not(prev);
                let bad = ctx.and(&active, &not_prev);
                ctx.assert_constant(bad.var(), Fr::ZERO);
            }

            let mut params: Vec<Vec<Var>> = Vec::with_capacity(transitions);
            for (i, function) in program.transitions.iter().enumerate() {
                io.begin(i);
                let w = match (witness, slot) {
                    (None, _) => None,
                    (Some(bw), Some(st)) if st.tx.transition == i && kind_v == Some(i) => {
                        Some(Witness {
                            args: &st.tx.args,
                            trace: &st.trace,
                            strict: bw.strict && self.trace_checks,
                        })
                    }
                    (Some(_), _) => Some(Witness {
                        args: &[],
                        trace: &self.empty_trace,
                        strict: false,
                    }),
                };
                let lowered =
                    lower_function_guarded(ctx, program, function, Some(&kinds[i]), w, &mut io)?;
                params.push(lowered.params);
                costs.params.push(lowered.param_rows);
                costs.insts.push(lowered.inst_rows);
            }
            io.flush(ctx)?;

            // The transaction's fields, chained into the commitment.
            let mut kind_index: Option<Var> = None;
            for (i, k) in kinds.iter().enumerate().skip(1) {
                let term = ctx.mul_const(k.var(), Fr::from(i as u64));
                kind_index = Some(match kind_index {
                    None => term,
                    Some(acc) => ctx.add(&acc, &term),
                });
            }
            let mut fields = Vec::with_capacity(width);
            for f in 0..width {
                let mut packed: Vec<(usize, Var)> = Vec::new();
                for (i, (at, _)) in packings.iter().enumerate() {
                    let mut acc: Option<Var> = None;
                    for (p, &(pf, shift)) in params[i].iter().zip(at) {
                        if pf != f {
                            continue;
                        }
                        let term = if shift == 0 {
                            p.clone()
                        } else {
                            ctx.mul_const(p, pow2(shift))
                        };
                        acc = Some(match acc {
                            None => term,
                            Some(a) => ctx.add(&a, &term),
                        });
                    }
                    if let Some(a) = acc {
                        packed.push((i, a));
                    }
                }
                let terms: Vec<(Option<&Bit>, &Var)> =
                    packed.iter().map(|(i, v)| (Some(&kinds[*i]), v)).collect();
                let args = match terms.as_slice() {
                    [] => None,
                    _ => Some(mux(ctx, &terms)?),
                };
                let kind_part = if f == 0 { kind_index.clone() } else { None };
                fields.push(match (kind_part, args) {
                    (Some(a), Some(b)) => ctx.add(&a, &b),
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => zero.clone(),
                });
            }
            let next = fields.iter().fold(commitment.clone(), |c, x| {
                merkle::leaf_hash2(ctx, poseidon, &c, x)
            });
            commitment = ctx.select(&active, &next, &commitment);
            if s == 0 {
                costs.total = ctx.height() - slot_start;
                *self.costs.lock().expect("lock") = Some(costs.with_ports(program, &io.port_rows));
            }
            prev_active = Some(active);
        }

        let new_root = state_root(ctx, poseidon, program, &io.plain, &io.roots)?;
        Ok(vec![chain, prev_root, new_root, commitment, zero])
    }
}

/// `hash_list` of cells: one width-3 Poseidon chip hash for 2 elements, the wide gadget
/// otherwise.
fn hash_cells(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    xs: &[Var],
) -> Result<Var, LowerError> {
    poseidon_wide::hash_list(ctx, poseidon, xs)
        .map_err(|e| LowerError::Unsupported(format!("{e:?}")))
}

/// `hash_list(plain scalars and map roots in declaration order)`.
fn state_root(
    ctx: &mut GateCtx<'_, '_>,
    poseidon: &PoseidonChip,
    program: &Program,
    plain: &[Var],
    roots: &[Var],
) -> Result<Var, LowerError> {
    let mut list = Vec::with_capacity(plain.len() + roots.len());
    let (mut p, mut m) = (plain.iter(), roots.iter());
    for field in &program.state {
        match &field.kind {
            StateKind::Value(ty) => {
                list.extend(p.by_ref().take(program.flatten(ty).len()).cloned())
            }
            StateKind::Map { .. } => list.extend(m.next().cloned()),
        }
    }
    hash_cells(ctx, poseidon, &list)
}

#[derive(Clone, Copy, Debug)]
struct MapInfo {
    depth: u32,
    width: usize,
}

/// The witness builder's copy of the maps: trees and the values written in the block.
struct NativeMaps<'s> {
    trees: Vec<MerkleTree>,
    values: Vec<HashMap<u64, Vec<Fr>>>,
    base: &'s State,
}

impl NativeMaps<'_> {
    fn get(&self, map: usize, key: u64) -> Vec<Fr> {
        match self.values[map].get(&key) {
            Some(v) => v.clone(),
            None => self
                .base
                .map_get(map, key)
                .iter()
                .map(|v| v.to_fr())
                .collect(),
        }
    }
}

/// One access of a slot's transition, waiting for its port (see "Map ports").
struct Contrib {
    kind: usize,
    /// The access's position among its transition's map accesses.
    call: usize,
    guard: Option<Bit>,
    key: Var,
    /// The native key when the access takes effect (guard on, key in range).
    live: Option<u64>,
    /// The cells a read returned (also for a read fused into the write).
    read: Option<Vec<Var>>,
    /// The native values at `key` before the access (the witness of a shared port's old
    /// values).
    old: Option<Vec<Fr>>,
    /// A write's guard and the values it stores (for a read fused with its write, the write's
    /// guard implies `guard`).
    write: Option<(Option<Bit>, Vec<Var>)>,
}

/// The [`FunctionIo`] of the block: running plain cells and map roots.
struct BlockIo<'p, 's> {
    poseidon: &'p PoseidonChip,
    plain: Vec<Var>,
    /// The plain cells when the current transition's lowering began.
    snapshot: Vec<Var>,
    roots: Vec<Var>,
    maps: Vec<MapInfo>,
    native: Option<NativeMaps<'s>>,
    fault: BlockFault,
    /// Map ports and map reads with the guard on so far.
    ops: usize,
    reads: usize,
    plan: AccessPlan,
    /// The transition being lowered, and its map accesses so far.
    kind: usize,
    call: usize,
    /// Per map and port: the accesses of the current slot assigned to it.
    pending: Vec<Vec<Vec<Contrib>>>,
    /// Rows of each port laid out by the last `flush`, with its contributors'
    /// `(kind, call)`.
    port_rows: Vec<(Vec<(usize, usize)>, usize)>,
}

fn known(v: &Var) -> Option<Fr> {
    let mut out = None;
    v.value().map(|x| out = Some(x));
    out
}

fn known_u64(v: &Var) -> Option<u64> {
    known(v)
        .and_then(|x| stele_crypto::fr_to_u128(&x))
        .and_then(|x| u64::try_from(x).ok())
}

/// `g_1 ∨ … ∨ g_n` (`None`, always on, if any is); at most one is on in a slot, so this is
/// also their sum.
fn any_of(ctx: &mut GateCtx<'_, '_>, guards: &[Option<&Bit>]) -> Option<Bit> {
    let mut out: Option<Bit> = None;
    for g in guards {
        let g = (*g)?;
        out = Some(match out {
            None => g.clone(),
            Some(acc) => ctx.or(&acc, g),
        });
    }
    out
}

/// Whether two guards are the same cell (or both absent).
fn same_bit(a: Option<&Bit>, b: Option<&Bit>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.var().same_cell(y.var()),
        _ => false,
    }
}

/// `Σ g_i·x_i` over cells whose guards are all present and at most one of them on.
fn mux(ctx: &mut GateCtx<'_, '_>, terms: &[(Option<&Bit>, &Var)]) -> Result<Var, LowerError> {
    let mut acc: Option<Var> = None;
    for (g, x) in terms {
        let g = g.ok_or_else(|| {
            LowerError::Malformed("an unguarded map access shares a port".to_string())
        })?;
        acc = Some(match acc {
            None => ctx.mul(g.var(), x),
            Some(a) => ctx.mul_add(g.var(), x, &a),
        });
    }
    acc.ok_or_else(|| LowerError::Malformed("an empty map port".to_string()))
}

impl BlockIo<'_, '_> {
    fn begin(&mut self, kind: usize) {
        self.snapshot = self.plain.clone();
        self.kind = kind;
        self.call = 0;
    }

    fn info(&self, map: u32) -> Result<MapInfo, LowerError> {
        self.maps
            .get(map as usize)
            .copied()
            .ok_or_else(|| LowerError::Malformed(format!("map {map} out of range")))
    }

    /// The port of the current transition's next map access.
    fn role(&mut self, map: usize) -> Result<Role, LowerError> {
        let role = self
            .plan
            .roles
            .get(self.kind)
            .and_then(|r| r.get(self.call))
            .copied()
            .filter(|r| r.map == map && r.port < self.pending[map].len());
        self.call += 1;
        role.ok_or_else(|| {
            LowerError::Malformed(format!("map access {} has no port", self.call - 1))
        })
    }

    /// The native key of an access that takes effect: guard on and key in range.
    fn live_key(&self, guard: Option<&Bit>, key: &Var, depth: u32) -> Option<u64> {
        let k = known_u64(key)?;
        (Self::guard_on(guard) && (depth >= 64 || k < (1u64 << depth))).then_some(k)
    }

    fn guard_on(guard: Option<&Bit>) -> bool {
        guard.is_none_or(|g| known(g.var()) == Some(Fr::ONE))
    }

    /// The native values of `map` at `live` (zeros for no key; `None` without a witness).
    fn native_values(&self, map: usize, live: Option<u64>, width: usize) -> Option<Vec<Fr>> {
        let n = self.native.as_ref()?;
        Some(match live {
            Some(k) => n.get(map, k),
            None => vec![Fr::ZERO; width],
        })
    }

    /// Siblings of a port's path, with the test-only fault applied.
    fn siblings(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        map: usize,
        on: bool,
        live: Option<u64>,
        depth: u32,
    ) -> Vec<Var> {
        let mut sibs: Option<Vec<Fr>> = self.native.as_ref().map(|n| match live {
            Some(k) => n.trees[map].siblings(k),
            None => vec![Fr::ZERO; depth as usize],
        });
        if self.native.is_some() && on {
            if self.fault == (BlockFault::Sibling { op: self.ops })
                && let Some(s) = sibs.as_mut()
            {
                s[0] += Fr::ONE;
            }
            self.ops += 1;
        }
        (0..depth as usize)
            .map(|l| {
                let v = match &sibs {
                    Some(s) => Value::known(s[l]),
                    None => Value::unknown(),
                };
                ctx.witness(v)
            })
            .collect()
    }

    /// Lays out the slot's map ports, map by map and in port order (see "Map ports").
    fn flush(&mut self, ctx: &mut GateCtx<'_, '_>) -> Result<(), LowerError> {
        self.port_rows.clear();
        for m in 0..self.maps.len() {
            let ports = std::mem::take(&mut self.pending[m]);
            self.pending[m] = (0..ports.len()).map(|_| Vec::new()).collect();
            for (j, contribs) in ports.iter().enumerate() {
                let before = ctx.height();
                self.port(ctx, m, self.plan.ports[m][j], contribs)?;
                let users = contribs.iter().map(|c| (c.kind, c.call)).collect();
                self.port_rows.push((users, ctx.height() - before));
            }
        }
        Ok(())
    }

    fn port(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        m: usize,
        kind: PortKind,
        contribs: &[Contrib],
    ) -> Result<(), LowerError> {
        let info = self.maps[m];
        let guards: Vec<Option<&Bit>> = contribs.iter().map(|c| c.guard.as_ref()).collect();
        let g = any_of(ctx, &guards);
        let active = contribs.iter().find(|c| Self::guard_on(c.guard.as_ref()));
        let live = active.and_then(|c| c.live);
        let key = match contribs {
            [] => return Err(LowerError::Malformed("an empty map port".to_string())),
            [one] => one.key.clone(),
            many => {
                let terms: Vec<_> = many.iter().map(|c| (c.guard.as_ref(), &c.key)).collect();
                mux(ctx, &terms)?
            }
        };

        // The old leaf: the hash of the values read (bound to every reader), or a witness.
        let old_leaf = if contribs.iter().any(|c| c.read.is_some()) {
            let old: Vec<Var> = match contribs {
                [
                    Contrib {
                        read: Some(cells), ..
                    },
                ] => cells.clone(),
                _ => {
                    let mut values = active.and_then(|c| c.old.clone());
                    if self.fault == (BlockFault::PortOld { op: self.ops })
                        && let Some(v) = values.as_mut()
                    {
                        v[0] += Fr::ONE;
                    }
                    let old: Vec<Var> = (0..info.width)
                        .map(|s| {
                            ctx.witness(match (&self.native, &values) {
                                (None, _) => Value::unknown(),
                                (Some(_), Some(v)) => Value::known(v[s]),
                                (Some(_), None) => Value::known(Fr::ZERO),
                            })
                        })
                        .collect();
                    for c in contribs {
                        let Some(read) = &c.read else { continue };
                        for (r, o) in read.iter().zip(&old) {
                            match &c.guard {
                                Some(g) => {
                                    let picked = ctx.select(g, r, o);
                                    ctx.assert_equal(&picked, o);
                                }
                                None => ctx.assert_equal(r, o),
                            }
                        }
                    }
                    old
                }
            };
            hash_cells(ctx, self.poseidon, &old)?
        } else {
            let leaf = match (&self.native, live) {
                (None, _) => Value::unknown(),
                (Some(n), Some(k)) => Value::known(n.trees[m].leaf(k)),
                (Some(_), None) => Value::known(Fr::ZERO),
            };
            ctx.witness(leaf)
        };
        let sibs = self.siblings(ctx, m, active.is_some(), live, info.depth);
        let root = self.roots[m].clone();
        match kind {
            PortKind::Read => {
                merkle::map_read(
                    ctx,
                    self.poseidon,
                    g.as_ref(),
                    &key,
                    info.depth,
                    &old_leaf,
                    &sibs,
                    &root,
                );
            }
            PortKind::Update => {
                let writers: Vec<&Contrib> =
                    contribs.iter().filter(|c| c.write.is_some()).collect();
                let same_guards = contribs.iter().all(|c| {
                    c.write
                        .as_ref()
                        .is_some_and(|(wg, _)| same_bit(wg.as_ref(), c.guard.as_ref()))
                });
                let w = if same_guards {
                    g.clone()
                } else {
                    let wg: Vec<Option<&Bit>> = writers
                        .iter()
                        .filter_map(|c| c.write.as_ref().map(|(wg, _)| wg.as_ref()))
                        .collect();
                    any_of(ctx, &wg)
                };
                let new: Vec<Var> = match writers.as_slice() {
                    [] => {
                        return Err(LowerError::Malformed(
                            "an update port without a write".into(),
                        ));
                    }
                    [one] => one.write.clone().map(|(_, v)| v).unwrap_or_default(),
                    many => (0..info.width)
                        .map(|s| {
                            let terms: Vec<_> = many
                                .iter()
                                .filter_map(|c| c.write.as_ref())
                                .map(|(wg, v)| (wg.as_ref(), &v[s]))
                                .collect();
                            mux(ctx, &terms)
                        })
                        .collect::<Result<_, _>>()?,
                };
                let new_leaf = hash_cells(ctx, self.poseidon, &new)?;
                self.roots[m] = merkle::map_update(
                    ctx,
                    self.poseidon,
                    g.as_ref(),
                    w.as_ref(),
                    &key,
                    info.depth,
                    &old_leaf,
                    &new_leaf,
                    &sibs,
                    &root,
                );
                if let (Some(n), Some(c), Some(k)) = (self.native.as_mut(), active, live)
                    && let Some((wg, write)) = &c.write
                    && Self::guard_on(wg.as_ref())
                {
                    let vals: Option<Vec<Fr>> = write.iter().map(known).collect();
                    if let Some(vals) = vals {
                        n.trees[m].set_leaf(k, stele_crypto::hash_list(&vals));
                    }
                }
            }
        }
        Ok(())
    }
}

impl FunctionIo for BlockIo<'_, '_> {
    fn sload(
        &mut self,
        _ctx: &mut GateCtx<'_, '_>,
        index: u32,
        _ty: Ty,
        _hint: Value<Fr>,
    ) -> Result<Var, LowerError> {
        self.snapshot
            .get(index as usize)
            .cloned()
            .ok_or_else(|| LowerError::Malformed(format!("state scalar {index} out of range")))
    }

    fn sstore(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: u32,
        guard: Option<&Bit>,
        value: &Var,
    ) -> Result<(), LowerError> {
        let i = index as usize;
        let cur =
            self.plain.get(i).cloned().ok_or_else(|| {
                LowerError::Malformed(format!("state scalar {index} out of range"))
            })?;
        self.plain[i] = match guard {
            Some(g) => ctx.select(g, value, &cur),
            None => value.clone(),
        };
        Ok(())
    }

    fn map_read(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        map: u32,
        key: &Var,
        guard: Option<&Bit>,
        tys: &[Ty],
        _hints: &[Value<Fr>],
    ) -> Result<Vec<Var>, LowerError> {
        let info = self.info(map)?;
        let m = map as usize;
        if tys.len() != info.width {
            return Err(LowerError::Malformed(format!(
                "map {map} read with {} scalars, its values have {}",
                tys.len(),
                info.width
            )));
        }
        let role = self.role(m)?;
        let live = self.live_key(guard, key, info.depth);
        let mut old = self.native_values(m, live, info.width);
        if old.is_some() && Self::guard_on(guard) {
            if self.fault == (BlockFault::ReadValue { read: self.reads })
                && let Some(v) = old.as_mut()
            {
                v[0] += Fr::ONE;
            }
            self.reads += 1;
        }
        let cells: Vec<Var> = (0..info.width)
            .map(|s| {
                ctx.witness(match &old {
                    Some(v) => Value::known(v[s]),
                    None => Value::unknown(),
                })
            })
            .collect();
        self.pending[m][role.port].push(Contrib {
            kind: self.kind,
            call: self.call - 1,
            guard: guard.cloned(),
            key: key.clone(),
            live,
            read: Some(cells.clone()),
            old,
            write: None,
        });
        Ok(cells)
    }

    fn map_write(
        &mut self,
        _ctx: &mut GateCtx<'_, '_>,
        map: u32,
        key: &Var,
        guard: Option<&Bit>,
        value: &[Var],
    ) -> Result<(), LowerError> {
        let info = self.info(map)?;
        let m = map as usize;
        if value.len() != info.width {
            return Err(LowerError::Malformed(format!(
                "map {map} written with {} scalars, its values have {}",
                value.len(),
                info.width
            )));
        }
        let role = self.role(m)?;
        let live = self.live_key(guard, key, info.depth);
        let kind = self.kind;
        let fused = self.pending[m][role.port]
            .last_mut()
            .filter(|c| role.fused && c.kind == kind && c.write.is_none());
        match fused {
            Some(c) => c.write = Some((guard.cloned(), value.to_vec())),
            None => {
                let old = self.native_values(m, live, info.width);
                self.pending[m][role.port].push(Contrib {
                    kind,
                    call: self.call - 1,
                    guard: guard.cloned(),
                    key: key.clone(),
                    live,
                    read: None,
                    old,
                    write: Some((guard.cloned(), value.to_vec())),
                });
            }
        }
        if let (Some(n), Some(k)) = (self.native.as_mut(), live) {
            let vals: Option<Vec<Fr>> = value.iter().map(known).collect();
            if let Some(vals) = vals {
                n.values[m].insert(k, vals);
            }
        }
        Ok(())
    }

    fn hash(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        inputs: &[Var],
        _hint: Value<Fr>,
    ) -> Result<Var, LowerError> {
        poseidon_wide::poseidon(ctx, self.poseidon, inputs)
            .map_err(|e| LowerError::Unsupported(format!("{e:?}")))
    }

    fn merkle_root(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: &Var,
        guard: Option<&Bit>,
        leaf: &Var,
        siblings: &[Var],
    ) -> Result<Var, LowerError> {
        // Under a guard the masked index is decomposed: 0 (always provable) when it is off.
        let key = ctx.mask(guard, index);
        let depth = siblings.len() as u32;
        Ok(merkle::root_from_path(
            ctx,
            self.poseidon,
            &key,
            depth,
            leaf,
            siblings,
        ))
    }
}

impl Circuit<Fr> for BlockCircuit {
    type Config = BlockConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        BlockCircuit {
            witness: None,
            fault: BlockFault::None,
            faults: Faults::none(),
            ..self.clone()
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> BlockConfig {
        let advice = [(); 4].map(|_| meta.advice_column());
        let gate = GateChip::configure(meta, advice);
        let poseidon = PoseidonChip::configure(meta, advice);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        BlockConfig {
            gate,
            poseidon,
            instance,
        }
    }

    fn synthesize(
        &self,
        config: BlockConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = GateChip::new(config.gate).with_faults(self.faults.clone());
        chip.load_table(&mut layouter)?;
        let poseidon = PoseidonChip::new(config.poseidon);
        let cells = layouter.assign_region(
            || "block",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                let result = self.layout(&mut ctx, &poseidon);
                self.rows.store(ctx.next_row(), Ordering::Relaxed);
                match result {
                    Ok(cells) => {
                        let mut exposed = Vec::new();
                        for c in &cells {
                            c.value().map(|x| exposed.push(x));
                        }
                        *self.exposed.lock().expect("lock") = exposed;
                        Ok(cells.iter().map(|c| c.cell()).collect::<Vec<_>>())
                    }
                    Err(e) => {
                        *self.error.lock().expect("lock") = Some(e);
                        Err(Error::Synthesis)
                    }
                }
            },
        )?;
        for (row, cell) in cells.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, row);
        }
        Ok(())
    }
}

/// An [`Assignment`] that records nothing: a synthesis into it only measures the layout.
struct Measure;

impl Assignment<Fr> for Measure {
    fn enter_region<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn annotate_column<A, AR>(&mut self, _: A, _: Column<Any>)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
    }

    fn exit_region(&mut self) {}

    fn enable_selector<A, AR>(&mut self, _: A, _: &Selector, _: usize) -> Result<(), Error>
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        Ok(())
    }

    fn query_instance(&self, _: Column<Instance>, _: usize) -> Result<Value<Fr>, Error> {
        Ok(Value::unknown())
    }

    fn assign_advice<'v>(
        &mut self,
        _: Column<Advice>,
        _: usize,
        _: Value<Assigned<Fr>>,
    ) -> Value<&'v Assigned<Fr>> {
        Value::unknown()
    }

    fn assign_fixed(&mut self, _: Column<Fixed>, _: usize, _: Assigned<Fr>) {}

    fn copy(&mut self, _: Column<Any>, _: usize, _: Column<Any>, _: usize) {}

    fn fill_from_row(
        &mut self,
        _: Column<Fixed>,
        _: usize,
        _: Value<Assigned<Fr>>,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn get_challenge(&self, _: Challenge) -> Value<Fr> {
        Value::unknown()
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self, _: Option<String>) {}
}

/// The 32 bytes binding keys and proofs to one compiled chain: Blake2b-256 (personal
/// `SteleChainKey.v1`) of the program's IR artifact, the chain id and the block size. Changing
/// the chain's code, id or block size changes it, so keys and proofs of another chain are
/// refused by the file readers ([`crate::files::FileError::FingerprintMismatch`]).
pub fn fingerprint(program: &Program, chain_id: u64, block_size: usize) -> [u8; 32] {
    let mut state = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"SteleChainKey.v1")
        .to_state();
    state.update(&stele_ir::to_artifact(program));
    state.update(&chain_id.to_le_bytes());
    state.update(&(block_size as u64).to_le_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(state.finalize().as_bytes());
    out
}
