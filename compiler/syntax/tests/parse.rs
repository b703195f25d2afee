//! Parser goldens: `test_data/ok/*.stele` snapshot the tree and must parse without
//! diagnostics; `test_data/err/*.stele` snapshot the rendered diagnostics, then the tree.
//! Bless with `INSTA_UPDATE=always cargo test -p stele-syntax`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use stele_diagnostics::{Code, SourceDb, render};
use stele_syntax::{dump, parse_file};

fn test_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/test_data")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "stele"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no test files in {}", dir.display());
    files
}

/// Parses `path`; returns the rendered diagnostics, the codes seen and the tree dump.
fn run(path: &Path) -> (String, Vec<Code>, String) {
    let text = std::fs::read_to_string(path).expect("test file is UTF-8");
    let name = format!(
        "{}/{}",
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy(),
        file_name(path)
    );
    let mut db = SourceDb::new();
    let file = db.add(name, text.clone());
    let (ast, diagnostics) = parse_file(file, &text);
    let codes = diagnostics.iter().map(|d| d.code).collect();
    (render(&db, &diagnostics, false), codes, dump(&ast))
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn snapshot(dir: &str, path: &Path, content: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(path);
    settings.set_omit_expression(true);
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    settings.bind(|| insta::assert_snapshot!(format!("{dir}_{stem}"), content));
}

#[test]
fn ok_files_parse_without_diagnostics() {
    for path in test_files("ok") {
        let (rendered, _, tree) = run(&path);
        assert!(
            rendered.is_empty(),
            "{} has diagnostics:\n{rendered}",
            path.display()
        );
        snapshot("ok", &path, &tree);
    }
}

#[test]
fn err_files_report_diagnostics() {
    let mut seen = BTreeSet::new();
    for path in test_files("err") {
        let (rendered, codes, tree) = run(&path);
        assert!(!codes.is_empty(), "{} has no diagnostics", path.display());
        seen.extend(codes);
        snapshot("err", &path, &format!("{rendered}--- tree ---\n{tree}"));
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| c.as_str().starts_with("E0") && !seen.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "syntax codes with no test in test_data/err: {missing:?}"
    );
}

#[test]
fn every_test_file_starts_with_an_inner_doc_line() {
    for path in test_files("ok").into_iter().chain(test_files("err")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must start with a `//!` line",
            path.display()
        );
    }
}
