//! The IR verifier: the rules every program must follow before it is optimised, executed or
//! turned into a circuit (see the operation docs in `lib.rs`), checked all at once so that every
//! problem is reported, not only the first.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::eval::fits;
use crate::sizes::{MAX_SCALARS, SizeError, Sizer};
use crate::{
    BinOp, Function, Inst, Loc, Op, Program, StateKind, Ty, Type, TypeDefKind, UnOp, ValueId,
};

/// One broken rule: where (function and instruction index, when it is inside one) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub function: Option<String>,
    pub inst: Option<usize>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.function, self.inst) {
            (Some(func), Some(i)) => write!(f, "`{func}`, instruction {i}: {}", self.message),
            (Some(func), None) => write!(f, "`{func}`: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Checks every rule; `Err` lists all broken ones in program order.
pub fn verify(program: &Program) -> Result<(), Vec<VerifyError>> {
    let mut v = Verifier {
        program,
        errors: Vec::new(),
        layout: None,
    };
    v.declarations();
    for (kind, funcs) in [
        ("transition", &program.transitions),
        ("test", &program.tests),
    ] {
        let mut seen = HashSet::new();
        for f in funcs {
            if !seen.insert(f.name.as_str()) {
                v.error(None, format!("{kind} `{}` is declared twice", f.name));
            }
            if kind == "test" && !f.params.is_empty() {
                v.error(Some((f, None)), "a test takes no parameters");
            }
            v.function(f);
        }
    }
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

/// The flattened layout, present only when the declarations are sound (so flattening is safe).
struct Layout {
    state: Vec<(Ty, String)>,
    /// Per map: name, key scalar type (when the key is an unsigned integer), value scalars.
    maps: Vec<(String, Option<Ty>, Vec<Ty>)>,
}

struct Verifier<'p> {
    program: &'p Program,
    errors: Vec<VerifyError>,
    layout: Option<Layout>,
}

fn valid_width(bits: u8) -> bool {
    matches!(bits, 8 | 16 | 32 | 64 | 128)
}

fn valid_ty(ty: Ty) -> bool {
    match ty {
        Ty::UInt(bits) => valid_width(bits),
        Ty::Field | Ty::Bool => true,
    }
}

impl<'p> Verifier<'p> {
    fn error(&mut self, at: Option<(&Function, Option<usize>)>, message: impl Into<String>) {
        self.errors.push(VerifyError {
            function: at.map(|(f, _)| f.name.clone()),
            inst: at.and_then(|(_, i)| i),
            message: message.into(),
        });
    }

    fn loc(&mut self, at: Option<(&Function, Option<usize>)>, loc: Loc) {
        let files = self.program.files.len();
        if loc.file as usize >= files {
            self.error(
                at,
                format!(
                    "location refers to file {}, but the program has {}",
                    loc.file,
                    count(files, "file")
                ),
            );
        }
    }

    /// Problems with a source type: unknown names and bad integer widths, each reported once.
    fn type_problems(&self, ty: &Type, out: &mut Vec<String>) {
        match ty {
            Type::Field | Type::Bool => {}
            Type::UInt(bits) => {
                if !valid_width(*bits) {
                    out.push(format!(
                        "`u{bits}` is not an integer type (widths are 8, 16, 32, 64 and 128)"
                    ));
                }
            }
            Type::Array(elem, _) => self.type_problems(elem, out),
            Type::Tuple(items) => items.iter().for_each(|t| self.type_problems(t, out)),
            Type::Named(name) => {
                if self.program.type_def(name).is_none() {
                    out.push(format!("unknown type `{name}`"));
                }
            }
        }
    }

    fn check_type(&mut self, at: Option<(&Function, Option<usize>)>, context: &str, ty: &Type) {
        let mut problems = Vec::new();
        self.type_problems(ty, &mut problems);
        for p in problems {
            self.error(at, format!("{context}: {p}"));
        }
    }

    fn declarations(&mut self) {
        let program = self.program;
        let mut sizer = Sizer::new(program);
        let too_large = format!("flattens to more than {MAX_SCALARS} scalars");
        let mut names = HashSet::new();
        for def in &program.types {
            if !names.insert(def.name.as_str()) {
                self.error(None, format!("type `{}` is declared twice", def.name));
                continue;
            }
            let (kind, members): (&str, Vec<(&String, Vec<&Type>)>) = match &def.kind {
                TypeDefKind::Struct(fields) => {
                    ("field", fields.iter().map(|(n, t)| (n, vec![t])).collect())
                }
                TypeDefKind::Enum(variants) => (
                    "variant",
                    variants
                        .iter()
                        .map(|(n, ts)| (n, ts.iter().collect()))
                        .collect(),
                ),
            };
            let mut seen = HashSet::new();
            for (member, types) in members {
                if !seen.insert(member) {
                    self.error(
                        None,
                        format!("type `{}` has two {kind}s named `{member}`", def.name),
                    );
                }
                for t in types {
                    self.check_type(None, &format!("type `{}`, {kind} `{member}`", def.name), t);
                }
            }
            match sizer.size_of_def(def) {
                Err(SizeError::Recursive(n)) if n == def.name => {
                    self.error(None, format!("type `{n}` contains itself"));
                }
                Err(SizeError::TooLarge) => {
                    self.error(None, format!("type `{}` {too_large}", def.name))
                }
                _ => {}
            }
        }

        let mut layout_safe = self.errors.is_empty();
        let mut names = HashSet::new();
        let mut plain = Vec::new();
        for field in &program.state {
            if !names.insert(field.name.as_str()) {
                self.error(
                    None,
                    format!("state field `{}` is declared twice", field.name),
                );
            }
            let context = format!("state field `{}`", field.name);
            match &field.kind {
                StateKind::Value(ty) => {
                    self.check_type(None, &context, ty);
                    plain.push(ty);
                }
                StateKind::Map { key, value, depth } => {
                    if !matches!(key, Type::UInt(_)) {
                        self.error(
                            None,
                            format!(
                                "{context}: a map key must be an unsigned integer, found `{key}`"
                            ),
                        );
                    }
                    self.check_type(None, &context, key);
                    self.check_type(None, &context, value);
                    if !(1..=64).contains(depth) {
                        self.error(
                            None,
                            format!("{context}: map depth {depth} is not between 1 and 64"),
                        );
                    }
                    if sizer.size(value) == Err(SizeError::TooLarge) {
                        self.error(None, format!("{context}: the value type {too_large}"));
                        layout_safe = false;
                    }
                }
            }
        }
        if sizer.sum(plain) == Err(SizeError::TooLarge) {
            self.error(None, format!("the plain state {too_large}"));
            layout_safe = false;
        }
        if layout_safe {
            let state = program
                .state_scalars()
                .into_iter()
                .map(|s| (s.ty, s.path))
                .collect();
            let maps = program
                .maps()
                .into_iter()
                .map(|(name, key, value, _)| {
                    let key = match key {
                        Type::UInt(bits) => Some(Ty::UInt(*bits)),
                        _ => None,
                    };
                    (name.to_string(), key, program.flatten(value))
                })
                .collect();
            self.layout = Some(Layout { state, maps });
        }
    }

    fn function(&mut self, f: &Function) {
        self.loc(Some((f, None)), f.loc);
        let mut names = HashSet::new();
        for (name, ty) in &f.params {
            if !names.insert(name.as_str()) {
                self.error(
                    Some((f, None)),
                    format!("parameter `{name}` is declared twice"),
                );
            }
            self.check_type(Some((f, None)), &format!("parameter `{name}`"), ty);
        }
        let mut sizer = Sizer::new(self.program);
        let params = match sizer.sum(f.params.iter().map(|(_, t)| t)) {
            Err(SizeError::TooLarge) => {
                self.error(
                    Some((f, None)),
                    format!("the parameters flatten to more than {MAX_SCALARS} scalars"),
                );
                None
            }
            _ if self.layout.is_some() => Some(
                self.program
                    .param_scalars(&f.params)
                    .into_iter()
                    .map(|s| (s.ty, s.path))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        let mut types: HashMap<ValueId, Ty> = HashMap::new();
        for (i, inst) in f.body.iter().enumerate() {
            let problems = self.inst(inst, &types, params.as_deref());
            for message in problems {
                self.error(Some((f, Some(i))), message);
            }
            if let Some(loc) = inst.loc {
                self.loc(Some((f, Some(i))), loc);
            }
            for &(v, ty) in &inst.results {
                types.entry(v).or_insert(ty);
            }
        }
    }

    /// The problems with one instruction, given the types of the values defined before it.
    fn inst(
        &self,
        inst: &Inst,
        types: &HashMap<ValueId, Ty>,
        params: Option<&[(Ty, String)]>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let mut fresh = HashSet::new();
        for &(v, ty) in &inst.results {
            if types.contains_key(&v) || !fresh.insert(v) {
                out.push(format!("`%{}` is defined twice", v.0));
            }
            if !valid_ty(ty) {
                out.push(format!(
                    "`{ty}` is not an integer type (widths are 8, 16, 32, 64 and 128)"
                ));
            }
        }
        let mut defined = true;
        let mut undefined = HashSet::new();
        for v in inst.uses() {
            if !types.contains_key(&v) && undefined.insert(v) {
                out.push(format!("`%{}` is used before it is defined", v.0));
                defined = false;
            }
        }
        if !defined {
            return out;
        }
        let t = |v: &ValueId| types.get(v).copied().unwrap_or(Ty::Field);
        if let Some(g) = inst.guard
            && t(&g) != Ty::Bool
        {
            out.push(format!(
                "guard `%{}` has type `{}`, expected `bool`",
                g.0,
                t(&g)
            ));
        }

        let name = inst.op.name();
        let expected_results = match &inst.op {
            Op::SStore(..) | Op::Assert { .. } | Op::MapWrite { .. } => 0,
            Op::MapRead { .. } => inst.results.len(),
            _ => 1,
        };
        if inst.results.len() != expected_results {
            let want = if expected_results == 0 {
                "no value"
            } else {
                "one value"
            };
            out.push(format!(
                "`{name}` defines {want}, found {}",
                inst.results.len()
            ));
            return out;
        }
        let result = inst.result_ty().unwrap_or(Ty::Field);

        match &inst.op {
            Op::Const(x) => {
                if !fits(result, *x) {
                    out.push(format!("constant {x} does not fit `{result}`"));
                }
            }
            Op::Param(i) => {
                if let Some(params) = params {
                    match params.get(*i as usize) {
                        Some((ty, path)) => expect(
                            &mut out,
                            format!("result of `param {i}` (`{path}`)"),
                            result,
                            *ty,
                        ),
                        None => out.push(format!(
                            "`param {i}` is out of range: the parameters flatten to {}",
                            count(params.len(), "scalar")
                        )),
                    }
                }
            }
            Op::SLoad(i) | Op::SStore(i, _) => {
                if let Some(layout) = &self.layout {
                    let (what, found) = match &inst.op {
                        Op::SStore(_, v) => (format!("value stored by `sstore {i}`"), t(v)),
                        _ => (format!("result of `sload {i}`"), result),
                    };
                    match layout.state.get(*i as usize) {
                        Some((ty, path)) => {
                            expect(&mut out, format!("{what} (`{path}`)"), found, *ty)
                        }
                        None => out.push(format!(
                            "`{name} {i}` is out of range: the plain state flattens to {}",
                            count(layout.state.len(), "scalar")
                        )),
                    }
                }
            }
            Op::Unary(op, x) => {
                let tx = t(x);
                let ok = match op {
                    UnOp::Neg => tx == Ty::Field,
                    UnOp::Not => tx == Ty::Bool || matches!(tx, Ty::UInt(_)),
                };
                if ok {
                    expect(&mut out, format!("`{name}` result"), result, tx);
                } else {
                    out.push(format!("`{name}` is not defined on `{tx}`"));
                }
            }
            Op::Binary(op, a, b) => {
                let (ta, tb) = (t(a), t(b));
                let uint = matches!(ta, Ty::UInt(_));
                let (ok, result_ty) = match op {
                    BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                        (ta == Ty::Field || uint, ta)
                    }
                    BinOp::Rem | BinOp::Shl | BinOp::Shr => (uint, ta),
                    BinOp::And | BinOp::Or | BinOp::Xor => (ta == Ty::Bool || uint, ta),
                    BinOp::Eq => (true, Ty::Bool),
                    BinOp::Lt | BinOp::Le => (uint, Ty::Bool),
                };
                if matches!(op, BinOp::Shl | BinOp::Shr) {
                    expect(&mut out, format!("`{name}` amount"), tb, Ty::UInt(32));
                } else if ta != tb {
                    out.push(format!("`{name}` operands have types `{ta}` and `{tb}`"));
                }
                if ok {
                    expect(&mut out, format!("`{name}` result"), result, result_ty);
                } else {
                    out.push(format!("`{name}` is not defined on `{ta}`"));
                }
            }
            Op::Select(c, a, b) => {
                expect(&mut out, "`select` condition".into(), t(c), Ty::Bool);
                expect(
                    &mut out,
                    format!("`select` branch `%{}`", a.0),
                    t(a),
                    result,
                );
                expect(
                    &mut out,
                    format!("`select` branch `%{}`", b.0),
                    t(b),
                    result,
                );
            }
            Op::Cast(_) => {
                if result == Ty::Bool {
                    out.push("`cast` to `bool` is not allowed (compare with zero instead)".into());
                }
            }
            Op::Pick { index, items } => {
                if !matches!(t(index), Ty::UInt(_)) {
                    out.push(format!(
                        "`pick` index has type `{}`, expected an unsigned integer",
                        t(index)
                    ));
                }
                for item in items {
                    expect(
                        &mut out,
                        format!("`pick` item `%{}`", item.0),
                        t(item),
                        result,
                    );
                }
            }
            Op::Assert { cond, .. } => {
                expect(&mut out, "`assert` condition".into(), t(cond), Ty::Bool)
            }
            Op::MapRead { map, key } | Op::MapWrite { map, key, .. } => {
                let Some(layout) = &self.layout else {
                    return out;
                };
                let Some((map_name, key_ty, value_tys)) = layout.maps.get(*map as usize) else {
                    out.push(format!(
                        "map #{map} does not exist: the program has {}",
                        count(layout.maps.len(), "map")
                    ));
                    return out;
                };
                if let Some(key_ty) = key_ty {
                    expect(
                        &mut out,
                        format!("key of map `{map_name}`"),
                        t(key),
                        *key_ty,
                    );
                }
                let found: Vec<Ty> = match &inst.op {
                    Op::MapWrite { value, .. } => value.iter().map(t).collect(),
                    _ => inst.results.iter().map(|&(_, ty)| ty).collect(),
                };
                if found != *value_tys {
                    let list =
                        |tys: &[Ty]| tys.iter().map(Ty::to_string).collect::<Vec<_>>().join(", ");
                    out.push(format!(
                        "`{name}` of map `{map_name}` has values `({})`, expected `({})`",
                        list(&found),
                        list(value_tys)
                    ));
                }
            }
            Op::Hash(inputs) => {
                if !(1..=16).contains(&inputs.len()) {
                    out.push(format!(
                        "`hash` takes 1 to 16 inputs, found {}",
                        inputs.len()
                    ));
                }
                for x in inputs {
                    expect(
                        &mut out,
                        format!("`hash` input `%{}`", x.0),
                        t(x),
                        Ty::Field,
                    );
                }
                expect(&mut out, "`hash` result".into(), result, Ty::Field);
            }
            Op::EddsaVerify(inputs) => {
                if inputs.len() != 6 {
                    out.push(format!(
                        "`eddsa.verify` takes 6 inputs, found {}",
                        inputs.len()
                    ));
                }
                for x in inputs {
                    expect(
                        &mut out,
                        format!("`eddsa.verify` input `%{}`", x.0),
                        t(x),
                        Ty::Field,
                    );
                }
                expect(&mut out, "`eddsa.verify` result".into(), result, Ty::Bool);
            }
            Op::MerkleRoot {
                index,
                leaf,
                siblings,
            } => {
                if !(1..=64).contains(&siblings.len()) {
                    out.push(format!(
                        "`merkle.root` takes 1 to 64 siblings (the depth), found {}",
                        siblings.len()
                    ));
                }
                if !matches!(t(index), Ty::UInt(_)) {
                    out.push(format!(
                        "`merkle.root` index has type `{}`, expected an unsigned integer",
                        t(index)
                    ));
                }
                expect(&mut out, "`merkle.root` leaf".into(), t(leaf), Ty::Field);
                for x in siblings {
                    expect(
                        &mut out,
                        format!("`merkle.root` sibling `%{}`", x.0),
                        t(x),
                        Ty::Field,
                    );
                }
                expect(&mut out, "`merkle.root` result".into(), result, Ty::Field);
            }
        }
        out
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn expect(out: &mut Vec<String>, what: String, found: Ty, want: Ty) {
    if found != want {
        out.push(format!("{what} has type `{found}`, expected `{want}`"));
    }
}
