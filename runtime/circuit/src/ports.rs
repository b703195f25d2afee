//! Map-access **ports**: how the block circuit shares Merkle paths between the transitions of a
//! slot, and fuses a read with the write back to the same key.
//!
//! A Merkle path is by far the most expensive thing a transition does (a depth-20 read is 903
//! rows, a write 1,764). A slot holds every transition of the chain but runs at most one, so
//! giving each transition its own paths would make every slot pay for all of them. Instead the
//! slot has, per map, a fixed sequence of **ports**, and every transition's accesses are
//! assigned to ports in execution order. Only the running transition's guards can be on, so a
//! port does exactly the access of the transition that runs (or nothing).
//!
//! # Fusing a read with its write-back
//!
//! Within one transition, a `map.write` of map `m` at key `k` under guard `g` is fused with
//! the latest earlier `map.read` of `m` at the *same IR value* `k` under the same guard `g` or
//! under no guard (so the read is on whenever the write is), provided no write to `m` lies
//! between them. With no write in between, the read and the write see the same root, so one
//! path proves the old leaf (the values read, under the read's guard) and computes the new one
//! (taken under the write's guard): an **update** port. `state.accounts[to].balance += amount`
//! is one update, not a read plus a write.
//!
//! # The plan
//!
//! Per transition and map, the accesses become a sequence of ops: `Read` (an unfused read) or
//! `Update` (a write, fused or not). The slot's port sequence for the map is a common
//! supersequence of every transition's op sequence, built transition by transition with a
//! small dynamic program: an op may use a port of its own kind, a read may use an update port
//! (it then leaves the root unchanged), an update may upgrade a read port, and otherwise a new
//! port is inserted; the cost counts paths (a read port 1, an update port 2), so the cheapest
//! alignment wins. The plan depends on the program only, so keygen and proving lay out the
//! same circuit.
//!
//! [`plan`] computes it; `block.rs` lays the ports out (see its module docs, "Map ports").

use stele_ir::{Function, Op, Program, StateKind};

/// What a port does when its guard is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortKind {
    /// Proves a leaf against the running root; the root stays.
    Read,
    /// Proves the old leaf and replaces it (when the access that runs is a write).
    Update,
}

impl PortKind {
    /// Relative cost: the number of Merkle paths.
    fn cost(self) -> usize {
        match self {
            PortKind::Read => 1,
            PortKind::Update => 2,
        }
    }
}

/// Where one map access instruction of a transition goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Role {
    /// The map (index among the state's maps).
    pub map: usize,
    /// The port of that map, in the slot's sequence.
    pub port: usize,
    /// One half of a read fused with its write-back (both halves have the same port).
    pub fused: bool,
}

/// The slot's map ports and every transition's use of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessPlan {
    /// Per map: the ports of a slot, in order.
    pub ports: Vec<Vec<PortKind>>,
    /// Per transition: the role of each `map.read` / `map.write`, in body order.
    pub roles: Vec<Vec<Role>>,
}

/// One access of a transition body.
#[derive(Clone, Copy, Debug)]
struct Access {
    map: usize,
    key: u32,
    guard: Option<u32>,
    write: bool,
}

fn accesses(function: &Function) -> Vec<Access> {
    function
        .body
        .iter()
        .filter_map(|inst| {
            let guard = inst.guard.map(|g| g.0);
            match &inst.op {
                Op::MapRead { map, key } => Some(Access {
                    map: *map as usize,
                    key: key.0,
                    guard,
                    write: false,
                }),
                Op::MapWrite { map, key, .. } => Some(Access {
                    map: *map as usize,
                    key: key.0,
                    guard,
                    write: true,
                }),
                _ => None,
            }
        })
        .collect()
}

/// For each access, the index of the write it is fused into (reads only).
fn fusion(accesses: &[Access]) -> Vec<Option<usize>> {
    let mut fused = vec![None; accesses.len()];
    for (w, write) in accesses.iter().enumerate().filter(|(_, a)| a.write) {
        for r in (0..w).rev() {
            let a = &accesses[r];
            if a.map != write.map {
                continue;
            }
            if a.write {
                break;
            }
            // The write's guard must imply the read's: equal, or the read unguarded.
            let covered = a.guard.is_none() || a.guard == write.guard;
            if a.key == write.key && covered && fused[r].is_none() {
                fused[r] = Some(w);
                break;
            }
        }
    }
    fused
}

