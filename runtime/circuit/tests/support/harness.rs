//! The test harness of `tests/lower.rs` and `tests/random.rs`: one IR transition lowered alone,
//! with 4 advice columns, the gate chip and one instance column holding the flattened
//! parameters, then the old and then the new plain state. Its [`FunctionIo`]
//! ([`PlainStateIo`]) binds `sload`/`sstore` to those instances and refuses maps and hashes.

use std::cell::{Cell as StdCell, RefCell};
use std::rc::Rc;

use halo2_proofs::circuit::{Cell, Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};
use stele_circuit::gates::{Bit, Faults, GateChip, GateConfig, GateCtx, Var};
use stele_circuit::lower::{FunctionIo, LowerError, Witness, lower_function};
use stele_exec::{TxTrace, Val};
use stele_ir::{Program, Ty};

/// Plain state as public instances: `sload` returns (and caches) the old-state cell of the
/// scalar, `sstore` chains a `select` on the guard over the current new value; maps and hashes
/// are unsupported.
pub struct PlainStateIo {
    old_values: Vec<Value<Fr>>,
    old: Vec<Option<Var>>,
    new: Vec<Option<Var>>,
}

impl PlainStateIo {
    pub fn new(old_values: Vec<Value<Fr>>) -> Self {
        let n = old_values.len();
        PlainStateIo {
            old_values,
            old: vec![None; n],
            new: vec![None; n],
        }
    }

    fn old_cell(&mut self, ctx: &mut GateCtx<'_, '_>, i: usize) -> Result<Var, LowerError> {
        let value = *self
            .old_values
            .get(i)
            .ok_or_else(|| LowerError::Malformed(format!("state scalar {i} out of range")))?;
        Ok(self.old[i]
            .get_or_insert_with(|| ctx.witness(value))
            .clone())
    }

    /// The cells to expose: old state, then new state.
    pub fn finish(mut self, ctx: &mut GateCtx<'_, '_>) -> Result<Vec<Var>, LowerError> {
        let n = self.old_values.len();
        let mut out = Vec::with_capacity(2 * n);
        for i in 0..n {
            let v = self.old_cell(ctx, i)?;
            out.push(v);
        }
        for i in 0..n {
            let new = self.new[i].clone().unwrap_or_else(|| out[i].clone());
            out.push(new);
        }
        Ok(out)
    }
}

impl FunctionIo for PlainStateIo {
    fn sload(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: u32,
        _ty: Ty,
        _hint: Value<Fr>,
    ) -> Result<Var, LowerError> {
        self.old_cell(ctx, index as usize)
    }

    fn sstore(
        &mut self,
        ctx: &mut GateCtx<'_, '_>,
        index: u32,
        guard: Option<&Bit>,
        value: &Var,
    ) -> Result<(), LowerError> {
        let i = index as usize;
        let current = match self.new[i].clone() {
            Some(v) => v,
            None => self.old_cell(ctx, i)?,
        };
        self.new[i] = Some(match guard {
            None => value.clone(),
            Some(g) => ctx.select(g, value, &current),
        });
        Ok(())
    }

    fn map_read(
        &mut self,
        _: &mut GateCtx<'_, '_>,
        _: u32,
        _: &Var,
        _: Option<&Bit>,
        _: &[Ty],
        _: &[Value<Fr>],
    ) -> Result<Vec<Var>, LowerError> {
        Err(LowerError::Unsupported(
            "map.read (no Merkle paths in this harness)".into(),
        ))
    }

    fn map_write(
        &mut self,
        _: &mut GateCtx<'_, '_>,
        _: u32,
        _: &Var,
        _: Option<&Bit>,
        _: &[Var],
    ) -> Result<(), LowerError> {
        Err(LowerError::Unsupported(
            "map.write (no Merkle paths in this harness)".into(),
        ))
    }

    fn hash(
        &mut self,
        _: &mut GateCtx<'_, '_>,
        _: &[Var],
        _: Value<Fr>,
    ) -> Result<Var, LowerError> {
        Err(LowerError::Unsupported(
            "hash (no Poseidon in this harness)".into(),
        ))
    }

    fn merkle_root(
        &mut self,
        _: &mut GateCtx<'_, '_>,
        _: &Var,
        _: Option<&Bit>,
        _: &Var,
        _: &[Var],
    ) -> Result<Var, LowerError> {
        Err(LowerError::Unsupported(
            "merkle.root (no Poseidon in this harness)".into(),
        ))
    }
}

/// One transaction's witness for the harness.
#[derive(Clone)]
pub struct TxWitness {
    pub args: Vec<Val>,
    pub trace: Rc<TxTrace>,
    /// Compare every gadget output with the trace (off when playing an evil prover).
    pub strict: bool,
}

/// The test circuit: one transition of `program`, lowered from row 0 of one region.
#[derive(Clone)]
pub struct TransitionCircuit {
    pub program: Rc<Program>,
    pub function: usize,
    pub witness: Option<TxWitness>,
    pub old_state: Vec<Fr>,
    pub faults: Faults,
    /// Rows the lowering used, and its error, from the last synthesis.
    pub rows: Rc<StdCell<usize>>,
    pub error: Rc<RefCell<Option<LowerError>>>,
    /// The values of the cells exposed as public instances, from the last synthesis.
    pub exposed: Rc<RefCell<Vec<Fr>>>,
}

#[derive(Clone, Debug)]
pub struct HarnessConfig {
    gate: GateConfig,
    instance: Column<Instance>,
}

impl Circuit<Fr> for TransitionCircuit {
    type Config = HarnessConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        TransitionCircuit {
            witness: None,
            ..self.clone()
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> HarnessConfig {
        let advice = [(); 4].map(|_| meta.advice_column());
        let gate = GateChip::configure(meta, advice);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        HarnessConfig { gate, instance }
    }

    fn synthesize(
        &self,
        config: HarnessConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let chip = GateChip::new(config.gate).with_faults(self.faults.clone());
        chip.load_table(&mut layouter)?;
        let function = &self.program.transitions[self.function];
        let known = self.witness.is_some();
        let cells = layouter.assign_region(
            || "transition",
            |mut region| {
                let mut ctx = chip.ctx(&mut region, 0);
                let old = self
                    .old_state
                    .iter()
                    .map(|v| {
                        if known {
                            Value::known(*v)
                        } else {
                            Value::unknown()
                        }
                    })
                    .collect();
                let mut io = PlainStateIo::new(old);
                let witness = self.witness.as_ref().map(|w| Witness {
                    args: &w.args,
                    trace: &w.trace,
                    strict: w.strict,
                });
                let lowered = lower_function(&mut ctx, &self.program, function, witness, &mut io);
                let result = lowered.and_then(|l| {
                    let mut vars: Vec<Var> = l.params.clone();
                    vars.extend(io.finish(&mut ctx)?);
                    let mut exposed = Vec::with_capacity(vars.len());
                    for v in &vars {
                        v.value().map(|x| exposed.push(x));
                    }
                    *self.exposed.borrow_mut() = exposed;
                    Ok(vars.iter().map(|v| v.cell()).collect::<Vec<Cell>>())
                });
                self.rows.set(ctx.height());
                match result {
                    Ok(cells) => Ok(cells),
                    Err(e) => {
                        *self.error.borrow_mut() = Some(e);
                        Err(Error::Synthesis)
                    }
                }
            },
        )?;
        for (row, cell) in cells.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, row);
        }
        Ok(())
    }
}
