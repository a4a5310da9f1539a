//! Who signs. Every signer argument (`--keypair`, `--fee-payer`, `--manager`, `--staker`,
//! `--nonce-authority`, and each command's depositor, withdrawer and funding authorities)
//! takes what the `solana` CLI takes, resolved by the Solana CLI's own code
//! (`solana-clap-utils`, `solana-remote-wallet`):
//!
//! - a keypair file (`~/` expanded) or `file:PATH`;
//! - `usb://ledger[/PUBKEY][?key=ACCOUNT[/CHANGE]]`: a Ledger's Solana app signs, the device
//!   asks its owner to approve each message;
//! - `prompt://[?key=..|full-path=..]`: a seed phrase (and passphrase) typed at the terminal;
//!   `ASK`: the same with the legacy derivation;
//! - `stdin` or `-`: a keypair's JSON read from standard input;
//! - a bare public key: with `--signer PUBKEY=SIGNATURE` (a signature made by `--sign-only`
//!   elsewhere), or while only building (`--sign-only`, `--dump-transaction-message`), where
//!   it signs nothing and is listed as absent.
//!
//! Each distinct source is resolved once (a seed phrase is asked for once, standard input read
//! once) and only when a command needs it.

use std::{cell::RefCell, rc::Rc, str::FromStr};

use anyhow::{anyhow, bail, Result};
use solana_presigner::Presigner;
use solana_pubkey::Pubkey;
use solana_remote_wallet::remote_wallet::RemoteWalletManager;
use solana_signature::Signature;
use solana_signer::{null_signer::NullSigner, Signer};

/// The signers of one run, resolved on demand.
pub struct Keyring {
    /// `--signer PUBKEY=SIGNATURE`: signatures made elsewhere.
    presigned: Vec<(Pubkey, Signature)>,
    /// Only building transactions (`--sign-only`, `--dump-transaction-message`): a bare public
    /// key needs no signature.
    build_only: bool,
    wallet_manager: RefCell<Option<Rc<RemoteWalletManager>>>,
    resolved: RefCell<Vec<(String, Rc<dyn Signer>)>>,
}

impl Keyring {
    pub fn new(presigned: Vec<(Pubkey, Signature)>, build_only: bool) -> Self {
        Self {
            presigned,
            build_only,
            wallet_manager: RefCell::new(None),
            resolved: RefCell::new(Vec::new()),
        }
    }

    /// The signer `source` names; `role` says who it is in messages and prompts ("manager").
    pub fn resolve(&self, source: &str, role: &str) -> Result<Rc<dyn Signer>> {
        let source = expand_home(source);
        if let Some((_, signer)) = self
            .resolved
            .borrow()
            .iter()
            .find(|(known, _)| *known == source)
        {
            return Ok(signer.clone());
        }
        let signer: Rc<dyn Signer> = match Pubkey::from_str(&source) {
            Ok(pubkey) => self.signer_of_pubkey(pubkey, role)?,
            Err(_) => {
                // No flag of the Solana CLI's that these functions read applies here: the
                // presigned and sign-only cases are the pubkey branch above.
                let matches = clap2::ArgMatches::default();
                let mut wallet_manager = self.wallet_manager.borrow_mut();
                let signer = solana_clap_utils::keypair::signer_from_path(
                    &matches,
                    &source,
                    role,
                    &mut wallet_manager,
                )
                .map_err(|error| explain(&source, role, &*error))?;
                Rc::from(signer)
            }
        };
        self.resolved
            .borrow_mut()
            .push((source.to_string(), signer.clone()));
        Ok(signer)
    }

    /// The address `source` names: a public key as it is, any other source's signer's key.
    pub fn pubkey_of(&self, source: &str, role: &str) -> Result<Pubkey> {
        match Pubkey::from_str(source) {
            Ok(pubkey) => Ok(pubkey),
            Err(_) => Ok(self.resolve(source, role)?.pubkey()),
        }
    }

    fn signer_of_pubkey(&self, pubkey: Pubkey, role: &str) -> Result<Rc<dyn Signer>> {
        if let Some((_, signature)) = self.presigned.iter().find(|(key, _)| *key == pubkey) {
            return Ok(Rc::new(Presigner::new(&pubkey, signature)));
        }
        if self.build_only {
            return Ok(Rc::new(NullSigner::new(&pubkey)));
        }
        bail!(
            "{role} {pubkey} is a public key without a signature: pass --signer \
             {pubkey}=SIGNATURE (printed by a --sign-only run), or --sign-only or \
             --dump-transaction-message to only build the transaction"
        )
    }

