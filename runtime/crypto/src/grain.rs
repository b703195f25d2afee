//! The Grain LFSR of the Poseidon reference parameter script, and the generation of the
//! round constants and the Cauchy MDS matrix from it (see docs/state-commitment.md).

use crate::Fr;
use crate::bigint::{self, U256};
use ff::Field;

/// The 80-bit Grain LFSR in self-shrinking mode. Bit `i` of `s` is element `i` of the
/// reference script's `bit_sequence` list (element 0 is the oldest bit, dropped next).
pub(crate) struct Grain {
    s: u128,
}

impl Grain {
    /// Initialises the LFSR for a prime field (`field = 1`), S-box x^alpha (`sbox = 0`),
    /// `n`-bit elements, width `t`, `r_f` full and `r_p` partial rounds, and discards the
    /// first 160 output bits of the raw LFSR.
    pub(crate) fn new(n: u32, t: u32, r_f: u32, r_p: u32) -> Self {
        const FIELD: u32 = 1;
        const SBOX: u32 = 0;
        // (value, width in bits); written most significant bit first.
        let fields = [
            (FIELD, 2),
            (SBOX, 4),
            (n, 12),
            (t, 12),
            (r_f, 10),
            (r_p, 10),
        ];
        let mut s: u128 = 0;
        let mut pos = 0;
        for (value, width) in fields {
            assert!(value < (1 << width), "grain init field does not fit");
            for k in (0..width).rev() {
                s |= u128::from((value >> k) & 1) << pos;
                pos += 1;
            }
        }
        // 30 bits of 1.
        for _ in 0..30 {
            s |= 1 << pos;
            pos += 1;
        }
        debug_assert_eq!(pos, 80);
        let mut g = Grain { s };
        for _ in 0..160 {
            g.clock();
        }
        g
    }

    /// One raw LFSR step: b_{80} = b_62 ^ b_51 ^ b_38 ^ b_23 ^ b_13 ^ b_0; shift.
    fn clock(&mut self) -> bool {
        let s = self.s;
        let b = ((s >> 62) ^ (s >> 51) ^ (s >> 38) ^ (s >> 23) ^ (s >> 13) ^ s) & 1;
        self.s = (s >> 1) | (b << 79);
        b == 1
    }

    /// One output bit of the self-shrinking generator: raw bits are taken in pairs
    /// (a, b); b is output if a = 1, otherwise the pair is discarded.
    fn next_bit(&mut self) -> bool {
        loop {
            let a = self.clock();
            let b = self.clock();
            if a {
                return b;
            }
        }
    }

    /// `n` output bits read as an unsigned integer, first bit most significant.
    pub(crate) fn next_bits(&mut self, n: u32) -> U256 {
        assert!(n <= 256);
        let mut v: U256 = [0; 4];
        for _ in 0..n {
            bigint::shl1(&mut v);
            v[0] |= u64::from(self.next_bit());
        }
        v
    }
}

/// Bits per field element (the BN254 scalar field modulus has 254 bits).
pub(crate) const FIELD_BITS: u32 = 254;

/// Round constants (`(r_f + r_p) * t` of them, round-major) and the `t x t` MDS matrix of
/// the circomlib Poseidon instance of width `t`.
pub(crate) fn generate(t: usize, r_f: usize, r_p: usize) -> (Vec<Fr>, Vec<Vec<Fr>>) {
    let mut g = Grain::new(FIELD_BITS, t as u32, r_f as u32, r_p as u32);
    let n = (r_f + r_p) * t;
    let mut constants = Vec::with_capacity(n);
    while constants.len() < n {
        // Rejection sampling: 254-bit integers >= p are dropped.
        let v = g.next_bits(FIELD_BITS);
        if let Some(x) = bigint::to_fr_canonical(&v) {
            constants.push(x);
        }
    }
    let mds = cauchy_mds(&mut g, t);
    (constants, mds)
}

/// `M[i][j] = 1 / (x_i + y_j)` with `x_0..x_{t-1}, y_0..y_{t-1}` the next `2t` Grain field
/// elements (254-bit integers reduced mod p, no rejection). As in the reference script, the
/// whole set of `2t` is drawn again if two of them are equal or some `x_i + y_j` is zero.
fn cauchy_mds(g: &mut Grain, t: usize) -> Vec<Vec<Fr>> {
    loop {
        let mut list: Vec<Fr> = (0..2 * t)
            .map(|_| bigint::to_fr_reduced(&g.next_bits(FIELD_BITS)))
            .collect();
        while has_duplicates(&list) {
            list = (0..2 * t)
                .map(|_| bigint::to_fr_reduced(&g.next_bits(FIELD_BITS)))
                .collect();
        }
        let (xs, ys) = list.split_at(t);
        let mut ok = true;
        let mut m = vec![vec![Fr::ZERO; t]; t];
        for i in 0..t {
            for j in 0..t {
                let inv: Option<Fr> = (xs[i] + ys[j]).invert().into();
                match inv {
                    Some(v) => m[i][j] = v,
                    None => ok = false,
                }
            }
        }
        if ok {
            return m;
        }
    }
}

fn has_duplicates(xs: &[Fr]) -> bool {
    xs.iter()
        .enumerate()
        .any(|(i, a)| xs[i + 1..].iter().any(|b| a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_sequence_layout() {
        // field=1 (01), sbox=0 (0000), n=254, t=3, R_F=8, R_P=57, then 30 ones; before the
        // 160 warm-up clocks the state is exactly that bit string.
        let expected: String = [
            format!("{:02b}", 1),
            format!("{:04b}", 0),
            format!("{:012b}", 254),
            format!("{:012b}", 3),
            format!("{:010b}", 8),
            format!("{:010b}", 57),
            "1".repeat(30),
        ]
        .concat();
        assert_eq!(expected.len(), 80);
        let g = Grain::new(254, 3, 8, 57);
        // Undo the warm-up by regenerating without it.
        let mut s: u128 = 0;
        for (i, c) in expected.chars().enumerate() {
            if c == '1' {
                s |= 1 << i;
            }
        }
        let mut h = Grain { s };
        for _ in 0..160 {
            h.clock();
        }
        assert_eq!(g.s, h.s);
    }
}
