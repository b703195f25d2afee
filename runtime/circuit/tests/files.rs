//! Tests of the proving system's files: params (dev setup, halo2-axiom format, snarkjs `.ptau`),
//! verifying/proving-key and proof containers, and that every malformed input is a typed error.

use std::io::Cursor;
use std::path::PathBuf;

use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use halo2_proofs::halo2curves::CurveAffine;
use halo2_proofs::halo2curves::bn256::{Bn256, Fq, Fq2, Fr, G1Affine, G2Affine};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::halo2curves::group::Curve;
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::plonk::{
    Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance, ProvingKey, Selector,
    VerifyingKey, keygen_pk, keygen_vk,
};
use halo2_proofs::poly::Rotation;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use stele_circuit::files::*;
use stele_circuit::proof::{self, verify};

// ---------------------------------------------------------------------------------------------
// Test circuits

/// x·x = y with y public.
#[derive(Clone, Default)]
struct Square {
    x: Fr,
}

#[derive(Clone)]
struct SquareConfig {
    a: Column<Advice>,
    b: Column<Advice>,
    q: Selector,
    inst: Column<Instance>,
}

impl Circuit<Fr> for Square {
    type Config = SquareConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::default()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> SquareConfig {
        let (a, b, inst) = (
            meta.advice_column(),
            meta.advice_column(),
            meta.instance_column(),
        );
        meta.enable_equality(b);
        meta.enable_equality(inst);
        let q = meta.selector();
        meta.create_gate("x*x = y", |vc| {
            let q = vc.query_selector(q);
            let a = vc.query_advice(a, Rotation::cur());
            let b = vc.query_advice(b, Rotation::cur());
            vec![q * (a.clone() * a - b)]
        });
        SquareConfig { a, b, q, inst }
    }

    fn synthesize(&self, c: SquareConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let y = layouter.assign_region(
            || "square",
            |mut region| {
                c.q.enable(&mut region, 0)?;
                region.assign_advice(c.a, 0, Value::known(self.x));
                Ok(region
                    .assign_advice(c.b, 0, Value::known(self.x * self.x))
                    .cell())
            },
        )?;
        layouter.constrain_instance(y, c.inst, 0);
        Ok(())
    }
}

/// A different circuit (x + c = y with a fixed c, two instance columns): its keys must not load
/// as `Square`'s.
#[derive(Clone, Default)]
struct AddConst {
    x: Fr,
}

#[derive(Clone)]
struct AddConfig {
    a: Column<Advice>,
    b: Column<Advice>,
    c: Column<Fixed>,
    q: Selector,
    inst: Column<Instance>,
}

impl Circuit<Fr> for AddConst {
    type Config = AddConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        Self::default()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> AddConfig {
        let (a, b, c) = (
            meta.advice_column(),
            meta.advice_column(),
            meta.fixed_column(),
        );
        let inst = meta.instance_column();
        let _unused = meta.instance_column();
        meta.enable_equality(a);
        meta.enable_equality(b);
        meta.enable_equality(inst);
        let q = meta.selector();
        meta.create_gate("x + c = y", |vc| {
            let q = vc.query_selector(q);
            let a = vc.query_advice(a, Rotation::cur());
            let b = vc.query_advice(b, Rotation::cur());
            let c = vc.query_fixed(c, Rotation::cur());
            vec![q * (a + c - b)]
        });
        AddConfig { a, b, c, q, inst }
    }

    fn synthesize(&self, cfg: AddConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let y = layouter.assign_region(
            || "add",
            |mut region| {
                cfg.q.enable(&mut region, 0)?;
                region.assign_fixed(cfg.c, 0, Fr::from(7));
                region.assign_advice(cfg.a, 0, Value::known(self.x));
                Ok(region
                    .assign_advice(cfg.b, 0, Value::known(self.x + Fr::from(7)))
                    .cell())
            },
        )?;
        layouter.constrain_instance(y, cfg.inst, 0);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const FP: Fingerprint = [0xA5; 32];
const OTHER_FP: Fingerprint = [0x5A; 32];

fn ptau_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pot6_0001.ptau")
}

fn ptau_bytes() -> Vec<u8> {
    std::fs::read(ptau_path()).expect("tests/data/pot6_0001.ptau")
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stele-files-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn keys(params: &ParamsKZG<Bn256>) -> (VerifyingKey<G1Affine>, ProvingKey<G1Affine>) {
    proof::keygen(params, &Square::default()).unwrap()
}

fn prove(params: &ParamsKZG<Bn256>, pk: &ProvingKey<G1Affine>, x: Fr) -> (Fr, Vec<u8>) {
    let y = x * x;
    let proof = proof::prove(
        params,
        pk,
        Square { x },
        &[&[y]],
        ChaCha20Rng::from_seed([9; 32]),
    );
    (y, proof.unwrap())
}

/// Seals `body` in a container with a valid checksum, as a forger who knows the format would.
fn seal(magic: &[u8; 8], k: u32, fp: &Fingerprint, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&k.to_le_bytes());
    out.extend_from_slice(fp);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let sum = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"SteleFileSum.v1\0")
        .to_state()
        .update(&out)
        .update(body)
        .finalize();
    out.extend_from_slice(sum.as_bytes());
    out.extend_from_slice(body);
    out
}

/// The body of a container.
fn body_of(file: &[u8]) -> Vec<u8> {
    file[HEADER_LEN..].to_vec()
}

