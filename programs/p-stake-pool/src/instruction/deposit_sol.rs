//! `DepositSol` (tag 14) and `DepositSolWithSlippage` (tag 25): SOL in, pool tokens out.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[]` Withdraw authority PDA (mints the pool tokens)
//!   2. `[w]` Reserve stake (receives the SOL)
//!   3. `[ws]` Funding account (system account paying the lamports)
//!   4. `[w]` User's pool token account
//!   5. `[w]` Manager fee token account
//!   6. `[w]` Referrer's pool token account
//!   7. `[w]` Pool mint
//!   8. `[]` System program
//!   9. `[]` Token program
//!  10. `[s]` (optional) SOL deposit authority, required when the pool sets one
//!
//! Data: lamports u64 (and, for the slippage variant, minimum pool tokens out u64).

use crate::instruction::Invocation;
use p_stake_pool_interface::quote::{self, check_deposit};
use pinocchio::cpi::set_return_data;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{
    checks::{check_funding_authority, check_owner, check_pool_mint, check_program, check_reserve},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::SYSTEM_PROGRAM,
    math, pda,
    state::stake_pool::{load_pool, StakePoolHeader},
    sysvar,
};

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
    with_slippage: bool,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let lamports = reader.u64()?;
    let minimum_pool_tokens_out = if with_slippage {
        Some(reader.u64()?)
    } else {
        None
    };
    reader.finish()?;

    let [stake_pool, withdraw_authority, reserve_stake, funding_account, destination, manager_fee_account, referrer, pool_mint, system_program, token_program, rest @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    let current_epoch = sysvar::current_epoch()?;
    check_owner(stake_pool, program_id)?;
    let (split, bump, total_lamports, pool_token_supply, epoch_start) = {
        let data = stake_pool.try_borrow()?;
        let (pool, tail) = load_pool(&data)?;
        pda::check_withdraw_authority(
            program_id,
            stake_pool.address(),
            pool.stake_withdraw_bump_seed,
            withdraw_authority.address(),
        )?;
        check_funding_authority(
            tail.sol_deposit_authority.as_ref(),
            rest.first(),
            StakePoolError::InvalidSolDepositAuthority,
        )?;
        check_pool_mint(pool, pool_mint)?;
        check_reserve(pool, reserve_stake)?;
        check_program(token_program, &pool.token_program_id)?;
        check_program(system_program, &SYSTEM_PROGRAM)?;
        // Fees go only to the stored fee account. An invalid fee account is not bypassed
        // here: a deposit holds no user funds hostage, so failing is the safe answer.
        if *manager_fee_account.address() != pool.manager_fee_account {
            return Err(StakePoolError::InvalidFeeAccount.into());
        }
        // Tokens are priced from total_lamports, which is only right after this epoch's
        // update: a stale rate would let depositors buy the epoch's rewards.
        if pool.last_update_epoch() < current_epoch {
            return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
        }
        let split = math::split_deposit(
            lamports,
            pool.total_lamports(),
            pool.pool_token_supply(),
            &tail.sol_deposit_fee,
            tail.sol_referral_fee,
        )
        .ok_or(StakePoolError::CalculationFailure)?;
        (
            split,
            pool.stake_withdraw_bump_seed,
            pool.total_lamports(),
            pool.pool_token_supply(),
            quote::epoch_start(&tail),
        )
    };

    // At least one token for the user, no more than 0.01% lost to rounding, and a token's
    // value kept within the update's bound (the share-price inflation of a nearly empty pool;
    // the reference has no such bounds).
    check_deposit(
        &split,
        lamports,
        (total_lamports, pool_token_supply),
        epoch_start,
    )?;
    if let Some(minimum) = minimum_pool_tokens_out {
        if split.user < minimum {
            return Err(StakePoolError::ExceededSlippage.into());
        }
    }

    cpi::system::transfer(funding_account, reserve_stake, lamports)?;
    let bump = [bump];
    let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    cpi::token::mint_deposit(
        token_program,
        pool_mint,
        destination,
        manager_fee_account,
        referrer,
        withdraw_authority,
        &split,
        &seeds,
    )?;

    StakePoolHeader::load_mut(&mut stake_pool.try_borrow_mut()?)?
        .record_deposit(split.minted, lamports)?;
    // CPI callers learn what they got without diffing balances (p-stake-pool's addition).
    set_return_data(&split.user.to_le_bytes());
    Ok(())
}
