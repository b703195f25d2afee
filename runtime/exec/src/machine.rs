//! The interpreter: runs precompiled register code against a state, stages the effects and
//! commits them only when the whole transaction succeeds.
//!
//! Staging: plain-state stores go to a write log (`SLoad` reads the state as it was when the
//! transaction started, so the log is never read); map writes go to an overlay that later map
//! reads of the same transaction see. Commit applies the overlay with one Merkle path update per
//! distinct written key, then the write log in order. Within `apply_block` the path updates are
//! deferred to the end of the block (one per distinct key written in the block), since
//! transactions read map entries, never the trees.

use std::collections::{HashMap, HashSet};

use stele_crypto::babyjub::Point;
use stele_crypto::eddsa::{self, Signature};
use stele_crypto::{fr_from_u128, fr_to_u128, hash_list, merkle_root_from_path, poseidon};
use stele_ir::{Function, Op};

use crate::compile::{CInst, COp, Code, Executable, Reg};
use crate::state::State;
use crate::trace::{MapOp, MapUpdate, Step, TxTrace};
use crate::{Fr, Rejection, Tx, Val};

/// A failed instruction: its index in the body and its fixed reason (`None`: an assert, whose
/// message is in the IR).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fail {
    pc: usize,
    reason: Option<&'static str>,
}

const OVERFLOW: &str = "arithmetic overflow";
const UNDERFLOW: &str = "arithmetic underflow";
const DIV_ZERO: &str = "division by zero";
const SHIFT: &str = "shift overflow";
const CAST: &str = "cast overflow";
const KEY: &str = "map key out of range";
const MERKLE_INDEX: &str = "merkle index out of range";

/// Called after every instruction; the untraced path uses the empty implementation, which
/// compiles to nothing.
pub(crate) trait Hooks {
    #[inline(always)]
    fn step(&mut self, _pc: usize, _ci: &CInst, _active: bool, _ints: &[u128], _fields: &[Fr]) {}
}

struct NoHooks;

impl Hooks for NoHooks {}

/// Map writes of the transaction in progress, in first-write order.
#[derive(Default)]
struct Overlay {
    /// `(map, key, start of the value in vals)`.
    entries: Vec<(u32, u64, u32)>,
    vals: Vec<Val>,
    /// Index of `entries`, built once there are more than `LINEAR` of them.
    index: HashMap<(u32, u64), u32>,
}

const LINEAR: usize = 8;

impl Overlay {
    fn clear(&mut self) {
        self.entries.clear();
        self.vals.clear();
        if !self.index.is_empty() {
            self.index.clear();
        }
    }

    fn find(&self, map: u32, key: u64) -> Option<usize> {
        if self.entries.len() <= LINEAR {
            self.entries.iter().position(|e| e.0 == map && e.1 == key)
        } else {
            self.index.get(&(map, key)).map(|&i| i as usize)
        }
    }

    fn get(&self, map: u32, key: u64, width: usize) -> Option<&[Val]> {
        let start = self.entries[self.find(map, key)?].2 as usize;
        Some(&self.vals[start..start + width])
    }

    fn write(&mut self, map: u32, key: u64, values: impl Iterator<Item = Val>) {
        match self.find(map, key) {
            Some(i) => {
                let start = self.entries[i].2 as usize;
                for (slot, v) in self.vals[start..].iter_mut().zip(values) {
                    *slot = v;
                }
            }
            None => {
                let start = self.vals.len() as u32;
                self.vals.extend(values);
                self.entries.push((map, key, start));
                let n = self.entries.len();
                if n == LINEAR + 1 {
                    self.index.extend(
                        self.entries
                            .iter()
                            .enumerate()
                            .map(|(i, e)| ((e.0, e.1), i as u32)),
                    );
                } else if n > LINEAR + 1 {
                    self.index.insert((map, key), n as u32 - 1);
                }
            }
        }
    }
}

/// Reusable scratch space: register files, overlay, write log; and, in a batch, the map keys
/// whose Merkle leaves are not updated yet.
pub(crate) struct Machine {
    ints: Vec<u128>,
    fields: Vec<Fr>,
    overlay: Overlay,
    sstores: Vec<(u32, Val)>,
    scratch: Vec<Fr>,
    batch: Option<Batch>,
}

