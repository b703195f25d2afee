//! Runs the lalrpop parser over the lexer's tokens and turns parse errors into diagnostics.
//! `Ctx` is the state the grammar's actions share: the file, doc comments and diagnostics.

use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;

use lalrpop_util::{ErrorRecovery, ParseError};
use stele_diagnostics::{Code, Diagnostic, FileId, Span};

use crate::ast::*;
use crate::lexer::{self, IntLit, Tok};

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_qualifications,
        unused_parens,
        unreachable_pub
    )]
    grammar,
    "/stele.rs"
);

/// How deeply constructs may nest: delimiters plus operators in one expression. Deeper input is
/// reported (`E0009`) and the rest of the file skipped, so the tree stays shallow enough for
/// recursive passes (and `Drop`) not to overflow the stack.
pub const MAX_NESTING: u32 = 256;

type Recovery = ErrorRecovery<usize, Tok, Infallible>;

/// A statement as parsed, before `Ctx::block` decides which block-like one is the tail.
pub enum RawStmt {
    Stmt(Box<Stmt>),
    /// `if`/`match`/`{}` with no `;` after it.
    BlockLike(Expr),
    /// A lone `;`.
    Empty,
}

/// State shared by the grammar's actions.
pub struct Ctx {
    file: FileId,
    docs: BTreeMap<usize, Vec<String>>,
    diagnostics: Vec<Diagnostic>,
    /// Parse errors, converted to diagnostics once parsing is done.
    errors: Vec<ParseError<usize, Tok, Infallible>>,
}

pub(crate) fn parse(file: FileId, text: &str) -> (SourceFile, Vec<Diagnostic>) {
    let lexed = lexer::lex(file, text);
    let mut tokens = lexed.tokens;
    let mut diagnostics = lexed.diagnostics;
    let truncated_at = limit_nesting(file, &mut tokens, &mut diagnostics);
    // Delimiters still open where the tokens end are closed there, so that the items around
    // them survive; errors from that point on are consequences and are not reported.
    let cut = truncated_at.unwrap_or(text.len());
    let unclosed = close_delimiters(&mut tokens, cut);
    // A string or comment left open swallowed the closers: already reported.
    if !unclosed.is_empty() && truncated_at.is_none() && !lexed.ended_in_literal {
        let mut d = Diagnostic::new(
            Code::E0002,
            "this file contains an unclosed delimiter",
            Span::new(file, text.len(), text.len()),
            "the file ends here",
        );
        // The innermost few; all of them would be noise in a file cut in half.
        for &(l, r) in unclosed.iter().rev().take(4).rev() {
            d = d.with_secondary(Span::new(file, l, r), "unclosed delimiter");
        }
        diagnostics.push(d);
    }
    let spans: Vec<(usize, usize)> = tokens.iter().map(|(l, _, r)| (*l, *r)).collect();

    let mut ctx = Ctx {
        file,
        docs: lexed.docs,
        diagnostics: Vec::new(),
        errors: Vec::new(),
    };
    let result =
        grammar::FileParser::new().parse(&mut ctx, tokens.into_iter().map(Ok::<_, Infallible>));
    let items = match result {
        Ok(items) => items,
        Err(e) => {
            ctx.errors.push(e);
            Vec::new()
        }
    };
    diagnostics.append(&mut ctx.diagnostics);
    let errors = Errors {
        file,
        text,
        spans: &spans,
    };
    let cut_short = truncated_at.is_some() || !unclosed.is_empty();
    let mut parse_errors: Vec<Diagnostic> = ctx
        .errors
        .iter()
        .filter(|e| !(cut_short && error_location(e) >= cut))
        .filter_map(|e| errors.diagnostic(e))
        .collect();
    parse_errors.sort_by_key(|d| d.primary.span.start);
    // After a first error, another unexpected token on the same line is almost always a
    // consequence of it: report one per line.
    let lines = LineIndex::new(text);
    let mut taken_lines: HashSet<usize> = diagnostics
        .iter()
        .map(|d| lines.line(d.primary.span.start))
        .collect();
    for d in parse_errors {
        let line = lines.line(d.primary.span.start);
        if d.code == Code::E0001 && !taken_lines.insert(line) {
            continue;
        }
        diagnostics.push(d);
    }
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    (
        SourceFile {
            docs: lexed.file_docs,
            items,
        },
        diagnostics,
    )
}

