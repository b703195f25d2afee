//! The arithmetic gate and the range-check lookup that every IR operation lowers to, and the
//! gadgets built on them.
//!
//! # Layout
//!
//! Four advice columns `a, b, c, d`, given by the caller (the block circuit shares them with
//! the Poseidon chip), all with equality enabled. Nine fixed columns and one table column of
//! our own:
//!
//! - **One custom gate, on every row** (no selector: all-zero coefficients switch it off):
//!
//!   `q_a·a + q_b·b + q_c·c + q_d·d + q_ab·a·b + q_ac·a·c + q_k = 0`
//!
//!   Degree 3. This is the usual width-4 PLONK gate plus a second product `a·c` sharing the
//!   factor `a`, for the shape `g·(x ± y)` that predication produces everywhere: a guarded
//!   add/sub is one row, `select` (`c·x - c·y + y`) is one row, `is_equal` needs no
//!   difference cell. One more fixed column buys a row on every guarded op and every select.
//! - **One lookup**, input `q_lookup·d + q_lookup_next·d_next` into a fixed table
//!   `0..2^8` ([`LIMB_BITS`] = 8; the table needs only 256 rows, so `k = 9` works). A range
//!   check is a running sum down column d, `q_lookup = 1` and `q_lookup_next = -256`, so the
//!   lookup reads a limb `z_i - 256·z_{i+1}` on each row and no limb cell is needed: a check of
//!   `8m` bits is `m` rows of column d. Lookup degree 2 + 2 + 1 = 5 (halo2-axiom's default
//!   cap, `MAX_DEGREE = 5`); rows where both lookup coefficients are 0 look up 0, which is in
//!   the table, and `q_lookup_next` is nonzero only inside a run, so `d_next` never reaches a
//!   row outside it (or a blinding row).
//!
//! Since the gate on a range row may use only `a, b, c` (`q_d = 0`), an *abc row* (a gate row
//! that ignores d) can share its row with a running-sum cell. [`GateCtx`] allocates the two
//! kinds of slot separately, and every gadget that range-checks places its abc rows inside its
//! own range rows. (A later scheduler could do the same across gadgets.)
//!
//! Constants live in `q_k`/coefficients (no constants column): [`GateCtx::constant`] is one
//! abc row `a - c = 0`; most gadgets fold their constants into coefficients instead.
//!
//! # Usage
//!
//! halo2-axiom's `SimpleFloorPlanner` puts every region at absolute row 0, so the chip places
//! rows itself: open one region, make a [`GateCtx`] at a start row, call gadgets, and start the
//! next context (or another chip) at [`GateCtx::next_row`]; [`GateCtx::reserve`] sets whole
//! rows aside for another chip on the same columns. Call [`GateChip::load_table`] once.
//!
//! ```text
//! let chip = GateChip::new(config);
//! chip.load_table(&mut layouter)?;
//! layouter.assign_region(|| "block", |mut region| {
//!     let mut ctx = chip.ctx(&mut region, 0);
//!     let x = ctx.witness_uint(x, 64);
//!     let y = ctx.witness_uint(y, 64);
//!     let g = ctx.witness_bit(guard);
//!     let sum = ctx.guarded_add(Some(&g), &x, &y, 64);
//!     Ok(())
//! })?;
//! ```
//!
//! # Soundness notes
//!
//! - Every value is a BN254 scalar `Fr`; `uN` values are their canonical integers.
//! - Range checks are strict for every width 1..=128 (see [`GateCtx::range_check`]): no `x + p`
//!   alias, since the limbs only reach `2^128 < p`.
//! - Comparisons require range-checked inputs; products of `uN` values use a small-factor
//!   proof at 127/128 bits, where `(2^128)^2 > p` (see [`GateCtx::guarded_mul`]).
//! - `is_zero`/`is_equal`/`pick` pin their output with the inverse witness, also for 0.
//! - Guards are [`Bit`]s, which only constraining gadgets produce, so `g·…` cannot be scaled.
//!
//! # Cost per gadget
//!
//! "full" rows use all four columns, "abc" rows only a, b, c, "d" rows only d (a range run).
//! An abc row inside a range run is free. *Rows* is the height a gadget takes alone in a fresh
//! context, as measured by the `costs` test (`tests/gates.rs`), which keeps this table honest.
//! `R(N)` = [`range_rows`]`(N)` = `N/8` when 8 divides N, else `N/8 + 2` (0 for N = 1).
//!
//! | gadget | full | abc | d only | rows (u8 / u32 / u64 / u128) |
//! |---|---|---|---|---|
//! | `witness` | 0 | 0 | 1 cell | 1 |
//! | `witness_bit`, `assert_bool`, `constant` (cached), `assert_constant` | 0 | 1 | 0 | 1 |
//! | `add`, `sub`, `neg`, `mul`, `add_const`, `mul_const` | 0 | 1 | 0 | 1 |
//! | `mul_add`, `select`, `select_bit` | 1 | 0 | 0 | 1 |
//! | `not`, `and`, `or`, `xor` (bits), `uint_not` | 0 | 1 | 0 | 1 |
//! | `assert_equal` | 0 | 0 | 0 | 0 (a copy constraint) |
//! | `is_zero` | 0 | 2 | 0 | 2 |
//! | `is_equal` | 1 | 1 | 0 | 2 |
//! | `pick` (n items) | n − 1 | 2n + 1 | 0 | 3n |
//! | `pick_uint` (n items, `uN` index, m = ⌈log₂ n⌉) | about n + m/2 | m + 3 | R(N − m) | 9 for n = 4, N = 8 (about n + m + R(N − m) + 3) |
//! | `range_check(x, N)`, `witness_uint` | 0 | 0 | R(N) | 1 / 4 / 8 / 16 (N = 1: 1 abc row) |
//! | `less_than`, `less_equal` | 1 | 1 | R(N) − 1 | 2 / 4 / 8 / 16 |
//! | `guarded_add`, `guarded_sub` | 1 | 0 | R(N) − 1 | 1 / 4 / 8 / 16 |
//! | `guarded_mul`, guarded | 1 (2 at u128) | 1 (3) | R(N) − 1 (+ R(N/2) − 1) | 2 / 4 / 8 / 24 |
//! | `guarded_mul`, no guard | 1 (2 at u128) | 0 (1) | R(N) − 1 (+ R(N/2) − 1) | 1 / 4 / 8 / 24 |
//! | `guarded_div_rem`, guarded | 1 (2 at u128) | 4 (5) | 3·R(N) − 1 (+ R(N/2) − 1) | 5 / 12 / 24 / 56 |
//! | `guarded_cast(g, x, N)` | 1 | 0 | R(N) − 1 | 1 / 4 / 8 / 16 |
//! | `mask` | 0 | 1 (0 without a guard) | 0 | 1 |
//! | `assert_guarded` | 0 | 1 | 0 | 1 |
//! | `guarded_field_inv` | 0 | 2 (1 without a guard) | 0 | 2 |
//! | `guarded_field_div` | 0 | 3 (2 without a guard) | 0 | 3 |
//! | `lin_comb`, n = 1 (none for `1·x + 0`), 2 terms | 0 | 1 | 0 | 1 |
//! | `lin_comb`, n ≥ 3 terms | ⌊(n − 1)/2⌋ | n even: 1 | 0 | ⌈(n − 1)/2⌉ |
//! | `sbox_row` (`x⁵` on the Poseidon chip's S-box gate, crate-internal) | 1 | 0 | 0 | 1 |
//!
//! So a checked u64 operation costs 8 rows and a u128 one 16 (24 for `mul`), all of it the range
//! check; the arithmetic rides in the range rows' free a, b, c slots. In cells: a full row is 4
//! advice cells, every row also has 9 fixed cells (mostly zero).
//!
//! # Fault-injection labels (test-only, see [`fault`])
//!
//! Each fresh witness cell has a label (a copy of an existing cell has `copy`): `witness`,
//! `bit`, `const`, `uint`, `range.z`, `add.out`, `sub.out`, `neg.out`, `add_const.out`, `mul_const.out`, `mul.out`,
//! `mul_add.out`, `select.out`, `not.out`, `and.out`, `or.out`, `xor.out`, `is_zero.inv`,
//! `is_zero.out`, `is_equal.inv`, `is_equal.out`, `pick.inv`, `pick.hit`, `pick.acc`,
//! `lt.bit`, `lt.diff`, `mask.out`, `add.sum`, `sub.diff`, `mul.gx`, `mul.gy`, `mul.prod`,
//! `mul.small_is_x`, `mul.small`, `div.q`, `div.rem`, `div.beff`, `div.gap`, `div.qb`,
//! `div.gx`, `div.small_is_q`, `div.small`, `cast.out`, `inv.out`, `lin.acc`, `lin.out`,
//! and on the S-box rows of [`crate::poseidon_wide`] `sbox.x4`, `sbox.out`, `sbox.out4`.

