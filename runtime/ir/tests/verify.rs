//! The verifier: each fixture under `tests/data/verify` breaks some rules, and the snapshot lists
//! what the verifier says about it (the fixtures also show the valid forms next to the broken ones).

use std::path::Path;

use stele_ir::{Felt, Op, parse, verify};

#[test]
fn each_broken_rule_is_reported() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/verify");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let program = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let errors = verify(&program).expect_err(&name);
        let report: Vec<String> = errors.iter().map(ToString::to_string).collect();
        insta::with_settings!({ input_file => &path, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("verify_{name}"), report.join("\n"));
        });
    }
}

#[test]
fn non_canonical_field_constant_is_rejected() {
    // The text format cannot spell this (the parser refuses it), but an artifact can.
    let mut program = parse(
        "stele-ir 1 chain \"c\" file 0 \"f\" state {} transition t() @0:1:1 { %0: Field = const 0 }",
    )
    .unwrap();
    verify(&program).unwrap();
    program.transitions[0].body[0].op = Op::Const(Felt(stele_ir::felt::MODULUS));
    let errors = verify(&program).unwrap_err();
    insta::assert_snapshot!(errors[0].to_string(), @"`t`, instruction 0: constant 21888242871839275222246405745257275088548364400416034343698204186575808495617 does not fit `Field`");
}

#[test]
fn errors_carry_function_and_instruction() {
    let program = parse(
        "stele-ir 1 chain \"c\" file 0 \"f\" state {} transition go() @0:1:1 { %0: u8 = const 1 %1: u8 = neg %0 }",
    )
    .unwrap();
    let errors = verify(&program).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].function.as_deref(), Some("go"));
    assert_eq!(errors[0].inst, Some(1));
    assert_eq!(errors[0].message, "`neg` is not defined on `u8`");
}