impl Ctx {
    pub fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r.max(l))
    }

    pub fn ident(&self, l: usize, name: String, r: usize) -> Ident {
        Ident {
            name,
            span: self.span(l, r),
        }
    }

    pub fn expr(&self, l: usize, kind: ExprKind, r: usize) -> Expr {
        Expr {
            kind,
            span: self.span(l, r),
        }
    }

    pub fn int(&self, l: usize, lit: IntLit, r: usize) -> Expr {
        self.expr(
            l,
            ExprKind::Int {
                digits: lit.digits,
                suffix: lit.suffix,
            },
            r,
        )
    }

    /// The `///` lines before the token at `l`.
    pub fn docs(&mut self, l: usize) -> Vec<String> {
        self.docs.remove(&l).unwrap_or_default()
    }

    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    pub fn item(&mut self, l: usize, kind: ItemKind, r: usize) -> Item {
        Item {
            docs: self.docs(l),
            kind,
            span: self.span(l, r),
        }
    }

    pub fn pub_item(&mut self, l: usize, pub_end: usize, kind: ItemKind, r: usize) -> Item {
        self.push(
            Diagnostic::new(
                Code::E0007,
                "`pub` is not supported in Stele",
                self.span(l, pub_end),
                "not needed",
            )
            .with_help("every item is visible from other modules; remove `pub`"),
        );
        self.item(l, kind, r)
    }

    /// Records a recovered error and returns `value`.
    pub fn recover<T>(&mut self, e: Recovery, value: T) -> T {
        self.errors.push(e.error);
        value
    }

    /// The source a recovered error skipped: the unexpected token and the ones dropped after it.
    pub fn recover_span(&self, e: &Recovery) -> Span {
        let (start, mut end) = match &e.error {
            ParseError::UnrecognizedToken {
                token: (l, _, r), ..
            }
            | ParseError::ExtraToken { token: (l, _, r) } => (*l, *r),
            ParseError::UnrecognizedEof { location, .. }
            | ParseError::InvalidToken { location } => (*location, *location),
            ParseError::User { .. } => (0, 0),
        };
        if let Some((_, _, r)) = e.dropped_tokens.last() {
            end = end.max(*r);
        }
        self.span(start, end)
    }

    pub fn error_item(&mut self, e: Recovery) -> Item {
        let span = self.recover_span(&e);
        let docs = self.docs(span.start as usize);
        self.recover(
            e,
            Item {
                docs,
                kind: ItemKind::Error,
                span,
            },
        )
    }

    pub fn error_expr(&mut self, e: Recovery) -> Expr {
        let span = self.recover_span(&e);
        self.recover(
            e,
            Expr {
                kind: ExprKind::Error,
                span,
            },
        )
    }

    pub fn error_arm(&mut self, e: Recovery) -> MatchArm {
        let span = self.recover_span(&e);
        let arm = MatchArm {
            pat: Pattern {
                kind: PatternKind::Error,
                span,
            },
            body: Expr {
                kind: ExprKind::Error,
                span,
            },
            span,
        };
        self.recover(e, arm)
    }

    /// `use a::{b, c as d}`: prefixes each imported path with `a`.
    pub fn use_group(
        &self,
        l: usize,
        prefix: Vec<Ident>,
        trees: Vec<Vec<UseDecl>>,
    ) -> Vec<UseDecl> {
        trees
            .into_iter()
            .flatten()
            .map(|UseDecl { path, alias }| {
                let mut segments = prefix.clone();
                segments.extend(path.segments);
                let path = Path {
                    segments,
                    span: self.span(l, path.span.end as usize),
                };
                UseDecl { path, alias }
            })
            .collect()
    }

    pub fn const_param(&mut self, name: Ident, ty: Type) -> Option<Ident> {
        let is_u32 = matches!(&ty.kind, TypeKind::Path { path, args }
            if args.is_empty() && path.segments.len() == 1 && path.segments[0].name == "u32");
        if !is_u32 {
            self.push(
                Diagnostic::new(
                    Code::E0007,
                    "const generic parameters must have type `u32`",
                    ty.span,
                    "expected `u32`",
                )
                .with_help(format!("write `const {}: u32`", name.name)),
            );
        }
        Some(name)
    }

    pub fn type_param(&mut self, name: Ident) -> Option<Ident> {
        self.push(
            Diagnostic::new(
                Code::E0007,
                "type parameters are not supported",
                name.span,
                "type parameter",
            )
            .with_help(format!(
                "only const generic parameters are supported: `const {}: u32`",
                name.name
            )),
        );
        None
    }

    pub fn tuple_type(&self, l: usize, (mut items, tuple): (Vec<Type>, bool), r: usize) -> Type {
        if tuple {
            Type {
                kind: TypeKind::Tuple(items),
                span: self.span(l, r),
            }
        } else {
            items.remove(0)
        }
    }

    pub fn tuple_expr(&self, l: usize, (mut items, tuple): (Vec<Expr>, bool), r: usize) -> Expr {
        let kind = if tuple {
            ExprKind::Tuple(items)
        } else {
            ExprKind::Paren(Box::new(items.remove(0)))
        };
        self.expr(l, kind, r)
    }

    pub fn stmt(&self, l: usize, kind: StmtKind, r: usize) -> RawStmt {
        RawStmt::Stmt(Box::new(Stmt {
            kind,
            span: self.span(l, r),
        }))
    }

    /// A block: a final block-like statement without `;` is the block's value, as in Rust.
    pub fn block(&self, l: usize, raw: Vec<RawStmt>, mut tail: Option<Expr>, r: usize) -> Block {
        let mut stmts = Vec::with_capacity(raw.len());
        let count = raw.len();
        for (i, s) in raw.into_iter().enumerate() {
            match s {
                RawStmt::Stmt(s) => stmts.push(*s),
                RawStmt::BlockLike(e) if i + 1 == count && tail.is_none() => tail = Some(e),
                RawStmt::BlockLike(e) => stmts.push(Stmt {
                    span: e.span,
                    kind: StmtKind::Expr(e),
                }),
                RawStmt::Empty => {}
            }
        }
        Block {
            stmts,
            tail: tail.map(Box::new),
            span: self.span(l, r),
        }
    }

    /// `return e`, `break`, `continue`: reported, parsed as an error expression.
    pub fn escape(&mut self, l: usize, keyword: &str, value: Option<Expr>, r: usize) -> Expr {
        let kw_span = self.span(l, l + keyword.len());
        let (message, help) = match keyword {
            "return" => (
                "`return` is not supported in Stele",
                "a function's value is its body's final expression: write the value without `return` or `;`",
            ),
            _ => (
                if keyword == "break" {
                    "`break` is not supported in Stele"
                } else {
                    "`continue` is not supported in Stele"
                },
                "`for` loops are unrolled and always run every iteration; use `if` inside the loop body",
            ),
        };
        self.push(Diagnostic::new(Code::E0007, message, kw_span, "unsupported").with_help(help));
        drop(value);
        self.expr(l, ExprKind::Error, r)
    }

    /// `while c { .. }`, `loop { .. }`: reported, parsed as an error statement.
    pub fn unsupported_loop(
        &mut self,
        l: usize,
        keyword: &str,
        kw_end: usize,
        r: usize,
    ) -> RawStmt {
        self.push(
            Diagnostic::new(
                Code::E0007,
                format!("`{keyword}` loops are not supported in Stele"),
                self.span(l, kw_end),
                "unsupported loop",
            )
            .with_help(
                "circuits need a bounded loop: write `for i in 0..N { .. }` with constant bounds",
            ),
        );
        self.stmt(l, StmtKind::Error, r)
    }

    pub fn binary(&self, op: BinOp, a: Expr, b: Expr) -> Expr {
        let span = a.span.to(b.span);
        Expr {
            kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
            span,
        }
    }

    /// A comparison; a chain such as `a < b < c` is reported, as rustc does.
    pub fn comparison(&mut self, op: BinOp, a: Expr, b: Expr) -> Expr {
        // Reported once per chain: at its second comparison.
        if let ExprKind::Binary(inner, first, _) = &a.kind
            && is_comparison(*inner)
            && !matches!(&first.kind, ExprKind::Binary(op, ..) if is_comparison(*op))
        {
            let op_span = Span::new(self.file, a.span.end as usize, b.span.start as usize);
            self.push(
                Diagnostic::new(Code::E0008, "comparison operators cannot be chained", op_span, "second comparison")
                    .with_secondary(a.span, "first comparison")
                    .with_help(format!(
                        "split the comparison in two and join them with `&&`: `a {} b && b {} c`, or add parentheses",
                        binop_text(*inner),
                        binop_text(op)
                    )),
            );
        }
        self.binary(op, a, b)
    }

    pub fn cast(&self, e: Expr, ty: Type) -> Expr {
        let span = e.span.to(ty.span);
        Expr {
            kind: ExprKind::Cast(Box::new(e), ty),
            span,
        }
    }

    pub fn unary(&self, l: usize, op: UnOp, e: Expr) -> Expr {
        let span = self.span(l, e.span.end as usize);
        Expr {
            kind: ExprKind::Unary(op, Box::new(e)),
            span,
        }
    }

    /// `e.0`: the index must be a plain decimal number.
    pub fn tuple_field(&mut self, e: Expr, l: usize, index: IntLit, r: usize) -> Expr {
        let span = self.span(e.span.start as usize, r);
        let value = if index.suffix.is_none() && !index.digits.starts_with("0x") {
            index.digits.parse::<u32>().ok()
        } else {
            None
        };
        match value {
            Some(i) => Expr {
                kind: ExprKind::TupleField(Box::new(e), i, self.span(l, r)),
                span,
            },
            None => {
                self.push(
                    Diagnostic::new(
                        Code::E0006,
                        "invalid tuple index",
                        self.span(l, r),
                        "not a tuple index",
                    )
                    .with_help("a tuple index is a plain decimal number, as in `t.0`"),
                );
                Expr {
                    kind: ExprKind::Error,
                    span,
                }
            }
        }
    }

    /// `Point { x }` is shorthand for `Point { x: x }`.
    pub fn shorthand_field(&self, name: Ident) -> (Ident, Expr) {
        let path = Path {
            segments: vec![name.clone()],
            span: name.span,
        };
        let value = Expr {
            kind: ExprKind::Path {
                path,
                generic_args: Vec::new(),
            },
            span: name.span,
        };
        (name, value)
    }

    pub fn arm(&self, l: usize, pat: Pattern, body: Expr) -> MatchArm {
        let span = self.span(l, body.span.end as usize);
        MatchArm { pat, body, span }
    }

    pub fn literal_pattern(&self, l: usize, kind: ExprKind, r: usize) -> Pattern {
        let e = self.expr(l, kind, r);
        Pattern {
            span: e.span,
            kind: PatternKind::Literal(e),
        }
    }

    /// A lone name binds; a longer path or one with `(..)` is an enum variant. Sub-patterns are
    /// names or `_` only (one level).
    pub fn path_pattern(
        &mut self,
        l: usize,
        path: Path,
        fields: Option<Vec<Pattern>>,
        r: usize,
    ) -> Pattern {
        let span = self.span(l, r);
        let kind = match fields {
            None if path.segments.len() == 1 => {
                PatternKind::Binding(path.segments.into_iter().next().expect("one segment"))
            }
            None => PatternKind::Variant {
                path,
                fields: Vec::new(),
            },
            Some(fields) => {
                let mut checked = Vec::with_capacity(fields.len());
                for f in fields {
                    if matches!(
                        f.kind,
                        PatternKind::Wildcard | PatternKind::Binding(_) | PatternKind::Error
                    ) {
                        checked.push(f);
                    } else {
                        self.push(
                            Diagnostic::new(Code::E0007, "nested patterns are not supported", f.span, "nested pattern")
                                .with_help("bind the payload to a name and `match` on it, or compare it with `==`"),
                        );
                        checked.push(Pattern {
                            kind: PatternKind::Error,
                            span: f.span,
                        });
                    }
                }
                PatternKind::Variant {
                    path,
                    fields: checked,
                }
            }
        };
        Pattern { kind, span }
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

/// How a binary operator is written.
pub fn binop_text(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Rem => "%",
        BinOp::BitAnd => "&",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
        BinOp::Shl => "<<",
        BinOp::Shr => ">>",
        BinOp::And => "&&",
        BinOp::Or => "||",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
    }
}

