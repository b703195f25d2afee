//! circomlib's Poseidon at every width `t = 2..=17` (1 to 16 inputs) and the list hash
//! `hash_list`, built from [`GateCtx`] gadgets only (no dedicated gate, no extra column).
//!
//! [`poseidon`] agrees with `stele_crypto::poseidon` (capacity 0, inputs in `state[1..]`,
//! output `state[0]`), [`hash_list`] with `stele_crypto::hash_list` (0 elements → the constant
//! 0; 1..=16 → `poseidon`; more → `hash_list` of the hashes of consecutive chunks of 16).
//!
//! # How a permutation is laid out
//!
//! The state is kept *symbolically*: each element is an affine form `Σ c_j·v_j + k` over cells
//! (a private `Lin`, terms on the same cell merged). Round constants, the MDS products and the
//! constant part of the state cost no rows; a form becomes a cell only where something
//! non-linear needs it, and every coefficient and constant sits in the gate's fixed columns
//! (no constant cells):
//!
//! - **S-box** `(Σ c_j·v_j + k)^5`: [`GateCtx::pow5`], 3 rows for a one-term form (the
//!   coefficient and the constant ride in the gate), `⌈(n − 1)/2⌉ + 3` for `n ≥ 2` terms (the sum
//!   by [`GateCtx::lin_comb`], two terms per full row). A constant element (`state[0] = 0` in
//!   the first round) is raised to the fifth power natively: no row.
//! - **Folding a term into the S-box.** An S-box output only ever enters the next state
//!   linearly, as `sums[i] + col[i]·x⁵`. If some cell `z` of one target sum is already in every
//!   other sum the output enters, the S-box's last row computes `v = m·x⁵ + e·z` instead
//!   ([`GateCtx::pow5_add`], same rows) and `x⁵` is the form `(v − e·z)/m`: the target sum
//!   has one term fewer and no other sum gains one. In a full round S-box `j ≥ 1` folds a cell
//!   of the previous outputs into sum `j`; in the last round, which evaluates `state[0]` only,
//!   every S-box folds the running sum, so the output is the last S-box cell (no sum row).
//! - **Partial rounds** use the sparse factorisation of the MDS, computed here from the raw
//!   parameters of `stele_crypto::poseidon_params` (see [`sparse`]): the last full round before
//!   them uses `diag(1, B)·M`, and each partial round's matrix is `[[m₀₀, r], [c, I]]`, so
//!   `state[0]` is a `t`-term form and every other element only gains a term `c_i·x⁵`. Those
//!   elements stay forms and are settled into one cell whenever they hold an odd number (≥ 3)
//!   of terms: in the steady state every second round settles `cell + two outputs` in one full
//!   row each, and in the round between, every element holds the previous output, which the
//!   S-box folds into `state[0]`. About `t + 2` rows per partial round.
//!
//! Nothing is cached (no constant cells), so a second permutation in the same context costs
//! the same as the first. Rows per permutation, pinned by the
//! test `rows_per_permutation` (`tests/poseidon_wide.rs`):
//!
//! | width `t` (inputs) | rows |
//! |---|---|
//! | 2 (1) | 275 |
//! | 3 (2) | 373 |
//! | 5 (4) | 604 |
//! | 7 (6) | 871 |
//! | 17 (16) | 2634 |
//!
//! (The dedicated width-3 chip of [`crate::poseidon`] stays far cheaper for `t = 3`.)
//!
//! The S-box rows, two-term sums and the last single term of a chain are *abc rows*: in a
//! context shared with range checks they fill the free a, b, c slots of range runs (see
//! [`crate::gates`]); only the full rows of longer sums (and of folded S-box outputs) need
//! rows of their own.
//!
//! # Gadgets used
//!
//! Only the public [`GateCtx`] API: `lin_comb`, `pow5`, `pow5_add` (and `constant` for the
//! empty list of [`hash_list`]).
//!
//! # Fault-injection labels
//!
//! The cells are the gadgets' own: S-box squares `pow5.x2`, fourth powers `pow5.x4`, outputs
//! (plain or with a folded term) `pow5.out`; sums and settled elements `lin.acc` (inside a
//! chain) and `lin.out`. The output of a permutation is its last `pow5.out`.

use std::sync::OnceLock;

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use stele_crypto::poseidon_params::{FULL_ROUNDS, params};

use crate::gates::{GateCtx, Var};

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

