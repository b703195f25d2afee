//! The JSON codec: state round trips, canonical output, block decoding, every kind of error
//! (messages snapshotted), and no panic on arbitrary JSON.

mod common;

use common::*;
use serde_json::{Value, json};
use stele_exec::{State, Tx, Val, decode_block, decode_value, encode_block, encode_value};
use stele_ir::Type;

const CHAIN: &str = r#"stele-ir 1
chain "j"
file 0 "src/main.stele"
struct Pair { a: u64, b: bool }
enum Kind { One, Two(u8), Three(Pair, [u8; 2]) }
state {
  f: Field
  flag: bool
  small: u8
  mid: u32
  big: u64
  huge: u128
  arr: [u16; 3]
  tup: (u8, Field)
  pair: Pair
  kind: Kind
  unit: ()
  m: map<u32, Pair, 8>
  km: map<u16, Kind, 4>
}
transition add(x: u64, p: Pair, k: Kind, xs: [u8; 2]) @0:1:1 {
}
transition none() @0:2:1 {
}
"#;

fn full_state() -> Value {
    json!({
        "f": P_MINUS_1,
        "flag": true,
        "small": 255,
        "mid": 4294967295u64,
        "big": "18446744073709551615",
        "huge": "340282366920938463463374607431768211455",
        "arr": [0, 65535, 7],
        "tup": [1, "2"],
        "pair": { "a": "3", "b": false },
        "kind": { "Three": [{ "a": "4", "b": true }, [5, 6]] },
        "unit": [],
        "m": { "0": { "a": "1", "b": false }, "255": { "a": "0", "b": true } },
        "km": { "3": { "Two": [0] }, "15": { "Two": [9] } }
    })
}

#[test]
fn state_round_trip_is_canonical() {
    let exe = load(CHAIN);
    let program = exe.program();
    let state = State::from_json(program, &full_state()).unwrap();
    // Output: Field, u64, u128 as decimal strings; u8/u16/u32 as numbers; keys ascending.
    assert_eq!(state.to_json(program), full_state());
    let again = State::from_json(program, &state.to_json(program)).unwrap();
    assert_eq!(again.root(), state.root());
    // Inputs in other accepted spellings give the same state.
    let other = json!({
        "f": "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000",
        "flag": true,
        "small": "255",
        "mid": "4294967295",
        "big": 18446744073709551615u64,
        "huge": "340282366920938463463374607431768211455",
        "arr": ["0", 65535, 7],
        "tup": ["1", 2],
        "pair": { "b": false, "a": 3 },
        "kind": { "Three": [{ "a": 4, "b": true }, [5, 6]] },
        "unit": [],
        "m": { "255": { "a": 0, "b": true }, "0": { "a": 1, "b": false }, "7": { "a": 0, "b": false } },
        "km": { "15": { "Two": ["9"] }, "3": { "Two": ["0"] }, "4": { "One": [] }, "5": "One" }
    });
    let other = State::from_json(program, &other).unwrap();
    assert_eq!(other.root(), state.root());
    assert_eq!(other.to_json(program), full_state());
}

#[test]
fn missing_fields_default_and_default_entries_are_omitted() {
    let exe = load(CHAIN);
    let program = exe.program();
    let state =
        State::from_json(program, &json!({ "m": { "4": { "a": "0", "b": false } } })).unwrap();
    assert_eq!(state.root(), State::new(program).root());
    assert_eq!(
        state.to_json(program),
        json!({
            "f": "0", "flag": false, "small": 0, "mid": 0, "big": "0", "huge": "0", "arr": [0, 0, 0],
            "tup": [0, "0"], "pair": { "a": "0", "b": false }, "kind": "One", "unit": [], "m": {}, "km": {}
        })
    );
}

