//! KZG parameters (the structured reference string): the INSECURE development setup, halo2-axiom's
//! own params format, and the consistency checks every loaded setup goes through.
//!
//! halo2-axiom's format (what `ParamsKZG::write` / `write_custom` produce, and what Axiom's
//! published `kzg_bn254_{k}.srs` files are) is: `k: u32 LE`, then `g[0..2^k]`, then
//! `g_lagrange[0..2^k]`, then `g2`, then `s_g2`. Points are either uncompressed with Montgomery
//! limbs (`RawBytes`: 64 bytes per G1 point, 128 per G2 point) or compressed (`Processed`: 32 and
//! 64 bytes). The two total lengths never coincide for a given `k`, so [`read_params`] tells the
//! layouts apart by length; it never calls halo2's reader (which unwraps on short input).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use halo2_proofs::SerdeFormat;
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Bn256, Fq, Fr, G1, G1Affine, G2, G2Affine, pairing};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, Group, GroupEncoding};
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::poly::EvaluationDomain;
use halo2_proofs::poly::commitment::{Blind, Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::error::{FileError, FileKind};

/// The largest `k` any reader accepts: BN254's scalar field has 2^28-th roots of unity.
pub const MAX_K: u32 = Fr::S;

/// Seed of the ChaCha20 generator that draws the development setup's tau.
///
/// **INSECURE**: this seed is public, so tau (the toxic waste) is known to everybody and anyone
/// can forge proofs against [`dev_params`]. Use it for tests and examples only.
pub const DEV_SEED: [u8; 32] = *b"Stele INSECURE dev setup seed v1";

/// Point encoding of a params file in halo2-axiom's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamsFormat {
    /// Uncompressed points with Montgomery limbs, as `ParamsKZG::write` and Axiom's published
    /// files (64 bytes per G1 point). Fast to load.
    RawBytes,
    /// Compressed points (`SerdeFormat::Processed`, 32 bytes per G1 point), as the
    /// han0110/halo2-kzg-srs files. Half the size, slower to load.
    Processed,
}

impl ParamsFormat {
    fn g1_len(self) -> u64 {
        match self {
            ParamsFormat::RawBytes => 64,
            ParamsFormat::Processed => 32,
        }
    }

    fn g2_len(self) -> u64 {
        2 * self.g1_len()
    }

    /// Total file length for `k` (`k <= MAX_K`, so this cannot overflow).
    fn file_len(self, k: u32) -> u64 {
        4 + 2 * (1u64 << k) * self.g1_len() + 2 * self.g2_len()
    }

    fn serde(self) -> SerdeFormat {
        match self {
            ParamsFormat::RawBytes => SerdeFormat::RawBytes,
            ParamsFormat::Processed => SerdeFormat::Processed,
        }
    }
}

/// The development setup's tau: the first draw of ChaCha20 seeded with [`DEV_SEED`], exactly as
/// `ParamsKZG::setup` draws it.
fn dev_tau() -> Fr {
    Fr::random(ChaCha20Rng::from_seed(DEV_SEED))
}

/// A deterministic **INSECURE** development setup of size `2^k`.
///
/// Its toxic waste is derived from the public [`DEV_SEED`]: anyone can forge proofs for a
/// verifier built on it. It exists so tests and examples run without a ceremony file; never
/// deploy a verifier made from it ([`is_insecure_dev_params`] recognises it). Generating it is
/// slow for large `k` (minutes at k = 18 on two cores): use [`load_or_create_dev_params`].
///
/// # Panics
/// If `k > MAX_K` (a programming error: no such setup exists).
pub fn dev_params(k: u32) -> ParamsKZG<Bn256> {
    assert!(k <= MAX_K, "dev_params: k = {k} exceeds MAX_K = {MAX_K}");
    ParamsKZG::setup(k, ChaCha20Rng::from_seed(DEV_SEED))
}

/// Whether `params` is (a downsizing of) the INSECURE development setup of [`dev_params`].
pub fn is_insecure_dev_params(params: &ParamsKZG<Bn256>) -> bool {
    let tau = dev_tau();
    let g = params.get_g();
    g.len() >= 2
        && g[1] == (G1Affine::generator() * tau).to_affine()
        && params.s_g2() == (G2Affine::generator() * tau).to_affine()
}

/// The file name [`load_or_create_dev_params`] uses for `k`.
pub fn dev_params_file_name(k: u32) -> String {
    format!("stele-INSECURE-dev-k{k}.srs")
}

