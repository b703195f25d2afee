//! [`GateCtx`]: the row allocator and cell writer every gadget goes through.
//!
//! halo2-axiom's `SimpleFloorPlanner` does not place regions: every region's offsets are
//! absolute rows. A context therefore owns a band of rows starting at `first_row` and hands out
//! rows itself. It tracks two things per row, because they are independent:
//!
//! - the *a, b, c* slots, used by a gate row that reads only columns a, b, c (`q_d = 0`): an
//!   "abc row";
//! - the *d* slot, used by a gate row that reads d ("full row"), by a range-check running sum
//!   (the lookup reads only d), or by a lone unconstrained witness.
//!
//! So an abc row can share its row with a running-sum cell of a range check: a gadget that
//! range-checks pays for its small arithmetic rows only when there are more of them than range
//! rows. Gadgets allocate range runs first and abc rows after, so the abc rows fall into the
//! runs.

use std::collections::HashMap;

use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::{Field, PrimeField};

use super::{GateChip, LIMB_BITS, MAX_RANGE_BITS};

/// An advice cell with its witness value (unknown during key generation).
#[derive(Clone, Debug)]
pub struct Var {
    pub(crate) cell: Cell,
    pub(crate) value: Value<Fr>,
}

impl Var {
    /// Wraps a cell assigned elsewhere (another chip's output, an instance copy) so gadgets can
    /// use it. Gadgets copy it into their rows with copy constraints, so its column needs
    /// equality enabled, and `value` must be the value assigned there.
    pub fn new(cell: Cell, value: Value<Fr>) -> Var {
        Var { cell, value }
    }

    pub fn cell(&self) -> Cell {
        self.cell
    }

    /// Whether `other` is the same cell. Compares the row offset and the column only, which is
    /// exact because every chip here assigns into one region (halo2-axiom's simple floor
    /// planner puts every region at row 0).
    pub fn same_cell(&self, other: &Var) -> bool {
        let (x, y) = (self.cell, other.cell);
        x.row_offset == y.row_offset && x.column == y.column
    }

    pub fn value(&self) -> Value<Fr> {
        self.value
    }
}

/// A [`Var`] that some constraint forces to be 0 or 1. Only gadgets create one (for example
/// [`GateCtx::assert_bool`], [`GateCtx::is_zero`], [`GateCtx::less_than`]), so a gadget that
/// takes a `&Bit` (a guard, a `select` condition) can rely on it without checking again.
#[derive(Clone, Debug)]
pub struct Bit(pub(crate) Var);

impl Bit {
    pub fn var(&self) -> &Var {
        &self.0
    }
}

impl std::ops::Deref for Bit {
    type Target = Var;
    fn deref(&self) -> &Var {
        &self.0
    }
}

/// Coefficients of one row of the gate
/// `q_a·a + q_b·b + q_c·c + q_d·d + q_ab·a·b + q_ac·a·c + q_k = 0`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Q {
    pub a: Fr,
    pub b: Fr,
    pub c: Fr,
    pub d: Fr,
    pub ab: Fr,
    pub ac: Fr,
    pub k: Fr,
}

impl Q {
    pub const ZERO: Q = Q {
        a: Fr::ZERO,
        b: Fr::ZERO,
        c: Fr::ZERO,
        d: Fr::ZERO,
        ab: Fr::ZERO,
        ac: Fr::ZERO,
        k: Fr::ZERO,
    };

    fn array(&self) -> [Fr; 7] {
        [self.a, self.b, self.c, self.d, self.ab, self.ac, self.k]
    }
}

