//! circomlib Poseidon (width 3) as a dedicated halo2 chip: 41 rows × 4 advice columns
//! (164 cells) per permutation, maximum gate degree 5, four fixed columns, no selectors.
//!
//! The hash is circomlib's `Poseidon(2)`: state `[0, a, b]`, `R_F = 8`, `R_P = 57`, x^5 S-box,
//! output `state[0]`; the constants come from [`stele_crypto::poseidon_params`], so the chip
//! agrees bit for bit with [`stele_crypto::poseidon2`].
//!
//! # Idea: a stream of S-boxes
//!
//! A permutation applies 8 × 3 + 57 = 81 S-boxes. The capacity's first S-box sees the constant
//! `0 + c[0][0]`, so its output is a constant of the gates and needs no cell. The other 80 each
//! get a *slot* of two cells: the S-box input `x` (round constant already added) and
//! `z = x^4`, so the output `y = z·x` is a degree-2 expression. Everything else in Poseidon is
//! affine, so every slot input is an affine function of earlier slot cells:
//!
//! * full rounds: `x_{r+1} = M·y_r + c_{r+1}`, three `y` of the previous round;
//! * partial rounds: the state is never stored. With `d = y - x` a partial round is
//!   `w' = M·w + M·e0·d + c'`; by Cayley–Hamilton the S-box inputs obey a constant-coefficient
//!   recurrence `x_{n+3} = Σ_k (α_k·x_{n+k} + β_k·y_{n+k}) + γ_n` over the three previous slots;
//! * the boundaries (first partial rounds, the state entering the closing full rounds, the
//!   output) are affine in the last few slots as well.
//!
//! All coefficients are derived once, at run time, by running the permutation on *affine forms*
//! (symbols `a`, `b` and one per S-box output) and solving each gate's relation exactly
//! (`derive()` below, run on first use); the derivation asserts that every relation is an identity, that a gate used at
//! several rows has the same coefficients everywhere (only its constant moves to a fixed
//! column), and that the gates cover every cell exactly once, each from earlier cells only.
//!
//! # Layout (rows relative to a permutation's input/output row)
//!
//! | row | col 0 | col 1 | col 2 | col 3 | gate anchored here |
//! |---|---|---|---|---|---|
//! | 0 | (previous output) | `a` | (previous `out1`) | `b` | — |
//! | 1..=40 | `x` slot 2i | `z` | `x` slot 2i+1 | `z` | S-box `z = x^4` on both slots, plus one linear gate kind (below) |
//! | 41 = next row 0 | `out` | next `a` | `out1` | next `b` | output |
//!
//! Slots run in S-box order: round 0 (inputs 1, 2) in row 1, rounds 1–3 in rows 2–6A, the 57
//! partial rounds in rows 6B–34, rounds 61–64 in rows 35–40. `out1` (the second element of
//! the final state) is not needed, but it is fully determined and fills the row. A batch of `n` hashes shares the
//! input/output rows, so it takes `41·n + 1` rows ([`rows_for`]): [`ROWS_PER_PERMUTATION`] = 41,
//! [`CELLS_PER_PERMUTATION`] = 164 (all of them constrained). In the first row of a batch
//! columns 0 and 2 are not used, in its last row columns 1 and 3.
//!
//! Linear gate kinds (anchor rows): `start` (3: inputs + constants, round 1, first cell of
//! round 2), `fb` (4, 37, 40), `fc` (5, 38, 41), `fda` (6, 39), `tin` (7: into the partial
//! rounds), `p` (8..=34: the recurrence), `tout` (36: out of the partial rounds). Queried
//! rotations are −3..=0 only.
//!
//! # Columns, selectors, degree
//!
//! Four fixed columns: `kind_q`, `kind_r` and the two per-row constants `k_a`, `k_b`. The S-box
//! gate is `q·(z − x⁴)` (degree 5) with `q = kind_q`, nonzero exactly on S-box rows. The seven
//! linear kinds are told apart by `(q, r)`: each kind owns a point of the degree-3 principal
//! lattice `{(i, j, k) : i + j + k = 3}` with `i = q + 2`, `j = r`, `k = 1 − q − r`, and its
//! gate is multiplied by that point's Lagrange polynomial (a product of three linear factors,
//! degree 3), which is nonzero at its own point and zero at the nine others, including
//! `(0, 0)`: every row outside a Poseidon region. The S-box-only code [`SBOX_ONLY`] `= (1, 0)`
//! is also what the wide Poseidon of [`crate::poseidon_wide`] puts on its S-box rows (one S-box
//! `x⁴` in columns 0/1, and the fourth power of `x⁵` in columns 2/3), so every width shares
//! this gate. A linear relation has degree 2 (`y = z·x`),
//! so every gate has degree ≤ 5, which needs no bigger extended domain than a degree-4
//! circuit or a selector-gated lookup (halo2-axiom also caps the degree at 5 unless
//! `MAX_DEGREE` is set). Equality is enabled on advice columns 0, 1 and 3.
//!
//! # Soundness
//!
//! Given `a`, `b` (copy-constrained), the gates determine every other cell in order: each `z`
//! from its `x` (`z = x⁴`), each `x`, `out` and `out1` from strictly earlier slots by a relation
//! with coefficient 1 on the target. The honest trace satisfies every relation (each is an
//! identity in the free symbols), so it is the only satisfying assignment, and `out` is the
//! hash. The capacity is the constant `0` built into the `start` gate, so a trace of any other
//! capacity is rejected (tested). `tests/poseidon.rs` changes every one of the 164 cells in
//! turn and checks that `MockProver` rejects each.

