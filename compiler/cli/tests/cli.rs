//! The `stele` binary end to end: every case folder under `tests/cases/` holds a `cmd` file
//! (the arguments, one line, paths relative to the case folder) and its inputs; the snapshot is
//! the exit code, standard output and standard error. Bless with `INSTA_UPDATE=always`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn stele(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stele"))
        .args(args)
        .arg("--color=never")
        .current_dir(dir)
        .output()
        .expect("the stele binary runs");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn cases() {
    let cases = manifest_dir().join("tests/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let cmd = std::fs::read_to_string(dir.join("cmd")).unwrap();
        let args: Vec<&str> = cmd.split_whitespace().collect();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let output = stele(&dir, &args);
        insta::with_settings!({ snapshot_suffix => name.clone(), description => cmd.trim(), omit_expression => true }, {
            insta::assert_snapshot!("case", output);
        });
        assert!(
            !output.contains("internal compiler error"),
            "{name} crashed:\n{output}"
        );
    }
}

#[test]
fn every_example_passes_stele_test() {
    let examples = manifest_dir().join("../../examples");
    let out = stele(&examples, &["test", "."]);
    assert!(out.starts_with("exit: 0"), "{out}");
    for name in ["counter", "token", "vm", "amm", "airdrop"] {
        assert!(
            out.contains(&format!("Testing `./{name}`")),
            "{name} not tested:\n{out}"
        );
    }
}

/// `stele sign --block` with the circomlibjs keys of `examples/token` reproduces the
/// signatures of its block, which circomlibjs made.
#[test]
fn signing_a_block_reproduces_the_token_example() {
    let case = manifest_dir().join("tests/cases/sign_block");
    let dir = tempfile::tempdir().unwrap();
    for file in ["alice.json", "bob.json", "unsigned.json"] {
        std::fs::copy(case.join(file), dir.path().join(file)).unwrap();
    }
    let out = stele(
        dir.path(),
        &["sign", "--block", "unsigned.json", "--out", "signed.json"],
    );
    assert!(out.starts_with("exit: 0"), "{out}");
    let read = |path: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let signed = read(&dir.path().join("signed.json"));
    let token = read(&manifest_dir().join("../../examples/token/inputs/block.json"));
    for i in 0..2 {
        let sig = &signed["transactions"][i]["args"]["sig"];
        assert!(sig.get("r8").is_some(), "{sig}");
        assert_eq!(
            sig, &token["transactions"][i]["args"]["sig"],
            "transaction {i}"
        );
    }
    assert_eq!(
        signed["transactions"][2],
        read(&case.join("unsigned.json"))["transactions"][2],
        "a transaction without requests is kept"
    );
}

/// Garbage of every kind gives diagnostics and exit code 1, never a crash.
#[test]
fn garbage_sources_are_reported_not_crashed_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::from("state { x: u64 }\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str("transition t(a: u64) { state.x = a + 1; } // padding padding padding\n");
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.stele", Vec::new()),
        ("not_utf8.stele", vec![b's', b't', 0xff, 0xfe, b'\n']),
        (
            "noise.stele",
            b"}{)(][ ;;; fn fn state state => -> :: @ # $ \x01".to_vec(),
        ),
        (
            "nested.stele",
            "transition t() { let x = "
                .bytes()
                .chain(std::iter::repeat_n(b'(', 20_000))
                .collect(),
        ),
        ("huge.stele", big.into_bytes()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = stele(dir.path(), &["check", name]);
        assert!(
            !out.contains("internal compiler error") && !out.contains("panicked"),
            "{name}:\n{out}"
        );
        if name != "huge.stele" {
            assert!(out.starts_with("exit: 1"), "{name} should fail:\n{out}");
        }
    }
}

#[test]
fn new_chain_checks_runs_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let out = stele(dir.path(), &["new", "demo"]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let out = stele(dir.path(), &["new", "demo"]);
    assert!(out.contains("already exists"), "{out}");
    let out = stele(&dir.path().join("demo"), &["check"]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let out = stele(
        dir.path(),
        &[
            "run",
            "demo",
            "--state",
            "demo/inputs/state.json",
            "--block",
            "demo/inputs/block.json",
            "--out",
            "new.json",
        ],
    );
    assert!(out.contains("applied 1 of 1 transactions"), "{out}");
    let state = std::fs::read_to_string(dir.path().join("new.json")).unwrap();
    assert!(state.contains("\"count\": \"5\""), "{state}");
    let out = stele(&dir.path().join("demo"), &["test"]);
    assert!(out.contains("test increment_from_zero ... ok"), "{out}");
}

/// A reader that closes the pipe early (`stele build --emit ir | head -1`) ends the command
/// quietly with status 141, not with an internal error.
#[test]
fn closed_stdout_is_not_a_crash() {
    use std::io::Read;
    let vm = manifest_dir().join("../../examples/vm");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stele"))
        .args(["build", "--emit", "ir", "--color=never"])
        .arg(&vm)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the stele binary runs");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // The pipe is closed here; the IR of `vm` is far larger than a pipe buffer.
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("internal compiler error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The JSON a command printed on standard output.
fn stdout_json(out: &str) -> serde_json::Value {
    let stdout = out
        .split("--- stdout\n")
        .nth(1)
        .and_then(|rest| rest.split("--- stderr").next())
        .expect("a stdout section");
    serde_json::from_str(stdout).expect("JSON on stdout")
}

/// `stele key new` writes a key file whose public key it prints; `stele sign` with it makes a
/// signature that `stele_crypto::eddsa::verify` accepts.
#[test]
fn new_key_signs_verifiable_messages() {
    let dir = tempfile::tempdir().unwrap();
    let out = stele(dir.path(), &["key", "new", "--out", "key.json"]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let public = stdout_json(&out);
    let field = |v: &serde_json::Value| stele_crypto::fr_from_str(v.as_str().unwrap()).unwrap();
    let pubkey = stele_crypto::babyjub::Point {
        x: field(&public["x"]),
        y: field(&public["y"]),
    };
    let out = stele(dir.path(), &["sign", "--key", "key.json", "--msg", "12345"]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let sig = stdout_json(&out);
    let sig = stele_crypto::eddsa::Signature {
        r8: stele_crypto::babyjub::Point {
            x: field(&sig["r8"]["x"]),
            y: field(&sig["r8"]["y"]),
        },
        s: field(&sig["s"]),
    };
    let msg = stele_crypto::Fr::from(12345u64);
    assert!(stele_crypto::eddsa::verify(&pubkey, msg, &sig));
    assert!(!stele_crypto::eddsa::verify(
        &pubkey,
        msg + stele_crypto::Fr::one(),
        &sig
    ));
}
