//! `eliminate_common_subexpressions`: an instruction that repeats an earlier one (same operation,
//! operands, guard and result types) is dropped and its results replaced by the earlier ones.
//! Assumes a verified program; keeps it verified.
//!
//! This holds for fallible operations too: the repeat runs only if the first did not fail, and
//! then it computes the same value. Instructions whose result depends on state written in the
//! same function (`map.read`), and those that act (effects, `assert`), are never merged.

use std::collections::HashMap;

use crate::{Inst, Op, Program, Ty, ValueId};

pub fn eliminate_common_subexpressions(program: &mut Program) {
    for f in program
        .transitions
        .iter_mut()
        .chain(program.tests.iter_mut())
    {
        let mut replaced: HashMap<ValueId, ValueId> = HashMap::new();
        let mut seen: HashMap<(Op, Option<ValueId>, Vec<Ty>), Vec<ValueId>> = HashMap::new();
        f.body.retain_mut(|inst| {
            inst.map_uses(|v| replaced.get(&v).copied().unwrap_or(v));
            if !mergeable(inst) {
                return true;
            }
            let key = (
                inst.op.clone(),
                inst.guard,
                inst.results.iter().map(|&(_, t)| t).collect(),
            );
            match seen.get(&key) {
                Some(earlier) => {
                    for (&(v, _), &e) in inst.results.iter().zip(earlier) {
                        replaced.insert(v, e);
                    }
                    false
                }
                None => {
                    seen.insert(key, inst.results.iter().map(|&(v, _)| v).collect());
                    true
                }
            }
        });
    }
}

fn mergeable(inst: &Inst) -> bool {
    !inst.results.is_empty()
        && !matches!(
            inst.op,
            Op::MapRead { .. } | Op::MapWrite { .. } | Op::SStore(..) | Op::Assert { .. }
        )
}
