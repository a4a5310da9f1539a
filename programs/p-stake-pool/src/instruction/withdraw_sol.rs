//! `WithdrawSol` (tag 16) and `WithdrawSolWithSlippage` (tag 26): pool tokens in, SOL out of
//! the reserve.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[]` Withdraw authority PDA (withdraws from the reserve)
//!   2. `[s]` User transfer authority (owner or delegate of the burned tokens)
//!   3. `[w]` User's pool token account to burn from
//!   4. `[w]` Reserve stake
//!   5. `[w]` Recipient of the lamports
//!   6. `[w]` Manager fee token account
//!   7. `[w]` Pool mint
//!   8. `[]` Clock sysvar
//!   9. `[]` Stake history sysvar
//!  10. `[]` Stake program
//!  11. `[]` Token program
//!  12. `[s]` (optional) SOL withdraw authority, required when the pool sets one
//!
//! Data: pool tokens u64 (and, for the slippage variant, minimum lamports out u64).

use crate::instruction::Invocation;
use pinocchio::cpi::set_return_data;
use pinocchio::{cpi::Signer, error::ProgramError, ProgramResult};

use super::{
    checks::{
        check_funding_authority, check_owner, check_pool_mint, check_program, check_reserve,
        manager_fee_account_usable,
    },
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, math, pda,
    state::stake_pool::{load_pool_for_sol_withdrawal, StakePoolHeader},
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
    let pool_tokens = reader.u64()?;
    let minimum_lamports_out = if with_slippage {
        Some(reader.u64()?)
    } else {
        None
    };
    reader.finish()?;

    let [stake_pool, withdraw_authority, user_transfer_authority, burn_from, reserve_stake, destination, manager_fee_account, pool_mint, clock, stake_history, stake_program, token_program, rest @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    check_owner(stake_pool, program_id)?;
    let (fee, burnt, withdraw_lamports, decimals, bump) = {
        let data = stake_pool.try_borrow()?;
        let (pool, tail) = load_pool_for_sol_withdrawal(&data)?;
        pda::check_withdraw_authority(
            program_id,
            stake_pool.address(),
            pool.stake_withdraw_bump_seed,
            withdraw_authority.address(),
        )?;
        check_funding_authority(
            tail.sol_withdraw_authority,
            rest.first(),
            StakePoolError::InvalidSolWithdrawAuthority,
        )?;
        let decimals = check_pool_mint(pool, pool_mint)?;
        check_reserve(pool, reserve_stake)?;
        check_program(token_program, &pool.token_program_id)?;
        check_program(stake_program, &STAKE_PROGRAM)?;
        if *manager_fee_account.address() != pool.manager_fee_account {
            return Err(StakePoolError::InvalidFeeAccount.into());
        }
        // Lamports are priced from total_lamports, only right after this epoch's update: a
        // stale rate would let holders exit before a loss is counted, or at a stale price.
        if pool.last_update_epoch() < sysvar::current_epoch()? {
            return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
        }
        // A broken fee account (closed, frozen, wrong mint, bad extension) must never block
        // users from leaving: the fee is skipped instead. The manager pays no fee to itself.
        let fee_account_usable = manager_fee_account_usable(pool, manager_fee_account)?;
        let fee_rate = if pool.manager_fee_account == *burn_from.address() || !fee_account_usable {
            math::Fee::default()
        } else {
            tail.sol_withdrawal_fee
        };
        let split = math::split_withdrawal(
            pool_tokens,
            pool.total_lamports(),
            pool.pool_token_supply(),
            &fee_rate,
        )
        .ok_or(StakePoolError::CalculationFailure)?;
        (
            split.fee,
            split.burnt,
            split.lamports,
            decimals,
            pool.stake_withdraw_bump_seed,
        )
    };

    if withdraw_lamports == 0 {
        return Err(StakePoolError::WithdrawalTooSmall.into());
    }
    if let Some(minimum) = minimum_lamports_out {
        if withdraw_lamports < minimum {
            return Err(StakePoolError::ExceededSlippage.into());
        }
    }
    // The reserve stays rent-exempt: a reserve below rent could be garbage-collected with
    // the pool's remaining SOL, or leave later splits unfunded.
    let reserve_rent = sysvar::rent_exempt_minimum(reserve_stake.data_len())?;
    if reserve_stake.lamports().saturating_sub(withdraw_lamports) < reserve_rent {
        log("SOL withdrawal exceeds what the reserve holds above its rent-exempt minimum");
        return Err(StakePoolError::SolWithdrawalTooLarge.into());
    }

    cpi::token::Burn {
        token_program,
        account: burn_from,
        mint: pool_mint,
        authority: user_transfer_authority,
        amount: burnt,
    }
    .invoke()?;
    if fee > 0 {
        cpi::token::TransferChecked {
            token_program,
            source: burn_from,
            mint: pool_mint,
            destination: manager_fee_account,
            authority: user_transfer_authority,
            amount: fee,
            decimals,
        }
        .invoke()?;
    }
    let bump = [bump];
    let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    cpi::stake::Withdraw {
        stake: reserve_stake,
        recipient: destination,
        clock,
        stake_history,
        authority: withdraw_authority,
        lamports: withdraw_lamports,
    }
    .invoke_signed(&[Signer::from(&seeds)])?;

    StakePoolHeader::load_mut(&mut stake_pool.try_borrow_mut()?)?
        .record_withdrawal(burnt, withdraw_lamports)?;
    // CPI callers learn what they got without diffing balances (p-stake-pool's addition).
    set_return_data(&withdraw_lamports.to_le_bytes());
    Ok(())
}
