//! Everything that talks to the cluster: the connection, the signer, and how a transaction
//! goes out. Every transaction is simulated first: a failure is reported by name before
//! anything is signed, and the compute-unit limit is set from what the simulation used.
//! With `--dry-run` the simulation is all that happens. How a signed transaction then lands
//! (priority fee, rebroadcasts, a fresh blockhash only once the last one provably expired) is
//! `landing`; how the RPC endpoints are retried and failed over is `rpc`.

use std::{rc::Rc, sync::Arc, time::Duration};

use anyhow::{anyhow, bail, Result};
use p_stake_pool_client::STAKE_PROGRAM_ID;
use serde_json::{json, Value};
use solana_account::Account;
use solana_commitment_config::CommitmentConfig;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::{error::InstructionError, Instruction};
use solana_message::{v0, AddressLookupTableAccount, Message as LegacyMessage, VersionedMessage};
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_types::config::RpcSimulateTransactionConfig;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::{
    landing::{self, writable_accounts, Expiry, Fate, FeePolicy, InFlight, Journal},
    metrics::Counters,
    offline::Offline,
    signers::Keyring,
};

/// The most compute units one transaction may use.
pub const MAX_COMPUTE_UNITS: u32 = 1_400_000;

/// Times a transaction is signed (each time with a fresh blockhash, after the last one
/// provably expired) before the tool gives up; also the attempts at a simulation the node
/// answers with `BlockhashNotFound`.
const SIGNINGS: u32 = 5;

/// How results are printed (`--output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Display,
    Json,
    JsonCompact,
}

/// The connection and the signers every command uses.
pub struct Ctx {
    pub rpc: RpcClient,
    /// Pays fees (and, unless a command says otherwise, rent): `--fee-payer`, else the
    /// default signer.
    pub payer: Rc<dyn Signer>,
    /// Every signer argument's source, resolved on demand (`signers`).
    pub keys: Keyring,
    /// `--keypair` (or the config file's): every role no other argument names.
    pub default_signer: Option<String>,
    /// `--manager`, `--staker`: the pool's authorities, when not the default signer.
    pub manager: Option<String>,
    pub staker: Option<String>,
    /// Signatures made elsewhere (`offline`): `--sign-only`, `--signer`, `--blockhash`,
    /// `--nonce`, `--dump-transaction-message`.
    pub offline: Option<Offline>,
    pub program_id: Pubkey,
    pub dry_run: bool,
    pub fees: FeePolicy,
    /// What was sent, retried and paid (the keeper serves it as metrics).
    pub counters: Arc<Counters>,
    /// Signatures in flight, written down (the keeper's `--journal`).
    pub journal: Option<Journal>,
    /// The RPC endpoints (`--url`) and a plain HTTP client for the JSON-RPC batches that ask
    /// one node two questions at once (`landing`).
    pub urls: Vec<String>,
    pub http: reqwest::Client,
    /// Progress bars on stderr (only when it is a terminal).
    pub progress: bool,
}

/// One transaction to send: what it does, its instructions, and the signers besides the
/// fee payer.
pub struct Step<'a> {
    pub label: String,
    pub instructions: Vec<Instruction>,
    pub signers: Vec<&'a dyn Signer>,
    pub lookup_tables: Vec<AddressLookupTableAccount>,
}

impl<'a> Step<'a> {
    pub fn new(label: impl Into<String>, instructions: Vec<Instruction>) -> Self {
        Self {
            label: label.into(),
            instructions,
            signers: Vec::new(),
            lookup_tables: Vec::new(),
        }
    }

    pub fn signed_by(mut self, signer: &'a dyn Signer) -> Self {
        self.signers.push(signer);
        self
    }
}

/// What a transaction did (or, in a dry run, would do).
#[derive(Clone, Debug)]
pub struct Sent {
    pub label: String,
    /// `None` in a dry run.
    pub signature: Option<Signature>,
    pub compute_units: u64,
    /// The whole fee, priority fee included (lamports).
    pub fee: u64,
    /// The priority fee (lamports) and its price (micro-lamports per CU).
    pub priority_fee: u64,
    pub compute_unit_price: u64,
    /// Where it landed (`None` in a dry run).
    pub slot: Option<u64>,
    /// Times it was signed (more than 1 when a blockhash expired before it landed).
    pub signings: u32,
    pub instructions: usize,
    /// In a dry run, what would have been sent: each instruction's program, accounts and
    /// data (`planned_instructions`).
    pub planned: Option<Value>,
}

