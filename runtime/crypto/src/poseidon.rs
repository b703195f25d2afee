//! The Poseidon permutation with circomlib's BN254 parameters: the raw parameters
//! (generated once per width with the Grain LFSR), a textbook reference permutation, and the
//! optimised permutation used by [`crate::poseidon()`] (width-specialised, sparse partial rounds).
//!
//! # Optimised partial rounds
//!
//! A round is `s <- M * S(s + c)`. Two exact rewritings make partial rounds cheap:
//!
//! 1. *Constant movement.* In a partial round the S-box touches `s[0]` only, so the constants
//!    `c[1..]` pass through it unchanged and `M * (0, c[1..])` can be added to the next
//!    round's constants instead. Done forward over all partial rounds, each partial round adds
//!    a single scalar to `s[0]` and the first closing full round gets the accumulated rest.
//! 2. *Sparse factorisation.* Write a dense matrix `X = [[x00, w^T], [v, X^]]` as `X = B * A`
//!    with `A = [[1, 0], [0, X^]]` and `B = [[x00, w^T X^-1], [v, I]]`. `A` fixes `s[0]` and
//!    leaves the other cells out of the S-box, so it commutes with a partial round's S-box and
//!    constant. Starting from the last partial round's `M`, each `A` is pushed to the round
//!    before and merged into its `M` (`X <- A * M`), which is factored again. Every partial
//!    round then uses a sparse `B` (`2t - 1` multiplications), and the `A` left over before the
//!    first partial round is merged into the last opening full round's matrix.
//!
//! `tests::optimised_equals_reference` checks both forms agree on random inputs at every width.

use std::any::Any;
use std::sync::OnceLock;

use ff::Field;

use crate::Fr;
use crate::grain;

/// Full rounds `R_F` (half before, half after the partial rounds), for every width.
pub const FULL_ROUNDS: usize = 8;
const HALF_FULL: usize = FULL_ROUNDS / 2;

/// Largest number of inputs of one Poseidon call (width `t = inputs + 1 <= 17`).
pub const MAX_INPUTS: usize = 16;

/// circomlib's partial rounds `R_P` for `t = 2..=17`.
const PARTIAL_ROUNDS: [usize; 16] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];

/// circomlib's number of partial rounds `R_P` for width `t` (2..=17).
///
/// # Panics
/// If `t` is outside `2..=17`.
pub fn partial_rounds(t: usize) -> usize {
    assert!(
        (2..=MAX_INPUTS + 1).contains(&t),
        "Poseidon width {t} is not in 2..=17"
    );
    PARTIAL_ROUNDS[t - 2]
}

/// The raw Poseidon parameters of one width, exactly as the Grain procedure produces them
/// (what a circuit or another implementation needs; see docs/state-commitment.md).
#[derive(Debug)]
pub struct PoseidonParams {
    /// Width `t` (number of inputs + 1).
    pub t: usize,
    /// Full rounds `R_F` (always 8).
    pub full_rounds: usize,
    /// Partial rounds `R_P`.
    pub partial_rounds: usize,
    /// `R_F + R_P` rows of `t` round constants; row `r` is added before the S-box of round `r`.
    pub round_constants: Vec<Vec<Fr>>,
    /// The `t x t` MDS matrix: the linear layer is `s'[i] = sum_j mds[i][j] * s[j]`.
    pub mds: Vec<Vec<Fr>>,
}

/// The raw parameters of width `t` (2..=17), generated on first use and cached.
///
/// # Panics
/// If `t` is outside `2..=17`.
pub fn params(t: usize) -> &'static PoseidonParams {
    static CACHE: [OnceLock<PoseidonParams>; MAX_INPUTS + 2] =
        [const { OnceLock::new() }; MAX_INPUTS + 2];
    let r_p = partial_rounds(t);
    CACHE[t].get_or_init(|| {
        let (flat, mds) = grain::generate(t, FULL_ROUNDS, r_p);
        PoseidonParams {
            t,
            full_rounds: FULL_ROUNDS,
            partial_rounds: r_p,
            round_constants: flat.chunks(t).map(<[Fr]>::to_vec).collect(),
            mds,
        }
    })
}

