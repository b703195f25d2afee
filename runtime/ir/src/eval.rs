//! The meaning of one scalar operation on known operands, written once so that constant folding
//! computes exactly what the executor would: checked unsigned arithmetic, modular `Field`
//! arithmetic, and the failure message each fallible operation reports.
//!
//! Operands are assumed to be valid values of their types (as a verified program guarantees);
//! anything else gives [`EvalError::Unsupported`] rather than a wrong answer.

use crate::{BinOp, Felt, Ty, UnOp};

pub const ARITHMETIC_OVERFLOW: &str = "arithmetic overflow";
pub const ARITHMETIC_UNDERFLOW: &str = "arithmetic underflow";
pub const DIVISION_BY_ZERO: &str = "division by zero";
pub const SHIFT_OVERFLOW: &str = "shift overflow";
pub const CAST_OVERFLOW: &str = "cast overflow";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The operation rejects the transaction with this message.
    Fails(&'static str),
    /// The operation is not defined on these types or values (an unverified program).
    Unsupported,
}

/// The largest value of an unsigned type, `None` for widths other than 1..=128.
pub fn uint_max(bits: u32) -> Option<u128> {
    match bits {
        1..=127 => Some((1u128 << bits) - 1),
        128 => Some(u128::MAX),
        _ => None,
    }
}

/// Whether `x` is a value of `ty`: `bool` is 0 or 1, `uN` is below `2^N`, `Field` is canonical.
pub fn fits(ty: Ty, x: Felt) -> bool {
    match ty {
        Ty::Field => x.is_canonical(),
        Ty::Bool => x == Felt::ZERO || x == Felt::ONE,
        Ty::UInt(bits) => uint(bits as u32, x).is_ok(),
    }
}

/// `op x`, where `ty` is the type of `x` (and of the result).
pub fn unary(op: UnOp, ty: Ty, x: Felt) -> Result<Felt, EvalError> {
    check(ty, x)?;
    match (op, ty) {
        (UnOp::Neg, Ty::Field) => Ok(-x),
        (UnOp::Not, Ty::Bool) => Ok(if x.is_zero() { Felt::ONE } else { Felt::ZERO }),
        (UnOp::Not, Ty::UInt(bits)) => {
            let mask = uint_max(bits as u32).ok_or(EvalError::Unsupported)?;
            Ok(Felt::from_u128(!uint(bits as u32, x)? & mask))
        }
        _ => Err(EvalError::Unsupported),
    }
}

/// `a op b`, where `ty` is the type of `a` (for `shl`/`shr`, `b` is a `u32` amount).
pub fn binary(op: BinOp, ty: Ty, a: Felt, b: Felt) -> Result<Felt, EvalError> {
    check(ty, a)?;
    match op {
        BinOp::Shl | BinOp::Shr => check(Ty::UInt(32), b)?,
        _ => check(ty, b)?,
    }
    if op == BinOp::Eq {
        return Ok(from_bool(a == b));
    }
    match ty {
        Ty::Field => field_binary(op, a, b),
        Ty::Bool => {
            let (a, b) = (!a.is_zero(), !b.is_zero());
            match op {
                BinOp::And => Ok(from_bool(a & b)),
                BinOp::Or => Ok(from_bool(a | b)),
                BinOp::Xor => Ok(from_bool(a ^ b)),
                _ => Err(EvalError::Unsupported),
            }
        }
        Ty::UInt(bits) => {
            let b_bits = if matches!(op, BinOp::Shl | BinOp::Shr) {
                32
            } else {
                bits as u32
            };
            uint_binary(op, bits as u32, uint(bits as u32, a)?, uint(b_bits, b)?)
        }
    }
}

/// Conversion of `x` from `from` to `to`: widening and conversion to `Field` always succeed,
/// narrowing fails with [`CAST_OVERFLOW`] when the value does not fit. Casting to `bool` is not
/// an IR operation.
pub fn cast(from: Ty, to: Ty, x: Felt) -> Result<Felt, EvalError> {
    check(from, x)?;
    match to {
        Ty::Field => Ok(x),
        Ty::Bool => Err(EvalError::Unsupported),
        Ty::UInt(bits) => {
            let max = uint_max(bits as u32).ok_or(EvalError::Unsupported)?;
            match x.to_u128() {
                Some(v) if v <= max => Ok(x),
                _ => Err(EvalError::Fails(CAST_OVERFLOW)),
            }
        }
    }
}

fn field_binary(op: BinOp, a: Felt, b: Felt) -> Result<Felt, EvalError> {
    match op {
        BinOp::Add => Ok(a + b),
        BinOp::Sub => Ok(a - b),
        BinOp::Mul => Ok(a * b),
        BinOp::Div => b
            .inverse()
            .map(|inv| a * inv)
            .ok_or(EvalError::Fails(DIVISION_BY_ZERO)),
        _ => Err(EvalError::Unsupported),
    }
}

fn uint_binary(op: BinOp, bits: u32, a: u128, b: u128) -> Result<Felt, EvalError> {
    let max = uint_max(bits).ok_or(EvalError::Unsupported)?;
    let within = |v: Option<u128>, msg| v.filter(|&v| v <= max).ok_or(EvalError::Fails(msg));
    let value = match op {
        BinOp::Add => within(a.checked_add(b), ARITHMETIC_OVERFLOW)?,
        BinOp::Sub => within(a.checked_sub(b), ARITHMETIC_UNDERFLOW)?,
        BinOp::Mul => within(a.checked_mul(b), ARITHMETIC_OVERFLOW)?,
        BinOp::Div => a.checked_div(b).ok_or(EvalError::Fails(DIVISION_BY_ZERO))?,
        BinOp::Rem => a.checked_rem(b).ok_or(EvalError::Fails(DIVISION_BY_ZERO))?,
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::Shl | BinOp::Shr if b >= bits as u128 => {
            return Err(EvalError::Fails(SHIFT_OVERFLOW));
        }
        BinOp::Shl => (a << b) & max,
        BinOp::Shr => a >> b,
        BinOp::Lt => return Ok(from_bool(a < b)),
        BinOp::Le => return Ok(from_bool(a <= b)),
        BinOp::Eq => return Ok(from_bool(a == b)),
    };
    Ok(Felt::from_u128(value))
}

fn check(ty: Ty, x: Felt) -> Result<(), EvalError> {
    if fits(ty, x) {
        Ok(())
    } else {
        Err(EvalError::Unsupported)
    }
}

fn uint(bits: u32, x: Felt) -> Result<u128, EvalError> {
    let max = uint_max(bits).ok_or(EvalError::Unsupported)?;
    x.to_u128()
        .filter(|&v| v <= max)
        .ok_or(EvalError::Unsupported)
}

fn from_bool(b: bool) -> Felt {
    if b { Felt::ONE } else { Felt::ZERO }
}
