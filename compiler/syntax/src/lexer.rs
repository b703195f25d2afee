//! The hand-written lexer: source text to tokens, doc comments and lexical diagnostics.
//! It never stops: a bad character, string or number is reported and lexing goes on.

use std::collections::BTreeMap;
use std::fmt;

use stele_diagnostics::{Code, Diagnostic, FileId, Span};

/// An integer literal: digits as written (underscores removed, `0x` kept) and a type suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntLit {
    pub digits: String,
    pub suffix: Option<String>,
}

/// The type suffixes an integer literal may carry.
pub const INT_SUFFIXES: &[&str] = &["u8", "u16", "u32", "u64", "u128", "Field"];

macro_rules! tokens {
    ($($variant:ident = $text:literal,)*) => {
        /// A token. Keywords and punctuation carry no data.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Tok {
            Ident(String),
            Int(IntLit),
            Str(String),
            /// A word reserved for syntax Stele does not have (`impl`, `mod`, ...).
            Reserved(&'static str),
            $($variant,)*
        }

        impl Tok {
            /// How the token is written, for keywords and punctuation.
            pub fn text(&self) -> Option<&'static str> {
                match self {
                    $(Tok::$variant => Some($text),)*
                    Tok::Reserved(word) => Some(word),
                    _ => None,
                }
            }
        }

        /// How every keyword and punctuation token is written.
        pub const TOKEN_TEXTS: &[&str] = &[$($text,)*];

        /// The keyword (or punctuation) token written `text`.
        fn keyword(text: &str) -> Option<Tok> {
            match text {
                $($text => Some(Tok::$variant),)*
                _ => None,
            }
        }
    };
}

tokens! {
    As = "as",
    Builtin = "builtin",
    Const = "const",
    Crate = "crate",
    Else = "else",
    Enum = "enum",
    False = "false",
    Fn = "fn",
    For = "for",
    If = "if",
    In = "in",
    Let = "let",
    Match = "match",
    Mut = "mut",
    State = "state",
    Struct = "struct",
    Test = "test",
    Transition = "transition",
    True = "true",
    Use = "use",
    // Rust keywords with no Stele meaning that the grammar still recognises, to explain them.
    Break = "break",
    Continue = "continue",
    Loop = "loop",
    Pub = "pub",
    Return = "return",
    While = "while",
    // Punctuation.
    LParen = "(",
    RParen = ")",
    LBracket = "[",
    RBracket = "]",
    LBrace = "{",
    RBrace = "}",
    Comma = ",",
    Semi = ";",
    Colon = ":",
    ColonColon = "::",
    Dot = ".",
    DotDot = "..",
    Arrow = "->",
    FatArrow = "=>",
    Underscore = "_",
    Eq = "=",
    EqEq = "==",
    Ne = "!=",
    Lt = "<",
    Le = "<=",
    Gt = ">",
    Ge = ">=",
    Plus = "+",
    Minus = "-",
    Star = "*",
    Slash = "/",
    Percent = "%",
    Amp = "&",
    Pipe = "|",
    Caret = "^",
    Shl = "<<",
    Shr = ">>",
    AndAnd = "&&",
    OrOr = "||",
    Bang = "!",
    PlusEq = "+=",
    MinusEq = "-=",
    StarEq = "*=",
    SlashEq = "/=",
    PercentEq = "%=",
    AmpEq = "&=",
    PipeEq = "|=",
    CaretEq = "^=",
    ShlEq = "<<=",
    ShrEq = ">>=",
}

