//! The language features, each a function of a checked chain and a position.

use std::collections::{HashMap, HashSet};

use lsp_types::{
    CompletionItem, CompletionItemKind, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, DiagnosticTag, DocumentHighlight, DocumentHighlightKind, DocumentSymbol,
    FoldingRange, FoldingRangeKind, Hover, HoverContents, Location, MarkupContent, MarkupKind,
    NumberOrString, OneOf, ParameterInformation, ParameterLabel, SemanticToken, SemanticTokenType,
    SignatureHelp, SignatureInformation, SymbolKind, TextEdit, WorkspaceEdit, WorkspaceSymbol,
};
use stele_diagnostics::{Code, Diagnostic, FileId, Severity, Span};
use stele_sema::hir::{Def, Defs, ModuleId, StateFieldKind};
use stele_sema::ty::{Ty, TyFmt};
use stele_syntax::ast::{self, ItemKind};
use stele_syntax::lexer::{self, Tok};

use crate::analysis::{Analysis, Kind};
use crate::convert::{LineIndex, path_to_uri};

/// Keywords offered by completion.
pub const KEYWORDS: &[&str] = &[
    "as",
    "const",
    "crate",
    "else",
    "enum",
    "false",
    "fn",
    "for",
    "if",
    "in",
    "let",
    "match",
    "mut",
    "state",
    "struct",
    "test",
    "transition",
    "true",
    "use",
];

/// Built-in types and functions offered by completion.
const BUILTIN_TYPES: &[&str] = &["bool", "u8", "u16", "u32", "u64", "u128", "Field", "Map"];

