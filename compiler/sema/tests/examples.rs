//! Every example chain in `examples/` checks without errors, lowers, and verifies.

mod common;

use common::*;

#[test]
fn examples_check_and_lower() {
    let dir = workspace().join("examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for chain in names {
        let src = chain.join("src");
        let mut files = Vec::new();
        collect(&src, &src, &mut files);
        let mut text = String::new();
        for (name, body) in files {
            text.push_str(&format!("//- file: src/{name}\n{body}"));
        }
        let program = lower_fixture(&text);
        assert!(!program.transitions.is_empty(), "{}", chain.display());
    }
}

fn collect(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "stele") {
            let name = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
}