/// Cuts the token stream where constructs nest deeper than [`MAX_NESTING`], with an `E0009`.
/// Depth counts open delimiters plus, per delimiter level, the operators, `.`, `as`, `if`,
/// `match`, `(` and `[` since the last `;`, `,` or `=>` (a bound on how deep the tree gets).
fn limit_nesting(
    file: FileId,
    tokens: &mut Vec<(usize, Tok, usize)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<usize> {
    // Per open delimiter: its count and whether it is a `{`. `(` and `[` count where they
    // stand (they may be a call or an index), a `{` by being open.
    let mut levels: Vec<(u32, bool)> = vec![(0, false)];
    let mut total: u32 = 0;
    let mut braces: u32 = 0;
    let count_here = |levels: &mut Vec<(u32, bool)>, total: &mut u32| {
        levels.last_mut().expect("base level").0 += 1;
        *total += 1;
    };
    let reset_here = |levels: &mut Vec<(u32, bool)>, total: &mut u32| {
        let top = levels.last_mut().expect("base level");
        *total -= top.0;
        top.0 = 0;
    };
    for i in 0..tokens.len() {
        let tok = &tokens[i].1;
        match tok {
            Tok::LParen | Tok::LBracket => {
                count_here(&mut levels, &mut total);
                levels.push((0, false));
            }
            Tok::LBrace => {
                braces += 1;
                levels.push((0, true));
            }
            Tok::RParen | Tok::RBracket | Tok::RBrace => {
                if levels.len() > 1 {
                    let (count, brace) = levels.pop().expect("an open level");
                    total -= count;
                    braces -= u32::from(brace);
                }
                // After a block, a token that cannot continue an expression starts a new statement.
                if matches!(tok, Tok::RBrace)
                    && let Some((_, next, _)) = tokens.get(i + 1)
                    && starts_statement(next)
                {
                    reset_here(&mut levels, &mut total);
                }
            }
            Tok::Semi | Tok::Comma | Tok::FatArrow => reset_here(&mut levels, &mut total),
            Tok::Ident(_) | Tok::Int(_) | Tok::Str(_) | Tok::True | Tok::False | Tok::State => {}
            _ if tok
                .text()
                .is_some_and(|t| t.chars().all(|c| !c.is_alphanumeric()))
                || matches!(tok, Tok::As | Tok::If | Tok::Match) =>
            {
                count_here(&mut levels, &mut total);
            }
            _ => {}
        }
        let depth = braces + total;
        if depth > MAX_NESTING {
            let (l, _, r) = tokens[i];
            diagnostics.push(
                Diagnostic::new(
                    Code::E0009,
                    "expression or block nested too deeply",
                    Span::new(file, l, r),
                    format!("nesting exceeds {MAX_NESTING} levels here"),
                )
                .with_note("the rest of the file is not parsed")
                .with_help("split the expression with `let` bindings, or move code into functions"),
            );
            tokens.truncate(i);
            return Some(l);
        }
    }
    None
}

/// Tokens that start a statement or item and cannot continue an expression.
fn starts_statement(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Ident(_)
            | Tok::Crate
            | Tok::Int(_)
            | Tok::Str(_)
            | Tok::True
            | Tok::False
            | Tok::State
            | Tok::Let
            | Tok::For
            | Tok::If
            | Tok::Match
            | Tok::While
            | Tok::Loop
            | Tok::Return
            | Tok::Break
            | Tok::Continue
            | Tok::LBrace
            | Tok::RBrace
            | Tok::Fn
            | Tok::Struct
            | Tok::Enum
            | Tok::Const
            | Tok::Use
            | Tok::Test
            | Tok::Transition
            | Tok::Builtin
            | Tok::Pub
    )
}

