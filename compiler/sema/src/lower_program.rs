//! Lowering of the whole checked chain to an `stele_ir::Program`: interface types, state,
//! transitions and tests.

use std::collections::BTreeSet;

use stele_diagnostics::{Code, Diagnostic, SourceDb, Span};
use stele_ir as ir;

use crate::Checked;
use crate::build_ir::Abort;
use crate::hir::{Body, Defs, StateFieldKind};
use crate::layout::{Layout, ir_type};
use crate::lower_exprs::Lowerer;
use crate::ty::Ty;

fn collect_named(defs: &Defs, ty: &Ty, out: &mut BTreeSet<u32>) {
    match ty {
        Ty::Adt(a) if out.insert(a.0) => {
            for t in defs.adt(*a).member_types() {
                collect_named(defs, t, out);
            }
        }
        Ty::Array(t, _) => collect_named(defs, t, out),
        Ty::Tuple(ts) => ts.iter().for_each(|t| collect_named(defs, t, out)),
        Ty::Map(k, v, _) => {
            collect_named(defs, k, out);
            collect_named(defs, v, out);
        }
        _ => {}
    }
}

fn type_def(defs: &Defs, a: usize) -> ir::TypeDef {
    let adt = &defs.adts[a];
    let kind = if adt.is_enum {
        ir::TypeDefKind::Enum(
            adt.variants
                .iter()
                .map(|v| {
                    (
                        v.name.clone(),
                        v.payload.iter().map(|t| ir_type(defs, t)).collect(),
                    )
                })
                .collect(),
        )
    } else {
        ir::TypeDefKind::Struct(
            adt.fields
                .iter()
                .map(|f| (f.name.clone(), ir_type(defs, &f.ty)))
                .collect(),
        )
    };
    ir::TypeDef {
        name: adt.qual.clone(),
        kind,
    }
}

fn loc(db: &SourceDb, span: Span) -> ir::Loc {
    let (line, col) = db.line_col(span.file, span.start);
    ir::Loc {
        file: span.file.0,
        line,
        col,
    }
}

fn abort_diag(a: Abort, what: &str, span: Span) -> Diagnostic {
    match a {
        Abort::Reported => Diagnostic::new(
            Code::E3004,
            format!("internal compiler error: {what} could not be lowered"),
            span,
            "the checker accepted this, but lowering failed",
        )
        .with_note("this is a bug in the compiler; please report it with the source"),
        Abort::Diag(d) => *d,
        Abort::TooLarge(at) => Diagnostic::new(
            Code::E3001,
            format!("{what} is too large after unrolling and inlining"),
            span,
            "too large",
        )
        .with_secondary(at, "while lowering this")
        .with_note(format!(
            "the limit is {} instructions per transition or test; reduce loop bounds or array sizes",
            crate::build_ir::MAX_INSTS
        )),
        Abort::NotConst(at) => Diagnostic::new(Code::E2006, "expression is not a compile-time constant", at, "not a constant"),
        Abort::Failed(msg, at) => Diagnostic::new(Code::E3002, format!("compile-time evaluation fails: {msg}"), at, msg),
    }
}

fn lower_body(
    defs: &Defs,
    db: &SourceDb,
    body: &Body,
    params: &[Ty],
) -> Result<Vec<ir::Inst>, Abort> {
    let mut lw = Lowerer::new(defs, db, false);
    lw.enter_body(body, params)?;
    lw.expr(&body.expr)?;
    lw.finish_state(body.expr.span)?;
    // Every instruction gets a source position; a fallible one keeps the one its failure is
    // reported at.
    let mut insts = lw.b.insts;
    for (inst, span) in insts.iter_mut().zip(&lw.b.spans) {
        if inst.loc.is_none() {
            inst.loc = Some(loc(db, *span));
        }
    }
    Ok(insts)
}

pub fn lower_program(
    checked: &Checked,
    db: &SourceDb,
    chain_name: &str,
) -> Result<ir::Program, Vec<Diagnostic>> {
    let defs = &checked.defs;
    let mut diags = Vec::new();
    let mut used = BTreeSet::new();
    let mut state = Vec::new();
    if let Some(s) = &defs.state {
        for f in &s.fields {
            let kind = match &f.kind {
                StateFieldKind::Plain(t) => {
                    collect_named(defs, t, &mut used);
                    ir::StateKind::Value(ir_type(defs, t))
                }
                StateFieldKind::Map { key, value, depth } => {
                    collect_named(defs, value, &mut used);
                    ir::StateKind::Map {
                        key: ir_type(defs, key),
                        value: ir_type(defs, value),
                        depth: *depth,
                    }
                }
            };
            state.push(ir::StateField {
                name: f.name.clone(),
                kind,
            });
        }
    }
    for t in &defs.transitions {
        for (_, ty) in &t.params {
            collect_named(defs, ty, &mut used);
        }
    }
    let mut program = ir::Program {
        chain: chain_name.to_string(),
        files: db.files().map(|f| db.name(f).to_string()).collect(),
        types: used.iter().map(|a| type_def(defs, *a as usize)).collect(),
        state,
        transitions: Vec::new(),
        tests: Vec::new(),
    };
    for t in &defs.transitions {
        let tys: Vec<Ty> = t.params.iter().map(|(_, ty)| ty.clone()).collect();
        match lower_body(defs, db, &t.body, &tys) {
            Ok(body) => program.transitions.push(ir::Function {
                name: t.name.clone(),
                params: t
                    .params
                    .iter()
                    .map(|(n, ty)| (n.clone(), ir_type(defs, ty)))
                    .collect(),
                body,
                loc: loc(db, t.span),
            }),
            Err(a) => diags.push(abort_diag(a, &format!("transition `{}`", t.name), t.span)),
        }
    }
    for t in &defs.tests {
        if defs.module(t.module).is_std() {
            continue;
        }
        match lower_body(defs, db, &t.body, &[]) {
            Ok(body) => program.tests.push(ir::Function {
                name: t.name.clone(),
                params: Vec::new(),
                body,
                loc: loc(db, t.span),
            }),
            Err(a) => diags.push(abort_diag(a, &format!("test `{}`", t.name), t.span)),
        }
    }
    check_layout(&program, defs);
    if diags.is_empty() {
        Ok(program)
    } else {
        Err(diags)
    }
}

/// The checker's layout must be the IR's: compare for every interface and state type.
fn check_layout(program: &ir::Program, defs: &Defs) {
    let mut layout = Layout::new(defs);
    let mut tys: Vec<Ty> = Vec::new();
    if let Some(s) = &defs.state {
        for f in &s.fields {
            match &f.kind {
                StateFieldKind::Plain(t) => tys.push(t.clone()),
                StateFieldKind::Map { value, .. } => tys.push(value.clone()),
            }
        }
    }
    for t in &defs.transitions {
        tys.extend(t.params.iter().map(|(_, t)| t.clone()));
    }
    for t in tys {
        if layout.size(&t) > 100_000 {
            continue;
        }
        let ours = layout.flatten(&t);
        let theirs = program.flatten(&ir_type(defs, &t));
        assert_eq!(&ours[..], &theirs[..], "sema and IR layouts disagree");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The internal-error diagnostic, as a user would see it (no program is known to cause it).
    #[test]
    fn internal_error_rendering() {
        let mut db = SourceDb::new();
        let file = db.add("src/main.stele", "transition t() {}\n");
        let d = abort_diag(Abort::Reported, "transition `t`", Span::new(file, 11, 12));
        insta::assert_snapshot!(stele_diagnostics::render(&db, &[d], false));
    }
}
