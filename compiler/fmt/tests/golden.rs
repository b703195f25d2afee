//! Golden tests: every file in `tests/input/` formatted (a snapshot), formatting is idempotent,
//! and the examples and standard library are already formatted.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stele_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                if !p.ends_with("target") {
                    todo.push(p);
                }
            } else if p.extension().is_some_and(|e| e == "stele") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn inputs() -> Vec<PathBuf> {
    stele_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/input"))
}

#[test]
fn golden_outputs() {
    for file in inputs() {
        let text = std::fs::read_to_string(&file).unwrap();
        let out = stele_fmt::format(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e:?}", file.display()));
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(name, out);
    }
}

/// Every file the project ships and every fixture, formatted twice, gives the same text.
#[test]
fn formatting_is_idempotent() {
    let mut files = inputs();
    files.extend(stele_files(&root().join("examples")));
    files.extend(stele_files(&root().join("std-lib")));
    assert!(files.len() > 6);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let once = stele_fmt::format(&text).unwrap();
        let twice = stele_fmt::format(&once).unwrap();
        assert_eq!(once, twice, "{} is not stable", file.display());
        // Nothing but whitespace and commas may change.
        let strip = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace() && *c != ',')
                .collect::<String>()
        };
        assert_eq!(strip(&text), strip(&once), "{} lost text", file.display());
    }
}

#[test]
fn shipped_sources_are_formatted() {
    let mut files = stele_files(&root().join("examples"));
    files.extend(stele_files(&root().join("std-lib")));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            stele_fmt::is_formatted(&text),
            "{} is not formatted: run `stele fmt` on it",
            file.display()
        );
    }
}

#[test]
fn a_file_that_does_not_parse_is_refused() {
    let errors = stele_fmt::format("const A: u64 = ;\nfn f( {").unwrap_err();
    let text: Vec<String> = errors
        .iter()
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(stele_fmt::format("").unwrap(), "");
    assert_eq!(stele_fmt::format("\n\n  \n").unwrap(), "");
    assert_eq!(
        stele_fmt::format("  // only a comment  \n\n\n/* and a block */").unwrap(),
        "// only a comment\n\n/* and a block */\n"
    );
}

/// Variants of every shipped file (each line removed, each line's indentation and spacing
/// mangled): whenever one parses, formatting it is stable and changes only layout.
#[test]
fn mangled_variants_format_stably() {
    let mut files = stele_files(&root().join("examples"));
    files.extend(stele_files(&root().join("std-lib")));
    files.extend(inputs());
    let strip = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect::<String>()
    };
    let mut formatted = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let mut without = lines.clone();
            without.remove(i);
            let mut mangled = lines.clone();
            let squeezed = lines[i].trim().replace(' ', "");
            let spread = format!("\t  {}  ", lines[i].replace(' ', "   "));
            for variant in [
                without.join("\n"),
                {
                    mangled[i] = &squeezed;
                    mangled.join("\n")
                },
                {
                    mangled[i] = &spread;
                    mangled.join("\n")
                },
            ] {
                let Ok(once) = stele_fmt::format(&variant) else {
                    continue;
                };
                formatted += 1;
                let twice = stele_fmt::format(&once).unwrap();
                assert_eq!(once, twice, "{} line {i}: unstable", file.display());
                assert_eq!(strip(&variant), strip(&once), "{} line {i}", file.display());
            }
        }
    }
    assert!(formatted > 500, "{formatted}");
}
