//! `p-stake-pool strategy`: the pool's delegation strategy (`p_stake_pool_strategy`) run on the
//! cluster's public data. `check` validates a file, `report` shows every validator's metrics,
//! criteria, score, rank, target and planned move, `explain` answers one validator's "why",
//! and `apply` (and `keeper --strategy`) makes the moves.

mod file;
mod observe;

use std::{collections::HashMap, path::PathBuf};

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use p_stake_pool_strategy::{
    criteria::{Candidate, Criterion, Evaluation, Listing},
    decide,
    moves::Spent,
    moves::{Line, Move},
    targets::{share_of, Standing, Target},
    vote::{VoteAccount, VoteAccountError, VoteVersion},
    DecideError, Holding, PoolState, Subject, Workspace,
};
use serde_json::{json, Value};
use solana_pubkey::Pubkey;

pub use file::LoadedStrategy;
use observe::{observe, Observation, VOTE_PROGRAM_ID};

use crate::{
    chain::{format_amount, Ctx},
    pool::Pool,
    staking::{move_display, move_json, pool_state, send_moves, Applied},
    Report,
};

#[derive(Subcommand)]
pub enum StrategyCommand {
    /// Validate a strategy file, and that every address it names is a vote account
    Check { file: PathBuf },
    /// Every validator of the cluster and of the pool: metrics, each criterion, score, rank,
    /// target and planned move
    Report {
        pool: Pubkey,
        #[arg(long)]
        strategy: PathBuf,
    },
    /// Why one validator has the stake it has
    Explain {
        pool: Pubkey,
        vote_account: Pubkey,
        #[arg(long)]
        strategy: PathBuf,
    },
    /// Add, rebalance and remove validators to follow the plan (with --dry-run: print the
    /// plan, send nothing)
    Apply {
        pool: Pubkey,
        #[arg(long)]
        strategy: PathBuf,
    },
}

pub async fn run(ctx: &Ctx, command: &StrategyCommand) -> Result<Report> {
    match command {
        StrategyCommand::Check { file } => check(ctx, file).await,
        StrategyCommand::Report { pool, strategy } => {
            let loaded = LoadedStrategy::load(strategy)?;
            let pool = Pool::load(ctx, pool).await?;
            let decision = Decision::make(ctx, &pool, &loaded).await?;
            Ok(decision.report(&loaded))
        }
        StrategyCommand::Explain {
            pool,
            vote_account,
            strategy,
        } => {
            let loaded = LoadedStrategy::load(strategy)?;
            let pool = Pool::load(ctx, pool).await?;
            let decision = Decision::make(ctx, &pool, &loaded).await?;
            decision.explain(&loaded, vote_account)
        }
        StrategyCommand::Apply { pool, strategy } => {
            let loaded = LoadedStrategy::load(strategy)?;
            let pool = Pool::load(ctx, pool).await?;
            let (decision, applied) = apply(ctx, &pool, &loaded).await?;
            Ok(decision.applied_report(&loaded, &applied, ctx.dry_run))
        }
    }
}

/// Every address the file names must be a vote account.
async fn verify_named(ctx: &Ctx, loaded: &LoadedStrategy) -> Result<()> {
    let named = loaded.named();
    let mut wrong = Vec::new();
    for (address, account) in named.iter().zip(ctx.accounts(&named).await?) {
        match account {
            Some(account) if account.owner == VOTE_PROGRAM_ID => {}
            Some(account) => wrong.push(format!(
                "{address} is not a vote account (owned by {})",
                account.owner
            )),
            None => wrong.push(format!("{address} is not a vote account (no account)")),
        }
    }
    if !wrong.is_empty() {
        bail!(
            "the strategy names addresses that are not vote accounts: {}",
            wrong.join("; ")
        );
    }
    Ok(())
}

async fn check(ctx: &Ctx, path: &std::path::Path) -> Result<Report> {
    let loaded = LoadedStrategy::load(path)?;
    verify_named(ctx, &loaded).await?;
    let policy = loaded.policy();
    Ok(Report {
        display: format!(
            "{} is valid: {} seats, {} labels, {} allowed, {} blocked\n",
            path.display(),
            policy.allocation.validators,
            loaded.label_names.len(),
            loaded.file.lists.allow.len(),
            loaded.file.lists.block.len()
        ),
        json: json!({
            "valid": true,
            "validators": policy.allocation.validators,
            "labels": loaded.label_names,
            "allow": loaded.file.lists.allow,
            "block": loaded.file.lists.block,
        }),
    })
}

