//! Semantic types as the checker sees them: resolved, possibly generic over array lengths, with
//! inference variables for integer literals and inferred const generic arguments.

use std::fmt::Write as _;

use crate::hir::{AdtId, Defs};

/// A type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// The type of an erroneous expression: unifies with everything, reported once.
    Error,
    Field,
    Bool,
    UInt(u8),
    Array(Box<Ty>, Len),
    /// `()` is the empty tuple.
    Tuple(Vec<Ty>),
    /// A struct or an enum.
    Adt(AdtId),
    /// `Map<K, V, DEPTH>`: only as the type of a state field.
    Map(Box<Ty>, Box<Ty>, u32),
    /// An integer literal's type while it is being inferred.
    Var(u32),
}

/// An array length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Len {
    Known(u64),
    /// The `i`-th const generic parameter of the enclosing function.
    Param(u32),
    /// An inferred const generic argument while it is being inferred.
    Var(u32),
    Error,
}

impl Ty {
    pub fn unit() -> Ty {
        Ty::Tuple(Vec::new())
    }

    pub fn is_unit(&self) -> bool {
        matches!(self, Ty::Tuple(t) if t.is_empty())
    }

    pub fn contains_error(&self) -> bool {
        match self {
            Ty::Error => true,
            Ty::Array(t, l) => *l == Len::Error || t.contains_error(),
            Ty::Tuple(ts) => ts.iter().any(Ty::contains_error),
            Ty::Map(k, v, _) => k.contains_error() || v.contains_error(),
            _ => false,
        }
    }

    pub fn contains_map(&self, defs: &Defs) -> bool {
        self.contains_map_depth(defs, 0)
    }

    fn contains_map_depth(&self, defs: &Defs, depth: u32) -> bool {
        if depth > 64 {
            return false;
        }
        match self {
            Ty::Map(..) => true,
            Ty::Array(t, _) => t.contains_map_depth(defs, depth + 1),
            Ty::Tuple(ts) => ts.iter().any(|t| t.contains_map_depth(defs, depth + 1)),
            Ty::Adt(id) => defs.adts[id.0 as usize]
                .member_types()
                .any(|t| t.contains_map_depth(defs, depth + 1)),
            _ => false,
        }
    }

    /// Substitutes const generic parameters.
    pub fn subst(&self, generics: &[Len]) -> Ty {
        match self {
            Ty::Array(t, l) => Ty::Array(Box::new(t.subst(generics)), l.subst(generics)),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| t.subst(generics)).collect()),
            Ty::Map(k, v, d) => {
                Ty::Map(Box::new(k.subst(generics)), Box::new(v.subst(generics)), *d)
            }
            t => t.clone(),
        }
    }

    pub fn has_generic(&self) -> bool {
        match self {
            Ty::Array(t, l) => matches!(l, Len::Param(_)) || t.has_generic(),
            Ty::Tuple(ts) => ts.iter().any(Ty::has_generic),
            _ => false,
        }
    }
}

impl Len {
    pub fn subst(self, generics: &[Len]) -> Len {
        match self {
            Len::Param(i) => generics.get(i as usize).copied().unwrap_or(Len::Error),
            l => l,
        }
    }
}

/// Formats types for messages and the language server.
pub struct TyFmt<'a> {
    pub defs: &'a Defs,
    /// Names of the enclosing function's const generic parameters.
    pub generics: &'a [String],
}

impl TyFmt<'_> {
    pub fn ty(&self, ty: &Ty) -> String {
        let mut s = String::new();
        self.write(&mut s, ty);
        s
    }

    fn write(&self, s: &mut String, ty: &Ty) {
        match ty {
            Ty::Error => s.push_str("{unknown}"),
            Ty::Field => s.push_str("Field"),
            Ty::Bool => s.push_str("bool"),
            Ty::UInt(b) => {
                let _ = write!(s, "u{b}");
            }
            Ty::Array(t, l) => {
                s.push('[');
                self.write(s, t);
                s.push_str("; ");
                s.push_str(&self.len(*l));
                s.push(']');
            }
            Ty::Tuple(ts) => {
                s.push('(');
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    self.write(s, t);
                }
                if ts.len() == 1 {
                    s.push(',');
                }
                s.push(')');
            }
            Ty::Adt(id) => s.push_str(&self.defs.adts[id.0 as usize].name),
            Ty::Map(k, v, d) => {
                s.push_str("Map<");
                self.write(s, k);
                s.push_str(", ");
                self.write(s, v);
                let _ = write!(s, ", {d}>");
            }
            Ty::Var(_) => s.push_str("{integer}"),
        }
    }

    pub fn len(&self, l: Len) -> String {
        match l {
            Len::Known(n) => n.to_string(),
            Len::Param(i) => self
                .generics
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{i}")),
            Len::Var(_) => "_".to_string(),
            Len::Error => "{unknown}".to_string(),
        }
    }
}
