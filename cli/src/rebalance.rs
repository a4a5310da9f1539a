//! Rebalancing by hand-set weights: the increases and decreases that bring each validator's
//! stake to its weight's share of the pool. The moves and their rules (minimum delegation,
//! one transient per validator, what the reserve can pay) are the strategy crate's planner,
//! the same one `strategy apply` uses; here nothing caps the stake moved and no validator is
//! added or removed.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};
use clap::Args;
use serde_json::{json, Value};
use solana_pubkey::Pubkey;

use p_stake_pool_strategy::{
    moves::{plan, Limits, Line, Move},
    targets::{allocate, Allocation, Standing, Target, Weighting},
    PoolState,
};

use crate::{
    chain::{format_amount, parse_amount, sent_report, Ctx, Sent},
    pool::{Pool, Validator},
    staking::{move_display, move_json, pool_state, send_moves},
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

/// One line of the plan: a validator, what it holds, what it should hold and its move.
#[derive(Clone, Debug)]
pub struct PlanLine {
    pub vote: Pubkey,
    pub current: u64,
    pub target: u64,
    pub planned: Move,
}

/// The moves toward `weights`, planned by the strategy crate: the pool's lamports (its
/// validators' and what the reserve may spend above its rent and `floor`) are divided in
/// proportion to weight; a validator without a weight keeps only its minimum (a rebalance
/// never removes a validator) and nothing caps the stake moved.
pub fn plan_weights(
    validators: &[Validator],
    weights: &HashMap<Pubkey, u64>,
    state: &PoolState,
    floor: u64,
) -> Vec<PlanLine> {
    let minimum = state.stake_rent.saturating_add(state.minimum_delegation);
    let spendable = state
        .reserve
        .saturating_sub(state.reserve_rent)
        .saturating_sub(floor);
    let standings: Vec<Standing> = validators
        .iter()
        .map(|validator| {
            let weight = weights.get(&validator.seeds.vote).copied().unwrap_or(0);
            Standing {
                vote: validator.seeds.vote.to_bytes(),
                eligible: validator.is_active() && weight > 0,
                score: weight,
                incumbent: validator.is_active(),
                labels: 0,
            }
        })
        .collect();
    let held = validators
        .iter()
        .map(|validator| {
            validator
                .active_stake_lamports
                .saturating_add(validator.transient_stake_lamports)
        })
        .fold(spendable, u64::saturating_add);
    let rules = Allocation {
        validators: u32::try_from(validators.len()).unwrap_or(u32::MAX),
        incumbent_margin: 0,
        weighting: Weighting::Score,
        max_pool_share_bps: 10_000,
        reserve_share_bps: 0,
        label_caps_bps: &[],
    };
    let mut targets = vec![Target::default(); validators.len()];
    let mut order = vec![0u32; validators.len()];
    allocate(&standings, &rules, held, minimum, &mut targets, &mut order)
        .expect("buffers as long as the list");
    let lines: Vec<Line> = validators
        .iter()
        .zip(&targets)
        .map(|(validator, target)| Line {
            in_pool: true,
            active_entry: validator.is_active(),
            active: validator.active_stake_lamports,
            transient: validator.transient_stake_lamports,
            target: if target.seated {
                target.lamports
            } else {
                minimum
            },
            instant_exit: false,
        })
        .collect();
    let limits = Limits {
        stake_rent: state.stake_rent,
        minimum_delegation: state.minimum_delegation,
        reserve_spendable: spendable,
        epoch_cap: u64::MAX,
        hysteresis: 0,
        list_room: 0,
    };
    let mut moves = vec![Move::None; lines.len()];
    plan(&lines, &limits, &mut moves, &mut order).expect("buffers as long as the list");
    validators
        .iter()
        .zip(lines)
        .zip(moves)
        .map(|((validator, line), planned)| PlanLine {
            vote: validator.seeds.vote,
            current: line.current(),
            target: line.target,
            planned,
        })
        .collect()
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

fn line_json(line: &PlanLine) -> Value {
    let mut json = move_json(&line.planned);
    if let Some(object) = json.as_object_mut() {
        object.insert("voteAccount".into(), line.vote.to_string().into());
        object.insert("currentLamports".into(), line.current.into());
        object.insert("targetLamports".into(), line.target.into());
    }
    json
}

/// What a rebalance planned and sent.
pub struct Rebalanced {
    pub lines: Vec<PlanLine>,
    pub sent: Vec<Sent>,
}

pub async fn rebalance(ctx: &Ctx, args: &RebalanceArgs) -> Result<Rebalanced> {
    let pool = Pool::load(ctx, &args.pool).await?;
    pool.require_staker(&ctx.staker()?.pubkey())?;
    pool.require_current(ctx.epoch().await?)?;
    let weights = weights(args, &pool)?;
    let state = pool_state(ctx, &pool).await?;
    let floor = parse_amount(&args.reserve_floor)?;
    let lines = plan_weights(&pool.validators, &weights, &state, floor);
    let planned: Vec<(Pubkey, Move)> = lines.iter().map(|line| (line.vote, line.planned)).collect();
    let mut sent = Vec::new();
    for applied in send_moves(ctx, &pool, &planned).await {
        match applied.result {
            Ok(Some(transaction)) => sent.push(transaction),
            Ok(None) => {}
            Err(error) => bail!("{}: {error}", applied.vote),
        }
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
            move_display(&line.planned)
        ));
    }
    let mut report = sent_report(
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
    use p_stake_pool_client::ValidatorSeeds;

    const SOL: u64 = 1_000_000_000;
    const STATE: PoolState = PoolState {
        reserve: 0,
        reserve_rent: 2_282_880,
        stake_rent: 2_282_880,
        minimum_delegation: SOL,
        list_room: 0,
        moved_this_epoch: 0,
    };
    const MINIMUM: u64 = 2_282_880 + SOL;

    fn validator(active: u64) -> Validator {
        Validator {
            seeds: ValidatorSeeds {
                vote: Pubkey::new_unique(),
                validator_seed: 0,
                transient_seed: 0,
            },
            active_stake_lamports: active,
            transient_stake_lamports: 0,
            last_update_epoch: 0,
            status: 0,
        }
    }

    fn equal(validators: &[Validator]) -> HashMap<Pubkey, u64> {
        validators.iter().map(|v| (v.seeds.vote, 1)).collect()
    }

    #[test]
    fn equal_weights_move_the_reserve_to_the_validators() {
        let validators = [validator(MINIMUM), validator(MINIMUM)];
        let state = PoolState {
            reserve: STATE.reserve_rent + 10 * SOL,
            ..STATE
        };
        let lines = plan_weights(&validators, &equal(&validators), &state, 0);
        let mut spent = 0;
        for line in &lines {
            assert_eq!(line.target, MINIMUM + 5 * SOL);
            match line.planned {
                Move::Increase(lamports) => spent += lamports + STATE.stake_rent,
                other => panic!("expected increases: {other:?}"),
            }
        }
        assert!(spent <= 10 * SOL);
    }

    #[test]
    fn overweight_validators_decrease_and_keep_their_minimum() {
        let validators = [validator(MINIMUM + 10 * SOL), validator(MINIMUM)];
        let state = PoolState {
            reserve: STATE.reserve_rent + SOL,
            ..STATE
        };
        let lines = plan_weights(&validators, &equal(&validators), &state, 0);
        match lines[0].planned {
            Move::Decrease(lamports) => {
                assert!(lines[0].current - lamports >= MINIMUM);
                assert!(lamports >= SOL);
            }
            other => panic!("expected a decrease, got {other:?}"),
        }
        // The reserve paid the transient's rent; what is left is below a minimum
        // delegation, so the underweight validator waits for the decrease to land.
        assert!(matches!(lines[1].planned, Move::Wait(_)), "{lines:?}");
    }

    #[test]
    fn zero_weight_validators_go_down_to_their_minimum_and_stay() {
        let validators = [validator(MINIMUM + 3 * SOL), validator(MINIMUM)];
        let weights = [(validators[1].seeds.vote, 1)].into_iter().collect();
        let state = PoolState {
            reserve: STATE.reserve_rent + 5 * SOL,
            ..STATE
        };
        let lines = plan_weights(&validators, &weights, &state, 0);
        assert_eq!(lines[0].target, MINIMUM);
        assert_eq!(lines[0].planned, Move::Decrease(3 * SOL));
        assert!(matches!(lines[1].planned, Move::Increase(_)));
    }
}
