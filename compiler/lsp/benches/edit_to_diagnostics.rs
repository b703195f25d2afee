//! Edit -> diagnostics latency: one `didChange` of the largest example's main file, answered
//! with its published diagnostics (a full check of the chain, the standard library included);
//! and the cost lenses after an edit, which need a compile and a circuit layout.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use stele_lsp::Server;
use stele_lsp::convert::path_to_uri;

fn edit_to_diagnostics(c: &mut Criterion) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/vm");
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("vm");
    std::fs::create_dir_all(chain.join("src")).unwrap();
    std::fs::copy(example.join("Stele.toml"), chain.join("Stele.toml")).unwrap();
    let text = std::fs::read_to_string(example.join("src/main.stele")).unwrap();
    let main = chain.join("src/main.stele");
    std::fs::write(&main, &text).unwrap();
    let uri = path_to_uri(&main);
    let mut server = Server::new(dir.path().join("std"));
    server.handle_notification(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri.as_str(), "languageId": "stele", "version": 1,
            "text": text}}),
    );
    // Alternate between the file and the file with one more statement, as when typing.
    let edited = text.replacen(
        "state.runs += 1;",
        "state.runs += 1;\n    state.runs += 0;",
        1,
    );
    assert_ne!(edited, text);
    let mut version = 1;
    c.bench_function("vm: didChange -> publishDiagnostics", |b| {
        b.iter(|| {
            version += 1;
            let body = if version % 2 == 0 { &edited } else { &text };
            let out = server.handle_notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri.as_str(), "version": version},
                    "contentChanges": [{"text": body}]}),
            );
            assert!(!out.is_empty());
            black_box(out)
        })
    });
    // Cost lenses after an edit: a full compile and a circuit layout, computed once per version.
    let mut group = c.benchmark_group("vm");
    group.sample_size(10);
    group.bench_function("didChange -> codeLens (compile + circuit layout)", |b| {
        b.iter(|| {
            version += 1;
            let body = if version % 2 == 0 { &edited } else { &text };
            server.handle_notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri.as_str(), "version": version},
                    "contentChanges": [{"text": body}]}),
            );
            let lenses = server
                .handle_request(
                    "textDocument/codeLens",
                    json!({"textDocument": {"uri": uri.as_str()}}),
                )
                .unwrap();
            assert!(!lenses.as_array().unwrap().is_empty());
            black_box(lenses)
        })
    });
    group.finish();
}

criterion_group!(benches, edit_to_diagnostics);
criterion_main!(benches);
