//! `match`: patterns against the scrutinee's type, arm types, exhaustiveness (`E2007`) and
//! unreachable arms (`W2002`).

use std::collections::BTreeSet;

use stele_diagnostics::{Code, Diagnostic, Span};
use stele_ir::Felt;
use stele_syntax::ast;

use crate::check_types::{BodyChecker, LocalKind, expr, tail_span};
use crate::hir::{Arm, Def, ExprKind, Pat};
use crate::resolve_names::{PathKind, path_text};
use crate::ty::Ty;

/// What the arms so far cover.
enum Cover {
    /// Enum variants covered.
    Variants(BTreeSet<u32>),
    /// Literal values covered.
    Values(BTreeSet<[u64; 4]>),
}

impl BodyChecker<'_, '_> {
    pub fn match_expr(
        &mut self,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        span: Span,
        hint: Option<&Ty>,
    ) -> crate::hir::Expr {
        let s = self.expr(scrutinee, None);
        let sty = self.infer.shallow(&s.ty);
        let mut result: Option<Ty> = hint.cloned();
        let mut first_arm_span: Option<Span> = None;
        let mut out = Vec::new();
        let mut cover = match sty {
            Ty::Adt(_) => Cover::Variants(BTreeSet::new()),
            _ => Cover::Values(BTreeSet::new()),
        };
        let mut complete = false;
        let mut had_error = matches!(sty, Ty::Error);
        for arm in arms {
            self.push_scope();
            let (pat, pat_err) = self.pattern(&arm.pat, &sty);
            had_error |= pat_err;
            // Reachability and coverage.
            let useful = match (&pat, &mut cover) {
                _ if pat_err => true,
                _ if complete => false,
                (Pat::Wild | Pat::Bind(_), _) => {
                    complete = true;
                    true
                }
                (Pat::Variant(v, _), Cover::Variants(set)) => set.insert(*v),
                (Pat::Lit(x), Cover::Values(set)) => set.insert(x.0),
                _ => true,
            };
            if !useful && !pat_err {
                let d = Diagnostic::new(
                    Code::W2002,
                    "unreachable `match` arm",
                    arm.pat.span,
                    "this arm is never taken",
                )
                .with_note("earlier arms already match every value this pattern matches");
                self.cx.report(d);
            }
            if !complete {
                complete = self.covers_all(&sty, &cover);
            }
            let body = match &result {
                Some(t) => {
                    let t = t.clone();
                    let b = self.expr(&arm.body, Some(&t));
                    if !self.infer.unify(&b.ty, &t) {
                        let (f, x) = (self.show(&b.ty), self.show(&t));
                        let mut d = Diagnostic::new(
                            Code::E2001,
                            "`match` arms have incompatible types",
                            tail_span(&arm.body),
                            format!("expected `{x}`, found `{f}`"),
                        );
                        if let Some(first) = first_arm_span {
                            d = d.with_secondary(
                                first,
                                "this is found to be of type `".to_string() + &x + "`",
                            );
                        }
                        self.cx.report(d);
                    }
                    b
                }
                None => {
                    let b = self.expr(&arm.body, None);
                    result = Some(b.ty.clone());
                    first_arm_span = Some(tail_span(&arm.body));
                    b
                }
            };
            if first_arm_span.is_none() {
                first_arm_span = Some(tail_span(&arm.body));
            }
            self.pop_scope();
            out.push(Arm {
                pat,
                pat_span: arm.pat.span,
                body,
            });
        }
        complete = complete || self.covers_all(&sty, &cover);
        if !complete && !had_error {
            let missing = self.missing(&sty, &cover);
            let d = Diagnostic::new(
                Code::E2007,
                format!("non-exhaustive patterns: {missing} not covered"),
                scrutinee.span,
                "not every value is matched",
            )
            .with_help(if arms.is_empty() {
                "add arms for the values, or a `_ => ...` arm".to_string()
            } else {
                "add arms for the missing values, or a `_ => ...` arm".to_string()
            });
            self.cx.report(d);
        }
        let ty = result.unwrap_or_else(Ty::unit);
        if arms.is_empty() && !complete {
            return expr(ExprKind::Error, ty, span);
        }
        expr(ExprKind::Match(Box::new(s), out), ty, span)
    }

    fn covers_all(&self, ty: &Ty, cover: &Cover) -> bool {
        match (ty, cover) {
            (Ty::Adt(a), Cover::Variants(set)) => set.len() == self.cx.defs.adt(*a).variants.len(),
            (Ty::Bool, Cover::Values(set)) => set.len() == 2,
            (Ty::UInt(b), Cover::Values(set)) if *b <= 16 => set.len() as u64 == 1u64 << b,
            _ => false,
        }
    }

