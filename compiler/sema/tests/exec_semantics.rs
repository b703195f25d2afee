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
    // `state.zero` is a run-time 0 (tests run on the default state), so nothing folds away.
    let out = run_tests(
        r#"
state { zero: u64, log: [u64; 4] }

fn checked_div(a: u64, b: u64) -> u64 {
    if b == 0 { 0 } else { a / b }
}

test untaken_assert_does_not_fire {
    let x = state.zero;
    let mut y = x + 5;
    if x > 3 {
        assert(false, "untaken");
        y = y - 10;
        state.log[0] = 1;
    }
    assert(y == 5 && state.log[0] == 0, "y unchanged");
}

test taken_assert_fires {
    let mut n = state.zero;
    for i in 0..4u32 {
        if n == 2 {
            assert(i == 99, "third iteration");
        }
        n += 1;
    }
}

test runtime_condition {
    let z = state.zero;
    let xs = [z + 3, z, z + 7];
    let mut total = 0;
    for i in 0..3 {
        total += checked_div(21, xs[i]);
    }
    assert(total == 10, "7 + 0 + 3");
}

test and_short_circuits {
    let zero = state.zero;
    let ok = zero != 0 && 10 / zero > 1;
    assert(!ok, "false");
}

test or_short_circuits {
    let zero = state.zero;
    let ok = zero == 0 || 10 / zero > 1;
    assert(ok, "true");
}

test and_evaluates_right_side {
    let zero = state.zero;
    let ok = zero == 0 && 10 / zero > 1;
    assert(ok, "unreachable");
}

test state_merges {
    let z = state.zero;
    for i in 0..4 {
        if z + (i as u64) < 2 {
            state.log[i] = 10 + i as u64;
        } else {
            state.log[i] += 1;
        }
    }
    assert(state.log[0] == 10 && state.log[1] == 11 && state.log[2] == 1 && state.log[3] == 1, "merged");
}
"#,
    );
    insta::assert_snapshot!(out, @r"
    untaken_assert_does_not_fire: ok
    taken_assert_fires: rejected: third iteration (src/main.stele:23:13)
    runtime_condition: ok
    and_short_circuits: ok
    or_short_circuits: ok
    and_evaluates_right_side: rejected: division by zero (src/main.stele:53:30)
    state_merges: ok
    ");
}

#[test]
fn indices_enums_and_checks() {
    let out = run_tests(
        r#"
enum Shape { Dot, Square(u64), Rect(u64, u64), Flagged(bool, u8) }

state { zero: u32, shapes: [Shape; 5] }

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
    let i = state.zero + 2;
    xs[i] = 30;
    xs[i + 1] += 10;
    assert(at(xs, i) == 30 && xs[3] == 14 && xs[0] == 1, "writes");
}

test index_out_of_bounds {
    let i = state.zero + 4;
    let v = at([1, 2, 3, 4], i);
    assert(v == 0, "unreachable");
}

test enum_payloads {
    state.shapes = [Shape::Dot, Shape::Square(3), Shape::Rect(2, 5), Shape::Flagged(true, 7), Shape::Flagged(false, 1)];
    let shapes = state.shapes;
    let mut total = 0;
    for i in 0..5 {
        total += area(shapes[i]);
    }
    assert(total == 0 + 9 + 10 + 7 + 1000, "areas");
    assert(shapes[1] == Shape::Square(3) && shapes[1] != Shape::Square(4), "equality");
}

test overflow {
    let big = state.zero as u8 + 255;
    let x = big + 1;
    assert(x == 0, "unreachable");
}

test underflow {
    let z = state.zero as u64;
    let x = z - 1;
    assert(x == 0, "unreachable");
}

test narrowing_cast {
    let v = state.zero as u64 + 300;
    let b = v as u8;
    assert(b == 44, "unreachable");
}

test shifts_and_field {
    let one = state.zero as u64 + 1;
    assert(one << 63 == 9223372036854775808, "shl");
    let f: Field = 0 - 1;
    assert(f + 1 == 0, "field wraps");
    assert((7 as Field) / 7 == 1, "field division");
    let n = state.zero + 64;
    let bad = one << n;
    assert(bad == 0, "unreachable");
}
"#,
    );
    insta::assert_snapshot!(out, @r"
    index_in_bounds: ok
    index_out_of_bounds: rejected: index out of bounds (src/main.stele:16:7)
    enum_payloads: ok
    overflow: rejected: arithmetic overflow (src/main.stele:46:17)
    underflow: rejected: arithmetic underflow (src/main.stele:52:15)
    narrowing_cast: rejected: cast overflow (src/main.stele:58:15)
    shifts_and_field: rejected: shift overflow (src/main.stele:69:19)
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
        let tx = Tx {
            transition: 0,
            args: args.iter().map(|a| Val::Int(*a)).collect(),
        };
        stele_exec::apply_tx(&program, &mut state, &tx).unwrap();
    }
    insta::assert_snapshot!(state.to_json(&program).to_string(), @r#"{"m":{"1":"12","2":"29"}}"#);
}

