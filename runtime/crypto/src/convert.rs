//! Conversions between [`Fr`] and decimal / hexadecimal strings and `u128`.

use crate::Fr;
use crate::bigint::{self, U256};

/// Parses a canonical field element: a decimal string (`[0-9]+`) or a `0x`-prefixed
/// hexadecimal string (`0x[0-9a-fA-F]+`) whose value is below the modulus p.
///
/// Leading zeros are accepted (`"007"`, `"0x00ff"`). Everything else is rejected: the empty
/// string, a bare `"0x"`, signs (`+`, `-`), whitespace, `_`, an upper-case `0X` prefix, and
/// any value `>= p` (no reduction).
pub fn fr_from_str(s: &str) -> Option<Fr> {
    let v = match s.strip_prefix("0x") {
        Some(hex) => parse_radix(hex, 16)?,
        None => parse_radix(s, 10)?,
    };
    bigint::to_fr_canonical(&v)
}

fn parse_radix(digits: &str, radix: u32) -> Option<U256> {
    if digits.is_empty() {
        return None;
    }
    let mut v: U256 = [0; 4];
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        v = bigint::mul_add_small(&v, u64::from(radix), u64::from(d))?;
    }
    Some(v)
}

/// The canonical decimal representation (no sign, no leading zeros; `"0"` for zero).
pub fn fr_to_decimal(x: &Fr) -> String {
    let mut v = bigint::from_fr(x);
    if bigint::is_zero(&v) {
        return "0".to_string();
    }
    // Peel off 19 decimal digits at a time.
    const CHUNK: u64 = 10_000_000_000_000_000_000;
    let mut chunks = Vec::new();
    while !bigint::is_zero(&v) {
        let (q, r) = bigint::divmod_small(&v, CHUNK);
        chunks.push(r);
        v = q;
    }
    let mut out = chunks.pop().expect("nonzero").to_string();
    for c in chunks.iter().rev() {
        out.push_str(&format!("{c:019}"));
    }
    out
}

/// The canonical lower-case hexadecimal representation with a `0x` prefix and no leading
/// zeros (`"0x0"` for zero).
pub fn fr_to_hex(x: &Fr) -> String {
    let v = bigint::from_fr(x);
    let mut out = String::from("0x");
    let mut started = false;
    for limb in v.iter().rev() {
        if started {
            out.push_str(&format!("{limb:016x}"));
        } else if *limb != 0 {
            out.push_str(&format!("{limb:x}"));
            started = true;
        }
    }
    if !started {
        out.push('0');
    }
    out
}

/// The field element with value `x` (always below p).
pub fn fr_from_u128(x: u128) -> Fr {
    Fr::from_raw([x as u64, (x >> 64) as u64, 0, 0])
}

/// The value of `x` if it is below 2^128.
pub fn fr_to_u128(x: &Fr) -> Option<u128> {
    let v = bigint::from_fr(x);
    (v[2] == 0 && v[3] == 0).then(|| u128::from(v[0]) | (u128::from(v[1]) << 64))
}
