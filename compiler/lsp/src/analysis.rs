//! One checked chain: which files it has (open buffers replacing files on disk), the front end's
//! result, the syntax trees, and what every definition is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use stele_diagnostics::{Code, Diagnostic, FileId, Span};
use stele_driver::{CheckOutput, MAX_SOURCE_BYTES, STD_LIB, SourceFile, Sources};
use stele_sema::hir::{Def, Defs, ModuleId};
use stele_syntax::ast;

/// An open document.
#[derive(Clone, Debug)]
pub struct Doc {
    pub path: PathBuf,
    pub text: String,
    pub version: i32,
}

/// What a document belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Root {
    /// A chain folder (with `Stele.toml`).
    Chain(PathBuf),
    /// A `.stele` file outside any chain: a chain of its own.
    Lone(PathBuf),
    /// The standard library's sources, as written to the std folder.
    Std,
}

/// The root of the document at `path`: the nearest folder above it with a `Stele.toml`.
pub fn root_of(path: &Path, std_dir: &Path) -> Root {
    if path.starts_with(std_dir) {
        return Root::Std;
    }
    for dir in path.ancestors().skip(1) {
        if dir.join("Stele.toml").is_file() {
            return Root::Chain(dir.to_path_buf());
        }
    }
    Root::Lone(path.to_path_buf())
}

/// Writes the standard library's sources to `dir` (where go-to-definition leads), unless they
/// are there already.
pub fn write_std(dir: &Path) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    for (stem, text) in STD_LIB {
        let path = dir.join(format!("{stem}.stele"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            // Best effort: without the files, definitions in std have nowhere to lead. They are
            // made read-only, so editors show them so.
            set_readonly(&path, false);
            let _ = std::fs::write(&path, text);
            set_readonly(&path, true);
        }
    }
}

fn set_readonly(path: &Path, readonly: bool) {
    if let Ok(meta) = std::fs::metadata(path) {
        let mut perms = meta.permissions();
        perms.set_readonly(readonly);
        let _ = std::fs::set_permissions(path, perms);
    }
}

/// What a definition is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Module,
    Struct,
    Enum,
    Variant,
    Fn,
    Const,
    Field,
    StateField,
    Transition,
    Test,
    Local,
    Param,
}

/// A checked chain.
pub struct Analysis {
    pub root: Root,
    pub out: CheckOutput,
    pub sources: Sources,
    /// The path of each file, by `FileId`.
    pub paths: Vec<PathBuf>,
    pub is_std: Vec<bool>,
    pub asts: Vec<ast::SourceFile>,
    /// Definition name spans and what they define.
    pub kinds: HashMap<Span, Kind>,
    /// Use (by file and start) -> definition.
    pub uses: HashMap<(FileId, u32), Span>,
}

fn too_big(name: &str, len: usize) -> Diagnostic {
    Diagnostic::new(
        Code::E4001,
        format!("`{name}` is {len} bytes; source files are limited to {MAX_SOURCE_BYTES} bytes"),
        Span::default(),
        "",
    )
    .with_help("split the chain into modules")
}

/// Checks the chain `root`, reading open documents from `docs` (by path) before the disk.
pub fn analyze(root: &Root, docs: &HashMap<PathBuf, Doc>, std_dir: &Path) -> Analysis {
    let mut sources = match root {
        Root::Chain(dir) => stele_driver::load(dir),
        Root::Lone(path) => {
            let mut s = Sources::default();
            s.manifest.name = path
                .file_stem()
                .map_or_else(|| "chain".into(), |s| s.to_string_lossy().into_owned());
            let text = docs
                .get(path)
                .map(|d| d.text.clone())
                .or_else(|| std::fs::read_to_string(path).ok())
                .unwrap_or_default();
            s.files.push(SourceFile {
                name: path.display().to_string(),
                module: Vec::new(),
                text,
            });
            s
        }
        Root::Std => Sources::default(),
    };
    if let Root::Chain(dir) = root {
        for f in &mut sources.files {
            if let Some(doc) = docs.get(&dir.join(&f.name)) {
                f.text.clone_from(&doc.text);
            }
        }
        // New files not saved yet.
        let src = dir.join("src");
        for (path, doc) in docs {
            let known = sources.files.iter().any(|f| dir.join(&f.name) == *path);
            if known || !path.starts_with(&src) || path.extension().is_none_or(|e| e != "stele") {
                continue;
            }
            let module = stele_driver::module_path(&src, path);
            let name = path.strip_prefix(dir).unwrap_or(path).display().to_string();
            sources.files.push(SourceFile {
                name,
                module,
                text: doc.text.clone(),
            });
        }
    }
    let mut big = Vec::new();
    for f in &mut sources.files {
        if f.text.len() > MAX_SOURCE_BYTES {
            big.push((
                SourceFile {
                    name: f.name.clone(),
                    module: f.module.clone(),
                    text: String::new(),
                },
                too_big(&f.name, f.text.len()),
            ));
            f.text.clear();
        }
    }
    sources.problems.extend(big);
    if matches!(root, Root::Std) {
        // The standard library checked on its own: a chain with one empty file.
        sources.files.push(SourceFile {
            name: "<std>/main.stele".into(),
            module: Vec::new(),
            text: String::new(),
        });
    }
    let out = stele_driver::check(&sources);
    let mut paths = Vec::new();
    let mut is_std = Vec::new();
    let mut asts = Vec::new();
    for file in out.db.files() {
        let name = out.db.name(file);
        let std = name.starts_with("<std>/");
        let path = if let Some(rest) = name.strip_prefix("<std>/") {
            std_dir.join(rest)
        } else {
            match root {
                Root::Chain(dir) => dir.join(name),
                _ => PathBuf::from(name),
            }
        };
        paths.push(path);
        is_std.push(std);
        asts.push(stele_syntax::parse_file(file, out.db.text(file)).0);
    }
    let mut kinds = HashMap::new();
    let mut uses = HashMap::new();
    if let Some(checked) = &out.checked {
        collect_kinds(&checked.defs, &mut kinds);
        for (u, d) in checked.definitions() {
            uses.insert((u.file, u.start), *d);
        }
    }
    Analysis {
        root: root.clone(),
        out,
        sources,
        paths,
        is_std,
        asts,
        kinds,
        uses,
    }
}

