//! The JSON codec for values, state files and block files (`docs/json-formats.md`).
//!
//! Decoding never panics: every malformed input is a [`JsonError`] naming the JSON path, what
//! was expected there and what was found.

use std::fmt;

use serde_json::{Map, Value};
use stele_crypto::{fr_from_str, fr_to_decimal};
use stele_ir::{Program, StateKind, Ty, Type};

use crate::shape::{Shape, int_max, to_kind};
use crate::state::State;
use crate::{Tx, Val};

/// A JSON input that does not match what the program expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Where, as a JSON path: `$.transactions[3].args.amount`, `$.balances["12"].nonce`.
    pub path: String,
    /// What was expected there: a type (`u64`, `[u8; 3]`, `token::Account`) or a description.
    pub expected: String,
    /// What was found: the JSON value (abbreviated), `nothing` for a missing member, or
    /// `unknown field "x"`.
    pub found: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {}: expected {}, found {}",
            self.path, self.expected, self.found
        )
    }
}

impl std::error::Error for JsonError {}

fn error(path: &str, expected: impl Into<String>, found: impl Into<String>) -> JsonError {
    JsonError {
        path: path.to_string(),
        expected: expected.into(),
        found: found.into(),
    }
}

const NOTHING: &str = "nothing";

/// A short description of a JSON value for error messages.
fn describe(v: &Value) -> String {
    const MAX_CHARS: usize = 80;
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > MAX_CHARS => {
            let short: String = s.chars().take(MAX_CHARS).collect();
            let quoted = quote(&short);
            format!("{}…\"", &quoted[..quoted.len() - 1])
        }
        Value::String(s) => quote(s),
        Value::Array(a) => format!("an array of length {}", a.len()),
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().take(3).map(|k| quote(k)).collect();
            let more = if o.len() > 3 { ", …" } else { "" };
            format!("an object with keys {}{more}", keys.join(", "))
        }
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Appends `.name`, or `["name"]` when `name` is not an identifier.
fn push_member(path: &mut String, name: &str) {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        path.push('.');
        path.push_str(name);
    } else {
        path.push('[');
        path.push_str(&quote(name));
        path.push(']');
    }
}

fn push_index(path: &mut String, i: usize) {
    path.push_str(&format!("[{i}]"));
}

/// `a, b, c`.
fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

fn variant_sig(name: &str, payload: &[Shape]) -> String {
    if payload.is_empty() {
        name.to_string()
    } else {
        let tys: Vec<String> = payload.iter().map(Shape::name).collect();
        format!("{name}({})", tys.join(", "))
    }
}