use std::sync::OnceLock;

use halo2_proofs::circuit::{AssignedCell, Cell, Region, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{Advice, Assigned, Column, ConstraintSystem, Error, Expression, Fixed};
use halo2_proofs::poly::Rotation;
use stele_crypto::Fr;
use stele_crypto::poseidon_params::{FULL_ROUNDS, params, partial_rounds};

/// Rows one permutation adds to a batch: 40 S-box rows and one input/output row shared with
/// the next permutation (a lone hash takes `ROWS_PER_PERMUTATION + 1` rows, see [`rows_for`]).
pub const ROWS_PER_PERMUTATION: usize = 41;

/// Advice cells one permutation adds to a batch (4 columns × [`ROWS_PER_PERMUTATION`]).
pub const CELLS_PER_PERMUTATION: usize = ADVICE_COLUMNS * ROWS_PER_PERMUTATION;

/// Highest degree of the chip's gates.
pub const MAX_GATE_DEGREE: usize = 5;

/// Advice columns the chip is configured on.
pub const ADVICE_COLUMNS: usize = 4;

/// Fixed columns the chip allocates (`kind_q`, `kind_r`, `k_a`, `k_b`).
pub const FIXED_COLUMNS: usize = 4;

/// Rows taken by a batch of `n` hashes (`41·n + 1`, or 0 for an empty batch).
pub const fn rows_for(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        n * ROWS_PER_PERMUTATION + 1
    }
}

const WIDTH: usize = 3;
const HALF_FULL: usize = FULL_ROUNDS / 2;
/// circomlib's `R_P` for width 3 (checked against `partial_rounds(3)` in `derive()`).
const PARTIAL: usize = 57;
const ROUNDS: usize = FULL_ROUNDS + PARTIAL;
/// S-box slots with cells (every S-box but the capacity's first one).
const SLOTS: usize = 80;
/// S-box rows 1..=SBOX_ROWS.
const SBOX_ROWS: usize = SLOTS / 2;
/// The output row (= the next permutation's input row).
const OUT_ROW: usize = SBOX_ROWS + 1;

const _: () = assert!(OUT_ROW == ROWS_PER_PERMUTATION);
const _: () = assert!(2 * HALF_FULL == FULL_ROUNDS && ROUNDS == 65);

// ---------------------------------------------------------------------------------------------
// Slots and the native trace
// ---------------------------------------------------------------------------------------------

fn is_full(round: usize) -> bool {
    !(HALF_FULL..HALF_FULL + PARTIAL).contains(&round)
}

/// The slot of the S-box of `(round, component)`, if that S-box has cells.
fn slot_of(round: usize, comp: usize) -> Option<usize> {
    let closing = HALF_FULL + PARTIAL;
    match round {
        0 => comp.checked_sub(1),
        r if r < HALF_FULL => Some(2 + WIDTH * (r - 1) + comp),
        r if r < closing => (comp == 0).then_some(2 + WIDTH * (HALF_FULL - 1) + (r - HALF_FULL)),
        r => Some(2 + WIDTH * (HALF_FULL - 1) + PARTIAL + WIDTH * (r - closing) + comp),
    }
}

fn pow5(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// The witness of one permutation in the chip's layout: what [`PoseidonBatch::hash2`] assigns.
///
/// Public so that witnesses can be computed ahead of (or in parallel with) assignment, and so
/// that tests can change single cells; the gates, not this type, are what guarantees a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermutationWitness {
    /// The inputs `[a, b]` as written into the input row (columns 1 and 3).
    pub inputs: [Fr; 2],
    /// The S-box rows 1..=40, each `[x, z, x, z]` for its two slots.
    pub sbox_rows: [[Fr; 4]; SBOX_ROWS],
    /// The output row's `[out, out1]` (columns 0 and 2); `out` is the hash.
    pub output: [Fr; 2],
}

impl PermutationWitness {
    /// The honest witness of `poseidon2(a, b)`.
    pub fn new(a: Fr, b: Fr) -> Self {
        Self::trace([Fr::ZERO, a, b])
    }

    /// Testing aid: the honest-looking trace of the permutation of `[capacity, a, b]`. The chip
    /// only accepts `capacity = 0`; tests use this to show it rejects anything else.
    #[doc(hidden)]
    pub fn with_capacity(capacity: Fr, a: Fr, b: Fr) -> Self {
        Self::trace([capacity, a, b])
    }

