//! `Felt`: a canonical BN254 scalar-field element as plain limbs, so the IR needs no curve crate.

use std::cmp::Ordering;
use std::fmt;

/// The BN254 scalar field modulus p, little-endian 64-bit limbs.
pub const MODULUS: [u64; 4] = [
    0x43e1f593f0000001,
    0x2833e84879b97091,
    0xb85045b68181585d,
    0x30644e72e131a029,
];

/// A field element in canonical form (`0 <= value < p`), little-endian limbs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Felt(pub [u64; 4]);

impl Felt {
    pub const ZERO: Felt = Felt([0; 4]);
    pub const ONE: Felt = Felt([1, 0, 0, 0]);

    pub fn from_u128(x: u128) -> Felt {
        Felt([x as u64, (x >> 64) as u64, 0, 0])
    }

    /// The value as a `u128`, when it fits.
    pub fn to_u128(self) -> Option<u128> {
        (self.0[2] == 0 && self.0[3] == 0).then(|| self.0[0] as u128 | (self.0[1] as u128) << 64)
    }

    pub fn is_zero(self) -> bool {
        self == Felt::ZERO
    }

    /// Parses a decimal or `0x` hexadecimal literal (underscores allowed between digits).
    /// `None` when it is malformed or not below the modulus.
    pub fn parse(text: &str) -> Option<Felt> {
        let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => (hex, 16u64),
            None => (text, 10u64),
        };
        if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
            return None;
        }
        let mut limbs = [0u64; 4];
        for c in digits.chars().filter(|&c| c != '_') {
            let d = c.to_digit(radix as u32)? as u64;
            let mut carry = d as u128;
            for limb in &mut limbs {
                let v = (*limb as u128) * radix as u128 + carry;
                *limb = v as u64;
                carry = v >> 64;
            }
            if carry != 0 {
                return None;
            }
        }
        (cmp_limbs(&limbs, &MODULUS) == Ordering::Less).then_some(Felt(limbs))
    }

    /// Little-endian bytes (32), the layout `ff::PrimeField::from_repr` expects for BN254.
    pub fn to_le_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    /// From little-endian bytes; `None` when not below the modulus.
    pub fn from_le_bytes(bytes: [u8; 32]) -> Option<Felt> {
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            *limb = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().ok()?);
        }
        (cmp_limbs(&limbs, &MODULUS) == Ordering::Less).then_some(Felt(limbs))
    }
}

fn cmp_limbs(a: &[u64; 4], b: &[u64; 4]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

impl fmt::Display for Felt {
    /// Decimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
        let mut limbs = self.0;
        let mut chunks = Vec::new();
        loop {
            let mut rem = 0u128;
            for limb in limbs.iter_mut().rev() {
                let cur = (rem << 64) | *limb as u128;
                *limb = (cur / CHUNK as u128) as u64;
                rem = cur % CHUNK as u128;
            }
            chunks.push(rem as u64);
            if limbs == [0; 4] {
                break;
            }
        }
        let mut s = chunks.pop().unwrap_or(0).to_string();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:019}"));
        }
        f.pad(&s)
    }
}

impl fmt::Debug for Felt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

    #[test]
    fn decimal_round_trip_and_bounds() {
        let p_minus_1 =
            "21888242871839275222246405745257275088548364400416034343698204186575808495616";
        assert_eq!(Felt::parse(p_minus_1).unwrap().to_string(), p_minus_1);
        assert_eq!(Felt::parse(P), None);
        assert_eq!(Felt::parse("0").unwrap(), Felt::ZERO);
        assert_eq!(Felt::parse("1_000").unwrap(), Felt::from_u128(1000));
        assert_eq!(Felt::parse("0xff").unwrap(), Felt::from_u128(255));
        assert_eq!(Felt::parse(""), None);
        assert_eq!(Felt::parse("12a"), None);
        assert_eq!(Felt::parse("-1"), None);
        assert_eq!(
            Felt::from_u128(u128::MAX).to_string(),
            u128::MAX.to_string()
        );
        assert_eq!(Felt::from_u128(u128::MAX).to_u128(), Some(u128::MAX));
    }

    #[test]
    fn bytes_round_trip() {
        let x = Felt::parse("123456789012345678901234567890123456789").unwrap();
        assert_eq!(Felt::from_le_bytes(x.to_le_bytes()), Some(x));
        assert_eq!(Felt::from_le_bytes([0xff; 32]), None);
    }
}