/// Map entries committed during a batch whose tree leaves are stale, each once, in first-commit
/// order. Transactions only read entries, never trees, so deferring the path updates to the end
/// of the batch changes no result, and a key written by several transactions is hashed once.
#[derive(Default)]
struct Batch {
    keys: Vec<(u32, u64)>,
    seen: HashSet<(u32, u64)>,
}

/// A key as a leaf index, when it is below `2^depth` (`depth <= 64`).
#[inline]
fn map_key(key: u128, depth: u32) -> Option<u64> {
    let k = u64::try_from(key).ok()?;
    (depth >= 64 || k >> depth == 0).then_some(k)
}

#[inline]
fn read(ints: &[u128], fields: &[Fr], r: Reg) -> Val {
    match r {
        Reg::I(s) => Val::Int(ints[s as usize]),
        Reg::F(s) => Val::Field(fields[s as usize]),
    }
}

#[inline]
fn write(ints: &mut [u128], fields: &mut [Fr], r: Reg, v: Val) {
    match r {
        Reg::I(s) => {
            ints[s as usize] = match v {
                Val::Int(x) => x,
                Val::Field(f) => fr_to_u128(&f).unwrap_or(0),
            }
        }
        Reg::F(s) => fields[s as usize] = v.to_fr(),
    }
}

#[inline]
fn as_int(v: Val) -> u128 {
    match v {
        Val::Int(x) => x,
        Val::Field(f) => fr_to_u128(&f).unwrap_or(0),
    }
}

/// An index value as a position (`usize::MAX` when it does not fit: out of range anyway).
#[inline]
fn index_of(ints: &[u128], fields: &[Fr], r: Reg) -> usize {
    let x = match r {
        Reg::I(s) => Some(ints[s as usize]),
        Reg::F(s) => fr_to_u128(&fields[s as usize]),
    };
    x.and_then(|x| usize::try_from(x).ok())
        .unwrap_or(usize::MAX)
}

impl Machine {
    pub(crate) fn new() -> Machine {
        Machine {
            ints: Vec::new(),
            fields: Vec::new(),
            overlay: Overlay::default(),
            sstores: Vec::new(),
            scratch: Vec::new(),
            batch: None,
        }
    }

    /// From now on, commits update map entries only and record the keys; [`Machine::end_batch`]
    /// updates their leaves. The state's trees are stale until then.
    pub(crate) fn begin_batch(&mut self) {
        self.batch = Some(Batch::default());
    }

    /// Updates the Merkle leaf of every key committed since [`Machine::begin_batch`].
    pub(crate) fn end_batch(&mut self, state: &mut State) {
        let Some(batch) = self.batch.take() else {
            return;
        };
        for (map, key) in batch.keys {
            let ms = &mut state.maps[map as usize];
            self.scratch.clear();
            self.scratch.extend(ms.get(key).iter().map(|v| v.to_fr()));
            ms.tree.set_leaf(key, hash_list(&self.scratch));
        }
    }

    pub(crate) fn apply(
        &mut self,
        exe: &Executable,
        state: &mut State,
        tx: &Tx,
    ) -> Result<(), Rejection> {
        let (f, code) = check_tx(exe, state, tx)?;
        match self.run(exe, code, state, &tx.args, &mut NoHooks) {
            Ok(()) => {
                self.commit(state, None);
                Ok(())
            }
            Err(fail) => Err(rejection(exe, f, fail)),
        }
    }

    pub(crate) fn run_test(
        &mut self,
        exe: &Executable,
        state: &mut State,
        index: usize,
    ) -> Result<(), Rejection> {
        assert_matches(exe, state);
        let (Some(f), Some(code)) = (exe.program().tests.get(index), exe.tests.get(index)) else {
            return Err(Rejection::new(format!("unknown test {index}")));
        };
        if !code.param_tys.is_empty() {
            return Err(Rejection::new(format!("test `{}` has parameters", f.name)));
        }
        match self.run(exe, code, state, &[], &mut NoHooks) {
            Ok(()) => {
                self.commit(state, None);
                Ok(())
            }
            Err(fail) => Err(rejection(exe, f, fail)),
        }
    }

