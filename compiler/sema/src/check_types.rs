//! Type checking of bodies: resolves local names, infers integer literal types, checks every
//! expression, statement and assignment target, and builds the typed tree (`hir`).

use stele_diagnostics::{Code, Diagnostic, Span};
use stele_ir::Felt;
use stele_syntax::ast;

use crate::checker::Checker;
use crate::hir::{
    self, Def, Expr, ExprKind, FnId, LocalDecl, LocalId, ModuleId, Place, PlaceRoot, Proj,
    StateFieldKind,
};
use crate::resolve_names::{PathKind, path_text};
use crate::suggest_names::with_suggestion;
use crate::ty::{Len, Ty, TyFmt};
use crate::unify_types::{Infer, VarKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalKind {
    Let,
    Param,
    LoopVar,
    Binding,
}

/// Checks one body (function, transition, test, constant initializer or length expression).
pub struct BodyChecker<'c, 'a> {
    pub cx: &'c mut Checker<'a>,
    pub module: ModuleId,
    pub generics: Vec<String>,
    /// `state` is available (transitions and tests).
    pub state_ok: bool,
    /// The function whose body this is, for the call graph.
    pub in_fn: Option<FnId>,
    pub locals: Vec<LocalDecl>,
    pub local_kinds: Vec<LocalKind>,
    pub used: Vec<bool>,
    scopes: Vec<Vec<(String, LocalId)>>,
    pub infer: Infer,
    /// Errors reported before this body: unused-variable warnings are only given for bodies
    /// without errors.
    pub errors_before: usize,
    /// The body contains syntax errors (`Error` nodes from the parser).
    pub saw_syntax_error: bool,
}

pub fn expr(kind: ExprKind, ty: Ty, span: Span) -> Expr {
    Expr { kind, ty, span }
}

pub fn error_expr(span: Span) -> Expr {
    expr(ExprKind::Error, Ty::Error, span)
}

fn op_text(op: ast::BinOp) -> &'static str {
    use ast::BinOp::*;
    match op {
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Rem => "%",
        BitAnd => "&",
        BitOr => "|",
        BitXor => "^",
        Shl => "<<",
        Shr => ">>",
        And => "&&",
        Or => "||",
        Eq => "==",
        Ne => "!=",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
    }
}

impl<'c, 'a> BodyChecker<'c, 'a> {
    pub fn new(
        cx: &'c mut Checker<'a>,
        module: ModuleId,
        generics: Vec<String>,
        state_ok: bool,
        in_fn: Option<FnId>,
    ) -> Self {
        let errors_before = cx.diags.iter().filter(|d| d.is_error()).count();
        BodyChecker {
            errors_before,
            saw_syntax_error: false,
            cx,
            module,
            generics,
            state_ok,
            in_fn,
            locals: Vec::new(),
            local_kinds: Vec::new(),
            used: Vec::new(),
            scopes: vec![Vec::new()],
            infer: Infer::default(),
        }
    }

    // ----- helpers -----

    pub fn show(&self, ty: &Ty) -> String {
        let ty = self.infer.resolve(ty);
        TyFmt {
            defs: &self.cx.defs,
            generics: &self.generics,
        }
        .ty(&ty)
    }

    fn snippet(&self, span: Span) -> Option<String> {
        let text = self.cx.db.text(span.file);
        let s = text.get(span.start as usize..span.end as usize)?;
        (!s.contains('\n') && s.len() <= 40).then(|| s.to_string())
    }

    /// Finds the operator `text` in the source between two offsets (skipping spaces, comments
    /// and closing parentheses), for instruction locations and labels.
    pub fn find_op(&self, file: stele_diagnostics::FileId, from: u32, to: u32, text: &str) -> Span {
        let src = self.cx.db.text(file);
        let bytes = src.as_bytes();
        let mut i = from as usize;
        let end = (to as usize).min(bytes.len());
        while i < end {
            if bytes[i..].starts_with(text.as_bytes()) {
                return Span::new(file, i, i + text.len());
            }
            if bytes[i..].starts_with(b"//") {
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
            } else if bytes[i..].starts_with(b"/*") {
                let mut depth = 0;
                while i < end {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            } else {
                i += 1;
            }
        }
        Span::new(file, from as usize, from as usize)
    }

    fn declare(&mut self, name: &ast::Ident, ty: Ty, mutable: bool, kind: LocalKind) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(LocalDecl {
            name: name.name.clone(),
            ty,
            mutable,
            span: name.span,
        });
        self.local_kinds.push(kind);
        self.used.push(false);
        self.scopes
            .last_mut()
            .expect("scope")
            .push((name.name.clone(), id));
        id
    }