impl Sent {
    pub fn json(&self) -> Value {
        let mut json = json!({
            "label": self.label,
            "signature": self.signature.map(|signature| signature.to_string()),
            "computeUnits": self.compute_units,
            "fee": self.fee,
            "priorityFee": self.priority_fee,
            "computeUnitPrice": self.compute_unit_price,
            "slot": self.slot,
            "signings": self.signings,
            "instructions": self.instructions,
        });
        if let (Some(planned), Some(object)) = (&self.planned, json.as_object_mut()) {
            object.insert("planned".into(), planned.clone());
        }
        json
    }

    /// The dry run's instructions in words, for the display output.
    pub fn planned_display(&self) -> String {
        let mut text = String::new();
        for instruction in self
            .planned
            .iter()
            .flat_map(|planned| planned.as_array())
            .flatten()
        {
            text.push_str(&format!(
                "    program {} data {}\n",
                instruction["programId"].as_str().unwrap_or_default(),
                instruction["data"].as_str().unwrap_or_default()
            ));
            for account in instruction["accounts"].as_array().into_iter().flatten() {
                let mut flags = Vec::new();
                if account["signer"] == true {
                    flags.push("signer");
                }
                if account["writable"] == true {
                    flags.push("writable");
                }
                text.push_str(&format!(
                    "      {} {}\n",
                    account["pubkey"].as_str().unwrap_or_default(),
                    flags.join(", ")
                ));
            }
        }
        text
    }
}

/// Each instruction of a transaction that a dry run does not send: program, accounts (with
/// their signer and writable flags) and data in hex, so the operator can check what would
/// be signed.
pub fn planned_instructions(instructions: &[Instruction]) -> Value {
    instructions
        .iter()
        .map(|instruction| {
            json!({
                "programId": instruction.program_id.to_string(),
                "accounts": instruction.accounts.iter().map(|account| json!({
                    "pubkey": account.pubkey.to_string(),
                    "signer": account.is_signer,
                    "writable": account.is_writable,
                })).collect::<Vec<_>>(),
                "data": instruction.data.iter().map(|byte| format!("{byte:02x}")).collect::<String>(),
            })
        })
        .collect()
}

/// A failed simulation or transaction, explained.
#[derive(Debug)]
pub struct TransactionFailed {
    pub label: String,
    pub reason: String,
    pub logs: Vec<String>,
    /// The pool program's error code, when the pool refused.
    pub pool_error: Option<u32>,
}

impl std::fmt::Display for TransactionFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.label, self.reason)
    }
}

impl std::error::Error for TransactionFailed {}

/// A transaction that provably never landed (its blockhash or nonce expired).
#[derive(Debug)]
pub struct Expired;

impl std::fmt::Display for Expired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("expired unlanded")
    }
}

impl std::error::Error for Expired {}

impl Ctx {
    pub fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// The default signer (`--keypair`, else the config file's `keypair_path`).
    pub fn default_signer(&self) -> Result<Rc<dyn Signer>> {
        let source = self.default_signer.as_deref().ok_or_else(|| {
            anyhow!("no signer: pass --keypair or set keypair_path in the config file")
        })?;
        self.keys.resolve(source, "keypair")
    }

    /// A command's signer argument (`--from`, `--withdrawer`, ...), else the default signer.
    pub fn signer_or_default(&self, source: Option<&str>, role: &str) -> Result<Rc<dyn Signer>> {
        match source {
            Some(source) => self.keys.resolve(source, role),
            None => self.default_signer(),
        }
    }

    /// The pool's manager as this run signs for it (`--manager`, else the default signer).
    pub fn manager(&self) -> Result<Rc<dyn Signer>> {
        self.signer_or_default(self.manager.as_deref(), "manager")
    }

    /// The pool's staker as this run signs for it (`--staker`, else the default signer).
    pub fn staker(&self) -> Result<Rc<dyn Signer>> {
        self.signer_or_default(self.staker.as_deref(), "staker")
    }

    pub fn commitment(&self) -> CommitmentConfig {
        self.rpc.commitment()
    }

