//! Stele's versioned container for verifying keys, proving keys and proofs (layout in the parent
//! module's documentation).
//!
//! Reading checks, in order: magic, format version, length (truncation or trailing bytes),
//! checksum (any damaged byte, header included), fingerprint (a file for another chain), `k`
//! against the parameters in use, then the body itself.

use std::io::{Read, Write};

use halo2_proofs::SerdeFormat;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
use halo2_proofs::halo2curves::ff::PrimeField;
use halo2_proofs::plonk::{Circuit, ProvingKey, VerifyingKey};
use halo2_proofs::poly::commitment::Params;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;

use super::error::{FileError, FileKind};
use super::scan::{read_pk_body, read_vk_prefix};

/// 32 bytes binding a file to its chain or circuit, chosen by the caller (e.g. a hash of the
/// chain's compiled IR artifact).
pub type Fingerprint = [u8; 32];

/// Magic of a verifying-key file.
pub const VK_MAGIC: &[u8; 8] = b"STELEVK\0";
/// Magic of a proving-key file.
pub const PK_MAGIC: &[u8; 8] = b"STELEPK\0";
/// Magic of a proof file (Blake2b transcript, for off-chain verification).
pub const PROOF_MAGIC: &[u8; 8] = b"STELEPF\0";
/// Magic of a proof file with the Keccak transcript the EVM verifier contract reads.
pub const EVM_PROOF_MAGIC: &[u8; 8] = b"STELEPE\0";
/// The container format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Length of the container header; the body starts here.
pub const HEADER_LEN: usize = 88;

const CHECKSUM_AT: usize = 56;
const PERSONAL: &[u8; 16] = b"SteleFileSum.v1\0";

fn magic_of(kind: FileKind) -> &'static [u8; 8] {
    match kind {
        FileKind::VerifyingKey => VK_MAGIC,
        FileKind::ProvingKey => PK_MAGIC,
        FileKind::EvmProof => EVM_PROOF_MAGIC,
        _ => PROOF_MAGIC,
    }
}

fn checksum(header: &[u8], body: &[u8]) -> [u8; 32] {
    let mut state = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(PERSONAL)
        .to_state();
    state.update(&header[..CHECKSUM_AT]);
    state.update(body);
    let mut out = [0u8; 32];
    out.copy_from_slice(state.finalize().as_bytes());
    out
}

/// Header plus body.
fn encode(kind: FileKind, k: u32, fingerprint: &Fingerprint, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(magic_of(kind));
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&k.to_le_bytes());
    out.extend_from_slice(fingerprint);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let sum = checksum(&out, body);
    out.extend_from_slice(&sum);
    out.extend_from_slice(body);
    out
}

fn truncated_header(kind: FileKind, len: usize) -> FileError {
    FileError::Truncated {
        kind,
        what: "the header",
        needed: HEADER_LEN as u64,
        available: len as u64,
    }
}

