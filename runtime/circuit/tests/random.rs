//! Differential test of the executor and the circuit on random IR programs.
//!
//! A fixed-seed generator makes well-typed, verified transitions over `bool`, `u8`, `u32`,
//! `u64`, `u128` and `Field`: constants, checked `uN` arithmetic (`add sub mul div rem`),
//! bitwise operations, shifts, comparisons, `Field` arithmetic (division included), `not`/`neg`,
//! casts (narrowing ones can fail), `select`, `pick`, asserts, and loads and (repeated) stores
//! of plain state, most of them under random guards. Each program runs on a few random parameter
//! and state vectors drawn mostly from edge values (`uN`: 0, 1, 2, 2^k, 2^k - 1, max/2,
//! max - 1, max, the shift widths 7, 8, 31, 32, ...; `Field`: 0, 1, 2, p - 1, p - 2, (p ± 1)/2,
//! 2^N - 1 and 2^N for casts, ...).
//!
//! Each (program, input) goes through the executor (`stele_exec::apply_tx_traced`) and then
//! through `stele_circuit::lower` with the executor's trace as the witness, checked by one
//! MockProver at the smallest `k` that fits the program (the harness `support/harness.rs`, as
//! in `tests/lower.rs`: parameters, old and new plain state as public instances). The check:
//!
//! - **the executor commits**: the lowering agrees with the trace on every instruction,
//!   MockProver is satisfied with the executor's new state as the public instance, and the new
//!   state the circuit exposes is the executor's;
//! - **the executor rejects**: the honest attempt (every value after the failing instruction
//!   computed by the gadgets) is unsatisfiable, even with the public instance taken from that
//!   attempt itself, so it fails on the failing instruction's constraints.
//!
//! Both outcomes must occur often; the counts are printed (`--nocapture`).

use std::cell::{Cell as StdCell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::Error;
use stele_circuit::gates::Faults;
use stele_circuit::lower::LowerError;
use stele_exec::{Executable, State, Tx, Val, apply_tx_traced};
use stele_ir::{
    BinOp, Felt, Function, Inst, Loc, Op, Program, StateField, StateKind, Ty, Type, UnOp, ValueId,
};

#[path = "support/harness.rs"]
mod harness;

use harness::{TransitionCircuit, TxWitness};

impl TransitionCircuit {
    /// Synthesizes under MockProver at `k` with this public instance; with `verify`, also checks
    /// the constraints (`Some(satisfied)`), else only assigns (`None`).
    fn mock(&self, k: u32, public: Vec<Fr>, verify: bool) -> Result<Option<bool>, LowerError> {
        match MockProver::run(k, self, vec![public]) {
            Ok(prover) => Ok(verify.then(|| prover.verify().is_ok())),
            Err(Error::Synthesis) if self.error.borrow().is_some() => {
                Err(self.error.borrow_mut().take().expect("checked"))
            }
            Err(e) => panic!("synthesis failed at k = {k}: {e:?}"),
        }
    }
}

/// The smallest `k` (at least 9, for the 8-bit range table) whose usable rows hold `rows`.
fn k_for(rows: usize) -> u32 {
    let mut k = 9;
    while rows + 16 > 1 << k {
        k += 1;
    }
    k
}

/// The size of the synthesis that measures a program's rows (room to spare for every program
/// the generator makes); the checks then run at [`k_for`] those rows.
const MEASURE_K: u32 = 15;

// ---------------------------------------------------------------------------------------------
// Random programs and values
// ---------------------------------------------------------------------------------------------

/// xorshift64: small, deterministic, good enough to pick test cases.
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
    fn u128(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }
}

/// The scalar types of the programs: one parameter and one state scalar of each.
const TYS: [Ty; 6] = [
    Ty::Bool,
    Ty::UInt(8),
    Ty::UInt(32),
    Ty::UInt(64),
    Ty::UInt(128),
    Ty::Field,
];

const P_MINUS_1: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495616";

fn uint_max(bits: u32) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1 << bits) - 1
    }
}

