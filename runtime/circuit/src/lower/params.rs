//! Transition parameters: witnessed from the transaction's arguments and constrained to be a
//! valid value of their source type, exactly what the executor checks before it runs a
//! transaction (`stele_exec`'s argument shapes): integers below `2^N`, booleans boolean, enum
//! tags below the number of variants, each variant's payload valid for its types when that
//! variant is the tag, and the payload slots it does not use zero.
//!
//! Checks inside an enum payload are guarded by "this variant is selected" (and by the guards of
//! enclosing payloads): `g·x` is range-checked, so an unselected variant constrains nothing.

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use stele_ir::{Program, Type, TypeDefKind};

use super::LowerError;
use crate::gates::{Bit, GateCtx, Var};

/// Witnesses the flattened parameter scalars (`values`, in layout order) and validates them.
pub(super) fn witness_params(
    ctx: &mut GateCtx<'_, '_>,
    program: &Program,
    params: &[(String, Type)],
    values: &[Value<Fr>],
) -> Result<Vec<Var>, LowerError> {
    let cells: Vec<Var> = values.iter().map(|v| ctx.witness(*v)).collect();
    let mut pos = 0;
    for (_, ty) in params {
        validate(ctx, program, ty, &cells, &mut pos, None)?;
    }
    if pos != cells.len() {
        return Err(LowerError::Malformed(format!(
            "parameters flatten to {} scalars, validated {pos}",
            cells.len()
        )));
    }
    Ok(cells)
}

fn validate(
    ctx: &mut GateCtx<'_, '_>,
    program: &Program,
    ty: &Type,
    cells: &[Var],
    pos: &mut usize,
    g: Option<&Bit>,
) -> Result<(), LowerError> {
    let next = |pos: &mut usize| {
        let c = cells.get(*pos).cloned();
        *pos += 1;
        c.ok_or_else(|| LowerError::Malformed("parameter layout overrun".into()))
    };
    match ty {
        Type::Field => {
            next(pos)?;
        }
        Type::Bool => {
            let c = next(pos)?;
            let c = ctx.mask(g, &c);
            ctx.assert_bool(&c);
        }
        Type::UInt(n) => {
            let c = next(pos)?;
            ctx.guarded_cast(g, &c, u32::from(*n));
        }
        Type::Array(elem, n) => {
            for _ in 0..*n {
                validate(ctx, program, elem, cells, pos, g)?;
            }
        }
        Type::Tuple(items) => {
            for t in items {
                validate(ctx, program, t, cells, pos, g)?;
            }
        }
        Type::Named(name) => match program.type_def(name).map(|d| &d.kind) {
            Some(TypeDefKind::Struct(fields)) => {
                for (_, t) in fields {
                    validate(ctx, program, t, cells, pos, g)?;
                }
            }
            Some(TypeDefKind::Enum(variants)) => {
                let start = *pos;
                let tag = next(pos)?;
                let slots = program.enum_payload_width(variants);
                // tag ∈ {0 .. variants - 1}: exactly one hit (at most one by construction).
                let mut hits = Vec::with_capacity(variants.len());
                let mut sum: Option<Var> = None;
                for v in 0..variants.len() {
                    let c = ctx.constant(Fr::from(v as u64));
                    let hit = ctx.is_equal(&tag, &c);
                    sum = Some(match sum {
                        None => hit.var().clone(),
                        Some(s) => ctx.add(&s, hit.var()),
                    });
                    hits.push(hit);
                }
                let sum = match sum {
                    Some(s) => s,
                    None => ctx.constant(Fr::ZERO),
                };
                ctx.assert_guarded(g, &Bit(sum));
                for ((_, payload), hit) in variants.iter().zip(&hits) {
                    let gv = match g {
                        Some(g) => ctx.and(g, hit),
                        None => hit.clone(),
                    };
                    let mut p = start + 1;
                    for t in payload {
                        validate(ctx, program, t, cells, &mut p, Some(&gv))?;
                    }
                    for c in &cells[p.min(cells.len())..(start + 1 + slots).min(cells.len())] {
                        let masked = ctx.mask(Some(&gv), c);
                        ctx.assert_constant(&masked, Fr::ZERO);
                    }
                }
                *pos = start + 1 + slots;
            }
            None => {}
        },
    }
    Ok(())
}
