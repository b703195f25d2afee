//! `fold_constants`: replaces an operation whose operands are constants by the constant it
//! computes, with exactly the executor's semantics ([`crate::eval`]), and resolves constant
//! guards. Assumes a verified program; keeps it verified.
//!
//! - An operation that would fail on its constants (`255u8 + 1`, a division by zero, a narrowing
//!   cast that does not fit) is left alone, so it still fails at run time, where it belongs.
//! - A guarded operation folds to a constant with the same guard (still zero when the guard is
//!   off); only unguarded constants feed further folding.
//! - `select` with a constant condition and `pick` with a constant index forward the chosen value
//!   (when unguarded), so later uses read it directly.
//! - A constant-true guard is dropped. An instruction with a constant-false guard never fires and
//!   its results are zero: each result becomes a zero constant. Effects and asserts under a
//!   constant-false guard are left for `eliminate_dead_code` to drop.
//! - `hash` is never folded: Poseidon is the executor's business.

use std::collections::HashMap;

use crate::eval;
use crate::{Felt, Function, Inst, Op, Program, Ty, ValueId};

pub fn fold_constants(program: &mut Program) {
    for f in program
        .transitions
        .iter_mut()
        .chain(program.tests.iter_mut())
    {
        fold_function(f);
    }
}

enum Folded {
    Const(Felt),
    /// The result is this earlier value.
    Forward(ValueId),
}

fn fold_function(f: &mut Function) {
    // Values defined by unguarded constants.
    let mut consts: HashMap<ValueId, Felt> = HashMap::new();
    let mut types: HashMap<ValueId, Ty> = HashMap::new();
    let mut forwarded: HashMap<ValueId, ValueId> = HashMap::new();
    for mut inst in std::mem::take(&mut f.body) {
        inst.map_uses(|v| forwarded.get(&v).copied().unwrap_or(v));
        types.extend(inst.results.iter().copied());
        if let Some(on) = inst.guard.and_then(|g| consts.get(&g)) {
            if !on.is_zero() {
                inst.guard = None;
            } else if !inst.results.is_empty() {
                for &result in &inst.results {
                    consts.insert(result.0, Felt::ZERO);
                    f.body.push(Inst {
                        results: vec![result],
                        op: Op::Const(Felt::ZERO),
                        guard: None,
                        loc: None,
                    });
                }
                continue;
            }
        }
        match fold(&inst, &consts, &types) {
            Some(Folded::Const(x)) => {
                inst.op = Op::Const(x);
                // A constant cannot fail, so it has nothing to report.
                inst.loc = None;
            }
            Some(Folded::Forward(v)) if inst.guard.is_none() => {
                if let Some(&(result, _)) = inst.results.first() {
                    forwarded.insert(result, v);
                    continue;
                }
            }
            _ => {}
        }
        if let (Op::Const(x), None, [(v, _)]) = (&inst.op, inst.guard, inst.results.as_slice()) {
            consts.insert(*v, *x);
        }
        f.body.push(inst);
    }
}

fn fold(
    inst: &Inst,
    consts: &HashMap<ValueId, Felt>,
    types: &HashMap<ValueId, Ty>,
) -> Option<Folded> {
    let c = |v: &ValueId| consts.get(v).copied();
    let ty = |v: &ValueId| types.get(v).copied();
    let chosen = |v: &ValueId| Some(c(v).map_or(Folded::Forward(*v), Folded::Const));
    let result = inst.result_ty()?;
    let value = match &inst.op {
        Op::Unary(op, x) => eval::unary(*op, ty(x)?, c(x)?),
        Op::Binary(op, a, b) => eval::binary(*op, ty(a)?, c(a)?, c(b)?),
        Op::Cast(x) => eval::cast(ty(x)?, result, c(x)?),
        Op::Select(cond, a, b) => {
            return match c(cond) {
                Some(k) => chosen(if k.is_zero() { b } else { a }),
                None if a == b => chosen(a),
                None => None,
            };
        }
        Op::Pick { index, items } => {
            let i = c(index)?.to_u128()?;
            return match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                Some(item) => chosen(item),
                None => Some(Folded::Const(Felt::ZERO)),
            };
        }
        _ => return None,
    };
    value.ok().map(Folded::Const)
}