fn collect_kinds(defs: &Defs, kinds: &mut HashMap<Span, Kind>) {
    for m in &defs.modules {
        for (def, span) in m.items.values() {
            let kind = match def {
                Def::Module(_) => Kind::Module,
                Def::Const(_) => Kind::Const,
                Def::Adt(a) if defs.adts[a.0 as usize].is_enum => Kind::Enum,
                Def::Adt(_) => Kind::Struct,
                Def::Variant(..) => Kind::Variant,
                Def::Fn(_) => Kind::Fn,
            };
            kinds.entry(*span).or_insert(kind);
        }
    }
    for a in &defs.adts {
        kinds.insert(a.span, if a.is_enum { Kind::Enum } else { Kind::Struct });
        for f in &a.fields {
            kinds.insert(f.span, Kind::Field);
        }
        for v in &a.variants {
            kinds.insert(v.span, Kind::Variant);
        }
    }
    for c in &defs.consts {
        kinds.insert(c.span, Kind::Const);
    }
    let mut bodies = Vec::new();
    for f in &defs.fns {
        kinds.insert(f.span, Kind::Fn);
        bodies.extend(f.body.as_ref());
    }
    for t in &defs.transitions {
        kinds.insert(t.span, Kind::Transition);
        bodies.push(&t.body);
    }
    for t in &defs.tests {
        kinds.insert(t.span, Kind::Test);
        bodies.push(&t.body);
    }
    if let Some(s) = &defs.state {
        for f in &s.fields {
            kinds.insert(f.span, Kind::StateField);
        }
    }
    for body in bodies {
        for (i, l) in body.locals.iter().enumerate() {
            let param = body.params.iter().any(|p| p.0 as usize == i);
            kinds.insert(l.span, if param { Kind::Param } else { Kind::Local });
        }
    }
}

impl Analysis {
    pub fn file_of(&self, path: &Path) -> Option<FileId> {
        // Problems come first in the database, with the same name as the file: the last match
        // is the parsed file.
        self.paths
            .iter()
            .rposition(|p| p == path)
            .map(|i| FileId(i as u32))
    }

    pub fn text(&self, file: FileId) -> &str {
        self.out.db.text(file)
    }

    pub fn ast(&self, file: FileId) -> &ast::SourceFile {
        &self.asts[file.0 as usize]
    }

    pub fn path(&self, file: FileId) -> &Path {
        &self.paths[file.0 as usize]
    }

    pub fn defs(&self) -> Option<&Defs> {
        self.out.checked.as_ref().map(|c| &c.defs)
    }

    /// The module a file defines.
    pub fn module_of(&self, file: FileId) -> Option<ModuleId> {
        let defs = self.defs()?;
        defs.modules
            .iter()
            .position(|m| m.file == Some(file))
            .map(|i| ModuleId(i as u32))
    }

    /// The identifier token at `offset` (touching it from either side): its span and text.
    pub fn ident_at(&self, file: FileId, offset: usize) -> Option<(Span, String)> {
        let text = self.text(file);
        ident_at(text, offset).map(|(s, e)| (Span::new(file, s, e), text[s..e].to_string()))
    }

    /// The definition named at `offset`: the definition a use there resolves to, or the
    /// definition whose name is there.
    pub fn def_at(&self, file: FileId, offset: usize) -> Option<Span> {
        let (span, _) = self.ident_at(file, offset)?;
        if let Some(d) = self.uses.get(&(file, span.start)) {
            return Some(*d);
        }
        if self.kinds.contains_key(&span) {
            return Some(span);
        }
        None
    }

    /// Every use of the definition `def`, and `def` itself.
    pub fn references(&self, def: Span) -> Vec<Span> {
        let mut out = vec![def];
        if let Some(c) = &self.out.checked {
            out.extend(
                c.definitions()
                    .iter()
                    .filter(|(_, d)| *d == def)
                    .map(|(u, _)| *u),
            );
        }
        out.sort_by_key(|s| (s.file, s.start, s.end));
        out.dedup();
        out
    }
}

/// The identifier (or keyword) at `offset`, as a byte range: the word containing it, or ending
/// just before it.
pub fn ident_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    let word = &text[start..end];
    let starts_ident = word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (start < end && starts_ident).then_some((start, end))
}
