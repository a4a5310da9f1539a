//! Rebalancing: the increases and decreases that bring each validator's stake to its share
//! of the pool, within the program's rules — a move is at least the minimum delegation, a
//! validator keeps its minimum (rent plus the minimum delegation), a validator with stake in
//! flight (a transient account) waits for the next update, and the reserve pays for
//! increases and for each new transient account's rent while keeping its own rent and the
//! floor the operator asks for. Decreases reach the reserve only after the epoch, so this
//! epoch's increases spend only what the reserve holds now.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use serde_json::{json, Value};
use solana_pubkey::Pubkey;

use crate::{
    chain::{format_amount, parse_amount, Ctx, Sent, Step},
    commands::{move_instruction, STAKE_ACCOUNT_LEN},
    pool::Pool,
    Report,
};

#[derive(Args, Clone)]
pub struct RebalanceArgs {
    pub pool: Pubkey,
    /// JSON object of weights by vote account, e.g. {"Vote111…": 2, "Vote222…": 1}
    #[arg(long, required_unless_present = "equal", conflicts_with = "equal")]
    pub targets: Option<std::path::PathBuf>,
    /// The same weight for every active validator
    #[arg(long)]
    pub equal: bool,
    /// SOL to keep in the reserve above its rent (for SOL withdrawals)
    #[arg(long, default_value = "0")]
    pub reserve_floor: String,
}

/// A validator as the plan sees it.
#[derive(Clone, Debug)]
pub struct Holding {
    pub vote: Pubkey,
    pub active: u64,
    pub transient: u64,
    /// Not being removed.
    pub active_status: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Increase(u64),
    Decrease(u64),
    Hold,
    Skip(String),
}

/// One line of the plan.
#[derive(Clone, Debug)]
pub struct Line {
    pub vote: Pubkey,
    pub current: u64,
    pub target: u64,
    pub action: Action,
}

/// The rules a plan follows (the cluster's and the operator's numbers).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub stake_rent: u64,
    /// max(the stake program's minimum delegation, the pool's minimum active stake).
    pub minimum_delegation: u64,
    /// Reserve lamports the increases may spend: the reserve minus its rent and the floor.
    pub reserve_spendable: u64,
}

/// The moves toward `weights` (validators without a weight get weight zero: they keep only
/// their minimum).
pub fn plan(holdings: &[Holding], weights: &HashMap<Pubkey, u64>, limits: Limits) -> Vec<Line> {
    let minimum = limits.stake_rent.saturating_add(limits.minimum_delegation);
    let live: Vec<&Holding> = holdings.iter().filter(|h| h.active_status).collect();
    let total: u128 = live
        .iter()
        .map(|h| u128::from(h.active) + u128::from(h.transient))
        .sum::<u128>()
        + u128::from(limits.reserve_spendable);
    let distributable = total.saturating_sub(u128::from(minimum) * live.len() as u128);
    let weight_sum: u128 = live
        .iter()
        .map(|h| u128::from(weights.get(&h.vote).copied().unwrap_or(0)))
        .sum();
    let target_of = |h: &Holding| -> u64 {
        let weight = u128::from(weights.get(&h.vote).copied().unwrap_or(0));
        let share = (distributable * weight)
            .checked_div(weight_sum)
            .unwrap_or(0);
        u64::try_from(u128::from(minimum) + share).unwrap_or(u64::MAX)
    };
    let mut budget = limits.reserve_spendable;
    let mut lines: Vec<Line> = holdings
        .iter()
        .map(|h| Line {
            vote: h.vote,
            current: h.active.saturating_add(h.transient),
            target: if h.active_status { target_of(h) } else { 0 },
            action: Action::Hold,
        })
        .collect();
    // Decreases first: each new transient account's rent comes out of the reserve.
    for (line, holding) in lines.iter_mut().zip(holdings) {
        if !holding.active_status {
            line.action = Action::Skip("being removed".into());
        } else if holding.transient > 0 {
            line.action = Action::Skip(format!(
                "{} SOL in flight: settles at the next update",
                format_amount(holding.transient)
            ));
        } else if line.current > line.target {
            let amount = line.current - line.target;
            line.action = if amount < limits.minimum_delegation {
                Action::Skip("off by less than the minimum delegation".into())
            } else if budget <= limits.stake_rent {
                Action::Skip("the reserve cannot pay the transient account's rent".into())
            } else {
                budget -= limits.stake_rent;
                Action::Decrease(amount)
            };
        }
    }
    // Then increases, largest shortfall first, while the reserve can pay.
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].action == Action::Hold && lines[i].target > lines[i].current)
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lines[i].target - lines[i].current));
    for i in order {
        let wanted = lines[i].target - lines[i].current;
        let affordable = budget.saturating_sub(limits.stake_rent);
        let amount = wanted.min(affordable);
        lines[i].action = if wanted < limits.minimum_delegation {
            Action::Skip("off by less than the minimum delegation".into())
        } else if amount < limits.minimum_delegation {
            Action::Skip("the reserve cannot fund the minimum delegation".into())
        } else {
            budget -= amount + limits.stake_rent;
            Action::Increase(amount)
        };
    }
    lines
}

