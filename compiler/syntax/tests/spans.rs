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
