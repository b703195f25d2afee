//! The instruction builder: operands that are constants or IR values, constant folding with the
//! IR's exact semantics, guards on fallible instructions and effects, and the size limit.

use std::collections::HashMap;

use stele_diagnostics::{Diagnostic, Span};
use stele_ir::{BinOp, Felt, Inst, Loc, Op, Ty, UnOp, ValueId};

use stele_ir::eval::{self, EvalError};

/// Most instructions per function (and scalars per value) before `E3001`.
pub const MAX_INSTS: usize = 2_000_000;
/// Most units of work (instructions, loop iterations, inlined calls) per function.
pub const MAX_WORK: u64 = 20_000_000;

/// A scalar during lowering: a compile-time constant or an IR value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    Const(Felt, Ty),
    Val(ValueId, Ty),
}

impl Operand {
    pub fn ty(self) -> Ty {
        match self {
            Operand::Const(_, t) | Operand::Val(_, t) => t,
        }
    }

    pub fn konst(self) -> Option<Felt> {
        match self {
            Operand::Const(v, _) => Some(v),
            Operand::Val(..) => None,
        }
    }

    pub fn const_bool(self) -> Option<bool> {
        self.konst().map(|v| !v.is_zero())
    }

    pub fn const_u128(self) -> Option<u128> {
        self.konst().and_then(Felt::to_u128)
    }

    pub fn bool(b: bool) -> Operand {
        Operand::Const(if b { Felt::ONE } else { Felt::ZERO }, Ty::Bool)
    }

    pub fn uint(v: u128, bits: u8) -> Operand {
        Operand::Const(Felt::from_u128(v), Ty::UInt(bits))
    }
}

/// Why lowering (or constant evaluation) stopped.
#[derive(Debug)]
pub enum Abort {
    /// Constant mode met something only known at run time.
    NotConst(Span),
    /// Constant mode: an operation fails (the reason, as the executor would report it).
    Failed(String, Span),
    /// Over the instruction or work limit.
    TooLarge(Span),
    /// A diagnostic to report.
    Diag(Box<Diagnostic>),
    /// An error already reported by the checker.
    Reported,
}

pub type LResult<T> = Result<T, Abort>;

pub struct Builder {
    pub insts: Vec<Inst>,
    /// The source span each instruction comes from (parallel to `insts`).
    pub spans: Vec<Span>,
    next: u32,
    consts: HashMap<(Felt, Ty), ValueId>,
    pub const_mode: bool,
    /// The enclosing branch conditions (negated or not) and, once an instruction needed it, the
    /// guard for the conditions up to each: the conjunction is only built when used.
    conds: Vec<(Operand, bool, Option<Option<ValueId>>)>,
    work: u64,
}

/// Folds a binary operation on constants of operand type `ty` with the IR's own semantics: the
/// result, or the failure reason.
pub fn fold_binary(op: BinOp, a: Felt, b: Felt, ty: Ty) -> Result<Felt, Option<&'static str>> {
    eval::binary(op, ty, a, b).map_err(fails)
}

/// Folds a cast of constant `v` from `from` to `to`.
pub fn fold_cast(v: Felt, from: Ty, to: Ty) -> Result<Felt, Option<&'static str>> {
    eval::cast(from, to, v).map_err(fails)
}

fn fails(e: EvalError) -> Option<&'static str> {
    match e {
        EvalError::Fails(msg) => Some(msg),
        EvalError::Unsupported => None,
    }
}

impl Builder {
    pub fn new(const_mode: bool) -> Builder {
        Builder {
            insts: Vec::new(),
            spans: Vec::new(),
            next: 0,
            consts: HashMap::new(),
            const_mode,
            conds: Vec::new(),
            work: 0,
        }
    }

    /// Counts a unit of work (a loop iteration or an inlined call).
    pub fn tick(&mut self, span: Span) -> LResult<()> {
        self.work += 1;
        if self.work > MAX_WORK || self.insts.len() > MAX_INSTS {
            return Err(Abort::TooLarge(span));
        }
        Ok(())
    }

