//! What a deposit or withdrawal will pay, computed from the pool account's bytes with the
//! program's own formulas and checks: a caller that quotes and then calls in the same
//! transaction gets exactly the quoted amounts (the program sets its return data to the same
//! number, see [`read_return_data`]).
//!
//! Quotes assume the instruction's other accounts are right (the stored fee account, a usable
//! one, and not the manager withdrawing from its own fee account, which pays no fee); they fail
//! with the program's error when the pool itself would refuse: a stale pool
//! (`StakeListAndPoolOutOfDate`), an amount that mints or pays nothing (`DepositTooSmall`,
//! `WithdrawalTooSmall`), arithmetic that cannot be done (`CalculationFailure`).

use solana_program_error::ProgramError;

use crate::{
    error::StakePoolError,
    math::{self, DepositSplit, Fee, WithdrawalSplit},
    state::stake_pool::{load_pool, StakePoolHeader, StakePoolTail},
};

/// The pool, loaded and checked the way every deposit and withdrawal starts: initialized and
/// updated for `current_epoch` (a stale rate would let depositors buy the epoch's rewards,
/// or holders leave before a loss is counted).
fn updated_pool(
    pool_data: &[u8],
    current_epoch: u64,
) -> Result<(&StakePoolHeader, StakePoolTail), ProgramError> {
    let (pool, tail) = load_pool(pool_data)?;
    if pool.last_update_epoch() < current_epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    Ok((pool, tail))
}

/// Pool tokens split out of a deposit of `lamports` into `pool`, judged as the program
/// judges every deposit ([`check_deposit`]). Inlined: as a call it would take six machine
/// arguments.
#[inline(always)]
fn deposit_result(
    split: Option<DepositSplit>,
    lamports: u64,
    pool: &StakePoolHeader,
    tail: &StakePoolTail,
) -> Result<DepositSplit, ProgramError> {
    let split = split.ok_or(StakePoolError::CalculationFailure)?;
    check_deposit(
        &split,
        lamports,
        (pool.total_lamports(), pool.pool_token_supply()),
        epoch_start(tail),
    )?;
    Ok(split)
}

/// The pool's value and supply when the epoch started (recorded by the epoch's first update):
/// the base of the bound on a token's value (`math::countable_lamports`).
#[inline(always)]
pub fn epoch_start(tail: &StakePoolTail) -> (u64, u64) {
    (
        tail.last_epoch_total_lamports,
        tail.last_epoch_pool_token_supply,
    )
}

/// The rules every deposit meets, in the program and in its quotes: the user gets at least
/// one pool token (`DepositTooSmall`); rounding at the pool's rate takes no more than
/// 0.01% (or 10,000 lamports) of the deposit (`DepositTooSmall`: a share-price inflation of a
/// nearly empty pool, see [`math::deposit_rounding_loss_is_excessive`]); and what rounding
/// leaves in the pool does not raise a token's value past the bound an update keeps
/// (`DepositTooSmall`: [`math::countable_lamports`] from `epoch_start`, [`epoch_start`]) — so
/// the sole holder of a nearly empty pool cannot pump its rate with deposits that lose to
/// rounding what they pay themselves ([`math::deposit_pumps_rate`]). Honest deposits never
/// come near. `pool` is the pool's (total lamports, supply) before the deposit. Inlined: as a call
/// it takes more than five machine arguments.
#[inline(always)]
pub fn check_deposit(
    split: &DepositSplit,
    lamports: u64,
    pool: (u64, u64),
    epoch_start: (u64, u64),
) -> Result<(), ProgramError> {
    let (total_lamports, pool_token_supply) = pool;
    if split.user == 0 {
        return Err(StakePoolError::DepositTooSmall.into());
    }
    if math::deposit_rounding_loss_is_excessive(
        lamports,
        split.minted,
        total_lamports,
        pool_token_supply,
    )
    .ok_or(StakePoolError::CalculationFailure)?
    {
        return Err(StakePoolError::DepositTooSmall.into());
    }
    let (Some(total_after), Some(supply_after)) = (
        total_lamports.checked_add(lamports),
        pool_token_supply.checked_add(split.minted),
    ) else {
        return Err(StakePoolError::CalculationFailure.into());
    };
    if math::deposit_pumps_rate((total_after, supply_after), epoch_start) {
        return Err(StakePoolError::DepositTooSmall.into());
    }
    Ok(())
}