/// An unsigned decimal of digits only (no sign, no spaces), as a `u128` if it fits.
fn parse_decimal(s: &str) -> Option<u128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn decode(
    shape: &Shape,
    json: &Value,
    path: &mut String,
    out: &mut Vec<Val>,
) -> Result<(), JsonError> {
    let wrong = |path: &str| error(path, shape.name(), describe(json));
    match shape {
        Shape::Scalar(Ty::Field) => {
            let v = match json {
                Value::String(s) => fr_from_str(s),
                Value::Number(n) => n.as_u64().map(|x| stele_crypto::fr_from_u128(x.into())),
                _ => None,
            };
            out.push(Val::Field(v.ok_or_else(|| wrong(path))?));
        }
        Shape::Scalar(Ty::Bool) => match json {
            Value::Bool(b) => out.push(Val::from(*b)),
            _ => return Err(wrong(path)),
        },
        Shape::Scalar(ty) => {
            let v = match json {
                Value::Number(n) => n.as_u64().map(u128::from),
                Value::String(s) => parse_decimal(s),
                _ => None,
            };
            out.push(Val::Int(
                v.filter(|x| *x <= int_max(*ty))
                    .ok_or_else(|| wrong(path))?,
            ));
        }
        Shape::Array(elem, n) => match json {
            Value::Array(items) if items.len() == *n as usize => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    push_index(path, i);
                    decode(elem, item, path, out)?;
                    path.truncate(len);
                }
            }
            _ => return Err(wrong(path)),
        },
        Shape::Tuple(shapes) => match json {
            Value::Array(items) if items.len() == shapes.len() => {
                for (i, (s, item)) in shapes.iter().zip(items).enumerate() {
                    let len = path.len();
                    push_index(path, i);
                    decode(s, item, path, out)?;
                    path.truncate(len);
                }
            }
            _ => return Err(wrong(path)),
        },
        Shape::Struct { name, fields } => {
            let Value::Object(obj) = json else {
                return Err(wrong(path));
            };
            let expected = || {
                format!(
                    "a field of {name} ({})",
                    list(fields.iter().map(|f| f.0.as_str()))
                )
            };
            decode_members(obj, fields, path, out, expected, "field")?;
        }
        Shape::Enum {
            name,
            variants,
            slots,
        } => {
            let expected = || {
                let sigs: Vec<String> = variants.iter().map(|(v, p)| variant_sig(v, p)).collect();
                format!("a variant of {name} ({})", sigs.join(", "))
            };
            let find = |v: &str| variants.iter().position(|(n, _)| n == v);
            let (tag, payload) = match json {
                Value::String(s) => {
                    let tag = find(s).ok_or_else(|| error(path, expected(), describe(json)))?;
                    let (v, p) = &variants[tag];
                    if !p.is_empty() {
                        let sig: Vec<String> = p.iter().map(Shape::name).collect();
                        return Err(error(
                            path,
                            format!("{{\"{v}\": [{}]}}", sig.join(", ")),
                            describe(json),
                        ));
                    }
                    (tag, None)
                }
                Value::Object(obj) if obj.len() == 1 => {
                    let (v, payload) = obj.iter().next().ok_or_else(|| wrong(path))?;
                    let tag = find(v).ok_or_else(|| {
                        error(path, expected(), format!("unknown variant {}", quote(v)))
                    })?;
                    (tag, Some(payload))
                }
                _ => return Err(error(path, expected(), describe(json))),
            };
            let (vname, pshapes) = &variants[tag];
            out.push(Val::Int(tag as u128));
            let start = out.len();
            if let Some(payload) = payload {
                let len = path.len();
                push_member(path, vname);
                let sig: Vec<String> = pshapes.iter().map(Shape::name).collect();
                let expected_payload = || format!("the payload of {vname}: [{}]", sig.join(", "));
                match payload {
                    Value::Array(items) if items.len() == pshapes.len() => {
                        for (i, (s, item)) in pshapes.iter().zip(items).enumerate() {
                            let len = path.len();
                            push_index(path, i);
                            decode(s, item, path, out)?;
                            path.truncate(len);
                        }
                    }
                    _ => return Err(error(path, expected_payload(), describe(payload))),
                }
                path.truncate(len);
            }
            for v in &mut out[start..] {
                *v = to_kind(Ty::Field, *v);
            }
            out.resize(start + slots, Val::Field(crate::Fr::zero()));
        }
        Shape::Unknown(name) => {
            return Err(error(
                path,
                format!("a value of the undeclared type `{name}`"),
                describe(json),
            ));
        }
    }
    Ok(())
}

/// Decodes an object with exactly the members `members`, in their order. `what` names a member
/// (`field`, `parameter`) in the unknown-member error.
fn decode_members(
    obj: &Map<String, Value>,
    members: &[(String, Shape)],
    path: &mut String,
    out: &mut Vec<Val>,
    expected: impl Fn() -> String,
    what: &str,
) -> Result<(), JsonError> {
    for key in obj.keys() {
        if !members.iter().any(|(m, _)| m == key) {
            push_member(path, key);
            return Err(error(
                path,
                expected(),
                format!("unknown {what} {}", quote(key)),
            ));
        }
    }
    for (m, shape) in members {
        let len = path.len();
        push_member(path, m);
        let v = obj
            .get(m)
            .ok_or_else(|| error(path, shape.name(), NOTHING))?;
        decode(shape, v, path, out)?;
        path.truncate(len);
    }
    Ok(())
}

