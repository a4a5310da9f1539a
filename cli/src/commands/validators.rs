//! The staker's commands: which validators the pool holds and how its stake is spread.

use anyhow::{bail, Result};
use p_stake_pool_client::{self as client, PreferredValidatorType};
use serde_json::json;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::{
    chain::{format_amount, parse_amount, sent_report, Ctx, Step},
    pool::{Pool, Validator},
    staking::move_instruction,
    Report,
};

pub async fn add(ctx: &Ctx, address: &Pubkey, vote: &Pubkey, seed: u32) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let staker = ctx.staker()?;
    pool.require_staker(&staker.pubkey())?;
    if pool.validator(vote).is_ok() {
        bail!("validator {vote} is already in pool {address}");
    }
    let sent = ctx
        .send(
            Step::new(
                "AddValidatorToPool",
                vec![client::add_validator_to_pool(
                    &pool.accounts,
                    &staker.pubkey(),
                    vote,
                    seed,
                )],
            )
            .signed_by(staker.as_ref()),
        )
        .await?;
    let stake = client::find_validator_stake(&ctx.program_id, vote, address, seed).0;
    Ok(sent_report(
        format!("Added validator {vote} to {address}: stake account {stake}"),
        &[sent],
        json!({"voteAccount": vote.to_string(), "stakeAccount": stake.to_string()}),
    ))
}

pub async fn remove(ctx: &Ctx, address: &Pubkey, vote: &Pubkey) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let staker = ctx.staker()?;
    pool.require_staker(&staker.pubkey())?;
    let validator = pool.validator(vote)?;
    let sent = ctx
        .send(
            Step::new(
                "RemoveValidatorFromPool",
                vec![client::remove_validator_from_pool(
                    &pool.accounts,
                    &staker.pubkey(),
                    &validator.seeds,
                )],
            )
            .signed_by(staker.as_ref()),
        )
        .await?;
    Ok(sent_report(
        format!("Removing validator {vote} from {address}: its stake returns to the reserve at the next update"),
        &[sent],
        json!({"voteAccount": vote.to_string()}),
    ))
}

/// The validator, checked for a move this epoch: one transient stake account at a time.
fn movable<'a>(pool: &'a Pool, vote: &Pubkey) -> Result<&'a Validator> {
    let validator = pool.validator(vote)?;
    if !validator.is_active() {
        bail!(
            "validator {vote} is being removed ({})",
            validator.status_name()
        );
    }
    if validator.transient_stake_lamports > 0 {
        bail!(
            "validator {vote} already has {} SOL in transient stake: its move must settle \
             (next epoch's update) before another",
            format_amount(validator.transient_stake_lamports)
        );
    }
    Ok(validator)
}

async fn move_stake(
    ctx: &Ctx,
    address: &Pubkey,
    vote: &Pubkey,
    amount: &str,
    increase: bool,
) -> Result<Report> {
    let lamports = parse_amount(amount)?;
    if lamports == 0 {
        bail!("the amount must be more than zero");
    }
    let pool = Pool::load(ctx, address).await?;
    let staker = ctx.staker()?;
    pool.require_staker(&staker.pubkey())?;
    pool.require_current(ctx.epoch().await?)?;
    let validator = movable(&pool, vote)?;
    let label = if increase {
        "IncreaseValidatorStake"
    } else {
        "DecreaseValidatorStakeWithReserve"
    };
    let sent = ctx
        .send(
            Step::new(
                label,
                vec![move_instruction(
                    &pool,
                    &staker.pubkey(),
                    validator,
                    lamports,
                    increase,
                )],
            )
            .signed_by(staker.as_ref()),
        )
        .await?;
    Ok(sent_report(
        format!(
            "{} {} SOL {} validator {vote}",
            if increase { "Moving" } else { "Withdrawing" },
            format_amount(lamports),
            if increase { "to" } else { "from" }
        ),
        &[sent],
        json!({
            "voteAccount": vote.to_string(),
            "lamports": lamports,
            "transientStakeAccount": validator.seeds.transient_stake(&pool.accounts).to_string(),
        }),
    ))
}

pub async fn increase(ctx: &Ctx, address: &Pubkey, vote: &Pubkey, amount: &str) -> Result<Report> {
    move_stake(ctx, address, vote, amount, true).await
}

pub async fn decrease(ctx: &Ctx, address: &Pubkey, vote: &Pubkey, amount: &str) -> Result<Report> {
    move_stake(ctx, address, vote, amount, false).await
}

pub async fn set_preferred(
    ctx: &Ctx,
    address: &Pubkey,
    kind: &str,
    vote: Option<&Pubkey>,
) -> Result<Report> {
    let pool = Pool::load(ctx, address).await?;
    let staker = ctx.staker()?;
    pool.require_staker(&staker.pubkey())?;
    if let Some(vote) = vote {
        pool.validator(vote)?;
    }
    let kind_value = if kind == "deposit" {
        PreferredValidatorType::Deposit
    } else {
        PreferredValidatorType::Withdraw
    };
    let sent = ctx
        .send(
            Step::new(
                "SetPreferredValidator",
                vec![client::set_preferred_validator(
                    &pool.accounts,
                    &staker.pubkey(),
                    kind_value,
                    vote,
                )],
            )
            .signed_by(staker.as_ref()),
        )
        .await?;
    Ok(sent_report(
        format!(
            "Preferred {kind} validator of {address}: {}",
            vote.map(|vote| vote.to_string())
                .unwrap_or_else(|| "none".into())
        ),
        &[sent],
        json!({"kind": kind, "voteAccount": vote.map(|vote| vote.to_string())}),
    ))
}