/// The INSECURE development setup for `k`, cached as a file in `dir`.
///
/// Reads `dir/stele-INSECURE-dev-k{k}.srs` when it exists, is valid and really is the development
/// setup; otherwise generates it with [`dev_params`] and writes the file (atomically, so
/// concurrent test processes never see a half-written file). A damaged cache is regenerated.
pub fn load_or_create_dev_params(
    dir: impl AsRef<Path>,
    k: u32,
) -> Result<ParamsKZG<Bn256>, FileError> {
    if k > MAX_K {
        return Err(FileError::KTooLarge {
            kind: FileKind::Params,
            requested: k,
            max: MAX_K,
        });
    }
    let dir = dir.as_ref();
    let path = dir.join(dev_params_file_name(k));
    if path.is_file()
        && let Ok(params) = read_params_file(&path)
        && params.k() == k
        && is_insecure_dev_params(&params)
    {
        return Ok(params);
    }
    let params = dev_params(k);
    std::fs::create_dir_all(dir).map_err(|e| FileError::io(Some(dir.to_path_buf()), e))?;
    write_params_file(&params, &path, ParamsFormat::RawBytes)?;
    Ok(params)
}

/// Writes `params` in halo2-axiom's own format.
pub fn write_params<W: Write>(
    params: &ParamsKZG<Bn256>,
    writer: &mut W,
    format: ParamsFormat,
) -> Result<(), FileError> {
    params
        .write_custom(writer, format.serde())
        .map_err(|e| FileError::io(None, e))
}

/// Writes `params` to `path` in halo2-axiom's own format, atomically (through a temporary file
/// in the same directory, then a rename).
pub fn write_params_file(
    params: &ParamsKZG<Bn256>,
    path: impl AsRef<Path>,
    format: ParamsFormat,
) -> Result<(), FileError> {
    let path = path.as_ref();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp.{}.{nanos}", std::process::id()));
    let tmp: PathBuf = path.with_file_name(tmp_name);
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| FileError::io(Some(tmp.clone()), e))?;
        let mut w = BufWriter::new(file);
        params
            .write_custom(&mut w, format.serde())
            .and_then(|()| w.flush())
            .map_err(|e| FileError::io(Some(tmp.clone()), e))?;
        std::fs::rename(&tmp, path).map_err(|e| FileError::io(Some(path.to_path_buf()), e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Decides the layout of a params file of `len` bytes whose header says `k`.
fn classify(k: u32, len: u64) -> Result<ParamsFormat, FileError> {
    let kind = FileKind::Params;
    if k > MAX_K {
        return Err(FileError::KTooLarge {
            kind,
            requested: k,
            max: MAX_K,
        });
    }
    if k == 0 {
        return Err(FileError::corrupt(
            kind,
            "k = 0: a setup needs at least the powers tau^0 and tau^1",
        ));
    }
    let raw = ParamsFormat::RawBytes.file_len(k);
    let processed = ParamsFormat::Processed.file_len(k);
    if len == raw {
        Ok(ParamsFormat::RawBytes)
    } else if len == processed {
        Ok(ParamsFormat::Processed)
    } else if len < raw {
        Err(FileError::Truncated {
            kind,
            what: if len < processed {
                "the points (compressed layout)"
            } else {
                "the points (uncompressed layout)"
            },
            needed: if len < processed { processed } else { raw },
            available: len,
        })
    } else {
        Err(FileError::corrupt(
            kind,
            format!(
                "{} trailing bytes after the points (k = {k}: expected {raw} or {processed} bytes)",
                len - raw
            ),
        ))
    }
}

fn read_exact_or_truncated<R: Read>(
    r: &mut R,
    buf: &mut [u8],
    what: &'static str,
    needed: u64,
    available: u64,
) -> Result<(), FileError> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            FileError::Truncated {
                kind: FileKind::Params,
                what,
                needed,
                available,
            }
        } else {
            FileError::io(None, e)
        }
    })
}

fn read_g1<R: Read>(
    r: &mut R,
    format: ParamsFormat,
    what: &'static str,
    index: usize,
    file_len: u64,
) -> Result<G1Affine, FileError> {
    let mut buf = [0u8; 64];
    let buf = &mut buf[..format.g1_len() as usize];
    read_exact_or_truncated(r, buf, what, file_len + 1, file_len)?;
    decode_g1(buf, format).ok_or(FileError::InvalidPoint {
        kind: FileKind::Params,
        what,
        index,
        reason: match format {
            ParamsFormat::RawBytes => {
                "coordinates are not canonical Montgomery limbs or the point is not on the curve"
            }
            ParamsFormat::Processed => "not a canonical compressed point on the curve",
        },
    })
}

/// Decodes one G1 point, with every check (canonical coordinates, on the curve; for compressed
/// points the encoding must also be the canonical one).
pub(crate) fn decode_g1(bytes: &[u8], format: ParamsFormat) -> Option<G1Affine> {
    match format {
        ParamsFormat::RawBytes => G1Affine::from_raw_bytes(bytes),
        ParamsFormat::Processed => {
            let mut repr = <G1Affine as GroupEncoding>::Repr::default();
            repr.as_mut().copy_from_slice(bytes);
            let p = Option::<G1Affine>::from(G1Affine::from_bytes(&repr))?;
            (p.to_bytes().as_ref() == bytes).then_some(p)
        }
    }
}

