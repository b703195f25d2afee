//! The checker's shared context: sources, definitions being built, diagnostics, and the
//! lazily resolved parts of items (constants, type definitions, signatures, imports).

use std::rc::Rc;

use stele_diagnostics::{Code, Diagnostic, SourceDb, Span};
use stele_syntax::ast;

use crate::ModuleSource;
use crate::hir::{ConstId, Def, Defs, FnId, ModuleId};

/// Where an item's syntax lives: source index and item index.
#[derive(Clone, Copy, Debug)]
pub struct ItemRef {
    pub src: usize,
    pub item: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Todo,
    Active,
    Done,
}

/// One imported name.
#[derive(Debug)]
pub struct Import {
    pub name: String,
    pub decl: ast::UseDecl,
    pub progress: Progress,
    pub result: Option<(Def, Span)>,
}

pub struct Checker<'a> {
    pub db: &'a SourceDb,
    pub srcs: Rc<Vec<ModuleSource>>,
    pub defs: Defs,
    pub diags: Vec<Diagnostic>,
    /// Use span → definition span.
    pub definitions: Vec<(Span, Span)>,
    /// Expression or binding span → its type.
    pub types: Vec<(Span, String)>,
    /// Definition name span → doc comment.
    pub docs: Vec<(Span, String)>,
    pub module_src: Vec<Option<usize>>,
    pub imports: Vec<Vec<Import>>,
    pub adt_src: Vec<ItemRef>,
    pub adt_progress: Vec<Progress>,
    pub const_src: Vec<ItemRef>,
    pub const_progress: Vec<Progress>,
    pub fn_src: Vec<ItemRef>,
    pub fn_progress: Vec<Progress>,
    pub state_src: Option<ItemRef>,
    pub transition_src: Vec<(ModuleId, ItemRef)>,
    pub test_src: Vec<(ModuleId, ItemRef)>,
    /// Calls made by each function's body: callee and call span.
    pub calls: Vec<Vec<(FnId, Span)>>,
    /// Constants whose evaluation failed or is in a cycle (reported once).
    pub const_cycle_reported: Vec<ConstId>,
}

impl<'a> Checker<'a> {
    pub fn new(db: &'a SourceDb, srcs: Vec<ModuleSource>) -> Checker<'a> {
        Checker {
            db,
            srcs: Rc::new(srcs),
            defs: Defs::default(),
            diags: Vec::new(),
            definitions: Vec::new(),
            types: Vec::new(),
            docs: Vec::new(),
            module_src: Vec::new(),
            imports: Vec::new(),
            adt_src: Vec::new(),
            adt_progress: Vec::new(),
            const_src: Vec::new(),
            const_progress: Vec::new(),
            fn_src: Vec::new(),
            fn_progress: Vec::new(),
            state_src: None,
            transition_src: Vec::new(),
            test_src: Vec::new(),
            calls: Vec::new(),
            const_cycle_reported: Vec::new(),
        }
    }

    pub fn report(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::new(code, message, span, label));
    }

    /// Runs every check in order.
    pub fn run(&mut self) {
        self.collect_items();
        self.resolve_imports();
        for i in 0..self.defs.adts.len() {
            self.ensure_adt(crate::hir::AdtId(i as u32));
        }
        self.detect_recursive_types();
        for i in 0..self.defs.consts.len() {
            self.ensure_const(ConstId(i as u32), None);
        }
        for i in 0..self.defs.fns.len() {
            self.ensure_fn_sig(FnId(i as u32));
        }
        self.check_state();
        for i in 0..self.defs.fns.len() {
            self.check_fn_body(FnId(i as u32));
        }
        self.check_transitions_and_tests();
        self.detect_recursion();
        self.warn_no_transitions();
        // Warnings about the standard library are not the chain author's business.
        let std_files: Vec<_> = self
            .defs
            .modules
            .iter()
            .filter(|m| m.is_std())
            .filter_map(|m| m.file)
            .collect();
        self.diags
            .retain(|d| d.is_error() || !std_files.contains(&d.primary.span.file));
        self.diags
            .sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
    }

    fn warn_no_transitions(&mut self) {
        let chain_modules: Vec<_> = self
            .defs
            .modules
            .iter()
            .filter(|m| !m.is_std() && m.file.is_some())
            .collect();
        if chain_modules.is_empty()
            || !self.defs.transitions.is_empty()
            || !self.transition_src.is_empty()
            || !self.defs.tests.is_empty()
        {
            return;
        }
        let file = self.defs.modules[0]
            .file
            .or(chain_modules[0].file)
            .unwrap_or_default();
        self.report(
            Diagnostic::new(
                Code::E1013,
                "chain declares no transitions",
                Span::new(file, 0, 0),
                "no `transition` or `test` in any module",
            )
            .with_help(
                "add a `transition name(params) { ... }` item; without one no transaction can run",
            ),
        );
    }
}
