//! Lowering one IR transition to constraints, with the executor's trace as the witness: the
//! place where "the executor and the circuit have one meaning" is made true.
//!
//! [`lower_function`] walks the body of a [`Function`] in order and gives every IR value an
//! assigned cell in a [`GateCtx`]. Each instruction is lowered with exactly the semantics of
//! `stele_ir` (and of the native executor, `stele_exec`, the reference):
//!
//! - **Guards.** An instruction with a guard `g` neither fails nor has an effect when `g = 0`,
//!   and all its results are 0. Fallible operations use the guarded gadgets (the guard is
//!   multiplied in before the check); infallible ones compute their result and then
//!   [`GateCtx::mask`] it (`g·r`, 1 row). Effects pass the guard to the [`FunctionIo`].
//!   [`lower_function_guarded`] adds an outer guard `o` (the block circuit's slot selector):
//!   fallible operations and effects then run under `o ∧ g`.
//! - **Failures.** Every fallible operation (checked `uN` arithmetic, division, shifts,
//!   narrowing casts, `assert`) is constrained so that, with the guard on, a failing operation
//!   has **no satisfying witness**: a transaction the executor rejects cannot be proved.
//!   One exception needs no check: `sub x, y` guarded by the result of `le y, x` or `lt y, x`
//!   (`if x >= y { x - y }`). The guard proves `y <= x`, so `x - y` is in range and cannot
//!   fail; it is lowered as a masked field subtraction (2 rows instead of a range check).
//! - **Types.** Every `uN` value is a canonical integer below `2^N` and every `bool` is 0 or 1,
//!   as a constraint, not an assumption: parameters, state loads and map reads are
//!   range-checked by their scalar type where they enter, and every operation keeps the
//!   invariant (checked arithmetic range-checks its result, `select`/`pick`/masks of in-range
//!   values are in range). Comparisons rely on it.
//! - **Parameters** are witnessed from the transaction's arguments and checked to be a valid
//!   value of their source type, as the executor checks arguments before running: integers in
//!   range, booleans boolean, enum tags below the number of variants, each variant's payload
//!   valid for its types when that variant is selected, unused payload slots zero.
//! - **State and maps.** `SLoad`/`SStore`, `MapRead`/`MapWrite`, `Hash` and `MerkleRoot` go through a
//!   [`FunctionIo`] the caller provides, so the block circuit can bind plain state to its state
//!   root and map accesses to Merkle paths. What the lowering itself adds: range checks of the
//!   cells `sload`/`map_read` return, and masks of `map_read`/`hash` results under their guard.
//!
//! # Witness
//!
//! With a [`Witness`] (the transaction's arguments and its [`TxTrace`]) every cell gets its
//! value; without one (key generation) every value is `Value::unknown()`. The gadgets compute
//! their outputs from their inputs; the lowering then checks each result against the trace's
//! [`Step`] and fails with [`LowerError::TraceMismatch`] on any difference, so every applied
//! transaction is also a witness-level agreement test. For a transaction the executor rejected,
//! the trace stops at the failing instruction; the lowering still assigns the *honest attempt*
//! (every later value computed by the gadgets from the earlier ones), which no constraint system
//! accepts, since the failing instruction's check has no witness.
//!
//! # Operations the gates module has no gadget for
//!
//! - **Bitwise `and`/`or`/`xor` on `uN`**: strict bit decomposition. Each operand is split into
//!   `N` witness bits (1 row each, boolean) recomposed by Horner's rule (`acc·2 + bit`, 1 full
//!   row each) and copy-constrained to the operand; `N < 254`, so the decomposition is unique.
//!   Result bits are the bit gadgets (1 row each), recomposed the same way. Cost about `6N` rows
//!   (48 for `u8`, 384 for `u64`, 768 for `u128`).
//! - **`shl`/`shr`** by an amount `k` (a `u32`): `pow = pick_uint(k, [2^0 .. 2^(N-1)])` (0 when
//!   `k >= N`), a witness `m` with `m·pow = 2^N` (no witness when `pow = 0`: that is the
//!   "shift overflow" failure), and a strict split `x = hi·s + lo` with `lo < s`, `hi < t`
//!   (both `s - 1 - lo` and `t - 1 - hi` range-checked to N bits, and `s·t = 2^N`, so nothing
//!   wraps): `shr` splits at `s = pow` and returns `hi`; `shl` splits at `s = m` and returns
//!   `lo·pow`. Guarded by masking `x` and `k` first (then `k = 0`, `pow = 1`, every value 0).
//!   Cost about `3N + 4·R(N) + 6` rows (about 120 for `u32`; estimated, not measured separately).
//!
//! # Rows per transition
//!
//! Measured by the agreement tests (`tests/lower.rs`, `counter_block_agrees` and
//! `vm_block_agrees` print these rows): the height of the context after lowering one
//! transition in a fresh context, including parameter validation and the test harness's
//! [`FunctionIo`] (old and new plain state as public instances, a `select` per guarded store).
//!
//! | example | transition | IR instructions | rows | MockProver `k` |
//! |---|---|---|---|---|
//! | counter | increment | 14 | 51 | 9 |
//! | counter | reset | 2 | 2 | 9 |
//! | vm | store | 134 | 175 | 9 |
//! | vm | run | 13 904 | 24 486 | 15 |
//!
//! vm's `run` is dominated by its 8 072 `select`s (1 row each), 2 168 `eq`s (2 rows), 473
//! `pick`s (a tree of `select`s over the index bits, about 1 row per item) and 569 `lt`s.
//!
//! # Not covered here
//!
//! - `SLoad` results are range-checked by their scalar type, but an enum stored in plain state
//!   is not re-validated (tag below the variant count): state is only ever written by proved
//!   transitions, whose stores are valid values.
//! - Map key ranges, map contents and Poseidon are the [`FunctionIo`]'s job (the block circuit's
//!   Merkle paths and Poseidon chip).