mod basic;
mod ctx;
pub mod fault;
mod guarded;
mod range;

use halo2_proofs::circuit::{Layouter, Region, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, Fixed, TableColumn};
use halo2_proofs::poly::Rotation;

pub(crate) use ctx::pow2;
pub use ctx::{Bit, GateCtx, Var, range_rows};
pub use fault::{Fault, Faults, Tamper};

pub(crate) use ctx::{In, Q, slot};
use halo2_proofs::halo2curves::ff::Field;

/// Bits per range-check limb: the lookup table is `0..2^LIMB_BITS`.
pub const LIMB_BITS: u32 = 8;

/// The widest strict range check (and `uN` width) the gadgets take.
pub const MAX_RANGE_BITS: u32 = 128;

/// The widest `uN` whose products cannot wrap modulo p: `(2^126)^2 = 2^252 < p < 2^254`.
pub const NO_WRAP_BITS: u32 = 126;

/// The columns of the gate and the lookup.
#[derive(Clone, Copy, Debug)]
pub struct GateConfig {
    /// `a, b, c, d`, shared with other chips.
    pub advice: [Column<Advice>; 4],
    /// Coefficients `q_a, q_b, q_c, q_d, q_ab, q_ac, q_k`.
    pub q: [Column<Fixed>; 7],
    /// Lookup coefficient on `d`.
    pub q_lookup: Column<Fixed>,
    /// Lookup coefficient on `d` of the next row.
    pub q_lookup_next: Column<Fixed>,
    /// `0..2^LIMB_BITS`.
    pub table: TableColumn,
}

