//! The keeper: watches the cluster's epoch and brings the pool current as soon as an epoch
//! starts — first claiming the due delayed-unstake tickets for their owners — then
//! rebalances, when asked. It is safe to run twice on one pool: the update
//! skips a pool that is already current and re-running any of its instructions in the same
//! epoch changes nothing. Failures are retried with exponential backoff; SIGINT and SIGTERM
//! stop it between actions. Every action is one JSON line on stdout.
//!
//! On a real network: it pays priority fees (`auto` by default, capped), lands each transaction
//! by rebroadcasting it (`landing`), fails over between `--url`s (`rpc`), and writes every
//! signature in flight to its journal first, so a keeper killed at any moment and started again
//! waits out what its last run sent before it reads the chain. `--metrics ADDR` serves
//! Prometheus metrics and a health check (`metrics`); `--watch-only` serves them and sends
//! nothing (a watchdog on another machine).

use std::time::Duration;

use anyhow::Result;
use clap::Args;
use serde_json::{json, Value};
use solana_pubkey::Pubkey;
use tokio::signal::unix::{signal, SignalKind};

use crate::{
    chain::Ctx,
    landing::Fate,
    metrics::{self, PoolGauges, Watch},
    pool::Pool,
    rebalance::{rebalance, RebalanceArgs},
    strategy::{apply, LoadedStrategy},
    tickets::claim_due,
    update::{update, UpdateArgs, UPDATE_FINISH},
    Report,
};

#[derive(Args)]
pub struct KeeperArgs {
    pub pool: Pubkey,
    /// Seconds between epoch checks
    #[arg(long, default_value_t = 10)]
    pub interval: u64,
    /// Longest wait between retries of a failed action, in seconds
    #[arg(long, default_value_t = 300)]
    pub max_backoff: u64,
    /// After each update, rebalance toward the weights in this JSON file
    #[arg(long, conflicts_with_all = ["rebalance_equal", "strategy"])]
    pub rebalance_targets: Option<std::path::PathBuf>,
    /// After each update, rebalance to equal weights
    #[arg(long, conflicts_with = "strategy")]
    pub rebalance_equal: bool,
    /// After each update, follow this strategy file (`strategy apply`); it is read again
    /// every epoch, so an edit applies from the next one
    #[arg(long)]
    pub strategy: Option<std::path::PathBuf>,
    /// Transactions in flight at once during the update
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Serve Prometheus metrics at http://ADDR/metrics and a health check at /health
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// /health answers 503 once the pool has been stale this many slots into an epoch
    #[arg(long, default_value_t = 3_000, value_name = "SLOTS")]
    pub stale_after: u64,
    /// Send nothing: watch the pool and serve --metrics (a watchdog beside the keeper)
    #[arg(long, requires = "metrics", conflicts_with_all = ["rebalance_targets", "rebalance_equal", "strategy"])]
    pub watch_only: bool,
    /// Where the keeper writes the signatures it has in flight [default:
    /// ~/.cache/p-stake-pool/keeper-POOL.journal]
    #[arg(long)]
    pub journal: Option<std::path::PathBuf>,
}

impl KeeperArgs {
    pub fn journal_path(&self) -> std::path::PathBuf {
        self.journal.clone().unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
                .join(".cache/p-stake-pool")
                .join(format!("keeper-{}.journal", self.pool))
        })
    }
}

fn log(action: &str, fields: Value) {
    let mut line = json!({
        "time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs_f64())
            .unwrap_or(0.0),
        "action": action,
    });
    if let (Some(line), Some(fields)) = (line.as_object_mut(), fields.as_object()) {
        line.extend(fields.clone());
    }
    println!("{line}");
}