#[test]
fn edge_cases() {
    let out = run_tests(
        r#"
enum Never {}
struct Empty {}

state { zero: u32 }

fn pick(n: Never) -> u64 {
    match n {}
}

fn first<const N: u32>(xs: [u64; N]) -> u64 {
    if N > 0 { xs[0] } else { 0 }
}

test empty_things {
    let e = Empty {};
    assert(e == Empty {}, "empty structs are equal");
    let none: [u64; 0] = [];
    assert(first(none) == 0 && first([5, 6]) == 5, "first");
    let t = ((1u8, true), [2u16; 2]);
    let ((a, b), c) = t;
    assert(a == 1 && b && c[1] == 2, "nested tuples");
}

test nested_writes {
    let mut grid = [[0u8; 3]; 3];
    let i = state.zero + 1;
    let j = state.zero + 2;
    grid[i][j] = 7;
    grid[j][i] += 3;
    let mut pts = [(0u64, false); 2];
    pts[i].0 = 9;
    pts[i].1 = true;
    assert(grid[1][2] == 7 && grid[2][1] == 3 && grid[0][0] == 0, "grid");
    assert(pts[1].0 == 9 && pts[1].1 && !pts[0].1, "tuples in arrays");
}
"#,
    );
    insta::assert_snapshot!(out, @r"
    empty_things: ok
    nested_writes: ok
    ");
}

#[test]
fn language_tour() {
    let out = run_tests(
        r#"
use std::hash::poseidon;
use std::math::{max, sum};

const N: u32 = 3;
const PRIMES: [u64; N] = [2, 3, 5];
const ORIGIN: Point = Point { x: 0, y: 0 };
const START: Dir = Dir::Up(1);
const BIG: u128 = (1u128 << 100) + 1;

struct Point { x: u64, y: u64 }
enum Dir { Up(u8), Down(u8), Stay }

fn step(p: Point, d: Dir) -> Point {
    match d {
        Dir::Up(n) => Point { x: p.x, y: p.y + n as u64 },
        Dir::Down(n) => Point { x: p.x, y: p.y - n as u64 },
        Dir::Stay => p,
    }
}

fn total<const K: u32>(xs: [u64; K]) -> u64 {
    sum(xs)
}

fn twice<const K: u32>(xs: [u64; K]) -> u64 {
    total::<K>(xs) + total(xs)
}

fn classify(x: u8) -> u8 {
    if x < 10 { 0 } else if x < 100 { 1 } else { 2 }
}

test tour {
    let p = step(step(ORIGIN, START), Dir::Up(4));
    assert(p.y == 5 && p.x == 0, "steps");
    assert(twice(PRIMES) == 20, "generic calls");
    let mut acc = 0u64;
    for i in 0..N {
        acc = max(acc, PRIMES[i]);
    }
    assert(acc == 5, "max");
    let x = 6u8;
    let x = x << 2;
    assert(x == 24 && !x == 231 && (x ^ 255) == 231 && (x | 1) == 25 && (x & 8) == 8, "bits");
    assert(classify(5) + classify(50) + classify(200) == 3, "if chains");
    let b = true ^ false;
    assert(b & true | false, "bool ops");
    let f: Field = 3;
    assert(f * f - 9 == 0 && -f + 3 == 0, "field");
    assert(BIG % 7 == (BIG - 7) % 7, "u128");
    let h = poseidon([1, 2]);
    assert(h == 7853200120776062878684798364095072458815029376092732009249414926327459813530, "poseidon");
    let mut t = (1u8, (2u16, 3u32));
    t.1.0 += 10;
    t.1 = (t.1.0, t.1.1 * 2);
    assert(t.1.0 == 12 && t.1.1 == 6, "tuple places");
    let v = {
        let a = 2;
        a * 21
    };
    assert(v == 42, "block value");
    let code = match x {
        0 => 100,
        24 => 200,
        _ => 300,
    };
    assert(code == 200u32, "int match");
    assert(300u64 as u16 as u32 == 300 && true as u8 == 1 && (5u8 as Field) == 5, "casts");
}
"#,
    );
    insta::assert_snapshot!(out, @"tour: ok");
}

#[test]
fn aggregate_payloads() {
    let out = run_tests(
        r#"
struct Point { x: u64, y: u8 }
enum Inner { A, B(bool) }
enum Outer { Move(Point), Wrap(Inner, [u16; 2]), Nothing }

state { zero: u64, slots: Map<u8, Outer, 4> }

test payloads_round_trip_through_a_map {
    let z = state.zero;
    state.slots[1] = Outer::Move(Point { x: z + 7, y: 3 });
    state.slots[2] = Outer::Wrap(Inner::B(z == 0), [5, 6]);
    let mut total = 0u64;
    for k in 0..4u8 {
        total += match state.slots[k] {
            Outer::Move(p) => p.x + p.y as u64,
            Outer::Wrap(i, xs) => match i {
                Inner::A => 1000,
                Inner::B(b) => if b { xs[0] as u64 * xs[1] as u64 } else { 2000 },
            },
            Outer::Nothing => 100,
        };
    }
    assert(total == 10 + 30 + 0 + 0, "sum");
}
"#,
    );
    insta::assert_snapshot!(out, @"payloads_round_trip_through_a_map: ok");
}
