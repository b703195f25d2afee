//! Passes: fixtures under `tests/data/passes/<pass>/` go through that pass (IR text in, IR text
//! out in the snapshot), the verifier runs after every pass, and the reference interpreter checks
//! that optimising keeps what programs do, on the fixtures, on edge constants and on random code.

#[path = "support/interp.rs"]
mod interp;

use std::path::Path;

use interp::{Outcome, run};
use stele_ir::passes::{
    eliminate_common_subexpressions, eliminate_dead_code, fold_constants, merge_map_accesses,
    renumber_values,
};
use stele_ir::{
    BinOp, Felt, Function, Inst, Loc, Op, PIPELINE, Program, StateField, StateKind, Ty, Type, UnOp,
    ValueId, optimize, optimize_verified, optimize_with, parse, print, verify,
};

const P_MINUS_1: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495616";

/// Runs every function that the reference interpreter models (no `hash` in `model`) on all-zero
/// and all-one parameters and state.
fn outcomes(program: &Program, model: &Program) -> Vec<Outcome> {
    let state_len = program.state_scalars().len();
    let mut out = Vec::new();
    let functions = program.transitions.iter().chain(&program.tests);
    let models = model.transitions.iter().chain(&model.tests);
    for (f, m) in functions.zip(models) {
        if m.body.iter().any(|i| matches!(i.op, Op::Hash(_))) {
            continue;
        }
        let params_len = program.param_scalars(&f.params).len();
        for x in [Felt::ZERO, Felt::ONE] {
            out.push(run(program, f, &vec![x; params_len], &vec![x; state_len]));
        }
    }
    out
}

fn fixtures(dir: &str, pass: &dyn Fn(&mut Program)) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/passes")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let before = parse(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        verify(&before).unwrap_or_else(|e| panic!("{name}: input does not verify: {e:?}"));
        let mut after = before.clone();
        pass(&mut after);
        verify(&after).unwrap_or_else(|e| panic!("{name}: output does not verify: {e:?}\n{after}"));
        assert_eq!(
            outcomes(&before, &before),
            outcomes(&after, &before),
            "{name}: behaviour changed"
        );
        insta::with_settings!({ input_file => &path, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{}_{name}", dir.file_name().unwrap().to_string_lossy()), print(&after));
        });
    }
}

#[test]
fn fold_constants_fixtures() {
    fixtures("fold_constants", &fold_constants);
}

#[test]
fn merge_map_accesses_fixtures() {
    fixtures("merge_map_accesses", &merge_map_accesses);
}

#[test]
fn eliminate_dead_code_fixtures() {
    fixtures("eliminate_dead_code", &eliminate_dead_code);
}

#[test]
fn eliminate_common_subexpressions_fixtures() {
    fixtures(
        "eliminate_common_subexpressions",
        &eliminate_common_subexpressions,
    );
}

#[test]
fn renumber_values_fixtures() {
    fixtures("renumber_values", &renumber_values);
}

#[test]
fn optimize_fixtures() {
    fixtures("optimize", &|p| optimize_verified(p).unwrap());
}

#[test]
fn optimizing_twice_changes_nothing() {
    for dir in [
        "fold_constants",
        "eliminate_dead_code",
        "renumber_values",
        "optimize",
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/passes")
            .join(dir);
        for entry in std::fs::read_dir(dir).unwrap() {
            let mut program =
                parse(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
            optimize(&mut program);
            let once = program.clone();
            optimize(&mut program);
            assert_eq!(program, once);
        }
    }
}

#[test]
fn optimize_with_shows_the_program_after_the_named_pass() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ok/token.ir"),
    )
    .unwrap();
    let names: Vec<&str> = PIPELINE.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "fold_constants",
            "eliminate_common_subexpressions",
            "merge_map_accesses",
            "eliminate_dead_code",
            "renumber_values"
        ]
    );
    for name in names {
        assert!(stele_ir::passes::pass(name).is_some());
        let mut program = parse(&text).unwrap();
        let mut seen = Vec::new();
        optimize_with(&mut program, Some(name), &mut |pass, p| {
            seen.push((pass.to_string(), p.clone()))
        });
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, name);
        // What the sink saw is what running the pipeline up to that pass gives.
        let mut expected = parse(&text).unwrap();
        for (n, pass) in PIPELINE {
            pass(&mut expected);
            if *n == name {
                break;
            }
        }
        assert_eq!(seen[0].1, expected);
    }
    let mut program = parse(&text).unwrap();
    let mut calls = 0;
    optimize_with(&mut program, Some("inline_everything"), &mut |_, _| {
        calls += 1
    });
    assert_eq!(calls, 0);
    assert!(stele_ir::passes::pass("inline_everything").is_none());
}

