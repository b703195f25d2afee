//! Every operation's semantics on edge values: checked unsigned arithmetic for each width,
//! division by zero, shifts, bitwise not, comparisons, `Field` arithmetic, casts, select, pick,
//! hash; and agreement with the IR crate's constant folder (`stele_ir::eval`).

mod common;

use common::*;
use stele_exec::Val;
use stele_ir::eval::{self, EvalError};
use stele_ir::{BinOp, Felt, Ty};

const WIDTHS: [u32; 5] = [8, 16, 32, 64, 128];

fn max(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1 << bits) - 1
    }
}

fn ok(x: u128) -> Result<Val, String> {
    Ok(Val::Int(x))
}

fn fails(reason: &str) -> Result<Val, String> {
    Err(reason.to_string())
}

const OVERFLOW: &str = "arithmetic overflow";
const UNDERFLOW: &str = "arithmetic underflow";
const DIV0: &str = "division by zero";
const SHIFT: &str = "shift overflow";
const CAST: &str = "cast overflow";

#[test]
fn unsigned_arithmetic_edges_for_every_width() {
    for bits in WIDTHS {
        let m = max(bits);
        let t = format!("u{bits}");
        let half = 1u128 << (bits / 2);
        let op = |name: &str, a: u128, b: u128| binop(name, &t, &t, int(a), int(b));
        let ctx = |what: &str| format!("u{bits} {what}");
        // add
        assert_eq!(op("add", 0, 0), ok(0), "{}", ctx("0 + 0"));
        assert_eq!(op("add", m, 0), ok(m), "{}", ctx("max + 0"));
        assert_eq!(op("add", m - 1, 1), ok(m), "{}", ctx("max-1 + 1"));
        assert_eq!(op("add", m, 1), fails(OVERFLOW), "{}", ctx("max + 1"));
        assert_eq!(op("add", m, m), fails(OVERFLOW), "{}", ctx("max + max"));
        // sub
        assert_eq!(op("sub", 0, 0), ok(0), "{}", ctx("0 - 0"));
        assert_eq!(op("sub", m, m), ok(0), "{}", ctx("max - max"));
        assert_eq!(op("sub", m, 0), ok(m), "{}", ctx("max - 0"));
        assert_eq!(op("sub", 0, 1), fails(UNDERFLOW), "{}", ctx("0 - 1"));
        assert_eq!(op("sub", 1, m), fails(UNDERFLOW), "{}", ctx("1 - max"));
        // mul
        assert_eq!(op("mul", 0, m), ok(0), "{}", ctx("0 * max"));
        assert_eq!(op("mul", m, 1), ok(m), "{}", ctx("max * 1"));
        assert_eq!(
            op("mul", half - 1, half + 1),
            ok(m),
            "{}",
            ctx("(2^k-1)(2^k+1)")
        );
        assert_eq!(
            op("mul", half, half),
            fails(OVERFLOW),
            "{}",
            ctx("2^k * 2^k")
        );
        assert_eq!(op("mul", m, 2), fails(OVERFLOW), "{}", ctx("max * 2"));
        assert_eq!(op("mul", m, m), fails(OVERFLOW), "{}", ctx("max * max"));
        // div, rem
        assert_eq!(op("div", 7, 2), ok(3), "{}", ctx("7 / 2"));
        assert_eq!(op("div", m, m), ok(1), "{}", ctx("max / max"));
        assert_eq!(op("div", m, 1), ok(m), "{}", ctx("max / 1"));
        assert_eq!(op("div", 0, 5), ok(0), "{}", ctx("0 / 5"));
        assert_eq!(op("div", m, 0), fails(DIV0), "{}", ctx("max / 0"));
        assert_eq!(op("div", 0, 0), fails(DIV0), "{}", ctx("0 / 0"));
        assert_eq!(op("rem", 7, 2), ok(1), "{}", ctx("7 % 2"));
        assert_eq!(op("rem", m, 2), ok(1), "{}", ctx("max % 2"));
        assert_eq!(op("rem", m, m), ok(0), "{}", ctx("max % max"));
        assert_eq!(op("rem", 7, 0), fails(DIV0), "{}", ctx("7 % 0"));
        // bitwise
        assert_eq!(op("and", m, 0b1010), ok(0b1010), "{}", ctx("and"));
        assert_eq!(op("or", m - 1, 1), ok(m), "{}", ctx("or"));
        assert_eq!(op("xor", m, 1), ok(m - 1), "{}", ctx("xor"));
        // shifts: the amount is a u32; bits shifted out are dropped
        assert_eq!(op("shl", 1, 0), ok(1), "{}", ctx("1 << 0"));
        assert_eq!(
            op("shl", 1, (bits - 1) as u128),
            ok(1 << (bits - 1)),
            "{}",
            ctx("1 << N-1")
        );
        assert_eq!(op("shl", m, 1), ok(m - 1), "{}", ctx("max << 1"));
        assert_eq!(
            op("shl", m, (bits - 1) as u128),
            ok(1 << (bits - 1)),
            "{}",
            ctx("max << N-1")
        );
        assert_eq!(
            op("shl", 1, bits as u128),
            fails(SHIFT),
            "{}",
            ctx("1 << N")
        );
        assert_eq!(
            op("shl", 0, bits as u128),
            fails(SHIFT),
            "{}",
            ctx("0 << N")
        );
        assert_eq!(
            op("shl", 1, u32::MAX as u128),
            fails(SHIFT),
            "{}",
            ctx("1 << u32::MAX")
        );
        assert_eq!(
            op("shr", m, (bits - 1) as u128),
            ok(1),
            "{}",
            ctx("max >> N-1")
        );
        assert_eq!(op("shr", m, 0), ok(m), "{}", ctx("max >> 0"));
        assert_eq!(
            op("shr", m, bits as u128),
            fails(SHIFT),
            "{}",
            ctx("max >> N")
        );
        // comparisons
        let cmp = |name: &str, a: u128, b: u128| binop(name, &t, "bool", int(a), int(b));
        assert_eq!(cmp("lt", 0, m), ok(1), "{}", ctx("0 < max"));
        assert_eq!(cmp("lt", m, m), ok(0), "{}", ctx("max < max"));
        assert_eq!(cmp("lt", m, 0), ok(0), "{}", ctx("max < 0"));
        assert_eq!(cmp("le", m, m), ok(1), "{}", ctx("max <= max"));
        assert_eq!(cmp("le", m, m - 1), ok(0), "{}", ctx("max <= max-1"));
        assert_eq!(cmp("eq", m, m), ok(1), "{}", ctx("max == max"));
        assert_eq!(cmp("eq", 0, m), ok(0), "{}", ctx("0 == max"));
        // not: bitwise within the width
        assert_eq!(unop("not", &t, &t, int(0)), ok(m), "{}", ctx("!0"));
        assert_eq!(unop("not", &t, &t, int(m)), ok(0), "{}", ctx("!max"));
        assert_eq!(
            unop("not", &t, &t, int(0b1010)),
            ok(m ^ 0b1010),
            "{}",
            ctx("!0b1010")
        );
    }
}