fn encode(shape: &Shape, vals: &[Val], pos: &mut usize) -> Value {
    let mut next = || {
        let v = vals.get(*pos).copied().unwrap_or(Val::ZERO);
        *pos += 1;
        v
    };
    match shape {
        Shape::Scalar(Ty::Field) => Value::String(fr_to_decimal(&next().to_fr())),
        Shape::Scalar(Ty::Bool) => Value::Bool(!next().is_zero()),
        Shape::Scalar(Ty::UInt(b)) => {
            let v = next();
            match v.to_u128().map(u64::try_from) {
                Some(Ok(x)) if *b <= 32 => Value::from(x),
                _ => Value::String(v.to_string()),
            }
        }
        Shape::Array(elem, n) => Value::Array((0..*n).map(|_| encode(elem, vals, pos)).collect()),
        Shape::Tuple(items) => Value::Array(items.iter().map(|s| encode(s, vals, pos)).collect()),
        Shape::Struct { fields, .. } => Value::Object(
            fields
                .iter()
                .map(|(f, s)| (f.clone(), encode(s, vals, pos)))
                .collect(),
        ),
        Shape::Enum { variants, .. } => {
            let start = *pos;
            let width = shape.width();
            *pos += width;
            let slice: Vec<Val> = (start..start + width)
                .map(|i| vals.get(i).copied().unwrap_or(Val::ZERO))
                .collect();
            let tag = slice[0].to_u128().and_then(|t| usize::try_from(t).ok());
            match tag.and_then(|t| variants.get(t)) {
                Some((v, payload)) if shape.is_valid(&slice) => {
                    if payload.is_empty() {
                        Value::String(v.clone())
                    } else {
                        let mut p = 1;
                        let items = payload.iter().map(|s| encode(s, &slice, &mut p)).collect();
                        let mut obj = Map::new();
                        obj.insert(v.clone(), Value::Array(items));
                        Value::Object(obj)
                    }
                }
                // Not a value the codec could have produced: show the raw slots.
                _ => {
                    let mut obj = Map::new();
                    obj.insert("$tag".into(), Value::String(slice[0].to_string()));
                    obj.insert(
                        "$payload".into(),
                        Value::Array(
                            slice[1..]
                                .iter()
                                .map(|v| Value::String(v.to_string()))
                                .collect(),
                        ),
                    );
                    Value::Object(obj)
                }
            }
        }
        Shape::Unknown(_) => Value::Null,
    }
}

/// Decodes the JSON of a value of type `ty` into its flattened scalars. The error paths start
/// at `$`.
pub fn decode_value(program: &Program, ty: &Type, json: &Value) -> Result<Vec<Val>, JsonError> {
    let mut out = Vec::new();
    decode(
        &Shape::new(program, ty),
        json,
        &mut "$".to_string(),
        &mut out,
    )?;
    Ok(out)
}

/// The JSON of a flattened value of type `ty` (missing scalars read as zero, extra ones are
/// ignored).
pub fn encode_value(program: &Program, ty: &Type, vals: &[Val]) -> Value {
    encode(&Shape::new(program, ty), vals, &mut 0)
}