pub fn location(a: &Analysis, span: Span) -> Location {
    let text = a.text(span.file);
    let idx = LineIndex::new(text);
    Location::new(
        path_to_uri(a.path(span.file)),
        idx.range(span.start as usize, span.end as usize),
    )
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

/// The diagnostics of `file`, for `textDocument/publishDiagnostics`.
pub fn diagnostics(a: &Analysis, file: FileId) -> Vec<LspDiagnostic> {
    let idx = LineIndex::new(a.text(file));
    let name = a.out.db.name(file).to_string();
    a.out
        .diagnostics
        .iter()
        .filter(|d| a.out.db.name(d.primary.span.file) == name)
        .map(|d| to_lsp(a, &idx, d))
        .collect()
}

fn to_lsp(a: &Analysis, idx: &LineIndex<'_>, d: &Diagnostic) -> LspDiagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(" ({})", d.primary.message));
    }
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: location(a, l.span),
            message: l.message.clone(),
        })
        .collect();
    LspDiagnostic {
        range: idx.range(d.primary.span.start as usize, d.primary.span.end as usize),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("stele".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        // Editors fade unused code.
        tags: (d.code == Code::W2001).then(|| vec![DiagnosticTag::UNNECESSARY]),
        ..LspDiagnostic::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Hover, definition, references, rename

/// Collapses runs of whitespace that hold a line break into one space.
fn one_line(text: &str) -> String {
    let mut out = String::new();
    let mut pending = false;
    for part in text.split('\n') {
        if pending {
            let t = out.trim_end().len();
            out.truncate(t);
            out.push(' ');
        }
        out.push_str(if pending { part.trim_start() } else { part });
        pending = true;
    }
    out.replace("( ", "(").replace(" )", ")").replace(",)", ")")
}

/// How the definition whose name is at `def` is written: a signature, a field, a whole type.
pub fn header(a: &Analysis, def: Span) -> Option<String> {
    let text = a.text(def.file);
    let slice = |s: Span| text.get(s.start as usize..s.end as usize).unwrap_or("");
    for item in &a.ast(def.file).items {
        let item_text = slice(item.span);
        match &item.kind {
            ItemKind::Fn(f) if f.name.span == def => {
                let end = f.body.as_ref().map_or(item.span.end, |b| b.span.start);
                let t = slice(Span::new(def.file, item.span.start as usize, end as usize));
                return Some(one_line(t.trim_end().trim_end_matches(';')));
            }
            ItemKind::Transition(t) if t.name.span == def => {
                let s = slice(Span::new(
                    def.file,
                    item.span.start as usize,
                    t.body.span.start as usize,
                ));
                return Some(one_line(s.trim_end()));
            }
            ItemKind::Test(t) if t.name.span == def => {
                return Some(format!("test {}", t.name.name));
            }
            ItemKind::Const(c) if c.name.span == def => return Some(one_line(item_text)),
            ItemKind::Struct(s) => {
                if s.name.span == def {
                    return Some(item_text.to_string());
                }
                if let Some(f) = s.fields.iter().find(|f| f.name.span == def) {
                    return Some(format!("{}\n{}", s.name.name, one_line(slice(f.span))));
                }
            }
            ItemKind::Enum(e) => {
                if e.name.span == def {
                    return Some(item_text.to_string());
                }
                if let Some(v) = e.variants.iter().find(|v| v.name.span == def) {
                    return Some(format!("{}::{}", e.name.name, one_line(slice(v.span))));
                }
            }
            ItemKind::State(s) => {
                if let Some(f) = s.fields.iter().find(|f| f.name.span == def) {
                    return Some(format!("state.{}", one_line(slice(f.span))));
                }
            }
            _ => {}
        }
    }
    let kind = a.kinds.get(&def)?;
    let checked = a.out.checked.as_ref()?;
    let ty = checked.type_at(def.file, def.start).unwrap_or("{unknown}");
    let name = slice(def);
    match kind {
        Kind::Local => Some(format!("let {name}: {ty}")),
        Kind::Param => Some(format!("{name}: {ty}")),
        Kind::Module => Some(format!("mod {name}")),
        _ => None,
    }
}

/// The `state` item: the span of its keyword (where its docs are kept) and its text.
fn state_item(a: &Analysis) -> Option<(Span, String)> {
    a.asts.iter().enumerate().find_map(|(i, ast)| {
        let file = FileId(i as u32);
        ast.items.iter().find_map(|item| match item.kind {
            ItemKind::State(_) => {
                let start = item.span.start as usize;
                let text = a.text(file).get(start..item.span.end as usize)?;
                Some((Span::new(file, start, start + 5), text.to_string()))
            }
            _ => None,
        })
    })
}

fn module_path(a: &Analysis, file: FileId) -> Option<String> {
    let defs = a.defs()?;
    let m = &defs.modules[a.module_of(file)?.0 as usize];
    (!m.path.is_empty()).then(|| m.path.join("::"))
}

pub fn hover(a: &Analysis, file: FileId, offset: usize) -> Option<Hover> {
    let checked = a.out.checked.as_ref()?;
    let Some((span, word)) = a.ident_at(file, offset) else {
        // A literal, an operator, a bracket: the type of the innermost expression there.
        let (span, ty) = checked
            .types()
            .iter()
            .filter(|(s, _)| s.contains(file, offset as u32))
            .min_by_key(|(s, _)| s.end - s.start)?;
        let idx = LineIndex::new(a.text(file));
        return Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("```stele\n{ty}\n```"),
            }),
            range: Some(idx.range(span.start as usize, span.end as usize)),
        });
    };
    let def = a.def_at(file, offset);
    let mut value = String::new();
    let found = def
        .and_then(|d| header(a, d).map(|h| (d, h)))
        .or_else(|| (word == "state").then(|| state_item(a)).flatten());
    match found {
        Some((d, h)) => {
            value.push_str("```stele\n");
            if let Some(m) = module_path(a, d.file).filter(|_| d.file != file) {
                value.push_str(&format!("// {m}\n"));
            }
            value.push_str(&h);
            value.push_str("\n```");
            if let Some((_, doc)) = checked.docs().iter().find(|(s, _)| *s == d) {
                value.push_str("\n\n---\n\n");
                value.push_str(doc);
            }
        }
        None => {
            let ty = checked.type_at(file, span.start)?;
            value.push_str(&format!("```stele\n{ty}\n```"));
        }
    }
    let idx = LineIndex::new(a.text(file));
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(idx.range(span.start as usize, span.end as usize)),
    })
}

pub fn definition(a: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let (span, word) = a.ident_at(file, offset)?;
    let def = a
        .uses
        .get(&(file, span.start))
        .copied()
        .or_else(|| {
            // On a definition itself: stay there.
            a.kinds.contains_key(&span).then_some(span)
        })
        .or_else(|| {
            (word == "state")
                .then(|| state_item(a).map(|(s, _)| s))
                .flatten()
        })?;
    Some(location(a, def))
}