/// One validator's row of the decision.
pub struct Row {
    pub vote: Pubkey,
    pub account: Option<AccountFacts>,
    pub missing: Option<String>,
    pub epoch_stake: u64,
    pub charged: Option<(u16, u64)>,
    pub listing: Listing,
    pub labels: u64,
    pub holding: Option<Holding>,
    pub evaluation: Evaluation,
    pub target: Target,
    pub line: Line,
    pub planned: Move,
}

/// What the report shows of a vote account.
pub struct AccountFacts {
    pub version: VoteVersion,
    pub node: Pubkey,
    pub inflation_commission_bps: u16,
    pub block_revenue_commission_bps: u16,
    pub has_bls_key: bool,
    pub last_voted_slot: Option<u64>,
    pub credits: Vec<(u64, u64)>,
}

/// A whole decision: what was observed and what the strategy made of it.
pub struct Decision {
    pub pool: Pool,
    pub observation: Observation,
    pub state: PoolState,
    pub rows: Vec<Row>,
    pub spent: Spent,
    pub total: u64,
    /// Stake this epoch may move (instant exits aside), before what is already in flight.
    pub epoch_cap: u64,
}

impl Decision {
    /// Observes the cluster and runs the strategy crate's `decide`.
    ///
    /// An address the strategy names that is not a vote account (a block-listed validator
    /// that closed its account, say) is a warning here, not an error: it must not stop every
    /// decision, instant exits included. `strategy check` refuses it.
    pub async fn make(ctx: &Ctx, pool: &Pool, loaded: &LoadedStrategy) -> Result<Self> {
        let mut extra: Vec<Pubkey> = pool.validators.iter().map(|v| v.seeds.vote).collect();
        extra.extend(loaded.named());
        let observation = observe(ctx, &extra, loaded.file.criteria.credit_epochs).await?;
        let state = pool_state(ctx, pool).await?;
        let holdings: HashMap<Pubkey, Holding> = pool
            .validators
            .iter()
            .map(|validator| {
                (
                    validator.seeds.vote,
                    Holding {
                        active: validator.active_stake_lamports,
                        transient: validator.transient_stake_lamports,
                        active_entry: validator.is_active(),
                    },
                )
            })
            .collect();
        let subjects: Vec<Subject> = observation
            .validators
            .iter()
            .map(|observed| Subject {
                candidate: Candidate {
                    vote: observed.vote.to_bytes(),
                    account: observed
                        .data
                        .as_deref()
                        .and_then(|data| VoteAccount::decode(data).ok()),
                    epoch_stake: observed.epoch_stake,
                    charged_commission_bps: observed.charged.map(|(bps, _)| bps),
                    listing: loaded
                        .listing
                        .get(&observed.vote)
                        .copied()
                        .unwrap_or(Listing::None),
                    allow_list_active: loaded.allow_list_active(),
                    // No vote account, or one never initialized (or emptied and closed by its
                    // withdrawer): stake there earns nothing.
                    closed: observed.data.as_deref().is_none_or(|data| {
                        matches!(
                            VoteAccount::decode(data),
                            Err(VoteAccountError::Uninitialized)
                        )
                    }),
                    labels: loaded.labels.get(&observed.vote).copied().unwrap_or(0),
                },
                holding: holdings.get(&observed.vote).copied(),
            })
            .collect();
        let count = subjects.len();
        let mut evaluations = vec![Evaluation::default(); count];
        let mut standings = vec![Standing::default(); count];
        let mut targets = vec![Target::default(); count];
        let mut lines = vec![Line::default(); count];
        let mut moves = vec![Move::None; count];
        let mut order = vec![0u32; count];
        let policy = loaded.policy();
        let spent = decide(
            &policy,
            &observation.clock,
            &state,
            &subjects,
            Workspace {
                evaluations: &mut evaluations,
                standings: &mut standings,
                targets: &mut targets,
                lines: &mut lines,
                moves: &mut moves,
                order: &mut order,
            },
        )
        .map_err(|error: DecideError| anyhow!("the strategy could not decide: {error:?}"))?;
        let total = p_stake_pool_strategy::pool_lamports(&subjects, state.reserve);
        let rows = subjects
            .iter()
            .zip(&observation.validators)
            .enumerate()
            .map(|(index, (subject, observed))| Row {
                vote: observed.vote,
                account: subject.candidate.account.map(|account| AccountFacts {
                    version: account.version,
                    node: Pubkey::new_from_array(account.node),
                    inflation_commission_bps: account.inflation_commission_bps,
                    block_revenue_commission_bps: account.block_revenue_commission_bps,
                    has_bls_key: account.has_bls_key,
                    last_voted_slot: account.last_voted_slot,
                    credits: account
                        .epoch_credits()
                        .rev()
                        .take(usize::from(loaded.file.criteria.credit_epochs) + 1)
                        .map(|entry| (entry.epoch, entry.earned()))
                        .collect(),
                }),
                missing: observed.missing.clone().or_else(|| {
                    (observed.data.is_some() && subject.candidate.account.is_none())
                        .then(|| "the vote account does not decode".to_string())
                }),
                epoch_stake: observed.epoch_stake,
                charged: observed.charged,
                listing: subject.candidate.listing,
                labels: subject.candidate.labels,
                holding: subject.holding,
                evaluation: evaluations[index],
                target: targets[index],
                line: lines[index],
                planned: moves[index],
            })
            .collect();
        Ok(Self {
            pool: pool.clone(),
            observation,
            state,
            rows,
            spent,
            total,
            epoch_cap: share_of(total, policy.max_epoch_move_bps),
        })
    }

