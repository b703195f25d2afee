//! Field arithmetic, constants, booleans, `select`, `is_zero`/`is_equal` and `pick`.

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};

use super::ctx::{Bit, GateCtx, In, Q, Var, bool_fr, check_bits, pow2, slot};

impl GateCtx<'_, '_> {
    /// A fresh witness with **no constraint**: the caller must constrain it (range-check it,
    /// copy it to an instance cell, use it in a gate that pins it). 1 d slot, no gate row.
    /// Label `witness`.
    pub fn witness(&mut self, value: Value<Fr>) -> Var {
        self.loose("witness", value)
    }

    /// A fresh boolean witness: `x·x - x = 0`. 1 abc row. Label `bit`.
    pub fn witness_bit(&mut self, value: Value<bool>) -> Bit {
        let q = Q {
            ab: Fr::ONE,
            a: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate3(q, In::New("bit", value.map(bool_fr)), In::Same(0), In::Skip);
        Bit(slot(&cells, 0))
    }

    /// The constant `c`: `a - c = 0`. 1 abc row, once per value per context (cached).
    /// Label `const`.
    pub fn constant(&mut self, c: Fr) -> Var {
        if let Some(v) = self.constant_cache(&c) {
            return v;
        }
        let q = Q {
            a: Fr::ONE,
            k: -c,
            ..Q::ZERO
        };
        let cells = self.gate3(q, In::New("const", Value::known(c)), In::Skip, In::Skip);
        let v = slot(&cells, 0);
        self.remember_constant(c, v.clone());
        v
    }

    /// A constant bit (0 or 1). 1 abc row, cached like [`constant`](Self::constant).
    pub fn constant_bit(&mut self, b: bool) -> Bit {
        Bit(self.constant(bool_fr(b)))
    }

    /// `x + y`. 1 abc row. Label `add.out`.
    pub fn add(&mut self, x: &Var, y: &Var) -> Var {
        self.linear2(Fr::ONE, x, Fr::ONE, y, Fr::ZERO, "add.out")
    }

    /// `x - y`. 1 abc row. Label `sub.out`.
    pub fn sub(&mut self, x: &Var, y: &Var) -> Var {
        self.linear2(Fr::ONE, x, -Fr::ONE, y, Fr::ZERO, "sub.out")
    }

    /// `-x`. 1 abc row. Label `neg.out`.
    pub fn neg(&mut self, x: &Var) -> Var {
        self.linear1(-Fr::ONE, x, Fr::ZERO, "neg.out")
    }

    /// `x + c` for a constant `c`. 1 abc row. Label `add_const.out`.
    pub fn add_const(&mut self, x: &Var, c: Fr) -> Var {
        self.linear1(Fr::ONE, x, c, "add_const.out")
    }

    /// `c·x` for a constant `c`. 1 abc row. Label `mul_const.out`.
    pub fn mul_const(&mut self, x: &Var, c: Fr) -> Var {
        self.linear1(c, x, Fr::ZERO, "mul_const.out")
    }

    /// `x·y`. 1 abc row. Label `mul.out`.
    pub fn mul(&mut self, x: &Var, y: &Var) -> Var {
        let q = Q {
            ab: Fr::ONE,
            c: -Fr::ONE,
            ..Q::ZERO
        };
        let value = x.value * y.value;
        let cells = self.gate3(q, In::Copy(x), In::Copy(y), In::New("mul.out", value));
        slot(&cells, 2)
    }

    /// `x·y + z`. 1 full row. Label `mul_add.out`.
    pub fn mul_add(&mut self, x: &Var, y: &Var, z: &Var) -> Var {
        let q = Q {
            ab: Fr::ONE,
            c: Fr::ONE,
            d: -Fr::ONE,
            ..Q::ZERO
        };
        let value = x.value * y.value + z.value;
        let cells = self.gate4(
            q,
            [
                In::Copy(x),
                In::Copy(y),
                In::Copy(z),
                In::New("mul_add.out", value),
            ],
        );
        slot(&cells, 3)
    }

    /// `x = y`: a copy constraint, no row.
    pub fn assert_equal(&mut self, x: &Var, y: &Var) {
        self.copy_constraint(x, y);
    }

    /// `x = c` for a constant `c`. 1 abc row.
    pub fn assert_constant(&mut self, x: &Var, c: Fr) {
        let q = Q {
            a: Fr::ONE,
            k: -c,
            ..Q::ZERO
        };
        self.gate3(q, In::Copy(x), In::Skip, In::Skip);
    }

    /// `x ∈ {0, 1}`: `x·x - x = 0`. 1 abc row.
    pub fn assert_bool(&mut self, x: &Var) -> Bit {
        let q = Q {
            ab: Fr::ONE,
            a: -Fr::ONE,
            ..Q::ZERO
        };
        self.gate3(q, In::Copy(x), In::Same(0), In::Skip);
        Bit(x.clone())
    }

    /// `c ? x : y` as `c·x - c·y + y` (`c` is boolean by type). 1 full row. Label `select.out`.
    pub fn select(&mut self, c: &Bit, x: &Var, y: &Var) -> Var {
        let q = Q {
            ab: Fr::ONE,
            ac: -Fr::ONE,
            c: Fr::ONE,
            d: -Fr::ONE,
            ..Q::ZERO
        };
        let value = c
            .value
            .zip(x.value)
            .zip(y.value)
            .map(|((c, x), y)| c * (x - y) + y);
        let cells = self.gate4(
            q,
            [
                In::Copy(c),
                In::Copy(x),
                In::Copy(y),
                In::New("select.out", value),
            ],
        );
        slot(&cells, 3)
    }

    /// [`select`](Self::select) of two bits, which is a bit. 1 full row.
    pub fn select_bit(&mut self, c: &Bit, x: &Bit, y: &Bit) -> Bit {
        Bit(self.select(c, x, y))
    }

    /// `!x = 1 - x`. 1 abc row. Label `not.out`.
    pub fn not(&mut self, x: &Bit) -> Bit {
        Bit(self.linear1(-Fr::ONE, x, Fr::ONE, "not.out"))
    }

    /// `x ∧ y = x·y`. 1 abc row. Label `and.out`.
    pub fn and(&mut self, x: &Bit, y: &Bit) -> Bit {
        Bit(self.bool2(Fr::ZERO, Fr::ONE, x, y, "and.out"))
    }

    /// `x ∨ y = x + y - x·y`. 1 abc row. Label `or.out`.
    pub fn or(&mut self, x: &Bit, y: &Bit) -> Bit {
        Bit(self.bool2(Fr::ONE, -Fr::ONE, x, y, "or.out"))
    }

    /// `x ⊕ y = x + y - 2·x·y`. 1 abc row. Label `xor.out`.
    pub fn xor(&mut self, x: &Bit, y: &Bit) -> Bit {
        Bit(self.bool2(Fr::ONE, -Fr::from(2), x, y, "xor.out"))
    }

    /// `x == 0`, with `inv` a witness: `x·inv + out - 1 = 0` and `x·out = 0`. For `x ≠ 0` the
    /// second forces `out = 0`; for `x = 0` the first forces `out = 1`, whatever `inv` is.
    /// 2 abc rows. Labels `is_zero.inv`, `is_zero.out`.
    pub fn is_zero(&mut self, x: &Var) -> Bit {
        let inv = x.value.map(|x| x.invert().unwrap_or(Fr::ZERO));
        let out = x.value.map(|x| bool_fr(x.is_zero_vartime()));
        let q1 = Q {
            ab: Fr::ONE,
            c: Fr::ONE,
            k: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate3(
            q1,
            In::Copy(x),
            In::New("is_zero.inv", inv),
            In::New("is_zero.out", out),
        );
        let out = slot(&cells, 2);
        let q2 = Q {
            ab: Fr::ONE,
            ..Q::ZERO
        };
        self.gate3(q2, In::Copy(x), In::Copy(&out), In::Skip);
        Bit(out)
    }

    /// `x == y`: `inv·x - inv·y + out - 1 = 0` and `out·x - out·y = 0` (the `is_zero` argument
    /// on `x - y` without a cell for the difference). 1 full row + 1 abc row.
    /// Labels `is_equal.inv`, `is_equal.out`.
    pub fn is_equal(&mut self, x: &Var, y: &Var) -> Bit {
        let diff = x.value - y.value;
        let inv = diff.map(|d| d.invert().unwrap_or(Fr::ZERO));
        let out = diff.map(|d| bool_fr(d.is_zero_vartime()));
        let q1 = Q {
            ab: Fr::ONE,
            ac: -Fr::ONE,
            d: Fr::ONE,
            k: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate4(
            q1,
            [
                In::New("is_equal.inv", inv),
                In::Copy(x),
                In::Copy(y),
                In::New("is_equal.out", out),
            ],
        );
        let out = slot(&cells, 3);
        let q2 = Q {
            ab: Fr::ONE,
            ac: -Fr::ONE,
            ..Q::ZERO
        };
        self.gate3(q2, In::Copy(&out), In::Copy(x), In::Copy(y));
        Bit(out)
    }

    /// `items[index]`, zero when `index` (any field element) is not a position of `items`: the
    /// IR's `pick`. For each position `i` a hit bit `e_i = (index == i)` by the `is_zero`
    /// argument on `index - i` (2 abc rows), and a running sum `acc += e_i·item_i` (1 abc row
    /// for the first, 1 full row after). Every `e_i` is forced, so at most one is 1 and none is
    /// when `index` is out of range. `3n` rows for `n` items (0 for none: the constant 0).
    /// Labels `pick.inv`, `pick.hit`, `pick.acc` (one of each per item).
    pub fn pick(&mut self, index: &Var, items: &[Var]) -> Var {
        if items.is_empty() {
            return self.constant(Fr::ZERO);
        }
        let mut acc: Option<Var> = None;
        for (i, item) in items.iter().enumerate() {
            let pos = Fr::from(i as u64);
            let inv = index.value.map(|x| (x - pos).invert().unwrap_or(Fr::ZERO));
            let hit = index.value.map(|x| bool_fr(x == pos));
            // (index - i)·inv + hit - 1 = 0
            let q1 = Q {
                ab: Fr::ONE,
                b: -pos,
                c: Fr::ONE,
                k: -Fr::ONE,
                ..Q::ZERO
            };
            let cells = self.gate3(
                q1,
                In::Copy(index),
                In::New("pick.inv", inv),
                In::New("pick.hit", hit),
            );
            let hit = slot(&cells, 2);
            // (index - i)·hit = 0
            let q2 = Q {
                ab: Fr::ONE,
                b: -pos,
                ..Q::ZERO
            };
            self.gate3(q2, In::Copy(index), In::Copy(&hit), In::Skip);
            let term = hit.value * item.value;
            acc = Some(match acc {
                None => {
                    let q = Q {
                        ab: Fr::ONE,
                        c: -Fr::ONE,
                        ..Q::ZERO
                    };
                    let cells =
                        self.gate3(q, In::Copy(&hit), In::Copy(item), In::New("pick.acc", term));
                    slot(&cells, 2)
                }
                Some(prev) => {
                    let q = Q {
                        ab: Fr::ONE,
                        c: Fr::ONE,
                        d: -Fr::ONE,
                        ..Q::ZERO
                    };
                    let value = prev.value + term;
                    let cells = self.gate4(
                        q,
                        [
                            In::Copy(&hit),
                            In::Copy(item),
                            In::Copy(&prev),
                            In::New("pick.acc", value),
                        ],
                    );
                    slot(&cells, 3)
                }
            });
        }
        acc.expect("at least one item")
    }

    /// `items[index]` for an `index` **already range-checked** to `index_bits` bits (a `uN`
    /// value), zero when `index >= items.len()`: the IR's `pick` in about a third of
    /// [`pick`](Self::pick)'s rows for more than a few items. With `n` items and
    /// `m = min(⌈log₂ n⌉, index_bits)`:
    ///
    /// - **digits**: the low `m` bits of the index as booleans `b_j` (1 abc row each), the rest
    ///   `r = index >> m` as a witness range-checked to `index_bits − m` bits, and
    ///   `Σ b_j·2^j + 2^m·r = index` ([`lin_comb`](Self::lin_comb) and a copy). The sum is
    ///   below `2^(index_bits + 1) < p` and the index below `2^index_bits`, so the `b_j` and `r`
    ///   are the index's unique binary digits;
    /// - **tree**: `select`s on `b_0` over pairs of items, then on `b_1`, … (items padded with
    ///   zeros to `2^m`: a node with nothing below it is no cell, one with a single item below it
    ///   selects against the constant 0), `n − 1` rows or a few more;
    /// - **range**: `is_zero(r)` (2 abc rows) and the tree's result masked by it (1 row); when
    ///   `m = index_bits` there is no `r` and nothing to mask.
    ///
    /// Labels: `bit`, `uint` and `range.z` (`r`), `lin.out`/`lin.acc`, `select.out`,
    /// `is_zero.inv`/`is_zero.out`, `mask.out`.
    pub fn pick_uint(&mut self, index: &Var, index_bits: u32, items: &[Var]) -> Var {
        check_bits(index_bits);
        let n = items.len();
        if n == 0 {
            return self.constant(Fr::ZERO);
        }
        let m = (usize::BITS - (n - 1).leading_zeros()).min(index_bits);
        let int = index
            .value
            .map(|x| stele_crypto::fr_to_u128(&x).unwrap_or(0));
        let bits: Vec<Bit> = (0..m)
            .map(|j| self.witness_bit(int.map(|x| (x >> j) & 1 == 1)))
            .collect();
        let mut digits: Vec<(Fr, Var)> = bits
            .iter()
            .enumerate()
            .map(|(j, b)| (pow2(j as u32), b.var().clone()))
            .collect();
        let high = index_bits - m;
        let rest = (high > 0).then(|| {
            let r = self.witness_uint(int.map(|x| Fr::from_u128(x >> m)), high);
            digits.push((pow2(m), r.clone()));
            r
        });
        let sum = self.lin_comb(&digits, Fr::ZERO);
        self.assert_equal(&sum, index);
        let in_range = rest.map(|r| self.is_zero(&r));

        let mut level: Vec<Option<Var>> = items.iter().cloned().map(Some).collect();
        level.resize(1 << m, None);
        for b in &bits {
            let mut next = Vec::with_capacity(level.len() / 2);
            for pair in level.chunks(2) {
                next.push(match (&pair[0], &pair[1]) {
                    (None, None) => None,
                    (Some(even), Some(odd)) => Some(self.select(b, odd, even)),
                    (Some(even), None) => {
                        let zero = self.constant(Fr::ZERO);
                        Some(self.select(b, &zero, even))
                    }
                    (None, Some(odd)) => {
                        let zero = self.constant(Fr::ZERO);
                        Some(self.select(b, odd, &zero))
                    }
                });
            }
            level = next;
        }
        let root = match level.pop().flatten() {
            Some(v) => v,
            None => self.constant(Fr::ZERO),
        };
        match in_range {
            Some(g) => self.mask(Some(&g), &root),
            None => root,
        }
    }

    /// [`pick`](Self::pick) among bits, which is a bit (at most one hit, and a hit selects a
    /// bit). Same cost.
    pub fn pick_bit(&mut self, index: &Var, items: &[Bit]) -> Bit {
        let vars: Vec<Var> = items.iter().map(|b| b.0.clone()).collect();
        Bit(self.pick(index, &vars))
    }

    // ---- helpers ----

    fn copy_constraint(&mut self, x: &Var, y: &Var) {
        self.region_mut().constrain_equal(x.cell, y.cell);
    }

    /// `out = s·x + k`. 1 abc row.
    fn linear1(&mut self, s: Fr, x: &Var, k: Fr, label: &'static str) -> Var {
        let q = Q {
            a: s,
            b: -Fr::ONE,
            k,
            ..Q::ZERO
        };
        let value = x.value.map(|x| s * x + k);
        let cells = self.gate3(q, In::Copy(x), In::New(label, value), In::Skip);
        slot(&cells, 1)
    }

    /// `out = s·x + t·y + k`. 1 abc row.
    fn linear2(&mut self, s: Fr, x: &Var, t: Fr, y: &Var, k: Fr, label: &'static str) -> Var {
        let q = Q {
            a: s,
            b: t,
            c: -Fr::ONE,
            k,
            ..Q::ZERO
        };
        let value = x.value.zip(y.value).map(|(x, y)| s * x + t * y + k);
        let cells = self.gate3(q, In::Copy(x), In::Copy(y), In::New(label, value));
        slot(&cells, 2)
    }

    /// `out = l·(x + y) + m·x·y` for bits. 1 abc row.
    fn bool2(&mut self, l: Fr, m: Fr, x: &Var, y: &Var, label: &'static str) -> Var {
        let q = Q {
            a: l,
            b: l,
            ab: m,
            c: -Fr::ONE,
            ..Q::ZERO
        };
        let value = x.value.zip(y.value).map(|(x, y)| l * (x + y) + m * x * y);
        let cells = self.gate3(q, In::Copy(x), In::Copy(y), In::New(label, value));
        slot(&cells, 2)
    }
}
