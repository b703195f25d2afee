//! Lowering of checked bodies to IR instructions: calls inlined, loops unrolled, `if`/`match`
//! and short-circuit operators predicated (guards on fallible instructions and effects, `Select`
//! to merge values), aggregates flattened. In constant mode it evaluates at compile time.

use stele_diagnostics::{Code, Diagnostic, SourceDb, Span};
use stele_ir::{self as ir, Felt, Loc, Op, ValueId};

pub use crate::build_ir::Abort;
use crate::build_ir::{Builder, LResult, MAX_INSTS, Operand};
use crate::hir::{
    Arm, BinOp, Block, Body, Builtin, Defs, Expr, ExprKind, LetPat, LocalId, Pat, PlaceRoot, Proj,
    StateFieldKind, Stmt, UnOp,
};
use crate::layout::Layout;
use crate::ty::{Len, Ty};

pub type Value = Vec<Operand>;

struct Frame<'a> {
    body: Option<&'a Body>,
    locals: Vec<Option<Value>>,
    generics: Vec<u64>,
}

/// Locals of the current frame, plain-state values and known map entries: what branches save
/// and merge.
#[derive(Clone)]
struct Env {
    locals: Vec<Option<Value>>,
    state: Vec<Option<Operand>>,
    /// Per map: entries read or written so far in this branch, by key operand. Valid under the
    /// current guard only, so a branch's additions are dropped when it ends.
    maps: Vec<Vec<(Operand, Value)>>,
}

/// A projection with its index evaluated.
enum LProj {
    Member(u32),
    Index(Operand),
}

pub struct Lowerer<'a> {
    pub defs: &'a Defs,
    pub db: &'a SourceDb,
    pub layout: Layout<'a>,
    pub b: Builder,
    frames: Vec<Frame<'a>>,
    /// Plain-state scalars: their types, the `SLoad` of each once loaded, the current value once
    /// modified.
    state_tys: Vec<ir::Ty>,
    state_loaded: Vec<Option<ValueId>>,
    state_cur: Vec<Option<Operand>>,
    /// Offset of each state field's scalars (by position in the declaration; maps unused).
    state_offsets: Vec<usize>,
    /// Known map entries (see [`Env::maps`]).
    map_cache: Vec<Vec<(Operand, Value)>>,
    /// Source locations already computed.
    locs: std::collections::HashMap<(stele_diagnostics::FileId, u32), Loc>,
}

/// Evaluates a checked constant expression: its flattened value.
pub fn eval_const(defs: &Defs, db: &SourceDb, e: &Expr, nlocals: usize) -> LResult<Vec<Felt>> {
    let mut lw = Lowerer::new(defs, db, true);
    lw.frames.push(Frame {
        body: None,
        locals: vec![None; nlocals],
        generics: Vec::new(),
    });
    let v = lw.expr(e)?;
    v.iter()
        .map(|o| o.konst().ok_or(Abort::NotConst(e.span)))
        .collect()
}

fn ir_binop(op: BinOp) -> ir::BinOp {
    match op {
        BinOp::Add => ir::BinOp::Add,
        BinOp::Sub => ir::BinOp::Sub,
        BinOp::Mul => ir::BinOp::Mul,
        BinOp::Div => ir::BinOp::Div,
        BinOp::Rem => ir::BinOp::Rem,
        BinOp::BitAnd | BinOp::And => ir::BinOp::And,
        BinOp::BitOr | BinOp::Or => ir::BinOp::Or,
        BinOp::BitXor => ir::BinOp::Xor,
        BinOp::Shl => ir::BinOp::Shl,
        BinOp::Shr => ir::BinOp::Shr,
        BinOp::Eq | BinOp::Ne => ir::BinOp::Eq,
        BinOp::Lt | BinOp::Gt => ir::BinOp::Lt,
        BinOp::Le | BinOp::Ge => ir::BinOp::Le,
    }
}

fn scalar_ty(ty: &Ty) -> ir::Ty {
    match ty {
        Ty::Bool => ir::Ty::Bool,
        Ty::UInt(b) => ir::Ty::UInt(*b),
        _ => ir::Ty::Field,
    }
}

