//! EdDSA-Poseidon verification over Baby Jubjub ([`verify`]) on the gate chip: the circuit
//! twin of `stele_crypto::eddsa::verify`, built from [`GateCtx`] rows only (no extra column,
//! no extra gate).
//!
//! # What is constrained
//!
//! Given cells `A = (ax, ay)`, `R8 = (rx, ry)`, `S` and the challenge
//! `h = poseidon([rx, ry, ax, ay, m])` (the caller hashes; the block circuit with its own
//! Poseidon), the output bit `ok` is 1 exactly when
//!
//! 1. `S < l`: `S` is split into 254 boolean cells recomposed as `S = hi·2^128 + lo` (`hi` of
//!    126 bits, `lo` of 128), with `(hi, lo) < (p_hi, p_lo)` asserted (the split is unique: no
//!    `S + p` alias) and `(hi, lo) < (l_hi, l_lo)` computed as a bit;
//! 2. `A` and `R8` are on the curve (`is_zero(a·x² + y² − 1 − d·x²y²)`, one bit each);
//! 3. `8·A` is not the identity: `is_zero((8·A).x)` is 0 (`8·A` lies in the prime-order
//!    subgroup, where only the identity has `x = 0`);
//! 4. `S·B8 = R8 + h·(8·A)`: both coordinates equal (`is_equal`).
//!
//! A point that is off the curve is replaced by the identity `(0, 1)` before any addition
//! (`P' = on·P + (1 − on)·(0, 1)`), so every addition below adds points of the curve and the
//! complete formulas' denominators never vanish: an honest prover always has a witness, also
//! for invalid signatures, whose `ok` is then 0. `h` is split strictly like `S` (all 254
//! bits, `h < p` asserted).
//!
//! # Arithmetic
//!
//! - **Addition** (complete, `x₃ = (x₁y₂ + y₁x₂)/(1 + τ)`, `y₃ = (y₁y₂ − a·x₁x₂)/(1 − τ)`,
//!   `τ = d·x₁x₂y₁y₂`): four products, `τ` (abc rows), then `x₃·(1 + τ) = x₁y₂ + y₁x₂` and
//!   `y₃·(1 − τ) = y₁y₂ − a·x₁x₂` (one full row each): 7 rows. Neither `1 ± τ` is zero for
//!   points on the curve (`d` is not a square), so `x₃, y₃` are determined.
//! - **Doubling** on the curve (`x₃ = 2xy/(a·x² + y²)`, `y₃ = (y² − a·x²)/(2 − a·x² − y²)`):
//!   `xy`, `x²`, `y²`, then one abc row for each coordinate: 5 rows.
//! - **`h·(8·A)`**: double-and-add from the top, two bits `(b0, b1)` per step over the table
//!   `[(0, 1), Q, 2Q, 3Q]` (`2Q`, `3Q` computed once, 12 rows): two doublings, the entry
//!   `b1 ? (b0 ? 3Q : 2Q) : (b0 ? Q : (0, 1))` (6 rows), an addition: 23 rows per two bits
//!   (the top two: 6).
//! - **`S·B8`**: fixed base, window `j` adds `(b0 + 2·b1)·4^j·B8`, whose coordinates are
//!   constants interpolated over the bits (`c0 + b0·(c1 − c0) + b1·(c2 − c0) +
//!   b0·b1·(c3 − c2 − c1 + c0)`: the product `b0·b1`, then one full row per coordinate), then an
//!   addition: 10 rows per two bits (the first two: 3).
//!
//! # Cost
//!
//! 5,023 rows per verification (pinned by `rows_per_verification` in `tests/eddsa.rs`), the
//! Poseidon of the challenge not included (with it, 5,588 rows, pinned by the same test;
//! `k = 13` alone, one proof about 2 s on two cores, `benches/std_gadgets.rs`). By part: `h·(8·A)` 2,916 rows, `S·B8` 1,263,
//! the two 254-bit splits with their comparisons about 800, the curve checks, `8·A`, the last
//! addition and the comparisons about 50; some abc rows share rows of range checks, so the total
//! is a little below the sum.
//!
//! # Fault-injection labels
//!
//! `eddsa.bit` (bits of `S`, then of `h`), `eddsa.horner` (recomposition accumulators, `hi` and
//! `lo`), `eddsa.curve.xx`, `eddsa.curve.yy`, `eddsa.curve.xxyy`, `eddsa.curve.eq` (on-curve
//! residue), `eddsa.sel.x`, `eddsa.sel.y` (points replaced by the identity when off the
//! curve), `eddsa.cond.x`, `eddsa.cond.y` (conditional point), `eddsa.add.x1y2`,
//! `eddsa.add.y1x2`, `eddsa.add.x1x2`, `eddsa.add.y1y2`, `eddsa.add.tau`, `eddsa.add.x3`,
//! `eddsa.add.y3`, `eddsa.dbl.xy`, `eddsa.dbl.xx`, `eddsa.dbl.yy`, `eddsa.dbl.x3`,
//! `eddsa.dbl.y3`, `eddsa.win.b0b1`, `eddsa.win.x`, `eddsa.win.y` (fixed-base window
//! points), and the gadgets' own (`select.out` for the variable-base window points, `const`,
//! `is_zero.*`, `is_equal.*`, `lt.*`, `range.z`, `and.out`, `or.out`, `not.out`). Every kind
//! is tampered in `tampered_cells_are_rejected`, except the inverse witnesses of
//! `is_zero`/`is_equal` at a zero difference, which no constraint reads.