    /// Appends an instruction; `guarded` attaches the current guard.
    pub fn emit(
        &mut self,
        results: &[Ty],
        op: Op,
        guarded: bool,
        loc: Option<Loc>,
        span: Span,
    ) -> LResult<Vec<ValueId>> {
        if self.const_mode {
            return Err(Abort::NotConst(span));
        }
        if self.insts.len() >= MAX_INSTS {
            return Err(Abort::TooLarge(span));
        }
        let guard = if guarded { self.guard(span)? } else { None };
        self.work += 1;
        let ids: Vec<ValueId> = results
            .iter()
            .map(|_| {
                self.next += 1;
                ValueId(self.next - 1)
            })
            .collect();
        self.insts.push(Inst {
            results: ids.iter().copied().zip(results.iter().copied()).collect(),
            op,
            guard,
            loc,
        });
        self.spans.push(span);
        Ok(ids)
    }

    fn emit1(
        &mut self,
        ty: Ty,
        op: Op,
        guarded: bool,
        loc: Option<Loc>,
        span: Span,
    ) -> LResult<Operand> {
        let ids = self.emit(&[ty], op, guarded, loc, span)?;
        Ok(Operand::Val(ids[0], ty))
    }

    /// The IR value of an operand, materialising constants once per function.
    pub fn val(&mut self, o: Operand, span: Span) -> LResult<ValueId> {
        match o {
            Operand::Val(v, _) => Ok(v),
            Operand::Const(v, t) => {
                if let Some(id) = self.consts.get(&(v, t)) {
                    return Ok(*id);
                }
                let id = self.emit(&[t], Op::Const(v), false, None, span)?[0];
                self.consts.insert((v, t), id);
                Ok(id)
            }
        }
    }

    pub fn binary(
        &mut self,
        op: BinOp,
        a: Operand,
        b: Operand,
        loc: Option<Loc>,
        span: Span,
    ) -> LResult<Operand> {
        let ty = a.ty();
        let rty = if matches!(op, BinOp::Eq | BinOp::Lt | BinOp::Le) {
            Ty::Bool
        } else {
            ty
        };
        if let (Some(x), Some(y)) = (a.konst(), b.konst()) {
            match fold_binary(op, x, y, ty) {
                Ok(r) => return Ok(Operand::Const(r, rty)),
                Err(Some(msg)) if self.const_mode => {
                    return Err(Abort::Failed(msg.to_string(), span));
                }
                Err(None) => return Err(Abort::Reported),
                Err(_) => {}
            }
        }
        if ty == Ty::Bool {
            let (ca, cb) = (a.const_bool(), b.const_bool());
            match op {
                BinOp::And => match (ca, cb) {
                    (Some(false), _) | (_, Some(false)) => return Ok(Operand::bool(false)),
                    (Some(true), _) => return Ok(b),
                    (_, Some(true)) => return Ok(a),
                    _ if a == b => return Ok(a),
                    _ => {}
                },
                BinOp::Or => match (ca, cb) {
                    (Some(true), _) | (_, Some(true)) => return Ok(Operand::bool(true)),
                    (Some(false), _) => return Ok(b),
                    (_, Some(false)) => return Ok(a),
                    _ if a == b => return Ok(a),
                    _ => {}
                },
                _ => {}
            }
        }
        // Identities that cannot fail: `x + 0`, `0 + x`, `x - 0`, `x * 1`, `1 * x`, `x / 1`.
        if matches!(ty, Ty::Field | Ty::UInt(_)) {
            let is = |o: Operand, v: u128| o.konst() == Some(Felt::from_u128(v));
            match op {
                BinOp::Add if is(b, 0) => return Ok(a),
                BinOp::Add if is(a, 0) => return Ok(b),
                BinOp::Sub if is(b, 0) => return Ok(a),
                BinOp::Mul | BinOp::Div if is(b, 1) => return Ok(a),
                BinOp::Mul if is(a, 1) => return Ok(b),
                _ => {}
            }
        }
        if op == BinOp::Eq && a == b {
            return Ok(Operand::bool(true));
        }
        if op == BinOp::Eq && ty == Ty::Bool {
            // `x == true` is `x`, `x == false` is `!x`.
            match (a.const_bool(), b.const_bool()) {
                (Some(k), None) => return if k { Ok(b) } else { self.not(b, span) },
                (None, Some(k)) => return if k { Ok(a) } else { self.not(a, span) },
                _ => {}
            }
        }
        let fallible = Op::Binary(op, ValueId(0), ValueId(0)).is_fallible(Some(rty));
        let (va, vb) = (self.val(a, span)?, self.val(b, span)?);
        self.emit1(
            rty,
            Op::Binary(op, va, vb),
            fallible,
            if fallible { loc } else { None },
            span,
        )
    }

