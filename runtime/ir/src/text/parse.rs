//! The parser: pest shapes the text (grammar/ir.pest), this module gives it meaning (numbers in
//! range, built-in type names, map names) and reports the first problem with its position.
//! Checking that the program makes sense is the verifier's job, not the parser's.

use std::fmt;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation, LineColLocation};
use pest::iterators::Pair;

use crate::{
    BinOp, FORMAT_VERSION, Felt, Function, Inst, Loc, Op, Program, StateField, StateKind, Ty, Type,
    TypeDef, TypeDefKind, UnOp, ValueId,
};

/// How deeply brackets may nest; types deeper than this are refused before parsing, which keeps
/// the recursive descent (and everything after it) far from the end of the stack.
pub const MAX_NESTING: usize = 64;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/ir.pest"]
struct IrParser;

/// The first problem in an IR text: 1-based line and column (in characters), and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

type Result<T> = std::result::Result<T, ParseError>;

/// Reads a program in the IR text format.
pub fn parse(text: &str) -> Result<Program> {
    check_nesting(text)?;
    let mut pairs = IrParser::parse(Rule::program, text).map_err(|e| from_pest(&e, text))?;
    let program = pairs.next().ok_or_else(|| ParseError {
        line: 1,
        column: 1,
        message: "empty parse".into(),
    })?;
    Builder::default().program(program)
}