#[inline(always)]
fn pow5(x: &mut Fr) {
    let x2 = *x * *x;
    let x4 = x2 * x2;
    *x *= x4;
}

/// The textbook permutation (round by round with the raw parameters): the specification the
/// optimised [`permute`] is tested against. `state.len()` is the width `t` (2..=17).
///
/// # Panics
/// If `state.len()` is outside `2..=17`.
pub fn permute_reference(state: &mut [Fr]) {
    let p = params(state.len());
    let t = p.t;
    let rounds = p.full_rounds + p.partial_rounds;
    let mut tmp = vec![Fr::ZERO; t];
    for r in 0..rounds {
        for (s, c) in state.iter_mut().zip(&p.round_constants[r]) {
            *s += c;
        }
        let full = r < HALF_FULL || r >= HALF_FULL + p.partial_rounds;
        if full {
            state.iter_mut().for_each(pow5);
        } else {
            pow5(&mut state[0]);
        }
        for (i, out) in tmp.iter_mut().enumerate() {
            *out = state
                .iter()
                .zip(&p.mds[i])
                .fold(Fr::ZERO, |acc, (s, m)| acc + *s * m);
        }
        state.copy_from_slice(&tmp);
    }
}

/// A sparse matrix `[[row[0], row[1..]], [col[1..], I]]` (`col[0]` unused).
struct Sparse<const T: usize> {
    row: [Fr; T],
    col: [Fr; T],
}

/// Pre-processed constants of the optimised permutation of width `T`.
struct Optimised<const T: usize> {
    /// Constants of the opening full rounds.
    pre_constants: [[Fr; T]; HALF_FULL],
    /// Matrix of the last opening full round (`A_1 * M`).
    pre_last_mds: [[Fr; T]; T],
    /// Per partial round: the scalar added to `s[0]` and the sparse linear layer.
    partial: Vec<(Fr, Sparse<T>)>,
    /// Constants of the closing full rounds (the first one carries the moved constants).
    post_constants: [[Fr; T]; HALF_FULL],
    mds: [[Fr; T]; T],
}

type Mat = Vec<Vec<Fr>>;

fn mat_mul(a: &Mat, b: &Mat) -> Mat {
    let n = a.len();
    let k = b.len();
    let m = b[0].len();
    (0..n)
        .map(|i| {
            (0..m)
                .map(|j| (0..k).fold(Fr::ZERO, |acc, l| acc + a[i][l] * b[l][j]))
                .collect()
        })
        .collect()
}

/// Gauss-Jordan inverse. Panics if singular (never for sub-matrices of an MDS matrix).
fn mat_inv(a: &Mat) -> Mat {
    let n = a.len();
    let mut m: Mat = a.clone();
    let mut inv: Mat = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { Fr::ONE } else { Fr::ZERO })
                .collect()
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n)
            .find(|&r| !bool::from(m[r][col].is_zero()))
            .expect("singular matrix in Poseidon parameter pre-processing");
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let f = m[col][col].invert().unwrap();
        for j in 0..n {
            m[col][j] *= f;
            inv[col][j] *= f;
        }
        for r in 0..n {
            if r != col && !bool::from(m[r][col].is_zero()) {
                let g = m[r][col];
                for j in 0..n {
                    let (mc, ic) = (m[col][j], inv[col][j]);
                    m[r][j] -= g * mc;
                    inv[r][j] -= g * ic;
                }
            }
        }
    }
    inv
}

fn to_array<const T: usize>(v: &[Fr]) -> [Fr; T] {
    v.try_into().expect("row of width T")
}

