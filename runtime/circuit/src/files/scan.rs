//! Parsing halo2 verifying- and proving-key bodies (`SerdeFormat::RawBytes`) without trusting
//! them: halo2's own `ProvingKey::read` unwraps on short input, asserts on non-canonical field
//! elements and allocates whatever length prefix it reads. Here every length is checked against
//! the circuit and the bytes left before anything is allocated, and the proving key is assembled
//! from its parts. The verifying key still goes through halo2's reader (it must rebuild the
//! constraint system from the circuit type), but only after its prefix has been checked, and
//! under `catch_unwind` as a last resort.

use std::panic::{AssertUnwindSafe, catch_unwind};

use halo2_proofs::SerdeFormat;
use halo2_proofs::halo2curves::CurveAffine;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::plonk::{Circuit, ProvingKey, VerifyingKey, permutation};
use halo2_proofs::poly::Polynomial;

use super::error::{FileError, FileKind};

/// A cursor over a body that reports running off its end as corruption (the container's length
/// and checksum were valid, so a short body is a crafted or mis-written one, not a truncation).
struct Body<'a> {
    kind: FileKind,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Body<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FileError> {
        let rest = self.bytes.len() - self.pos;
        if n > rest {
            return Err(FileError::corrupt(
                self.kind,
                format!(
                    "body ends inside {what}: {n} bytes needed at offset {}, {rest} left",
                    self.pos
                ),
            ));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u32_be(&mut self, what: &str) -> Result<u32, FileError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// One polynomial: `len: u32 BE` (must be `n`), then `len` raw field elements.
    fn poly<B>(
        &mut self,
        n: usize,
        what: &'static str,
        index: &mut usize,
    ) -> Result<Polynomial<Fr, B>, FileError> {
        let len = self.u32_be(what)? as usize;
        if len != n {
            return Err(FileError::corrupt(
                self.kind,
                format!("{what} has {len} coefficients, expected 2^k = {n}"),
            ));
        }
        let bytes = self.take(n * 32, what)?;
        let mut values = Vec::with_capacity(n);
        for chunk in bytes.chunks_exact(32) {
            let v = Fr::from_raw_bytes(chunk).ok_or(FileError::NonCanonicalField {
                kind: self.kind,
                what,
                index: *index,
            })?;
            values.push(v);
            *index += 1;
        }
        Ok(Polynomial::new(values))
    }

    /// A list of polynomials: `count: u32 BE` (must be `expected`), then the polynomials.
    fn polys<B>(
        &mut self,
        n: usize,
        expected: usize,
        what: &'static str,
        index: &mut usize,
    ) -> Result<Vec<Polynomial<Fr, B>>, FileError> {
        let count = self.u32_be(what)? as usize;
        if count != expected {
            return Err(FileError::corrupt(
                self.kind,
                format!(
                    "{count} {what} polynomials, the circuit needs {expected}: key for another circuit?"
                ),
            ));
        }
        (0..count).map(|_| self.poly(n, what, index)).collect()
    }
}

/// Reads the verifying key at the start of `body` (halo2's `RawBytes` layout: version byte 2,
/// `k: u32 LE`, compress-selectors byte, fixed-commitment count `u32 LE`, the commitments, the
/// permutation commitments, packed selectors). Returns it and the number of bytes it used.
pub(crate) fn read_vk_prefix<C: Circuit<Fr>>(
    kind: FileKind,
    body: &[u8],
    k: u32,
    circuit_params: C::Params,
) -> Result<(VerifyingKey<G1Affine>, usize), FileError> {
    let mut b = Body {
        kind,
        bytes: body,
        pos: 0,
    };
    let version = b.take(1, "the verifying key's version byte")?[0];
    if version != 2 {
        return Err(FileError::corrupt(
            kind,
            format!("halo2 verifying-key version byte is {version}, expected 2"),
        ));
    }
    let kb = b.take(4, "the verifying key's k")?;
    let body_k = u32::from_le_bytes([kb[0], kb[1], kb[2], kb[3]]);
    if body_k != k {
        return Err(FileError::corrupt(
            kind,
            format!("the header says k = {k}, the verifying key inside says k = {body_k}"),
        ));
    }
    let compress = b.take(1, "the compress-selectors flag")?[0];
    if compress > 1 {
        return Err(FileError::corrupt(
            kind,
            format!("compress-selectors flag is {compress}, expected 0 or 1"),
        ));
    }
    let nb = b.take(4, "the fixed-commitment count")?;
    let num_fixed = u32::from_le_bytes([nb[0], nb[1], nb[2], nb[3]]) as usize;
    if num_fixed.saturating_mul(64) > body.len() - b.pos {
        return Err(FileError::corrupt(
            kind,
            format!("{num_fixed} fixed commitments do not fit in the body"),
        ));
    }

    let mut slice = body;
    let read = catch_unwind(AssertUnwindSafe(|| {
        VerifyingKey::<G1Affine>::read::<_, C>(&mut slice, SerdeFormat::RawBytes, circuit_params)
    }));
    let vk = match read {
        Ok(Ok(vk)) => vk,
        Ok(Err(e)) => {
            return Err(FileError::corrupt(
                kind,
                format!("halo2 rejected the verifying key: {e}"),
            ));
        }
        Err(_) => {
            return Err(FileError::corrupt(
                kind,
                "halo2 panicked reading the verifying key",
            ));
        }
    };
    let used = body.len() - slice.len();

    let want_fixed = vk.cs().num_fixed_columns();
    if vk.fixed_commitments().len() != want_fixed {
        return Err(FileError::corrupt(
            kind,
            format!(
                "{} fixed commitments, the circuit has {want_fixed} fixed columns: key for another circuit?",
                vk.fixed_commitments().len()
            ),
        ));
    }
    // Points: halo2's raw reader checks that coordinates are canonical, not that the point is
    // on the curve.
    for (i, p) in vk.fixed_commitments().iter().enumerate() {
        if !bool::from(p.is_on_curve()) {
            return Err(FileError::InvalidPoint {
                kind,
                what: "fixed commitment",
                index: i,
                reason: "not on the curve",
            });
        }
    }
    for (i, p) in vk.permutation().commitments().iter().enumerate() {
        if !bool::from(p.is_on_curve()) {
            return Err(FileError::InvalidPoint {
                kind,
                what: "permutation commitment",
                index: i,
                reason: "not on the curve",
            });
        }
    }
    if vk.get_domain().k() != k {
        return Err(FileError::corrupt(kind, "verifying key k changed on read"));
    }
    Ok((vk, used))
}

/// Reads a proving key body: the verifying key, then `l0`, `l_last`, `l_active_row`, the fixed
/// values, the fixed polynomials, the permutation's Lagrange and coefficient polynomials (every
/// polynomial has `2^k` canonical Montgomery-form elements; every count is the circuit's).
pub(crate) fn read_pk_body<C: Circuit<Fr>>(
    body: &[u8],
    k: u32,
    circuit_params: C::Params,
) -> Result<ProvingKey<G1Affine>, FileError> {
    let kind = FileKind::ProvingKey;
    let (vk, used) = read_vk_prefix::<C>(kind, body, k, circuit_params)?;
    let n = 1usize << k;
    let num_fixed = vk.fixed_commitments().len();
    let num_perm = vk.permutation().commitments().len();
    let mut b = Body {
        kind,
        bytes: body,
        pos: used,
    };
    let mut index = 0usize;
    let l0 = b.poly(n, "l0", &mut index)?;
    let l_last = b.poly(n, "l_last", &mut index)?;
    let l_active_row = b.poly(n, "l_active_row", &mut index)?;
    let fixed_values = b.polys(n, num_fixed, "fixed value", &mut index)?;
    let fixed_polys = b.polys(n, num_fixed, "fixed coefficient", &mut index)?;
    let permutations = b.polys(n, num_perm, "permutation value", &mut index)?;
    let perm_polys = b.polys(n, num_perm, "permutation coefficient", &mut index)?;
    if b.pos != body.len() {
        return Err(FileError::corrupt(
            kind,
            format!(
                "{} bytes after the proving key's last polynomial",
                body.len() - b.pos
            ),
        ));
    }
    let permutation = permutation::ProvingKey::from_parts(permutations, perm_polys);
    Ok(ProvingKey::from_parts(
        vk,
        l0,
        l_last,
        l_active_row,
        fixed_values,
        fixed_polys,
        permutation,
    ))
}
