//! Blocks and states as files: reading them with errors that name the file and the JSON path,
//! applying a block with a printed report, and checking a chain against its expected outputs.

use std::fmt::Write as _;
use std::path::Path;

use stele_exec::{Outcome, State, Tx};
use stele_ir::Program;

use crate::commands::{Failed, compile_chain, error};

fn read_json(path: &Path) -> Result<serde_json::Value, Failed> {
    let text =
        std::fs::read(path).map_err(|e| error(format!("cannot read `{}`: {e}", path.display())))?;
    serde_json::from_slice(&text).map_err(|e| {
        error(format!(
            "`{}`:{}:{}: invalid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

pub fn read_state(program: &Program, path: &Path) -> Result<State, Failed> {
    let json = read_json(path)?;
    State::from_json(program, &json).map_err(|e| error(format!("`{}`: {e}", path.display())))
}

pub fn read_block(program: &Program, path: &Path) -> Result<Vec<Tx>, Failed> {
    let json = read_json(path)?;
    stele_exec::decode_block(program, &json)
        .map_err(|e| error(format!("`{}`: {e}", path.display())))
}

pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), Failed> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| error(format!("cannot encode state: {e}")))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| error(format!("cannot write `{}`: {e}", path.display())))
}

/// Applies `txs` and renders what happened: one line per transaction, then the roots.
pub fn apply(program: &Program, mut state: State, txs: &[Tx]) -> (String, State) {
    let before = state.root();
    let result = stele_exec::apply_block(program, &mut state, txs);
    let mut out = String::new();
    let width = program
        .transitions
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(0);
    let mut applied = 0;
    for (i, (tx, outcome)) in txs.iter().zip(&result.outcomes).enumerate() {
        let name = &program.transitions[tx.transition].name;
        match outcome {
            Outcome::Applied => {
                applied += 1;
                let _ = writeln!(out, "tx {i:<3} {name:<width$}  applied");
            }
            Outcome::Rejected(r) => {
                let _ = writeln!(out, "tx {i:<3} {name:<width$}  rejected: {r}");
            }
        }
    }
    let _ = writeln!(out, "applied {applied} of {} transactions", txs.len());
    let _ = writeln!(out, "previous root {}", root_hex(&before));
    let _ = writeln!(out, "new root      {}", root_hex(&result.root));
    (out, state)
}

/// A root as `0x` and 64 hex digits, so roots line up.
fn root_hex(root: &stele_exec::Fr) -> String {
    let hex = stele_crypto::fr_to_hex(root);
    format!("0x{:0>64}", hex.trim_start_matches("0x"))
}

/// Runs one chain's tests and example block; returns the number of failures.
pub fn test_chain(chain: &Path, bless: bool, color: bool) -> usize {
    eprintln!("     Testing `{}`", chain.display());
    let Ok((_, program)) = compile_chain(chain, None, color) else {
        return 1;
    };
    let mut failures = 0;
    for (i, test) in program.tests.iter().enumerate() {
        match stele_exec::run_test(&program, i) {
            Ok(()) => eprintln!("test {} ... ok", test.name),
            Err(r) => {
                eprintln!("test {} ... FAILED: {r}", test.name);
                failures += 1;
            }
        }
    }
    let inputs = chain.join("inputs");
    let block_path = inputs.join("block.json");
    if !block_path.is_file() {
        return failures;
    }
    let run = || -> Result<(String, serde_json::Value), Failed> {
        let state_path = inputs.join("state.json");
        let state = if state_path.is_file() {
            read_state(&program, &state_path)?
        } else {
            State::new(&program)
        };
        let txs = read_block(&program, &block_path)?;
        let (report, state) = apply(&program, state, &txs);
        Ok((report, state.to_json(&program)))
    };
    let Ok((report, state)) = run() else {
        return failures + 1;
    };
    let mut state_text = serde_json::to_string_pretty(&state).unwrap_or_default();
    state_text.push('\n');
    let expected = chain.join("expected");
    if !bless && !expected.is_dir() {
        eprintln!(
            "example block: applied; no `expected/` outputs to compare (record them with `stele test --bless`)"
        );
        return failures;
    }
    for (file, actual) in [("run.txt", &report), ("state.json", &state_text)] {
        let path = expected.join(file);
        if bless {
            let written =
                std::fs::create_dir_all(&expected).and_then(|_| std::fs::write(&path, actual));
            if let Err(e) = written {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                failures += 1;
            }
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == *actual => eprintln!("example block: {file} ... ok"),
            Ok(want) => {
                eprintln!("example block: {file} ... FAILED\n{}", diff(&want, actual));
                failures += 1;
            }
            Err(e) => {
                eprintln!(
                    "example block: cannot read `{}`: {e} (run `stele test --bless` to create it)",
                    path.display()
                );
                failures += 1;
            }
        }
    }
    failures
}

/// A minimal line diff: the lines that differ, marked `-` (expected) and `+` (actual).
fn diff(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let mut out = String::new();
    for i in 0..w.len().max(g.len()) {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => {}
            (a, b) => {
                if let Some(a) = a {
                    let _ = writeln!(out, "  - {a}");
                }
                if let Some(b) = b {
                    let _ = writeln!(out, "  + {b}");
                }
            }
        }
    }
    out
}