fn to_matrix<const T: usize>(m: &Mat) -> [[Fr; T]; T] {
    std::array::from_fn(|i| to_array(&m[i]))
}

impl<const T: usize> Optimised<T> {
    fn new() -> Self {
        let p = params(T);
        let r_p = p.partial_rounds;
        let m = &p.mds;

        // 1. Constant movement, forward through the partial rounds.
        let mut c = p.round_constants.clone();
        for r in HALF_FULL..HALF_FULL + r_p {
            let moved: Vec<Fr> = (0..T)
                .map(|i| (1..T).fold(Fr::ZERO, |acc, j| acc + m[i][j] * c[r][j]))
                .collect();
            for (dst, add) in c[r + 1].iter_mut().zip(&moved) {
                *dst += add;
            }
            c[r][1..].iter_mut().for_each(|x| *x = Fr::ZERO);
        }

        // 2. Sparse factorisation, from the last partial round backwards.
        let mut sparse_rev = Vec::with_capacity(r_p);
        let mut x: Mat = m.clone();
        for _ in 0..r_p {
            let hat: Mat = x[1..].iter().map(|row| row[1..].to_vec()).collect();
            let hat_inv = mat_inv(&hat);
            let w: Mat = vec![x[0][1..].to_vec()];
            let u = &mat_mul(&w, &hat_inv)[0];
            let mut row = [Fr::ZERO; T];
            let mut col = [Fr::ZERO; T];
            row[0] = x[0][0];
            row[1..].copy_from_slice(u);
            for i in 1..T {
                col[i] = x[i][0];
            }
            sparse_rev.push(Sparse { row, col });
            // A = [[1, 0], [0, hat]]; the round before uses A * M.
            let mut a: Mat = vec![vec![Fr::ZERO; T]; T];
            a[0][0] = Fr::ONE;
            for i in 1..T {
                a[i][1..].copy_from_slice(&hat[i - 1]);
            }
            x = mat_mul(&a, m);
        }
        // Here `x` is A_1 * M: the last opening full round's matrix.
        let partial = sparse_rev
            .into_iter()
            .rev()
            .enumerate()
            .map(|(i, sp)| (c[HALF_FULL + i][0], sp))
            .collect();
        let post = HALF_FULL + r_p;
        Optimised {
            pre_constants: std::array::from_fn(|r| to_array(&c[r])),
            pre_last_mds: to_matrix(&x),
            partial,
            post_constants: std::array::from_fn(|r| to_array(&c[post + r])),
            mds: to_matrix(m),
        }
    }

    /// The optimised parameters of width `T`, built on first use.
    fn get() -> &'static Self {
        // One slot per width; a `static` inside a generic function is shared by all `T`, so
        // the slot is type-erased and downcast (a type-id comparison per call).
        static CACHE: [OnceLock<Box<dyn Any + Send + Sync>>; MAX_INPUTS + 2] =
            [const { OnceLock::new() }; MAX_INPUTS + 2];
        CACHE[T]
            .get_or_init(|| Box::new(Self::new()))
            .downcast_ref::<Self>()
            .expect("Poseidon parameter cache slot holds its own width")
    }
}

#[inline(always)]
fn add_constants<const T: usize>(s: &mut [Fr; T], c: &[Fr; T]) {
    for i in 0..T {
        s[i] += c[i];
    }
}

#[inline(always)]
fn full_sbox<const T: usize>(s: &mut [Fr; T]) {
    for x in s.iter_mut() {
        pow5(x);
    }
}

#[inline(always)]
fn dense_mix<const T: usize>(s: &mut [Fr; T], m: &[[Fr; T]; T]) {
    let old = *s;
    for i in 0..T {
        let row = &m[i];
        let mut acc = old[0] * row[0];
        for j in 1..T {
            acc += old[j] * row[j];
        }
        s[i] = acc;
    }
}