/// The chip: a [`GateConfig`] plus (in tests only) faults to inject.
#[derive(Clone, Debug)]
pub struct GateChip {
    pub(crate) config: GateConfig,
    pub(crate) faults: Faults,
}

impl GateChip {
    /// Creates the gate and the lookup on the given advice columns (enabling equality on them)
    /// and allocates 9 fixed columns and 1 table column.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, advice: [Column<Advice>; 4]) -> GateConfig {
        for column in advice {
            meta.enable_equality(column);
        }
        let q = [(); 7].map(|_| meta.fixed_column());
        let q_lookup = meta.fixed_column();
        let q_lookup_next = meta.fixed_column();
        let table = meta.lookup_table_column();

        meta.create_gate("stele arithmetic", |vc| {
            let [a, b, c, d] = advice.map(|col| vc.query_advice(col, Rotation::cur()));
            let [qa, qb, qc, qd, qab, qac, qk] = q.map(|col| vc.query_fixed(col, Rotation::cur()));
            vec![
                qa * a.clone()
                    + qb * b.clone()
                    + qc * c.clone()
                    + qd * d
                    + qab * a.clone() * b
                    + qac * a * c
                    + qk,
            ]
        });

        meta.lookup("stele range", |vc| {
            let d = vc.query_advice(advice[3], Rotation::cur());
            let d_next = vc.query_advice(advice[3], Rotation::next());
            let ql = vc.query_fixed(q_lookup, Rotation::cur());
            let qn = vc.query_fixed(q_lookup_next, Rotation::cur());
            vec![(ql * d + qn * d_next, table)]
        });

