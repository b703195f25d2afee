//! Stele's middle end: name resolution and type checking of the parsed modules of a chain
//! ([`check`]), and lowering of the checked program to the IR ([`lower`]).
//!
//! Checking never stops at the first error: an erroneous expression gets the error type, which
//! unifies with everything, so each problem is reported once. Lowering inlines calls, unrolls
//! loops, predicates conditionals and flattens aggregates with `stele_ir::layout`'s layout.

mod build_ir;
mod check_items;
mod check_matches;
mod check_types;
mod checker;
mod collect_items;
mod detect_recursion;
mod eval_consts;
mod finish_bodies;
pub mod hir;
mod layout;
mod lower_exprs;
mod lower_program;
mod resolve_names;
mod suggest_names;
pub mod ty;
mod unify_types;

use stele_diagnostics::{Diagnostic, FileId, SourceDb, Span};
use stele_syntax::ast;

pub use build_ir::{MAX_INSTS, MAX_WORK};

/// One parsed module of the chain.
#[derive(Clone, Debug)]
pub struct ModuleSource {
    /// `[]` for the root (`src/main.stele`), `["token"]`, `["std", "hash"]`.
    pub path: Vec<String>,
    pub file: FileId,
    pub ast: ast::SourceFile,
}

/// The checked chain: definitions with typed bodies, and what a language server wants to know.
#[derive(Debug)]
pub struct Checked {
    pub defs: hir::Defs,
    definitions: Vec<(Span, Span)>,
    types: Vec<(Span, String)>,
    docs: Vec<(Span, String)>,
    imports: Vec<Vec<(String, hir::Def, Span)>>,
}

impl Checked {
    /// For each resolved name: the span of the use and the span of its definition's name.
    pub fn definitions(&self) -> &[(Span, Span)] {
        &self.definitions
    }

    /// For each expression and binding: its span and its type as text.
    pub fn types(&self) -> &[(Span, String)] {
        &self.types
    }

    /// Doc comments: the span of the documented name (an empty span at the start of a file for
    /// `//!` module docs) and the text.
    pub fn docs(&self) -> &[(Span, String)] {
        &self.docs
    }

    /// The names `use` brings into module `m` that resolved: name, definition and its span.
    pub fn imports(&self, m: hir::ModuleId) -> &[(String, hir::Def, Span)] {
        self.imports.get(m.0 as usize).map_or(&[], Vec::as_slice)
    }

    /// The definition of the name used at `offset` in `file`, if any (innermost use).
    pub fn definition_at(&self, file: FileId, offset: u32) -> Option<Span> {
        self.definitions
            .iter()
            .filter(|(u, _)| u.contains(file, offset))
            .min_by_key(|(u, _)| u.end - u.start)
            .map(|(_, d)| *d)
    }

    /// The type of the innermost expression or binding at `offset` in `file`.
    pub fn type_at(&self, file: FileId, offset: u32) -> Option<&str> {
        self.types
            .iter()
            .filter(|(s, _)| s.contains(file, offset))
            .min_by_key(|(s, _)| s.end - s.start)
            .map(|(_, t)| t.as_str())
    }
}

/// Resolves names and checks types of every module. Returns every diagnostic found (errors and
/// warnings), sorted by position.
pub fn check(db: &SourceDb, modules: Vec<ModuleSource>) -> (Checked, Vec<Diagnostic>) {
    let mut cx = checker::Checker::new(db, modules);
    cx.run();
    let checked = Checked {
        defs: std::mem::take(&mut cx.defs),
        definitions: cx.definitions,
        types: cx.types,
        docs: cx.docs,
        imports: cx
            .imports
            .iter()
            .map(|m| {
                m.iter()
                    .filter_map(|i| i.result.map(|(d, s)| (i.name.clone(), d, s)))
                    .collect()
            })
            .collect(),
    };
    (checked, cx.diags)
}

/// Lowers a chain that checked without errors to the IR.
pub fn lower(
    checked: &Checked,
    db: &SourceDb,
    chain_name: &str,
) -> Result<stele_ir::Program, Vec<Diagnostic>> {
    lower_program::lower_program(checked, db, chain_name)
}
