//! Shared helpers: IR text fixtures, one-operation programs, and running them.
#![allow(dead_code)]

use stele_exec::{Executable, Fr, Rejection, State, Tx, Val, apply_tx};
use stele_ir::Program;

/// Parses an IR text fixture (panics with the parse error).
pub fn parse(text: &str) -> Program {
    stele_ir::parse(text).unwrap_or_else(|e| panic!("fixture does not parse: {e}\n{text}"))
}

/// Parses and loads an IR text fixture (panics when it does not verify).
pub fn load(text: &str) -> Executable {
    let program = parse(text);
    Executable::new(&program).unwrap_or_else(|e| panic!("fixture does not load: {e}\n{text}"))
}

pub fn fr(x: u128) -> Fr {
    stele_crypto::fr_from_u128(x)
}

pub fn frs(s: &str) -> Fr {
    stele_crypto::fr_from_str(s).expect("a field element")
}

/// p - 1, the largest field element.
pub const P_MINUS_1: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495616";

/// Runs a program whose first transition takes `args` and stores one result in plain-state
/// scalar 0; returns that scalar, or the rejection reason.
pub fn run_store(exe: &Executable, args: Vec<Val>) -> Result<Val, String> {
    let mut state = State::new(exe.program());
    let before = state.root();
    match apply_tx(
        exe,
        &mut state,
        &Tx {
            transition: 0,
            args,
        },
    ) {
        Ok(()) => Ok(state.scalars()[0]),
        Err(r) => {
            assert_eq!(
                state.root(),
                before,
                "a rejected transaction changed the root"
            );
            Err(r.reason)
        }
    }
}

/// `a OP b` with operands of type `ty` (a shift's amount is `u32`), result of type `result`.
pub fn binop(op: &str, ty: &str, result: &str, a: Val, b: Val) -> Result<Val, String> {
    let bty = if op == "shl" || op == "shr" {
        "u32"
    } else {
        ty
    };
    let text = format!(
        "stele-ir 1\nchain \"t\"\nfile 0 \"src/main.stele\"\nstate {{ out: {result} }}\n\
         transition f(a: {ty}, b: {bty}) @0:1:1 {{\n\
         %0: {ty} = param 0\n%1: {bty} = param 1\n%2: {result} = {op} %0, %1 @0:2:3\nsstore 0 = %2\n}}\n"
    );
    run_store(&load(&text), vec![a, b])
}

/// `OP a` (unary) or `cast a` from `ty` to `result`.
pub fn unop(op: &str, ty: &str, result: &str, a: Val) -> Result<Val, String> {
    let text = format!(
        "stele-ir 1\nchain \"t\"\nfile 0 \"src/main.stele\"\nstate {{ out: {result} }}\n\
         transition f(a: {ty}) @0:1:1 {{\n%0: {ty} = param 0\n%1: {result} = {op} %0 @0:2:3\nsstore 0 = %1\n}}\n"
    );
    run_store(&load(&text), vec![a])
}

pub fn int(x: u128) -> Val {
    Val::Int(x)
}

pub fn field(x: Fr) -> Val {
    Val::Field(x)
}

/// The rejection's display form.
pub fn shown(r: &Rejection) -> String {
    r.to_string()
}