/// The keywords: the words among [`TOKEN_TEXTS`] (including Rust keywords Stele reads only to
/// explain them).
pub fn keywords() -> impl Iterator<Item = &'static str> {
    TOKEN_TEXTS
        .iter()
        .copied()
        .filter(|t| t.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Words that are not Stele syntax; using one is an `E0007` error.
pub const RESERVED: &[&str] = &[
    "dyn", "extern", "impl", "mod", "move", "ref", "self", "Self", "static", "super", "trait",
    "type", "unsafe", "where", "yield", "async", "await",
];

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(name) => write!(f, "`{name}`"),
            Tok::Int(_) => f.write_str("integer literal"),
            Tok::Str(_) => f.write_str("string literal"),
            other => write!(f, "`{}`", other.text().unwrap_or("?")),
        }
    }
}

/// The lexer's result.
pub struct Lexed {
    /// `(start, token, end)` byte offsets.
    pub tokens: Vec<(usize, Tok, usize)>,
    /// `//!` lines before the first token.
    pub file_docs: Vec<String>,
    /// `///` lines, keyed by the start offset of the token that follows them.
    pub docs: BTreeMap<usize, Vec<String>>,
    /// `(start, end)` byte offsets of every comment (line, block and doc comments), in order:
    /// the formatter and the language server keep them.
    pub comments: Vec<(usize, usize)>,
    pub diagnostics: Vec<Diagnostic>,
    /// The file ends inside a string or block comment.
    pub ended_in_literal: bool,
}

/// Splits `text` into tokens.
pub fn lex(file: FileId, text: &str) -> Lexed {
    let mut lexer = Lexer {
        file,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out: Lexed {
            // About one token per five bytes in typical code.
            tokens: Vec::with_capacity(text.len() / 5),
            file_docs: Vec::new(),
            docs: BTreeMap::new(),
            comments: Vec::new(),
            diagnostics: Vec::new(),
            ended_in_literal: false,
        },
        pending_docs: Vec::new(),
    };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    file: FileId,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Lexed,
    pending_docs: Vec<String>,
}