/// Appends a closing token at `at` for every delimiter left open, innermost first, and
/// returns the open delimiters' spans, outermost first. A closer matching no open delimiter is
/// left to the parser to report.
fn close_delimiters(tokens: &mut Vec<(usize, Tok, usize)>, at: usize) -> Vec<(usize, usize)> {
    let mut open: Vec<(usize, usize, Tok)> = Vec::new();
    for (l, tok, r) in tokens.iter() {
        let closer = match tok {
            Tok::LParen => Tok::RParen,
            Tok::LBracket => Tok::RBracket,
            Tok::LBrace => Tok::RBrace,
            Tok::RParen | Tok::RBracket | Tok::RBrace => {
                if let Some(i) = open.iter().rposition(|(_, _, c)| c == tok) {
                    open.truncate(i);
                }
                continue;
            }
            _ => continue,
        };
        open.push((*l, *r, closer));
    }
    let spans = open.iter().map(|&(l, r, _)| (l, r)).collect();
    tokens.extend(
        open.into_iter()
            .rev()
            .map(|(_, _, closer)| (at, closer, at)),
    );
    spans
}

/// Where the parser met the unexpected token.
fn error_location(e: &ParseError<usize, Tok, Infallible>) -> usize {
    match e {
        ParseError::UnrecognizedToken {
            token: (l, _, _), ..
        }
        | ParseError::ExtraToken { token: (l, _, _) } => *l,
        ParseError::UnrecognizedEof { location, .. } | ParseError::InvalidToken { location } => {
            *location
        }
        ParseError::User { error } => match *error {},
    }
}

