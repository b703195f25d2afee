//! Diagnostics fixtures: every `tests/check/*.stele` is checked (and lowered when it checks
//! cleanly); the rendered diagnostics are snapshotted under `tests/snapshots/`.

mod common;

use common::*;

fn run(text: &str) -> String {
    let c = check_fixture(text);
    let mut out = render(&c);
    if !c.diags.iter().any(|d| d.is_error())
        && let Err(d) = stele_sema::lower(&c.checked, &c.db, "test")
    {
        out.push_str("--- lowering ---\n");
        out.push_str(&stele_diagnostics::render(&c.db, &d, false));
    }
    if out.is_empty() {
        "(no diagnostics)\n".to_string()
    } else {
        out
    }
}

#[test]
fn check_fixtures() {
    let dir = workspace().join("compiler/sema/tests/check");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        if p.extension().is_none_or(|e| e != "stele") {
            continue;
        }
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        let out = run(&text);
        insta::with_settings!({ snapshot_suffix => "", prepend_module_to_snapshot => false, description => name.clone(), omit_expression => true }, {
            insta::assert_snapshot!(format!("check__{name}"), out);
        });
    }
}

/// Every code of the name, type, lowering and warning blocks has a fixture and is documented.
#[test]
fn every_code_has_a_fixture_and_documentation() {
    let dir = workspace().join("compiler/sema/tests/check");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let docs = std::fs::read_to_string(workspace().join("docs/errors.md")).unwrap();
    for code in stele_diagnostics::Code::ALL {
        let c = code.as_str();
        assert!(
            docs.contains(&format!("| {c} |")),
            "{c} is not in docs/errors.md"
        );
        // E3004 is an internal error: no program should produce it.
        if ["E1", "E2", "E3", "W2"].iter().any(|p| c.starts_with(p)) && c != "E3004" {
            let prefix = c.to_lowercase();
            assert!(
                names.iter().any(|n| n.starts_with(&prefix)),
                "no fixture for {c}"
            );
        }
    }
}

/// Syntax errors leave `Error` nodes; the checker adds nothing about them.
#[test]
fn syntax_errors_do_not_cascade() {
    let text = r#"
state { total: u64 }

fn f(x: u64) -> u64 {
    let y = x + ;
    let unused = 3;
    y
}

transition t(a: u64) {
    let b = ;
    state.total = f(a) + b;
    match a { 0 => , _ => {} }
}
"#;
    let mut db = stele_diagnostics::SourceDb::new();
    let file = db.add("src/main.stele", text);
    let (ast, parse) = stele_syntax::parse_file(file, text);
    assert!(!parse.is_empty());
    let (_, diags) = stele_sema::check(
        &db,
        vec![stele_sema::ModuleSource {
            path: Vec::new(),
            file,
            ast,
        }],
    );
    assert!(
        diags.is_empty(),
        "{}",
        stele_diagnostics::render(&db, &diags, false)
    );
}

/// `super::` and `self::` paths are syntax errors (`E0007`, pointing to `crate::`); the parser
/// keeps the `use` or expression around them, and the checker adds nothing about them or about
/// the names they import.
#[test]
fn relative_paths_are_reported_once() {
    let files = [
        (
            "src/main.stele",
            "const LIMIT: u64 = 5;\nstate { total: u64 }\n\
             transition t(a: u64) { state.total = a + helpers::f(a); }\n",
        ),
        (
            "src/helpers.stele",
            "use super::LIMIT;\nuse self::inner::{Point, make};\n\n\
             fn f(a: u64) -> u64 {\n    let p: Point = make(a);\n    let b: super::Amount = 1;\n    \
             LIMIT + super::LIMIT + self::g() + b + p.x\n}\nfn g() -> u64 { 1 }\n",
        ),
    ];
    let mut db = stele_diagnostics::SourceDb::new();
    let mut modules = Vec::new();
    let mut diags = Vec::new();
    for (name, text) in files {
        let file = db.add(name, text);
        let (ast, parse) = stele_syntax::parse_file(file, text);
        diags.extend(parse);
        modules.push(stele_sema::ModuleSource {
            path: module_path(name),
            file,
            ast,
        });
    }
    let (_, check) = stele_sema::check(&db, modules);
    diags.extend(check);
    let rendered = stele_diagnostics::render(&db, &diags, false);
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0007"; 5], "{rendered}");
    assert!(
        diags
            .iter()
            .all(|d| d.help.as_deref().is_some_and(|h| h.contains("`crate`"))),
        "{rendered}"
    );
}
