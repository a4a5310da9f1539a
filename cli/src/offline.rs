//! Transactions whose keys are not on the machine that sends them, as the `solana` CLI does it:
//!
//! - `--sign-only` (with `--blockhash`, or `--nonce`) builds the transaction, signs it with the
//!   signers at hand and prints their signatures (`PUBKEY=SIGNATURE`), naming the absent ones;
//!   nothing is sent.
//! - `--signer PUBKEY=SIGNATURE` (with the same `--blockhash` or `--nonce`) rebuilds the same
//!   transaction where a signer argument is that bare public key, checks every signature
//!   against it, and sends it.
//! - `--nonce ACCOUNT` (`--nonce-authority`) makes it durable: its blockhash is the nonce
//!   account's, it starts with `AdvanceNonceAccount`, and it stays valid until the nonce is
//!   used, however long the signatures take to gather.
//! - `--dump-transaction-message` prints each unsigned message (base58 and base64) for a
//!   multisig's proposal tool: the vault as the authority (a bare public key), a separate
//!   `--fee-payer`.
//!
//! Both runs must build the same bytes, so such a message has nothing that depends on the
//! moment: no simulated compute-unit limit (`--compute-unit-limit`, or the runtime's default),
//! no `auto` priority fee (`--priority-fee N`, or none), one transaction per command. The pool
//! is still simulated first: a refusal is named before anything is signed.

use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_message::{v0, Message as LegacyMessage, VersionedMessage};
use solana_pubkey::Pubkey;
use solana_rpc_client_types::config::RpcSimulateTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::{
    chain::{Ctx, Sent, Step, TransactionFailed},
    landing::Expiry,
    metrics::Counters,
    Report,
};

/// Blocks a blockhash stays valid after its own block (the runtime's `MAX_PROCESSING_AGE`).
const BLOCKHASH_VALID_BLOCKS: u64 = 150;

/// How this run's transactions are built and signed when their signatures are made elsewhere.
pub struct Offline {
    /// Sign with the signers at hand and print the signatures; send nothing.
    pub sign_only: bool,
    /// Print each unsigned message; send nothing.
    pub dump: bool,
    /// `--blockhash`: the blockhash the signatures were (or are to be) made over.
    pub blockhash: Option<Hash>,
    pub nonce: Option<Nonce>,
    pub compute_unit_limit: Option<u32>,
    pub compute_unit_price: Option<u64>,
}

/// A durable nonce account and its authority.
pub struct Nonce {
    pub account: Pubkey,
    pub authority: Rc<dyn Signer>,
}

impl Offline {
    /// Whether this run only prints (signatures or messages) and sends nothing.
    pub fn prints(&self) -> bool {
        self.sign_only || self.dump
    }
}

/// The output of a run that sends nothing (`--sign-only`, `--dump-transaction-message`). It
/// ends the command like an error, so no command goes on as if its transactions had landed;
/// `main` prints it and exits with success.
#[derive(Debug)]
pub struct Printed(pub Value, pub String);

impl std::fmt::Display for Printed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("nothing sent (--sign-only or --dump-transaction-message)")
    }
}

impl std::error::Error for Printed {}

impl Printed {
    pub fn report(&self) -> Report {
        Report {
            display: self.1.clone(),
            json: self.0.clone(),
        }
    }
}

/// A message and what the signers at hand made of it.
struct Built {
    label: String,
    message: VersionedMessage,
    signatures: Vec<Signature>,
    /// Required signers with no signature here (only while building).
    absent: Vec<Pubkey>,
    nonce: Option<Pubkey>,
}

impl Built {
    fn json(&self) -> Value {
        let bytes = self.message.serialize();
        let keys = self.message.static_account_keys();
        json!({
            "label": self.label,
            "blockhash": self.message.recent_blockhash().to_string(),
            "nonce": self.nonce.map(|nonce| nonce.to_string()),
            "feePayer": keys[0].to_string(),
            "signers": keys.iter().zip(&self.signatures)
                .filter(|(key, _)| !self.absent.contains(key))
                .map(|(key, signature)| format!("{key}={signature}"))
                .collect::<Vec<_>>(),
            "absent": self.absent.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "message": {
                "base58": bs58::encode(&bytes).into_string(),
                "base64": base64::engine::general_purpose::STANDARD.encode(&bytes),
            },
        })
    }

