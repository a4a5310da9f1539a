//! What the tool counts as it works (transactions, retries, fees) and what the keeper knows of
//! its pool, served as Prometheus text at `GET /metrics`, with `GET /health` answering 503 once
//! the pool is stale for longer than the operator allows. Health is read from the chain at each
//! request, not from the keeper's memory: a keeper that is stuck (or a watch-only keeper on
//! another machine watching one that died) reports the pool as it is.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result};
use solana_pubkey::Pubkey;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{chain::Ctx, pool::Pool};

/// Running totals since the process started.
#[derive(Default)]
pub struct Counters {
    /// Transactions signed and broadcast (each signature once).
    pub sent: AtomicU64,
    /// Broadcasts of a signature already sent (it had not landed yet).
    pub rebroadcasts: AtomicU64,
    /// Transactions signed again with a fresh blockhash after the last one provably expired.
    pub rebuilds: AtomicU64,
    /// Transactions that landed and succeeded.
    pub landed: AtomicU64,
    /// Transactions that landed and failed, or were given up.
    pub failed: AtomicU64,
    /// Simulations that refused a transaction (nothing was sent).
    pub refused: AtomicU64,
    /// RPC requests retried after a transport error, 429/5xx or an unhealthy node.
    pub rpc_retries: AtomicU64,
    /// Simulations retried because the node did not know the blockhash.
    pub blockhash_retries: AtomicU64,
    /// Fees of the transactions that landed, in lamports (priority fees included).
    pub fees: AtomicU64,
    /// The priority-fee part of `fees`.
    pub priority_fees: AtomicU64,
    last_error: Mutex<Option<(f64, String)>>,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs_f64())
        .unwrap_or(0.0)
}

impl Counters {
    pub fn add(counter: &AtomicU64, amount: u64) {
        counter.fetch_add(amount, Ordering::Relaxed);
    }

    pub fn error(&self, message: &str) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some((now(), without_urls(message)));
        }
    }

    pub fn rpc_retry(&self, message: &str) {
        Self::add(&self.rpc_retries, 1);
        self.error(message);
    }

    pub fn last_error(&self) -> Option<(f64, String)> {
        self.last_error.lock().ok().and_then(|last| last.clone())
    }
}

