//! What a chain's circuit costs: rows per transition, per source line and for the block. One
//! computation for `stele info` and the language server's cost hints.

use std::collections::BTreeMap;

use stele_ir::Program;

use crate::block::BlockCircuit;
use crate::lower::LowerError;

/// The rows one source line adds to a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineCost {
    /// Index into `Program::files`.
    pub file: u32,
    /// 1-based.
    pub line: u32,
    pub rows: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionCost {
    pub name: String,
    pub ir_instructions: usize,
    pub map_accesses: usize,
    /// The rows one more slot adds to a block of a chain with only this transition.
    pub rows_alone: usize,
    /// The `k` a block of `block_size` slots would need if the chain had only this transition.
    pub k_alone: u32,
    /// Rows by source line in one slot of the real chain, lines with no rows left out (a map
    /// path shared by transitions counts for each).
    pub lines: Vec<LineCost>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostReport {
    pub block_size: usize,
    pub transitions: Vec<TransitionCost>,
    /// One slot of the chain: every transition, map paths shared.
    pub slot_rows: usize,
    /// The slot's own rows: selector bits and transaction commitment.
    pub slot_overhead: usize,
    /// The whole block circuit.
    pub block_rows: usize,
    pub k: u32,
}

/// Measures the block circuit of `program` (without proving anything).
pub fn cost_report(
    program: &Program,
    chain_id: u64,
    block_size: usize,
) -> Result<CostReport, LowerError> {
    let costs = BlockCircuit::without_witness(program, chain_id, 1).slot_costs()?;
    let plan = crate::ports::plan(program);
    let mut transitions = Vec::new();
    for (t, function) in program.transitions.iter().enumerate() {
        let alone = Program {
            transitions: vec![function.clone()],
            ..program.clone()
        };
        let one = BlockCircuit::without_witness(&alone, chain_id, 1).rows();
        let two = BlockCircuit::without_witness(&alone, chain_id, 2).rows();
        let k_alone = BlockCircuit::without_witness(&alone, chain_id, block_size).k();
        let mut lines: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        *lines
            .entry((function.loc.file, function.loc.line))
            .or_default() += costs.params.get(t).copied().unwrap_or(0);
        let insts = costs.insts.get(t).map_or(&[][..], Vec::as_slice);
        for (inst, rows) in function.body.iter().zip(insts) {
            let loc = inst.loc.unwrap_or(function.loc);
            *lines.entry((loc.file, loc.line)).or_default() += rows;
        }
        transitions.push(TransitionCost {
            name: function.name.clone(),
            ir_instructions: function.body.len(),
            map_accesses: plan.roles.get(t).map_or(0, Vec::len),
            rows_alone: two.saturating_sub(one),
            k_alone,
            lines: lines
                .into_iter()
                .filter(|(_, rows)| *rows > 0)
                .map(|((file, line), rows)| LineCost { file, line, rows })
                .collect(),
        });
    }
    let slot_rows = BlockCircuit::without_witness(program, chain_id, 2)
        .rows()
        .saturating_sub(BlockCircuit::without_witness(program, chain_id, 1).rows());
    let block = BlockCircuit::without_witness(program, chain_id, block_size);
    Ok(CostReport {
        block_size,
        transitions,
        slot_rows,
        slot_overhead: costs.overhead,
        block_rows: block.rows(),
        k: block.k(),
    })
}