#[inline(always)]
fn sparse_mix<const T: usize>(s: &mut [Fr; T], m: &Sparse<T>) {
    let x0 = s[0];
    let mut acc = x0 * m.row[0];
    for ((x, r), c) in s.iter_mut().zip(&m.row).zip(&m.col).skip(1) {
        acc += *x * r;
        *x += x0 * c;
    }
    s[0] = acc;
}

/// The optimised permutation of width `T` (no allocation).
#[inline]
fn permute_fixed<const T: usize>(s: &mut [Fr; T]) {
    let p = Optimised::<T>::get();
    for r in 0..HALF_FULL {
        add_constants(s, &p.pre_constants[r]);
        full_sbox(s);
        let m = if r + 1 == HALF_FULL {
            &p.pre_last_mds
        } else {
            &p.mds
        };
        dense_mix(s, m);
    }
    for (k, sp) in &p.partial {
        s[0] += k;
        pow5(&mut s[0]);
        sparse_mix(s, sp);
    }
    for c in &p.post_constants {
        add_constants(s, c);
        full_sbox(s);
        dense_mix(s, &p.mds);
    }
}

/// Hash of exactly `T - 1` inputs: state `[0, inputs..]`, permute, output `state[0]`.
#[inline]
fn hash_fixed<const T: usize>(inputs: &[Fr]) -> Fr {
    let mut s = [Fr::ZERO; T];
    s[1..].copy_from_slice(inputs);
    permute_fixed(&mut s);
    s[0]
}

/// `poseidon(&[a, b])`, the width-3 fast path.
#[inline]
pub(crate) fn hash2(a: Fr, b: Fr) -> Fr {
    let mut s = [Fr::ZERO, a, b];
    permute_fixed(&mut s);
    s[0]
}

pub(crate) fn hash(inputs: &[Fr]) -> Fr {
    match inputs.len() {
        1 => hash_fixed::<2>(inputs),
        2 => hash2(inputs[0], inputs[1]),
        3 => hash_fixed::<4>(inputs),
        4 => hash_fixed::<5>(inputs),
        5 => hash_fixed::<6>(inputs),
        6 => hash_fixed::<7>(inputs),
        7 => hash_fixed::<8>(inputs),
        8 => hash_fixed::<9>(inputs),
        9 => hash_fixed::<10>(inputs),
        10 => hash_fixed::<11>(inputs),
        11 => hash_fixed::<12>(inputs),
        12 => hash_fixed::<13>(inputs),
        13 => hash_fixed::<14>(inputs),
        14 => hash_fixed::<15>(inputs),
        15 => hash_fixed::<16>(inputs),
        16 => hash_fixed::<17>(inputs),
        n => panic!("poseidon takes 1..=16 inputs, got {n}"),
    }
}

fn permute_slice<const T: usize>(state: &mut [Fr]) {
    let s: &mut [Fr; T] = state.try_into().expect("state of width T");
    permute_fixed(s);
}