#[test]
fn block_decoding_and_round_trip() {
    let exe = load(CHAIN);
    let program = exe.program();
    let block = json!({ "transactions": [
        { "transition": "add", "args": { "x": 1, "p": { "a": "2", "b": true }, "k": { "Two": [3] }, "xs": [4, 5] } },
        { "args": { "k": "One", "xs": [0, 0], "p": { "b": false, "a": 0 }, "x": "18446744073709551615" }, "transition": "add" },
        { "transition": "none", "args": {} },
        { "transition": "none" }
    ] });
    let txs = decode_block(program, &block).unwrap();
    let f = |x: u128| field(fr(x));
    assert_eq!(
        txs,
        vec![
            Tx {
                transition: 0,
                args: vec![
                    int(1),
                    int(2),
                    int(1),
                    int(1),
                    f(3),
                    f(0),
                    f(0),
                    f(0),
                    int(4),
                    int(5)
                ]
            },
            Tx {
                transition: 0,
                args: vec![
                    int(u64::MAX as u128),
                    int(0),
                    int(0),
                    int(0),
                    f(0),
                    f(0),
                    f(0),
                    f(0),
                    int(0),
                    int(0)
                ]
            },
            Tx {
                transition: 1,
                args: vec![]
            },
            Tx {
                transition: 1,
                args: vec![]
            },
        ]
    );
    let encoded = encode_block(program, &txs);
    assert_eq!(decode_block(program, &encoded).unwrap(), txs);
    assert_eq!(
        encoded["transactions"][0],
        json!({ "transition": "add", "args": { "x": "1", "p": { "a": "2", "b": true }, "k": { "Two": [3] }, "xs": [4, 5] } })
    );
    // The Three variant flattens its payload (Pair, [u8; 2]) into 4 Field slots.
    let k = decode_value(
        program,
        &Type::Named("Kind".into()),
        &json!({ "Three": [{ "a": "7", "b": true }, [8, 9]] }),
    )
    .unwrap();
    assert_eq!(k, vec![int(2), f(7), f(1), f(8), f(9)]);
    assert_eq!(
        encode_value(program, &Type::Named("Kind".into()), &k),
        json!({ "Three": [{ "a": "7", "b": true }, [8, 9]] })
    );
    // A value no decoder could produce is shown raw rather than misread.
    assert_eq!(
        encode_value(
            program,
            &Type::Named("Kind".into()),
            &[int(7), f(1), f(0), f(0), f(0)]
        ),
        json!({ "$tag": "7", "$payload": ["1", "0", "0", "0"] })
    );
}

fn errors(
    program: &stele_ir::Program,
    cases: &[(&str, Value)],
    decode: impl Fn(&Value) -> Option<String>,
) -> String {
    let mut out = String::new();
    for (label, input) in cases {
        let message = decode(input).unwrap_or_else(|| panic!("{label}: accepted"));
        out.push_str(&format!("{label}:\n  {message}\n"));
    }
    let _ = program;
    out
}