/// What to put in one advice slot of a row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum In<'v> {
    /// Leave the cell unassigned (zero); its coefficient must be zero.
    Skip,
    /// A copy of an existing cell (a copy constraint ties them).
    Copy(&'v Var),
    /// A fresh witness with a fault-injection label.
    New(&'static str, Value<Fr>),
    /// A copy of an earlier slot of the same row.
    Same(usize),
    /// A fresh witness: the fourth power of the value assigned to an earlier slot of the same
    /// row (after any fault, so a forged cell propagates like an honest one).
    Pow4(&'static str, usize),
    /// A fresh witness: the product of the values assigned to two earlier slots of the row.
    Prod(&'static str, usize, usize),
}

/// The cells one row assigned, by column (a, b, c, d); `None` for skipped slots.
pub(crate) type RowCells = [Option<Var>; 4];

/// Takes the cell of slot `i`, which the gadget assigned (not skipped).
pub(crate) fn slot(cells: &RowCells, i: usize) -> Var {
    cells[i].clone().expect("slot assigned by the gadget")
}

/// A band of rows of one region, starting at an absolute row, in which gadgets assign cells.
/// Create one with [`GateChip::ctx`]; the gadgets are its methods.
#[derive(Debug)]
pub struct GateCtx<'a, 'r> {
    chip: &'a GateChip,
    region: &'a mut Region<'r, Fr>,
    first_row: usize,
    /// Per relative row: are the a, b, c slots taken?
    abc: Vec<bool>,
    /// Per relative row: is the d slot taken?
    d: Vec<bool>,
    /// Every row below this has its abc slots taken.
    abc_low: usize,
    /// Every row below this has its d slot taken.
    d_low: usize,
    /// Every row from this one on has its d slot free.
    d_front: usize,
    /// Occurrences of each fresh-cell label so far (for fault injection).
    seen: HashMap<&'static str, usize>,
    /// Constants already placed in this context.
    consts: HashMap<[u8; 32], Var>,
}

impl<'a, 'r> GateCtx<'a, 'r> {
    pub(crate) fn new(
        chip: &'a GateChip,
        region: &'a mut Region<'r, Fr>,
        first_row: usize,
    ) -> Self {
        GateCtx {
            chip,
            region,
            first_row,
            abc: Vec::new(),
            d: Vec::new(),
            abc_low: 0,
            d_low: 0,
            d_front: 0,
            seen: HashMap::new(),
            consts: HashMap::new(),
        }
    }

    /// The absolute row of the first row of this context.
    pub fn first_row(&self) -> usize {
        self.first_row
    }

    /// Rows used so far (from `first_row`, holes included).
    pub fn height(&self) -> usize {
        self.abc.len().max(self.d.len())
    }

    /// The absolute row after the last row used: where the next context or chip may start.
    pub fn next_row(&self) -> usize {
        self.first_row + self.height()
    }

    /// Reserves `n` whole rows (all four advice columns) after everything used so far, for
    /// another chip sharing the advice columns (the Poseidon chip), and returns the absolute
    /// row of the first one. The gate's coefficients and the lookup selectors stay zero there,
    /// so neither constrains those rows.
    pub fn reserve(&mut self, n: usize) -> usize {
        let start = self.height();
        for r in start..start + n {
            self.mark_abc(r);
            self.mark_d(r);
        }
        self.d_front = self.d_front.max(start + n);
        self.first_row + start
    }

    pub(crate) fn region_mut(&mut self) -> &mut Region<'r, Fr> {
        self.region
    }

    pub(crate) fn constant_cache(&self, c: &Fr) -> Option<Var> {
        self.consts.get(&c.to_repr()).cloned()
    }

    pub(crate) fn remember_constant(&mut self, c: Fr, v: Var) {
        self.consts.insert(c.to_repr(), v);
    }

    // ---- allocation (relative rows) ----

    fn grow(&mut self, row: usize) {
        if self.abc.len() <= row {
            self.abc.resize(row + 1, false);
        }
        if self.d.len() <= row {
            self.d.resize(row + 1, false);
        }
    }

    fn abc_free(&self, row: usize) -> bool {
        !self.abc.get(row).copied().unwrap_or(false)
    }

    fn d_free(&self, row: usize) -> bool {
        !self.d.get(row).copied().unwrap_or(false)
    }

    fn mark_abc(&mut self, row: usize) {
        self.grow(row);
        self.abc[row] = true;
        while !self.abc_free(self.abc_low) {
            self.abc_low += 1;
        }
    }

    fn mark_d(&mut self, row: usize) {
        self.grow(row);
        self.d[row] = true;
        while !self.d_free(self.d_low) {
            self.d_low += 1;
        }
    }

    /// The lowest row whose a, b, c slots are free.
    fn take_abc(&mut self) -> usize {
        let mut row = self.abc_low;
        while !self.abc_free(row) {
            row += 1;
        }
        self.mark_abc(row);
        row
    }

    /// `len` consecutive d slots after every d slot used so far; with `with_abc`, the first
    /// row's a, b, c slots too (a full row that starts the run).
    fn take_d_run(&mut self, len: usize, with_abc: bool) -> usize {
        let mut row = self.d_front;
        if with_abc {
            while !self.abc_free(row) {
                row += 1;
            }
            self.mark_abc(row);
        }
        for r in row..row + len {
            self.mark_d(r);
        }
        self.d_front = row + len;
        row
    }

    /// The lowest free d slot, for a lone witness that no gate reads on its row.
    fn take_d(&mut self) -> usize {
        let mut row = self.d_low;
        while !self.d_free(row) {
            row += 1;
        }
        self.mark_d(row);
        self.d_front = self.d_front.max(row + 1);
        row
    }

    // ---- cell writing ----

    fn fresh(&mut self, label: &'static str, value: Value<Fr>) -> Value<Fr> {
        let n = self.seen.entry(label).or_insert(0);
        let nth = *n;
        *n += 1;
        if self.chip.faults.is_empty() {
            value
        } else {
            self.chip.faults.apply(label, nth, value)
        }
    }

    fn assign(
        &mut self,
        col: usize,
        row: usize,
        input: In<'_>,
        row_cells: &RowCells,
    ) -> Option<Var> {
        let column = self.chip.config.advice[col];
        let abs = self.first_row + row;
        let (value, source) = match input {
            In::Skip => return None,
            In::Copy(v) => (self.fresh("copy", v.value), Some(v.cell)),
            In::Same(i) => {
                let v = row_cells[i].as_ref().expect("earlier slot of the same row");
                (self.fresh("copy", v.value), Some(v.cell))
            }
            In::New(label, v) => (self.fresh(label, v), None),
            In::Pow4(label, i) => {
                let v = row_cells[i].as_ref().expect("earlier slot of the same row");
                let value = v.value.map(|x| x.square().square());
                (self.fresh(label, value), None)
            }
            In::Prod(label, i, j) => {
                let earlier = |k: usize| {
                    row_cells[k]
                        .as_ref()
                        .expect("earlier slot of the same row")
                        .value
                };
                let value = earlier(i) * earlier(j);
                (self.fresh(label, value), None)
            }
        };
        let cell = self.region.assign_advice(column, abs, value).cell();
        if let Some(source) = source {
            self.region.constrain_equal(cell, source);
        }
        Some(Var { cell, value })
    }

    /// Writes the coefficients and cells of relative row `row`.
    fn write(&mut self, row: usize, q: &Q, ins: [In<'_>; 4]) -> RowCells {
        let abs = self.first_row + row;
        for (col, coeff) in self.chip.config.q.iter().zip(q.array()) {
            if coeff != Fr::ZERO {
                self.region.assign_fixed(*col, abs, coeff);
            }
        }
        let mut cells: RowCells = [None, None, None, None];
        for (i, input) in ins.into_iter().enumerate() {
            cells[i] = self.assign(i, row, input, &cells);
        }
        cells
    }

    /// One gate row on columns a, b, c (`q.d` must be zero): 1 abc row.
    pub(crate) fn gate3(&mut self, q: Q, a: In<'_>, b: In<'_>, c: In<'_>) -> RowCells {
        debug_assert!(q.d == Fr::ZERO, "abc rows leave column d to range checks");
        let row = self.take_abc();
        self.write(row, &q, [a, b, c, In::Skip])
    }

    /// One gate row on all four columns: 1 full row.
    pub(crate) fn gate4(&mut self, q: Q, ins: [In<'_>; 4]) -> RowCells {
        let row = self.take_d_run(1, true);
        self.write(row, &q, ins)
    }

    /// A full gate row whose d cell then starts a strict range check of `bits` bits (the running
    /// sum continues below it in column d): `range_rows(bits)` rows in all.
    pub(crate) fn gate4_range(&mut self, q: Q, ins: [In<'_>; 4], bits: u32) -> RowCells {
        check_bits(bits);
        if bits == 1 {
            let cells = self.gate4(q, ins);
            self.assert_bool(&slot(&cells, 3));
            return cells;
        }
        let row = self.take_d_run(range_rows(bits), true);
        let cells = self.write(row, &q, ins);
        self.running_sum(row, &slot(&cells, 3), bits);
        cells
    }

    /// A strict range check of `bits >= 2` bits on a d-only run whose first cell is `z0`.
    pub(crate) fn range_run(&mut self, z0: In<'_>, bits: u32) -> Var {
        check_bits(bits);
        assert!(bits >= 2, "1-bit checks are boolean gates");
        let row = self.take_d_run(range_rows(bits), false);
        let first = self
            .assign(3, row, z0, &[None, None, None, None])
            .expect("a range check has a first cell");
        self.running_sum(row, &first, bits);
        first
    }

    /// A lone witness in a free d slot; no gate or lookup reads it where it stands.
    pub(crate) fn loose(&mut self, label: &'static str, value: Value<Fr>) -> Var {
        let row = self.take_d();
        self.assign(3, row, In::New(label, value), &[None, None, None, None])
            .expect("fresh cell")
    }

    /// Fills a range run that starts at relative row `row` with `z0` in column d.
    ///
    /// `bits = 8m` (m ≥ 1): cells `z_0 .. z_{m-1}`, `z_i = z0 >> 8i`; the lookup checks
    /// `z_i - 256·z_{i+1}` (a limb) on every row but the last, and `z_{m-1}` itself on the last.
    /// `bits = 8m + s` (0 < s < 8): cells `z_0 .. z_m` the same way, then a copy of `z_m` whose
    /// lookup input is `2^(8-s)·z_m`, which is in the table only if `z_m < 2^s`.
    fn running_sum(&mut self, row: usize, z0: &Var, bits: u32) {
        let cfg = &self.chip.config;
        let (q_lookup, q_next) = (cfg.q_lookup, cfg.q_lookup_next);
        let full = (bits / LIMB_BITS) as usize;
        let short = bits % LIMB_BITS;
        let cells = if short == 0 { full } else { full + 1 };
        let shift = -Fr::from(1u64 << LIMB_BITS);
        let mut z = z0.clone();
        for i in 0..cells {
            let abs = self.first_row + row + i;
            if i > 0 {
                let value = z0.value.map(|x| shr_bytes(&x, i));
                z = self
                    .assign(
                        3,
                        row + i,
                        In::New("range.z", value),
                        &[None, None, None, None],
                    )
                    .expect("fresh cell");
            }
            self.region.assign_fixed(q_lookup, abs, Fr::ONE);
            if i + 1 < cells {
                self.region.assign_fixed(q_next, abs, shift);
            }
        }
        if short != 0 {
            let r = row + cells;
            self.assign(3, r, In::Copy(&z), &[None, None, None, None]);
            let scale = Fr::from(1u64 << (LIMB_BITS - short));
            self.region
                .assign_fixed(q_lookup, self.first_row + r, scale);
        }
    }
}

/// Rows of column d a strict `bits`-bit range check uses: `bits/8` when 8 divides `bits`,
/// else `bits/8 + 2` (the short top limb is looked up twice); 0 for a boolean.
pub fn range_rows(bits: u32) -> usize {
    check_bits(bits);
    let full = (bits / LIMB_BITS) as usize;
    match (bits, bits % LIMB_BITS) {
        (1, _) => 0,
        (_, 0) => full,
        _ => full + 2,
    }
}

pub(crate) fn check_bits(bits: u32) {
    assert!(
        (1..=MAX_RANGE_BITS).contains(&bits),
        "range checks take 1..={MAX_RANGE_BITS} bits, not {bits}"
    );
}

/// `x >> 8n` on the canonical integer of `x` (little-endian representation).
pub(crate) fn shr_bytes(x: &Fr, n: usize) -> Fr {
    let repr = x.to_repr();
    let mut out = [0u8; 32];
    out[..32 - n].copy_from_slice(&repr[n..]);
    Fr::from_repr(out).expect("a right shift of a canonical value is canonical")
}

/// `2^n` as a field element (`n < 254`).
pub(crate) fn pow2(n: u32) -> Fr {
    Fr::from(2u64).pow_vartime([u64::from(n)])
}

pub(crate) fn bool_fr(b: bool) -> Fr {
    if b { Fr::ONE } else { Fr::ZERO }
}