struct Fixture {
    params: ParamsKZG<Bn256>,
    vk: VerifyingKey<G1Affine>,
    pk: ProvingKey<G1Affine>,
    vk_file: Vec<u8>,
    pk_file: Vec<u8>,
    proof_file: Vec<u8>,
}

fn fixture() -> Fixture {
    let params = dev_params(4);
    let (vk, pk) = keys(&params);
    let (y, proof) = prove(&params, &pk, Fr::from(5));
    let proof_file = ProofFile {
        k: 4,
        fingerprint: FP,
        public_inputs: vec![vec![y]],
        transcript: Transcript::Blake2b,
        proof,
    }
    .to_bytes();
    Fixture {
        vk_file: vk_to_bytes(&vk, &FP),
        pk_file: pk_to_bytes(&pk, &FP),
        params,
        vk,
        pk,
        proof_file,
    }
}

fn read_vk_sq(
    bytes: &[u8],
    params: &ParamsKZG<Bn256>,
) -> Result<VerifyingKey<G1Affine>, FileError> {
    vk_from_bytes::<Square>(bytes, params, &FP, ())
}

fn read_pk_sq(bytes: &[u8], params: &ParamsKZG<Bn256>) -> Result<ProvingKey<G1Affine>, FileError> {
    pk_from_bytes::<Square>(bytes, params, &FP, ())
}

// ---------------------------------------------------------------------------------------------
// Params

#[test]
fn dev_params_are_deterministic_and_recognisable() {
    let a = dev_params(3);
    let b = dev_params(3);
    assert_eq!(a.get_g(), b.get_g());
    assert_eq!(a.s_g2(), b.s_g2());
    assert!(is_insecure_dev_params(&a));
    check_params(&a).unwrap();
    let from_ptau = read_ptau(&ptau_bytes(), 3).unwrap();
    assert!(!is_insecure_dev_params(&from_ptau));
    // Downsizing keeps the same tau.
    let small = params_for_k(&dev_params(4), 3).unwrap();
    assert_eq!(small.get_g(), a.get_g());
    assert!(matches!(
        params_for_k(&a, 4),
        Err(FileError::KTooLarge {
            requested: 4,
            max: 3,
            ..
        })
    ));
}