#[test]
fn block_errors() {
    let exe = load(CHAIN);
    let program = exe.program();
    let args = |extra: Value| {
        let mut a = json!({ "x": 1, "p": { "a": 1, "b": true }, "k": "One", "xs": [1, 2] });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                a.as_object_mut().unwrap().remove(k);
            } else {
                a[k] = v.clone();
            }
        }
        json!({ "transactions": [{ "transition": "none", "args": {} }, { "transition": "add", "args": a }] })
    };
    let cases = [
        ("wrong type: string for u64", args(json!({ "x": "-5" }))),
        ("wrong type: bool for u64", args(json!({ "x": true }))),
        (
            "wrong type: number for bool",
            args(json!({ "p": { "a": 1, "b": 1 } })),
        ),
        (
            "wrong type: array for struct",
            args(json!({ "p": [1, true] })),
        ),
        ("wrong type: fraction", args(json!({ "x": 1.5 }))),
        ("out of range: negative number", args(json!({ "x": -5 }))),
        (
            "out of range: u64 as a string",
            args(json!({ "x": "18446744073709551616" })),
        ),
        ("out of range: u8", args(json!({ "xs": [1, 256] }))),
        (
            "out of range: enum payload u8",
            args(json!({ "k": { "Two": [300] } })),
        ),
        ("missing argument", args(json!({ "p": null }))),
        ("missing struct field", args(json!({ "p": { "a": 1 } }))),
        ("unknown argument", args(json!({ "y": 1 }))),
        (
            "unknown struct field",
            args(json!({ "p": { "a": 1, "b": true, "c": 3 } })),
        ),
        (
            "bad enum: unknown variant name",
            args(json!({ "k": "Four" })),
        ),
        (
            "bad enum: unknown variant object",
            args(json!({ "k": { "Four": [] } })),
        ),
        (
            "bad enum: payload variant as a string",
            args(json!({ "k": "Two" })),
        ),
        (
            "bad enum: payload of wrong length",
            args(json!({ "k": { "Two": [1, 2] } })),
        ),
        (
            "bad enum: payload not an array",
            args(json!({ "k": { "Two": 1 } })),
        ),
        (
            "bad enum: two keys",
            args(json!({ "k": { "One": [], "Two": [1] } })),
        ),
        ("bad enum: a number", args(json!({ "k": 0 }))),
        ("wrong array length", args(json!({ "xs": [1, 2, 3] }))),
        ("malformed block: not an object", json!([1, 2])),
        ("malformed block: no transactions", json!({})),
        (
            "malformed block: unknown member",
            json!({ "transactions": [], "extra": 1 }),
        ),
        (
            "malformed block: transactions not an array",
            json!({ "transactions": {} }),
        ),
        (
            "malformed block: transaction not an object",
            json!({ "transactions": ["add"] }),
        ),
        (
            "malformed block: transaction unknown member",
            json!({ "transactions": [{ "transition": "none", "arg": {} }] }),
        ),
        (
            "malformed block: no transition",
            json!({ "transactions": [{ "args": {} }] }),
        ),
        (
            "malformed block: transition not a string",
            json!({ "transactions": [{ "transition": 0 }] }),
        ),
        (
            "malformed block: unknown transition",
            json!({ "transactions": [{ "transition": "sub", "args": {} }] }),
        ),
        (
            "malformed block: args not an object",
            json!({ "transactions": [{ "transition": "add", "args": [1] }] }),
        ),
        (
            "malformed block: args missing",
            json!({ "transactions": [{ "transition": "add" }] }),
        ),
    ];
    let out = errors(program, &cases, |v| {
        decode_block(program, v).err().map(|e| e.to_string())
    });
    insta::assert_snapshot!("block_errors", out);
}

#[test]
fn state_errors() {
    let exe = load(CHAIN);
    let program = exe.program();
    let long = "x".repeat(100);
    let cases = [
        ("not an object", json!("state")),
        ("unknown field", json!({ "totl": "1" })),
        ("Field: negative string", json!({ "f": "-1" })),
        (
            "Field: not canonical",
            json!({ "f": "21888242871839275222246405745257275088548364400416034343698204186575808495617" }),
        ),
        ("Field: hex with upper-case prefix", json!({ "f": "0XFF" })),
        ("Field: negative number", json!({ "f": -1 })),
        ("Field: long garbage string", json!({ "f": long })),
        (
            "u128 too big",
            json!({ "huge": "340282366920938463463374607431768211456" }),
        ),
        ("u8 with a sign", json!({ "small": "+1" })),
        ("u32 null", json!({ "mid": null })),
        ("tuple too short", json!({ "tup": [1] })),
        ("unit not empty", json!({ "unit": [1] })),
        ("map not an object", json!({ "m": [] })),
        (
            "map key not a number",
            json!({ "m": { "abc": { "a": 1, "b": true } } }),
        ),
        (
            "map key out of range",
            json!({ "m": { "256": { "a": "1", "b": false } } }),
        ),
        (
            "map key with leading zero",
            json!({ "m": { "01": { "a": "1", "b": false } } }),
        ),
        (
            "map key beyond the key type",
            json!({ "km": { "16": "One" } }),
        ),
        (
            "map value wrong",
            json!({ "m": { "3": { "a": "1", "b": "no" } } }),
        ),
        (
            "map enum value unknown variant",
            json!({ "km": { "3": "Nine" } }),
        ),
    ];
    let out = errors(program, &cases, |v| {
        State::from_json(program, v).err().map(|e| e.to_string())
    });
    insta::assert_snapshot!("state_errors", out);
}

