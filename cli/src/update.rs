//! The epoch update, packed: `UpdateValidatorListBalance` takes any number of (validator
//! stake, transient stake) pairs, so each transaction carries as many as its account-lock
//! limit allows (64 accounts on mainnet today: 27 pairs) by naming them through address
//! lookup tables the tool keeps for the pool (when they save transactions: a list that fits
//! legacy transactions just as well gets none). Batches cover disjoint ranges of the list, so
//! they go out concurrently; `UpdateStakePoolBalance` and the cleanup follow in one last
//! transaction. The reference CLI sends a fixed handful of validators per legacy
//! transaction.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use futures::{stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use p_stake_pool_client::{
    self as client, StakePoolError, CLOCK_SYSVAR_ID, STAKE_HISTORY_SYSVAR_ID,
};
use serde_json::{json, Value};
use solana_address_lookup_table_interface::{
    instruction as lookup_table, program::ID as LOOKUP_TABLE_PROGRAM, state::AddressLookupTable,
};
use solana_message::AddressLookupTableAccount;
use solana_pubkey::Pubkey;

use crate::{
    chain::{Ctx, Sent, Step, TransactionFailed},
    pool::Pool,
    Report,
};

/// Accounts one transaction may lock on mainnet (`increase_tx_account_lock_limit` is not
/// active there).
const ACCOUNT_LOCK_LIMIT: usize = 64;
/// Accounts of an update transaction besides the pairs: payer, the pool program, the
/// compute budget program, and the instruction's seven fixed accounts.
const FIXED_ACCOUNTS: usize = 10;
/// Pairs one transaction can carry through lookup tables.
pub const PAIRS_WITH_LOOKUP_TABLES: usize = (ACCOUNT_LOCK_LIMIT - FIXED_ACCOUNTS) / 2;
/// Addresses one lookup table holds.
const LOOKUP_TABLE_CAPACITY: usize = 256;
/// Addresses added per extension transaction.
const EXTEND_CHUNK: usize = 24;
/// Largest serialized transaction.
const PACKET_DATA_SIZE: usize = 1232;

#[derive(Args, Clone)]
pub struct UpdateArgs {
    pub pool: Pubkey,
    /// Update even if the pool is already current
    #[arg(long)]
    pub force: bool,
    /// Do not merge transient stake accounts into validator stake accounts
    #[arg(long)]
    pub no_merge: bool,
    /// Only the validators not yet updated this epoch
    #[arg(long)]
    pub stale_only: bool,
    /// Legacy transactions only (no lookup tables): fewer validators per transaction
    #[arg(long)]
    pub no_lookup_tables: bool,
    /// Transactions in flight at once
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
}

/// Progress on stderr: a bar on a terminal, plain lines otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: std::sync::atomic::AtomicU64,
    what: String,
}

impl Progress {
    pub fn new(ctx: &Ctx, total: u64, what: &str) -> Self {
        let bar = ctx.progress.then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(what.to_string());
            bar
        });
        Self {
            bar,
            total,
            done: 0.into(),
            what: what.into(),
        }
    }

    pub fn tick(&self, message: &str) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(message.to_string());
            }
            None => eprintln!("{} {done}/{}: {message}", self.what, self.total),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateOutcome {
    pub epoch: u64,
    pub skipped: bool,
    pub validators: usize,
    pub sent: Vec<Sent>,
    pub lookup_table_transactions: Vec<Sent>,
    pub lookup_tables: Vec<Pubkey>,
    pub seconds: f64,
}

impl UpdateOutcome {
    pub fn json(&self) -> Value {
        let all = self.sent.iter().chain(&self.lookup_table_transactions);
        json!({
            "epoch": self.epoch,
            "alreadyCurrent": self.skipped,
            "validators": self.validators,
            "updateTransactions": self.sent.len(),
            "lookupTableTransactions": self.lookup_table_transactions.len(),
            "lookupTables": self.lookup_tables.iter().map(|table| table.to_string()).collect::<Vec<_>>(),
            "computeUnits": all.clone().map(|sent| sent.compute_units).sum::<u64>(),
            "fees": all.map(|sent| sent.fee).sum::<u64>(),
            "seconds": self.seconds,
            "transactions": self.sent.iter().chain(&self.lookup_table_transactions).map(Sent::json).collect::<Vec<_>>(),
        })
    }
}

