//! The staker's moves on the chain, below the commands: the pool's numbers the strategy
//! crate's planner needs, and the instruction and transaction for each planned move. The
//! planning itself (what a move is, when it is allowed) is `p_stake_pool_strategy::moves`.

use anyhow::Result;
use p_stake_pool_client as client;
use p_stake_pool_strategy::{
    moves::{Move, Wait},
    PoolState,
};
use serde_json::{json, Value};
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;
use solana_stake_interface::state::StakeStateV2;

use crate::{
    chain::{format_amount, Ctx, Sent, Step},
    pool::{Pool, Validator},
};

/// Size of a stake account (the stake program's `StakeStateV2`).
pub const STAKE_ACCOUNT_LEN: usize = 200;

/// The numbers the planner needs, read from the chain.
pub async fn pool_state(ctx: &Ctx, pool: &Pool) -> Result<PoolState> {
    let reserve = ctx
        .account(&pool.accounts.reserve_stake)
        .await?
        .map(|account| account.lamports)
        .unwrap_or(0);
    let stake_rent = ctx.rent_exempt(STAKE_ACCOUNT_LEN).await?;
    let minimum_delegation = client::minimum_delegation(ctx.minimum_delegation().await?);
    Ok(PoolState {
        reserve,
        // The reserve is a stake account: the same rent.
        reserve_rent: stake_rent,
        stake_rent,
        minimum_delegation,
        list_room: pool
            .max_validators
            .saturating_sub(u32::try_from(pool.validators.len()).unwrap_or(u32::MAX)),
        moved_this_epoch: added_this_epoch(ctx, pool)
            .await?
            .saturating_mul(minimum_delegation),
    })
}

/// Validators added this epoch: their stake account's delegation began this epoch (the list
/// does not say; the per-epoch cap must count them when a plan is made twice in an epoch).
async fn added_this_epoch(ctx: &Ctx, pool: &Pool) -> Result<u64> {
    let epoch = ctx.epoch().await?;
    let stakes: Vec<Pubkey> = pool
        .validators
        .iter()
        .filter(|validator| validator.is_active())
        .map(|validator| validator.seeds.validator_stake(&pool.accounts))
        .collect();
    let mut added = 0u64;
    for account in ctx.accounts(&stakes).await?.into_iter().flatten() {
        if let Ok(StakeStateV2::Stake(_, stake, _)) = bincode::deserialize(&account.data) {
            if stake.delegation.activation_epoch == epoch {
                added = added.saturating_add(1);
            }
        }
    }
    Ok(added)
}

/// An increase (reserve → validator) or decrease (validator → reserve) instruction.
pub fn move_instruction(
    pool: &Pool,
    staker: &Pubkey,
    validator: &Validator,
    lamports: u64,
    increase: bool,
) -> Instruction {
    let seeds = &validator.seeds;
    if increase {
        client::increase_validator_stake(
            &pool.accounts,
            staker,
            seeds,
            lamports,
            seeds.transient_seed,
        )
    } else {
        client::decrease_validator_stake_with_reserve(
            &pool.accounts,
            staker,
            seeds,
            lamports,
            seeds.transient_seed,
        )
    }
}

/// The instruction of a planned move and its label; `None` for a line that waits.
pub fn instruction_for(
    pool: &Pool,
    staker: &Pubkey,
    vote: &Pubkey,
    planned: Move,
) -> Result<Option<(String, Instruction)>> {
    Ok(Some(match planned {
        Move::Add => (
            format!("add {vote}"),
            client::add_validator_to_pool(&pool.accounts, staker, vote, 0),
        ),
        Move::Remove { instant } => (
            format!(
                "remove {vote}{}",
                if instant { " (instant exit)" } else { "" }
            ),
            client::remove_validator_from_pool(
                &pool.accounts,
                staker,
                &pool.validator(vote)?.seeds,
            ),
        ),
        Move::Increase(lamports) => (
            format!("increase {} SOL to {vote}", format_amount(lamports)),
            move_instruction(pool, staker, pool.validator(vote)?, lamports, true),
        ),
        Move::Decrease(lamports) => (
            format!("decrease {} SOL from {vote}", format_amount(lamports)),
            move_instruction(pool, staker, pool.validator(vote)?, lamports, false),
        ),
        Move::None | Move::Wait(_) => return Ok(None),
    }))
}

