//! Transactions as a whole: guards suppressing failures and effects, rollback of rejected
//! transactions, staged map writes visible to later reads, keys out of range, `sload` seeing the
//! state as the transaction started, blocks, tests, argument checks and the witness trace.

mod common;

use common::*;
use serde_json::json;
use stele_exec::{
    Outcome, Rejection, State, Tx, Val, apply_block, apply_tx, apply_tx_traced, run_test,
};

const TOKEN: &str = r#"stele-ir 1
chain "token"
file 0 "src/main.stele"

struct token::Account { balance: u64, nonce: u32 }

state {
  accounts: map<u32, token::Account, 20>
  fees: u64
}

transition transfer(from: u32, to: u32, amount: u64) @0:12:1 {
  %0: u32 = param 0
  %1: u32 = param 1
  %2: u64 = param 2
  %3: u64, %4: u32 = map.read accounts[%0] @0:13:18
  %5: bool = le %2, %3
  assert %5, "insufficient balance" @0:14:5
  %6: u64 = sub %3, %2 @0:15:30
  %7: u32 = const 1
  %8: u32 = add %4, %7 @0:16:28
  map.write accounts[%0] = [%6, %8] @0:15:5
  %9: u64, %10: u32 = map.read accounts[%1] @0:17:5
  %11: u64 = add %9, %2 @0:17:5
  map.write accounts[%1] = [%11, %10] @0:17:5
  %12: u64 = sload 0
  %13: u64 = const 1
  %14: u64 = add %12, %13 @0:18:5
  sstore 0 = %14
}

transition mint(to: u32, amount: u64) @0:20:1 {
  %0: u32 = param 0
  %1: u64 = param 1
  %2: u64, %3: u32 = map.read accounts[%0] @0:21:5
  %4: u64 = add %2, %1 @0:21:5
  map.write accounts[%0] = [%4, %3] @0:21:5
}

test mint_works @0:30:1 {
  %0: u32 = const 7
  %1: u64 = const 5
  map.write accounts[%0] = [%1, %0] @0:31:5
  %2: u64, %3: u32 = map.read accounts[%0] @0:32:5
  %4: bool = eq %2, %1
  assert %4, "read after write" @0:33:5
}

test fails @0:40:1 {
  %0: bool = const 0
  assert %0, "this test fails" @0:41:5
}
"#;

fn token_state(exe: &stele_exec::Executable) -> State {
    State::from_json(
        exe.program(),
        &json!({ "accounts": { "1": { "balance": "100", "nonce": 0 }, "2": { "balance": "5", "nonce": 3 } }, "fees": "0" }),
    )
    .unwrap()
}

fn transfer(from: u128, to: u128, amount: u128) -> Tx {
    Tx {
        transition: 0,
        args: vec![int(from), int(to), int(amount)],
    }
}

#[test]
fn transfer_moves_balance_and_counts() {
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    apply_tx(&exe, &mut state, &transfer(1, 2, 30)).unwrap();
    assert_eq!(
        state.to_json(exe.program()),
        json!({ "accounts": { "1": { "balance": "70", "nonce": 1 }, "2": { "balance": "35", "nonce": 3 } }, "fees": "1" })
    );
}

#[test]
fn self_transfer_reads_the_staged_write() {
    // from == to: the second read sees the first write (balance - amount, nonce + 1).
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    apply_tx(&exe, &mut state, &transfer(1, 1, 30)).unwrap();
    assert_eq!(state.map_get(0, 1), &[Val::Int(100), Val::Int(1)]);
}

