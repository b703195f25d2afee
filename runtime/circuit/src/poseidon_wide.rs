//! circomlib's Poseidon at every width `t = 2..=17` (1 to 16 inputs) and the list hash
//! `hash_list`, on the columns and gates every Stele circuit already has: the arithmetic gate
//! of [`crate::gates`] and the S-box gate of the width-3 chip [`crate::poseidon`] (no new
//! column, gate or lookup).
//!
//! [`poseidon`] agrees with `stele_crypto::poseidon` (capacity 0, inputs in `state[1..]`,
//! output `state[0]`), [`hash_list`] with `stele_crypto::hash_list` (0 elements → the constant
//! 0; 1..=16 → `poseidon`; more → `hash_list` of the hashes of consecutive chunks of 16).
//! Two inputs (`t = 3`) take the dedicated chip itself: 42 rows reserved in the context
//! ([`crate::merkle::leaf_hash2`]).
//!
//! # How a permutation is laid out
//!
//! The state is kept *symbolically*: each element is an affine form `Σ c_j·v_j + k` over cells
//! (a private `Lin`, terms on the same cell merged). Round constants, the MDS products and the
//! constant part of the state cost no rows; a form becomes a cell only where something
//! non-linear needs it, and every coefficient and constant sits in the gate's fixed columns
//! (no constant cells):
//!
//! - **S-box** `(Σ c_j·v_j + k)^5`: the form as one cell `x` by [`GateCtx::lin_comb`]
//!   (`⌈(n − 1)/2⌉` rows for `n ≥ 2` terms, one abc row for `c·v + k`, none for a bare cell),
//!   then **one S-box row** `[x, x⁴, x⁵, x²⁰]`. That row carries the width-3 chip's
//!   S-box-only code `(kind_q, kind_r) = (1, 0)` ([`crate::poseidon::SBOX_ONLY`]), which
//!   switches on exactly its S-box gate `z = x⁴` on the column pairs (0, 1) and (2, 3) and none
//!   of its linear gates; the arithmetic gate on the same row adds `c = a·b`, so column 2 holds
//!   `x⁵` and column 3 its (unused but determined) fourth power. A constant element
//!   (`state[0] = 0` in the first round) is raised to the fifth power natively: no row.
//! - **Full rounds**: every S-box, then the next state as forms `M·y + c` (no row); each
//!   element becomes a cell as the next round's S-box input. The last round evaluates
//!   `state[0]` only, as the output cell.
//! - **Partial rounds** use the sparse factorisation of the MDS, computed here from the raw
//!   parameters of `stele_crypto::poseidon_params` (see [`sparse`]): the last full round before
//!   them uses `diag(1, B)·M`, and each partial round's matrix is `[[m₀₀, r], [c, I]]`, so
//!   `state[0]` is a `t`-term form and every other element only gains a term `c_i·x⁵`. Those
//!   elements stay forms and are settled into one cell whenever they hold an odd number (≥ 3)
//!   of terms (one full row for `cell + two outputs`, every second round). About `t + 1` rows
//!   per partial round.
//!
//! Nothing is cached (no constant cells), so a second permutation in the same context costs
//! the same as the first. Rows per permutation, pinned by the test `rows_per_permutation`
//! (`tests/poseidon_wide.rs`):
//!
//! | inputs (width `t`) | rows | inputs (width `t`) | rows |
//! |---|---|---|---|
//! | 1 (2) | 171 | 9 (10) | 1063 |
//! | 2 (3) | 42 (width-3 chip) | 10 (11) | 1246 |
//! | 3 (4) | 340 | 11 (12) | 1354 |
//! | 4 (5) | 445 | 12 (13) | 1550 |
//! | 5 (6) | 565 | 13 (14) | 1818 |
//! | 6 (7) | 686 | 14 (15) | 1805 |
//! | 7 (8) | 834 | 15 (16) | 2086 |
//! | 8 (9) | 937 | 16 (17) | 2301 |
//!
//! The short sums (one or two terms) are *abc rows*: in a context shared with range checks
//! they fill the free a, b, c slots of range runs (see [`crate::gates`]); the S-box rows and
//! the full rows of longer sums need rows of their own.
//!
//! # Soundness
//!
//! Every cell is fixed by earlier ones: a sum cell by its gate row, `x⁴` and `x⁵·⁴` by the
//! S-box gate, `x⁵` by the arithmetic gate of its row, and every operand is a copy
//! (equality is on for all four advice columns). The row codes live in the fixed column
//! `kind_q`, so a prover cannot move or drop them. The tests change every cell of a width-2
//! permutation and every S-box-row cell at widths 6 and 17, and forge a consistent S-box row,
//! and `MockProver` rejects each.
//!
//! # Gadgets used
//!
//! [`GateCtx::lin_comb`], the S-box row (`GateCtx::sbox_row`, crate-internal) and `constant`
//! (for the empty list of [`hash_list`]).
//!
//! # Fault-injection labels
//!
//! S-box rows: `sbox.x4` (`x⁴`), `sbox.out` (`x⁵`), `sbox.out4` (its fourth power), `copy`
//! (`x`); sums and settled elements `lin.acc` (inside a chain) and `lin.out`. The output of a
//! permutation is its last `lin.out`.

