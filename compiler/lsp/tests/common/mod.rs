//! An in-process server over a temporary chain folder, and text renderings of its answers.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;
use serde_json::{Value, json};
use stele_lsp::Server;
use stele_lsp::convert::{LineIndex, path_to_uri, uri_to_path};

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub std_dir: PathBuf,
    pub server: Server,
    /// The file with the cursor, and the cursor's byte offset.
    pub cursor_file: PathBuf,
    pub cursor: usize,
    pub version: i32,
    /// Notifications received (published diagnostics), latest last.
    pub published: Vec<Value>,
}

/// A chain from `spec`: files introduced by `//- path` lines (the first defaults to
/// `src/main.stele`); `$0` marks the cursor. Every file is written to disk and opened.
/// `Stele.toml` is added unless the spec has one; `//- lone.stele` files go beside the chain.
pub fn fixture(spec: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("chain");
    let std_dir = dir.path().join("std");
    std::fs::create_dir_all(root.join("src")).unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in spec.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("//- ") {
            files.push((name.trim().to_string(), String::new()));
        } else {
            if files.is_empty() {
                files.push(("src/main.stele".into(), String::new()));
            }
            files.last_mut().unwrap().1.push_str(line);
        }
    }
    if !files.iter().any(|(n, _)| n == "Stele.toml") {
        files.push((
            "Stele.toml".into(),
            "[chain]\nname = \"demo\"\nid = 7\nblock_size = 2\n".into(),
        ));
    }
    let mut cursor_file = PathBuf::new();
    let mut cursor = 0;
    let mut open = Vec::new();
    for (name, mut text) in files {
        if let Some(at) = text.find("$0") {
            text = text.replacen("$0", "", 1);
            cursor = at;
            cursor_file = root.join(&name);
        }
        let path = root.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        if name.ends_with(".stele") {
            open.push((path, text));
        }
    }
    let mut f = Fixture {
        _dir: dir,
        root,
        std_dir: std_dir.clone(),
        server: Server::new(std_dir),
        cursor_file,
        cursor,
        version: 1,
        published: Vec::new(),
    };
    for (path, text) in open {
        f.open(&path, &text);
    }
    f
}

impl Fixture {
    pub fn uri(&self, path: &Path) -> Uri {
        path_to_uri(path)
    }

    pub fn open(&mut self, path: &Path, text: &str) {
        let out = self.server.handle_notification(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": self.uri(path).as_str(), "languageId": "stele",
                "version": self.version, "text": text}}),
        );
        self.published.extend(out.into_iter().map(|n| n.params));
    }

    pub fn change(&mut self, path: &Path, text: &str) -> Vec<Value> {
        self.version += 1;
        let out = self.server.handle_notification(
            "textDocument/didChange",
            json!({"textDocument": {"uri": self.uri(path).as_str(), "version": self.version},
                "contentChanges": [{"text": text}]}),
        );
        out.into_iter().map(|n| n.params).collect()
    }

    /// The cursor as an LSP position.
    pub fn position(&self) -> Value {
        let text = std::fs::read_to_string(&self.cursor_file).unwrap();
        let p = LineIndex::new(&text).position(self.cursor);
        json!({"line": p.line, "character": p.character})
    }

    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.server
            .handle_request(method, params)
            .map_err(|e| format!("error {}: {}", e.code, e.message))
    }

    /// A request at the cursor, with `extra` merged into the params.
    pub fn at_cursor(&mut self, method: &str, extra: Value) -> Result<Value, String> {
        let mut params = json!({
            "textDocument": {"uri": self.uri(&self.cursor_file.clone()).as_str()},
            "position": self.position(),
        });
        if let (Value::Object(p), Value::Object(e)) = (&mut params, extra) {
            p.extend(e);
        }
        self.request(method, params)
    }

    pub fn doc_request(&mut self, method: &str) -> Result<Value, String> {
        let params = json!({"textDocument": {"uri": self.uri(&self.cursor_file.clone()).as_str()},
            "options": {"tabSize": 4, "insertSpaces": true}});
        self.request(method, params)
    }

    /// A location as `file:line:col` (1-based), files relative to the chain or under `<std>`.
    pub fn place(&self, loc: &Value) -> String {
        let uri = Uri::from_str(loc["uri"].as_str().unwrap()).unwrap();
        let path = uri_to_path(&uri).unwrap();
        let name = if let Ok(rest) = path.strip_prefix(&self.root) {
            rest.display().to_string()
        } else if let Ok(rest) = path.strip_prefix(&self.std_dir) {
            format!("<std>/{}", rest.display())
        } else {
            path.display().to_string()
        };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let r = &loc["range"];
        let start = pos(&r["start"]);
        let end = pos(&r["end"]);
        let idx = LineIndex::new(&text);
        let (s, e) = (idx.offset(start), idx.offset(end));
        format!(
            "{name}:{}:{} `{}`",
            start.line + 1,
            start.character + 1,
            text.get(s..e).unwrap_or("?")
        )
    }
}

pub fn pos(v: &Value) -> lsp_types::Position {
    serde_json::from_value(v.clone()).unwrap()
}

/// Published diagnostics as lines: `file:line:col code message`.
pub fn render_diagnostics(f: &Fixture, published: &[Value]) -> String {
    let mut out = Vec::new();
    for p in published {
        let uri = Uri::from_str(p["uri"].as_str().unwrap()).unwrap();
        let path = uri_to_path(&uri).unwrap();
        let name = path
            .strip_prefix(&f.root)
            .unwrap_or(&path)
            .display()
            .to_string();
        for d in p["diagnostics"].as_array().unwrap() {
            let start = pos(&d["range"]["start"]);
            let mut line = format!(
                "{name}:{}:{} {} {}: {}",
                start.line + 1,
                start.character + 1,
                if d["severity"] == 1 {
                    "error"
                } else {
                    "warning"
                },
                d["code"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap()
            );
            for r in d["relatedInformation"].as_array().into_iter().flatten() {
                line.push_str(&format!(
                    "\n    related {}: {}",
                    f.place(&r["location"]),
                    r["message"].as_str().unwrap()
                ));
            }
            out.push(line);
        }
        if p["diagnostics"].as_array().unwrap().is_empty() {
            out.push(format!("{name}: clean"));
        }
    }
    out.join("\n")
}
