//! The typed error every file reader and writer returns.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Which kind of file an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// KZG parameters in halo2-axiom's own format.
    Params,
    /// A snarkjs powers-of-tau file.
    Ptau,
    /// A Stele verifying-key container.
    VerifyingKey,
    /// A Stele proving-key container.
    ProvingKey,
    /// A Stele proof container.
    Proof,
    /// A Stele proof container holding a proof for the EVM verifier (Keccak transcript).
    EvmProof,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Params => "KZG params file",
            FileKind::Ptau => "snarkjs .ptau file",
            FileKind::VerifyingKey => "verifying-key file",
            FileKind::ProvingKey => "proving-key file",
            FileKind::Proof => "proof file",
            FileKind::EvmProof => "EVM proof file",
        })
    }
}

/// Everything that can go wrong reading or writing a file of the proving system.
///
/// `Display` says what was expected and what was found.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// The operating system failed to read or write (other than a short read).
    Io {
        /// The file, when the operation had one.
        path: Option<PathBuf>,
        /// The underlying error.
        source: io::Error,
    },
    /// The file does not start with the expected magic bytes.
    BadMagic {
        /// What was being read.
        kind: FileKind,
        /// The expected magic.
        expected: &'static [u8],
        /// The bytes found there (possibly shorter, if the file is that short).
        found: Vec<u8>,
    },
    /// The file's format version is not one this build reads.
    UnsupportedVersion {
        /// What was being read.
        kind: FileKind,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The file ends before a part that must be there.
    Truncated {
        /// What was being read.
        kind: FileKind,
        /// The part that is cut short.
        what: &'static str,
        /// Bytes needed (counted from the start of the file).
        needed: u64,
        /// Bytes present.
        available: u64,
    },
    /// The file is structurally damaged: bad checksum, inconsistent lengths, trailing bytes,
    /// a body halo2 cannot parse, a key that does not fit the circuit, ...
    Corrupt {
        /// What was being read.
        kind: FileKind,
        /// What is wrong, in words.
        reason: String,
    },
    /// A section of a `.ptau` file is missing or has the wrong size.
    BadSection {
        /// The section type (1 = header, 2 = tauG1, 3 = tauG2, ...).
        section: u32,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A curve point does not decode, is not on the curve or not in the prime-order subgroup.
    InvalidPoint {
        /// What was being read.
        kind: FileKind,
        /// Which list of points ("g", "tauG1", "fixed commitment", ...).
        what: &'static str,
        /// Its index in that list.
        index: usize,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A field element is not in canonical form (its value is not below the modulus), or the
    /// file is for another field.
    NonCanonicalField {
        /// What was being read.
        kind: FileKind,
        /// Which element.
        what: &'static str,
        /// Its index.
        index: usize,
    },
    /// The file is for a different chain or circuit than the caller expects.
    FingerprintMismatch {
        /// What was being read.
        kind: FileKind,
        /// The fingerprint the caller expects.
        expected: [u8; 32],
        /// The fingerprint in the file.
        found: [u8; 32],
    },
    /// The file's `k` differs from the `k` of the parameters (or key) it is used with.
    KMismatch {
        /// What was being read.
        kind: FileKind,
        /// `k` in the file.
        file_k: u32,
        /// `k` of the parameters or key it must match.
        expected_k: u32,
    },
    /// A `k` beyond what the setup (or this implementation) supports was requested or found.
    KTooLarge {
        /// What was being read.
        kind: FileKind,
        /// The requested `k`.
        requested: u32,
        /// The largest `k` available.
        max: u32,
    },
    /// The setup is not a consistent powers-of-tau: a generator is wrong, a pairing check
    /// failed, or tau is trivial.
    InvalidSetup {
        /// What was being read.
        kind: FileKind,
        /// Which check failed.
        check: &'static str,
    },
}

impl FileError {
    pub(crate) fn corrupt(kind: FileKind, reason: impl Into<String>) -> Self {
        FileError::Corrupt {
            kind,
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: Option<PathBuf>, source: io::Error) -> Self {
        FileError::Io { path, source }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn printable(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io {
                path: Some(p),
                source,
            } => {
                write!(f, "I/O error on {}: {source}", p.display())
            }
            FileError::Io { path: None, source } => write!(f, "I/O error: {source}"),
            FileError::BadMagic {
                kind,
                expected,
                found,
            } => write!(
                f,
                "not a {kind}: expected magic bytes \"{}\", found \"{}\"",
                printable(expected),
                printable(found)
            ),
            FileError::UnsupportedVersion {
                kind,
                found,
                supported,
            } => write!(
                f,
                "unsupported {kind} format version {found} (this build reads version {supported})"
            ),
            FileError::Truncated {
                kind,
                what,
                needed,
                available,
            } => write!(
                f,
                "truncated {kind}: {what} needs {needed} bytes, the file has {available}"
            ),
            FileError::Corrupt { kind, reason } => write!(f, "corrupt {kind}: {reason}"),
            FileError::BadSection {
                section,
                expected,
                found,
            } => write!(
                f,
                "bad section {section} in snarkjs .ptau file: expected {expected}, found {found}"
            ),
            FileError::InvalidPoint {
                kind,
                what,
                index,
                reason,
            } => write!(f, "invalid curve point {what}[{index}] in {kind}: {reason}"),
            FileError::NonCanonicalField { kind, what, index } => write!(
                f,
                "{what}[{index}] in {kind} is not a canonical field element (expected a value below the modulus)"
            ),
            FileError::FingerprintMismatch {
                kind,
                expected,
                found,
            } => write!(
                f,
                "{kind} belongs to another chain or circuit: expected fingerprint {}, found {}",
                hex(expected),
                hex(found)
            ),
            FileError::KMismatch {
                kind,
                file_k,
                expected_k,
            } => write!(
                f,
                "{kind} is for k = {file_k}, but the parameters it is used with have k = {expected_k}"
            ),
            FileError::KTooLarge {
                kind,
                requested,
                max,
            } => write!(
                f,
                "k = {requested} requested from {kind}, but at most k = {max} is available"
            ),
            FileError::InvalidSetup { kind, check } => {
                write!(f, "{kind} is not a valid powers-of-tau setup: {check}")
            }
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
