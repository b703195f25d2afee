//! Lowered programs run on the native executor: predication, short-circuit evaluation, bounds
//! checks, enum matching and checked arithmetic behave as the reference says.

mod common;

use common::*;
use stele_exec::{State, Tx, Val};

/// Runs every test of the fixture: `name: ok` or `name: rejected: reason (file:line:col)`.
fn run_tests(text: &str) -> String {
    let program = lower_fixture(text);
    let mut optimized = program.clone();
    stele_ir::optimize_verified(&mut optimized).unwrap();
    let mut out = String::new();
    for (i, t) in program.tests.iter().enumerate() {
        let raw = stele_exec::run_test(&program, i);
        let opt = stele_exec::run_test(&optimized, i);
        assert_eq!(raw, opt, "optimisation changed the outcome of {}", t.name);
        match raw {
            Ok(()) => out.push_str(&format!("{}: ok\n", t.name)),
            Err(r) => out.push_str(&format!("{}: rejected: {r}\n", t.name)),
        }
    }
    out
}

#[test]
fn predication_and_short_circuit() {
    let out = run_tests(
        r#"
fn checked_div(a: u64, b: u64) -> u64 {
    if b == 0 { 0 } else { a / b }
}

test untaken_assert_does_not_fire {
    let x = 0u64;
    let mut y = 5u64;
    if x > 3 {
        assert(false, "untaken");
        y = y - 10;
    }
    assert(y == 5, "y unchanged");
}

test taken_assert_fires {
    let mut n = 0u64;
    for i in 0..4u32 {
        if i == 2 {
            assert(n == 99, "second iteration");
        }
        n += 1;
    }
}

test runtime_condition {
    let xs = [3u64, 0, 7];
    let mut total = 0;
    for i in 0..3 {
        total += checked_div(21, xs[i]);
    }
    assert(total == 10, "7 + 0 + 3");
}

test and_short_circuits {
    let zero = [0u64][0];
    let ok = zero != 0 && 10 / zero > 1;
    assert(!ok, "false");
}

test or_short_circuits {
    let zero = [0u64][0];
    let ok = zero == 0 || 10 / zero > 1;
    assert(ok, "true");
}

test and_evaluates_right_side {
    let zero = [0u64][0];
    let ok = zero == 0 && 10 / zero > 1;
    assert(ok, "unreachable");
}
"#,
    );
    insta::assert_snapshot!(out, @r"
    untaken_assert_does_not_fire: ok
    taken_assert_fires: rejected: second iteration (src/main.stele:20:13)
    runtime_condition: ok
    and_short_circuits: ok
    or_short_circuits: ok
    and_evaluates_right_side: rejected: division by zero (src/main.stele:49:30)
    ");
}

#[test]
fn indices_enums_and_checks() {
    let out = run_tests(
        r#"
enum Shape { Dot, Square(u64), Rect(u64, u64), Flagged(bool, u8) }

fn area(s: Shape) -> u64 {
    match s {
        Shape::Dot => 0,
        Shape::Square(a) => a * a,
        Shape::Rect(w, h) => w * h,
        Shape::Flagged(f, n) => if f { n as u64 } else { 1000 },
    }
}

fn at(xs: [u64; 4], i: u32) -> u64 {
    xs[i]
}

test index_in_bounds {
    let mut xs = [1u64, 2, 3, 4];
    let i = [2u32][0];
    xs[i] = 30;
    xs[i + 1] += 10;
    assert(at(xs, i) == 30 && xs[3] == 14 && xs[0] == 1, "writes");
}

test index_out_of_bounds {
    let i = [4u32][0];
    let v = at([1, 2, 3, 4], i);
    assert(v == 0, "unreachable");
}

test enum_payloads {
    let shapes = [Shape::Dot, Shape::Square(3), Shape::Rect(2, 5), Shape::Flagged(true, 7), Shape::Flagged(false, 1)];
    let mut total = 0;
    for i in 0..5 {
        total += area(shapes[i]);
    }
    assert(total == 0 + 9 + 10 + 7 + 1000, "areas");
    assert(shapes[1] == Shape::Square(3) && shapes[1] != Shape::Square(4), "equality");
}

test overflow {
    let big = [255u8][0];
    let x = big + 1;
    assert(x == 0, "unreachable");
}

test underflow {
    let z = [0u64][0];
    let x = z - 1;
    assert(x == 0, "unreachable");
}

test narrowing_cast {
    let v = [300u64][0];
    let b = v as u8;
    assert(b == 44, "unreachable");
}

test shifts_and_field {
    let one = [1u64][0];
    assert(one << 63 == 9223372036854775808, "shl");
    let f: Field = 0 - 1;
    assert(f + 1 == 0, "field wraps");
    assert((7 as Field) / 7 == 1, "field division");
    let n = [64u32][0];
    let bad = one << n;
    assert(bad == 0, "unreachable");
}
"#,
    );
    insta::assert_snapshot!(out, @r"
    index_in_bounds: ok
    index_out_of_bounds: rejected: index out of bounds (src/main.stele:14:7)
    enum_payloads: ok
    overflow: rejected: arithmetic overflow (src/main.stele:43:17)
    underflow: rejected: arithmetic underflow (src/main.stele:49:15)
    narrowing_cast: rejected: cast overflow (src/main.stele:55:15)
    shifts_and_field: rejected: shift overflow (src/main.stele:66:19)
    ");
}

#[test]
fn transitions_on_state() {
    let text = r#"
struct Account { balance: u64, nonce: u32 }

state { accounts: Map<u32, Account, 8>, fees: u64, log: [u32; 3] }

transition deposit(to: u32, amount: u64) {
    state.accounts[to].balance += amount;
}

transition transfer(from: u32, to: u32, amount: u64, fee: u64) {
    let sender = state.accounts[from];
    assert(sender.balance >= amount + fee, "insufficient balance");
    state.accounts[from] = Account { balance: sender.balance - amount - fee, nonce: sender.nonce + 1 };
    state.accounts[to].balance += amount;
    if fee > 0 {
        state.fees += fee;
        state.log[sender.nonce % 3] = from;
    }
}
"#;
    let program = lower_fixture(text);
    let mut state = State::new(&program);
    let tx = |t: usize, args: &[u128]| Tx {
        transition: t,
        args: args.iter().map(|a| Val::Int(*a)).collect(),
    };
    let mut out = Vec::new();
    for (t, args) in [
        (0, vec![1, 100]),
        (1, vec![1, 2, 30, 5]),
        (1, vec![1, 2, 80, 0]),
        (1, vec![2, 1, 10, 0]),
        (0, vec![300, 1]),
    ] {
        out.push(
            match stele_exec::apply_tx(&program, &mut state, &tx(t, &args)) {
                Ok(()) => "applied".to_string(),
                Err(r) => format!("rejected: {r}"),
            },
        );
    }
    let json = state.to_json(&program);
    out.push(serde_json_string(&json));
    insta::assert_snapshot!(out.join("\n"), @r#"
    applied
    applied
    rejected: insufficient balance (src/main.stele:12:5)
    applied
    rejected: map key out of range (src/main.stele:7:19)
    {"accounts":{"1":{"balance":"75","nonce":1},"2":{"balance":"20","nonce":1}},"fees":"5","log":[1,0,0]}
    "#);
}

fn serde_json_string(v: &impl std::fmt::Display) -> String {
    v.to_string()
}

#[test]
fn map_entries_with_aliasing_keys_and_branches() {
    let text = r#"
state { m: Map<u8, u64, 4> }

transition alias(a: u8, b: u8, flag: bool) {
    let x = state.m[a];
    state.m[b] = x + 5;
    let y = state.m[a];
    if flag {
        state.m[a] = y + 1;
    }
    state.m[b] += state.m[a];
}
"#;
    let program = lower_fixture(text);
    let mut state = State::new(&program);
    for args in [[1, 1, 1], [1, 2, 0]] {
        let tx = Tx { transition: 0, args: args.iter().map(|a| Val::Int(*a)).collect() };
        stele_exec::apply_tx(&program, &mut state, &tx).unwrap();
    }
    insta::assert_snapshot!(state.to_json(&program).to_string(), @r#"{"m":{"1":"12","2":"29"}}"#);
}
