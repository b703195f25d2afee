//! MockProver tests of `stele_circuit::lower`: one IR transition lowered with the executor's
//! trace as its witness.
//!
//! - **Agreement**: every transaction of examples/counter and examples/vm (their
//!   `inputs/block.json`, applied in order) and of hand-written IR programs covering every
//!   operation at edge values, under guards on and off: a transaction the executor applies is
//!   proved (MockProver satisfied, every gadget output equal to the trace), one it rejects is
//!   not (the honest attempt has no satisfying witness).
//! - **Soundness**: a tampered result cell of every operation kind (through the gates' test-only
//!   fault hook), rejected transactions forced through, and tampered public inputs all fail.
//!
//! The harness is `support/harness.rs` (shared with `tests/random.rs`).

use std::cell::{Cell as StdCell, RefCell};
use std::path::Path;
use std::rc::Rc;

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::{Circuit, Error};
use stele_circuit::gates::Faults;
use stele_circuit::lower::LowerError;
use stele_exec::{Executable, State, Tx, Val, apply_tx_traced};
use stele_ir::Program;

#[path = "support/harness.rs"]
mod harness;

use harness::{TransitionCircuit, TxWitness};

/// What one MockProver run of a transaction gave.
#[derive(Debug)]
struct Run {
    satisfied: bool,
    rows: usize,
    /// What the witness put in the exposed cells (parameters, old state, new state).
    exposed: Vec<Fr>,
}

/// Like [`mock`], with the public instance taken from the witness itself: the parameters and
/// the old and new state that the (honest or forged) attempt computes. A rejected transaction
/// must then fail on its failing instruction's constraints, not on a mismatched new state.
fn mock_self_consistent(
    program: &Rc<Program>,
    function: usize,
    witness: TxWitness,
    old: &[Val],
    public_len: usize,
    faults: &Faults,
) -> Result<Run, LowerError> {
    let probe = mock(
        program,
        function,
        witness.clone(),
        old,
        vec![Fr::ZERO; public_len],
        faults,
    )?;
    assert_eq!(probe.exposed.len(), public_len, "exposed cells");
    mock(program, function, witness, old, probe.exposed, faults)
}

fn fr(v: &Val) -> Fr {
    v.to_fr()
}

/// The public instance: parameters, old state, new state.
fn instance(args: &[Val], old: &[Val], new: &[Val]) -> Vec<Fr> {
    args.iter().chain(old).chain(new).map(fr).collect()
}

thread_local! {
    /// The `k` found for each (program, transition), so large circuits are measured once.
    static K_CACHE: RefCell<std::collections::HashMap<(usize, usize), u32>> =
        RefCell::new(std::collections::HashMap::new());
}

/// MockProver panics when a cell lands beyond its usable rows; such panics are expected while
/// searching for `k`, so they are not printed.
fn quiet_row_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.to_string().contains("usable_rows") {
                default(info);
            }
        }));
    });
}

/// Runs MockProver on transition `function` with this witness and public instance, at the
/// smallest `k >= 9` that fits: k = 9 first, else a measuring synthesis at k = 18 gives the
/// rows (cached per transition).
fn mock(
    program: &Rc<Program>,
    function: usize,
    witness: TxWitness,
    old: &[Val],
    public: Vec<Fr>,
    faults: &Faults,
) -> Result<Run, LowerError> {
    quiet_row_panics();
    let circuit = TransitionCircuit {
        program: program.clone(),
        function,
        witness: Some(witness),
        old_state: old.iter().map(fr).collect(),
        faults: faults.clone(),
        rows: Rc::new(StdCell::new(0)),
        error: Rc::new(RefCell::new(None)),
        exposed: Rc::new(RefCell::new(Vec::new())),
    };
    let key = (Rc::as_ptr(program) as usize, function);
    let mut k = K_CACHE.with(|c| c.borrow().get(&key).copied()).unwrap_or(9);
    loop {
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            MockProver::run(k, &circuit, vec![public.clone()])
        }));
        match attempt {
            Ok(Ok(prover)) => {
                K_CACHE.with(|c| c.borrow_mut().insert(key, k));
                return Ok(Run {
                    satisfied: prover.verify().is_ok(),
                    rows: circuit.rows.get(),
                    exposed: circuit.exposed.borrow().clone(),
                });
            }
            Ok(Err(Error::Synthesis)) if circuit.error.borrow().is_some() => {
                return Err(circuit.error.borrow_mut().take().expect("checked"));
            }
            Ok(Err(e)) => panic!("synthesis failed at k = {k}: {e:?}"),
            Err(_) if k < 18 => {
                // Measure: synthesize once with room to spare, then use the smallest k.
                let measure = TransitionCircuit {
                    rows: Rc::new(StdCell::new(0)),
                    ..circuit.clone()
                };
                let _ = MockProver::run(18, &measure, vec![public.clone()]);
                let rows = measure.rows.get();
                let mut next = k + 1;
                while rows + 16 > (1usize << next) && next < 18 {
                    next += 1;
                }
                k = next;
            }
            Err(_) => panic!("transition does not fit in k = 18"),
        }
    }
}

