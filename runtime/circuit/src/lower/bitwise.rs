//! Bitwise `and`/`or`/`xor` of `uN` values by strict bit decomposition, and guarded `shl`/`shr`
//! by a split at a power of two (see the parent module's docs for the argument and the cost).

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use stele_ir::BinOp;

use stele_crypto::fr_to_u128;

use crate::gates::pow2;
use crate::gates::{Bit, GateCtx, Var};

/// The `n` bits of `x` (least significant first), `x` recomposed from them by Horner's rule and
/// copy-constrained: unique since `n <= 128 < 254`. `2n` rows (`n` bit rows, `n - 1` full
/// rows). For `n = 1`, `x` itself must already be boolean (every `u1` value is).
fn decompose(ctx: &mut GateCtx<'_, '_>, x: &Var, n: u32) -> Vec<Bit> {
    let bits: Vec<Bit> = (0..n)
        .map(|i| {
            let b = x
                .value()
                .map(|x| fr_to_u128(&x).is_some_and(|x| (x >> i) & 1 == 1));
            ctx.witness_bit(b)
        })
        .collect();
    let acc = recompose(ctx, &bits);
    ctx.assert_equal(&acc, x);
    bits
}

/// `Σ 2^i·bits[i]` by Horner's rule: `n - 1` full rows (+ the cached constant 2).
fn recompose(ctx: &mut GateCtx<'_, '_>, bits: &[Bit]) -> Var {
    let two = ctx.constant(Fr::from(2));
    let mut acc = bits.last().expect("at least one bit").var().clone();
    for b in bits.iter().rev().skip(1) {
        acc = ctx.mul_add(&acc, &two, b.var());
    }
    acc
}

/// `x op y` bitwise on `n`-bit values (`op` is `And`, `Or` or `Xor`; both inputs range-checked
/// to `n` bits). About `6n` rows.
pub(super) fn bitwise(ctx: &mut GateCtx<'_, '_>, op: BinOp, x: &Var, y: &Var, n: u32) -> Var {
    let xb = decompose(ctx, x, n);
    let yb = decompose(ctx, y, n);
    let rb: Vec<Bit> = xb
        .iter()
        .zip(&yb)
        .map(|(a, b)| match op {
            BinOp::And => ctx.and(a, b),
            BinOp::Or => ctx.or(a, b),
            _ => ctx.xor(a, b),
        })
        .collect();
    recompose(ctx, &rb)
}

/// Guarded `x << k` (`left`) or `x >> k` on `n`-bit `x` and a `u32` amount `k`; with the guard
/// on, `k >= n` has no witness ("shift overflow"). The result is range-checked to `n` bits
/// (`hi` directly; `lo·pow < s·pow = 2^n`).
pub(super) fn shift(
    ctx: &mut GateCtx<'_, '_>,
    g: Option<&Bit>,
    x: &Var,
    k: &Var,
    n: u32,
    left: bool,
) -> Var {
    let x = ctx.mask(g, x);
    let k = ctx.mask(g, k);
    let powers: Vec<Var> = (0..n).map(|j| ctx.constant(pow2(j))).collect();
    // pow = 2^k, or 0 when k >= n.
    let pow = ctx.pick_uint(&k, 32, &powers);
    // m·pow = 2^n: m = 2^(n-k); no witness when pow = 0.
    let full = pow2(n);
    let m = ctx.witness(pow.value().map(|p| full * p.invert().unwrap_or(Fr::ZERO)));
    let prod = ctx.mul(&m, &pow);
    ctx.assert_constant(&prod, full);
    // x = hi·s + lo, lo < s, hi < t.
    let (s, t) = if left { (&m, &pow) } else { (&pow, &m) };
    let split = x.value().zip(s.value()).map(|(x, s)| {
        match (fr_to_u128(&x), fr_to_u128(&s)) {
            (Some(x), Some(s)) if s != 0 => (Fr::from_u128(x / s), Fr::from_u128(x % s)),
            // s = 2^128 (x < s always) or the failing case pow = 0.
            (Some(x), None) if s != Fr::ZERO => (Fr::ZERO, Fr::from_u128(x)),
            _ => (Fr::ZERO, Fr::ZERO),
        }
    });
    let hi = ctx.witness_uint(split.map(|v| v.0), n);
    let lo = ctx.witness_uint(split.map(|v| v.1), n);
    let recomposed = ctx.mul_add(&hi, s, &lo);
    ctx.assert_equal(&recomposed, &x);
    below(ctx, &lo, s, n);
    below(ctx, &hi, t, n);
    if left { ctx.mul(&lo, &pow) } else { hi }
}

/// `v < bound` for `v` range-checked to `n` bits and `bound <= 2^n`: `bound - 1 - v` is
/// range-checked to `n` bits (a negative difference is `p - d`, far above `2^n`).
fn below(ctx: &mut GateCtx<'_, '_>, v: &Var, bound: &Var, n: u32) {
    let d = ctx.sub(bound, v);
    let gap = ctx.add_const(&d, -Fr::ONE);
    ctx.range_check(&gap, n);
}
