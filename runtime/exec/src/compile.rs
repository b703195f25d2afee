//! Checking a program and precompiling its functions into typed register code.
//!
//! Every IR value gets a slot in one of two register files, chosen by its type: `ints`
//! (`bool` as 0/1 and `uN`, as `u128`) or `fields` (`Fr`). Each instruction is specialised by
//! operand type once, here, so the interpreter never inspects a type at run time.

use std::collections::HashMap;
use std::fmt;

use ff::PrimeField;
use stele_ir::verify::VerifyError;
use stele_ir::{BinOp, Function, Inst, Op, Program, StateKind, Ty, UnOp, ValueId};

use crate::Fr;
use crate::shape::{Shape, int_max, ty_name};

/// A program the executor refuses to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// What the IR verifier (`stele_ir::verify`) found.
    Invalid(Vec<VerifyError>),
    /// A verified program the executor still cannot run (a defensive check; it points at a
    /// disagreement between the verifier and the executor).
    Unsupported { context: String, message: String },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Invalid(errors) => {
                let n = errors.len();
                write!(
                    f,
                    "the IR verifier found {n} problem{}",
                    if n == 1 { "" } else { "s" }
                )?;
                for (i, e) in errors.iter().enumerate() {
                    write!(f, "{} {e}", if i == 0 { ":" } else { ";" })?;
                }
                Ok(())
            }
            LoadError::Unsupported { context, message } => write!(f, "{context}: {message}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A register: a slot in the integer file or in the field file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reg {
    I(u32),
    F(u32),
}

/// Typed register code. `d` is the destination, `a`/`b` operands; all integer operands are
/// `ints` slots and all field operands `fields` slots unless the name says otherwise.
#[derive(Clone, Debug)]
pub(crate) enum COp {
    ConstI {
        d: u32,
        v: u128,
    },
    ConstF {
        d: u32,
        v: Fr,
    },
    ParamI {
        d: u32,
        i: u32,
    },
    ParamF {
        d: u32,
        i: u32,
    },
    SLoadI {
        d: u32,
        i: u32,
    },
    SLoadF {
        d: u32,
        i: u32,
    },
    SStore {
        i: u32,
        v: Reg,
    },
    NegF {
        d: u32,
        a: u32,
    },
    /// Bool not and bitwise not within the width: `!a & mask`.
    NotI {
        d: u32,
        a: u32,
        mask: u128,
    },
    AddF {
        d: u32,
        a: u32,
        b: u32,
    },
    SubF {
        d: u32,
        a: u32,
        b: u32,
    },
    MulF {
        d: u32,
        a: u32,
        b: u32,
    },
    DivF {
        d: u32,
        a: u32,
        b: u32,
    },
    AddU {
        d: u32,
        a: u32,
        b: u32,
        max: u128,
    },
    SubU {
        d: u32,
        a: u32,
        b: u32,
    },
    MulU {
        d: u32,
        a: u32,
        b: u32,
        max: u128,
    },
    DivU {
        d: u32,
        a: u32,
        b: u32,
    },
    RemU {
        d: u32,
        a: u32,
        b: u32,
    },
    And {
        d: u32,
        a: u32,
        b: u32,
    },
    Or {
        d: u32,
        a: u32,
        b: u32,
    },
    Xor {
        d: u32,
        a: u32,
        b: u32,
    },
    Shl {
        d: u32,
        a: u32,
        b: u32,
        bits: u32,
        mask: u128,
    },
    Shr {
        d: u32,
        a: u32,
        b: u32,
        bits: u32,
    },
    EqI {
        d: u32,
        a: u32,
        b: u32,
    },
    EqF {
        d: u32,
        a: u32,
        b: u32,
    },
    Lt {
        d: u32,
        a: u32,
        b: u32,
    },
    Le {
        d: u32,
        a: u32,
        b: u32,
    },
    SelI {
        d: u32,
        c: u32,
        a: u32,
        b: u32,
    },
    SelF {
        d: u32,
        c: u32,
        a: u32,
        b: u32,
    },
    /// Integer to integer: fails when the value exceeds `max`.
    CastII {
        d: u32,
        a: u32,
        max: u128,
    },
    CastIF {
        d: u32,
        a: u32,
    },
    /// Field to integer: fails when the value exceeds `max`.
    CastFI {
        d: u32,
        a: u32,
        max: u128,
    },
    CastFF {
        d: u32,
        a: u32,
    },
    PickI {
        d: u32,
        index: Reg,
        items: Box<[u32]>,
    },
    PickF {
        d: u32,
        index: Reg,
        items: Box<[u32]>,
    },
    Assert {
        c: u32,
    },
    MapRead {
        map: u32,
        key: u32,
        dsts: Box<[Reg]>,
    },
    MapWrite {
        map: u32,
        key: u32,
        vals: Box<[Reg]>,
    },
    Hash {
        d: u32,
        ins: Box<[u32]>,
    },
    /// `[A.x, A.y, msg, R8.x, R8.y, S]`.
    EddsaVerify {
        d: u32,
        ins: [u32; 6],
    },
    /// The depth is `sibs.len()`.
    MerkleRoot {
        d: u32,
        index: u32,
        leaf: u32,
        sibs: Box<[u32]>,
    },
}