/// A value of `ty`, mostly from the edges.
fn random_value(rng: &mut Rng, ty: Ty) -> Felt {
    match ty {
        Ty::Bool => Felt::from_u128(rng.below(2) as u128),
        Ty::UInt(bits) => {
            let bits = u32::from(bits);
            let max = uint_max(bits);
            let power = 1u128 << rng.below(bits as usize);
            // Shift amounts around every width, so shifts both succeed and overflow.
            let widths = [7, 8, 31, 32, 63, 64, 127, 128];
            let x = match rng.below(10) {
                0 => 0,
                1 => 1,
                2 => 2,
                3 => max,
                4 => max - 1,
                5 => max / 2 + rng.below(2) as u128,
                6 => power - rng.below(2) as u128,
                7 => widths[rng.below(widths.len())],
                _ => rng.u128(),
            };
            Felt::from_u128(x & max)
        }
        Ty::Field => {
            let p_minus_1 = Felt::parse(P_MINUS_1).unwrap();
            let half = Felt::parse(
                "10944121435919637611123202872628637544274182200208017171849102093287904247808",
            )
            .unwrap();
            match rng.below(10) {
                0 => Felt::ZERO,
                1 => Felt::ONE,
                2 => Felt::from_u128(2),
                3 => p_minus_1,
                4 => p_minus_1 - Felt::ONE,
                5 => half + Felt::from_u128(rng.below(2) as u128),
                // Around the uN limits, for casts.
                6 => {
                    let bits = [8u32, 32, 64, 128][rng.below(4)];
                    Felt::from_u128(uint_max(bits)) + Felt::from_u128(rng.below(2) as u128)
                }
                7 => Felt::from_u128(rng.u128()) * Felt::from_u128(rng.u128()),
                _ => Felt::from_u128(rng.below(256) as u128),
            }
        }
    }
}

/// An executor value of type `ty`.
fn val(ty: Ty, x: Felt) -> Val {
    match ty {
        Ty::Field => Val::Field(Option::from(Fr::from_repr(x.to_le_bytes())).expect("canonical")),
        _ => Val::Int(x.to_u128().expect("an integer")),
    }
}

fn scalar_type(t: Ty) -> Type {
    match t {
        Ty::Bool => Type::Bool,
        Ty::Field => Type::Field,
        Ty::UInt(b) => Type::UInt(b),
    }
}

