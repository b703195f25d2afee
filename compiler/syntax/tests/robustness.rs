//! The parser never panics and never overflows the stack: truncated files, byte soup, token
//! soup, pathological nesting, a 10 MB file. Every span it produces lies inside the file.

use std::path::Path;

use stele_diagnostics::{Code, FileId};
use stele_syntax::{MAX_NESTING, ast::SourceFile, dump, parse_file};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn ok_sources() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/test_data/ok");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Every `Span { .. }` in the tree's debug output lies within the text, start before end.
fn assert_spans_in_bounds(file: &SourceFile, text: &str) {
    let debug = format!("{file:?}");
    for part in debug.split("Span { file: FileId(0), start: ").skip(1) {
        let number = |s: &str| {
            s.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap()
                .parse::<usize>()
                .unwrap()
        };
        let start = number(part);
        let end = number(part.split("end: ").nth(1).unwrap());
        assert!(
            start <= end && end <= text.len(),
            "span {start}..{end} outside 0..{} in {text:?}",
            text.len()
        );
    }
}

/// Parses and dumps `text`; the dump walks the whole tree, so it too must not overflow.
fn parse_and_walk(text: &str) -> Vec<Code> {
    let (file, diagnostics) = parse_file(FileId(0), text);
    let tree = dump(&file);
    if tree.contains("error-") {
        assert!(
            !diagnostics.is_empty(),
            "an error node without a diagnostic for {text:?}"
        );
    }
    for d in &diagnostics {
        assert!(
            d.primary.span.end as usize <= text.len(),
            "diagnostic outside the file: {d:?}"
        );
        assert!(!d.message.is_empty());
    }
    diagnostics.iter().map(|d| d.code).collect()
}

/// Runs `f` on a thread with a small stack, so unbounded recursion fails here, not in the field.
fn with_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn empty_and_comment_only_files_parse_cleanly() {
    for text in [
        "",
        " \n\t\r\n",
        "// only a comment",
        "/* block */",
        "//! inner doc only",
        "/// dangling doc",
    ] {
        let (file, diagnostics) = parse_file(FileId(0), text);
        assert!(diagnostics.is_empty(), "{text:?}: {diagnostics:?}");
        assert!(file.items.is_empty());
    }
}

#[test]
fn every_prefix_of_every_valid_file_parses_without_panicking() {
    for text in ok_sources() {
        for (i, _) in text.char_indices() {
            let prefix = &text[..i];
            parse_and_walk(prefix);
            let (file, _) = parse_file(FileId(0), prefix);
            assert_spans_in_bounds(&file, prefix);
        }
    }
}

#[test]
fn byte_soup_parses_without_panicking() {
    const ALPHABET: &[&str] = &[
        "a", "Z", "_", "0", "9", "x", " ", "\n", "\t", "(", ")", "[", "]", "{", "}", "<", ">", "=",
        "!", "-", "+", "*", "/", "%", "&", "|", "^", ".", ",", ";", ":", "\"", "'", "\\", "#", "@",
        "?", "$", "~", "`", "é", "✓", "😀", "\u{0}", "\r", "/*", "*/", "//", "///", "//!", "0x",
        "u8", "Field",
    ];
    let mut rng = Rng(0x5EED_0001);
    for _ in 0..3000 {
        let len = rng.below(200);
        let text: String = (0..len).map(|_| rng.pick(ALPHABET)).collect();
        parse_and_walk(&text);
    }
}

#[test]
fn token_soup_parses_without_panicking() {
    const TOKENS: &[&str] = &[
        "fn",
        "f",
        "x",
        "state",
        "struct",
        "enum",
        "const",
        "use",
        "test",
        "transition",
        "builtin",
        "let",
        "mut",
        "for",
        "in",
        "if",
        "else",
        "match",
        "as",
        "true",
        "return",
        "while",
        "pub",
        "impl",
        "crate",
        "super",
        "self",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        ">>",
        "<<",
        "=",
        "==",
        "=>",
        "->",
        "!",
        "-",
        "+",
        "*",
        "&&",
        "||",
        ".",
        "..",
        ",",
        ";",
        ":",
        "::",
        "_",
        "1",
        "0xff",
        "7u8",
        "\"s\"",
        "u32",
        "Map",
        "\n",
        "///d\n",
        "+=",
    ];
    let mut rng = Rng(0x5EED_0002);
    for _ in 0..3000 {
        let len = rng.below(120);
        let text: Vec<&str> = (0..len).map(|_| rng.pick(TOKENS)).collect();
        let text = text.join(" ");
        parse_and_walk(&text);
        let (file, _) = parse_file(FileId(0), &text);
        assert_spans_in_bounds(&file, &text);
    }
}