    /// The hash (`out`).
    pub fn hash(&self) -> Fr {
        self.output[0]
    }

    fn trace(state: [Fr; WIDTH]) -> Self {
        let p = params(WIDTH);
        let mut v = state;
        let mut xs = [Fr::ZERO; SLOTS];
        for r in 0..ROUNDS {
            let mut w: [Fr; WIDTH] = std::array::from_fn(|j| v[j] + p.round_constants[r][j]);
            for (j, wj) in w.iter_mut().enumerate() {
                if is_full(r) || j == 0 {
                    if let Some(s) = slot_of(r, j) {
                        xs[s] = *wj;
                    }
                    *wj = pow5(*wj);
                }
            }
            v = std::array::from_fn(|i| {
                (0..WIDTH).fold(Fr::ZERO, |acc, j| acc + p.mds[i][j] * w[j])
            });
        }
        let sbox_rows = std::array::from_fn(|row| {
            let (xa, xb) = (xs[2 * row], xs[2 * row + 1]);
            [xa, xa.square().square(), xb, xb.square().square()]
        });
        PermutationWitness {
            inputs: [state[1], state[2]],
            sbox_rows,
            output: [v[0], v[1]],
        }
    }

    /// Value of the cell at (row relative to the input row, column), if the witness has one.
    fn cell(&self, row: usize, col: usize) -> Option<Fr> {
        match (row, col) {
            (0, 1) => Some(self.inputs[0]),
            (0, 3) => Some(self.inputs[1]),
            (r, c) if (1..=SBOX_ROWS).contains(&r) => Some(self.sbox_rows[r - 1][c]),
            (OUT_ROW, 0) => Some(self.output[0]),
            (OUT_ROW, 2) => Some(self.output[1]),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gate descriptions
// ---------------------------------------------------------------------------------------------

/// A cell a linear relation reads, relative to the gate's anchor row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    /// The slot input `x` at (rotation, side).
    X(i32, usize),
    /// The slot output `y = z·x` at (rotation, side).
    Y(i32, usize),
    /// A raw cell (an input) at (rotation, column).
    Raw(i32, usize),
}

use Src::{Raw, X, Y};

const A: usize = 0;
const B: usize = 1;

/// A linear gate kind: where it sits and what it constrains.
struct GateSpec {
    name: &'static str,
    /// `(kind_q, kind_r)` of its anchors that are S-box rows.
    code: (i64, i64),
    /// `(kind_q, kind_r)` of an anchor on the output row, if any.
    io_code: Option<(i64, i64)>,
    /// Anchor rows relative to the input row.
    anchors: &'static [usize],
    /// Targets `(rotation, side)` and the cells each is an affine function of.
    targets: &'static [(i32, usize, &'static [Src])],
    /// Constants go to `k_a`/`k_b` at the anchor (gates used at several rows; every target at
    /// rotation 0) rather than into the gate.
    constants_in_fixed: bool,
}

/// The `(kind_q, kind_r)` code of rows with only the S-box gate (`z = x⁴` on both slots, no
/// linear relation). Rows outside this chip use it too: the wide Poseidon of
/// [`crate::poseidon_wide`] puts one S-box per row of the gate chip with this code.
pub const SBOX_ONLY: (i64, i64) = (1, 0);

const Y3_FROM_ROW_START: &[Src] = &[Y(-2, A), Y(-2, B), Y(-1, A)];
const Y3_FROM_SIDE_B: &[Src] = &[Y(-2, B), Y(-1, A), Y(-1, B)];
const Y3_ENDING_HERE: &[Src] = &[Y(-1, A), Y(-1, B), Y(0, A)];
const ROUND0: &[Src] = &[Y(-2, A), Y(-2, B)];
const TIN_A: &[Src] = &[Y(-2, A), Y(-2, B), Y(-1, A), Y(-1, B)];
const TIN_B: &[Src] = &[Y(-2, A), Y(-2, B), Y(-1, A), Y(-1, B), Y(0, A)];
const P_A: &[Src] = &[X(-2, B), Y(-2, B), X(-1, A), Y(-1, A), X(-1, B), Y(-1, B)];
const P_B: &[Src] = &[X(-1, A), Y(-1, A), X(-1, B), Y(-1, B), X(0, A), Y(0, A)];
const TOUT: &[Src] = &[X(-3, B), Y(-3, B), X(-2, A), Y(-2, A), X(-2, B), Y(-2, B)];

const P_ANCHORS: [usize; 27] = {
    let mut rows = [0; 27];
    let mut i = 0;
    while i < 27 {
        rows[i] = 8 + i;
        i += 1;
    }
    rows
};