#[test]
fn optimize_verified_names_the_pass_that_broke_the_program() {
    let mut broken =
        parse("stele-ir 1 chain \"c\" state {} transition t() @0:1:1 { %0: u8 = neg %0 }").unwrap();
    let err = optimize_verified(&mut broken).unwrap_err();
    assert_eq!(err.pass, "input");
    insta::assert_snapshot!(err.to_string(), @r"
    IR verification failed after `input`
      `t`: location refers to file 0, but the program has 0 files
      `t`, instruction 0: `%0` is used before it is defined
    ");
}

// ---- folding on edge values, against plain integer arithmetic ----

fn uint_max(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1 << bits) - 1
    }
}

/// What `a op b` means on `uN`, written from the operation docs with native integers.
fn uint_reference(op: BinOp, bits: u32, a: u128, b: u128) -> Result<u128, &'static str> {
    let max = uint_max(bits);
    let bool = |c: bool| Ok(c as u128);
    match op {
        BinOp::Add => a
            .checked_add(b)
            .filter(|&s| s <= max)
            .ok_or("arithmetic overflow"),
        BinOp::Sub => a.checked_sub(b).ok_or("arithmetic underflow"),
        BinOp::Mul => a
            .checked_mul(b)
            .filter(|&p| p <= max)
            .ok_or("arithmetic overflow"),
        BinOp::Div => a.checked_div(b).ok_or("division by zero"),
        BinOp::Rem => a.checked_rem(b).ok_or("division by zero"),
        BinOp::And => Ok(a & b),
        BinOp::Or => Ok(a | b),
        BinOp::Xor => Ok(a ^ b),
        BinOp::Shl if b < bits as u128 => Ok(a.checked_shl(b as u32).unwrap_or(0) & max),
        BinOp::Shr if b < bits as u128 => Ok(a >> b),
        BinOp::Shl | BinOp::Shr => Err("shift overflow"),
        BinOp::Eq => bool(a == b),
        BinOp::Lt => bool(a < b),
        BinOp::Le => bool(a <= b),
    }
}

fn edges(max: u128) -> Vec<u128> {
    let mut v = vec![0, 1, 2, max / 2, max / 2 + 1, max - 1, max];
    v.dedup();
    v
}

/// `%0 = const a; %1 = const b; %2 = <op>; sstore 0 = %2`, folded.
fn fold_one(tys: (&str, &str, &str), consts: (String, String), op: &str) -> (Program, Program) {
    let (a_ty, b_ty, r_ty) = tys;
    let text = format!(
        "stele-ir 1 chain \"c\" file 0 \"f\" state {{ out: {r_ty} }}
         transition t() @0:1:1 {{
           %0: {a_ty} = const {} %1: {b_ty} = const {} %2: {r_ty} = {op} @0:2:1 sstore 0 = %2
         }}",
        consts.0, consts.1
    );
    let before = parse(&text).unwrap();
    verify(&before).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    let mut after = before.clone();
    fold_constants(&mut after);
    verify(&after).unwrap();
    (before, after)
}

/// The folded instruction: `Some(value)` when it became a constant, `None` when it stayed.
fn folded(after: &Program) -> Option<Felt> {
    match after.transitions[0].body[2].op {
        Op::Const(x) => Some(x),
        _ => None,
    }
}