/// Decodes a block file: `{ "transactions": [ { "transition": "name", "args": { ... } } ] }`.
pub fn decode_block(program: &Program, json: &Value) -> Result<Vec<Tx>, JsonError> {
    let mut path = "$".to_string();
    let shape_err =
        |path: &str, v: &Value| error(path, "a block: {\"transactions\": [...]}", describe(v));
    let Value::Object(obj) = json else {
        return Err(shape_err(&path, json));
    };
    if let Some(k) = obj.keys().find(|k| *k != "transactions") {
        push_member(&mut path, k);
        return Err(error(
            &path,
            "only the member \"transactions\"",
            format!("unknown member {}", quote(k)),
        ));
    }
    path.push_str(".transactions");
    let txs = match obj.get("transactions") {
        Some(Value::Array(txs)) => txs,
        Some(v) => return Err(error(&path, "an array of transactions", describe(v))),
        None => return Err(error(&path, "an array of transactions", NOTHING)),
    };
    let names = || {
        format!(
            "a transition of {} ({})",
            program.chain,
            list(program.transitions.iter().map(|f| f.name.as_str()))
        )
    };
    let mut out = Vec::with_capacity(txs.len());
    for (i, tx) in txs.iter().enumerate() {
        let len = path.len();
        push_index(&mut path, i);
        let Value::Object(t) = tx else {
            return Err(error(
                &path,
                "a transaction: {\"transition\": \"name\", \"args\": {...}}",
                describe(tx),
            ));
        };
        if let Some(k) = t.keys().find(|k| *k != "transition" && *k != "args") {
            push_member(&mut path, k);
            return Err(error(
                &path,
                "only the members \"transition\" and \"args\"",
                format!("unknown member {}", quote(k)),
            ));
        }
        let tlen = path.len();
        path.push_str(".transition");
        let index = match t.get("transition") {
            Some(Value::String(name)) => program
                .transitions
                .iter()
                .position(|f| f.name == *name)
                .ok_or_else(|| error(&path, names(), quote(name)))?,
            Some(v) => return Err(error(&path, names(), describe(v))),
            None => return Err(error(&path, names(), NOTHING)),
        };
        path.truncate(tlen);
        let f = &program.transitions[index];
        let params: Vec<(String, Shape)> = f
            .params
            .iter()
            .map(|(n, t)| (n.clone(), Shape::new(program, t)))
            .collect();
        let expected = || {
            format!(
                "a parameter of {} ({})",
                f.name,
                list(f.params.iter().map(|p| p.0.as_str()))
            )
        };
        path.push_str(".args");
        let empty = Map::new();
        let args = match t.get("args") {
            Some(Value::Object(a)) => a,
            None if params.is_empty() => &empty,
            Some(v) => {
                return Err(error(
                    &path,
                    format!("the arguments of {}: an object", f.name),
                    describe(v),
                ));
            }
            None => {
                return Err(error(
                    &path,
                    format!("the arguments of {}: an object", f.name),
                    NOTHING,
                ));
            }
        };
        let mut vals = Vec::new();
        decode_members(args, &params, &mut path, &mut vals, expected, "parameter")?;
        out.push(Tx {
            transition: index,
            args: vals,
        });
        path.truncate(len);
    }
    Ok(out)
}

/// The block file of `txs` (a transaction with an unknown transition index gets its number as
/// `"transition"`).
pub fn encode_block(program: &Program, txs: &[Tx]) -> Value {
    let txs = txs
        .iter()
        .map(|tx| {
            let mut t = Map::new();
            let Some(f) = program.transitions.get(tx.transition) else {
                t.insert("transition".into(), Value::from(tx.transition));
                return Value::Object(t);
            };
            t.insert("transition".into(), Value::String(f.name.clone()));
            let mut pos = 0;
            let args = f
                .params
                .iter()
                .map(|(n, ty)| {
                    (
                        n.clone(),
                        encode(&Shape::new(program, ty), &tx.args, &mut pos),
                    )
                })
                .collect();
            t.insert("args".into(), Value::Object(args));
            Value::Object(t)
        })
        .collect();
    let mut obj = Map::new();
    obj.insert("transactions".into(), Value::Array(txs));
    Value::Object(obj)
}