#[test]
fn mutated_valid_files_parse_without_panicking() {
    let mut rng = Rng(0x5EED_0003);
    for text in ok_sources() {
        let words: Vec<&str> = text
            .split_inclusive([' ', '\n', '(', ')', ';', ','])
            .collect();
        for _ in 0..200 {
            let mut w = words.clone();
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(w.len());
                match rng.below(3) {
                    0 => {
                        w.remove(i);
                    }
                    1 => w.insert(i, words[rng.below(words.len())]),
                    _ => {
                        let j = rng.below(w.len());
                        w.swap(i, j);
                    }
                }
                if w.is_empty() {
                    break;
                }
            }
            parse_and_walk(&w.concat());
        }
    }
}

#[test]
fn pathological_nesting_is_reported_not_overflowed() {
    let n = 10_000;
    let cases: Vec<String> = vec![
        format!("fn f() {{ {} }}", "(".repeat(n)),
        format!("fn f() {{ {}1{} }}", "(".repeat(n), ")".repeat(n)),
        format!("fn f() {{ {}1{} }}", "[".repeat(n), "]".repeat(n)),
        format!("fn f() {} {}", "{".repeat(n), "}".repeat(n)),
        format!("fn f() {{ let x = {}1; }}", "-".repeat(n)),
        format!("fn f() {{ let x = {}1; }}", "!".repeat(n)),
        format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(n)),
        format!("fn f() {{ let x = a{}; }}", ".b".repeat(n)),
        format!("fn f() {{ let x = a{}; }}", "[0]".repeat(n)),
        format!("fn f() {{ let x = f{}; }}", "()".repeat(n)),
        format!("fn f() {{ let x = a{}; }}", " as u8".repeat(n)),
        format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(n)),
        format!("fn f() {{ {} }}", "match x { _ => ".repeat(n)),
        format!("fn f(x: {}u8{}) {{}}", "[".repeat(n), "; 1]".repeat(n)),
        format!("fn f(x: {}u8{}) {{}}", "(".repeat(n), ",)".repeat(n)),
        format!("fn f(x: {}u8{}) {{}}", "Map<".repeat(n), ">".repeat(n)),
        format!("fn f() {{ let {}x{} = 1; }}", "(".repeat(n), ",)".repeat(n)),
        format!("fn f() {{ {} }}", "if a { ".repeat(n)),
        "(".repeat(n),
        "{".repeat(n),
    ];
    for text in cases {
        with_small_stack(move || {
            let codes = parse_and_walk(&text);
            assert!(!codes.is_empty(), "no diagnostic for {}...", &text[..40]);
        });
    }
}

#[test]
fn nesting_within_the_limit_parses() {
    let depth = MAX_NESTING as usize - 10;
    let text = format!(
        "fn f() -> u64 {{ {}1{} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    with_small_stack(move || {
        let (_, diagnostics) = parse_file(FileId(0), &text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    });
}

#[test]
fn many_sibling_statements_are_not_nesting() {
    let body = "if a { x += 1; }\n".repeat(5000) + &"let y = 1;\n".repeat(5000);
    let text = format!("fn f() {{\n{body}}}\n");
    let (file, diagnostics) = parse_file(FileId(0), &text);
    assert!(diagnostics.is_empty(), "{:?}", &diagnostics[..1]);
    assert_eq!(file.items.len(), 1);
}

#[test]
fn a_ten_megabyte_file_parses() {
    let chunk = "/// A doc.\nstruct Account { balance: u64, nonce: u32 }\n\
        fn add<const N: u32>(xs: [u64; N]) -> u64 {\n    let mut s = 0;\n    for i in 0..N { s += xs[i] * 2 + 1; }\n    \
        if s > 10 { s } else { match s { 0 => 1, _ => s } }\n}\n\
        transition deposit(to: u32, amount: u64) { state.accounts[to].balance += amount; }\n";
    let text = chunk.repeat(10_000_000 / chunk.len() + 1);
    let start = std::time::Instant::now();
    let (file, diagnostics) = parse_file(FileId(0), &text);
    let elapsed = start.elapsed();
    assert!(diagnostics.is_empty());
    assert_eq!(file.items.len(), 3 * (10_000_000 / chunk.len() + 1));
    eprintln!("parsed {} bytes in {elapsed:?}", text.len());
}