/// Aligns `ops` into `ports` (see the module docs). Returns the merged ports, the new index of
/// every old port, and the port of every op.
fn merge(ports: &[PortKind], ops: &[PortKind]) -> (Vec<PortKind>, Vec<usize>, Vec<usize>) {
    let (n, m) = (ops.len(), ports.len());
    // cost[i][j]: the cheapest alignment of ops[i..] into ports[j..].
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        cost[i][m] = cost[i + 1][m] + ops[i].cost();
    }
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let take = match (ops[i], ports[j]) {
                (PortKind::Update, PortKind::Read) => 1,
                _ => 0,
            } + cost[i + 1][j + 1];
            let skip = cost[i][j + 1];
            let insert = ops[i].cost() + cost[i + 1][j];
            cost[i][j] = take.min(skip).min(insert);
        }
    }
    let (mut merged, mut old_at, mut op_at) = (Vec::new(), Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i == n {
            old_at.push(merged.len());
            merged.push(ports[j]);
            j += 1;
            continue;
        }
        if j == m {
            op_at.push(merged.len());
            merged.push(ops[i]);
            i += 1;
            continue;
        }
        let upgrade = usize::from(ops[i] == PortKind::Update && ports[j] == PortKind::Read);
        if cost[i][j] == upgrade + cost[i + 1][j + 1] {
            old_at.push(merged.len());
            op_at.push(merged.len());
            merged.push(if upgrade == 1 {
                PortKind::Update
            } else {
                ports[j]
            });
            i += 1;
            j += 1;
        } else if cost[i][j] == cost[i][j + 1] {
            old_at.push(merged.len());
            merged.push(ports[j]);
            j += 1;
        } else {
            op_at.push(merged.len());
            merged.push(ops[i]);
            i += 1;
        }
    }
    (merged, old_at, op_at)
}

/// The access plan of `program`'s transitions (see the module docs).
pub fn plan(program: &Program) -> AccessPlan {
    let maps = program
        .state
        .iter()
        .filter(|f| matches!(f.kind, StateKind::Map { .. }))
        .count();
    let mut ports: Vec<Vec<PortKind>> = vec![Vec::new(); maps];
    let mut roles: Vec<Vec<Role>> = Vec::with_capacity(program.transitions.len());
    for function in &program.transitions {
        let acc = accesses(function);
        let fused = fusion(&acc);
        // The op of each access: a fused read shares its write's op.
        let mut op_of = vec![0usize; acc.len()];
        let mut ops: Vec<Vec<PortKind>> = vec![Vec::new(); maps];
        for (a, access) in acc.iter().enumerate() {
            if fused[a].is_some() || access.map >= maps {
                continue;
            }
            op_of[a] = ops[access.map].len();
            ops[access.map].push(if access.write {
                PortKind::Update
            } else {
                PortKind::Read
            });
        }
        for (a, f) in fused.iter().enumerate() {
            if let Some(w) = f {
                op_of[a] = op_of[*w];
            }
        }
        let mut port_of_op: Vec<Vec<usize>> = Vec::with_capacity(maps);
        for (m, map_ops) in ops.iter().enumerate() {
            let (merged, old_at, op_at) = merge(&ports[m], map_ops);
            for earlier in roles.iter_mut() {
                for role in earlier.iter_mut().filter(|r| r.map == m) {
                    role.port = old_at[role.port];
                }
            }
            ports[m] = merged;
            port_of_op.push(op_at);
        }
        roles.push(
            acc.iter()
                .enumerate()
                .map(|(a, access)| Role {
                    map: access.map,
                    port: port_of_op
                        .get(access.map)
                        .and_then(|p| p.get(op_of[a]))
                        .copied()
                        .unwrap_or(usize::MAX),
                    fused: fused[a].is_some() || fused.contains(&Some(a)),
                })
                .collect(),
        );
    }
    AccessPlan { ports, roles }
}

#[cfg(test)]
mod tests {
    use super::PortKind::{Read as R, Update as U};
    use super::*;

    #[test]
    fn merge_shares_compatible_ports() {
        // R U R U (a transfer without fusion) absorbs R U (a deposit).
        let (merged, old_at, op_at) = merge(&[R, U, R, U], &[R, U]);
        assert_eq!(merged, vec![R, U, R, U]);
        assert_eq!(old_at, vec![0, 1, 2, 3]);
        assert_eq!(op_at, vec![0, 1]);
        // A read may ride on an update port; an update upgrades a read port.
        assert_eq!(merge(&[U], &[R]).0, vec![U]);
        assert_eq!(merge(&[R], &[U]).0, vec![U]);
        // Order is kept: U then R into R then U costs one more path (an upgrade).
        let (merged, old_at, op_at) = merge(&[R, U], &[U, R]);
        assert_eq!(merged, vec![U, U]);
        assert_eq!((old_at, op_at), (vec![0, 1], vec![0, 1]));
        assert_eq!(merge(&[], &[R, U]).0, vec![R, U]);
    }
}