/// `message` with every URL replaced by `<url>`: an RPC URL may carry an API key, and the
/// last error is served to whoever can reach the metrics.
pub fn without_urls(message: &str) -> String {
    message
        .split(' ')
        .map(
            |word| match word.find("http://").or_else(|| word.find("https://")) {
                Some(start) => {
                    let end = word[start..]
                        .find([')', ',', '"'])
                        .map_or(word.len(), |offset| start + offset);
                    format!("{}<url>{}", &word[..start], &word[end..])
                }
                None => word.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the keeper last read of its pool and the cluster.
#[derive(Clone, Debug, Default)]
pub struct PoolGauges {
    pub cluster_epoch: u64,
    pub slot: u64,
    /// The first slot of `cluster_epoch`.
    pub epoch_start: u64,
    pub pool_epoch: u64,
    pub total_lamports: u64,
    pub pool_token_supply: u64,
    pub reserve_lamports: u64,
    pub validators: u64,
    pub validators_not_updated: u64,
    /// Slots after its epoch's first slot at which the pool became current, for the latest
    /// epoch seen current (the landing slot of the update's last transaction, or the slot the
    /// keeper first saw it current when someone else updated it).
    pub current_after_slots: Option<(u64, u64)>,
    /// When these were read (UNIX seconds).
    pub read_at: f64,
}

impl PoolGauges {
    /// Reads the pool, its reserve and the cluster's clock.
    pub async fn read(ctx: &Ctx, pool: &Pubkey) -> Result<Self> {
        let info = ctx.rpc.get_epoch_info().await?;
        let pool = Pool::load(ctx, pool).await?;
        let reserve = ctx
            .account(&pool.accounts.reserve_stake)
            .await?
            .map(|account| account.lamports)
            .unwrap_or(0);
        Ok(Self {
            cluster_epoch: info.epoch,
            slot: info.absolute_slot,
            epoch_start: info.absolute_slot.saturating_sub(info.slot_index),
            pool_epoch: pool.last_update_epoch,
            total_lamports: pool.total_lamports,
            pool_token_supply: pool.pool_token_supply,
            reserve_lamports: reserve,
            validators: pool.validators.len() as u64,
            validators_not_updated: pool
                .validators
                .iter()
                .filter(|validator| validator.last_update_epoch < info.epoch)
                .count() as u64,
            current_after_slots: None,
            read_at: now(),
        })
    }
}

/// The keeper's shared view, for the metrics endpoint.
#[derive(Default)]
pub struct Watch {
    pub gauges: Mutex<PoolGauges>,
    /// The last health answer and when it was read: answered again for `HEALTH_CACHE`, so a
    /// client polling hard does not spend the keeper's RPC quota.
    health: Mutex<Option<(std::time::Instant, Result<String, String>)>>,
}

const HEALTH_CACHE: std::time::Duration = std::time::Duration::from_secs(2);

impl Watch {
    /// Stores a fresh reading, keeping the lateness already measured.
    pub fn set(&self, mut gauges: PoolGauges) {
        if let Ok(mut current) = self.gauges.lock() {
            gauges.current_after_slots = gauges.current_after_slots.or(current.current_after_slots);
            *current = gauges;
        }
    }

    /// Records that the pool became current for `epoch`, `slots` after the epoch started
    /// (the first measurement of an epoch stands).
    pub fn current_after(&self, epoch: u64, slots: u64) {
        if let Ok(mut current) = self.gauges.lock() {
            if current
                .current_after_slots
                .is_none_or(|(known, _)| known < epoch)
            {
                current.current_after_slots = Some((epoch, slots));
            }
        }
    }

    async fn health(&self, ctx: &Ctx, pool: &Pubkey, stale_after: u64) -> Result<String, String> {
        if let Ok(cached) = self.health.lock() {
            if let Some((at, answer)) = cached.as_ref() {
                if at.elapsed() < HEALTH_CACHE {
                    return answer.clone();
                }
            }
        }
        let answer = health(ctx, pool, stale_after).await;
        if let Ok(mut cached) = self.health.lock() {
            *cached = Some((std::time::Instant::now(), answer.clone()));
        }
        answer
    }

    pub fn gauges(&self) -> PoolGauges {
        self.gauges
            .lock()
            .map(|gauges| gauges.clone())
            .unwrap_or_default()
    }
}

/// The Prometheus text exposition of `counters` and `gauges`.
pub fn render(counters: &Counters, gauges: &PoolGauges, pool: &Pubkey) -> String {
    let mut text = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: String| {
        text.push_str(&format!(
            "# HELP p_stake_pool_{name} {help}\n# TYPE p_stake_pool_{name} {kind}\np_stake_pool_{name}{{pool=\"{pool}\"}} {value}\n"
        ));
    };
    let count = |counter: &AtomicU64| counter.load(Ordering::Relaxed).to_string();
    let read = gauges.read_at > 0.0;
    if read {
        metric(
            "cluster_epoch",
            "gauge",
            "The cluster's epoch.",
            gauges.cluster_epoch.to_string(),
        );
        metric(
            "slot",
            "gauge",
            "The cluster's slot.",
            gauges.slot.to_string(),
        );
        metric(
            "pool_epoch",
            "gauge",
            "The epoch the pool was last updated in.",
            gauges.pool_epoch.to_string(),
        );
        if let Some((epoch, slots)) = gauges.current_after_slots {
            metric(
                "current_after_slots",
                "gauge",
                "Slots after the epoch's start at which the pool became current (latest epoch).",
                slots.to_string(),
            );
            metric(
                "current_after_slots_epoch",
                "gauge",
                "The epoch current_after_slots is about.",
                epoch.to_string(),
            );
        }
        metric(
            "total_lamports",
            "gauge",
            "The pool's total lamports.",
            gauges.total_lamports.to_string(),
        );
        metric(
            "pool_token_supply",
            "gauge",
            "The pool token's supply.",
            gauges.pool_token_supply.to_string(),
        );
        let rate = if gauges.pool_token_supply == 0 {
            1.0
        } else {
            gauges.total_lamports as f64 / gauges.pool_token_supply as f64
        };
        metric(
            "exchange_rate",
            "gauge",
            "Lamports per pool token (total lamports / supply).",
            format!("{rate:.12}"),
        );
        metric(
            "reserve_lamports",
            "gauge",
            "Lamports in the reserve stake account.",
            gauges.reserve_lamports.to_string(),
        );
        metric(
            "validators",
            "gauge",
            "Entries in the validator list.",
            gauges.validators.to_string(),
        );
        metric(
            "validators_not_updated",
            "gauge",
            "Validator list entries not yet updated this epoch.",
            gauges.validators_not_updated.to_string(),
        );
        metric(
            "read_timestamp_seconds",
            "gauge",
            "When the keeper last read the pool.",
            format!("{:.3}", gauges.read_at),
        );
    }
    metric(
        "transactions_sent_total",
        "counter",
        "Transactions signed and broadcast.",
        count(&counters.sent),
    );
    metric(
        "transactions_landed_total",
        "counter",
        "Transactions that landed and succeeded.",
        count(&counters.landed),
    );
    metric(
        "transactions_failed_total",
        "counter",
        "Transactions that landed and failed, or were given up.",
        count(&counters.failed),
    );
    metric(
        "transactions_refused_total",
        "counter",
        "Transactions a simulation refused (not sent).",
        count(&counters.refused),
    );
    metric(
        "transactions_rebroadcast_total",
        "counter",
        "Broadcasts of a signed transaction that had not landed yet.",
        count(&counters.rebroadcasts),
    );
    metric(
        "transactions_rebuilt_total",
        "counter",
        "Transactions signed again after the last blockhash provably expired.",
        count(&counters.rebuilds),
    );
    metric(
        "rpc_retries_total",
        "counter",
        "RPC requests retried (transport errors, 429/5xx, unhealthy nodes).",
        count(&counters.rpc_retries),
    );
    metric(
        "blockhash_retries_total",
        "counter",
        "Simulations retried because the node did not know the blockhash.",
        count(&counters.blockhash_retries),
    );
    metric(
        "fees_lamports_total",
        "counter",
        "Fees of landed transactions, priority fees included.",
        count(&counters.fees),
    );
    metric(
        "priority_fees_lamports_total",
        "counter",
        "Priority fees of landed transactions.",
        count(&counters.priority_fees),
    );
    if let Some((at, message)) = counters.last_error() {
        metric(
            "last_error_timestamp_seconds",
            "gauge",
            "When the last error happened.",
            format!("{at:.3}"),
        );
        let message: String = message
            .chars()
            .take(300)
            .map(|c| match c {
                '"' => '\'',
                '\\' | '\n' | '\r' => ' ',
                c => c,
            })
            .collect();
        text.push_str(&format!(
            "# HELP p_stake_pool_last_error The last error, as a label.\n# TYPE p_stake_pool_last_error gauge\np_stake_pool_last_error{{pool=\"{pool}\",message=\"{message}\"}} 1\n"
        ));
    }
    text
}

/// The pool's health from the chain: `Ok(reason)` when healthy, `Err(reason)` when the pool
/// has been stale for more than `stale_after` slots into the epoch, or the chain cannot be read.
pub async fn health(ctx: &Ctx, pool: &Pubkey, stale_after: u64) -> Result<String, String> {
    let reading = async {
        let info = ctx.rpc.get_epoch_info().await?;
        let pool = Pool::load(ctx, pool).await?;
        anyhow::Ok((info, pool.last_update_epoch))
    };
    let (info, pool_epoch) = reading
        .await
        .map_err(|error| format!("cannot read the pool: {error:#}"))?;
    if pool_epoch >= info.epoch {
        return Ok(format!("pool current for epoch {}", info.epoch));
    }
    if info.slot_index > stale_after {
        return Err(format!(
            "pool stale: last updated in epoch {pool_epoch}, the cluster is {} slots into epoch {} (limit {stale_after})",
            info.slot_index, info.epoch
        ));
    }
    Ok(format!(
        "pool not yet updated for epoch {}, {} slots in (limit {stale_after})",
        info.epoch, info.slot_index
    ))
}

/// Serves `/metrics` and `/health` on `listener` until the process stops (the pool's numbers
/// appear once the keeper has read them; the counters from the start).
pub async fn serve(
    listener: TcpListener,
    ctx: &Ctx,
    watch: &Watch,
    pool: &Pubkey,
    stale_after: u64,
) -> std::convert::Infallible {
    loop {
        // A failed accept (out of file descriptors, a connection reset while queued) never
        // stops the keeper: noted, then the next one.
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                ctx.counters.error(&format!("metrics endpoint: {error}"));
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        // One request at a time: scrapes are rare and each answer is quick.
        if let Err(error) = answer(stream, ctx, watch, pool, stale_after).await {
            ctx.counters.error(&format!("metrics endpoint: {error:#}"));
        }
    }
}

pub async fn bind(address: &str) -> Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} for --metrics"))?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

async fn answer(
    mut stream: TcpStream,
    ctx: &Ctx,
    watch: &Watch,
    pool: &Pubkey,
    stale_after: u64,
) -> Result<()> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    let read = async {
        while !request.windows(4).any(|window| window == b"\r\n\r\n") && request.len() < 16_384 {
            let read = stream.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..read]);
        }
        anyhow::Ok(())
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), read).await??;
    let line = String::from_utf8_lossy(&request);
    let path = line.split_whitespace().nth(1).unwrap_or("");
    let (status, kind, body) = match path {
        "/metrics" => (
            "200 OK",
            "text/plain; version=0.0.4",
            render(&ctx.counters, &watch.gauges(), pool),
        ),
        "/health" => match watch.health(ctx, pool, stale_after).await {
            Ok(reason) => ("200 OK", "text/plain", format!("ok: {reason}\n")),
            Err(reason) => (
                "503 Service Unavailable",
                "text/plain",
                format!("unhealthy: {reason}\n"),
            ),
        },
        _ => (
            "404 Not Found",
            "text/plain",
            "try /metrics or /health\n".into(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
}
