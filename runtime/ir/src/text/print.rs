//! The printer: one canonical text per program, with comments naming the parameter and state
//! scalars that `param`, `sload` and `sstore` refer to.

use std::fmt::{self, Display, Write};

use super::{is_path, is_reserved_type_word};
use crate::layout::Scalar;
use crate::{
    BinOp, FORMAT_VERSION, Function, Inst, Loc, Op, Program, StateKind, Ty, Type, TypeDefKind, UnOp,
};

/// Instructions shorter than this get their comment aligned at this column.
const COMMENT_COLUMN: usize = 40;

/// The program as IR text.
pub fn print(program: &Program) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "stele-ir {FORMAT_VERSION}");
    let _ = writeln!(out, "chain {}", quote(&program.chain));
    for (i, file) in program.files.iter().enumerate() {
        let _ = writeln!(out, "file {i} {}", quote(file));
    }
    if !program.types.is_empty() {
        out.push('\n');
    }
    for def in &program.types {
        match &def.kind {
            TypeDefKind::Struct(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(n, t)| format!("{}: {t}", name(n)))
                    .collect();
                let _ = writeln!(out, "struct {} {}", type_name(&def.name), braced(&fields));
            }
            TypeDefKind::Enum(variants) => {
                let variants: Vec<String> = variants
                    .iter()
                    .map(|(n, payload)| match payload.as_slice() {
                        [] => name(n),
                        _ => format!("{}({})", name(n), list(payload)),
                    })
                    .collect();
                let _ = writeln!(out, "enum {} {}", type_name(&def.name), braced(&variants));
            }
        }
    }
    out.push('\n');
    if program.state.is_empty() {
        out.push_str("state {}\n");
    } else {
        out.push_str("state {\n");
        for field in &program.state {
            let _ = match &field.kind {
                StateKind::Value(ty) => writeln!(out, "  {}: {ty}", name(&field.name)),
                StateKind::Map { key, value, depth } => {
                    writeln!(out, "  {}: map<{key}, {value}, {depth}>", name(&field.name))
                }
            };
        }
        out.push_str("}\n");
    }
    let printer = Printer::new(program);
    for f in &program.transitions {
        out.push('\n');
        printer.function(&mut out, "transition", f);
    }
    for f in &program.tests {
        out.push('\n');
        printer.function(&mut out, "test", f);
    }
    out
}

impl Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print(self))
    }
}

struct Printer<'p> {
    program: &'p Program,
    /// Plain-state scalars for comments; empty when the layout is unsafe to flatten.
    state: Vec<Scalar>,
    /// Whether [`Program::param_scalars`] may be called.
    layout_safe: bool,
    maps: Vec<&'p str>,
}

impl<'p> Printer<'p> {
    fn new(program: &'p Program) -> Self {
        let layout_safe = crate::sizes::layout_is_safe(program);
        Printer {
            program,
            state: if layout_safe {
                program.state_scalars()
            } else {
                Vec::new()
            },
            layout_safe,
            maps: program.maps().into_iter().map(|(n, ..)| n).collect(),
        }
    }

