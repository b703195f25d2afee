//! Test helpers: multi-file fixtures (`//- file: src/token.stele` separators), the standard
//! library, and running check and lower.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use stele_diagnostics::{Diagnostic, SourceDb};
use stele_sema::{Checked, ModuleSource};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `src/main.stele` → `[]`, `src/a/b.stele` → `["a", "b"]`, `std/hash.stele` → `["std", "hash"]`.
pub fn module_path(name: &str) -> Vec<String> {
    let stem = name.strip_suffix(".stele").unwrap_or(name);
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.first().is_some_and(|p| p == "src") {
        parts.remove(0);
    }
    if parts == ["main"] {
        parts.clear();
    }
    parts
}

/// Splits a fixture into files; text before any header is `src/main.stele`.
pub fn split_fixture(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut name = "src/main.stele".to_string();
    let mut cur = String::new();
    let mut any = false;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("//- file:") {
            if any || !cur.trim().is_empty() {
                files.push((name.clone(), std::mem::take(&mut cur)));
            }
            cur.clear();
            name = rest.trim().to_string();
            any = true;
        } else {
            cur.push_str(line);
        }
    }
    files.push((name, cur));
    files
}

pub struct Compiled {
    pub db: SourceDb,
    pub checked: Checked,
    pub diags: Vec<Diagnostic>,
}

/// Parses the fixture's files plus the standard library and checks them; panics on parse errors.
pub fn check_fixture(text: &str) -> Compiled {
    let mut files = split_fixture(text);
    for entry in std::fs::read_dir(workspace().join("std-lib")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "stele") {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            files.push((
                format!("std/{stem}.stele"),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    files.sort_by_key(|(n, _)| (n.starts_with("std/"), n != "src/main.stele", n.clone()));
    check_files(&files)
}

pub fn check_files(files: &[(String, String)]) -> Compiled {
    let mut db = SourceDb::new();
    let mut modules = Vec::new();
    let mut parse_errors = Vec::new();
    for (name, text) in files {
        let file = db.add(name.clone(), text.clone());
        let (ast, diags) = stele_syntax::parse_file(file, text);
        parse_errors.extend(diags);
        modules.push(ModuleSource {
            path: module_path(name),
            file,
            ast,
        });
    }
    assert!(
        parse_errors.is_empty(),
        "parse errors:\n{}",
        stele_diagnostics::render(&db, &parse_errors, false)
    );
    let (checked, diags) = stele_sema::check(&db, modules);
    Compiled { db, checked, diags }
}

pub fn render(c: &Compiled) -> String {
    stele_diagnostics::render(&c.db, &c.diags, false)
}

/// Checks and lowers; panics with rendered diagnostics on errors; verifies the IR.
pub fn lower_fixture(text: &str) -> stele_ir::Program {
    let c = check_fixture(text);
    assert!(
        !c.diags.iter().any(Diagnostic::is_error),
        "errors:\n{}",
        render(&c)
    );
    let program = match stele_sema::lower(&c.checked, &c.db, "test") {
        Ok(p) => p,
        Err(d) => panic!(
            "lowering failed:\n{}",
            stele_diagnostics::render(&c.db, &d, false)
        ),
    };
    if let Err(errs) = stele_ir::verify(&program) {
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        panic!(
            "IR does not verify:\n{}\n{}",
            text.join("\n"),
            stele_ir::print(&program)
        );
    }
    program
}