/// The optimised Poseidon permutation in place; `state.len()` is the width `t` (2..=17).
/// Bit-for-bit equal to [`permute_reference`].
///
/// # Panics
/// If `state.len()` is outside `2..=17`.
pub fn permute(state: &mut [Fr]) {
    match state.len() {
        2 => permute_slice::<2>(state),
        3 => permute_slice::<3>(state),
        4 => permute_slice::<4>(state),
        5 => permute_slice::<5>(state),
        6 => permute_slice::<6>(state),
        7 => permute_slice::<7>(state),
        8 => permute_slice::<8>(state),
        9 => permute_slice::<9>(state),
        10 => permute_slice::<10>(state),
        11 => permute_slice::<11>(state),
        12 => permute_slice::<12>(state),
        13 => permute_slice::<13>(state),
        14 => permute_slice::<14>(state),
        15 => permute_slice::<15>(state),
        16 => permute_slice::<16>(state),
        17 => permute_slice::<17>(state),
        t => panic!("Poseidon width {t} is not in 2..=17"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    fn random_fr(rng: &mut StdRng) -> Fr {
        // Mix in small and extreme values too.
        match rng.gen_range(0..8) {
            0 => Fr::ZERO,
            1 => -Fr::ONE,
            2 => Fr::from(rng.r#gen::<u64>()),
            _ => Fr::random(&mut *rng),
        }
    }

    #[test]
    fn optimised_equals_reference() {
        let mut rng = StdRng::seed_from_u64(0x5e1e);
        for t in 2..=17 {
            let iterations = if t == 3 { 300 } else { 40 };
            for _ in 0..iterations {
                let input: Vec<Fr> = (0..t).map(|_| random_fr(&mut rng)).collect();
                let mut a = input.clone();
                let mut b = input.clone();
                permute(&mut a);
                permute_reference(&mut b);
                assert_eq!(a, b, "width {t}, input {input:?}");
            }
        }
    }

    /// Spot values from circomlib's `poseidon_constants` (all were compared once, see
    /// tests/data/README.md).
    #[test]
    fn constants_match_circomlib_spot_values() {
        let hex = |s: &str| crate::fr_from_str(s).unwrap();
        let p3 = params(3);
        assert_eq!(
            p3.round_constants[0][0],
            hex("0x0ee9a592ba9a9518d05986d656f40c2114c4993c11bb29938d21d47304cd8e6e")
        );
        assert_eq!(
            p3.round_constants[0][1],
            hex("0x00f1445235f2148c5986587169fc1bcd887b08d4d00868df5696fff40956e864")
        );
        assert_eq!(
            p3.round_constants[64][2],
            hex("0x1da55cc900f0d21f4a3e694391918a1b3c23b2ac773c6b3ef88e2e4228325161")
        );
        let row0 = [
            "0x109b7f411ba0e4c9b2b70caf5c36a7b194be7c11ad24378bfedb68592ba8118b",
            "0x16ed41e13bb9c0c66ae119424fddbcbc9314dc9fdbdeea55d6c64543dc4903e0",
            "0x2b90bba00fca0589f617e7dcbfe82e0df706ab640ceb247b791a93b74e36736d",
        ];
        let col0 = [
            "0x109b7f411ba0e4c9b2b70caf5c36a7b194be7c11ad24378bfedb68592ba8118b",
            "0x2969f27eed31a480b9c36c764379dbca2cc8fdd1415c3dded62940bcde0bd771",
            "0x143021ec686a3f330d5f9e654638065ce6cd79e28c5b3753326244ee65a1b1a7",
        ];
        for j in 0..3 {
            assert_eq!(p3.mds[0][j], hex(row0[j]));
            assert_eq!(p3.mds[j][0], hex(col0[j]));
        }
        assert_eq!(
            params(2).round_constants[0][0],
            hex("0x09c46e9ec68e9bd4fe1faaba294cba38a71aa177534cdd1b6c7dc0dbd0abd7a7")
        );
        assert_eq!(
            params(17).round_constants[0][0],
            hex("0x2fb583762b37592c6c5a95eb1d06694b6c6f9dc4f1ad4862dd8f5e67cb7a3f5c")
        );
        assert_eq!(
            params(17).mds[0][0],
            hex("0x196b76cefdcc7f6a54c71d40114a0bb82694c936f1573ac7ac1ea3fcce1fe938")
        );
    }

    #[test]
    fn params_shape_and_mds_invertible() {
        for t in 2..=17 {
            let p = params(t);
            assert_eq!(p.mds.len(), t);
            assert_eq!(p.round_constants.len(), FULL_ROUNDS + partial_rounds(t));
            let inv = mat_inv(&p.mds);
            let id = mat_mul(&p.mds, &inv);
            for (i, row) in id.iter().enumerate() {
                for (j, x) in row.iter().enumerate() {
                    assert_eq!(*x, if i == j { Fr::ONE } else { Fr::ZERO });
                }
            }
        }
    }
}