    /// What the operator should know: named addresses that are not vote accounts, reward
    /// epochs the RPC could not answer for (the commission charged is then unknown for them).
    pub fn warnings(&self, loaded: &LoadedStrategy) -> Vec<String> {
        let named = loaded.named();
        let mut warnings: Vec<String> = self
            .rows
            .iter()
            .filter(|row| named.contains(&row.vote) || row.holding.is_some())
            .filter_map(|row| {
                row.missing.as_ref().map(|missing| {
                    format!(
                        "{} ({}): {missing}",
                        row.vote,
                        if row.holding.is_some() {
                            "in the pool"
                        } else {
                            "named by the strategy"
                        }
                    )
                })
            })
            .collect();
        if self.spent.pool_too_small {
            warnings.push(format!(
                "the pool ({} SOL) is too small for max-pool-share-bps: a validator's share \
                 would be below its minimum of {} SOL, so holdings stay where they are and only \
                 instant exits are made",
                format_amount(self.total),
                format_amount(self.state.stake_rent + self.state.minimum_delegation)
            ));
        }
        warnings.extend(self.observation.reward_epochs.iter().filter_map(|reward| {
            reward.unavailable.as_ref().map(|why| {
                format!(
                    "rewards of epoch {} unavailable from this RPC ({why}): the commission \
                     charged then is unknown, the current one stands alone for it",
                    reward.epoch
                )
            })
        }));
        warnings
    }

    /// The moves to send.
    pub fn planned(&self) -> Vec<(Pubkey, Move)> {
        self.rows
            .iter()
            .map(|row| (row.vote, row.planned))
            .collect()
    }

