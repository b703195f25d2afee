//! The front door of the compiler: finds a chain's sources (plus the embedded standard library),
//! then runs the pipelines every tool shares: [`check`] (parse, resolve, type-check) and
//! [`compile`] (check, lower to IR, optimise). The language server calls [`check`] with open
//! buffers in a [`Sources`]; the CLI calls [`load`] first.

mod manifest;

use std::path::{Path, PathBuf};

use stele_diagnostics::{Code, Diagnostic, FileId, SourceDb, Span};
use stele_sema::{Checked, ModuleSource};

pub use manifest::Manifest;

/// The standard library, compiled into every chain as `std::<file stem>`.
pub const STD_LIB: &[(&str, &str)] = &[
    ("eddsa", include_str!("../../../std-lib/eddsa.stele")),
    ("hash", include_str!("../../../std-lib/hash.stele")),
    ("math", include_str!("../../../std-lib/math.stele")),
    ("merkle", include_str!("../../../std-lib/merkle.stele")),
];

/// Source files larger than this are refused rather than parsed.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;

/// One source file of a chain and the module it defines.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (a path relative to the chain folder where possible).
    pub name: String,
    /// `[]` for the root module, `["token"]` for `src/token.stele`.
    pub module: Vec<String>,
    pub text: String,
}

/// Everything a compilation reads: the manifest, the chain's files, and problems found while
/// reading them.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub manifest: Manifest,
    pub files: Vec<SourceFile>,
    /// Files that could not be read, bad manifests: reported by every pipeline.
    pub problems: Vec<(SourceFile, Diagnostic)>,
}

impl Sources {
    /// A chain of one source file (the root module) and the default manifest: what tests and
    /// benchmarks compile from a string.
    pub fn single_file(name: &str, text: &str) -> Sources {
        Sources {
            files: vec![SourceFile {
                name: name.into(),
                module: Vec::new(),
                text: text.into(),
            }],
            ..Sources::default()
        }
    }
}

/// The result of [`check`].
#[derive(Debug)]
pub struct CheckOutput {
    pub db: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when loading failed before checking could start.
    pub checked: Option<Checked>,
}

/// The result of [`compile`].
#[derive(Debug)]
pub struct CompileOutput {
    pub db: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
    /// Present exactly when there are no errors.
    pub program: Option<stele_ir::Program>,
}

impl CheckOutput {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads a chain folder (with `Stele.toml` and `src/`) or a single `.stele` file.
pub fn load(path: &Path) -> Sources {
    let mut sources = Sources::default();
    if path.is_file() {
        sources.manifest.name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chain".into());
        read_source(&mut sources, path, path.display().to_string(), Vec::new());
        return sources;
    }
    let manifest_path = path.join("Stele.toml");
    match std::fs::read_to_string(&manifest_path) {
        Ok(text) => match Manifest::parse(&text) {
            Ok(m) => sources.manifest = m,
            Err((message, range)) => {
                let file = SourceFile {
                    name: display_name(path, &manifest_path),
                    module: Vec::new(),
                    text,
                };
                let (start, end) = range.unwrap_or((0, 0));
                let span_file = FileId(0); // rewritten when the db is built
                let d = Diagnostic::new(
                    Code::E4002,
                    message,
                    Span::new(span_file, start, end),
                    "here",
                )
                .with_help("see docs/reference.md for the manifest's fields");
                sources.problems.push((file, d));
            }
        },
        Err(e) => {
            let file = SourceFile {
                name: display_name(path, &manifest_path),
                module: Vec::new(),
                text: String::new(),
            };
            let d = Diagnostic::new(Code::E4002, format!("cannot read `Stele.toml`: {e}"), Span::default(), "")
                .with_help("a chain folder holds `Stele.toml` and `src/main.stele`; `stele new NAME` creates one");
            sources.problems.push((file, d));
            return sources;
        }
    }
    let src = path.join("src");
    let mut found = Vec::new();
    collect_stele_files(&src, &mut found);
    found.sort();
    for file in found {
        let module = module_path(&src, &file);
        read_source(&mut sources, &file, display_name(path, &file), module);
    }
    if sources.files.is_empty() && sources.problems.is_empty() {
        let file = SourceFile {
            name: display_name(path, &src.join("main.stele")),
            module: Vec::new(),
            text: String::new(),
        };
        let d = Diagnostic::new(
            Code::E4003,
            "chain has no source files: expected `src/main.stele`",
            Span::default(),
            "",
        )
        .with_help("put the chain's state and transitions in `src/main.stele`");
        sources.problems.push((file, d));
    }
    sources
}

fn display_name(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

fn collect_stele_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect_stele_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "stele") {
            out.push(p);
        }
    }
}