        GateConfig {
            advice,
            q,
            q_lookup,
            q_lookup_next,
            table,
        }
    }

    pub fn new(config: GateConfig) -> GateChip {
        GateChip {
            config,
            faults: Faults::none(),
        }
    }

    /// **Test-only**: a chip whose gadgets assign the given tampered witness values (see
    /// [`fault`]). Never used by the back end.
    pub fn with_faults(mut self, faults: Faults) -> GateChip {
        self.faults = faults;
        self
    }

    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Fills the range table. Call once per synthesis.
    pub fn load_table(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error> {
        layouter.assign_table(
            || "stele range table",
            |mut table| {
                for i in 0..1usize << LIMB_BITS {
                    table.assign_cell(
                        || "limb",
                        self.config.table,
                        i,
                        || Value::known(Fr::from(i as u64)),
                    )?;
                }
                Ok(())
            },
        )
    }

    /// A context placing gadget rows in `region` from absolute row `first_row` on.
    pub fn ctx<'a, 'r>(
        &'a self,
        region: &'a mut Region<'r, Fr>,
        first_row: usize,
    ) -> GateCtx<'a, 'r> {
        GateCtx::new(self, region, first_row)
    }
}

// ---------------------------------------------------------------------------------------------
// Linear combinations and the fifth power
// ---------------------------------------------------------------------------------------------

/// The terms of `terms` with a non-zero coefficient.
fn nonzero_terms(terms: &[(Fr, Var)]) -> Vec<(Fr, Var)> {
    terms
        .iter()
        .filter(|(c, _)| *c != Fr::ZERO)
        .cloned()
        .collect()
}

/// `Σ c_j·v_j + k` on witness values.
fn lin_value(terms: &[(Fr, Var)], k: Fr) -> Value<Fr> {
    terms
        .iter()
        .fold(Value::known(k), |acc, (c, v)| acc + v.value.map(|x| *c * x))
}

