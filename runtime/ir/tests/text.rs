//! The IR text format: printer goldens, exact round trips, and parse errors (never a panic).

use std::path::Path;

use stele_ir::{
    BinOp, Felt, Function, Inst, Loc, Op, Program, StateField, StateKind, Ty, Type, TypeDef,
    TypeDefKind, UnOp, ValueId, parse, print,
};

fn data_files(dir: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ir"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// Printing, parsing and printing again gives the same text and the same program.
fn assert_round_trip(program: &Program) {
    let text = print(program);
    let reparsed = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(&reparsed, program, "structure changed through\n{text}");
    assert_eq!(print(&reparsed), text);
}

#[test]
fn example_programs_print_canonically_and_round_trip() {
    for (name, text) in data_files("ok") {
        let program = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        stele_ir::verify(&program).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_round_trip(&program);
        insta::assert_snapshot!(format!("ok_{name}"), print(&program));
    }
}

fn v(i: u32) -> ValueId {
    ValueId(i)
}

fn inst(results: &[(u32, Ty)], op: Op) -> Inst {
    Inst {
        results: results.iter().map(|&(i, t)| (v(i), t)).collect(),
        op,
        guard: None,
        loc: None,
    }
}

/// A program with every operation and every awkward spelling; not a valid one (the printer must
/// show broken programs too).
fn everything() -> Program {
    let at = |line| {
        Some(Loc {
            file: 0,
            line,
            col: 7,
        })
    };
    let u8t = Ty::UInt(8);
    let body = vec![
        inst(
            &[(0, Ty::Field)],
            Op::Const(Felt::parse("123456789012345678901234567890").unwrap()),
        ),
        inst(&[(1, Ty::UInt(32))], Op::Param(0)),
        inst(&[(2, u8t)], Op::SLoad(0)),
        Inst {
            guard: Some(v(9)),
            loc: at(4),
            ..inst(&[], Op::SStore(0, v(2)))
        },
        inst(&[(3, Ty::Field)], Op::Unary(UnOp::Neg, v(0))),
        inst(&[(4, Ty::Bool)], Op::Unary(UnOp::Not, v(9))),
        inst(&[(5, u8t)], Op::Binary(BinOp::Add, v(2), v(2))),
        inst(&[(6, u8t)], Op::Binary(BinOp::Shl, v(2), v(1))),
        inst(&[(7, Ty::Bool)], Op::Binary(BinOp::Le, v(2), v(5))),
        inst(&[(8, u8t)], Op::Select(v(7), v(5), v(6))),
        Inst {
            loc: at(11),
            ..inst(&[(10, u8t)], Op::Cast(v(1)))
        },
        inst(
            &[(11, u8t)],
            Op::Pick {
                index: v(1),
                items: vec![v(2), v(5), v(6)],
            },
        ),
        inst(
            &[(12, u8t)],
            Op::Pick {
                index: v(1),
                items: vec![],
            },
        ),
        inst(
            &[],
            Op::Assert {
                cond: v(7),
                msg: "quote \" slash \\ newline \n tab \t bell \u{7} é".into(),
            },
        ),
        inst(
            &[(13, u8t), (14, Ty::Bool)],
            Op::MapRead { map: 0, key: v(1) },
        ),
        inst(&[(15, Ty::Field)], Op::MapRead { map: 1, key: v(1) }),
        inst(&[(16, Ty::Field)], Op::MapRead { map: 2, key: v(1) }),
        inst(
            &[],
            Op::MapWrite {
                map: 0,
                key: v(1),
                value: vec![v(13), v(14)],
            },
        ),
        inst(&[(17, Ty::Field)], Op::Hash(vec![v(0), v(3)])),
        inst(&[(18, Ty::UInt(7))], Op::Hash(vec![])),
        inst(
            &[(20, Ty::Bool)],
            Op::EddsaVerify(vec![v(0), v(0), v(0), v(3), v(3), v(3)]),
        ),
        inst(
            &[(21, Ty::Field)],
            Op::MerkleRoot {
                index: v(1),
                leaf: v(0),
                siblings: vec![v(0), v(3)],
            },
        ),
        inst(&[(19, u8t)], Op::SStore(1, v(2))),
        inst(&[], Op::Binary(BinOp::Eq, v(2), v(2))),
    ];
    let named = |n: &str| Type::Named(n.into());
    Program {
        chain: "weird \"chain\"".into(),
        files: vec!["src/main.stele".into(), "path with spaces/ü.stele".into()],
        types: vec![
            TypeDef {
                name: "a::Pair".into(),
                kind: TypeDefKind::Struct(vec![("x".into(), Type::UInt(8))]),
            },
            TypeDef {
                name: "Empty".into(),
                kind: TypeDefKind::Struct(vec![]),
            },
            TypeDef {
                name: "u64".into(),
                kind: TypeDefKind::Struct(vec![("has space".into(), Type::Bool)]),
            },
            TypeDef {
                name: "map".into(),
                kind: TypeDefKind::Enum(vec![]),
            },
            TypeDef {
                name: "E".into(),
                kind: TypeDefKind::Enum(vec![
                    ("Unit".into(), vec![]),
                    ("One".into(), vec![Type::Tuple(vec![Type::Field])]),
                    (
                        "Two".into(),
                        vec![
                            Type::Tuple(vec![]),
                            Type::Array(Box::new(named("a::Pair")), 3),
                        ],
                    ),
                ]),
            },
        ],
        state: vec![
            StateField {
                name: "m".into(),
                kind: StateKind::Map {
                    key: Type::UInt(32),
                    value: named("a::Pair"),
                    depth: 20,
                },
            },
            StateField {
                name: "plain".into(),
                kind: StateKind::Value(named("u64")),
            },
            StateField {
                name: "m".into(),
                kind: StateKind::Map {
                    key: Type::Field,
                    value: Type::Field,
                    depth: 0,
                },
            },
            StateField {
                name: "".into(),
                kind: StateKind::Value(named("map")),
            },
        ],
        transitions: vec![
            Function {
                name: "go".into(),
                params: vec![
                    ("k".into(), Type::UInt(32)),
                    ("1st".into(), Type::Tuple(vec![])),
                ],
                body,
                loc: Loc {
                    file: 0,
                    line: 1,
                    col: 1,
                },
            },
            Function {
                name: "empty".into(),
                params: vec![],
                body: vec![],
                loc: Loc {
                    file: 1,
                    line: 0,
                    col: 0,
                },
            },
        ],
        tests: vec![
            Function {
                name: "t::plain".into(),
                params: vec![],
                body: vec![],
                loc: Loc {
                    file: 0,
                    line: 9,
                    col: 1,
                },
            },
            Function {
                name: "with params".into(),
                params: vec![("x".into(), Type::Bool)],
                body: vec![],
                loc: Loc {
                    file: 0,
                    line: 10,
                    col: 1,
                },
            },
        ],
    }
}

#[test]
fn every_operation_and_awkward_name_prints_and_round_trips() {
    let program = everything();
    assert_round_trip(&program);
    insta::assert_snapshot!(print(&program));
}

#[test]
fn the_sample_in_the_grammar_is_a_valid_program() {
    let grammar = include_str!("../../../grammar/ir.pest");
    let sample: String = grammar
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("//! ```").next())
        .unwrap()
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("//! ").unwrap_or("")))
        .collect();
    let program = parse(&sample).unwrap_or_else(|e| panic!("{e}\n{sample}"));
    stele_ir::verify(&program).unwrap();
    assert_round_trip(&program);
}

