//! The compiled form of a chain: straight-line, predicated, scalar code that the native executor
//! runs and the circuit back end constrains. Everything the source language has beyond scalars
//! (loops, calls, aggregates, `if`, `match`) is gone by the time a program reaches this crate.
//!
//! Semantics in one paragraph: a transition is a list of instructions run in order. Each value is
//! a scalar (`Field`, `bool` or `uN`) defined exactly once. A *fallible* instruction (checked
//! integer arithmetic, division, shifts, narrowing casts, `assert`, map access) may reject the
//! transaction; an *effect* (map write, state store) changes state. Both carry an optional guard:
//! when the guard is `false` the instruction neither fails nor has an effect, and every result is
//! zero. This is how conditionals are compiled: an untaken branch cannot fire.

mod arith;
pub mod artifact;
pub mod eval;
pub mod felt;
pub mod layout;
mod operands;
pub mod passes;
mod sizes;
pub mod text;
pub mod verify;

pub use artifact::{ArtifactError, from_artifact, to_artifact};
pub use felt::Felt;
pub use passes::{PIPELINE, optimize, optimize_verified, optimize_with};
pub use sizes::MAX_SCALARS;
pub use text::{ParseError, parse, print};
pub use verify::{VerifyError, verify};

/// Version of the IR text format and of the serialised artifact.
pub const FORMAT_VERSION: u32 = 1;

/// A scalar type: what one IR value holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ty {
    Field,
    Bool,
    /// Unsigned integer of 8, 16, 32, 64 or 128 bits.
    UInt(u8),
}

/// A source-level type, kept for the interface (parameters, state, JSON) and for flattening.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Type {
    Field,
    Bool,
    UInt(u8),
    Array(Box<Type>, u32),
    /// The empty tuple is the unit type.
    Tuple(Vec<Type>),
    /// A struct or enum declared in [`Program::types`].
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeDef {
    /// Fully qualified source name, e.g. `token::Account`.
    pub name: String,
    pub kind: TypeDefKind,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeDefKind {
    Struct(Vec<(String, Type)>),
    /// Variants in declaration order; the position is the tag.
    Enum(Vec<(String, Vec<Type>)>),
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateField {
    pub name: String,
    pub kind: StateKind,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StateKind {
    /// A plain field; flattened into consecutive state scalars.
    Value(Type),
    /// A fixed-depth Merkle map; `key` is a `Type::UInt`, keys must be below `2^depth`.
    Map { key: Type, value: Type, depth: u32 },
}

/// A source location: index into [`Program::files`], 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ValueId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum UnOp {
    /// Field negation.
    Neg,
    /// Boolean not, or bitwise not of an unsigned integer within its width.
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BinOp {
    /// Field: modular. uN: fails with "arithmetic overflow".
    Add,
    /// Field: modular. uN: fails with "arithmetic underflow".
    Sub,
    /// Field: modular. uN: fails with "arithmetic overflow".
    Mul,
    /// Field: multiply by the inverse. uN: truncating. Fails with "division by zero".
    Div,
    /// uN only. Fails with "division by zero".
    Rem,
    /// bool: logical; uN: bitwise.
    And,
    Or,
    Xor,
    /// uN by a `u32` amount; bits shifted out are dropped. Fails with "shift overflow" when the
    /// amount is not below the width.
    Shl,
    Shr,
    /// Any scalar type; result `bool`.
    Eq,
    /// uN only; result `bool`.
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Op {
    /// A constant of the instruction's result type.
    Const(Felt),
    /// Flattened transition parameter scalar `i`. The executor guarantees it is a valid value of
    /// its type (uN below 2^N, bool 0 or 1, enum tags in range).
    Param(u32),
    /// Flattened plain-state scalar `i`, as it was when the transaction started.
    SLoad(u32),
    /// Effect: set flattened plain-state scalar `i`.
    SStore(u32, ValueId),
    Unary(UnOp, ValueId),
    Binary(BinOp, ValueId, ValueId),
    /// `cond ? a : b`; `cond` is `bool`, `a` and `b` have the result type.
    Select(ValueId, ValueId, ValueId),
    /// Conversion to the result type. Widening, bool to integer or Field, and integer to Field
    /// always succeed; narrowing (including Field to uN) fails with "cast overflow" when the value
    /// does not fit.
    Cast(ValueId),
    /// `items[index]`; zero when `index` is out of range (bounds are asserted separately).
    Pick {
        index: ValueId,
        items: Vec<ValueId>,
    },
    /// Fails with `msg` when `cond` is false.
    Assert {
        cond: ValueId,
        msg: String,
    },
    /// Reads map `map` at `key`: one result per flattened value scalar. Fails with
    /// "map key out of range" when `key >= 2^depth`.
    MapRead {
        map: u32,
        key: ValueId,
    },
    /// Effect: writes the flattened `value` at `key` (same failure as `MapRead`).
    MapWrite {
        map: u32,
        key: ValueId,
        value: Vec<ValueId>,
    },
    /// circomlib Poseidon of 1..=16 `Field` inputs.
    Hash(Vec<ValueId>),
    /// EdDSA-Poseidon verification over Baby Jubjub (`std::eddsa::verify`): six `Field`
    /// inputs `[A.x, A.y, msg, R8.x, R8.y, S]`, a `bool` result (`stele_crypto::eddsa::verify`).
    EddsaVerify(Vec<ValueId>),
    /// The root of a Merkle tree of depth `D = siblings.len()` (1..=64) with `leaf` at `index`
    /// (`std::merkle::root`, `stele_crypto::merkle_root_from_path`): `index` is an unsigned
    /// integer, `leaf`, the siblings (leaf level first) and the result `Field`s. Fails with
    /// "merkle index out of range" when `index >= 2^D`.
    MerkleRoot {
        index: ValueId,
        leaf: ValueId,
        siblings: Vec<ValueId>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Inst {
    /// Defined values with their types (none for effects and asserts; several for `MapRead`).
    pub results: Vec<(ValueId, Ty)>,
    pub op: Op,
    /// A `bool` value; `None` means always on.
    pub guard: Option<ValueId>,
    /// Where a failure of this instruction is reported.
    pub loc: Option<Loc>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub name: String,
    pub params: Vec<(String, Type)>,
    pub body: Vec<Inst>,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Program {
    pub chain: String,
    /// Source file names that [`Loc::file`] indexes.
    pub files: Vec<String>,
    pub types: Vec<TypeDef>,
    pub state: Vec<StateField>,
    pub transitions: Vec<Function>,
    /// `test` items: parameterless bodies run against the default state.
    pub tests: Vec<Function>,
}

impl Ty {
    pub fn bits(self) -> Option<u32> {
        match self {
            Ty::UInt(b) => Some(b as u32),
            _ => None,
        }
    }
}

impl Op {
    /// Whether the instruction can reject a transaction.
    pub fn is_fallible(&self, result_ty: Option<Ty>) -> bool {
        match self {
            Op::Binary(BinOp::Div | BinOp::Rem | BinOp::Shl | BinOp::Shr, ..) => true,
            Op::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul, ..) => {
                matches!(result_ty, Some(Ty::UInt(_)))
            }
            Op::Cast(_)
            | Op::Assert { .. }
            | Op::MapRead { .. }
            | Op::MapWrite { .. }
            | Op::MerkleRoot { .. } => true,
            _ => false,
        }
    }

    /// Whether the instruction changes state.
    pub fn is_effect(&self) -> bool {
        matches!(self, Op::SStore(..) | Op::MapWrite { .. })
    }
}