    pub(crate) fn apply_traced(&mut self, exe: &Executable, state: &mut State, tx: &Tx) -> TxTrace {
        let mut trace = TxTrace::rejected_early(state.root(), Rejection::new(""));
        trace.outcome = Ok(());
        let (f, code) = match check_tx(exe, state, tx) {
            Ok(x) => x,
            Err(r) => {
                trace.outcome = Err(r);
                return trace;
            }
        };
        let mut tracer = Tracer {
            state: &*state,
            f,
            steps: Vec::new(),
            map_ops: Vec::new(),
            written: HashSet::new(),
        };
        let result = self.run(exe, code, state, &tx.args, &mut tracer);
        trace.steps = tracer.steps;
        trace.map_ops = tracer.map_ops;
        match result {
            Ok(()) => {
                self.commit(state, Some(&mut trace.updates));
                trace.root_after = state.root();
            }
            Err(fail) => {
                trace.failed_inst = Some(fail.pc);
                trace.outcome = Err(rejection(exe, f, fail));
            }
        }
        trace
    }

    fn run<H: Hooks>(
        &mut self,
        exe: &Executable,
        code: &Code,
        state: &State,
        args: &[Val],
        hooks: &mut H,
    ) -> Result<(), Fail> {
        use COp::*;
        let Machine {
            ints,
            fields,
            overlay,
            sstores,
            scratch,
            ..
        } = self;
        // Registers are written before they are read (single definition, and a guarded-off
        // instruction zeroes its results), so stale values need no clearing.
        if ints.len() < code.n_ints {
            ints.resize(code.n_ints, 0);
        }
        if fields.len() < code.n_fields {
            fields.resize(code.n_fields, Fr::zero());
        }
        overlay.clear();
        sstores.clear();
        let ints = ints.as_mut_slice();
        let fields = fields.as_mut_slice();
        for (pc, ci) in code.insts.iter().enumerate() {
            let fail = |reason| Fail {
                pc,
                reason: Some(reason),
            };
            if let Some(g) = ci.guard
                && ints[g as usize] == 0
            {
                ci.op.for_each_dst(|r| match r {
                    Reg::I(s) => ints[s as usize] = 0,
                    Reg::F(s) => fields[s as usize] = Fr::zero(),
                });
                hooks.step(pc, ci, false, ints, fields);
                continue;
            }
            macro_rules! i {
                ($r:expr) => {
                    ints[*$r as usize]
                };
            }
            macro_rules! f {
                ($r:expr) => {
                    fields[*$r as usize]
                };
            }
            match &ci.op {
                ConstI { d, v } => i!(d) = *v,
                ConstF { d, v } => f!(d) = *v,
                ParamI { d, i } => i!(d) = as_int(args[*i as usize]),
                ParamF { d, i } => f!(d) = args[*i as usize].to_fr(),
                SLoadI { d, i } => i!(d) = as_int(state.scalars[*i as usize]),
                SLoadF { d, i } => f!(d) = state.scalars[*i as usize].to_fr(),
                SStore { i, v } => sstores.push((*i, read(ints, fields, *v))),
                NegF { d, a } => f!(d) = -f!(a),
                NotI { d, a, mask } => i!(d) = !i!(a) & mask,
                AddF { d, a, b } => f!(d) = f!(a) + f!(b),
                SubF { d, a, b } => f!(d) = f!(a) - f!(b),
                MulF { d, a, b } => f!(d) = f!(a) * f!(b),
                DivF { d, a, b } => {
                    let inv: Option<Fr> = f!(b).invert().into();
                    f!(d) = f!(a) * inv.ok_or(fail(DIV_ZERO))?;
                }
                AddU { d, a, b, max } => {
                    i!(d) = i!(a)
                        .checked_add(i!(b))
                        .filter(|r| r <= max)
                        .ok_or(fail(OVERFLOW))?;
                }
                SubU { d, a, b } => i!(d) = i!(a).checked_sub(i!(b)).ok_or(fail(UNDERFLOW))?,
                MulU { d, a, b, max } => {
                    i!(d) = i!(a)
                        .checked_mul(i!(b))
                        .filter(|r| r <= max)
                        .ok_or(fail(OVERFLOW))?;
                }
                DivU { d, a, b } => i!(d) = i!(a).checked_div(i!(b)).ok_or(fail(DIV_ZERO))?,
                RemU { d, a, b } => i!(d) = i!(a).checked_rem(i!(b)).ok_or(fail(DIV_ZERO))?,
                And { d, a, b } => i!(d) = i!(a) & i!(b),
                Or { d, a, b } => i!(d) = i!(a) | i!(b),
                Xor { d, a, b } => i!(d) = i!(a) ^ i!(b),
                Shl {
                    d,
                    a,
                    b,
                    bits,
                    mask,
                } => {
                    let amount = i!(b);
                    if amount >= u128::from(*bits) {
                        return Err(fail(SHIFT));
                    }
                    i!(d) = (i!(a) << amount) & mask;
                }
                Shr { d, a, b, bits } => {
                    let amount = i!(b);
                    if amount >= u128::from(*bits) {
                        return Err(fail(SHIFT));
                    }
                    i!(d) = i!(a) >> amount;
                }
                EqI { d, a, b } => i!(d) = u128::from(i!(a) == i!(b)),
                EqF { d, a, b } => i!(d) = u128::from(f!(a) == f!(b)),
                Lt { d, a, b } => i!(d) = u128::from(i!(a) < i!(b)),
                Le { d, a, b } => i!(d) = u128::from(i!(a) <= i!(b)),
                SelI { d, c, a, b } => i!(d) = if i!(c) != 0 { i!(a) } else { i!(b) },
                SelF { d, c, a, b } => f!(d) = if i!(c) != 0 { f!(a) } else { f!(b) },
                CastII { d, a, max } => {
                    let x = i!(a);
                    if x > *max {
                        return Err(fail(CAST));
                    }
                    i!(d) = x;
                }
                CastIF { d, a } => f!(d) = fr_from_u128(i!(a)),
                CastFI { d, a, max } => {
                    i!(d) = fr_to_u128(&f!(a)).filter(|x| x <= max).ok_or(fail(CAST))?;
                }
                CastFF { d, a } => f!(d) = f!(a),
                PickI { d, index, items } => {
                    let k = index_of(ints, fields, *index);
                    i!(d) = items.get(k).map_or(0, |s| ints[*s as usize]);
                }
                PickF { d, index, items } => {
                    let k = index_of(ints, fields, *index);
                    f!(d) = items.get(k).map_or(Fr::zero(), |s| fields[*s as usize]);
                }
                Assert { c } => {
                    if i!(c) == 0 {
                        return Err(Fail { pc, reason: None });
                    }
                }
                MapRead { map, key, dsts } => {
                    let ms = &state.maps[*map as usize];
                    let k = map_key(i!(key), ms.depth).ok_or(fail(KEY))?;
                    let vals = match overlay.get(*map, k, dsts.len()) {
                        Some(v) => v,
                        None => ms.get(k),
                    };
                    for (r, v) in dsts.iter().zip(vals) {
                        write(ints, fields, *r, *v);
                    }
                }
                MapWrite { map, key, vals } => {
                    let k = map_key(i!(key), exe.maps[*map as usize].depth).ok_or(fail(KEY))?;
                    overlay.write(*map, k, vals.iter().map(|r| read(ints, fields, *r)));
                }
                Hash { d, ins } => {
                    scratch.clear();
                    scratch.extend(ins.iter().map(|s| fields[*s as usize]));
                    f!(d) = poseidon(scratch);
                }
                EddsaVerify { d, ins } => {
                    let [ax, ay, msg, rx, ry, s] = ins.map(|r| fields[r as usize]);
                    let pubkey = Point { x: ax, y: ay };
                    let sig = Signature {
                        r8: Point { x: rx, y: ry },
                        s,
                    };
                    i!(d) = u128::from(eddsa::verify(&pubkey, msg, &sig));
                }
                MerkleRoot {
                    d,
                    index,
                    leaf,
                    sibs,
                } => {
                    let depth = sibs.len() as u32;
                    let k = map_key(i!(index), depth).ok_or(fail(MERKLE_INDEX))?;
                    scratch.clear();
                    scratch.extend(sibs.iter().map(|s| fields[*s as usize]));
                    f!(d) = merkle_root_from_path(f!(leaf), k, scratch);
                }
            }
            hooks.step(pc, ci, true, ints, fields);
        }
        Ok(())
    }

