//! `eliminate_dead_code`: drops instructions that cannot matter. Assumes a verified program;
//! keeps it verified.
//!
//! An instruction stays when one of its results is used, or when it can act: an effect, or an
//! operation that can fail (checked arithmetic, narrowing casts, map access, `assert`), since a
//! failure rejects the transaction. It goes when it cannot act: its guard is the constant
//! `false`, it is `assert` of the constant `true`, or it is a pure operation (including a cast
//! that cannot fail, such as a widening one) whose results nobody reads.

use std::collections::{HashMap, HashSet};

use crate::{Felt, Function, Op, Program, Ty, ValueId};

pub fn eliminate_dead_code(program: &mut Program) {
    for f in program
        .transitions
        .iter_mut()
        .chain(program.tests.iter_mut())
    {
        eliminate_in(f);
    }
}

fn eliminate_in(f: &mut Function) {
    let mut consts: HashMap<ValueId, Felt> = HashMap::new();
    let mut types: HashMap<ValueId, Ty> = HashMap::new();
    for inst in &f.body {
        types.extend(inst.results.iter().copied());
        if let (Op::Const(x), None, [(v, _)]) = (&inst.op, inst.guard, inst.results.as_slice()) {
            consts.insert(*v, *x);
        }
    }
    let is_const = |v: &ValueId, on: bool| consts.get(v).is_some_and(|x| x.is_zero() != on);

    // Backward, so that every use of a value is seen before its definition.
    let mut live: HashSet<ValueId> = HashSet::new();
    let mut keep = vec![false; f.body.len()];
    for (i, inst) in f.body.iter().enumerate().rev() {
        let used = inst.results.iter().any(|(v, _)| live.contains(v));
        let never_fires = inst.guard.is_some_and(|g| is_const(&g, false));
        let acts = !never_fires
            && match &inst.op {
                Op::Assert { cond, .. } => !is_const(cond, true),
                Op::Cast(x) => match (types.get(x), inst.result_ty()) {
                    (Some(&from), Some(to)) => cast_can_fail(from, to),
                    _ => true,
                },
                op => op.is_effect() || op.is_fallible(inst.result_ty()),
            };
        if used || acts {
            keep[i] = true;
            live.extend(inst.uses());
        }
    }
    let mut keep = keep.into_iter();
    f.body.retain(|_| keep.next().unwrap_or(true));
}

/// Whether a conversion can reject a value: only narrowing to an unsigned integer can.
fn cast_can_fail(from: Ty, to: Ty) -> bool {
    match (from, to) {
        (_, Ty::Field) | (Ty::Bool, Ty::UInt(_)) => false,
        (Ty::UInt(m), Ty::UInt(n)) => m > n,
        _ => true,
    }
}