impl State {
    /// Reads a state file: an object keyed by state field names (a missing field holds its
    /// default; an unknown one is an error). A map field is an object from decimal keys to
    /// values; absent keys hold the default value.
    pub fn from_json(program: &Program, json: &Value) -> Result<State, JsonError> {
        let mut path = "$".to_string();
        let fields = || {
            format!(
                "a state field of {} ({})",
                program.chain,
                list(program.state.iter().map(|f| f.name.as_str()))
            )
        };
        let Value::Object(obj) = json else {
            return Err(error(&path, "a state object", describe(json)));
        };
        if let Some(k) = obj
            .keys()
            .find(|k| !program.state.iter().any(|f| f.name == **k))
        {
            push_member(&mut path, k);
            return Err(error(
                &path,
                fields(),
                format!("unknown field {}", quote(k)),
            ));
        }
        for f in &program.state {
            if let StateKind::Map { depth, .. } = f.kind
                && !(1..=stele_crypto::MAX_DEPTH).contains(&depth)
            {
                push_member(&mut path, &f.name);
                return Err(error(
                    &path,
                    "a map of depth 1..=64 (the program is invalid)",
                    format!("depth {depth}"),
                ));
            }
        }
        let mut state = State::new(program);
        let mut scalar_pos = 0;
        let mut map_index = 0;
        for f in &program.state {
            let len = path.len();
            push_member(&mut path, &f.name);
            match &f.kind {
                StateKind::Value(ty) => {
                    let shape = Shape::new(program, ty);
                    let width = shape.width();
                    if let Some(v) = obj.get(&f.name) {
                        let mut vals = Vec::with_capacity(width);
                        decode(&shape, v, &mut path, &mut vals)?;
                        state.scalars[scalar_pos..scalar_pos + width].copy_from_slice(&vals);
                    }
                    scalar_pos += width;
                }
                StateKind::Map { key, value, depth } => {
                    let ms = &mut state.maps[map_index];
                    map_index += 1;
                    let Some(v) = obj.get(&f.name) else {
                        path.truncate(len);
                        continue;
                    };
                    let shape = Shape::new(program, value);
                    let key_max = match key {
                        Type::UInt(b) => int_max(Ty::UInt(*b)),
                        _ => 0,
                    };
                    let limit = if *depth >= 64 {
                        u64::MAX
                    } else {
                        (1u64 << depth) - 1
                    };
                    let max = u64::try_from(key_max).unwrap_or(u64::MAX).min(limit);
                    let Value::Object(entries) = v else {
                        return Err(error(
                            &path,
                            "a map object: {\"<key>\": value, ...}",
                            describe(v),
                        ));
                    };
                    let mut vals = Vec::with_capacity(shape.width());
                    for (k, v) in entries {
                        let len = path.len();
                        path.push('[');
                        path.push_str(&quote(k));
                        path.push(']');
                        let canonical = k == "0" || !k.starts_with('0');
                        let key = parse_decimal(k)
                            .filter(|x| canonical && *x <= u128::from(max))
                            .ok_or_else(|| {
                                error(&path, format!("a decimal key from 0 to {max}"), quote(k))
                            })?;
                        vals.clear();
                        decode(&shape, v, &mut path, &mut vals)?;
                        if vals[..] != *ms.default {
                            ms.put(key as u64, &vals);
                        }
                        path.truncate(len);
                    }
                }
            }
            path.truncate(len);
        }
        Ok(state)
    }

    /// Writes a state file: every state field; map entries holding the default value are
    /// omitted, keys ascending.
    ///
    /// # Panics
    /// If the state was not built for `program`.
    pub fn to_json(&self, program: &Program) -> Value {
        let mut obj = Map::new();
        let mut scalar_pos = 0;
        let mut map_index = 0;
        for f in &program.state {
            match &f.kind {
                StateKind::Value(ty) => {
                    let shape = Shape::new(program, ty);
                    let width = shape.width();
                    let slice = &self.scalars[scalar_pos..scalar_pos + width];
                    scalar_pos += width;
                    obj.insert(f.name.clone(), encode(&shape, slice, &mut 0));
                }
                StateKind::Map { value, .. } => {
                    let shape = Shape::new(program, value);
                    let m = map_index;
                    map_index += 1;
                    let entries = self
                        .map_keys(m)
                        .into_iter()
                        .map(|k| (k.to_string(), encode(&shape, self.map_get(m, k), &mut 0)))
                        .collect();
                    obj.insert(f.name.clone(), Value::Object(entries));
                }
            }
        }
        Value::Object(obj)
    }
}
