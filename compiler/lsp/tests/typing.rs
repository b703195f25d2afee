//! The server never dies: each example's main file typed one character at a time (every prefix
//! for `counter` and `token`, every few characters for the larger ones) and deleted again, with
//! diagnostics published and hover, completion and signature help answered at the cursor after
//! every edit.

mod common;

use std::path::Path;

use serde_json::json;

fn type_example(name: &str, step: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let mut spec = format!(
        "//- Stele.toml\n{}",
        std::fs::read_to_string(root.join("Stele.toml")).unwrap()
    );
    let mut main = String::new();
    for entry in std::fs::read_dir(root.join("src")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let file = entry.file_name().to_string_lossy().into_owned();
        if file == "main.stele" {
            main = text;
            spec.push_str("//- src/main.stele\n$0\n");
        } else {
            spec.push_str(&format!("//- src/{file}\n{text}"));
        }
    }
    let mut f = common::fixture(&spec);
    let path = f.root.join("src/main.stele");
    let uri = f.uri(&path);
    let mut ends: Vec<usize> = (0..=main.len())
        .step_by(step)
        .filter(|&i| main.is_char_boundary(i))
        .collect();
    ends.push(main.len());
    let back: Vec<usize> = ends.iter().rev().copied().collect();
    let mut requests = 0;
    for end in ends.into_iter().chain(back) {
        let text = &main[..end];
        let published = f.change(&path, text);
        assert!(
            published.iter().any(|p| p["uri"] == uri.as_str()),
            "no diagnostics for {name} at {end}"
        );
        let p = stele_lsp::convert::LineIndex::new(text).position(end);
        let at = json!({"textDocument": {"uri": uri.as_str()}, "position": p});
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/signatureHelp",
            "textDocument/definition",
        ] {
            let r = f.server.handle_request(method, at.clone());
            assert!(
                r.is_ok(),
                "{method} failed on {name} at {end}: {:?}",
                r.err()
            );
            requests += 1;
        }
    }
    assert!(requests > 0);
}

#[test]
fn typing_counter_every_character() {
    type_example("counter", 1);
}

#[test]
fn typing_token_every_character() {
    type_example("token", 1);
}

#[test]
fn typing_amm() {
    type_example("amm", 13);
}

#[test]
fn typing_vm() {
    type_example("vm", 17);
}

/// A document far over the size limit, and one deeply nested, are answered.
#[test]
fn huge_and_deep_documents() {
    let mut f = common::fixture("//- src/main.stele\n$0state { n: u64 }\n");
    let path = f.root.join("src/main.stele");
    let uri = f.uri(&path);
    let big = "// padding\n".repeat(stele_driver::MAX_SOURCE_BYTES / 11 + 10);
    let published = f.change(&path, &big);
    let codes: Vec<&str> = published
        .iter()
        .flat_map(|p| p["diagnostics"].as_array().unwrap())
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"E4001"), "{codes:?}");
    let deep = format!(
        "state {{ n: u64 }}\ntransition t() {{ state.n = {}1{}; }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    f.change(&path, &deep);
    for method in [
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/formatting",
    ] {
        let r = f.server.handle_request(
            method,
            json!({"textDocument": {"uri": uri.as_str()}, "position": {"line": 1, "character": 40},
                "options": {"tabSize": 4, "insertSpaces": true}}),
        );
        assert!(
            r.is_ok() || r.as_ref().unwrap_err().code == -32803,
            "{method}: {r:?}"
        );
    }
}
