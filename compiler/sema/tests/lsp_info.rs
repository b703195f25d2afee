//! What `Checked` keeps for a language server: definitions of names, types of expressions and
//! bindings, doc comments.

mod common;

use common::*;

#[test]
fn definitions_types_and_docs() {
    let text = r#"//- file: src/main.stele
//! The root.
use token::Account;

/// Fees so far.
state { fees: u64, accounts: Map<u32, Account, 8> }

transition pay(to: u32, fee: u64) {
    let total = state.fees + fee;
    state.accounts[to].balance += total;
}
//- file: src/token.stele
/// An account.
struct Account {
    /// Its balance.
    balance: u64,
}
"#;
    let c = check_fixture(text);
    assert!(c.diags.is_empty(), "{}", render(&c));
    let main = c.db.files().next().unwrap();
    let src = c.db.text(main).to_string();
    let at = |needle: &str, nth: usize| src.match_indices(needle).nth(nth).unwrap().0 as u32;
    let show = |span: stele_diagnostics::Span| {
        let (l, col) = c.db.line_col(span.file, span.start);
        format!(
            "{}:{l}:{col} `{}`",
            c.db.name(span.file),
            &c.db.text(span.file)[span.start as usize..span.end as usize]
        )
    };
    let mut out = Vec::new();
    for (what, off) in [
        ("`fee` use", at("fee;", 0)),
        ("`total` use", at("total;", 0)),
        ("`balance` field", at("balance +=", 0)),
        ("`Account` import", at("Account;", 0)),
        ("state field `fees`", at("fees +", 0)),
        ("map `accounts`", at("accounts[to]", 0)),
    ] {
        out.push(format!(
            "definition of {what}: {}",
            c.checked
                .definition_at(main, off)
                .map(show)
                .unwrap_or_default()
        ));
    }
    for (what, off) in [
        ("`total`", at("total =", 0)),
        ("`state.fees + fee`", at("+ fee", 0)),
        ("`to`", at("to]", 0)),
    ] {
        out.push(format!(
            "type of {what}: {}",
            c.checked.type_at(main, off).unwrap_or("?")
        ));
    }
    let mut docs: Vec<String> = c
        .checked
        .docs()
        .iter()
        .filter(|(s, _)| !c.db.name(s.file).starts_with("std/"))
        .map(|(s, d)| format!("{}: {d}", show(*s)))
        .collect();
    docs.sort();
    out.extend(docs);
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn crate_paths_have_definitions() {
    let text = r#"//- file: src/main.stele
const LIMIT: u64 = 5;
state { total: u64 }
transition t(a: u64) { state.total = a + wallet::f(); }
//- file: src/wallet.stele
use crate::{LIMIT as CAP};
fn f() -> u64 { crate::LIMIT + CAP }
"#;
    let c = check_fixture(text);
    assert!(c.diags.is_empty(), "{}", render(&c));
    let files: Vec<_> = c.db.files().collect();
    let main = files[0];
    let wallet = *files
        .iter()
        .find(|&&f| c.db.name(f) == "src/wallet.stele")
        .unwrap();
    let src = c.db.text(wallet).to_string();
    let at = |needle: &str| src.find(needle).unwrap() as u32;
    let limit = c.db.text(main).find("LIMIT").unwrap() as u32;
    let def = |off: u32| c.checked.definition_at(wallet, off).unwrap();
    // `crate` goes to the root module's file; the names after it to their definitions.
    let root = def(at("crate::LIMIT +"));
    assert_eq!((root.file, root.start, root.end), (main, 0, 0));
    for off in [at("LIMIT +"), at("LIMIT as"), at("CAP }")] {
        let d = def(off);
        assert_eq!((d.file, d.start), (main, limit));
    }
}