/// One round: once an epoch has started since the pool's last update, claim the due
/// delayed-unstake tickets (so what their stake earned is counted by this update, see
/// `tickets`), update the pool, then rebalance if asked. Returns whether anything was done.
async fn round(
    ctx: &Ctx,
    args: &KeeperArgs,
    strategy_done: &mut StrategyDone,
    watch: &Watch,
) -> Result<bool> {
    // Anything still in flight (a transaction whose fate a failed round left unknown) lands
    // or expires before the chain is read: no plan is made on a chain about to change.
    settle(ctx, watch).await?;
    let stale = observe(ctx, args, watch).await?;
    if args.watch_only {
        return Ok(false);
    }
    let pool = Pool::load(ctx, &args.pool).await?;
    if stale {
        claim_tickets(ctx, &pool, Some(CLAIMS_BEFORE_UPDATE)).await;
    }
    let outcome = update(
        ctx,
        &UpdateArgs {
            pool: args.pool,
            force: false,
            no_merge: false,
            stale_only: true,
            no_lookup_tables: false,
            concurrency: args.concurrency,
        },
    )
    .await?;
    if outcome.skipped {
        // Someone else brought the pool current (anyone may): the strategy still runs once
        // this epoch.
        if let Some(path) = &args.strategy {
            let epoch = ctx.epoch().await?;
            strategy_round(ctx, args, path, epoch, strategy_done).await?;
        }
        return Ok(false);
    }
    log("update", outcome.json());
    if let Some(slot) = outcome.sent.last().and_then(|sent| sent.slot) {
        current_at(ctx, watch, slot).await?;
    }
    if stale {
        // Any due tickets past the budget: their earnings count at the next epoch's update.
        claim_tickets(ctx, &pool, None).await;
    }
    if args.rebalance_equal || args.rebalance_targets.is_some() {
        let done = rebalance(
            ctx,
            &RebalanceArgs {
                pool: args.pool,
                targets: args.rebalance_targets.clone(),
                equal: args.rebalance_equal,
                reserve_floor: "0".into(),
            },
        )
        .await?;
        log(
            "rebalance",
            json!({
                "epoch": outcome.epoch,
                "moves": done.sent.len(),
                "transactions": done.sent.iter().map(|sent| sent.json()).collect::<Vec<_>>(),
            }),
        );
    }
    if let Some(path) = &args.strategy {
        strategy_round(ctx, args, path, outcome.epoch, strategy_done).await?;
    }
    Ok(true)
}

/// Where the strategy stands this epoch: the epoch and how many rounds had a move fail.
#[derive(Default)]
struct StrategyDone {
    epoch: Option<u64>,
    complete: bool,
    failed_rounds: u32,
}

/// Rounds in an epoch in which a failed move (an instant exit, say) is planned again.
const STRATEGY_RETRIES: u32 = 3;

/// The strategy once per epoch, whoever updated the pool; planned again (the cap counts what
/// was already moved) while moves fail, up to `STRATEGY_RETRIES` rounds.
async fn strategy_round(
    ctx: &Ctx,
    args: &KeeperArgs,
    path: &std::path::Path,
    epoch: u64,
    done: &mut StrategyDone,
) -> Result<()> {
    if done.epoch != Some(epoch) {
        *done = StrategyDone {
            epoch: Some(epoch),
            ..StrategyDone::default()
        };
    }
    if done.complete || done.failed_rounds >= STRATEGY_RETRIES {
        return Ok(());
    }
    let failed = follow_strategy(ctx, &args.pool, path, epoch).await?;
    if failed == 0 {
        done.complete = true;
    } else {
        done.failed_rounds = done.failed_rounds.saturating_add(1);
    }
    Ok(())
}

/// Applies the strategy once the pool is current: one JSON line per move, then a summary (with
/// any warnings). A move that fails is logged and the others still go; the next epoch plans
/// afresh.
async fn follow_strategy(
    ctx: &Ctx,
    pool: &Pubkey,
    path: &std::path::Path,
    epoch: u64,
) -> Result<usize> {
    let loaded = LoadedStrategy::load(path)?;
    let pool = Pool::load(ctx, pool).await?;
    let (decision, applied) = apply(ctx, &pool, &loaded).await?;
    for done in &applied {
        let mut line = done.json();
        line["epoch"] = epoch.into();
        if let Some(row) = decision.rows.iter().find(|row| row.vote == done.vote) {
            line["currentLamports"] = row.line.current().into();
            line["targetLamports"] = row.line.target.into();
        }
        log("strategy-move", line);
    }
    log(
        "strategy",
        json!({
            "epoch": epoch,
            "eligible": decision.rows.iter().filter(|row| row.evaluation.eligible()).count(),
            "seated": decision.rows.iter().filter(|row| row.target.seated).count(),
            "moves": applied.iter().filter(|done| done.result.is_ok()).count(),
            "failed": applied.iter().filter(|done| done.result.is_err()).count(),
            "epochCapLamports": decision.epoch_cap,
            "minimumDelegation": decision.state.minimum_delegation,
            "cappedLamports": decision.spent.capped,
            "warnings": decision.warnings(&loaded),
            "instantExitLamports": decision.spent.instant,
        }),
    );
    Ok(applied.iter().filter(|done| done.result.is_err()).count())
}

/// Due tickets claimed before an epoch's update, at most: a pool with many more (each one
/// holds at least the stake program's minimum delegation, so that takes a great deal of SOL)
/// must not hold the update back; the rest are claimed right after it.
const CLAIMS_BEFORE_UPDATE: usize = 40;

/// Claims `pool`'s due tickets (at most `limit`) and logs what happened. Best effort: a failure
/// (an RPC that refuses `getProgramAccounts`, say) is logged and the keeper goes on to the
/// update, which matters more.
async fn claim_tickets(ctx: &Ctx, pool: &Pool, limit: Option<usize>) {
    match claim_due(ctx, pool, limit).await {
        Ok(claimed) if claimed.sent.is_empty() && claimed.failed.is_empty() => {}
        Ok(claimed) => log("claim-tickets", claimed.json()),
        Err(error) => log(
            "claim-tickets",
            json!({"error": format!("{error:#}"), "claimed": [], "failed": []}),
        ),
    }
}

