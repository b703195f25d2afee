//! EdDSA over Baby Jubjub with Poseidon, as circomlib's `EdDSAPoseidonVerifier` and
//! circomlibjs's `eddsa.signPoseidon` / `eddsa.verifyPoseidon` define it.
//!
//! A public key is a point `A`, a signature a point `R8` and a scalar `S`, a message one field
//! element `m`. With `h = poseidon([R8.x, R8.y, A.x, A.y, m])` (as an integer below p),
//! [`verify`] accepts exactly when
//!
//! 1. `S < l` (strict: `S + l` is not a second encoding of the same signature),
//! 2. `A` and `R8` are on the curve,
//! 3. `8·A ≠ (0, 1)`: `A` is not of small order (with `8·A = 0` the equation below holds for
//!    `R8 = S·B8` and every message, and circomlibjs would accept such a forgery),
//! 4. `S·B8 = R8 + h·(8·A)`: circomlib's equation, with the cofactor on `A` only. `R8` is not
//!    multiplied by 8, so `R8 + T` for a point `T` of small order is not a second valid
//!    signature.
//!
//! Every signature circomlibjs makes verifies; circomlibjs accepts in addition only the
//! small-order public keys of condition 3.
//!
//! [`PrivateKey`] derives keys and signs exactly as circomlibjs does: BLAKE-512 of the 32
//! private key bytes, the first half pruned (`h[0] &= 0xF8`, `h[31] &= 0x7F`, `h[31] |= 0x40`)
//! as the little-endian scalar `s`, `A = (s >> 3)·B8`; the nonce is
//! `r = LE(BLAKE-512(h[32..64] ‖ LE32(m))) mod l`, `R8 = r·B8`, `S = (r + h·s) mod l`.

use blake_hash::Digest;
use ff::PrimeField;

use crate::Fr;
use crate::babyjub::{Point, SUBGROUP_ORDER, b8};
use crate::bigint::{self, U256};
use crate::poseidon;

/// An EdDSA signature: the point `R8` and the scalar `S` (valid only below `l`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    pub r8: Point,
    pub s: Fr,
}

/// The challenge `h = poseidon([R8.x, R8.y, A.x, A.y, m])`.
pub fn challenge(pubkey: &Point, msg: Fr, r8: &Point) -> Fr {
    poseidon(&[r8.x, r8.y, pubkey.x, pubkey.y, msg])
}

/// Whether `S` is below the subgroup order `l`.
pub fn is_canonical_scalar(s: &Fr) -> bool {
    !bigint::geq(&bigint::from_fr(s), &SUBGROUP_ORDER)
}

/// Verifies `sig` on `msg` under `pubkey` (see the module documentation for the conditions).
pub fn verify(pubkey: &Point, msg: Fr, sig: &Signature) -> bool {
    if !is_canonical_scalar(&sig.s) || !pubkey.is_on_curve() || !sig.r8.is_on_curve() {
        return false;
    }
    let a8 = pubkey.mul_cofactor();
    if a8 == Point::IDENTITY {
        return false;
    }
    let h = challenge(pubkey, msg, &sig.r8);
    let left = b8().mul_fr(&sig.s);
    let right = sig.r8.add(&a8.mul_fr(&h));
    left == right
}

/// A private key: 32 bytes, as circomlibjs takes them.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey([u8; 32]);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

fn blake512(parts: &[&[u8]]) -> [u8; 64] {
    let mut hasher = blake_hash::Blake512::new();
    for part in parts {
        hasher.update(part);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&hasher.finalize());
    out
}

impl PrivateKey {
    pub fn from_bytes(bytes: [u8; 32]) -> PrivateKey {
        PrivateKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// BLAKE-512 of the key with the first half pruned.
    fn expanded(&self) -> [u8; 64] {
        let mut h = blake512(&[&self.0]);
        h[0] &= 0xF8;
        h[31] &= 0x7F;
        h[31] |= 0x40;
        h
    }

    /// The public key `A = (s >> 3)·B8`.
    pub fn public_key(&self) -> Point {
        let h = self.expanded();
        let mut s = le_u256(&h[..32]);
        for _ in 0..3 {
            shr1(&mut s);
        }
        b8().mul_le_bytes(&u256_le_bytes(&s))
    }

    /// circomlibjs's `signPoseidon(key, msg)`.
    pub fn sign(&self, msg: Fr) -> Signature {
        let h = self.expanded();
        let pubkey = self.public_key();
        let msg_bytes = msg.to_repr();
        let r_hash = blake512(&[&h[32..], msg_bytes.as_ref()]);
        let r = reduce(&le_limbs::<8>(&r_hash));
        let r8 = b8().mul_le_bytes(&u256_le_bytes(&r));
        let hm = bigint::from_fr(&challenge(&pubkey, msg, &r8));
        let s = le_u256(&h[..32]);
        // S = (r + hm·s) mod l, in 512-bit arithmetic.
        let mut wide = mul_wide(&hm, &s);
        add_into(&mut wide, &r);
        let s_mod = reduce(&wide);
        Signature {
            r8,
            s: bigint::to_fr_canonical(&s_mod).expect("S < l < p"),
        }
    }
}

fn le_limbs<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let mut out = [0u64; N];
    for (i, chunk) in bytes.chunks(8).enumerate().take(N) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        out[i] = u64::from_le_bytes(b);
    }
    out
}

fn le_u256(bytes: &[u8]) -> U256 {
    le_limbs::<4>(bytes)
}

fn u256_le_bytes(v: &U256) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in v.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
    out
}

fn shr1(v: &mut U256) {
    for i in 0..4 {
        v[i] >>= 1;
        if i + 1 < 4 {
            v[i] |= v[i + 1] << 63;
        }
    }
}

fn mul_wide(a: &U256, b: &U256) -> [u64; 8] {
    let mut out = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let t = u128::from(a[i]) * u128::from(b[j]) + u128::from(out[i + j]) + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + 4] = carry as u64;
    }
    out
}

fn add_into(acc: &mut [u64; 8], x: &U256) {
    let mut carry = 0u128;
    for (i, limb) in acc.iter_mut().enumerate() {
        let t = u128::from(*limb) + u128::from(x.get(i).copied().unwrap_or(0)) + carry;
        *limb = t as u64;
        carry = t >> 64;
    }
}

/// `v mod l` by binary long division (not on a hot path: signing only).
fn reduce(v: &[u64; 8]) -> U256 {
    let mut rem: U256 = [0; 4];
    for bit in (0..512).rev() {
        // rem = 2·rem + bit; rem < l < 2^252 so the shift cannot overflow.
        bigint::shl1(&mut rem);
        rem[0] |= (v[bit / 64] >> (bit % 64)) & 1;
        if bigint::geq(&rem, &SUBGROUP_ORDER) {
            rem = bigint::sub(&rem, &SUBGROUP_ORDER);
        }
    }
    rem
}