#[test]
fn rejected_transaction_changes_nothing() {
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    let (root, json) = (state.root(), state.to_json(exe.program()));
    // The overflow happens after the first map write and before the sstore.
    let mut big = token_state(&exe);
    apply_tx(
        &exe,
        &mut big,
        &Tx {
            transition: 1,
            args: vec![int(3), int(u64::MAX as u128)],
        },
    )
    .unwrap();
    let err = apply_tx(&exe, &mut big.clone(), &transfer(1, 3, 1)).unwrap_err();
    assert_eq!(err.to_string(), "arithmetic overflow (src/main.stele:17:5)");
    let before = (big.root(), big.to_json(exe.program()));
    let mut after = big.clone();
    assert!(apply_tx(&exe, &mut after, &transfer(1, 3, 1)).is_err());
    assert_eq!((after.root(), after.to_json(exe.program())), before);

    let err = apply_tx(&exe, &mut state, &transfer(2, 1, 6)).unwrap_err();
    assert_eq!(
        err,
        Rejection {
            reason: "insufficient balance".into(),
            loc: Some(stele_ir::Loc {
                file: 0,
                line: 14,
                col: 5
            }),
            file: Some("src/main.stele".into())
        }
    );
    assert_eq!(
        err.to_string(),
        "insufficient balance (src/main.stele:14:5)"
    );
    assert_eq!(state.root(), root);
    assert_eq!(state.to_json(exe.program()), json);
}

#[test]
fn block_applies_in_order_and_skips_rejections() {
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    let txs = [
        transfer(1, 2, 60),
        transfer(1, 2, 60),
        transfer(2, 1, 65),
        Tx {
            transition: 9,
            args: vec![],
        },
    ];
    let result = apply_block(&exe, &mut state, &txs);
    assert_eq!(result.outcomes[0], Outcome::Applied);
    assert!(
        matches!(&result.outcomes[1], Outcome::Rejected(r) if r.reason == "insufficient balance")
    );
    assert_eq!(result.outcomes[2], Outcome::Applied);
    assert!(
        matches!(&result.outcomes[3], Outcome::Rejected(r) if r.to_string() == "invalid transaction: unknown transition 9")
    );
    assert_eq!(result.root, state.root());
    assert_eq!(state.map_get(0, 1), &[Val::Int(105), Val::Int(1)]);
    assert_eq!(state.map_get(0, 2), &[Val::Int(0), Val::Int(4)]);
    // Same through a `Program` (precompiled per call) and one transaction at a time.
    let mut again = token_state(&exe);
    let by_program = apply_block(exe.program(), &mut again, &txs);
    assert_eq!(by_program, result);
    let mut single = token_state(&exe);
    for tx in &txs {
        let _ = apply_tx(&exe, &mut single, tx);
    }
    assert_eq!(single.root(), result.root);
}

