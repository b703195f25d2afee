//! `stele key new` and `stele sign`: Baby Jubjub keys and EdDSA-Poseidon signatures, as
//! circomlibjs makes them (`stele_crypto::eddsa`).
//!
//! A key file is JSON:
//!
//! ```json
//! { "private_key": "<64 hex digits>", "public_key": { "x": "<decimal>", "y": "<decimal>" } }
//! ```
//!
//! `private_key` is the 32 bytes circomlibjs's `prv2pub` / `signPoseidon` take; `public_key` is
//! derived from it and must match when present (it guards against a file edited by hand).

use std::fmt;
use std::path::{Path, PathBuf};

use rand::RngCore;
use serde_json::{Value, json};
use stele_crypto::babyjub::Point;
use stele_crypto::eddsa::{PrivateKey, Signature};
use stele_crypto::{Fr, fr_from_str, fr_to_decimal, poseidon};

use crate::commands::{Failed, Outcome, error};

/// Why a key file cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyFileError {
    /// The file cannot be read.
    Read(String),
    /// Not JSON (line, column, message).
    Json(usize, usize, String),
    /// Not a JSON object with a string `private_key`.
    MissingPrivateKey,
    /// `private_key` is not 64 hexadecimal digits.
    BadPrivateKey,
    /// `public_key` is not `{ "x": decimal, "y": decimal }` with canonical field elements.
    BadPublicKey,
    /// `public_key` is not the key `private_key` derives.
    PublicKeyMismatch,
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFileError::Read(e) => write!(f, "cannot read the key file: {e}"),
            KeyFileError::Json(line, col, e) => write!(f, "{line}:{col}: invalid JSON: {e}"),
            KeyFileError::MissingPrivateKey => {
                write!(
                    f,
                    "no `private_key` string (a key file is an object with `private_key`)"
                )
            }
            KeyFileError::BadPrivateKey => {
                write!(f, "`private_key` must be 64 hexadecimal digits (32 bytes)")
            }
            KeyFileError::BadPublicKey => write!(
                f,
                "`public_key` must be {{ \"x\": \"<decimal>\", \"y\": \"<decimal>\" }} with values below the field modulus"
            ),
            KeyFileError::PublicKeyMismatch => write!(
                f,
                "`public_key` is not the public key of `private_key` (remove it to derive it again)"
            ),
        }
    }
}

fn hex_bytes(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `{ "x": decimal, "y": decimal }`.
pub fn point_json(p: &Point) -> Value {
    json!({ "x": fr_to_decimal(&p.x), "y": fr_to_decimal(&p.y) })
}

/// `{ "r8": point, "s": decimal }`: the shape of a `std::eddsa::Signature` argument.
pub fn signature_json(sig: &Signature) -> Value {
    json!({ "r8": point_json(&sig.r8), "s": fr_to_decimal(&sig.s) })
}

/// Reads a key file's text.
pub fn parse_key_file(text: &str) -> Result<PrivateKey, KeyFileError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| KeyFileError::Json(e.line(), e.column(), e.to_string()))?;
    let hex = value
        .get("private_key")
        .and_then(Value::as_str)
        .ok_or(KeyFileError::MissingPrivateKey)?;
    let key = PrivateKey::from_bytes(hex_bytes(hex).ok_or(KeyFileError::BadPrivateKey)?);
    if let Some(public) = value.get("public_key") {
        let coord = |name: &str| {
            public
                .get(name)
                .and_then(Value::as_str)
                .and_then(fr_from_str)
                .ok_or(KeyFileError::BadPublicKey)
        };
        let given = Point {
            x: coord("x")?,
            y: coord("y")?,
        };
        if given != key.public_key() {
            return Err(KeyFileError::PublicKeyMismatch);
        }
    }
    Ok(key)
}

fn key_file_json(key: &PrivateKey) -> Value {
    json!({
        "private_key": hex_string(key.as_bytes()),
        "public_key": point_json(&key.public_key()),
    })
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values print")
}

/// `stele key new [--out FILE]`: a random key. With `--out`, the key file is written there
/// (never over an existing file) and the public key printed; otherwise the key file is printed.
pub fn key_new(out: Option<PathBuf>) -> Outcome {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = PrivateKey::from_bytes(bytes);
    let file = key_file_json(&key);
    match out {
        None => println!("{}", pretty(&file)),
        Some(path) => {
            if path.exists() {
                return Err(error(format!(
                    "`{}` already exists; a key file is never overwritten",
                    path.display()
                )));
            }
            std::fs::write(&path, pretty(&file) + "\n")
                .map_err(|e| error(format!("cannot write `{}`: {e}", path.display())))?;
            println!("{}", pretty(&point_json(&key.public_key())));
        }
    }
    Ok(())
}

