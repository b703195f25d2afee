//! `stele fmt` writing files, and `stele lsp` driven over standard input and output the way an
//! editor does: initialize, open, diagnostics, hover, definition, completion, formatting,
//! shutdown, exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

#[test]
fn fmt_rewrites_files_and_then_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.stele");
    std::fs::write(&file, "state{n:u64}\ntransition t(){state.n=1;}\n").unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_stele"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["fmt", "--check", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not formatted"));
    let out = run(&["fmt", "."]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "state { n: u64 }\ntransition t() { state.n = 1; }\n"
    );
    let out = run(&["fmt", "--check", "a.stele"]);
    assert!(out.status.success(), "{out:?}");
}

struct Client {
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    notifications: Vec<Value>,
}

impl Client {
    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed its output"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.read();
            if msg["id"] == id {
                assert!(msg.get("error").is_none(), "{method}: {msg}");
                return msg["result"].clone();
            }
            self.notifications.push(msg);
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }
}

#[test]
fn lsp_session_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain");
    std::fs::create_dir_all(chain.join("src")).unwrap();
    std::fs::write(
        chain.join("Stele.toml"),
        "[chain]\nname = \"s\"\nid = 1\nblock_size = 2\n",
    )
    .unwrap();
    let text = "use std::math::max;\n\nstate { n: u64 }\n\n/// Raises the count.\ntransition bump(by: u64) {\n    state.n = max(state.n, by) + missing;\n}\n";
    let main = chain.join("src/main.stele");
    std::fs::write(&main, text).unwrap();
    let uri = format!("file://{}", main.display());

    let mut child = Command::new(env!("CARGO_BIN_EXE_stele"))
        .arg("lsp")
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let child = Arc::new(Mutex::new(child));
    // A hung server fails the test instead of hanging it.
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (child, done) = (child.clone(), done.clone());
        std::thread::spawn(move || {
            for _ in 0..600 {
                if done.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.lock().unwrap().kill();
        })
    };
    let mut c = Client {
        stdin,
        stdout,
        notifications: Vec::new(),
    };
    let init = c.request(
        1,
        "initialize",
        json!({"capabilities": {}, "processId": null, "rootUri": null}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "stele", "version": 1, "text": text}}),
    );
    let diagnostics = loop {
        let msg = c.read();
        if msg["method"] == "textDocument/publishDiagnostics" && msg["params"]["uri"] == uri {
            break msg["params"]["diagnostics"].clone();
        }
    };
    assert_eq!(diagnostics[0]["code"], "E1001", "{diagnostics}");
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({"line": 6, "character": 33})
    );

    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let hover = c.request(2, "textDocument/hover", at(6, 16));
    let hover = hover["contents"]["value"].as_str().unwrap();
    assert!(hover.contains("fn max(a: u64, b: u64) -> u64"), "{hover}");
    assert!(hover.contains("The larger of"), "{hover}");

    let def = c.request(3, "textDocument/definition", at(6, 16));
    let def_uri = def["uri"].as_str().unwrap();
    assert!(
        def_uri.ends_with("/cache/stele/std-0.1.0/math.stele"),
        "{def_uri}"
    );

    let completion = c.request(4, "textDocument/completion", at(6, 10));
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"n"), "{labels:?}");

    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": "state{n:u64}\ntransition t(){state.n=1;}\n"}]}),
    );
    let edits = c.request(
        5,
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"],
        "state { n: u64 }\ntransition t() { state.n = 1; }\n"
    );

    let shutdown = c.request(6, "shutdown", Value::Null);
    assert_eq!(shutdown, Value::Null);
    c.notify("exit", Value::Null);
    drop(c);
    let status = loop {
        if let Some(s) = child.lock().unwrap().try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    done.store(true, Ordering::SeqCst);
    watchdog.join().unwrap();
    assert_eq!(status.code(), Some(0));
}