impl COp {
    /// The result registers, in the order of the IR instruction's `results`.
    pub(crate) fn for_each_dst(&self, mut f: impl FnMut(Reg)) {
        use COp::*;
        match self {
            ConstI { d, .. }
            | ParamI { d, .. }
            | SLoadI { d, .. }
            | NotI { d, .. }
            | AddU { d, .. }
            | SubU { d, .. }
            | MulU { d, .. }
            | DivU { d, .. }
            | RemU { d, .. }
            | And { d, .. }
            | Or { d, .. }
            | Xor { d, .. }
            | Shl { d, .. }
            | Shr { d, .. }
            | EqI { d, .. }
            | EqF { d, .. }
            | Lt { d, .. }
            | Le { d, .. }
            | SelI { d, .. }
            | CastII { d, .. }
            | CastFI { d, .. }
            | PickI { d, .. }
            | EddsaVerify { d, .. } => f(Reg::I(*d)),
            ConstF { d, .. }
            | ParamF { d, .. }
            | SLoadF { d, .. }
            | NegF { d, .. }
            | AddF { d, .. }
            | SubF { d, .. }
            | MulF { d, .. }
            | DivF { d, .. }
            | SelF { d, .. }
            | CastIF { d, .. }
            | CastFF { d, .. }
            | PickF { d, .. }
            | Hash { d, .. }
            | MerkleRoot { d, .. } => f(Reg::F(*d)),
            MapRead { dsts, .. } => dsts.iter().for_each(|r| f(*r)),
            SStore { .. } | Assert { .. } | MapWrite { .. } => {}
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CInst {
    pub op: COp,
    /// An `ints` slot holding a bool.
    pub guard: Option<u32>,
}

/// A precompiled transition or test.
#[derive(Clone, Debug)]
pub(crate) struct Code {
    /// Parallel to the IR function's body.
    pub insts: Vec<CInst>,
    pub n_ints: usize,
    pub n_fields: usize,
    /// Each parameter's name, shape and flattened scalar types.
    pub params: Vec<(String, Shape)>,
    pub param_tys: Vec<Ty>,
}

/// A map field's layout.
#[derive(Clone, Debug)]
pub(crate) struct MapInfo {
    pub depth: u32,
    pub value_tys: Vec<Ty>,
}

/// A checked, precompiled program, ready to run.
#[derive(Clone, Debug)]
pub struct Executable {
    program: Program,
    pub(crate) transitions: Vec<Code>,
    pub(crate) tests: Vec<Code>,
    pub(crate) state_tys: Vec<Ty>,
    pub(crate) maps: Vec<MapInfo>,
}

impl Executable {
    /// Verifies `program` (`stele_ir::verify`) and precompiles every transition and test.
    pub fn new(program: &Program) -> Result<Executable, LoadError> {
        stele_ir::verify(program).map_err(LoadError::Invalid)?;
        let state_tys: Vec<Ty> = program.state_scalars().into_iter().map(|s| s.ty).collect();
        let mut maps = Vec::new();
        for f in &program.state {
            if let StateKind::Map { value, depth, .. } = &f.kind {
                maps.push(MapInfo {
                    depth: *depth,
                    value_tys: program.flatten(value),
                });
            }
        }
        let mut exe = Executable {
            program: program.clone(),
            transitions: Vec::new(),
            tests: Vec::new(),
            state_tys,
            maps,
        };
        for f in &program.transitions {
            let code = Compiler::new(&exe, f, "transition").compile()?;
            exe.transitions.push(code);
        }
        for f in &program.tests {
            let code = Compiler::new(&exe, f, "test").compile()?;
            exe.tests.push(code);
        }
        Ok(exe)
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The index of the transition called `name`.
    pub fn transition_index(&self, name: &str) -> Option<usize> {
        self.program.transitions.iter().position(|f| f.name == name)
    }

    /// The index of the test called `name`.
    pub fn test_index(&self, name: &str) -> Option<usize> {
        self.program.tests.iter().position(|f| f.name == name)
    }
}

fn err(context: impl Into<String>, message: impl Into<String>) -> LoadError {
    LoadError::Unsupported {
        context: context.into(),
        message: message.into(),
    }
}

fn check_width(bits: u8) -> Result<(), String> {
    match bits {
        8 | 16 | 32 | 64 | 128 => Ok(()),
        _ => Err(format!("unsupported integer width u{bits}")),
    }
}

struct Compiler<'a> {
    exe: &'a Executable,
    f: &'a Function,
    kind: &'static str,
    regs: HashMap<ValueId, (Reg, Ty)>,
    n_ints: u32,
    n_fields: u32,
    param_tys: Vec<Ty>,
}

type R<T> = Result<T, String>;

impl<'a> Compiler<'a> {
    fn new(exe: &'a Executable, f: &'a Function, kind: &'static str) -> Self {
        let param_tys = exe
            .program
            .param_scalars(&f.params)
            .into_iter()
            .map(|s| s.ty)
            .collect();
        Compiler {
            exe,
            f,
            kind,
            regs: HashMap::new(),
            n_ints: 0,
            n_fields: 0,
            param_tys,
        }
    }

    fn compile(mut self) -> Result<Code, LoadError> {
        let mut insts = Vec::with_capacity(self.f.body.len());
        for (i, inst) in self.f.body.iter().enumerate() {
            let ci = self.inst(inst).map_err(|m| {
                err(
                    format!("{} `{}`, instruction {i}", self.kind, self.f.name),
                    m,
                )
            })?;
            insts.push(ci);
        }
        let program = &self.exe.program;
        let params: Vec<(String, Shape)> = self
            .f
            .params
            .iter()
            .map(|(n, t)| (n.clone(), Shape::new(program, t)))
            .collect();
        let mut tys = Vec::new();
        params.iter().for_each(|(_, s)| s.scalar_tys(&mut tys));
        if tys != self.param_tys {
            return Err(err(
                format!("{} `{}`", self.kind, self.f.name),
                "parameter layout disagrees with stele_ir::layout",
            ));
        }
        Ok(Code {
            insts,
            n_ints: self.n_ints as usize,
            n_fields: self.n_fields as usize,
            params,
            param_tys: self.param_tys,
        })
    }

    fn get(&self, v: ValueId) -> R<(Reg, Ty)> {
        self.regs
            .get(&v)
            .copied()
            .ok_or_else(|| format!("use of undefined value %{}", v.0))
    }

    fn int(&self, v: ValueId) -> R<(u32, Ty)> {
        match self.get(v)? {
            (Reg::I(r), t) => Ok((r, t)),
            (Reg::F(_), t) => Err(format!(
                "%{} has type {}, expected an integer or bool",
                v.0,
                ty_name(t)
            )),
        }
    }

    fn typed(&self, v: ValueId, want: Ty) -> R<Reg> {
        let (r, t) = self.get(v)?;
        if t != want {
            return Err(format!(
                "%{} has type {}, expected {}",
                v.0,
                ty_name(t),
                ty_name(want)
            ));
        }
        Ok(r)
    }

    fn slot_i(&self, v: ValueId, want: Ty) -> R<u32> {
        match self.typed(v, want)? {
            Reg::I(r) => Ok(r),
            Reg::F(_) => unreachable!("integer type in the field file"),
        }
    }

    fn slot_f(&self, v: ValueId) -> R<u32> {
        match self.typed(v, Ty::Field)? {
            Reg::F(r) => Ok(r),
            Reg::I(_) => unreachable!("Field in the integer file"),
        }
    }

    fn define(&mut self, v: ValueId, ty: Ty) -> R<Reg> {
        if let Ty::UInt(b) = ty {
            check_width(b)?;
        }
        if self.regs.contains_key(&v) {
            return Err(format!("value %{} is defined twice", v.0));
        }
        let reg = if ty == Ty::Field {
            self.n_fields += 1;
            Reg::F(self.n_fields - 1)
        } else {
            self.n_ints += 1;
            Reg::I(self.n_ints - 1)
        };
        self.regs.insert(v, (reg, ty));
        Ok(reg)
    }

    fn inst(&mut self, inst: &Inst) -> R<CInst> {
        let guard = match inst.guard {
            Some(g) => Some(
                self.slot_i(g, Ty::Bool)
                    .map_err(|m| format!("guard: {m}"))?,
            ),
            None => None,
        };
        let op = self.op(inst)?;
        Ok(CInst { op, guard })
    }

    fn no_results(inst: &Inst) -> R<()> {
        if inst.results.is_empty() {
            Ok(())
        } else {
            Err("this instruction defines no values".into())
        }
    }

    fn one_result(inst: &Inst) -> R<(ValueId, Ty)> {
        match inst.results.as_slice() {
            [r] => Ok(*r),
            _ => Err(format!(
                "expected exactly one result, found {}",
                inst.results.len()
            )),
        }
    }

    fn op(&mut self, inst: &Inst) -> R<COp> {
        use COp::*;
        match &inst.op {
            Op::Const(felt) => {
                let (v, ty) = Self::one_result(inst)?;
                let op = if ty == Ty::Field {
                    let fr = Option::from(Fr::from_repr(felt.to_le_bytes()))
                        .ok_or("constant is not below the modulus")?;
                    let d = self.define_f(v, ty)?;
                    ConstF { d, v: fr }
                } else {
                    let x = felt
                        .to_u128()
                        .filter(|&x| x <= int_max(ty))
                        .ok_or_else(|| format!("constant {felt} does not fit {}", ty_name(ty)))?;
                    let d = self.define_i(v, ty)?;
                    ConstI { d, v: x }
                };
                Ok(op)
            }
            Op::Param(i) => {
                let (v, ty) = Self::one_result(inst)?;
                let want = *self
                    .param_tys
                    .get(*i as usize)
                    .ok_or_else(|| format!("no parameter scalar {i}"))?;
                if want != ty {
                    return Err(format!(
                        "parameter scalar {i} has type {}, not {}",
                        ty_name(want),
                        ty_name(ty)
                    ));
                }
                Ok(match self.define(v, ty)? {
                    Reg::I(d) => ParamI { d, i: *i },
                    Reg::F(d) => ParamF { d, i: *i },
                })
            }
            Op::SLoad(i) => {
                let (v, ty) = Self::one_result(inst)?;
                let want = self.state_ty(*i)?;
                if want != ty {
                    return Err(format!(
                        "state scalar {i} has type {}, not {}",
                        ty_name(want),
                        ty_name(ty)
                    ));
                }
                Ok(match self.define(v, ty)? {
                    Reg::I(d) => SLoadI { d, i: *i },
                    Reg::F(d) => SLoadF { d, i: *i },
                })
            }
            Op::SStore(i, val) => {
                Self::no_results(inst)?;
                let want = self.state_ty(*i)?;
                Ok(SStore {
                    i: *i,
                    v: self.typed(*val, want)?,
                })
            }
            Op::Unary(op, a) => {
                let (v, ty) = Self::one_result(inst)?;
                match (op, ty) {
                    (UnOp::Neg, Ty::Field) => {
                        let a = self.slot_f(*a)?;
                        Ok(NegF {
                            d: self.define_f(v, ty)?,
                            a,
                        })
                    }
                    (UnOp::Not, Ty::Bool | Ty::UInt(_)) => {
                        let a = self.slot_i(*a, ty)?;
                        Ok(NotI {
                            d: self.define_i(v, ty)?,
                            a,
                            mask: int_max(ty),
                        })
                    }
                    _ => Err(format!("{op:?} does not apply to {}", ty_name(ty))),
                }
            }
            Op::Binary(op, a, b) => self.binary(inst, *op, *a, *b),
            Op::Select(c, a, b) => {
                let (v, ty) = Self::one_result(inst)?;
                let c = self.slot_i(*c, Ty::Bool)?;
                let (ra, rb) = (self.typed(*a, ty)?, self.typed(*b, ty)?);
                Ok(match (self.define(v, ty)?, ra, rb) {
                    (Reg::I(d), Reg::I(a), Reg::I(b)) => SelI { d, c, a, b },
                    (Reg::F(d), Reg::F(a), Reg::F(b)) => SelF { d, c, a, b },
                    _ => unreachable!("same type, same file"),
                })
            }
            Op::Cast(a) => {
                let (v, ty) = Self::one_result(inst)?;
                if ty == Ty::Bool {
                    return Err("cast to bool".into());
                }
                let (ra, _) = self.get(*a)?;
                Ok(match (self.define(v, ty)?, ra) {
                    (Reg::I(d), Reg::I(a)) => CastII {
                        d,
                        a,
                        max: int_max(ty),
                    },
                    (Reg::F(d), Reg::I(a)) => CastIF { d, a },
                    (Reg::I(d), Reg::F(a)) => CastFI {
                        d,
                        a,
                        max: int_max(ty),
                    },
                    (Reg::F(d), Reg::F(a)) => CastFF { d, a },
                })
            }
            Op::Pick { index, items } => {
                let (v, ty) = Self::one_result(inst)?;
                let (index, _) = self.get(*index)?;
                let regs = items
                    .iter()
                    .map(|x| self.typed(*x, ty))
                    .collect::<R<Vec<Reg>>>()?;
                let slots: Box<[u32]> = regs
                    .iter()
                    .map(|r| match r {
                        Reg::I(s) | Reg::F(s) => *s,
                    })
                    .collect();
                Ok(match self.define(v, ty)? {
                    Reg::I(d) => PickI {
                        d,
                        index,
                        items: slots,
                    },
                    Reg::F(d) => PickF {
                        d,
                        index,
                        items: slots,
                    },
                })
            }
            Op::Assert { cond, .. } => {
                Self::no_results(inst)?;
                Ok(Assert {
                    c: self.slot_i(*cond, Ty::Bool)?,
                })
            }
            Op::MapRead { map, key } => {
                let info = self.map(*map)?;
                let key = self.key(*key)?;
                let tys: Vec<Ty> = inst.results.iter().map(|r| r.1).collect();
                if tys != info.value_tys {
                    return Err(format!(
                        "map {map} holds {} scalars of types {}, the read defines {}",
                        info.value_tys.len(),
                        tys_names(&info.value_tys),
                        tys_names(&tys)
                    ));
                }
                let dsts = inst
                    .results
                    .iter()
                    .map(|(v, t)| self.define(*v, *t))
                    .collect::<R<Box<[Reg]>>>()?;
                Ok(MapRead {
                    map: *map,
                    key,
                    dsts,
                })
            }
            Op::MapWrite { map, key, value } => {
                Self::no_results(inst)?;
                let info = self.map(*map)?;
                let key = self.key(*key)?;
                if value.len() != info.value_tys.len() {
                    return Err(format!(
                        "map {map} holds {} scalars, the write gives {}",
                        info.value_tys.len(),
                        value.len()
                    ));
                }
                let vals = value
                    .iter()
                    .zip(&info.value_tys)
                    .map(|(v, t)| self.typed(*v, *t))
                    .collect::<R<Box<[Reg]>>>()?;
                Ok(MapWrite {
                    map: *map,
                    key,
                    vals,
                })
            }
            Op::Hash(inputs) => {
                let (v, ty) = Self::one_result(inst)?;
                if ty != Ty::Field {
                    return Err("a hash is a Field".into());
                }
                if !(1..=stele_crypto::MAX_INPUTS).contains(&inputs.len()) {
                    return Err(format!("hash of {} inputs (1..=16 allowed)", inputs.len()));
                }
                let ins = inputs
                    .iter()
                    .map(|x| self.slot_f(*x))
                    .collect::<R<Box<[u32]>>>()?;
                Ok(Hash {
                    d: self.define_f(v, ty)?,
                    ins,
                })
            }
            Op::EddsaVerify(inputs) => {
                let (v, ty) = Self::one_result(inst)?;
                if ty != Ty::Bool {
                    return Err("a signature check is a bool".into());
                }
                let ins: [ValueId; 6] = inputs
                    .as_slice()
                    .try_into()
                    .map_err(|_| format!("eddsa.verify of {} inputs (6 needed)", inputs.len()))?;
                let mut regs = [0u32; 6];
                for (r, x) in regs.iter_mut().zip(ins) {
                    *r = self.slot_f(x)?;
                }
                Ok(EddsaVerify {
                    d: self.define_i(v, ty)?,
                    ins: regs,
                })
            }
            Op::MerkleRoot {
                index,
                leaf,
                siblings,
            } => {
                let (v, ty) = Self::one_result(inst)?;
                if ty != Ty::Field {
                    return Err("a Merkle root is a Field".into());
                }
                if !(1..=64).contains(&siblings.len()) {
                    return Err(format!(
                        "merkle.root of depth {} (1..=64 allowed)",
                        siblings.len()
                    ));
                }
                let index = self.key(*index)?;
                let leaf = self.slot_f(*leaf)?;
                let sibs = siblings
                    .iter()
                    .map(|x| self.slot_f(*x))
                    .collect::<R<Box<[u32]>>>()?;
                Ok(MerkleRoot {
                    d: self.define_f(v, ty)?,
                    index,
                    leaf,
                    sibs,
                })
            }
        }
    }

    fn binary(&mut self, inst: &Inst, op: BinOp, a: ValueId, b: ValueId) -> R<COp> {
        use COp::*;
        let (v, ty) = Self::one_result(inst)?;
        let bad = || format!("{op:?} does not apply to these types");
        match op {
            BinOp::Eq | BinOp::Lt | BinOp::Le => {
                if ty != Ty::Bool {
                    return Err(format!("{op:?} results in bool, not {}", ty_name(ty)));
                }
                let (ra, ta) = self.get(a)?;
                let rb = self.typed(b, ta)?;
                let d = self.define_i(v, ty)?;
                match (op, ra, rb) {
                    (BinOp::Eq, Reg::I(a), Reg::I(b)) => Ok(EqI { d, a, b }),
                    (BinOp::Eq, Reg::F(a), Reg::F(b)) => Ok(EqF { d, a, b }),
                    (BinOp::Lt, Reg::I(a), Reg::I(b)) if matches!(ta, Ty::UInt(_)) => {
                        Ok(Lt { d, a, b })
                    }
                    (BinOp::Le, Reg::I(a), Reg::I(b)) if matches!(ta, Ty::UInt(_)) => {
                        Ok(Le { d, a, b })
                    }
                    _ => Err(bad()),
                }
            }
            BinOp::Shl | BinOp::Shr => {
                let Ty::UInt(bits) = ty else {
                    return Err(bad());
                };
                let a = self.slot_i(a, ty)?;
                let (b, tb) = self.int(b)?;
                if !matches!(tb, Ty::UInt(_)) {
                    return Err("shift amount is not an unsigned integer".into());
                }
                let d = self.define_i(v, ty)?;
                let bits = u32::from(bits);
                Ok(if op == BinOp::Shl {
                    Shl {
                        d,
                        a,
                        b,
                        bits,
                        mask: int_max(ty),
                    }
                } else {
                    Shr { d, a, b, bits }
                })
            }
            _ => {
                let ra = self.typed(a, ty)?;
                let rb = self.typed(b, ty)?;
                let d = self.define(v, ty)?;
                match (d, ra, rb) {
                    (Reg::F(d), Reg::F(a), Reg::F(b)) => match op {
                        BinOp::Add => Ok(AddF { d, a, b }),
                        BinOp::Sub => Ok(SubF { d, a, b }),
                        BinOp::Mul => Ok(MulF { d, a, b }),
                        BinOp::Div => Ok(DivF { d, a, b }),
                        _ => Err(bad()),
                    },
                    (Reg::I(d), Reg::I(a), Reg::I(b)) => {
                        let max = int_max(ty);
                        match (op, ty) {
                            (BinOp::And, _) => Ok(And { d, a, b }),
                            (BinOp::Or, _) => Ok(Or { d, a, b }),
                            (BinOp::Xor, _) => Ok(Xor { d, a, b }),
                            (_, Ty::Bool) => Err(bad()),
                            (BinOp::Add, _) => Ok(AddU { d, a, b, max }),
                            (BinOp::Sub, _) => Ok(SubU { d, a, b }),
                            (BinOp::Mul, _) => Ok(MulU { d, a, b, max }),
                            (BinOp::Div, _) => Ok(DivU { d, a, b }),
                            (BinOp::Rem, _) => Ok(RemU { d, a, b }),
                            _ => Err(bad()),
                        }
                    }
                    _ => unreachable!("same type, same file"),
                }
            }
        }
    }

    fn define_i(&mut self, v: ValueId, ty: Ty) -> R<u32> {
        match self.define(v, ty)? {
            Reg::I(d) => Ok(d),
            Reg::F(_) => Err("expected an integer or bool result".into()),
        }
    }

    fn define_f(&mut self, v: ValueId, ty: Ty) -> R<u32> {
        match self.define(v, ty)? {
            Reg::F(d) => Ok(d),
            Reg::I(_) => Err("expected a Field result".into()),
        }
    }

    fn state_ty(&self, i: u32) -> R<Ty> {
        self.exe
            .state_tys
            .get(i as usize)
            .copied()
            .ok_or_else(|| format!("no state scalar {i}"))
    }

    fn map(&self, map: u32) -> R<&'a MapInfo> {
        self.exe
            .maps
            .get(map as usize)
            .ok_or_else(|| format!("no map {map}"))
    }

    fn key(&self, key: ValueId) -> R<u32> {
        match self.int(key)? {
            (r, Ty::UInt(_)) => Ok(r),
            (_, t) => Err(format!(
                "key or index %{} has type {}, expected an unsigned integer",
                key.0,
                ty_name(t)
            )),
        }
    }
}

fn tys_names(tys: &[Ty]) -> String {
    let names: Vec<String> = tys.iter().map(|t| ty_name(*t)).collect();
    format!("({})", names.join(", "))
}
