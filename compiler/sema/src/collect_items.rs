//! First pass: builds the module tree and registers every item's name (duplicates are `E1003`,
//! a second `state` is `E1007`); types and bodies are filled in by later passes.

use std::collections::{BTreeMap, HashMap};

use stele_diagnostics::{Code, Diagnostic, Span};
use stele_syntax::ast;

use crate::checker::{Checker, Import, ItemRef, Progress};
use crate::hir::{
    AdtDef, AdtId, ConstDef, ConstId, Def, FnDef, FnId, Member, Module, ModuleId, Variant,
};
use crate::ty::Ty;

impl Checker<'_> {
    pub fn module_for_path(&mut self, path: &[String]) -> ModuleId {
        let mut cur = ModuleId(0);
        if self.defs.modules.is_empty() {
            self.new_module(Vec::new());
        }
        for (i, seg) in path.iter().enumerate() {
            cur = match self.defs.modules[cur.0 as usize].children.get(seg) {
                Some(&m) => m,
                None => {
                    let m = self.new_module(path[..=i].to_vec());
                    self.defs.modules[cur.0 as usize]
                        .children
                        .insert(seg.clone(), m);
                    m
                }
            };
        }
        cur
    }

    fn new_module(&mut self, path: Vec<String>) -> ModuleId {
        self.defs.modules.push(Module {
            path,
            file: None,
            items: HashMap::new(),
            children: BTreeMap::new(),
        });
        self.module_src.push(None);
        self.imports.push(Vec::new());
        ModuleId(self.defs.modules.len() as u32 - 1)
    }

    fn define(&mut self, m: ModuleId, name: &ast::Ident, def: Def) {
        let module = &mut self.defs.modules[m.0 as usize];
        if let Some((_, prev)) = module.items.get(&name.name) {
            let prev = *prev;
            self.report(duplicate(&name.name, name.span, prev));
        } else {
            module.items.insert(name.name.clone(), (def, name.span));
        }
    }

    fn add_docs(&mut self, span: Span, docs: &[String]) {
        if !docs.is_empty() {
            self.docs.push((span, docs.join("\n")));
        }
    }

    pub fn collect_items(&mut self) {
        self.module_for_path(&[]);
        let srcs = self.srcs.clone();
        let mut mids = Vec::new();
        for (si, src) in srcs.iter().enumerate() {
            let m = self.module_for_path(&src.path);
            self.defs.modules[m.0 as usize].file = Some(src.file);
            self.module_src[m.0 as usize] = Some(si);
            self.add_docs(Span::new(src.file, 0, 0), &src.ast.docs);
            mids.push(m);
        }
        let mut transition_names: HashMap<String, Span> = HashMap::new();
        let mut test_names: HashMap<(ModuleId, String), Span> = HashMap::new();
        for (si, src) in srcs.iter().enumerate() {
            let m = mids[si];
            for (ii, item) in src.ast.items.iter().enumerate() {
                let r = ItemRef { src: si, item: ii };
                match &item.kind {
                    ast::ItemKind::Use(decls) => {
                        for d in decls {
                            let Some(last) = d.path.segments.last() else {
                                continue;
                            };
                            let name = d.alias.as_ref().unwrap_or(last);
                            let imports = &self.imports[m.0 as usize];
                            if let Some(prev) = imports.iter().find(|i| i.name == name.name) {
                                let prev_span = prev.decl.alias.as_ref().map_or(
                                    prev.decl
                                        .path
                                        .segments
                                        .last()
                                        .map_or(prev.decl.path.span, |s| s.span),
                                    |a| a.span,
                                );
                                self.report(duplicate(&name.name, name.span, prev_span));
                                continue;
                            }
                            self.imports[m.0 as usize].push(Import {
                                name: name.name.clone(),
                                decl: d.clone(),
                                progress: Progress::Todo,
                                result: None,
                            });
                        }
                    }
                    ast::ItemKind::Const(c) => {
                        let id = ConstId(self.defs.consts.len() as u32);
                        self.defs.consts.push(ConstDef {
                            name: c.name.name.clone(),
                            module: m,
                            span: c.name.span,
                            ty: Ty::Error,
                            value: None,
                        });
                        self.const_src.push(r);
                        self.const_progress.push(Progress::Todo);
                        self.define(m, &c.name, Def::Const(id));
                        self.add_docs(c.name.span, &item.docs);
                    }
                    ast::ItemKind::Struct(s) => {
                        let id = self.new_adt(m, &s.name, false, r);
                        self.add_docs(s.name.span, &item.docs);
                        let mut fields: Vec<Member> = Vec::new();
                        for f in &s.fields {
                            if let Some(prev) = fields.iter().find(|p| p.name == f.name.name) {
                                let d = duplicate_field(&f.name.name, f.name.span, prev.span);
                                self.report(d);
                                continue;
                            }
                            self.add_docs(f.name.span, &f.docs);
                            fields.push(Member {
                                name: f.name.name.clone(),
                                ty: Ty::Error,
                                span: f.name.span,
                            });
                        }
                        self.defs.adts[id.0 as usize].fields = fields;
                    }
                    ast::ItemKind::Enum(e) => {
                        let id = self.new_adt(m, &e.name, true, r);
                        self.add_docs(e.name.span, &item.docs);
                        let mut variants: Vec<Variant> = Vec::new();
                        for v in &e.variants {
                            if let Some(prev) = variants.iter().find(|p| p.name == v.name.name) {
                                let d = duplicate(&v.name.name, v.name.span, prev.span);
                                self.report(d);
                                continue;
                            }
                            self.add_docs(v.name.span, &v.docs);
                            variants.push(Variant {
                                name: v.name.name.clone(),
                                payload: Vec::new(),
                                span: v.name.span,
                            });
                        }
                        self.defs.adts[id.0 as usize].variants = variants;
                    }
                    ast::ItemKind::Fn(f) => {
                        let id = FnId(self.defs.fns.len() as u32);
                        self.defs.fns.push(FnDef {
                            name: f.name.name.clone(),
                            module: m,
                            span: f.name.span,
                            generics: f.generics.iter().map(|g| g.name.clone()).collect(),
                            params: Vec::new(),
                            ret: Ty::unit(),
                            body: None,
                            builtin: None,
                        });
                        self.fn_src.push(r);
                        self.fn_progress.push(Progress::Todo);
                        self.calls.push(Vec::new());
                        self.define(m, &f.name, Def::Fn(id));
                        self.add_docs(f.name.span, &item.docs);
                    }
                    ast::ItemKind::State(s) => {
                        if let Some(prev) = self.state_src {
                            let prev_span = srcs[prev.src].ast.items[prev.item].span;
                            let span = state_keyword_span(item.span);
                            self.report(
                                Diagnostic::new(
                                    Code::E1007,
                                    "`state` is declared more than once",
                                    span,
                                    "second `state` declaration",
                                )
                                .with_secondary(
                                    state_keyword_span(prev_span),
                                    "first declared here",
                                )
                                .with_help("a chain has one `state`: merge the fields into it"),
                            );
                        } else {
                            self.state_src = Some(r);
                            self.add_docs(state_keyword_span(item.span), &item.docs);
                            for f in &s.fields {
                                self.add_docs(f.name.span, &f.docs);
                            }
                        }
                    }
                    ast::ItemKind::Transition(t) => {
                        if let Some(prev) = transition_names.get(&t.name.name) {
                            let d = Diagnostic::new(
                                Code::E1003,
                                format!("transition `{}` is defined more than once", t.name.name),
                                t.name.span,
                                "transition redefined here",
                            )
                            .with_secondary(*prev, "first defined here")
                            .with_note("transition names are unique in the whole chain");
                            self.report(d);
                            continue;
                        }
                        transition_names.insert(t.name.name.clone(), t.name.span);
                        self.add_docs(t.name.span, &item.docs);
                        self.transition_src.push((m, r));
                    }
                    ast::ItemKind::Test(t) => {
                        if let Some(prev) = test_names.get(&(m, t.name.name.clone())) {
                            let d = Diagnostic::new(
                                Code::E1003,
                                format!("test `{}` is defined more than once", t.name.name),
                                t.name.span,
                                "test redefined here",
                            )
                            .with_secondary(*prev, "first defined here");
                            self.report(d);
                            continue;
                        }
                        test_names.insert((m, t.name.name.clone()), t.name.span);
                        self.add_docs(t.name.span, &item.docs);
                        self.test_src.push((m, r));
                    }
                    ast::ItemKind::Error => {}
                }
            }
        }
    }

    fn new_adt(&mut self, m: ModuleId, name: &ast::Ident, is_enum: bool, r: ItemRef) -> AdtId {
        let id = AdtId(self.defs.adts.len() as u32);
        let module = &self.defs.modules[m.0 as usize];
        let qual = if module.path.is_empty() {
            name.name.clone()
        } else {
            format!("{}::{}", module.path.join("::"), name.name)
        };
        self.defs.adts.push(AdtDef {
            name: name.name.clone(),
            qual,
            module: m,
            span: name.span,
            is_enum,
            fields: Vec::new(),
            variants: Vec::new(),
        });
        self.adt_src.push(r);
        self.adt_progress.push(Progress::Todo);
        self.define(m, name, Def::Adt(id));
        id
    }
}

/// The span of the `state` keyword at the start of a `state { .. }` item.
pub fn state_keyword_span(item: Span) -> Span {
    Span {
        end: item.start.saturating_add(5).min(item.end.max(item.start)),
        ..item
    }
}

pub fn duplicate(name: &str, span: Span, prev: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E1003,
        format!("the name `{name}` is defined multiple times"),
        span,
        format!("`{name}` redefined here"),
    )
    .with_secondary(prev, format!("previous definition of `{name}` here"))
}

pub fn duplicate_field(name: &str, span: Span, prev: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E1003,
        format!("field `{name}` is already declared"),
        span,
        "field already declared",
    )
    .with_secondary(prev, format!("`{name}` first declared here"))
}
