//! The binary artifact: a program survives the trip, and every way a file can be wrong is told
//! apart (and none panics).

use std::path::Path;

use stele_ir::artifact::MAGIC;
use stele_ir::{ArtifactError, FORMAT_VERSION, from_artifact, parse, to_artifact};

fn token() -> stele_ir::Program {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ok/token.ir");
    parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn program_round_trips_through_an_artifact() {
    let program = token();
    let bytes = to_artifact(&program);
    assert_eq!(&bytes[..8], b"STELEIR\0");
    assert_eq!(bytes[8..12], FORMAT_VERSION.to_le_bytes());
    assert_eq!(from_artifact(&bytes).unwrap(), program);
}

#[test]
fn each_kind_of_bad_artifact_has_its_own_error() {
    let good = to_artifact(&token());
    let with_version = |v: u32| {
        let mut b = good.clone();
        b[8..12].copy_from_slice(&v.to_le_bytes());
        b
    };
    let mut broken_program = token();
    broken_program.transitions[0].body[0].results.clear();
    let mut non_canonical = good.clone();
    non_canonical.truncate(12);
    non_canonical.extend_from_slice(
        serde_json::to_string(&token())
            .unwrap()
            .replacen("{\"Const\":[1,0,0,0]}", "{\"Const\":[18446744073709551615,18446744073709551615,18446744073709551615,18446744073709551615]}", 1)
            .as_bytes(),
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("half the magic", MAGIC[..4].to_vec()),
        ("wrong magic", b"NOTSTELE\x01\x00\x00\x00{}".to_vec()),
        ("short garbage", b"xy".to_vec()),
        ("magic without version", MAGIC.to_vec()),
        ("magic and half a version", good[..10].to_vec()),
        ("header without body", good[..12].to_vec()),
        ("future version", with_version(FORMAT_VERSION + 1)),
        ("version zero", with_version(0)),
        ("body cut short", good[..good.len() / 2].to_vec()),
        ("body not json", [&good[..12], b"\xff\xfe garbage"].concat()),
        (
            "json that is not a program",
            [&good[..12], b"{\"chain\": 5}"].concat(),
        ),
        ("trailing bytes", [&good[..], b"xx"].concat()),
        ("non-canonical constant", non_canonical),
        (
            "program that fails verification",
            to_artifact(&broken_program),
        ),
    ];
    let mut report = String::new();
    for (name, bytes) in cases {
        let outcome = match from_artifact(&bytes) {
            Ok(_) => "ok".to_string(),
            Err(e) => {
                let kind = match &e {
                    ArtifactError::Truncated => "Truncated",
                    ArtifactError::BadMagic => "BadMagic",
                    ArtifactError::UnsupportedVersion(_) => "UnsupportedVersion",
                    ArtifactError::Corrupt(_) => "Corrupt",
                    ArtifactError::Invalid(_) => "Invalid",
                };
                format!("{kind}: {e}")
            }
        };
        report.push_str(&format!("{name}: {outcome}\n"));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn every_prefix_and_flipped_byte_is_rejected_without_panic() {
    let good = to_artifact(&token());
    for cut in 0..good.len() {
        assert!(
            from_artifact(&good[..cut]).is_err(),
            "prefix of {cut} bytes accepted"
        );
    }
    for i in (0..good.len()).step_by(7) {
        let mut bytes = good.clone();
        bytes[i] ^= 0x55;
        let _ = from_artifact(&bytes);
    }
}