impl Lexer<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        start: usize,
        end: usize,
        label: &str,
    ) -> &mut Diagnostic {
        let d = Diagnostic::new(code, message, self.span(start, end), label);
        self.out.diagnostics.push(d);
        self.out.diagnostics.last_mut().expect("just pushed")
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn push(&mut self, start: usize, tok: Tok) {
        if !self.pending_docs.is_empty() {
            let docs = std::mem::take(&mut self.pending_docs);
            self.out.docs.insert(start, docs);
        }
        self.out.tokens.push((start, tok, self.pos));
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let c = self.bytes[self.pos];
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if self.peek(1) == b'/' => self.line_comment(),
                b'/' if self.peek(1) == b'*' => self.block_comment(),
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.word(),
                b'0'..=b'9' => self.number(),
                b'"' => self.string(),
                b'\'' if self.char_literal_len().is_some() => self.char_literal(),
                _ => {
                    if let Some((tok, len)) = punct(&self.bytes[self.pos..]) {
                        self.pos += len;
                        self.push(start, tok);
                    } else {
                        self.unknown();
                    }
                }
            }
        }
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        self.pos = end;
        self.out.comments.push((start, end));
        let body = &self.text[start..end];
        let doc_text = |rest: &str| {
            let rest = rest.trim_end_matches('\r');
            rest.strip_prefix(' ').unwrap_or(rest).to_string()
        };
        if let Some(rest) = body.strip_prefix("///") {
            if !rest.starts_with('/') {
                self.pending_docs.push(doc_text(rest));
            }
        } else if let Some(rest) = body.strip_prefix("//!") {
            if self.out.tokens.is_empty() {
                self.out.file_docs.push(doc_text(rest));
            } else {
                self.error(Code::E0001, "expected outer doc comment", start, end, "inner doc comment after the first item")
                    .help = Some("`//!` documents the file and must come before any item; use `///` to document the next item".into());
            }
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let mut depth = 1usize;
        while self.pos < self.bytes.len() {
            match (self.bytes[self.pos], self.peek(1)) {
                (b'/', b'*') => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        self.out.comments.push((start, self.pos));
                        return;
                    }
                }
                _ => self.pos += 1,
            }
        }
        self.out.ended_in_literal = true;
        self.out.comments.push((start, self.pos));
        self.error(
            Code::E0004,
            "unterminated block comment",
            start,
            start + 2,
            "comment starts here",
        )
        .notes
        .push(format!(
            "{depth} `*/` missing at the end of the file (block comments nest)"
        ));
    }

    fn word(&mut self) {
        let start = self.pos;
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        if word == "_" {
            return self.push(start, Tok::Underscore);
        }
        if let Some(tok) = keyword(word) {
            return self.push(start, tok);
        }
        if let Some(&reserved) = RESERVED.iter().find(|r| **r == word) {
            let help = match reserved {
                "impl" | "trait" => {
                    "Stele has no methods or traits; write a free function `fn f(x: T)`"
                }
                "mod" => "every file is a module: `src/a.stele` is the module `a`",
                "type" => "Stele has no type aliases",
                "super" => {
                    "Stele has no relative paths: start the path at `crate`, the chain's root module, as in `crate::account::Account`"
                }
                "self" if self.text[self.pos..].trim_start().starts_with("::") => {
                    "Stele has no relative paths: name an item of this module directly, or start the path at `crate`, the chain's root module"
                }
                "self" => "Stele has no methods; pass the value to a free function `fn f(x: T)`",
                "Self" => "Stele has no methods or `impl` blocks; write the type's name",
                _ => "this word is reserved and cannot be used as a name",
            };
            self.error(
                Code::E0007,
                format!("`{reserved}` is not supported in Stele"),
                start,
                self.pos,
                "reserved word",
            )
            .help = Some(help.into());
            return self.push(start, Tok::Reserved(reserved));
        }
        self.push(start, Tok::Ident(word.to_string()));
    }

    fn number(&mut self) {
        let start = self.pos;
        let hex = self.peek(0) == b'0' && self.peek(1) == b'x';
        if hex {
            self.pos += 2;
        }
        // The digits and any suffix: one run of identifier characters.
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        let raw = &self.text[start..self.pos];
        let body = if hex { &raw[2..] } else { raw };
        let is_digit = |c: char| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        };
        let mut digits_end = body
            .find(|c: char| !is_digit(c) && c != '_')
            .unwrap_or(body.len());
        // `0x1Field`: `F` is a hex digit, but the literal means `0x1` with the `Field` suffix.
        if hex && body.ends_with("Field") && digits_end > body.len() - 5 {
            digits_end = body.len() - 5;
        }
        let digits: String = body[..digits_end].chars().filter(|&c| c != '_').collect();
        let suffix = &body[digits_end..];
        let mut lit = IntLit {
            digits: if hex {
                format!("0x{digits}")
            } else {
                digits.clone()
            },
            suffix: None,
        };
        if digits.is_empty() {
            self.error(
                Code::E0006,
                "invalid integer literal",
                start,
                self.pos,
                "no digits after `0x`",
            )
            .help = Some("write hexadecimal digits after `0x`, as in `0xff`".into());
            lit.digits = "0".into();
        } else if !suffix.is_empty() {
            if INT_SUFFIXES.contains(&suffix) {
                lit.suffix = Some(suffix.to_string());
            } else {
                let suffix_start = self.pos - suffix.len();
                let d = self.error(
                    Code::E0006,
                    format!("invalid suffix `{suffix}` for integer literal"),
                    suffix_start,
                    self.pos,
                    "invalid suffix",
                );
                d.help = Some(
                    if raw.starts_with("0b") || raw.starts_with("0o") || raw.starts_with("0X") {
                        "only decimal and `0x` hexadecimal literals are supported".into()
                    } else {
                        "the valid suffixes are `u8`, `u16`, `u32`, `u64`, `u128` and `Field`"
                            .into()
                    },
                );
            }
        }
        // `1.5`; but `t.0.1` is two tuple indices.
        let after_dot = matches!(self.out.tokens.last(), Some((_, Tok::Dot, _)));
        if !hex && !after_dot && self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            self.pos += 1;
            while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                self.pos += 1;
            }
            self.error(
                Code::E0006,
                "floating-point literals are not supported",
                start,
                self.pos,
                "not an integer",
            )
            .help =
                Some("Stele has only integers: scale the value, or divide `Field` values".into());
        }
        self.push(start, Tok::Int(lit));
    }

    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                self.out.ended_in_literal = true;
                self.error(
                    Code::E0005,
                    "unterminated string literal",
                    start,
                    start + 1,
                    "string starts here",
                )
                .help = Some("add a closing `\"`".into());
                break;
            };
            let at = self.pos;
            self.pos += c.len_utf8();
            match c {
                '"' => break,
                '\\' => self.escape(at, &mut value),
                c => value.push(c),
            }
        }
        self.push(start, Tok::Str(value));
    }

    /// An escape after the `\` at `at`; `self.pos` is just past the backslash.
    fn escape(&mut self, at: usize, value: &mut String) {
        let Some(c) = self.text[self.pos..].chars().next() else {
            return;
        };
        self.pos += c.len_utf8();
        let simple = match c {
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            '0' => Some('\0'),
            '\\' => Some('\\'),
            '"' => Some('"'),
            '\'' => Some('\''),
            '\n' => {
                // A line continuation: skip the newline and the next line's leading whitespace.
                while matches!(self.peek(0), b' ' | b'\t' | b'\n' | b'\r') {
                    self.pos += 1;
                }
                return;
            }
            _ => None,
        };
        if let Some(ch) = simple {
            value.push(ch);
            return;
        }
        if c == 'u' && self.peek(0) == b'{' {
            let rest = &self.text[self.pos + 1..];
            if let Some(close) = rest.find('}').filter(|&i| i <= 7) {
                let hex = &rest[..close];
                self.pos += close + 2;
                match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if !hex.is_empty() => value.push(ch),
                    _ => {
                        self.error(
                            Code::E0005,
                            "invalid unicode escape",
                            at,
                            self.pos,
                            "not a unicode scalar value",
                        )
                        .help =
                            Some("write one to six hexadecimal digits, as in `\\u{1F600}`".into());
                    }
                }
                return;
            }
        }
        self.error(
            Code::E0005,
            format!("unknown character escape `\\{}`", c.escape_debug()),
            at,
            self.pos,
            "unknown escape",
        )
        .help = Some(
            "the escapes are `\\n`, `\\r`, `\\t`, `\\0`, `\\\\`, `\\\"`, `\\'` and `\\u{...}`"
                .into(),
        );
    }

    /// The length of a Rust-style character literal at `pos` (`'x'`, `'\n'`), if there is one.
    fn char_literal_len(&self) -> Option<usize> {
        let rest = &self.text[self.pos + 1..];
        let mut chars = rest.char_indices();
        let (_, first) = chars.next()?;
        if first == '\n' || first == '\'' {
            return None;
        }
        if first == '\\' {
            chars.next()?;
        }
        let (close, c) = chars.find(|&(i, c)| c == '\'' || c == '\n' || i > 12)?;
        (c == '\'').then_some(close + 2)
    }

    /// `'x'`: reported, and read as a string so the expression around it still parses.
    fn char_literal(&mut self) {
        let start = self.pos;
        let len = self.char_literal_len().unwrap_or(1);
        self.pos += len;
        let inner = self.text[start + 1..self.pos - 1].to_string();
        self.error(
            Code::E0003,
            "character literals are not supported",
            start,
            self.pos,
            "character literal",
        )
        .help = Some("Stele has no `char` type; use a string `\"...\"` or an integer".into());
        self.push(start, Tok::Str(inner));
    }

    /// A run of characters that start no token: one diagnostic for the run.
    fn unknown(&mut self) {
        let start = self.pos;
        let mut count = 0;
        while let Some(c) = self.text[self.pos..].chars().next() {
            let starts_token = c.is_ascii_alphanumeric()
                || c.is_ascii_whitespace()
                || c == '_'
                || c == '"'
                || (c == '/' && matches!(self.peek(1), b'/' | b'*'))
                || punct(&self.bytes[self.pos..]).is_some();
            if starts_token {
                break;
            }
            self.pos += c.len_utf8();
            count += 1;
        }
        let first = self.text[start..].chars().next().unwrap_or('?');
        let (message, label) = if count == 1 {
            (
                format!("unknown character `{}`", first.escape_debug()),
                "not a valid token",
            )
        } else {
            (
                format!(
                    "unknown characters starting with `{}`",
                    first.escape_debug()
                ),
                "not valid tokens",
            )
        };
        let help = match first {
            '#' => Some("Stele has no attributes"),
            '?' => Some("Stele has no `?` operator; use `assert(cond, \"reason\")`"),
            _ => None,
        };
        let d = self.error(Code::E0003, message, start, self.pos, label);
        d.help = help.map(String::from);
    }
}

