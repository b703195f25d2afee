//! The compiled-program artifact: `STELEIR\0`, the format version as a little-endian `u32`, then
//! the program as JSON. Reading one checks every layer, ending with the verifier, so a node never
//! runs a program it could not have compiled.

use std::fmt;

use crate::verify::{VerifyError, verify};
use crate::{FORMAT_VERSION, Program};

pub const MAGIC: &[u8; 8] = b"STELEIR\0";
const HEADER_LEN: usize = MAGIC.len() + 4;

#[derive(Debug)]
pub enum ArtifactError {
    /// Shorter than the header, or the body ends early.
    Truncated,
    /// Does not start with [`MAGIC`]: not a Stele IR artifact.
    BadMagic,
    /// Written by another version of the format.
    UnsupportedVersion(u32),
    /// The body is not a program.
    Corrupt(String),
    /// The body is a program, but one that breaks the IR rules.
    Invalid(Vec<VerifyError>),
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactError::Truncated => f.write_str("the IR artifact is truncated"),
            ArtifactError::BadMagic => f.write_str("not a Stele IR artifact (bad magic bytes)"),
            ArtifactError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "IR artifact format version {v} is not supported (this build reads {FORMAT_VERSION})"
                )
            }
            ArtifactError::Corrupt(why) => write!(f, "the IR artifact is corrupt: {why}"),
            ArtifactError::Invalid(errors) => {
                write!(f, "the IR artifact holds an invalid program")?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ArtifactError {}

/// The artifact bytes of a program.
pub fn to_artifact(program: &Program) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + 1024);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    // Plain data with string keys only: serialisation cannot fail.
    serde_json::to_writer(&mut out, program).expect("an IR program serialises to JSON");
    out
}

/// Reads and verifies an artifact.
pub fn from_artifact(bytes: &[u8]) -> Result<Program, ArtifactError> {
    if bytes.len() < MAGIC.len() {
        return Err(if MAGIC.starts_with(bytes) {
            ArtifactError::Truncated
        } else {
            ArtifactError::BadMagic
        });
    }
    if &bytes[..MAGIC.len()] != MAGIC {
        return Err(ArtifactError::BadMagic);
    }
    let Some(version) = bytes.get(MAGIC.len()..HEADER_LEN) else {
        return Err(ArtifactError::Truncated);
    };
    let version = u32::from_le_bytes([version[0], version[1], version[2], version[3]]);
    if version != FORMAT_VERSION {
        return Err(ArtifactError::UnsupportedVersion(version));
    }
    let program: Program =
        serde_json::from_slice(&bytes[HEADER_LEN..]).map_err(|e| match e.classify() {
            serde_json::error::Category::Eof => ArtifactError::Truncated,
            _ => ArtifactError::Corrupt(e.to_string()),
        })?;
    verify(&program).map_err(ArtifactError::Invalid)?;
    Ok(program)
}