const GATES: &[GateSpec] = &[
    GateSpec {
        name: "poseidon start",
        code: (-1, 0),
        io_code: None,
        anchors: &[3],
        targets: &[
            (-2, A, &[Raw(-3, 1)]),
            (-2, B, &[Raw(-3, 3)]),
            (-1, A, ROUND0),
            (-1, B, ROUND0),
            (0, A, ROUND0),
            (0, B, Y3_ENDING_HERE),
        ],
        constants_in_fixed: false,
    },
    GateSpec {
        name: "poseidon fb",
        code: (-1, 1),
        io_code: None,
        anchors: &[4, 37, 40],
        targets: &[(0, A, Y3_FROM_ROW_START), (0, B, Y3_FROM_ROW_START)],
        constants_in_fixed: true,
    },
    GateSpec {
        name: "poseidon fc",
        code: (-1, 2),
        io_code: Some((0, 1)),
        anchors: &[5, 38, OUT_ROW],
        targets: &[(0, A, Y3_FROM_SIDE_B), (0, B, Y3_FROM_SIDE_B)],
        constants_in_fixed: true,
    },
    GateSpec {
        name: "poseidon fda",
        code: (-2, 0),
        io_code: None,
        anchors: &[6, 39],
        targets: &[
            (0, A, &[Y(-3, B), Y(-2, A), Y(-2, B)]),
            (0, B, Y3_ENDING_HERE),
        ],
        constants_in_fixed: true,
    },
    GateSpec {
        name: "poseidon tin",
        code: (-2, 1),
        io_code: None,
        anchors: &[7],
        targets: &[(0, A, TIN_A), (0, B, TIN_B)],
        constants_in_fixed: false,
    },
    GateSpec {
        name: "poseidon p",
        code: (-2, 2),
        io_code: None,
        anchors: &P_ANCHORS,
        targets: &[(0, A, P_A), (0, B, P_B)],
        constants_in_fixed: true,
    },
    GateSpec {
        name: "poseidon tout",
        code: (-2, 3),
        io_code: None,
        anchors: &[36],
        targets: &[
            (-1, A, TOUT),
            (-1, B, TOUT),
            (0, A, TOUT),
            (0, B, Y3_ENDING_HERE),
        ],
        constants_in_fixed: false,
    },
];

// ---------------------------------------------------------------------------------------------
// Derivation of the coefficients (affine forms)
// ---------------------------------------------------------------------------------------------

/// Symbols of an affine form: constant, `a`, `b`, then one per slot output `y`.
const SYMBOLS: usize = 3 + SLOTS;

type Form = Vec<Fr>;

fn symbol(i: usize) -> Form {
    let mut f = vec![Fr::ZERO; SYMBOLS];
    f[i] = Fr::ONE;
    f
}

/// The permutation on affine forms: every slot's input `x` and `[out, out1]`.
fn symbolic_trace() -> (Vec<Form>, [Form; 2]) {
    let p = params(WIDTH);
    let mut v: [Form; WIDTH] = [vec![Fr::ZERO; SYMBOLS], symbol(1), symbol(2)];
    let mut xs = vec![Vec::new(); SLOTS];
    for r in 0..ROUNDS {
        let mut w = v.clone();
        for (j, wj) in w.iter_mut().enumerate() {
            wj[0] += p.round_constants[r][j];
            if is_full(r) || j == 0 {
                match slot_of(r, j) {
                    Some(s) => {
                        xs[s] = std::mem::replace(wj, symbol(3 + s));
                    }
                    None => {
                        // The capacity's first S-box: a constant in, a constant out.
                        assert!(wj[1..].iter().all(|c| bool::from(c.is_zero())));
                        let c = pow5(wj[0]);
                        *wj = vec![Fr::ZERO; SYMBOLS];
                        wj[0] = c;
                    }
                }
            }
        }
        v = std::array::from_fn(|i| {
            let mut f = vec![Fr::ZERO; SYMBOLS];
            for (j, wj) in w.iter().enumerate() {
                for (acc, x) in f.iter_mut().zip(wj) {
                    *acc += p.mds[i][j] * x;
                }
            }
            f
        });
    }
    let [v0, v1, _] = v;
    (xs, [v0, v1])
}

/// Solves `target = Σ coef_k · sources_k + constant` as an identity of affine forms.
///
/// # Panics
/// If the sources are linearly dependent (modulo constants) or the relation does not hold.
fn solve(target: &Form, sources: &[Form]) -> (Vec<Fr>, Fr) {
    let n = sources.len();
    // Rows: non-constant symbols; columns: sources, then the target.
    let mut m: Vec<Vec<Fr>> = (1..SYMBOLS)
        .map(|i| {
            let mut row: Vec<Fr> = sources.iter().map(|s| s[i]).collect();
            row.push(target[i]);
            row
        })
        .collect();
    for col in 0..n {
        let pivot = (col..m.len())
            .find(|&r| !bool::from(m[r][col].is_zero()))
            .expect("Poseidon gate sources are linearly dependent");
        m.swap(col, pivot);
        let inv = m[col][col].invert().unwrap();
        for x in m[col].iter_mut() {
            *x *= inv;
        }
        let pivot_row = m[col].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != col && !bool::from(row[col].is_zero()) {
                let f = row[col];
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x -= f * p;
                }
            }
        }
    }
    assert!(
        m[n..].iter().all(|row| bool::from(row[n].is_zero())),
        "Poseidon gate relation is not an identity"
    );
    let coefs: Vec<Fr> = (0..n).map(|k| m[k][n]).collect();
    let constant = coefs
        .iter()
        .zip(sources)
        .fold(target[0], |acc, (c, s)| acc - *c * s[0]);
    (coefs, constant)
}