    /// The Solana CLI's sign-only layout, then the message when asked for.
    fn display(&self, with_message: bool) -> String {
        let json = self.json();
        let mut text = format!(
            "{}\nBlockhash: {}\n",
            self.label,
            json["blockhash"].as_str().unwrap_or_default()
        );
        if let Some(nonce) = json["nonce"].as_str() {
            text.push_str(&format!("Nonce account: {nonce}\n"));
        }
        text.push_str(&format!(
            "Fee payer: {}\n",
            json["feePayer"].as_str().unwrap_or_default()
        ));
        let list = |field: &str| -> Vec<String> {
            json[field]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|value| value.as_str().map(|text| format!("  {text}\n")))
                .collect()
        };
        let signers = list("signers");
        if !signers.is_empty() {
            text.push_str("Signers (Pubkey=Signature):\n");
            text.extend(signers);
        }
        let absent = list("absent");
        if !absent.is_empty() {
            text.push_str("Absent Signers (Pubkey):\n");
            text.extend(absent);
        }
        if with_message {
            text.push_str(&format!(
                "Message (base58): {}\nMessage (base64): {}\n",
                json["message"]["base58"].as_str().unwrap_or_default(),
                json["message"]["base64"].as_str().unwrap_or_default()
            ));
        }
        text
    }
}

impl Ctx {
    /// Builds, checks and signs `step` as `offline` says; sends it unless the run only
    /// prints.
    pub async fn send_offline(&self, offline: &Offline, step: Step<'_>) -> Result<Sent> {
        let built = self.build_offline(offline, &step, true).await?;
        if offline.prints() {
            return Err(printed(offline, &[built]).into());
        }
        if let Some(absent) = built.absent.first() {
            bail!("{}: no signature for {absent}", step.label);
        }
        let blockhash = *built.message.recent_blockhash();
        let expiry = match &offline.nonce {
            Some(nonce) => Expiry::Nonce {
                account: nonce.account,
                blockhash,
            },
            None => {
                // The signatures were made over this blockhash: if it is too old the
                // transaction can never land, and only signing again helps.
                let valid = self
                    .rpc
                    .is_blockhash_valid(
                        &blockhash,
                        solana_commitment_config::CommitmentConfig::processed(),
                    )
                    .await
                    .context("isBlockhashValid")?;
                if !valid {
                    bail!(
                        "{}: blockhash {blockhash} has expired (a blockhash is valid for 150 \
                         blocks, about a minute): sign again over a newer one, or use a \
                         durable nonce (--nonce) when signatures take longer to gather",
                        step.label
                    );
                }
                // Its block is at most the current one, so it expires at most 150 blocks
                // from now: a bound that can only make the expiry proof wait longer.
                let height = self
                    .rpc
                    .get_block_height_with_commitment(
                        solana_commitment_config::CommitmentConfig::processed(),
                    )
                    .await
                    .context("getBlockHeight")?;
                Expiry::BlockHeight(height.saturating_add(BLOCKHASH_VALID_BLOCKS))
            }
        };
        let transaction = VersionedTransaction {
            signatures: built.signatures.clone(),
            message: built.message.clone(),
        };
        let signature = transaction.signatures[0];
        let fee = self
            .fee_of(&built.message)
            .await
            .unwrap_or(5_000u64.saturating_mul(transaction.signatures.len() as u64));
        let fate = self
            .land(&transaction, &signature, expiry, false)
            .await
            .map_err(|error| anyhow!("{}: {error:#}", step.label))?;
        self.finish(
            &step,
            signature,
            fate,
            fee,
            0,
            offline.compute_unit_price.unwrap_or(0),
            1,
            0,
        )
        .map_err(|error| match error.downcast::<crate::chain::Expired>() {
            Ok(_) => anyhow!(
                "{}: transaction {signature} can no longer land ({}); nothing was applied: \
                     sign again",
                step.label,
                if offline.nonce.is_some() {
                    "its nonce was used by another transaction"
                } else {
                    "its blockhash expired"
                }
            ),
            Err(error) => error,
        })
    }

    /// Dumps or signs every step of a command (`--dump-transaction-message`,
    /// `--sign-only`): the first is simulated, the others need the transactions before them.
    pub async fn print_offline(&self, offline: &Offline, steps: &[Step<'_>]) -> Result<()> {
        if steps.len() > 1 && offline.sign_only {
            bail!(
                "this command sends {} transactions; --sign-only signs a command of one \
                 (dump them with --dump-transaction-message instead)",
                steps.len()
            );
        }
        let mut built = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            built.push(self.build_offline(offline, step, index == 0).await?);
        }
        Err(printed(offline, &built).into())
    }