    /// Applies the staged effects of a successful run.
    fn commit(&mut self, state: &mut State, mut updates: Option<&mut Vec<MapUpdate>>) {
        let Machine {
            overlay,
            sstores,
            scratch,
            batch,
            ..
        } = self;
        for &(map, key, start) in &overlay.entries {
            let ms = &mut state.maps[map as usize];
            let start = start as usize;
            let new = &overlay.vals[start..start + ms.default.len()];
            if let Some(batch) = batch {
                ms.set(key, new);
                if batch.seen.insert((map, key)) {
                    batch.keys.push((map, key));
                }
                continue;
            }
            let old = ms.get(key);
            let before = match updates {
                None if old == new => continue,
                None => None,
                Some(_) => Some((
                    old.to_vec(),
                    ms.tree.leaf(key),
                    ms.tree.siblings(key),
                    ms.tree.root(),
                )),
            };
            scratch.clear();
            scratch.extend(new.iter().map(|v| v.to_fr()));
            let leaf = hash_list(scratch);
            ms.set(key, new);
            ms.tree.set_leaf(key, leaf);
            if let (Some(u), Some((old_value, old_leaf, siblings, old_root))) =
                (updates.as_deref_mut(), before)
            {
                u.push(MapUpdate {
                    map,
                    key,
                    old_value,
                    new_value: new.to_vec(),
                    old_leaf,
                    new_leaf: leaf,
                    siblings,
                    old_root,
                    new_root: ms.tree.root(),
                });
            }
        }
        for &(i, v) in sstores.iter() {
            state.scalars[i as usize] = v;
        }
    }
}

