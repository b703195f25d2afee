//! Reading snarkjs powers-of-tau (`.ptau`) files into KZG parameters.
//!
//! Layout (all integers little-endian): `"ptau"`, `version: u32` (1), `n_sections: u32`, then
//! `n_sections` sections, each `type: u32`, `size: u64`, then `size` bytes. Only three sections
//! matter here:
//!
//! - 1, header: `n8: u32` (32 for BN254), `q` (`n8` bytes, the base field modulus), `power: u32`,
//!   `ceremony_power: u32`;
//! - 2, tauG1: `2^(power+1) - 1` points `[tau^i] G1`, each `x ‖ y` as 32-byte little-endian
//!   Montgomery limbs (exactly halo2curves' raw layout);
//! - 3, tauG2: `2^power` points `[tau^i] G2`, each `x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1`.
//!
//! The other sections (alpha/beta powers, contributions, phase-2 Lagrange points) are skipped.
//! The reader works on any `Read + Seek` and only reads the points it needs, so a multi-gigabyte
//! ceremony file is not loaded whole.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use halo2_proofs::halo2curves::bn256::{Bn256, Fq, G1Affine};
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;

use super::error::{FileError, FileKind};
use super::params::{MAX_K, ParamsFormat, check_powers, decode_g1, decode_g2, shell};

/// The only `.ptau` version this build reads.
pub const PTAU_VERSION: u32 = 1;

const KIND: FileKind = FileKind::Ptau;
const G1_LEN: u64 = 64;
const G2_LEN: u64 = 128;

/// What a `.ptau` file's header and section table say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtauInfo {
    /// The file holds powers up to `2^power`: params for any `k <= power` can be built.
    pub power: u32,
    /// The power of the original ceremony (larger than `power` for a truncated file).
    pub ceremony_power: u32,
    /// `(type, offset of the data, size)` of every section, in file order.
    pub sections: Vec<(u32, u64, u64)>,
}

impl PtauInfo {
    fn section(&self, ty: u32) -> Option<(u64, u64)> {
        self.sections
            .iter()
            .find(|(t, _, _)| *t == ty)
            .map(|&(_, off, size)| (off, size))
    }
}

fn read_at<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    buf: &mut [u8],
    what: &'static str,
    len: u64,
) -> Result<(), FileError> {
    let needed = offset.saturating_add(buf.len() as u64);
    if needed > len {
        return Err(FileError::Truncated {
            kind: KIND,
            what,
            needed,
            available: len,
        });
    }
    r.seek(SeekFrom::Start(offset))
        .and_then(|_| r.read_exact(buf))
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                FileError::Truncated {
                    kind: KIND,
                    what,
                    needed,
                    available: len,
                }
            } else {
                FileError::io(None, e)
            }
        })
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn bad_section(section: u32, expected: impl Into<String>, found: impl Into<String>) -> FileError {
    FileError::BadSection {
        section,
        expected: expected.into(),
        found: found.into(),
    }
}

/// Parses and checks the header, the section table and section 1 of a `.ptau` file of `len`
/// bytes; sections 2 and 3 must be present with the sizes `power` implies.
fn parse_info<R: Read + Seek>(r: &mut R, len: u64) -> Result<PtauInfo, FileError> {
    let mut head = [0u8; 12];
    let avail = len.min(12) as usize;
    read_at(r, 0, &mut head[..avail], "file header", len)?;
    if head[..avail.min(4)] != b"ptau"[..avail.min(4)] {
        return Err(FileError::BadMagic {
            kind: KIND,
            expected: b"ptau",
            found: head[..avail.min(4)].to_vec(),
        });
    }
    if avail < 8 {
        return Err(FileError::Truncated {
            kind: KIND,
            what: "file header",
            needed: 12,
            available: len,
        });
    }
    let version = u32_at(&head, 4);
    if version != PTAU_VERSION {
        return Err(FileError::UnsupportedVersion {
            kind: KIND,
            found: version,
            supported: PTAU_VERSION,
        });
    }
    if avail < 12 {
        return Err(FileError::Truncated {
            kind: KIND,
            what: "file header",
            needed: 12,
            available: len,
        });
    }
    let n_sections = u32_at(&head, 8);

    let mut sections: Vec<(u32, u64, u64)> = Vec::new();
    let mut pos = 12u64;
    for _ in 0..n_sections {
        let mut sh = [0u8; 12];
        read_at(r, pos, &mut sh, "section header", len)?;
        let ty = u32_at(&sh, 0);
        let size = u64::from_le_bytes(sh[4..12].try_into().expect("8 bytes"));
        let data = pos + 12;
        let end = data.checked_add(size).filter(|&e| e <= len);
        let Some(end) = end else {
            return Err(FileError::Truncated {
                kind: KIND,
                what: "section data",
                needed: data.saturating_add(size),
                available: len,
            });
        };
        if sections.iter().any(|(t, _, _)| *t == ty) {
            return Err(FileError::corrupt(
                KIND,
                format!("section {ty} appears twice"),
            ));
        }
        sections.push((ty, data, size));
        pos = end;
    }
    if pos != len {
        return Err(FileError::corrupt(
            KIND,
            format!(
                "{} bytes after the last of the {n_sections} sections",
                len - pos
            ),
        ));
    }
    let find = |ty: u32| {
        sections
            .iter()
            .find(|(t, _, _)| *t == ty)
            .map(|&(_, off, size)| (off, size))
            .ok_or_else(|| bad_section(ty, "the section to be present", "no such section"))
    };

    // Section 1: the header.
    let (off, size) = find(1)?;
    if size < 4 {
        return Err(bad_section(1, "at least 4 bytes", format!("{size} bytes")));
    }
    let mut n8 = [0u8; 4];
    read_at(r, off, &mut n8, "header section", len)?;
    let n8 = u32::from_le_bytes(n8);
    if n8 != 32 {
        return Err(bad_section(
            1,
            "n8 = 32 (a 254-bit field: BN254)",
            format!("n8 = {n8}"),
        ));
    }
    if size != 4 + 32 + 8 {
        return Err(bad_section(1, "44 bytes", format!("{size} bytes")));
    }
    let mut body = [0u8; 44];
    read_at(r, off, &mut body, "header section", len)?;
    let modulus = modulus_le();
    if body[4..36] != modulus {
        return Err(bad_section(
            1,
            "q = the BN254 base field modulus",
            "another modulus",
        ));
    }
    let power = u32_at(&body, 36);
    let ceremony_power = u32_at(&body, 40);
    if power == 0 || power > MAX_K {
        return Err(bad_section(
            1,
            format!("a power between 1 and {MAX_K}"),
            format!("power = {power}"),
        ));
    }

    // Sections 2 and 3: sizes implied by `power`.
    let n = 1u64 << power;
    let (_, size2) = find(2)?;
    let want2 = (2 * n - 1) * G1_LEN;
    if size2 != want2 {
        return Err(bad_section(
            2,
            format!("{want2} bytes (2^{} - 1 G1 points)", power + 1),
            format!("{size2} bytes"),
        ));
    }
    let (_, size3) = find(3)?;
    let want3 = n * G2_LEN;
    if size3 != want3 {
        return Err(bad_section(
            3,
            format!("{want3} bytes (2^{power} G2 points)"),
            format!("{size3} bytes"),
        ));
    }
    Ok(PtauInfo {
        power,
        ceremony_power,
        sections,
    })
}

