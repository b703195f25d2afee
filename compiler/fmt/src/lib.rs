//! `stele fmt`: the one layout of Stele source.
//!
//! The formatter works on the lexer's tokens and comments, with the syntax tree telling apart
//! what tokens alone cannot (a generic `<` from a comparison, a unary `-` from a subtraction, a
//! brace that opens a list of fields from one that opens a block). Where lines break is the
//! author's choice and is kept, except that `else` joins the `}` before it and a block's `{`
//! joins the line it belongs to (`if c {`, `fn f() {`); everything else is fixed:
//!
//! - indentation is four spaces per open bracket that ends its line, plus four for a line that
//!   continues an expression of the line before or a bracket opened on an earlier line;
//! - spaces inside a line follow one table (binary operators and `=` spaced, no space inside
//!   `()` and `[]`, one inside `{ .. }` on one line, none before `,` `;` `:`);
//! - at most one blank line in a row, none after an opening bracket or before a closing one;
//! - a list broken over lines ends with a comma, a list on one line does not;
//! - comments (line, block and doc comments) stay where they are, with trailing spaces removed;
//! - the file ends with one newline.
//!
//! A file that does not parse is refused: [`format`] returns its syntax errors.

mod marks;

use stele_diagnostics::{Diagnostic, FileId};
use stele_syntax::lexer::{self, Tok};

/// Formats one source file. `Err` holds the syntax errors of a file that does not parse.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let file = FileId(0);
    let (ast, diagnostics) = stele_syntax::parse_file(file, text);
    let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let lexed = lexer::lex(file, text);
    let marks = marks::Marks::collect(&ast, &lexed.tokens);
    let elements = elements(text, &lexed.tokens, &lexed.comments, &marks);
    Ok(Printer::new(&elements).run())
}

/// Whether `text` is already in the formatter's layout (`false` also for a file that does not
/// parse).
pub fn is_formatted(text: &str) -> bool {
    format(text).is_ok_and(|f| f == text)
}

/// A token or a comment, in source order.
#[derive(Debug)]
struct Element<'a> {
    text: &'a str,
    /// `None` for a comment.
    tok: Option<Tok>,
    /// Line breaks between the end of the previous element and this one.
    newlines: usize,
    /// A `<` that opens generic arguments.
    generic_open: bool,
    /// A `-` or `!` applied to one operand.
    unary: bool,
    /// A `{` that opens a list of fields or variants.
    list_brace: bool,
}

impl Element<'_> {
    fn is(&self, tok: &Tok) -> bool {
        self.tok.as_ref() == Some(tok)
    }

    fn is_comment(&self) -> bool {
        self.tok.is_none()
    }

    fn is_open(&self) -> bool {
        matches!(self.tok, Some(Tok::LParen | Tok::LBracket | Tok::LBrace))
    }

    fn is_close(&self) -> bool {
        matches!(self.tok, Some(Tok::RParen | Tok::RBracket | Tok::RBrace))
    }
}

fn elements<'a>(
    text: &'a str,
    tokens: &[(usize, Tok, usize)],
    comments: &[(usize, usize)],
    marks: &marks::Marks,
) -> Vec<Element<'a>> {
    let mut spans: Vec<(usize, usize, Option<&Tok>)> = tokens
        .iter()
        .map(|(l, t, r)| (*l, *r, Some(t)))
        .chain(comments.iter().map(|&(l, r)| (l, r, None)))
        .collect();
    spans.sort_by_key(|s| s.0);
    let mut prev_end = 0;
    let mut out = Vec::with_capacity(spans.len());
    for (i, (start, end, tok)) in spans.into_iter().enumerate() {
        let gap = &text[prev_end.min(start)..start];
        let newlines = if i == 0 { 0 } else { gap.matches('\n').count() };
        prev_end = end;
        let raw = &text[start..end];
        out.push(Element {
            text: if tok.is_none() { raw.trim_end() } else { raw },
            tok: tok.cloned(),
            newlines,
            generic_open: marks.generic_open.contains(&start),
            unary: marks.unary.contains(&start),
            list_brace: marks.list_brace.contains(&start),
        });
    }
    out
}

