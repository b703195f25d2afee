//! `Stele.toml`: the chain's name, id and block size.

use serde::Deserialize;

/// A chain's manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The chain's name.
    pub name: String,
    /// The chain id, bound into every block proof.
    pub id: u64,
    /// Transaction slots per block proof.
    pub block_size: u32,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            name: "chain".into(),
            id: 0,
            block_size: 16,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    chain: Chain,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Chain {
    name: String,
    #[serde(default)]
    id: u64,
    #[serde(default = "default_block_size")]
    block_size: u32,
}

fn default_block_size() -> u32 {
    16
}

impl Manifest {
    /// Parses the manifest text; on error, a message and the byte range it concerns.
    pub fn parse(text: &str) -> Result<Manifest, (String, Option<(usize, usize)>)> {
        let file: File = toml::from_str(text).map_err(|e| {
            let message = format!("invalid `Stele.toml`: {}", e.message());
            (message, e.span().map(|r| (r.start, r.end)))
        })?;
        let c = file.chain;
        let valid_name = !c.name.is_empty()
            && c.name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
        if !valid_name {
            return Err((
                format!(
                    "invalid chain name `{}`: use letters, digits, `_` and `-`",
                    c.name
                ),
                find(text, &c.name),
            ));
        }
        if c.block_size == 0 || c.block_size > 1 << 16 {
            return Err((
                "`block_size` must be between 1 and 65536".into(),
                find(text, "block_size"),
            ));
        }
        Ok(Manifest {
            name: c.name,
            id: c.id,
            block_size: c.block_size,
        })
    }
}

fn find(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.find(needle).map(|i| (i, i + needle.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let m = Manifest::parse("[chain]\nname = \"t\"\n").unwrap();
        assert_eq!(
            m,
            Manifest {
                name: "t".into(),
                id: 0,
                block_size: 16
            }
        );
        assert!(Manifest::parse("[chain]\nname = \"a b\"\n").is_err());
        assert!(Manifest::parse("[chain]\nname = \"t\"\nblock_size = 0\n").is_err());
        let (msg, span) = Manifest::parse("[chain]\nname = \"t\"\ncolour = 1\n").unwrap_err();
        assert!(msg.contains("colour"), "{msg}");
        assert!(span.is_some());
        assert!(Manifest::parse("").is_err());
    }
}
