//! How a signed transaction lands on a real network, and what it pays to.
//!
//! - **Priority fee**: `--priority-fee auto` reads `getRecentPrioritizationFees` for the
//!   accounts the transaction writes and takes the percentile the operator picks; a fixed price
//!   is taken as given. Either way the fee is capped by `--max-priority-fee` (lamports per
//!   transaction, at the compute-unit limit the simulation set).
//! - **Landing**: a transaction is signed once and broadcast again every couple of seconds
//!   until its status is confirmed or its blockhash has expired. Only when it provably did not
//!   land — the finalized block height is past its last valid block height and no node status
//!   names its signature — is it signed again, with a fresh blockhash and a higher fee within
//!   the cap. Nothing is ever signed twice while an earlier signature could still land, so a
//!   deposit or a withdrawal happens at most once.
//! - **Journal** (the keeper): each signature is written to a file before it is broadcast and
//!   removed once its fate is known; a keeper restarted after being killed first waits out every
//!   signature the file holds, so it never acts on a chain its own earlier transaction is about
//!   to change.

use std::{
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;
use solana_rpc_client_types::config::RpcSendTransactionConfig;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::TransactionStatus;

use crate::{chain::Ctx, metrics::Counters};

/// How the compute-unit price is chosen (`--priority-fee`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriorityFee {
    /// The given percentile of the recent prioritization fees of the accounts written.
    Auto,
    /// This many micro-lamports per compute unit.
    Fixed(u64),
}

impl std::str::FromStr for PriorityFee {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "auto" {
            return Ok(Self::Auto);
        }
        text.parse().map(Self::Fixed).map_err(|_| {
            format!("`{text}` is neither `auto` nor a price in micro-lamports per compute unit")
        })
    }
}

/// The operator's fee policy.
#[derive(Clone, Copy, Debug)]
pub struct FeePolicy {
    /// `None`: no priority fee (a price of 0).
    pub fee: Option<PriorityFee>,
    /// Percentile of the recent fees `Auto` pays (0–100).
    pub percentile: u8,
    /// The least `Auto` pays (micro-lamports per CU).
    pub floor: u64,
    /// The most a transaction may pay in priority fees, in lamports.
    pub max_lamports: u64,
}

/// The lowest price a rebuilt transaction offers (micro-lamports per CU): a transaction that
/// expired unpaid gets a real fee the next time.
const ESCALATION_FLOOR: u64 = 10_000;

/// Micro-lamports per lamport.
const MICRO: u128 = 1_000_000;

/// The priority fee in lamports of `price` micro-lamports per CU over `limit` CU, rounded up
/// (as the runtime charges it).
pub fn priority_lamports(price: u64, limit: u32) -> u64 {
    let micro = u128::from(price).saturating_mul(u128::from(limit));
    u64::try_from(micro.div_ceil(MICRO)).unwrap_or(u64::MAX)
}

/// The highest price whose fee at `limit` CU stays within `max_lamports`.
pub fn cap_price(max_lamports: u64, limit: u32) -> u64 {
    let micro = u128::from(max_lamports).saturating_mul(MICRO);
    u64::try_from(micro / u128::from(limit.max(1))).unwrap_or(u64::MAX)
}

/// The `percentile` (0–100) of `fees`, nearest rank; 0 when there are none.
pub fn percentile(fees: &mut [u64], percentile: u8) -> u64 {
    if fees.is_empty() {
        return 0;
    }
    fees.sort_unstable();
    let rank = (usize::from(percentile.min(100)) * fees.len()).div_ceil(100);
    fees[rank.saturating_sub(1)]
}

/// The accounts a transaction writes (the RPC takes at most 128).
pub fn writable_accounts(instructions: &[Instruction]) -> Vec<Pubkey> {
    let mut accounts: Vec<Pubkey> = Vec::new();
    for meta in instructions.iter().flat_map(|ix| &ix.accounts) {
        if meta.is_writable && !accounts.contains(&meta.pubkey) {
            accounts.push(meta.pubkey);
        }
    }
    accounts.truncate(128);
    accounts
}