mod bitwise;
mod params;

use std::fmt;

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use stele_exec::{Step, TxTrace, Val};
use stele_ir::{BinOp, Function, Op, Program, Ty, UnOp, ValueId};

use crate::eddsa;
use crate::gates::{Bit, GateCtx, Var};

/// Why a function could not be lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LowerError {
    /// An operation this back end (or the caller's [`FunctionIo`]) does not constrain yet.
    Unsupported(String),
    /// The program is not well formed (an undefined value, a parameter out of range): run
    /// `stele_ir::verify` first.
    Malformed(String),
    /// A gadget's output differs from the executor's result for the same instruction: the
    /// circuit and the executor disagree on this instruction's meaning (a bug in one of them).
    TraceMismatch { inst: usize, detail: String },
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LowerError::Unsupported(s) => write!(f, "unsupported: {s}"),
            LowerError::Malformed(s) => write!(f, "malformed program: {s}"),
            LowerError::TraceMismatch { inst, detail } => {
                write!(f, "trace mismatch at instruction {inst}: {detail}")
            }
        }
    }
}

impl std::error::Error for LowerError {}

/// The witness of one transaction: its flattened arguments and the executor's trace.
#[derive(Clone, Copy, Debug)]
pub struct Witness<'a> {
    pub args: &'a [Val],
    pub trace: &'a TxTrace,
    /// Compare every gadget output with the trace and fail with
    /// [`LowerError::TraceMismatch`] on a difference. Always on in the back end; soundness
    /// tests turn it off to play an evil prover with tampered cells.
    pub strict: bool,
}

/// How a lowered transition reaches state. The block circuit implements it with the state
/// root and Merkle paths; a test can expose plain state as public instances.
///
/// `hint`/`hints` are the executor's values (unknown without a witness, zero after the failing
/// instruction of a rejected transaction); an implementation may use them or its own.
pub trait FunctionIo {
    /// Plain-state scalar `index` (of type `ty`) as it was when the transaction started. The
    /// lowering range-checks the returned cell by `ty` and masks it under `guard`.
    fn sload(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: u32,
        ty: Ty,
        hint: Value<Fr>,
    ) -> Result<Var, LowerError>;

    /// Sets plain-state scalar `index` to `value` when `guard` is 1 (or absent); stores take
    /// effect in order (a later store to the same index wins).
    fn sstore(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: u32,
        guard: Option<&Bit>,
        value: &Var,
    ) -> Result<(), LowerError>;