/// Checks magic and version on whatever prefix of the header is present.
fn check_prefix(kind: FileKind, bytes: &[u8]) -> Result<(), FileError> {
    let magic = magic_of(kind);
    let m = bytes.len().min(8);
    if bytes[..m] != magic[..m] {
        return Err(FileError::BadMagic {
            kind,
            expected: magic,
            found: bytes[..m].to_vec(),
        });
    }
    if bytes.len() < 12 {
        return Err(truncated_header(kind, bytes.len()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(FileError::UnsupportedVersion {
            kind,
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(truncated_header(kind, bytes.len()));
    }
    Ok(())
}

fn body_len(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes[48..56].try_into().expect("8 bytes"))
}

/// A container whose magic, version, length and checksum are valid.
struct Opened<'a> {
    k: u32,
    fingerprint: Fingerprint,
    body: &'a [u8],
}

fn open(kind: FileKind, bytes: &[u8]) -> Result<Opened<'_>, FileError> {
    check_prefix(kind, bytes)?;
    let body_len = body_len(bytes);
    let total = (HEADER_LEN as u64).saturating_add(body_len);
    let len = bytes.len() as u64;
    if len < total {
        return Err(FileError::Truncated {
            kind,
            what: "the body",
            needed: total,
            available: len,
        });
    }
    if len > total {
        return Err(FileError::corrupt(
            kind,
            format!("{} bytes after the body", len - total),
        ));
    }
    let body = &bytes[HEADER_LEN..];
    if checksum(bytes, body)[..] != bytes[CHECKSUM_AT..HEADER_LEN] {
        return Err(FileError::corrupt(
            kind,
            "checksum mismatch: the file is damaged",
        ));
    }
    let k = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    let mut fingerprint = [0u8; 32];
    fingerprint.copy_from_slice(&bytes[16..48]);
    Ok(Opened {
        k,
        fingerprint,
        body,
    })
}

/// Opens a container and checks it is for `fingerprint` and for `params`' `k`.
fn open_for<'a>(
    kind: FileKind,
    bytes: &'a [u8],
    fingerprint: &Fingerprint,
    params: &ParamsKZG<Bn256>,
) -> Result<Opened<'a>, FileError> {
    let opened = open(kind, bytes)?;
    if opened.fingerprint != *fingerprint {
        return Err(FileError::FingerprintMismatch {
            kind,
            expected: *fingerprint,
            found: opened.fingerprint,
        });
    }
    if opened.k != params.k() {
        return Err(FileError::KMismatch {
            kind,
            file_k: opened.k,
            expected_k: params.k(),
        });
    }
    Ok(opened)
}

/// Reads one container from a stream: the header first (magic and version are checked before
/// anything else is read), then exactly the body length it announces, without allocating more
/// than the stream actually delivers.
fn read_stream<R: Read>(kind: FileKind, reader: &mut R) -> Result<Vec<u8>, FileError> {
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    reader
        .by_ref()
        .take(HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(None, e))?;
    check_prefix(kind, &bytes)?;
    let body_len = body_len(&bytes);
    reader
        .take(body_len)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(None, e))?;
    Ok(bytes)
}

fn write_all<W: Write>(writer: &mut W, bytes: &[u8]) -> Result<(), FileError> {
    writer.write_all(bytes).map_err(|e| FileError::io(None, e))
}

/// A verifying key in a container for `fingerprint`.
pub fn vk_to_bytes(vk: &VerifyingKey<G1Affine>, fingerprint: &Fingerprint) -> Vec<u8> {
    let body = vk.to_bytes(SerdeFormat::RawBytes);
    encode(
        FileKind::VerifyingKey,
        vk.get_domain().k(),
        fingerprint,
        &body,
    )
}

/// Writes [`vk_to_bytes`] to `writer`.
pub fn write_vk<W: Write>(
    writer: &mut W,
    vk: &VerifyingKey<G1Affine>,
    fingerprint: &Fingerprint,
) -> Result<(), FileError> {
    write_all(writer, &vk_to_bytes(vk, fingerprint))
}

/// Reads a verifying key for circuit type `C` (whose gates are rebuilt from `circuit_params`:
/// halo2 keys do not store them), checking it is for `fingerprint` and for `params`' `k`.
pub fn vk_from_bytes<C: Circuit<Fr>>(
    bytes: &[u8],
    params: &ParamsKZG<Bn256>,
    fingerprint: &Fingerprint,
    circuit_params: C::Params,
) -> Result<VerifyingKey<G1Affine>, FileError> {
    let kind = FileKind::VerifyingKey;
    let opened = open_for(kind, bytes, fingerprint, params)?;
    let (vk, used) = read_vk_prefix::<C>(kind, opened.body, opened.k, circuit_params)?;
    if used != opened.body.len() {
        return Err(FileError::corrupt(
            kind,
            format!("{} bytes after the verifying key", opened.body.len() - used),
        ));
    }
    Ok(vk)
}

/// [`vk_from_bytes`] from a stream.
pub fn read_vk<C: Circuit<Fr>, R: Read>(
    reader: &mut R,
    params: &ParamsKZG<Bn256>,
    fingerprint: &Fingerprint,
    circuit_params: C::Params,
) -> Result<VerifyingKey<G1Affine>, FileError> {
    let bytes = read_stream(FileKind::VerifyingKey, reader)?;
    vk_from_bytes::<C>(&bytes, params, fingerprint, circuit_params)
}