    /// The `--signer` pairs no signer of the transaction used: a typo or a wrong key, said
    /// before anything is sent.
    pub fn unused_presigned(&self, required: &[Pubkey]) -> Vec<Pubkey> {
        self.presigned
            .iter()
            .map(|(key, _)| *key)
            .filter(|key| !required.contains(key))
            .collect()
    }
}

/// A signer source's failure in words: which role, which source, what to do.
fn explain(source: &str, role: &str, error: &dyn std::error::Error) -> anyhow::Error {
    let scheme = source
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("usb") => anyhow!(
            "{role} `{source}`: no Ledger could sign ({error}): connect the device, unlock it \
             and open its Solana app"
        ),
        Some("prompt") => anyhow!(
            "{role} `{source}`: cannot read a seed phrase ({error}); prompt:// asks on the \
             terminal"
        ),
        _ if source == "ASK" => {
            anyhow!("{role} `ASK`: cannot read a seed phrase ({error}); ASK asks on the terminal")
        }
        _ if source == "stdin" || source == "-" || source.starts_with("stdin:") => anyhow!(
            "{role} `{source}`: standard input holds no keypair ({error}): pipe the keypair's \
             JSON (as solana-keygen writes it)"
        ),
        _ => anyhow!("{role} `{source}`: {error}"),
    }
}

/// `~/` as the home directory, as a shell would have done.
fn expand_home(source: &str) -> String {
    match source.strip_prefix("~/") {
        Some(rest) => std::env::var("HOME")
            .map(|home| format!("{home}/{rest}"))
            .unwrap_or_else(|_| source.to_string()),
        None => source.to_string(),
    }
}

/// A `--signer` value: `PUBKEY=SIGNATURE`, both base58.
pub fn parse_presigned(text: &str) -> Result<(Pubkey, Signature), String> {
    let (pubkey, signature) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not PUBKEY=SIGNATURE"))?;
    let pubkey = Pubkey::from_str(pubkey)
        .map_err(|error| format!("`{pubkey}` is not a public key: {error}"))?;
    let signature = Signature::from_str(signature)
        .map_err(|error| format!("`{signature}` is not a signature: {error}"))?;
    Ok((pubkey, signature))
}

#[cfg(test)]
mod tests {
    use solana_keypair::Keypair;

    use super::*;

    #[test]
    fn pubkeys_need_a_signature_unless_only_building() {
        let key = Keypair::new();
        let pubkey = key.pubkey().to_string();
        let error = Keyring::new(Vec::new(), false)
            .resolve(&pubkey, "manager")
            .err()
            .unwrap();
        assert!(error.to_string().contains("without a signature"), "{error}");
        let absent = Keyring::new(Vec::new(), true)
            .resolve(&pubkey, "manager")
            .unwrap();
        assert_eq!(absent.pubkey(), key.pubkey());
        assert_eq!(absent.try_sign_message(b"m").unwrap(), Signature::default());
        // A presigned signature is checked against the message it is used for.
        let signature = key.sign_message(b"message");
        let presigned = Keyring::new(vec![(key.pubkey(), signature)], false)
            .resolve(&pubkey, "manager")
            .unwrap();
        assert_eq!(presigned.try_sign_message(b"message").unwrap(), signature);
        assert!(presigned.try_sign_message(b"another").is_err());
    }

    #[test]
    fn files_resolve_once_and_bad_sources_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let key = Keypair::new();
        solana_keypair::write_keypair_file(&key, &path).unwrap();
        let keyring = Keyring::new(Vec::new(), false);
        let path = path.to_str().unwrap();
        let first = keyring.resolve(path, "fee payer").unwrap();
        let second = keyring.resolve(path, "manager").unwrap();
        assert!(Rc::ptr_eq(&first, &second));
        assert_eq!(first.pubkey(), key.pubkey());
        let missing = keyring.resolve("/nowhere/k.json", "staker").err().unwrap();
        assert!(missing.to_string().starts_with("staker `/nowhere/k.json`"));
        assert!(parse_presigned("abc").is_err());
        assert!(parse_presigned(&format!("{}=xyz", key.pubkey())).is_err());
        let pair = format!("{}={}", key.pubkey(), key.sign_message(b"m"));
        assert_eq!(parse_presigned(&pair).unwrap().0, key.pubkey());
    }
}