/// Line numbers of byte offsets.
struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        LineIndex { starts }
    }

    fn line(&self, offset: u32) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

/// Turns lalrpop's errors into diagnostics.
struct Errors<'a> {
    file: FileId,
    text: &'a str,
    spans: &'a [(usize, usize)],
}

impl Errors<'_> {
    fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r)
    }

    fn diagnostic(&self, e: &ParseError<usize, Tok, Infallible>) -> Option<Diagnostic> {
        match e {
            ParseError::UnrecognizedToken {
                token: (l, tok, r),
                expected,
            } => self.unexpected(*l, tok, *r, expected),
            ParseError::ExtraToken { token: (l, tok, r) } => self.unexpected(*l, tok, *r, &[]),
            ParseError::UnrecognizedEof { location, expected } => {
                let end = self.text.len();
                let at = (*location).min(end);
                let expected = describe_expected(expected);
                let mut d = Diagnostic::new(
                    Code::E0002,
                    match &expected {
                        Some(list) => format!("expected {list}, found end of file"),
                        None => "unexpected end of file".to_string(),
                    },
                    self.span(end, end),
                    "the file ends here",
                );
                if at < end {
                    d = d.with_secondary(self.span(at, at), "after this");
                }
                Some(d)
            }
            ParseError::InvalidToken { location } => Some(Diagnostic::new(
                Code::E0001,
                "invalid token",
                self.span(*location, *location),
                "invalid token",
            )),
            ParseError::User { error } => match *error {},
        }
    }

    fn unexpected(&self, l: usize, tok: &Tok, r: usize, expected: &[String]) -> Option<Diagnostic> {
        if matches!(tok, Tok::Reserved(_)) {
            // Already reported by the lexer (`E0007`).
            return None;
        }
        let found = self.found(l, r, tok);
        let list = describe_expected(expected);
        // A separator missing at the end of a line: point after the previous token, as rustc does.
        let prev_end = self.previous_token_end(l);
        for sep in [";", ","] {
            let wanted = format!("\"{sep}\"");
            if expected.contains(&wanted)
                && let Some(prev) = prev_end
                && self.text[prev..l].contains('\n')
            {
                return Some(
                    Diagnostic::new(
                        Code::E0001,
                        format!("expected `{sep}`, found {found}"),
                        self.span(prev, prev),
                        format!("expected `{sep}`"),
                    )
                    .with_secondary(self.span(l, r), "unexpected token")
                    .with_help(format!("add `{sep}` here")),
                );
            }
        }
        // `crate` alone: point at it rather than at whatever follows.
        if expected.iter().any(|t| t == "\"::\"")
            && let Some(&(cl, cr)) = self.previous_span(l)
            && &self.text[cl..cr] == "crate"
        {
            return Some(
                Diagnostic::new(
                    Code::E0001,
                    format!("expected `::` after `crate`, found {found}"),
                    self.span(cl, cr),
                    "`crate` alone is not a path",
                )
                .with_secondary(self.span(l, r), "unexpected token")
                .with_help("`crate` is the chain's root module: name an item in it, as in `crate::Account`"),
            );
        }
        let message = match &list {
            Some(list) => format!("expected {list}, found {found}"),
            None => format!("unexpected {found}"),
        };
        let label = match tok {
            Tok::RParen | Tok::RBracket | Tok::RBrace => "unexpected closing delimiter",
            _ => "unexpected token",
        };
        let mut d = Diagnostic::new(Code::E0001, message, self.span(l, r), label);
        if matches!(tok, Tok::Shr) && expected.iter().any(|t| t == "\">\"") {
            d = d.with_help(
                "`>>` is read as a shift operator; close nested argument lists with `> >`",
            );
        }
        // `if x == P { a: 1 } { .. }`: the `{` was read as the start of the block.
        if matches!(tok, Tok::Colon | Tok::Comma)
            && let [before_brace, brace, _field] = self.previous_tokens(l, 3)[..]
            && brace == "{"
            && before_brace.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            d = d.with_help(format!(
                "struct literals are not allowed in the head of `if`, `match` or `for`; \
                 put it in parentheses: `({before_brace} {{ .. }})`"
            ));
        }
        Some(d)
    }

    /// The text of the `n` tokens before the one at `l`, or fewer at the start of the file.
    fn previous_tokens(&self, l: usize, n: usize) -> Vec<&str> {
        let i = self.spans.partition_point(|(start, _)| *start < l);
        self.spans[i.saturating_sub(n)..i]
            .iter()
            .map(|&(a, b)| &self.text[a..b])
            .collect()
    }

    fn previous_token_end(&self, l: usize) -> Option<usize> {
        self.previous_span(l).map(|&(_, end)| end)
    }

    /// The span of the token before the one at `l`.
    fn previous_span(&self, l: usize) -> Option<&(usize, usize)> {
        let i = self.spans.partition_point(|(start, _)| *start < l);
        i.checked_sub(1).map(|i| &self.spans[i])
    }

    /// How a found token is named: its text, shortened.
    fn found(&self, l: usize, r: usize, tok: &Tok) -> String {
        match tok {
            Tok::Str(_) => "a string literal".to_string(),
            Tok::Int(_) | Tok::Ident(_) | Tok::Reserved(_) => {
                let text = &self.text[l..r];
                if text.chars().count() > 24 {
                    let short: String = text.chars().take(24).collect();
                    format!("`{short}...`")
                } else {
                    format!("`{text}`")
                }
            }
            other => other.to_string(),
        }
    }
}