impl Ctx {
    /// The compute-unit price for a transaction writing `writable` with `limit` CU, on its
    /// `build`-th signing (0 first): the policy's price, doubled for each rebuild (at least
    /// `ESCALATION_FLOOR`), capped by the policy's maximum.
    pub async fn compute_unit_price(
        &self,
        writable: &[Pubkey],
        limit: u32,
        build: u32,
    ) -> Result<u64> {
        let base = match self.fees.fee {
            None => 0,
            Some(PriorityFee::Fixed(price)) => price,
            Some(PriorityFee::Auto) => {
                let mut fees: Vec<u64> = self
                    .rpc
                    .get_recent_prioritization_fees(writable)
                    .await
                    .context("getRecentPrioritizationFees")?
                    .into_iter()
                    .map(|fee| fee.prioritization_fee)
                    .collect();
                percentile(&mut fees, self.fees.percentile).max(self.fees.floor)
            }
        };
        let mut price = base;
        for _ in 0..build {
            price = price.saturating_mul(2).max(ESCALATION_FLOOR);
        }
        Ok(price.min(cap_price(self.fees.max_lamports, limit)))
    }
}

/// How a signature ended.
#[derive(Debug)]
pub enum Fate {
    /// It landed in `slot`, with this result.
    Landed {
        slot: u64,
        result: Result<(), TransactionError>,
    },
    /// Its blockhash expired and no node knows it: it never landed and never will.
    Expired,
}

impl std::fmt::Display for Fate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Landed {
                slot,
                result: Ok(()),
            } => write!(f, "landed in slot {slot}"),
            Self::Landed {
                slot,
                result: Err(error),
            } => write!(f, "landed in slot {slot} and failed: {error}"),
            Self::Expired => write!(f, "expired (never landed)"),
        }
    }
}

/// When a signed transaction can no longer land.
#[derive(Clone, Copy, Debug)]
pub enum Expiry {
    /// Its blockhash is valid up to this block height.
    BlockHeight(u64),
    /// It carries a durable nonce (its blockhash is `blockhash`, the nonce account's): valid
    /// until the account holds another nonce.
    Nonce { account: Pubkey, blockhash: Hash },
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BlockHeight(height) => write!(f, "valid until block height {height}"),
            Self::Nonce { account, .. } => write!(f, "valid until nonce account {account} is used"),
        }
    }
}

/// How long the cluster may stay unreadable while a signature's fate is unknown.
const UNREADABLE_LIMIT: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_millis(500);
const REBROADCAST: Duration = Duration::from_secs(2);

/// What one node said, in one batch, about a signature near or past its expiry.
enum Check {
    /// It may still land (or the node cannot prove otherwise yet).
    Pending,
    Landed(Fate),
    Expired,
    /// Long past its expiry: only transaction history can tell, so ask with history next.
    NeedsHistory,
}

