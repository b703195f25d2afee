//! The VS Code extension's files are valid JSON, and its grammar knows exactly the lexer's
//! keywords and reserved words.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn vscode() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/vscode")
}

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(vscode().join(name)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The words of a `\b(a|b|c)\b` pattern.
fn words(pattern: &str) -> BTreeSet<String> {
    let inner = pattern
        .strip_prefix("\\b(")
        .and_then(|p| p.strip_suffix(")\\b"))
        .unwrap_or_else(|| panic!("not a word list: {pattern}"));
    inner.split('|').map(String::from).collect()
}

#[test]
fn grammar_keywords_are_the_lexers() {
    let grammar = json("syntaxes/stele.tmLanguage.json");
    let patterns = grammar["repository"]["keywords"]["patterns"]
        .as_array()
        .unwrap();
    let mut keywords = BTreeSet::new();
    let mut reserved = BTreeSet::new();
    for p in patterns {
        let name = p["name"].as_str().unwrap();
        let set = words(p["match"].as_str().unwrap());
        if name == "invalid.illegal.reserved.stele" {
            reserved.extend(set);
        } else {
            keywords.extend(set);
        }
    }
    let lexer: BTreeSet<String> = stele_syntax::lexer::keywords().map(String::from).collect();
    assert_eq!(keywords, lexer);
    let lexer_reserved: BTreeSet<String> = stele_syntax::lexer::RESERVED
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(reserved, lexer_reserved);
    // Completion offers only real keywords.
    for k in stele_lsp::ide::KEYWORDS {
        assert!(lexer.contains(*k), "{k}");
    }
}

#[test]
fn extension_manifest_points_at_its_files() {
    let package = json("package.json");
    let config = json("language-configuration.json");
    assert_eq!(config["comments"]["lineComment"], "//");
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "stele");
    assert_eq!(language["extensions"][0], ".stele");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(
        grammar["scopeName"],
        json("syntaxes/stele.tmLanguage.json")["scopeName"]
    );
    for file in [
        package["main"].as_str().unwrap(),
        language["configuration"].as_str().unwrap(),
        grammar["path"].as_str().unwrap(),
    ] {
        assert!(vscode().join(file).is_file(), "{file}");
    }
}