/// Applies `tx` with the executor and proves it honestly: the MockProver verdict must match
/// the executor's. Returns the rows used and whether the executor applied it.
fn check_agreement(
    program: &Rc<Program>,
    exe: &Executable,
    state: &mut State,
    tx: &Tx,
) -> (usize, bool) {
    let old: Vec<Val> = state.scalars().to_vec();
    let trace = apply_tx_traced(exe, state, tx);
    let new: Vec<Val> = state.scalars().to_vec();
    let applied = trace.outcome.is_ok();
    let public = instance(&tx.args, &old, &new);
    let witness = TxWitness {
        args: tx.args.clone(),
        trace: Rc::new(trace),
        strict: true,
    };
    let name = &program.transitions[tx.transition].name;
    let result = if applied {
        mock(
            program,
            tx.transition,
            witness,
            &old,
            public,
            &Faults::none(),
        )
    } else {
        mock_self_consistent(
            program,
            tx.transition,
            witness,
            &old,
            public.len(),
            &Faults::none(),
        )
    };
    let run = match result {
        Ok(run) => run,
        Err(e) => panic!("{name} {:?}: lowering failed: {e}", tx.args),
    };
    assert_eq!(
        run.satisfied,
        applied,
        "{name} {:?}: executor {}, MockProver {}",
        tx.args,
        if applied { "applied" } else { "rejected" },
        if run.satisfied {
            "satisfied"
        } else {
            "not satisfied"
        }
    );
    (run.rows, applied)
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

fn example(name: &str) -> (Rc<Program>, Vec<Tx>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let program = stele_driver::compile(&stele_driver::load(&root), None, &mut |_, _| {})
        .program
        .expect("example compiles");
    let block: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("inputs/block.json")).expect("block.json"),
    )
    .expect("block json");
    let txs = stele_exec::decode_block(&program, &block).expect("block decodes");
    (Rc::new(program), txs)
}

/// Every transaction of an example's block, in order; returns the max rows per transition.
fn run_example(name: &str) -> Vec<(String, usize, usize)> {
    let (program, txs) = example(name);
    let exe = Executable::new(&program).expect("valid program");
    let mut state = State::new(&program);
    let mut rows = vec![0; program.transitions.len()];
    let mut applied = 0;
    for tx in &txs {
        let (r, ok) = check_agreement(&program, &exe, &mut state, tx);
        rows[tx.transition] = rows[tx.transition].max(r);
        applied += usize::from(ok);
    }
    println!(
        "{name}: {} transactions, {applied} applied, {} rejected",
        txs.len(),
        txs.len() - applied
    );
    program
        .transitions
        .iter()
        .zip(rows)
        .map(|(f, r)| (f.name.clone(), f.body.len(), r))
        .collect()
}

#[test]
fn counter_block_agrees() {
    let rows = run_example("counter");
    for (name, insts, rows) in rows {
        println!("| counter | {name} | {insts} | {rows} |");
    }
}