use std::sync::OnceLock;

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use stele_crypto::poseidon_params::{FULL_ROUNDS, params};

use halo2_proofs::plonk::{Column, Fixed};

use crate::gates::{GateCtx, Var};
use crate::poseidon::PoseidonChip;

/// Most inputs of one permutation (width 17).
pub const MAX_INPUTS: usize = 16;

/// Why a Poseidon call could not be laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoseidonError {
    /// `poseidon` takes 1..=16 inputs (use [`hash_list`] for any length).
    Arity(usize),
}

impl std::fmt::Display for PoseidonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PoseidonError::Arity(n) => {
                write!(f, "Poseidon takes 1..={MAX_INPUTS} inputs, not {n}")
            }
        }
    }
}

impl std::error::Error for PoseidonError {}

/// An affine form `Σ c_j·v_j + k` over cells: one state element. Terms on the same cell are
/// merged, so a form never lists a cell twice.
#[derive(Clone, Debug)]
struct Lin {
    terms: Vec<(Fr, Var)>,
    k: Fr,
}

impl Lin {
    fn constant(k: Fr) -> Lin {
        Lin {
            terms: Vec::new(),
            k,
        }
    }

    fn var(v: &Var) -> Lin {
        Lin {
            terms: vec![(Fr::ONE, v.clone())],
            k: Fr::ZERO,
        }
    }

    /// `self += c·v`, merged into an existing term on the same cell.
    fn add_term(&mut self, c: Fr, v: &Var) {
        match self.terms.iter().position(|(_, w)| v.same_cell(w)) {
            Some(i) => {
                self.terms[i].0 += c;
                if self.terms[i].0 == Fr::ZERO {
                    self.terms.remove(i);
                }
            }
            None if c != Fr::ZERO => self.terms.push((c, v.clone())),
            None => {}
        }
    }

    /// `self += c·form`.
    fn add_scaled(&mut self, c: Fr, form: &Lin) {
        self.k += c * form.k;
        for (d, v) in &form.terms {
            self.add_term(c * *d, v);
        }
    }

    /// `Σ_j coeffs[j]·forms[j]` (no row).
    fn combine(coeffs: &[Fr], forms: &[Lin]) -> Lin {
        let mut out = Lin::constant(Fr::ZERO);
        for (c, form) in coeffs.iter().zip(forms) {
            out.add_scaled(*c, form);
        }
        out
    }
}

/// The S-box of a form: `k⁵` natively for a constant (no row); otherwise the form as one cell
/// `x` ([`GateCtx::lin_comb`]: no row for a bare cell) and `x⁵` on one S-box row
/// ([`GateCtx::sbox_row`]).
fn sbox(ctx: &mut GateCtx, kind_q: Column<Fixed>, form: &Lin) -> Lin {
    if form.terms.is_empty() {
        Lin::constant(form.k.pow_vartime([5u64]))
    } else {
        let x = ctx.lin_comb(&form.terms, form.k);
        Lin::var(&ctx.sbox_row(kind_q, &x))
    }
}

/// A full round after its constants: every S-box, then the rows of `matrix` as forms (all of
/// them, or just the first in the last round): no row beyond the S-boxes.
fn full_round(
    ctx: &mut GateCtx,
    kind_q: Column<Fixed>,
    state: &[Lin],
    matrix: &[Vec<Fr>],
) -> Vec<Lin> {
    let mut next = vec![Lin::constant(Fr::ZERO); matrix.len()];
    for (j, form) in state.iter().enumerate() {
        let x = sbox(ctx, kind_q, form);
        for (sum, row) in next.iter_mut().zip(matrix) {
            sum.add_scaled(row[j], &x);
        }
    }
    next
}