    pub fn declare_kind(&mut self, name: &ast::Ident, ty: Ty, kind: LocalKind) -> LocalId {
        self.declare(name, ty, false, kind)
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    pub fn declare_param(&mut self, name: &ast::Ident, ty: Ty) -> LocalId {
        // Duplicate parameter names are reported by the caller.
        self.declare(name, ty, false, LocalKind::Param)
    }

    fn lookup_local(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    fn local_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .scopes
            .iter()
            .flatten()
            .map(|(n, _)| n.clone())
            .collect();
        out.extend(self.generics.iter().cloned());
        out
    }

    /// Unifies `found` with `expected`, reporting a mismatch at `span`.
    pub fn unify_at(&mut self, found: &Ty, expected: &Ty, span: Span) -> bool {
        if self.infer.unify(found, expected) {
            return true;
        }
        let d = self.mismatch(found, expected, span);
        self.cx.report(d);
        false
    }

    pub fn mismatch(&self, found: &Ty, expected: &Ty, span: Span) -> Diagnostic {
        let (f, e) = (self.show(found), self.show(expected));
        let mut d = Diagnostic::new(
            Code::E2001,
            "mismatched types",
            span,
            format!("expected `{e}`, found `{f}`"),
        );
        let numeric = |t: &Ty| matches!(self.infer.shallow(t), Ty::Field | Ty::UInt(_));
        let exp = self.infer.shallow(expected);
        if numeric(found) && numeric(expected) {
            let what = self.snippet(span).unwrap_or_else(|| "value".to_string());
            let narrowing = match (self.infer.shallow(found), &exp) {
                (Ty::UInt(a), Ty::UInt(b)) => a > *b,
                (Ty::Field, Ty::UInt(_)) => true,
                _ => false,
            };
            let how = format!("`{what} as {e}`");
            d = d.with_help(if narrowing {
                format!("you can convert a `{f}` to a `{e}` with {how}, which rejects the transaction if the value does not fit")
            } else {
                format!("you can convert a `{f}` to a `{e}` with {how}")
            });
        } else if exp == Ty::Bool && numeric(found) {
            d = d.with_help("integers do not convert to `bool`: compare instead, e.g. `x != 0`");
        }
        d
    }

    /// Checks `e` and requires type `ty`.
    pub fn expect(&mut self, e: &ast::Expr, ty: &Ty) -> Expr {
        let h = self.expr(e, Some(ty));
        let span = tail_span(e);
        self.unify_at(&h.ty, ty, span);
        h
    }

    /// Reports `state` use outside transitions and tests; `true` if allowed.
    fn state_use(&mut self, span: Span) -> bool {
        if self.state_ok {
            return true;
        }
        let d = Diagnostic::new(
            Code::E1008,
            "`state` used outside a transition or test",
            span,
            "`state` is not available here",
        )
        .with_help("pass the values the function needs as parameters and return the results");
        self.cx.report(d);
        false
    }

    // ----- expressions -----

    pub fn expr(&mut self, e: &ast::Expr, hint: Option<&Ty>) -> Expr {
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Int { digits, suffix } => {
                self.int_lit(digits, suffix.as_deref(), span, hint)
            }
            ast::ExprKind::Bool(b) => expr(
                ExprKind::Lit(if *b { Felt::ONE } else { Felt::ZERO }),
                Ty::Bool,
                span,
            ),
            ast::ExprKind::Str(_) => {
                self.cx.error(
                    Code::E2019,
                    "string literals are only allowed as `assert` messages",
                    span,
                    "string literal not allowed here",
                );
                error_expr(span)
            }
            ast::ExprKind::Path { path, generic_args } => self.path_expr(path, generic_args, span),
            ast::ExprKind::State => {
                if self.state_use(span) {
                    let d = Diagnostic::new(Code::E2019, "`state` must be followed by a field", span, "expected `state.field`")
                        .with_note("the state is not a value; read its fields, e.g. `state.fees` or `state.accounts[key]`");
                    self.cx.report(d);
                }
                error_expr(span)
            }
            ast::ExprKind::Unary(op, x) => self.unary(*op, x, span, hint),
            ast::ExprKind::Binary(op, l, r) => self.binary(*op, l, r, span, hint),
            ast::ExprKind::Cast(x, t) => {
                let inner = self.expr(x, None);
                let target = self
                    .cx
                    .resolve_type(self.module, t, &self.generics.clone(), false);
                let src = self.infer.shallow(&inner.ty);
                let ok = match (&src, &target) {
                    (Ty::Error, _) | (_, Ty::Error) => true,
                    (Ty::Bool | Ty::UInt(_) | Ty::Field | Ty::Var(_), Ty::Field | Ty::UInt(_)) => {
                        true
                    }
                    (_, Ty::Bool) => {
                        let d = Diagnostic::new(
                            Code::E2010,
                            format!("cannot cast `{}` to `bool`", self.show(&src)),
                            t.span,
                            "nothing converts to `bool`",
                        )
                        .with_help("compare instead, e.g. `x != 0`");
                        self.cx.report(d);
                        false
                    }
                    _ => {
                        let d = Diagnostic::new(
                            Code::E2010,
                            format!("cannot cast `{}` to `{}`", self.show(&src), self.show(&target)),
                            span,
                            "invalid cast",
                        )
                        .with_note("only `bool`, `Field` and unsigned integers convert, to `Field` or an unsigned integer");
                        self.cx.report(d);
                        false
                    }
                };
                if !ok {
                    return expr(ExprKind::Error, target, span);
                }
                let op = self.find_op(span.file, x.span.end, t.span.start, "as");
                expr(ExprKind::Cast(Box::new(inner), op), target, span)
            }
            ast::ExprKind::Call { callee, args } => self.call(callee, args, span),
            ast::ExprKind::Field(base, name) => self.field(base, name, span),
            ast::ExprKind::TupleField(base, idx, ispan) => {
                let b = self.expr(base, None);
                match self.infer.shallow(&b.ty) {
                    Ty::Error => error_expr(span),
                    Ty::Tuple(ts) if (*idx as usize) < ts.len() => {
                        let t = ts[*idx as usize].clone();
                        expr(ExprKind::Member(Box::new(b), *idx), t, span)
                    }
                    t => {
                        let d = Diagnostic::new(
                            Code::E2014,
                            format!("no field `{idx}` on type `{}`", self.show(&t)),
                            *ispan,
                            "unknown field",
                        );
                        self.cx.report(d);
                        error_expr(span)
                    }
                }
            }
            ast::ExprKind::Index(base, idx) => self.index(base, idx, span),
            ast::ExprKind::StructLit { path, fields } => self.struct_lit(path, fields, span),
            ast::ExprKind::Array(items) => {
                let hint_elem = hint.and_then(|h| match self.infer.shallow(h) {
                    Ty::Array(t, _) => Some(*t),
                    _ => None,
                });
                if items.is_empty() {
                    let elem = match hint_elem {
                        Some(t) => t,
                        None => {
                            self.cx.error(
                                Code::E2011,
                                "type annotations needed for an empty array",
                                span,
                                "cannot infer the element type",
                            );
                            Ty::Error
                        }
                    };
                    return expr(
                        ExprKind::Array(Vec::new()),
                        Ty::Array(Box::new(elem), Len::Known(0)),
                        span,
                    );
                }
                let first = self.expr(&items[0], hint_elem.as_ref());
                let elem = first.ty.clone();
                let mut out = vec![first];
                for it in &items[1..] {
                    out.push(self.expect(it, &elem));
                }
                let n = out.len() as u64;
                expr(
                    ExprKind::Array(out),
                    Ty::Array(Box::new(elem), Len::Known(n)),
                    span,
                )
            }
            ast::ExprKind::ArrayRepeat(v, n) => {
                let hint_elem = hint.and_then(|h| match self.infer.shallow(h) {
                    Ty::Array(t, _) => Some(*t),
                    _ => None,
                });
                let value = self.expr(v, hint_elem.as_ref());
                let len = self.len_expr(n);
                let ty = Ty::Array(Box::new(value.ty.clone()), len);
                expr(ExprKind::Repeat(Box::new(value), len), ty, span)
            }
            ast::ExprKind::Tuple(items) => {
                let hints: Vec<Ty> = match hint.map(|h| self.infer.shallow(h)) {
                    Some(Ty::Tuple(ts)) if ts.len() == items.len() => ts,
                    _ => Vec::new(),
                };
                let out: Vec<Expr> = items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| self.expr(it, hints.get(i)))
                    .collect();
                let ty = Ty::Tuple(out.iter().map(|e| e.ty.clone()).collect());
                expr(ExprKind::Tuple(out), ty, span)
            }
            ast::ExprKind::Paren(x) => self.expr(x, hint),
            ast::ExprKind::Block(b) => self.block_expr(b, hint),
            ast::ExprKind::If { cond, then, else_ } => {
                self.if_expr(cond, then, else_.as_deref(), span, hint)
            }
            ast::ExprKind::Match { scrutinee, arms } => {
                self.match_expr(scrutinee, arms, span, hint)
            }
            ast::ExprKind::Error => {
                self.saw_syntax_error = true;
                error_expr(span)
            }
        }
    }

    fn int_lit(
        &mut self,
        digits: &str,
        suffix: Option<&str>,
        span: Span,
        hint: Option<&Ty>,
    ) -> Expr {
        let Some(value) = Felt::parse(digits) else {
            let d = Diagnostic::new(
                Code::E2008,
                "integer literal is too large",
                span,
                "does not fit in `Field`",
            )
            .with_note("literals must be below the field modulus p (about 2^254)");
            self.cx.report(d);
            return error_expr(span);
        };
        let ty = match suffix {
            Some("Field") => Ty::Field,
            Some("u8") => Ty::UInt(8),
            Some("u16") => Ty::UInt(16),
            Some("u32") => Ty::UInt(32),
            Some("u64") => Ty::UInt(64),
            Some("u128") => Ty::UInt(128),
            Some(other) => {
                let d = Diagnostic::new(
                    Code::E1002,
                    format!("invalid suffix `{other}` for an integer literal"),
                    span,
                    "invalid suffix",
                )
                .with_help("the valid suffixes are `u8`, `u16`, `u32`, `u64`, `u128` and `Field`");
                self.cx.report(d);
                return error_expr(span);
            }
            None => match hint.map(|h| self.infer.shallow(h)) {
                Some(t @ (Ty::Field | Ty::UInt(_) | Ty::Var(_))) => t,
                _ => self.infer.new_var(VarKind::Numeric),
            },
        };
        expr(ExprKind::Lit(value), ty, span)
    }

    fn path_expr(&mut self, path: &ast::Path, generic_args: &[ast::Expr], span: Span) -> Expr {
        if path.segments.len() == 1 {
            let seg = &path.segments[0];
            if let Some(id) = self.lookup_local(&seg.name) {
                self.used[id.0 as usize] = true;
                let decl = &self.locals[id.0 as usize];
                self.cx.definitions.push((seg.span, decl.span));
                let ty = decl.ty.clone();
                self.no_generic_args(generic_args, &seg.name);
                return expr(ExprKind::Local(id), ty, span);
            }
            if let Some(i) = self.generics.iter().position(|g| *g == seg.name) {
                self.no_generic_args(generic_args, &seg.name);
                return expr(ExprKind::Generic(i as u32), Ty::UInt(32), span);
            }
        }
        if self.saw_syntax_error
            && path.segments.len() == 1
            && self
                .cx
                .lookup(self.module, &path.segments[0].name)
                .is_none()
        {
            // Probably declared by a statement the parser could not read: stay quiet.
            return error_expr(span);
        }
        let extra = self.local_names();
        let Some(def) = self
            .cx
            .resolve_path(self.module, path, PathKind::Value, &extra)
        else {
            return error_expr(span);
        };
        self.value_of_def(def, path, generic_args, span)
    }

    fn no_generic_args(&mut self, generic_args: &[ast::Expr], name: &str) {
        if let Some(first) = generic_args.first() {
            let span = first
                .span
                .to(generic_args.last().map_or(first.span, |l| l.span));
            self.cx.error(
                Code::E2019,
                format!("`{name}` takes no generic arguments"),
                span,
                "unexpected generic arguments",
            );
        }
    }

    fn value_of_def(
        &mut self,
        def: Def,
        path: &ast::Path,
        generic_args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let name = path_text(path);
        match def {
            Def::Const(c) => {
                self.no_generic_args(generic_args, &name);
                self.cx.ensure_const(c, Some(span));
                let ty = self.cx.defs.konst(c).ty.clone();
                expr(ExprKind::Const(c), ty, span)
            }
            Def::Variant(a, v) => {
                self.no_generic_args(generic_args, &name);
                let n = self.cx.defs.adt(a).variants[v as usize].payload.len();
                if n == 0 {
                    return expr(ExprKind::Variant(v, Vec::new()), Ty::Adt(a), span);
                }
                let d = Diagnostic::new(
                    Code::E2003,
                    format!("variant `{name}` carries a payload"),
                    span,
                    format!(
                        "expected {n} payload value{}",
                        if n == 1 { "" } else { "s" }
                    ),
                )
                .with_secondary(self.cx.def_span(def), "variant defined here")
                .with_help(format!("construct it with `{name}(...)`"));
                self.cx.report(d);
                error_expr(span)
            }
            Def::Fn(_) => {
                let d = Diagnostic::new(
                    Code::E2020,
                    format!("expected a value, found function `{name}`"),
                    span,
                    "not a value",
                )
                .with_help(format!("call it: `{name}(...)`"));
                self.cx.report(d);
                error_expr(span)
            }
            Def::Adt(_) | Def::Module(_) => {
                let desc = self.cx.describe(def);
                let d = Diagnostic::new(
                    Code::E2020,
                    format!("expected a value, found {desc}"),
                    span,
                    "not a value",
                );
                self.cx.report(d);
                error_expr(span)
            }
        }
    }

    fn unary(&mut self, op: ast::UnOp, x: &ast::Expr, span: Span, hint: Option<&Ty>) -> Expr {
        match op {
            ast::UnOp::Neg => {
                let inner = self.expr(x, Some(&Ty::Field));
                let t = self.infer.shallow(&inner.ty);
                match t {
                    Ty::Var(_) => {
                        self.infer.unify(&t, &Ty::Field);
                    }
                    Ty::Field | Ty::Error => {}
                    _ => {
                        let mut d = Diagnostic::new(
                            Code::E2002,
                            format!("cannot negate a value of type `{}`", self.show(&t)),
                            span,
                            "`-` is only defined for `Field`",
                        );
                        if matches!(t, Ty::UInt(_)) {
                            d = d.with_note("unsigned integers have no negative values");
                        }
                        self.cx.report(d);
                        return expr(ExprKind::Error, Ty::Error, span);
                    }
                }
                expr(
                    ExprKind::Unary(hir::UnOp::Neg, Box::new(inner)),
                    Ty::Field,
                    span,
                )
            }
            ast::UnOp::Not => {
                let inner = self.expr(x, hint);
                let t = self.infer.shallow(&inner.ty);
                if !(t == Ty::Bool || self.infer.require_integer(&t)) {
                    let d = Diagnostic::new(
                        Code::E2002,
                        format!("cannot apply `!` to type `{}`", self.show(&t)),
                        span,
                        "`!` needs a `bool` or an unsigned integer",
                    );
                    self.cx.report(d);
                    return error_expr(span);
                }
                let ty = inner.ty.clone();
                expr(ExprKind::Unary(hir::UnOp::Not, Box::new(inner)), ty, span)
            }
        }
    }

    fn binary(
        &mut self,
        op: ast::BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
        span: Span,
        hint: Option<&Ty>,
    ) -> Expr {
        use ast::BinOp::*;
        let op_span = self.find_op(span.file, l.span.end, r.span.start, op_text(op));
        let mk = |kind: ExprKind, ty: Ty| expr(kind, ty, span);
        match op {
            And | Or => {
                let lh = self.expect(l, &Ty::Bool);
                let rh = self.expect(r, &Ty::Bool);
                mk(
                    ExprKind::Binary(op, Box::new(lh), Box::new(rh), op_span),
                    Ty::Bool,
                )
            }
            Eq | Ne | Lt | Le | Gt | Ge => {
                let lh = self.expr(l, None);
                let rh = self.expr(r, Some(&lh.ty));
                let ok = self.unify_at(&rh.ty, &lh.ty, tail_span(r));
                if ok && !matches!(op, Eq | Ne) && !self.infer.require_integer(&lh.ty) {
                    let t = self.show(&lh.ty);
                    let mut d = Diagnostic::new(
                        Code::E2002,
                        format!("`{}` cannot compare values of type `{t}`", op_text(op)),
                        op_span,
                        "ordering needs unsigned integers",
                    );
                    if self.infer.shallow(&lh.ty) == Ty::Field {
                        d = d.with_note(
                            "`Field` elements have no order; cast to an unsigned integer first",
                        );
                    }
                    self.cx.report(d);
                }
                mk(
                    ExprKind::Binary(op, Box::new(lh), Box::new(rh), op_span),
                    Ty::Bool,
                )
            }
            _ => {
                let numeric_hint = hint.filter(|h| self.infer.is_numeric(h)).cloned();
                let lh = self.expr(l, numeric_hint.as_ref());
                if matches!(op, Shl | Shr) {
                    let rh = self.expect(r, &Ty::UInt(32));
                    if !self.infer.require_integer(&lh.ty) {
                        self.bad_operand(op, &lh.ty, op_span);
                        return error_expr(span);
                    }
                    let ty = lh.ty.clone();
                    return mk(
                        ExprKind::Binary(op, Box::new(lh), Box::new(rh), op_span),
                        ty,
                    );
                }
                let rh = self.expr(r, Some(&lh.ty));
                if !self.unify_at(&rh.ty, &lh.ty, tail_span(r)) {
                    let ty = lh.ty.clone();
                    return expr(ExprKind::Error, ty, span);
                }
                if !self.operand_ok(op, &lh.ty) {
                    self.bad_operand(op, &lh.ty, op_span);
                    return error_expr(span);
                }
                let ty = lh.ty.clone();
                mk(
                    ExprKind::Binary(op, Box::new(lh), Box::new(rh), op_span),
                    ty,
                )
            }
        }
    }

    /// Whether arithmetic or bitwise `op` applies to `ty` (narrowing literal types as needed).
    pub fn operand_ok(&mut self, op: ast::BinOp, ty: &Ty) -> bool {
        use ast::BinOp::*;
        match op {
            Add | Sub | Mul | Div => self.infer.is_numeric(ty),
            Rem | Shl | Shr => self.infer.require_integer(ty),
            BitAnd | BitOr | BitXor => {
                self.infer.shallow(ty) == Ty::Bool || self.infer.require_integer(ty)
            }
            _ => true,
        }
    }

    pub fn bad_operand(&mut self, op: ast::BinOp, ty: &Ty, op_span: Span) {
        use ast::BinOp::*;
        let t = self.show(ty);
        let mut d = Diagnostic::new(
            Code::E2002,
            format!("cannot apply `{}` to type `{t}`", op_text(op)),
            op_span,
            match op {
                Add | Sub | Mul | Div => "needs `Field` or an unsigned integer",
                BitAnd | BitOr | BitXor => "needs `bool` or an unsigned integer",
                _ => "needs an unsigned integer",
            },
        );
        if self.infer.shallow(ty) == Ty::Field
            && matches!(op, Rem | Shl | Shr | BitAnd | BitOr | BitXor)
        {
            d = d.with_note(
                "`Field` supports `+ - * /` only; cast to an unsigned integer for other operators",
            );
        }
        self.cx.report(d);
    }

    fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> Expr {
        let ast::ExprKind::Path { path, generic_args } = &callee.kind else {
            let c = self.expr(callee, None);
            if !matches!(c.kind, ExprKind::Error) {
                let d = Diagnostic::new(
                    Code::E2017,
                    "expected a function",
                    callee.span,
                    format!("this is a value of type `{}`", self.show(&c.ty)),
                );
                self.cx.report(d);
            }
            self.check_args_loose(args);
            return error_expr(span);
        };
        if path.segments.len() == 1 {
            let name = &path.segments[0].name;
            if let Some(id) = self.lookup_local(name) {
                let decl_span = self.locals[id.0 as usize].span;
                let d = Diagnostic::new(
                    Code::E2017,
                    format!("`{name}` is a local variable, not a function"),
                    callee.span,
                    "not a function",
                )
                .with_secondary(decl_span, format!("`{name}` defined here"));
                self.cx.report(d);
                self.check_args_loose(args);
                return error_expr(span);
            }
            if name == "assert" {
                self.no_generic_args(generic_args, "assert");
                return self.assert_call(args, span, callee.span);
            }
        }
        let extra = self.local_names();
        let Some(def) = self
            .cx
            .resolve_path(self.module, path, PathKind::Value, &extra)
        else {
            self.check_args_loose(args);
            return error_expr(span);
        };
        match def {
            Def::Fn(f) => self.fn_call(f, generic_args, args, span, callee.span),
            Def::Variant(a, v) => {
                self.no_generic_args(generic_args, &path_text(path));
                let payload = self.cx.defs.adt(a).variants[v as usize].payload.clone();
                if payload.len() != args.len() {
                    let name = path_text(path);
                    let d = count_mismatch(
                        &format!("variant `{name}`"),
                        ("payload value", "value"),
                        payload.len(),
                        args.len(),
                        span,
                    )
                    .with_secondary(self.cx.def_span(def), "variant defined here");
                    self.cx.report(d);
                    self.check_args_loose(args);
                    return expr(ExprKind::Error, Ty::Adt(a), span);
                }
                let vals = args
                    .iter()
                    .zip(payload.iter())
                    .map(|(e, t)| self.expect(e, t))
                    .collect();
                expr(ExprKind::Variant(v, vals), Ty::Adt(a), span)
            }
            other => {
                let desc = self.cx.describe(other);
                let d = Diagnostic::new(
                    Code::E2017,
                    format!("expected a function, found {desc}"),
                    callee.span,
                    "not a function",
                )
                .with_secondary(self.cx.def_span(other), "defined here");
                self.cx.report(d);
                self.check_args_loose(args);
                error_expr(span)
            }
        }
    }

    fn check_args_loose(&mut self, args: &[ast::Expr]) {
        for a in args {
            self.expr(a, None);
        }
    }

    fn assert_call(&mut self, args: &[ast::Expr], span: Span, callee_span: Span) -> Expr {
        if args.len() != 2 {
            let d = Diagnostic::new(
                Code::E2016,
                format!(
                    "`assert` takes 2 arguments but {} {} given",
                    args.len(),
                    was(args.len())
                ),
                span,
                "expected `assert(condition, \"reason\")`",
            );
            self.cx.report(d);
            if let Some(c) = args.first() {
                self.expect(c, &Ty::Bool);
            }
            for a in args.iter().skip(1) {
                if !matches!(a.kind, ast::ExprKind::Str(_)) {
                    self.expr(a, None);
                }
            }
            return expr(ExprKind::Error, Ty::unit(), span);
        }
        let cond = self.expect(&args[0], &Ty::Bool);
        let msg = match &args[1].kind {
            ast::ExprKind::Str(s) => s.clone(),
            _ => {
                self.expr(&args[1], None);
                let d = Diagnostic::new(
                    Code::E2016,
                    "the reason of `assert` must be a string literal",
                    args[1].span,
                    "expected a string literal",
                )
                .with_help("write the reason in quotes: `assert(cond, \"reason\")`");
                self.cx.report(d);
                return expr(ExprKind::Error, Ty::unit(), span);
            }
        };
        expr(
            ExprKind::Assert {
                cond: Box::new(cond),
                msg,
            },
            Ty::unit(),
            span.to(callee_span),
        )
    }

    fn fn_call(
        &mut self,
        f: FnId,
        generic_args: &[ast::Expr],
        args: &[ast::Expr],
        span: Span,
        callee_span: Span,
    ) -> Expr {
        self.cx.ensure_fn_sig(f);
        let (name, gen_names, params, ret, def_span) = {
            let fd = self.cx.defs.func(f);
            (
                fd.name.clone(),
                fd.generics.clone(),
                fd.params.clone(),
                fd.ret.clone(),
                fd.span,
            )
        };
        if let Some(caller) = self.in_fn {
            self.cx.calls[caller.0 as usize].push((f, callee_span));
        }
        let gens: Vec<Len> = if generic_args.is_empty() {
            gen_names.iter().map(|_| self.infer.new_len()).collect()
        } else if generic_args.len() != gen_names.len() {
            let d = Diagnostic::new(
                Code::E2003,
                format!(
                    "function `{name}` takes {} generic argument{} but {} {} given",
                    gen_names.len(),
                    plural(gen_names.len()),
                    generic_args.len(),
                    if generic_args.len() == 1 {
                        "was"
                    } else {
                        "were"
                    }
                ),
                generic_args[0]
                    .span
                    .to(generic_args[generic_args.len() - 1].span),
                "wrong number of generic arguments",
            )
            .with_secondary(def_span, "function defined here");
            self.cx.report(d);
            gen_names.iter().map(|_| Len::Error).collect()
        } else {
            generic_args.iter().map(|g| self.len_expr(g)).collect()
        };
        if args.len() != params.len() {
            let d = count_mismatch(
                &format!("function `{name}`"),
                ("argument", "argument"),
                params.len(),
                args.len(),
                span,
            )
            .with_secondary(def_span, "function defined here");
            self.cx.report(d);
            self.check_args_loose(args);
            return expr(
                ExprKind::Error,
                ret.subst(&vec![Len::Error; gens.len()]),
                span,
            );
        }
        let vals: Vec<Expr> = args
            .iter()
            .zip(params.iter())
            .map(|(a, p)| self.expect(a, &p.subst(&gens)))
            .collect();
        let ret = ret.subst(&gens);
        expr(
            ExprKind::Call {
                func: f,
                generics: gens,
                args: vals,
            },
            ret,
            span,
        )
    }

    fn state_field(&mut self, name: &ast::Ident) -> Option<(u32, bool)> {
        let Some(state) = &self.cx.defs.state else {
            let d = Diagnostic::new(
                Code::E1005,
                "the chain declares no `state`",
                name.span,
                "no such state field",
            )
            .with_help("declare the state with `state { name: Type, ... }`");
            self.cx.report(d);
            return None;
        };
        match state.fields.iter().position(|f| f.name == name.name) {
            Some(i) => {
                let f = &state.fields[i];
                let is_map = matches!(f.kind, StateFieldKind::Map { .. });
                self.cx.definitions.push((name.span, f.span));
                Some((i as u32, is_map))
            }
            None => {
                let d = Diagnostic::new(
                    Code::E1005,
                    format!("no field `{}` in `state`", name.name),
                    name.span,
                    "unknown state field",
                )
                .with_secondary(state.span, "state declared here");
                let d =
                    with_suggestion(d, &name.name, state.fields.iter().map(|f| f.name.as_str()));
                self.cx.report(d);
                None
            }
        }
    }

    fn state_field_ty(&self, i: u32) -> Ty {
        match &self.cx.defs.state_field(i).kind {
            StateFieldKind::Plain(t) => t.clone(),
            StateFieldKind::Map { .. } => Ty::Error,
        }
    }

    fn map_types(&self, i: u32) -> (Ty, Ty) {
        match &self.cx.defs.state_field(i).kind {
            StateFieldKind::Map { key, value, .. } => (key.clone(), value.clone()),
            StateFieldKind::Plain(_) => (Ty::Error, Ty::Error),
        }
    }

    fn map_without_index(&mut self, name: &ast::Ident, span: Span) {
        let d = Diagnostic::new(
            Code::E2012,
            format!("map `{}` can only be used with a key", name.name),
            span,
            "a map is not a value",
        )
        .with_help(format!(
            "read or write one entry: `state.{}[key]`",
            name.name
        ));
        self.cx.report(d);
    }

    fn field(&mut self, base: &ast::Expr, name: &ast::Ident, span: Span) -> Expr {
        if matches!(base.kind, ast::ExprKind::State) {
            if !self.state_use(base.span) {
                return error_expr(span);
            }
            return match self.state_field(name) {
                Some((i, false)) => expr(ExprKind::State(i), self.state_field_ty(i), span),
                Some((_, true)) => {
                    self.map_without_index(name, span);
                    error_expr(span)
                }
                None => error_expr(span),
            };
        }
        let b = self.expr(base, None);
        let bty = self.infer.shallow(&b.ty);
        match self.member_of(&bty, name) {
            Some((i, t)) => expr(ExprKind::Member(Box::new(b), i), t, span),
            None => error_expr(span),
        }
    }

    /// The position and type of field `name` of a value of type `ty`, reporting errors.
    fn member_of(&mut self, ty: &Ty, name: &ast::Ident) -> Option<(u32, Ty)> {
        match ty {
            Ty::Error => None,
            Ty::Adt(a) if !self.cx.defs.adt(*a).is_enum => {
                let adt = self.cx.defs.adt(*a);
                match adt.field(&name.name) {
                    Some(i) => {
                        let f = &adt.fields[i];
                        let (fspan, fty) = (f.span, f.ty.clone());
                        self.cx.definitions.push((name.span, fspan));
                        Some((i as u32, fty))
                    }
                    None => {
                        let d = Diagnostic::new(
                            Code::E1005,
                            format!("no field `{}` on struct `{}`", name.name, adt.name),
                            name.span,
                            "unknown field",
                        )
                        .with_secondary(adt.span, format!("struct `{}` defined here", adt.name));
                        let d = with_suggestion(
                            d,
                            &name.name,
                            adt.fields.iter().map(|f| f.name.as_str()),
                        );
                        self.cx.report(d);
                        None
                    }
                }
            }
            t => {
                let mut d = Diagnostic::new(
                    Code::E2014,
                    format!("no field `{}` on type `{}`", name.name, self.show(t)),
                    name.span,
                    "unknown field",
                );
                if let Ty::Adt(a) = t {
                    d = d.with_note(format!(
                        "`{}` is an enum: use `match` to get at its payload",
                        self.cx.defs.adt(*a).name
                    ));
                }
                self.cx.report(d);
                None
            }
        }
    }

    /// If `base` is `state.m` for a map `m`: the map's index.
    fn as_state_map(&mut self, base: &ast::Expr) -> Option<Option<u32>> {
        let ast::ExprKind::Field(inner, name) = &base.kind else {
            return None;
        };
        if !matches!(inner.kind, ast::ExprKind::State) {
            return None;
        }
        let state = self.cx.defs.state.as_ref()?;
        let i = state.fields.iter().position(|f| f.name == name.name)?;
        if !matches!(state.fields[i].kind, StateFieldKind::Map { .. }) {
            return None;
        }
        let fspan = state.fields[i].span;
        if !self.state_use(inner.span) {
            return Some(None);
        }
        self.cx.definitions.push((name.span, fspan));
        Some(Some(i as u32))
    }

    fn index(&mut self, base: &ast::Expr, idx: &ast::Expr, span: Span) -> Expr {
        let op = self.find_op(span.file, base.span.end, idx.span.start, "[");
        if let Some(m) = self.as_state_map(base) {
            let Some(m) = m else {
                self.expr(idx, None);
                return error_expr(span);
            };
            let (k, v) = self.map_types(m);
            let key = self.expect(idx, &k);
            return expr(
                ExprKind::MapGet {
                    field: m,
                    key: Box::new(key),
                    op,
                },
                v,
                span,
            );
        }
        let b = self.expr(base, None);
        match self.infer.shallow(&b.ty) {
            Ty::Array(elem, len) => {
                let i = self.index_value(idx, len);
                expr(ExprKind::Index(Box::new(b), Box::new(i), op), *elem, span)
            }
            Ty::Error => {
                self.expr(idx, None);
                error_expr(span)
            }
            t => {
                self.expr(idx, None);
                let d = Diagnostic::new(
                    Code::E2015,
                    format!("cannot index into a value of type `{}`", self.show(&t)),
                    base.span,
                    "not an array",
                );
                self.cx.report(d);
                error_expr(span)
            }
        }
    }

    /// An array index: an unsigned integer, checked against the length when constant.
    fn index_value(&mut self, idx: &ast::Expr, len: Len) -> Expr {
        let i = self.expr(idx, None);
        if !self.infer.require_integer(&i.ty) {
            let d = Diagnostic::new(
                Code::E2001,
                "mismatched types",
                idx.span,
                format!(
                    "expected an unsigned integer index, found `{}`",
                    self.show(&i.ty)
                ),
            );
            self.cx.report(d);
            return i;
        }
        let value = match &i.kind {
            ExprKind::Lit(v) => Some(*v),
            ExprKind::Const(c) => self
                .cx
                .defs
                .konst(*c)
                .value
                .as_ref()
                .and_then(|v| v.first().copied()),
            _ => None,
        };
        if let (Some(v), Len::Known(n)) = (value, self.infer.len(len)) {
            let v = v.to_u128().unwrap_or(u128::MAX);
            if v >= n as u128 {
                let d = Diagnostic::new(
                    Code::E2009,
                    format!("index out of bounds: the length is {n} but the index is {v}"),
                    idx.span,
                    "index out of bounds",
                );
                self.cx.report(d);
            }
        }
        i
    }

    fn struct_lit(
        &mut self,
        path: &ast::Path,
        fields: &[(ast::Ident, ast::Expr)],
        span: Span,
    ) -> Expr {
        let def = self.cx.resolve_path(self.module, path, PathKind::Type, &[]);
        let a = match def {
            None => {
                for (_, e) in fields {
                    self.expr(e, None);
                }
                return error_expr(span);
            }
            Some(Def::Adt(a)) if !self.cx.defs.adt(a).is_enum => a,
            Some(other) => {
                let desc = self.cx.describe(other);
                let d = Diagnostic::new(
                    Code::E2019,
                    format!("expected a struct, found {desc}"),
                    path.span,
                    "not a struct",
                )
                .with_secondary(self.cx.def_span(other), "defined here");
                self.cx.report(d);
                for (_, e) in fields {
                    self.expr(e, None);
                }
                return error_expr(span);
            }
        };
        let n = self.cx.defs.adt(a).fields.len();
        let mut vals: Vec<Option<Expr>> = vec![None; n];
        let mut seen: Vec<Option<Span>> = vec![None; n];
        for (name, e) in fields {
            let adt = self.cx.defs.adt(a);
            match adt.field(&name.name) {
                Some(i) => {
                    let (fspan, fty) = (adt.fields[i].span, adt.fields[i].ty.clone());
                    self.cx.definitions.push((name.span, fspan));
                    let v = self.expect(e, &fty);
                    if let Some(prev) = seen[i] {
                        let d = Diagnostic::new(
                            Code::E2013,
                            format!("field `{}` specified more than once", name.name),
                            name.span,
                            "used again here",
                        )
                        .with_secondary(prev, "first use of the field");
                        self.cx.report(d);
                    } else {
                        seen[i] = Some(name.span);
                        vals[i] = Some(v);
                    }
                }
                None => {
                    let d = Diagnostic::new(
                        Code::E1005,
                        format!("struct `{}` has no field named `{}`", adt.name, name.name),
                        name.span,
                        "unknown field",
                    )
                    .with_secondary(adt.span, format!("struct `{}` defined here", adt.name));
                    let d =
                        with_suggestion(d, &name.name, adt.fields.iter().map(|f| f.name.as_str()));
                    self.cx.report(d);
                    self.expr(e, None);
                }
            }
        }
        let adt = self.cx.defs.adt(a);
        let missing: Vec<String> = adt
            .fields
            .iter()
            .zip(&vals)
            .filter(|(_, v)| v.is_none())
            .map(|(f, _)| format!("`{}`", f.name))
            .collect();
        if !missing.is_empty() {
            let d = Diagnostic::new(
                Code::E2013,
                format!(
                    "missing field{} {} in initializer of `{}`",
                    plural(missing.len()),
                    missing.join(", "),
                    adt.name
                ),
                path.span,
                format!("missing {}", missing.join(", ")),
            )
            .with_secondary(adt.span, format!("struct `{}` defined here", adt.name));
            self.cx.report(d);
        }
        let vals = vals
            .into_iter()
            .map(|v| v.unwrap_or_else(|| error_expr(span)))
            .collect();
        expr(ExprKind::Struct(vals), Ty::Adt(a), span)
    }

    pub fn block_expr(&mut self, b: &ast::Block, hint: Option<&Ty>) -> Expr {
        let blk = self.block(b, hint);
        let ty = blk.tail.as_ref().map_or(Ty::unit(), |t| t.ty.clone());
        expr(ExprKind::Block(blk), ty, b.span)
    }

    pub fn block(&mut self, b: &ast::Block, hint: Option<&Ty>) -> hir::Block {
        self.scopes.push(Vec::new());
        let mut stmts = Vec::new();
        for s in &b.stmts {
            if let Some(st) = self.stmt(s) {
                stmts.push(st);
            }
        }
        let tail = b.tail.as_ref().map(|t| Box::new(self.expr(t, hint)));
        self.scopes.pop();
        hir::Block { stmts, tail }
    }

    fn if_expr(
        &mut self,
        cond: &ast::Expr,
        then: &ast::Block,
        else_: Option<&ast::Expr>,
        span: Span,
        hint: Option<&Ty>,
    ) -> Expr {
        let c = self.expect(cond, &Ty::Bool);
        let t = self.block_expr(then, hint);
        let then_span = then.tail.as_ref().map_or(then.span, |e| tail_span(e));
        match else_ {
            Some(e) => {
                let hint_ty = t.ty.clone();
                let el = self.expr(e, Some(&hint_ty));
                if !self.infer.unify(&el.ty, &t.ty) {
                    let (f, x) = (self.show(&el.ty), self.show(&t.ty));
                    let d = Diagnostic::new(
                        Code::E2001,
                        "`if` and `else` have incompatible types",
                        tail_span(e),
                        format!("expected `{x}`, found `{f}`"),
                    )
                    .with_secondary(then_span, "expected because of this");
                    self.cx.report(d);
                }
                let ty = t.ty.clone();
                expr(
                    ExprKind::If(Box::new(c), Box::new(t), Some(Box::new(el))),
                    ty,
                    span,
                )
            }
            None => {
                if !self.infer.unify(&t.ty, &Ty::unit()) {
                    let f = self.show(&t.ty);
                    let d = Diagnostic::new(
                        Code::E2001,
                        "`if` without `else` has type `()`",
                        then_span,
                        format!("expected `()`, found `{f}`"),
                    )
                    .with_help("add an `else` branch with a value of the same type");
                    self.cx.report(d);
                }
                expr(
                    ExprKind::If(Box::new(c), Box::new(t), None),
                    Ty::unit(),
                    span,
                )
            }
        }
    }

    // ----- statements -----

    fn stmt(&mut self, s: &ast::Stmt) -> Option<hir::Stmt> {
        match &s.kind {
            ast::StmtKind::Error => {
                self.saw_syntax_error = true;
                None
            }
            ast::StmtKind::Expr(e) => Some(hir::Stmt::Expr(self.expr(e, None))),
            ast::StmtKind::Let { pat, ty, init } => {
                let annot = ty.as_ref().map(|t| {
                    self.cx
                        .resolve_type(self.module, t, &self.generics.clone(), false)
                });
                let init = match &annot {
                    Some(t) => self.expect(init, t),
                    None => self.expr(init, None),
                };
                let ty = annot.unwrap_or_else(|| init.ty.clone());
                let pat = self.bind_let(pat, &ty);
                Some(hir::Stmt::Let(pat, init))
            }
            ast::StmtKind::Assign { target, op, value } => {
                let place = self.place(target);
                let Some(place) = place else {
                    self.expr(value, None);
                    return None;
                };
                let op = op.map(|op| {
                    let text = format!("{}=", op_text(op));
                    (
                        op,
                        self.find_op(s.span.file, target.span.end, value.span.start, &text),
                    )
                });
                let value = match op {
                    None => self.expect(value, &place.ty),
                    Some((op, op_span)) => {
                        if matches!(op, ast::BinOp::Shl | ast::BinOp::Shr) {
                            let v = self.expect(value, &Ty::UInt(32));
                            if !self.operand_ok(op, &place.ty) {
                                self.bad_operand(op, &place.ty, op_span);
                                return None;
                            }
                            v
                        } else {
                            let v = self.expect(value, &place.ty);
                            if !self.operand_ok(op, &place.ty) {
                                self.bad_operand(op, &place.ty, op_span);
                                return None;
                            }
                            v
                        }
                    }
                };
                Some(hir::Stmt::Assign { place, op, value })
            }
            ast::StmtKind::For {
                var,
                start,
                end,
                body,
            } => {
                let s0 = self.expr(start, None);
                let e0 = self.expr(end, Some(&s0.ty));
                self.unify_at(&e0.ty, &s0.ty, tail_span(end));
                if !self.infer.require_integer(&s0.ty) {
                    let d = Diagnostic::new(
                        Code::E2001,
                        "mismatched types",
                        start.span.to(end.span),
                        format!(
                            "loop bounds must be unsigned integers, found `{}`",
                            self.show(&s0.ty)
                        ),
                    );
                    self.cx.report(d);
                }
                for b in [&s0, &e0] {
                    let note = "loop bounds must be known at compile time: use literals, constants or const generic parameters";
                    if self.require_const(b, note) && !crate::eval_consts::contains_generic(b) {
                        // Evaluate now to report failures (`E3002`) here rather than at lowering.
                        self.eval_now(b);
                    }
                }
                self.scopes.push(Vec::new());
                let ty = s0.ty.clone();
                let v = self.declare(var, ty, false, LocalKind::LoopVar);
                let body = self.block(body, None);
                self.scopes.pop();
                Some(hir::Stmt::For {
                    var: v,
                    start: s0,
                    end: e0,
                    body,
                })
            }
        }
    }

    fn bind_let(&mut self, pat: &ast::LetPattern, ty: &Ty) -> hir::LetPat {
        match pat {
            ast::LetPattern::Wildcard(_) => hir::LetPat::Wild,
            ast::LetPattern::Name { name, mutable } => {
                hir::LetPat::Bind(self.declare(name, ty.clone(), *mutable, LocalKind::Let))
            }
            ast::LetPattern::Tuple(pats, span) => {
                let ts = match self.infer.shallow(ty) {
                    Ty::Tuple(ts) if ts.len() == pats.len() => ts,
                    Ty::Error => vec![Ty::Error; pats.len()],
                    other => {
                        let d = Diagnostic::new(
                            Code::E2018,
                            "mismatched types",
                            *span,
                            format!(
                                "expected `{}`, found a tuple pattern of {} elements",
                                self.show(&other),
                                pats.len()
                            ),
                        );
                        self.cx.report(d);
                        vec![Ty::Error; pats.len()]
                    }
                };
                hir::LetPat::Tuple(
                    pats.iter()
                        .zip(ts.iter())
                        .map(|(p, t)| self.bind_let(p, t))
                        .collect(),
                )
            }
        }
    }

    /// Reports `E2006` unless `e` is a compile-time constant expression.
    pub fn require_const(&mut self, e: &Expr, note: &str) -> bool {
        match non_const_part(e) {
            None => true,
            Some(span) => {
                let what = self
                    .snippet(span)
                    .map_or("this expression".to_string(), |s| format!("`{s}`"));
                let d = Diagnostic::new(
                    Code::E2006,
                    format!("{what} is not a compile-time constant"),
                    span,
                    "not a constant",
                )
                .with_note(note);
                self.cx.report(d);
                false
            }
        }
    }

    /// An assignment target, with its root checked to be mutable.
    fn place(&mut self, e: &ast::Expr) -> Option<Place> {
        let p = self.place_inner(e)?;
        self.check_mutable(p, e)
    }

    fn place_inner(&mut self, e: &ast::Expr) -> Option<Place> {
        match &e.kind {
            ast::ExprKind::Paren(x) => self.place_inner(x),
            ast::ExprKind::Path { path, .. }
                if path.segments.len() == 1
                    && self.lookup_local(&path.segments[0].name).is_some() =>
            {
                let seg = &path.segments[0];
                let id = self.lookup_local(&seg.name).expect("local");
                let decl_span = self.locals[id.0 as usize].span;
                self.cx.definitions.push((seg.span, decl_span));
                let ty = self.locals[id.0 as usize].ty.clone();
                Some(Place {
                    root: PlaceRoot::Local(id),
                    projs: Vec::new(),
                    ty,
                })
            }
            ast::ExprKind::Field(base, name) if matches!(base.kind, ast::ExprKind::State) => {
                if !self.state_use(base.span) {
                    return None;
                }
                match self.state_field(name) {
                    Some((i, false)) => Some(Place {
                        root: PlaceRoot::State(i),
                        projs: Vec::new(),
                        ty: self.state_field_ty(i),
                    }),
                    Some((_, true)) => {
                        self.map_without_index(name, e.span);
                        None
                    }
                    None => None,
                }
            }
            ast::ExprKind::Index(base, idx) if self.is_state_map_syntax(base) => {
                let op = self.find_op(e.span.file, base.span.end, idx.span.start, "[");
                let m = self.as_state_map(base)??;
                let (k, v) = self.map_types(m);
                let key = self.expect(idx, &k);
                Some(Place {
                    root: PlaceRoot::Map {
                        field: m,
                        key: Box::new(key),
                        op,
                    },
                    projs: Vec::new(),
                    ty: v,
                })
            }
            ast::ExprKind::Field(base, name) => {
                let mut p = self.place_inner(base)?;
                let bty = self.infer.shallow(&p.ty);
                let (i, t) = self.member_of(&bty, name)?;
                p.projs.push(Proj::Member(i));
                p.ty = t;
                Some(p)
            }
            ast::ExprKind::TupleField(base, idx, ispan) => {
                let mut p = self.place_inner(base)?;
                match self.infer.shallow(&p.ty) {
                    Ty::Tuple(ts) if (*idx as usize) < ts.len() => {
                        p.projs.push(Proj::Member(*idx));
                        p.ty = ts[*idx as usize].clone();
                        Some(p)
                    }
                    Ty::Error => None,
                    t => {
                        let d = Diagnostic::new(
                            Code::E2014,
                            format!("no field `{idx}` on type `{}`", self.show(&t)),
                            *ispan,
                            "unknown field",
                        );
                        self.cx.report(d);
                        None
                    }
                }
            }
            ast::ExprKind::Index(base, idx) => {
                let op = self.find_op(e.span.file, base.span.end, idx.span.start, "[");
                let mut p = self.place_inner(base)?;
                match self.infer.shallow(&p.ty) {
                    Ty::Array(elem, len) => {
                        let i = self.index_value(idx, len);
                        p.projs.push(Proj::Index(i, op));
                        p.ty = *elem;
                        Some(p)
                    }
                    Ty::Error => None,
                    t => {
                        self.expr(idx, None);
                        let d = Diagnostic::new(
                            Code::E2015,
                            format!("cannot index into a value of type `{}`", self.show(&t)),
                            base.span,
                            "not an array",
                        );
                        self.cx.report(d);
                        None
                    }
                }
            }
            _ => {
                let h = self.expr(e, None);
                if !matches!(h.kind, ExprKind::Error) {
                    let what = match &h.kind {
                        ExprKind::Const(c) => format!(
                            "cannot assign to constant `{}`",
                            self.cx.defs.konst(*c).name
                        ),
                        _ => "invalid left-hand side of assignment".to_string(),
                    };
                    let d = Diagnostic::new(Code::E2005, what, e.span, "cannot assign to this expression")
                        .with_note("assignable places are mutable locals, their fields and elements, and state");
                    self.cx.report(d);
                }
                None
            }
        }
    }

    fn is_state_map_syntax(&self, base: &ast::Expr) -> bool {
        let ast::ExprKind::Field(inner, name) = &base.kind else {
            return false;
        };
        matches!(inner.kind, ast::ExprKind::State)
            && self.cx.defs.state.as_ref().is_some_and(|s| {
                s.fields
                    .iter()
                    .any(|f| f.name == name.name && matches!(f.kind, StateFieldKind::Map { .. }))
            })
    }

    /// Checks the root of a complete place is mutable.
    fn check_mutable(&mut self, p: Place, e: &ast::Expr) -> Option<Place> {
        let PlaceRoot::Local(id) = p.root else {
            return Some(p);
        };
        let decl = &self.locals[id.0 as usize];
        if decl.mutable {
            return Some(p);
        }
        let name = decl.name.clone();
        let kind = self.local_kinds[id.0 as usize];
        let d = match kind {
            LocalKind::Param => Diagnostic::new(
                Code::E2004,
                format!("cannot assign to parameter `{name}`"),
                e.span,
                "cannot assign to a parameter",
            )
            .with_secondary(decl.span, "parameter declared here")
            .with_help(format!(
                "parameters are immutable; copy it first: `let mut {name} = {name};`"
            )),
            LocalKind::LoopVar => Diagnostic::new(
                Code::E2004,
                format!("cannot assign to loop variable `{name}`"),
                e.span,
                "cannot assign to a loop variable",
            )
            .with_secondary(decl.span, "loop variable declared here"),
            LocalKind::Binding => Diagnostic::new(
                Code::E2004,
                format!("cannot assign to pattern binding `{name}`"),
                e.span,
                "cannot assign to a pattern binding",
            )
            .with_secondary(decl.span, "bound here"),
            LocalKind::Let if p.projs.is_empty() => Diagnostic::new(
                Code::E2004,
                format!("cannot assign twice to immutable variable `{name}`"),
                e.span,
                "cannot assign twice to immutable variable",
            )
            .with_secondary(decl.span, format!("first assignment to `{name}`"))
            .with_help(format!(
                "consider making this binding mutable: `mut {name}`"
            )),
            LocalKind::Let => Diagnostic::new(
                Code::E2004,
                format!("cannot assign to a part of `{name}`, which is not mutable"),
                e.span,
                "cannot assign",
            )
            .with_secondary(decl.span, format!("`{name}` declared here"))
            .with_help(format!(
                "consider making this binding mutable: `mut {name}`"
            )),
        };
        self.cx.report(d);
        None
    }

    // ----- constant sub-expressions -----

    /// An array length or const generic argument in a body: a const generic parameter alone, or
    /// a constant `u32` expression evaluated now.
    pub fn len_expr(&mut self, e: &ast::Expr) -> Len {
        if let Some(i) = generic_alone(e, &self.generics) {
            return Len::Param(i);
        }
        let h = self.expect(e, &Ty::UInt(32));
        if !self.require_const(
            &h,
            "array lengths and generic arguments must be compile-time constants",
        ) {
            return Len::Error;
        }
        match self.eval_now(&h) {
            Some(v) => match v.first().and_then(|f| f.to_u128()) {
                Some(n) => Len::Known(n as u64),
                None => Len::Error,
            },
            None => Len::Error,
        }
    }

    pub fn local_count(&self) -> usize {
        self.locals.len()
    }
}

