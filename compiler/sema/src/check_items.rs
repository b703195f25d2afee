//! Item-level checks: type definitions, constants, function signatures, the state, and the
//! bodies of functions, transitions and tests.

use std::collections::HashMap;

use stele_diagnostics::{Code, Diagnostic, Span};
use stele_syntax::ast;

use crate::check_types::{BodyChecker, tail_span};
use crate::checker::{Checker, Progress};
use crate::collect_items::{duplicate, state_keyword_span};
use crate::hir::{
    AdtId, Builtin, ConstId, FnId, ModuleId, StateDef, StateField, StateFieldKind, TestDef,
    TransitionDef,
};
use crate::ty::Ty;

impl Checker<'_> {
    /// Resolves the field and payload types of a struct or enum.
    pub fn ensure_adt(&mut self, id: AdtId) {
        if self.adt_progress[id.0 as usize] != Progress::Todo {
            return;
        }
        self.adt_progress[id.0 as usize] = Progress::Active;
        let r = self.adt_src[id.0 as usize];
        let srcs = self.srcs.clone();
        let item = &srcs[r.src].ast.items[r.item];
        let m = self.defs.adt(id).module;
        match &item.kind {
            ast::ItemKind::Struct(s) => {
                for f in &s.fields {
                    let ty = self.resolve_type(m, &f.ty, &[], false);
                    let adt = &mut self.defs.adts[id.0 as usize];
                    if let Some(field) = adt.fields.iter_mut().find(|x| x.span == f.name.span) {
                        field.ty = ty;
                    }
                }
            }
            ast::ItemKind::Enum(e) => {
                for v in &e.variants {
                    let payload: Vec<Ty> = v
                        .payload
                        .iter()
                        .map(|t| self.resolve_type(m, t, &[], false))
                        .collect();
                    let adt = &mut self.defs.adts[id.0 as usize];
                    if let Some(var) = adt.variants.iter_mut().find(|x| x.span == v.name.span) {
                        var.payload = payload;
                    }
                }
            }
            _ => {}
        }
        self.adt_progress[id.0 as usize] = Progress::Done;
    }

    /// Checks and evaluates a constant. `use_span`: where it is referred to, for cycle errors.
    pub fn ensure_const(&mut self, id: ConstId, use_span: Option<Span>) {
        match self.const_progress[id.0 as usize] {
            Progress::Done => return,
            Progress::Active => {
                if !self.const_cycle_reported.contains(&id) {
                    self.const_cycle_reported.push(id);
                    let c = self.defs.konst(id);
                    let (name, def_span) = (c.name.clone(), c.span);
                    let d = Diagnostic::new(
                        Code::E1010,
                        format!("constant `{name}` is defined in terms of itself"),
                        use_span.unwrap_or(def_span),
                        format!("`{name}` is used here while its value is being computed"),
                    )
                    .with_secondary(def_span, format!("`{name}` defined here"));
                    self.report(d);
                }
                return;
            }
            Progress::Todo => {}
        }
        self.const_progress[id.0 as usize] = Progress::Active;
        let r = self.const_src[id.0 as usize];
        let srcs = self.srcs.clone();
        let ast::ItemKind::Const(c) = &srcs[r.src].ast.items[r.item].kind else {
            return;
        };
        let m = self.defs.konst(id).module;
        let ty = self.resolve_type(m, &c.ty, &[], false);
        self.defs.consts[id.0 as usize].ty = ty.clone();
        let mut bc = BodyChecker::new(self, m, Vec::new(), false, None);
        let h = bc.expect(&c.value, &ty);
        let ok = bc.require_const(&h, "a constant's value must be computed at compile time: calls, `state` and variables are not allowed");
        let body = bc.finish(h, Vec::new());
        if ok && !ty.contains_error() {
            let value = crate::eval_consts::eval_checked(self, &body.expr, body.locals.len());
            self.defs.consts[id.0 as usize].value = value;
        }
        self.const_progress[id.0 as usize] = Progress::Done;
    }

    /// Resolves a function's generic parameters, parameter and return types.
    pub fn ensure_fn_sig(&mut self, id: FnId) {
        if self.fn_progress[id.0 as usize] != Progress::Todo {
            return;
        }
        self.fn_progress[id.0 as usize] = Progress::Active;
        let r = self.fn_src[id.0 as usize];
        let srcs = self.srcs.clone();
        let ast::ItemKind::Fn(f) = &srcs[r.src].ast.items[r.item].kind else {
            return;
        };
        let m = self.defs.func(id).module;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for g in &f.generics {
            if let Some(prev) = seen.insert(&g.name, g.span) {
                self.report(duplicate(&g.name, g.span, prev));
            }
        }
        let generics: Vec<String> = f.generics.iter().map(|g| g.name.clone()).collect();
        let mut params = Vec::new();
        let mut names: HashMap<&str, Span> = HashMap::new();
        for p in &f.params {
            if let Some(prev) = names.insert(&p.name.name, p.name.span) {
                let d = Diagnostic::new(
                    Code::E1003,
                    format!("parameter `{}` is bound more than once", p.name.name),
                    p.name.span,
                    "used again here",
                )
                .with_secondary(prev, "first bound here");
                self.report(d);
            }
            params.push(self.resolve_type(m, &p.ty, &generics, false));
        }
        let ret = f
            .ret
            .as_ref()
            .map_or(Ty::unit(), |t| self.resolve_type(m, t, &generics, false));
        let builtin = if f.body.is_none() {
            self.builtin(m, &f.name)
        } else {
            None
        };
        let fd = &mut self.defs.fns[id.0 as usize];
        fd.params = params;
        fd.ret = ret;
        fd.builtin = builtin;
        self.fn_progress[id.0 as usize] = Progress::Done;
    }

    fn builtin(&mut self, m: ModuleId, name: &ast::Ident) -> Option<Builtin> {
        let module = self.defs.module(m);
        if !module.is_std() {
            let d = Diagnostic::new(
                Code::E1011,
                "`builtin fn` is only allowed in the standard library",
                name.span,
                "not in the standard library",
            )
            .with_help("give the function a body");
            self.report(d);
            return None;
        }
        match (module.path.join("::").as_str(), name.name.as_str()) {
            ("std::hash", "poseidon") => Some(Builtin::Poseidon),
            ("std::eddsa", "verify") => Some(Builtin::EddsaVerify),
            ("std::merkle", "root") => Some(Builtin::MerkleRoot),
            _ => {
                let d = Diagnostic::new(
                    Code::E1011,
                    format!("unknown builtin function `{}`", name.name),
                    name.span,
                    "no such builtin",
                );
                self.report(d);
                None
            }
        }
    }

    pub fn check_state(&mut self) {
        let Some(r) = self.state_src else { return };
        let srcs = self.srcs.clone();
        let item = &srcs[r.src].ast.items[r.item];
        let ast::ItemKind::State(s) = &item.kind else {
            return;
        };
        let m = self.module_of_src(r.src);
        let mut fields: Vec<StateField> = Vec::new();
        let (mut plain, mut maps) = (0u32, 0u32);
        for f in &s.fields {
            if let Some(prev) = fields.iter().find(|x| x.name == f.name.name) {
                let d = crate::collect_items::duplicate_field(&f.name.name, f.name.span, prev.span);
                self.report(d);
                continue;
            }
            let ty = self.resolve_type(m, &f.ty, &[], true);
            let kind = match ty {
                Ty::Map(k, v, d) => StateFieldKind::Map {
                    key: *k,
                    value: *v,
                    depth: d,
                },
                t => StateFieldKind::Plain(t),
            };
            let index = match kind {
                StateFieldKind::Plain(_) => {
                    plain += 1;
                    plain - 1
                }
                StateFieldKind::Map { .. } => {
                    maps += 1;
                    maps - 1
                }
            };
            fields.push(StateField {
                name: f.name.name.clone(),
                span: f.name.span,
                kind,
                index,
            });
        }
        let layout = crate::layout::Layout::new(&self.defs);
        let plain: u64 = fields
            .iter()
            .filter_map(|f| match &f.kind {
                StateFieldKind::Plain(t) => Some(layout.size(t)),
                StateFieldKind::Map { .. } => None,
            })
            .fold(0, u64::saturating_add);
        let mut too_large = Vec::new();
        if plain > stele_ir::MAX_SCALARS {
            too_large.push((
                state_keyword_span(item.span),
                format!("the plain state fields flatten to {plain} scalars"),
            ));
        }
        for f in &fields {
            if let StateFieldKind::Map { value, .. } = &f.kind {
                let n = layout.size(value);
                if n > stele_ir::MAX_SCALARS {
                    too_large.push((
                        f.span,
                        format!("the values of map `{}` flatten to {n} scalars", f.name),
                    ));
                }
            }
        }
        for (span, what) in too_large {
            let d = Diagnostic::new(Code::E3001, "state too large", span, what)
                .with_note(format!("the limit is {} scalars", stele_ir::MAX_SCALARS));
            self.report(d);
        }
        self.defs.state = Some(StateDef {
            span: state_keyword_span(item.span),
            fields,
        });
    }

    pub fn module_of_src(&self, src: usize) -> ModuleId {
        ModuleId(
            self.module_src
                .iter()
                .position(|s| *s == Some(src))
                .unwrap_or(0) as u32,
        )
    }

    pub fn check_fn_body(&mut self, id: FnId) {
        let r = self.fn_src[id.0 as usize];
        let srcs = self.srcs.clone();
        let ast::ItemKind::Fn(f) = &srcs[r.src].ast.items[r.item].kind else {
            return;
        };
        let Some(body) = &f.body else { return };
        let (m, generics, params, ret) = {
            let fd = self.defs.func(id);
            (
                fd.module,
                fd.generics.clone(),
                fd.params.clone(),
                fd.ret.clone(),
            )
        };
        let mut bc = BodyChecker::new(self, m, generics, false, Some(id));
        let ids = f
            .params
            .iter()
            .zip(params.iter())
            .map(|(p, t)| bc.declare_param(&p.name, t.clone()))
            .collect();
        let h = bc.block_expr(body, Some(&ret));
        if !bc.infer.unify(&h.ty, &ret) {
            let span = body
                .tail
                .as_ref()
                .map_or(closing_brace(body.span), |t| tail_span(t));
            let mut d = bc.mismatch(&h.ty, &ret, span);
            d = match &f.ret {
                Some(t) => d.with_secondary(t.span, "expected because of the return type"),
                None => d.with_help(
                    "the function has no return type: add `-> Type`, or end the body with `;`",
                ),
            };
            bc.cx.report(d);
        }
        let body = bc.finish(h, ids);
        self.defs.fns[id.0 as usize].body = Some(body);
    }

    pub fn check_transitions_and_tests(&mut self) {
        let srcs = self.srcs.clone();
        for (m, r) in self.transition_src.clone() {
            let ast::ItemKind::Transition(t) = &srcs[r.src].ast.items[r.item].kind else {
                continue;
            };
            let mut names: HashMap<&str, Span> = HashMap::new();
            let mut params = Vec::new();
            for p in &t.params {
                if let Some(prev) = names.insert(&p.name.name, p.name.span) {
                    let d = Diagnostic::new(
                        Code::E1003,
                        format!("parameter `{}` is bound more than once", p.name.name),
                        p.name.span,
                        "used again here",
                    )
                    .with_secondary(prev, "first bound here");
                    self.report(d);
                }
                params.push((p.name.name.clone(), self.resolve_param_type(m, &p.ty)));
            }
            let size = params.iter().fold(0u64, |a, (_, t)| {
                a.saturating_add(crate::layout::Layout::new(&self.defs).size(t))
            });
            if size > stele_ir::MAX_SCALARS {
                let d = Diagnostic::new(
                    Code::E3001,
                    "transition parameters too large",
                    t.name.span,
                    format!("the parameters flatten to {size} scalars"),
                )
                .with_note(format!(
                    "the limit is {} scalars per transaction",
                    stele_ir::MAX_SCALARS
                ));
                self.report(d);
            }
            let mut bc = BodyChecker::new(self, m, Vec::new(), true, None);
            let ids = t
                .params
                .iter()
                .zip(params.iter())
                .map(|(p, (_, ty))| bc.declare_param(&p.name, ty.clone()))
                .collect();
            let h = bc.block_expr(&t.body, Some(&Ty::unit()));
            unit_body(&mut bc, &h, &t.body, "transition");
            let body = bc.finish(h, ids);
            self.defs.transitions.push(TransitionDef {
                name: t.name.name.clone(),
                module: m,
                span: t.name.span,
                params,
                body,
            });
        }
        for (m, r) in self.test_src.clone() {
            let ast::ItemKind::Test(t) = &srcs[r.src].ast.items[r.item].kind else {
                continue;
            };
            let mut bc = BodyChecker::new(self, m, Vec::new(), true, None);
            let h = bc.block_expr(&t.body, Some(&Ty::unit()));
            unit_body(&mut bc, &h, &t.body, "test");
            let body = bc.finish(h, Vec::new());
            let module = self.defs.module(m);
            let name = if module.path.is_empty() {
                t.name.name.clone()
            } else {
                format!("{}::{}", module.path.join("::"), t.name.name)
            };
            self.defs.tests.push(TestDef {
                name,
                module: m,
                span: t.name.span,
                body,
            });
        }
    }

    /// A transition parameter's type: anything but a map.
    fn resolve_param_type(&mut self, m: ModuleId, t: &ast::Type) -> Ty {
        self.resolve_type(m, t, &[], false)
    }
}

fn unit_body(bc: &mut BodyChecker, h: &crate::hir::Expr, body: &ast::Block, what: &str) {
    if !bc.infer.unify(&h.ty, &Ty::unit()) {
        let span = body.tail.as_ref().map_or(body.span, |t| tail_span(t));
        let found = bc.show(&h.ty);
        let d = Diagnostic::new(
            Code::E2001,
            "mismatched types",
            span,
            format!("expected `()`, found `{found}`"),
        )
        .with_note(format!(
            "a {what} produces no value; end the last expression with `;`"
        ));
        bc.cx.report(d);
    }
}

fn closing_brace(span: Span) -> Span {
    Span {
        start: span.end.saturating_sub(1),
        ..span
    }
}