fn check_nesting(text: &str) -> Result<()> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped, mut in_comment) = (false, false, false);
    for c in text.chars() {
        column += 1;
        if c == '\n' {
            (line, column, in_comment) = (line + 1, 0, false);
        }
        if in_comment {
            continue;
        }
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' | '\n' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            ';' => in_comment = true,
            '(' | '[' | '<' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let message = format!("brackets nest more than {MAX_NESTING} deep");
                    return Err(ParseError {
                        line,
                        column,
                        message,
                    });
                }
            }
            ')' | ']' | '>' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn from_pest(e: &pest::error::Error<Rule>, text: &str) -> ParseError {
    let (line, column) = match e.line_col {
        LineColLocation::Pos(p) | LineColLocation::Span(p, _) => p,
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&str> = Vec::new();
            for d in positives.iter().map(|r| describe(*r)) {
                if !expected.contains(&d) {
                    expected.push(d);
                }
            }
            // "end of input" reads best last.
            expected.sort_by_key(|d| *d == "end of input");
            let at = match e.location {
                InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
            };
            let found = text.get(at..).unwrap_or("");
            let found = match found.split_whitespace().next() {
                None => "end of input".to_string(),
                Some(word) => {
                    let shown: String = word
                        .chars()
                        .take(24)
                        .map(|c| {
                            if c.is_control() {
                                c.escape_debug().to_string()
                            } else {
                                c.to_string()
                            }
                        })
                        .collect();
                    format!("`{shown}`")
                }
            };
            match expected.split_last() {
                None => format!("unexpected {found}"),
                Some((last, [])) => format!("expected {last}, found {found}"),
                Some((last, init)) => {
                    format!("expected {} or {last}, found {found}", init.join(", "))
                }
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    ParseError {
        line,
        column,
        message,
    }
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::header | Rule::kw_stele_ir => "the header `stele-ir 1`",
        Rule::chain | Rule::kw_chain => "`chain \"name\"`",
        Rule::file | Rule::kw_file => "`file`",
        Rule::struct_def | Rule::kw_struct => "`struct`",
        Rule::enum_def | Rule::kw_enum => "`enum`",
        Rule::state | Rule::kw_state => "`state`",
        Rule::transition | Rule::kw_transition => "`transition`",
        Rule::test | Rule::kw_test => "`test`",
        Rule::kw_map | Rule::map_ty => "`map<key, value, depth>`",
        Rule::field | Rule::state_field | Rule::variant | Rule::name | Rule::path | Rule::ident => {
            "a name"
        }
        Rule::ty | Rule::array_ty | Rule::tuple_ty => "a type",
        Rule::params => "a parameter list",
        Rule::loc => "a location `@file:line:col`",
        Rule::guard | Rule::kw_if => "`if`",
        Rule::value | Rule::results | Rule::result => "a value `%n`",
        Rule::int => "a number",
        Rule::felt => "a constant",
        Rule::string | Rule::chars => "a string",
        Rule::values => "a list `[%a, %b]`",
        Rule::map_ref | Rule::map_index => "a map name",
        Rule::inst
        | Rule::op_const
        | Rule::op_param
        | Rule::op_sload
        | Rule::op_sstore
        | Rule::op_unary
        | Rule::op_binary
        | Rule::op_select
        | Rule::op_cast
        | Rule::op_pick
        | Rule::op_assert
        | Rule::op_map_read
        | Rule::op_map_write
        | Rule::op_hash
        | Rule::op_eddsa_verify
        | Rule::op_merkle_root
        | Rule::unop
        | Rule::binop
        | Rule::kw_const
        | Rule::kw_param
        | Rule::kw_sload
        | Rule::kw_sstore
        | Rule::kw_select
        | Rule::kw_cast
        | Rule::kw_pick
        | Rule::kw_assert
        | Rule::kw_map_read
        | Rule::kw_map_write
        | Rule::kw_hash
        | Rule::kw_eddsa_verify
        | Rule::kw_merkle_root => "an instruction",
        Rule::body => "`{`",
        Rule::type_def => "`struct` or `enum`",
        Rule::function => "`transition` or `test`",
        Rule::op => "an instruction",
        Rule::program | Rule::WHITESPACE | Rule::COMMENT | Rule::ident_char | Rule::sp => {
            "a program"
        }
    }
}

fn error_at(pair: &Pair<Rule>, message: impl Into<String>) -> ParseError {
    let (line, column) = pair.as_span().start_pos().line_col();
    ParseError {
        line,
        column,
        message: message.into(),
    }
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_stele_ir
            | Rule::kw_chain
            | Rule::kw_file
            | Rule::kw_struct
            | Rule::kw_enum
            | Rule::kw_state
            | Rule::kw_map
            | Rule::kw_transition
            | Rule::kw_test
            | Rule::kw_if
            | Rule::kw_const
            | Rule::kw_param
            | Rule::kw_sload
            | Rule::kw_sstore
            | Rule::kw_select
            | Rule::kw_cast
            | Rule::kw_pick
            | Rule::kw_assert
            | Rule::kw_map_read
            | Rule::kw_map_write
            | Rule::kw_hash
            | Rule::kw_eddsa_verify
            | Rule::kw_merkle_root
    )
}

/// The meaningful children of a pair: keywords and the end-of-input marker carry nothing.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner()
        .filter(|p| !is_keyword(p.as_rule()) && p.as_rule() != Rule::EOI)
}

/// Takes the next child; the grammar guarantees it is there, this keeps a mismatch panic-free.
fn next<'i>(
    it: &mut impl Iterator<Item = Pair<'i, Rule>>,
    parent: &Pair<'i, Rule>,
) -> Result<Pair<'i, Rule>> {
    it.next().ok_or_else(|| {
        error_at(
            parent,
            "internal error: the parse tree is not shaped as expected",
        )
    })
}

#[derive(Default)]
struct Builder {
    /// Map field names in declaration order: what `map.read name[..]` resolves against.
    maps: Vec<String>,
}