/// A proving key in a container for `fingerprint`.
pub fn pk_to_bytes(pk: &ProvingKey<G1Affine>, fingerprint: &Fingerprint) -> Vec<u8> {
    let body = pk.to_bytes(SerdeFormat::RawBytes);
    encode(
        FileKind::ProvingKey,
        pk.get_vk().get_domain().k(),
        fingerprint,
        &body,
    )
}

/// Writes [`pk_to_bytes`] to `writer`.
pub fn write_pk<W: Write>(
    writer: &mut W,
    pk: &ProvingKey<G1Affine>,
    fingerprint: &Fingerprint,
) -> Result<(), FileError> {
    write_all(writer, &pk_to_bytes(pk, fingerprint))
}

/// Reads a proving key for circuit type `C`, checking it is for `fingerprint` and for `params`'
/// `k`. Every polynomial length and count is checked against the circuit, every field element
/// must be canonical.
pub fn pk_from_bytes<C: Circuit<Fr>>(
    bytes: &[u8],
    params: &ParamsKZG<Bn256>,
    fingerprint: &Fingerprint,
    circuit_params: C::Params,
) -> Result<ProvingKey<G1Affine>, FileError> {
    let opened = open_for(FileKind::ProvingKey, bytes, fingerprint, params)?;
    read_pk_body::<C>(opened.body, opened.k, circuit_params)
}

/// [`pk_from_bytes`] from a stream.
pub fn read_pk<C: Circuit<Fr>, R: Read>(
    reader: &mut R,
    params: &ParamsKZG<Bn256>,
    fingerprint: &Fingerprint,
    circuit_params: C::Params,
) -> Result<ProvingKey<G1Affine>, FileError> {
    let bytes = read_stream(FileKind::ProvingKey, reader)?;
    pk_from_bytes::<C>(&bytes, params, fingerprint, circuit_params)
}

/// The Fiat-Shamir transcript a proof was made with; the verifier must use the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transcript {
    /// Blake2b (halo2's own): smaller and faster, for verification off-chain.
    Blake2b,
    /// Keccak-256 with uncompressed points: what the generated EVM verifier contract reads.
    Keccak,
}

impl Transcript {
    fn kind(self) -> FileKind {
        match self {
            Transcript::Blake2b => FileKind::Proof,
            Transcript::Keccak => FileKind::EvmProof,
        }
    }
}

/// A proof with its public inputs, for one circuit of one chain.
///
/// The magic tells the transcript: `STELEPF\0` for [`Transcript::Blake2b`], `STELEPE\0` for
/// [`Transcript::Keccak`].
///
/// Body layout (little-endian): `columns: u32`; per instance column `len: u32` then `len` field
/// elements as 32-byte canonical little-endian integers (`Fr::to_repr`); then `proof_len: u64`
/// and the proof's transcript bytes. The header's `k` is [`ProofFile::k`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofFile {
    /// `k` of the circuit the proof is for.
    pub k: u32,
    /// The chain or circuit the proof is for.
    pub fingerprint: Fingerprint,
    /// The public inputs, one vector per instance column.
    pub public_inputs: Vec<Vec<Fr>>,
    /// The transcript the proof was made with.
    pub transcript: Transcript,
    /// The proof (the transcript's bytes).
    pub proof: Vec<u8>,
}

