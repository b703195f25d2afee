//! Flattening of source types into scalars: the one layout shared by lowering, the executor's
//! JSON codec, Merkle leaves and the state root.
//!
//! - `Field`, `bool`, `uN`: one scalar.
//! - arrays, tuples, structs: their elements or fields in order, each flattened.
//! - enums: a `u32` tag (the variant's position), then `Field` payload slots, as many as the widest
//!   variant's flattened payload; a variant's payload scalars fill the first slots (converted to
//!   `Field`), the remaining slots are zero.

use crate::{Program, StateKind, Ty, Type, TypeDef, TypeDefKind};

/// A flattened scalar: its type and a readable path such as `accounts.balance` or `regs[3]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    pub ty: Ty,
    pub path: String,
}

impl Program {
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The scalar types of `ty`, in layout order. Unknown named types flatten to nothing (the IR
    /// verifier reports them).
    pub fn flatten(&self, ty: &Type) -> Vec<Ty> {
        self.flatten_named(ty, "")
            .into_iter()
            .map(|s| s.ty)
            .collect()
    }

    /// Like [`Program::flatten`], with a path for each scalar, rooted at `prefix`.
    pub fn flatten_named(&self, ty: &Type, prefix: &str) -> Vec<Scalar> {
        let mut out = Vec::new();
        self.push_scalars(ty, prefix.to_string(), &mut out);
        out
    }

    fn push_scalars(&self, ty: &Type, path: String, out: &mut Vec<Scalar>) {
        match ty {
            Type::Field => out.push(Scalar {
                ty: Ty::Field,
                path,
            }),
            Type::Bool => out.push(Scalar { ty: Ty::Bool, path }),
            Type::UInt(b) => out.push(Scalar {
                ty: Ty::UInt(*b),
                path,
            }),
            Type::Array(elem, n) => {
                for i in 0..*n {
                    self.push_scalars(elem, format!("{path}[{i}]"), out);
                }
            }
            Type::Tuple(items) => {
                for (i, t) in items.iter().enumerate() {
                    self.push_scalars(t, join(&path, &i.to_string()), out);
                }
            }
            Type::Named(name) => match self.type_def(name).map(|d| &d.kind) {
                Some(TypeDefKind::Struct(fields)) => {
                    for (f, t) in fields {
                        self.push_scalars(t, join(&path, f), out);
                    }
                }
                Some(TypeDefKind::Enum(variants)) => {
                    out.push(Scalar {
                        ty: Ty::UInt(32),
                        path: join(&path, "tag"),
                    });
                    for i in 0..self.enum_payload_width(variants) {
                        out.push(Scalar {
                            ty: Ty::Field,
                            path: join(&path, &format!("payload{i}")),
                        });
                    }
                }
                None => {}
            },
        }
    }

    /// Number of `Field` payload slots of an enum.
    pub fn enum_payload_width(&self, variants: &[(String, Vec<Type>)]) -> usize {
        variants
            .iter()
            .map(|(_, payload)| payload.iter().map(|t| self.flatten(t).len()).sum::<usize>())
            .max()
            .unwrap_or(0)
    }

    /// The flattened plain-state scalars (every `StateKind::Value` field, in declaration order).
    pub fn state_scalars(&self) -> Vec<Scalar> {
        let mut out = Vec::new();
        for f in &self.state {
            if let StateKind::Value(ty) = &f.kind {
                self.push_scalars(ty, f.name.clone(), &mut out);
            }
        }
        out
    }

    /// The map fields in declaration order; `MapRead { map: i }` names the `i`-th of them.
    pub fn maps(&self) -> Vec<(&str, &Type, &Type, u32)> {
        self.state
            .iter()
            .filter_map(|f| match &f.kind {
                StateKind::Map { key, value, depth } => Some((f.name.as_str(), key, value, *depth)),
                StateKind::Value(_) => None,
            })
            .collect()
    }

    /// The flattened scalars of a function's parameters.
    pub fn param_scalars(&self, params: &[(String, Type)]) -> Vec<Scalar> {
        let mut out = Vec::new();
        for (name, ty) in params {
            self.push_scalars(ty, name.clone(), &mut out);
        }
        out
    }
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}.{part}")
    }
}
