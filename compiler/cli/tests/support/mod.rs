//! What the CLI's proving tests share: running `stele` in a folder, and a copy of
//! `examples/counter` with a block of applied transactions.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn show(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn assert_no_crash(&self) {
        assert!(
            !self.stderr.contains("internal compiler error") && !self.stderr.contains("panicked"),
            "{}",
            self.show()
        );
    }
}

pub fn stele_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_stele"))
        .args(args)
        .arg("--color=never")
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("the stele binary runs");
    let out = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    out.assert_no_crash();
    out
}

pub fn stele(dir: &Path, args: &[&str]) -> Out {
    stele_env(dir, &[], args)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// A temporary folder holding `counter/` (a copy of the example) and `applied.json` (the
/// example block's applied transactions: the 2nd and 3rd are rejected in `block.json`).
pub fn counter() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/counter");
    copy_dir(&example, &tmp.path().join("counter"));
    std::fs::write(
        tmp.path().join("applied.json"),
        r#"{
  "transactions": [
    { "transition": "increment", "args": { "by": 5 } },
    { "transition": "reset", "args": {} },
    { "transition": "increment", "args": { "by": 42 } }
  ]
}
"#,
    )
    .unwrap();
    tmp
}
