//! Source types resolved against a program into a tree the JSON codec walks and the argument
//! check validates against. Flattening a shape gives exactly `stele_ir::layout`'s scalars.

use stele_ir::{Program, Ty, Type, TypeDefKind};

use crate::Val;

/// Named types nested deeper than this are treated as unknown (only a recursive type gets
/// there; [`crate::Executable::new`] rejects those).
const MAX_NESTING: usize = 64;

#[derive(Clone, Debug)]
pub(crate) enum Shape {
    Scalar(Ty),
    Array(Box<Shape>, u32),
    Tuple(Vec<Shape>),
    Struct {
        name: String,
        fields: Vec<(String, Shape)>,
    },
    /// `slots` is the number of `Field` payload slots after the `u32` tag.
    Enum {
        name: String,
        variants: Vec<(String, Vec<Shape>)>,
        slots: usize,
    },
    /// A named type the program does not declare (or a recursive one): no scalars.
    Unknown(String),
}

/// Largest value of an integer scalar type (`bool` is 1, `uN` is 2^N - 1).
pub(crate) fn int_max(ty: Ty) -> u128 {
    match ty {
        Ty::Bool => 1,
        Ty::UInt(b) if b >= 128 => u128::MAX,
        Ty::UInt(b) => (1u128 << b) - 1,
        Ty::Field => u128::MAX,
    }
}

pub(crate) fn ty_name(ty: Ty) -> String {
    match ty {
        Ty::Field => "Field".into(),
        Ty::Bool => "bool".into(),
        Ty::UInt(b) => format!("u{b}"),
    }
}

impl Shape {
    pub(crate) fn new(program: &Program, ty: &Type) -> Shape {
        Shape::build(program, ty, 0)
    }

    fn build(program: &Program, ty: &Type, nesting: usize) -> Shape {
        match ty {
            Type::Field => Shape::Scalar(Ty::Field),
            Type::Bool => Shape::Scalar(Ty::Bool),
            Type::UInt(b) => Shape::Scalar(Ty::UInt(*b)),
            Type::Array(elem, n) => {
                Shape::Array(Box::new(Shape::build(program, elem, nesting)), *n)
            }
            Type::Tuple(items) => Shape::Tuple(
                items
                    .iter()
                    .map(|t| Shape::build(program, t, nesting))
                    .collect(),
            ),
            Type::Named(name) => {
                let def = match program.type_def(name) {
                    Some(def) if nesting < MAX_NESTING => def,
                    _ => return Shape::Unknown(name.clone()),
                };
                match &def.kind {
                    TypeDefKind::Struct(fields) => Shape::Struct {
                        name: name.clone(),
                        fields: fields
                            .iter()
                            .map(|(f, t)| (f.clone(), Shape::build(program, t, nesting + 1)))
                            .collect(),
                    },
                    TypeDefKind::Enum(variants) => {
                        let variants: Vec<(String, Vec<Shape>)> = variants
                            .iter()
                            .map(|(v, payload)| {
                                (
                                    v.clone(),
                                    payload
                                        .iter()
                                        .map(|t| Shape::build(program, t, nesting + 1))
                                        .collect(),
                                )
                            })
                            .collect();
                        let slots = variants
                            .iter()
                            .map(|(_, p)| p.iter().map(Shape::width).sum::<usize>())
                            .max()
                            .unwrap_or(0);
                        Shape::Enum {
                            name: name.clone(),
                            variants,
                            slots,
                        }
                    }
                }
            }
        }
    }

    /// Number of flattened scalars.
    pub(crate) fn width(&self) -> usize {
        match self {
            Shape::Scalar(_) => 1,
            Shape::Array(elem, n) => elem.width().saturating_mul(*n as usize),
            Shape::Tuple(items) => items.iter().map(Shape::width).sum(),
            Shape::Struct { fields, .. } => fields.iter().map(|(_, s)| s.width()).sum(),
            Shape::Enum { slots, .. } => 1 + slots,
            Shape::Unknown(_) => 0,
        }
    }

