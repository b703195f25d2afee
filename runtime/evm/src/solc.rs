//! The Solidity compiler: npm's `solc` package (solc-js, the official WebAssembly build), run by
//! Node.js through its standard-JSON interface.
//!
//! The package is found, in order, from `STELE_SOLC` (a folder holding `node_modules/solc`),
//! then `runtime/evm/solc` in the Stele checkout this build came from, then in the current
//! folder and its parents (`runtime/evm/solc`). `npm ci --prefix runtime/evm/solc` installs it
//! from the lockfile. Node.js is `STELE_NODE` or `node` on the `PATH`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::EvmError;

/// The compiler version the contracts are written for (`pragma solidity 0.8.19`).
pub const SOLC_VERSION: &str = "0.8.19";

/// A located compiler.
#[derive(Clone, Debug)]
pub struct Solc {
    node: String,
    /// The `node_modules/solc` folder.
    package: PathBuf,
}

/// How to compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// For the generated verifier, one large assembly block: the Yul optimizer (and via-IR)
    /// must stay off, as they run out of stack or miscompile it; the bytecode optimizer
    /// (peephole, deduplication, constants) and no metadata trailer keep it under EIP-170.
    Verifier,
    /// Optimizer on, 200 runs: for the settlement contract.
    Standard,
}

/// Creation and runtime bytecode of one contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    /// What a deployment transaction carries (constructor arguments are appended to it).
    pub creation: Vec<u8>,
    /// The code the contract holds once deployed (EIP-170 limits its size).
    pub runtime: Vec<u8>,
}

// Reads `{ input, package }` on stdin, compiles, and prints the standard-JSON output.
const DRIVER: &str = r#"
const fs = require('fs');
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const solc = require(job.package);
process.stdout.write(JSON.stringify({ version: solc.version(), output: JSON.parse(solc.compile(JSON.stringify(job.input))) }));
"#;

fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("STELE_SOLC") {
        out.push(PathBuf::from(dir));
        return out;
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("solc"));
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            out.push(dir.join("runtime").join("evm").join("solc"));
        }
    }
    out
}

impl Solc {
    /// Finds Node.js and the `solc` package, and checks the compiler's version.
    pub fn locate() -> Result<Solc, EvmError> {
        let node = std::env::var("STELE_NODE").unwrap_or_else(|_| "node".into());
        let dirs = candidates();
        let package = dirs
            .iter()
            .map(|d| d.join("node_modules").join("solc"))
            .find(|p| p.join("package.json").is_file())
            .ok_or_else(|| EvmError::SolcMissing {
                searched: dirs.iter().map(|d| d.display().to_string()).collect(),
            })?;
        let solc = Solc { node, package };
        let version = solc.run(&serde_json::json!({}))?.0;
        if !version.starts_with(&format!("{SOLC_VERSION}+")) {
            return Err(EvmError::SolcVersion {
                found: version,
                expected: SOLC_VERSION,
            });
        }
        Ok(solc)
    }

    fn run(&self, input: &serde_json::Value) -> Result<(String, serde_json::Value), EvmError> {
        let job = serde_json::json!({ "input": input, "package": self.package });
        let node_err = |e: std::io::Error| EvmError::NodeMissing {
            tried: self.node.clone(),
            reason: e.to_string(),
        };
        let mut child = Command::new(&self.node)
            .arg("-e")
            .arg(DRIVER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(node_err)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(job.to_string().as_bytes())
                .map_err(node_err)?;
        }
        let out = child.wait_with_output().map_err(node_err)?;
        let compile_err = |message: String| EvmError::Compile {
            contract: "(compiler)".into(),
            message,
        };
        if !out.status.success() {
            return Err(compile_err(format!(
                "Node.js exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let mut value: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| compile_err(format!("unreadable compiler output: {e}")))?;
        let version = value["version"].as_str().unwrap_or_default().to_string();
        Ok((version, value["output"].take()))
    }

    /// Compiles `source`, which defines contract `name`, with the legacy code generator
    /// (never via-IR).
    pub fn compile(&self, name: &str, source: &str, mode: Mode) -> Result<Compiled, EvmError> {
        let file = format!("{name}.sol");
        let settings = match mode {
            Mode::Verifier => serde_json::json!({
                "optimizer": { "enabled": true, "runs": 1, "details": { "yul": false } },
                "metadata": { "appendCBOR": false },
            }),
            Mode::Standard => serde_json::json!({
                "optimizer": { "enabled": true, "runs": 200 },
            }),
        };
        let mut input = serde_json::json!({
            "language": "Solidity",
            "sources": { &file: { "content": source } },
            "settings": settings,
        });
        input["settings"]["viaIR"] = false.into();
        input["settings"]["outputSelection"] = serde_json::json!({
            "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object"] }
        });
        let (_, output) = self.run(&input)?;
        let err = |message: String| EvmError::Compile {
            contract: name.into(),
            message,
        };
        let errors: Vec<String> = output["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| e["severity"] == "error")
                    .map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_string())
                    .collect()
            })
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(err(errors.join("\n")));
        }
        let evm = &output["contracts"][&file][name]["evm"];
        let code = |key: &str| -> Result<Vec<u8>, EvmError> {
            let hex = evm[key]["object"]
                .as_str()
                .ok_or_else(|| err(format!("no `{key}` in the compiler's output")))?;
            decode_hex(hex).ok_or_else(|| err(format!("`{key}` is not hex")))
        };
        let compiled = Compiled {
            creation: code("bytecode")?,
            runtime: code("deployedBytecode")?,
        };
        if compiled.creation.is_empty() || compiled.runtime.is_empty() {
            return Err(err("the compiler produced no code".into()));
        }
        Ok(compiled)
    }
}

/// Bytes of a hex string (an optional `0x` prefix allowed).
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim();
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Lower-case hex of `bytes`, without a prefix.
pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