#[test]
fn display_is_print() {
    let program = everything();
    assert_eq!(program.to_string(), print(&program));
}

#[test]
fn empty_program_round_trips() {
    let program = parse("stele-ir 1 chain \"\"").unwrap();
    assert_round_trip(&program);
    insta::assert_snapshot!(print(&program), @r#"
    stele-ir 1
    chain ""

    state {}
    "#);
}

#[test]
fn parser_accepts_free_layout_and_comments() {
    let loose = r#"
        ; leading comment
        stele-ir 1 chain "c" file 0 "f" ; trailing
        struct S { a: u8, b: (u8), } enum E { A(), B(u8,), }
        state { x: S y: map<u8,E,8> }
        transition t ( ) @0:1:1 { %0 : u8 = const 0x1_0 %1: u8 = add %0 , %0 @0:2:3 }
        test z() @0:3:1 {}
    "#;
    let program = parse(loose).unwrap();
    assert_round_trip(&program);
    insta::assert_snapshot!(print(&program), @r#"
    stele-ir 1
    chain "c"
    file 0 "f"

    struct S { a: u8, b: (u8,) }
    enum E { A, B(u8) }

    state {
      x: S
      y: map<u8, E, 8>
    }

    transition t() @0:1:1 {
      %0: u8 = const 16
      %1: u8 = add %0, %0 @0:2:3
    }

    test z @0:3:1 {
    }
    "#);
}

#[test]
fn keywords_end_at_a_word_boundary() {
    // `testx` is not `test x`, and `u8x` is a declared type, not `u8`.
    let err = parse("stele-ir 1 chain \"c\" testx @0:1:1 {}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "1:22: expected `file`, `struct`, `enum`, `state`, `transition`, `test` or end of input, found `testx`"
    );
    let program = parse("stele-ir 1 chain \"c\" state { a: u8x }").unwrap();
    assert_eq!(
        program.state[0].kind,
        StateKind::Value(Type::Named("u8x".into()))
    );
}

const P: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/// Each row: a name, the input, and the error (or `ok`).
#[test]
fn parse_errors_have_positions_and_messages() {
    const HEAD: &str = "stele-ir 1\nchain \"c\"\nfile 0 \"f\"\n";
    let with_body = |body: &str| {
        format!(
            "{HEAD}state {{ m: map<u32, u64, 4> s: u8 }}\ntransition t() @0:1:1 {{\n{body}\n}}\n"
        )
    };
    let cases: Vec<(&str, String)> = vec![
        ("empty input", String::new()),
        ("only whitespace", "  \n\t \n".into()),
        ("garbage", "hello world".into()),
        ("control bytes", "\u{0}\u{1}\u{2}".into()),
        ("missing chain", "stele-ir 1\nfile 0 \"f\"".into()),
        ("future version", "stele-ir 2\nchain \"c\"".into()),
        (
            "version overflow",
            "stele-ir 99999999999\nchain \"c\"".into(),
        ),
        ("file index skipped", format!("{HEAD}file 2 \"g\"")),
        ("unterminated string", "stele-ir 1\nchain \"abc\n".into()),
        ("bad escape", "stele-ir 1\nchain \"a\\qb\"".into()),
        (
            "bad unicode escape",
            "stele-ir 1\nchain \"a\\u{110000}\"".into(),
        ),
        (
            "truncated in state",
            format!("{HEAD}state {{ m: map<u32, u64"),
        ),
        (
            "truncated in body",
            with_body("%0: u32 = param 0\n%1: u64 = ").replace("\n}\n", ""),
        ),
        ("truncated in loc", format!("{HEAD}transition t() @0:1")),
        ("missing function loc", format!("{HEAD}transition t() {{}}")),
        ("unknown operation", with_body("%0: u8 = frob %1")),
        ("unknown map", with_body("%0: u64 = map.read nope[%1]")),
        (
            "map index overflow",
            with_body("%0: u64 = map.read #4294967296[%1]"),
        ),
        (
            "value number overflow",
            with_body("%4294967296: u8 = const 1"),
        ),
        (
            "param index overflow",
            with_body("%0: u8 = param 4294967296"),
        ),
        (
            "constant equal to the modulus",
            with_body(&format!("%0: Field = const {P}")),
        ),
        ("negative constant", with_body("%0: u8 = const -1")),
        ("malformed hex constant", with_body("%0: u8 = const 0xfg")),
        ("aggregate result type", with_body("%0: [u8; 2] = const 1")),
        ("named result type", with_body("%0: Foo = const 1")),
        ("width out of range", format!("{HEAD}state {{ s: u300 }}")),
        (
            "array length overflow",
            format!("{HEAD}state {{ s: [u8; 4294967296] }}"),
        ),
        ("missing comma", with_body("%0: u8 = add %1 %2")),
        ("guard without value", with_body("%0: u8 = const 1 if")),
        ("trailing garbage", format!("{HEAD}state {{}} ???")),
        (
            "deep nesting",
            format!(
                "{HEAD}state {{ s: {}u8{} }}",
                "[".repeat(200),
                "; 1]".repeat(200)
            ),
        ),
    ];
    let mut report = String::new();
    for (name, input) in &cases {
        let outcome = match parse(input) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.to_string(),
        };
        report.push_str(&format!("{name}: {outcome}\n"));
    }
    insta::assert_snapshot!(report);
}

/// A small deterministic generator, so that the no-panic tests need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn every_prefix_of_a_program_parses_or_fails_cleanly() {
    let (_, text) = data_files("ok").into_iter().next().unwrap();
    for (cut, _) in text.char_indices() {
        if let Ok(program) = parse(&text[..cut]) {
            assert_round_trip(&program);
        }
    }
}