    /// Rows in report order: seated by rank, then the rest of the pool, then the eligible,
    /// then everyone else by stake.
    fn ordered(&self) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|row| {
            (
                !row.target.seated,
                row.holding.is_none(),
                row.target.rank == 0,
                row.target.rank,
                std::cmp::Reverse(row.epoch_stake),
                row.vote,
            )
        });
        rows
    }

    fn summary_json(&self, loaded: &LoadedStrategy) -> Value {
        let policy = loaded.policy();
        json!({
            "pool": self.pool.address.to_string(),
            "cluster": self.observation.json(),
            "poolLamports": self.total,
            "reserveLamports": self.state.reserve,
            "epochCapLamports": self.epoch_cap,
            "hysteresisLamports": share_of(self.total, policy.hysteresis_bps),
            "minimumDelegation": self.state.minimum_delegation,
            "stakeRent": self.state.stake_rent,
            "spent": {
                "reserveLamports": self.spent.reserve,
                "cappedLamports": self.spent.capped,
                "instantExitLamports": self.spent.instant,
            },
            "warnings": self.warnings(loaded),
            "seats": policy.allocation.validators,
            "seated": self.rows.iter().filter(|row| row.target.seated).count(),
            "eligible": self.rows.iter().filter(|row| row.evaluation.eligible()).count(),
        })
    }

    pub fn row_json(&self, loaded: &LoadedStrategy, row: &Row) -> Value {
        let account = row.account.as_ref();
        json!({
            "voteAccount": row.vote.to_string(),
            "node": account.map(|account| account.node.to_string()),
            "version": account.map(|account| format!("{:?}", account.version)),
            "unreadable": row.missing,
            "inPool": row.holding.is_some(),
            "activeEntry": row.holding.map(|holding| holding.active_entry),
            "currentLamports": row.line.current(),
            "transientLamports": row.line.transient,
            "metrics": {
                "inflationCommissionBps": account.map(|account| account.inflation_commission_bps),
                "chargedCommissionBps": row.charged.map(|(bps, _)| bps),
                "chargedCommissionEpoch": row.charged.map(|(_, epoch)| epoch),
                "blockRevenueCommissionBps": account.map(|account| account.block_revenue_commission_bps),
                "creditShareBps": row.evaluation.credit_share_ppm / 100,
                "credits": account.map(|account| account.credits.iter().map(|(epoch, earned)| json!({"epoch": epoch, "credits": earned})).collect::<Vec<_>>()),
                "lastVotedSlot": account.and_then(|account| account.last_voted_slot),
                "epochStake": row.epoch_stake,
                "blsKey": account.map(|account| account.has_bls_key),
                "listing": format!("{:?}", row.listing).to_lowercase(),
                "labels": loaded.label_list(row.labels),
            },
            "criteria": row.evaluation.checks.iter().map(|check| json!({
                "name": check.criterion.name(),
                "passed": check.passed,
                "value": check.value,
                "limit": check.limit,
                "unit": check.criterion.unit(),
                "instantExit": check.criterion.is_instant_exit(),
            })).collect::<Vec<_>>(),
            "eligible": row.evaluation.eligible(),
            "instantExit": row.line.instant_exit,
            "score": row.evaluation.score,
            "rank": (row.target.rank > 0).then_some(row.target.rank),
            "seated": row.target.seated,
            "capped": row.target.capped,
            "targetLamports": row.line.target,
            "move": move_json(&row.planned),
        })
    }

    pub fn report(&self, loaded: &LoadedStrategy) -> Report {
        let mut json = self.summary_json(loaded);
        json["validators"] = self
            .ordered()
            .into_iter()
            .map(|row| self.row_json(loaded, row))
            .collect();
        Report {
            display: self.table(loaded),
            json,
        }
    }

    fn table(&self, loaded: &LoadedStrategy) -> String {
        let clock = &self.observation.clock;
        let mut text = format!(
            "Strategy for pool {} at epoch {} (slot {}), cluster stake {} SOL\n\
             pool {} SOL, reserve {} SOL; this epoch moves up to {} SOL (spent {} SOL, \
             instant exits {} SOL)\n",
            self.pool.address,
            clock.epoch,
            clock.slot,
            format_amount(clock.total_stake),
            format_amount(self.total),
            format_amount(self.state.reserve),
            format_amount(self.epoch_cap),
            format_amount(self.spent.capped),
            format_amount(self.spent.instant),
        );
        for warning in self.warnings(loaded) {
            text.push_str(&format!("  warning: {warning}\n"));
        }
        text.push_str(&format!(
            "{:<44} {:>4} {:>6} {:>7} {:>8} {:>6} {:<32} {:>6} {:>4} {:>14} {:>14}  {}\n",
            "VOTE ACCOUNT",
            "POOL",
            "COMM%",
            "CRED%",
            "SINCE",
            "STK%",
            "VERDICT",
            "SCORE",
            "RANK",
            "CURRENT SOL",
            "TARGET SOL",
            "MOVE"
        ));
        for row in self.ordered() {
            let check = |criterion| row.evaluation.check(criterion);
            let since = check(Criterion::Delinquency).value;
            text.push_str(&format!(
                "{:<44} {:>4} {:>6.2} {:>7.2} {:>8} {:>6.2} {:<32} {:>6.2} {:>4} {:>14} {:>14}  {}\n",
                row.vote.to_string(),
                if row.holding.is_some() { "yes" } else { "" },
                row.evaluation.commission_bps as f64 / 100.0,
                row.evaluation.credit_share_ppm as f64 / 10_000.0,
                if since == u64::MAX { "never".into() } else { since.to_string() },
                check(Criterion::ClusterStake).value as f64 / 100.0,
                verdict(&row.evaluation),
                row.evaluation.score as f64 / 100_000_000.0,
                if row.target.rank > 0 { row.target.rank.to_string() } else { "-".into() },
                format_amount(row.line.current()),
                format_amount(row.line.target),
                move_display(&row.planned),
            ));
        }
        text
    }

    pub fn explain(&self, loaded: &LoadedStrategy, vote: &Pubkey) -> Result<Report> {
        let row = self
            .rows
            .iter()
            .find(|row| row.vote == *vote)
            .ok_or_else(|| {
                anyhow!(
                    "{vote} is neither staked in the cluster nor in the pool nor named by the \
                     strategy: it is not a candidate"
                )
            })?;
        let policy = loaded.policy();
        let mut text = format!("{vote}\n");
        if let Some(missing) = &row.missing {
            text.push_str(&format!("  its vote account cannot be read: {missing}\n"));
        }
        text.push_str(&format!(
            "  holds {} SOL of the pool{}\n",
            format_amount(row.line.current()),
            match row.holding {
                None => " (not in the pool)".to_string(),
                Some(holding) if !holding.active_entry => " (being removed)".to_string(),
                Some(_) => String::new(),
            }
        ));
        text.push_str("  criteria:\n");
        for check in &row.evaluation.checks {
            text.push_str(&format!(
                "    {} {:<26} {} (limit {}, {}){}\n",
                if check.passed { "pass" } else { "FAIL" },
                check.criterion.name(),
                shown(check.value),
                shown(check.limit),
                check.criterion.unit(),
                if !check.passed && check.criterion.is_instant_exit() {
                    " — an instant exit"
                } else {
                    ""
                }
            ));
        }
        if let Some((bps, epoch)) = row.charged {
            text.push_str(&format!(
                "  highest commission its rewards were paid at in the window: {bps} bps (epoch {epoch})\n"
            ));
        }
        let incumbent = if row.holding.is_some() {
            format!(
                "; an incumbent keeps its seat down to rank {}",
                policy
                    .allocation
                    .validators
                    .saturating_add(policy.allocation.incumbent_margin)
            )
        } else {
            String::new()
        };
        let why = if !row.evaluation.eligible() {
            let failed: Vec<&str> = row
                .evaluation
                .checks
                .iter()
                .filter(|check| !check.passed)
                .map(|check| check.criterion.name())
                .collect();
            format!("not eligible: fails {}", failed.join(", "))
        } else if row.target.seated {
            format!(
                "rank {} of the eligible, seated (one of {} seats{}){}",
                row.target.rank,
                policy.allocation.validators,
                incumbent,
                if row.target.capped {
                    ", held at a cap (its own or a label's)"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "rank {} of the eligible: not seated ({} seats{}, or its share would be below a \
                 validator's minimum)",
                row.target.rank, policy.allocation.validators, incumbent
            )
        };
        text.push_str(&format!(
            "  score {:.4} ({} ppm of the window's credits × {} bps left to delegators)\n  {why}\n  \
             target {} SOL; this epoch: {}\n",
            row.evaluation.score as f64 / 100_000_000.0,
            row.evaluation.credit_share_ppm,
            10_000u16.saturating_sub(row.evaluation.commission_bps),
            format_amount(row.line.target),
            move_display(&row.planned)
        ));
        let mut json = self.row_json(loaded, row);
        json["why"] = why.into();
        Ok(Report {
            display: text,
            json,
        })
    }

    pub fn applied_report(
        &self,
        loaded: &LoadedStrategy,
        applied: &[Applied],
        dry_run: bool,
    ) -> Report {
        let mut display = self.table(loaded);
        display.push_str(if dry_run {
            "dry run: nothing sent\n"
        } else {
            "sent:\n"
        });
        for done in applied {
            display.push_str(&format!(
                "  {} {}: {}\n",
                done.vote,
                move_display(&done.planned),
                match &done.result {
                    Ok(Some(sent)) => sent
                        .signature
                        .map(|signature| signature.to_string())
                        .unwrap_or_default(),
                    Ok(None) => "planned".into(),
                    Err(error) => format!("FAILED: {error}"),
                }
            ));
        }
        let mut json = self.report(loaded).json;
        json["applied"] = applied.iter().map(Applied::json).collect();
        json["dryRun"] = dry_run.into();
        Report { display, json }
    }
}

fn shown(value: u64) -> String {
    if value == u64::MAX {
        "never".into()
    } else {
        value.to_string()
    }
}

fn verdict(evaluation: &Evaluation) -> String {
    match evaluation.checks.iter().find(|check| !check.passed) {
        None => "eligible".into(),
        Some(check) => format!("fails {} ({})", check.criterion.name(), shown(check.value)),
    }
}

/// Decides and sends the moves: the pool must be current and the signer its staker.
pub async fn apply(
    ctx: &Ctx,
    pool: &Pool,
    loaded: &LoadedStrategy,
) -> Result<(Decision, Vec<Applied>)> {
    pool.require_staker(&ctx.staker()?.pubkey())?;
    pool.require_current(ctx.epoch().await?)?;
    let decision = Decision::make(ctx, pool, loaded).await?;
    let applied = send_moves(ctx, pool, &decision.planned()).await;
    Ok((decision, applied))
}