/// The order moves are sent in: exits and decreases free what the increases spend.
fn send_order(planned: &Move) -> u8 {
    match planned {
        Move::Remove { instant: true } => 0,
        Move::Remove { instant: false } => 1,
        Move::Decrease(_) => 2,
        Move::Add => 3,
        Move::Increase(_) => 4,
        Move::None | Move::Wait(_) => 5,
    }
}

/// One move sent (or, in a dry run, only planned).
pub struct Applied {
    pub vote: Pubkey,
    pub planned: Move,
    pub result: Result<Option<Sent>, String>,
}

impl Applied {
    pub fn json(&self) -> Value {
        let mut json = json!({
            "voteAccount": self.vote.to_string(),
            "move": move_json(&self.planned),
        });
        match &self.result {
            Ok(Some(sent)) => json["transaction"] = sent.json(),
            Ok(None) => {}
            Err(error) => json["error"] = error.clone().into(),
        }
        json
    }
}

/// Sends every planned move, one transaction each, exits first. A move that fails is
/// reported and the others still go (each is checked by simulation before it is signed). In
/// a dry run nothing is sent: each move changes the list and the reserve the next one reads,
/// so only the plan is shown.
pub async fn send_moves(ctx: &Ctx, pool: &Pool, planned: &[(Pubkey, Move)]) -> Vec<Applied> {
    let mut ordered: Vec<&(Pubkey, Move)> = planned
        .iter()
        .filter(|(_, planned)| !matches!(planned, Move::None | Move::Wait(_)))
        .collect();
    ordered.sort_by_key(|(_, planned)| send_order(planned));
    let mut applied = Vec::new();
    let staker = match ctx.staker() {
        Ok(staker) => staker,
        Err(error) => {
            let error = format!("{error:#}");
            return ordered
                .into_iter()
                .map(|(vote, planned)| Applied {
                    vote: *vote,
                    planned: *planned,
                    result: Err(error.clone()),
                })
                .collect();
        }
    };
    for (vote, planned) in ordered {
        let result = if ctx.dry_run {
            Ok(None)
        } else {
            match instruction_for(pool, &staker.pubkey(), vote, *planned) {
                Ok(Some((label, instruction))) => ctx
                    .send(Step::new(label, vec![instruction]).signed_by(staker.as_ref()))
                    .await
                    .map(Some)
                    .map_err(|error| format!("{error:#}")),
                Ok(None) => Ok(None),
                Err(error) => Err(format!("{error:#}")),
            }
        };
        applied.push(Applied {
            vote: *vote,
            planned: *planned,
            result,
        });
    }
    applied
}

/// Why a line waits, in words.
pub fn wait_reason(wait: Wait) -> &'static str {
    match wait {
        Wait::OnTarget => "on target (within the hysteresis band or a minimum delegation)",
        Wait::BeingRemoved => "being removed",
        Wait::InFlight => "stake in flight: settles at the next update",
        Wait::EpochCap => "this epoch's cap on stake moved is spent",
        Wait::Reserve => "the reserve cannot pay for it",
        Wait::AtMinimum => "at its minimum: leaves when removed",
        Wait::ListFull => "the validator list is full",
    }
}

/// A move as JSON: `action`, `lamports`, and `reason` for one that waits.
pub fn move_json(planned: &Move) -> Value {
    match planned {
        Move::None => json!({"action": "none"}),
        Move::Add => json!({"action": "add"}),
        Move::Increase(lamports) => json!({"action": "increase", "lamports": lamports}),
        Move::Decrease(lamports) => json!({"action": "decrease", "lamports": lamports}),
        Move::Remove { instant } => json!({"action": "remove", "instantExit": instant}),
        Move::Wait(wait) => json!({
            "action": "wait",
            "wait": format!("{wait:?}"),
            "reason": wait_reason(*wait),
        }),
    }
}

/// A move in words.
pub fn move_display(planned: &Move) -> String {
    match planned {
        Move::None => "-".into(),
        Move::Add => "add".into(),
        Move::Increase(lamports) => format!("increase {}", format_amount(*lamports)),
        Move::Decrease(lamports) => format!("decrease {}", format_amount(*lamports)),
        Move::Remove { instant: true } => "remove (instant exit)".into(),
        Move::Remove { instant: false } => "remove".into(),
        Move::Wait(wait) => format!("wait: {}", wait_reason(*wait)),
    }
}