#[test]
fn bool_operations() {
    for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        assert_eq!(binop("and", "bool", "bool", int(a), int(b)), ok(a & b));
        assert_eq!(binop("or", "bool", "bool", int(a), int(b)), ok(a | b));
        assert_eq!(binop("xor", "bool", "bool", int(a), int(b)), ok(a ^ b));
        assert_eq!(
            binop("eq", "bool", "bool", int(a), int(b)),
            ok((a == b) as u128)
        );
    }
    assert_eq!(unop("not", "bool", "bool", int(0)), ok(1));
    assert_eq!(unop("not", "bool", "bool", int(1)), ok(0));
}

#[test]
fn field_arithmetic_is_modular() {
    let p1 = field(frs(P_MINUS_1));
    let one = field(fr(1));
    let zero = field(fr(0));
    let f = |op: &str, a: Val, b: Val| binop(op, "Field", "Field", a, b);
    assert_eq!(f("add", p1, one), Ok(zero));
    assert_eq!(f("sub", zero, one), Ok(p1));
    assert_eq!(f("mul", p1, p1), Ok(one));
    let half = frs("10944121435919637611123202872628637544274182200208017171849102093287904247809");
    assert_eq!(f("div", one, field(fr(2))), Ok(field(half)));
    assert_eq!(f("div", field(fr(6)), field(fr(3))), Ok(field(fr(2))));
    assert_eq!(f("div", one, zero), fails(DIV0));
    assert_eq!(f("div", zero, zero), fails(DIV0));
    assert_eq!(binop("eq", "Field", "bool", p1, p1), ok(1));
    assert_eq!(binop("eq", "Field", "bool", p1, zero), ok(0));
    assert_eq!(unop("neg", "Field", "Field", one), Ok(p1));
    assert_eq!(unop("neg", "Field", "Field", zero), Ok(zero));
}

