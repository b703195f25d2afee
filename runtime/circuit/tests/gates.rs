//! MockProver tests of the arithmetic gate, the range lookup and every gadget in
//! `stele_circuit::gates`: honest runs on edge values checked against the IR's reference
//! evaluation (`stele_ir::eval`), and one or more soundness tests per gadget, where a tampered
//! witness (the test-only fault hook, `gates::fault`) or an input the IR rejects must make
//! MockProver fail, on the constraint family we expect.

use std::cell::RefCell;
use std::rc::Rc;

use halo2_proofs::circuit::{Layouter, Region, SimpleFloorPlanner, Value};
use halo2_proofs::dev::{MockProver, VerifyFailure};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::{Circuit, ConstraintSystem, Error};
use stele_circuit::gates::{Bit, Faults, GateChip, GateConfig, GateCtx, Var, range_rows};
use stele_ir::eval::{self, EvalError};
use stele_ir::{BinOp, Felt, Ty, UnOp};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

type Build = dyn Fn(&GateChip, &mut Region<'_, Fr>);

#[derive(Clone)]
struct TestCircuit {
    build: Rc<Build>,
    faults: Faults,
}

impl Circuit<Fr> for TestCircuit {
    type Config = GateConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> GateConfig {
        let advice = [(); 4].map(|_| meta.advice_column());
        GateChip::configure(meta, advice)
    }

    fn synthesize(&self, config: GateConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let chip = GateChip::new(config).with_faults(self.faults.clone());
        chip.load_table(&mut layouter)?;
        layouter.assign_region(
            || "test",
            |mut region| {
                (self.build)(&chip, &mut region);
                Ok(())
            },
        )
    }
}

/// Smallest k that fits the 256-row table comfortably.
const K: u32 = 9;

fn run_region(
    k: u32,
    faults: &Faults,
    build: impl Fn(&GateChip, &mut Region<'_, Fr>) + 'static,
) -> Result<(), Vec<VerifyFailure>> {
    let circuit = TestCircuit {
        build: Rc::new(build),
        faults: faults.clone(),
    };
    MockProver::run(k, &circuit, vec![])
        .expect("synthesis")
        .verify()
}

fn run(
    k: u32,
    faults: &Faults,
    build: impl Fn(&mut GateCtx<'_, '_>) + 'static,
) -> Result<(), Vec<VerifyFailure>> {
    run_region(k, faults, move |chip, region| {
        let mut ctx = chip.ctx(region, 0);
        build(&mut ctx);
    })
}

/// The honest witness satisfies every constraint.
fn honest(k: u32, build: impl Fn(&mut GateCtx<'_, '_>) + 'static) {
    if let Err(failures) = run(k, &Faults::none(), build) {
        panic!("honest run rejected: {failures:#?}");
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Gate,
    Lookup,
    Copy,
}

fn kind(f: &VerifyFailure) -> Kind {
    match f {
        VerifyFailure::ConstraintNotSatisfied { .. } => Kind::Gate,
        VerifyFailure::Lookup { .. } => Kind::Lookup,
        VerifyFailure::Permutation { .. } => Kind::Copy,
        other => panic!("unexpected failure kind: {other:?}"),
    }
}

/// MockProver rejects, and at least one failure is of kind `expect`. With faults, they must
/// have landed (a fault that hits nothing would make the test vacuous).
fn rejects(k: u32, faults: Faults, expect: Kind, build: impl Fn(&mut GateCtx<'_, '_>) + 'static) {
    let result = run(k, &faults, build);
    if !faults.is_empty() {
        assert!(faults.hits() > 0, "the fault hit no cell");
    }
    match result {
        Ok(()) => panic!("MockProver accepted a witness it must reject"),
        Err(failures) => {
            let kinds: Vec<Kind> = failures.iter().map(kind).collect();
            assert!(
                kinds.contains(&expect),
                "expected a {expect:?} failure, got {failures:#?}"
            );
        }
    }
}

fn known(v: Value<Fr>) -> Fr {
    let mut out = None;
    v.map(|x| out = Some(x));
    out.expect("known value")
}

fn check(v: &Var, expected: Fr, what: &str) {
    assert_eq!(known(v.value()), expected, "{what}");
}

fn kv(x: Fr) -> Value<Fr> {
    Value::known(x)
}

fn u(x: u128) -> Fr {
    Fr::from_u128(x)
}

fn pow2(n: u32) -> Fr {
    Fr::from(2u64).pow_vartime([u64::from(n)])
}

fn felt(x: Fr) -> Felt {
    Felt::from_le_bytes(x.to_repr()).expect("canonical")
}

fn fr(x: Felt) -> Fr {
    Fr::from_repr(x.to_le_bytes()).expect("canonical")
}

fn max(bits: u32) -> u128 {
    eval::uint_max(bits).expect("width")
}

/// 0, 1, 2, the middle, the top and a few powers of two around half the width.
fn uint_edges(bits: u32) -> Vec<u128> {
    let m = max(bits);
    let mut v = vec![0, 1, 2, m / 2, m / 2 + 1, m - 1, m];
    if bits >= 16 {
        let h = 1u128 << (bits / 2);
        v.extend([h - 1, h, h + 1]);
    }
    v.retain(|&x| x <= m);
    v.sort_unstable();
    v.dedup();
    v
}

fn p_minus(k: u64) -> Fr {
    -Fr::from(k)
}

fn field_edges() -> Vec<Fr> {
    vec![
        Fr::ZERO,
        Fr::ONE,
        u(2),
        p_minus(1),
        p_minus(2),
        Fr::from(2).invert().unwrap(), // (p + 1) / 2
        pow2(128),
        u(u128::MAX),
    ]
}

fn eval_bin(op: BinOp, ty: Ty, a: Fr, b: Fr) -> Result<Fr, EvalError> {
    eval::binary(op, ty, felt(a), felt(b)).map(fr)
}

/// `x + p` as a 256-bit integer, shifted right by `8·i` bits, as a field element: the running
/// sum of the non-canonical representative (valid as field elements for `i >= 1`).
fn plus_p_shifted(x: Fr, i: usize) -> Fr {
    let p: [u64; 4] = stele_ir::felt::MODULUS;
    let xl = felt(x).0;
    let mut sum = [0u64; 4];
    let mut carry = 0u128;
    for j in 0..4 {
        let s = xl[j] as u128 + p[j] as u128 + carry;
        sum[j] = s as u64;
        carry = s >> 64;
    }
    assert_eq!(carry, 0);
    let mut bytes = [0u8; 32];
    for j in 0..4 {
        bytes[j * 8..j * 8 + 8].copy_from_slice(&sum[j].to_le_bytes());
    }
    let mut out = [0u8; 32];
    out[..32 - i].copy_from_slice(&bytes[i..]);
    Fr::from_repr(out).expect("shifted below p")
}

/// Faults that overwrite the `range.z` cells `nth = first .. first + count` with the running
/// sum of `value` (`z_i = value >> 8i` for `i = 1 ..`): a consistent forged decomposition.
fn forge_run(mut faults: Faults, first: usize, value: u128, count: usize) -> Faults {
    for i in 1..=count {
        let z = if 8 * i >= 128 { 0 } else { value >> (8 * i) };
        faults = faults.set("range.z", first + i - 1, u(z));
    }
    faults
}

// ---------------------------------------------------------------------------------------------
// Field arithmetic, constants, equality
// ---------------------------------------------------------------------------------------------

#[test]
fn field_arithmetic_matches_eval() {
    let edges = field_edges();
    honest(11, move |ctx| {
        let vars: Vec<Var> = edges.iter().map(|&x| ctx.witness(kv(x))).collect();
        for (x, vx) in edges.iter().zip(&vars) {
            let neg = eval::unary(UnOp::Neg, Ty::Field, felt(*x)).map(fr).unwrap();
            check(&ctx.neg(vx), neg, "neg");
            check(&ctx.add_const(vx, u(5)), *x + u(5), "add_const");
            check(&ctx.mul_const(vx, p_minus(3)), *x * p_minus(3), "mul_const");
            for (y, vy) in edges.iter().zip(&vars) {
                let (a, b) = (*x, *y);
                let add = eval_bin(BinOp::Add, Ty::Field, a, b).unwrap();
                let sub = eval_bin(BinOp::Sub, Ty::Field, a, b).unwrap();
                let mul = eval_bin(BinOp::Mul, Ty::Field, a, b).unwrap();
                check(&ctx.add(vx, vy), add, "add");
                check(&ctx.sub(vx, vy), sub, "sub");
                check(&ctx.mul(vx, vy), mul, "mul");
                check(&ctx.mul_add(vx, vy, vx), mul + a, "mul_add");
            }
        }
    });
}

#[test]
fn tampered_arithmetic_results_are_rejected() {
    for label in ["add.out", "sub.out", "mul.out", "neg.out", "mul_add.out"] {
        let faults = Faults::none().add(label, 0, Fr::ONE);
        rejects(K, faults, Kind::Gate, move |ctx| {
            let x = ctx.witness(kv(u(7)));
            let y = ctx.witness(kv(p_minus(1)));
            match label {
                "add.out" => {
                    ctx.add(&x, &y);
                }
                "sub.out" => {
                    ctx.sub(&x, &y);
                }
                "mul.out" => {
                    ctx.mul(&x, &y);
                }
                "neg.out" => {
                    ctx.neg(&x);
                }
                _ => {
                    ctx.mul_add(&x, &y, &x);
                }
            }
        });
    }
}

#[test]
fn constants_are_pinned_and_cached() {
    honest(K, |ctx| {
        let a = ctx.constant(p_minus(1));
        let b = ctx.constant(p_minus(1));
        assert_eq!(a.cell().row_offset, b.cell().row_offset, "cached");
        check(&a, p_minus(1), "constant");
        let t = ctx.constant_bit(true);
        check(&t, Fr::ONE, "constant bit");
        let x = ctx.witness(kv(p_minus(1)));
        ctx.assert_constant(&x, p_minus(1));
        ctx.assert_equal(&x, &a);
    });
    // The constant cell itself is tampered.
    rejects(K, Faults::none().set("const", 0, u(3)), Kind::Gate, |ctx| {
        ctx.constant(u(2));
    });
    // assert_constant / assert_equal on a different value.
    rejects(K, Faults::none(), Kind::Gate, |ctx| {
        let x = ctx.witness(kv(u(4)));
        ctx.assert_constant(&x, u(5));
    });
    rejects(K, Faults::none(), Kind::Copy, |ctx| {
        let x = ctx.witness(kv(u(4)));
        let y = ctx.witness(kv(u(5)));
        ctx.assert_equal(&x, &y);
    });
}

// ---------------------------------------------------------------------------------------------
// Linear combinations
// ---------------------------------------------------------------------------------------------

/// Coefficients for `lin_comb` tests: a unit, a zero (dropped), `-1`, and large ones.
fn lin_coeffs() -> Vec<Fr> {
    vec![Fr::ONE, Fr::ZERO, p_minus(1), u(3), p_minus(7), pow2(200)]
}

/// `n` terms `c_j·x_j`, the coefficients of `lin_coeffs` over `vars`, both repeated as needed
/// (so every sixth term has coefficient 0).
fn lin_terms(vars: &[Var], n: usize) -> Vec<(Fr, Var)> {
    lin_coeffs()
        .into_iter()
        .cycle()
        .zip(vars.iter().cycle())
        .take(n)
        .map(|(c, v)| (c, v.clone()))
        .collect()
}

fn lin_native(terms: &[(Fr, Var)], k: Fr) -> Fr {
    terms
        .iter()
        .fold(k, |acc, (c, v)| acc + *c * known(v.value()))
}

#[test]
fn lin_comb_matches_native() {
    honest(K, |ctx| {
        let vars: Vec<Var> = [u(7), p_minus(1), pow2(130), u(0), u(5), p_minus(2), u(11)]
            .iter()
            .map(|&x| ctx.witness(kv(x)))
            .collect();
        for n in 0..=7 {
            for k in [Fr::ZERO, u(5), p_minus(9)] {
                let terms = lin_terms(&vars, n);
                let sum = lin_native(&terms, k);
                check(&ctx.lin_comb(&terms, k), sum, "lin_comb");
            }
        }
        // 1·x + 0 is x itself.
        let same = ctx.lin_comb(&[(Fr::ONE, vars[0].clone())], Fr::ZERO);
        assert_eq!(same.cell().row_offset, vars[0].cell().row_offset);
    });
}

#[test]
fn tampered_lin_comb_cells_are_rejected() {
    // A gadget on `n` listed terms (zero coefficients included), and the fresh cell to tamper:
    // every label each gadget assigns, in each kind of row (abc, first and later full rows).
    #[derive(Clone, Copy)]
    enum G {
        Lin(usize),
    }
    let cases: Vec<(G, &str, usize)> = vec![
        (G::Lin(1), "lin.out", 0),
        (G::Lin(2), "lin.out", 0),
        (G::Lin(3), "lin.out", 0),
        (G::Lin(5), "lin.acc", 0),
        (G::Lin(5), "lin.out", 0),
        (G::Lin(7), "lin.acc", 0),
        (G::Lin(7), "lin.acc", 1),
        (G::Lin(7), "lin.out", 0),
    ];
    let build = |g: G| {
        move |ctx: &mut GateCtx<'_, '_>| {
            let vars: Vec<Var> = [u(7), p_minus(1), u(3), pow2(100)]
                .iter()
                .map(|&x| ctx.witness(kv(x)))
                .collect();
            let k = u(2);
            match g {
                G::Lin(n) => {
                    ctx.lin_comb(&lin_terms(&vars, n), k);
                }
            }
        }
    };
    for (g, label, nth) in cases {
        for delta in [Fr::ONE, p_minus(1)] {
            rejects(
                K,
                Faults::none().add(label, nth, delta),
                Kind::Gate,
                build(g),
            );
        }
    }
    // Operand copies (the first two copies of each gadget).
    for g in [G::Lin(3), G::Lin(7)] {
        for nth in [0, 1] {
            rejects(
                K,
                Faults::none().add("copy", nth, Fr::ONE),
                Kind::Copy,
                build(g),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Booleans and select
// ---------------------------------------------------------------------------------------------

#[test]
fn boolean_ops_match_eval() {
    honest(K, |ctx| {
        for a in [false, true] {
            let x = ctx.witness_bit(Value::known(a));
            let not = eval::unary(UnOp::Not, Ty::Bool, felt(b(a)))
                .map(fr)
                .unwrap();
            check(&ctx.not(&x), not, "not");
            for bb in [false, true] {
                let y = ctx.witness_bit(Value::known(bb));
                for (op, out) in [
                    (BinOp::And, ctx.and(&x, &y)),
                    (BinOp::Or, ctx.or(&x, &y)),
                    (BinOp::Xor, ctx.xor(&x, &y)),
                    (BinOp::Eq, ctx.is_equal(&x, &y)),
                ] {
                    let expected = eval_bin(op, Ty::Bool, b(a), b(bb)).unwrap();
                    check(&out, expected, &format!("{op:?}"));
                }
            }
        }
    });
}

fn b(x: bool) -> Fr {
    if x { Fr::ONE } else { Fr::ZERO }
}

#[test]
fn a_boolean_cell_set_to_two_is_rejected() {
    rejects(K, Faults::none().set("bit", 0, u(2)), Kind::Gate, |ctx| {
        ctx.witness_bit(Value::known(true));
    });
    rejects(K, Faults::none(), Kind::Gate, |ctx| {
        let x = ctx.witness(kv(u(2)));
        ctx.assert_bool(&x);
    });
    rejects(K, Faults::none(), Kind::Gate, |ctx| {
        ctx.witness_uint(kv(p_minus(1)), 1);
    });
    for label in ["and.out", "or.out", "xor.out", "not.out"] {
        rejects(
            K,
            Faults::none().add(label, 0, Fr::ONE),
            Kind::Gate,
            move |ctx| {
                let x = ctx.witness_bit(Value::known(true));
                let y = ctx.witness_bit(Value::known(false));
                match label {
                    "and.out" => {
                        ctx.and(&x, &y);
                    }
                    "or.out" => {
                        ctx.or(&x, &y);
                    }
                    "xor.out" => {
                        ctx.xor(&x, &y);
                    }
                    _ => {
                        ctx.not(&x);
                    }
                }
            },
        );
    }
}

#[test]
fn select_picks_by_condition() {
    honest(K, |ctx| {
        for c in [false, true] {
            let cond = ctx.witness_bit(Value::known(c));
            for (x, y) in [
                (u(3), p_minus(1)),
                (Fr::ZERO, u(9)),
                (p_minus(2), p_minus(2)),
            ] {
                let (vx, vy) = (ctx.witness(kv(x)), ctx.witness(kv(y)));
                check(
                    &ctx.select(&cond, &vx, &vy),
                    if c { x } else { y },
                    "select",
                );
            }
            let (t, f) = (ctx.constant_bit(true), ctx.constant_bit(false));
            check(&ctx.select_bit(&cond, &t, &f), b(c), "select_bit");
        }
    });
}

#[test]
fn select_with_a_non_boolean_condition_is_rejected() {
    // The condition is a Bit; forcing its cell to 2 breaks the gate that made it a Bit. With it
    // the select row would give 2·x - 2·y + y = 2x - y, neither input.
    rejects(K, Faults::none().set("bit", 0, u(2)), Kind::Gate, |ctx| {
        let c = ctx.witness_bit(Value::known(true));
        let x = ctx.witness(kv(u(10)));
        let y = ctx.witness(kv(u(4)));
        let r = ctx.select(&c, &x, &y);
        check(&r, u(16), "2x - y with c = 2");
    });
    // A select result that is neither input.
    rejects(
        K,
        Faults::none().set("select.out", 0, u(4)),
        Kind::Gate,
        |ctx| {
            let c = ctx.witness_bit(Value::known(true));
            let x = ctx.witness(kv(u(10)));
            let y = ctx.witness(kv(u(4)));
            ctx.select(&c, &x, &y);
        },
    );
}

// ---------------------------------------------------------------------------------------------
// is_zero / is_equal
// ---------------------------------------------------------------------------------------------

#[test]
fn is_zero_and_is_equal_match_eval() {
    let edges = field_edges();
    honest(11, move |ctx| {
        for &x in &edges {
            let vx = ctx.witness(kv(x));
            check(&ctx.is_zero(&vx), b(x == Fr::ZERO), "is_zero");
            for &y in &edges {
                let vy = ctx.witness(kv(y));
                let expected = eval_bin(BinOp::Eq, Ty::Field, x, y).unwrap();
                check(&ctx.is_equal(&vx, &vy), expected, "is_equal");
            }
        }
    });
}

#[test]
fn is_zero_with_a_wrong_inverse_is_rejected() {
    // x = 5 claimed zero: out = 1 with inv = 0 satisfies x·inv + out = 1 but not x·out = 0.
    let faults = Faults::none()
        .set("is_zero.out", 0, Fr::ONE)
        .set("is_zero.inv", 0, Fr::ZERO);
    rejects(K, faults, Kind::Gate, |ctx| {
        let x = ctx.witness(kv(u(5)));
        ctx.is_zero(&x);
    });
    // x = 0 claimed nonzero: out = 0 needs x·inv = 1, impossible for any inv.
    for inv in [Fr::ZERO, Fr::ONE, p_minus(1)] {
        let faults = Faults::none()
            .set("is_zero.out", 0, Fr::ZERO)
            .set("is_zero.inv", 0, inv);
        rejects(K, faults, Kind::Gate, |ctx| {
            let x = ctx.witness(kv(Fr::ZERO));
            ctx.is_zero(&x);
        });
    }
    // The same two lies for is_equal.
    let faults = Faults::none()
        .set("is_equal.out", 0, Fr::ONE)
        .set("is_equal.inv", 0, Fr::ZERO);
    rejects(K, faults, Kind::Gate, |ctx| {
        let x = ctx.witness(kv(u(5)));
        let y = ctx.witness(kv(u(6)));
        ctx.is_equal(&x, &y);
    });
    let faults = Faults::none()
        .set("is_equal.out", 0, Fr::ZERO)
        .set("is_equal.inv", 0, u(77));
    rejects(K, faults, Kind::Gate, |ctx| {
        let x = ctx.witness(kv(p_minus(1)));
        let y = ctx.witness(kv(p_minus(1)));
        ctx.is_equal(&x, &y);
    });
}

// ---------------------------------------------------------------------------------------------
// Range checks
// ---------------------------------------------------------------------------------------------

const WIDTHS: [u32; 10] = [1, 2, 3, 8, 13, 16, 32, 64, 100, 128];

#[test]
fn range_check_accepts_every_edge_in_range() {
    honest(11, |ctx| {
        for bits in WIDTHS {
            for x in uint_edges(bits) {
                let v = ctx.witness(kv(u(x)));
                ctx.range_check(&v, bits);
                check(&ctx.witness_uint(kv(u(x)), bits), u(x), "witness_uint");
                assert!(eval::fits(Ty::UInt(bits as u8), felt(u(x))) || bits > 128);
            }
        }
    });
}

#[test]
fn range_check_rejects_values_at_or_above_the_bound() {
    for bits in WIDTHS {
        let mut bad = vec![pow2(bits), pow2(bits) + Fr::ONE, p_minus(1), p_minus(2)];
        if bits < 128 {
            bad.push(u(max(bits) * 2));
        }
        if bits == 13 {
            // Passes the z_1 < 256 lookup; only the second look at the short limb catches it.
            bad.push(u((1 << 13) + 5));
        }
        for x in bad {
            let expect = if bits == 1 { Kind::Gate } else { Kind::Lookup };
            rejects(K, Faults::none(), expect, move |ctx| {
                let v = ctx.witness(kv(x));
                ctx.range_check(&v, bits);
            });
            rejects(K, Faults::none(), expect, move |ctx| {
                ctx.witness_uint(kv(x), bits);
            });
        }
    }
}

#[test]
fn range_check_has_no_x_plus_p_alias() {
    // The prover decomposes x + p instead of x (z_0 = x ≡ x + p, then z_i = (x + p) >> 8i):
    // every limb is a byte, but the top z is far above 255.
    for (bits, x) in [(64, 5u128), (128, 0), (128, u128::MAX), (13, 1)] {
        let cells = range_rows(bits) - if bits % 8 == 0 { 1 } else { 2 };
        let mut faults = Faults::none();
        for i in 1..=cells {
            faults = faults.set("range.z", i - 1, plus_p_shifted(u(x), i));
        }
        rejects(K, faults, Kind::Lookup, move |ctx| {
            let v = ctx.witness(kv(u(x)));
            ctx.range_check(&v, bits);
        });
    }
}

#[test]
fn tampered_running_sums_are_rejected() {
    // Any single z moved by one breaks a limb.
    for nth in 0..7 {
        let faults = Faults::none().add("range.z", nth, Fr::ONE);
        rejects(K, faults, Kind::Lookup, |ctx| {
            let v = ctx.witness(kv(u(0x1234_5678_9abc_def0)));
            ctx.range_check(&v, 64);
        });
    }
    // 2^64 forced into 64 bits by dropping the top carry: the last z must then be 256.
    let faults = forge_run(Faults::none(), 0, 0, 7);
    rejects(K, faults, Kind::Lookup, |ctx| {
        let v = ctx.witness(kv(pow2(64)));
        ctx.range_check(&v, 64);
    });
}

// ---------------------------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------------------------

#[test]
fn less_than_and_less_equal_match_eval() {
    for bits in [8, 32, 64, 128] {
        let edges = uint_edges(bits);
        honest(if bits == 128 { 12 } else { 11 }, move |ctx| {
            let vars: Vec<Var> = edges
                .iter()
                .map(|&x| ctx.witness_uint(kv(u(x)), bits))
                .collect();
            for (&x, vx) in edges.iter().zip(&vars) {
                for (&y, vy) in edges.iter().zip(&vars) {
                    let ty = Ty::UInt(bits as u8);
                    let lt = eval_bin(BinOp::Lt, ty, u(x), u(y)).unwrap();
                    let le = eval_bin(BinOp::Le, ty, u(x), u(y)).unwrap();
                    check(&ctx.less_than(vx, vy, bits), lt, "lt");
                    check(&ctx.less_equal(vx, vy, bits), le, "le");
                }
            }
        });
    }
}

#[test]
fn a_flipped_comparison_is_rejected() {
    // Claim 3 < 2 (lt = 1) with t = 3 - 2 + 2^64 adjusted consistently: t is out of range.
    for (x, y, lie) in [(3u128, 2u128, true), (2, 3, false), (7, 7, true)] {
        let big = pow2(64);
        let t = u(x) - u(y) + if lie { big } else { Fr::ZERO };
        // The running sum of t follows from the tampered cell.
        let faults = Faults::none().set("lt.bit", 0, b(lie)).set("lt.diff", 0, t);
        rejects(K, faults, Kind::Lookup, move |ctx| {
            let vx = ctx.witness_uint(kv(u(x)), 64);
            let vy = ctx.witness_uint(kv(u(y)), 64);
            ctx.less_than(&vx, &vy, 64);
        });
    }
    // A comparison bit of 2 is rejected by the boolean gate even with t adjusted.
    let t = u(5) - u(9) + pow2(8) * u(2);
    rejects(
        K,
        Faults::none().set("lt.bit", 0, u(2)).set("lt.diff", 0, t),
        Kind::Gate,
        |ctx| {
            let vx = ctx.witness_uint(kv(u(5)), 8);
            let vy = ctx.witness_uint(kv(u(9)), 8);
            ctx.less_than(&vx, &vy, 8);
        },
    );
}

#[test]
fn a_non_boolean_comparison_result_is_rejected() {
    // 5 < 9 in 8 bits with t = 0: lt = (9 - 5)/2^8 satisfies the row and t passes its range
    // check; only the boolean gate on lt stops this value from flowing on as a bool.
    let lt = u(4) * pow2(8).invert().unwrap();
    let faults = Faults::none()
        .set("lt.bit", 0, lt)
        .set("lt.diff", 0, Fr::ZERO);
    rejects(K, faults, Kind::Gate, |ctx| {
        let vx = ctx.witness_uint(kv(u(5)), 8);
        let vy = ctx.witness_uint(kv(u(9)), 8);
        ctx.less_than(&vx, &vy, 8);
    });
}

#[test]
fn uint_not_matches_eval() {
    honest(K, |ctx| {
        for bits in [8u32, 64, 128] {
            for x in uint_edges(bits) {
                let v = ctx.witness(kv(u(x)));
                let expected = eval::unary(UnOp::Not, Ty::UInt(bits as u8), felt(u(x)))
                    .map(fr)
                    .unwrap();
                check(&ctx.uint_not(&v, bits), expected, "not");
            }
        }
    });
    rejects(
        K,
        Faults::none().add("not.out", 0, Fr::ONE),
        Kind::Gate,
        |ctx| {
            let v = ctx.witness(kv(u(1)));
            ctx.uint_not(&v, 8);
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Guarded unsigned arithmetic
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum UOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl UOp {
    fn bin(self) -> BinOp {
        match self {
            UOp::Add => BinOp::Add,
            UOp::Sub => BinOp::Sub,
            UOp::Mul => BinOp::Mul,
            UOp::Div => BinOp::Div,
            UOp::Rem => BinOp::Rem,
        }
    }

    fn apply(self, ctx: &mut GateCtx<'_, '_>, g: Option<&Bit>, x: &Var, y: &Var, bits: u32) -> Var {
        match self {
            UOp::Add => ctx.guarded_add(g, x, y, bits),
            UOp::Sub => ctx.guarded_sub(g, x, y, bits),
            UOp::Mul => ctx.guarded_mul(g, x, y, bits),
            UOp::Div => ctx.guarded_div_rem(g, x, y, bits).0,
            UOp::Rem => ctx.guarded_div_rem(g, x, y, bits).1,
        }
    }
}

/// Guard modes: no guard, guard on, guard off.
const GUARDS: [Option<bool>; 3] = [None, Some(true), Some(false)];

fn guard(ctx: &mut GateCtx<'_, '_>, g: Option<bool>) -> Option<Bit> {
    g.map(|g| ctx.witness_bit(Value::known(g)))
}

/// Every edge pair in every guard mode: the results the IR computes (0 under a false guard)
/// are proved, and each pair the IR rejects is unprovable when the guard is on or absent.
fn check_uint_op(op: UOp, bits: u32) {
    let edges = uint_edges(bits);
    let ty = Ty::UInt(bits as u8);
    let mut ok = Vec::new();
    let mut failing = Vec::new();
    for &x in &edges {
        for &y in &edges {
            match eval_bin(op.bin(), ty, u(x), u(y)) {
                Ok(r) => ok.push((x, y, r)),
                Err(EvalError::Fails(_)) => failing.push((x, y)),
                Err(EvalError::Unsupported) => panic!("valid operands"),
            }
        }
    }
    // Honest runs, batched (inputs as unconstrained witnesses to keep circuits small).
    let rows = 3 * range_rows(bits).max(1) + 8;
    let per_run = (1500 / rows).max(1);
    let all: Vec<(u128, u128, Option<bool>, Fr)> = ok
        .iter()
        .flat_map(|&(x, y, r)| {
            GUARDS.map(|g| (x, y, g, if g == Some(false) { Fr::ZERO } else { r }))
        })
        .chain(failing.iter().map(|&(x, y)| (x, y, Some(false), Fr::ZERO)))
        .collect();
    for chunk in all.chunks(per_run) {
        let chunk = chunk.to_vec();
        honest(11, move |ctx| {
            for &(x, y, g, r) in &chunk {
                let (vx, vy) = (ctx.witness(kv(u(x))), ctx.witness(kv(u(y))));
                let g = guard(ctx, g);
                let out = op.apply(ctx, g.as_ref(), &vx, &vy, bits);
                check(
                    &out,
                    r,
                    &format!("{op:?} u{bits} {x} {y} guard {:?}", g.is_some()),
                );
            }
        });
    }
    // Failing operations: no witness with the guard on or absent.
    for (x, y) in failing {
        for g in [None, Some(true)] {
            let k = if bits > 64 { 10 } else { K };
            rejects(k, Faults::none(), Kind::Lookup, move |ctx| {
                let vx = ctx.witness_uint(kv(u(x)), bits);
                let vy = ctx.witness_uint(kv(u(y)), bits);
                let g = guard(ctx, g);
                op.apply(ctx, g.as_ref(), &vx, &vy, bits);
            });
        }
    }
}

#[test]
fn guarded_add_matches_eval() {
    for bits in [8, 32, 64, 128] {
        check_uint_op(UOp::Add, bits);
    }
}

#[test]
fn guarded_sub_matches_eval() {
    for bits in [8, 32, 64, 128] {
        check_uint_op(UOp::Sub, bits);
    }
}

#[test]
fn guarded_mul_matches_eval() {
    for bits in [8, 32, 64, 128] {
        check_uint_op(UOp::Mul, bits);
    }
}

#[test]
fn guarded_div_rem_match_eval() {
    for bits in [8, 64, 128] {
        check_uint_op(UOp::Div, bits);
        check_uint_op(UOp::Rem, bits);
    }
}

#[test]
fn an_overflowing_add_under_guard_one_is_rejected_and_passes_under_guard_zero() {
    let build = |g: bool, expected: Option<Fr>| {
        move |ctx: &mut GateCtx<'_, '_>| {
            let x = ctx.witness_uint(kv(u(u64::MAX as u128)), 64);
            let y = ctx.witness_uint(kv(u(1)), 64);
            let g = ctx.witness_bit(Value::known(g));
            let r = ctx.guarded_add(Some(&g), &x, &y, 64);
            if let Some(e) = expected {
                check(&r, e, "sum");
            }
        }
    };
    rejects(K, Faults::none(), Kind::Lookup, build(true, Some(pow2(64))));
    honest(K, build(false, Some(Fr::ZERO)));
    // Under guard 0 the result is pinned to 0.
    rejects(
        K,
        Faults::none().set("add.sum", 0, u(1)),
        Kind::Gate,
        build(false, None),
    );
    // The sum 2^64 written as 0 (its running sum then passes) breaks the row equation.
    rejects(
        K,
        Faults::none().set("add.sum", 0, Fr::ZERO),
        Kind::Gate,
        build(true, None),
    );
}

/// `x·y = p + t` with `x, y < 2^128` and `t < 2^128`: the field product passes a 128-bit range
/// check although the integer product overflows. Only the small-factor proof catches it.
fn wrapping_factors() -> (u128, u128, u128) {
    let y: u128 = (1 << 127) + 12345;
    // Bit-by-bit long division of p - 1 by y (the remainder stays below y < 2^128; a shifted
    // remainder that overflows u128 is certainly >= y).
    let (mut quotient, mut rem) = (0u128, 0u128);
    for limb in felt(p_minus(1)).0.iter().rev() {
        for bit in (0..64).rev() {
            let top = rem >> 127;
            rem = rem << 1 | (limb >> bit & 1) as u128;
            quotient <<= 1;
            if top == 1 || rem >= y {
                rem = rem.wrapping_sub(y);
                quotient |= 1;
            }
        }
    }
    // p - 1 = quotient·y + rem, so x = quotient + 1 gives x·y = p + (y - rem - 1).
    (quotient + 1, y, y - rem - 1)
}

#[test]
fn a_u128_product_that_wraps_the_field_is_rejected() {
    let (x, y, t) = wrapping_factors();
    assert_eq!(u(x) * u(y), u(t), "x·y ≡ t (mod p)");
    assert!(x > 1 << 64 && y > 1 << 64);
    assert_eq!(
        eval_bin(BinOp::Mul, Ty::UInt(128), u(x), u(y)),
        Err(EvalError::Fails(eval::ARITHMETIC_OVERFLOW))
    );
    // The product cell and its range check are consistent (t < 2^128); the small-factor run
    // is what fails, whichever factor the prover calls small.
    for small_is_x in [true, false] {
        let faults = Faults::none().set("mul.small_is_x", 0, b(small_is_x));
        rejects(10, faults, Kind::Lookup, move |ctx| {
            let vx = ctx.witness_uint(kv(u(x)), 128);
            let vy = ctx.witness_uint(kv(u(y)), 128);
            let r = ctx.guarded_mul(None, &vx, &vy, 128);
            check(&r, u(t), "the wrapped product");
        });
    }
    // Under guard 0 nothing fails.
    honest(10, move |ctx| {
        let vx = ctx.witness_uint(kv(u(x)), 128);
        let vy = ctx.witness_uint(kv(u(y)), 128);
        let g = ctx.witness_bit(Value::known(false));
        check(
            &ctx.guarded_mul(Some(&g), &vx, &vy, 128),
            Fr::ZERO,
            "masked",
        );
    });
}

#[test]
fn tampered_guarded_mul_cells_are_rejected() {
    let build = |g: bool| {
        move |ctx: &mut GateCtx<'_, '_>| {
            let vx = ctx.witness(kv(u(300)));
            let vy = ctx.witness(kv(u(200)));
            let g = ctx.witness_bit(Value::known(g));
            ctx.guarded_mul(Some(&g), &vx, &vy, 32);
        }
    };
    // g·x off by one, the product consistent with it: the row g·x = gx fails.
    let faults = Faults::none()
        .add("mul.gx", 0, Fr::ONE)
        .set("mul.prod", 0, u(301 * 200));
    rejects(K, faults, Kind::Gate, build(true));
    // Under guard 0 the masked factor cannot be the real one (product 60000 is in range).
    let faults = Faults::none()
        .set("mul.gx", 0, u(300))
        .set("mul.prod", 0, u(300 * 200));
    rejects(K, faults, Kind::Gate, build(false));
    // The product itself, and one cell of its running sum.
    rejects(
        K,
        Faults::none().add("mul.prod", 0, Fr::ONE),
        Kind::Gate,
        build(true),
    );
    rejects(
        K,
        Faults::none().add("range.z", 0, Fr::ONE),
        Kind::Lookup,
        build(true),
    );
}

#[test]
fn division_by_zero_under_guard_one_is_rejected() {
    for bits in [8, 64, 128] {
        for g in [None, Some(true)] {
            rejects(10, Faults::none(), Kind::Lookup, move |ctx| {
                let x = ctx.witness_uint(kv(u(7)), bits);
                let y = ctx.witness_uint(kv(Fr::ZERO), bits);
                let g = guard(ctx, g);
                ctx.guarded_div_rem(g.as_ref(), &x, &y, bits);
            });
        }
        honest(10, move |ctx| {
            let x = ctx.witness_uint(kv(u(7)), bits);
            let y = ctx.witness_uint(kv(Fr::ZERO), bits);
            let g = ctx.witness_bit(Value::known(false));
            let (q, r) = ctx.guarded_div_rem(Some(&g), &x, &y, bits);
            check(&q, Fr::ZERO, "q");
            check(&r, Fr::ZERO, "r");
        });
    }
    // With b = 0 and g = 1 a prover may try r = p - 1 (so b' - 1 - r = 0): r is out of range.
    let faults = Faults::none()
        .set("div.rem", 0, p_minus(1))
        .set("div.gap", 0, Fr::ZERO);
    rejects(K, faults, Kind::Lookup, |ctx| {
        let x = ctx.witness_uint(kv(u(7)), 8);
        let y = ctx.witness_uint(kv(Fr::ZERO), 8);
        let g = ctx.witness_bit(Value::known(true));
        ctx.guarded_div_rem(Some(&g), &x, &y, 8);
    });
}

#[test]
fn a_forged_divisor_under_guard_one_is_rejected() {
    // 7 / 0 with the effective divisor b' claimed to be 1 (so q = 7, r = 0 would pass every
    // range check): the row b' = g·y + 1 - g pins b' = 0.
    let faults = Faults::none()
        .set("div.beff", 0, Fr::ONE)
        .set("div.q", 0, u(7))
        .set("div.gap", 0, Fr::ZERO);
    rejects(K, faults, Kind::Gate, |ctx| {
        let x = ctx.witness_uint(kv(u(7)), 8);
        let y = ctx.witness_uint(kv(Fr::ZERO), 8);
        let g = ctx.witness_bit(Value::known(true));
        ctx.guarded_div_rem(Some(&g), &x, &y, 8);
    });
}

#[test]
fn a_wrong_quotient_is_rejected() {
    // 100 / 7 = 14 rem 2. Claim q = 13, r = 9 (r >= b) or q = 15, r = -5 (negative). The
    // product q·b', the gap b' - 1 - r and the running sums follow from the tampered cells, so
    // every row equation holds; a range check fails.
    for (q, r) in [(13u128, Fr::from(9)), (15, -Fr::from(5))] {
        let faults = Faults::none().set("div.q", 0, u(q)).set("div.rem", 0, r);
        rejects(K, faults, Kind::Lookup, |ctx| {
            let x = ctx.witness_uint(kv(u(100)), 8);
            let y = ctx.witness_uint(kv(u(7)), 8);
            let g = ctx.witness_bit(Value::known(true));
            ctx.guarded_div_rem(Some(&g), &x, &y, 8);
        });
    }
    // Under guard 0 (b' = 1, g·x = 0) a nonzero quotient needs r = -q, which is out of range.
    rejects(
        K,
        Faults::none()
            .set("div.q", 0, u(1))
            .set("div.rem", 0, p_minus(1)),
        Kind::Lookup,
        |ctx| {
            let x = ctx.witness_uint(kv(u(100)), 8);
            let y = ctx.witness_uint(kv(u(7)), 8);
            let g = ctx.witness_bit(Value::known(false));
            ctx.guarded_div_rem(Some(&g), &x, &y, 8);
        },
    );
}

#[test]
fn a_remainder_equal_to_the_divisor_is_rejected() {
    // 14 / 7 claimed as 1 rem 7: the gap b' - 1 - r = -1 is out of range.
    let faults = Faults::none().set("div.q", 0, u(1)).set("div.rem", 0, u(7));
    rejects(K, faults, Kind::Lookup, |ctx| {
        let x = ctx.witness_uint(kv(u(14)), 8);
        let y = ctx.witness_uint(kv(u(7)), 8);
        ctx.guarded_div_rem(None, &x, &y, 8);
    });
}

#[test]
fn a_non_integer_quotient_is_rejected() {
    // 100 = q·7 + 3 with q = 97/7 in the field: every row equation holds and r = 3 < 7; only
    // the range check on q rejects it.
    let q = u(97) * u(7).invert().unwrap();
    let faults = Faults::none().set("div.q", 0, q).set("div.rem", 0, u(3));
    rejects(K, faults, Kind::Lookup, |ctx| {
        let x = ctx.witness_uint(kv(u(100)), 8);
        let y = ctx.witness_uint(kv(u(7)), 8);
        ctx.guarded_div_rem(None, &x, &y, 8);
    });
}

#[test]
fn division_results_under_guard_zero_are_pinned_to_zero() {
    // g = 0 but the prover pretends g·x = x = 100, q = 100 (b' = 1, r = 0): only the row
    // g·x = gx rejects it.
    let faults = Faults::none()
        .set("div.gx", 0, u(100))
        .set("div.q", 0, u(100));
    rejects(K, faults, Kind::Gate, |ctx| {
        let x = ctx.witness_uint(kv(u(100)), 8);
        let y = ctx.witness_uint(kv(u(7)), 8);
        let g = ctx.witness_bit(Value::known(false));
        ctx.guarded_div_rem(Some(&g), &x, &y, 8);
    });
}

#[test]
fn a_u128_division_forged_through_the_modulus_is_rejected() {
    // 5 / 2^127 = 0 rem 5, but q'·2^127 + r' = 5 + p also holds modulo p with q', r' < 2^128.
    let b: u128 = 1 << 127;
    let five_plus_p = felt(Fr::from(5)).0; // 5, then add p limb-wise
    let p = stele_ir::felt::MODULUS;
    let mut sum = [0u64; 4];
    let mut carry = 0u128;
    for j in 0..4 {
        let s = five_plus_p[j] as u128 + p[j] as u128 + carry;
        sum[j] = s as u64;
        carry = s >> 64;
    }
    // q' = (5 + p) >> 127, r' = (5 + p) mod 2^127.
    let q = (sum[3] as u128) << 65 | (sum[2] as u128) << 1 | (sum[1] >> 63) as u128;
    let r = (sum[1] as u128 & ((1 << 63) - 1)) << 64 | sum[0] as u128;
    assert_eq!(u(q) * u(b) + u(r), u(5), "q'·b + r' ≡ 5 (mod p)");
    assert!(r < b && q > 1 << 64);
    // Everything else (q'·b', the gap, every running sum) follows from these two cells and
    // passes: q' and r' are below 2^128 and r' < b. Only the small-factor proof fails.
    let faults = Faults::none().set("div.q", 0, u(q)).set("div.rem", 0, u(r));
    rejects(10, faults, Kind::Lookup, move |ctx| {
        let x = ctx.witness_uint(kv(u(5)), 128);
        let y = ctx.witness_uint(kv(u(b)), 128);
        let g = ctx.witness_bit(Value::known(true));
        ctx.guarded_div_rem(Some(&g), &x, &y, 128);
    });
}

// ---------------------------------------------------------------------------------------------
// Casts, field division, asserts, masks
// ---------------------------------------------------------------------------------------------

#[test]
fn narrowing_casts_match_eval() {
    let values = [
        Fr::ZERO,
        u(255),
        u(256),
        u(u64::MAX as u128),
        pow2(64),
        u(u128::MAX),
        pow2(128),
        p_minus(1),
    ];
    for bits in [8u32, 16, 32, 64, 128] {
        let mut ok = Vec::new();
        for &x in &values {
            let result = eval::cast(Ty::Field, Ty::UInt(bits as u8), felt(x)).map(fr);
            for g in GUARDS {
                match (g, result) {
                    (Some(false), _) => ok.push((x, g, Fr::ZERO)),
                    (_, Ok(v)) => ok.push((x, g, v)),
                    (_, Err(e)) => {
                        assert_eq!(e, EvalError::Fails(eval::CAST_OVERFLOW));
                        rejects(K, Faults::none(), Kind::Lookup, move |ctx| {
                            let vx = ctx.witness(kv(x));
                            let g = guard(ctx, g);
                            ctx.guarded_cast(g.as_ref(), &vx, bits);
                        });
                    }
                }
            }
        }
        honest(10, move |ctx| {
            for &(x, g, expected) in &ok {
                let vx = ctx.witness(kv(x));
                let g = guard(ctx, g);
                check(&ctx.guarded_cast(g.as_ref(), &vx, bits), expected, "cast");
            }
        });
    }
}

#[test]
fn field_division_matches_eval() {
    let edges = field_edges();
    for g in GUARDS {
        let edges = edges.clone();
        honest(11, move |ctx| {
            let gb = guard(ctx, g);
            for &x in &edges {
                let vx = ctx.witness(kv(x));
                for &y in &edges {
                    let vy = ctx.witness(kv(y));
                    match (g, eval_bin(BinOp::Div, Ty::Field, x, y)) {
                        (Some(false), _) => check(
                            &ctx.guarded_field_div(gb.as_ref(), &vx, &vy),
                            Fr::ZERO,
                            "off",
                        ),
                        (_, Ok(r)) => {
                            check(&ctx.guarded_field_div(gb.as_ref(), &vx, &vy), r, "div")
                        }
                        (_, Err(_)) => {} // division by zero: below
                    }
                }
            }
        });
    }
    for g in [None, Some(true)] {
        for x in [Fr::ZERO, u(3)] {
            rejects(K, Faults::none(), Kind::Gate, move |ctx| {
                let vx = ctx.witness(kv(x));
                let vy = ctx.witness(kv(Fr::ZERO));
                let g = guard(ctx, g);
                ctx.guarded_field_div(g.as_ref(), &vx, &vy);
            });
        }
    }
}

#[test]
fn field_inverse_witnesses_are_pinned() {
    // A wrong inverse under guard 1.
    rejects(
        K,
        Faults::none().add("inv.out", 0, Fr::ONE),
        Kind::Gate,
        |ctx| {
            let y = ctx.witness(kv(u(3)));
            let g = ctx.witness_bit(Value::known(true));
            ctx.guarded_field_inv(Some(&g), &y);
        },
    );
    // Under guard 0 with y = 0, y·inv = 0 holds for any inv; inv - g·inv = 0 pins it to 0.
    rejects(
        K,
        Faults::none().set("inv.out", 0, u(5)),
        Kind::Gate,
        |ctx| {
            let y = ctx.witness(kv(Fr::ZERO));
            let g = ctx.witness_bit(Value::known(false));
            let inv = ctx.guarded_field_inv(Some(&g), &y);
            check(&inv, u(5), "tampered");
        },
    );
    // Unguarded: y = 0 has no inverse.
    rejects(K, Faults::none(), Kind::Gate, |ctx| {
        let y = ctx.witness(kv(Fr::ZERO));
        ctx.guarded_field_inv(None, &y);
    });
}

#[test]
fn a_failing_assert_under_guard_one_is_rejected_and_passes_under_guard_zero() {
    for g in GUARDS {
        for cond in [false, true] {
            let build = move |ctx: &mut GateCtx<'_, '_>| {
                let c = ctx.witness_bit(Value::known(cond));
                let g = guard(ctx, g);
                ctx.assert_guarded(g.as_ref(), &c);
            };
            if cond || g == Some(false) {
                honest(K, build);
            } else {
                rejects(K, Faults::none(), Kind::Gate, build);
            }
        }
    }
}

#[test]
fn mask_zeroes_under_a_false_guard() {
    honest(K, |ctx| {
        let x = ctx.witness(kv(p_minus(1)));
        for g in GUARDS {
            let gb = guard(ctx, g);
            let r = ctx.mask(gb.as_ref(), &x);
            check(
                &r,
                if g == Some(false) {
                    Fr::ZERO
                } else {
                    p_minus(1)
                },
                "mask",
            );
        }
    });
    rejects(
        K,
        Faults::none().set("mask.out", 0, p_minus(1)),
        Kind::Gate,
        |ctx| {
            let x = ctx.witness(kv(p_minus(1)));
            let g = ctx.witness_bit(Value::known(false));
            ctx.mask(Some(&g), &x);
        },
    );
}

// ---------------------------------------------------------------------------------------------
// pick
// ---------------------------------------------------------------------------------------------

/// The executor's rule: `items[index]` when the index is a position, else 0.
fn pick_oracle(index: Fr, items: &[Fr]) -> Fr {
    let i = stele_ir::Felt::to_u128(felt(index));
    i.and_then(|i| usize::try_from(i).ok())
        .and_then(|i| items.get(i).copied())
        .unwrap_or(Fr::ZERO)
}

#[test]
fn pick_matches_executor_semantics() {
    let items = vec![u(10), p_minus(1), Fr::ZERO, u(40)];
    honest(K, move |ctx| {
        let vars: Vec<Var> = items.iter().map(|&x| ctx.witness(kv(x))).collect();
        for index in [Fr::ZERO, u(1), u(2), u(3), u(4), u(1 << 64), p_minus(1)] {
            let vi = ctx.witness(kv(index));
            check(&ctx.pick(&vi, &vars), pick_oracle(index, &items), "pick");
            check(
                &ctx.pick(&vi, &vars[..1]),
                pick_oracle(index, &items[..1]),
                "pick 1",
            );
        }
        let vi = ctx.witness(kv(Fr::ZERO));
        check(&ctx.pick(&vi, &[]), Fr::ZERO, "no items");
        let bits = [ctx.constant_bit(false), ctx.constant_bit(true)];
        check(&ctx.pick_bit(&vi, &bits), Fr::ZERO, "pick_bit");
    });
}

/// `pick_uint` agrees with the executor's rule for every item count up to 17, indices at and
/// around every boundary and the index type's maximum, for 8- and 32-bit indices.
#[test]
fn pick_uint_matches_executor_semantics() {
    for bits in [1u32, 8, 32] {
        honest(13, move |ctx| {
            let max = (1u128 << bits) - 1;
            for n in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17] {
                let items: Vec<Fr> = (0..n).map(|i| u(100 + i as u128)).collect();
                let vars: Vec<Var> = items.iter().map(|&x| ctx.witness(kv(x))).collect();
                let mut indices = vec![0, 1, 2, n as u128, n as u128 + 1, max];
                indices.extend([n.saturating_sub(1) as u128, n.next_power_of_two() as u128]);
                for index in indices.into_iter().filter(|&i| i <= max) {
                    let vi = ctx.witness_uint(kv(u(index)), bits);
                    let got = ctx.pick_uint(&vi, bits, &vars);
                    check(&got, pick_oracle(u(index), &items), "pick_uint");
                }
            }
        });
    }
}

/// Every kind of cell `pick_uint` assigns, tampered, is rejected: a digit of the index (the
/// decomposition no longer sums to it), the high part, a tree node, the range flag, the result.
#[test]
fn tampered_pick_uint_cells_are_rejected() {
    let build = |index: u128| {
        move |ctx: &mut GateCtx<'_, '_>| {
            let vars: Vec<Var> = (0..5).map(|i| ctx.witness(kv(u(10 * (i + 1))))).collect();
            let vi = ctx.witness_uint(kv(u(index)), 8);
            ctx.pick_uint(&vi, 8, &vars);
        }
    };
    // Index 2 read as 3 (bit 0 flipped): the digits sum to 3.
    rejects(
        K,
        Faults::none().set("bit", 0, Fr::ONE),
        Kind::Copy,
        build(2),
    );
    // Index 9 (out of range) claiming high part 0, so that it would read position 1.
    rejects(
        K,
        Faults::none().set("uint", 1, Fr::ZERO),
        Kind::Copy,
        build(9),
    );
    // A tree node, the range flag and the result.
    rejects(
        K,
        Faults::none().set("select.out", 0, u(30)),
        Kind::Gate,
        build(2),
    );
    rejects(
        K,
        Faults::none().set("is_zero.out", 0, Fr::ONE),
        Kind::Gate,
        build(9),
    );
    rejects(
        K,
        Faults::none().set("mask.out", 0, u(20)),
        Kind::Gate,
        build(9),
    );
}

#[test]
fn a_bad_one_hot_vector_is_rejected() {
    let items = [u(10), u(20), u(30)];
    let build = move |index: u128| {
        move |ctx: &mut GateCtx<'_, '_>| {
            let vars: Vec<Var> = items.iter().map(|&x| ctx.witness(kv(x))).collect();
            let vi = ctx.witness(kv(u(index)));
            ctx.pick(&vi, &vars);
        }
    };
    // Two ones: index 0, and a second hit at position 2 (accumulator adjusted: 10 + 30).
    let faults = Faults::none()
        .set("pick.hit", 2, Fr::ONE)
        .set("pick.inv", 2, Fr::ZERO)
        .set("pick.acc", 2, u(40));
    rejects(K, faults, Kind::Gate, build(0));
    // Pointing at the wrong index: index 2 but the hit moved to position 0 (result 10).
    let faults = Faults::none()
        .set("pick.hit", 0, Fr::ONE)
        .set("pick.inv", 0, Fr::ZERO)
        .set("pick.hit", 2, Fr::ZERO)
        .set("pick.acc", 0, u(10))
        .set("pick.acc", 1, u(10))
        .set("pick.acc", 2, u(10));
    rejects(K, faults, Kind::Gate, build(2));
    // Out of range (index 3) but claiming position 1.
    let faults = Faults::none()
        .set("pick.hit", 1, Fr::ONE)
        .set("pick.acc", 1, u(20))
        .set("pick.acc", 2, u(20));
    rejects(K, faults, Kind::Gate, build(3));
    // In range but claiming no hit (result 0): hit 1 = 0 needs (1 - 1)·inv = 1.
    let faults = Faults::none()
        .set("pick.hit", 1, Fr::ZERO)
        .set("pick.acc", 1, Fr::ZERO)
        .set("pick.acc", 2, Fr::ZERO);
    rejects(K, faults, Kind::Gate, build(1));
    // The result itself.
    rejects(
        K,
        Faults::none().add("pick.acc", 2, Fr::ONE),
        Kind::Gate,
        build(1),
    );
}

// ---------------------------------------------------------------------------------------------
// Layout: costs, reserved rows, contexts
// ---------------------------------------------------------------------------------------------

/// Runs `gadget` alone in a fresh context after its inputs and returns the rows it took.
fn cost(gadget: impl Fn(&mut GateCtx<'_, '_>, &[Var], &Bit) + 'static) -> usize {
    let rows = Rc::new(RefCell::new(0));
    let out = rows.clone();
    let result = run_region(10, &Faults::none(), move |chip, region| {
        let (inputs, g, next) = {
            let mut ctx = chip.ctx(region, 0);
            let inputs: Vec<Var> = [7u128, 3, 2, 1]
                .iter()
                .map(|&x| ctx.witness_uint(kv(u(x)), 8))
                .collect();
            let g = ctx.witness_bit(Value::known(true));
            (inputs, g, ctx.next_row())
        };
        let mut ctx = chip.ctx(region, next);
        gadget(&mut ctx, &inputs, &g);
        *out.borrow_mut() = ctx.height();
    });
    if let Err(f) = result {
        panic!("cost circuit rejected: {f:#?}");
    }
    rows.take()
}

#[test]
fn costs_match_the_module_table() {
    type Gadget = Box<dyn Fn(&mut GateCtx<'_, '_>, &[Var], &Bit)>;
    fn gadget(f: impl Fn(&mut GateCtx<'_, '_>, &[Var], &Bit) + 'static) -> Gadget {
        Box::new(f)
    }
    let per_width = |f: fn(&mut GateCtx<'_, '_>, &[Var], &Bit, u32)| -> Vec<usize> {
        [8u32, 32, 64, 128]
            .iter()
            .map(|&bits| cost(move |ctx, v, g| f(ctx, v, g, bits)))
            .collect()
    };
    let fixed: Vec<(&str, Gadget, usize)> = vec![
        (
            "witness",
            gadget(|c, _, _| {
                c.witness(kv(u(1)));
            }),
            1,
        ),
        (
            "witness_bit",
            gadget(|c, _, _| {
                c.witness_bit(Value::known(true));
            }),
            1,
        ),
        (
            "constant",
            gadget(|c, _, _| {
                c.constant(u(9));
            }),
            1,
        ),
        (
            "add",
            gadget(|c, v, _| {
                c.add(&v[0], &v[1]);
            }),
            1,
        ),
        (
            "mul",
            gadget(|c, v, _| {
                c.mul(&v[0], &v[1]);
            }),
            1,
        ),
        (
            "mul_add",
            gadget(|c, v, _| {
                c.mul_add(&v[0], &v[1], &v[2]);
            }),
            1,
        ),
        (
            "select",
            gadget(|c, v, g| {
                c.select(g, &v[0], &v[1]);
            }),
            1,
        ),
        (
            "assert_equal",
            gadget(|c, v, _| c.assert_equal(&v[0], &v[0])),
            0,
        ),
        (
            "is_zero",
            gadget(|c, v, _| {
                c.is_zero(&v[0]);
            }),
            2,
        ),
        (
            "is_equal",
            gadget(|c, v, _| {
                c.is_equal(&v[0], &v[1]);
            }),
            2,
        ),
        (
            "pick 4",
            gadget(|c, v, _| {
                c.pick(&v[2], v);
            }),
            12,
        ),
        (
            "pick_uint 4, u8 index",
            gadget(|c, v, _| {
                c.pick_uint(&v[2], 8, v);
            }),
            9,
        ),
        (
            "mask",
            gadget(|c, v, g| {
                c.mask(Some(g), &v[0]);
            }),
            1,
        ),
        (
            "assert_guarded",
            gadget(|c, _, g| c.assert_guarded(Some(g), g)),
            1,
        ),
        (
            "field_inv",
            gadget(|c, v, g| {
                c.guarded_field_inv(Some(g), &v[0]);
            }),
            2,
        ),
        (
            "field_div",
            gadget(|c, v, g| {
                c.guarded_field_div(Some(g), &v[0], &v[1]);
            }),
            3,
        ),
        (
            "lin_comb 0 terms",
            gadget(|c, _, _| {
                c.lin_comb(&[], u(4));
            }),
            1,
        ),
        (
            "lin_comb 1·x + 0",
            gadget(|c, v, _| {
                c.lin_comb(&lin_terms(v, 1), Fr::ZERO);
            }),
            0,
        ),
        (
            "lin_comb 1 term",
            gadget(|c, v, _| {
                c.lin_comb(&[(u(3), v[0].clone())], u(1));
            }),
            1,
        ),
        (
            "lin_comb 2 terms",
            gadget(|c, v, _| {
                c.lin_comb(&[(u(3), v[0].clone()), (u(5), v[1].clone())], u(1));
            }),
            1,
        ),
        (
            "lin_comb 3 terms",
            gadget(|c, v, _| {
                c.lin_comb(&lin_terms(v, 4), u(1)); // one zero coefficient
            }),
            1,
        ),
        (
            "lin_comb 4 terms",
            gadget(|c, v, _| {
                c.lin_comb(&lin_terms(v, 5), u(1));
            }),
            2,
        ),
        (
            "lin_comb 5 terms",
            gadget(|c, v, _| {
                c.lin_comb(&lin_terms(v, 6), u(1));
            }),
            2,
        ),
        (
            "lin_comb 6 terms",
            gadget(|c, v, _| {
                c.lin_comb(&lin_terms(v, 8), u(1)); // two zero coefficients
            }),
            3,
        ),
        (
            "range_check 1",
            gadget(|c, v, _| c.range_check(&v[3], 1)),
            1,
        ),
        (
            "range_check 13",
            gadget(|c, v, _| c.range_check(&v[0], 13)),
            3,
        ),
        (
            "range_check 100",
            gadget(|c, v, _| c.range_check(&v[0], 100)),
            14,
        ),
    ];
    for (name, gadget, rows) in fixed {
        assert_eq!(cost(gadget), rows, "{name}");
    }
    let table: Vec<(&str, Vec<usize>, [usize; 4])> = vec![
        (
            "range_check",
            per_width(|c, v, _, n| c.range_check(&v[0], n)),
            [1, 4, 8, 16],
        ),
        (
            "less_than",
            per_width(|c, v, _, n| {
                c.less_than(&v[0], &v[1], n);
            }),
            [2, 4, 8, 16],
        ),
        (
            "guarded_add",
            per_width(|c, v, g, n| {
                c.guarded_add(Some(g), &v[0], &v[1], n);
            }),
            [1, 4, 8, 16],
        ),
        (
            "guarded_mul",
            per_width(|c, v, g, n| {
                c.guarded_mul(Some(g), &v[0], &v[1], n);
            }),
            [2, 4, 8, 24],
        ),
        (
            "mul (no guard)",
            per_width(|c, v, _, n| {
                c.guarded_mul(None, &v[0], &v[1], n);
            }),
            [1, 4, 8, 24],
        ),
        (
            "guarded_div_rem",
            per_width(|c, v, g, n| {
                c.guarded_div_rem(Some(g), &v[0], &v[1], n);
            }),
            [5, 12, 24, 56],
        ),
        (
            "guarded_cast",
            per_width(|c, v, g, n| {
                c.guarded_cast(Some(g), &v[0], n);
            }),
            [1, 4, 8, 16],
        ),
    ];
    for (name, got, want) in table {
        assert_eq!(got, want.to_vec(), "{name} (u8, u32, u64, u128)");
    }
}

#[test]
fn every_copied_operand_is_bound_to_its_source() {
    // select(c, x, y) copies c, x and y into its row (copies 1, 2, 3; copy 0 is in the boolean
    // gate of c). A copy that differs from its source breaks the permutation.
    for nth in 0..4 {
        rejects(
            K,
            Faults::none().add("copy", nth, Fr::ONE),
            Kind::Copy,
            |ctx| {
                let x = ctx.witness(kv(u(10)));
                let y = ctx.witness(kv(u(4)));
                let c = ctx.witness_bit(Value::known(true));
                ctx.select(&c, &x, &y);
            },
        );
    }
}

#[test]
fn reserved_rows_are_left_unconstrained_and_contexts_chain() {
    honest(K, |_| {});
    let result = run_region(K, &Faults::none(), |chip, region| {
        let (start, next) = {
            let mut ctx = chip.ctx(region, 0);
            let x = ctx.witness_uint(kv(u(77)), 64);
            let start = ctx.reserve(3);
            assert_eq!(start, 8, "after the 8 range rows");
            ctx.guarded_add(None, &x, &x, 64);
            assert_eq!(ctx.next_row(), 19);
            (start, ctx.next_row())
        };
        // Another chip may write anything in the reserved rows.
        let cfg = *chip.config();
        for row in start..start + 3 {
            for col in cfg.advice {
                region.assign_advice(col, row, Value::known(u(123_456)));
            }
        }
        let mut ctx = chip.ctx(region, next);
        assert_eq!(ctx.first_row(), 19);
        let y = ctx.witness_uint(kv(u(5)), 8);
        ctx.is_zero(&y);
    });
    assert!(result.is_ok(), "{result:?}");
}