#[test]
fn vm_block_agrees() {
    let rows = run_example("vm");
    for (name, insts, rows) in rows {
        println!("| vm | {name} | {insts} | {rows} |");
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written IR
// ---------------------------------------------------------------------------------------------

const STATE: &str = "state {\n  sf: Field\n  sb: bool\n  s8: u8\n  s16: u16\n  s32: u32\n  s64: u64\n  s128: u128\n}\n";

fn slot_of(ty: &str) -> usize {
    match ty {
        "Field" => 0,
        "bool" => 1,
        "u8" => 2,
        "u16" => 3,
        "u32" => 4,
        "u64" => 5,
        "u128" => 6,
        _ => panic!("{ty}"),
    }
}

fn parse(text: &str) -> Rc<Program> {
    let program = stele_ir::parse(text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    stele_ir::verify(&program).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    Rc::new(program)
}

/// A program with one transition `t(x: A, y: B, g: bool)` whose body is one instruction
/// `%3: R = <op> %0, %1` (guarded by `g` when `guarded`), stored to the state slot of `R`.
fn binary_program(op: &str, a: &str, b: &str, r: &str, guarded: bool) -> Rc<Program> {
    let guard = if guarded { " if %2" } else { "" };
    let text = format!(
        "stele-ir 1\nchain \"ops\"\nfile 0 \"t.stele\"\n{STATE}\
         transition t(x: {a}, y: {b}, g: bool) @0:1:1 {{\n  %0: {a} = param 0\n  \
         %1: {b} = param 1\n  %2: bool = param 2\n  %3: {r} = {op} %0, %1{guard} @0:2:1\n  \
         sstore {} = %3\n}}\n",
        slot_of(r)
    );
    parse(&text)
}

fn uint_max(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// Edge values of a `uN`.
fn edges(bits: u32) -> Vec<u128> {
    let max = uint_max(bits);
    vec![0, 1, 2, 3, max / 2 + 1, max - 1, max]
}

fn args3(x: Val, y: Val, g: bool) -> Vec<Val> {
    vec![x, y, Val::Int(g.into())]
}

/// Runs every transaction on a fresh state (each one independently), checking agreement.
/// Returns (applied, rejected) counts.
fn agree_all(program: &Rc<Program>, txs: &[Vec<Val>]) -> (usize, usize) {
    let exe = Executable::new(program).expect("valid program");
    let (mut ok, mut bad) = (0, 0);
    for args in txs {
        let mut state = State::new(program);
        let tx = Tx {
            transition: 0,
            args: args.clone(),
        };
        let mut probe = state.clone();
        if stele_exec::apply_tx(&exe, &mut probe, &tx).is_ok() {
            ok += 1;
        } else {
            bad += 1;
        }
        check_agreement(program, &exe, &mut state, &tx);
    }
    (ok, bad)
}

/// Pairs of edge values for a binary operation, under guards on and off.
fn pair_cases(xs: &[u128], ys: &[u128]) -> Vec<Vec<Val>> {
    let mut out = Vec::new();
    for &x in xs {
        for &y in ys {
            out.push(args3(Val::Int(x), Val::Int(y), true));
        }
    }
    // Guard off on a few failing-looking pairs: nothing may fail.
    for (&x, &y) in xs.iter().zip(ys.iter().rev()) {
        out.push(args3(Val::Int(x), Val::Int(y), false));
    }
    out
}

#[test]
fn uint_arithmetic_agrees() {
    for bits in [8u32, 64, 128] {
        let ty = format!("u{bits}");
        let e = edges(bits);
        let few = vec![0, 1, 2, e[4], uint_max(bits)];
        for op in ["add", "sub", "mul", "div", "rem"] {
            for guarded in [true, false] {
                let program = binary_program(op, &ty, &ty, &ty, guarded);
                let cases = if guarded {
                    pair_cases(&few, &few)
                } else {
                    pair_cases(&few[..3], &few[2..])
                };
                let (ok, bad) = agree_all(&program, &cases);
                assert!(ok > 0, "{op} {ty}: some case applies");
                let total = !guarded && (op == "div" || op == "rem");
                assert!(bad > 0 || total, "{op} {ty}: some case fails");
            }
        }
    }
}

/// `x - y` under a guard `y <= x` (or `y < x`) needs no range check (it cannot underflow); the
/// lowering skips it. Agreement on edge values for both comparisons and both orientations (the
/// reversed one, `x <= y`, does not prove the difference in range: it must stay checked and
/// reject `x < y`), and the saving in rows.
#[test]
fn sub_under_its_comparison_agrees() {
    let program = |cmp: &str, x: &str, y: &str| {
        parse(&format!(
            "stele-ir 1\nchain \"ops\"\nfile 0 \"t.stele\"\n{STATE}\
             transition t(x: u64, y: u64, g: bool) @0:1:1 {{\n  %0: u64 = param 0\n  \
             %1: u64 = param 1\n  %2: bool = param 2\n  %3: bool = {cmp} {x}, {y} @0:2:1\n  \
             %4: u64 = sub %0, %1 if %3 @0:3:1\n  sstore 5 = %4\n}}\n"
        ))
    };
    let e = edges(64);
    let cases = pair_cases(&e, &e);
    let rows = |p: &Rc<Program>| {
        let exe = Executable::new(p).expect("valid program");
        let tx = Tx {
            transition: 0,
            args: args3(Val::Int(9), Val::Int(4), true),
        };
        check_agreement(p, &exe, &mut State::new(p), &tx).0
    };
    for cmp in ["le", "lt"] {
        let proved = program(cmp, "%1", "%0");
        let (ok, bad) = agree_all(&proved, &cases);
        assert_eq!((ok, bad), (cases.len(), 0), "{cmp} %1, %0: never fails");
        let reversed = program(cmp, "%0", "%1");
        let (ok, bad) = agree_all(&reversed, &cases);
        assert!(ok > 0 && bad > 0, "{cmp} %0, %1: underflow still rejected");
        // The checked subtraction's 64-bit range check (8 rows) is gone.
        assert!(
            rows(&proved) + 7 <= rows(&reversed),
            "{cmp}: {} rows vs {}",
            rows(&proved),
            rows(&reversed)
        );
    }
}

#[test]
fn comparisons_and_bitwise_agree() {
    for bits in [8u32, 64, 128] {
        let ty = format!("u{bits}");
        let few = vec![0, 1, uint_max(bits) / 2 + 1, uint_max(bits)];
        for (op, r) in [
            ("lt", "bool"),
            ("le", "bool"),
            ("eq", "bool"),
            ("and", ty.as_str()),
            ("or", ty.as_str()),
            ("xor", ty.as_str()),
        ] {
            let program = binary_program(op, &ty, &ty, r, true);
            let (ok, bad) = agree_all(&program, &pair_cases(&few, &few));
            assert!(ok > 0 && bad == 0, "{op} {ty} never fails");
        }
    }
    for op in ["and", "or", "xor", "eq"] {
        let program = binary_program(op, "bool", "bool", "bool", true);
        let mut cases = Vec::new();
        for x in 0..2u128 {
            for y in 0..2u128 {
                for g in [true, false] {
                    cases.push(args3(Val::Int(x), Val::Int(y), g));
                }
            }
        }
        agree_all(&program, &cases);
    }
}

#[test]
fn shifts_agree() {
    for bits in [8u32, 32, 128] {
        let ty = format!("u{bits}");
        let xs = vec![0, 1, 0xA5, uint_max(bits)];
        let ks = vec![
            0,
            1,
            u128::from(bits) - 1,
            u128::from(bits),
            u128::from(u32::MAX),
        ];
        for op in ["shl", "shr"] {
            let program = binary_program(op, &ty, "u32", &ty, true);
            let (ok, bad) = agree_all(&program, &pair_cases(&xs, &ks));
            assert!(ok > 0 && bad > 0, "{op} {ty}");
        }
    }
}

#[test]
fn field_ops_agree() {
    let minus_one = -Fr::ONE;
    let vals = [Fr::ZERO, Fr::ONE, Fr::from(7), minus_one];
    for op in ["add", "sub", "mul", "div", "eq"] {
        let r = if op == "eq" { "bool" } else { "Field" };
        for guarded in [true, false] {
            let program = binary_program(op, "Field", "Field", r, guarded);
            let mut cases = Vec::new();
            for x in vals {
                for y in vals {
                    cases.push(args3(Val::Field(x), Val::Field(y), true));
                }
                cases.push(args3(Val::Field(x), Val::Field(Fr::ZERO), false));
            }
            let (_, bad) = agree_all(&program, &cases);
            assert_eq!(bad > 0, op == "div", "{op}: only division fails");
        }
    }
}

/// Unary operations, casts, select, pick, assert and constants, with one parameter `x` of type
/// `a` and a guard `g`.
fn unary_program(body: &str, a: &str, r: &str) -> Rc<Program> {
    let text = format!(
        "stele-ir 1\nchain \"ops\"\nfile 0 \"t.stele\"\n{STATE}\
         transition t(x: {a}, g: bool) @0:1:1 {{\n  %0: {a} = param 0\n  \
         %1: bool = param 1\n{body}\n  sstore {} = %9\n}}\n",
        slot_of(r)
    );
    parse(&text)
}

fn unary_cases(xs: &[Val]) -> Vec<Vec<Val>> {
    let mut out = Vec::new();
    for x in xs {
        for g in [true, false] {
            out.push(vec![*x, Val::Int(g.into())]);
        }
    }
    out
}

#[test]
fn unary_cast_select_pick_assert_agree() {
    let ints = |bits| edges(bits).into_iter().map(Val::Int).collect::<Vec<Val>>();
    // not on uN and bool, neg on Field.
    for bits in [8u32, 64, 128] {
        let t = format!("u{bits}");
        let p = unary_program(&format!("  %9: {t} = not %0 if %1"), &t, &t);
        agree_all(&p, &unary_cases(&ints(bits)));
    }
    let p = unary_program("  %9: bool = not %0 if %1", "bool", "bool");
    agree_all(&p, &unary_cases(&[Val::Int(0), Val::Int(1)]));
    let fields = [
        Val::Field(Fr::ZERO),
        Val::Field(Fr::from(5)),
        Val::Field(-Fr::ONE),
    ];
    let p = unary_program("  %9: Field = neg %0 if %1", "Field", "Field");
    agree_all(&p, &unary_cases(&fields));

    // Casts: narrowing (fallible), widening, to Field, from bool, from Field.
    for (from, to) in [
        ("u64", "u8"),
        ("u128", "u64"),
        ("u128", "u8"),
        ("u8", "u64"),
        ("u64", "u128"),
        ("u64", "Field"),
        ("bool", "u8"),
        ("bool", "Field"),
    ] {
        for guard in [" if %1", ""] {
            let p = unary_program(&format!("  %9: {to} = cast %0{guard}"), from, to);
            let xs = match from {
                "bool" => vec![Val::Int(0), Val::Int(1)],
                "u8" => ints(8),
                "u64" => ints(64),
                _ => ints(128),
            };
            let (_, bad) = agree_all(&p, &unary_cases(&xs));
            let narrowing = matches!((from, to), ("u64", "u8") | ("u128", _));
            assert_eq!(bad > 0, narrowing, "cast {from} -> {to}{guard}");
        }
    }
    let big = |x: u128| Val::Field(Fr::from_u128(x));
    let fields = [
        big(0),
        big(255),
        big(256),
        big(u128::from(u64::MAX)),
        big(u128::MAX),
        Val::Field(-Fr::ONE),
    ];
    for to in ["u8", "u64", "u128"] {
        let p = unary_program(&format!("  %9: {to} = cast %0 if %1"), "Field", to);
        let (ok, bad) = agree_all(&p, &unary_cases(&fields));
        assert!(ok > 0 && bad > 0, "cast Field -> {to}");
    }

    // select (guarded and not), constants, pick in and out of range with a bounds assert.
    let sel = "  %2: u64 = const 18446744073709551615\n  %3: u64 = const 7\n  \
               %9: u64 = select %1, %2, %3 if %0";
    let p = unary_program(sel, "bool", "u64");
    agree_all(&p, &unary_cases(&[Val::Int(0), Val::Int(1)]));
    let pick = "  %2: u64 = const 10\n  %3: u64 = const 20\n  %4: u64 = const 30\n  \
                %5: u32 = const 3\n  %6: bool = lt %0, %5\n  assert %6, \"index out of bounds\" if %1\n  \
                %9: u64 = pick %0, [%2, %3, %4] if %1";
    let p = unary_program(pick, "u32", "u64");
    let (ok, bad) = agree_all(
        &p,
        &unary_cases(&[
            Val::Int(0),
            Val::Int(2),
            Val::Int(3),
            Val::Int(u128::from(u32::MAX)),
        ]),
    );
    assert!(ok > 0 && bad > 0);
    // A pick without an assert is total: out of range gives 0.
    let pick0 = "  %2: bool = const 1\n  %3: bool = const 0\n  %9: bool = pick %0, [%2, %3]";
    let p = unary_program(pick0, "u8", "bool");
    let (_, bad) = agree_all(&p, &unary_cases(&[Val::Int(0), Val::Int(1), Val::Int(9)]));
    assert_eq!(bad, 0);
}

#[test]
fn state_loads_and_guarded_stores_agree() {
    // Reads two state scalars, stores under a guard, then stores again unguarded.
    let text = format!(
        "stele-ir 1\nchain \"ops\"\nfile 0 \"t.stele\"\n{STATE}\
         transition t(x: u64, g: bool) @0:1:1 {{\n  %0: u64 = param 0\n  %1: bool = param 1\n  \
         %2: u64 = sload 5\n  %3: u64 = add %2, %0 if %1 @0:2:1\n  sstore 5 = %3 if %1\n  \
         %4: u8 = sload 2\n  %5: u8 = const 1\n  %6: u8 = add %4, %5 @0:3:1\n  sstore 2 = %6\n  \
         %7: bool = not %1\n  sstore 1 = %7 if %1\n}}\n"
    );
    let program = parse(&text);
    let exe = Executable::new(&program).expect("valid");
    let mut state = State::new(&program);
    for (x, g) in [
        (5u128, true),
        (7, false),
        (u128::from(u64::MAX), true),
        (1, true),
    ] {
        let tx = Tx {
            transition: 0,
            args: vec![Val::Int(x), Val::Int(g.into())],
        };
        check_agreement(&program, &exe, &mut state, &tx);
    }
    // 255 increments of the u8 counter, then the 256th overflows: jump there via the trace of
    // a state with s8 = 255 is not reachable by JSON here, so drive it.
    for _ in 0..250 {
        let tx = Tx {
            transition: 0,
            args: vec![Val::Int(0), Val::Int(0)],
        };
        stele_exec::apply_tx(&exe, &mut state, &tx).expect("applies");
    }
    for _ in 0..3 {
        let tx = Tx {
            transition: 0,
            args: vec![Val::Int(0), Val::Int(0)],
        };
        check_agreement(&program, &exe, &mut state, &tx);
    }
}

#[test]
fn maps_and_hash_are_the_callers() {
    let text = format!(
        "stele-ir 1\nchain \"ops\"\nfile 0 \"t.stele\"\n{STATE}\
         transition t(x: Field, g: bool) @0:1:1 {{\n  %0: Field = param 0\n  %1: bool = param 1\n  \
         %9: Field = hash [%0, %0]\n  sstore 0 = %9\n}}\n"
    );
    let program = parse(&text);
    let exe = Executable::new(&program).expect("valid");
    let mut state = State::new(&program);
    let tx = Tx {
        transition: 0,
        args: vec![Val::Field(Fr::ONE), Val::Int(1)],
    };
    let old = state.scalars().to_vec();
    let trace = apply_tx_traced(&exe, &mut state, &tx);
    let w = TxWitness {
        args: tx.args.clone(),
        trace: Rc::new(trace),
        strict: true,
    };
    let public = instance(&tx.args, &old, state.scalars());
    let err = mock(&program, 0, w, &old, public, &Faults::none()).unwrap_err();
    assert!(matches!(err, LowerError::Unsupported(_)), "{err}");
}

#[test]
fn enum_and_bool_params_are_validated() {
    // An enum parameter: a tag below 3, payloads typed per variant, unused slots zero.
    let text = "stele-ir 1\nchain \"ops\"\nfile 0 \"t.stele\"\n\
                enum E { A(u8), B(bool, Field), C }\nstate {\n  s: u32\n}\n\
                transition t(e: E, b: bool) @0:1:1 {\n  %0: u32 = param 0\n  sstore 0 = %0\n}\n";
    let program = parse(text);
    let exe = Executable::new(&program).expect("valid");
    let f = |x: u128| Val::Int(x);
    let fl = |x: u64| Val::Field(Fr::from(x));
    let cases: Vec<Vec<Val>> = vec![
        vec![f(0), fl(255), fl(0), f(1)], // A(255)
        vec![f(0), fl(256), fl(0), f(1)], // A(256): out of range
        vec![f(0), fl(1), fl(1), f(0)],   // A with a nonzero unused slot
        vec![f(1), fl(1), fl(99), f(0)],  // B(true, 99)
        vec![f(1), fl(2), fl(99), f(0)],  // B(2, ..): not a bool
        vec![f(2), fl(0), fl(0), f(1)],   // C
        vec![f(2), fl(0), fl(1), f(1)],   // C with payload
        vec![f(3), fl(0), fl(0), f(1)],   // tag out of range
        vec![f(0), fl(0), fl(0), f(2)],   // b = 2
    ];
    let mut verdicts = Vec::new();
    for args in cases {
        let mut state = State::new(&program);
        let old = state.scalars().to_vec();
        let tx = Tx {
            transition: 0,
            args: args.clone(),
        };
        let trace = apply_tx_traced(&exe, &mut state, &tx);
        let applied = trace.outcome.is_ok();
        let public = instance(&args, &old, state.scalars());
        let w = TxWitness {
            args: args.clone(),
            trace: Rc::new(trace),
            strict: false,
        };
        let run = if applied {
            mock(&program, 0, w, &old, public, &Faults::none())
        } else {
            mock_self_consistent(&program, 0, w, &old, public.len(), &Faults::none())
        }
        .expect("lowers");
        assert_eq!(run.satisfied, applied, "{args:?}");
        verdicts.push(applied);
    }
    assert_eq!(
        verdicts,
        [true, false, false, true, false, true, false, false, false]
    );
}

// ---------------------------------------------------------------------------------------------
// Soundness
// ---------------------------------------------------------------------------------------------

/// Proves an applied transaction honestly except for `faults` (the trace comparison off): the
/// fault must land and MockProver must reject.
fn assert_tamper_rejected(program: &Rc<Program>, args: Vec<Val>, faults: Faults, what: &str) {
    let exe = Executable::new(program).expect("valid");
    let mut state = State::new(program);
    let old = state.scalars().to_vec();
    let tx = Tx {
        transition: 0,
        args: args.clone(),
    };
    let trace = apply_tx_traced(&exe, &mut state, &tx);
    assert!(
        trace.outcome.is_ok(),
        "{what}: the honest transaction applies"
    );
    let public = instance(&args, &old, state.scalars());
    let w = TxWitness {
        args,
        trace: Rc::new(trace),
        strict: false,
    };
    let honest = mock(program, 0, w.clone(), &old, public.clone(), &Faults::none()).unwrap();
    assert!(honest.satisfied, "{what}: honest run");
    let run = mock(program, 0, w, &old, public, &faults).unwrap();
    assert!(faults.hits() > 0, "{what}: the fault did not land");
    assert!(!run.satisfied, "{what}: a tampered result was accepted");
}

/// (op, operand types, result type, arguments, label of the cell to tamper, its occurrence).
type BinaryTamper = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Vec<Val>,
    &'static str,
    usize,
);

/// (body, parameter type, result type, arguments, label, occurrence).
type UnaryTamper = (
    &'static str,
    &'static str,
    &'static str,
    Vec<Val>,
    &'static str,
    usize,
);

#[test]
fn tampered_results_are_rejected() {
    let u = |x: u128| Val::Int(x);
    let f = |x: u64| Val::Field(Fr::from(x));
    let one = Fr::ONE;
    // (op, a, b, r, args, label of the result cell)
    let cases: Vec<BinaryTamper> = vec![
        (
            "add",
            "u64",
            "u64",
            "u64",
            vec![u(3), u(4), u(1)],
            "add.sum",
            0,
        ),
        (
            "sub",
            "u64",
            "u64",
            "u64",
            vec![u(9), u(4), u(1)],
            "sub.diff",
            0,
        ),
        (
            "mul",
            "u64",
            "u64",
            "u64",
            vec![u(3), u(4), u(1)],
            "mul.prod",
            0,
        ),
        (
            "mul",
            "u128",
            "u128",
            "u128",
            vec![u(3), u(4), u(1)],
            "mul.prod",
            0,
        ),
        (
            "div",
            "u32",
            "u32",
            "u32",
            vec![u(9), u(4), u(1)],
            "div.q",
            0,
        ),
        (
            "rem",
            "u32",
            "u32",
            "u32",
            vec![u(9), u(4), u(1)],
            "div.rem",
            0,
        ),
        (
            "and",
            "u8",
            "u8",
            "u8",
            vec![u(12), u(10), u(1)],
            "and.out",
            2,
        ),
        (
            "or",
            "u8",
            "u8",
            "u8",
            vec![u(12), u(10), u(1)],
            "or.out",
            1,
        ),
        (
            "xor",
            "u8",
            "u8",
            "u8",
            vec![u(12), u(10), u(1)],
            "xor.out",
            3,
        ),
        (
            "and",
            "u8",
            "u8",
            "u8",
            vec![u(12), u(10), u(1)],
            "mul_add.out",
            20,
        ),
        (
            "shl",
            "u16",
            "u32",
            "u16",
            vec![u(0x1234), u(4), u(1)],
            "uint",
            1,
        ),
        (
            "shr",
            "u16",
            "u32",
            "u16",
            vec![u(0x1234), u(4), u(1)],
            "uint",
            0,
        ),
        (
            "lt",
            "u64",
            "u64",
            "bool",
            vec![u(3), u(4), u(1)],
            "lt.bit",
            0,
        ),
        (
            "le",
            "u64",
            "u64",
            "bool",
            vec![u(4), u(4), u(1)],
            "lt.bit",
            0,
        ),
        (
            "eq",
            "u64",
            "u64",
            "bool",
            vec![u(4), u(4), u(1)],
            "is_equal.out",
            0,
        ),
        (
            "and",
            "bool",
            "bool",
            "bool",
            vec![u(1), u(1), u(1)],
            "and.out",
            0,
        ),
        (
            "add",
            "Field",
            "Field",
            "Field",
            vec![f(3), f(4), u(1)],
            "add.out",
            0,
        ),
        (
            "sub",
            "Field",
            "Field",
            "Field",
            vec![f(3), f(4), u(1)],
            "sub.out",
            0,
        ),
        (
            "mul",
            "Field",
            "Field",
            "Field",
            vec![f(3), f(4), u(1)],
            "mul.out",
            0,
        ),
        (
            "div",
            "Field",
            "Field",
            "Field",
            vec![f(3), f(4), u(1)],
            "inv.out",
            0,
        ),
        (
            "div",
            "Field",
            "Field",
            "Field",
            vec![f(3), f(4), u(1)],
            "mul.out",
            0,
        ),
        // The mask of an infallible result under its guard.
        (
            "eq",
            "u64",
            "u64",
            "bool",
            vec![u(4), u(4), u(1)],
            "mask.out",
            0,
        ),
    ];
    for (op, a, b, r, args, label, nth) in cases {
        let program = binary_program(op, a, b, r, true);
        let what = format!("{op} {a} ({label} #{nth})");
        assert_tamper_rejected(&program, args, Faults::none().add(label, nth, one), &what);
    }
    // Unary, cast, select, pick, const, param, sload.
    let unary: Vec<UnaryTamper> = vec![
        (
            "  %9: u64 = not %0 if %1",
            "u64",
            "u64",
            vec![u(5), u(1)],
            "not.out",
            0,
        ),
        (
            "  %9: bool = not %0",
            "bool",
            "bool",
            vec![u(0), u(1)],
            "not.out",
            0,
        ),
        (
            "  %9: Field = neg %0",
            "Field",
            "Field",
            vec![f(5), u(1)],
            "neg.out",
            0,
        ),
        (
            "  %9: u8 = cast %0 if %1",
            "u64",
            "u8",
            vec![u(200), u(1)],
            "cast.out",
            0,
        ),
        (
            "  %9: u64 = cast %0 if %1",
            "u8",
            "u64",
            vec![u(200), u(1)],
            "mask.out",
            0,
        ),
        (
            "  %2: u64 = const 1\n  %9: u64 = select %1, %0, %2",
            "u64",
            "u64",
            vec![u(7), u(1)],
            "select.out",
            0,
        ),
        (
            "  %2: u64 = const 1\n  %3: u64 = const 2\n  %9: u64 = pick %0, [%2, %3]",
            "u8",
            "u64",
            vec![u(1), u(1)],
            "select.out",
            0,
        ),
        (
            "  %2: u64 = const 1\n  %3: u64 = const 2\n  %9: u64 = pick %0, [%2, %3]",
            "u8",
            "u64",
            vec![u(1), u(1)],
            "bit",
            0,
        ),
        (
            "  %2: u64 = const 1\n  %3: u64 = const 2\n  %9: u64 = pick %0, [%2, %3]",
            "u8",
            "u64",
            vec![u(1), u(1)],
            "uint",
            0,
        ),
        (
            "  %9: u64 = const 77",
            "u8",
            "u64",
            vec![u(1), u(1)],
            "const",
            0,
        ),
        (
            "  %9: u8 = add %0, %0",
            "u8",
            "u8",
            vec![u(1), u(1)],
            "witness",
            0,
        ),
        (
            "  %9: u64 = sload 5",
            "u8",
            "u64",
            vec![u(1), u(1)],
            "witness",
            2,
        ),
    ];
    for (body, a, r, args, label, nth) in unary {
        let program = unary_program(body, a, r);
        let what = format!("{body} ({label} #{nth})");
        assert_tamper_rejected(&program, args, Faults::none().add(label, nth, one), &what);
    }
}

#[test]
fn tampered_public_inputs_are_rejected() {
    let (program, txs) = example("counter");
    let exe = Executable::new(&program).expect("valid");
    let mut state = State::new(&program);
    let tx = &txs[0];
    let old = state.scalars().to_vec();
    let trace = Rc::new(apply_tx_traced(&exe, &mut state, tx));
    let new = state.scalars().to_vec();
    let public = instance(&tx.args, &old, &new);
    let w = TxWitness {
        args: tx.args.clone(),
        trace,
        strict: true,
    };
    let ok = mock(
        &program,
        0,
        w.clone(),
        &old,
        public.clone(),
        &Faults::none(),
    )
    .unwrap();
    assert!(ok.satisfied);
    let n = tx.args.len();
    let s = old.len();
    for (i, what) in [
        (0, "param"),
        (n, "old state"),
        (n + s, "new state"),
        (n + 2 * s - 1, "new state"),
    ] {
        let mut bad = public.clone();
        bad[i] += Fr::ONE;
        let run = mock(&program, 0, w.clone(), &old, bad, &Faults::none()).unwrap();
        assert!(!run.satisfied, "tampered {what} (instance {i}) accepted");
    }
}

/// A rejected transaction forced through: the executor's honest attempt is not satisfied (as in
/// the agreement tests), and neither is a witness forged at the failing instruction.
#[test]
fn forced_rejections_are_rejected() {
    let u = |x: u128| Val::Int(x);
    let minus = -Fr::ONE;
    // Overflow under guard 1, forging the wrapped sum to look in range.
    let p = binary_program("add", "u8", "u8", "u8", true);
    force(
        &p,
        vec![u(200), u(100), u(1)],
        Faults::none().add("add.sum", 0, -Fr::from(256)),
    );
    // Underflow, forged to the wrapped difference.
    let p = binary_program("sub", "u8", "u8", "u8", true);
    force(
        &p,
        vec![u(1), u(2), u(1)],
        Faults::none().add("sub.diff", 0, Fr::from(256)),
    );
    // Division by zero with a forged quotient.
    let p = binary_program("div", "u8", "u8", "u8", true);
    force(
        &p,
        vec![u(5), u(0), u(1)],
        Faults::none().set("div.q", 0, Fr::from(3)),
    );
    // Out-of-range cast, forged to the truncated value.
    let p = unary_program("  %9: u8 = cast %0 if %1", "u64", "u8");
    force(
        &p,
        vec![u(300), u(1)],
        Faults::none().add("cast.out", 0, -Fr::from(256)),
    );
    // Failing assert: forge the condition to 1.
    let p = binary_program("lt", "u8", "u8", "bool", true);
    let _ = p;
    let assert_body = "  %2: u8 = const 10\n  %3: bool = lt %0, %2\n  assert %3, \"small\" if %1\n  \
                       %9: u8 = add %0, %0 if %1";
    let p = unary_program(assert_body, "u8", "u8");
    force(
        &p,
        vec![u(50), u(1)],
        Faults::none().set("lt.bit", 0, Fr::ONE),
    );
    // Out-of-bounds pick via the index assert.
    let pick = "  %2: u64 = const 10\n  %3: u64 = const 20\n  %5: u32 = const 2\n  \
                %6: bool = lt %0, %5\n  assert %6, \"oob\" if %1\n  %9: u64 = pick %0, [%2, %3] if %1";
    let p = unary_program(pick, "u32", "u64");
    force(
        &p,
        vec![u(7), u(1)],
        Faults::none().set("lt.bit", 0, Fr::ONE),
    );
    // Shift overflow with a forged power.
    let p = binary_program("shl", "u8", "u32", "u8", true);
    force(
        &p,
        vec![u(1), u(8), u(1)],
        // The amount 8 is out of range (a zero power, masked by `8 >> 3 == 0`): forge `2^7`.
        Faults::none().set("mask.out", 2, Fr::from(128)),
    );
    // Field division by zero with a forged inverse.
    let p = binary_program("div", "Field", "Field", "Field", true);
    force(
        &p,
        vec![Val::Field(minus), Val::Field(Fr::ZERO), u(1)],
        Faults::none().set("inv.out", 0, Fr::ONE),
    );
}

fn force(program: &Rc<Program>, args: Vec<Val>, faults: Faults) {
    let exe = Executable::new(program).expect("valid");
    let mut state = State::new(program);
    let old = state.scalars().to_vec();
    let tx = Tx {
        transition: 0,
        args: args.clone(),
    };
    let trace = apply_tx_traced(&exe, &mut state, &tx);
    assert!(trace.outcome.is_err(), "{args:?}: the executor rejects");
    let public = instance(&args, &old, &old);
    let w = TxWitness {
        args: args.clone(),
        trace: Rc::new(trace),
        strict: false,
    };
    let n = public.len();
    let honest = mock_self_consistent(program, 0, w.clone(), &old, n, &Faults::none()).unwrap();
    assert!(!honest.satisfied, "{args:?}: honest attempt accepted");
    let run = mock_self_consistent(program, 0, w, &old, n, &faults).unwrap();
    assert!(faults.hits() > 0, "{args:?}: fault did not land");
    assert!(!run.satisfied, "{args:?}: forged witness accepted");
}

/// Key generation synthesizes without a witness (every value unknown): the lowering must not
/// need one, and must lay out the same circuit (a real proof of counter's `increment` verifies
/// against the key made without a witness).
#[test]
fn keygen_without_witness_and_real_proof() {
    use halo2_proofs::halo2curves::bn256::Bn256;

    use halo2_proofs::poly::kzg::commitment::ParamsKZG;

    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;

    let (program, txs) = example("counter");
    let exe = Executable::new(&program).expect("valid");
    let mut state = State::new(&program);
    let tx = &txs[0];
    let old = state.scalars().to_vec();
    let trace = apply_tx_traced(&exe, &mut state, tx);
    let public = instance(&tx.args, &old, state.scalars());
    let circuit = TransitionCircuit {
        program: program.clone(),
        function: tx.transition,
        witness: Some(TxWitness {
            args: tx.args.clone(),
            trace: Rc::new(trace),
            strict: true,
        }),
        old_state: old.iter().map(fr).collect(),
        faults: Faults::none(),
        rows: Rc::new(StdCell::new(0)),
        error: Rc::new(RefCell::new(None)),
        exposed: Rc::new(RefCell::new(Vec::new())),
    };
    let k = 9;
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed([3; 32])); // test-only SRS
    let blank = circuit.without_witnesses();
    let (vk, pk) = stele_circuit::proof::keygen(&params, &blank).expect("keys");
    let proof = stele_circuit::proof::prove(
        &params,
        &pk,
        circuit,
        &[&public],
        ChaCha20Rng::from_seed([4; 32]),
    )
    .expect("proof");
    let verify = |public: &[Fr]| stele_circuit::proof::verify(&params, &vk, &[public], &proof);
    assert!(verify(&public), "the proof verifies");
    let mut wrong = public.clone();
    *wrong.last_mut().expect("state") += Fr::ONE;
    assert!(!verify(&wrong), "a different new state does not");
}