#[test]
fn casts() {
    assert_eq!(unop("cast", "u8", "u16", int(255)), ok(255));
    assert_eq!(unop("cast", "u16", "u8", int(255)), ok(255));
    assert_eq!(unop("cast", "u16", "u8", int(256)), fails(CAST));
    assert_eq!(
        unop("cast", "u128", "u64", int(u64::MAX as u128)),
        ok(u64::MAX as u128)
    );
    assert_eq!(unop("cast", "u128", "u64", int(1 << 64)), fails(CAST));
    assert_eq!(unop("cast", "u128", "u8", int(u128::MAX)), fails(CAST));
    assert_eq!(
        unop("cast", "u64", "u128", int(u64::MAX as u128)),
        ok(u64::MAX as u128)
    );
    assert_eq!(unop("cast", "u32", "u32", int(7)), ok(7));
    assert_eq!(unop("cast", "bool", "u8", int(1)), ok(1));
    assert_eq!(unop("cast", "bool", "Field", int(1)), Ok(field(fr(1))));
    assert_eq!(
        unop("cast", "u128", "Field", int(u128::MAX)),
        Ok(field(fr(u128::MAX)))
    );
    assert_eq!(
        unop("cast", "Field", "u64", field(fr(u64::MAX as u128))),
        ok(u64::MAX as u128)
    );
    assert_eq!(
        unop("cast", "Field", "u64", field(fr(1 << 64))),
        fails(CAST)
    );
    assert_eq!(
        unop("cast", "Field", "u128", field(fr(u128::MAX))),
        ok(u128::MAX)
    );
    assert_eq!(
        unop(
            "cast",
            "Field",
            "u128",
            field(frs("340282366920938463463374607431768211456"))
        ),
        fails(CAST)
    );
    assert_eq!(
        unop("cast", "Field", "u8", field(frs(P_MINUS_1))),
        fails(CAST)
    );
    assert_eq!(
        unop("cast", "Field", "Field", field(frs(P_MINUS_1))),
        Ok(field(frs(P_MINUS_1)))
    );
}