/// Decodes one G2 point (canonical, on the twist, in the prime-order subgroup).
pub(crate) fn decode_g2(bytes: &[u8], format: ParamsFormat) -> Result<G2Affine, &'static str> {
    let p = match format {
        ParamsFormat::RawBytes => G2Affine::from_raw_bytes(bytes).ok_or(
            "coordinates are not canonical Montgomery limbs or the point is not on the curve",
        )?,
        ParamsFormat::Processed => {
            // halo2curves' `Fq2::from_bytes` unwraps its halves: check they are canonical first.
            let mut x = [0u8; 64];
            x.copy_from_slice(bytes);
            x[63] &= 0b0011_1111;
            for half in x.chunks_exact(32) {
                let half: &[u8; 32] = half.try_into().expect("32 bytes");
                if bool::from(Fq::from_bytes(half).is_none()) {
                    return Err("x is not a canonical field element");
                }
            }
            let mut repr = <G2Affine as GroupEncoding>::Repr::default();
            repr.as_mut().copy_from_slice(bytes);
            let p = Option::<G2Affine>::from(G2Affine::from_bytes(&repr))
                .ok_or("not a compressed point on the curve")?;
            if p.to_bytes().as_ref() != bytes {
                return Err("not the canonical compressed encoding");
            }
            p
        }
    };
    if !in_g2_subgroup(&p) {
        return Err("not in the prime-order subgroup");
    }
    Ok(p)
}

/// `[r] p == O`, computed as `[r - 1] p + p` (scalar multiplication uses the scalar's integer).
fn in_g2_subgroup(p: &G2Affine) -> bool {
    let p = G2::from(*p);
    bool::from((p * (-Fr::ONE) + p).is_identity())
}

fn read_g2<R: Read>(
    r: &mut R,
    format: ParamsFormat,
    what: &'static str,
    file_len: u64,
) -> Result<G2Affine, FileError> {
    let mut buf = [0u8; 128];
    let buf = &mut buf[..format.g2_len() as usize];
    read_exact_or_truncated(r, buf, what, file_len + 1, file_len)?;
    decode_g2(buf, format).map_err(|reason| FileError::InvalidPoint {
        kind: FileKind::Params,
        what,
        index: 0,
        reason,
    })
}

/// Parses the points after `k` (the length has been validated by [`classify`]).
fn parse_params<R: Read>(
    r: &mut R,
    k: u32,
    format: ParamsFormat,
    file_len: u64,
) -> Result<ParamsKZG<Bn256>, FileError> {
    let n = 1usize << k;
    let mut g = Vec::with_capacity(n);
    for i in 0..n {
        g.push(read_g1(r, format, "g", i, file_len)?);
    }
    let mut g_lagrange = Vec::with_capacity(n);
    for i in 0..n {
        g_lagrange.push(read_g1(r, format, "g_lagrange", i, file_len)?);
    }
    let g2 = read_g2(r, format, "g2", file_len)?;
    let s_g2 = read_g2(r, format, "s_g2", file_len)?;
    let params = shell().from_parts(k, g, Some(g_lagrange), g2, s_g2);
    check_params(&params)?;
    Ok(params)
}

/// A throwaway `ParamsKZG` to call `from_parts` on (halo2-axiom gives it a `&self` receiver that
/// it does not use).
pub(crate) fn shell() -> ParamsKZG<Bn256> {
    ParamsKZG::setup(1, ChaCha20Rng::from_seed([0; 32]))
}

/// Reads params in halo2-axiom's own format (either layout, told apart by length) and checks
/// them with [`check_params`].
pub fn read_params(bytes: &[u8]) -> Result<ParamsKZG<Bn256>, FileError> {
    let len = bytes.len() as u64;
    let Some(k) = bytes.get(..4) else {
        return Err(FileError::Truncated {
            kind: FileKind::Params,
            what: "k",
            needed: 4,
            available: len,
        });
    };
    let k = u32::from_le_bytes([k[0], k[1], k[2], k[3]]);
    let format = classify(k, len)?;
    parse_params(&mut &bytes[4..], k, format, len)
}

/// Reads a params file in halo2-axiom's own format. The file's length is checked against its `k`
/// before anything is allocated; points are then streamed from disk.
pub fn read_params_file(path: impl AsRef<Path>) -> Result<ParamsKZG<Bn256>, FileError> {
    let path = path.as_ref();
    let io = |e| FileError::io(Some(path.to_path_buf()), e);
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut k = [0u8; 4];
    if len < 4 {
        return Err(FileError::Truncated {
            kind: FileKind::Params,
            what: "k",
            needed: 4,
            available: len,
        });
    }
    read_exact_or_truncated(&mut r, &mut k, "k", 4, len)?;
    let k = u32::from_le_bytes(k);
    let format = classify(k, len)?;
    parse_params(&mut r, k, format, len)
}