impl Builder {
    fn program(&mut self, pair: Pair<'_, Rule>) -> Result<Program> {
        let mut program = Program {
            chain: String::new(),
            files: Vec::new(),
            types: Vec::new(),
            state: Vec::new(),
            transitions: Vec::new(),
            tests: Vec::new(),
        };
        for item in children(pair) {
            let mut parts = children(item.clone());
            match item.as_rule() {
                Rule::header => {
                    let version = int(&next(&mut parts, &item)?)?;
                    if version != FORMAT_VERSION {
                        let message = format!(
                            "unsupported IR version {version} (this build reads {FORMAT_VERSION})"
                        );
                        return Err(error_at(&item, message));
                    }
                }
                Rule::chain => program.chain = string(&next(&mut parts, &item)?)?,
                Rule::file => {
                    let index = next(&mut parts, &item)?;
                    if int(&index)? as usize != program.files.len() {
                        let message = format!("expected file index {}", program.files.len());
                        return Err(error_at(&index, message));
                    }
                    program.files.push(string(&next(&mut parts, &item)?)?);
                }
                Rule::struct_def => {
                    let name = name(&next(&mut parts, &item)?)?;
                    let fields = parts.map(|f| field(f)).collect::<Result<_>>()?;
                    program.types.push(TypeDef {
                        name,
                        kind: TypeDefKind::Struct(fields),
                    });
                }
                Rule::enum_def => {
                    let name = name(&next(&mut parts, &item)?)?;
                    let mut variants = Vec::new();
                    for v in parts {
                        let mut vparts = children(v.clone());
                        let vname = self::name(&next(&mut vparts, &v)?)?;
                        variants.push((vname, vparts.map(|t| ty(t)).collect::<Result<_>>()?));
                    }
                    program.types.push(TypeDef {
                        name,
                        kind: TypeDefKind::Enum(variants),
                    });
                }
                Rule::state => {
                    for f in parts {
                        let mut fparts = children(f.clone());
                        let name = name(&next(&mut fparts, &f)?)?;
                        let t = next(&mut fparts, &f)?;
                        let kind = if t.as_rule() == Rule::map_ty {
                            let mut mparts = children(t.clone());
                            let key = ty(next(&mut mparts, &t)?)?;
                            let value = ty(next(&mut mparts, &t)?)?;
                            let depth = int(&next(&mut mparts, &t)?)?;
                            self.maps.push(name.clone());
                            StateKind::Map { key, value, depth }
                        } else {
                            StateKind::Value(ty(t)?)
                        };
                        program.state.push(StateField { name, kind });
                    }
                }
                Rule::transition => program.transitions.push(self.function(item)?),
                Rule::test => program.tests.push(self.function(item)?),
                _ => return Err(error_at(&item, "internal error: unexpected item")),
            }
        }
        Ok(program)
    }

    fn function(&self, pair: Pair<'_, Rule>) -> Result<Function> {
        let mut f = Function {
            name: String::new(),
            params: Vec::new(),
            body: Vec::new(),
            loc: no_loc(),
        };
        for part in children(pair) {
            match part.as_rule() {
                Rule::name => f.name = name(&part)?,
                Rule::params => f.params = children(part).map(field).collect::<Result<_>>()?,
                Rule::loc => f.loc = loc(part)?,
                Rule::body => {
                    f.body = children(part)
                        .map(|i| self.inst(i))
                        .collect::<Result<_>>()?
                }
                _ => return Err(error_at(&part, "internal error: unexpected function part")),
            }
        }
        Ok(f)
    }

    fn inst(&self, pair: Pair<'_, Rule>) -> Result<Inst> {
        let mut inst = Inst {
            results: Vec::new(),
            op: Op::Const(Felt::ZERO),
            guard: None,
            loc: None,
        };
        for part in children(pair) {
            match part.as_rule() {
                Rule::results => {
                    for r in children(part) {
                        let mut rparts = children(r.clone());
                        let v = value(&next(&mut rparts, &r)?)?;
                        inst.results.push((v, scalar(next(&mut rparts, &r)?)?));
                    }
                }
                Rule::guard => {
                    inst.guard = Some(value(&next(&mut children(part.clone()), &part)?)?)
                }
                Rule::loc => inst.loc = Some(loc(part)?),
                _ => inst.op = self.op(part)?,
            }
        }
        Ok(inst)
    }