    /// Reads map `map` at `key` (one cell per flattened value scalar, types `tys`). The
    /// implementation must make a key `>= 2^depth` unprovable when `guard` is on, and see
    /// earlier writes of the transaction. The lowering range-checks the returned cells by type
    /// and masks them under `guard`.
    fn map_read(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        map: u32,
        key: &Var,
        guard: Option<&Bit>,
        tys: &[Ty],
        hints: &[Value<Fr>],
    ) -> Result<Vec<Var>, LowerError>;

    /// Writes `value` at `key` of map `map` when `guard` is on (same key failure as reads).
    fn map_write(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        map: u32,
        key: &Var,
        guard: Option<&Bit>,
        value: &[Var],
    ) -> Result<(), LowerError>;

    /// circomlib Poseidon of `inputs` (1..=16 `Field` cells). The lowering masks the result
    /// under the instruction's guard.
    fn hash(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        inputs: &[Var],
        hint: Value<Fr>,
    ) -> Result<Var, LowerError>;

    /// The root of the Merkle path of `leaf` at `index` with `siblings` (leaf level first;
    /// the depth is their number, 1..=64). The implementation must make an `index >= 2^depth`
    /// unprovable when `guard` is on, and must not fail when it is off. The lowering masks the
    /// result under `guard`.
    fn merkle_root(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: &Var,
        guard: Option<&Bit>,
        leaf: &Var,
        siblings: &[Var],
    ) -> Result<Var, LowerError>;
}

/// What [`lower_function`] produced.
#[derive(Clone, Debug)]
pub struct LoweredFunction {
    /// The cell of every IR value, indexed by `ValueId` (`None` for ids the body never defines).
    pub values: Vec<Option<Var>>,
    /// The flattened parameter cells, in layout order (for the caller to bind to the
    /// transaction's public data).
    pub params: Vec<Var>,
    /// Rows the context used after lowering (`GateCtx::height`).
    pub rows: usize,
    /// Rows the parameters' validation took.
    pub param_rows: usize,
    /// Rows each body instruction took (the growth of `GateCtx::height`; rows it filled in
    /// holes count 0). What a [`FunctionIo`] lays out later is not included.
    pub inst_rows: Vec<usize>,
}

/// The value of one IR value: its cell and scalar type.
#[derive(Clone, Debug)]
struct Slot {
    var: Var,
    ty: Ty,
}

struct Lowerer<'w> {
    values: Vec<Option<Slot>>,
    steps: Vec<Option<&'w Step>>,
    known: bool,
}

impl Lowerer<'_> {
    fn get(&self, id: ValueId) -> Result<&Slot, LowerError> {
        self.values
            .get(id.0 as usize)
            .and_then(|s| s.as_ref())
            .ok_or_else(|| LowerError::Malformed(format!("%{} is used before it is defined", id.0)))
    }

    fn var(&self, id: ValueId) -> Result<Var, LowerError> {
        Ok(self.get(id)?.var.clone())
    }

    /// A `bool` value as a [`Bit`]: every `bool` cell is constrained boolean where it is made.
    fn bit(&self, id: ValueId) -> Result<Bit, LowerError> {
        let slot = self.get(id)?;
        if slot.ty != Ty::Bool {
            return Err(LowerError::Malformed(format!("%{} is not a bool", id.0)));
        }
        Ok(Bit(slot.var.clone()))
    }

    fn ty(&self, id: ValueId) -> Result<Ty, LowerError> {
        Ok(self.get(id)?.ty)
    }

    /// The executor's value of result `k` of instruction `inst` (0 after a failure; unknown
    /// without a witness).
    fn hint(&self, inst: usize, k: usize) -> Value<Fr> {
        if !self.known {
            return Value::unknown();
        }
        Value::known(
            self.steps
                .get(inst)
                .copied()
                .flatten()
                .and_then(|s| s.results.get(k))
                .map_or(Fr::ZERO, |(_, v)| v.to_fr()),
        )
    }

    fn define(&mut self, id: ValueId, ty: Ty, var: Var) {
        let i = id.0 as usize;
        if self.values.len() <= i {
            self.values.resize(i + 1, None);
        }
        self.values[i] = Some(Slot { var, ty });
    }
}