/// A const generic parameter alone (`N` or `{ N }`).
pub fn generic_alone(e: &ast::Expr, generics: &[String]) -> Option<u32> {
    match &e.kind {
        ast::ExprKind::Path { path, generic_args }
            if path.segments.len() == 1 && generic_args.is_empty() =>
        {
            generics
                .iter()
                .position(|g| *g == path.segments[0].name)
                .map(|i| i as u32)
        }
        ast::ExprKind::Paren(x) => generic_alone(x, generics),
        ast::ExprKind::Block(b) if b.stmts.is_empty() => {
            b.tail.as_ref().and_then(|t| generic_alone(t, generics))
        }
        _ => None,
    }
}

/// The first part of `e` that is not a compile-time constant, if any.
pub fn non_const_part(e: &Expr) -> Option<Span> {
    match &e.kind {
        ExprKind::Lit(_) | ExprKind::Const(_) | ExprKind::Generic(_) | ExprKind::Error => None,
        ExprKind::Unary(_, x)
        | ExprKind::Cast(x, _)
        | ExprKind::Member(x, _)
        | ExprKind::Repeat(x, _) => non_const_part(x),
        ExprKind::Binary(_, a, b, _) | ExprKind::Index(a, b, _) => {
            non_const_part(a).or_else(|| non_const_part(b))
        }
        ExprKind::Struct(xs)
        | ExprKind::Variant(_, xs)
        | ExprKind::Array(xs)
        | ExprKind::Tuple(xs) => xs.iter().find_map(non_const_part),
        ExprKind::Block(b) if b.stmts.is_empty() => b.tail.as_deref().and_then(non_const_part),
        _ => Some(e.span),
    }
}

/// The span of the innermost expression that gives a block or `if` its value, for labels.
pub fn tail_span(e: &ast::Expr) -> Span {
    match &e.kind {
        ast::ExprKind::Block(b) => b.tail.as_ref().map_or(e.span, |t| tail_span(t)),
        _ => e.span,
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn was(n: usize) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

/// E2003: `{subject} takes N {noun}s but M were given`, labelled `expected N {short}s`.
fn count_mismatch(
    subject: &str,
    (noun, short): (&str, &str),
    expected: usize,
    got: usize,
    span: Span,
) -> Diagnostic {
    Diagnostic::new(
        Code::E2003,
        format!(
            "{subject} takes {expected} {noun}{} but {got} {} given",
            plural(expected),
            was(got)
        ),
        span,
        format!("expected {expected} {short}{}", plural(expected)),
    )
}