pub async fn run(ctx: &Ctx, args: &UpdateArgs) -> Result<Report> {
    let outcome = update(ctx, args).await?;
    let display = if outcome.skipped {
        format!(
            "Pool {} is already updated for epoch {} (--force updates anyway)\n",
            args.pool, outcome.epoch
        )
    } else {
        let json = outcome.json();
        format!(
            "Updated pool {} for epoch {}: {} validators in {} transactions ({} for lookup tables), \
             {} CU, {} lamports in fees, {:.1} s{}\n",
            args.pool,
            outcome.epoch,
            outcome.validators,
            outcome.sent.len(),
            outcome.lookup_table_transactions.len(),
            json["computeUnits"],
            json["fees"],
            outcome.seconds,
            if ctx.dry_run { " (dry run: nothing sent)" } else { "" }
        )
    };
    Ok(Report {
        display,
        json: outcome.json(),
    })
}

/// The accounts of `pool`'s update that lookup tables can hold: the instruction's fixed
/// accounts (programs must stay in the message) and every validator's pair.
fn lookup_addresses(pool: &Pool) -> Vec<Pubkey> {
    let mut addresses = vec![
        pool.address,
        pool.accounts.withdraw_authority(),
        pool.accounts.validator_list,
        pool.accounts.reserve_stake,
        CLOCK_SYSVAR_ID,
        STAKE_HISTORY_SYSVAR_ID,
        pool.accounts.manager_fee_account,
        pool.accounts.pool_mint,
    ];
    for validator in &pool.validators {
        addresses.push(validator.seeds.validator_stake(&pool.accounts));
        addresses.push(validator.seeds.transient_stake(&pool.accounts));
    }
    addresses
}

/// The payer's lookup tables for `pool`: tables whose authority is the payer and whose first
/// address is the pool (the tool's mark).
async fn find_lookup_tables(ctx: &Ctx, pool: &Pubkey) -> Result<Vec<AddressLookupTableAccount>> {
    let mut authority = vec![1];
    authority.extend_from_slice(ctx.payer().as_ref());
    let found = ctx
        .program_accounts(
            &LOOKUP_TABLE_PROGRAM,
            // Authority: `Some` (1) then the key, at byte 21; the first address at byte 56.
            vec![(21, authority), (56, pool.to_bytes().to_vec())],
        )
        .await?;
    let mut tables = Vec::new();
    for (key, account) in found {
        let Ok(table) = AddressLookupTable::deserialize(&account.data) else {
            continue;
        };
        if table.meta.deactivation_slot != u64::MAX {
            continue;
        }
        tables.push(AddressLookupTableAccount {
            key,
            addresses: table.addresses.to_vec(),
        });
    }
    tables.sort_by_key(|table| table.key.to_string());
    Ok(tables)
}

