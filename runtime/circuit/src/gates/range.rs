//! Strict range checks, comparisons of range-checked values, and bitwise `not` of a `uN`.

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;

use super::ctx::{Bit, GateCtx, In, Q, Var, bool_fr, check_bits, pow2, slot};

impl GateCtx<'_, '_> {
    /// `0 <= x < 2^bits` (as the canonical integer of `x`), `1 <= bits <= 128`.
    ///
    /// Strict: a value `>= 2^bits` has no satisfying witness. `bits = 1` is the boolean gate
    /// (1 abc row). Otherwise a running sum in column d: `z_0 = x` (a copy), `z_{i+1} =
    /// (z_i - l_i)/256`, and the lookup checks every limb `l_i = z_i - 256·z_{i+1}` and the top
    /// `z`. Every `z_i` is then an integer `< 2^(bits - 8i)`, so `x = Σ l_i·256^i < 2^bits` holds
    /// as integers. There is no `x + p` alias: the limbs can only express integers below
    /// `2^(8·⌈bits/8⌉) <= 2^128 < p`, and `x + p > p`. A short top limb (`bits` not a multiple
    /// of 8) is looked up twice, as `z` and as `2^(8-s)·z`. Cost: [`range_rows`] d-only rows
    /// (`bits/8`, or `bits/8 + 2` when 8 does not divide `bits`). Label `range.z` (`z_1`, ...).
    ///
    /// [`range_rows`]: super::range_rows
    pub fn range_check(&mut self, x: &Var, bits: u32) {
        check_bits(bits);
        if bits == 1 {
            self.assert_bool(x);
        } else {
            self.range_run(In::Copy(x), bits);
        }
    }

    /// A fresh witness range-checked to `bits` bits (it is the first cell of its own running
    /// sum, so no copy). Same cost as [`range_check`](Self::range_check). Labels `uint`,
    /// `range.z`.
    pub fn witness_uint(&mut self, value: Value<Fr>, bits: u32) -> Var {
        check_bits(bits);
        if bits == 1 {
            let q = Q {
                ab: Fr::ONE,
                a: -Fr::ONE,
                ..Q::ZERO
            };
            let cells = self.gate3(q, In::New("uint", value), In::Same(0), In::Skip);
            slot(&cells, 0)
        } else {
            self.range_run(In::New("uint", value), bits)
        }
    }

    /// `x < y` for `x, y` **already range-checked** to `bits` bits (`bits <= 128`).
    ///
    /// A witness bit `lt` and `t = x - y + lt·2^bits` in one full row whose d cell `t` is
    /// range-checked to `bits` bits, plus the boolean gate on `lt`. For `lt = 1`,
    /// `t < 2^bits ⇔ x < y`; for `lt = 0`, `t >= 0 ⇔ x >= y` (a negative `t` is `p - |t|`,
    /// far above `2^bits`). Unsound without the input range checks (a comparison of unchecked
    /// values is a classic bug). Cost: the range check of `bits` bits, whose first row is the
    /// full row, + 1 abc row (`max(range_rows(bits), 2)` rows standalone).
    /// Labels `lt.bit`, `lt.diff`, `range.z`.
    pub fn less_than(&mut self, x: &Var, y: &Var, bits: u32) -> Bit {
        self.compare(x, y, bits, true)
    }

    /// `x <= y`, as [`less_than`](Self::less_than) with `t = x - y - 1 + le·2^bits`. Same cost.
    pub fn less_equal(&mut self, x: &Var, y: &Var, bits: u32) -> Bit {
        self.compare(x, y, bits, false)
    }

    fn compare(&mut self, x: &Var, y: &Var, bits: u32, strict: bool) -> Bit {
        check_bits(bits);
        let offset = if strict { Fr::ZERO } else { Fr::ONE };
        let result = x.value.zip(y.value).map(|(x, y)| {
            let (x, y) = (stele_crypto::fr_to_u128(&x), stele_crypto::fr_to_u128(&y));
            // Out-of-range inputs break the precondition; any bit does (nothing can pass).
            match (x, y) {
                (Some(x), Some(y)) if strict => x < y,
                (Some(x), Some(y)) => x <= y,
                _ => false,
            }
        });
        let big = pow2(bits);
        let lt = result.map(bool_fr);
        let t = x
            .value
            .zip(y.value)
            .zip(lt)
            .map(|((x, y), lt)| x - y - offset + lt * big);
        let q = Q {
            a: Fr::ONE,
            b: -Fr::ONE,
            c: big,
            d: -Fr::ONE,
            k: -offset,
            ..Q::ZERO
        };
        let cells = self.gate4_range(
            q,
            [
                In::Copy(x),
                In::Copy(y),
                In::New("lt.bit", lt),
                In::New("lt.diff", t),
            ],
            bits,
        );
        self.assert_bool(&slot(&cells, 2))
    }

    /// Bitwise not of a `bits`-bit unsigned value: `(2^bits - 1) - x`, which is in range when
    /// `x` is. 1 abc row. Label `not.out`.
    pub fn uint_not(&mut self, x: &Var, bits: u32) -> Var {
        check_bits(bits);
        let max = pow2(bits) - Fr::ONE;
        let q = Q {
            a: Fr::ONE,
            b: Fr::ONE,
            k: -max,
            ..Q::ZERO
        };
        let value = x.value.map(|x| max - x);
        let cells = self.gate3(q, In::Copy(x), In::New("not.out", value), In::Skip);
        slot(&cells, 1)
    }
}
