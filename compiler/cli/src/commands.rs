//! One function per subcommand. Each prints its own output and errors and returns `Err(Failed)`
//! when the exit code must be non-zero.

use std::path::{Path, PathBuf};

use stele_driver::{CompileOutput, Sources};
use stele_ir::Program;

use crate::block;

/// The command failed; what went wrong has been printed.
#[derive(Debug)]
pub struct Failed;

pub type Outcome = Result<(), Failed>;

/// Prints `error: {message}` on standard error: how every command reports a failure.
pub(crate) fn error(message: impl std::fmt::Display) -> Failed {
    eprintln!("error: {message}");
    Failed
}

/// Compiles the chain at `path`, printing diagnostics; the program when there were no errors.
pub fn compile_chain(
    path: &Path,
    print_after: Option<&str>,
    color: bool,
) -> Result<(Sources, Program), Failed> {
    let sources = stele_driver::load(path);
    let mut sink = |pass: &str, program: &Program| {
        eprintln!("// IR after {pass}\n{}", stele_ir::print(program));
    };
    let CompileOutput {
        db,
        diagnostics,
        program,
    } = stele_driver::compile(&sources, print_after, &mut sink);
    eprint!("{}", stele_diagnostics::render(&db, &diagnostics, color));
    match program {
        Some(p) => Ok((sources, p)),
        None => {
            let n = diagnostics.iter().filter(|d| d.is_error()).count();
            Err(error(format!(
                "could not compile `{}` due to {n} previous error{}",
                path.display(),
                plural(n)
            )))
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn new(name: &str) -> Outcome {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(error(format!(
            "invalid chain name `{name}`: use letters, digits, `_` and `-`"
        )));
    }
    let root = Path::new(name);
    if root.exists() {
        return Err(error(format!("destination `{name}` already exists")));
    }
    let files: [(&str, String); 5] = [
        ("Stele.toml", format!("[chain]\nname = \"{name}\"\nid = 1\nblock_size = 16\n")),
        ("src/main.stele", TEMPLATE.to_string()),
        ("inputs/state.json", "{}\n".to_string()),
        (
            "inputs/block.json",
            "{\n  \"transactions\": [\n    { \"transition\": \"increment\", \"args\": { \"by\": 5 } }\n  ]\n}\n".to_string(),
        ),
        (".gitignore", "/target\n".to_string()),
    ];
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| error(format!("cannot create `{}`: {e}", dir.display())))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| error(format!("cannot write `{}`: {e}", path.display())))?;
    }
    eprintln!("     Created chain `{name}`");
    eprintln!(
        "try: stele run {name} --state {name}/inputs/state.json --block {name}/inputs/block.json"
    );
    Ok(())
}

const TEMPLATE: &str = r#"//! A new Stele chain.

state {
    /// A counter anyone can increase.
    count: u64,
}

/// Adds `by` to the counter.
transition increment(by: u64) {
    assert(by > 0, "nothing to add");
    state.count += by;
}

test increment_from_zero {
    state.count += 1;
    assert(state.count == 1, "count should be 1");
}
"#;

pub fn check(path: &Path, color: bool) -> Outcome {
    let sources = stele_driver::load(path);
    let out = stele_driver::check(&sources);
    eprint!(
        "{}",
        stele_diagnostics::render(&out.db, &out.diagnostics, color)
    );
    let errors = out.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = out.diagnostics.len() - errors;
    if errors > 0 {
        return Err(error(format!(
            "could not check `{}` due to {errors} previous error{}",
            path.display(),
            plural(errors)
        )));
    }
    eprintln!(
        "     Checked `{}`: no errors, {warnings} warning{}",
        sources.manifest.name,
        plural(warnings)
    );
    Ok(())
}

pub fn build(
    path: &Path,
    emit_ir: bool,
    print_after: Option<&str>,
    out: Option<PathBuf>,
    color: bool,
) -> Outcome {
    let unknown = print_after.filter(|&n| n != "lower" && stele_ir::passes::pass(n).is_none());
    if let Some(name) = unknown {
        let passes: Vec<&str> = std::iter::once("lower")
            .chain(stele_ir::PIPELINE.iter().map(|(n, _)| *n))
            .collect();
        let list = passes.join(", ");
        return Err(error(format!(
            "unknown pass `{name}`; the passes are: {list}"
        )));
    }
    let (sources, program) = compile_chain(path, print_after, color)?;
    if emit_ir {
        print!("{}", stele_ir::print(&program));
        return Ok(());
    }
    let dir = if path.is_file() {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        path.to_path_buf()
    };
    let out = out.unwrap_or_else(|| {
        dir.join("target")
            .join(format!("{}.steleir", sources.manifest.name))
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| error(format!("cannot create `{}`: {e}", parent.display())))?;
    }
    std::fs::write(&out, stele_ir::to_artifact(&program))
        .map_err(|e| error(format!("cannot write `{}`: {e}", out.display())))?;
    let insts: usize = program.transitions.iter().map(|t| t.body.len()).sum();
    eprintln!(
        "    Finished `{}`: {} transition{}, {insts} IR instructions -> {}",
        sources.manifest.name,
        program.transitions.len(),
        plural(program.transitions.len()),
        out.display()
    );
    Ok(())
}

pub fn run(
    path: &Path,
    state: Option<PathBuf>,
    block_path: &Path,
    out: Option<PathBuf>,
    color: bool,
) -> Outcome {
    let (_, program) = compile_chain(path, None, color)?;
    let state = match &state {
        Some(p) => block::read_state(&program, p)?,
        None => stele_exec::State::new(&program),
    };
    let txs = block::read_block(&program, block_path)?;
    let (report, new_state) = block::apply(&program, state, &txs);
    print!("{report}");
    if let Some(out) = out {
        block::write_json(&out, &new_state.to_json(&program))?;
    }
    Ok(())
}

pub fn test(path: &Path, bless: bool, color: bool) -> Outcome {
    let chains: Vec<PathBuf> = if path.join("Stele.toml").is_file() || path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| error(format!("cannot read `{}`: {e}", path.display())))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("Stele.toml").is_file())
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(error(format!(
                "no chain in `{}` (a chain folder has a `Stele.toml`)",
                path.display()
            )));
        }
        found
    };
    let mut failures = 0;
    for chain in &chains {
        failures += block::test_chain(chain, bless, color);
    }
    if failures > 0 {
        return Err(error(format!("{failures} test{} failed", plural(failures))));
    }
    eprintln!(
        "all tests passed ({} chain{})",
        chains.len(),
        plural(chains.len())
    );
    Ok(())
}
