//! Flattening of checked types into IR scalars, following `stele_ir::layout` exactly (lowering
//! cross-checks against `Program::flatten` for every type in the interface).

use std::collections::HashMap;
use std::rc::Rc;

use stele_ir as ir;

use crate::hir::Defs;
use crate::ty::{Len, Ty};

/// Caches flattened layouts of concrete types (all lengths known).
pub struct Layout<'d> {
    pub defs: &'d Defs,
    cache: HashMap<Ty, Rc<[ir::Ty]>>,
}

impl<'d> Layout<'d> {
    pub fn new(defs: &'d Defs) -> Layout<'d> {
        Layout {
            defs,
            cache: HashMap::new(),
        }
    }

    /// Number of scalars, saturating; computed without flattening (so huge arrays are cheap).
    pub fn size(&self, ty: &Ty) -> u64 {
        self.size_depth(ty, 0)
    }

    fn size_depth(&self, ty: &Ty, depth: u32) -> u64 {
        if depth > 64 {
            return 0;
        }
        match ty {
            Ty::Field | Ty::Bool | Ty::UInt(_) => 1,
            Ty::Array(t, Len::Known(n)) => self.size_depth(t, depth + 1).saturating_mul(*n),
            Ty::Array(..) => 0,
            Ty::Tuple(ts) => ts
                .iter()
                .fold(0u64, |a, t| a.saturating_add(self.size_depth(t, depth + 1))),
            Ty::Adt(id) => {
                let adt = self.defs.adt(*id);
                if adt.is_enum {
                    1u64.saturating_add(self.payload_width_depth(*id, depth))
                } else {
                    adt.fields.iter().fold(0u64, |a, f| {
                        a.saturating_add(self.size_depth(&f.ty, depth + 1))
                    })
                }
            }
            Ty::Error | Ty::Map(..) | Ty::Var(_) => 0,
        }
    }

    fn payload_width_depth(&self, id: crate::hir::AdtId, depth: u32) -> u64 {
        self.defs
            .adt(id)
            .variants
            .iter()
            .map(|v| {
                v.payload
                    .iter()
                    .fold(0u64, |a, t| a.saturating_add(self.size_depth(t, depth + 1)))
            })
            .max()
            .unwrap_or(0)
    }

    /// Number of `Field` payload slots of an enum.
    pub fn payload_width(&self, id: crate::hir::AdtId) -> u64 {
        self.payload_width_depth(id, 0)
    }

    /// The scalar types of a concrete type, in layout order.
    pub fn flatten(&mut self, ty: &Ty) -> Rc<[ir::Ty]> {
        if let Some(v) = self.cache.get(ty) {
            return v.clone();
        }
        let mut out = Vec::new();
        self.push(ty, &mut out, 0);
        let rc: Rc<[ir::Ty]> = out.into();
        self.cache.insert(ty.clone(), rc.clone());
        rc
    }

    fn push(&mut self, ty: &Ty, out: &mut Vec<ir::Ty>, depth: u32) {
        if depth > 64 {
            return;
        }
        match ty {
            Ty::Field => out.push(ir::Ty::Field),
            Ty::Bool => out.push(ir::Ty::Bool),
            Ty::UInt(b) => out.push(ir::Ty::UInt(*b)),
            Ty::Array(t, Len::Known(n)) => {
                let elem = self.flatten(t);
                for _ in 0..*n {
                    out.extend_from_slice(&elem);
                }
            }
            Ty::Tuple(ts) => {
                for t in ts {
                    self.push(t, out, depth + 1);
                }
            }
            Ty::Adt(id) => {
                let adt = self.defs.adt(*id);
                if adt.is_enum {
                    out.push(ir::Ty::UInt(32));
                    for _ in 0..self.payload_width(*id) {
                        out.push(ir::Ty::Field);
                    }
                } else {
                    let defs = self.defs;
                    for f in &defs.adt(*id).fields {
                        self.push(&f.ty, out, depth + 1);
                    }
                }
            }
            Ty::Array(..) | Ty::Error | Ty::Map(..) | Ty::Var(_) => {}
        }
    }

    /// Offset and size of member `i` of a struct or tuple, or of variant payload element `i`
    /// of an enum (offset counted from the start of the enum value).
    pub fn member(&self, ty: &Ty, i: u32) -> (usize, usize) {
        let sizes: Vec<u64> = match ty {
            Ty::Tuple(ts) => ts.iter().map(|t| self.size(t)).collect(),
            Ty::Adt(id) => self
                .defs
                .adt(*id)
                .fields
                .iter()
                .map(|f| self.size(&f.ty))
                .collect(),
            _ => Vec::new(),
        };
        let off: u64 = sizes.iter().take(i as usize).sum();
        (
            off as usize,
            sizes.get(i as usize).copied().unwrap_or(0) as usize,
        )
    }

    /// Offsets (relative to the first payload slot) and sizes of a variant's payload elements.
    pub fn variant_elems(&self, id: crate::hir::AdtId, variant: u32) -> Vec<(usize, usize)> {
        let mut off = 0usize;
        let mut out = Vec::new();
        for t in &self.defs.adt(id).variants[variant as usize].payload {
            let n = self.size(t) as usize;
            out.push((off, n));
            off += n;
        }
        out
    }
}

/// The IR's interface type of a concrete checked type.
pub fn ir_type(defs: &Defs, ty: &Ty) -> ir::Type {
    match ty {
        Ty::Field => ir::Type::Field,
        Ty::Bool => ir::Type::Bool,
        Ty::UInt(b) => ir::Type::UInt(*b),
        Ty::Array(t, Len::Known(n)) => ir::Type::Array(Box::new(ir_type(defs, t)), *n as u32),
        Ty::Tuple(ts) => ir::Type::Tuple(ts.iter().map(|t| ir_type(defs, t)).collect()),
        Ty::Adt(id) => ir::Type::Named(defs.adt(*id).qual.clone()),
        _ => ir::Type::Tuple(Vec::new()),
    }
}