#[test]
fn fold_matches_integer_arithmetic_on_edge_values() {
    use BinOp::*;
    let mut folded_count = 0;
    let mut kept_count = 0;
    for bits in [8u32, 16, 32, 64, 128] {
        let t = format!("u{bits}");
        for op in [Add, Sub, Mul, Div, Rem, And, Or, Xor, Shl, Shr, Eq, Lt, Le] {
            let shift = matches!(op, Shl | Shr);
            let b_values = if shift {
                vec![0, 1, bits as u128 - 1, bits as u128, u32::MAX as u128]
            } else {
                edges(uint_max(bits))
            };
            let b_ty = if shift { "u32".to_string() } else { t.clone() };
            let r_ty = if matches!(op, Eq | Lt | Le) {
                "bool".to_string()
            } else {
                t.clone()
            };
            for &a in &edges(uint_max(bits)) {
                for &b in &b_values {
                    let (before, after) = fold_one(
                        (&t, &b_ty, &r_ty),
                        (a.to_string(), b.to_string()),
                        &format!("{op} %0, %1"),
                    );
                    let expected = uint_reference(op, bits, a, b);
                    match (expected, folded(&after)) {
                        (Ok(v), Some(x)) => {
                            assert_eq!(x, Felt::from_u128(v), "{a} {op} {b} on {t}");
                            folded_count += 1;
                        }
                        (Err(msg), None) => {
                            let Outcome::Rejected { msg: got, .. } =
                                run(&after, &after.transitions[0], &[], &[Felt::ZERO])
                            else {
                                panic!("{a} {op} {b} on {t} should fail")
                            };
                            assert_eq!(got, msg);
                            kept_count += 1;
                        }
                        (expected, got) => {
                            panic!("{a} {op} {b} on {t}: expected {expected:?}, folded to {got:?}")
                        }
                    }
                    assert_eq!(outcomes(&before, &before), outcomes(&after, &before));
                }
            }
        }
    }
    assert!(
        folded_count > 1000 && kept_count > 100,
        "{folded_count} folded, {kept_count} kept"
    );
}

#[test]
fn fold_casts_on_edge_values() {
    let tys = ["bool", "u8", "u16", "u32", "u64", "u128", "Field"];
    for from in tys {
        let values: Vec<String> = match from {
            "bool" => vec!["0".into(), "1".into()],
            "Field" => vec![
                "0".into(),
                "255".into(),
                "256".into(),
                u128::MAX.to_string(),
                P_MINUS_1.into(),
            ],
            _ => edges(uint_max(from[1..].parse().unwrap()))
                .iter()
                .map(u128::to_string)
                .collect(),
        };
        for to in &tys[1..] {
            for v in &values {
                let (_, after) = fold_one((from, from, to), (v.clone(), "0".into()), "cast %0");
                let fits = match *to {
                    "Field" => true,
                    _ => Felt::parse(v)
                        .unwrap()
                        .to_u128()
                        .is_some_and(|x| x <= uint_max(to[1..].parse().unwrap())),
                };
                let expected = fits.then(|| Felt::parse(v).unwrap());
                assert_eq!(folded(&after), expected, "cast {v}: {from} -> {to}");
            }
        }
    }
}

#[test]
fn fold_field_arithmetic_on_edge_values() {
    let values = [
        "0",
        "1",
        "2",
        P_MINUS_1,
        "10944121435919637611123202872628637544274182200208017171849102093287904247808",
    ];
    for a in values {
        for b in values {
            let (fa, fb) = (Felt::parse(a).unwrap(), Felt::parse(b).unwrap());
            for (op, expected) in [
                ("add", Some(fa + fb)),
                ("sub", Some(fa - fb)),
                ("mul", Some(fa * fb)),
                ("div", fb.inverse().map(|inv| fa * inv)),
            ] {
                let (_, after) = fold_one(
                    ("Field", "Field", "Field"),
                    (a.into(), b.into()),
                    &format!("{op} %0, %1"),
                );
                assert_eq!(folded(&after), expected, "{a} {op} {b}");
                if let Some(x) = expected
                    && op == "div"
                {
                    assert_eq!(x * fb, fa);
                }
            }
        }
    }
}

// ---- random programs keep their behaviour ----

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
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

const TYS: [Ty; 5] = [Ty::Bool, Ty::UInt(8), Ty::UInt(32), Ty::UInt(64), Ty::Field];

/// A value of `ty`, mostly from the edges.
fn random_value(rng: &mut Rng, ty: Ty) -> Felt {
    match ty {
        Ty::Bool => Felt::from_u128(rng.below(2) as u128),
        Ty::UInt(bits) => {
            let max = uint_max(bits as u32);
            let e = edges(max);
            if rng.chance(3) {
                Felt::from_u128(rng.next() as u128 & max)
            } else {
                Felt::from_u128(e[rng.below(e.len())])
            }
        }
        _ => match rng.below(4) {
            0 => Felt::parse(P_MINUS_1).unwrap(),
            1 => Felt::from_u128(rng.next() as u128),
            _ => Felt::from_u128(rng.below(3) as u128),
        },
    }
}