/// Makes the payer's lookup tables for `pool` hold every address of its update: extends
/// the tables it has, creates more when they are full, waits until the new entries are
/// usable, and returns the tables.
async fn prepare_lookup_tables(
    ctx: &Ctx,
    pool: &Pool,
    concurrency: usize,
    sent: &mut Vec<Sent>,
) -> Result<Vec<AddressLookupTableAccount>> {
    let mut tables = find_lookup_tables(ctx, &pool.address).await?;
    let known: std::collections::HashSet<Pubkey> = tables
        .iter()
        .flat_map(|table| table.addresses.iter().copied())
        .collect();
    let mut missing: Vec<Pubkey> = lookup_addresses(pool)
        .into_iter()
        .filter(|address| !known.contains(address))
        .collect();
    if missing.is_empty() || ctx.dry_run {
        return Ok(tables);
    }
    // Which table takes which addresses: the room left in the tables there are, then new
    // tables (each marked with the pool's address first).
    let mut plan: Vec<(usize, Vec<Pubkey>)> = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let room = LOOKUP_TABLE_CAPACITY.saturating_sub(table.addresses.len());
        let take: Vec<Pubkey> = missing.drain(..room.min(missing.len())).collect();
        if !take.is_empty() {
            plan.push((index, take));
        }
    }
    missing.retain(|address| *address != pool.address);
    let mut last_slot = None;
    while !missing.is_empty() {
        // One table per slot: a table's address derives from its authority and a recent
        // (finalized, so surely in the slot history) slot.
        let slot = loop {
            let slot = ctx
                .rpc
                .get_slot_with_commitment(solana_commitment_config::CommitmentConfig::finalized())
                .await?;
            if Some(slot) > last_slot {
                break slot;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        last_slot = Some(slot);
        let (create, key) = lookup_table::create_lookup_table(ctx.payer(), ctx.payer(), slot);
        let mark = lookup_table::extend_lookup_table(
            key,
            ctx.payer(),
            Some(ctx.payer()),
            vec![pool.address],
        );
        sent.push(
            ctx.send(Step::new("create a lookup table", vec![create, mark]))
                .await?,
        );
        tables.push(AddressLookupTableAccount {
            key,
            addresses: vec![pool.address],
        });
        let take: Vec<Pubkey> = missing
            .drain(..(LOOKUP_TABLE_CAPACITY - 1).min(missing.len()))
            .collect();
        plan.push((tables.len() - 1, take));
    }
    // Extensions append, in any order: they go out together.
    let extensions: Vec<(Pubkey, Vec<Pubkey>)> = plan
        .iter()
        .flat_map(|(index, addresses)| {
            addresses
                .chunks(EXTEND_CHUNK)
                .map(|chunk| (tables[*index].key, chunk.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect();
    let results: Vec<Result<Sent>> = stream::iter(extensions)
        .map(|(table, chunk)| async move {
            ctx.send(Step::new(
                format!("extend lookup table {table}"),
                vec![lookup_table::extend_lookup_table(
                    table,
                    ctx.payer(),
                    Some(ctx.payer()),
                    chunk,
                )],
            ))
            .await
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for result in results {
        sent.push(result?);
    }
    // Entries added in a slot are usable from the next one.
    let slot = ctx.rpc.get_slot().await?;
    while ctx.rpc.get_slot().await? <= slot + 1 {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The extensions landed in whatever order: read the tables back, since a message names
    // a table's entries by position.
    let tables = find_lookup_tables(ctx, &pool.address).await?;
    let held: std::collections::HashSet<Pubkey> = tables
        .iter()
        .flat_map(|table| table.addresses.iter().copied())
        .collect();
    if let Some(absent) = lookup_addresses(pool)
        .iter()
        .find(|address| !held.contains(address))
    {
        bail!(
            "lookup tables for {} do not hold {absent} after extending them",
            pool.address
        );
    }
    Ok(tables)
}

/// How long an update waits for the epoch's rewards to be paid out (the stake program locks
/// stake accounts while it pays them, over the epoch's first blocks).
const REWARDS_WAIT: Duration = Duration::from_secs(60);

/// Sends the step `build` makes; while the pool refuses because the epoch's rewards are still
/// being paid, waits a slot and tries again.
async fn send_waiting_for_rewards<'a>(ctx: &Ctx, build: impl Fn() -> Step<'a>) -> Result<Sent> {
    let started = Instant::now();
    loop {
        match ctx.send(build()).await {
            Err(error)
                if started.elapsed() < REWARDS_WAIT
                    && error
                        .downcast_ref::<TransactionFailed>()
                        .is_some_and(|failed| {
                            failed.pool_error
                                == Some(StakePoolError::EpochRewardDistributionInProgress as u32)
                        }) =>
            {
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            result => return result,
        }
    }
}

/// The ranges of the validator list to update: runs of consecutive entries (only the stale
/// ones with `stale_only`), cut to `pairs` entries each.
pub fn batches(pool: &Pool, epoch: u64, stale_only: bool, pairs: usize) -> Vec<(usize, usize)> {
    let mut batches = Vec::new();
    let mut start = None;
    for (index, validator) in pool.validators.iter().enumerate() {
        let wanted = !stale_only || validator.last_update_epoch < epoch;
        match (wanted, start) {
            (true, None) => start = Some(index),
            (true, Some(first)) if index - first == pairs => {
                batches.push((first, index));
                start = Some(index);
            }
            (false, Some(first)) => {
                batches.push((first, index));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(first) = start {
        batches.push((first, pool.validators.len()));
    }
    batches
}

fn list_instruction(
    pool: &Pool,
    (start, end): (usize, usize),
    no_merge: bool,
) -> solana_instruction::Instruction {
    let pairs: Vec<(Pubkey, Pubkey)> = pool.validators[start..end]
        .iter()
        .map(|validator| {
            (
                validator.seeds.validator_stake(&pool.accounts),
                validator.seeds.transient_stake(&pool.accounts),
            )
        })
        .collect();
    client::update_validator_list_balance(&pool.accounts, &pairs, start as u32, no_merge)
}

/// Pairs per legacy transaction: as many as fit in a packet.
fn legacy_pairs(ctx: &Ctx, pool: &Pool) -> usize {
    let mut pairs = pool.validators.len().clamp(1, PAIRS_WITH_LOOKUP_TABLES);
    while pairs > 1 {
        let instruction = list_instruction(pool, (0, pairs.min(pool.validators.len())), false);
        let message = solana_message::Message::new(
            &[
                solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                    1,
                ),
                solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
                    1,
                ),
                instruction,
            ],
            Some(&ctx.payer()),
        );
        let size = 1
            + 64 * usize::from(message.header.num_required_signatures)
            + bincode::serialize(&message)
                .map(|bytes| bytes.len())
                .unwrap_or(usize::MAX);
        if size <= PACKET_DATA_SIZE && message.account_keys.len() <= ACCOUNT_LOCK_LIMIT {
            break;
        }
        pairs -= 1;
    }
    pairs
}

/// The label of an update's last transaction, the one that makes the pool current.
pub const UPDATE_FINISH: &str = "UpdateStakePoolBalance, CleanupRemovedValidatorEntries";

/// Brings the pool current. An epoch that turns while the update runs leaves it stale (or
/// makes its last step fail with `StakeListOutOfDate`): the update then runs again for the new
/// epoch, a few times at most.
pub async fn update(ctx: &Ctx, args: &UpdateArgs) -> Result<UpdateOutcome> {
    let started = Instant::now();
    let mut earlier: Vec<Sent> = Vec::new();
    let mut earlier_tables: Vec<Sent> = Vec::new();
    let mut validators = 0;
    for attempt in 0.. {
        let epoch = ctx.epoch().await?;
        let result = update_once(ctx, args).await;
        match result {
            Ok(mut outcome) => {
                earlier.append(&mut outcome.sent);
                earlier_tables.append(&mut outcome.lookup_table_transactions);
                validators = validators.max(outcome.validators);
                // Done when the pool is current for the epoch the cluster is in now.
                let now = ctx.epoch().await?;
                let current = Pool::load(ctx, &args.pool).await?.last_update_epoch >= now;
                if ctx.dry_run || current || attempt == 3 {
                    outcome.sent = earlier;
                    outcome.lookup_table_transactions = earlier_tables;
                    outcome.skipped = outcome.skipped && outcome.sent.is_empty();
                    outcome.validators = validators;
                    outcome.seconds = started.elapsed().as_secs_f64();
                    return Ok(outcome);
                }
            }
            Err(error) => {
                let turned = !ctx.dry_run && ctx.epoch().await? != epoch;
                if !turned || attempt == 3 {
                    return Err(error);
                }
            }
        }
        eprintln!("update: epoch {epoch} ended during the update; updating for the new epoch");
    }
    unreachable!("the loop returns by its fourth attempt")
}

async fn update_once(ctx: &Ctx, args: &UpdateArgs) -> Result<UpdateOutcome> {
    let started = Instant::now();
    let pool = Pool::load(ctx, &args.pool).await?;
    let epoch = ctx.epoch().await?;
    let mut outcome = UpdateOutcome {
        epoch,
        ..UpdateOutcome::default()
    };
    let list_current = pool
        .validators
        .iter()
        .all(|validator| validator.last_update_epoch >= epoch);
    if !args.force && pool.last_update_epoch >= epoch && list_current {
        outcome.skipped = true;
        return Ok(outcome);
    }
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    // Lookup tables only where they save transactions: a pool whose list fits the legacy
    // batches as few times gets none (no table rent, no wait for new entries).
    let legacy = legacy_pairs(ctx, &pool);
    let validators = pool.validators.len();
    let (tables, pairs) = if args.no_lookup_tables
        || validators.div_ceil(legacy) <= validators.div_ceil(PAIRS_WITH_LOOKUP_TABLES)
    {
        (Vec::new(), legacy)
    } else {
        let tables = prepare_lookup_tables(
            ctx,
            &pool,
            args.concurrency,
            &mut outcome.lookup_table_transactions,
        )
        .await?;
        outcome.lookup_tables = tables.iter().map(|table| table.key).collect();
        (tables, PAIRS_WITH_LOOKUP_TABLES)
    };
    let ranges = batches(&pool, epoch, args.stale_only && !args.force, pairs);
    outcome.validators = ranges.iter().map(|(start, end)| end - start).sum();
    let progress = Progress::new(ctx, ranges.len() as u64 + 1, "update");
    let pool_ref = &pool;
    let tables_ref = &tables;
    let progress_ref = &progress;
    let results: Vec<Result<Sent>> = stream::iter(ranges.iter().copied())
        .map(|range| async move {
            let sent = send_waiting_for_rewards(ctx, || {
                let mut step = Step::new(
                    format!("UpdateValidatorListBalance {}..{}", range.0, range.1),
                    vec![list_instruction(pool_ref, range, args.no_merge)],
                );
                step.lookup_tables = tables_ref.clone();
                step
            })
            .await;
            progress_ref.tick(&format!("validators {}..{}", range.0, range.1));
            sent
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    for result in results {
        outcome.sent.push(result?);
    }
    let mut finish = Step::new(
        UPDATE_FINISH,
        vec![
            client::update_stake_pool_balance(&pool.accounts),
            client::cleanup_removed_validator_entries(&pool.accounts),
        ],
    );
    finish.lookup_tables = tables.clone();
    outcome.sent.push(if ctx.dry_run {
        crate::chain::unsimulated(&finish)
    } else {
        send_waiting_for_rewards(ctx, || {
            let mut step = Step::new(finish.label.clone(), finish.instructions.clone());
            step.lookup_tables = finish.lookup_tables.clone();
            step
        })
        .await?
    });
    progress.tick("pool balance");
    progress.finish();
    outcome.seconds = started.elapsed().as_secs_f64();
    Ok(outcome)
}