    pub async fn account(&self, address: &Pubkey) -> Result<Option<Account>> {
        Ok(self
            .rpc
            .get_account_with_commitment(address, self.commitment())
            .await?
            .value)
    }

    /// `getMultipleAccounts` for any number of addresses (100 a call, the RPC's limit), in
    /// their order; an answer of the wrong length is an error, never silently zipped.
    pub async fn accounts(&self, addresses: &[Pubkey]) -> Result<Vec<Option<Account>>> {
        let mut accounts = Vec::with_capacity(addresses.len());
        for chunk in addresses.chunks(100) {
            let answer = self
                .rpc
                .get_multiple_accounts_with_commitment(chunk, self.commitment())
                .await?
                .value;
            if answer.len() != chunk.len() {
                bail!(
                    "getMultipleAccounts answered {} accounts for {} addresses",
                    answer.len(),
                    chunk.len()
                );
            }
            accounts.extend(answer);
        }
        Ok(accounts)
    }

    /// `getProgramAccounts` of `program` matching `filters` (memcmp offset, bytes), decoded.
    pub async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: Vec<(usize, Vec<u8>)>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        use solana_rpc_client_types::{
            config::{RpcAccountInfoConfig, RpcProgramAccountsConfig},
            filter::{Memcmp, RpcFilterType},
        };
        let found = self
            .rpc
            .get_program_ui_accounts_with_config(
                program,
                RpcProgramAccountsConfig {
                    filters: Some(
                        filters
                            .into_iter()
                            .map(|(offset, bytes)| {
                                RpcFilterType::Memcmp(Memcmp::new_raw_bytes(offset, bytes))
                            })
                            .collect(),
                    ),
                    account_config: RpcAccountInfoConfig {
                        encoding: Some(
                            solana_account_decoder_client_types::UiAccountEncoding::Base64,
                        ),
                        commitment: Some(self.commitment()),
                        ..RpcAccountInfoConfig::default()
                    },
                    ..RpcProgramAccountsConfig::default()
                },
            )
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|(address, account)| Some((address, account.to_account()?)))
            .collect())
    }

    pub async fn epoch(&self) -> Result<u64> {
        Ok(self.rpc.get_epoch_info().await?.epoch)
    }

    pub async fn rent_exempt(&self, len: usize) -> Result<u64> {
        Ok(self.rpc.get_minimum_balance_for_rent_exemption(len).await?)
    }

    /// The stake program's minimum delegation (1 SOL on today's clusters).
    pub async fn minimum_delegation(&self) -> Result<u64> {
        Ok(self.rpc.get_stake_minimum_delegation().await?)
    }

    fn message(
        &self,
        step: &Step<'_>,
        compute_units: u32,
        price: u64,
        blockhash: solana_hash::Hash,
    ) -> Result<VersionedMessage> {
        let mut instructions = vec![
            ComputeBudgetInstruction::set_compute_unit_limit(compute_units),
            ComputeBudgetInstruction::set_compute_unit_price(price),
        ];
        instructions.extend(step.instructions.iter().cloned());
        let payer = self.payer();
        Ok(if step.lookup_tables.is_empty() {
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
        })
    }

    /// How many instructions `message` starts with before the step's own (compute budget:
    /// the limit and the price).
    pub fn budget_instructions(&self) -> usize {
        2
    }

    /// Simulates `step`; then (unless this is a dry run) signs it with the compute-unit limit
    /// the simulation measured and the policy's priority fee, and lands it (`landing`): signed
    /// again, with a fresh blockhash and a higher fee, only after the last signature provably
    /// expired.
    pub async fn send(&self, step: Step<'_>) -> Result<Sent> {
        if let Some(offline) = &self.offline {
            return self.send_offline(offline, step).await;
        }
        let writable = writable_accounts(&step.instructions);
        for signing in 1..=SIGNINGS {
            let (blockhash, last_valid_block_height, used) = self.simulate(&step).await?;
            // A margin over the simulation: the accounts may move a little before it lands.
            let limit = (used.saturating_mul(11) / 10)
                .saturating_add(1_000)
                .min(u64::from(MAX_COMPUTE_UNITS)) as u32;
            let price = self
                .compute_unit_price(&writable, limit, signing - 1)
                .await?;
            let message = self.message(&step, limit, price, blockhash)?;
            let priority_fee = landing::priority_lamports(price, limit);
            let fee = self.fee_of(&message).await.unwrap_or_else(|_| {
                // The fee schedule every cluster runs: 5,000 lamports a signature.
                5_000u64
                    .saturating_mul(u64::from(message.header().num_required_signatures))
                    .saturating_add(priority_fee)
            });
            let mut sent = Sent {
                label: step.label.clone(),
                signature: None,
                compute_units: used,
                fee,
                priority_fee,
                compute_unit_price: price,
                slot: None,
                signings: signing,
                instructions: step.instructions.len(),
                planned: None,
            };
            if self.dry_run {
                sent.planned = Some(planned_instructions(&step.instructions));
                return Ok(sent);
            }
            let transaction = self.sign(&step, message)?;
            let signature = transaction.signatures[0];
            if let Some(journal) = &self.journal {
                journal.record(InFlight::new(
                    &transaction,
                    last_valid_block_height,
                    &step.label,
                )?)?;
            }
            let fate = self
                .land(
                    &transaction,
                    &signature,
                    Expiry::BlockHeight(last_valid_block_height),
                    false,
                )
                .await
                .map_err(|error| anyhow!("{}: {error:#}", step.label))?;
            if let Some(journal) = &self.journal {
                journal.settle(&signature.to_string())?;
            }
            match self.finish(
                &step,
                signature,
                fate,
                fee,
                priority_fee,
                price,
                signing,
                used,
            ) {
                Err(error) if error.downcast_ref::<Expired>().is_some() => {
                    Counters::add(&self.counters.rebuilds, 1);
                    self.counters.error(&format!(
                        "{}: transaction {signature} expired unlanded; signing again",
                        step.label
                    ));
                }
                other => return other,
            }
        }
        Counters::add(&self.counters.failed, 1);
        let message = format!(
            "{}: not landed: {SIGNINGS} signings in a row expired before the cluster took one \
             (raise --max-priority-fee, or try another --url); nothing was applied",
            step.label
        );
        self.counters.error(&message);
        bail!(message)
    }

    /// Signs `message` with the fee payer and the step's signers (each distinct key once).
    fn sign(&self, step: &Step<'_>, message: VersionedMessage) -> Result<VersionedTransaction> {
        let mut signers: Vec<&dyn Signer> = vec![self.payer.as_ref()];
        for signer in &step.signers {
            if !signers
                .iter()
                .any(|known| known.pubkey() == signer.pubkey())
            {
                signers.push(*signer);
            }
        }
        VersionedTransaction::try_new(message, &signers)
            .map_err(|error| anyhow!("{}: cannot sign: {error}", step.label))
    }

    /// The fee the cluster charges for `message` (priority fee included).
    pub async fn fee_of(&self, message: &VersionedMessage) -> Result<u64> {
        Ok(match message {
            VersionedMessage::Legacy(message) => self.rpc.get_fee_for_message(message).await?,
            VersionedMessage::V0(message) => self.rpc.get_fee_for_message(message).await?,
            // The tool builds only legacy and v0 messages.
            _ => 0,
        })
    }

    /// What a landed (or expired) transaction means for the command: its `Sent`, its
    /// failure explained, or `Expired`.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        &self,
        step: &Step<'_>,
        signature: Signature,
        fate: Fate,
        fee: u64,
        priority_fee: u64,
        price: u64,
        signings: u32,
        compute_units: u64,
    ) -> Result<Sent> {
        match fate {
            Fate::Landed { slot, result } => {
                // A landed transaction pays its fee whether or not it succeeded.
                Counters::add(&self.counters.fees, fee);
                Counters::add(&self.counters.priority_fees, priority_fee);
                if let Err(error) = result {
                    Counters::add(&self.counters.failed, 1);
                    let failed = TransactionFailed {
                        label: step.label.clone(),
                        reason: format!("{} (transaction {signature})", self.explain(step, &error)),
                        logs: Vec::new(),
                        pool_error: self.pool_error(step, &error),
                    };
                    self.counters.error(&failed.to_string());
                    return Err(failed.into());
                }
                Counters::add(&self.counters.landed, 1);
                Ok(Sent {
                    label: step.label.clone(),
                    signature: Some(signature),
                    compute_units,
                    fee,
                    priority_fee,
                    compute_unit_price: price,
                    slot: Some(slot),
                    signings,
                    instructions: step.instructions.len(),
                    planned: None,
                })
            }
            Fate::Expired => Err(Expired.into()),
        }
    }

    /// Simulates `step` on a fresh blockhash, the one it will be signed with: that blockhash,
    /// its last valid block height and the compute units used. A node that does not know the
    /// blockhash (one endpoint gave it, a lagging one simulates) is asked again with another.
    async fn simulate(&self, step: &Step<'_>) -> Result<(solana_hash::Hash, u64, u64)> {
        let mut backoff = Duration::from_millis(250);
        for attempt in 1.. {
            let (blockhash, last_valid_block_height) = self
                .rpc
                .get_latest_blockhash_with_commitment(self.commitment())
                .await?;
            let probe = self.message(step, MAX_COMPUTE_UNITS, 0, blockhash)?;
            let unsigned = VersionedTransaction {
                signatures: vec![
                    Signature::default();
                    usize::from(probe.header().num_required_signatures)
                ],
                message: probe,
            };
            let simulation = self
                .rpc
                .simulate_transaction_with_config(
                    &unsigned,
                    RpcSimulateTransactionConfig {
                        sig_verify: false,
                        // The blockhash it will be signed with, checked by the node.
                        replace_recent_blockhash: false,
                        commitment: Some(self.commitment()),
                        ..RpcSimulateTransactionConfig::default()
                    },
                )
                .await?
                .value;
            match simulation.err.map(TransactionError::from) {
                Some(TransactionError::BlockhashNotFound) if attempt < SIGNINGS => {
                    Counters::add(&self.counters.blockhash_retries, 1);
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                }
                Some(error) => {
                    Counters::add(&self.counters.refused, 1);
                    let failed = TransactionFailed {
                        label: step.label.clone(),
                        reason: self.explain(step, &error),
                        logs: simulation.logs.unwrap_or_default(),
                        pool_error: self.pool_error(step, &error),
                    };
                    self.counters.error(&failed.to_string());
                    return Err(failed.into());
                }
                None => {
                    let used = simulation
                        .units_consumed
                        .unwrap_or(u64::from(MAX_COMPUTE_UNITS));
                    return Ok((blockhash, last_valid_block_height, used));
                }
            }
        }
        unreachable!("the loop returns by its last attempt")
    }

    /// Sends steps in order, stopping at the first failure. Each step may need the
    /// accounts the ones before it create, so a dry run simulates only the first and lists
    /// the others.
    pub async fn send_all(&self, steps: Vec<Step<'_>>) -> Result<Vec<Sent>> {
        if let Some(offline) = &self.offline {
            if offline.prints() {
                self.print_offline(offline, &steps).await?;
            }
            if steps.len() > 1 {
                bail!(
                    "this command sends {} transactions; --signer, --blockhash and --nonce take                      a command of one (dump them with --dump-transaction-message instead)",
                    steps.len()
                );
            }
        }
        let mut sent = Vec::with_capacity(steps.len());
        for (index, step) in steps.into_iter().enumerate() {
            if self.dry_run && index > 0 {
                sent.push(unsimulated(&step));
            } else {
                sent.push(self.send(step).await?);
            }
        }
        Ok(sent)
    }

    /// The instruction of `step` a transaction error names (past the compute budget ones).
    fn failed_instruction<'s>(&self, step: &'s Step<'_>, index: u8) -> Option<&'s Instruction> {
        (index as usize)
            .checked_sub(self.budget_instructions())
            .and_then(|index| step.instructions.get(index))
    }

    /// The pool program's error code in a transaction error, if the pool refused.
    pub fn pool_error(&self, step: &Step<'_>, error: &TransactionError) -> Option<u32> {
        match error {
            TransactionError::InstructionError(index, InstructionError::Custom(code))
                if self
                    .failed_instruction(step, *index)
                    .is_some_and(|instruction| instruction.program_id == self.program_id) =>
            {
                Some(*code)
            }
            _ => None,
        }
    }

    /// A transaction error in words: a pool error by name and meaning, the other programs'
    /// errors as their programs name them.
    pub fn explain(&self, step: &Step<'_>, error: &TransactionError) -> String {
        let TransactionError::InstructionError(index, instruction_error) = error else {
            return error.to_string();
        };
        let Some(instruction) = self.failed_instruction(step, *index) else {
            return error.to_string();
        };
        let program = instruction.program_id;
        match instruction_error {
            InstructionError::Custom(code) if program == self.program_id => {
                match p_stake_pool_client::error::describe(*code) {
                    Some((name, meaning)) => format!("{name}: {meaning} (stake pool error {code})"),
                    None => format!("stake pool error {code}"),
                }
            }
            InstructionError::Custom(code) if program == p_stake_pool_client::SYSTEM_PROGRAM_ID => {
                match solana_system_interface::error::SystemError::try_from(*code) {
                    Ok(error) => format!("system program: {error:?}: {error}"),
                    Err(_) => format!("system program error {code}"),
                }
            }
            InstructionError::Custom(code) if program == p_stake_pool_client::TOKEN_PROGRAM_ID => {
                match spl_token_interface::error::TokenError::try_from(*code) {
                    Ok(error) => format!("token program: {error:?}: {error}"),
                    Err(_) => format!("token program error {code}"),
                }
            }
            InstructionError::Custom(code) if program == STAKE_PROGRAM_ID => {
                match <solana_stake_interface::error::StakeError as num_traits::FromPrimitive>::from_u32(*code) {
                    Some(error) => format!("stake program: {error:?}: {error}"),
                    None => format!("stake program error {code}"),
                }
            }
            other => format!("instruction {} ({program}): {other}", index),
        }
    }
}

