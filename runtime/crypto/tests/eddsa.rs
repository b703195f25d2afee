//! EdDSA-Poseidon against circomlibjs 0.1.7 (`tests/data/eddsa_circomlibjs.json`): key
//! derivation and signing reproduce circomlibjs bit for bit, every signature verifies, any
//! change to the key, the message, `R8` or `S` is rejected, and so is every negative case
//! (including the small-order keys circomlibjs accepts).

use serde_json::Value;
use stele_crypto::babyjub::{Point, b8};
use stele_crypto::eddsa::{PrivateKey, Signature, verify};
use stele_crypto::{Fr, fr_from_str};

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/eddsa_circomlibjs.json")).expect("valid JSON")
}

fn field(v: &Value) -> Fr {
    fr_from_str(v.as_str().expect("decimal string")).expect("field element")
}

fn point(v: &Value) -> Point {
    Point {
        x: field(&v["x"]),
        y: field(&v["y"]),
    }
}

fn signature(v: &Value) -> Signature {
    Signature {
        r8: point(&v["r8"]),
        s: field(&v["s"]),
    }
}

fn private_key(v: &Value) -> PrivateKey {
    let hex = v.as_str().expect("hex string");
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    PrivateKey::from_bytes(bytes)
}

#[test]
fn curve_constants() {
    assert!(b8().is_on_curve());
    assert!(Point::IDENTITY.is_on_curve());
    assert_ne!(b8().mul_cofactor(), Point::IDENTITY);
    // l·B8 = 0.
    let l =
        fr_from_str("2736030358979909402780800718157159386076813972158567259200215660948447373041")
            .unwrap();
    assert_eq!(b8().mul_fr(&l), Point::IDENTITY);
    assert_ne!(b8().mul_fr(&(l - Fr::one())), Point::IDENTITY);
}

#[test]
fn circomlibjs_keys_and_signatures_are_reproduced() {
    let v = vectors();
    let valid = v["valid"].as_array().unwrap();
    assert_eq!(valid.len(), 16);
    for case in valid {
        let key = private_key(&case["private_key"]);
        let msg = field(&case["msg"]);
        assert_eq!(key.public_key(), point(&case["public_key"]));
        assert_eq!(key.sign(msg), signature(&case["signature"]));
    }
    for t in v["token_transfers"].as_array().unwrap() {
        let key = private_key(&t["private_key"]);
        assert_eq!(key.sign(field(&t["msg"])), signature(&t["signature"]));
    }
}

#[test]
fn every_valid_vector_verifies_and_every_change_fails() {
    let v = vectors();
    let valid = v["valid"].as_array().unwrap();
    for (i, case) in valid.iter().enumerate() {
        let a = point(&case["public_key"]);
        let msg = field(&case["msg"]);
        let sig = signature(&case["signature"]);
        assert!(verify(&a, msg, &sig), "vector {i}");
        let other = point(&valid[(i + 2) % valid.len()]["public_key"]);
        let other_sig = signature(&valid[(i + 2) % valid.len()]["signature"]);
        assert!(!verify(&other, msg, &sig), "vector {i}: other key");
        assert!(!verify(&a, msg + Fr::one(), &sig), "vector {i}: message");
        let mut s = sig;
        s.s += Fr::one();
        assert!(!verify(&a, msg, &s), "vector {i}: S");
        let mut r = sig;
        r.r8 = other_sig.r8;
        assert!(!verify(&a, msg, &r), "vector {i}: R8");
        let mut r = sig;
        r.r8 = sig.r8.neg();
        assert!(!verify(&a, msg, &r), "vector {i}: -R8");
    }
}

#[test]
fn negative_vectors_are_rejected() {
    let v = vectors();
    let negative = v["negative"].as_array().unwrap();
    assert_eq!(negative.len(), 11);
    let mut circomlibjs_accepts = Vec::new();
    for case in negative {
        let name = case["name"].as_str().unwrap();
        let ok = verify(
            &point(&case["public_key"]),
            field(&case["msg"]),
            &signature(&case["signature"]),
        );
        assert!(!ok, "{name} must be rejected");
        if case["circomlibjs"].as_bool().unwrap() {
            circomlibjs_accepts.push(name);
        }
    }
    assert_eq!(
        circomlibjs_accepts,
        ["identity public key", "order-2 public key"],
        "circomlibjs accepts only the small-order keys"
    );
}