use std::sync::OnceLock;

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use stele_crypto::babyjub::{self, Point};

use crate::gates::{Bit, GateCtx, In, Q, Var, slot};

/// Bits of a field element's canonical integer.
pub const FIELD_BITS: usize = 254;

/// A point as two cells.
#[derive(Clone, Debug)]
pub struct PointVar {
    pub x: Var,
    pub y: Var,
}

fn a() -> Fr {
    babyjub::coeff_a()
}

fn d() -> Fr {
    babyjub::coeff_d()
}

fn inv_or_zero(x: Fr) -> Fr {
    x.invert().unwrap_or(Fr::ZERO)
}

/// `2^i·B8` for `i < 254`.
fn b8_powers() -> &'static [Point] {
    static POWERS: OnceLock<Vec<Point>> = OnceLock::new();
    POWERS.get_or_init(|| {
        let mut p = babyjub::b8();
        let mut out = Vec::with_capacity(FIELD_BITS);
        for _ in 0..FIELD_BITS {
            out.push(p);
            p = p.double();
        }
        out
    })
}

/// `(x >> 128, x mod 2^128)` of a canonical integer given as a field element.
fn split128(x: &Fr) -> (Fr, Fr) {
    let repr = x.to_repr();
    let bytes = repr.as_ref();
    let mut lo = [0u8; 32];
    let mut hi = [0u8; 32];
    lo[..16].copy_from_slice(&bytes[..16]);
    hi[..16].copy_from_slice(&bytes[16..]);
    (
        Fr::from_repr(hi).expect("below 2^128"),
        Fr::from_repr(lo).expect("below 2^128"),
    )
}

/// `p − 1`, the largest canonical integer.
fn p_minus_one() -> Fr {
    -Fr::ONE
}