/// A dry run's entry for a step that needs the transactions before it (its accounts or
/// state do not exist yet, so it cannot be simulated).
pub fn unsimulated(step: &Step<'_>) -> Sent {
    Sent {
        label: format!(
            "{} (not simulated: needs the transactions before it)",
            step.label
        ),
        signature: None,
        compute_units: 0,
        fee: 0,
        priority_fee: 0,
        compute_unit_price: 0,
        slot: None,
        signings: 0,
        instructions: step.instructions.len(),
        planned: Some(planned_instructions(&step.instructions)),
    }
}

/// SOL to lamports, from a decimal string (`1.5` → 1,500,000,000); refuses more than nine
/// decimals and amounts that do not fit.
pub fn parse_amount(text: &str) -> Result<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty()
        || fraction.len() > 9
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        bail!("`{text}` is not an amount: expected a number with at most 9 decimals");
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse()? };
    let fraction: u64 = format!("{fraction:0<9}").parse()?;
    whole
        .checked_mul(1_000_000_000)
        .and_then(|lamports| lamports.checked_add(fraction))
        .ok_or_else(|| anyhow!("`{text}` is too large"))
}

/// Lamports (or pool token base units) as a decimal with nine places.
pub fn format_amount(amount: u64) -> String {
    format!("{}.{:09}", amount / 1_000_000_000, amount % 1_000_000_000)
}