    /// The message of `step`, checked by a simulation when `simulate`, and the signatures of
    /// the signers at hand.
    async fn build_offline(
        &self,
        offline: &Offline,
        step: &Step<'_>,
        simulate: bool,
    ) -> Result<Built> {
        if offline.sign_only && offline.blockhash.is_none() && offline.nonce.is_none() {
            bail!("--sign-only needs the blockhash to sign over: --blockhash, or --nonce");
        }
        let blockhash = match &offline.nonce {
            Some(nonce) => self.nonce_blockhash(nonce, offline.blockhash).await?,
            None => match offline.blockhash {
                Some(blockhash) => blockhash,
                None => self.rpc.get_latest_blockhash().await?,
            },
        };
        let mut instructions: Vec<Instruction> = Vec::new();
        if let Some(nonce) = &offline.nonce {
            instructions.push(solana_system_interface::instruction::advance_nonce_account(
                &nonce.account,
                &nonce.authority.pubkey(),
            ));
        }
        if let Some(limit) = offline.compute_unit_limit {
            instructions.push(ComputeBudgetInstruction::set_compute_unit_limit(limit));
        }
        if let Some(price) = offline.compute_unit_price {
            instructions.push(ComputeBudgetInstruction::set_compute_unit_price(price));
        }
        let budget = instructions.len();
        instructions.extend(step.instructions.iter().cloned());
        let payer = self.payer();
        let message = if step.lookup_tables.is_empty() {
            VersionedMessage::Legacy(LegacyMessage::new_with_blockhash(
                &instructions,
                Some(&payer),
                &blockhash,
            ))
        } else {
            VersionedMessage::V0(
                v0::Message::try_compile(&payer, &instructions, &step.lookup_tables, blockhash)
                    .map_err(|error| {
                        anyhow!("{}: cannot compile the message: {error}", step.label)
                    })?,
            )
        };
        if simulate {
            self.check_offline(step, &message, budget, offline.prints())
                .await?;
        }
        self.sign_offline(step, message, offline)
    }

    /// Simulates an offline message (on the latest blockhash: the message's may be a nonce's
    /// or old). A refusal by an instruction is an error before anything is signed; while only
    /// building, the fee payer's own state (maybe an empty key on this machine) is not.
    async fn check_offline(
        &self,
        step: &Step<'_>,
        message: &VersionedMessage,
        budget: usize,
        building: bool,
    ) -> Result<()> {
        let unsigned = VersionedTransaction {
            signatures: vec![
                Signature::default();
                usize::from(message.header().num_required_signatures)
            ],
            message: message.clone(),
        };
        let simulation = self
            .rpc
            .simulate_transaction_with_config(
                &unsigned,
                RpcSimulateTransactionConfig {
                    sig_verify: false,
                    replace_recent_blockhash: true,
                    commitment: Some(self.commitment()),
                    ..RpcSimulateTransactionConfig::default()
                },
            )
            .await?
            .value;
        match simulation.err.map(TransactionError::from) {
            None => Ok(()),
            Some(error @ TransactionError::InstructionError(index, _)) => {
                // The step's own instructions are named as `send` names them; a failed
                // nonce or budget instruction as itself.
                let error = match usize::from(index).checked_sub(budget) {
                    Some(own) => TransactionError::InstructionError(
                        u8::try_from(own.saturating_add(self.budget_instructions()))
                            .unwrap_or(u8::MAX),
                        match error {
                            TransactionError::InstructionError(_, inner) => inner,
                            _ => unreachable!("matched above"),
                        },
                    ),
                    None => {
                        return Err(TransactionFailed {
                            label: step.label.clone(),
                            reason: format!(
                                "the nonce or compute budget instruction failed: {error}"
                            ),
                            logs: simulation.logs.unwrap_or_default(),
                            pool_error: None,
                        }
                        .into())
                    }
                };
                Counters::add(&self.counters.refused, 1);
                Err(TransactionFailed {
                    label: step.label.clone(),
                    reason: self.explain(step, &error),
                    logs: simulation.logs.unwrap_or_default(),
                    pool_error: self.pool_error(step, &error),
                }
                .into())
            }
            Some(_) if building => Ok(()),
            Some(error) => Err(TransactionFailed {
                label: step.label.clone(),
                reason: error.to_string(),
                logs: simulation.logs.unwrap_or_default(),
                pool_error: None,
            }
            .into()),
        }
    }