fn read_key(path: &Path) -> Result<PrivateKey, Failed> {
    std::fs::read_to_string(path)
        .map_err(|e| KeyFileError::Read(e.to_string()))
        .and_then(|text| parse_key_file(&text))
        .map_err(|e| error(format!("`{}`: {e}", path.display())))
}

fn field_arg(s: &str) -> Result<Fr, Failed> {
    fr_from_str(s.trim()).ok_or_else(|| {
        error(format!(
            "`{s}` is not a field element (a decimal or 0x-hexadecimal number below the modulus)"
        ))
    })
}

/// `stele sign --key FILE (--msg FIELD | --hash A,B,...)`: prints the signature as the JSON of
/// a `std::eddsa::Signature` argument. `--hash` signs `poseidon([A, B, ...])` (1 to 16 fields),
/// e.g. `--hash 1,2,30,1,0` for `examples/token`'s transfer message.
pub fn sign(key: &Path, msg: Option<String>, hash: Option<String>) -> Outcome {
    let key = read_key(key)?;
    let msg = match (msg, hash) {
        (Some(m), None) => field_arg(&m)?,
        (None, Some(list)) => {
            let xs = list
                .split(',')
                .map(field_arg)
                .collect::<Result<Vec<_>, _>>()?;
            if !(1..=16).contains(&xs.len()) {
                return Err(error(format!(
                    "--hash takes 1 to 16 fields, not {}",
                    xs.len()
                )));
            }
            poseidon(&xs)
        }
        _ => return Err(error("give exactly one of --msg and --hash")),
    };
    println!("{}", pretty(&signature_json(&key.sign(msg))));
    Ok(())
}