impl ProofFile {
    /// The proof in a container.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend_from_slice(&(self.public_inputs.len() as u32).to_le_bytes());
        for column in &self.public_inputs {
            body.extend_from_slice(&(column.len() as u32).to_le_bytes());
            for x in column {
                body.extend_from_slice(x.to_repr().as_ref());
            }
        }
        body.extend_from_slice(&(self.proof.len() as u64).to_le_bytes());
        body.extend_from_slice(&self.proof);
        encode(self.transcript.kind(), self.k, &self.fingerprint, &body)
    }

    /// Parses a proof container (magic, version, length, checksum, canonical public inputs).
    /// Whether it is for the expected chain and key is [`ProofFile::check`]'s job.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        let transcript = if bytes.starts_with(EVM_PROOF_MAGIC) {
            Transcript::Keccak
        } else {
            Transcript::Blake2b
        };
        let kind = transcript.kind();
        let opened = open(kind, bytes)?;
        let body = opened.body;
        let mut pos = 0usize;
        let mut take = |n: u64, what: &str| -> Result<&[u8], FileError> {
            let rest = (body.len() - pos) as u64;
            if n > rest {
                return Err(FileError::corrupt(
                    kind,
                    format!("body ends inside {what}: {n} bytes needed, {rest} left"),
                ));
            }
            let out = &body[pos..pos + n as usize];
            pos += n as usize;
            Ok(out)
        };
        let u32_of = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let columns = u32_of(take(4, "the column count")?) as u64;
        // Every column costs at least its 4-byte length: bound the count before allocating.
        if columns.saturating_mul(4) > (body.len() - 4) as u64 {
            return Err(FileError::corrupt(
                kind,
                format!("{columns} instance columns do not fit in the body"),
            ));
        }
        let mut public_inputs = Vec::with_capacity(columns as usize);
        let mut index = 0usize;
        for _ in 0..columns {
            let len = u32_of(take(4, "a column length")?) as u64;
            let data = take(len * 32, "the public inputs")?;
            let mut column = Vec::with_capacity(len as usize);
            for chunk in data.chunks_exact(32) {
                let mut repr = <Fr as PrimeField>::Repr::default();
                repr.as_mut().copy_from_slice(chunk);
                let x = Option::<Fr>::from(Fr::from_repr(repr)).ok_or(
                    FileError::NonCanonicalField {
                        kind,
                        what: "public input",
                        index,
                    },
                )?;
                column.push(x);
                index += 1;
            }
            public_inputs.push(column);
        }
        let lb = take(8, "the proof length")?;
        let proof_len = u64::from_le_bytes(lb.try_into().expect("8 bytes"));
        let proof = take(proof_len, "the proof")?.to_vec();
        if pos != body.len() {
            return Err(FileError::corrupt(
                kind,
                format!("{} bytes after the proof", body.len() - pos),
            ));
        }
        Ok(ProofFile {
            k: opened.k,
            fingerprint: opened.fingerprint,
            public_inputs,
            transcript,
            proof,
        })
    }

    /// [`ProofFile::from_bytes`] from a stream.
    pub fn read<R: Read>(reader: &mut R) -> Result<Self, FileError> {
        let mut magic = Vec::with_capacity(8);
        reader
            .by_ref()
            .take(8)
            .read_to_end(&mut magic)
            .map_err(|e| FileError::io(None, e))?;
        let kind = if magic == EVM_PROOF_MAGIC {
            Transcript::Keccak.kind()
        } else {
            Transcript::Blake2b.kind()
        };
        let bytes = read_stream(kind, &mut magic.as_slice().chain(reader))?;
        Self::from_bytes(&bytes)
    }

    /// Writes [`ProofFile::to_bytes`] to `writer`.
    pub fn write<W: Write>(&self, writer: &mut W) -> Result<(), FileError> {
        write_all(writer, &self.to_bytes())
    }

    /// Checks the proof is for `fingerprint` and fits `vk`: same `k`, one public-input vector per
    /// instance column of the circuit.
    pub fn check(
        &self,
        fingerprint: &Fingerprint,
        vk: &VerifyingKey<G1Affine>,
    ) -> Result<(), FileError> {
        let kind = self.transcript.kind();
        if self.fingerprint != *fingerprint {
            return Err(FileError::FingerprintMismatch {
                kind,
                expected: *fingerprint,
                found: self.fingerprint,
            });
        }
        let vk_k = vk.get_domain().k();
        if self.k != vk_k {
            return Err(FileError::KMismatch {
                kind,
                file_k: self.k,
                expected_k: vk_k,
            });
        }
        let columns = vk.cs().num_instance_columns();
        if self.public_inputs.len() != columns {
            return Err(FileError::corrupt(
                kind,
                format!(
                    "{} public-input columns, the circuit has {columns} instance columns",
                    self.public_inputs.len()
                ),
            ));
        }
        Ok(())
    }

    /// The public inputs as halo2's verifier takes them for one circuit: one slice per column.
    pub fn instance_slices(&self) -> Vec<&[Fr]> {
        self.public_inputs.iter().map(Vec::as_slice).collect()
    }
}