/// The uses and definition of the name at the cursor, in this file.
pub fn highlights(a: &Analysis, file: FileId, offset: usize) -> Vec<DocumentHighlight> {
    let Some(def) = a.def_at(file, offset) else {
        return Vec::new();
    };
    let idx = LineIndex::new(a.text(file));
    a.references(def)
        .into_iter()
        .filter(|s| s.file == file)
        .map(|s| DocumentHighlight {
            range: idx.range(s.start as usize, s.end as usize),
            kind: Some(if s == def {
                DocumentHighlightKind::WRITE
            } else {
                DocumentHighlightKind::READ
            }),
        })
        .collect()
}

pub fn references(a: &Analysis, file: FileId, offset: usize, with_decl: bool) -> Vec<Location> {
    let Some(def) = a.def_at(file, offset) else {
        return Vec::new();
    };
    a.references(def)
        .into_iter()
        .filter(|s| with_decl || *s != def)
        .map(|s| location(a, s))
        .collect()
}

/// Whether `name` can name something.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
        && !KEYWORDS.contains(&name)
        && lexer::lex(FileId(0), name).diagnostics.is_empty()
}

// `WorkspaceEdit::changes` is keyed by `Uri`, whose parsed form caches data internally.
#[allow(clippy::mutable_key_type)]
pub fn rename(
    a: &Analysis,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    if !valid_name(new_name) {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    let def = a
        .def_at(file, offset)
        .ok_or_else(|| "there is no name to rename here".to_string())?;
    if a.is_std[def.file.0 as usize] {
        return Err("items of the standard library cannot be renamed".into());
    }
    let mut changes: HashMap<lsp_types::Uri, Vec<TextEdit>> = HashMap::new();
    for span in a.references(def) {
        let loc = location(a, span);
        changes.entry(loc.uri).or_default().push(TextEdit {
            range: loc.range,
            new_text: new_name.to_string(),
        });
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Completion

fn item(
    label: impl Into<String>,
    kind: CompletionItemKind,
    detail: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.into(),
        kind: Some(kind),
        detail,
        ..CompletionItem::default()
    }
}

fn def_kind(defs: &Defs, def: &Def) -> CompletionItemKind {
    match def {
        Def::Module(_) => CompletionItemKind::MODULE,
        Def::Const(_) => CompletionItemKind::CONSTANT,
        Def::Adt(a) if defs.adts[a.0 as usize].is_enum => CompletionItemKind::ENUM,
        Def::Adt(_) => CompletionItemKind::STRUCT,
        Def::Variant(..) => CompletionItemKind::ENUM_MEMBER,
        Def::Fn(_) => CompletionItemKind::FUNCTION,
    }
}

/// The body (function, transition or test) around `offset`: its locals and const generics.
fn enclosing_locals(
    defs: &Defs,
    file: FileId,
    offset: u32,
) -> Option<(&stele_sema::hir::Body, &[String])> {
    let contains = |b: &stele_sema::hir::Body| {
        b.expr.span.file == file && b.expr.span.start <= offset && offset <= b.expr.span.end
    };
    for f in &defs.fns {
        if let Some(b) = f.body.as_ref().filter(|b| contains(b)) {
            return Some((b, &f.generics));
        }
    }
    let t = defs
        .transitions
        .iter()
        .map(|t| &t.body)
        .chain(defs.tests.iter().map(|t| &t.body))
        .find(|b| contains(b))?;
    Some((t, &[]))
}

/// The type of the place written before a `.` at `dot`: `state.a`, `x`, `x.f[i].g`.
fn receiver_ty(a: &Analysis, file: FileId, dot: usize) -> Option<Ty> {
    let defs = a.defs()?;
    let text = &a.text(file)[..dot];
    // Split `a.b[..].c` from the end into segments; brackets are indexing.
    let mut segs: Vec<(String, usize)> = Vec::new(); // (name, number of indexings after it)
    let mut rest = text.trim_end();
    let mut indexes = 0;
    loop {
        if rest.ends_with(']') {
            let mut depth = 0usize;
            let mut cut = None;
            for (i, c) in rest.char_indices().rev() {
                match c {
                    ']' => depth += 1,
                    '[' => {
                        depth -= 1;
                        if depth == 0 {
                            cut = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = rest[..cut?].trim_end();
            indexes += 1;
            continue;
        }
        let start = rest
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
            .last()?
            .0;
        segs.push((rest[start..].to_string(), indexes));
        indexes = 0;
        rest = rest[..start].trim_end();
        match rest.strip_suffix('.') {
            Some(r) => rest = r.trim_end(),
            None => break,
        }
    }
    segs.reverse();
    let mut iter = segs.into_iter();
    let (first, idx) = iter.next()?;
    let mut ty = if first == "state" {
        let (name, idx2) = iter.next()?;
        let field = defs
            .state
            .as_ref()?
            .fields
            .iter()
            .find(|f| f.name == name)?;
        let t = match &field.kind {
            StateFieldKind::Plain(t) => t.clone(),
            StateFieldKind::Map { key, value, depth } => {
                Ty::Map(Box::new(key.clone()), Box::new(value.clone()), *depth)
            }
        };
        index_ty(t, idx2)?
    } else {
        let (body, _) = enclosing_locals(defs, file, dot as u32)?;
        let local = body
            .locals
            .iter()
            .filter(|l| l.name == first && l.span.start < dot as u32)
            .max_by_key(|l| l.span.start)?;
        index_ty(local.ty.clone(), idx)?
    };
    for (name, idx) in iter {
        let Ty::Adt(id) = ty else { return None };
        let adt = &defs.adts[id.0 as usize];
        let f = adt.fields.iter().find(|f| f.name == name)?;
        ty = index_ty(f.ty.clone(), idx)?;
    }
    Some(ty)
}

fn index_ty(mut ty: Ty, times: usize) -> Option<Ty> {
    for _ in 0..times {
        ty = match ty {
            Ty::Array(t, _) => *t,
            Ty::Map(_, v, _) => *v,
            _ => return None,
        };
    }
    Some(ty)
}

/// The module a path (`std::math`, `crate::token`) names.
fn module_by_path(defs: &Defs, here: Option<ModuleId>, segs: &[&str]) -> Option<ModuleId> {
    let mut path: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
    if path.first().is_some_and(|s| s == "crate") {
        path.remove(0);
    } else if let Some(h) = here {
        // A module imported or defined under this one: `use crate::token;` then `token::`.
        let m = &defs.modules[h.0 as usize];
        if let Some(first) = path.first()
            && let Some((Def::Module(id), _)) = m.items.get(first)
        {
            let mut full = defs.modules[id.0 as usize].path.clone();
            full.extend(path[1..].iter().cloned());
            path = full;
        }
    }
    if let Some(i) = defs.modules.iter().position(|m| m.path == path) {
        return Some(ModuleId(i as u32));
    }
    // Imported by `use`: `use std::math;` then `math::`. The one module whose path ends so.
    let mut found = defs
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| !path.is_empty() && m.path.ends_with(&path));
    match (found.next(), found.next()) {
        (Some((i, _)), None) => Some(ModuleId(i as u32)),
        _ => None,
    }
}

pub fn completion(a: &Analysis, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let text = a.text(file);
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return Vec::new();
    }
    let before = &text[..offset];
    let head = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let Some(defs) = a.defs() else {
        return keyword_items();
    };
    let fmt = TyFmt {
        defs,
        generics: &[],
    };
    let here = a.module_of(file);
    // `x.` and `state.`
    if let Some(h) = head.strip_suffix('.')
        && !h.ends_with('.')
    {
        let receiver = h.trim_end();
        if receiver.ends_with("state")
            && !receiver[..receiver.len() - 5]
                .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            return defs
                .state
                .iter()
                .flat_map(|s| &s.fields)
                .map(|f| {
                    let ty = match &f.kind {
                        StateFieldKind::Plain(t) => fmt.ty(t),
                        StateFieldKind::Map { key, value, depth } => {
                            format!("Map<{}, {}, {depth}>", fmt.ty(key), fmt.ty(value))
                        }
                    };
                    item(&f.name, CompletionItemKind::FIELD, Some(ty))
                })
                .collect();
        }
        return match receiver_ty(a, file, h.len()) {
            Some(Ty::Adt(id)) => defs.adts[id.0 as usize]
                .fields
                .iter()
                .map(|f| item(&f.name, CompletionItemKind::FIELD, Some(fmt.ty(&f.ty))))
                .collect(),
            Some(Ty::Tuple(ts)) => (0..ts.len())
                .map(|i| {
                    item(
                        i.to_string(),
                        CompletionItemKind::FIELD,
                        Some(fmt.ty(&ts[i])),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
    }
    // `a::b::`
    if let Some(h) = head.strip_suffix("::") {
        let start = h
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let segs: Vec<&str> = h[start..].split("::").collect();
        if let Some(m) = module_by_path(defs, here, &segs) {
            let module = &defs.modules[m.0 as usize];
            let mut out: Vec<CompletionItem> = module
                .children
                .keys()
                .map(|c| item(c, CompletionItemKind::MODULE, None))
                .collect();
            let mut items: Vec<_> = module.items.iter().collect();
            items.sort_by_key(|(n, _)| n.as_str());
            for (name, (def, _)) in items {
                if !matches!(def, Def::Module(_)) {
                    out.push(item(name, def_kind(defs, def), None));
                }
            }
            return out;
        }
        // An enum, by name in this module or by path.
        let last = *segs.last().unwrap_or(&"");
        let imported = |h: ModuleId| {
            a.out.checked.as_ref().and_then(|c| {
                c.imports(h)
                    .iter()
                    .find(|(n, _, _)| n == last)
                    .map(|(_, d, _)| *d)
            })
        };
        let adt = here
            .and_then(|h| {
                defs.modules[h.0 as usize]
                    .items
                    .get(last)
                    .map(|(d, _)| *d)
                    .or_else(|| imported(h))
            })
            .and_then(|d| match d {
                Def::Adt(id) => Some(id),
                _ => None,
            })
            .or_else(|| {
                let qual = segs.join("::");
                defs.adts
                    .iter()
                    .position(|x| x.qual == qual)
                    .map(|i| stele_sema::hir::AdtId(i as u32))
            });
        return adt
            .map(|id| {
                defs.adts[id.0 as usize]
                    .variants
                    .iter()
                    .map(|v| {
                        let payload: Vec<String> = v.payload.iter().map(|t| fmt.ty(t)).collect();
                        let detail =
                            (!payload.is_empty()).then(|| format!("({})", payload.join(", ")));
                        item(&v.name, CompletionItemKind::ENUM_MEMBER, detail)
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    // Anything else: names in scope, keywords, built-in types.
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if let Some((body, generics)) = enclosing_locals(defs, file, offset as u32) {
        let fmt = TyFmt { defs, generics };
        let mut locals: Vec<_> = body
            .locals
            .iter()
            .filter(|l| l.span.start < offset as u32)
            .collect();
        locals.sort_by_key(|l| std::cmp::Reverse(l.span.start));
        for l in locals {
            if seen.insert(l.name.clone()) {
                out.push(item(
                    &l.name,
                    CompletionItemKind::VARIABLE,
                    Some(fmt.ty(&l.ty)),
                ));
            }
        }
        for g in generics {
            if seen.insert(g.clone()) {
                out.push(item(g, CompletionItemKind::CONSTANT, Some("u32".into())));
            }
        }
    }
    if let Some(h) = here {
        let module = &defs.modules[h.0 as usize];
        let mut items: Vec<_> = module.items.iter().collect();
        items.sort_by_key(|(n, _)| n.as_str());
        for (name, (def, span)) in items {
            if seen.insert(name.clone()) {
                let detail = header(a, *span).map(|h| one_line(&h));
                out.push(item(name, def_kind(defs, def), detail));
            }
        }
        for c in module.children.keys() {
            if seen.insert(c.clone()) {
                out.push(item(c, CompletionItemKind::MODULE, None));
            }
        }
        if let Some(checked) = &a.out.checked {
            for (name, def, span) in checked.imports(h) {
                if seen.insert(name.clone()) {
                    let detail = header(a, *span).map(|h| one_line(&h));
                    out.push(item(name, def_kind(defs, def), detail));
                }
            }
        }
    }
    if seen.insert("std".into()) {
        out.push(item("std", CompletionItemKind::MODULE, None));
    }
    if seen.insert("assert".into()) {
        out.push(item(
            "assert",
            CompletionItemKind::FUNCTION,
            Some("assert(condition: bool, \"reason\")".into()),
        ));
    }
    for t in BUILTIN_TYPES {
        out.push(item(*t, CompletionItemKind::STRUCT, None));
    }
    out.extend(keyword_items());
    out
}

fn keyword_items() -> Vec<CompletionItem> {
    KEYWORDS
        .iter()
        .map(|k| item(*k, CompletionItemKind::KEYWORD, None))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Signature help

pub fn signature_help(a: &Analysis, file: FileId, offset: usize) -> Option<SignatureHelp> {
    let text = a.text(file);
    let tokens = lexer::lex(file, text).tokens;
    // The innermost `(` still open at the cursor, and the commas before the cursor in it.
    let mut depth = 0i32;
    let mut commas = 0u32;
    let end = tokens.partition_point(|(l, _, _)| *l < offset);
    let mut open = None;
    for i in (0..end).rev() {
        match tokens[i].1 {
            Tok::RParen | Tok::RBracket | Tok::RBrace => depth += 1,
            Tok::LBracket | Tok::LBrace if depth > 0 => depth -= 1,
            Tok::LParen if depth > 0 => depth -= 1,
            Tok::LParen => {
                open = Some(i);
                break;
            }
            Tok::LBracket | Tok::LBrace | Tok::Semi => return None,
            Tok::Comma if depth == 0 => commas += 1,
            _ => {}
        }
    }
    let open = open?;
    let callee = tokens.get(open.checked_sub(1)?)?;
    let Tok::Ident(name) = &callee.1 else {
        return None;
    };
    let defs = a.defs()?;
    let def = a.uses.get(&(file, callee.0 as u32)).copied().or_else(|| {
        let here = a.module_of(file)?;
        match defs.modules[here.0 as usize].items.get(name) {
            Some((Def::Fn(_), span)) => Some(*span),
            _ => a.out.checked.as_ref().and_then(|c| {
                c.imports(here)
                    .iter()
                    .find(|(n, d, _)| n == name && matches!(d, Def::Fn(_)))
                    .map(|(_, _, s)| *s)
            }),
        }
    });
    // `Enum::Variant(` in code too broken to have been resolved.
    let def = def.or_else(|| {
        let i = open.checked_sub(3)?;
        let (Tok::Ident(enum_name), Tok::ColonColon) = (&tokens[i].1, &tokens[i + 1].1) else {
            return None;
        };
        defs.adts
            .iter()
            .filter(|adt| adt.is_enum && &adt.name == enum_name)
            .find_map(|adt| adt.variants.iter().find(|v| &v.name == name))
            .map(|v| v.span)
    });
    let Some(def) = def else {
        // `assert` is built in.
        if name != "assert" {
            return None;
        }
        let label = "assert(condition: bool, reason: \"...\")".to_string();
        let params = [(7, 22), (24, 37)]
            .into_iter()
            .map(|(s, e)| ParameterInformation {
                label: ParameterLabel::LabelOffsets([s, e]),
                documentation: None,
            })
            .collect();
        return Some(one_signature(label, params, None, commas));
    };
    let ast = a.ast(def.file);
    let src = a.text(def.file);
    let slice = |s: Span| one_line(&src[s.start as usize..s.end as usize]);
    let mut label = String::new();
    let mut params = Vec::new();
    let mut add_params = |label: &mut String, spans: &mut dyn Iterator<Item = Span>| {
        for (i, span) in spans.enumerate() {
            if i > 0 {
                label.push_str(", ");
            }
            let start = label.encode_utf16().count() as u32;
            label.push_str(&slice(span));
            let end = label.encode_utf16().count() as u32;
            params.push(ParameterInformation {
                label: ParameterLabel::LabelOffsets([start, end]),
                documentation: None,
            });
        }
    };
    let mut found = false;
    for item in &ast.items {
        match &item.kind {
            ItemKind::Fn(f) if f.name.span == def => {
                label = format!("fn {}(", f.name.name);
                add_params(&mut label, &mut f.params.iter().map(|p| p.span));
                label.push(')');
                if let Some(r) = &f.ret {
                    label.push_str(" -> ");
                    label.push_str(&slice(r.span));
                }
                found = true;
            }
            ItemKind::Enum(e) => {
                if let Some(v) = e.variants.iter().find(|v| v.name.span == def) {
                    label = format!("{}::{}(", e.name.name, v.name.name);
                    add_params(&mut label, &mut v.payload.iter().map(|t| t.span));
                    label.push(')');
                    found = true;
                }
            }
            _ => {}
        }
        if found {
            break;
        }
    }
    if !found {
        return None;
    }
    let doc = a
        .out
        .checked
        .as_ref()
        .and_then(|c| c.docs().iter().find(|(s, _)| *s == def))
        .map(|(_, d)| {
            lsp_types::Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: d.clone(),
            })
        });
    Some(one_signature(label, params, doc, commas))
}

fn one_signature(
    label: String,
    params: Vec<ParameterInformation>,
    documentation: Option<lsp_types::Documentation>,
    active: u32,
) -> SignatureHelp {
    SignatureHelp {
        signatures: vec![SignatureInformation {
            label,
            documentation,
            parameters: Some(params),
            active_parameter: Some(active),
        }],
        active_signature: Some(0),
        active_parameter: Some(active),
    }
}

// ---------------------------------------------------------------------------------------------
// Symbols

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written out.
fn symbol(
    idx: &LineIndex<'_>,
    name: &str,
    kind: SymbolKind,
    span: Span,
    name_span: Span,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    DocumentSymbol {
        name: name.to_string(),
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: idx.range(span.start as usize, span.end as usize),
        selection_range: idx.range(name_span.start as usize, name_span.end as usize),
        children: (!children.is_empty()).then_some(children),
    }
}

/// The items of one file as symbols: `(name, kind, item span, name span, children)`.
type Sym = (
    String,
    SymbolKind,
    Span,
    Span,
    Vec<(String, SymbolKind, Span, Span)>,
);

fn item_symbols(ast: &ast::SourceFile) -> Vec<Sym> {
    let fields = |fs: &[ast::FieldDef], kind| {
        fs.iter()
            .map(|f| (f.name.name.clone(), kind, f.span, f.name.span))
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    for item in &ast.items {
        let s = item.span;
        match &item.kind {
            ItemKind::Const(c) => out.push((
                c.name.name.clone(),
                SymbolKind::CONSTANT,
                s,
                c.name.span,
                vec![],
            )),
            ItemKind::Struct(st) => out.push((
                st.name.name.clone(),
                SymbolKind::STRUCT,
                s,
                st.name.span,
                fields(&st.fields, SymbolKind::FIELD),
            )),
            ItemKind::Enum(e) => out.push((
                e.name.name.clone(),
                SymbolKind::ENUM,
                s,
                e.name.span,
                e.variants
                    .iter()
                    .map(|v| {
                        (
                            v.name.name.clone(),
                            SymbolKind::ENUM_MEMBER,
                            v.span,
                            v.name.span,
                        )
                    })
                    .collect(),
            )),
            ItemKind::Fn(f) => out.push((
                f.name.name.clone(),
                SymbolKind::FUNCTION,
                s,
                f.name.span,
                vec![],
            )),
            ItemKind::State(st) => {
                let kw = Span::new(s.file, s.start as usize, s.start as usize + 5);
                out.push((
                    "state".into(),
                    SymbolKind::OBJECT,
                    s,
                    kw,
                    fields(&st.fields, SymbolKind::FIELD),
                ))
            }
            ItemKind::Transition(t) => out.push((
                t.name.name.clone(),
                SymbolKind::EVENT,
                s,
                t.name.span,
                vec![],
            )),
            ItemKind::Test(t) => out.push((
                t.name.name.clone(),
                SymbolKind::METHOD,
                s,
                t.name.span,
                vec![],
            )),
            ItemKind::Use(_) | ItemKind::Error => {}
        }
    }
    out
}

pub fn document_symbols(text: &str) -> Vec<DocumentSymbol> {
    let (ast, _) = stele_syntax::parse_file(FileId(0), text);
    let idx = LineIndex::new(text);
    item_symbols(&ast)
        .into_iter()
        .map(|(name, kind, span, name_span, children)| {
            let children = children
                .into_iter()
                .map(|(n, k, s, ns)| symbol(&idx, &n, k, s, ns, Vec::new()))
                .collect();
            symbol(&idx, &name, kind, span, name_span, children)
        })
        .collect()
}

pub fn workspace_symbols(a: &Analysis, query: &str, out: &mut Vec<WorkspaceSymbol>) {
    let query = query.to_lowercase();
    for (i, ast) in a.asts.iter().enumerate() {
        let file = FileId(i as u32);
        let container = module_path(a, file);
        for (name, kind, _, name_span, children) in item_symbols(ast) {
            let mut add = |name: &str, kind, span: Span, container: Option<String>| {
                if name.to_lowercase().contains(&query) {
                    out.push(WorkspaceSymbol {
                        name: name.to_string(),
                        kind,
                        tags: None,
                        container_name: container,
                        location: OneOf::Left(location(a, span)),
                        data: None,
                    });
                }
            };
            add(&name, kind, name_span, container.clone());
            for (n, k, _, ns) in children {
                add(&n, k, ns, Some(name.clone()));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Semantic tokens

pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::TYPE,
    SemanticTokenType::STRUCT,
    SemanticTokenType::ENUM,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::KEYWORD,
    SemanticTokenType::COMMENT,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
];

fn token_type(kind: Kind) -> u32 {
    match kind {
        Kind::Module => 0,
        Kind::Struct => 2,
        Kind::Enum => 3,
        Kind::Variant => 4,
        Kind::Fn | Kind::Transition | Kind::Test => 5,
        Kind::Const | Kind::Local => 6,
        Kind::Param => 7,
        Kind::Field | Kind::StateField => 8,
    }
}

pub fn semantic_tokens(a: &Analysis, file: FileId) -> Vec<SemanticToken> {
    let text = a.text(file);
    let idx = LineIndex::new(text);
    let lexed = lexer::lex(file, text);
    let mut raw: Vec<(usize, usize, u32)> = Vec::new();
    for (l, tok, r) in &lexed.tokens {
        let ty = match tok {
            Tok::Ident(name) => {
                let span = Span::new(file, *l, *r);
                let def = a.uses.get(&(file, *l as u32)).copied().unwrap_or(span);
                match a.kinds.get(&def) {
                    Some(k) => token_type(*k),
                    None if BUILTIN_TYPES.contains(&name.as_str()) => 1,
                    None => continue,
                }
            }
            Tok::Int(_) => 12,
            Tok::Str(_) => 11,
            t if t
                .text()
                .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_alphabetic())) =>
            {
                9
            }
            _ => continue,
        };
        raw.push((*l, *r, ty));
    }
    for &(l, r) in &lexed.comments {
        // One token per line: multi-line tokens are optional for clients.
        let mut start = l;
        for line in text[l..r].split_inclusive('\n') {
            let end = start + line.trim_end_matches(['\n', '\r']).len();
            if end > start {
                raw.push((start, end, 10));
            }
            start += line.len();
        }
    }
    raw.sort_by_key(|t| t.0);
    let mut out = Vec::with_capacity(raw.len());
    let (mut line, mut col) = (0, 0);
    for (l, r, ty) in raw {
        let p = idx.position(l);
        let e = idx.position(r);
        let len = if e.line == p.line {
            e.character - p.character
        } else {
            continue;
        };
        let delta_line = p.line - line;
        let delta_start = if delta_line == 0 {
            p.character - col
        } else {
            p.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: len,
            token_type: ty,
            token_modifiers_bitset: 0,
        });
        line = p.line;
        col = p.character;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Folding

pub fn folding_ranges(text: &str) -> Vec<FoldingRange> {
    let lexed = lexer::lex(FileId(0), text);
    let idx = LineIndex::new(text);
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for (l, tok, _) in &lexed.tokens {
        match tok {
            Tok::LBrace | Tok::LParen | Tok::LBracket => stack.push(*l),
            Tok::RBrace | Tok::RParen | Tok::RBracket => {
                if let Some(open) = stack.pop() {
                    let a = idx.position(open).line;
                    let b = idx.position(*l).line;
                    if b > a + 1 {
                        out.push(FoldingRange {
                            start_line: a,
                            end_line: b - 1,
                            ..FoldingRange::default()
                        });
                    }
                }
            }
            _ => {}
        }
    }
    // Runs of line comments.
    let mut run: Option<(u32, u32)> = None;
    let flush = |run: &mut Option<(u32, u32)>, out: &mut Vec<FoldingRange>| {
        if let Some((a, b)) = run.take()
            && b > a
        {
            out.push(FoldingRange {
                start_line: a,
                end_line: b,
                kind: Some(FoldingRangeKind::Comment),
                ..FoldingRange::default()
            });
        }
    };
    for &(l, r) in &lexed.comments {
        let (a, b) = (idx.position(l).line, idx.position(r).line);
        match run {
            Some((s, e)) if a == e + 1 && text[l..r].starts_with("//") => run = Some((s, b)),
            _ => {
                flush(&mut run, &mut out);
                run = Some((a, b));
            }
        }
    }
    flush(&mut run, &mut out);
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}
