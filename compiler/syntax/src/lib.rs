//! Stele's front end: a hand-written lexer and a lalrpop parser (`grammar/stele.lalrpop`) that
//! turn one source file into an [`ast::SourceFile`] and a list of syntax diagnostics.
//! Parsing never stops at the first error and never panics; broken parts become `Error` nodes.

pub mod ast;
mod dump;
pub mod lexer;
mod parser;

pub use dump::dump;
pub use parser::{MAX_NESTING, binop_text};

use stele_diagnostics::{Diagnostic, FileId};

/// Parses one file. The tree is always returned, with `Error` nodes where the text is broken;
/// the diagnostics (codes `E0001`..`E0009`) are sorted by position.
pub fn parse_file(file: FileId, text: &str) -> (ast::SourceFile, Vec<Diagnostic>) {
    parser::parse(file, text)
}