/// Where a target's constant lives.
#[derive(Clone, Copy, Debug)]
enum Constant {
    /// In `k_a` (side 0) or `k_b` (side 1) at the anchor row.
    Fixed(usize),
    /// Built into the gate.
    Value(Fr),
}

#[derive(Debug)]
struct DerivedTarget {
    rot: i32,
    side: usize,
    terms: Vec<(Src, Fr)>,
    constant: Constant,
}

#[derive(Debug)]
struct DerivedGate {
    name: &'static str,
    codes: Vec<(i64, i64)>,
    targets: Vec<DerivedTarget>,
}

/// Everything the chip needs, computed once from the Poseidon parameters.
#[derive(Debug)]
struct Derived {
    gates: Vec<DerivedGate>,
    /// Per row relative to the input row (0..=41): `[kind_q, kind_r, k_a, k_b]`.
    fixed: [[Fr; 4]; OUT_ROW + 1],
}

pub(crate) fn fr_from_i64(v: i64) -> Fr {
    let f = Fr::from(v.unsigned_abs());
    if v < 0 { -f } else { f }
}

/// The lattice point `(i, j, k)` of a `(kind_q, kind_r)` code.
fn lattice_point(code: (i64, i64)) -> [i64; 3] {
    let (q, r) = code;
    let p = [q + 2, r, 1 - q - r];
    assert!(p.iter().all(|&x| x >= 0), "kind code outside the lattice");
    p
}

/// Value of the Lagrange polynomial of `code` at `(q, r)` (for the self-check and tests).
fn indicator_value(code: (i64, i64), q: Fr, r: Fr) -> Fr {
    let lambda = [q + Fr::from(2), r, Fr::ONE - q - r];
    let point = lattice_point(code);
    let mut acc = Fr::ONE;
    for (l, &n) in lambda.iter().zip(&point) {
        for a in 0..n {
            acc *= (*l - Fr::from(a as u64)) * Fr::from((n - a) as u64).invert().unwrap();
        }
    }
    acc
}

fn indicator_expression(
    code: (i64, i64),
    q: &Expression<Fr>,
    r: &Expression<Fr>,
) -> Expression<Fr> {
    let lambda = [
        q.clone() + Expression::Constant(Fr::from(2)),
        r.clone(),
        Expression::Constant(Fr::ONE) - q.clone() - r.clone(),
    ];
    let point = lattice_point(code);
    let mut acc: Option<Expression<Fr>> = None;
    let mut scale = Fr::ONE;
    for (l, &n) in lambda.iter().zip(&point) {
        for a in 0..n {
            let factor = l.clone() - Expression::Constant(Fr::from(a as u64));
            scale *= Fr::from((n - a) as u64).invert().unwrap();
            acc = Some(match acc {
                None => factor,
                Some(e) => e * factor,
            });
        }
    }
    acc.expect("degree-3 lattice point") * scale
}

/// The chip's coefficients and fixed-column contents, derived and checked on first use.
fn derived() -> &'static Derived {
    static DERIVED: OnceLock<Derived> = OnceLock::new();
    DERIVED.get_or_init(derive)
}

