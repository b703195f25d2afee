//! The IR text format (grammar/ir.pest): [`print`] writes a program, [`parse`] reads it back, and
//! the two round-trip exactly, for any program, valid or not (so a broken program can be shown).

mod parse;
mod print;

pub use parse::{MAX_NESTING, ParseError, parse};
pub use print::print;

/// Whether `s` can be written bare as a name: an identifier path such as `token::Account`.
/// Anything else is written as a quoted string.
fn is_path(s: &str) -> bool {
    s.split("::").all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Words that a bare name in a type position would be read as: the built-in types and `map`.
fn is_reserved_type_word(s: &str) -> bool {
    matches!(s, "Field" | "bool" | "map")
        || s.strip_prefix('u')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}
