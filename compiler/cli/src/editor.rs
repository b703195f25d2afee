//! `stele fmt` and `stele lsp`: the commands for editors.

use std::path::{Path, PathBuf};

use stele_diagnostics::SourceDb;

use crate::commands::{Failed, Outcome};

/// The `.stele` files `stele fmt` works on: `path` itself, or every one under the folder
/// (skipping `target/` and hidden folders), sorted.
fn stele_files(path: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if p.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    walk(&p, out);
                }
            } else if p.extension().is_some_and(|e| e == "stele") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    if path.is_dir() {
        walk(path, &mut out);
    } else {
        out.push(path.to_path_buf());
    }
    out.sort();
    out
}

/// Formats the `.stele` files at `path` in place; with `check`, lists the files that are not
/// formatted instead and fails if there is one. A file that does not parse is reported and
/// left as it is.
pub fn fmt(path: &Path, check: bool, color: bool) -> Outcome {
    if !path.exists() {
        eprintln!("error: `{}` does not exist", path.display());
        return Err(Failed);
    }
    let mut failed = false;
    let mut changed = 0;
    for file in stele_files(path) {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                failed = true;
                continue;
            }
        };
        match stele_fmt::format(&text) {
            Err(diagnostics) => {
                let mut db = SourceDb::new();
                db.add(&name, &text);
                eprint!("{}", stele_diagnostics::render(&db, &diagnostics, color));
                eprintln!("error: `{name}` does not parse; it was not formatted");
                failed = true;
            }
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                changed += 1;
                if check {
                    println!("not formatted: {name}");
                } else if let Err(e) = std::fs::write(&file, formatted) {
                    eprintln!("error: cannot write `{name}`: {e}");
                    failed = true;
                } else {
                    println!("formatted {name}");
                }
            }
        }
    }
    if failed || (check && changed > 0) {
        Err(Failed)
    } else {
        Ok(())
    }
}

/// Runs the language server on standard input and output until the client exits.
pub fn lsp() -> Outcome {
    stele_lsp::run_stdio().map_err(|e| {
        eprintln!("error: language server: {e}");
        Failed
    })
}