/// The transition and its code, after checking the transaction's arguments.
fn check_tx<'e>(
    exe: &'e Executable,
    state: &State,
    tx: &Tx,
) -> Result<(&'e Function, &'e Code), Rejection> {
    assert_matches(exe, state);
    let (Some(f), Some(code)) = (
        exe.program().transitions.get(tx.transition),
        exe.transitions.get(tx.transition),
    ) else {
        return Err(Rejection::new(format!(
            "invalid transaction: unknown transition {}",
            tx.transition
        )));
    };
    if tx.args.len() != code.param_tys.len() {
        return Err(Rejection::new(format!(
            "invalid transaction: `{}` takes {} argument scalars, found {}",
            f.name,
            code.param_tys.len(),
            tx.args.len()
        )));
    }
    let mut pos = 0;
    for (name, shape) in &code.params {
        let w = shape.width();
        if !shape.is_valid(&tx.args[pos..pos + w]) {
            return Err(Rejection::new(format!(
                "invalid transaction: argument `{name}` of `{}` is not a valid {}",
                f.name,
                shape.name()
            )));
        }
        pos += w;
    }
    Ok((f, code))
}

fn assert_matches(exe: &Executable, state: &State) {
    assert!(
        state.matches(&exe.state_tys, &exe.maps),
        "stele-exec: the state was not built for this program"
    );
}

fn rejection(exe: &Executable, f: &Function, fail: Fail) -> Rejection {
    let inst = &f.body[fail.pc];
    let reason = match (fail.reason, &inst.op) {
        (Some(r), _) => r,
        (None, Op::Assert { msg, .. }) => msg.as_str(),
        (None, _) => "assertion failed",
    };
    Rejection::at(exe.program(), inst.loc, reason)
}

/// Records every step and map access of a traced run.
struct Tracer<'a> {
    state: &'a State,
    f: &'a Function,
    steps: Vec<Step>,
    map_ops: Vec<MapOp>,
    written: HashSet<(u32, u64)>,
}

impl Hooks for Tracer<'_> {
    fn step(&mut self, pc: usize, ci: &CInst, active: bool, ints: &[u128], fields: &[Fr]) {
        let ids = &self.f.body[pc].results;
        let mut results = Vec::with_capacity(ids.len());
        ci.op.for_each_dst(|r| {
            let id = ids[results.len()].0;
            results.push((id, read(ints, fields, r)));
        });
        if active {
            let access = match &ci.op {
                COp::MapRead { map, key, .. } => {
                    Some((*map, *key, false, results.iter().map(|r| r.1).collect()))
                }
                COp::MapWrite { map, key, vals } => Some((
                    *map,
                    *key,
                    true,
                    vals.iter().map(|r| read(ints, fields, *r)).collect(),
                )),
                _ => None,
            };
            if let Some((map, key, write, value)) = access {
                // The instruction ran, so the key is in range.
                let key = ints[key as usize] as u64;
                let tree = &self.state.maps[map as usize].tree;
                let staged = if write {
                    !self.written.insert((map, key))
                } else {
                    self.written.contains(&(map, key))
                };
                self.map_ops.push(MapOp {
                    inst: pc,
                    map,
                    key,
                    write,
                    value,
                    staged,
                    committed_leaf: tree.leaf(key),
                    siblings: tree.siblings(key),
                });
            }
        }
        self.steps.push(Step {
            inst: pc,
            active,
            results,
        });
    }
}