/// `l − 1`.
fn l_minus_one() -> Fr {
    let l = babyjub::SUBGROUP_ORDER;
    let mut bytes = [0u8; 32];
    for (i, limb) in l.iter().enumerate() {
        bytes[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
    Fr::from_repr(bytes).expect("l < p") - Fr::ONE
}

/// The result of a strict split: the bits (least significant first) and the halves.
struct Split {
    bits: Vec<Bit>,
    hi: Var,
    lo: Var,
}

/// Splits `x` into [`FIELD_BITS`] boolean cells, `x = hi·2^128 + lo`, and asserts that the
/// integer they spell is at most `p − 1` (so it is the canonical integer of `x`).
fn split_strict(ctx: &mut GateCtx<'_, '_>, x: &Var) -> Split {
    let bits: Vec<Bit> = (0..FIELD_BITS)
        .map(|i| {
            let value = x.value().map(|v| {
                let repr = v.to_repr();
                Fr::from(u64::from((repr.as_ref()[i / 8] >> (i % 8)) & 1))
            });
            let q = Q {
                ab: Fr::ONE,
                a: -Fr::ONE,
                ..Q::ZERO
            };
            let cells = ctx.gate3(q, In::New("eddsa.bit", value), In::Same(0), In::Skip);
            Bit(slot(&cells, 0))
        })
        .collect();
    let lo = horner(ctx, &bits[..128]);
    let hi = horner(ctx, &bits[128..]);
    // x = hi·2^128 + lo.
    let q = Q {
        a: crate::gates::pow2(128),
        b: Fr::ONE,
        c: -Fr::ONE,
        ..Q::ZERO
    };
    ctx.gate3(q, In::Copy(&hi), In::Copy(&lo), In::Copy(x));
    let in_field = at_most(ctx, &hi, &lo, p_minus_one());
    ctx.assert_constant(&in_field, Fr::ONE);
    Split { bits, hi, lo }
}

/// `Σ bits[i]·2^i` by Horner's rule from the top, two bits per full row
/// (`acc' = 4·acc + 2·b_hi + b_lo`). `bits.len()` is even.
fn horner(ctx: &mut GateCtx<'_, '_>, bits: &[Bit]) -> Var {
    debug_assert!(bits.len().is_multiple_of(2) && !bits.is_empty());
    let mut acc: Option<Var> = None;
    for pair in bits.rchunks(2) {
        let (lo, hi) = (&pair[0], &pair[1]);
        let prev = acc
            .as_ref()
            .map(|v| v.value())
            .unwrap_or(Value::known(Fr::ZERO));
        let value =
            prev * Value::known(Fr::from(4)) + hi.value() * Value::known(Fr::from(2)) + lo.value();
        let q = Q {
            a: if acc.is_some() { Fr::from(4) } else { Fr::ZERO },
            b: Fr::from(2),
            c: Fr::ONE,
            d: -Fr::ONE,
            ..Q::ZERO
        };
        let a_in = match &acc {
            Some(v) => In::Copy(v),
            None => In::Skip,
        };
        let cells = ctx.gate4(
            q,
            [
                a_in,
                In::Copy(hi),
                In::Copy(lo),
                In::New("eddsa.horner", value),
            ],
        );
        acc = Some(slot(&cells, 3));
    }
    acc.expect("at least two bits")
}

/// `hi·2^128 + lo <= c` for `hi < 2^126`, `lo < 2^128` (range-checked by their bits) and a
/// constant `c`: `hi < c_hi ∨ (hi = c_hi ∧ lo <= c_lo)`.
fn at_most(ctx: &mut GateCtx<'_, '_>, hi: &Var, lo: &Var, c: Fr) -> Bit {
    let (c_hi, c_lo) = split128(&c);
    let c_hi = ctx.constant(c_hi);
    let c_lo = ctx.constant(c_lo);
    let hi_lt = ctx.less_than(hi, &c_hi, 128);
    let hi_eq = ctx.is_equal(hi, &c_hi);
    let lo_le = ctx.less_equal(lo, &c_lo, 128);
    let tie = ctx.and(&hi_eq, &lo_le);
    ctx.or(&hi_lt, &tie)
}

/// Whether `p` is on the curve: `is_zero(a·x² + y² − 1 − d·x²y²)`. 6 rows.
fn on_curve(ctx: &mut GateCtx<'_, '_>, p: &PointVar) -> Bit {
    let xx = product(ctx, Fr::ONE, &p.x, &p.x, "eddsa.curve.xx");
    let yy = product(ctx, Fr::ONE, &p.y, &p.y, "eddsa.curve.yy");
    let xxyy = product(ctx, Fr::ONE, &xx, &yy, "eddsa.curve.xxyy");
    let value = Value::known(a()) * xx.value() + yy.value()
        - Value::known(Fr::ONE)
        - Value::known(d()) * xxyy.value();
    let q = Q {
        a: a(),
        b: Fr::ONE,
        c: -d(),
        d: -Fr::ONE,
        k: -Fr::ONE,
        ..Q::ZERO
    };
    let cells = ctx.gate4(
        q,
        [
            In::Copy(&xx),
            In::Copy(&yy),
            In::Copy(&xxyy),
            In::New("eddsa.curve.eq", value),
        ],
    );
    ctx.is_zero(&slot(&cells, 3))
}

/// `k·x·y` in one abc row.
fn product(ctx: &mut GateCtx<'_, '_>, k: Fr, x: &Var, y: &Var, label: &'static str) -> Var {
    let q = Q {
        ab: k,
        c: -Fr::ONE,
        ..Q::ZERO
    };
    let value = Value::known(k) * x.value() * y.value();
    let cells = ctx.gate3(q, In::Copy(x), In::Copy(y), In::New(label, value));
    slot(&cells, 2)
}

/// `b ? p : (0, 1)`: `b·x` and `b·y − b + 1`. 2 abc rows.
fn cond_point(
    ctx: &mut GateCtx<'_, '_>,
    b: &Bit,
    p: &PointVar,
    labels: (&'static str, &'static str),
) -> PointVar {
    let x = product(ctx, Fr::ONE, b, &p.x, labels.0);
    let q = Q {
        ab: Fr::ONE,
        a: -Fr::ONE,
        c: -Fr::ONE,
        k: Fr::ONE,
        ..Q::ZERO
    };
    let value = b.value() * p.y.value() - b.value() + Value::known(Fr::ONE);
    let cells = ctx.gate3(q, In::Copy(b), In::Copy(&p.y), In::New(labels.1, value));
    PointVar {
        x,
        y: slot(&cells, 2),
    }
}

/// The last two rows of an addition: `x₃·(1 + τ) = x1y2 + y1x2`, `y₃·(1 − τ) = y1y2 − a·x1x2`.
fn add_finish(
    ctx: &mut GateCtx<'_, '_>,
    x1y2: &Var,
    y1x2: &Var,
    x1x2: &Var,
    y1y2: &Var,
) -> PointVar {
    let tau = product(ctx, d(), x1x2, y1y2, "eddsa.add.tau");
    let one = Value::known(Fr::ONE);
    let x3 = (x1y2.value() + y1x2.value()) * (one + tau.value()).map(inv_or_zero);
    let y3 =
        (y1y2.value() - Value::known(a()) * x1x2.value()) * (one - tau.value()).map(inv_or_zero);
    let qx = Q {
        a: Fr::ONE,
        ab: Fr::ONE,
        c: -Fr::ONE,
        d: -Fr::ONE,
        ..Q::ZERO
    };
    let cx = ctx.gate4(
        qx,
        [
            In::New("eddsa.add.x3", x3),
            In::Copy(&tau),
            In::Copy(x1y2),
            In::Copy(y1x2),
        ],
    );
    let qy = Q {
        a: Fr::ONE,
        ab: -Fr::ONE,
        c: -Fr::ONE,
        d: a(),
        ..Q::ZERO
    };
    let cy = ctx.gate4(
        qy,
        [
            In::New("eddsa.add.y3", y3),
            In::Copy(&tau),
            In::Copy(y1y2),
            In::Copy(x1x2),
        ],
    );
    PointVar {
        x: slot(&cx, 0),
        y: slot(&cy, 0),
    }
}

/// `p + q` for points on the curve. 7 rows.
pub fn add(ctx: &mut GateCtx<'_, '_>, p: &PointVar, q: &PointVar) -> PointVar {
    let x1y2 = product(ctx, Fr::ONE, &p.x, &q.y, "eddsa.add.x1y2");
    let y1x2 = product(ctx, Fr::ONE, &p.y, &q.x, "eddsa.add.y1x2");
    let x1x2 = product(ctx, Fr::ONE, &p.x, &q.x, "eddsa.add.x1x2");
    let y1y2 = product(ctx, Fr::ONE, &p.y, &q.y, "eddsa.add.y1y2");
    add_finish(ctx, &x1y2, &y1x2, &x1x2, &y1y2)
}

/// `2·p` for a point on the curve. 5 rows.
pub fn double(ctx: &mut GateCtx<'_, '_>, p: &PointVar) -> PointVar {
    let xy = product(ctx, Fr::ONE, &p.x, &p.y, "eddsa.dbl.xy");
    let xx = product(ctx, Fr::ONE, &p.x, &p.x, "eddsa.dbl.xx");
    let yy = product(ctx, Fr::ONE, &p.y, &p.y, "eddsa.dbl.yy");
    let denom_x = Value::known(a()) * xx.value() + yy.value();
    let x3 = Value::known(Fr::from(2)) * xy.value() * denom_x.map(inv_or_zero);
    let denom_y = Value::known(Fr::from(2)) - denom_x;
    let y3 = (yy.value() - Value::known(a()) * xx.value()) * denom_y.map(inv_or_zero);
    // a·x3·xx + x3·yy − 2·xy = 0.
    let qx = Q {
        ab: a(),
        ac: Fr::ONE,
        d: -Fr::from(2),
        ..Q::ZERO
    };
    let cx = ctx.gate4(
        qx,
        [
            In::New("eddsa.dbl.x3", x3),
            In::Copy(&xx),
            In::Copy(&yy),
            In::Copy(&xy),
        ],
    );
    // 2·y3 − a·y3·xx − y3·yy − yy + a·xx = 0.
    let qy = Q {
        a: Fr::from(2),
        ab: -a(),
        ac: -Fr::ONE,
        c: -Fr::ONE,
        b: a(),
        ..Q::ZERO
    };
    let cy = ctx.gate3(
        qy,
        In::New("eddsa.dbl.y3", y3),
        In::Copy(&xx),
        In::Copy(&yy),
    );
    PointVar {
        x: slot(&cx, 0),
        y: slot(&cy, 0),
    }
}

/// `Σ b_i·2^i · q` for an even number of bits (least significant first): double-and-add from
/// the top, two bits per step, over the table `[(0, 1), q, 2q, 3q]`.
fn mul_var(ctx: &mut GateCtx<'_, '_>, bits: &[Bit], q: &PointVar) -> PointVar {
    let q2 = double(ctx, q);
    let q3 = add(ctx, &q2, q);
    let mut windows = bits.chunks(2).rev();
    let top = windows.next().expect("at least one window");
    let mut acc = var_window_point(ctx, &top[0], &top[1], q, &q2, &q3);
    for w in windows {
        let twice = double(ctx, &acc);
        let four = double(ctx, &twice);
        let term = var_window_point(ctx, &w[0], &w[1], q, &q2, &q3);
        acc = add(ctx, &four, &term);
    }
    acc
}

/// `(b0 + 2·b1)·q` from the table: `b1 ? (b0 ? 3q : 2q) : (b0 ? q : (0, 1))`. 6 rows.
fn var_window_point(
    ctx: &mut GateCtx<'_, '_>,
    b0: &Bit,
    b1: &Bit,
    q: &PointVar,
    q2: &PointVar,
    q3: &PointVar,
) -> PointVar {
    let low = cond_point(ctx, b0, q, ("eddsa.cond.x", "eddsa.cond.y"));
    let high_x = ctx.select(b0, &q3.x, &q2.x);
    let high_y = ctx.select(b0, &q3.y, &q2.y);
    PointVar {
        x: ctx.select(b1, &high_x, &low.x),
        y: ctx.select(b1, &high_y, &low.y),
    }
}

/// `Σ b_i·2^i · B8` for an even number of bits (least significant first), two bits per
/// step: window `j` adds `(b0 + 2·b1)·4^j·B8`, whose coordinates are constants interpolated
/// over the two bits (3 rows), with a complete addition (7 rows).
fn mul_b8(ctx: &mut GateCtx<'_, '_>, bits: &[Bit]) -> PointVar {
    let mut acc: Option<PointVar> = None;
    for (j, w) in bits.chunks(2).enumerate() {
        let term = fixed_window_point(ctx, &w[0], &w[1], &b8_window_table(j));
        acc = Some(match acc {
            None => term,
            Some(acc) => add(ctx, &acc, &term),
        });
    }
    acc.expect("at least one window")
}

/// `[(0, 1), P, 2P, 3P]` for `P = 4^j·B8`.
fn b8_window_table(j: usize) -> [Point; 4] {
    let p = b8_powers()[2 * j];
    let p2 = p.double();
    [Point::IDENTITY, p, p2, p2.add(&p)]
}

/// The table entry `t[b0 + 2·b1]` of constant points: each coordinate is
/// `c0 + b0·(c1 − c0) + b1·(c2 − c0) + b0·b1·(c3 − c2 − c1 + c0)`, one full row after the
/// product `b0·b1`. 3 rows.
fn fixed_window_point(ctx: &mut GateCtx<'_, '_>, b0: &Bit, b1: &Bit, t: &[Point; 4]) -> PointVar {
    let both = product(ctx, Fr::ONE, b0, b1, "eddsa.win.b0b1");
    let mut coordinate = |c: [Fr; 4], label| {
        let [c0, c1, c2, c3] = c;
        let q = Q {
            a: c1 - c0,
            b: c2 - c0,
            c: c3 - c2 - c1 + c0,
            d: -Fr::ONE,
            k: c0,
            ..Q::ZERO
        };
        let value = Value::known(c0)
            + b0.value() * Value::known(c1 - c0)
            + b1.value() * Value::known(c2 - c0)
            + both.value() * Value::known(c3 - c2 - c1 + c0);
        let cells = ctx.gate4(
            q,
            [
                In::Copy(b0),
                In::Copy(b1),
                In::Copy(&both),
                In::New(label, value),
            ],
        );
        slot(&cells, 3)
    };
    let x = coordinate(t.map(|p| p.x), "eddsa.win.x");
    let y = coordinate(t.map(|p| p.y), "eddsa.win.y");
    PointVar { x, y }
}

/// `on ? p : (0, 1)`. 2 abc rows.
fn or_identity(ctx: &mut GateCtx<'_, '_>, on: &Bit, p: &PointVar) -> PointVar {
    cond_point(ctx, on, p, ("eddsa.sel.x", "eddsa.sel.y"))
}

/// Whether `(r8, s)` is a valid signature under `pubkey` for the challenge `h` (the Poseidon
/// hash `poseidon([r8.x, r8.y, pubkey.x, pubkey.y, msg])`, which the caller computes). See the
/// module documentation.
pub fn verify(
    ctx: &mut GateCtx<'_, '_>,
    pubkey: &PointVar,
    r8: &PointVar,
    s: &Var,
    h: &Var,
) -> Bit {
    let s_split = split_strict(ctx, s);
    let s_ok = at_most(ctx, &s_split.hi, &s_split.lo, l_minus_one());
    let h_split = split_strict(ctx, h);

    let a_on = on_curve(ctx, pubkey);
    let r_on = on_curve(ctx, r8);
    let a = or_identity(ctx, &a_on, pubkey);
    let r = or_identity(ctx, &r_on, r8);

    let a2 = double(ctx, &a);
    let a4 = double(ctx, &a2);
    let a8 = double(ctx, &a4);
    let small = ctx.is_zero(&a8.x);
    let not_small = ctx.not(&small);

    let ha8 = mul_var(ctx, &h_split.bits, &a8);
    let right = add(ctx, &r, &ha8);
    let left = mul_b8(ctx, &s_split.bits);
    let eq_x = ctx.is_equal(&left.x, &right.x);
    let eq_y = ctx.is_equal(&left.y, &right.y);

    let mut ok = ctx.and(&s_ok, &a_on);
    for b in [&r_on, &not_small, &eq_x, &eq_y] {
        ok = ctx.and(&ok, b);
    }
    ok
}
