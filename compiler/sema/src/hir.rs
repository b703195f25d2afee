//! The checked program: every name resolved, every expression typed. Lowering reads only this.

use std::collections::{BTreeMap, HashMap};

use stele_diagnostics::{FileId, Span};
use stele_ir::Felt;

use crate::ty::{Len, Ty};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdtId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConstId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// What a name in a module's namespace denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Def {
    Module(ModuleId),
    Const(ConstId),
    Adt(AdtId),
    Variant(AdtId, u32),
    Fn(FnId),
}

/// All definitions of the chain.
#[derive(Debug, Default)]
pub struct Defs {
    pub modules: Vec<Module>,
    pub adts: Vec<AdtDef>,
    pub consts: Vec<ConstDef>,
    pub fns: Vec<FnDef>,
    pub state: Option<StateDef>,
    pub transitions: Vec<TransitionDef>,
    pub tests: Vec<TestDef>,
}

#[derive(Debug)]
pub struct Module {
    pub path: Vec<String>,
    pub file: Option<FileId>,
    /// Items defined in the module, with the span of their name.
    pub items: HashMap<String, (Def, Span)>,
    pub children: BTreeMap<String, ModuleId>,
}

impl Module {
    /// `a::b`, or `crate` for the root.
    pub fn display_path(&self) -> String {
        if self.path.is_empty() {
            "crate".to_string()
        } else {
            self.path.join("::")
        }
    }

    pub fn is_std(&self) -> bool {
        self.path.first().is_some_and(|s| s == "std")
    }
}

#[derive(Debug)]
pub struct AdtDef {
    /// The name as declared.
    pub name: String,
    /// Fully qualified: `token::Account`, unqualified in the root module.
    pub qual: String,
    pub module: ModuleId,
    pub span: Span,
    pub is_enum: bool,
    /// Struct fields.
    pub fields: Vec<Member>,
    /// Enum variants.
    pub variants: Vec<Variant>,
}

impl AdtDef {
    pub fn member_types(&self) -> impl Iterator<Item = &Ty> {
        self.fields
            .iter()
            .map(|f| &f.ty)
            .chain(self.variants.iter().flat_map(|v| v.payload.iter()))
    }

    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn variant(&self, name: &str) -> Option<usize> {
        self.variants.iter().position(|v| v.name == name)
    }
}

#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug)]
pub struct Variant {
    pub name: String,
    pub payload: Vec<Ty>,
    pub span: Span,
}

#[derive(Debug)]
pub struct ConstDef {
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    pub ty: Ty,
    /// The flattened value; `None` when the constant has errors.
    pub value: Option<Vec<Felt>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `std::hash::poseidon`.
    Poseidon,
    /// `std::eddsa::verify`.
    EddsaVerify,
    /// `std::merkle::root`.
    MerkleRoot,
}

#[derive(Debug)]
pub struct FnDef {
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    pub generics: Vec<String>,
    pub params: Vec<Ty>,
    pub ret: Ty,
    pub body: Option<Body>,
    pub builtin: Option<Builtin>,
}

#[derive(Debug)]
pub struct TransitionDef {
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    pub params: Vec<(String, Ty)>,
    pub body: Body,
}

#[derive(Debug)]
pub struct TestDef {
    /// Qualified by the module path outside the root module.
    pub name: String,
    pub module: ModuleId,
    pub span: Span,
    pub body: Body,
}

#[derive(Debug)]
pub struct StateDef {
    pub span: Span,
    pub fields: Vec<StateField>,
}

#[derive(Debug)]
pub struct StateField {
    pub name: String,
    pub span: Span,
    pub kind: StateFieldKind,
    /// Index among plain fields or among maps.
    pub index: u32,
}

#[derive(Debug)]
pub enum StateFieldKind {
    Plain(Ty),
    Map { key: Ty, value: Ty, depth: u32 },
}

/// A function, transition or test body.
#[derive(Debug)]
pub struct Body {
    pub locals: Vec<LocalDecl>,
    /// The parameters' locals, in order.
    pub params: Vec<LocalId>,
    pub expr: Expr,
}

#[derive(Debug)]
pub struct LocalDecl {
    pub name: String,
    pub ty: Ty,
    pub mutable: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

pub use stele_syntax::ast::BinOp;

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A literal of the expression's (scalar) type.
    Lit(Felt),
    Local(LocalId),
    Const(ConstId),
    /// The value of a const generic parameter.
    Generic(u32),
    /// A plain state field (`state.f`), by index in the state declaration.
    State(u32),
    /// `state.m[key]`; `op` is the span of `[`.
    MapGet {
        field: u32,
        key: Box<Expr>,
        op: Span,
    },
    Unary(UnOp, Box<Expr>),
    /// `op` is the operator's span.
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// To the expression's type; `op` is the span of `as`.
    Cast(Box<Expr>, Span),
    Call {
        func: crate::hir::FnId,
        generics: Vec<Len>,
        args: Vec<Expr>,
    },
    Assert {
        cond: Box<Expr>,
        msg: String,
    },
    /// A struct field or tuple element, by position.
    Member(Box<Expr>, u32),
    /// `op` is the span of `[`.
    Index(Box<Expr>, Box<Expr>, Span),
    /// Struct literal, fields in declaration order.
    Struct(Vec<Expr>),
    Variant(u32, Vec<Expr>),
    Array(Vec<Expr>),
    Repeat(Box<Expr>, Len),
    Tuple(Vec<Expr>),
    Block(Block),
    If(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Match(Box<Expr>, Vec<Arm>),
    Error,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Let(LetPat, Expr),
    /// `op`: the compound operator and its span.
    Assign {
        place: Place,
        op: Option<(BinOp, Span)>,
        value: Expr,
    },
    For {
        var: LocalId,
        start: Expr,
        end: Expr,
        body: Block,
    },
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub enum LetPat {
    Bind(LocalId),
    Tuple(Vec<LetPat>),
    Wild,
}

#[derive(Clone, Debug)]
pub struct Place {
    pub root: PlaceRoot,
    pub projs: Vec<Proj>,
    /// The type of the whole place.
    pub ty: Ty,
}

#[derive(Clone, Debug)]
pub enum PlaceRoot {
    Local(LocalId),
    /// A plain state field.
    State(u32),
    /// `state.m[key]`; `op` is the span of `[`.
    Map {
        field: u32,
        key: Box<Expr>,
        op: Span,
    },
}

#[derive(Clone, Debug)]
pub enum Proj {
    Member(u32),
    /// Index expression and the span of `[`.
    Index(Expr, Span),
}

#[derive(Clone, Debug)]
pub struct Arm {
    pub pat: Pat,
    /// Where payload extraction failures would be reported.
    pub pat_span: Span,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub enum Pat {
    Wild,
    Bind(LocalId),
    Lit(Felt),
    /// A variant and a binding (or `_`) per payload element.
    Variant(u32, Vec<Option<LocalId>>),
}

impl Defs {
    pub fn adt(&self, id: AdtId) -> &AdtDef {
        &self.adts[id.0 as usize]
    }

    pub fn func(&self, id: FnId) -> &FnDef {
        &self.fns[id.0 as usize]
    }

    pub fn konst(&self, id: ConstId) -> &ConstDef {
        &self.consts[id.0 as usize]
    }

    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id.0 as usize]
    }

    pub fn state_field(&self, i: u32) -> &StateField {
        &self.state.as_ref().expect("state").fields[i as usize]
    }
}
