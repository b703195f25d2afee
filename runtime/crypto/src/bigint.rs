//! Minimal 256-bit unsigned integer helpers (little-endian `u64` limbs) for parsing,
//! printing and parameter generation. Not used on any hot path.

use crate::Fr;
use ff::PrimeField;

/// A 256-bit unsigned integer, least significant limb first.
pub(crate) type U256 = [u64; 4];

/// The BN254 scalar field modulus p.
pub(crate) const MODULUS: U256 = [
    0x43e1_f593_f000_0001,
    0x2833_e848_79b9_7091,
    0xb850_45b6_8181_585d,
    0x3064_4e72_e131_a029,
];

/// `v <<= 1`, dropping the top bit.
pub(crate) fn shl1(v: &mut U256) {
    let mut carry = 0;
    for limb in v.iter_mut() {
        let next = *limb >> 63;
        *limb = (*limb << 1) | carry;
        carry = next;
    }
}

/// `a >= b`.
pub(crate) fn geq(a: &U256, b: &U256) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `a - b`, assuming `a >= b`.
pub(crate) fn sub(a: &U256, b: &U256) -> U256 {
    let mut out = [0; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        out[i] = d;
        borrow = b1 || b2;
    }
    out
}

/// `v * m + a`, or `None` on overflow past 256 bits.
pub(crate) fn mul_add_small(v: &U256, m: u64, a: u64) -> Option<U256> {
    let mut out = [0; 4];
    let mut carry = u128::from(a);
    for i in 0..4 {
        let x = u128::from(v[i]) * u128::from(m) + carry;
        out[i] = x as u64;
        carry = x >> 64;
    }
    (carry == 0).then_some(out)
}

/// `(v / d, v % d)` for a nonzero `d`.
pub(crate) fn divmod_small(v: &U256, d: u64) -> (U256, u64) {
    let mut out = [0; 4];
    let mut rem: u128 = 0;
    for i in (0..4).rev() {
        let cur = (rem << 64) | u128::from(v[i]);
        out[i] = (cur / u128::from(d)) as u64;
        rem = cur % u128::from(d);
    }
    (out, rem as u64)
}

/// The field element with integer value `v`, or `None` if `v >= p`.
pub(crate) fn to_fr_canonical(v: &U256) -> Option<Fr> {
    let mut repr = [0u8; 32];
    for (i, limb) in v.iter().enumerate() {
        repr[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
    Fr::from_repr(repr).into()
}

/// The field element `v mod p`.
pub(crate) fn to_fr_reduced(v: &U256) -> Fr {
    let mut v = *v;
    while geq(&v, &MODULUS) {
        v = sub(&v, &MODULUS);
    }
    to_fr_canonical(&v).expect("reduced below the modulus")
}

/// The canonical integer value (`< p`) of a field element.
pub(crate) fn from_fr(x: &Fr) -> U256 {
    let repr = x.to_repr();
    let mut out = [0; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(repr[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    out
}

pub(crate) fn is_zero(v: &U256) -> bool {
    v.iter().all(|&l| l == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;

    #[test]
    fn modulus_matches_field() {
        assert_eq!(to_fr_canonical(&MODULUS), None);
        let mut pm1 = MODULUS;
        pm1[0] -= 1;
        assert_eq!(to_fr_canonical(&pm1), Some(-Fr::ONE));
        assert_eq!(to_fr_reduced(&MODULUS), Fr::ZERO);
        let mut pp1 = MODULUS;
        pp1[0] += 1;
        assert_eq!(to_fr_reduced(&pp1), Fr::ONE);
        assert_eq!(from_fr(&-Fr::ONE), pm1);
    }
}