impl Ctx {
    /// Broadcasts `transaction` (again every `REBROADCAST`) until it lands or provably expires
    /// (`expiry`). `resumed`: it was broadcast before (by a run that was
    /// killed), so every broadcast counts as a rebroadcast.
    pub async fn land(
        &self,
        transaction: &VersionedTransaction,
        signature: &Signature,
        expiry: Expiry,
        resumed: bool,
    ) -> Result<Fate> {
        let mut last_broadcast: Option<Instant> = None;
        // The last time a node answered the expiry check: the cluster was readable then.
        let mut last_answer = Instant::now();
        let mut last_check = Instant::now() - REBROADCAST;
        // Expiry is believed when two checks in a row find it.
        let mut expired_checks = 0;
        let mut with_history = false;
        let mut announced = false;
        let started = Instant::now();
        loop {
            if last_broadcast.is_none_or(|at| at.elapsed() >= REBROADCAST) {
                Counters::add(
                    if last_broadcast.is_none() && !resumed {
                        &self.counters.sent
                    } else {
                        &self.counters.rebroadcasts
                    },
                    1,
                );
                last_broadcast = Some(Instant::now());
                if let Err(error) = self
                    .rpc
                    .send_transaction_with_config(
                        transaction,
                        RpcSendTransactionConfig {
                            // Simulated already; the node's own preflight would only add
                            // its own view of the blockhash.
                            skip_preflight: true,
                            max_retries: Some(0),
                            ..RpcSendTransactionConfig::default()
                        },
                    )
                    .await
                {
                    // Lost on the way: the next broadcast (same signature) tries again.
                    self.counters
                        .error(&format!("sendTransaction {signature}: {error}"));
                }
            }
            // The quick look (any node's status cache).
            match self.status(signature).await {
                Ok(Some(fate)) => return Ok(fate),
                Ok(None) => {}
                Err(error) => self.counters.error(&format!("{error:#}")),
            }
            if last_check.elapsed() >= REBROADCAST {
                last_check = Instant::now();
                match self.check(signature, expiry, with_history).await {
                    Ok(answer) => {
                        last_answer = Instant::now();
                        match answer {
                            Check::Landed(fate) => return Ok(fate),
                            Check::Expired if expired_checks >= 1 => return Ok(Fate::Expired),
                            Check::Expired => expired_checks += 1,
                            Check::Pending => expired_checks = 0,
                            Check::NeedsHistory => {
                                expired_checks = 0;
                                with_history = true;
                            }
                        }
                    }
                    Err(error) => {
                        if error.downcast_ref::<Undecidable>().is_some() {
                            return Err(error);
                        }
                        self.counters.error(&format!("{error:#}"));
                    }
                }
            }
            if self.progress && !announced && started.elapsed() >= Duration::from_secs(5) {
                // Someone at a terminal learns the signature while it is still in doubt.
                announced = true;
                eprintln!("waiting for transaction {signature} ({expiry}) to land");
            }
            if last_answer.elapsed() > UNREADABLE_LIMIT {
                bail!(
                    "no RPC endpoint could say for {} s whether transaction {signature} landed \
                     (check it with `solana confirm {signature}` before trying again)",
                    UNREADABLE_LIMIT.as_secs()
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The signature's fate if it landed at the tool's commitment (never less than
    /// `confirmed`: a processed transaction may sit on a fork that is dropped); `None` while
    /// unknown.
    async fn status(&self, signature: &Signature) -> Result<Option<Fate>> {
        let status = self
            .rpc
            .get_signature_statuses(std::slice::from_ref(signature))
            .await
            .context("getSignatureStatuses")?
            .value
            .into_iter()
            .next()
            .flatten();
        Ok(status.and_then(|status| self.landed(status)))
    }

    fn landed(&self, status: TransactionStatus) -> Option<Fate> {
        let commitment = if self.commitment().is_at_least_confirmed() {
            self.commitment()
        } else {
            CommitmentConfig::confirmed()
        };
        status
            .satisfies_commitment(commitment)
            .then_some(Fate::Landed {
                slot: status.slot,
                result: status.status,
            })
    }

    /// Whether the signature provably never landed, asked of one node in one JSON-RPC batch
    /// (its finalized block height and slot, and its status of the signature), so the two
    /// answers describe one view of the chain: a failover between two requests could pair one
    /// node's finalized height with another node's silence from a fork that never saw the
    /// block holding the transaction.
    ///
    /// Expired means: the node's finalized block height is past the last valid one plus one
    /// (a child of the block at the last valid height may still take it), and its status
    /// cache, which holds its last 300 roots and every block on its fork above them, has no
    /// status. Within `STATUS_CACHE_BLOCKS` of expiry every block that could hold the
    /// transaction is still in that cache; later only transaction history can tell, and a
    /// node without history makes the fate `Undecidable` (an error naming the signature, never
    /// a guess).
    async fn check(
        &self,
        signature: &Signature,
        expiry: Expiry,
        with_history: bool,
    ) -> Result<Check> {
        let last_valid_block_height = match expiry {
            Expiry::BlockHeight(height) => height,
            Expiry::Nonce { account, blockhash } => {
                return self.check_nonce(signature, &account, &blockhash).await
            }
        };
        let mut batch = vec![
            json!({"jsonrpc": "2.0", "id": 0, "method": "getEpochInfo",
                   "params": [{"commitment": "finalized"}]}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "getSignatureStatuses",
                   "params": [[signature.to_string()], {"searchTransactionHistory": false}]}),
        ];
        if with_history {
            batch.push(
                json!({"jsonrpc": "2.0", "id": 2, "method": "getSignatureStatuses",
                "params": [[signature.to_string()], {"searchTransactionHistory": true}]}),
            );
        }
        let answers = self.batch(&batch).await?;
        let answer = |id: u64| {
            answers
                .iter()
                .find(|answer| answer["id"] == id)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let epoch_info = answer(0);
        let (Some(height), Some(finalized_slot)) = (
            epoch_info["result"]["blockHeight"].as_u64(),
            epoch_info["result"]["absoluteSlot"].as_u64(),
        ) else {
            bail!("getEpochInfo answered {epoch_info}");
        };
        let statuses = answer(1);
        let status = parse_status(&statuses)?;
        let seen = status.is_some();
        if let Some(fate) = status.and_then(|status| self.landed(status)) {
            return Ok(Check::Landed(fate));
        }
        if height <= last_valid_block_height.saturating_add(1) {
            return Ok(Check::Pending);
        }
        let context_slot = statuses["result"]["context"]["slot"].as_u64().unwrap_or(0);
        if context_slot < finalized_slot {
            // Cannot happen on one node (its processed bank descends from its root), unless
            // a load balancer split the batch: then prove nothing.
            return Ok(Check::Pending);
        }
        if height <= last_valid_block_height.saturating_add(STATUS_CACHE_BLOCKS) {
            return Ok(if seen {
                // Seen, but not yet at the commitment asked: still landing.
                Check::Pending
            } else {
                Check::Expired
            });
        }
        if !with_history {
            return Ok(Check::NeedsHistory);
        }
        let history = answer(2);
        if !history["error"].is_null() {
            return Err(Undecidable(format!(
                "whether transaction {signature} landed cannot be told: its blockhash expired \
                 long ago and the RPC answered {} to a history search (check it with `solana \
                 confirm {signature}`)",
                history["error"]
            ))
            .into());
        }
        Ok(match parse_status(&history)? {
            // Long rooted: whatever it says is final.
            Some(status) => Check::Landed(Fate::Landed {
                slot: status.slot,
                result: status.status,
            }),
            None => Check::Expired,
        })
    }

    /// Whether a durable-nonce transaction provably never landed, asked of one node in one
    /// batch: its finalized nonce account holds another nonce (used by another transaction,
    /// or by this one), and its status cache, which holds every recent block, has no status
    /// for the signature.
    async fn check_nonce(
        &self,
        signature: &Signature,
        account: &Pubkey,
        blockhash: &Hash,
    ) -> Result<Check> {
        let batch = [
            json!({"jsonrpc": "2.0", "id": 0, "method": "getAccountInfo",
                   "params": [account.to_string(), {"commitment": "finalized", "encoding": "base64"}]}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "getSignatureStatuses",
                   "params": [[signature.to_string()], {"searchTransactionHistory": false}]}),
        ];
        let answers = self.batch(&batch).await?;
        let answer = |id: u64| {
            answers
                .iter()
                .find(|answer| answer["id"] == id)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let nonce = answer(0);
        let statuses = answer(1);
        let status = parse_status(&statuses)?;
        let seen = status.is_some();
        if let Some(fate) = status.and_then(|status| self.landed(status)) {
            return Ok(Check::Landed(fate));
        }
        let data = nonce["result"]["value"]["data"][0]
            .as_str()
            .and_then(|data| base64::engine::general_purpose::STANDARD.decode(data).ok())
            .ok_or_else(|| anyhow!("getAccountInfo of nonce account {account} answered {nonce}"))?;
        let held = bincode::deserialize::<solana_nonce::versions::Versions>(&data)
            .ok()
            .and_then(
                |versions| match solana_nonce::state::State::from(versions) {
                    solana_nonce::state::State::Initialized(data) => Some(data.blockhash()),
                    solana_nonce::state::State::Uninitialized => None,
                },
            );
        let nonce_slot = nonce["result"]["context"]["slot"]
            .as_u64()
            .unwrap_or(u64::MAX);
        let status_slot = statuses["result"]["context"]["slot"].as_u64().unwrap_or(0);
        Ok(
            if held == Some(*blockhash) || seen || status_slot < nonce_slot {
                // The nonce still waits for it, or it is on its way, or the status answer is
                // older than the nonce's (a split batch): nothing is proven.
                Check::Pending
            } else {
                Check::Expired
            },
        )
    }

    /// One JSON-RPC batch to one endpoint (the first of `--url` that answers).
    async fn batch(&self, batch: &[Value]) -> Result<Vec<Value>> {
        let mut last_error = None;
        for url in &self.urls {
            let answer = async {
                let response = self
                    .http
                    .post(url)
                    .json(&batch)
                    .send()
                    .await?
                    .error_for_status()?;
                anyhow::Ok(response.json::<Vec<Value>>().await?)
            }
            .await;
            match answer {
                Ok(answers) => return Ok(answers),
                Err(error) => {
                    self.counters.rpc_retry("expiry check: an endpoint failed");
                    last_error = Some(error);
                }
            }
        }
        Err(anyhow!(
            "no endpoint answered the expiry check: {}",
            crate::metrics::without_urls(
                &last_error
                    .map(|error| format!("{error:#}"))
                    .unwrap_or_default()
            )
        ))
    }
}

/// A signature whose fate no endpoint can tell.
#[derive(Debug)]
pub struct Undecidable(String);

impl std::fmt::Display for Undecidable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Undecidable {}

/// The one status of a `getSignatureStatuses` answer.
fn parse_status(answer: &Value) -> Result<Option<TransactionStatus>> {
    if !answer["error"].is_null() {
        bail!("getSignatureStatuses answered {}", answer["error"]);
    }
    let value = &answer["result"]["value"][0];
    if value.is_null() {
        return Ok(None);
    }
    Ok(Some(serde_json::from_value(value.clone()).with_context(
        || format!("getSignatureStatuses answered {value}"),
    )?))
}

/// Blocks past a signature's last valid block height within which the status cache still
/// surely holds it (the cache keeps about 300 slots).
const STATUS_CACHE_BLOCKS: u64 = 100;

/// A signature whose fate was not known when it was written down.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InFlight {
    pub signature: String,
    pub last_valid_block_height: u64,
    pub label: String,
    /// The signed transaction (bincode, base64): a restarted keeper broadcasts it again rather
    /// than wait for its blockhash to expire.
    pub transaction: String,
}

impl InFlight {
    pub fn new(
        transaction: &VersionedTransaction,
        last_valid_block_height: u64,
        label: &str,
    ) -> Result<Self> {
        Ok(Self {
            signature: transaction.signatures[0].to_string(),
            last_valid_block_height,
            label: label.to_string(),
            transaction: base64::engine::general_purpose::STANDARD
                .encode(bincode::serialize(transaction)?),
        })
    }

    fn transaction(&self) -> Result<VersionedTransaction> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.transaction)
            .map_err(|error| anyhow!("journal entry {}: {error}", self.signature))?;
        Ok(bincode::deserialize(&bytes)?)
    }
}

/// The keeper's file of signatures in flight (`--journal`), locked (`PATH.lock`) while a keeper
/// uses it: two keepers sharing one journal would each forget the other's transactions.
pub struct Journal {
    path: PathBuf,
    entries: Mutex<Vec<InFlight>>,
    _lock: std::fs::File,
}

impl Journal {
    /// Opens (or starts) the journal at `path`; every entry must decode (an entry that cannot
    /// is a transaction whose fate cannot be learned: the operator decides, not the keeper).
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let lock_path = path.with_extension("lock");
        let lock = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        lock.try_lock().map_err(|_| {
            anyhow!(
                "another keeper is using the journal {} (give each keeper its own --journal)",
                path.display()
            )
        })?;
        let entries: Vec<InFlight> = match std::fs::read(path) {
            Ok(bytes) if !bytes.is_empty() => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a keeper journal", path.display()))?,
            Ok(_) => Vec::new(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()))
            }
        };
        for entry in &entries {
            entry
                .signature
                .parse::<Signature>()
                .map_err(|_| anyhow!("journal entry `{}` is not a signature", entry.signature))?;
            entry.transaction().with_context(|| {
                format!(
                    "{}: the transaction of {} cannot be read; check it with `solana confirm` \
                     and remove the entry",
                    path.display(),
                    entry.signature
                )
            })?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            entries: Mutex::new(entries),
            _lock: lock,
        })
    }

    pub fn entries(&self) -> Vec<InFlight> {
        self.entries
            .lock()
            .map(|entries| entries.clone())
            .unwrap_or_default()
    }

    /// Writes `entry` down (durably) before its transaction is broadcast.
    pub fn record(&self, entry: InFlight) -> Result<()> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| anyhow!("journal lock poisoned"))?;
        let mut kept = entries.clone();
        kept.push(entry);
        self.write(&kept)?;
        *entries = kept;
        Ok(())
    }

    /// Forgets `signature` once its fate is known.
    pub fn settle(&self, signature: &str) -> Result<()> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| anyhow!("journal lock poisoned"))?;
        // The file first: memory never forgets what the file still holds.
        let kept: Vec<InFlight> = entries
            .iter()
            .filter(|entry| entry.signature != signature)
            .cloned()
            .collect();
        self.write(&kept)?;
        *entries = kept;
        Ok(())
    }

    /// Replaces the file atomically (a temporary file, synced, renamed over it).
    fn write(&self, entries: &[InFlight]) -> Result<()> {
        use std::io::Write;
        let temporary = self.path.with_extension("tmp");
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        file.write_all(&serde_json::to_vec(entries)?)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &self.path)
            .with_context(|| format!("cannot replace {}", self.path.display()))?;
        Ok(())
    }
}