fn weights(args: &RebalanceArgs, pool: &Pool) -> Result<HashMap<Pubkey, u64>> {
    if args.equal {
        return Ok(pool
            .validators
            .iter()
            .filter(|validator| validator.is_active())
            .map(|validator| (validator.seeds.vote, 1))
            .collect());
    }
    let path = args
        .targets
        .as_ref()
        .expect("clap requires --targets or --equal");
    let text = std::fs::read_to_string(path)
        .map_err(|error| anyhow!("cannot read {}: {error}", path.display()))?;
    let object: HashMap<String, u64> = serde_json::from_str(&text).map_err(|error| {
        anyhow!(
            "{} must be a JSON object of weights by vote account: {error}",
            path.display()
        )
    })?;
    let mut weights = HashMap::new();
    for (vote, weight) in object {
        let vote: Pubkey = vote
            .parse()
            .map_err(|_| anyhow!("`{vote}` in {} is not an address", path.display()))?;
        if pool.validator(&vote).is_err() {
            bail!("{vote} has a target but is not in the pool: add-validator it first");
        }
        weights.insert(vote, weight);
    }
    Ok(weights)
}

fn line_json(line: &Line) -> Value {
    let (action, lamports, reason) = match &line.action {
        Action::Increase(lamports) => ("increase", *lamports, None),
        Action::Decrease(lamports) => ("decrease", *lamports, None),
        Action::Hold => ("hold", 0, None),
        Action::Skip(reason) => ("skip", 0, Some(reason.clone())),
    };
    json!({
        "voteAccount": line.vote.to_string(),
        "currentLamports": line.current,
        "targetLamports": line.target,
        "action": action,
        "lamports": lamports,
        "reason": reason,
    })
}

/// What a rebalance planned and sent.
pub struct Rebalanced {
    pub lines: Vec<Line>,
    pub sent: Vec<Sent>,
}

pub async fn rebalance(ctx: &Ctx, args: &RebalanceArgs) -> Result<Rebalanced> {
    let pool = Pool::load(ctx, &args.pool).await?;
    pool.require_staker(&ctx.payer())?;
    pool.require_current(ctx.epoch().await?)?;
    let weights = weights(args, &pool)?;
    let stake_rent = ctx.rent_exempt(STAKE_ACCOUNT_LEN).await?;
    let reserve = ctx
        .account(&pool.accounts.reserve_stake)
        .await?
        .map(|account| account.lamports)
        .unwrap_or(0);
    let floor = parse_amount(&args.reserve_floor)?;
    let limits = Limits {
        stake_rent,
        minimum_delegation: p_stake_pool_client::minimum_delegation(
            ctx.minimum_delegation().await?,
        ),
        reserve_spendable: reserve.saturating_sub(stake_rent).saturating_sub(floor),
    };
    let holdings: Vec<Holding> = pool
        .validators
        .iter()
        .map(|validator| Holding {
            vote: validator.seeds.vote,
            active: validator.active_stake_lamports,
            transient: validator.transient_stake_lamports,
            active_status: validator.is_active(),
        })
        .collect();
    let lines = plan(&holdings, &weights, limits);
    let mut sent = Vec::new();
    for line in &lines {
        let (lamports, increase) = match line.action {
            Action::Increase(lamports) => (lamports, true),
            Action::Decrease(lamports) => (lamports, false),
            _ => continue,
        };
        let validator = pool.validator(&line.vote)?;
        let label = format!(
            "{} {} SOL {} {}",
            if increase { "increase" } else { "decrease" },
            format_amount(lamports),
            if increase { "to" } else { "from" },
            line.vote
        );
        if ctx.dry_run {
            // Each move changes the list and the reserve the next one reads: only the
            // plan is shown.
            continue;
        }
        sent.push(
            ctx.send(Step::new(
                label,
                vec![move_instruction(
                    &pool,
                    &ctx.payer(),
                    &validator.seeds,
                    lamports,
                    increase,
                )],
            ))
            .await?,
        );
    }
    Ok(Rebalanced { lines, sent })
}