    fn op(&self, pair: Pair<'_, Rule>) -> Result<Op> {
        let rule = pair.as_rule();
        let parent = pair.clone();
        let mut parts = children(pair);
        let mut next = || next(&mut parts, &parent);
        Ok(match rule {
            Rule::op_const => {
                let p = next()?;
                let x = Felt::parse(p.as_str()).ok_or_else(|| {
                    error_at(
                        &p,
                        format!(
                            "invalid constant `{}`: expected a number below the field modulus",
                            p.as_str()
                        ),
                    )
                })?;
                Op::Const(x)
            }
            Rule::op_param => Op::Param(int(&next()?)?),
            Rule::op_sload => Op::SLoad(int(&next()?)?),
            Rule::op_sstore => Op::SStore(int(&next()?)?, value(&next()?)?),
            Rule::op_unary => {
                let p = next()?;
                let op = [UnOp::Neg, UnOp::Not]
                    .into_iter()
                    .find(|op| op.name() == p.as_str());
                let op = op.ok_or_else(|| error_at(&p, "unknown operation"))?;
                Op::Unary(op, value(&next()?)?)
            }
            Rule::op_binary => {
                let p = next()?;
                let op = BINOPS.into_iter().find(|op| op.name() == p.as_str());
                let op = op.ok_or_else(|| error_at(&p, "unknown operation"))?;
                Op::Binary(op, value(&next()?)?, value(&next()?)?)
            }
            Rule::op_select => Op::Select(value(&next()?)?, value(&next()?)?, value(&next()?)?),
            Rule::op_cast => Op::Cast(value(&next()?)?),
            Rule::op_pick => Op::Pick {
                index: value(&next()?)?,
                items: values(next()?)?,
            },
            Rule::op_assert => Op::Assert {
                cond: value(&next()?)?,
                msg: string(&next()?)?,
            },
            Rule::op_map_read => Op::MapRead {
                map: self.map(next()?)?,
                key: value(&next()?)?,
            },
            Rule::op_map_write => Op::MapWrite {
                map: self.map(next()?)?,
                key: value(&next()?)?,
                value: values(next()?)?,
            },
            Rule::op_hash => Op::Hash(values(next()?)?),
            Rule::op_eddsa_verify => Op::EddsaVerify(values(next()?)?),
            Rule::op_merkle_root => Op::MerkleRoot {
                index: value(&next()?)?,
                leaf: value(&next()?)?,
                siblings: values(next()?)?,
            },
            _ => return Err(error_at(&parent, "internal error: unexpected operation")),
        })
    }

    fn map(&self, pair: Pair<'_, Rule>) -> Result<u32> {
        let inner = next(&mut children(pair.clone()), &pair)?;
        if inner.as_rule() == Rule::map_index {
            return number(&inner, &inner.as_str()[1..]);
        }
        let n = name(&inner)?;
        match self.maps.iter().position(|m| *m == n) {
            Some(i) => Ok(i as u32),
            None => Err(error_at(&inner, format!("unknown map `{n}`"))),
        }
    }
}

const BINOPS: [BinOp; 13] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Rem,
    BinOp::And,
    BinOp::Or,
    BinOp::Xor,
    BinOp::Shl,
    BinOp::Shr,
    BinOp::Eq,
    BinOp::Lt,
    BinOp::Le,
];

fn no_loc() -> Loc {
    Loc {
        file: 0,
        line: 0,
        col: 0,
    }
}

fn field(pair: Pair<'_, Rule>) -> Result<(String, Type)> {
    let mut parts = children(pair.clone());
    let n = name(&next(&mut parts, &pair)?)?;
    Ok((n, ty(next(&mut parts, &pair)?)?))
}

