//! Each language feature against a small chain with a cursor (`$0`); answers as text snapshots.

mod common;

use common::{fixture, render_diagnostics};
use serde_json::{Value, json};

const TOKEN: &str = r#"//- src/main.stele
//! A token chain.

use account::Account;
use std::math::min;

state {
    /// Accounts by index.
    accounts: Map<u32, Account, 20>,
    fees: u64,
}

/// Moves `amount` from `from` to `to`.
transition transfer(from: u32, to: u32, amount: u64) {
    let sender = state.accounts[from];
    assert(sender.balance >= amount, "insufficient balance");
    state.accounts[from] = account::debit(sender, amount);
    state.accounts[to].balance += min(amount, 100);
}
//- src/account.stele
/// A token account.
struct Account {
    /// Spendable balance.
    balance: u64,
    nonce: u32,
}

/// `account` after paying `amount`.
fn debit(account: Account, amount: u64) -> Account {
    Account { balance: account.balance - amount, nonce: account.nonce + 1 }
}
"#;

/// `TOKEN` with the cursor put before the `n`-th occurrence of `needle` in the main file,
/// plus `shift` bytes.
fn token_at(needle: &str, n: usize, shift: usize) -> common::Fixture {
    let (main, rest) = TOKEN.split_once("//- src/account.stele").unwrap();
    let at = main.match_indices(needle).nth(n).unwrap().0 + shift;
    let spec = format!(
        "{}$0{}//- src/account.stele{rest}",
        &main[..at],
        &main[at..]
    );
    fixture(&spec)
}

fn hover_text(v: &Value) -> String {
    if v.is_null() {
        return "(none)".into();
    }
    v["contents"]["value"].as_str().unwrap().to_string()
}

#[test]
fn diagnostics_on_open_and_change() {
    let mut f = fixture(
        "//- src/main.stele\nstate { n: u64 }\ntransition t(x: u64) {\n    let unused = 1;\n    state.n = y;\n}\n",
    );
    let first = render_diagnostics(&f, &f.published.clone());
    let main = f.root.join("src/main.stele");
    let fixed = f.change(
        &main,
        "state { n: u64 }\ntransition t(x: u64) {\n    state.n = x;\n}\n",
    );
    let broken = f.change(
        &main,
        "state { n: u64 }\ntransition t(x: u64) {\n    state.n = \n",
    );
    insta::assert_snapshot!(format!(
        "{first}\n--- fixed\n{}\n--- broken\n{}",
        render_diagnostics(&f, &fixed),
        render_diagnostics(&f, &broken)
    ));
}

#[test]
fn diagnostics_carry_related_spans() {
    let f =
        fixture("//- src/main.stele\nstruct A { x: u64 }\nstruct A { y: u64 }\nstate { n: u64 }\n");
    insta::assert_snapshot!(render_diagnostics(&f, &f.published.clone()));
}

#[test]
fn hover() {
    let cases = [
        ("sender.balance", 0, 8, "struct field through a local"),
        ("debit", 0, 0, "function in another module"),
        ("min(", 0, 0, "std function"),
        ("sender", 0, 0, "local at its definition"),
        ("amount", 2, 0, "parameter use"),
        ("accounts", 1, 0, "state field"),
        ("Account;", 0, 0, "imported struct"),
        ("transfer", 0, 0, "transition"),
        ("state.accounts[from] =", 0, 2, "the state keyword"),
        ("100)", 0, 1, "a literal"),
        (">= amount", 0, 0, "an operator"),
    ];
    let mut out = String::new();
    for (needle, n, shift, what) in cases {
        let mut f = token_at(needle, n, shift);
        let v = f.at_cursor("textDocument/hover", json!({})).unwrap();
        out.push_str(&format!("## {what}\n{}\n\n", hover_text(&v)));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn definition() {
    let cases = [
        ("debit", 0, 0),
        ("sender,", 0, 0),
        ("balance >=", 0, 0),
        ("min(", 0, 0),
        ("Account;", 0, 0),
        ("accounts[to]", 0, 0),
        ("fees", 0, 0),
        ("account::", 0, 0),
        ("state.accounts[to]", 0, 0),
    ];
    let mut out = String::new();
    for (needle, n, shift) in cases {
        let mut f = token_at(needle, n, shift);
        let v = f.at_cursor("textDocument/definition", json!({})).unwrap();
        let shown = if v.is_null() {
            "(none)".into()
        } else {
            f.place(&v)
        };
        out.push_str(&format!("{needle:<14} -> {shown}\n"));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn definition_into_std_opens_a_readonly_copy_that_itself_works() {
    let mut f = token_at("min(", 0, 0);
    let v = f.at_cursor("textDocument/definition", json!({})).unwrap();
    let uri = v["uri"].as_str().unwrap().to_string();
    let path = f.std_dir.join("math.stele");
    assert!(uri.ends_with("/std/math.stele"), "{uri}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        stele_driver::STD_LIB
            .iter()
            .find(|s| s.0 == "math")
            .unwrap()
            .1
    );
    assert!(std::fs::metadata(&path).unwrap().permissions().readonly());
    // Hover inside the std file.
    let line = text.lines().position(|l| l.starts_with("fn max")).unwrap();
    let hover = f
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 4}}),
        )
        .unwrap();
    insta::assert_snapshot!(hover_text(&hover));
}

