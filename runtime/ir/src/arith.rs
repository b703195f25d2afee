//! Modular arithmetic on [`Felt`], plain limb code: enough for constant folding and for checking
//! values, not tuned for speed (the executor does its field arithmetic with a curve crate).
//!
//! Every operation expects canonical operands (below the modulus) and returns a canonical result;
//! a non-canonical operand gives an unspecified result but never a panic.

use std::cmp::Ordering;
use std::ops::{Add, Mul, Neg, Sub};

use crate::felt::{Felt, MODULUS};

impl Felt {
    /// Whether the limbs are below the modulus, as every `Felt` in a valid program is.
    pub fn is_canonical(self) -> bool {
        cmp(&self.0, &MODULUS) == Ordering::Less
    }

    /// `self^exp` for an exponent given as little-endian limbs.
    pub fn pow(self, exp: [u64; 4]) -> Felt {
        let mut acc = Felt::ONE;
        for limb in exp.iter().rev() {
            for bit in (0..64).rev() {
                acc = acc * acc;
                if limb >> bit & 1 == 1 {
                    acc = acc * self;
                }
            }
        }
        acc
    }

    /// The multiplicative inverse, `None` for zero (Fermat: `self^(p-2)`).
    pub fn inverse(self) -> Option<Felt> {
        if self.is_zero() {
            return None;
        }
        let (p_minus_2, _) = sub_limbs(&MODULUS, &[2, 0, 0, 0]);
        Some(self.pow(p_minus_2))
    }
}

impl Add for Felt {
    type Output = Felt;
    fn add(self, rhs: Felt) -> Felt {
        let (mut sum, mut carry) = add_limbs(&self.0, &rhs.0);
        // One subtraction for canonical operands; the loop keeps non-canonical ones panic-free.
        while carry || cmp(&sum, &MODULUS) != Ordering::Less {
            let (diff, borrow) = sub_limbs(&sum, &MODULUS);
            sum = diff;
            carry = carry && !borrow;
        }
        Felt(sum)
    }
}

impl Sub for Felt {
    type Output = Felt;
    fn sub(self, rhs: Felt) -> Felt {
        self + -rhs
    }
}

impl Neg for Felt {
    type Output = Felt;
    fn neg(self) -> Felt {
        let x = reduce(&widen(&self.0));
        if x.is_zero() {
            x
        } else {
            Felt(sub_limbs(&MODULUS, &x.0).0)
        }
    }
}

impl Mul for Felt {
    type Output = Felt;
    fn mul(self, rhs: Felt) -> Felt {
        let mut wide = [0u64; 8];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in rhs.0.iter().enumerate() {
                let t = wide[i + j] as u128 + a as u128 * b as u128 + carry;
                wide[i + j] = t as u64;
                carry = t >> 64;
            }
            wide[i + 4] = carry as u64;
        }
        reduce(&wide)
    }
}

fn widen(x: &[u64; 4]) -> [u64; 8] {
    let mut wide = [0u64; 8];
    wide[..4].copy_from_slice(x);
    wide
}

/// A 512-bit number modulo p, one bit at a time from the top: the remainder stays below p, so
/// doubling it plus one bit stays below 2p < 2^255 and fits four limbs.
fn reduce(wide: &[u64; 8]) -> Felt {
    let mut r = [0u64; 4];
    for limb in wide.iter().rev() {
        for bit in (0..64).rev() {
            let mut carry = limb >> bit & 1;
            for l in &mut r {
                let next = *l >> 63;
                *l = *l << 1 | carry;
                carry = next;
            }
            if cmp(&r, &MODULUS) != Ordering::Less {
                r = sub_limbs(&r, &MODULUS).0;
            }
        }
    }
    Felt(r)
}

fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut out = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry as u64);
        out[i] = s2;
        carry = c1 || c2;
    }
    (out, carry)
}

fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow as u64);
        out[i] = d2;
        borrow = b1 || b2;
    }
    (out, borrow)
}

fn cmp(a: &[u64; 4], b: &[u64; 4]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Felt {
        Felt::parse(s).unwrap()
    }

    const P_MINUS_1: &str =
        "21888242871839275222246405745257275088548364400416034343698204186575808495616";

    /// Multiplication by double-and-add, built only on `Add`: an independent reference for `Mul`.
    fn mul_by_adding(a: Felt, b: u128) -> Felt {
        let mut acc = Felt::ZERO;
        for bit in (0..128).rev() {
            acc = acc + acc;
            if b >> bit & 1 == 1 {
                acc = acc + a;
            }
        }
        acc
    }

    #[test]
    fn wraps_around_the_modulus() {
        let max = f(P_MINUS_1);
        assert_eq!(max + Felt::ONE, Felt::ZERO);
        assert_eq!(Felt::ZERO - Felt::ONE, max);
        assert_eq!(-Felt::ONE, max);
        assert_eq!(-Felt::ZERO, Felt::ZERO);
        assert_eq!(max * max, Felt::ONE);
        assert_eq!(max + max, max - Felt::ONE);
    }

    #[test]
    fn small_values_match_integer_arithmetic() {
        let edges = [
            0u128,
            1,
            2,
            255,
            65_535,
            u64::MAX as u128,
            u128::MAX >> 1,
            u128::MAX,
        ];
        for &a in &edges {
            for &b in &edges {
                let (fa, fb) = (Felt::from_u128(a), Felt::from_u128(b));
                if let Some(s) = a.checked_add(b) {
                    assert_eq!(fa + fb, Felt::from_u128(s));
                }
                if a >= b {
                    assert_eq!(fa - fb, Felt::from_u128(a - b));
                }
                if let Some(p) = a.checked_mul(b) {
                    assert_eq!(fa * fb, Felt::from_u128(p));
                }
                assert_eq!(fa * fb, mul_by_adding(fa, b), "{a} * {b}");
            }
        }
    }

    #[test]
    fn large_products_match_repeated_addition() {
        let x = f("12345678901234567890123456789012345678901234567890123456789012345678901234567");
        for b in [3u128, 1 << 100, u128::MAX] {
            assert_eq!(x * Felt::from_u128(b), mul_by_adding(x, b));
        }
    }

    #[test]
    fn inverse_undoes_multiplication() {
        assert_eq!(Felt::ZERO.inverse(), None);
        assert_eq!(Felt::ONE.inverse(), Some(Felt::ONE));
        // 1/2 = (p + 1) / 2
        let half =
            f("10944121435919637611123202872628637544274182200208017171849102093287904247809");
        assert_eq!(Felt::from_u128(2).inverse(), Some(half));
        for x in [
            f(P_MINUS_1),
            Felt::from_u128(7),
            f("98765432109876543210987654321098765432109876543210"),
        ] {
            assert_eq!(x * x.inverse().unwrap(), Felt::ONE);
        }
    }

    #[test]
    fn canonical_check_and_garbage_limbs() {
        assert!(f(P_MINUS_1).is_canonical());
        assert!(!Felt(MODULUS).is_canonical());
        let junk = Felt([u64::MAX; 4]);
        assert!(!junk.is_canonical());
        // Unspecified results, but canonical and no panic.
        assert!((junk + junk).is_canonical());
        assert!((junk * junk).is_canonical());
        assert!((-junk).is_canonical());
        assert!((junk - junk).is_canonical());
    }
}
