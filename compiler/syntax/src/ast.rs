//! The syntax tree of one source file, as written: no names resolved, no types checked.
//! Parse errors leave `Error` nodes so later passes can go on.

use stele_diagnostics::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `a::b::c`. The first segment may be the keyword `crate`, the chain's root module
/// (`crate::a::b`); no other segment can be named `crate`. A first segment `super` or `self` is
/// a path the lexer already reported (`E0007`), kept so the item around it survives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}

/// One source file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SourceFile {
    /// `//!` lines at the top of the file.
    pub docs: Vec<String>,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// `///` lines before the item, without the `///` and one leading space.
    pub docs: Vec<String>,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// `use a::b;`, `use a::b as c;`, `use a::{b, c as d};` — one entry per imported name.
    Use(Vec<UseDecl>),
    Const(ConstDef),
    Struct(StructDef),
    Enum(EnumDef),
    Fn(FnDef),
    State(StateDef),
    Transition(TransitionDef),
    Test(TestDef),
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseDecl {
    pub path: Path,
    pub alias: Option<Ident>,
}

/// `const NAME: T = expr;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstDef {
    pub name: Ident,
    pub ty: Type,
    pub value: Expr,
}

/// A struct field, a state field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDef {
    pub docs: Vec<String>,
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructDef {
    pub name: Ident,
    pub fields: Vec<FieldDef>,
}

/// `Name` or `Name(T1, T2)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantDef {
    pub docs: Vec<String>,
    pub name: Ident,
    pub payload: Vec<Type>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDef {
    pub name: Ident,
    pub variants: Vec<VariantDef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: Ident,
    pub ty: Type,
    pub span: Span,
}

/// `fn f<const N: u32>(a: T) -> R { ... }`, or `builtin fn f(..) -> R;` (standard library only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnDef {
    pub name: Ident,
    /// Const generic parameters (`const N: u32`), always of type `u32`.
    pub generics: Vec<Ident>,
    pub params: Vec<Param>,
    pub ret: Option<Type>,
    /// `None` for a `builtin fn`.
    pub body: Option<Block>,
}

/// `state { name: T, ... }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateDef {
    pub fields: Vec<FieldDef>,
}

/// `transition name(params) { body }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransitionDef {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Block,
}

/// `test name { body }`: run against the default state; passes when no assert fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestDef {
    pub name: Ident,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Type {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeKind {
    /// `Field`, `u64`, `Account`, `m::Account`, `Map<K, V, 20>`: a path with optional arguments.
    Path {
        path: Path,
        args: Vec<TypeArg>,
    },
    /// `[T; N]`
    Array(Box<Type>, Box<Expr>),
    /// `(A, B)`; `()` is the unit type.
    Tuple(Vec<Type>),
    Error,
}

/// An argument in `<...>` of a type: a type, or a constant (a literal or a `{ expr }` block).
/// A bare path argument parses as a type; name resolution reinterprets it if it names a constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeArg {
    Type(Type),
    Const(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    /// The final expression without a semicolon: the block's value.
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtKind {
    /// `let [mut] pat [: T] = init;`
    Let {
        pat: LetPattern,
        ty: Option<Type>,
        init: Expr,
    },
    /// `place = value;` (`op: None`) or `place op= value;`.
    Assign {
        target: Expr,
        op: Option<BinOp>,
        value: Expr,
    },
    /// `for var in start..end { body }`; bounds must be compile-time constants.
    For {
        var: Ident,
        start: Expr,
        end: Expr,
        body: Block,
    },
    /// An expression statement (with `;`, or a block-like expression without one).
    Expr(Expr),
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LetPattern {
    Name { name: Ident, mutable: bool },
    Tuple(Vec<LetPattern>, Span),
    Wildcard(Span),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// Integer literal: digits as written (decimal or `0x` hex, underscores removed) and an
    /// optional type suffix (`5u64`, `7Field`).
    Int {
        digits: String,
        suffix: Option<String>,
    },
    Bool(bool),
    /// String literal, escapes already processed (only `assert` messages use them).
    Str(String),
    /// A name or path, with optional `::<...>` const generic arguments.
    Path {
        path: Path,
        generic_args: Vec<Expr>,
    },
    /// The `state` keyword.
    State,
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `expr as T`
    Cast(Box<Expr>, Type),
    /// `f(args)`, `m::f::<4>(args)`, `assert(c, "msg")`, `Enum::Variant(payload)`.
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `expr.name`
    Field(Box<Expr>, Ident),
    /// `expr.0`
    TupleField(Box<Expr>, u32, Span),
    /// `expr[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `Path { a: 1, b }` (`b` alone is shorthand for `b: b`).
    StructLit {
        path: Path,
        fields: Vec<(Ident, Expr)>,
    },
    /// `[a, b, c]`
    Array(Vec<Expr>),
    /// `[value; count]`
    ArrayRepeat(Box<Expr>, Box<Expr>),
    /// `(a, b)`; `()` is the unit value. A parenthesised single expression is not a tuple.
    Tuple(Vec<Expr>),
    /// `(expr)`: kept so spans and the formatter see what was written.
    Paren(Box<Expr>),
    Block(Block),
    /// `if cond { .. } else ..`; `else_` is a `Block` or another `If` expression.
    If {
        cond: Box<Expr>,
        then: Block,
        else_: Option<Box<Expr>>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchArm {
    pub pat: Pattern,
    pub body: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// A lone name: binds the scrutinee (or, if it names a unit variant in scope, matches it).
    Binding(Ident),
    /// `3`, `true`
    Literal(Expr),
    /// `Enum::Variant`, `Enum::Variant(a, _, c)`.
    Variant {
        path: Path,
        fields: Vec<Pattern>,
    },
    Error,
}