impl Ctx {
    /// Lands or waits out every transaction the journal holds (from a run that was killed): each
    /// is broadcast again until it lands or its blockhash provably expires, so nothing this run
    /// does races a transaction of the last one. Returns what each became.
    pub async fn settle_journal(&self) -> Result<Vec<(InFlight, Fate)>> {
        let Some(journal) = &self.journal else {
            return Ok(Vec::new());
        };
        let mut settled = Vec::new();
        for entry in journal.entries() {
            let signature: Signature = entry
                .signature
                .parse()
                .map_err(|_| anyhow!("journal entry {} is not a signature", entry.signature))?;
            let transaction = entry.transaction()?;
            let fate = self
                .land(
                    &transaction,
                    &signature,
                    Expiry::BlockHeight(entry.last_valid_block_height),
                    true,
                )
                .await?;
            match &fate {
                Fate::Landed { result: Ok(()), .. } => Counters::add(&self.counters.landed, 1),
                Fate::Landed { result: Err(_), .. } => Counters::add(&self.counters.failed, 1),
                Fate::Expired => {}
            }
            journal.settle(&entry.signature)?;
            settled.push((entry, fate));
        }
        Ok(settled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let mut fees = vec![0, 0, 100, 5, 50];
        assert_eq!(percentile(&mut fees, 50), 5);
        assert_eq!(percentile(&mut fees, 75), 50);
        assert_eq!(percentile(&mut fees, 100), 100);
        assert_eq!(percentile(&mut fees, 0), 0);
        assert_eq!(percentile(&mut [], 90), 0);
    }

    #[test]
    fn the_cap_bounds_the_fee_in_lamports() {
        // 100,000 lamports over 200,000 CU: 500,000 micro-lamports per CU.
        assert_eq!(cap_price(100_000, 200_000), 500_000);
        assert_eq!(priority_lamports(500_000, 200_000), 100_000);
        // Rounded up, as the runtime charges.
        assert_eq!(priority_lamports(1, 1), 1);
        assert_eq!(priority_lamports(0, 1_400_000), 0);
        for limit in [1, 1_000, 199_999, 1_400_000] {
            for max in [0, 1, 5_000, 100_000, u64::MAX / 2] {
                assert!(priority_lamports(cap_price(max, limit), limit) <= max);
            }
        }
    }

    #[test]
    fn the_journal_survives_a_restart_and_is_one_keepers() {
        use solana_keypair::Keypair;
        use solana_signer::Signer;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/keeper.journal");
        let journal = Journal::open(&path).unwrap();
        let payer = Keypair::new();
        let entry = |n: u64| {
            let message = solana_message::Message::new_with_blockhash(
                &[solana_system_interface::instruction::transfer(
                    &payer.pubkey(),
                    &Pubkey::new_unique(),
                    n,
                )],
                Some(&payer.pubkey()),
                &solana_hash::Hash::new_unique(),
            );
            let transaction = VersionedTransaction::try_new(
                solana_message::VersionedMessage::Legacy(message),
                &[&payer],
            )
            .unwrap();
            InFlight::new(&transaction, n, "update").unwrap()
        };
        let (first, second) = (entry(1), entry(2));
        journal.record(first.clone()).unwrap();
        journal.record(second.clone()).unwrap();
        // A second keeper on the same journal is refused while the first holds it.
        let refused = Journal::open(&path).err().unwrap().to_string();
        assert!(refused.contains("another keeper"), "{refused}");
        journal.settle(&first.signature).unwrap();
        drop(journal);
        let reopened = Journal::open(&path).unwrap();
        assert_eq!(reopened.entries(), vec![second.clone()]);
        assert_eq!(
            reopened.entries()[0].transaction().unwrap().signatures[0].to_string(),
            second.signature
        );
        drop(reopened);
        // An entry that cannot be read stops the keeper, naming it.
        std::fs::write(
            &path,
            br#"[{"signature":"x","lastValidBlockHeight":1,"label":"l","transaction":""}]"#,
        )
        .unwrap();
        assert!(Journal::open(&path).is_err());
    }
}
