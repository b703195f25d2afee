//! String and integer conversions of field elements: edge cases.

use stele_crypto::{Fr, fr_from_str, fr_from_u128, fr_to_decimal, fr_to_hex, fr_to_u128};

const P: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
const P_MINUS_1: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495616";
const P_HEX: &str = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
const P_MINUS_1_HEX: &str = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000";

#[test]
fn decimal_bounds() {
    assert_eq!(fr_from_str("0"), Some(Fr::zero()));
    assert_eq!(fr_from_str("1"), Some(Fr::one()));
    let pm1 = fr_from_str(P_MINUS_1).expect("p - 1 is canonical");
    assert_eq!(pm1, -Fr::one());
    assert_eq!(fr_to_decimal(&pm1), P_MINUS_1);
    assert_eq!(fr_from_str(P), None, "p is not canonical");
    assert_eq!(fr_from_str(&format!("{P}0")), None);
    // 2^256 and far beyond: overflow is rejected, not wrapped.
    assert_eq!(
        fr_from_str(
            "115792089237316195423570985008687907853269984665640564039457584007913129639936"
        ),
        None
    );
    assert_eq!(fr_from_str(&"9".repeat(200)), None);
}

#[test]
fn hex_parsing() {
    assert_eq!(fr_from_str("0x0"), Some(Fr::zero()));
    assert_eq!(fr_from_str("0xff"), Some(Fr::from(255)));
    assert_eq!(fr_from_str("0xFF"), Some(Fr::from(255)));
    assert_eq!(
        fr_from_str("0x00000000000000000000000000000000000000000000000000000000000000000001"),
        Some(Fr::one())
    );
    assert_eq!(fr_from_str(P_MINUS_1_HEX), Some(-Fr::one()));
    assert_eq!(fr_from_str(P_HEX), None);
    assert_eq!(fr_from_str("0x"), None);
    assert_eq!(fr_from_str("0X1"), None);
    assert_eq!(fr_from_str("0xg"), None);
    assert_eq!(fr_from_str("0x-1"), None);
    assert_eq!(fr_from_str("0x 1"), None);
    assert_eq!(fr_to_hex(&Fr::zero()), "0x0");
    assert_eq!(fr_to_hex(&Fr::from(255)), "0xff");
    assert_eq!(fr_to_hex(&-Fr::one()), P_MINUS_1_HEX);
    assert_eq!(fr_to_hex(&fr_from_u128(1 << 64)), "0x10000000000000000");
}

#[test]
fn garbage_rejected() {
    for s in [
        "", "+1", "-1", " 1", "1 ", "1_000", "1.0", "1e3", "abc", "12a", "٣", "0b101", "0o7",
        "+0x1", "x1", "0x0x1",
    ] {
        assert_eq!(fr_from_str(s), None, "{s:?} must be rejected");
    }
}

#[test]
fn leading_zeros_accepted() {
    assert_eq!(fr_from_str("007"), Some(Fr::from(7)));
    assert_eq!(fr_from_str("00"), Some(Fr::zero()));
    assert_eq!(fr_from_str(&format!("000{P_MINUS_1}")), Some(-Fr::one()));
}

#[test]
fn decimal_round_trip() {
    let mut x = Fr::from(0x1234_5678_9abc_def1);
    for _ in 0..200 {
        let s = fr_to_decimal(&x);
        assert!(!s.starts_with('0') || s == "0");
        assert_eq!(fr_from_str(&s), Some(x));
        let h = fr_to_hex(&x);
        assert_eq!(fr_from_str(&h), Some(x));
        x = x * x + Fr::from(3);
    }
    assert_eq!(fr_to_decimal(&Fr::zero()), "0");
    assert_eq!(
        fr_to_decimal(&Fr::from(10_000_000_000_000_000_000)),
        "10000000000000000000"
    );
    assert_eq!(
        fr_to_decimal(&fr_from_u128(u128::MAX)),
        u128::MAX.to_string()
    );
}

#[test]
fn u128_conversions() {
    for v in [
        0u128,
        1,
        42,
        u64::MAX as u128,
        1 << 64,
        (1 << 127) + 5,
        u128::MAX,
    ] {
        let x = fr_from_u128(v);
        assert_eq!(fr_to_u128(&x), Some(v));
        assert_eq!(fr_to_decimal(&x), v.to_string());
    }
    // 2^128 and above: None.
    let two128 = fr_from_u128(u128::MAX) + Fr::one();
    assert_eq!(
        fr_to_decimal(&two128),
        "340282366920938463463374607431768211456"
    );
    assert_eq!(fr_to_u128(&two128), None);
    assert_eq!(fr_to_u128(&-Fr::one()), None);
}