impl<'a> Lowerer<'a> {
    pub fn new(defs: &'a Defs, db: &'a SourceDb, const_mode: bool) -> Lowerer<'a> {
        let mut layout = Layout::new(defs);
        let mut state_tys = Vec::new();
        let mut state_offsets = Vec::new();
        if let Some(state) = &defs.state {
            for f in &state.fields {
                state_offsets.push(state_tys.len());
                if let StateFieldKind::Plain(t) = &f.kind {
                    state_tys.extend(layout.flatten(t).iter().copied());
                }
            }
        }
        let n = state_tys.len();
        let maps = defs.state.as_ref().map_or(0, |s| {
            s.fields
                .iter()
                .filter(|f| matches!(f.kind, StateFieldKind::Map { .. }))
                .count()
        });
        Lowerer {
            map_cache: vec![Vec::new(); maps],
            defs,
            db,
            layout,
            b: Builder::new(const_mode),
            frames: Vec::new(),
            state_tys,
            state_loaded: vec![None; n],
            state_cur: vec![None; n],
            state_offsets,
            locs: std::collections::HashMap::new(),
        }
    }

    pub fn loc(&mut self, span: Span) -> Option<Loc> {
        if let Some(l) = self.locs.get(&(span.file, span.start)) {
            return Some(*l);
        }
        if (span.file.0 as usize) >= self.db.files().count() {
            return None;
        }
        let (line, col) = self.db.line_col(span.file, span.start);
        let loc = Loc {
            file: span.file.0,
            line,
            col,
        };
        self.locs.insert((span.file, span.start), loc);
        Some(loc)
    }

    fn frame(&mut self) -> &mut Frame<'a> {
        self.frames.last_mut().expect("frame")
    }

    /// Substitutes the current frame's const generic arguments.
    fn concrete(&self, ty: &Ty) -> Ty {
        let gens: Vec<Len> = self.frames.last().map_or(Vec::new(), |f| {
            f.generics.iter().map(|g| Len::Known(*g)).collect()
        });
        ty.subst(&gens)
    }

    fn len_of(&self, l: Len) -> LResult<u64> {
        match l {
            Len::Known(n) => Ok(n),
            Len::Param(i) => self
                .frames
                .last()
                .and_then(|f| f.generics.get(i as usize).copied())
                .ok_or(Abort::Reported),
            _ => Err(Abort::Reported),
        }
    }

    /// The scalar types of a (concrete) type, refusing absurd sizes.
    fn flat(&mut self, ty: &Ty, span: Span) -> LResult<std::rc::Rc<[ir::Ty]>> {
        if self.layout.size(ty) > MAX_INSTS as u64 {
            return Err(Abort::TooLarge(span));
        }
        Ok(self.layout.flatten(ty))
    }

    fn size(&self, ty: &Ty) -> usize {
        self.layout.size(ty) as usize
    }

    /// Binds the parameters of the outermost frame to `Param` instructions.
    pub fn enter_body(&mut self, body: &'a Body, param_tys: &[Ty]) -> LResult<()> {
        self.frames.push(Frame {
            body: Some(body),
            locals: vec![None; body.locals.len()],
            generics: Vec::new(),
        });
        let mut index = 0u32;
        for (id, ty) in body.params.iter().zip(param_tys) {
            let tys = self.flat(ty, body.expr.span)?;
            let mut v = Vec::new();
            for t in tys.iter() {
                let ids = self
                    .b
                    .emit(&[*t], Op::Param(index), false, None, body.expr.span)?;
                v.push(Operand::Val(ids[0], *t));
                index += 1;
            }
            self.frame().locals[id.0 as usize] = Some(v);
        }
        Ok(())
    }

    /// Stores every modified plain-state scalar.
    pub fn finish_state(&mut self, span: Span) -> LResult<()> {
        for i in 0..self.state_cur.len() {
            let Some(v) = self.state_cur[i] else { continue };
            if let (Operand::Val(id, _), Some(loaded)) = (v, self.state_loaded[i])
                && id == loaded
            {
                continue;
            }
            let val = self.b.val(v, span)?;
            self.b
                .emit(&[], Op::SStore(i as u32, val), false, None, span)?;
        }
        Ok(())
    }

    fn state_load(&mut self, i: usize, span: Span) -> LResult<Operand> {
        let ty = self.state_tys[i];
        if let Some(id) = self.state_loaded[i] {
            return Ok(Operand::Val(id, ty));
        }
        let id = self.b.emit(&[ty], Op::SLoad(i as u32), false, None, span)?[0];
        self.state_loaded[i] = Some(id);
        Ok(Operand::Val(id, ty))
    }

    fn state_get(&mut self, i: usize, span: Span) -> LResult<Operand> {
        match self.state_cur[i] {
            Some(v) => Ok(v),
            None => self.state_load(i, span),
        }
    }

    fn state_field_ty(&self, field: u32) -> Ty {
        match &self.defs.state_field(field).kind {
            StateFieldKind::Plain(t) => t.clone(),
            StateFieldKind::Map { value, .. } => value.clone(),
        }
    }

    fn map_index(&self, field: u32) -> u32 {
        self.defs.state_field(field).index
    }

    fn save(&self) -> Env {
        Env {
            locals: self.frames.last().map_or(Vec::new(), |f| f.locals.clone()),
            state: self.state_cur.clone(),
            maps: self.map_cache.clone(),
        }
    }

    fn restore(&mut self, env: Env) {
        if let Some(f) = self.frames.last_mut() {
            f.locals = env.locals;
        }
        self.state_cur = env.state;
        self.map_cache = env.maps;
    }

    fn select_value(
        &mut self,
        c: Operand,
        a: &[Operand],
        b: &[Operand],
        span: Span,
    ) -> LResult<Value> {
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| self.b.select(c, *x, *y, span))
            .collect()
    }

    /// The environment after a branch on `c`: `a` where `c` holds, `b` elsewhere.
    fn merge(&mut self, c: Operand, a: Env, b: Env, before: &Env, span: Span) -> LResult<Env> {
        let mut locals = Vec::with_capacity(before.locals.len());
        for (i, prev) in before.locals.iter().enumerate() {
            locals.push(match (prev, &a.locals[i], &b.locals[i]) {
                (None, ..) => None,
                (_, Some(x), Some(y)) if x == y => Some(x.clone()),
                (_, Some(x), Some(y)) => Some(self.select_value(c, x, y, span)?),
                _ => None,
            });
        }
        let mut state = Vec::with_capacity(a.state.len());
        for i in 0..a.state.len() {
            state.push(match (a.state[i], b.state[i]) {
                (x, y) if x == y => x,
                (x, y) => {
                    let x = match x {
                        Some(v) => v,
                        None => self.state_load(i, span)?,
                    };
                    let y = match y {
                        Some(v) => v,
                        None => self.state_load(i, span)?,
                    };
                    Some(self.b.select(c, x, y, span)?)
                }
            });
        }
        // Map entries known after the branch: those both sides agree on (from before it).
        let maps = a
            .maps
            .iter()
            .zip(&b.maps)
            .map(|(x, y)| x.iter().filter(|e| y.contains(e)).cloned().collect())
            .collect();
        Ok(Env {
            locals,
            state,
            maps,
        })
    }

    /// Runs `then` under condition `c` and `els` under its negation, merging the effects on
    /// locals and state; the value is selected by `c`.
    fn branch2(
        &mut self,
        c: Operand,
        span: Span,
        then: impl FnOnce(&mut Self) -> LResult<Value>,
        els: impl FnOnce(&mut Self) -> LResult<Value>,
    ) -> LResult<Value> {
        let before = self.save();
        self.b.push_cond(c, false);
        let vt = then(self)?;
        self.b.pop_cond();
        let env_t = self.save();
        self.restore(before.clone());
        self.b.push_cond(c, true);
        let ve = els(self)?;
        self.b.pop_cond();
        let env_e = self.save();
        let env = self.merge(c, env_t, env_e, &before, span)?;
        self.restore(env);
        self.select_value(c, &vt, &ve, span)
    }

    fn scalar(&mut self, e: &'a Expr) -> LResult<Operand> {
        let v = self.expr(e)?;
        v.first().copied().ok_or(Abort::Reported)
    }

    pub fn expr(&mut self, e: &'a Expr) -> LResult<Value> {
        let span = e.span;
        match &e.kind {
            ExprKind::Error => Err(Abort::Reported),
            ExprKind::Lit(v) => Ok(vec![Operand::Const(*v, scalar_ty(&e.ty))]),
            ExprKind::Local(id) => self
                .frames
                .last()
                .and_then(|f| f.locals[id.0 as usize].clone())
                .ok_or(Abort::NotConst(span)),
            ExprKind::Const(c) => {
                let k = self.defs.konst(*c);
                let values = k.value.as_ref().ok_or(Abort::Reported)?;
                let tys = self.flat(&k.ty, span)?;
                Ok(values
                    .iter()
                    .zip(tys.iter())
                    .map(|(v, t)| Operand::Const(*v, *t))
                    .collect())
            }
            ExprKind::Generic(i) => {
                let n = self.len_of(Len::Param(*i))?;
                Ok(vec![Operand::uint(n as u128, 32)])
            }
            ExprKind::State(field) => {
                if self.b.const_mode {
                    return Err(Abort::NotConst(span));
                }
                let off = self.state_offsets[*field as usize];
                let n = self.size(&self.state_field_ty(*field));
                (off..off + n).map(|i| self.state_get(i, span)).collect()
            }
            ExprKind::MapGet { field, key, op } => {
                let k = self.scalar(key)?;
                self.map_read(*field, k, *op)
            }
            ExprKind::Unary(op, x) => {
                let v = self.scalar(x)?;
                let op = match op {
                    UnOp::Neg => ir::UnOp::Neg,
                    UnOp::Not => ir::UnOp::Not,
                };
                Ok(vec![self.b.unary(op, v, span)?])
            }
            ExprKind::Binary(op, l, r, op_span) => self.binary(*op, l, r, *op_span, span),
            ExprKind::Cast(x, op) => {
                let v = self.scalar(x)?;
                let loc = self.loc(*op);
                Ok(vec![self.b.cast(v, scalar_ty(&e.ty), loc, *op)?])
            }
            ExprKind::Call {
                func,
                generics,
                args,
            } => self.call(*func, generics, args, span),
            ExprKind::Assert { cond, msg } => {
                let c = self.scalar(cond)?;
                let loc = self.loc(span);
                self.b.assert(c, msg, loc, span)?;
                Ok(Vec::new())
            }
            ExprKind::Member(x, i) => {
                let v = self.expr(x)?;
                let ty = self.concrete(&x.ty);
                let (off, n) = self.layout.member(&ty, *i);
                Ok(v[off..off + n].to_vec())
            }
            ExprKind::Index(x, i, op) => {
                let v = self.expr(x)?;
                let ty = self.concrete(&x.ty);
                let idx = self.scalar(i)?;
                let idx = self.check_index(idx, &ty, *op)?;
                self.read_path(&v, &ty, &[LProj::Index(idx)], span)
            }
            ExprKind::Struct(xs) | ExprKind::Array(xs) | ExprKind::Tuple(xs) => {
                let mut out = Vec::new();
                for x in xs {
                    out.extend(self.expr(x)?);
                }
                Ok(out)
            }
            ExprKind::Variant(v, xs) => {
                let Ty::Adt(a) = e.ty else {
                    return Err(Abort::Reported);
                };
                let width = self.layout.payload_width(a) as usize;
                let mut out = vec![Operand::uint(*v as u128, 32)];
                let loc = self.loc(span);
                for x in xs {
                    for o in self.expr(x)? {
                        out.push(self.b.cast(o, ir::Ty::Field, loc, span)?);
                    }
                }
                while out.len() < width + 1 {
                    out.push(Operand::Const(Felt::ZERO, ir::Ty::Field));
                }
                Ok(out)
            }
            ExprKind::Repeat(x, len) => {
                let n = self.len_of(*len)? as usize;
                let v = self.expr(x)?;
                if (v.len() as u64).saturating_mul(n as u64) > MAX_INSTS as u64 {
                    return Err(Abort::TooLarge(span));
                }
                let mut out = Vec::with_capacity(v.len() * n);
                for _ in 0..n {
                    out.extend_from_slice(&v);
                }
                Ok(out)
            }
            ExprKind::Block(b) => self.block(b),
            ExprKind::If(c, t, el) => {
                let cv = self.scalar(c)?;
                if let Some(taken) = cv.const_bool() {
                    return if taken {
                        self.expr(t)
                    } else {
                        match el {
                            Some(el) => self.expr(el),
                            None => Ok(Vec::new()),
                        }
                    };
                }
                self.branch2(
                    cv,
                    span,
                    |s| s.expr(t),
                    |s| match el {
                        Some(el) => s.expr(el),
                        None => Ok(Vec::new()),
                    },
                )
            }
            ExprKind::Match(s, arms) => self.lower_match(s, arms, &e.ty, span),
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &'a Expr,
        r: &'a Expr,
        op_span: Span,
        span: Span,
    ) -> LResult<Value> {
        match op {
            BinOp::And | BinOp::Or => {
                let lv = self.scalar(l)?;
                let is_and = op == BinOp::And;
                match lv.const_bool() {
                    Some(b) if b != is_and => return Ok(vec![Operand::bool(b)]),
                    Some(_) => return self.expr(r),
                    None => {}
                }
                if is_and {
                    self.branch2(lv, span, |s| s.expr(r), |_| Ok(vec![Operand::bool(false)]))
                } else {
                    self.branch2(lv, span, |_| Ok(vec![Operand::bool(true)]), |s| s.expr(r))
                }
            }
            BinOp::Eq | BinOp::Ne => {
                let a = self.expr(l)?;
                let b = self.expr(r)?;
                let mut acc = Operand::bool(true);
                for (x, y) in a.iter().zip(b.iter()) {
                    let eq = self.b.eq(*x, *y, span)?;
                    acc = self.b.and(acc, eq, span)?;
                }
                if op == BinOp::Ne {
                    acc = self.b.not(acc, span)?;
                }
                Ok(vec![acc])
            }
            _ => {
                let a = self.scalar(l)?;
                let b = self.scalar(r)?;
                let (a, b) = if matches!(op, BinOp::Gt | BinOp::Ge) {
                    (b, a)
                } else {
                    (a, b)
                };
                let loc = self.loc(op_span);
                Ok(vec![self.b.binary(ir_binop(op), a, b, loc, op_span)?])
            }
        }
    }

    fn map_read(&mut self, field: u32, key: Operand, op: Span) -> LResult<Value> {
        if self.b.const_mode {
            return Err(Abort::NotConst(op));
        }
        let map = self.map_index(field) as usize;
        if let Some((_, v)) = self.map_cache[map].iter().find(|(k, _)| *k == key) {
            return Ok(v.clone());
        }
        let vty = self.state_field_ty(field);
        let tys = self.flat(&vty, op)?;
        let k = self.b.val(key, op)?;
        let loc = self.loc(op);
        let read = Op::MapRead {
            map: map as u32,
            key: k,
        };
        let ids = self.b.emit(&tys, read, true, loc, op)?;
        let v: Value = ids
            .into_iter()
            .zip(tys.iter())
            .map(|(id, t)| Operand::Val(id, *t))
            .collect();
        self.map_cache[map].push((key, v.clone()));
        Ok(v)
    }

    fn call(
        &mut self,
        func: crate::hir::FnId,
        generics: &[Len],
        args: &'a [Expr],
        span: Span,
    ) -> LResult<Value> {
        let gens = generics
            .iter()
            .map(|g| self.len_of(*g))
            .collect::<LResult<Vec<u64>>>()?;
        let mut argv = Vec::new();
        for a in args {
            argv.push(self.expr(a)?);
        }
        let fd = self.defs.func(func);
        if let Some(Builtin::Poseidon) = fd.builtin {
            let n = gens.first().copied().unwrap_or(0);
            if !(1..=16).contains(&n) {
                let d = Diagnostic::new(
                    Code::E3003,
                    format!("`poseidon` takes 1 to 16 inputs, not {n}"),
                    span,
                    format!("called with {n} inputs"),
                );
                return Err(Abort::Diag(Box::new(d)));
            }
            let inputs = argv.concat();
            let vals = inputs
                .iter()
                .map(|o| self.b.val(*o, span))
                .collect::<LResult<Vec<_>>>()?;
            let id = self
                .b
                .emit(&[ir::Ty::Field], Op::Hash(vals), false, None, span)?[0];
            return Ok(vec![Operand::Val(id, ir::Ty::Field)]);
        }
        if let Some(Builtin::EddsaVerify) = fd.builtin {
            // pubkey (x, y), msg, sig (r8.x, r8.y, s): the parameter types fix the six scalars.
            let vals = argv
                .concat()
                .iter()
                .map(|o| self.b.val(*o, span))
                .collect::<LResult<Vec<_>>>()?;
            let id = self
                .b
                .emit(&[ir::Ty::Bool], Op::EddsaVerify(vals), false, None, span)?[0];
            return Ok(vec![Operand::Val(id, ir::Ty::Bool)]);
        }
        if let Some(Builtin::MerkleRoot) = fd.builtin {
            let depth = gens.first().copied().unwrap_or(0);
            if !(1..=64).contains(&depth) {
                let d = Diagnostic::new(
                    Code::E3003,
                    format!("a Merkle path has 1 to 64 siblings, not {depth}"),
                    span,
                    format!("called with {depth} siblings"),
                )
                .with_help("a tree of depth D has D siblings, leaf level first; 1 <= D <= 64");
                return Err(Abort::Diag(Box::new(d)));
            }
            // index, leaf, siblings: the parameter types fix the scalars.
            let vals = argv
                .concat()
                .iter()
                .map(|o| self.b.val(*o, span))
                .collect::<LResult<Vec<_>>>()?;
            let op = Op::MerkleRoot {
                index: vals[0],
                leaf: vals[1],
                siblings: vals[2..].to_vec(),
            };
            let loc = self.loc(span);
            let id = self.b.emit(&[ir::Ty::Field], op, true, loc, span)?[0];
            return Ok(vec![Operand::Val(id, ir::Ty::Field)]);
        }
        if self.b.const_mode {
            return Err(Abort::NotConst(span));
        }
        let body = fd.body.as_ref().ok_or(Abort::Reported)?;
        self.b.tick(span)?;
        let mut locals = vec![None; body.locals.len()];
        for (id, v) in body.params.iter().zip(argv) {
            locals[id.0 as usize] = Some(v);
        }
        self.frames.push(Frame {
            body: Some(body),
            locals,
            generics: gens,
        });
        let r = self.expr(&body.expr);
        self.frames.pop();
        r
    }

    fn block(&mut self, b: &'a Block) -> LResult<Value> {
        for s in &b.stmts {
            self.stmt(s)?;
        }
        match &b.tail {
            Some(t) => self.expr(t),
            None => Ok(Vec::new()),
        }
    }

    fn bind(&mut self, id: LocalId, v: Value) {
        self.frame().locals[id.0 as usize] = Some(v);
    }

    fn bind_let(&mut self, p: &LetPat, v: Value, ty: &Ty) {
        match p {
            LetPat::Wild => {}
            LetPat::Bind(id) => self.bind(*id, v),
            LetPat::Tuple(ps) => {
                let Ty::Tuple(ts) = ty else { return };
                for (i, (p, t)) in ps.iter().zip(ts.iter()).enumerate() {
                    let (off, n) = self.layout.member(ty, i as u32);
                    self.bind_let(p, v[off..off + n].to_vec(), t);
                }
            }
        }
    }

    fn stmt(&mut self, s: &'a Stmt) -> LResult<()> {
        match s {
            Stmt::Expr(e) => {
                self.expr(e)?;
            }
            Stmt::Let(p, init) => {
                let v = self.expr(init)?;
                let ty = self.concrete(&init.ty);
                self.bind_let(p, v, &ty);
            }
            Stmt::For {
                var,
                start,
                end,
                body,
            } => {
                let s0 = self.scalar(start)?;
                let e0 = self.scalar(end)?;
                let (Some(a), Some(b)) = (s0.const_u128(), e0.const_u128()) else {
                    return Err(Abort::NotConst(start.span));
                };
                let ty = s0.ty();
                let ir::Ty::UInt(bits) = ty else {
                    return Err(Abort::Reported);
                };
                for i in a..b.max(a) {
                    self.b.tick(start.span)?;
                    self.bind(*var, vec![Operand::uint(i, bits)]);
                    self.block(body)?;
                }
            }
            Stmt::Assign { place, op, value } => self.assign(place, *op, value)?,
        }
        Ok(())
    }

    /// Checks a constant index against the length, or asserts a run-time one is in bounds.
    fn check_index(&mut self, idx: Operand, arr_ty: &Ty, op: Span) -> LResult<Operand> {
        let Ty::Array(_, len) = arr_ty else {
            return Err(Abort::Reported);
        };
        let n = self.len_of(*len)?;
        if let Some(k) = idx.const_u128() {
            if k >= n as u128 {
                // Only constant after folding (the checker rejects constant indices it can see):
                // the access fails at run time if it is reached.
                if self.b.const_mode {
                    return Err(Abort::Failed("index out of bounds".to_string(), op));
                }
                let loc = self.loc(op);
                self.b
                    .assert(Operand::bool(false), "index out of bounds", loc, op)?;
            }
            return Ok(idx);
        }
        let ir::Ty::UInt(bits) = idx.ty() else {
            return Err(Abort::Reported);
        };
        if bits < 128 && (n as u128) >= (1u128 << bits) {
            return Ok(idx);
        }
        let inb = self
            .b
            .binary(ir::BinOp::Lt, idx, Operand::uint(n as u128, bits), None, op)?;
        let loc = self.loc(op);
        self.b.assert(inb, "index out of bounds", loc, op)?;
        Ok(idx)
    }

    fn member_ty(&self, ty: &Ty, i: u32) -> Ty {
        match ty {
            Ty::Tuple(ts) => ts[i as usize].clone(),
            Ty::Adt(a) => self.defs.adt(*a).fields[i as usize].ty.clone(),
            _ => Ty::Error,
        }
    }

    /// Reads a projection path of a value (indices already checked).
    fn read_path(&mut self, v: &[Operand], ty: &Ty, projs: &[LProj], span: Span) -> LResult<Value> {
        let Some((p, rest)) = projs.split_first() else {
            return Ok(v.to_vec());
        };
        match p {
            LProj::Member(i) => {
                let (off, n) = self.layout.member(ty, *i);
                let mt = self.member_ty(ty, *i);
                self.read_path(&v[off..off + n], &mt, rest, span)
            }
            LProj::Index(idx) => {
                let Ty::Array(elem, len) = ty else {
                    return Err(Abort::Reported);
                };
                let n = self.len_of(*len)? as usize;
                let esz = self.size(elem);
                if let Some(k) = idx.const_u128() {
                    if k >= n as u128 {
                        // Out of bounds (an assert has failed already): zeros, as `pick` gives.
                        let zeros: Vec<Operand> = self
                            .flat(elem, span)?
                            .iter()
                            .map(|t| Operand::Const(Felt::ZERO, *t))
                            .collect();
                        return self.read_path(&zeros, elem, rest, span);
                    }
                    let k = k as usize;
                    return self.read_path(&v[k * esz..(k + 1) * esz], elem, rest, span);
                }
                let elem_tys = self.flat(elem, span)?;
                let mut picked = Vec::with_capacity(esz);
                for (s, t) in elem_tys.iter().enumerate() {
                    let items: Vec<Operand> = (0..n).map(|k| v[k * esz + s]).collect();
                    picked.push(self.b.pick(*idx, &items, *t, span)?);
                }
                self.read_path(&picked, elem, rest, span)
            }
        }
    }

    /// A copy of `v` with the projection path replaced by `leaf`; run-time indices become a
    /// `Select` per element.
    fn write_path(
        &mut self,
        v: &[Operand],
        ty: &Ty,
        projs: &[LProj],
        leaf: &[Operand],
        span: Span,
    ) -> LResult<Value> {
        let Some((p, rest)) = projs.split_first() else {
            return Ok(leaf.to_vec());
        };
        let mut out = v.to_vec();
        match p {
            LProj::Member(i) => {
                let (off, n) = self.layout.member(ty, *i);
                let mt = self.member_ty(ty, *i);
                let sub = self.write_path(&v[off..off + n], &mt, rest, leaf, span)?;
                out[off..off + n].copy_from_slice(&sub);
            }
            LProj::Index(idx) => {
                let Ty::Array(elem, len) = ty else {
                    return Err(Abort::Reported);
                };
                let n = self.len_of(*len)? as usize;
                let esz = self.size(elem);
                if let Some(k) = idx.const_u128() {
                    if k >= n as u128 {
                        return Ok(out);
                    }
                    let k = k as usize;
                    let sub =
                        self.write_path(&v[k * esz..(k + 1) * esz], elem, rest, leaf, span)?;
                    out[k * esz..(k + 1) * esz].copy_from_slice(&sub);
                } else {
                    let ir::Ty::UInt(bits) = idx.ty() else {
                        return Err(Abort::Reported);
                    };
                    for k in 0..n {
                        if bits < 128 && (k as u128) >= (1u128 << bits) {
                            break;
                        }
                        let old = &v[k * esz..(k + 1) * esz];
                        let new = self.write_path(old, elem, rest, leaf, span)?;
                        let hit = self.b.eq(*idx, Operand::uint(k as u128, bits), span)?;
                        let merged = self.select_value(hit, &new, old, span)?;
                        out[k * esz..(k + 1) * esz].copy_from_slice(&merged);
                    }
                }
            }
        }
        Ok(out)
    }

    fn assign(
        &mut self,
        place: &'a crate::hir::Place,
        op: Option<(BinOp, Span)>,
        value: &'a Expr,
    ) -> LResult<()> {
        let v = self.expr(value)?;
        let (root_ty, map_key) = match &place.root {
            PlaceRoot::Local(id) => {
                let body = self
                    .frames
                    .last()
                    .and_then(|f| f.body)
                    .ok_or(Abort::Reported)?;
                (self.concrete(&body.locals[id.0 as usize].ty), None)
            }
            PlaceRoot::State(f) => (self.state_field_ty(*f), None),
            PlaceRoot::Map { field, key, op } => (
                self.state_field_ty(*field),
                Some((*field, self.scalar(key)?, *op)),
            ),
        };
        let mut projs = Vec::new();
        let mut cur = root_ty.clone();
        for p in &place.projs {
            match p {
                Proj::Member(i) => {
                    projs.push(LProj::Member(*i));
                    cur = self.member_ty(&cur, *i);
                }
                Proj::Index(e, op) => {
                    let idx = self.scalar(e)?;
                    let idx = self.check_index(idx, &cur, *op)?;
                    projs.push(LProj::Index(idx));
                    let Ty::Array(elem, _) = cur else {
                        return Err(Abort::Reported);
                    };
                    cur = *elem;
                }
            }
        }
        let needs_old = op.is_some() || !projs.is_empty();
        let span = value.span;
        let old_root: Value = if !needs_old {
            Vec::new()
        } else {
            match (&place.root, map_key) {
                (PlaceRoot::Local(id), _) => self
                    .frames
                    .last()
                    .and_then(|f| f.locals[id.0 as usize].clone())
                    .ok_or(Abort::Reported)?,
                (PlaceRoot::State(f), _) => {
                    let off = self.state_offsets[*f as usize];
                    let n = self.size(&root_ty);
                    (off..off + n)
                        .map(|i| self.state_get(i, span))
                        .collect::<LResult<_>>()?
                }
                (PlaceRoot::Map { .. }, Some((field, key, op))) => self.map_read(field, key, op)?,
                _ => return Err(Abort::Reported),
            }
        };
        let leaf = match op {
            None => v,
            Some((bop, op_span)) => {
                let old = self.read_path(&old_root, &root_ty, &projs, span)?;
                let (a, b) = (
                    *old.first().ok_or(Abort::Reported)?,
                    *v.first().ok_or(Abort::Reported)?,
                );
                let loc = self.loc(op_span);
                vec![self.b.binary(ir_binop(bop), a, b, loc, op_span)?]
            }
        };
        let new_root = if projs.is_empty() {
            leaf
        } else {
            self.write_path(&old_root, &root_ty, &projs, &leaf, span)?
        };
        match (&place.root, map_key) {
            (PlaceRoot::Local(id), _) => self.bind(*id, new_root),
            (PlaceRoot::State(f), _) => {
                let off = self.state_offsets[*f as usize];
                for (j, o) in new_root.into_iter().enumerate() {
                    self.state_cur[off + j] = Some(o);
                }
            }
            (PlaceRoot::Map { .. }, Some((field, key, op))) => {
                if self.b.const_mode {
                    return Err(Abort::NotConst(op));
                }
                let k = self.b.val(key, op)?;
                let vals = new_root
                    .iter()
                    .map(|o| self.b.val(*o, op))
                    .collect::<LResult<Vec<_>>>()?;
                let loc = self.loc(op);
                let map = self.map_index(field);
                let write = Op::MapWrite {
                    map,
                    key: k,
                    value: vals,
                };
                self.b.emit(&[], write, true, loc, op)?;
                // Another key may be the same at run time: only this entry stays known.
                self.map_cache[map as usize] = vec![(key, new_root)];
            }
            _ => return Err(Abort::Reported),
        }
        Ok(())
    }

    fn lower_match(&mut self, s: &'a Expr, arms: &'a [Arm], ty: &Ty, span: Span) -> LResult<Value> {
        let sv = self.expr(s)?;
        let sty = self.concrete(&s.ty);
        let head = sv.first().copied().unwrap_or(Operand::bool(true));
        // Arms testing distinct values are mutually exclusive, so an arm's condition is its own
        // test; a catch-all arm is taken when no earlier test holds; later arms are dead.
        let mut seen: Vec<Felt> = Vec::new();
        let mut earlier: Vec<Operand> = Vec::new();
        let mut live: Vec<(Operand, &'a Arm)> = Vec::new();
        for arm in arms {
            let value = match &arm.pat {
                Pat::Wild | Pat::Bind(_) => None,
                Pat::Lit(v) => Some(Operand::Const(*v, head.ty())),
                Pat::Variant(v, _) => Some(Operand::uint(*v as u128, 32)),
            };
            let Some(value) = value else {
                let mut any = Operand::bool(false);
                for m in &earlier {
                    any = self.b.binary(ir::BinOp::Or, any, *m, None, span)?;
                }
                let taken = self.b.not(any, span)?;
                if taken.const_bool() != Some(false) {
                    live.push((taken, arm));
                }
                break;
            };
            let key = value.konst().unwrap_or(Felt::ZERO);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let m = self.b.eq(head, value, span)?;
            if m.const_bool() == Some(false) {
                continue;
            }
            live.push((m, arm));
            if m.const_bool() == Some(true) {
                break;
            }
            earlier.push(m);
        }
        let before = self.save();
        let mut results: Vec<(Operand, Env, Value)> = Vec::new();
        for (taken, arm) in live {
            self.restore(before.clone());
            self.b.push_cond(taken, false);
            self.bind_pat(&arm.pat, &sv, &sty, arm.pat_span)?;
            let v = self.expr(&arm.body)?;
            self.b.pop_cond();
            results.push((taken, self.save(), v));
        }
        let Some((_, mut env, mut val)) = results.pop() else {
            // No arm can be taken (a match on an enum without variants): zeros.
            self.restore(before);
            let ty = self.concrete(ty);
            return Ok(self
                .flat(&ty, span)?
                .iter()
                .map(|t| Operand::Const(Felt::ZERO, *t))
                .collect());
        };
        while let Some((t, e, v)) = results.pop() {
            env = self.merge(t, e, env, &before, span)?;
            val = self.select_value(t, &v, &val, span)?;
        }
        self.restore(env);
        Ok(val)
    }

    fn bind_pat(&mut self, p: &Pat, sv: &[Operand], sty: &Ty, pat_span: Span) -> LResult<()> {
        match p {
            Pat::Wild | Pat::Lit(_) => {}
            Pat::Bind(id) => self.bind(*id, sv.to_vec()),
            Pat::Variant(v, binds) => {
                let Ty::Adt(a) = sty else {
                    return Err(Abort::Reported);
                };
                let elems = self.layout.variant_elems(*a, *v);
                let payload = &self.defs.adt(*a).variants[*v as usize].payload;
                let loc = self.loc(pat_span);
                for ((bind, (off, n)), ty) in binds.iter().zip(elems).zip(payload.iter()) {
                    let Some(id) = bind else { continue };
                    let tys = self.flat(ty, pat_span)?;
                    let mut out = Vec::with_capacity(n);
                    for (j, t) in tys.iter().enumerate() {
                        let slot = sv[1 + off + j];
                        out.push(if *t == ir::Ty::Bool {
                            // The IR has no cast to `bool`: a payload slot holds 0 or 1.
                            let zero = self.b.eq(
                                slot,
                                Operand::Const(Felt::ZERO, ir::Ty::Field),
                                pat_span,
                            )?;
                            self.b.not(zero, pat_span)?
                        } else {
                            self.b.cast(slot, *t, loc, pat_span)?
                        });
                    }
                    self.bind(*id, out);
                }
            }
        }
        Ok(())
    }
}
