//! The values an instruction reads, so that passes and the verifier walk uses in one way.

use crate::{Inst, Op, ValueId};

impl Op {
    /// The values the operation reads, in textual order.
    pub fn operands(&self) -> Vec<ValueId> {
        match self {
            Op::Const(_) | Op::Param(_) | Op::SLoad(_) => Vec::new(),
            Op::SStore(_, v) | Op::Unary(_, v) | Op::Cast(v) => vec![*v],
            Op::Binary(_, a, b) => vec![*a, *b],
            Op::Select(c, a, b) => vec![*c, *a, *b],
            Op::Pick { index, items } => std::iter::once(*index)
                .chain(items.iter().copied())
                .collect(),
            Op::Assert { cond, .. } => vec![*cond],
            Op::MapRead { key, .. } => vec![*key],
            Op::MapWrite { key, value, .. } => {
                std::iter::once(*key).chain(value.iter().copied()).collect()
            }
            Op::Hash(inputs) => inputs.clone(),
        }
    }

    /// Mutable access to the values the operation reads, in the order of [`Op::operands`].
    pub fn operands_mut(&mut self) -> Vec<&mut ValueId> {
        match self {
            Op::Const(_) | Op::Param(_) | Op::SLoad(_) => Vec::new(),
            Op::SStore(_, v) | Op::Unary(_, v) | Op::Cast(v) => vec![v],
            Op::Binary(_, a, b) => vec![a, b],
            Op::Select(c, a, b) => vec![c, a, b],
            Op::Pick { index, items } => std::iter::once(index).chain(items.iter_mut()).collect(),
            Op::Assert { cond, .. } => vec![cond],
            Op::MapRead { key, .. } => vec![key],
            Op::MapWrite { key, value, .. } => {
                std::iter::once(key).chain(value.iter_mut()).collect()
            }
            Op::Hash(inputs) => inputs.iter_mut().collect(),
        }
    }
}

impl Inst {
    /// Every value the instruction reads: its operands, then its guard.
    pub fn uses(&self) -> Vec<ValueId> {
        let mut uses = self.op.operands();
        uses.extend(self.guard);
        uses
    }

    /// Rewrites every value the instruction reads (operands and guard).
    pub fn map_uses(&mut self, mut f: impl FnMut(ValueId) -> ValueId) {
        for v in self.op.operands_mut() {
            *v = f(*v);
        }
        if let Some(g) = &mut self.guard {
            *g = f(*g);
        }
    }

    /// The type of the first result, which is what [`Op::is_fallible`] asks for.
    pub fn result_ty(&self) -> Option<crate::Ty> {
        self.results.first().map(|&(_, ty)| ty)
    }
}
