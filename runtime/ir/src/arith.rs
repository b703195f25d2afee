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

    /// The multiplicative inverse, `None` for zero, by the binary extended Euclidean algorithm
    /// (invariants: `x1 * self = u` and `x2 * self = v` modulo p).
    pub fn inverse(self) -> Option<Felt> {
        let a = reduce(&widen(&self.0));
        if a.is_zero() {
            return None;
        }
        let (mut u, mut v) = (a.0, MODULUS);
        let (mut x1, mut x2) = (Felt::ONE, Felt::ZERO);
        let one = [1, 0, 0, 0];
        while u != one && v != one {
            while u[0] & 1 == 0 {
                u = shr1(&u);
                x1 = half(x1);
            }
            while v[0] & 1 == 0 {
                v = shr1(&v);
                x2 = half(x2);
            }
            if cmp(&u, &v) != Ordering::Less {
                u = sub_limbs(&u, &v).0;
                x1 = x1 - x2;
            } else {
                v = sub_limbs(&v, &u).0;
                x2 = x2 - x1;
            }
        }
        Some(if u == one { x1 } else { x2 })
    }
}

/// `x / 2` modulo p: p is odd, so an odd `x` is halved as `x + p`, which fits four limbs.
fn half(x: Felt) -> Felt {
    if x.0[0] & 1 == 0 {
        Felt(shr1(&x.0))
    } else {
        let (sum, _) = add_limbs(&x.0, &MODULUS);
        Felt(shr1(&sum))
    }
}

fn shr1(x: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for i in 0..4 {
        out[i] = x[i] >> 1 | x.get(i + 1).map_or(0, |hi| hi << 63);
    }
    out
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

    /// `x^exp` by square-and-multiply, for checking `inverse` against Fermat's little theorem.
    fn pow(x: Felt, exp: [u64; 4]) -> Felt {
        let mut acc = Felt::ONE;
        for limb in exp.iter().rev() {
            for bit in (0..64).rev() {
                acc = acc * acc;
                if limb >> bit & 1 == 1 {
                    acc = acc * x;
                }
            }
        }
        acc
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
    fn inverse_agrees_with_fermat() {
        let (p_minus_2, _) = sub_limbs(&MODULUS, &[2, 0, 0, 0]);
        let mut x = Felt::from_u128(3);
        for _ in 0..8 {
            assert_eq!(x.inverse(), Some(pow(x, p_minus_2)));
            x = x * x + Felt::from_u128(0x1234_5678_9abc_def0);
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
        assert!(junk.inverse().is_some_and(Felt::is_canonical));
    }
}