/// The module a file under a chain's `src/` defines: `src/token.stele` is `["token"]`,
/// `src/a/b.stele` is `["a", "b"]`, and `src/main.stele` is the root module `[]`.
pub fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let module: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if module == ["main"] {
        return Vec::new();
    }
    module
}

fn read_source(sources: &mut Sources, path: &Path, name: String, module: Vec<String>) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let file = SourceFile {
                name,
                module,
                text: String::new(),
            };
            let d = Diagnostic::new(
                Code::E4001,
                format!("cannot read `{}`: {e}", file.name),
                Span::default(),
                "",
            );
            sources.problems.push((file, d));
            return;
        }
    };
    if bytes.len() > MAX_SOURCE_BYTES {
        let file = SourceFile {
            name,
            module,
            text: String::new(),
        };
        let d = Diagnostic::new(
            Code::E4001,
            format!(
                "`{}` is {} bytes; source files are limited to {} bytes",
                file.name,
                bytes.len(),
                MAX_SOURCE_BYTES
            ),
            Span::default(),
            "",
        )
        .with_help("split the chain into modules");
        sources.problems.push((file, d));
        return;
    }
    match String::from_utf8(bytes) {
        Ok(text) => sources.files.push(SourceFile { name, module, text }),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = SourceFile { name, module, text };
            let d = Diagnostic::new(
                Code::E4001,
                format!("`{}` is not valid UTF-8", file.name),
                Span::new(FileId(0), at, at + 1),
                format!("invalid byte at offset {at}"),
            )
            .with_help("save the file as UTF-8");
            sources.problems.push((file, d));
        }
    }
}

/// Parses and checks: the whole front end, no code generation.
pub fn check(sources: &Sources) -> CheckOutput {
    let mut db = SourceDb::new();
    let mut diagnostics = Vec::new();
    for (file, d) in &sources.problems {
        let id = db.add(&file.name, &file.text);
        let mut d = d.clone();
        d.primary.span.file = id;
        diagnostics.push(d);
    }
    let mut modules = Vec::new();
    let std_files = STD_LIB.iter().map(|(stem, text)| SourceFile {
        name: format!("<std>/{stem}.stele"),
        module: vec!["std".into(), (*stem).into()],
        text: (*text).into(),
    });
    for file in std_files.chain(sources.files.iter().cloned()) {
        let id = db.add(&file.name, &file.text);
        let (ast, parse_errors) = stele_syntax::parse_file(id, &file.text);
        diagnostics.extend(parse_errors);
        modules.push(ModuleSource {
            path: file.module,
            file: id,
            ast,
        });
    }
    if sources
        .problems
        .iter()
        .any(|(_, d)| d.code == Code::E4002 || d.code == Code::E4003)
    {
        return CheckOutput {
            db,
            diagnostics,
            checked: None,
        };
    }
    let (checked, check_errors) = stele_sema::check(&db, modules);
    diagnostics.extend(check_errors);
    CheckOutput {
        db,
        diagnostics,
        checked: Some(checked),
    }
}

/// Checks, lowers to IR and optimises. `print_after` names a pass whose output `sink` receives
/// (`"lower"` for the IR straight out of lowering).
pub fn compile(
    sources: &Sources,
    print_after: Option<&str>,
    sink: &mut dyn FnMut(&str, &stele_ir::Program),
) -> CompileOutput {
    let CheckOutput {
        db,
        mut diagnostics,
        checked,
    } = check(sources);
    let errors = diagnostics.iter().any(Diagnostic::is_error);
    let program = match checked {
        Some(checked) if !errors => {
            match stele_sema::lower(&checked, &db, &sources.manifest.name) {
                Ok(mut program) => {
                    if print_after == Some("lower") {
                        sink("lower", &program);
                    }
                    stele_ir::optimize_with(&mut program, print_after, sink);
                    Some(program)
                }
                Err(errs) => {
                    diagnostics.extend(errs);
                    None
                }
            }
        }
        _ => None,
    };
    CompileOutput {
        db,
        diagnostics,
        program,
    }
}
