//! Where the tool connects and who signs: the Solana CLI's own conventions. The config file
//! (`~/.config/solana/cli/config.yml`) gives the defaults; `--url` and `--keypair` override
//! them, and `--url` takes the cluster monikers the `solana` CLI takes.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, Keypair};

/// The fields of the Solana CLI's config file this tool reads.
#[derive(Debug, Default, Deserialize)]
pub struct SolanaConfig {
    #[serde(default)]
    pub json_rpc_url: Option<String>,
    #[serde(default)]
    pub keypair_path: Option<String>,
    #[serde(default)]
    pub commitment: Option<String>,
}

/// `~/.config/solana/cli/config.yml`.
pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".config/solana/cli/config.yml"))
}

impl SolanaConfig {
    /// The config at `path` (the default path when `None`). A missing default file is an
    /// empty config, as for the `solana` CLI; a missing file the user named is an error.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let (path, named) = match path {
            Some(path) => (path.to_path_buf(), true),
            None => match default_config_path() {
                Some(path) => (path, false),
                None => return Ok(Self::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_yaml::from_str(&text)
                .with_context(|| format!("config file {} is not valid YAML", path.display())),
            Err(_) if !named => Ok(Self::default()),
            Err(error) => Err(anyhow!(
                "cannot read config file {}: {error}",
                path.display()
            )),
        }
    }
}

/// A `--url` value: a moniker (`mainnet-beta`, `devnet`, `testnet`, `localhost`, or their
/// first letters) or a URL.
pub fn rpc_url(value: &str) -> String {
    match value {
        "m" | "mainnet-beta" => "https://api.mainnet-beta.solana.com".into(),
        "d" | "devnet" => "https://api.devnet.solana.com".into(),
        "t" | "testnet" => "https://api.testnet.solana.com".into(),
        "l" | "localhost" => "http://localhost:8899".into(),
        url => url.into(),
    }
}

/// A `--commitment` value.
pub fn commitment(value: &str) -> Result<CommitmentConfig> {
    match value {
        "processed" => Ok(CommitmentConfig::processed()),
        "confirmed" => Ok(CommitmentConfig::confirmed()),
        "finalized" => Ok(CommitmentConfig::finalized()),
        other => Err(anyhow!(
            "unknown commitment `{other}`: expected processed, confirmed or finalized"
        )),
    }
}

/// A keypair file (the `solana-keygen` JSON array), with `~` expanded.
pub fn keypair(path: &str) -> Result<Keypair> {
    let path = match path.strip_prefix("~/") {
        Some(rest) => std::env::var("HOME")
            .map(|home| format!("{home}/{rest}"))
            .unwrap_or_else(|_| path.to_string()),
        None => path.to_string(),
    };
    read_keypair_file(&path).map_err(|error| anyhow!("cannot read keypair file {path}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_expand_and_urls_pass_through() {
        assert_eq!(rpc_url("localhost"), "http://localhost:8899");
        assert_eq!(rpc_url("m"), "https://api.mainnet-beta.solana.com");
        assert_eq!(rpc_url("http://127.0.0.1:1234"), "http://127.0.0.1:1234");
    }

    #[test]
    fn config_file_fields() {
        let config: SolanaConfig = serde_yaml::from_str(
            "json_rpc_url: http://x:1\nkeypair_path: /k.json\ncommitment: confirmed\nwebsocket_url: ''\n",
        )
        .unwrap();
        assert_eq!(config.json_rpc_url.as_deref(), Some("http://x:1"));
        assert_eq!(config.keypair_path.as_deref(), Some("/k.json"));
        assert!(commitment("sometimes").is_err());
    }
}
