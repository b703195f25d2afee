//! Arithmetic modulo the BN254 scalar field prime on [`Felt`], for compile-time folding.

use stele_ir::Felt;
use stele_ir::felt::MODULUS;

fn geq(a: &[u64; 4], b: &[u64; 4]) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn sub_raw(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = 0u64;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        out[i] = d2;
        borrow = (b1 || b2) as u64;
    }
    out
}

/// `a + b mod p`.
pub fn add(a: Felt, b: Felt) -> Felt {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for (i, o) in out.iter_mut().enumerate() {
        let s = a.0[i] as u128 + b.0[i] as u128 + carry;
        *o = s as u64;
        carry = s >> 64;
    }
    // p < 2^254, so the sum fits in 256 bits without carry out.
    if geq(&out, &MODULUS) {
        out = sub_raw(&out, &MODULUS);
    }
    Felt(out)
}

/// `-a mod p`.
pub fn neg(a: Felt) -> Felt {
    if a.is_zero() { a } else { Felt(sub_raw(&MODULUS, &a.0)) }
}

/// `a - b mod p`.
pub fn sub(a: Felt, b: Felt) -> Felt {
    add(a, neg(b))
}

/// `a * b mod p` (double-and-add; compile time only, so simplicity beats speed).
pub fn mul(a: Felt, b: Felt) -> Felt {
    let mut acc = Felt::ZERO;
    for i in (0..256).rev() {
        acc = add(acc, acc);
        if (b.0[i / 64] >> (i % 64)) & 1 == 1 {
            acc = add(acc, a);
        }
    }
    acc
}

/// The multiplicative inverse, `None` for zero.
pub fn inv(a: Felt) -> Option<Felt> {
    if a.is_zero() {
        return None;
    }
    let e = sub_raw(&MODULUS, &[2, 0, 0, 0]);
    let mut acc = Felt::ONE;
    for i in (0..256).rev() {
        acc = mul(acc, acc);
        if (e[i / 64] >> (i % 64)) & 1 == 1 {
            acc = mul(acc, a);
        }
    }
    Some(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ops() {
        let p_minus_1 = neg(Felt::ONE);
        assert_eq!(add(p_minus_1, Felt::ONE), Felt::ZERO);
        assert_eq!(sub(Felt::ZERO, Felt::ONE), p_minus_1);
        assert_eq!(mul(Felt::from_u128(6), Felt::from_u128(7)), Felt::from_u128(42));
        assert_eq!(mul(p_minus_1, p_minus_1), Felt::ONE);
        let x = Felt::from_u128(123_456_789);
        assert_eq!(mul(x, inv(x).unwrap()), Felt::ONE);
        assert_eq!(inv(Felt::ZERO), None);
    }
}