#[test]
fn map_key_out_of_range() {
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    let err = apply_tx(&exe, &mut state, &transfer(1, 1 << 20, 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "map key out of range (src/main.stele:17:5)"
    );
    assert!(apply_tx(&exe, &mut state, &transfer(1, (1 << 20) - 1, 1)).is_ok());
    let err = apply_tx(&exe, &mut state, &transfer(u32::MAX as u128, 1, 0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "map key out of range (src/main.stele:13:18)"
    );
}

#[test]
fn arguments_are_checked() {
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    let reason = |tx: Tx| {
        apply_tx(&exe, &mut token_state(&exe), &tx)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        reason(Tx {
            transition: 0,
            args: vec![int(1), int(2)]
        }),
        "invalid transaction: `transfer` takes 3 argument scalars, found 2"
    );
    assert_eq!(
        reason(Tx {
            transition: 0,
            args: vec![int(1), int(1 << 32), int(2)]
        }),
        "invalid transaction: argument `to` of `transfer` is not a valid u32"
    );
    // A Field holding a small number is accepted for an integer parameter, by value.
    apply_tx(
        &exe,
        &mut state,
        &Tx {
            transition: 0,
            args: vec![int(1), field(fr(2)), int(2)],
        },
    )
    .unwrap();
}

#[test]
fn enum_arguments_are_checked() {
    let exe = load(
        r#"stele-ir 1
chain "t"
file 0 "a"
enum E { A, B(u8, bool) }
state { x: u32 }
transition f(e: E) @0:1:1 {
  %0: u32 = param 0
  sstore 0 = %0
}
"#,
    );
    let run = |args: Vec<Val>| {
        apply_tx(
            &exe,
            &mut State::new(exe.program()),
            &Tx {
                transition: 0,
                args,
            },
        )
        .map_err(|r| r.reason)
    };
    let f = |x: u128| field(fr(x));
    assert_eq!(run(vec![int(0), f(0), f(0)]), Ok(()));
    assert_eq!(run(vec![int(1), f(255), f(1)]), Ok(()));
    let bad = Err("invalid transaction: argument `e` of `f` is not a valid E".to_string());
    assert_eq!(run(vec![int(2), f(0), f(0)]), bad, "tag out of range");
    assert_eq!(run(vec![int(1), f(256), f(1)]), bad, "u8 payload too big");
    assert_eq!(run(vec![int(1), f(1), f(2)]), bad, "bool payload not 0/1");
    assert_eq!(
        run(vec![int(0), f(1), f(0)]),
        bad,
        "unused payload slot not zero"
    );
}

const GUARDS: &str = r#"stele-ir 1
chain "g"
file 0 "src/main.stele"
state {
  sum: u8
  quot: u8
  read: u64
  hashed: Field
  hits: u64
  m: map<u32, u64, 4>
}
transition f(g: bool, a: u8, k: u32) @0:1:1 {
  %0: bool = param 0
  %1: u8 = param 1
  %2: u32 = param 2
  %3: u8 = const 255
  %4: u8 = add %1, %3 if %0 @0:2:1
  %5: u8 = div %3, %1 if %0 @0:3:1
  %6: u64 = map.read m[%2] if %0 @0:4:1
  %7: u64 = const 9
  %8: Field = const 5
  %9: Field = hash [%8] if %0
  map.write m[%2] = [%7] if %0 @0:5:1
  sstore 4 = %7 if %0
  %10: bool = const 0
  assert %10, "always fails" if %0 @0:6:1
  %11: u64 = shl %7, %2 if %0 @0:7:1
  %12: u8 = cast %7 if %0 @0:8:1
  sstore 0 = %4
  sstore 1 = %5
  sstore 2 = %6
  sstore 3 = %9
}
"#;

#[test]
fn guard_off_suppresses_failures_and_effects_and_zeroes_results() {
    let exe = load(GUARDS);
    let start =
        json!({ "sum": 1, "quot": 2, "read": "3", "hashed": "4", "hits": "5", "m": { "1": "7" } });
    for (a, k) in [(1, 100), (0, 1 << 31), (200, 3)] {
        let mut state = State::from_json(exe.program(), &start).unwrap();
        // With the guard off: the add would overflow (a > 0), the div divide by zero (a = 0),
        // the read and write use an out-of-range key (k >= 16), the assert fails, the shift
        // overflows (k >= 64), the cast does not fit; none of it fires.
        apply_tx(
            &exe,
            &mut state,
            &Tx {
                transition: 0,
                args: vec![int(0), int(a), int(k)],
            },
        )
        .unwrap();
        assert_eq!(
            state.to_json(exe.program()),
            json!({ "sum": 0, "quot": 0, "read": "0", "hashed": "0", "hits": "5", "m": { "1": "7" } }),
            "a = {a}, k = {k}"
        );
    }
    // Guard on: the first failure in order rejects.
    let mut state = State::new(exe.program());
    let reason = |a, k, state: &mut State| {
        apply_tx(
            &exe,
            state,
            &Tx {
                transition: 0,
                args: vec![int(1), int(a), int(k)],
            },
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        reason(1, 1, &mut state),
        "arithmetic overflow (src/main.stele:2:1)"
    );
    assert_eq!(
        reason(0, 1, &mut state),
        "division by zero (src/main.stele:3:1)"
    );
    assert_eq!(
        reason(0, 1, &mut state),
        "division by zero (src/main.stele:3:1)"
    );
    assert!(reason(0, 16, &mut state).starts_with("division by zero"));
    let exe_text = GUARDS.replace("%5: u8 = div %3, %1 if %0 @0:3:1", "%5: u8 = const 0");
    let exe2 = load(&exe_text);
    let err = apply_tx(
        &exe2,
        &mut State::new(exe2.program()),
        &Tx {
            transition: 0,
            args: vec![int(1), int(0), int(16)],
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "map key out of range (src/main.stele:4:1)");
    let err = apply_tx(
        &exe2,
        &mut State::new(exe2.program()),
        &Tx {
            transition: 0,
            args: vec![int(1), int(0), int(3)],
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "always fails (src/main.stele:6:1)");
    assert_eq!(State::new(exe2.program()).root(), state.root());
}

#[test]
fn sload_sees_the_state_as_the_transaction_started() {
    let exe = load(
        r#"stele-ir 1
chain "s"
file 0 "a"
state { x: u64 y: u64 }
transition f() @0:1:1 {
  %0: u64 = const 7
  sstore 0 = %0
  %1: u64 = sload 0
  sstore 1 = %1
  %2: u64 = const 8
  sstore 0 = %2
}
"#,
    );
    let mut state = State::from_json(exe.program(), &json!({ "x": "3" })).unwrap();
    apply_tx(
        &exe,
        &mut state,
        &Tx {
            transition: 0,
            args: vec![],
        },
    )
    .unwrap();
    assert_eq!(
        state.to_json(exe.program()),
        json!({ "x": "8", "y": "3" }),
        "last store wins, sload saw 3"
    );
}

#[test]
fn tests_run_on_the_default_state() {
    let exe = load(TOKEN);
    assert_eq!(exe.test_index("fails"), Some(1));
    assert_eq!(run_test(&exe, 0), Ok(()));
    assert_eq!(
        run_test(&exe, 1).unwrap_err().to_string(),
        "this test fails (src/main.stele:41:5)"
    );
    assert_eq!(run_test(&exe, 2).unwrap_err().to_string(), "unknown test 2");
    assert_eq!(run_test(exe.program(), 0), Ok(()));
}

#[test]
fn invalid_programs_are_refused() {
    let mut program = parse(TOKEN);
    program.transitions[0].body.remove(0);
    let err = stele_exec::Executable::new(&program).unwrap_err();
    assert!(
        err.to_string().starts_with("the IR verifier found"),
        "{err}"
    );
    let mut state = State::new(&program);
    let r = apply_tx(&program, &mut state, &transfer(1, 2, 3)).unwrap_err();
    assert!(
        r.reason
            .starts_with("invalid program: the IR verifier found"),
        "{r}"
    );
}

#[test]
fn trace_records_steps_map_ops_and_path_updates() {
    let exe = load(TOKEN);
    let mut state = token_state(&exe);
    let mut untraced = token_state(&exe);
    let tx = transfer(1, 2, 30);
    let trace = apply_tx_traced(&exe, &mut state, &tx);
    apply_tx(&exe, &mut untraced, &tx).unwrap();
    assert_eq!(trace.outcome, Ok(()));
    assert_eq!(trace.root_after, untraced.root());
    assert_eq!(state.root(), untraced.root());
    assert_eq!(trace.steps.len(), exe.program().transitions[0].body.len());
    assert!(trace.steps.iter().all(|s| s.active));
    // %6 = balance - amount
    let step6 = &trace.steps[6];
    assert_eq!(step6.results, vec![(stele_ir::ValueId(6), Val::Int(70))]);
    let ops: Vec<(u64, bool, bool)> = trace
        .map_ops
        .iter()
        .map(|m| (m.key, m.write, m.staged))
        .collect();
    assert_eq!(
        ops,
        vec![
            (1, false, false),
            (1, true, false),
            (2, false, false),
            (2, true, false)
        ]
    );
    assert_eq!(trace.updates.len(), 2);
    let mut root = trace.updates[0].old_root;
    for u in &trace.updates {
        assert_eq!(u.old_root, root);
        assert_eq!(
            stele_crypto::merkle_root_from_path(u.old_leaf, u.key, &u.siblings),
            u.old_root
        );
        assert_eq!(
            stele_crypto::merkle_root_from_path(u.new_leaf, u.key, &u.siblings),
            u.new_root
        );
        root = u.new_root;
    }
    assert_eq!(root, state.map_tree(0).root());
    for m in &trace.map_ops {
        assert_eq!(
            stele_crypto::merkle_root_from_path(m.committed_leaf, m.key, &m.siblings),
            trace.updates[0].old_root
        );
    }
    // A rejected traced transaction: no updates, roots equal, the failing instruction named.
    let trace = apply_tx_traced(&exe, &mut state, &transfer(2, 1, 1000));
    assert_eq!(trace.failed_inst, Some(5));
    assert!(trace.updates.is_empty());
    assert_eq!(trace.root_before, trace.root_after);
    assert_eq!(trace.steps.len(), 5);
}