impl GateCtx<'_, '_> {
    /// `Σ c_j·v_j + k` as one cell, for any constant coefficients `c_j` and constant `k`, with
    /// the coefficients in the gate's fixed columns (no constant cells). Terms with coefficient
    /// 0 are dropped; the others are used as given (a cell listed twice is two terms). With `n`
    /// terms left:
    ///
    /// - `n = 0`: the cached [`constant`](Self::constant) `k` (1 abc row, or none if cached);
    /// - `n = 1`: `1·x + 0` is `x` itself (no row); otherwise `out = c·a + k`, 1 abc row;
    /// - `n = 2`: `out = c₁·a + c₂·b + k`, 1 abc row;
    /// - `n ≥ 3`: a chain of full rows, `d = c₁·a + c₂·b + c₃·c + k` and then
    ///   `d' = d + c_i·b + c_{i+1}·c` (the previous `d` copied to `a`), two new terms a row; a
    ///   last single term is an abc row `c = a + c_n·b`. `⌈(n − 1)/2⌉` rows in all.
    ///
    /// Labels: `lin.acc` for the accumulators of a chain, `lin.out` for the result.
    pub fn lin_comb(&mut self, terms: &[(Fr, Var)], k: Fr) -> Var {
        let terms = nonzero_terms(terms);
        match terms.as_slice() {
            [] => self.constant(k),
            [(c, x)] if *c == Fr::ONE && k == Fr::ZERO => x.clone(),
            [(c, x)] => {
                let q = Q {
                    a: *c,
                    b: -Fr::ONE,
                    k,
                    ..Q::ZERO
                };
                let value = lin_value(&terms, k);
                let cells = self.gate3(q, In::Copy(x), In::New("lin.out", value), In::Skip);
                slot(&cells, 1)
            }
            [(c1, x1), (c2, x2)] => {
                let q = Q {
                    a: *c1,
                    b: *c2,
                    c: -Fr::ONE,
                    k,
                    ..Q::ZERO
                };
                let value = lin_value(&terms, k);
                let cells = self.gate3(q, In::Copy(x1), In::Copy(x2), In::New("lin.out", value));
                slot(&cells, 2)
            }
            [(c1, x1), (c2, x2), (c3, x3), rest @ ..] => {
                let label = |done: usize| {
                    if done == terms.len() {
                        "lin.out"
                    } else {
                        "lin.acc"
                    }
                };
                let q = Q {
                    a: *c1,
                    b: *c2,
                    c: *c3,
                    d: -Fr::ONE,
                    k,
                    ..Q::ZERO
                };
                let mut done = 3;
                let value = lin_value(&terms[..done], k);
                let cells = self.gate4(
                    q,
                    [
                        In::Copy(x1),
                        In::Copy(x2),
                        In::Copy(x3),
                        In::New(label(done), value),
                    ],
                );
                let mut acc = slot(&cells, 3);
                for pair in rest.chunks(2) {
                    done += pair.len();
                    let value = lin_value(pair, Fr::ZERO) + acc.value;
                    acc = match pair {
                        [(c, x), (c2, x2)] => {
                            let q = Q {
                                a: Fr::ONE,
                                b: *c,
                                c: *c2,
                                d: -Fr::ONE,
                                ..Q::ZERO
                            };
                            let cells = self.gate4(
                                q,
                                [
                                    In::Copy(&acc),
                                    In::Copy(x),
                                    In::Copy(x2),
                                    In::New(label(done), value),
                                ],
                            );
                            slot(&cells, 3)
                        }
                        [(c, x)] => {
                            let q = Q {
                                a: Fr::ONE,
                                b: *c,
                                c: -Fr::ONE,
                                ..Q::ZERO
                            };
                            let cells = self.gate3(
                                q,
                                In::Copy(&acc),
                                In::Copy(x),
                                In::New(label(done), value),
                            );
                            slot(&cells, 2)
                        }
                        _ => unreachable!("chunks of one or two"),
                    };
                }
                acc
            }
        }
    }

    /// `x⁵` for a cell `x` on one full row of the Poseidon chip's S-box gate: the row's code
    /// `(kind_q, kind_r) = (1, 0)` ([`crate::poseidon::SBOX_ONLY`]) switches on exactly
    /// `b = a⁴` and `d = c⁴`, and this gate's own coefficients add `c = a·b`. The row holds
    /// `[x, x⁴, x⁵, x²⁰]`: every cell is fixed by `x` (the last one is the S-box gate's
    /// second slot, fed the output; nothing reads it). 1 full row, against 3 for
    /// the three rows of a fifth power on this gate alone. `kind_q` must be the Poseidon chip's column on the same advice
    /// columns (see [`crate::poseidon::PoseidonConfig`]).
    ///
    /// Labels: `sbox.x4`, `sbox.out`, `sbox.out4` (and `copy` for `x`). Each cell is computed
    /// from the cells before it in the row as assigned, so a forged cell yields an otherwise
    /// consistent row (what the soundness tests need).
    pub(crate) fn sbox_row(&mut self, kind_q: Column<Fixed>, x: &Var) -> Var {
        let q = Q {
            ab: Fr::ONE,
            c: -Fr::ONE,
            ..Q::ZERO
        };
        let cells = self.gate4(
            q,
            [
                In::Copy(x),
                In::Pow4("sbox.x4", 0),
                In::Prod("sbox.out", 0, 1),
                In::Pow4("sbox.out4", 2),
            ],
        );
        let out = slot(&cells, 2);
        let row = out.cell.row_offset;
        let (q, r) = crate::poseidon::SBOX_ONLY;
        self.region_mut()
            .assign_fixed(kind_q, row, crate::poseidon::fr_from_i64(q));
        debug_assert_eq!(r, 0, "kind_r stays 0 on an S-box-only row");
        out
    }
}
