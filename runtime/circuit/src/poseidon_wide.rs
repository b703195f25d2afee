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
//! (a private `Lin`). Round constants, the MDS products and the constant part of the state cost no
//! rows; a form is turned into a cell only where something non-linear needs it:
//!
//! - **S-box** `(Σ c_j·v_j + k)^5`: the sum as one chain of gadgets, one row per term: a unit
//!   term starts it for free (then `add_const` adds `k`), otherwise it starts at the cached
//!   [`GateCtx::constant`] `k`; each further term is one `mul_add` whose coefficient is a cached
//!   constant (a plain `add` for coefficient 1). Then `x²`, `x⁴`, `x⁵`: three `mul`. An element
//!   that is a known constant (`state[0] = 0` in the first round) is raised to the fifth power
//!   natively: no row.
//! - **Full rounds** (dense MDS): S-box inputs are materialised with unit scale, so the chain's
//!   coefficients are the MDS entries themselves: `t + 3` rows per S-box once they are cached
//!   (`4` in the first round, whose inputs are bare cells).
//! - **Partial rounds** use the sparse factorisation of the MDS, computed here from the raw
//!   parameters of `stele_crypto::poseidon_params` (see [`sparse`]): the last full round before
//!   them uses `diag(1, B)·M`, and each partial round's matrix is `[[m₀₀, r], [c, I]]`, so
//!   `state[0]` is a `t`-term sum and every other element gets one update `s_i + c_i·x`
//!   (`2t + 2` rows per round once cached). The S-box input is divided by its first
//!   coefficient `μ` so the chain starts free; `μ⁵` rides along in the form, no row.
//! - The last round's linear layer is evaluated for `state[0]` only; the output cell is the
//!   last accumulator of that sum (`mul_add.out`).
//!
//! Every constant is cached per context, and they depend only on the width: a second
//! permutation of the same width in one context pays no constant rows. Rows per permutation,
//! pinned by the test `rows_per_permutation` (`tests/poseidon_wide.rs`):
//!
//! | width `t` (inputs) | fresh context | same width again (constants cached) |
//! |---|---|---|
//! | 2 (1) | 544 | 410 |
//! | 3 (2) | 857 | 590 |
//! | 5 (4) | 1581 | 1016 |
//! | 17 (16) | 7765 | 4892 |
//!
//! (The dedicated width-3 chip of [`crate::poseidon`] stays far cheaper for `t = 3`.)
//!
//! # Gadgets used
//!
//! Only the public [`GateCtx`] API: `constant`, `add`, `add_const`, `mul_const`, `mul`,
//! `mul_add`. The gate itself could do more per row (`(x + c)²` in one row as
//! `q_ab·a·b + q_a·a + q_k` with `a = b = x`; `x⁴·(x + c)` in one row as `q_ab·a·b + q_a·a`;
//! three terms with arbitrary coefficients plus a constant per full row), but `GateCtx`
//! exposes no general linear-combination gadget, so here a term with an arbitrary coefficient
//! is one `mul_add` with a cached constant cell, and an S-box input with a constant part pays
//! one extra row.
//!
//! # Fault-injection labels
//!
//! The cells are the gadgets' own: S-box squares and powers are `mul.out`, chain accumulators
//! `mul_add.out` / `mul_const.out` / `add.out`, S-box inputs with a constant part
//! `add_const.out` (or a chain started at `const`), and the output of a permutation is the
//! last chain cell it assigns (`mul_add.out`: the last sum has no constant part).

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

/// An affine form `Σ c_j·v_j + k` over cells: one state element.
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

    /// `Σ_j coeffs[j]·forms[j]` (no row: terms are concatenated, never merged).
    fn combine(coeffs: &[Fr], forms: &[Lin]) -> Lin {
        let mut out = Lin::constant(Fr::ZERO);
        for (c, form) in coeffs.iter().zip(forms) {
            if *c == Fr::ZERO {
                continue;
            }
            out.k += *c * form.k;
            for (d, v) in &form.terms {
                out.terms.push((*c * *d, v.clone()));
            }
        }
        out.terms.retain(|(c, _)| *c != Fr::ZERO);
        out
    }
}

/// `Σ c_j·v_j` as one cell (`terms` non-empty): the first term is `mul_const` (or free when its
/// coefficient is 1), each further term one `mul_add` with a cached constant (`add` for 1).
fn chain(ctx: &mut GateCtx, terms: &[(Fr, Var)]) -> Var {
    let mut order: Vec<&(Fr, Var)> = terms.iter().collect();
    // A unit term first is free.
    if let Some(pos) = order.iter().position(|(c, _)| *c == Fr::ONE) {
        order.swap(0, pos);
    }
    let (c0, v0) = order[0];
    let mut acc = if *c0 == Fr::ONE {
        v0.clone()
    } else {
        ctx.mul_const(v0, *c0)
    };
    for (c, v) in &order[1..] {
        acc = if *c == Fr::ONE {
            ctx.add(&acc, v)
        } else {
            let cv = ctx.constant(*c);
            ctx.mul_add(v, &cv, &acc)
        };
    }
    acc
}