#[test]
fn dev_params_cache_is_created_reused_and_repaired() {
    let dir = scratch_dir("cache");
    let path = dir.join(dev_params_file_name(3));
    let a = load_or_create_dev_params(&dir, 3).unwrap();
    assert!(path.is_file());
    let b = load_or_create_dev_params(&dir, 3).unwrap();
    assert_eq!(a.get_g(), b.get_g());
    // A damaged cache is regenerated.
    std::fs::write(&path, b"garbage").unwrap();
    let c = load_or_create_dev_params(&dir, 3).unwrap();
    assert_eq!(a.get_g(), c.get_g());
    assert!(read_params_file(&path).is_ok());
    // A cache holding some other setup is replaced by the real dev setup.
    let other = read_ptau(&ptau_bytes(), 3).unwrap();
    write_params_file(&other, &path, ParamsFormat::RawBytes).unwrap();
    let d = load_or_create_dev_params(&dir, 3).unwrap();
    assert!(is_insecure_dev_params(&d));
    assert!(matches!(
        load_or_create_dev_params(&dir, MAX_K + 1),
        Err(FileError::KTooLarge { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn params_bytes(params: &ParamsKZG<Bn256>, format: ParamsFormat) -> Vec<u8> {
    let mut out = Vec::new();
    write_params(params, &mut out, format).unwrap();
    out
}

#[test]
fn params_round_trip_in_both_layouts_and_match_halo2s_own_reader() {
    let params = dev_params(4);
    for format in [ParamsFormat::RawBytes, ParamsFormat::Processed] {
        let bytes = params_bytes(&params, format);
        let back = read_params(&bytes).unwrap();
        assert_eq!(back.k(), 4);
        assert_eq!(back.get_g(), params.get_g());
        assert_eq!(back.g2(), params.g2());
        assert_eq!(back.s_g2(), params.s_g2());
        let dir = scratch_dir(&format!("{format:?}"));
        let path = dir.join("p.srs");
        write_params_file(&params, &path, format).unwrap();
        assert_eq!(read_params_file(&path).unwrap().get_g(), params.get_g());
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // halo2's default writer (`Params::write`) is readable here ...
    let mut default = Vec::new();
    params.write(&mut default).unwrap();
    assert_eq!(read_params(&default).unwrap().get_g(), params.get_g());
    // ... and what is written here is readable by halo2.
    let raw = params_bytes(&params, ParamsFormat::RawBytes);
    let halo2: ParamsKZG<Bn256> = Params::read(&mut &raw[..]).unwrap();
    assert_eq!(halo2.get_g(), params.get_g());
}

#[test]
fn params_truncated_at_every_length_is_an_error() {
    let params = dev_params(2);
    for format in [ParamsFormat::RawBytes, ParamsFormat::Processed] {
        let bytes = params_bytes(&params, format);
        for len in 0..bytes.len() {
            match read_params(&bytes[..len]) {
                Err(FileError::Truncated { .. }) => {}
                // A cut inside `k` can leave a huge or zero k.
                Err(FileError::KTooLarge { .. }) | Err(FileError::Corrupt { .. }) if len < 4 => {}
                // halo2's format has no header: an uncompressed file cut at exactly the
                // compressed length reads as a (bad) compressed file.
                Err(FileError::InvalidPoint { .. })
                    if format == ParamsFormat::RawBytes
                        && len == params_bytes(&params, ParamsFormat::Processed).len() => {}
                other => panic!("{format:?} cut at {len}: {:?}", other.map(|p| p.k())),
            }
        }
        let mut long = bytes.clone();
        long.push(0);
        // (A compressed file with a byte appended looks like a cut uncompressed one.)
        assert!(matches!(
            read_params(&long),
            Err(FileError::Corrupt { .. } | FileError::Truncated { .. })
        ));
    }
}

fn g1_raw(p: &G1Affine) -> Vec<u8> {
    p.to_raw_bytes()
}

#[test]
fn params_with_bad_points_or_bad_setup_are_rejected() {
    let params = dev_params(3);
    let raw = params_bytes(&params, ParamsFormat::RawBytes);
    let n = 8;
    let g_at = |i: usize| 4 + 64 * i;
    let gl_at = |i: usize| 4 + 64 * (n + i);
    let s_g2_at = 4 + 64 * 2 * n + 128;

    let with = |at: usize, bytes: &[u8]| {
        let mut b = raw.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        read_params(&b)
    };
    let two_g = (G1Affine::generator() * Fr::from(2)).to_affine();

    // Off the curve: y + 1.
    let mut off = G1Affine::generator();
    off.y += Fq::ONE;
    assert!(matches!(
        with(g_at(3), &g1_raw(&off)),
        Err(FileError::InvalidPoint {
            what: "g",
            index: 3,
            ..
        })
    ));
    // Non-canonical limbs.
    assert!(matches!(
        with(gl_at(1), &[0xff; 64]),
        Err(FileError::InvalidPoint {
            what: "g_lagrange",
            index: 1,
            ..
        })
    ));
    // g[0] not the generator.
    assert!(matches!(
        with(g_at(0), &g1_raw(&two_g)),
        Err(FileError::InvalidSetup { .. })
    ));
    // Valid points, wrong powers.
    assert!(matches!(
        with(g_at(1), &g1_raw(&two_g)),
        Err(FileError::InvalidSetup { .. })
    ));
    assert!(matches!(
        with(g_at(5), &g1_raw(&two_g)),
        Err(FileError::InvalidSetup { .. })
    ));
    assert!(matches!(
        with(gl_at(2), &g1_raw(&two_g)),
        Err(FileError::InvalidSetup { .. })
    ));
    // s_g2 outside the prime-order subgroup.
    assert!(matches!(
        with(s_g2_at, &off_subgroup_g2().to_raw_bytes()),
        Err(FileError::InvalidPoint { what: "s_g2", .. })
    ));
    // k out of range.
    let mut big_k = raw.clone();
    big_k[..4].copy_from_slice(&40u32.to_le_bytes());
    assert!(matches!(
        read_params(&big_k),
        Err(FileError::KTooLarge { requested: 40, .. })
    ));
    let mut zero_k = raw.clone();
    zero_k[..4].copy_from_slice(&0u32.to_le_bytes());
    assert!(read_params(&zero_k).is_err());

    // Compressed layout: a non-canonical encoding of a valid point (infinity flag on a point).
    let processed = params_bytes(&params, ParamsFormat::Processed);
    let mut b = processed.clone();
    b[4 + 32 * 2 + 31] ^= 0x80;
    assert!(read_params(&b).is_err());
    // Compressed G2 with a non-canonical x half (halo2curves' own decoder would panic here).
    let s_g2_processed = processed.len() - 64;
    for half in [0, 32] {
        let mut b = processed.clone();
        b[s_g2_processed + half..s_g2_processed + half + 31].copy_from_slice(&[0xff; 31]);
        assert!(matches!(
            read_params(&b),
            Err(FileError::InvalidPoint { what: "s_g2", .. })
        ));
    }
}

/// A point on BN254's twist that is not in the prime-order subgroup.
fn off_subgroup_g2() -> G2Affine {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    loop {
        let x = Fq2::random(&mut rng);
        let y2 = x.square() * x + G2Affine::b();
        if let Some(y) = Option::<Fq2>::from(y2.sqrt()) {
            let p = G2Affine { x, y };
            assert!(bool::from(p.is_on_curve()));
            return p;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// .ptau

/// The sections of a `.ptau` file: `(type, data)`.
type Sections = Vec<(u32, Vec<u8>)>;

/// Sections of a `.ptau` file, to rebuild modified files.
fn ptau_sections(bytes: &[u8]) -> Sections {
    let n = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    let mut pos = 12;
    let mut out = Vec::new();
    for _ in 0..n {
        let ty = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
        out.push((ty, bytes[pos + 12..pos + 12 + size].to_vec()));
        pos += 12 + size;
    }
    out
}

fn ptau_build(sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"ptau".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (ty, data) in sections {
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

fn ptau_with(f: impl FnOnce(&mut Sections)) -> Vec<u8> {
    let mut s = ptau_sections(&ptau_bytes());
    f(&mut s);
    ptau_build(&s)
}

fn section(s: &mut [(u32, Vec<u8>)], ty: u32) -> &mut Vec<u8> {
    &mut s.iter_mut().find(|(t, _)| *t == ty).unwrap().1
}

#[test]
fn ptau_loads_and_its_params_prove_and_verify() {
    let bytes = ptau_bytes();
    let info = ptau_info(&bytes).unwrap();
    assert_eq!(info.power, 6);
    assert_eq!(info.ceremony_power, 6);
    // Our rebuild helper reproduces the file exactly.
    assert_eq!(ptau_build(&ptau_sections(&bytes)), bytes);

    for k in 4..=6 {
        let params = read_ptau(&bytes, k).unwrap();
        assert_eq!(params.k(), k);
        check_params(&params).unwrap();
    }
    let params = read_ptau_file(ptau_path(), 4).unwrap();
    let (vk, pk) = keys(&params);
    let (y, proof) = prove(&params, &pk, Fr::from(12));
    assert!(verify(&params, &vk, &[&[y]], &proof));
    assert!(!verify(&params, &vk, &[&[y + Fr::ONE]], &proof));

    // Downsizing the ptau params gives the same as reading at the smaller k.
    let six = read_ptau(&bytes, 6).unwrap();
    assert_eq!(params_for_k(&six, 4).unwrap().get_g(), params.get_g());
}

#[test]
fn ptau_with_too_small_a_power_is_k_too_large() {
    let bytes = ptau_bytes();
    for k in [7, 12, 40] {
        assert!(matches!(
            read_ptau(&bytes, k),
            Err(FileError::KTooLarge {
                kind: FileKind::Ptau,
                requested,
                max: 6,
            }) if requested == k
        ));
    }
    assert!(matches!(
        read_ptau_file(ptau_path(), 7),
        Err(FileError::KTooLarge { max: 6, .. })
    ));
}

#[test]
fn ptau_truncated_at_every_length_is_an_error() {
    let bytes = ptau_bytes();
    for len in 0..bytes.len() {
        match read_ptau(&bytes[..len], 1) {
            Err(FileError::Truncated { .. }) => {}
            Err(FileError::Corrupt { .. }) => {} // a cut exactly between two sections
            other => panic!("cut at {len}: {:?}", other.map(|p| p.k())),
        }
    }
}

#[test]
fn ptau_header_errors() {
    let bytes = ptau_bytes();
    let mut b = bytes.clone();
    b[0] = b'P';
    assert!(matches!(read_ptau(&b, 1), Err(FileError::BadMagic { .. })));
    let mut b = bytes.clone();
    b[4] = 2;
    assert!(matches!(
        read_ptau(&b, 1),
        Err(FileError::UnsupportedVersion { found: 2, .. })
    ));
    // Section count larger than the sections present.
    let mut b = bytes.clone();
    b[8] += 1;
    assert!(matches!(read_ptau(&b, 1), Err(FileError::Truncated { .. })));
    // Fewer sections than present: trailing bytes.
    let mut b = bytes.clone();
    b[8] -= 1;
    assert!(matches!(read_ptau(&b, 1), Err(FileError::Corrupt { .. })));
    // A section size running past the end.
    let mut b = bytes.clone();
    b[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(read_ptau(&b, 1), Err(FileError::Truncated { .. })));

    let bad = |f: fn(&mut Sections)| read_ptau(&ptau_with(f), 1);
    // n8 = 48 (another curve).
    assert!(matches!(
        bad(|s| section(s, 1)[0] = 48),
        Err(FileError::BadSection { section: 1, .. })
    ));
    // Another modulus.
    assert!(matches!(
        bad(|s| section(s, 1)[4] ^= 1),
        Err(FileError::BadSection { section: 1, .. })
    ));
    // Power 0 and power beyond 28.
    assert!(matches!(
        bad(|s| section(s, 1)[36..40].copy_from_slice(&0u32.to_le_bytes())),
        Err(FileError::BadSection { section: 1, .. })
    ));
    assert!(matches!(
        bad(|s| section(s, 1)[36..40].copy_from_slice(&29u32.to_le_bytes())),
        Err(FileError::BadSection { section: 1, .. })
    ));
    // Power 5 claimed, sections sized for 6.
    assert!(matches!(
        bad(|s| section(s, 1)[36..40].copy_from_slice(&5u32.to_le_bytes())),
        Err(FileError::BadSection { section: 2, .. })
    ));
    // Header section of the wrong size.
    assert!(matches!(
        bad(|s| section(s, 1).push(0)),
        Err(FileError::BadSection { section: 1, .. })
    ));
    // tauG1 one point short; tauG2 one point long.
    assert!(matches!(
        bad(|s| {
            let g = section(s, 2);
            g.truncate(g.len() - 64);
        }),
        Err(FileError::BadSection { section: 2, .. })
    ));
    assert!(matches!(
        bad(|s| section(s, 3).extend_from_slice(&[0; 128])),
        Err(FileError::BadSection { section: 3, .. })
    ));
    // Missing sections, duplicated section.
    assert!(matches!(
        bad(|s| s.retain(|(t, _)| *t != 3)),
        Err(FileError::BadSection { section: 3, .. })
    ));
    assert!(matches!(
        bad(|s| s.retain(|(t, _)| *t != 1)),
        Err(FileError::BadSection { section: 1, .. })
    ));
    assert!(matches!(
        bad(|s| {
            let dup = s[5].clone();
            s.push(dup);
        }),
        Err(FileError::Corrupt { .. })
    ));
    // Sections in another order and unknown sections are fine.
    let mut s = ptau_sections(&bytes);
    s.reverse();
    s.push((99, vec![1, 2, 3]));
    assert!(read_ptau(&ptau_build(&s), 2).is_ok());
}

#[test]
fn ptau_invalid_points_and_failed_checks() {
    let gen_raw = G1Affine::generator().to_raw_bytes();
    let mut off = G1Affine::generator();
    off.y += Fq::ONE;
    let off_raw = off.to_raw_bytes();

    let read = |f: &dyn Fn(&mut Sections), k: u32| {
        let b = ptau_with(|s| f(s));
        read_ptau(&b, k)
    };
    // Off-curve and non-canonical tauG1 points.
    assert!(matches!(
        read(
            &|s| section(s, 2)[64 * 2..64 * 3].copy_from_slice(&off_raw),
            3
        ),
        Err(FileError::InvalidPoint {
            what: "tauG1",
            index: 2,
            ..
        })
    ));
    assert!(matches!(
        read(
            &|s| section(s, 2)[64 * 5..64 * 5 + 32].copy_from_slice(&[0xff; 32]),
            3
        ),
        Err(FileError::InvalidPoint {
            what: "tauG1",
            index: 5,
            ..
        })
    ));
    // Off-curve and off-subgroup tauG2 points.
    let mut g2_off = G2Affine::generator();
    g2_off.y += Fq2::ONE;
    assert!(matches!(
        read(
            &|s| section(s, 3)[128..256].copy_from_slice(&g2_off.to_raw_bytes()),
            3
        ),
        Err(FileError::InvalidPoint {
            what: "tauG2",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        read(
            &|s| section(s, 3)[128..256].copy_from_slice(&off_subgroup_g2().to_raw_bytes()),
            3
        ),
        Err(FileError::InvalidPoint {
            what: "tauG2",
            index: 1,
            reason: "not in the prime-order subgroup",
            ..
        })
    ));
    // tauG1[0] not the generator.
    let two_g = (G1Affine::generator() * Fr::from(2))
        .to_affine()
        .to_raw_bytes();
    assert!(matches!(
        read(&|s| section(s, 2)[..64].copy_from_slice(&two_g), 3),
        Err(FileError::InvalidSetup { .. })
    ));
    // tauG2[0] not the generator.
    let two_g2 = (G2Affine::generator() * Fr::from(2))
        .to_affine()
        .to_raw_bytes();
    assert!(matches!(
        read(&|s| section(s, 3)[..128].copy_from_slice(&two_g2), 3),
        Err(FileError::InvalidSetup { .. })
    ));
    // Pairing check: tauG1[1] replaced by tauG1[2].
    assert!(matches!(
        read(
            &|s| {
                let g = section(s, 2);
                let p2 = g[128..192].to_vec();
                g[64..128].copy_from_slice(&p2);
            },
            3
        ),
        Err(FileError::InvalidSetup {
            check: "e(g[1], g2) != e(g[0], s_g2)",
            ..
        })
    ));
    // A later power replaced: caught by the consecutive-powers check when inside 2^k ...
    let swap4 = |s: &mut Sections| {
        let g = section(s, 2);
        let p5 = g[64 * 5..64 * 6].to_vec();
        g[64 * 4..64 * 5].copy_from_slice(&p5);
    };
    assert!(matches!(
        read(&swap4, 3),
        Err(FileError::InvalidSetup {
            check: "the points are not consecutive powers of tau",
            ..
        })
    ));
    // ... and irrelevant when outside it.
    assert!(read(&swap4, 2).is_ok());
    // A ceremony without contribution (tau = 1): every point is the generator.
    let degenerate = |s: &mut Sections| {
        let g2_raw = G2Affine::generator().to_raw_bytes();
        for p in section(s, 2).chunks_exact_mut(64) {
            p.copy_from_slice(&gen_raw);
        }
        for p in section(s, 3).chunks_exact_mut(128) {
            p.copy_from_slice(&g2_raw);
        }
    };
    assert!(matches!(
        read(&degenerate, 3),
        Err(FileError::InvalidSetup {
            check: "tau is 0 or 1 (a ceremony without any contribution)",
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Keys and proofs

#[test]
fn keys_and_proofs_round_trip_and_verify() {
    let f = fixture();
    let vk = read_vk_sq(&f.vk_file, &f.params).unwrap();
    let pk = read_pk_sq(&f.pk_file, &f.params).unwrap();
    assert_eq!(vk.transcript_repr(), f.vk.transcript_repr());
    assert_eq!(pk.get_vk().transcript_repr(), f.vk.transcript_repr());
    // The read pk is byte-identical to the original.
    assert_eq!(pk_to_bytes(&pk, &FP), f.pk_file);
    assert_eq!(vk_to_bytes(&vk, &FP), f.vk_file);

    // The proof file from the original pk verifies with the read vk.
    let proof = ProofFile::from_bytes(&f.proof_file).unwrap();
    proof.check(&FP, &vk).unwrap();
    assert_eq!(proof.to_bytes(), f.proof_file);
    assert!(verify(
        &f.params,
        &vk,
        &proof.instance_slices(),
        &proof.proof
    ));

    // A proof made with the read pk verifies with the original vk.
    let (y, p) = prove(&f.params, &pk, Fr::from(1234));
    assert!(verify(&f.params, &f.vk, &[&[y]], &p));
    assert!(!verify(&f.params, &f.vk, &[&[y.double()]], &p));

    // Streams.
    let mut out = Vec::new();
    write_vk(&mut out, &f.vk, &FP).unwrap();
    write_pk(&mut out, &f.pk, &FP).unwrap();
    proof.write(&mut out).unwrap();
    let mut r = Cursor::new(out);
    let vk2 = read_vk::<Square, _>(&mut r, &f.params, &FP, ()).unwrap();
    let _pk2 = read_pk::<Square, _>(&mut r, &f.params, &FP, ()).unwrap();
    let proof2 = ProofFile::read(&mut r).unwrap();
    assert_eq!(proof2, proof);
    assert!(verify(
        &f.params,
        &vk2,
        &proof2.instance_slices(),
        &proof2.proof
    ));
    assert_eq!(r.position() as usize, r.get_ref().len());
}

#[test]
fn keys_round_trip_at_k5_and_k6() {
    for k in [5, 6] {
        let params = dev_params(k);
        let (vk, pk) = keys(&params);
        let vk2 = read_vk_sq(&vk_to_bytes(&vk, &FP), &params).unwrap();
        let pk2 = read_pk_sq(&pk_to_bytes(&pk, &FP), &params).unwrap();
        let (y, proof) = prove(&params, &pk2, Fr::from(k as u64));
        assert!(verify(&params, &vk2, &[&[y]], &proof));
    }
}

#[test]
fn container_files_truncated_at_every_length() {
    let f = fixture();
    for len in 0..f.vk_file.len() {
        assert!(
            matches!(
                read_vk_sq(&f.vk_file[..len], &f.params),
                Err(FileError::Truncated { .. })
            ),
            "vk cut at {len}"
        );
        assert!(
            matches!(
                read_vk::<Square, _>(&mut &f.vk_file[..len], &f.params, &FP, ()),
                Err(FileError::Truncated { .. })
            ),
            "vk stream cut at {len}"
        );
    }
    for len in 0..f.proof_file.len() {
        assert!(
            matches!(
                ProofFile::from_bytes(&f.proof_file[..len]),
                Err(FileError::Truncated { .. })
            ),
            "proof cut at {len}"
        );
    }
    for len in 0..f.pk_file.len() {
        assert!(
            matches!(
                read_pk_sq(&f.pk_file[..len], &f.params),
                Err(FileError::Truncated { .. })
            ),
            "pk cut at {len}"
        );
    }
    // One byte too many.
    let mut long = f.vk_file.clone();
    long.push(0);
    assert!(matches!(
        read_vk_sq(&long, &f.params),
        Err(FileError::Corrupt { .. })
    ));
}

/// What flipping one bit at `pos` of a container must give.
fn expect_flip(pos: usize, err: &FileError) -> bool {
    match pos {
        0..8 => matches!(err, FileError::BadMagic { .. }),
        8..12 => matches!(err, FileError::UnsupportedVersion { .. }),
        48..56 => matches!(err, FileError::Truncated { .. } | FileError::Corrupt { .. }),
        _ => matches!(err, FileError::Corrupt { .. }),
    }
}

#[test]
fn container_files_with_a_flipped_bit_anywhere() {
    let f = fixture();
    for (name, file) in [("vk", &f.vk_file), ("proof", &f.proof_file)] {
        for pos in 0..file.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = file.clone();
                b[pos] ^= bit;
                let err = if name == "vk" {
                    read_vk_sq(&b, &f.params).map(|_| ()).unwrap_err()
                } else {
                    ProofFile::from_bytes(&b).map(|_| ()).unwrap_err()
                };
                assert!(
                    expect_flip(pos, &err),
                    "{name} flip {bit:#x} at {pos}: {err}"
                );
            }
        }
    }
    // The proving key is larger: flip every 7th byte.
    for pos in (0..f.pk_file.len()).step_by(7) {
        let mut b = f.pk_file.clone();
        b[pos] ^= 0x10;
        let err = read_pk_sq(&b, &f.params).map(|_| ()).unwrap_err();
        assert!(expect_flip(pos, &err), "pk flip at {pos}: {err}");
    }
    // Wrong magic for the kind.
    assert!(matches!(
        read_vk_sq(&f.pk_file, &f.params),
        Err(FileError::BadMagic { .. })
    ));
    assert!(matches!(
        ProofFile::from_bytes(&f.vk_file),
        Err(FileError::BadMagic { .. })
    ));
    // A future version.
    let mut v2 = f.vk_file.clone();
    v2[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert!(matches!(
        read_vk_sq(&v2, &f.params),
        Err(FileError::UnsupportedVersion {
            found: 2,
            supported: 1,
            ..
        })
    ));
}

#[test]
fn fingerprint_and_k_mismatches() {
    let f = fixture();
    let other_chain_vk = vk_to_bytes(&f.vk, &OTHER_FP);
    match read_vk_sq(&other_chain_vk, &f.params) {
        Err(FileError::FingerprintMismatch {
            expected, found, ..
        }) => {
            assert_eq!(expected, FP);
            assert_eq!(found, OTHER_FP);
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert!(matches!(
        read_pk_sq(&pk_to_bytes(&f.pk, &OTHER_FP), &f.params),
        Err(FileError::FingerprintMismatch { .. })
    ));
    let proof = ProofFile::from_bytes(&f.proof_file).unwrap();
    assert!(matches!(
        proof.check(&OTHER_FP, &f.vk),
        Err(FileError::FingerprintMismatch { .. })
    ));
    // k of the params in use.
    let params5 = dev_params(5);
    assert!(matches!(
        read_vk_sq(&f.vk_file, &params5),
        Err(FileError::KMismatch {
            file_k: 4,
            expected_k: 5,
            ..
        })
    ));
    assert!(matches!(
        read_pk_sq(&f.pk_file, &params5),
        Err(FileError::KMismatch {
            file_k: 4,
            expected_k: 5,
            ..
        })
    ));
    let (vk5, _) = keys(&params5);
    assert!(matches!(
        proof.check(&FP, &vk5),
        Err(FileError::KMismatch {
            file_k: 4,
            expected_k: 5,
            ..
        })
    ));
    let mut wrong_cols = proof.clone();
    wrong_cols.public_inputs.push(vec![]);
    assert!(matches!(
        wrong_cols.check(&FP, &f.vk),
        Err(FileError::Corrupt { .. })
    ));
    // The messages name what was expected.
    let msg = read_vk_sq(&other_chain_vk, &f.params)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("expected fingerprint a5a5"), "{msg}");
}

#[test]
fn keys_for_another_circuit_are_rejected() {
    let f = fixture();
    let circuit = AddConst::default();
    let vk = keygen_vk(&f.params, &circuit).unwrap();
    let pk = keygen_pk(&f.params, vk.clone(), &circuit).unwrap();
    // AddConst's keys read as Square's (same fingerprint, same k): the shapes differ.
    assert!(matches!(
        read_vk_sq(&vk_to_bytes(&vk, &FP), &f.params),
        Err(FileError::Corrupt { .. })
    ));
    assert!(matches!(
        read_pk_sq(&pk_to_bytes(&pk, &FP), &f.params),
        Err(FileError::Corrupt { .. })
    ));
    // And the other way round.
    assert!(matches!(
        vk_from_bytes::<AddConst>(&f.vk_file, &f.params, &FP, ()),
        Err(FileError::Corrupt { .. })
    ));
    let err = pk_from_bytes::<AddConst>(&f.pk_file, &f.params, &FP, ()).map(|_| ());
    assert!(matches!(err, Err(FileError::Corrupt { .. })), "{err:?}");
    // Its own keys read fine.
    vk_from_bytes::<AddConst>(&vk_to_bytes(&vk, &FP), &f.params, &FP, ()).unwrap();
    pk_from_bytes::<AddConst>(&pk_to_bytes(&pk, &FP), &f.params, &FP, ()).unwrap();
}

/// Offset of the first polynomial (`l0`) in a Square pk body, i.e. the length of the vk part.
fn vk_part_len(f: &Fixture) -> usize {
    body_of(&f.vk_file).len()
}

#[test]
fn forged_bodies_with_valid_checksums_are_rejected() {
    let f = fixture();
    let k = 4;
    let vk_body = body_of(&f.vk_file);
    let pk_body = body_of(&f.pk_file);
    let vk_err = |body: &[u8]| read_vk_sq(&seal(VK_MAGIC, k, &FP, body), &f.params).unwrap_err();
    let pk_err = |body: &[u8]| read_pk_sq(&seal(PK_MAGIC, k, &FP, body), &f.params).unwrap_err();

    // Sanity: resealing an intact body reads fine.
    read_vk_sq(&seal(VK_MAGIC, k, &FP, &vk_body), &f.params).unwrap();

    // vk: halo2 version byte, inner k, compress flag, hostile fixed count, off-curve point.
    let mut b = vk_body.clone();
    b[0] = 3;
    assert!(matches!(vk_err(&b), FileError::Corrupt { .. }));
    let mut b = vk_body.clone();
    b[1] = 5;
    assert!(matches!(vk_err(&b), FileError::Corrupt { .. }));
    let mut b = vk_body.clone();
    b[5] = 2;
    assert!(matches!(vk_err(&b), FileError::Corrupt { .. }));
    // Compressed selectors claimed for a key made without: some typed error, no panic.
    let mut b = vk_body.clone();
    b[5] = 1;
    let _ = vk_err(&b);
    let mut b = pk_body.clone();
    b[5] = 1;
    let _ = pk_err(&b);
    let mut b = vk_body.clone();
    b[6..10].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(vk_err(&b), FileError::Corrupt { .. }));
    let mut b = vk_body.clone();
    let mut off = G1Affine::generator();
    off.y += Fq::ONE;
    b[10..74].copy_from_slice(&off.to_raw_bytes());
    assert!(matches!(
        vk_err(&b),
        FileError::InvalidPoint {
            what: "fixed commitment",
            index: 0,
            ..
        }
    ));
    let mut b = vk_body.clone();
    b[10..42].copy_from_slice(&[0xff; 32]);
    assert!(matches!(vk_err(&b), FileError::Corrupt { .. }));
    assert!(matches!(vk_err(&[]), FileError::Corrupt { .. }));

    // pk: hostile polynomial length, non-canonical element, wrong counts, trailing bytes.
    let at = vk_part_len(&f);
    let mut b = pk_body.clone();
    b[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(pk_err(&b), FileError::Corrupt { .. }));
    let mut b = pk_body.clone();
    b[at + 4..at + 36].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        pk_err(&b),
        FileError::NonCanonicalField {
            what: "l0",
            index: 0,
            ..
        }
    ));
    let fixed_count_at = at + 3 * (4 + 16 * 32);
    let mut b = pk_body.clone();
    b[fixed_count_at..fixed_count_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(pk_err(&b), FileError::Corrupt { .. }));
    let mut b = pk_body.clone();
    b.extend_from_slice(&[0; 32]);
    assert!(matches!(pk_err(&b), FileError::Corrupt { .. }));
    let b = pk_body[..pk_body.len() - 1].to_vec();
    assert!(matches!(pk_err(&b), FileError::Corrupt { .. }));

    // Proof: non-canonical public input, hostile counts and lengths.
    let proof = ProofFile::from_bytes(&f.proof_file).unwrap();
    let body = body_of(&f.proof_file);
    let proof_err =
        |body: &[u8]| ProofFile::from_bytes(&seal(PROOF_MAGIC, k, &FP, body)).unwrap_err();
    let mut b = body.clone();
    b[8..40].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        proof_err(&b),
        FileError::NonCanonicalField {
            what: "public input",
            index: 0,
            ..
        }
    ));
    // The modulus itself is not canonical either.
    let mut b = body.clone();
    let mut modulus = (-Fr::ONE).to_repr();
    modulus[0] += 1;
    b[8..40].copy_from_slice(modulus.as_ref());
    assert!(matches!(proof_err(&b), FileError::NonCanonicalField { .. }));
    let mut b = body.clone();
    b[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(proof_err(&b), FileError::Corrupt { .. }));
    let mut b = body.clone();
    b[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(proof_err(&b), FileError::Corrupt { .. }));
    let mut b = body.clone();
    b[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(proof_err(&b), FileError::Corrupt { .. }));
    assert_eq!(
        ProofFile::from_bytes(&seal(PROOF_MAGIC, k, &FP, &body)).unwrap(),
        proof
    );
}

#[test]
fn proof_checked_against_another_setup_fails_cleanly() {
    let f = fixture();
    let ptau_params = read_ptau(&ptau_bytes(), 4).unwrap();
    let proof = ProofFile::from_bytes(&f.proof_file).unwrap();
    // Same circuit, keys from the ptau setup: the dev-setup proof does not verify.
    let (ptau_vk, ptau_pk) = keys(&ptau_params);
    proof.check(&FP, &ptau_vk).unwrap();
    assert!(!verify(
        &ptau_params,
        &ptau_vk,
        &proof.instance_slices(),
        &proof.proof
    ));
    // Dev vk with ptau params, and a ptau proof with dev params.
    assert!(!verify(
        &ptau_params,
        &f.vk,
        &proof.instance_slices(),
        &proof.proof
    ));
    let (y, p) = prove(&ptau_params, &ptau_pk, Fr::from(5));
    assert!(verify(&ptau_params, &ptau_vk, &[&[y]], &p));
    assert!(!verify(&f.params, &f.vk, &[&[y]], &p));
    assert!(!verify(&f.params, &ptau_vk, &[&[y]], &p));
    // Garbage proof bytes fail cleanly too.
    assert!(!verify(&f.params, &f.vk, &[&[y]], &[]));
    assert!(!verify(&f.params, &f.vk, &[&[y]], &[0xff; 700]));
}

#[test]
fn readers_never_panic_on_random_bytes() {
    let f = fixture();
    let mut rng = ChaCha20Rng::from_seed([42; 32]);
    let ptau = ptau_bytes();
    for i in 0..400 {
        let len = rng.gen_range(0..400);
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        assert!(read_params(&bytes).is_err());
        assert!(read_ptau(&bytes, 1).is_err());
        assert!(ptau_info(&bytes).is_err());
        assert!(read_vk_sq(&bytes, &f.params).is_err());
        assert!(read_pk_sq(&bytes, &f.params).is_err());
        assert!(ProofFile::from_bytes(&bytes).is_err());

        // Past the magic and version checks: a plausible header with a random body.
        let k = if i % 2 == 0 { 4 } else { rng.r#gen::<u32>() };
        let mut body = vec![0u8; len];
        rng.fill_bytes(&mut body);
        if i % 3 == 0 && len >= 10 {
            // Keep halo2's vk prefix plausible so the body reaches halo2's reader.
            body[..10].copy_from_slice(&body_of(&f.vk_file)[..10]);
        }
        assert!(read_vk_sq(&seal(VK_MAGIC, k, &FP, &body), &f.params).is_err());
        assert!(read_pk_sq(&seal(PK_MAGIC, k, &FP, &body), &f.params).is_err());
        let _ = ProofFile::from_bytes(&seal(PROOF_MAGIC, k, &FP, &body));

        // Random bytes spliced into real files.
        let mut p = ptau.clone();
        let at = rng.gen_range(0..p.len());
        let n = rng.gen_range(1..16).min(p.len() - at);
        rng.fill_bytes(&mut p[at..at + n]);
        let _ = read_ptau(&p, 2);
        let mut v = f.vk_file.clone();
        let at = rng.gen_range(0..v.len());
        v[at] = rng.r#gen();
        let _ = read_vk_sq(&v, &f.params);

        let mut params = params_bytes(&dev_params(2), ParamsFormat::Processed);
        let at = rng.gen_range(0..params.len());
        params[at] = rng.r#gen();
        let _ = read_params(&params);
    }
    // A random body behind a valid pk prefix (the whole vk part) reaches the polynomial scanner.
    let vk_part = body_of(&f.vk_file);
    for _ in 0..200 {
        let mut body = vk_part.clone();
        let extra = rng.gen_range(0..2000);
        let start = body.len();
        body.resize(start + extra, 0);
        rng.fill_bytes(&mut body[start..]);
        assert!(read_pk_sq(&seal(PK_MAGIC, 4, &FP, &body), &f.params).is_err());
    }
}

#[test]
fn error_messages_say_what_was_expected() {
    let f = fixture();
    let msg = read_vk_sq(b"STELEPK\0xxxx", &f.params)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("STELEVK"), "{msg}");
    let msg = read_ptau(&ptau_bytes(), 9).unwrap_err().to_string();
    assert!(msg.contains("k = 9") && msg.contains("k = 6"), "{msg}");
    let mut b = ptau_bytes();
    b[24] = 48;
    let msg = read_ptau(&b, 1).unwrap_err().to_string();
    assert!(msg.contains("n8 = 32") && msg.contains("n8 = 48"), "{msg}");
    let msg = read_params(&[1, 0]).unwrap_err().to_string();
    assert!(msg.contains("truncated"), "{msg}");
}