pub async fn run(ctx: &Ctx, args: &RebalanceArgs) -> Result<Report> {
    let done = rebalance(ctx, args).await?;
    let mut display = format!("Rebalance plan for {}\n", args.pool);
    for line in &done.lines {
        display.push_str(&format!(
            "  {}  {} → {} SOL  {}\n",
            line.vote,
            format_amount(line.current),
            format_amount(line.target),
            match &line.action {
                Action::Increase(lamports) => format!("increase {}", format_amount(*lamports)),
                Action::Decrease(lamports) => format!("decrease {}", format_amount(*lamports)),
                Action::Hold => "hold".into(),
                Action::Skip(reason) => format!("skip: {reason}"),
            }
        ));
    }
    let mut report = crate::commands::sent_report(
        display.trim_end().to_string(),
        &done.sent,
        json!({"plan": done.lines.iter().map(line_json).collect::<Vec<_>>(), "dryRun": ctx.dry_run}),
    );
    if ctx.dry_run {
        report.display.push_str("  (dry run: nothing sent)\n");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOL: u64 = 1_000_000_000;
    const LIMITS: Limits = Limits {
        stake_rent: 2_282_880,
        minimum_delegation: SOL,
        reserve_spendable: 0,
    };

    fn holding(active: u64) -> Holding {
        Holding {
            vote: Pubkey::new_unique(),
            active,
            transient: 0,
            active_status: true,
        }
    }

    #[test]
    fn equal_weights_move_the_reserve_to_the_validators() {
        let minimum = LIMITS.stake_rent + LIMITS.minimum_delegation;
        let holdings = [holding(minimum), holding(minimum)];
        let weights = holdings.iter().map(|h| (h.vote, 1)).collect();
        let limits = Limits {
            reserve_spendable: 10 * SOL,
            ..LIMITS
        };
        let lines = plan(&holdings, &weights, limits);
        let spent: u64 = lines
            .iter()
            .map(|line| match line.action {
                Action::Increase(lamports) => lamports + limits.stake_rent,
                _ => panic!("expected increases: {lines:?}"),
            })
            .sum();
        assert!(spent <= limits.reserve_spendable);
        for line in &lines {
            assert_eq!(line.target, minimum + 5 * SOL);
        }
    }

    #[test]
    fn overweight_validators_decrease_and_keep_their_minimum() {
        let minimum = LIMITS.stake_rent + LIMITS.minimum_delegation;
        let holdings = [holding(minimum + 10 * SOL), holding(minimum)];
        let weights = holdings.iter().map(|h| (h.vote, 1)).collect();
        let limits = Limits {
            reserve_spendable: SOL,
            ..LIMITS
        };
        let lines = plan(&holdings, &weights, limits);
        match lines[0].action {
            Action::Decrease(lamports) => {
                assert!(lines[0].current - lamports >= minimum);
                assert!(lamports >= LIMITS.minimum_delegation);
            }
            ref other => panic!("expected a decrease, got {other:?}"),
        }
        // The reserve paid the transient's rent; what is left is below a minimum
        // delegation, so the underweight validator waits for the decrease to land.
        assert!(matches!(lines[1].action, Action::Skip(_)), "{lines:?}");
    }

    #[test]
    fn stake_in_flight_and_small_differences_wait() {
        let minimum = LIMITS.stake_rent + LIMITS.minimum_delegation;
        let mut busy = holding(minimum + 4 * SOL);
        busy.transient = SOL;
        let close = holding(minimum + SOL / 2);
        let holdings = [busy, close];
        let weights = holdings.iter().map(|h| (h.vote, 1)).collect();
        let lines = plan(&holdings, &weights, LIMITS);
        assert!(matches!(&lines[0].action, Action::Skip(reason) if reason.contains("in flight")));
        assert!(
            matches!(lines[1].action, Action::Skip(_) | Action::Hold),
            "{lines:?}"
        );
    }

    #[test]
    fn zero_weight_validators_go_down_to_their_minimum() {
        let minimum = LIMITS.stake_rent + LIMITS.minimum_delegation;
        let holdings = [holding(minimum + 3 * SOL), holding(minimum)];
        let weights = [(holdings[1].vote, 1)].into_iter().collect();
        let limits = Limits {
            reserve_spendable: 5 * SOL,
            ..LIMITS
        };
        let lines = plan(&holdings, &weights, limits);
        assert_eq!(lines[0].target, minimum);
        assert_eq!(lines[0].action, Action::Decrease(3 * SOL));
        assert!(matches!(lines[1].action, Action::Increase(_)));
    }
}
