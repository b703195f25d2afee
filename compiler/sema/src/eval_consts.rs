//! Compile-time evaluation: constants, array lengths, loop bounds and generic arguments. It runs
//! the lowering engine in constant mode, so the semantics are exactly the IR's.

use stele_diagnostics::{Code, Diagnostic};
use stele_ir::Felt;
use stele_syntax::ast;

use crate::check_types::{BodyChecker, generic_alone};
use crate::checker::Checker;
use crate::finish_bodies::{ZonkOut, zonk_expr};
use crate::hir::{Expr, ModuleId};
use crate::lower_exprs::{Abort, eval_const};
use crate::ty::{Len, Ty};

/// Evaluates a checked, zonked expression, reporting failures; `None` when it fails.
pub fn eval_checked(cx: &mut Checker, e: &Expr, nlocals: usize) -> Option<Vec<Felt>> {
    match eval_const(&cx.defs, cx.db, e, nlocals) {
        Ok(v) => Some(v),
        Err(Abort::NotConst(span)) => {
            cx.error(
                Code::E2006,
                "this expression is not a compile-time constant",
                span,
                "not a constant",
            );
            None
        }
        Err(Abort::Failed(msg, span)) => {
            let d = Diagnostic::new(
                Code::E3002,
                format!("evaluating this constant fails: {msg}"),
                span,
                msg,
            );
            cx.report(d);
            None
        }
        Err(Abort::TooLarge(span)) => {
            let d = Diagnostic::new(
                Code::E3001,
                "constant is too large",
                span,
                "too many scalars after flattening",
            );
            cx.report(d);
            None
        }
        Err(Abort::Diag(d)) => {
            cx.report(*d);
            None
        }
        Err(Abort::Reported) => None,
    }
}

impl Checker<'_> {
    /// An array length or map depth in a type: a const generic parameter alone, or a constant
    /// `u32` expression.
    pub fn eval_len(&mut self, m: ModuleId, e: &ast::Expr, generics: &[String]) -> Len {
        if let Some(i) = generic_alone(e, generics) {
            return Len::Param(i);
        }
        let mut bc = BodyChecker::new(self, m, generics.to_vec(), false, None);
        bc.len_expr(e)
    }
}

impl BodyChecker<'_, '_> {
    /// Evaluates a checked constant sub-expression of the body now (types defaulted).
    pub fn eval_now(&mut self, e: &Expr) -> Option<Vec<Felt>> {
        let mut e = e.clone();
        let mut out = ZonkOut::default();
        zonk_expr(&self.infer, &mut e, &mut out);
        if e.ty.contains_error() {
            return None;
        }
        if contains_generic(&e) {
            let d = Diagnostic::new(
                Code::E2006,
                "generic parameters cannot be used in constant expressions",
                e.span,
                "depends on a generic parameter",
            )
            .with_note("a const generic parameter may be used alone as a length, e.g. `[u64; N]`");
            self.cx.report(d);
            return None;
        }
        let n = self.local_count();
        eval_checked(self.cx, &e, n)
    }
}

pub fn contains_generic(e: &Expr) -> bool {
    use crate::hir::ExprKind::*;
    match &e.kind {
        Generic(_) => true,
        Unary(_, x) | Cast(x, _) | Member(x, _) | Repeat(x, _) => contains_generic(x),
        Binary(_, a, b, _) | Index(a, b, _) => contains_generic(a) || contains_generic(b),
        Struct(xs) | Variant(_, xs) | Array(xs) | Tuple(xs) => xs.iter().any(contains_generic),
        Block(b) => b.tail.as_deref().is_some_and(contains_generic),
        _ => matches!(e.ty, Ty::Array(_, Len::Param(_))),
    }
}