fn random_program(rng: &mut Rng) -> Program {
    let scalar = |t: Ty| match t {
        Ty::Bool => Type::Bool,
        Ty::Field => Type::Field,
        Ty::UInt(b) => Type::UInt(b),
    };
    let mut body: Vec<Inst> = Vec::new();
    let mut pool: Vec<(ValueId, Ty)> = Vec::new();
    let mut next = 0u32;
    let loc = |line| {
        Some(Loc {
            file: 0,
            line,
            col: 1,
        })
    };
    let mut define =
        |body: &mut Vec<Inst>, pool: &mut Vec<(ValueId, Ty)>, ty: Ty, op: Op, guard, l| {
            let v = ValueId(next);
            next += 1;
            body.push(Inst {
                results: vec![(v, ty)],
                op,
                guard,
                loc: l,
            });
            pool.push((v, ty));
        };
    for (i, &ty) in TYS.iter().enumerate() {
        define(&mut body, &mut pool, ty, Op::Param(i as u32), None, None);
        define(&mut body, &mut pool, ty, Op::SLoad(i as u32), None, None);
    }
    // Map keys: mostly the previous key (so reads and writes of one key follow each other, what
    // `merge_map_accesses` looks for), some out of the depth-3 map's range.
    let mut key: Option<ValueId> = None;
    for line in 1..30 {
        let pick = |rng: &mut Rng, pool: &[(ValueId, Ty)], ty: Ty| {
            let of: Vec<ValueId> = pool
                .iter()
                .filter(|(_, t)| *t == ty)
                .map(|(v, _)| *v)
                .collect();
            of[rng.below(of.len())]
        };
        let guard = if rng.chance(4) {
            Some(pick(rng, &pool, Ty::Bool))
        } else {
            None
        };
        let ty = TYS[rng.below(TYS.len())];
        let choice = rng.below(11);
        if choice >= 9 {
            let k = match key {
                Some(k) if !rng.chance(3) => k,
                // Mostly a constant key 0..=8 (8 is out of range), else any `u8`.
                _ if !rng.chance(8) => {
                    let c = Felt::from_u128(rng.below(9) as u128);
                    define(&mut body, &mut pool, Ty::UInt(8), Op::Const(c), None, None);
                    pool[pool.len() - 1].0
                }
                _ => pick(rng, &pool, Ty::UInt(8)),
            };
            key = Some(k);
            if choice == 10 {
                let v = pick(rng, &pool, Ty::UInt(64));
                body.push(Inst {
                    results: vec![],
                    op: Op::MapWrite {
                        map: 0,
                        key: k,
                        value: vec![v],
                    },
                    guard,
                    loc: loc(line),
                });
            } else {
                define(
                    &mut body,
                    &mut pool,
                    Ty::UInt(64),
                    Op::MapRead { map: 0, key: k },
                    guard,
                    loc(line),
                );
            }
            continue;
        }
        match choice {
            0 | 1 => define(
                &mut body,
                &mut pool,
                ty,
                Op::Const(random_value(rng, ty)),
                guard,
                None,
            ),
            2..=4 => {
                use BinOp::*;
                let ops: &[BinOp] = match ty {
                    Ty::Bool => &[And, Or, Xor, Eq],
                    Ty::Field => &[Add, Sub, Mul, Div, Eq],
                    _ => &[Add, Sub, Mul, Div, Rem, And, Or, Xor, Shl, Shr, Eq, Lt, Le],
                };
                let op = ops[rng.below(ops.len())];
                let a = pick(rng, &pool, ty);
                let b = pick(
                    rng,
                    &pool,
                    if matches!(op, Shl | Shr) {
                        Ty::UInt(32)
                    } else {
                        ty
                    },
                );
                let result = if matches!(op, Eq | Lt | Le) {
                    Ty::Bool
                } else {
                    ty
                };
                define(
                    &mut body,
                    &mut pool,
                    result,
                    Op::Binary(op, a, b),
                    guard,
                    loc(line),
                );
            }
            5 => {
                let op = if ty == Ty::Field {
                    UnOp::Neg
                } else {
                    UnOp::Not
                };
                let x = pick(rng, &pool, ty);
                define(&mut body, &mut pool, ty, Op::Unary(op, x), guard, None);
            }
            6 => {
                let to = TYS[1 + rng.below(TYS.len() - 1)];
                let x = pick(rng, &pool, ty);
                define(&mut body, &mut pool, to, Op::Cast(x), guard, loc(line));
            }
            7 => {
                let c = pick(rng, &pool, Ty::Bool);
                if rng.chance(2) {
                    let (a, b) = (pick(rng, &pool, ty), pick(rng, &pool, ty));
                    define(&mut body, &mut pool, ty, Op::Select(c, a, b), guard, None);
                } else {
                    body.push(Inst {
                        results: vec![],
                        op: Op::Assert {
                            cond: c,
                            msg: format!("a{line}"),
                        },
                        guard,
                        loc: loc(line),
                    });
                }
            }
            _ => {
                let index_ty = if rng.chance(2) {
                    Ty::UInt(8)
                } else {
                    Ty::UInt(32)
                };
                let index = pick(rng, &pool, index_ty);
                let items = (0..1 + rng.below(3))
                    .map(|_| pick(rng, &pool, ty))
                    .collect();
                define(
                    &mut body,
                    &mut pool,
                    ty,
                    Op::Pick { index, items },
                    guard,
                    None,
                );
            }
        }
    }
    for (i, &ty) in TYS.iter().enumerate() {
        if rng.chance(3) {
            continue;
        }
        let of: Vec<ValueId> = pool
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(v, _)| *v)
            .collect();
        let v = of[of.len() - 1 - rng.below(of.len().min(3))];
        let guard = if rng.chance(4) {
            Some(pool.iter().rev().find(|(_, t)| *t == Ty::Bool).unwrap().0)
        } else {
            None
        };
        body.push(Inst {
            results: vec![],
            op: Op::SStore(i as u32, v),
            guard,
            loc: None,
        });
    }
    let fields: Vec<(String, Type)> = TYS
        .iter()
        .enumerate()
        .map(|(i, &t)| (format!("x{i}"), scalar(t)))
        .collect();
    Program {
        chain: "random".into(),
        files: vec!["random.stele".into()],
        types: vec![],
        state: fields
            .iter()
            .map(|(n, t)| StateField {
                name: n.clone(),
                kind: StateKind::Value(t.clone()),
            })
            .chain(std::iter::once(StateField {
                name: "m".into(),
                kind: StateKind::Map {
                    key: Type::UInt(8),
                    value: Type::UInt(64),
                    depth: 3,
                },
            }))
            .collect(),
        transitions: vec![Function {
            name: "t".into(),
            params: fields,
            body,
            loc: Loc {
                file: 0,
                line: 1,
                col: 1,
            },
        }],
        tests: vec![],
    }
}

