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