#[test]
fn references_and_rename() {
    let mut f = token_at("amount", 1, 0);
    let refs = f
        .at_cursor(
            "textDocument/references",
            json!({"context": {"includeDeclaration": true}}),
        )
        .unwrap();
    let mut out: Vec<String> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| f.place(l))
        .collect();
    out.push("--- across files: the field `balance`".into());
    let mut g = token_at("balance", 0, 0);
    let refs = g
        .at_cursor(
            "textDocument/references",
            json!({"context": {"includeDeclaration": false}}),
        )
        .unwrap();
    out.extend(refs.as_array().unwrap().iter().map(|l| g.place(l)));
    out.push("--- rename `balance` to `funds`".into());
    let edit = g
        .at_cursor("textDocument/rename", json!({"newName": "funds"}))
        .unwrap();
    let mut files: Vec<(&String, &Value)> = edit["changes"].as_object().unwrap().iter().collect();
    files.sort_by_key(|(k, _)| k.as_str());
    for (uri, edits) in files {
        for e in edits.as_array().unwrap() {
            let loc = json!({"uri": uri, "range": e["range"]});
            out.push(format!(
                "{} => {}",
                g.place(&loc),
                e["newText"].as_str().unwrap()
            ));
        }
    }
    out.push("--- refused".into());
    out.push(
        g.at_cursor("textDocument/rename", json!({"newName": "fn"}))
            .unwrap_err(),
    );
    out.push(
        g.at_cursor("textDocument/rename", json!({"newName": "a-b"}))
            .unwrap_err(),
    );
    let mut h = token_at("min(", 0, 0);
    out.push(
        h.at_cursor("textDocument/rename", json!({"newName": "smaller"}))
            .unwrap_err(),
    );
    insta::assert_snapshot!(out.join("\n"));
}