#[test]
fn error_fields_are_structured() {
    let exe = load(CHAIN);
    let block = json!({ "transactions": [{ "transition": "add", "args": { "x": "-5", "p": { "a": 1, "b": true }, "k": "One", "xs": [1, 2] } }] });
    let e = decode_block(exe.program(), &block).unwrap_err();
    assert_eq!(e.path, "$.transactions[0].args.x");
    assert_eq!(e.expected, "u64");
    assert_eq!(e.found, "\"-5\"");
    assert_eq!(
        e.to_string(),
        "at $.transactions[0].args.x: expected u64, found \"-5\""
    );
}

/// A small deterministic generator (xorshift) of arbitrary JSON.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }

    fn value(&mut self, depth: u32) -> Value {
        let names = [
            "transactions",
            "transition",
            "args",
            "add",
            "none",
            "x",
            "p",
            "k",
            "xs",
            "a",
            "b",
            "One",
            "Two",
            "Three",
            "f",
            "m",
            "km",
            "0",
            "255",
            "15",
            "256",
            "-1",
            "0x10",
            "18446744073709551616",
            "",
            "tup",
            "unit",
        ];
        match self.next() % if depth == 0 { 6 } else { 8 } {
            0 => Value::Null,
            1 => Value::Bool(self.next().is_multiple_of(2)),
            2 => json!(self.next() % 300),
            3 => json!(-((self.next() % 5) as i64) - 1),
            4 => json!((self.next() % 1000) as f64 / 7.0),
            5 => Value::String(self.pick(&names).to_string()),
            6 => Value::Array(
                (0..self.next() % 4)
                    .map(|_| self.value(depth - 1))
                    .collect(),
            ),
            _ => {
                let n = self.next() % 4;
                Value::Object(
                    (0..n)
                        .map(|_| (self.pick(&names).to_string(), self.value(depth - 1)))
                        .collect(),
                )
            }
        }
    }

    /// `v` with one random node replaced by arbitrary JSON.
    fn mutate(&mut self, v: &Value) -> Value {
        let mut v = v.clone();
        self.mutate_in(&mut v);
        v
    }

    fn mutate_in(&mut self, node: &mut Value) {
        if !self.next().is_multiple_of(3) {
            match node {
                Value::Array(a) if !a.is_empty() => {
                    let i = (self.next() % a.len() as u64) as usize;
                    return self.mutate_in(&mut a[i]);
                }
                Value::Object(o) if !o.is_empty() => {
                    let i = (self.next() % o.len() as u64) as usize;
                    return self.mutate_in(o.values_mut().nth(i).unwrap());
                }
                _ => {}
            }
        }
        *node = self.value(3);
    }
}

#[test]
fn arbitrary_json_never_panics() {
    let exe = load(CHAIN);
    let program = exe.program();
    let valid_block = json!({ "transactions": [
        { "transition": "add", "args": { "x": 1, "p": { "a": "2", "b": true }, "k": { "Three": [{ "a": 1, "b": false }, [1, 2]] }, "xs": [4, 5] } },
        { "transition": "none" }
    ] });
    let mut g = Gen(0x9e3779b97f4a7c15);
    let (mut blocks_ok, mut states_ok) = (0, 0);
    for _ in 0..3000 {
        let random = g.value(4);
        let block = g.mutate(&valid_block);
        let state = g.mutate(&full_state());
        for b in [&random, &block] {
            if let Ok(txs) = decode_block(program, b) {
                blocks_ok += 1;
                assert_eq!(
                    decode_block(program, &encode_block(program, &txs)).unwrap(),
                    txs
                );
            }
        }
        for s in [&random, &state] {
            if let Ok(st) = State::from_json(program, s) {
                states_ok += 1;
                let back = State::from_json(program, &st.to_json(program)).unwrap();
                assert_eq!(back.root(), st.root());
            }
        }
    }
    assert!(
        blocks_ok > 0 && states_ok > 0,
        "the mutations should sometimes stay valid"
    );
    let _ = Val::ZERO;
}