/// `form` as one cell, exactly (chain + `add_const` when `k ≠ 0`).
fn exact(ctx: &mut GateCtx, form: &Lin) -> Var {
    if form.terms.is_empty() {
        return ctx.constant(form.k);
    }
    if form.k == Fr::ZERO {
        return chain(ctx, &form.terms);
    }
    if form.terms.iter().any(|(c, _)| *c == Fr::ONE) {
        // The unit term starts the chain for free; the constant is added last.
        let sum = chain(ctx, &form.terms);
        return ctx.add_const(&sum, form.k);
    }
    // No unit term: start the chain at the (cached) constant, every term one `mul_add`.
    let mut acc = ctx.constant(form.k);
    for (c, v) in &form.terms {
        let cv = ctx.constant(*c);
        acc = ctx.mul_add(v, &cv, &acc);
    }
    acc
}

/// `u^5` for a cell `u`: three `mul` rows.
fn pow5(ctx: &mut GateCtx, u: &Var) -> Var {
    let u2 = ctx.mul(u, u);
    let u4 = ctx.mul(&u2, &u2);
    ctx.mul(&u4, u)
}

/// The S-box of a form, output with scale 1 (for dense layers with cached coefficients).
fn sbox_unit(ctx: &mut GateCtx, form: &Lin) -> Lin {
    if form.terms.is_empty() {
        return Lin::constant(form.k.pow_vartime([5u64]));
    }
    let u = exact(ctx, form);
    Lin::var(&pow5(ctx, &u))
}

/// The S-box of a form whose coefficients are not cached anyway: the input is divided by the
/// first coefficient `μ` (saving the `mul_const`), the output is `μ⁵·x⁵`.
fn sbox_scaled(ctx: &mut GateCtx, form: &Lin) -> Lin {
    if form.terms.is_empty() {
        return Lin::constant(form.k.pow_vartime([5u64]));
    }
    let mu = form.terms[0].0;
    let inv = mu.invert().expect("non-zero coefficient");
    let scaled = Lin {
        terms: form
            .terms
            .iter()
            .map(|(c, v)| (*c * inv, v.clone()))
            .collect(),
        k: form.k * inv,
    };
    let u = exact(ctx, &scaled);
    Lin {
        terms: vec![(mu.pow_vartime([5u64]), pow5(ctx, &u))],
        k: Fr::ZERO,
    }
}

/// A form reduced to one scaled cell plus its constant: `μ·w + k` (no row if it already is).
fn settle(ctx: &mut GateCtx, form: &Lin) -> Lin {
    if form.terms.len() <= 1 {
        return form.clone();
    }
    let mu = form.terms[0].0;
    let inv = mu.invert().expect("non-zero coefficient");
    let terms: Vec<(Fr, Var)> = form
        .terms
        .iter()
        .map(|(c, v)| (*c * inv, v.clone()))
        .collect();
    Lin {
        terms: vec![(mu, chain(ctx, &terms))],
        k: form.k,
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
    let rounds = p.full_rounds + p.partial_rounds;
    let sp = sparse(t);

    let mut state: Vec<Lin> = std::iter::once(Lin::constant(Fr::ZERO))
        .chain(inputs.iter().map(Lin::var))
        .collect();

    let mut r = 0;
    while r < rounds {
        let partial = r >= half && r < half + p.partial_rounds;
        if partial {
            // All partial rounds at once, in the sparse form.
            for (consts, (m00, row, col)) in sp.constants.iter().zip(&sp.matrices) {
                for (s, c) in state.iter_mut().zip(consts) {
                    s.k += c;
                }
                let x = sbox_scaled(ctx, &state[0]);
                let mut first = Lin::combine(&[*m00], std::slice::from_ref(&x));
                let rest = Lin::combine(row, &state[1..]);
                first.terms.extend(rest.terms);
                first.k += rest.k;
                let mut next = vec![first];
                for (i, ci) in col.iter().enumerate() {
                    let mut form = Lin::combine(&[*ci], std::slice::from_ref(&x));
                    form.terms.extend(state[i + 1].terms.iter().cloned());
                    form.k += state[i + 1].k;
                    next.push(settle(ctx, &form));
                }
                state = next;
            }
            r += p.partial_rounds;
            continue;
        }
        for (s, c) in state.iter_mut().zip(&p.round_constants[r]) {
            s.k += c;
        }
        for s in state.iter_mut() {
            *s = sbox_unit(ctx, s);
        }
        let last = r + 1 == rounds;
        let matrix = if r + 1 == half {
            &sp.pre_matrix
        } else {
            &p.mds
        };
        if last {
            let out = Lin::combine(&matrix[0], &state);
            return Ok(exact(ctx, &out));
        }
        let mut next: Vec<Lin> = matrix.iter().map(|row| Lin::combine(row, &state)).collect();
        if r + 1 == half {
            // The elements that skip the next S-box become single (scaled) cells.
            for s in next.iter_mut().skip(1) {
                *s = settle(ctx, s);
            }
        }
        state = next;
        r += 1;
    }
    unreachable!("the last round returns")
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