/// Params for a circuit of size `2^k` taken from a larger (or equal) setup: `g` is truncated and
/// `g_lagrange` recomputed (a group FFT: slow for large `k`, so store one file per `k`).
pub fn params_for_k(params: &ParamsKZG<Bn256>, k: u32) -> Result<ParamsKZG<Bn256>, FileError> {
    if k > params.k() {
        return Err(FileError::KTooLarge {
            kind: FileKind::Params,
            requested: k,
            max: params.k(),
        });
    }
    let mut out = params.clone();
    if k < params.k() {
        out.downsize(k);
    }
    Ok(out)
}

/// Checks that `params` is a consistent powers-of-tau setup: `g[0]` and `g2` are the generators,
/// `s_g2` is in the prime-order subgroup, tau is neither 0 nor 1, `e(g[1], g2) == e(g[0], s_g2)`,
/// the `g[i]` are consecutive powers (`e(Σ r_i g[i], s_g2) == e(Σ r_i g[i+1], g2)` for random
/// `r`); and `g_lagrange` must be the Lagrange basis of `g` (checked at a random linear combination:
/// `Σ ρ_i g_lagrange[i] == Σ c_j g[j]` with `c = IFFT(ρ)`).
pub fn check_params(params: &ParamsKZG<Bn256>) -> Result<(), FileError> {
    let kind = FileKind::Params;
    let g = params.get_g();
    if g.len() != params.n() as usize || g.len() < 2 {
        return Err(FileError::corrupt(
            kind,
            format!("{} powers for k = {}", g.len(), params.k()),
        ));
    }
    check_powers(kind, g, params.g2(), params.s_g2())?;
    let domain = EvaluationDomain::<Fr>::new(1, params.k());
    let mut rng = rand::thread_rng();
    let mut rho = domain.empty_lagrange();
    for v in rho.iter_mut() {
        *v = Fr::random(&mut rng);
    }
    let lhs = params.commit_lagrange(&rho, Blind(Fr::ZERO));
    let coeffs = domain.lagrange_to_coeff(rho);
    let rhs = params.commit(&coeffs, Blind(Fr::ZERO));
    if lhs != rhs {
        return Err(FileError::InvalidSetup {
            kind,
            check: "g_lagrange is not the Lagrange basis of g",
        });
    }
    Ok(())
}

/// Checks the powers `g[i] = [tau^i] G1` against `g2 = G2` and `s_g2 = [tau] G2`:
///
/// - `g[0]` and `g2` are the generators, `s_g2` is in the prime-order subgroup;
/// - tau is neither 0 nor 1 (a ceremony without contribution);
/// - `e(g[1], g2) == e(g[0], s_g2)`;
/// - consecutive powers: `e(Σ r_i g[i], s_g2) == e(Σ r_i g[i+1], g2)` for random `r`.
///
/// `g` must hold at least two points, all already checked to be on the curve.
pub(crate) fn check_powers(
    kind: FileKind,
    g: &[G1Affine],
    g2: G2Affine,
    s_g2: G2Affine,
) -> Result<(), FileError> {
    let fail = |check| Err(FileError::InvalidSetup { kind, check });
    if g.len() < 2 {
        return fail("fewer than two powers of tau");
    }
    if g[0] != G1Affine::generator() {
        return fail("g[0] is not the generator of G1");
    }
    if g2 != G2Affine::generator() {
        return fail("g2 is not the generator of G2");
    }
    if !in_g2_subgroup(&s_g2) {
        return Err(FileError::InvalidPoint {
            kind,
            what: "s_g2",
            index: 0,
            reason: "not in the prime-order subgroup",
        });
    }
    if bool::from(s_g2.is_identity()) || s_g2 == g2 || g[1] == g[0] {
        return fail("tau is 0 or 1 (a ceremony without any contribution)");
    }
    if pairing(&g[1], &g2) != pairing(&g[0], &s_g2) {
        return fail("e(g[1], g2) != e(g[0], s_g2)");
    }
    if g.len() > 2 {
        let mut rng = rand::thread_rng();
        let r: Vec<Fr> = (0..g.len() - 1).map(|_| Fr::random(&mut rng)).collect();
        let a: G1 = best_multiexp(&r, &g[..g.len() - 1]);
        let b: G1 = best_multiexp(&r, &g[1..]);
        if pairing(&a.to_affine(), &s_g2) != pairing(&b.to_affine(), &g2) {
            return fail("the points are not consecutive powers of tau");
        }
    }
    Ok(())
}