/// Lamports split out of a withdrawal; the user must get at least one.
fn withdrawal_result(split: Option<WithdrawalSplit>) -> Result<WithdrawalSplit, ProgramError> {
    let split = split.ok_or(StakePoolError::CalculationFailure)?;
    if split.lamports == 0 {
        return Err(StakePoolError::WithdrawalTooSmall.into());
    }
    Ok(split)
}

/// `DepositSol` of `lamports`: the pool tokens minted to the user (`user`), the manager and
/// the referrer.
pub fn deposit_sol(
    pool_data: &[u8],
    lamports: u64,
    current_epoch: u64,
) -> Result<DepositSplit, ProgramError> {
    let (pool, tail) = updated_pool(pool_data, current_epoch)?;
    deposit_result(
        math::split_deposit(
            lamports,
            pool.total_lamports(),
            pool.pool_token_supply(),
            &tail.sol_deposit_fee,
            tail.sol_referral_fee,
        ),
        lamports,
        pool,
        &tail,
    )
}

/// A withdrawal of `pool_tokens` under the fee `fee` picks from the pool: the one formula
/// behind every withdrawal quote. Inlined: as a call it would take six machine arguments.
#[inline(always)]
fn withdrawal(
    pool_data: &[u8],
    pool_tokens: u64,
    current_epoch: u64,
    fee: fn(&StakePoolTail) -> Fee,
) -> Result<WithdrawalSplit, ProgramError> {
    let (pool, tail) = updated_pool(pool_data, current_epoch)?;
    withdrawal_result(math::split_withdrawal(
        pool_tokens,
        pool.total_lamports(),
        pool.pool_token_supply(),
        &fee(&tail),
    ))
}

/// `WithdrawSol` of `pool_tokens`: the fee, the tokens burnt and the lamports paid. (The
/// program also refuses a withdrawal larger than the reserve holds above its rent; that
/// depends on the reserve account, not the pool.)
pub fn withdraw_sol(
    pool_data: &[u8],
    pool_tokens: u64,
    current_epoch: u64,
) -> Result<WithdrawalSplit, ProgramError> {
    withdrawal(pool_data, pool_tokens, current_epoch, |tail| {
        tail.sol_withdrawal_fee
    })
}

/// `DepositStake` of a stake account holding `total_lamports_in` lamports in all, of which the
/// merge adds `stake_lamports` to the validator's delegation: the source's delegation when the
/// validator's stake is active, every lamport when both are still activating (a validator
/// added this epoch). Stake pays the stake deposit fee; the rest (rent and any undelegated
/// lamports) pays the SOL deposit fee.
pub fn deposit_stake(
    pool_data: &[u8],
    total_lamports_in: u64,
    stake_lamports: u64,
    current_epoch: u64,
) -> Result<DepositSplit, ProgramError> {
    let (pool, tail) = updated_pool(pool_data, current_epoch)?;
    deposit_result(
        math::split_stake_deposit(
            total_lamports_in,
            stake_lamports,
            pool.total_lamports(),
            pool.pool_token_supply(),
            &tail.stake_deposit_fee,
            &tail.sol_deposit_fee,
            tail.stake_referral_fee,
        ),
        total_lamports_in,
        pool,
        &tail,
    )
}

/// `WithdrawStake` of `pool_tokens`: the fee, the tokens burnt and the stake lamports split
/// off to the user.
pub fn withdraw_stake(
    pool_data: &[u8],
    pool_tokens: u64,
    current_epoch: u64,
) -> Result<WithdrawalSplit, ProgramError> {
    withdrawal(pool_data, pool_tokens, current_epoch, |tail| {
        tail.stake_withdrawal_fee
    })
}

/// `WithdrawSol` or `WithdrawStake` of `pool_tokens` without a fee: what the manager gets
/// from its own fee account, and what anyone gets while the fee account cannot take fees
/// (closed, frozen, wrong mint or a refused extension: a broken fee account never blocks
/// withdrawals).
pub fn fee_free_withdrawal(
    pool_data: &[u8],
    pool_tokens: u64,
    current_epoch: u64,
) -> Result<WithdrawalSplit, ProgramError> {
    withdrawal(pool_data, pool_tokens, current_epoch, |_| NO_FEE)
}

/// The amount a deposit or withdrawal paid out, from the program's return data (a
/// little-endian u64): pool tokens minted to the user, or lamports paid. `None` when the data
/// is not eight bytes.
pub fn read_return_data(data: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = data.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// No fee (a zero denominator).
const NO_FEE: Fee = Fee {
    denominator: 0,
    numerator: 0,
};
