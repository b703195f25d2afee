//! Finishing a checked body: substitutes inferred types (defaulting integer literals), checks
//! literal ranges (`E2008`) and inferred generic arguments (`E2011`), records types for the
//! language server and warns about unused variables (`W2001`).

use stele_diagnostics::{Code, Diagnostic, Span};
use stele_ir::Felt;

use crate::check_types::BodyChecker;
use crate::hir::{Block, Body, Expr, ExprKind, FnId, LocalId, Pat, PlaceRoot, Proj, Stmt};
use crate::ty::{Len, Ty};
use crate::unify_types::Infer;

/// What zonking found, for the caller to report.
#[derive(Default)]
pub struct ZonkOut {
    pub record: bool,
    /// Literal span, value and final type.
    pub lits: Vec<(Span, Felt, Ty)>,
    /// Calls whose const generic arguments could not be inferred.
    pub unresolved: Vec<(Span, FnId, usize)>,
    pub types: Vec<(Span, Ty)>,
}

fn zonk_len(infer: &Infer, l: Len) -> Option<Len> {
    match infer.len(l) {
        Len::Var(_) => None,
        l => Some(l),
    }
}

pub fn zonk_expr(infer: &Infer, e: &mut Expr, out: &mut ZonkOut) {
    e.ty = infer.zonk(&e.ty);
    if out.record && !matches!(e.kind, ExprKind::Block(_)) {
        out.types.push((e.span, e.ty.clone()));
    }
    match &mut e.kind {
        ExprKind::Lit(v) => out.lits.push((e.span, *v, e.ty.clone())),
        ExprKind::Local(_)
        | ExprKind::Const(_)
        | ExprKind::Generic(_)
        | ExprKind::State(_)
        | ExprKind::Error => {}
        ExprKind::MapGet { key, .. } => zonk_expr(infer, key, out),
        ExprKind::Unary(_, x) | ExprKind::Cast(x, _) | ExprKind::Member(x, _) => {
            zonk_expr(infer, x, out)
        }
        ExprKind::Binary(_, a, b, _) | ExprKind::Index(a, b, _) => {
            zonk_expr(infer, a, out);
            zonk_expr(infer, b, out);
        }
        ExprKind::Call {
            func,
            generics,
            args,
        } => {
            for (i, g) in generics.iter_mut().enumerate() {
                match zonk_len(infer, *g) {
                    Some(l) => *g = l,
                    None => {
                        out.unresolved.push((e.span, *func, i));
                        *g = Len::Error;
                    }
                }
            }
            for a in args {
                zonk_expr(infer, a, out);
            }
        }
        ExprKind::Assert { cond, .. } => zonk_expr(infer, cond, out),
        ExprKind::Struct(xs)
        | ExprKind::Variant(_, xs)
        | ExprKind::Array(xs)
        | ExprKind::Tuple(xs) => {
            for x in xs {
                zonk_expr(infer, x, out);
            }
        }
        ExprKind::Repeat(x, len) => {
            *len = zonk_len(infer, *len).unwrap_or(Len::Error);
            zonk_expr(infer, x, out);
        }
        ExprKind::Block(b) => zonk_block(infer, b, out),
        ExprKind::If(c, t, el) => {
            zonk_expr(infer, c, out);
            zonk_expr(infer, t, out);
            if let Some(el) = el {
                zonk_expr(infer, el, out);
            }
        }
        ExprKind::Match(s, arms) => {
            zonk_expr(infer, s, out);
            for arm in arms {
                if let Pat::Lit(v) = arm.pat {
                    out.lits.push((arm.pat_span, v, s.ty.clone()));
                }
                zonk_expr(infer, &mut arm.body, out);
            }
        }
    }
}

fn zonk_block(infer: &Infer, b: &mut Block, out: &mut ZonkOut) {
    for s in &mut b.stmts {
        match s {
            Stmt::Let(_, init) => zonk_expr(infer, init, out),
            Stmt::Assign { place, value, .. } => {
                place.ty = infer.zonk(&place.ty);
                if let PlaceRoot::Map { key, .. } = &mut place.root {
                    zonk_expr(infer, key, out);
                }
                for p in &mut place.projs {
                    if let Proj::Index(i, _) = p {
                        zonk_expr(infer, i, out);
                    }
                }
                zonk_expr(infer, value, out);
            }
            Stmt::For {
                start, end, body, ..
            } => {
                zonk_expr(infer, start, out);
                zonk_expr(infer, end, out);
                zonk_block(infer, body, out);
            }
            Stmt::Expr(e) => zonk_expr(infer, e, out),
        }
    }
    if let Some(t) = &mut b.tail {
        zonk_expr(infer, t, out);
    }
}

impl BodyChecker<'_, '_> {
    /// Zonks `e`, reporting literal ranges and uninferred generic arguments.
    pub fn finish_expr(&mut self, e: &mut Expr) {
        let mut out = ZonkOut {
            record: true,
            ..ZonkOut::default()
        };
        zonk_expr(&self.infer, e, &mut out);
        for (span, v, ty) in out.lits {
            if let Ty::UInt(b) = ty {
                let fits = v.to_u128().is_some_and(|x| b == 128 || x < 1u128 << b);
                if !fits {
                    let max = if b == 128 {
                        u128::MAX
                    } else {
                        (1u128 << b) - 1
                    };
                    let d = Diagnostic::new(
                        Code::E2008,
                        format!("literal out of range for `u{b}`"),
                        span,
                        format!("does not fit in `u{b}`"),
                    )
                    .with_note(format!("`u{b}` holds values from 0 to {max}"));
                    self.cx.report(d);
                }
            }
        }
        for (span, f, i) in out.unresolved {
            let fd = self.cx.defs.func(f);
            let (name, g) = (
                fd.name.clone(),
                fd.generics.get(i).cloned().unwrap_or_default(),
            );
            let d = Diagnostic::new(
                Code::E2011,
                format!("cannot infer the value of const parameter `{g}` of `{name}`"),
                span,
                "cannot infer",
            )
            .with_help(format!("give it explicitly: `{name}::<...>(...)`"));
            self.cx.report(d);
        }
        let fmt = crate::ty::TyFmt {
            defs: &self.cx.defs,
            generics: &self.generics,
        };
        let types: Vec<(Span, String)> = out.types.iter().map(|(s, t)| (*s, fmt.ty(t))).collect();
        self.cx.types.extend(types);
    }

    /// Completes the body: zonks it and its locals, records their types, warns on unused ones.
    pub fn finish(mut self, mut e: Expr, params: Vec<LocalId>) -> Body {
        self.finish_expr(&mut e);
        let clean = !self.saw_syntax_error
            && self.cx.diags.iter().filter(|d| d.is_error()).count() == self.errors_before;
        let mut locals = std::mem::take(&mut self.locals);
        for (i, l) in locals.iter_mut().enumerate() {
            l.ty = self.infer.zonk(&l.ty);
            let shown = crate::ty::TyFmt {
                defs: &self.cx.defs,
                generics: &self.generics,
            }
            .ty(&l.ty);
            self.cx.types.push((l.span, shown));
            if clean && !self.used[i] && !l.name.starts_with('_') {
                let d = Diagnostic::new(
                    Code::W2001,
                    format!("unused variable: `{}`", l.name),
                    l.span,
                    "never read",
                )
                .with_help(format!(
                    "if this is intentional, prefix it with an underscore: `_{}`",
                    l.name
                ));
                self.cx.report(d);
            }
        }
        Body {
            locals,
            params,
            expr: e,
        }
    }
}