/// The S-box of a form: `k⁵` natively for a constant (no row), else one [`GateCtx::pow5`] cell.
fn sbox(ctx: &mut GateCtx, form: &Lin) -> Lin {
    if form.terms.is_empty() {
        Lin::constant(form.k.pow_vartime([5u64]))
    } else {
        Lin::var(&ctx.pow5(&form.terms, form.k))
    }
}

/// The S-box of `form`, for a round whose next state is `sums[i] + col[i]·form⁵`.
///
/// When a cell `z` of `sums[target]` is already in every other `sums[i]` that the S-box
/// touches (`col[i] ≠ 0`), the S-box's last row also adds it: one [`GateCtx::pow5_add`] cell
/// `v = m·form⁵ + e·z`, with `m = col[target]` and `e` the coefficient of `z` in
/// `sums[target]`, and `form⁵` is returned as the form `(v - e·z)/m`. The new
/// `sums[target]` then holds `v` instead of `z`, one term fewer, and no other sum gains a term.
/// Otherwise (or for a constant form) a plain [`sbox`].
fn sbox_into(ctx: &mut GateCtx, form: &Lin, target: usize, sums: &[Lin], col: &[Fr]) -> Lin {
    let m = col[target];
    let holds = |s: &Lin, z: &Var| s.terms.iter().any(|(_, w)| z.same_cell(w));
    let shared = sums[target].terms.iter().find(|(_, z)| {
        sums.iter()
            .zip(col)
            .all(|(s, c)| *c == Fr::ZERO || holds(s, z))
    });
    match shared {
        Some((e, z)) if !form.terms.is_empty() && m != Fr::ZERO => {
            let v = ctx.pow5_add(&form.terms, form.k, m, (*e, z));
            let inv = m.invert().expect("non-zero");
            Lin {
                terms: vec![(inv, v), (-*e * inv, z.clone())],
                k: Fr::ZERO,
            }
        }
        _ => sbox(ctx, form),
    }
}

/// A full round after its constants: every S-box, then the rows of `matrix` (all of them, or
/// just the first in the last round). S-box `j` adds a shared cell into sum `j` (into the only
/// sum when there is one): see [`sbox_into`].
fn full_round(ctx: &mut GateCtx, state: &[Lin], matrix: &[Vec<Fr>]) -> Vec<Lin> {
    let mut next = vec![Lin::constant(Fr::ZERO); matrix.len()];
    for (j, form) in state.iter().enumerate() {
        let col: Vec<Fr> = matrix.iter().map(|row| row[j]).collect();
        let x = sbox_into(ctx, form, j.min(matrix.len() - 1), &next, &col);
        for (sum, c) in next.iter_mut().zip(&col) {
            sum.add_scaled(*c, &x);
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
/// `state[0]` after the permutation.
pub fn poseidon(ctx: &mut GateCtx, inputs: &[Var]) -> Result<Var, PoseidonError> {
    let n = inputs.len();
    if !(1..=MAX_INPUTS).contains(&n) {
        return Err(PoseidonError::Arity(n));
    }
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
        state = full_round(ctx, &state, matrix);
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
        let mut next = vec![Lin::combine(row, &state[1..])];
        next.extend(state[1..].iter().cloned());
        let col: Vec<Fr> = std::iter::once(*m00).chain(col.iter().copied()).collect();
        let x = sbox_into(ctx, &state[0], 0, &next, &col);
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
        state = full_round(ctx, &state, matrix);
    }
    let out = &state[0];
    Ok(ctx.lin_comb(&out.terms, out.k))
}

/// The list hash of `stele_crypto::hash_list`: 0 elements → the constant 0; 1..=16 →
/// [`poseidon`]; more → `hash_list` of the hashes of consecutive chunks of 16 (a last chunk of
/// one element `x` is `poseidon([x])`).
pub fn hash_list(ctx: &mut GateCtx, xs: &[Var]) -> Result<Var, PoseidonError> {
    match xs.len() {
        0 => Ok(ctx.constant(Fr::ZERO)),
        1..=MAX_INPUTS => poseidon(ctx, xs),
        _ => {
            let hashes = xs
                .chunks(MAX_INPUTS)
                .map(|chunk| poseidon(ctx, chunk))
                .collect::<Result<Vec<Var>, _>>()?;
            hash_list(ctx, &hashes)
        }
    }
}