/// Lowers `function` (a transition of `program`) into `ctx`: see the module docs.
///
/// `witness` is `None` for key generation. The caller has configured the [`GateChip`] and
/// loaded its range table; `io` binds state, maps and hashes.
///
/// [`GateChip`]: crate::gates::GateChip
pub fn lower_function(
    ctx: &mut GateCtx<'_, '_>,
    program: &Program,
    function: &Function,
    witness: Option<Witness<'_>>,
    io: &mut dyn FunctionIo,
) -> Result<LoweredFunction, LowerError> {
    lower_function_guarded(ctx, program, function, None, witness, io)
}

/// [`lower_function`] under an **outer guard** (the block circuit's `active ∧ kind_i`): every
/// fallible instruction and every effect (state store, map read and write) runs under
/// `outer ∧ inner` (one `and` row per distinct inner guard, `outer` alone for an unguarded
/// instruction), so with `outer = 0` nothing can fail and nothing changes, whatever the
/// parameters. Infallible results keep the inner guard's masks: with `outer = 1` the lowering
/// is exactly [`lower_function`]'s; with `outer = 0` they are whatever the gadgets compute and
/// reach no effect. `outer = None` is [`lower_function`].
pub fn lower_function_guarded(
    ctx: &mut GateCtx<'_, '_>,
    program: &Program,
    function: &Function,
    outer: Option<&Bit>,
    witness: Option<Witness<'_>>,
    io: &mut dyn FunctionIo,
) -> Result<LoweredFunction, LowerError> {
    let mut combined: std::collections::HashMap<u32, Bit> = std::collections::HashMap::new();
    let mut steps: Vec<Option<&Step>> = vec![None; function.body.len()];
    if let Some(w) = witness {
        for step in &w.trace.steps {
            if let Some(s) = steps.get_mut(step.inst) {
                *s = Some(step);
            }
        }
    }
    let mut lw = Lowerer {
        values: Vec::new(),
        steps,
        known: witness.is_some(),
    };
    let strict = witness.is_some_and(|w| w.strict);

    // Parameters: witnessed once, validated against their source types.
    let scalars = program.param_scalars(&function.params);
    let param_values: Vec<Value<Fr>> = (0..scalars.len())
        .map(|i| match witness {
            Some(w) => Value::known(w.args.get(i).map_or(Fr::ZERO, |v| v.to_fr())),
            None => Value::unknown(),
        })
        .collect();
    // `c = le x, y` and `c = lt x, y` on `uN` values: `c = 1` proves `x <= y`.
    let ordered: std::collections::HashMap<ValueId, (ValueId, ValueId)> = function
        .body
        .iter()
        .filter_map(|inst| match (&inst.op, inst.results.first()) {
            (Op::Binary(BinOp::Le | BinOp::Lt, x, y), Some(&(c, _))) => Some((c, (*x, *y))),
            _ => None,
        })
        .collect();
    let start = ctx.height();
    let params = params::witness_params(ctx, program, &function.params, &param_values)?;
    let param_rows = ctx.height() - start;
    let mut inst_rows = vec![0; function.body.len()];

    for (pc, inst) in function.body.iter().enumerate() {
        let before = ctx.height();
        let guard = match inst.guard {
            Some(g) => Some(lw.bit(g)?),
            None => None,
        };
        let g = guard.as_ref();
        // The guard of fallible operations and effects: outer ∧ inner.
        let eff: Option<Bit> = match (outer, &guard, inst.guard) {
            (None, _, _) => guard.clone(),
            (Some(o), None, _) => Some(o.clone()),
            (Some(o), Some(i), Some(id)) => Some(
                combined
                    .entry(id.0)
                    .or_insert_with(|| ctx.and(o, i))
                    .clone(),
            ),
            (Some(_), Some(_), None) => unreachable!("a guard bit comes from a guard id"),
        };
        let ge = eff.as_ref();
        let result_ty = inst.results.first().map(|r| r.1);
        let outs: Vec<Var> = match &inst.op {
            Op::Const(c) => {
                need_ty(result_ty, pc)?;
                let v = ctx.constant(felt_to_fr(c));
                vec![ctx.mask(g, &v)]
            }
            Op::Param(i) => {
                let v = params
                    .get(*i as usize)
                    .cloned()
                    .ok_or_else(|| LowerError::Malformed(format!("param {i} is out of range")))?;
                vec![ctx.mask(g, &v)]
            }
            Op::SLoad(i) => {
                let ty = need_ty(result_ty, pc)?;
                let v = io.sload(ctx, *i, ty, lw.hint(pc, 0))?;
                type_check(ctx, &v, ty);
                vec![ctx.mask(g, &v)]
            }
            Op::SStore(i, v) => {
                let v = lw.var(*v)?;
                io.sstore(ctx, *i, ge, &v)?;
                vec![]
            }
            Op::Unary(op, x) => {
                let tx = lw.ty(*x)?;
                let xv = lw.var(*x)?;
                let r = match (op, tx) {
                    (UnOp::Neg, Ty::Field) => ctx.neg(&xv),
                    (UnOp::Not, Ty::Bool) => ctx.not(&lw.bit(*x)?).var().clone(),
                    (UnOp::Not, Ty::UInt(n)) => ctx.uint_not(&xv, u32::from(n)),
                    _ => {
                        return Err(LowerError::Malformed(format!(
                            "`{op:?}` on `{tx:?}` at instruction {pc}"
                        )));
                    }
                };
                vec![ctx.mask(g, &r)]
            }
            Op::Binary(BinOp::Sub, a, b)
                if inst
                    .guard
                    .is_some_and(|c| ordered.get(&c) == Some(&(*b, *a))) =>
            {
                // `a - b` under a guard that proves `b <= a` (or `b < a`): both are `uN` values,
                // so the difference is in range and cannot fail; no range check.
                let r = ctx.sub(&lw.var(*a)?, &lw.var(*b)?);
                vec![ctx.mask(g, &r)]
            }
            Op::Binary(op, a, b) => vec![lower_binary(ctx, &lw, pc, (g, ge), *op, *a, *b)?],
            Op::Select(c, a, b) => {
                let c = lw.bit(*c)?;
                let r = ctx.select(&c, &lw.var(*a)?, &lw.var(*b)?);
                vec![ctx.mask(g, &r)]
            }
            Op::Cast(x) => {
                let to = need_ty(result_ty, pc)?;
                let from = lw.ty(*x)?;
                let xv = lw.var(*x)?;
                let narrowing = match (from, to) {
                    (_, Ty::Field) | (Ty::Bool, Ty::UInt(_)) => None,
                    (Ty::UInt(m), Ty::UInt(n)) if m <= n => None,
                    (Ty::UInt(_) | Ty::Field, Ty::UInt(n)) => Some(u32::from(n)),
                    _ => {
                        return Err(LowerError::Malformed(format!(
                            "cast from `{from:?}` to `{to:?}` at instruction {pc}"
                        )));
                    }
                };
                match narrowing {
                    Some(n) => vec![ctx.guarded_cast(ge, &xv, n)],
                    None => vec![ctx.mask(g, &xv)],
                }
            }
            Op::Pick { index, items } => {
                let bits = match lw.ty(*index)? {
                    Ty::UInt(n) => u32::from(n),
                    t => {
                        return Err(LowerError::Malformed(format!(
                            "`pick` index of type `{t:?}` at instruction {pc}"
                        )));
                    }
                };
                let index = lw.var(*index)?;
                let items = items
                    .iter()
                    .map(|i| lw.var(*i))
                    .collect::<Result<Vec<_>, _>>()?;
                let r = ctx.pick_uint(&index, bits, &items);
                vec![ctx.mask(g, &r)]
            }
            Op::Assert { cond, .. } => {
                let c = lw.bit(*cond)?;
                ctx.assert_guarded(ge, &c);
                vec![]
            }
            Op::MapRead { map, key } => {
                let key = lw.var(*key)?;
                let tys: Vec<Ty> = inst.results.iter().map(|r| r.1).collect();
                let hints: Vec<Value<Fr>> = (0..tys.len()).map(|k| lw.hint(pc, k)).collect();
                let vals = io.map_read(ctx, *map, &key, ge, &tys, &hints)?;
                if vals.len() != tys.len() {
                    return Err(LowerError::Malformed(format!(
                        "map.read at instruction {pc} returned {} cells for {} results",
                        vals.len(),
                        tys.len()
                    )));
                }
                vals.iter()
                    .zip(&tys)
                    .map(|(v, ty)| {
                        type_check(ctx, v, *ty);
                        ctx.mask(ge, v)
                    })
                    .collect()
            }
            Op::MapWrite { map, key, value } => {
                let key = lw.var(*key)?;
                let value = value
                    .iter()
                    .map(|v| lw.var(*v))
                    .collect::<Result<Vec<_>, _>>()?;
                io.map_write(ctx, *map, &key, ge, &value)?;
                vec![]
            }
            Op::Hash(inputs) => {
                let inputs = inputs
                    .iter()
                    .map(|v| lw.var(*v))
                    .collect::<Result<Vec<_>, _>>()?;
                let h = io.hash(ctx, &inputs, lw.hint(pc, 0))?;
                vec![ctx.mask(g, &h)]
            }
            Op::EddsaVerify(inputs) => {
                let vars = inputs
                    .iter()
                    .map(|v| lw.var(*v))
                    .collect::<Result<Vec<_>, _>>()?;
                let [ax, ay, msg, rx, ry, s]: [Var; 6] =
                    vars.try_into().map_err(|v: Vec<Var>| {
                        LowerError::Malformed(format!(
                            "eddsa.verify of {} inputs (6 needed)",
                            v.len()
                        ))
                    })?;
                // The challenge goes through the caller's Poseidon like any `hash`.
                let challenge = [rx.clone(), ry.clone(), ax.clone(), ay.clone(), msg];
                let hint = challenge
                    .iter()
                    .fold(Value::known(Vec::new()), |acc, v| {
                        acc.zip(v.value()).map(|(mut xs, x)| {
                            xs.push(x);
                            xs
                        })
                    })
                    .map(|xs| stele_crypto::poseidon(&xs));
                let h = io.hash(ctx, &challenge, hint)?;
                let pubkey = eddsa::PointVar { x: ax, y: ay };
                let r8 = eddsa::PointVar { x: rx, y: ry };
                let ok = eddsa::verify(ctx, &pubkey, &r8, &s, &h);
                vec![ctx.mask(g, &ok)]
            }
            Op::MerkleRoot {
                index,
                leaf,
                siblings,
            } => {
                if !(1..=64).contains(&siblings.len()) {
                    return Err(LowerError::Malformed(format!(
                        "merkle.root of depth {} at instruction {pc}",
                        siblings.len()
                    )));
                }
                let index = lw.var(*index)?;
                let leaf = lw.var(*leaf)?;
                let siblings = siblings
                    .iter()
                    .map(|v| lw.var(*v))
                    .collect::<Result<Vec<_>, _>>()?;
                let root = io.merkle_root(ctx, &index, ge, &leaf, &siblings)?;
                vec![ctx.mask(ge, &root)]
            }
        };
        if outs.len() != inst.results.len() {
            return Err(LowerError::Malformed(format!(
                "instruction {pc} defines {} values, its operation {}",
                inst.results.len(),
                outs.len()
            )));
        }
        if let Some(step) = lw.steps[pc]
            && strict
        {
            check_step(pc, step, &outs)?;
        }
        for ((id, ty), var) in inst.results.iter().zip(outs) {
            lw.define(*id, *ty, var);
        }
        inst_rows[pc] = ctx.height() - before;
    }

    Ok(LoweredFunction {
        values: lw.values.into_iter().map(|s| s.map(|s| s.var)).collect(),
        params,
        rows: ctx.height(),
        param_rows,
        inst_rows,
    })
}