/// The report of commands that only send transactions.
pub fn sent_report(what: String, sent: &[Sent], extra: serde_json::Value) -> crate::Report {
    let mut display = format!("{what}\n");
    for transaction in sent {
        display.push_str(&format!(
            "  {}: {} ({} CU, fee {} lamports of which priority {})\n",
            transaction.label,
            transaction
                .signature
                .map(|signature| signature.to_string())
                .unwrap_or_else(|| "not sent (dry run)".into()),
            transaction.compute_units,
            transaction.fee,
            transaction.priority_fee
        ));
        display.push_str(&transaction.planned_display());
    }
    let mut json = extra;
    if let Some(object) = json.as_object_mut() {
        object.insert(
            "transactions".into(),
            sent.iter().map(|sent| sent.json()).collect(),
        );
    }
    crate::Report { display, json }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(parse_amount("1.5").unwrap(), 1_500_000_000);
        assert_eq!(parse_amount("0.000000001").unwrap(), 1);
        assert_eq!(parse_amount("3").unwrap(), 3_000_000_000);
        assert_eq!(parse_amount(".25").unwrap(), 250_000_000);
        assert!(parse_amount("1.0000000001").is_err());
        assert!(parse_amount("-1").is_err());
        assert!(parse_amount("").is_err());
        assert!(parse_amount("18446744074").is_err());
        assert_eq!(format_amount(1_500_000_001), "1.500000001");
    }
}