/// A random verified program: one transition `t(x0: bool, x1: u8, ...)` over the state
/// `{ x0: bool, x1: u8, ... }` (one scalar of each of [`TYS`]): loads of every parameter and
/// state scalar, `LINES` random instructions (two in three guarded by a random `bool`), then
/// stores of recent values of each type to the state (some guarded). Operands are drawn from
/// every value defined so far.
fn random_program(rng: &mut Rng) -> Program {
    const LINES: u32 = 16;
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
    let pick = |rng: &mut Rng, pool: &[(ValueId, Ty)], ty: Ty| {
        let of: Vec<ValueId> = pool
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(v, _)| *v)
            .collect();
        of[rng.below(of.len())]
    };
    for (i, &ty) in TYS.iter().enumerate() {
        define(&mut body, &mut pool, ty, Op::Param(i as u32), None, None);
        define(&mut body, &mut pool, ty, Op::SLoad(i as u32), None, None);
    }
    for line in 1..=LINES {
        let guard = if !rng.chance(3) {
            Some(pick(rng, &pool, Ty::Bool))
        } else {
            None
        };
        let ty = TYS[rng.below(TYS.len())];
        match rng.below(10) {
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
                let b_ty = if matches!(op, Shl | Shr) {
                    Ty::UInt(32)
                } else {
                    ty
                };
                let b = pick(rng, &pool, b_ty);
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
                if !rng.chance(3) {
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
            8 => {
                let index_ty = TYS[1 + rng.below(4)];
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
            // State in the middle of the body: a load (of the old value) or a store.
            _ => {
                let i = TYS.iter().position(|&t| t == ty).expect("listed") as u32;
                if rng.chance(2) {
                    define(&mut body, &mut pool, ty, Op::SLoad(i), None, None);
                } else {
                    let v = pick(rng, &pool, ty);
                    body.push(Inst {
                        results: vec![],
                        op: Op::SStore(i, v),
                        guard,
                        loc: None,
                    });
                }
            }
        }
    }
    for (i, &ty) in TYS.iter().enumerate() {
        if rng.chance(4) {
            continue;
        }
        let of: Vec<ValueId> = pool
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(v, _)| *v)
            .collect();
        let v = of[of.len() - 1 - rng.below(of.len().min(3))];
        let guard = if rng.chance(4) {
            Some(pick(rng, &pool, Ty::Bool))
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
        .map(|(i, &t)| (format!("x{i}"), scalar_type(t)))
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

/// A state holding `scalars` (one per state field).
fn state_of(program: &Program, scalars: &[Val]) -> State {
    let mut json = serde_json::Map::new();
    for (field, v) in program.state.iter().zip(scalars) {
        let StateKind::Value(ty) = &field.kind else {
            unreachable!("plain state only")
        };
        let value = stele_exec::encode_value(program, ty, std::slice::from_ref(v));
        json.insert(field.name.clone(), value);
    }
    State::from_json(program, &serde_json::Value::Object(json)).expect("a valid state")
}

// ---------------------------------------------------------------------------------------------
// The differential test
// ---------------------------------------------------------------------------------------------

/// Runs one transaction through the executor and the circuit, panicking on any disagreement.
/// `k` is the MockProver size for this program, measured on its first input. Returns the
/// executor's rejection reason, `None` when it committed.
fn check(
    program: &Rc<Program>,
    exe: &Executable,
    k: &mut Option<u32>,
    args: &[Val],
    old: &[Val],
) -> Option<String> {
    let mut state = state_of(program, old);
    let tx = Tx {
        transition: 0,
        args: args.to_vec(),
    };
    let trace = apply_tx_traced(exe, &mut state, &tx);
    let outcome = trace.outcome.clone();
    let circuit = TransitionCircuit {
        program: program.clone(),
        function: 0,
        witness: Some(TxWitness {
            args: args.to_vec(),
            trace: Rc::new(trace),
            strict: true,
        }),
        old_state: old.iter().map(|v| v.to_fr()).collect(),
        faults: Faults::none(),
        rows: Rc::new(StdCell::new(0)),
        error: Rc::new(RefCell::new(None)),
        exposed: Rc::new(RefCell::new(Vec::new())),
    };
    let context = || format!("args {args:?}\nold state {old:?}\nexecutor: {outcome:?}\n{program}");
    let zeros = vec![Fr::ZERO; args.len() + 2 * old.len()];
    let k = *k.get_or_insert_with(|| {
        let _ = circuit.mock(MEASURE_K, zeros.clone(), false);
        k_for(circuit.rows.get())
    });
    match &outcome {
        Ok(()) => {
            let public: Vec<Fr> = args
                .iter()
                .chain(old)
                .chain(state.scalars())
                .map(|v| v.to_fr())
                .collect();
            let satisfied = circuit
                .mock(k, public.clone(), true)
                .unwrap_or_else(|e| panic!("lowering failed: {e}\n{}", context()));
            assert_eq!(
                *circuit.exposed.borrow(),
                public,
                "the circuit's new state differs from the executor's\n{}",
                context()
            );
            assert_eq!(
                satisfied,
                Some(true),
                "executor commits, MockProver not satisfied\n{}",
                context()
            );
            None
        }
        Err(rejection) => {
            // The honest attempt, with the public instance it computes itself.
            circuit
                .mock(k, zeros, false)
                .unwrap_or_else(|e| panic!("lowering failed: {e}\n{}", context()));
            let public = circuit.exposed.borrow().clone();
            let satisfied = circuit.mock(k, public, true).expect("lowered before");
            assert_eq!(
                satisfied,
                Some(false),
                "executor rejects, MockProver satisfied\n{}",
                context()
            );
            Some(rejection.reason.clone())
        }
    }
}

#[test]
fn random_programs_agree() {
    const PROGRAMS: usize = 200;
    const INPUTS: usize = 4;
    let start = std::time::Instant::now();
    let mut rng = Rng(0x5eed_c1c0);
    let mut committed = 0;
    let mut rejected: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..PROGRAMS {
        let program = Rc::new(random_program(&mut rng));
        stele_ir::verify(&program)
            .unwrap_or_else(|e| panic!("generator made a broken program: {e:?}\n{program}"));
        let exe = Executable::new(&program).expect("valid program");
        let mut k = None;
        for _ in 0..INPUTS {
            let mut values = || -> Vec<Val> {
                TYS.iter()
                    .map(|&t| val(t, random_value(&mut rng, t)))
                    .collect()
            };
            let (args, old) = (values(), values());
            match check(&program, &exe, &mut k, &args, &old) {
                None => committed += 1,
                // Assert messages are `a<line>`: count them together.
                Some(reason) if reason.starts_with('a') && reason.len() <= 3 => {
                    *rejected.entry("assert".into()).or_default() += 1
                }
                Some(reason) => *rejected.entry(reason).or_default() += 1,
            }
        }
    }
    let rejected_total: usize = rejected.values().sum();
    println!(
        "{PROGRAMS} programs x {INPUTS} inputs in {:.1?}: {committed} committed, \
         {rejected_total} rejected {rejected:?}",
        start.elapsed()
    );
    let total = PROGRAMS * INPUTS;
    assert!(
        committed > total / 5 && rejected_total > total / 5,
        "{committed} committed, {rejected_total} rejected"
    );
    // Every kind of failure was hit.
    assert_eq!(rejected.len(), 6, "{rejected:?}");
}