fn ty(pair: Pair<'_, Rule>) -> Result<Type> {
    let inner = next(&mut children(pair.clone()), &pair)?;
    match inner.as_rule() {
        Rule::array_ty => {
            let mut parts = children(inner.clone());
            let elem = ty(next(&mut parts, &inner)?)?;
            Ok(Type::Array(
                Box::new(elem),
                int(&next(&mut parts, &inner)?)?,
            ))
        }
        Rule::tuple_ty => Ok(Type::Tuple(children(inner).map(ty).collect::<Result<_>>()?)),
        _ => {
            let quoted = next(&mut children(inner.clone()), &inner)?.as_rule() == Rule::string;
            let n = name(&inner)?;
            if quoted {
                return Ok(Type::Named(n));
            }
            Ok(match n.as_str() {
                "Field" => Type::Field,
                "bool" => Type::Bool,
                _ => match uint_width(&inner, &n)? {
                    Some(bits) => Type::UInt(bits),
                    None => Type::Named(n),
                },
            })
        }
    }
}

/// `u` followed by digits is an unsigned type; its width must fit a `u8`.
fn uint_width(pair: &Pair<'_, Rule>, n: &str) -> Result<Option<u8>> {
    match n.strip_prefix('u') {
        Some(d) if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) => {
            match d.parse::<u8>() {
                Ok(bits) => Ok(Some(bits)),
                Err(_) => Err(error_at(
                    pair,
                    format!("integer width `{d}` is out of range"),
                )),
            }
        }
        _ => Ok(None),
    }
}

fn scalar(pair: Pair<'_, Rule>) -> Result<Ty> {
    let text = pair.as_str().trim().to_string();
    match ty(pair.clone())? {
        Type::Field => Ok(Ty::Field),
        Type::Bool => Ok(Ty::Bool),
        Type::UInt(bits) => Ok(Ty::UInt(bits)),
        _ => Err(error_at(
            &pair,
            format!("expected a scalar type (`Field`, `bool` or `uN`), found `{text}`"),
        )),
    }
}

fn name(pair: &Pair<'_, Rule>) -> Result<String> {
    let inner = next(&mut children(pair.clone()), pair)?;
    match inner.as_rule() {
        Rule::string => string(&inner),
        _ => Ok(inner.as_str().to_string()),
    }
}

fn loc(pair: Pair<'_, Rule>) -> Result<Loc> {
    let mut parts = children(pair.clone());
    let file = int(&next(&mut parts, &pair)?)?;
    let line = int(&next(&mut parts, &pair)?)?;
    let col = int(&next(&mut parts, &pair)?)?;
    Ok(Loc { file, line, col })
}

fn int(pair: &Pair<'_, Rule>) -> Result<u32> {
    number(pair, pair.as_str())
}

fn number(pair: &Pair<'_, Rule>, digits: &str) -> Result<u32> {
    digits.parse().map_err(|_| {
        error_at(
            pair,
            format!("number `{digits}` is out of range (at most {})", u32::MAX),
        )
    })
}

fn value(pair: &Pair<'_, Rule>) -> Result<ValueId> {
    number(pair, &pair.as_str()[1..]).map(ValueId)
}

fn values(pair: Pair<'_, Rule>) -> Result<Vec<ValueId>> {
    children(pair).map(|p| value(&p)).collect()
}

/// The contents of a string literal with its escapes decoded.
fn string(pair: &Pair<'_, Rule>) -> Result<String> {
    let raw = pair.as_str();
    let body = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(raw);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    let bad = |what: &str| error_at(pair, format!("invalid escape `{what}` in string"));
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let rest = chars.as_str();
                let hex = rest
                    .strip_prefix('{')
                    .and_then(|r| r.split_once('}'))
                    .map(|(h, _)| h);
                let decoded = hex
                    .filter(|h| {
                        (1..=6).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
                    })
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32);
                match (hex, decoded) {
                    (Some(h), Some(ch)) => {
                        out.push(ch);
                        chars = rest[h.len() + 2..].chars();
                    }
                    _ => return Err(bad("\\u")),
                }
            }
            Some(other) => return Err(bad(&format!("\\{other}"))),
            None => return Err(bad("\\")),
        }
    }
    Ok(out)
}