/// Names for the terminals of the grammar.
fn terminal_name(t: &str) -> String {
    match t {
        "Ident" => "an identifier".into(),
        "Int" => "an integer literal".into(),
        "Str" => "a string literal".into(),
        _ => format!("`{}`", t.trim_matches('"')),
    }
}

const EXPR_START: &[&str] = &[
    "Ident",
    "Int",
    "\"(\"",
    "\"[\"",
    "\"-\"",
    "\"!\"",
    "\"true\"",
    "\"state\"",
];
const BINARY_OPS: &[&str] = &[
    "\"+\"", "\"-\"", "\"*\"", "\"/\"", "\"%\"", "\"&\"", "\"|\"", "\"^\"", "\"<<\"", "\">>\"",
    "\"&&\"", "\"||\"", "\"==\"", "\"!=\"", "\"<\"", "\"<=\"", "\">\"", "\">=\"", "\"as\"",
];
const ASSIGN_OPS: &[&str] = &[
    "\"=\"", "\"+=\"", "\"-=\"", "\"*=\"", "\"/=\"", "\"%=\"", "\"&=\"", "\"|=\"", "\"^=\"",
    "\"<<=\"", "\">>=\"",
];
/// Tokens the grammar only accepts to explain them; never suggested.
const HIDDEN: &[&str] = &[
    "\"return\"",
    "\"break\"",
    "\"continue\"",
    "\"while\"",
    "\"loop\"",
    "\"pub\"",
    "\"super\"",
    "\"self\"",
    "Reserved",
];
/// Tokens that start an expression besides `EXPR_START`; folded into "an expression".
const EXPR_START_MORE: &[&str] = &[
    "\"false\"",
    "Str",
    "\"if\"",
    "\"match\"",
    "\"{\"",
    "\"test\"",
    "\"transition\"",
    "\"builtin\"",
    "\"crate\"",
];

