//! Lowering fixtures: every `tests/lower/*.stele` is checked, lowered and verified; the IR text
//! (before any optimisation) is snapshotted under `tests/snapshots/`.

mod common;

use common::*;

#[test]
fn lower_fixtures() {
    let dir = workspace().join("compiler/sema/tests/lower");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p).unwrap();
        let program = lower_fixture(&text);
        let mut optimized = program.clone();
        stele_ir::optimize_verified(&mut optimized)
            .unwrap_or_else(|e| panic!("{name}: optimised IR does not verify: {e:?}"));
        insta::with_settings!({ prepend_module_to_snapshot => false, description => name.clone(), omit_expression => true }, {
            insta::assert_snapshot!(format!("lower__{name}"), stele_ir::print(&program));
        });
    }
}
