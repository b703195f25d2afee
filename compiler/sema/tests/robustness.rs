//! The checker and lowering never panic: on every parser fixture, on every fixture of this
//! crate, and on mutilated versions of the examples (truncated, lines dropped, tokens swapped).

mod common;

use common::*;

fn check_and_maybe_lower(files: &[(String, String)]) {
    let mut db = stele_diagnostics::SourceDb::new();
    let mut modules = Vec::new();
    for (name, text) in files {
        let file = db.add(name.clone(), text.clone());
        let (ast, _) = stele_syntax::parse_file(file, text);
        modules.push(stele_sema::ModuleSource {
            path: module_path(name),
            file,
            ast,
        });
    }
    let (checked, diags) = stele_sema::check(&db, modules);
    let _ = stele_diagnostics::render(&db, &diags, false);
    if !diags.iter().any(|d| d.is_error())
        && let Ok(p) = stele_sema::lower(&checked, &db, "fuzz")
    {
        assert!(
            stele_ir::verify(&p).is_ok(),
            "lowered IR does not verify:\n{}",
            stele_ir::print(&p)
        );
    }
}

fn std_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(workspace().join("std-lib")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "stele") {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((
                format!("std/{stem}.stele"),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

fn stele_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            stele_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "stele") {
            out.push(p);
        }
    }
}

#[test]
fn every_fixture_file_alone() {
    let mut paths = Vec::new();
    for d in [
        "compiler/syntax/tests",
        "compiler/sema/tests",
        "examples",
        "std-lib",
    ] {
        stele_files(&workspace().join(d), &mut paths);
    }
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let mut files = split_fixture(&text);
        files.extend(std_files());
        check_and_maybe_lower(&files);
    }
}

/// A tiny deterministic generator (no external crates needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn mutilated_examples() {
    let mut paths = Vec::new();
    stele_files(&workspace().join("examples"), &mut paths);
    paths.sort();
    let mut rng = Lcg(7);
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        const VOCAB: &[&str] = &[
            "state",
            "state.",
            "[",
            "]",
            "(",
            ")",
            "{",
            "}",
            "match",
            "=>",
            "_",
            "as",
            "u8",
            "bool",
            "Field",
            "0",
            "300",
            ";",
            "=",
            "+=",
            "::",
            "<",
            ">",
            "fn",
            "let",
            "mut",
            "for",
            "in",
            "..",
            "if",
            "else",
            "assert",
            "\"m\"",
            ",",
            ".0",
            "true",
            "N",
            "const",
            "Map<u8, u8, 3>",
            "[0; 3]",
            "std::hash::poseidon",
        ];
        for round in 0..200 {
            let mutated = match round % 5 {
                4 => {
                    let mut t = tokens.clone();
                    for _ in 0..3 {
                        let i = rng.next() as usize % t.len();
                        t.insert(i, VOCAB[rng.next() as usize % VOCAB.len()]);
                    }
                    t.join(" ")
                }
                0 => text[..text.len() * round / 200].to_string(),
                1 => {
                    let drop = rng.next() as usize % lines.len().max(1);
                    lines
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != drop)
                        .map(|(_, l)| *l)
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                2 => {
                    let mut t = tokens.clone();
                    let (a, b) = (rng.next() as usize % t.len(), rng.next() as usize % t.len());
                    t.swap(a, b);
                    t.join(" ")
                }
                _ => {
                    let mut t = tokens.clone();
                    let i = rng.next() as usize % t.len();
                    let j = rng.next() as usize % t.len();
                    t[i] = tokens[j];
                    t.join(" ")
                }
            };
            let mut files = vec![("src/main.stele".to_string(), mutated)];
            files.extend(std_files());
            check_and_maybe_lower(&files);
        }
    }
}