#[test]
fn select_pick_and_hash() {
    let sel = |ty: &str, c: u128, a: Val, b: Val| {
        let text = format!(
            "stele-ir 1\nchain \"t\"\nfile 0 \"src/main.stele\"\nstate {{ out: {ty} }}\ntransition f(c: bool, a: {ty}, b: {ty}) @0:1:1 {{\n\
             %0: bool = param 0\n%1: {ty} = param 1\n%2: {ty} = param 2\n%3: {ty} = select %0, %1, %2\nsstore 0 = %3\n}}\n"
        );
        run_store(&load(&text), vec![int(c), a, b])
    };
    assert_eq!(sel("u64", 1, int(5), int(6)), ok(5));
    assert_eq!(sel("u64", 0, int(5), int(6)), ok(6));
    assert_eq!(
        sel("Field", 1, field(fr(5)), field(fr(6))),
        Ok(field(fr(5)))
    );
    assert_eq!(
        sel("Field", 0, field(fr(5)), field(fr(6))),
        Ok(field(fr(6)))
    );

    let pick = |ty: &str, index: u128, items: [Val; 3]| {
        let text = format!(
            "stele-ir 1\nchain \"t\"\nfile 0 \"src/main.stele\"\nstate {{ out: {ty} }}\ntransition f(i: u32, xs: [{ty}; 3]) @0:1:1 {{\n\
             %0: u32 = param 0\n%1: {ty} = param 1\n%2: {ty} = param 2\n%3: {ty} = param 3\n\
             %4: {ty} = pick %0, [%1, %2, %3]\nsstore 0 = %4\n}}\n"
        );
        let mut args = vec![int(index)];
        args.extend(items);
        run_store(&load(&text), args)
    };
    let ints = [int(10), int(20), int(30)];
    assert_eq!(pick("u8", 0, ints), ok(10));
    assert_eq!(pick("u8", 2, ints), ok(30));
    assert_eq!(pick("u8", 3, ints), ok(0), "out of range picks zero");
    assert_eq!(pick("u8", u32::MAX as u128, ints), ok(0));
    let fields = [field(fr(10)), field(fr(20)), field(frs(P_MINUS_1))];
    assert_eq!(pick("Field", 2, fields), Ok(field(frs(P_MINUS_1))));
    assert_eq!(pick("Field", 3, fields), Ok(field(fr(0))));

    let text = "stele-ir 1\nchain \"t\"\nfile 0 \"src/main.stele\"\nstate { one: Field two: Field }\ntransition f(a: Field, b: Field) @0:1:1 {\n\
                %0: Field = param 0\n%1: Field = param 1\n%2: Field = hash [%0]\n%3: Field = hash [%0, %1]\n\
                sstore 0 = %2\nsstore 1 = %3\n}\n";
    let exe = load(text);
    let mut state = stele_exec::State::new(exe.program());
    stele_exec::apply_tx(
        &exe,
        &mut state,
        &stele_exec::Tx {
            transition: 0,
            args: vec![field(fr(1)), field(fr(2))],
        },
    )
    .unwrap();
    assert_eq!(state.scalars()[0], field(stele_crypto::poseidon(&[fr(1)])));
    assert_eq!(
        state.scalars()[1],
        field(stele_crypto::poseidon2(fr(1), fr(2)))
    );
    assert_eq!(
        stele_crypto::fr_to_decimal(&state.scalars()[1].to_fr()),
        "7853200120776062878684798364095072458815029376092732009249414926327459813530"
    );
}

/// The executor and the IR crate's constant folder compute the same results and failures.
#[test]
fn agrees_with_the_constant_folder() {
    let ops = [
        ("add", BinOp::Add),
        ("sub", BinOp::Sub),
        ("mul", BinOp::Mul),
        ("div", BinOp::Div),
        ("rem", BinOp::Rem),
        ("and", BinOp::And),
        ("or", BinOp::Or),
        ("xor", BinOp::Xor),
        ("shl", BinOp::Shl),
        ("shr", BinOp::Shr),
        ("eq", BinOp::Eq),
        ("lt", BinOp::Lt),
        ("le", BinOp::Le),
    ];
    for bits in [8u32, 64, 128] {
        let m = max(bits);
        let values = [0, 1, 2, 3, m / 2, m / 2 + 1, m - 1, m, 1 << (bits / 2)];
        let amounts = [0u128, 1, (bits - 1) as u128, bits as u128, 200];
        let t = format!("u{bits}");
        for (name, op) in ops {
            let result = if matches!(op, BinOp::Eq | BinOp::Lt | BinOp::Le) {
                "bool"
            } else {
                t.as_str()
            };
            let bs: &[u128] = if matches!(op, BinOp::Shl | BinOp::Shr) {
                &amounts
            } else {
                &values
            };
            for &a in &values {
                for &b in bs {
                    let ours = binop(name, &t, result, int(a), int(b));
                    let folded = eval::binary(
                        op,
                        Ty::UInt(bits as u8),
                        Felt::from_u128(a),
                        Felt::from_u128(b),
                    );
                    let folded = match folded {
                        Ok(x) => Ok(Val::Int(x.to_u128().unwrap())),
                        Err(EvalError::Fails(m)) => Err(m.to_string()),
                        Err(EvalError::Unsupported) => panic!("folder: unsupported {name} {a} {b}"),
                    };
                    assert_eq!(ours, folded, "u{bits} {name} {a} {b}");
                }
            }
        }
    }
}