#[test]
fn optimizing_random_programs_keeps_their_behaviour() {
    let mut rng = Rng(0x57e1e);
    let (mut committed, mut rejected, mut merged) = (0, 0, 0);
    let map_ops = |p: &Program| {
        p.transitions[0]
            .body
            .iter()
            .filter(|i| matches!(i.op, Op::MapRead { .. } | Op::MapWrite { .. }))
            .count()
    };
    for _ in 0..300 {
        let program = random_program(&mut rng);
        verify(&program)
            .unwrap_or_else(|e| panic!("generator made a broken program: {e:?}\n{program}"));
        let mut optimized = program.clone();
        optimize_verified(&mut optimized).unwrap_or_else(|e| panic!("{e}\n{program}"));
        if map_ops(&optimized) < map_ops(&program) {
            merged += 1;
        }
        assert_eq!(parse(&print(&optimized)).as_ref(), Ok(&optimized));
        for _ in 0..8 {
            let params: Vec<Felt> = TYS.iter().map(|&t| random_value(&mut rng, t)).collect();
            let state: Vec<Felt> = TYS.iter().map(|&t| random_value(&mut rng, t)).collect();
            let before = run(&program, &program.transitions[0], &params, &state);
            let after = run(&optimized, &optimized.transitions[0], &params, &state);
            assert_eq!(
                before, after,
                "behaviour changed for {params:?}, {state:?}\n{program}\n{optimized}"
            );
            match before {
                Outcome::Committed { .. } => committed += 1,
                Outcome::Rejected { .. } => rejected += 1,
            }
        }
    }
    // Both kinds of outcome were exercised, and map accesses were merged.
    assert!(
        committed > 200 && rejected > 200,
        "{committed} committed, {rejected} rejected"
    );
    assert!(merged > 100, "map accesses merged in {merged} programs");
}
