//! Spans point at the text they cover and carry the file they came from.

use stele_diagnostics::FileId;
use stele_syntax::ast::{ExprKind, ItemKind, StmtKind};
use stele_syntax::parse_file;

fn text_of(text: &str, span: stele_diagnostics::Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

#[test]
fn item_statement_and_expression_spans_cover_their_text() {
    let text = "/// Doc.\nfn add(a: u8) -> u8 {\n    let b = a * 2;\n    b + 1\n}\n";
    let (file, diagnostics) = parse_file(FileId(3), text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let item = &file.items[0];
    assert_eq!(item.docs, ["Doc."]);
    assert_eq!(
        text_of(text, item.span),
        "fn add(a: u8) -> u8 {\n    let b = a * 2;\n    b + 1\n}"
    );
    let ItemKind::Fn(f) = &item.kind else {
        panic!("not a fn")
    };
    assert_eq!(text_of(text, f.name.span), "add");
    assert_eq!(text_of(text, f.params[0].span), "a: u8");
    assert_eq!(text_of(text, f.params[0].ty.span), "u8");
    let body = f.body.as_ref().unwrap();
    assert_eq!(text_of(text, body.stmts[0].span), "let b = a * 2;");
    let StmtKind::Let { init, .. } = &body.stmts[0].kind else {
        panic!("not a let")
    };
    assert_eq!(text_of(text, init.span), "a * 2");
    let tail = body.tail.as_ref().unwrap();
    assert_eq!(text_of(text, tail.span), "b + 1");
    let ExprKind::Binary(_, left, right) = &tail.kind else {
        panic!("not binary")
    };
    assert_eq!(
        (text_of(text, left.span), text_of(text, right.span)),
        ("b", "1")
    );
    assert!(
        !format!("{file:?}").contains("file: FileId(0)"),
        "every span carries the file id"
    );
}

#[test]
fn postfix_and_literal_spans() {
    let text = "fn f() { state.accounts[k].balance += f::<4>(x).0; }";
    let (file, diagnostics) = parse_file(FileId(0), text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let ItemKind::Fn(f) = &file.items[0].kind else {
        panic!("not a fn")
    };
    let StmtKind::Assign { target, value, .. } = &f.body.as_ref().unwrap().stmts[0].kind else {
        panic!("not an assignment")
    };
    assert_eq!(text_of(text, target.span), "state.accounts[k].balance");
    assert_eq!(text_of(text, value.span), "f::<4>(x).0");
    let ExprKind::TupleField(call, 0, index_span) = &value.kind else {
        panic!("not .0")
    };
    assert_eq!(text_of(text, *index_span), "0");
    assert_eq!(text_of(text, call.span), "f::<4>(x)");
}

#[test]
fn diagnostics_point_at_the_offending_text() {
    let text = "fn f() { let x = 1 @ 2; }";
    let (_, diagnostics) = parse_file(FileId(0), text);
    let at = diagnostics
        .iter()
        .find(|d| d.code.as_str() == "E0003")
        .expect("unknown character");
    assert_eq!(text_of(text, at.primary.span), "@");
}

#[test]
fn crate_path_spans() {
    let text = "use crate::{a::B, C as D};\nfn f() -> crate::T { crate::m::g() }";
    let (file, diagnostics) = parse_file(FileId(0), text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let ItemKind::Use(decls) = &file.items[0].kind else {
        panic!("not a use")
    };
    let segments: Vec<&str> = decls[0]
        .path
        .segments
        .iter()
        .map(|s| text_of(text, s.span))
        .collect();
    assert_eq!(segments, ["crate", "a", "B"]);
    assert_eq!(text_of(text, decls[1].path.segments[0].span), "crate");
    assert_eq!(text_of(text, decls[1].alias.as_ref().unwrap().span), "D");
    let ItemKind::Fn(f) = &file.items[1].kind else {
        panic!("not a fn")
    };
    assert_eq!(text_of(text, f.ret.as_ref().unwrap().span), "crate::T");
    let tail = f.body.as_ref().unwrap().tail.as_ref().unwrap();
    let ExprKind::Call { callee, .. } = &tail.kind else {
        panic!("not a call")
    };
    let ExprKind::Path { path, .. } = &callee.kind else {
        panic!("not a path")
    };
    assert_eq!(text_of(text, path.span), "crate::m::g");
    assert_eq!(text_of(text, path.segments[0].span), "crate");
}
