//! Flattened sizes of types, computed without flattening: the guard that keeps
//! [`Program::flatten`](crate::Program::flatten) away from recursive or enormous types, which
//! would overflow the stack or exhaust memory on a hostile program.

use std::collections::HashMap;

use crate::{Program, StateKind, Type, TypeDef, TypeDefKind};

/// The most scalars any one type, the plain state, or one function's parameters may flatten to.
pub const MAX_SCALARS: u64 = 1 << 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SizeError {
    /// The named type contains itself.
    Recursive(String),
    TooLarge,
}

/// Memoised sizes of named types; unknown names count as zero, as in `flatten`.
pub(crate) struct Sizer<'p> {
    program: &'p Program,
    named: HashMap<&'p str, Result<u64, SizeError>>,
    visiting: Vec<&'p str>,
}

impl<'p> Sizer<'p> {
    pub(crate) fn new(program: &'p Program) -> Self {
        Sizer {
            program,
            named: HashMap::new(),
            visiting: Vec::new(),
        }
    }

    /// The number of scalars `ty` flattens to, at most [`MAX_SCALARS`].
    pub(crate) fn size(&mut self, ty: &'p Type) -> Result<u64, SizeError> {
        let n = match ty {
            Type::Field | Type::Bool | Type::UInt(_) => 1,
            Type::Array(elem, len) => self.size(elem)?.saturating_mul(*len as u64),
            Type::Tuple(items) => self.sum(items)?,
            Type::Named(name) => self.named(name)?,
        };
        if n > MAX_SCALARS {
            Err(SizeError::TooLarge)
        } else {
            Ok(n)
        }
    }

    /// The size of a declared type, by name (so a recursive declaration is reported as such).
    pub(crate) fn size_of_def(&mut self, def: &'p TypeDef) -> Result<u64, SizeError> {
        self.named(&def.name)
    }

    pub(crate) fn sum(
        &mut self,
        types: impl IntoIterator<Item = &'p Type>,
    ) -> Result<u64, SizeError> {
        let mut total = 0u64;
        for ty in types {
            total = total.saturating_add(self.size(ty)?);
            if total > MAX_SCALARS {
                return Err(SizeError::TooLarge);
            }
        }
        Ok(total)
    }

    fn named(&mut self, name: &'p str) -> Result<u64, SizeError> {
        if let Some(known) = self.named.get(name) {
            return known.clone();
        }
        if self.visiting.contains(&name) {
            return Err(SizeError::Recursive(name.to_string()));
        }
        let Some(def) = self.program.type_def(name) else {
            return Ok(0);
        };
        self.visiting.push(name);
        let result = match &def.kind {
            TypeDefKind::Struct(fields) => self.sum(fields.iter().map(|(_, t)| t)),
            TypeDefKind::Enum(variants) => {
                let mut widest = Ok(0);
                for (_, payload) in variants {
                    match self.sum(payload) {
                        Ok(n) => widest = widest.map(|w: u64| w.max(n)),
                        Err(e) => {
                            widest = Err(e);
                            break;
                        }
                    }
                }
                widest.and_then(|w| {
                    if w + 1 > MAX_SCALARS {
                        Err(SizeError::TooLarge)
                    } else {
                        Ok(w + 1)
                    }
                })
            }
        };
        self.visiting.pop();
        self.named.insert(name, result.clone());
        result
    }
}

/// Whether every layout the program uses can be flattened safely: no recursive type, no type,
/// plain state or parameter list beyond [`MAX_SCALARS`].
pub(crate) fn layout_is_safe(program: &Program) -> bool {
    let mut sizer = Sizer::new(program);
    let types_ok = program
        .types
        .iter()
        .all(|def| sizer.size_of_def(def).is_ok());
    let state_ok = program.state.iter().all(|f| match &f.kind {
        StateKind::Value(ty) => sizer.size(ty).is_ok(),
        StateKind::Map { key, value, .. } => sizer.size(key).is_ok() && sizer.size(value).is_ok(),
    });
    let plain = program.state.iter().filter_map(|f| match &f.kind {
        StateKind::Value(ty) => Some(ty),
        StateKind::Map { .. } => None,
    });
    types_ok
        && state_ok
        && sizer.sum(plain).is_ok()
        && program
            .transitions
            .iter()
            .chain(&program.tests)
            .all(|f| sizer.sum(f.params.iter().map(|(_, t)| t)).is_ok())
}