/// Every fixture under `tests/data`, valid or not.
fn all_fixtures() -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn mutated_programs_parse_or_fail_cleanly() {
    let files = all_fixtures();
    assert!(files.len() > 20);
    let alphabet: Vec<char> = "%:=,;@#[](){}<>\"\\ \n0123456789xu_abc-é\u{0}"
        .chars()
        .collect();
    let mut rng = Rng(0x5eed);
    for _ in 0..3000 {
        let text = &files[rng.below(files.len())];
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(chars.len());
            match rng.below(3) {
                0 => {
                    chars.remove(at);
                }
                1 => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                _ => chars[at] = alphabet[rng.below(alphabet.len())],
            }
        }
        let mutated: String = chars.into_iter().collect();
        if let Ok(program) = parse(&mutated) {
            assert_round_trip(&program);
            // Nor may the verifier or the passes, whatever parsed.
            let _ = stele_ir::verify(&program);
            stele_ir::optimize(&mut program.clone());
        }
    }
}

#[test]
fn huge_inputs_do_not_panic() {
    let mut body = String::from(
        "stele-ir 1\nchain \"c\"\nfile 0 \"f\"\nstate { s: u64 }\ntransition t() @0:1:1 {\n",
    );
    body.push_str("%0: u64 = const 1\n");
    for i in 1..20_000 {
        body.push_str(&format!("%{i}: u64 = add %{}, %0 @0:{i}:1\n", i - 1));
    }
    body.push_str("}\n");
    let program = parse(&body).unwrap();
    assert_eq!(program.transitions[0].body.len(), 20_000);
    assert_round_trip(&program);

    let garbage: String = (0..1_000_000)
        .map(|i| ['(', '[', 'x', '"', ';', '\n'][i % 6])
        .collect();
    assert!(parse(&garbage).is_err());
    assert!(parse(&"[".repeat(1_000_000)).is_err());
    assert!(parse(&format!("stele-ir 1 chain \"{}\"", "a".repeat(1_000_000))).is_ok());
}

#[test]
fn nesting_at_the_limit_is_accepted() {
    let depth = stele_ir::text::MAX_NESTING - 1; // the `state { }` braces take one level
    let ty = format!("{}u8{}", "[".repeat(depth), "; 1]".repeat(depth));
    let program = parse(&format!("stele-ir 1 chain \"c\" state {{ s: {ty} }}")).unwrap();
    assert_round_trip(&program);
}