fn completion_labels(v: &Value) -> String {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| match c["detail"].as_str() {
            Some(d) => format!("{} : {d}", c["label"].as_str().unwrap()),
            None => c["label"].as_str().unwrap().to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn completion() {
    let spec = |body: &str| {
        format!(
            "//- src/main.stele\nuse std::math;\nenum Dir {{ Up, Down(u8) }}\nstruct P {{ x: u64, d: Dir }}\nconst K: u64 = 3;\nstate {{ p: P, ps: Map<u32, P, 4>, n: u64 }}\ntransition t(a: u64) {{\n    let q = state.p;\n    {body}\n}}\n"
        )
    };
    let cases = [
        ("state.", "state members"),
        ("q.", "fields of a local"),
        ("state.ps[1].", "fields through a map"),
        ("Dir::", "enum variants"),
        ("std::", "std modules"),
        ("math::", "items of an imported module"),
        ("le", "names in scope and keywords"),
    ];
    let mut out = String::new();
    for (body, what) in cases {
        let mut f = fixture(&spec(&format!("{body}$0")));
        let v = f.at_cursor("textDocument/completion", json!({})).unwrap();
        out.push_str(&format!(
            "## {what}: `{body}`\n{}\n\n",
            completion_labels(&v)
        ));
    }
    let mut f = fixture(
        "//- src/main.stele\nuse kinds::Kind;\nstate { n: u64 }\ntransition t() {\n    let k = Kind::$0\n}\n//- src/kinds.stele\nenum Kind { Small, Large(u64) }\n",
    );
    let v = f.at_cursor("textDocument/completion", json!({})).unwrap();
    out.push_str(&format!(
        "## variants of an imported enum\n{}\n",
        completion_labels(&v)
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn signature_help() {
    let mut out = String::new();
    for (needle, shift) in [
        ("debit(sender", 6),
        ("min(amount", 11),
        ("min(amount", 4),
        ("assert(sender", 7),
        ("\"insufficient", 0),
    ] {
        let mut f = token_at(needle, 0, shift);
        let v = f
            .at_cursor("textDocument/signatureHelp", json!({}))
            .unwrap();
        if v.is_null() {
            out.push_str(&format!("{needle}: (none)\n"));
            continue;
        }
        let sig = &v["signatures"][0];
        let active = v["activeParameter"].as_u64().unwrap();
        let range = &sig["parameters"][active as usize]["label"];
        let label = sig["label"].as_str().unwrap();
        let (s, e) = (
            range[0].as_u64().unwrap() as usize,
            range[1].as_u64().unwrap() as usize,
        );
        out.push_str(&format!(
            "{label}\n  active: {}\n  docs: {}\n",
            &label[s..e],
            sig["documentation"]["value"].as_str().unwrap_or("-")
        ));
    }
    let mut f = fixture(
        "//- src/main.stele\nenum Op { Push(u64, u8), Halt }\nstate { op: Op }\ntransition t() {\n    state.op = Op::Push(1, $0\n}\n",
    );
    let v = f
        .at_cursor("textDocument/signatureHelp", json!({}))
        .unwrap();
    out.push_str(&format!(
        "{} active {}\n",
        v["signatures"][0]["label"].as_str().unwrap(),
        v["activeParameter"]
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn document_and_workspace_symbols() {
    let mut f = token_at("transfer", 0, 0);
    let v = f.doc_request("textDocument/documentSymbol").unwrap();
    let mut out = Vec::new();
    for s in v.as_array().unwrap() {
        out.push(format!(
            "{} (kind {}) lines {}..{}",
            s["name"].as_str().unwrap(),
            s["kind"],
            s["range"]["start"]["line"],
            s["range"]["end"]["line"]
        ));
        for c in s["children"].as_array().into_iter().flatten() {
            out.push(format!(
                "  {} (kind {})",
                c["name"].as_str().unwrap(),
                c["kind"]
            ));
        }
    }
    out.push("--- workspace symbols matching `ac`".into());
    let v = f
        .request("workspace/symbol", json!({"query": "ac"}))
        .unwrap();
    for s in v.as_array().unwrap() {
        out.push(format!(
            "{} in {} at {}",
            s["name"].as_str().unwrap(),
            s["containerName"].as_str().unwrap_or("-"),
            f.place(&s["location"])
        ));
    }
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn semantic_tokens() {
    let mut f = token_at("transfer", 0, 0);
    let v = f
        .request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": f.uri(&f.cursor_file.clone()).as_str()}}),
        )
        .unwrap();
    let text = std::fs::read_to_string(&f.cursor_file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let legend = stele_lsp::ide::TOKEN_TYPES;
    let data: Vec<u64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let (mut line, mut col) = (0usize, 0usize);
    let mut out = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            line += t[0] as usize;
            col = t[1] as usize;
        } else {
            col += t[1] as usize;
        }
        let word: String = lines[line].chars().skip(col).take(t[2] as usize).collect();
        out.push(format!(
            "{}:{} {} `{word}`",
            line + 1,
            col + 1,
            legend[t[3] as usize].as_str()
        ));
    }
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn folding_ranges() {
    let mut f = fixture(
        "//- src/main.stele\n$0// one\n// two\n// three\nstate {\n    a: u64,\n    b: u64,\n}\ntransition t() {\n    if true {\n        state.a = 1;\n    }\n}\n",
    );
    let v = f.doc_request("textDocument/foldingRange").unwrap();
    let out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}..{} {}",
                r["startLine"],
                r["endLine"],
                r["kind"].as_str().unwrap_or("region")
            )
        })
        .collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn formatting() {
    let mut f = fixture("//- src/main.stele\nstate{n:u64}\ntransition t(x:u64){state.n=x+1;}\n$0");
    let v = f.doc_request("textDocument/formatting").unwrap();
    let mut out = v[0]["newText"].as_str().unwrap().to_string();
    let mut g = fixture("//- src/main.stele\nstate { n: u64 }\n$0");
    out.push_str(&format!(
        "--- formatted already: {}\n",
        g.doc_request("textDocument/formatting").unwrap()
    ));
    let mut h = fixture("//- src/main.stele\nstate { n: u64\n$0");
    out.push_str(&format!(
        "--- broken: {}\n",
        h.doc_request("textDocument/formatting").unwrap_err()
    ));
    insta::assert_snapshot!(out);
}

#[test]
fn cost_lenses_match_stele_info() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/counter");
    let text = std::fs::read_to_string(root.join("src/main.stele")).unwrap();
    let spec = format!(
        "//- Stele.toml\n{}//- src/main.stele\n{text}$0",
        std::fs::read_to_string(root.join("Stele.toml")).unwrap()
    );
    let mut f = fixture(&spec);
    let v = f.doc_request("textDocument/codeLens").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let line = l["range"]["start"]["line"].as_u64().unwrap() as usize;
            format!(
                "{:>3} {:<40} | {}",
                line + 1,
                l["command"]["title"].as_str().unwrap(),
                lines[line]
            )
        })
        .collect();
    // A chain with an error gets no lenses.
    let main = f.root.join("src/main.stele");
    f.change(
        &main,
        &text.replace("state.count = 0;", "state.count = nope;"),
    );
    assert_eq!(f.doc_request("textDocument/codeLens").unwrap(), json!([]));
    insta::assert_snapshot!(out.join("\n"));
}

/// The lenses of a module without transitions: its function's lines, in each transition that
/// calls it.
#[test]
fn cost_lenses_of_a_helper_module() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/token");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let account = read("src/account.stele");
    let spec = format!(
        "//- Stele.toml\n{}//- src/main.stele\n{}//- src/account.stele\n{account}$0",
        read("Stele.toml"),
        read("src/main.stele")
    );
    let mut f = fixture(&spec);
    let v = f.doc_request("textDocument/codeLens").unwrap();
    let lines: Vec<&str> = account.lines().collect();
    let out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let line = l["range"]["start"]["line"].as_u64().unwrap() as usize;
            format!(
                "{:>3} {} | {}",
                line + 1,
                l["command"]["title"].as_str().unwrap(),
                lines[line]
            )
        })
        .collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn lone_file_and_unknown_methods() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alone.stele");
    std::fs::write(&path, "").unwrap();
    let mut server = stele_lsp::Server::new(dir.path().join("std"));
    let uri = stele_lsp::convert::path_to_uri(&path);
    let out = server.handle_notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri.as_str(), "languageId": "stele", "version": 1,
            "text": "state { n: u64 }\ntransition t() { state.n = true; }\n"}}),
    );
    let published: Vec<String> = out
        .iter()
        .flat_map(|n| n.params["diagnostics"].as_array().unwrap().clone())
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    let unknown = server
        .handle_request("textDocument/unknown", json!({}))
        .unwrap_err();
    let bad = server
        .handle_request("textDocument/hover", json!({"nonsense": 1}))
        .unwrap_err();
    insta::assert_snapshot!(format!(
        "{}\n{} {}\n{} {}",
        published.join("\n"),
        unknown.code,
        unknown.message,
        bad.code,
        bad.message
    ));
}