fn need_ty(ty: Option<Ty>, pc: usize) -> Result<Ty, LowerError> {
    ty.ok_or_else(|| LowerError::Malformed(format!("instruction {pc} has no result")))
}

/// Compares the gadgets' outputs with the executor's results.
fn check_step(pc: usize, step: &Step, outs: &[Var]) -> Result<(), LowerError> {
    for (k, ((id, expected), var)) in step.results.iter().zip(outs).enumerate() {
        let expected = expected.to_fr();
        let mut bad = None;
        var.value().map(|v| {
            if v != expected {
                bad = Some(v);
            }
        });
        if let Some(got) = bad {
            return Err(LowerError::TraceMismatch {
                inst: pc,
                detail: format!(
                    "result {k} (%{}): executor {expected:?}, circuit {got:?}",
                    id.0
                ),
            });
        }
    }
    Ok(())
}

/// Constrains `v` to be a valid value of `ty`: `uN` below `2^N`, `bool` boolean.
pub(crate) fn type_check(ctx: &mut GateCtx<'_, '_>, v: &Var, ty: Ty) {
    match ty {
        Ty::Field => {}
        Ty::Bool => {
            ctx.assert_bool(v);
        }
        Ty::UInt(n) => ctx.range_check(v, u32::from(n)),
    }
}