    fn function(&self, out: &mut String, keyword: &str, f: &Function) {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|(n, t)| format!("{}: {t}", name(n)))
            .collect();
        let params = if keyword == "test" && params.is_empty() {
            String::new()
        } else {
            format!("({})", params.join(", "))
        };
        let _ = writeln!(out, "{keyword} {}{params} {} {{", name(&f.name), loc(f.loc));
        let param_scalars = if self.layout_safe {
            self.program.param_scalars(&f.params)
        } else {
            Vec::new()
        };
        for inst in &f.body {
            let text = self.inst(inst);
            let comment = match inst.op {
                Op::Param(i) => param_scalars.get(i as usize),
                Op::SLoad(i) | Op::SStore(i, _) => self.state.get(i as usize),
                _ => None,
            };
            match comment {
                Some(scalar) => {
                    let _ = writeln!(
                        out,
                        "  {text:<width$} ; {}",
                        escape(&scalar.path),
                        width = COMMENT_COLUMN - 3
                    );
                }
                None => {
                    let _ = writeln!(out, "  {text}");
                }
            }
        }
        out.push_str("}\n");
    }

    fn inst(&self, inst: &Inst) -> String {
        let mut s = String::new();
        if !inst.results.is_empty() {
            let results: Vec<String> = inst
                .results
                .iter()
                .map(|(v, ty)| format!("%{}: {ty}", v.0))
                .collect();
            let _ = write!(s, "{} = ", results.join(", "));
        }
        let v = |id: &crate::ValueId| format!("%{}", id.0);
        let vs = |ids: &[crate::ValueId]| {
            format!("[{}]", ids.iter().map(v).collect::<Vec<_>>().join(", "))
        };
        let _ = match &inst.op {
            Op::Const(x) => write!(s, "const {x}"),
            Op::Param(i) => write!(s, "param {i}"),
            Op::SLoad(i) => write!(s, "sload {i}"),
            Op::SStore(i, x) => write!(s, "sstore {i} = {}", v(x)),
            Op::Unary(op, x) => write!(s, "{op} {}", v(x)),
            Op::Binary(op, a, b) => write!(s, "{op} {}, {}", v(a), v(b)),
            Op::Select(c, a, b) => write!(s, "select {}, {}, {}", v(c), v(a), v(b)),
            Op::Cast(x) => write!(s, "cast {}", v(x)),
            Op::Pick { index, items } => write!(s, "pick {}, {}", v(index), vs(items)),
            Op::Assert { cond, msg } => write!(s, "assert {}, {}", v(cond), quote(msg)),
            Op::MapRead { map, key } => write!(s, "map.read {}[{}]", self.map(*map), v(key)),
            Op::MapWrite { map, key, value } => {
                write!(
                    s,
                    "map.write {}[{}] = {}",
                    self.map(*map),
                    v(key),
                    vs(value)
                )
            }
            Op::Hash(inputs) => write!(s, "hash {}", vs(inputs)),
            Op::EddsaVerify(inputs) => write!(s, "eddsa.verify {}", vs(inputs)),
            Op::MerkleRoot {
                index,
                leaf,
                siblings,
            } => write!(s, "merkle.root {}, {}, {}", v(index), v(leaf), vs(siblings)),
        };
        if let Some(g) = inst.guard {
            let _ = write!(s, " if %{}", g.0);
        }
        if let Some(l) = inst.loc {
            let _ = write!(s, " {}", loc(l));
        }
        s
    }

    /// A map by name when the name finds it again, else by position.
    fn map(&self, index: u32) -> String {
        match self.maps.get(index as usize) {
            Some(n) if self.maps.iter().position(|m| m == n) == Some(index as usize) => name(n),
            _ => format!("#{index}"),
        }
    }
}

impl Display for UnOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Field => f.write_str("Field"),
            Ty::Bool => f.write_str("bool"),
            Ty::UInt(bits) => write!(f, "u{bits}"),
        }
    }
}

impl Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Field => f.write_str("Field"),
            Type::Bool => f.write_str("bool"),
            Type::UInt(bits) => write!(f, "u{bits}"),
            Type::Array(elem, len) => write!(f, "[{elem}; {len}]"),
            Type::Tuple(items) if items.len() == 1 => write!(f, "({},)", items[0]),
            Type::Tuple(items) => write!(f, "({})", list(items)),
            Type::Named(n) => f.write_str(&type_name(n)),
        }
    }
}

fn list(types: &[Type]) -> String {
    types
        .iter()
        .map(Type::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn braced(items: &[String]) -> String {
    if items.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

fn loc(l: Loc) -> String {
    format!("@{}:{}:{}", l.file, l.line, l.col)
}

/// A name, bare when it reads back as itself.
fn name(s: &str) -> String {
    if is_path(s) { s.to_string() } else { quote(s) }
}

/// A struct or enum name: like [`name`], but quoted when it would read back as a built-in type.
fn type_name(s: &str) -> String {
    if is_path(s) && !is_reserved_type_word(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

pub(super) fn quote(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

/// `\"`, `\\`, `\n`, `\r`, `\t`, and `\u{..}` for any other control character.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}