fn derive() -> Derived {
    assert_eq!(partial_rounds(WIDTH), PARTIAL, "circomlib R_P for width 3");
    let (xs, out) = symbolic_trace();

    // The form of the value a source (or target) denotes, at an absolute relative row.
    let slot_at = |row: i32, side: usize| -> usize {
        assert!(
            (1..=SBOX_ROWS as i32).contains(&row),
            "row {row} is not an S-box row"
        );
        2 * (row as usize - 1) + side
    };
    let value_form = |row: i32, side: usize| -> Form {
        if row == OUT_ROW as i32 {
            out[side].clone()
        } else {
            xs[slot_at(row, side)].clone()
        }
    };
    let source_form = |anchor: i32, src: Src| -> Form {
        match src {
            X(rot, side) => value_form(anchor + rot, side),
            Y(rot, side) => symbol(3 + slot_at(anchor + rot, side)),
            Raw(rot, col) => {
                assert_eq!(anchor + rot, 0, "raw cells live in the input row");
                match col {
                    1 => symbol(1),
                    3 => symbol(2),
                    _ => panic!("no raw input in column {col}"),
                }
            }
        }
    };
    // Order of a cell in the dependency chain: inputs, slots 0..80, then the output row.
    let order = |anchor: i32, src: Src| -> usize {
        match src {
            Raw(..) => 0,
            X(rot, side) | Y(rot, side) => {
                let row = anchor + rot;
                if row == OUT_ROW as i32 {
                    1 + SLOTS + side
                } else {
                    1 + slot_at(row, side)
                }
            }
        }
    };

    let mut fixed = [[Fr::ZERO; 4]; OUT_ROW + 1];
    let mut code_of_row: [Option<(i64, i64)>; OUT_ROW + 1] = [None; OUT_ROW + 1];
    let mut covered = [[0u32; 2]; OUT_ROW + 1];
    let mut gates = Vec::new();

    for spec in GATES {
        let mut targets: Vec<DerivedTarget> = Vec::new();
        for (ai, &anchor) in spec.anchors.iter().enumerate() {
            let anchor_i = anchor as i32;
            let code = if anchor == OUT_ROW {
                spec.io_code
                    .expect("gate on the output row needs an io code")
            } else {
                spec.code
            };
            assert!(
                code_of_row[anchor].is_none(),
                "two gate kinds anchored at row {anchor}"
            );
            code_of_row[anchor] = Some(code);
            for (ti, &(rot, side, srcs)) in spec.targets.iter().enumerate() {
                let target = X(rot, side);
                let t_row = (anchor_i + rot) as usize;
                covered[t_row][side] += 1;
                for &s in srcs {
                    assert!(
                        order(anchor_i, s) < order(anchor_i, target),
                        "{}: source {s:?} is not earlier than target {target:?}",
                        spec.name
                    );
                }
                let forms: Vec<Form> = srcs.iter().map(|&s| source_form(anchor_i, s)).collect();
                let (coefs, constant) = solve(&value_form(anchor_i + rot, side), &forms);
                if ai == 0 {
                    let constant = if spec.constants_in_fixed {
                        assert_eq!(rot, 0, "fixed constants sit at the anchor row");
                        Constant::Fixed(side)
                    } else {
                        Constant::Value(constant)
                    };
                    targets.push(DerivedTarget {
                        rot,
                        side,
                        terms: srcs.iter().copied().zip(coefs).collect(),
                        constant,
                    });
                } else {
                    assert!(spec.constants_in_fixed, "single-use gate used twice");
                    let first = &targets[ti];
                    assert!(
                        first.terms.iter().map(|t| t.1).eq(coefs.iter().copied()),
                        "{}: coefficients differ between anchors",
                        spec.name
                    );
                }
                if spec.constants_in_fixed {
                    fixed[anchor][2 + side] = constant;
                }
            }
        }
        let mut codes = vec![spec.code];
        codes.extend(spec.io_code);
        gates.push(DerivedGate {
            name: spec.name,
            codes,
            targets,
        });
    }

    // Every cell but the inputs is the target of exactly one relation.
    for (row, sides) in covered.iter().enumerate() {
        let expect = if row == 0 { [0, 0] } else { [1, 1] };
        assert_eq!(
            *sides, expect,
            "row {row}: each slot input must be constrained once"
        );
    }

    // Kind codes: S-box rows have kind_q != 0; codes are told apart by their indicators.
    for (row, code) in code_of_row.iter_mut().enumerate() {
        if (1..=SBOX_ROWS).contains(&row) {
            let c = code.get_or_insert(SBOX_ONLY);
            assert_ne!(c.0, 0, "S-box rows need kind_q != 0");
        }
        if let Some((q, r)) = *code {
            fixed[row][0] = fr_from_i64(q);
            fixed[row][1] = fr_from_i64(r);
        }
    }
    assert_eq!(code_of_row[0], None);
    let mut all_codes: Vec<(i64, i64)> = vec![(0, 0), SBOX_ONLY];
    all_codes.extend(
        GATES
            .iter()
            .flat_map(|g| std::iter::once(g.code).chain(g.io_code)),
    );
    for &c in &all_codes {
        for &d in &all_codes {
            let v = indicator_value(c, fr_from_i64(d.0), fr_from_i64(d.1));
            assert_eq!(
                v,
                if c == d { Fr::ONE } else { Fr::ZERO },
                "indicator {c:?} at {d:?}"
            );
        }
    }

    Derived { gates, fixed }
}

// ---------------------------------------------------------------------------------------------
// The chip
// ---------------------------------------------------------------------------------------------

/// Columns of the Poseidon chip.
#[derive(Clone, Copy, Debug)]
pub struct PoseidonConfig {
    /// The shared advice columns: slot A `(x, z)` in columns 0/1, slot B in 2/3.
    pub advice: [Column<Advice>; ADVICE_COLUMNS],
    /// Gate kind, first coordinate; also the S-box selector (nonzero on S-box rows).
    pub kind_q: Column<Fixed>,
    /// Gate kind, second coordinate.
    pub kind_r: Column<Fixed>,
    /// Per-row constants of the side-A and side-B relations.
    pub constants: [Column<Fixed>; 2],
}