fn lower_binary(
    ctx: &mut GateCtx<'_, '_>,
    lw: &Lowerer<'_>,
    pc: usize,
    (g, ge): (Option<&Bit>, Option<&Bit>),
    op: BinOp,
    a: ValueId,
    b: ValueId,
) -> Result<Var, LowerError> {
    let ta = lw.ty(a)?;
    let (x, y) = (lw.var(a)?, lw.var(b)?);
    let bad = || LowerError::Malformed(format!("`{op:?}` on `{ta:?}` at instruction {pc}"));
    let r = match (op, ta) {
        (BinOp::Add, Ty::Field) => {
            let r = ctx.add(&x, &y);
            ctx.mask(g, &r)
        }
        (BinOp::Sub, Ty::Field) => {
            let r = ctx.sub(&x, &y);
            ctx.mask(g, &r)
        }
        (BinOp::Mul, Ty::Field) => {
            let r = ctx.mul(&x, &y);
            ctx.mask(g, &r)
        }
        (BinOp::Div, Ty::Field) => ctx.guarded_field_div(ge, &x, &y),
        (BinOp::Add, Ty::UInt(n)) => ctx.guarded_add(ge, &x, &y, u32::from(n)),
        (BinOp::Sub, Ty::UInt(n)) => ctx.guarded_sub(ge, &x, &y, u32::from(n)),
        (BinOp::Mul, Ty::UInt(n)) => ctx.guarded_mul(ge, &x, &y, u32::from(n)),
        (BinOp::Div, Ty::UInt(n)) => ctx.guarded_div_rem(ge, &x, &y, u32::from(n)).0,
        (BinOp::Rem, Ty::UInt(n)) => ctx.guarded_div_rem(ge, &x, &y, u32::from(n)).1,
        (BinOp::And | BinOp::Or | BinOp::Xor, Ty::Bool) => {
            let (xb, yb) = (lw.bit(a)?, lw.bit(b)?);
            let r = match op {
                BinOp::And => ctx.and(&xb, &yb),
                BinOp::Or => ctx.or(&xb, &yb),
                _ => ctx.xor(&xb, &yb),
            };
            ctx.mask(g, r.var())
        }
        (BinOp::And | BinOp::Or | BinOp::Xor, Ty::UInt(n)) => {
            let r = bitwise::bitwise(ctx, op, &x, &y, u32::from(n));
            ctx.mask(g, &r)
        }
        (BinOp::Shl | BinOp::Shr, Ty::UInt(n)) => {
            bitwise::shift(ctx, ge, &x, &y, u32::from(n), op == BinOp::Shl)
        }
        (BinOp::Eq, _) => {
            let r = ctx.is_equal(&x, &y);
            ctx.mask(g, r.var())
        }
        (BinOp::Lt, Ty::UInt(n)) => {
            let r = ctx.less_than(&x, &y, u32::from(n));
            ctx.mask(g, r.var())
        }
        (BinOp::Le, Ty::UInt(n)) => {
            let r = ctx.less_equal(&x, &y, u32::from(n));
            ctx.mask(g, r.var())
        }
        _ => return Err(bad()),
    };
    Ok(r)
}

/// An IR constant as a field element.
pub(crate) fn felt_to_fr(c: &stele_ir::Felt) -> Fr {
    Fr::from_repr(c.to_le_bytes()).expect("a Felt is canonical")
}