    /// The flattened scalar types.
    pub(crate) fn scalar_tys(&self, out: &mut Vec<Ty>) {
        match self {
            Shape::Scalar(t) => out.push(*t),
            Shape::Array(elem, n) => {
                for _ in 0..*n {
                    elem.scalar_tys(out);
                }
            }
            Shape::Tuple(items) => items.iter().for_each(|s| s.scalar_tys(out)),
            Shape::Struct { fields, .. } => fields.iter().for_each(|(_, s)| s.scalar_tys(out)),
            Shape::Enum { slots, .. } => {
                out.push(Ty::UInt(32));
                out.extend(std::iter::repeat_n(Ty::Field, *slots));
            }
            Shape::Unknown(_) => {}
        }
    }

    /// The source spelling of the type: `Field`, `u64`, `[u8; 3]`, `(u8, bool)`, `token::Account`.
    pub(crate) fn name(&self) -> String {
        match self {
            Shape::Scalar(t) => ty_name(*t),
            Shape::Array(elem, n) => format!("[{}; {n}]", elem.name()),
            Shape::Tuple(items) => {
                let names: Vec<String> = items.iter().map(Shape::name).collect();
                if names.len() == 1 {
                    format!("({},)", names[0])
                } else {
                    format!("({})", names.join(", "))
                }
            }
            Shape::Struct { name, .. } | Shape::Enum { name, .. } | Shape::Unknown(name) => {
                name.clone()
            }
        }
    }

    /// Whether `vals` (exactly [`Shape::width`] scalars, compared by numeric value) is a valid
    /// value: integers in range, enum tags in range, each variant's payload valid for its types
    /// and unused payload slots zero.
    pub(crate) fn is_valid(&self, vals: &[Val]) -> bool {
        let mut pos = 0;
        vals.len() == self.width() && self.check(vals, &mut pos) && pos == vals.len()
    }

    fn check(&self, vals: &[Val], pos: &mut usize) -> bool {
        match self {
            Shape::Scalar(Ty::Field) => {
                *pos += 1;
                true
            }
            Shape::Scalar(t) => {
                let v = vals[*pos];
                *pos += 1;
                v.to_u128().is_some_and(|x| x <= int_max(*t))
            }
            Shape::Array(elem, n) => (0..*n).all(|_| elem.check(vals, pos)),
            Shape::Tuple(items) => items.iter().all(|s| s.check(vals, pos)),
            Shape::Struct { fields, .. } => fields.iter().all(|(_, s)| s.check(vals, pos)),
            Shape::Enum {
                variants, slots, ..
            } => {
                let start = *pos;
                *pos += 1 + slots;
                let Some((_, payload)) = vals[start]
                    .to_u128()
                    .and_then(|t| usize::try_from(t).ok())
                    .and_then(|t| variants.get(t))
                else {
                    return false;
                };
                let mut p = start + 1;
                payload.iter().all(|s| s.check(vals, &mut p))
                    && vals[p..*pos].iter().all(|v| v.is_zero())
            }
            Shape::Unknown(_) => true,
        }
    }
}

/// The zero of a scalar type, of the kind the executor keeps it in.
pub(crate) fn zero_of(ty: Ty) -> Val {
    match ty {
        Ty::Field => Val::Field(crate::Fr::zero()),
        _ => Val::Int(0),
    }
}

/// `v` in the kind the executor keeps a scalar of type `ty` in (numeric value unchanged; the
/// caller knows it fits).
pub(crate) fn to_kind(ty: Ty, v: Val) -> Val {
    match (ty, v) {
        (Ty::Field, Val::Int(x)) => Val::Field(stele_crypto::fr_from_u128(x)),
        (Ty::Field, v) => v,
        (_, Val::Field(f)) => Val::Int(stele_crypto::fr_to_u128(&f).unwrap_or(0)),
        (_, v) => v,
    }
}