/// circomlib's 2-to-1 Poseidon as a halo2 chip (see the module documentation for the layout).
#[derive(Clone, Debug)]
pub struct PoseidonChip {
    config: PoseidonConfig,
}

/// An input of a hash: a cell to copy, or a fresh witness.
#[derive(Clone, Copy, Debug)]
pub enum HashInput {
    /// Copy this cell (its column must have equality enabled).
    Cell(Cell, Value<Fr>),
    /// Assign this value without constraint: the caller constrains the returned cell
    /// ([`Hashed::a`] / [`Hashed::b`]), e.g. with `Region::constrain_constant`.
    Witness(Value<Fr>),
}

impl HashInput {
    /// The input's value.
    pub fn value(&self) -> Value<Fr> {
        match self {
            HashInput::Cell(_, v) | HashInput::Witness(v) => *v,
        }
    }
}

impl<V: Clone + Into<Assigned<Fr>>> From<&AssignedCell<V, Fr>> for HashInput {
    fn from(cell: &AssignedCell<V, Fr>) -> Self {
        HashInput::Cell(
            cell.cell(),
            cell.value().map(|v| v.clone().into().evaluate()),
        )
    }
}

/// The cells of one hash: its two inputs as placed in the input row, and the output.
#[derive(Clone, Debug)]
pub struct Hashed<'v> {
    /// Input `a` (column 1 of the input row).
    pub a: AssignedCell<&'v Assigned<Fr>, Fr>,
    /// Input `b` (column 3 of the input row).
    pub b: AssignedCell<&'v Assigned<Fr>, Fr>,
    /// `poseidon2(a, b)` (column 0 of the output row; equality enabled).
    pub out: AssignedCell<&'v Assigned<Fr>, Fr>,
}

/// A run of hashes laid out back to back from a given row: each hash's output row is the next
/// one's input row. Hashes are added one by one, so an output can feed a later input.
#[derive(Debug)]
pub struct PoseidonBatch<'c> {
    chip: &'c PoseidonChip,
    io_row: usize,
    len: usize,
}

impl PoseidonChip {
    /// Configures the chip on four advice columns (shared with other chips). Allocates four
    /// fixed columns and no selectors; enables equality on advice columns 0, 1 and 3.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        advice: [Column<Advice>; ADVICE_COLUMNS],
    ) -> PoseidonConfig {
        let d = derived();
        let kind_q = meta.fixed_column();
        let kind_r = meta.fixed_column();
        let constants = [meta.fixed_column(), meta.fixed_column()];
        for col in [0, 1, 3] {
            meta.enable_equality(advice[col]);
        }

        meta.create_gate("poseidon sbox", |vc| {
            let q = vc.query_fixed(kind_q, Rotation::cur());
            [0, 2]
                .into_iter()
                .map(|col| {
                    let x = vc.query_advice(advice[col], Rotation::cur());
                    let z = vc.query_advice(advice[col + 1], Rotation::cur());
                    let x2 = x.clone() * x;
                    q.clone() * (z - x2.clone() * x2)
                })
                .collect::<Vec<_>>()
        });

        for gate in &d.gates {
            meta.create_gate(gate.name, |vc| {
                let q = vc.query_fixed(kind_q, Rotation::cur());
                let r = vc.query_fixed(kind_r, Rotation::cur());
                let indicator = gate
                    .codes
                    .iter()
                    .map(|&c| indicator_expression(c, &q, &r))
                    .reduce(|a, b| a + b)
                    .expect("a gate has a code");
                let mut polys = Vec::with_capacity(gate.targets.len());
                for t in &gate.targets {
                    let mut e = vc.query_advice(advice[2 * t.side], Rotation(t.rot));
                    for &(src, coef) in &t.terms {
                        let term = match src {
                            X(rot, side) => vc.query_advice(advice[2 * side], Rotation(rot)),
                            Y(rot, side) => {
                                vc.query_advice(advice[2 * side], Rotation(rot))
                                    * vc.query_advice(advice[2 * side + 1], Rotation(rot))
                            }
                            Raw(rot, col) => vc.query_advice(advice[col], Rotation(rot)),
                        };
                        e = e - term * coef;
                    }
                    e = match t.constant {
                        Constant::Fixed(side) => {
                            e - vc.query_fixed(constants[side], Rotation::cur())
                        }
                        Constant::Value(c) => e - Expression::Constant(c),
                    };
                    polys.push(indicator.clone() * e);
                }
                polys
            });
        }

        PoseidonConfig {
            advice,
            kind_q,
            kind_r,
            constants,
        }
    }

    /// A chip on configured columns.
    pub fn new(config: PoseidonConfig) -> Self {
        PoseidonChip { config }
    }

    /// The chip's columns.
    pub fn config(&self) -> &PoseidonConfig {
        &self.config
    }

    /// `poseidon2(a, b)` in rows `offset..offset + rows_for(1)` (42 rows) of the advice
    /// columns, with `a` and `b` copied in; returns the output cell. For many hashes use
    /// [`Self::batch`] (41 rows each).
    pub fn hash2<'v, VA, VB>(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        a: &AssignedCell<VA, Fr>,
        b: &AssignedCell<VB, Fr>,
    ) -> Result<AssignedCell<&'v Assigned<Fr>, Fr>, Error>
    where
        VA: Clone + Into<Assigned<Fr>>,
        VB: Clone + Into<Assigned<Fr>>,
    {
        let mut batch = self.batch(offset);
        Ok(batch.hash2(region, a.into(), b.into())?.out)
    }

    /// Many independent hashes back to back from `offset` (`rows_for(inputs.len())` rows).
    pub fn hash2_many<'v>(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        inputs: &[(HashInput, HashInput)],
    ) -> Result<Vec<Hashed<'v>>, Error> {
        let mut batch = self.batch(offset);
        inputs
            .iter()
            .map(|&(a, b)| batch.hash2(region, a, b))
            .collect()
    }

    /// Starts a batch at row `offset` (absolute, as halo2-axiom's floor planner places every
    /// region at row 0). Each hash added takes [`ROWS_PER_PERMUTATION`] rows, plus one row at
    /// the end; [`PoseidonBatch::end_row`] is the first row after it.
    pub fn batch(&self, offset: usize) -> PoseidonBatch<'_> {
        PoseidonBatch {
            chip: self,
            io_row: offset,
            len: 0,
        }
    }
}