    pub fn unary(&mut self, op: UnOp, a: Operand, span: Span) -> LResult<Operand> {
        let ty = a.ty();
        if let Some(x) = a.konst() {
            let r = eval::unary(op, ty, x).map_err(|_| Abort::Reported)?;
            return Ok(Operand::Const(r, ty));
        }
        if op == UnOp::Not
            && ty == Ty::Bool
            && let Operand::Val(v, _) = a
            && let Some(inst) = self
                .insts
                .iter()
                .rev()
                .take(4)
                .find(|i| i.results.first().map(|r| r.0) == Some(v))
            && let Op::Unary(UnOp::Not, inner) = inst.op
        {
            return Ok(Operand::Val(inner, Ty::Bool));
        }
        let va = self.val(a, span)?;
        self.emit1(ty, Op::Unary(op, va), false, None, span)
    }

    pub fn not(&mut self, a: Operand, span: Span) -> LResult<Operand> {
        self.unary(UnOp::Not, a, span)
    }

    pub fn and(&mut self, a: Operand, b: Operand, span: Span) -> LResult<Operand> {
        self.binary(BinOp::And, a, b, None, span)
    }

    pub fn eq(&mut self, a: Operand, b: Operand, span: Span) -> LResult<Operand> {
        self.binary(BinOp::Eq, a, b, None, span)
    }

    pub fn cast(&mut self, a: Operand, to: Ty, loc: Option<Loc>, span: Span) -> LResult<Operand> {
        if a.ty() == to {
            return Ok(a);
        }
        if let Some(x) = a.konst() {
            match fold_cast(x, a.ty(), to) {
                Ok(v) => return Ok(Operand::Const(v, to)),
                Err(Some(msg)) if self.const_mode => {
                    return Err(Abort::Failed(msg.to_string(), span));
                }
                Err(None) => return Err(Abort::Reported),
                Err(_) => {}
            }
        }
        let va = self.val(a, span)?;
        self.emit1(to, Op::Cast(va), true, loc, span)
    }

    pub fn select(&mut self, c: Operand, a: Operand, b: Operand, span: Span) -> LResult<Operand> {
        if let Some(cb) = c.const_bool() {
            return Ok(if cb { a } else { b });
        }
        if a == b {
            return Ok(a);
        }
        if a.ty() == Ty::Bool {
            match (a.const_bool(), b.const_bool()) {
                (Some(true), Some(false)) => return Ok(c),
                (Some(false), Some(true)) => return self.not(c, span),
                (_, Some(false)) => return self.and(c, a, span),
                (Some(true), _) => return self.binary(BinOp::Or, c, b, None, span),
                _ => {}
            }
        }
        let (vc, va, vb) = (self.val(c, span)?, self.val(a, span)?, self.val(b, span)?);
        self.emit1(a.ty(), Op::Select(vc, va, vb), false, None, span)
    }