/// An open bracket while printing.
struct Open {
    tok: Tok,
    /// The bracket ends its line: its contents are indented.
    multiline: bool,
    /// A comma was printed directly inside it.
    has_comma: bool,
    /// A `;` directly inside it (`[x; N]`): not a list.
    has_semi: bool,
    list_brace: bool,
    /// Generic `<`s open directly inside it.
    angles: usize,
    /// `{` of `use a::{b, c}`: no spaces inside.
    use_group: bool,
}

struct Printer<'a, 'e> {
    elements: &'e [Element<'a>],
    out: String,
    stack: Vec<Open>,
    /// Where in `out` the last token (not comment) ended, and that token.
    last_token: Option<(usize, usize)>,
    /// Whether the previous printed element was a generic-closing `>`.
    prev_generic_close: bool,
    /// The element printed last.
    prev: Option<usize>,
    /// The token printed last, and the one before it.
    current_token: Option<usize>,
    prev_token: Option<usize>,
}

impl<'a, 'e> Printer<'a, 'e> {
    fn new(elements: &'e [Element<'a>]) -> Self {
        Printer {
            elements,
            out: String::new(),
            stack: Vec::new(),
            last_token: None,
            prev_generic_close: false,
            prev: None,
            current_token: None,
            prev_token: None,
        }
    }

    fn run(mut self) -> String {
        for i in 0..self.elements.len() {
            self.element(i);
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    fn indent_level(&self) -> usize {
        self.stack.iter().filter(|o| o.multiline).count()
    }

    /// The element after element `i`.
    fn next(&self, i: usize) -> Option<&'e Element<'a>> {
        self.elements.get(i + 1)
    }

    fn last_token_element(&self) -> Option<&'e Element<'a>> {
        self.last_token.map(|(_, i)| &self.elements[i])
    }

    fn element(&mut self, i: usize) {
        let el = &self.elements[i];
        // A comma directly before a closer on the same line is dropped from a list.
        if el.is(&Tok::Comma)
            && let Some(next) = self.next(i)
            && next.is_close()
            && next.newlines == 0
            && let Some(open) = self.stack.last()
            && (open.tok != Tok::LParen || open.has_comma)
            && (open.tok != Tok::LBrace || open.list_brace || open.use_group)
        {
            return;
        }
        let mut closing = None;
        if el.is_close() {
            closing = self.stack.pop();
        }
        let generic_close = self.generic_close(el);
        let first = self.out.is_empty();
        let newlines = if self.joins_previous_line(el) {
            0
        } else {
            el.newlines
        };
        if !first && newlines > 0 {
            if let Some(open) = &closing {
                self.add_trailing_comma(open);
            }
            let after_open = self.last_token_element().is_some_and(|t| t.is_open())
                && self
                    .last_token
                    .is_some_and(|(end, _)| self.out[end..].trim().is_empty());
            let blank = newlines >= 2 && !after_open && !el.is_close();
            self.out.push('\n');
            if blank {
                self.out.push('\n');
            }
            let mut level = self.indent_level();
            if closing.is_none() && self.continues() {
                level += 1;
            }
            for _ in 0..level {
                self.out.push_str("    ");
            }
        } else if !first
            && self.space_before(el, generic_close)
            && !closing.as_ref().is_some_and(|o| o.use_group)
        {
            self.out.push(' ');
        }
        self.out.push_str(el.text);
        self.prev = Some(i);
        self.prev_generic_close = generic_close;
        if el.is_comment() {
            return;
        }
        self.last_token = Some((self.out.len(), i));
        self.prev_token = self.current_token.replace(i);
        if let Some(top) = self.stack.last_mut() {
            if el.is(&Tok::Comma) && top.angles == 0 {
                top.has_comma = true;
            }
            if el.is(&Tok::Semi) {
                top.has_semi = true;
            }
        }
        if el.generic_open {
            if let Some(top) = self.stack.last_mut() {
                top.angles += 1;
            } else {
                self.stack.push(Open {
                    tok: Tok::Lt,
                    multiline: false,
                    has_comma: false,
                    has_semi: false,
                    list_brace: false,
                    angles: 1,
                    use_group: false,
                });
            }
        }
        if let Some(tok) = el.tok.clone().filter(|_| el.is_open()) {
            let use_group = tok == Tok::LBrace
                && self
                    .prev_token
                    .is_some_and(|p| self.elements[p].is(&Tok::ColonColon));
            // Ends its line, perhaps after a comment.
            let multiline = self.elements[i + 1..]
                .iter()
                .find(|n| n.newlines > 0 || !n.is_comment())
                .is_some_and(|n| n.newlines > 0);
            self.stack.push(Open {
                tok,
                multiline,
                has_comma: false,
                has_semi: false,
                list_brace: el.list_brace,
                angles: 0,
                use_group,
            });
        }
    }

    /// Whether `el` closes generic arguments (and pops them).
    fn generic_close(&mut self, el: &Element<'_>) -> bool {
        let count = match el.tok {
            Some(Tok::Gt) => 1,
            Some(Tok::Shr) => 2,
            _ => return false,
        };
        let Some(top) = self.stack.last_mut() else {
            return false;
        };
        if top.angles < count {
            return false;
        }
        top.angles -= count;
        if top.tok == Tok::Lt && top.angles == 0 {
            self.stack.pop();
        }
        true
    }

    /// `else` goes on the line of the `}` before it, and a block's `{` on the line of what
    /// it belongs to (`if c`, `fn f()`, `struct S`, `A =>`), unless a comment is between.
    fn joins_previous_line(&self, el: &Element<'_>) -> bool {
        let Some(prev) = self.prev.map(|p| &self.elements[p]) else {
            return false;
        };
        let Some(prev_tok) = &prev.tok else {
            return false;
        };
        match el.tok {
            Some(Tok::Else) => *prev_tok == Tok::RBrace,
            Some(Tok::LBrace) => {
                self.prev_generic_close
                    || matches!(
                        prev_tok,
                        Tok::RParen
                            | Tok::RBracket
                            | Tok::Ident(_)
                            | Tok::Int(_)
                            | Tok::Else
                            | Tok::FatArrow
                            | Tok::State
                    )
            }
            _ => false,
        }
    }

    /// A line that goes on with the expression of the line before.
    fn continues(&self) -> bool {
        // Inside a bracket opened on an earlier line that did not end there: `f(a,\n b)`.
        if self
            .stack
            .last()
            .is_some_and(|o| !o.multiline && o.tok != Tok::Lt)
        {
            return true;
        }
        match self.last_token_element() {
            None => false,
            Some(t) => !matches!(
                t.tok,
                Some(
                    Tok::Semi
                        | Tok::Comma
                        | Tok::LBrace
                        | Tok::RBrace
                        | Tok::LParen
                        | Tok::LBracket
                )
            ),
        }
    }

    /// `,` after the last item of a list broken over lines.
    fn add_trailing_comma(&mut self, open: &Open) {
        let Some((end, i)) = self.last_token else {
            return;
        };
        let last = &self.elements[i];
        if last.is(&Tok::Comma) || last.is_open() || !open.multiline || open.has_semi {
            return;
        }
        let is_list = match open.tok {
            Tok::LBrace => open.list_brace,
            _ => open.has_comma,
        };
        if is_list {
            self.out.insert(end, ',');
        }
    }

    fn space_before(&self, el: &Element<'_>, generic_close: bool) -> bool {
        let Some(prev) = self.prev.map(|p| &self.elements[p]) else {
            return false;
        };
        if el.is_comment() || prev.is_comment() {
            return true;
        }
        let prev_tok = prev.tok.as_ref().expect("not a comment");
        let next_tok = el.tok.as_ref().expect("not a comment");
        if matches!(
            prev_tok,
            Tok::LParen | Tok::LBracket | Tok::ColonColon | Tok::Dot | Tok::DotDot
        ) || prev.generic_open
            || prev.unary
        {
            return false;
        }
        if matches!(
            next_tok,
            Tok::RParen
                | Tok::RBracket
                | Tok::Comma
                | Tok::Semi
                | Tok::Colon
                | Tok::ColonColon
                | Tok::Dot
                | Tok::DotDot
        ) || el.generic_open
            || (generic_close && !self.prev_generic_close)
        {
            return false;
        }
        if *prev_tok == Tok::LBrace
            && (*next_tok == Tok::RBrace || self.stack.last().is_some_and(|o| o.use_group))
        {
            return false;
        }
        if matches!(next_tok, Tok::LParen | Tok::LBracket) {
            let value_like = matches!(
                prev_tok,
                Tok::Ident(_)
                    | Tok::Int(_)
                    | Tok::Str(_)
                    | Tok::True
                    | Tok::False
                    | Tok::RParen
                    | Tok::RBracket
            ) || self.prev_generic_close;
            return !value_like;
        }
        true
    }
}
