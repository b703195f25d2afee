//! Cost hints: code lenses with the circuit rows of each transition and source line and the
//! block's `k`, the numbers `stele info` prints. They need a full compile and a circuit layout,
//! so they are computed only for a chain without errors, and cached until a document changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{CodeLens, Command, Position, Range};
use stele_circuit::costs::{CostReport, cost_report};

use crate::analysis::Analysis;

#[derive(Default)]
pub struct CostCache {
    /// Per document: the generation and document version it was computed for, and the lenses.
    lenses: HashMap<PathBuf, (u64, i32, Vec<CodeLens>)>,
}

fn lens(line: u32, title: String) -> CodeLens {
    let at = Position::new(line, 0);
    CodeLens {
        range: Range::new(at, at),
        command: Some(Command {
            title,
            command: String::new(),
            arguments: None,
        }),
        data: None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl CostCache {
    /// The cost lenses of the document at `path`; none while the chain has errors.
    pub fn lenses(
        &mut self,
        a: &Analysis,
        path: &Path,
        version: i32,
        generation: u64,
    ) -> Vec<CodeLens> {
        if let Some((g, v, lenses)) = self.lenses.get(path)
            && *g == generation
            && *v == version
        {
            return lenses.clone();
        }
        let lenses = compute(a, path).unwrap_or_default();
        self.lenses
            .insert(path.to_path_buf(), (generation, version, lenses.clone()));
        lenses
    }
}

/// The report for the chain `a`, if it compiles.
pub fn report(a: &Analysis) -> Option<(stele_ir::Program, CostReport)> {
    if a.out.has_errors() || a.out.checked.is_none() {
        return None;
    }
    let compiled = stele_driver::compile(&a.sources, None, &mut |_, _| {});
    let program = compiled.program?;
    let manifest = &a.sources.manifest;
    let report = cost_report(&program, manifest.id, manifest.block_size as usize).ok()?;
    Some((program, report))
}

fn compute(a: &Analysis, path: &Path) -> Option<Vec<CodeLens>> {
    let file = a.file_of(path)?;
    if a.is_std[file.0 as usize] {
        return None;
    }
    let (program, report) = report(a)?;
    let name = a.out.db.name(file);
    let here = program.files.iter().position(|f| f == name)? as u32;
    let mut out = Vec::new();
    // The block, on the first item's line.
    let first_line = a.ast(file).items.first().map(|i| {
        crate::convert::LineIndex::new(a.text(file))
            .position(i.span.start as usize)
            .line
    });
    if here == 0 || first_line.is_some() {
        out.push(lens(
            first_line.unwrap_or(0),
            format!(
                "block: {} rows, k = {} ({} slot{} of {} rows)",
                report.block_rows,
                report.k,
                report.block_size,
                plural(report.block_size),
                report.slot_rows
            ),
        ));
    }
    // Per line: the rows in each transition that runs it (a helper function's lines run in
    // every transition that calls it).
    let mut lines: std::collections::BTreeMap<u32, Vec<(&str, usize)>> = Default::default();
    for (function, t) in program.transitions.iter().zip(&report.transitions) {
        if function.loc.file == here {
            out.push(lens(
                function.loc.line.saturating_sub(1),
                format!(
                    "`{}`: {} rows a slot alone, k = {} for a block of {}",
                    t.name, t.rows_alone, t.k_alone, report.block_size
                ),
            ));
        }
        for l in t.lines.iter().filter(|l| l.file == here) {
            lines.entry(l.line).or_default().push((&t.name, l.rows));
        }
    }
    for (line, uses) in lines {
        let title = match uses.as_slice() {
            [(_, rows)] => format!("{rows} row{}", plural(*rows)),
            _ => uses
                .iter()
                .map(|(name, rows)| format!("{rows} row{} in `{name}`", plural(*rows)))
                .collect::<Vec<_>>()
                .join(", "),
        };
        out.push(lens(line.saturating_sub(1), title));
    }
    out.sort_by_key(|l| l.range.start.line);
    Some(out)
}