    fn missing(&self, ty: &Ty, cover: &Cover) -> String {
        match (ty, cover) {
            (Ty::Adt(a), Cover::Variants(set)) => {
                let adt = self.cx.defs.adt(*a);
                let names: Vec<String> = adt
                    .variants
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !set.contains(&(*i as u32)))
                    .map(|(_, v)| {
                        if v.payload.is_empty() {
                            format!("`{}::{}`", adt.name, v.name)
                        } else {
                            let blanks = vec!["_"; v.payload.len()].join(", ");
                            format!("`{}::{}({blanks})`", adt.name, v.name)
                        }
                    })
                    .collect();
                join_names(&names)
            }
            (Ty::Bool, Cover::Values(set)) => {
                let names: Vec<String> = [(Felt::ZERO, "`false`"), (Felt::ONE, "`true`")]
                    .iter()
                    .filter(|(v, _)| !set.contains(&v.0))
                    .map(|(_, n)| n.to_string())
                    .collect();
                join_names(&names)
            }
            _ => "`_`".to_string(),
        }
    }

    /// Checks a pattern against the scrutinee type; the flag says an error was reported.
    fn pattern(&mut self, p: &ast::Pattern, sty: &Ty) -> (Pat, bool) {
        match &p.kind {
            ast::PatternKind::Wildcard => (Pat::Wild, false),
            ast::PatternKind::Error => (Pat::Wild, true),
            ast::PatternKind::Binding(name) => {
                // A lone name that names a unit variant of the scrutinee's enum matches it.
                if let Ty::Adt(a) = sty
                    && let Some((Def::Variant(va, v), span)) =
                        self.cx.lookup(self.module, &name.name)
                    && va == *a
                    && self.cx.defs.adt(*a).variants[v as usize].payload.is_empty()
                {
                    self.cx.definitions.push((name.span, span));
                    return (Pat::Variant(v, Vec::new()), false);
                }
                let id = self.declare_binding(name, sty.clone());
                (Pat::Bind(id), false)
            }
            ast::PatternKind::Literal(e) => {
                let h = self.expr(e, Some(sty));
                if !self.unify_at(&h.ty, sty, p.span) {
                    return (Pat::Wild, true);
                }
                match (&h.kind, self.infer.shallow(sty)) {
                    (ExprKind::Lit(v), Ty::Field | Ty::UInt(_) | Ty::Bool | Ty::Var(_)) => {
                        (Pat::Lit(*v), false)
                    }
                    (ExprKind::Error, _) => (Pat::Wild, true),
                    _ => {
                        let d = Diagnostic::new(
                            Code::E2018,
                            format!(
                                "cannot match a value of type `{}` against a literal",
                                self.show(sty)
                            ),
                            p.span,
                            "literal pattern not allowed here",
                        );
                        self.cx.report(d);
                        (Pat::Wild, true)
                    }
                }
            }
            ast::PatternKind::Variant { path, fields } => {
                let def = self
                    .cx
                    .resolve_path(self.module, path, PathKind::Value, &[]);
                let Some(def) = def else {
                    self.bind_sub_patterns(fields);
                    return (Pat::Wild, true);
                };
                let Def::Variant(a, v) = def else {
                    let desc = self.cx.describe(def);
                    let d = Diagnostic::new(
                        Code::E2018,
                        format!("expected an enum variant, found {desc}"),
                        path.span,
                        "not a variant",
                    );
                    self.cx.report(d);
                    self.bind_sub_patterns(fields);
                    return (Pat::Wild, true);
                };
                if *sty != Ty::Adt(a) {
                    if *sty != Ty::Error {
                        let d = Diagnostic::new(
                            Code::E2018,
                            "mismatched types",
                            p.span,
                            format!(
                                "expected `{}`, found `{}`",
                                self.show(sty),
                                self.cx.defs.adt(a).name
                            ),
                        )
                        .with_note(
                            "this pattern matches a variant of another enum than the scrutinee's",
                        );
                        self.cx.report(d);
                    }
                    self.bind_sub_patterns(fields);
                    return (Pat::Wild, true);
                }
                let payload = self.cx.defs.adt(a).variants[v as usize].payload.clone();
                if payload.len() != fields.len() {
                    let name = path_text(path);
                    let d = Diagnostic::new(
                        Code::E2018,
                        format!(
                            "this pattern has {} field{}, but variant `{name}` has {}",
                            fields.len(),
                            crate::check_types::plural(fields.len()),
                            payload.len()
                        ),
                        p.span,
                        format!(
                            "expected {} field{}",
                            payload.len(),
                            crate::check_types::plural(payload.len())
                        ),
                    )
                    .with_secondary(self.cx.def_span(def), "variant defined here");
                    self.cx.report(d);
                    self.bind_sub_patterns(fields);
                    return (Pat::Wild, true);
                }
                let mut binds = Vec::new();
                let mut err = false;
                for (f, t) in fields.iter().zip(payload.iter()) {
                    match &f.kind {
                        ast::PatternKind::Wildcard => binds.push(None),
                        ast::PatternKind::Binding(name) => {
                            binds.push(Some(self.declare_binding(name, t.clone())))
                        }
                        ast::PatternKind::Error => {
                            binds.push(None);
                            err = true;
                        }
                        _ => {
                            let d = Diagnostic::new(
                                Code::E2018,
                                "nested patterns are not supported",
                                f.span,
                                "expected a name or `_`",
                            )
                            .with_help("bind the payload to a name and test it in the arm's body");
                            self.cx.report(d);
                            binds.push(None);
                            err = true;
                        }
                    }
                }
                if err {
                    return (Pat::Wild, true);
                }
                (Pat::Variant(v, binds), false)
            }
        }
    }

    /// Declares the names in sub-patterns of a broken pattern so the arm body still checks.
    fn bind_sub_patterns(&mut self, fields: &[ast::Pattern]) {
        for f in fields {
            if let ast::PatternKind::Binding(name) = &f.kind {
                let id = self.declare_binding(name, Ty::Error);
                self.used[id.0 as usize] = true;
            }
        }
    }

    fn declare_binding(&mut self, name: &ast::Ident, ty: Ty) -> crate::hir::LocalId {
        self.declare_kind(name, ty, LocalKind::Binding)
    }
}

fn join_names(names: &[String]) -> String {
    match names.len() {
        0 => "`_`".to_string(),
        1 => names[0].clone(),
        n if n <= 3 => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
        n => format!("{} and {} more", names[..3].join(", "), n - 3),
    }
}
