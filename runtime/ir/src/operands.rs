//! The values an instruction reads, so that passes and the verifier walk uses in one way, and
//! the names of operations as the text format spells them.

use crate::{BinOp, Inst, Op, UnOp, ValueId};

impl Op {
    /// The operation's name in the text format (`add`, `map.read`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Const(_) => "const",
            Op::Param(_) => "param",
            Op::SLoad(_) => "sload",
            Op::SStore(..) => "sstore",
            Op::Unary(op, _) => op.name(),
            Op::Binary(op, ..) => op.name(),
            Op::Select(..) => "select",
            Op::Cast(_) => "cast",
            Op::Pick { .. } => "pick",
            Op::Assert { .. } => "assert",
            Op::MapRead { .. } => "map.read",
            Op::MapWrite { .. } => "map.write",
            Op::Hash(_) => "hash",
            Op::EddsaVerify(_) => "eddsa.verify",
            Op::MerkleRoot { .. } => "merkle.root",
        }
    }

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
            Op::Hash(inputs) | Op::EddsaVerify(inputs) => inputs.clone(),
            Op::MerkleRoot {
                index,
                leaf,
                siblings,
            } => [*index, *leaf]
                .into_iter()
                .chain(siblings.iter().copied())
                .collect(),
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
            Op::Hash(inputs) | Op::EddsaVerify(inputs) => inputs.iter_mut().collect(),
            Op::MerkleRoot {
                index,
                leaf,
                siblings,
            } => [index, leaf]
                .into_iter()
                .chain(siblings.iter_mut())
                .collect(),
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

impl UnOp {
    pub fn name(self) -> &'static str {
        match self {
            UnOp::Neg => "neg",
            UnOp::Not => "not",
        }
    }
}

impl BinOp {
    pub fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::Rem => "rem",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Xor => "xor",
            BinOp::Shl => "shl",
            BinOp::Shr => "shr",
            BinOp::Eq => "eq",
            BinOp::Lt => "lt",
            BinOp::Le => "le",
        }
    }
}