/// A form as one cell by [`GateCtx::lin_comb`].
fn settle(ctx: &mut GateCtx, form: &Lin) -> Lin {
    Lin::var(&ctx.lin_comb(&form.terms, form.k))
}

/// The round constants of `consts` added to the state (no row).
fn add_constants(state: &mut [Lin], consts: &[Fr]) {
    for (s, c) in state.iter_mut().zip(consts) {
        s.k += c;
    }
}

/// The sparse form of the partial rounds of one width (derived from the raw parameters; see
/// the module docs): the matrix of the last full round before them, and per partial round its
/// (transformed) constants and sparse matrix `[[m00, row], [col, I]]`.
#[derive(Debug)]
pub struct Sparse {
    /// `diag(1, B)·M`: the linear layer of round `FULL_ROUNDS/2 - 1`.
    pub pre_matrix: Vec<Vec<Fr>>,
    /// Per partial round: the constants added before its S-box (`t` values).
    pub constants: Vec<Vec<Fr>>,
    /// Per partial round: `(m00, row[1..t], col[1..t])`.
    pub matrices: Vec<(Fr, Vec<Fr>, Vec<Fr>)>,
}

fn mat_mul(a: &[Vec<Fr>], b: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = a.len();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| (0..n).fold(Fr::ZERO, |acc, k| acc + a[i][k] * b[k][j]))
                .collect()
        })
        .collect()
}

fn mat_vec(a: &[Vec<Fr>], v: &[Fr]) -> Vec<Fr> {
    a.iter()
        .map(|row| row.iter().zip(v).fold(Fr::ZERO, |acc, (x, y)| acc + *x * y))
        .collect()
}

/// Inverse of a square matrix by Gauss–Jordan elimination (the MDS blocks are invertible).
fn mat_inv(m: &[Vec<Fr>]) -> Vec<Vec<Fr>> {
    let n = m.len();
    let mut a: Vec<Vec<Fr>> = m.to_vec();
    let mut inv: Vec<Vec<Fr>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { Fr::ONE } else { Fr::ZERO })
                .collect()
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n)
            .find(|&r| a[r][col] != Fr::ZERO)
            .expect("invertible matrix");
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col].invert().expect("non-zero pivot");
        for j in 0..n {
            a[col][j] *= p;
            inv[col][j] *= p;
        }
        for r in 0..n {
            if r != col && a[r][col] != Fr::ZERO {
                let f = a[r][col];
                for j in 0..n {
                    let (x, y) = (a[col][j], inv[col][j]);
                    a[r][j] -= f * x;
                    inv[r][j] -= f * y;
                }
            }
        }
    }
    inv
}

/// The sparse partial-round form of width `t` (2..=17), computed on first use and cached.
///
/// Backwards over the partial rounds, with `D` (initially `I`) the dense block pushed out of
/// the rounds after: `N = D·M = [[n00, r], [c, N']]` factors as
/// `[[n00, r·N'⁻¹], [c, I]]·diag(1, N')`; `diag(1, N')` commutes with the S-box on `state[0]`,
/// so it moves before it (the round's constants become `diag(1, N')·c_r`) and becomes the new
/// `D`. The last `D` multiplies the MDS of the last full round before the partial rounds.
///
/// # Panics
/// If `t` is outside `2..=17`.
pub fn sparse(t: usize) -> &'static Sparse {
    static CACHE: [OnceLock<Sparse>; MAX_INPUTS + 2] = [const { OnceLock::new() }; MAX_INPUTS + 2];
    assert!(
        (2..=MAX_INPUTS + 1).contains(&t),
        "Poseidon width {t} is not in 2..=17"
    );
    CACHE[t].get_or_init(|| sparse_uncached(t))
}

fn sparse_uncached(t: usize) -> Sparse {
    let p = params(t);
    let half = FULL_ROUNDS / 2;
    let mut d: Vec<Vec<Fr>> = (0..t)
        .map(|i| {
            (0..t)
                .map(|j| if i == j { Fr::ONE } else { Fr::ZERO })
                .collect()
        })
        .collect();
    let mut constants = vec![Vec::new(); p.partial_rounds];
    let mut matrices = vec![(Fr::ZERO, Vec::new(), Vec::new()); p.partial_rounds];
    for r in (0..p.partial_rounds).rev() {
        let n = mat_mul(&d, &p.mds);
        let sub: Vec<Vec<Fr>> = n[1..].iter().map(|row| row[1..].to_vec()).collect();
        let sub_inv = mat_inv(&sub);
        let row: Vec<Fr> = (0..t - 1)
            .map(|j| (0..t - 1).fold(Fr::ZERO, |acc, k| acc + n[0][k + 1] * sub_inv[k][j]))
            .collect();
        let col: Vec<Fr> = (1..t).map(|i| n[i][0]).collect();
        matrices[r] = (n[0][0], row, col);
        d = (0..t)
            .map(|i| {
                (0..t)
                    .map(|j| match (i, j) {
                        (0, 0) => Fr::ONE,
                        (0, _) | (_, 0) => Fr::ZERO,
                        _ => sub[i - 1][j - 1],
                    })
                    .collect()
            })
            .collect();
        constants[r] = mat_vec(&d, &p.round_constants[half + r]);
    }
    Sparse {
        pre_matrix: mat_mul(&d, &p.mds),
        constants,
        matrices,
    }
}