    pub fn pick(
        &mut self,
        index: Operand,
        items: &[Operand],
        ty: Ty,
        span: Span,
    ) -> LResult<Operand> {
        if let Some(k) = index.const_u128() {
            return Ok(items
                .get(k as usize)
                .copied()
                .unwrap_or(Operand::Const(Felt::ZERO, ty)));
        }
        if let Some(first) = items.first()
            && items.iter().all(|i| i == first)
        {
            return Ok(*first);
        }
        let vi = self.val(index, span)?;
        let vs = items
            .iter()
            .map(|i| self.val(*i, span))
            .collect::<LResult<Vec<_>>>()?;
        self.emit1(
            ty,
            Op::Pick {
                index: vi,
                items: vs,
            },
            false,
            None,
            span,
        )
    }

    pub fn assert(
        &mut self,
        cond: Operand,
        msg: &str,
        loc: Option<Loc>,
        span: Span,
    ) -> LResult<()> {
        match cond.const_bool() {
            Some(true) => return Ok(()),
            Some(false) if self.const_mode => return Err(Abort::Failed(msg.to_string(), span)),
            _ => {}
        }
        let vc = self.val(cond, span)?;
        self.emit(
            &[],
            Op::Assert {
                cond: vc,
                msg: msg.to_string(),
            },
            true,
            loc,
            span,
        )?;
        Ok(())
    }

    /// Enters a branch taken when `c` holds (or, if `negate`, when it does not).
    pub fn push_cond(&mut self, c: Operand, negate: bool) {
        self.conds.push((c, negate, None));
    }

    pub fn pop_cond(&mut self) {
        self.conds.pop();
    }

    /// The current guard, `None` for true: the conjunction of the enclosing conditions.
    pub fn guard(&mut self, span: Span) -> LResult<Option<ValueId>> {
        let done = self.conds.iter().rposition(|c| c.2.is_some());
        let mut g = done.and_then(|i| self.conds[i].2).flatten();
        for j in done.map_or(0, |i| i + 1)..self.conds.len() {
            let (c, negate, _) = self.conds[j];
            let c = if negate { self.not(c, span)? } else { c };
            let r = match g {
                None => c,
                Some(gv) => self.and(Operand::Val(gv, Ty::Bool), c, span)?,
            };
            g = match r {
                Operand::Const(v, _) if !v.is_zero() => None,
                other => Some(self.val(other, span)?),
            };
            self.conds[j].2 = Some(g);
        }
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_follows_ir_semantics() {
        let f = Felt::from_u128;
        assert_eq!(
            fold_binary(BinOp::Add, f(255), f(1), Ty::UInt(8)),
            Err(Some("arithmetic overflow"))
        );
        assert_eq!(
            fold_binary(BinOp::Shl, f(0x81), f(1), Ty::UInt(8)),
            Ok(f(2))
        );
        assert_eq!(
            fold_cast(f(256), Ty::Field, Ty::UInt(8)),
            Err(Some("cast overflow"))
        );
        assert_eq!(fold_cast(f(255), Ty::UInt(16), Ty::UInt(8)), Ok(f(255)));
    }

    #[test]
    fn builder_folds_and_simplifies() {
        let mut b = Builder::new(false);
        let sp = Span::default();
        let x = Operand::Val(ValueId(7), Ty::Bool);
        assert_eq!(b.and(x, Operand::bool(true), sp).unwrap(), x);
        assert_eq!(
            b.select(x, Operand::bool(true), Operand::bool(false), sp)
                .unwrap(),
            x
        );
        let r = b
            .binary(
                BinOp::Add,
                Operand::uint(2, 8),
                Operand::uint(3, 8),
                None,
                sp,
            )
            .unwrap();
        assert_eq!(r, Operand::uint(5, 8));
        assert!(b.insts.is_empty());
        // A failing constant operation is emitted, not folded.
        b.binary(
            BinOp::Add,
            Operand::uint(255, 8),
            Operand::uint(1, 8),
            None,
            sp,
        )
        .unwrap();
        assert_eq!(b.insts.len(), 3);
    }
}