/// The BN254 base field modulus, little-endian.
fn modulus_le() -> [u8; 32] {
    // p - 1 is the largest field element; its canonical little-endian repr plus one is p.
    let mut m = (-Fq::one()).to_repr();
    for byte in m.iter_mut() {
        let (v, carry) = byte.overflowing_add(1);
        *byte = v;
        if !carry {
            break;
        }
    }
    m
}

fn params_from<R: Read + Seek>(r: &mut R, len: u64, k: u32) -> Result<ParamsKZG<Bn256>, FileError> {
    let info = parse_info(r, len)?;
    if k > info.power {
        return Err(FileError::KTooLarge {
            kind: KIND,
            requested: k,
            max: info.power,
        });
    }
    let n = 1usize << k;
    // Read at least two powers: the pairing check needs tau^1 even for k = 0.
    let count = n.max(2);
    let (off2, _) = info.section(2).expect("checked by parse_info");
    r.seek(SeekFrom::Start(off2))
        .map_err(|e| FileError::io(None, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, &mut *r);
    let mut g: Vec<G1Affine> = Vec::with_capacity(count);
    let mut buf = [0u8; G1_LEN as usize];
    for i in 0..count {
        reader
            .read_exact(&mut buf)
            .map_err(|e| FileError::io(None, e))?;
        let p = decode_g1(&buf, ParamsFormat::RawBytes).ok_or(FileError::InvalidPoint {
            kind: KIND,
            what: "tauG1",
            index: i,
            reason: "coordinates are not canonical Montgomery limbs or the point is not on the curve",
        })?;
        g.push(p);
    }
    drop(reader);
    let (off3, _) = info.section(3).expect("checked by parse_info");
    let mut g2s = [[0u8; G2_LEN as usize]; 2];
    for (i, b) in g2s.iter_mut().enumerate() {
        read_at(r, off3 + i as u64 * G2_LEN, b, "tauG2", len)?;
    }
    let decode = |i: usize| {
        decode_g2(&g2s[i], ParamsFormat::RawBytes).map_err(|reason| FileError::InvalidPoint {
            kind: KIND,
            what: "tauG2",
            index: i,
            reason,
        })
    };
    let g2 = decode(0)?;
    let s_g2 = decode(1)?;
    check_powers(KIND, &g, g2, s_g2)?;
    g.truncate(n);
    Ok(shell().from_parts(k, g, None, g2, s_g2))
}

/// The header and section table of a `.ptau` file (validated as [`read_ptau`] does, without
/// reading any point).
pub fn ptau_info(bytes: &[u8]) -> Result<PtauInfo, FileError> {
    parse_info(&mut Cursor::new(bytes), bytes.len() as u64)
}

/// KZG parameters for circuits of size `2^k` from a snarkjs `.ptau` file.
///
/// Checks the header (magic, version, `n8 = 32`, the BN254 modulus, section sizes), every point
/// used (canonical, on the curve, G2 points in the subgroup), that `tauG1[0]` and `tauG2[0]` are
/// the generators, that tau is not trivial, `e(tauG1[1], g2) == e(tauG1[0], tauG2[1])` and that
/// `tauG1[0..2^k]` are consecutive powers. `k` above the file's power is
/// [`FileError::KTooLarge`]. `g_lagrange` is computed by an FFT.
pub fn read_ptau(bytes: &[u8], k: u32) -> Result<ParamsKZG<Bn256>, FileError> {
    params_from(&mut Cursor::new(bytes), bytes.len() as u64, k)
}

/// [`read_ptau`] on a file, reading only the sections and points it needs.
pub fn read_ptau_file(path: impl AsRef<Path>, k: u32) -> Result<ParamsKZG<Bn256>, FileError> {
    let path = path.as_ref();
    let io = |e| FileError::io(Some(path.to_path_buf()), e);
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    params_from(&mut file, len, k)
}
