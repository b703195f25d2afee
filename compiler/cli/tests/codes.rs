//! Every diagnostic code is documented in `docs/errors.md` and shows up, rendered, in at least
//! one golden test somewhere in the workspace.

use std::path::{Path, PathBuf};

use stele_diagnostics::Code;

fn snapshots(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if p.is_dir() && name != "target" && !name.starts_with('.') && !name.starts_with("target-")
        {
            snapshots(&p, out);
        } else if name.ends_with(".snap") {
            out.push(p);
        }
    }
}

#[test]
fn every_code_is_documented_and_appears_in_a_golden_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    snapshots(&root.join("compiler"), &mut files);
    let goldens: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap_or_default())
        .collect();
    let docs = std::fs::read_to_string(root.join("docs/errors.md")).expect("docs/errors.md");
    let mut missing = Vec::new();
    for code in Code::ALL {
        let rendered = format!("[{}]", code.as_str());
        if !goldens.contains(&rendered) {
            missing.push(format!("{} has no golden test", code.as_str()));
        }
        if !docs.contains(code.as_str()) {
            missing.push(format!("{} is not in docs/errors.md", code.as_str()));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
