//! `merge_map_accesses`: fewer map accesses with the same effect. Each map access is a Merkle
//! path in a circuit (hundreds of rows) and a tree lookup in the executor, so source code like
//! `m[k].a += x; m[k].b += y;` (read, write, read, write of one key) should cost one read and
//! one write. Within one function, for one map and one key (the same IR value):
//!
//! - **Forwarding.** An unguarded `map.read` whose latest preceding write to that map is an
//!   unguarded write of the same key returns the written values: it is dropped and its results
//!   are replaced by them. (A write of another key in between may alias, so it stops
//!   forwarding; reads in between change nothing.)
//! - **Merging writes.** A write `W2` of a key whose latest preceding access to that map is a
//!   write `W1` of the same key (so nothing read `W1`'s value) replaces both by one write at
//!   `W2`'s place: `map.write m[k] = select(g2, v2, v1) if g1 ∨ g2` (`v2` alone when `W2` is
//!   unguarded, no guard when either is unguarded). With `g2` on the map ends with `v2`, with
//!   only `g1` on with `v1`, with neither it is unchanged: as before.
//!
//! **Failures stay the same.** A map access fails only on a key out of range. Both rewrites
//! require an unguarded access of the same map and key that stays in place and comes *before*
//! everything dropped (for forwarding, the write itself; for merging, an access before `W1`):
//! with a key out of range that access fails first, so no transaction is rejected with another
//! reason or at another place.
//!
//! The `select` and `or` a merge needs are new instructions just before the merged write, with
//! fresh value ids; `renumber_values` makes the numbering dense again. Assumes a verified
//! program; keeps it verified.

use std::collections::HashMap;

use crate::{BinOp, Function, Inst, Op, Program, Ty, ValueId};

pub fn merge_map_accesses(program: &mut Program) {
    for f in program
        .transitions
        .iter_mut()
        .chain(program.tests.iter_mut())
    {
        forward_reads(f);
        merge_writes(f);
    }
}

fn forward_reads(f: &mut Function) {
    let mut replaced: HashMap<ValueId, ValueId> = HashMap::new();
    // Per map: the latest write (key, unguarded, values).
    let mut last: HashMap<u32, (ValueId, bool, Vec<ValueId>)> = HashMap::new();
    f.body.retain_mut(|inst| {
        inst.map_uses(|v| replaced.get(&v).copied().unwrap_or(v));
        match &inst.op {
            Op::MapWrite { map, key, value } => {
                last.insert(*map, (*key, inst.guard.is_none(), value.clone()));
                true
            }
            Op::MapRead { map, key } if inst.guard.is_none() => match last.get(map) {
                Some((k, true, values)) if k == key && values.len() == inst.results.len() => {
                    for (&(r, _), &v) in inst.results.iter().zip(values) {
                        replaced.insert(r, v);
                    }
                    false
                }
                _ => true,
            },
            _ => true,
        }
    });
}

fn merge_writes(f: &mut Function) {
    let mut types: HashMap<ValueId, Ty> = HashMap::new();
    let mut next = 0u32;
    for inst in &f.body {
        for &(v, t) in &inst.results {
            types.insert(v, t);
            next = next.max(v.0 + 1);
        }
    }
    let mut out: Vec<Option<Inst>> = Vec::with_capacity(f.body.len());
    // Per map: the position in `out` of its latest access.
    let mut last: HashMap<u32, usize> = HashMap::new();
    // Per (map, key): the position of its first unguarded access.
    let mut first_unguarded: HashMap<(u32, ValueId), usize> = HashMap::new();
    for inst in std::mem::take(&mut f.body) {
        let (map, key) = match &inst.op {
            Op::MapRead { map, key } | Op::MapWrite { map, key, .. } => (*map, *key),
            _ => {
                out.push(Some(inst));
                continue;
            }
        };
        let mut inst = inst;
        if let Op::MapWrite { value: v2, .. } = &inst.op
            && let Some(&j) = last.get(&map)
            && first_unguarded.get(&(map, key)).is_some_and(|&u| u < j)
            && let Some(Inst {
                op: Op::MapWrite {
                    key: k1, value: v1, ..
                },
                guard: g1,
                ..
            }) = &out[j]
            && *k1 == key
            && v1.len() == v2.len()
        {
            let (g1, v1, v2) = (*g1, v1.clone(), v2.clone());
            let loc = inst.loc;
            let mut fresh = |ty: Ty, op: Op, out: &mut Vec<Option<Inst>>| {
                let id = ValueId(next);
                next += 1;
                out.push(Some(Inst {
                    results: vec![(id, ty)],
                    op,
                    guard: None,
                    loc,
                }));
                id
            };
            let value = match inst.guard {
                None => v2,
                Some(g2) => v1
                    .iter()
                    .zip(&v2)
                    .map(|(&a, &b)| match (a == b, types.get(&b)) {
                        (false, Some(&ty)) => fresh(ty, Op::Select(g2, b, a), &mut out),
                        _ => b,
                    })
                    .collect(),
            };
            let guard = match (g1, inst.guard) {
                (Some(a), Some(b)) if a != b => {
                    Some(fresh(Ty::Bool, Op::Binary(BinOp::Or, a, b), &mut out))
                }
                (Some(a), Some(_)) => Some(a),
                _ => None,
            };
            out[j] = None;
            inst.op = Op::MapWrite { map, key, value };
            inst.guard = guard;
        }
        if inst.guard.is_none() {
            first_unguarded.entry((map, key)).or_insert(out.len());
        }
        last.insert(map, out.len());
        out.push(Some(inst));
    }
    f.body = out.into_iter().flatten().collect();
}