pub async fn run(ctx: &Ctx, args: &KeeperArgs) -> Result<Report> {
    // A signal is noted, not acted on mid-action: the round in progress finishes (its
    // transactions confirmed or failed), then the keeper stops.
    let (stop, stopped) = tokio::sync::watch::channel(None::<&'static str>);
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        let _ = stop.send(Some(name));
    });
    let watch = Watch::default();
    let listener = match &args.metrics {
        Some(address) => Some(metrics::bind(address).await?),
        None => None,
    };
    log(
        "start",
        json!({
            "pool": args.pool.to_string(),
            "programId": ctx.program_id.to_string(),
            "metrics": listener.as_ref().map(|(_, address)| address.to_string()),
            "watchOnly": args.watch_only,
            "journal": ctx.journal.as_ref().map(|_| args.journal_path().display().to_string()),
            "priorityFee": format!("{:?}", ctx.fees.fee),
            "maxPriorityFee": ctx.fees.max_lamports,
        }),
    );
    let server = async {
        match listener {
            Some((listener, _)) => {
                metrics::serve(listener, ctx, &watch, &args.pool, args.stale_after).await
            }
            None => std::future::pending().await,
        }
    };
    // The server never ends; the work ends on a signal.
    tokio::select! {
        never = server => match never {},
        () = work(ctx, args, &watch, stopped.clone()) => {}
    }
    let signal_name = stopped.borrow().unwrap_or("signal");
    log("stop", json!({"signal": signal_name}));
    Ok(Report {
        display: String::new(),
        json: Value::Null,
    })
}

/// Reads the pool for the metrics; returns whether it is stale. A pool seen current (someone
/// else updated it, or an update whose last transaction landed in the next epoch) gets the
/// slot it was first seen current as its lateness, an upper bound.
async fn observe(ctx: &Ctx, args: &KeeperArgs, watch: &Watch) -> Result<bool> {
    let gauges = PoolGauges::read(ctx, &args.pool).await?;
    let stale = gauges.pool_epoch < gauges.cluster_epoch;
    if !stale {
        watch.current_after(
            gauges.cluster_epoch,
            gauges.slot.saturating_sub(gauges.epoch_start),
        );
    }
    watch.set(gauges);
    Ok(stale)
}

/// Lands or waits out what the journal holds, logging what each became.
async fn settle(ctx: &Ctx, watch: &Watch) -> Result<()> {
    for (entry, fate) in ctx.settle_journal().await? {
        log(
            "journal",
            json!({"signature": entry.signature, "label": entry.label, "became": fate.to_string()}),
        );
        if let Fate::Landed {
            slot,
            result: Ok(()),
        } = fate
        {
            if entry.label.starts_with(UPDATE_FINISH) {
                current_at(ctx, watch, slot).await?;
            }
        }
    }
    Ok(())
}

/// The pool became current when its update's last transaction (the pool's balance) landed in
/// `slot`: for the epoch of that slot (not always the one it was built in).
async fn current_at(ctx: &Ctx, watch: &Watch, slot: u64) -> Result<()> {
    let schedule = ctx.rpc.get_epoch_schedule().await?;
    let epoch = schedule.get_epoch(slot);
    watch.current_after(
        epoch,
        slot.saturating_sub(schedule.get_first_slot_in_epoch(epoch)),
    );
    Ok(())
}

/// The keeper's loop: rounds until a signal.
async fn work(
    ctx: &Ctx,
    args: &KeeperArgs,
    watch: &Watch,
    mut stopped: tokio::sync::watch::Receiver<Option<&'static str>>,
) {
    // What the last run had in flight lands or expires in the first round, before anything is
    // read (`settle`).
    let mut backoff = 1u64;
    let mut strategy_done = StrategyDone::default();
    loop {
        let wait = match round(ctx, args, &mut strategy_done, watch).await {
            Ok(_) => {
                backoff = 1;
                args.interval
            }
            Err(error) => {
                ctx.counters.error(&format!("{error:#}"));
                log(
                    "error",
                    json!({"error": format!("{error:#}"), "retryInSeconds": backoff}),
                );
                let wait = backoff;
                backoff = (backoff * 2).min(args.max_backoff.max(1));
                wait
            }
        };
        if stopped.borrow().is_some() {
            break;
        }
        // The pool's numbers after the round, for the metrics.
        if let Err(error) = observe(ctx, args, watch).await {
            ctx.counters.error(&format!("{error:#}"));
        }
        tokio::select! {
            _ = stopped.changed() => break,
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
        }
    }
}