/// circomlib Poseidon of 1..=16 cells: width `t = n + 1`, state `[0, inputs..]`, output
/// `state[0]` after the permutation. Two inputs take the dedicated width-3 chip (42 rows,
/// reserved in the context: [`crate::merkle::leaf_hash2`]); every other width is laid out on
/// the gate chip with one S-box row per S-box (see the module docs).
pub fn poseidon(
    ctx: &mut GateCtx,
    chip: &PoseidonChip,
    inputs: &[Var],
) -> Result<Var, PoseidonError> {
    let n = inputs.len();
    if !(1..=MAX_INPUTS).contains(&n) {
        return Err(PoseidonError::Arity(n));
    }
    if n == 2 {
        return Ok(crate::merkle::leaf_hash2(ctx, chip, &inputs[0], &inputs[1]));
    }
    let kind_q = chip.config().kind_q;
    let t = n + 1;
    let p = params(t);
    let half = FULL_ROUNDS / 2;
    let sp = sparse(t);
    let mut state: Vec<Lin> = std::iter::once(Lin::constant(Fr::ZERO))
        .chain(inputs.iter().map(Lin::var))
        .collect();

    // Opening full rounds; the last one uses the matrix that starts the sparse form.
    for r in 0..half {
        add_constants(&mut state, &p.round_constants[r]);
        let matrix = if r + 1 == half {
            &sp.pre_matrix
        } else {
            &p.mds
        };
        state = full_round(ctx, kind_q, &state, matrix);
    }

    // Partial rounds, sparse: state[0] gets a dense row, every other element one update.
    for (consts, (m00, row, col)) in sp.constants.iter().zip(&sp.matrices) {
        add_constants(&mut state, consts);
        // An element with an odd number (>= 3) of terms settles in full rows only.
        for s in state.iter_mut().skip(1) {
            if s.terms.len() >= 3 && s.terms.len() % 2 == 1 {
                *s = settle(ctx, s);
            }
        }
        let x = sbox(ctx, kind_q, &state[0]);
        let mut next = vec![Lin::combine(row, &state[1..])];
        next.extend(state[1..].iter().cloned());
        let col: Vec<Fr> = std::iter::once(*m00).chain(col.iter().copied()).collect();
        for (sum, c) in next.iter_mut().zip(&col) {
            sum.add_scaled(*c, &x);
        }
        state = next;
    }

    // Closing full rounds; the last one computes state[0] only.
    let rounds = p.full_rounds + p.partial_rounds;
    for r in half + p.partial_rounds..rounds {
        add_constants(&mut state, &p.round_constants[r]);
        let matrix = if r + 1 == rounds {
            &p.mds[..1]
        } else {
            &p.mds[..]
        };
        state = full_round(ctx, kind_q, &state, matrix);
    }
    let out = &state[0];
    Ok(ctx.lin_comb(&out.terms, out.k))
}

/// The list hash of `stele_crypto::hash_list`: 0 elements → the constant 0; 1..=16 →
/// [`poseidon`]; more → `hash_list` of the hashes of consecutive chunks of 16 (a last chunk of
/// one element `x` is `poseidon([x])`).
pub fn hash_list(ctx: &mut GateCtx, chip: &PoseidonChip, xs: &[Var]) -> Result<Var, PoseidonError> {
    match xs.len() {
        0 => Ok(ctx.constant(Fr::ZERO)),
        1..=MAX_INPUTS => poseidon(ctx, chip, xs),
        _ => {
            let hashes = xs
                .chunks(MAX_INPUTS)
                .map(|chunk| poseidon(ctx, chip, chunk))
                .collect::<Result<Vec<Var>, _>>()?;
            hash_list(ctx, chip, &hashes)
        }
    }
}