    /// Each required signature from the signers at hand: a presigned one must verify against
    /// this very message, every required signer must be named by some signer argument, and
    /// every `--signer` pair must be used.
    fn sign_offline(
        &self,
        step: &Step<'_>,
        message: VersionedMessage,
        offline: &Offline,
    ) -> Result<Built> {
        let bytes = message.serialize();
        let required = usize::from(message.header().num_required_signatures);
        let keys: Vec<Pubkey> = message.static_account_keys()[..required].to_vec();
        let mut candidates: Vec<&dyn Signer> = vec![self.payer.as_ref()];
        if let Some(nonce) = &offline.nonce {
            candidates.push(nonce.authority.as_ref());
        }
        candidates.extend(step.signers.iter().copied());
        let mut signatures = Vec::with_capacity(required);
        let mut absent = Vec::new();
        for key in &keys {
            let signer = candidates
                .iter()
                .find(|signer| signer.pubkey() == *key)
                .ok_or_else(|| {
                    anyhow!(
                        "{}: the transaction needs a signature from {key}, which no signer \
                         argument names",
                        step.label
                    )
                })?;
            let signature = signer.try_sign_message(&bytes).map_err(|error| {
                anyhow!(
                    "{}: the signature given for {key} (--signer) does not verify ({error}): it \
                     was made over another message; sign again with the same command and \
                     arguments, the same --blockhash or --nonce, --fee-payer, --priority-fee \
                     and --compute-unit-limit",
                    step.label
                )
            })?;
            if signature == Signature::default() {
                absent.push(*key);
            }
            signatures.push(signature);
        }
        let unused = self.keys.unused_presigned(&keys);
        if let Some(key) = unused.first() {
            bail!(
                "{}: --signer {key}=...: {key} signs nothing in this transaction (its signers \
                 are {})",
                step.label,
                keys.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(Built {
            label: step.label.clone(),
            message,
            signatures,
            absent,
            nonce: offline.nonce.as_ref().map(|nonce| nonce.account),
        })
    }

    /// The durable nonce `nonce` holds, after checking it is a nonce account of this
    /// authority (and still holds `expected`, the `--blockhash` the signatures were made over).
    async fn nonce_blockhash(&self, nonce: &Nonce, expected: Option<Hash>) -> Result<Hash> {
        use solana_rpc_client_nonce_utils::nonblocking::{data_from_account, Error};
        let account = self
            .account(&nonce.account)
            .await?
            .ok_or_else(|| anyhow!("nonce account {} does not exist", nonce.account))?;
        let data = data_from_account(&account).map_err(|error| match error {
            Error::InvalidAccountOwner => anyhow!(
                "{} is not a nonce account: it belongs to program {}",
                nonce.account,
                account.owner
            ),
            Error::UnexpectedDataSize | Error::InvalidAccountData => anyhow!(
                "{} is not a nonce account: it holds no nonce",
                nonce.account
            ),
            Error::InvalidStateForOperation => {
                anyhow!("nonce account {} is not initialized", nonce.account)
            }
            other => anyhow!("nonce account {}: {other}", nonce.account),
        })?;
        if data.authority != nonce.authority.pubkey() {
            bail!(
                "nonce account {}'s authority is {}, not {} (--nonce-authority)",
                nonce.account,
                data.authority,
                nonce.authority.pubkey()
            );
        }
        let held = data.blockhash();
        if let Some(expected) = expected {
            if expected != held {
                bail!(
                    "nonce account {} holds {held}, not --blockhash {expected}: it was used \
                     since the signatures were made; sign again over {held}",
                    nonce.account
                );
            }
        }
        Ok(held)
    }
}

fn printed(offline: &Offline, built: &[Built]) -> Printed {
    let json = json!({
        "signOnly": offline.sign_only,
        "transactions": built.iter().map(Built::json).collect::<Vec<_>>(),
    });
    let display = built
        .iter()
        .map(|built| built.display(offline.dump))
        .collect::<Vec<_>>()
        .join("\n");
    Printed(json, display)
}