/// The longest punctuation token at the start of `bytes`, with its length.
fn punct(bytes: &[u8]) -> Option<(Tok, usize)> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let three = match (at(0), at(1), at(2)) {
        (b'<', b'<', b'=') => Some(Tok::ShlEq),
        (b'>', b'>', b'=') => Some(Tok::ShrEq),
        _ => None,
    };
    if let Some(tok) = three {
        return Some((tok, 3));
    }
    let two = match (at(0), at(1)) {
        (b':', b':') => Some(Tok::ColonColon),
        (b'.', b'.') => Some(Tok::DotDot),
        (b'-', b'>') => Some(Tok::Arrow),
        (b'=', b'>') => Some(Tok::FatArrow),
        (b'=', b'=') => Some(Tok::EqEq),
        (b'!', b'=') => Some(Tok::Ne),
        (b'<', b'=') => Some(Tok::Le),
        (b'>', b'=') => Some(Tok::Ge),
        (b'<', b'<') => Some(Tok::Shl),
        (b'>', b'>') => Some(Tok::Shr),
        (b'&', b'&') => Some(Tok::AndAnd),
        (b'|', b'|') => Some(Tok::OrOr),
        (b'+', b'=') => Some(Tok::PlusEq),
        (b'-', b'=') => Some(Tok::MinusEq),
        (b'*', b'=') => Some(Tok::StarEq),
        (b'/', b'=') => Some(Tok::SlashEq),
        (b'%', b'=') => Some(Tok::PercentEq),
        (b'&', b'=') => Some(Tok::AmpEq),
        (b'|', b'=') => Some(Tok::PipeEq),
        (b'^', b'=') => Some(Tok::CaretEq),
        _ => None,
    };
    if let Some(tok) = two {
        return Some((tok, 2));
    }
    let one = match at(0) {
        b'(' => Tok::LParen,
        b')' => Tok::RParen,
        b'[' => Tok::LBracket,
        b']' => Tok::RBracket,
        b'{' => Tok::LBrace,
        b'}' => Tok::RBrace,
        b',' => Tok::Comma,
        b';' => Tok::Semi,
        b':' => Tok::Colon,
        b'.' => Tok::Dot,
        b'=' => Tok::Eq,
        b'<' => Tok::Lt,
        b'>' => Tok::Gt,
        b'+' => Tok::Plus,
        b'-' => Tok::Minus,
        b'*' => Tok::Star,
        b'/' => Tok::Slash,
        b'%' => Tok::Percent,
        b'&' => Tok::Amp,
        b'|' => Tok::Pipe,
        b'^' => Tok::Caret,
        b'!' => Tok::Bang,
        _ => return None,
    };
    Some((one, 1))
}