impl PoseidonBatch<'_> {
    /// Appends `poseidon2(a, b)`, computing its witness.
    pub fn hash2<'v>(
        &mut self,
        region: &mut Region<'_, Fr>,
        a: HashInput,
        b: HashInput,
    ) -> Result<Hashed<'v>, Error> {
        let witness = a
            .value()
            .zip(b.value())
            .map(|(a, b)| PermutationWitness::new(a, b));
        self.hash2_with_witness(region, a, b, witness.as_ref())
    }

    /// Appends a hash with a given witness (computed ahead, e.g. in parallel, with
    /// [`PermutationWitness::new`]). The witness is assigned as it is, including its input
    /// row values: a witness that does not match `a`, `b` fails verification.
    pub fn hash2_with_witness<'v>(
        &mut self,
        region: &mut Region<'_, Fr>,
        a: HashInput,
        b: HashInput,
        witness: Value<&PermutationWitness>,
    ) -> Result<Hashed<'v>, Error> {
        let config = &self.chip.config;
        let io = self.io_row;
        let value = |row: usize, col: usize| {
            witness.map(|w| w.cell(row, col).expect("cell of the permutation layout"))
        };
        let advice = config.advice;

        let a_cell = region.assign_advice(advice[1], io, value(0, 1));
        let b_cell = region.assign_advice(advice[3], io, value(0, 3));
        for (input, cell) in [(a, &a_cell), (b, &b_cell)] {
            if let HashInput::Cell(source, _) = input {
                region.constrain_equal(source, cell.cell());
            }
        }
        for row in 1..=SBOX_ROWS {
            for (col, &column) in advice.iter().enumerate() {
                region.assign_advice(column, io + row, value(row, col));
            }
        }
        let out = region.assign_advice(advice[0], io + OUT_ROW, value(OUT_ROW, 0));
        region.assign_advice(advice[2], io + OUT_ROW, value(OUT_ROW, 2));

        let fixed_columns = [
            config.kind_q,
            config.kind_r,
            config.constants[0],
            config.constants[1],
        ];
        for (row, values) in derived().fixed.iter().enumerate().skip(1) {
            for (&column, &v) in fixed_columns.iter().zip(values) {
                region.assign_fixed(column, io + row, v);
            }
        }

        self.io_row += ROWS_PER_PERMUTATION;
        self.len += 1;
        Ok(Hashed {
            a: a_cell,
            b: b_cell,
            out,
        })
    }

    /// Number of hashes in the batch.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if no hash was added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first row after the batch (the start row if it is empty).
    pub fn end_row(&self) -> usize {
        if self.len == 0 {
            self.io_row
        } else {
            self.io_row + 1
        }
    }
}

/// Layout statistics, for reports and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutStats {
    /// Rows per permutation in a batch.
    pub rows_per_permutation: usize,
    /// Advice cells per permutation in a batch (all constrained).
    pub cells_per_permutation: usize,
    /// Custom gates (S-box plus linear kinds).
    pub gates: usize,
    /// Polynomial constraints over all gates.
    pub constraints: usize,
}

/// The chip's layout statistics.
pub fn layout_stats() -> LayoutStats {
    let d = derived();
    LayoutStats {
        rows_per_permutation: ROWS_PER_PERMUTATION,
        cells_per_permutation: CELLS_PER_PERMUTATION,
        gates: 1 + d.gates.len(),
        constraints: 2 + d.gates.iter().map(|g| g.targets.len()).sum::<usize>(),
    }
}