/// `one of `a`, `b`, or `c``, folding expression starts and operators into a word each.
fn describe_expected(expected: &[String]) -> Option<String> {
    let mut rest: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|t| !HIDDEN.contains(t))
        .collect();
    let mut words = Vec::new();
    let has_all = |set: &[&str], rest: &[&str]| set.iter().all(|t| rest.contains(t));
    let ops = has_all(&BINARY_OPS[..BINARY_OPS.len() - 1], &rest);
    let exprs = has_all(EXPR_START, &rest);
    if exprs {
        rest.retain(|t| !EXPR_START.contains(t) && !EXPR_START_MORE.contains(t));
        words.push("an expression".to_string());
    }
    let assign = has_all(ASSIGN_OPS, &rest);
    if ops {
        rest.retain(|t| !BINARY_OPS.contains(t) && !matches!(*t, "\".\"" | "\"(\"" | "\"[\""));
        if assign {
            rest.retain(|t| !ASSIGN_OPS.contains(t));
        }
        words.push("an operator".to_string());
    } else if assign {
        rest.retain(|t| !ASSIGN_OPS.contains(t));
        words.push("an assignment operator".to_string());
    }
    const PATTERN_START: &[&str] = &["\"_\"", "Ident", "Int", "\"true\"", "\"false\""];
    const TYPE_START: &[&str] = &["Ident", "\"(\"", "\"[\""];
    if !exprs && has_all(PATTERN_START, &rest) {
        rest.retain(|t| !PATTERN_START.contains(t) && !EXPR_START_MORE.contains(t));
        words.push("a pattern".to_string());
    } else if !exprs && has_all(TYPE_START, &rest) && !rest.contains(&"Int") {
        rest.retain(|t| !TYPE_START.contains(t) && !EXPR_START_MORE.contains(t));
        words.push("a type".to_string());
    }
    // Where a path may start, `crate` goes with "an identifier".
    if has_all(
        &["Ident", "\"test\"", "\"transition\"", "\"builtin\""],
        &rest,
    ) {
        rest.retain(|t| {
            !matches!(
                *t,
                "\"test\"" | "\"transition\"" | "\"builtin\"" | "\"crate\""
            )
        });
    }
    // Tokens first, then words ("an identifier", "an expression").
    let mut names: Vec<String> = rest.iter().map(|t| terminal_name(t)).collect();
    names.sort_by_key(|n| !n.starts_with('`'));
    names.extend(words);
    match names.len() {
        0 => None,
        1 => Some(names.pop().expect("one name")),
        2 if names.iter().all(|n| n.starts_with('`')) => {
            Some(format!("one of {} or {}", names[0], names[1]))
        }
        2 => Some(format!("{} or {}", names[0], names[1])),
        n if n > 12 => Some(format!("one of {n} possible tokens")),
        _ => {
            let last = names.pop().expect("several names");
            Some(format!("one of {}, or {last}", names.join(", ")))
        }
    }
}
