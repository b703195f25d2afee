//! Name resolution: module-level lookup (items, then imports, then modules), paths through
//! modules and enums, `use` imports, and type expressions.

use stele_diagnostics::{Code, Diagnostic, Span};
use stele_syntax::ast;

use crate::checker::{Checker, Progress};
use crate::hir::{Def, ModuleId};
use crate::suggest_names::{suggest, with_suggestion};
use crate::ty::Ty;

/// What a path is expected to name, for error messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PathKind {
    Value,
    Type,
    Import,
}

impl Checker<'_> {
    fn module_span(&self, m: ModuleId) -> Span {
        self.defs
            .module(m)
            .file
            .map(|f| Span::new(f, 0, 0))
            .unwrap_or_default()
    }

    /// Looks up one name in module `m`: its items, its imports, its child modules, the top-level
    /// modules.
    pub fn lookup(&mut self, m: ModuleId, name: &str) -> Option<(Def, Span)> {
        if let Some(&(def, span)) = self.defs.module(m).items.get(name) {
            return Some((def, span));
        }
        if let Some(idx) = self.imports[m.0 as usize]
            .iter()
            .position(|i| i.name == name)
            && let Some(found) = self.resolve_import(m, idx)
        {
            return Some(found);
        }
        self.lookup_module(m, name)
    }

    fn lookup_module(&self, m: ModuleId, name: &str) -> Option<(Def, Span)> {
        if let Some(&c) = self.defs.module(m).children.get(name) {
            return Some((Def::Module(c), self.module_span(c)));
        }
        if let Some(&c) = self.defs.modules[0].children.get(name) {
            return Some((Def::Module(c), self.module_span(c)));
        }
        None
    }

    /// Names visible in module `m`, for suggestions.
    pub fn visible_names(&self, m: ModuleId) -> Vec<String> {
        let module = self.defs.module(m);
        let mut out: Vec<String> = module.items.keys().cloned().collect();
        out.extend(self.imports[m.0 as usize].iter().map(|i| i.name.clone()));
        out.extend(module.children.keys().cloned());
        out.extend(self.defs.modules[0].children.keys().cloned());
        out
    }

    pub fn resolve_imports(&mut self) {
        for m in 0..self.imports.len() {
            for i in 0..self.imports[m].len() {
                self.resolve_import(ModuleId(m as u32), i);
            }
        }
    }

    fn resolve_import(&mut self, m: ModuleId, idx: usize) -> Option<(Def, Span)> {
        let imp = &self.imports[m.0 as usize][idx];
        match imp.progress {
            Progress::Done => return imp.result,
            Progress::Active => return None,
            Progress::Todo => {}
        }
        let decl = imp.decl.clone();
        self.imports[m.0 as usize][idx].progress = Progress::Active;
        let result = self
            .resolve_path(m, &decl.path, PathKind::Import, &[])
            .map(|def| {
                let span = self.def_span(def);
                if let Some(alias) = &decl.alias {
                    self.definitions.push((alias.span, span));
                }
                (def, span)
            });
        let imp = &mut self.imports[m.0 as usize][idx];
        imp.progress = Progress::Done;
        imp.result = result;
        result
    }

    /// The span of a definition's name.
    pub fn def_span(&self, def: Def) -> Span {
        match def {
            Def::Module(m) => self.module_span(m),
            Def::Const(c) => self.defs.konst(c).span,
            Def::Adt(a) => self.defs.adt(a).span,
            Def::Variant(a, v) => self
                .defs
                .adt(a)
                .variants
                .get(v as usize)
                .map_or(self.defs.adt(a).span, |v| v.span),
            Def::Fn(f) => self.defs.func(f).span,
        }
    }

    /// A description such as "function `f`", for messages.
    pub fn describe(&self, def: Def) -> String {
        match def {
            Def::Module(m) => format!("module `{}`", self.defs.module(m).display_path()),
            Def::Const(c) => format!("constant `{}`", self.defs.konst(c).name),
            Def::Adt(a) => {
                let adt = self.defs.adt(a);
                format!(
                    "{} `{}`",
                    if adt.is_enum { "enum" } else { "struct" },
                    adt.name
                )
            }
            Def::Variant(a, v) => {
                let adt = self.defs.adt(a);
                format!(
                    "variant `{}::{}`",
                    adt.name,
                    adt.variants
                        .get(v as usize)
                        .map_or("?", |v| v.name.as_str())
                )
            }
            Def::Fn(f) => format!("function `{}`", self.defs.func(f).name),
        }
    }

    /// Resolves a path at module level (locals are the caller's business). Reports errors;
    /// `extra` are more names in scope, for suggestions.
    pub fn resolve_path(
        &mut self,
        m: ModuleId,
        path: &ast::Path,
        kind: PathKind,
        extra: &[String],
    ) -> Option<Def> {
        let segs = &path.segments;
        let first = segs.first()?;
        let found = match first.name.as_str() {
            // The parser only lets these keywords start a path.
            "crate" => self.crate_root(m, first.span),
            // `super::` and `self::` were reported by the lexer (`E0007`).
            "super" | "self" => return None,
            name => self.lookup(m, name),
        };
        let Some((mut def, span)) = found else {
            if first.name == "crate" || self.failed_import(m, &first.name) {
                // Already reported.
                return None;
            }
            let mut names = self.visible_names(m);
            names.extend(extra.iter().cloned());
            if (segs.len() > 1 || kind == PathKind::Import) && !self.defs.module(m).is_std() {
                names.push("crate".to_string());
            }
            let hint = suggest(&first.name, names.iter().map(String::as_str));
            // An item of the root module, named without `crate::` from another module.
            let in_root = match self.defs.modules[0].items.get(&first.name) {
                Some(&(_, def_span)) if m != ModuleId(0) && !self.defs.module(m).is_std() => {
                    Some(def_span)
                }
                _ => None,
            };
            let d = if segs.len() > 1 || kind == PathKind::Import {
                let d = Diagnostic::new(
                    Code::E1004,
                    format!("unresolved module or item `{}`", first.name),
                    first.span,
                    format!("no `{}` in this scope", first.name),
                );
                if kind == PathKind::Import {
                    Diagnostic {
                        message: format!("unresolved import `{}`", path_text(path)),
                        ..d
                    }
                } else {
                    d
                }
            } else if kind == PathKind::Type {
                Diagnostic::new(
                    Code::E1002,
                    format!("cannot find type `{}` in this scope", first.name),
                    first.span,
                    "not found in this scope",
                )
            } else {
                Diagnostic::new(
                    Code::E1001,
                    format!("cannot find value `{}` in this scope", first.name),
                    first.span,
                    "not found in this scope",
                )
            };
            self.report(match (in_root, hint) {
                (Some(def_span), _) => {
                    let help = if kind == PathKind::Import {
                        format!("write `use crate::{};`", path_text(path))
                    } else {
                        format!(
                            "write `crate::{}`, or import it with `use crate::{};`",
                            path_text(path),
                            first.name
                        )
                    };
                    d.with_secondary(def_span, "defined in the root module")
                        .with_help(help)
                }
                (None, Some(h)) => d.with_help(format!("did you mean `{h}`?")),
                (None, None) => d,
            });
            return None;
        };
        self.definitions.push((first.span, span));
        for (i, seg) in segs.iter().enumerate().skip(1) {
            let last = i + 1 == segs.len();
            match self.member(def, &seg.name) {
                Some((d, s)) => {
                    self.definitions.push((seg.span, s));
                    def = d;
                }
                None => {
                    let (code, what) = match def {
                        Def::Adt(a) if self.defs.adt(a).is_enum => (Code::E1006, "variant"),
                        _ if kind == PathKind::Import => (Code::E1004, "item"),
                        _ if !last => (Code::E1004, "module"),
                        _ if kind == PathKind::Type => (Code::E1002, "type"),
                        _ => (Code::E1001, "value"),
                    };
                    let (message, label, candidates) = match def {
                        Def::Module(mm) => {
                            let module = self.defs.module(mm);
                            let mut c: Vec<String> = module.items.keys().cloned().collect();
                            c.extend(module.children.keys().cloned());
                            (
                                format!(
                                    "cannot find {what} `{}` in module `{}`",
                                    seg.name,
                                    module.display_path()
                                ),
                                format!("not found in `{}`", module.display_path()),
                                c,
                            )
                        }
                        Def::Adt(a) if self.defs.adt(a).is_enum => {
                            let adt = self.defs.adt(a);
                            (
                                format!("no variant named `{}` in enum `{}`", seg.name, adt.name),
                                format!("variant not found in `{}`", adt.name),
                                adt.variants.iter().map(|v| v.name.clone()).collect(),
                            )
                        }
                        other => {
                            let desc = self.describe(other);
                            (
                                format!("`{}` is not a module or enum", segs[i - 1].name),
                                format!("{desc} has no items"),
                                Vec::new(),
                            )
                        }
                    };
                    let message = if kind == PathKind::Import {
                        format!("unresolved import `{}`: {message}", path_text(path))
                    } else {
                        message
                    };
                    let d = Diagnostic::new(code, message, seg.span, label);
                    let mut d =
                        with_suggestion(d, &seg.name, candidates.iter().map(String::as_str));
                    if let Def::Adt(a) = def {
                        d = d.with_secondary(
                            self.defs.adt(a).span,
                            format!("enum `{}` defined here", self.defs.adt(a).name),
                        );
                    }
                    self.report(d);
                    return None;
                }
            }
        }
        Some(def)
    }

    /// `crate`: the chain's root module. The standard library is shared by every chain, so
    /// `crate` means nothing there: reported.
    fn crate_root(&mut self, m: ModuleId, span: Span) -> Option<(Def, Span)> {
        if self.defs.module(m).is_std() {
            let d = Diagnostic::new(
                Code::E1004,
                "`crate` cannot be used in the standard library",
                span,
                "no chain root here",
            )
            .with_note("the standard library is shared by every chain")
            .with_help("name standard library items from `std`, as in `std::math::max`");
            self.report(d);
            return None;
        }
        let root = ModuleId(0);
        Some((Def::Module(root), self.module_span(root)))
    }

    /// Whether `name` is imported into `m` by a `use` that failed (and was reported).
    fn failed_import(&self, m: ModuleId, name: &str) -> bool {
        self.imports[m.0 as usize]
            .iter()
            .any(|i| i.name == name && i.progress == Progress::Done && i.result.is_none())
    }

    /// A name inside a module (its items and child modules) or an enum (its variants).
    fn member(&mut self, def: Def, name: &str) -> Option<(Def, Span)> {
        match def {
            Def::Module(m) => {
                if let Some(&(d, s)) = self.defs.module(m).items.get(name) {
                    return Some((d, s));
                }
                self.defs
                    .module(m)
                    .children
                    .get(name)
                    .map(|&c| (Def::Module(c), self.module_span(c)))
            }
            Def::Adt(a) if self.defs.adt(a).is_enum => {
                let adt = self.defs.adt(a);
                adt.variant(name)
                    .map(|v| (Def::Variant(a, v as u32), adt.variants[v].span))
            }
            _ => None,
        }
    }

    /// Resolves a type expression. `Map` is only accepted when `allow_map` (a state field).
    pub fn resolve_type(
        &mut self,
        m: ModuleId,
        ty: &ast::Type,
        generics: &[String],
        allow_map: bool,
    ) -> Ty {
        match &ty.kind {
            ast::TypeKind::Error => Ty::Error,
            ast::TypeKind::Tuple(items) => Ty::Tuple(
                items
                    .iter()
                    .map(|t| self.resolve_type(m, t, generics, false))
                    .collect(),
            ),
            ast::TypeKind::Array(elem, len) => {
                let elem = self.resolve_type(m, elem, generics, false);
                let len = self.eval_len(m, len, generics);
                Ty::Array(Box::new(elem), len)
            }
            ast::TypeKind::Path { path, args } => {
                if path.segments.len() == 1 {
                    let name = path.segments[0].name.as_str();
                    let builtin = match name {
                        "Field" => Some(Ty::Field),
                        "bool" => Some(Ty::Bool),
                        "u8" => Some(Ty::UInt(8)),
                        "u16" => Some(Ty::UInt(16)),
                        "u32" => Some(Ty::UInt(32)),
                        "u64" => Some(Ty::UInt(64)),
                        "u128" => Some(Ty::UInt(128)),
                        _ => None,
                    };
                    if let Some(t) = builtin {
                        self.no_args(name, args, ty.span);
                        return t;
                    }
                    if name == "Map" {
                        return self.resolve_map(m, ty, args, generics, allow_map);
                    }
                }
                let Some(def) = self.resolve_path(m, path, PathKind::Type, &[]) else {
                    return Ty::Error;
                };
                match def {
                    Def::Adt(a) => {
                        let name = self.defs.adt(a).name.clone();
                        self.no_args(&name, args, ty.span);
                        Ty::Adt(a)
                    }
                    other => {
                        let desc = self.describe(other);
                        let d = Diagnostic::new(
                            Code::E1002,
                            format!("expected type, found {desc}"),
                            path.span,
                            "not a type",
                        )
                        .with_secondary(self.def_span(other), "defined here");
                        self.report(d);
                        Ty::Error
                    }
                }
            }
        }
    }

    fn no_args(&mut self, name: &str, args: &[ast::TypeArg], span: Span) {
        if !args.is_empty() {
            self.error(
                Code::E2019,
                format!("type `{name}` takes no arguments"),
                span,
                "unexpected type arguments",
            );
        }
    }

    fn resolve_map(
        &mut self,
        m: ModuleId,
        ty: &ast::Type,
        args: &[ast::TypeArg],
        generics: &[String],
        allow_map: bool,
    ) -> Ty {
        if !allow_map {
            let d = Diagnostic::new(
                Code::E2012,
                "`Map` is only allowed as the type of a `state` field",
                ty.span,
                "`Map` not allowed here",
            )
            .with_note(
                "maps live in the chain's state; read and write them through `state.map[key]`",
            );
            self.report(d);
            return Ty::Error;
        }
        if args.len() != 3 {
            let d = Diagnostic::new(
                Code::E2012,
                format!("`Map` takes 3 arguments but {} were given", args.len()),
                ty.span,
                "expected `Map<KeyType, ValueType, DEPTH>`",
            );
            self.report(d);
            return Ty::Error;
        }
        let key = match &args[0] {
            ast::TypeArg::Type(t) => {
                let k = self.resolve_type(m, t, generics, false);
                if !matches!(k, Ty::UInt(_) | Ty::Error) {
                    let shown = self.show(&k, generics);
                    let d = Diagnostic::new(
                        Code::E2012,
                        format!("invalid map key type `{shown}`"),
                        t.span,
                        "map keys must be `u8`, `u16`, `u32`, `u64` or `u128`",
                    );
                    self.report(d);
                    Ty::Error
                } else {
                    k
                }
            }
            ast::TypeArg::Const(e) => {
                self.error(
                    Code::E2012,
                    "expected a key type, found a constant",
                    e.span,
                    "expected a type",
                );
                Ty::Error
            }
        };
        let value = match &args[1] {
            ast::TypeArg::Type(t) => self.resolve_type(m, t, generics, false),
            ast::TypeArg::Const(e) => {
                self.error(
                    Code::E2012,
                    "expected a value type, found a constant",
                    e.span,
                    "expected a type",
                );
                Ty::Error
            }
        };
        let depth_expr = match &args[2] {
            ast::TypeArg::Const(e) => Some(e.clone()),
            ast::TypeArg::Type(t) => match &t.kind {
                ast::TypeKind::Path { path, args } if args.is_empty() => Some(ast::Expr {
                    kind: ast::ExprKind::Path {
                        path: path.clone(),
                        generic_args: Vec::new(),
                    },
                    span: t.span,
                }),
                _ => {
                    self.error(
                        Code::E2012,
                        "expected a constant depth, found a type",
                        t.span,
                        "expected a constant",
                    );
                    None
                }
            },
        };
        let depth = match depth_expr {
            None => None,
            Some(e) => match self.eval_len(m, &e, &[]) {
                crate::ty::Len::Known(d) if (1..=64).contains(&d) => Some(d as u32),
                crate::ty::Len::Known(d) => {
                    let d = Diagnostic::new(
                        Code::E2012,
                        format!("invalid map depth {d}"),
                        e.span,
                        "the depth must be between 1 and 64",
                    );
                    self.report(d);
                    None
                }
                _ => None,
            },
        };
        match depth {
            Some(d) if !key.contains_error() && !value.contains_error() => {
                Ty::Map(Box::new(key), Box::new(value), d)
            }
            _ => Ty::Error,
        }
    }

    pub fn show(&self, ty: &Ty, generics: &[String]) -> String {
        crate::ty::TyFmt {
            defs: &self.defs,
            generics,
        }
        .ty(ty)
    }
}

pub fn path_text(path: &ast::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("::")
}
