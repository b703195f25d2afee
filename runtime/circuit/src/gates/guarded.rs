//! Fallible IR operations under a guard, with the IR's semantics: when the guard `g` is 0 the
//! operation cannot fail and every result is 0; when `g` is 1 (or there is no guard) a failing
//! operation (overflow, underflow, division by zero, cast overflow, a false assert) has **no
//! satisfying witness**.
//!
//! The pattern: multiply the operands (or the result) by `g` *before* the check, so that with
//! `g = 0` the checked value is 0 and every check passes.
//!
//! Products of two `uN` values fit below p only for `N <= 126` (`(2^N - 1)^2 < 2^253 < p`).
//! For `u127`/`u128` a product can wrap modulo p and a forged wrapped product can pass a
//! 128-bit range check, so those widths also prove that one factor is below `2^⌈N/2⌉` (it
//! must be, when the true product is below `2^N`): the product is then below `2^192 < p`.

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;

use super::NO_WRAP_BITS;
use super::ctx::{Bit, GateCtx, In, Q, Var, bool_fr, check_bits, slot};

/// `g` as a field value, 1 without a guard.
fn guard_value(g: Option<&Bit>) -> Value<Fr> {
    g.map_or(Value::known(Fr::ONE), |g| g.value)
}

impl GateCtx<'_, '_> {
    /// `g·x`: the result of an infallible operation under a guard (identity without one).
    /// 1 abc row (0 without a guard). Label `mask.out`.
    pub fn mask(&mut self, g: Option<&Bit>, x: &Var) -> Var {
        let Some(g) = g else { return x.clone() };
        let q = Q {
            ab: Fr::ONE,
            c: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate3(
            q,
            In::Copy(g),
            In::Copy(x),
            In::New("mask.out", g.value * x.value),
        );
        slot(&cells, 2)
    }

    /// The IR's `assert cond if g`: `g·(1 - cond) = 0` (`cond = 1` without a guard). With
    /// `g = 0` anything passes. 1 abc row.
    pub fn assert_guarded(&mut self, g: Option<&Bit>, cond: &Bit) {
        match g {
            Some(g) => {
                let q = Q {
                    a: Fr::ONE,
                    ab: -Fr::ONE,
                    ..Q::ZERO
                };
                self.gate3(q, In::Copy(g), In::Copy(cond), In::Skip);
            }
            None => self.assert_constant(cond, Fr::ONE),
        }
    }

    /// Checked `uN` addition under a guard: `r = g·x + g·y` in one full row, whose d cell is
    /// range-checked to `bits` bits. `x, y` must be range-checked already; `x + y < 2^129`
    /// never wraps. Cost: `range_rows(bits)` rows (the first is the full row).
    /// Label `add.sum`.
    pub fn guarded_add(&mut self, g: Option<&Bit>, x: &Var, y: &Var, bits: u32) -> Var {
        self.guarded_linear(g, x, y, bits, Fr::ONE, "add.sum")
    }

    /// Checked `uN` subtraction under a guard: `r = g·x - g·y`, range-checked. An underflow
    /// gives `p - (y - x) > 2^128`, which fails the range check. Same cost as
    /// [`guarded_add`](Self::guarded_add). Label `sub.diff`.
    pub fn guarded_sub(&mut self, g: Option<&Bit>, x: &Var, y: &Var, bits: u32) -> Var {
        self.guarded_linear(g, x, y, bits, -Fr::ONE, "sub.diff")
    }

    fn guarded_linear(
        &mut self,
        g: Option<&Bit>,
        x: &Var,
        y: &Var,
        bits: u32,
        sign: Fr,
        label: &'static str,
    ) -> Var {
        let value = guard_value(g) * (x.value + y.value.map(|y| sign * y));
        let (q, ins) = match g {
            Some(g) => (
                Q {
                    ab: Fr::ONE,
                    ac: sign,
                    d: -Fr::ONE,
                    ..Q::ZERO
                },
                [In::Copy(g), In::Copy(x), In::Copy(y), In::New(label, value)],
            ),
            None => (
                Q {
                    a: Fr::ONE,
                    b: sign,
                    d: -Fr::ONE,
                    ..Q::ZERO
                },
                [In::Copy(x), In::Copy(y), In::Skip, In::New(label, value)],
            ),
        };
        let cells = self.gate4_range(q, ins, bits);
        slot(&cells, 3)
    }

    /// Checked `uN` multiplication under a guard: `r = (g·x)·y`, range-checked to `bits`
    /// (`x, y` must be range-checked to `bits` already).
    /// For `bits <= 126`: 1 full row starting the range check + 1 abc row for `g·x`
    /// (`range_rows(bits)` rows for `bits >= 16`). For 127 and 128 bits also a witness bit `s`,
    /// `small = s ? g·x : g·y` range-checked to `⌈bits/2⌉` bits, and `r = (g·x)·(g·y)`
    /// (`range_rows(bits) + range_rows(⌈bits/2⌉)` rows: 24 for u128).
    /// Labels `mul.gx`, `mul.gy`, `mul.prod`, `mul.small_is_x`, `mul.small`.
    pub fn guarded_mul(&mut self, g: Option<&Bit>, x: &Var, y: &Var, bits: u32) -> Var {
        check_bits(bits);
        let gv = guard_value(g);
        let (gx, gy) = (gv * x.value, gv * y.value);
        let mul = Q {
            ab: Fr::ONE,
            d: -Fr::ONE,
            ..Q::ZERO
        };
        let wide = bits > NO_WRAP_BITS;
        // The full row r = a·b that starts the range check of r; a = g·x (and b = g·y when
        // wide) are fresh cells here, defined by abc rows placed afterwards (into the run).
        let (a, b, prod) = match (g, wide) {
            (None, _) => (In::Copy(x), In::Copy(y), x.value * y.value),
            (Some(_), false) => (In::New("mul.gx", gx), In::Copy(y), gx * y.value),
            (Some(_), true) => (In::New("mul.gx", gx), In::New("mul.gy", gy), gx * gy),
        };
        let cells = self.gate4_range(mul, [a, b, In::Skip, In::New("mul.prod", prod)], bits);
        let (fx, fy, r) = (slot(&cells, 0), slot(&cells, 1), slot(&cells, 3));
        if wide {
            self.small_factor(&fx, &fy, bits.div_ceil(2), "mul.small_is_x", "mul.small");
        }
        if let Some(g) = g {
            let q = Q {
                ab: Fr::ONE,
                c: -Fr::ONE,
                ..Q::ZERO
            };
            self.gate3(q, In::Copy(g), In::Copy(x), In::Copy(&fx));
            if wide {
                self.gate3(q, In::Copy(g), In::Copy(y), In::Copy(&fy));
            }
        }
        r
    }

    /// Proves that `x < 2^half` or `y < 2^half`: a witness bit `s` and
    /// `small = s·x - s·y + y` range-checked to `half` bits.
    fn small_factor(
        &mut self,
        x: &Var,
        y: &Var,
        half: u32,
        bit: &'static str,
        label: &'static str,
    ) {
        assert!(half < 128);
        let s = x.value.map(|x| {
            // Honest choice: x when it is small, else y (if neither is, nothing can pass).
            bool_fr(stele_crypto::fr_to_u128(&x).is_some_and(|x| x < 1u128 << half))
        });
        let value = s
            .zip(x.value)
            .zip(y.value)
            .map(|((s, x), y)| s * (x - y) + y);
        let q = Q {
            ab: Fr::ONE,
            ac: -Fr::ONE,
            c: Fr::ONE,
            d: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate4_range(
            q,
            [
                In::New(bit, s),
                In::Copy(x),
                In::Copy(y),
                In::New(label, value),
            ],
            half,
        );
        self.assert_bool(&slot(&cells, 0));
    }

    /// Unsigned division and remainder under a guard: witnesses `q`, `r` with
    /// `q·b' + r = g·x`, `r < b'`, both range-checked to `bits`, where `b' = g·y + 1 - g` is
    /// `y` when `g = 1` and 1 when `g = 0` (`x, y` must be range-checked to `bits` already).
    /// With `g = 1` and `y = 0` the check `r < 0` has no
    /// witness (division by zero is unprovable); with `g = 0`, `q + r = 0` forces `q = r = 0`.
    /// `r < b'` is `b' - 1 - r` range-checked. For `bits <= 126` the product cannot wrap; for
    /// 127 and 128 bits one of `q`, `b'` is also proved below `2^⌈bits/2⌉`.
    /// Cost: `3·range_rows(bits)` rows (12 for u32, 24 for u64; 5 for u8, where the 5 abc rows
    /// do not fit in 3 range rows), plus `range_rows(⌈bits/2⌉)` for 127/128 bits (56 for u128).
    /// Labels `div.q`, `div.rem`, `div.beff`, `div.gx`, `div.qb`, `div.gap`,
    /// `div.small_is_q`, `div.small`, `range.z`.
    pub fn guarded_div_rem(&mut self, g: Option<&Bit>, x: &Var, y: &Var, bits: u32) -> (Var, Var) {
        check_bits(bits);
        let gv = guard_value(g);
        let qr = gv.zip(x.value).zip(y.value).map(|((g, x), y)| {
            match (
                g == Fr::ONE,
                stele_crypto::fr_to_u128(&x),
                stele_crypto::fr_to_u128(&y),
            ) {
                (true, Some(x), Some(y)) if y != 0 => (
                    stele_crypto::fr_from_u128(x / y),
                    stele_crypto::fr_from_u128(x % y),
                ),
                _ => (Fr::ZERO, Fr::ZERO),
            }
        });
        let b_eff = gv.zip(y.value).map(|(g, y)| g * y + Fr::ONE - g);
        let gx = gv * x.value;

        let q = if bits == 1 {
            self.witness_uint(qr.map(|v| v.0), 1)
        } else {
            self.range_run(In::New("div.q", qr.map(|v| v.0)), bits)
        };
        let r = if bits == 1 {
            self.witness_uint(qr.map(|v| v.1), 1)
        } else {
            self.range_run(In::New("div.rem", qr.map(|v| v.1)), bits)
        };
        // gap = b' - 1 - r, range-checked: r < b'.
        let gap = b_eff.zip(r.value).map(|(b, r)| b - Fr::ONE - r);
        let first = match g {
            Some(_) => In::New("div.beff", b_eff),
            None => In::Copy(y),
        };
        let q_gap = Q {
            a: Fr::ONE,
            b: -Fr::ONE,
            k: -Fr::ONE,
            d: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate4_range(
            q_gap,
            [first, In::Copy(&r), In::Skip, In::New("div.gap", gap)],
            bits,
        );
        let b_eff = slot(&cells, 0);
        if bits > NO_WRAP_BITS {
            self.small_factor(&q, &b_eff, bits.div_ceil(2), "div.small_is_q", "div.small");
        }
        // b' = g·y - g + 1
        if let Some(g) = g {
            let q = Q {
                ab: Fr::ONE,
                a: -Fr::ONE,
                k: Fr::ONE,
                c: -Fr::ONE,
                ..Q::ZERO
            };
            self.gate3(q, In::Copy(g), In::Copy(y), In::Copy(&b_eff));
        }
        // qb = q·b'
        let q_mul = Q {
            ab: Fr::ONE,
            c: -Fr::ONE,
            ..Q::ZERO
        };
        let qb = q.value * b_eff.value;
        let cells = self.gate3(q_mul, In::Copy(&q), In::Copy(&b_eff), In::New("div.qb", qb));
        let qb = slot(&cells, 2);
        // g·x
        let gx = match g {
            Some(g) => {
                let cells = self.gate3(q_mul, In::Copy(g), In::Copy(x), In::New("div.gx", gx));
                slot(&cells, 2)
            }
            None => x.clone(),
        };
        // qb + r = g·x
        let q_sum = Q {
            a: Fr::ONE,
            b: Fr::ONE,
            c: -Fr::ONE,
            ..Q::ZERO
        };
        self.gate3(q_sum, In::Copy(&qb), In::Copy(&r), In::Copy(&gx));
        (q, r)
    }

    /// Narrowing cast (`Field` or a wider `uN` to `uN`) under a guard: `r = g·x`
    /// range-checked to `bits` (in the full row that starts the check). Without a guard, `x`
    /// itself is range-checked and returned. Widening casts and casts to `Field` need no
    /// constraint (use [`mask`](Self::mask) for their guard). Cost: `range_rows(bits)` rows.
    /// Labels `cast.out`, `range.z`.
    pub fn guarded_cast(&mut self, g: Option<&Bit>, x: &Var, bits: u32) -> Var {
        check_bits(bits);
        match g {
            Some(g) => {
                let q = Q {
                    ab: Fr::ONE,
                    d: -Fr::ONE,
                    ..Q::ZERO
                };
                let value = g.value * x.value;
                let cells = self.gate4_range(
                    q,
                    [
                        In::Copy(g),
                        In::Copy(x),
                        In::Skip,
                        In::New("cast.out", value),
                    ],
                    bits,
                );
                slot(&cells, 3)
            }
            None => {
                self.range_check(x, bits);
                x.clone()
            }
        }
    }

    /// Field inverse under a guard: `y·inv = g` and `inv - g·inv = 0`. With `g = 1`, `y = 0`
    /// has no witness; with `g = 0` the second forces `inv = 0` (even for `y = 0`).
    /// 2 abc rows (1 without a guard: `y·inv = 1`). Label `inv.out`.
    pub fn guarded_field_inv(&mut self, g: Option<&Bit>, y: &Var) -> Var {
        let inv = guard_value(g)
            .zip(y.value)
            .map(|(g, y)| g * y.invert().unwrap_or(Fr::ZERO));
        match g {
            Some(g) => {
                let q1 = Q {
                    ab: Fr::ONE,
                    c: -Fr::ONE,
                    ..Q::ZERO
                };
                let cells = self.gate3(q1, In::Copy(y), In::New("inv.out", inv), In::Copy(g));
                let inv = slot(&cells, 1);
                let q2 = Q {
                    b: Fr::ONE,
                    ab: -Fr::ONE,
                    ..Q::ZERO
                };
                self.gate3(q2, In::Copy(g), In::Copy(&inv), In::Skip);
                inv
            }
            None => {
                let q = Q {
                    ab: Fr::ONE,
                    k: -Fr::ONE,
                    ..Q::ZERO
                };
                let cells = self.gate3(q, In::Copy(y), In::New("inv.out", inv), In::Skip);
                slot(&cells, 1)
            }
        }
    }

    /// Field division under a guard: `x·inv` with `inv` from
    /// [`guarded_field_inv`](Self::guarded_field_inv) (0 when `g = 0`). 3 abc rows (2 without
    /// a guard). Labels `inv.out`, `mul.out`.
    pub fn guarded_field_div(&mut self, g: Option<&Bit>, x: &Var, y: &Var) -> Var {
        let inv = self.guarded_field_inv(g, y);
        self.mul(x, &inv)
    }
}