#[test]
fn a_panicking_handler_is_an_error_response_and_the_server_goes_on() {
    let mut f = token_at("debit", 0, 0);
    let e = f
        .server
        .guarded("textDocument/hover", |_| panic!("a bug in a handler"))
        .unwrap_err();
    assert_eq!(e.code, -32603);
    assert_eq!(
        e.message,
        "internal error in `textDocument/hover`: a bug in a handler"
    );
    let v = f.at_cursor("textDocument/hover", json!({})).unwrap();
    assert!(hover_text(&v).contains("fn debit"));
}

#[test]
fn files_changed_on_disk_are_checked_again() {
    let mut f = fixture(
        "//- src/main.stele\nuse other::f;\nstate { n: u64 }\ntransition t() { state.n = f(); }\n//- src/other.stele\nfn f() -> u64 { 1 }\n",
    );
    let other = f.root.join("src/other.stele");
    // Closed in the editor, then changed on disk.
    f.server.handle_notification(
        "textDocument/didClose",
        json!({"textDocument": {"uri": f.uri(&other).as_str()}}),
    );
    std::fs::write(&other, "fn g() -> u64 { 1 }\n").unwrap();
    let out = f.server.handle_notification(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": f.uri(&other).as_str(), "type": 2}]}),
    );
    let published: Vec<serde_json::Value> = out.into_iter().map(|n| n.params).collect();
    insta::assert_snapshot!(render_diagnostics(&f, &published));
}

#[test]
fn document_highlights() {
    let mut f = token_at("sender", 1, 0);
    let v = f
        .at_cursor("textDocument/documentHighlight", json!({}))
        .unwrap();
    let uri = f.uri(&f.cursor_file.clone());
    let out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let loc = json!({"uri": uri.as_str(), "range": h["range"]});
            format!(
                "{} {}",
                f.place(&loc),
                if h["kind"] == 3 { "write" } else { "read" }
            )
        })
        .collect();
    insta::assert_snapshot!(out.join("\n"));
}