/// A block with signature requests, made ready to run: `stele sign --block`.
///
/// Every transaction argument of the form `{"sign": {"key": FILE, "msg": V}}` or
/// `{"sign": {"key": FILE, "hash": [V, ...]}}` becomes the signature, by the key in `FILE`
/// (relative to the block file's folder), of `V` or of `poseidon([V, ...])` (1 to 16 values).
/// A value `V` is a field element (a decimal or `0x` string, a non-negative integer, a bool)
/// or a reference `"$name"` / `"$name.field"` to an argument (or a field of one) of the same
/// transaction. `examples/token`'s transfer signs
/// `{"sign": {"key": "alice.json", "hash": ["$from", "$to", "$amount", "$fee", "$nonce"]}}`.
pub fn sign_block(path: &Path, out: Option<PathBuf>) -> Outcome {
    let text = std::fs::read_to_string(path)
        .map_err(|e| error(format!("cannot read `{}`: {e}", path.display())))?;
    let mut block: Value = serde_json::from_str(&text).map_err(|e| {
        error(format!(
            "`{}`:{}:{}: invalid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut keys = std::collections::HashMap::new();
    let txs = block
        .get_mut("transactions")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| {
            error(format!(
                "`{}`: a block is an object with a `transactions` array",
                path.display()
            ))
        })?;
    let mut signed = 0;
    for (i, tx) in txs.iter_mut().enumerate() {
        let Some(args) = tx.get_mut("args").and_then(Value::as_object_mut) else {
            continue;
        };
        let unsigned = args.clone();
        for (name, arg) in args.iter_mut() {
            let Some(request) = arg.get("sign") else {
                continue;
            };
            let at = format!("`{}`: transactions[{i}].args.{name}", path.display());
            let sig = sign_request(request, &unsigned, base, &mut keys)
                .map_err(|e| error(format!("{at}: {e}")))?;
            *arg = signature_json(&sig);
            signed += 1;
        }
    }
    let json = block_text(&block);
    match out {
        None => print!("{json}"),
        Some(out) => {
            std::fs::write(&out, json)
                .map_err(|e| error(format!("cannot write `{}`: {e}", out.display())))?;
            eprintln!("signed {signed} arguments into `{}`", out.display());
        }
    }
    Ok(())
}

/// One `{"key": ..., "msg" | "hash": ...}` request, signed.
fn sign_request(
    request: &Value,
    args: &serde_json::Map<String, Value>,
    base: &Path,
    keys: &mut std::collections::HashMap<PathBuf, PrivateKey>,
) -> Result<Signature, String> {
    let shape = "a signature request is {\"sign\": {\"key\": FILE, \"msg\": V}} or {\"sign\": {\"key\": FILE, \"hash\": [V, ...]}}";
    let obj = request.as_object().ok_or(shape)?;
    let file = obj.get("key").and_then(Value::as_str).ok_or(shape)?;
    let file = base.join(file);
    if !keys.contains_key(&file) {
        let key = std::fs::read_to_string(&file)
            .map_err(|e| KeyFileError::Read(e.to_string()))
            .and_then(|text| parse_key_file(&text))
            .map_err(|e| format!("key `{}`: {e}", file.display()))?;
        keys.insert(file.clone(), key);
    }
    let value = |v: &Value| request_value(v, args);
    let msg = match (obj.get("msg"), obj.get("hash")) {
        (Some(v), None) => value(v)?,
        (None, Some(Value::Array(xs))) if (1..=16).contains(&xs.len()) => {
            poseidon(&xs.iter().map(value).collect::<Result<Vec<_>, _>>()?)
        }
        (None, Some(_)) => return Err("`hash` takes an array of 1 to 16 values".into()),
        _ => return Err(shape.into()),
    };
    Ok(keys[&file].sign(msg))
}

/// A field value of a request: a literal, or `$name[.field...]` of the transaction's arguments.
fn request_value(v: &Value, args: &serde_json::Map<String, Value>) -> Result<Fr, String> {
    let mut target = v;
    if let Some(reference) = v.as_str().and_then(|s| s.strip_prefix('$')) {
        let mut parts = reference.split('.');
        let first = parts.next().unwrap_or_default();
        target = args
            .get(first)
            .ok_or_else(|| format!("`${reference}`: the transaction has no argument `{first}`"))?;
        for part in parts {
            target = target
                .get(part)
                .ok_or_else(|| format!("`${reference}`: no field `{part}`"))?;
        }
    }
    let fr = match target {
        Value::String(s) => fr_from_str(s),
        Value::Number(n) => n.as_u64().map(Fr::from),
        Value::Bool(b) => Some(Fr::from(u64::from(*b))),
        _ => None,
    };
    fr.ok_or_else(|| {
        format!(
            "`{v}` is not a field element (a decimal or 0x string below the modulus, a non-negative integer or a bool)"
        )
    })
}

/// A block as the examples write it: one transaction per line.
fn block_text(block: &Value) -> String {
    match block.as_object().map(|o| (o.len(), o.get("transactions"))) {
        Some((1, Some(Value::Array(txs)))) => {
            let lines: Vec<String> = txs.iter().map(|tx| format!("    {tx}")).collect();
            format!(
                "{{\n  \"transactions\": [\n{}\n  ]\n}}\n",
                lines.join(",\n")
            )
        }
        _ => format!("{}\n", pretty(block)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "05101b26313c47525d68737e89949faab5c0cbd6e1ecf7020d18232e39444f5a";

    #[test]
    fn key_files() {
        let key = parse_key_file(&format!("{{\"private_key\": \"{KEY}\"}}")).unwrap();
        assert_eq!(hex_string(key.as_bytes()), KEY);
        let full = pretty(&key_file_json(&key));
        assert_eq!(parse_key_file(&full), Ok(key.clone()));
        let cases = [
            (
                "",
                KeyFileError::Json(1, 0, "EOF while parsing a value at line 1 column 0".into()),
            ),
            ("[]", KeyFileError::MissingPrivateKey),
            ("{\"private_key\": 5}", KeyFileError::MissingPrivateKey),
            ("{\"private_key\": \"0102\"}", KeyFileError::BadPrivateKey),
            (
                &*format!("{{\"private_key\": \"{}\"}}", "zz".repeat(32)),
                KeyFileError::BadPrivateKey,
            ),
            (
                &*format!("{{\"private_key\": \"{KEY}\", \"public_key\": {{\"x\": \"1\"}}}}"),
                KeyFileError::BadPublicKey,
            ),
            (
                &*format!(
                    "{{\"private_key\": \"{KEY}\", \"public_key\": {{\"x\": \"1\", \"y\": \"2\"}}}}"
                ),
                KeyFileError::PublicKeyMismatch,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_key_file(text), Err(expected), "{text}");
        }
    }
}
