//! `UpdateStakePoolBalance` (tag 7): the second step of the per-epoch crank. Recomputes the
//! pool's value from scratch (past 1,000 lamports a token, counting at most 1% more per token than
//! the epoch started with: see `math::countable_lamports`), mints the manager's epoch fee on the growth, rotates
//! pending fee changes, and records the epoch.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[]` Withdraw authority PDA (mints the fee)
//!   2. `[w]` Validator list
//!   3. `[]` Reserve stake
//!   4. `[w]` Manager fee token account
//!   5. `[w]` Pool mint
//!   6. `[]` Token program
//!
//! Data: none.

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, ProgramResult};

use super::{
    checks::{
        check_owner, check_pool_mint, check_program, check_reserve, manager_fee_account_usable,
    },
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    math, pda,
    state::{
        stake_pool::{load_pool, StakePoolHeader},
        token::Mint,
        validator_list::ValidatorList,
    },
    sysvar,
};

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
) -> ProgramResult {
    DataReader::new(data).finish()?;
    let [stake_pool, withdraw_authority, validator_list, reserve_stake, manager_fee_account, pool_mint, token_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    let current_epoch = sysvar::current_epoch()?;
    check_owner(stake_pool, program_id)?;
    let (
        mut tail,
        previous_lamports,
        previous_supply,
        last_update_epoch,
        epoch_fee,
        bump,
        fee_account_usable,
    ) = {
        let data = stake_pool.try_borrow()?;
        let (pool, tail) = load_pool(&data)?;
        check_pool_mint(pool, pool_mint)?;
        pda::check_withdraw_authority(
            program_id,
            stake_pool.address(),
            pool.stake_withdraw_bump_seed,
            withdraw_authority.address(),
        )?;
        check_reserve(pool, reserve_stake)?;
        if *manager_fee_account.address() != pool.manager_fee_account {
            return Err(StakePoolError::InvalidFeeAccount.into());
        }
        if *validator_list.address() != pool.validator_list {
            return Err(StakePoolError::InvalidValidatorStakeList.into());
        }
        check_program(token_program, &pool.token_program_id)?;
        // A fee account that cannot receive the fee forfeits it; the update still runs so the
        // pool never stalls on the manager's mistake.
        let fee_account_usable = manager_fee_account_usable(pool, manager_fee_account)?;
        (
            tail,
            pool.total_lamports(),
            pool.pool_token_supply(),
            pool.last_update_epoch(),
            pool.epoch_fee(),
            pool.stake_withdraw_bump_seed,
            fee_account_usable,
        )
    };

    // The pool's value, from scratch: the reserve above its rent plus every validator's
    // recorded stake. Nothing carried over from the previous total can survive a mistake.
    check_owner(validator_list, program_id)?;
    let reserve_rent = sysvar::rent_exempt_minimum(reserve_stake.data_len())?;
    // Saturating: if rent ever rises above the reserve's balance, the reserve counts as 0.
    let mut total_lamports = reserve_stake.lamports().saturating_sub(reserve_rent);
    {
        let mut list_data = validator_list.try_borrow_mut()?;
        let list = ValidatorList::load_initialized(&mut list_data)?;
        // Summed in u128, which 20,000 entries of u64 cannot overflow, and checked once.
        let mut validator_lamports = 0u128;
        for entry in list.all_entries()? {
            // Every entry must have been refreshed this epoch by UpdateValidatorListBalance.
            if entry.last_update_epoch() < current_epoch {
                return Err(StakePoolError::StakeListOutOfDate.into());
            }
            validator_lamports = validator_lamports
                .wrapping_add(u128::from(entry.active_stake_lamports()))
                .wrapping_add(u128::from(entry.transient_stake_lamports()));
        }
        total_lamports = u64::try_from(validator_lamports)
            .ok()
            .and_then(|validators| total_lamports.checked_add(validators))
            .ok_or(StakePoolError::CalculationFailure)?;
    }

    // Share-price inflation guard (p-stake-pool's addition): past 1,000 lamports a token, an
    // epoch's updates raise a token's value by at most 1% over its value when the epoch
    // started (the start the epoch's first update records, so repeating the update within the
    // epoch cannot ratchet it). Rewards never come near; a donation or a burn that would make
    // the few tokens of a nearly empty pool worth far more than a lamport is counted over
    // later epochs instead, for every holder then — so deposits are always priced within a
    // thousand lamports. A pool without tokens keeps the reference's rule: its epoch fee takes the
    // reward 1:1.
    let new_epoch = last_update_epoch < current_epoch;
    let tokens = Mint::load(&pool_mint.try_borrow()?)?.supply();
    if tokens == 0 && previous_supply > 0 {
        // Every token burnt since the last update: no token is left to hold the value. Count
        // nothing (and so charge no fee), so the next deposit mints 1:1 rather than one token
        // worth the pool. The value stays in the pool's accounts: a depositor before the next
        // epoch's update shares in it within the bound; otherwise that update finds a pool that
        // never had tokens and keeps the reference's rule (the epoch fee mints it 1:1 to the
        // manager). It is a donation by whoever burnt the tokens either way.
        total_lamports = 0;
    } else if tokens > 0 {
        let (start_total, start_supply) = if new_epoch {
            (previous_lamports, previous_supply)
        } else {
            (
                tail.last_epoch_total_lamports,
                tail.last_epoch_pool_token_supply,
            )
        };
        total_lamports =
            total_lamports.min(math::countable_lamports(tokens, start_total, start_supply));
    }

    let reward_lamports = total_lamports.saturating_sub(previous_lamports);
    let fee = if fee_account_usable {
        // Priced on the tokens that exist (the mint's supply), not the recorded supply: they
        // differ only after holders burn tokens outside the pool, and a fee priced on the
        // larger, stale supply would take the remaining holders' share (the reference does).
        math::epoch_fee_pool_tokens(reward_lamports, total_lamports, tokens, &epoch_fee)
            .ok_or(StakePoolError::CalculationFailure)?
    } else {
        0
    };
    if fee > 0 {
        let bump = [bump];
        let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
        cpi::token::MintTo {
            token_program,
            mint: pool_mint,
            destination: manager_fee_account,
            mint_authority: withdraw_authority,
            amount: fee,
        }
        .invoke_signed(&[Signer::from(&seeds)])?;
    }

    // The supply is re-read from the mint, the single source of truth for tokens in
    // circulation (it includes the fee just minted).
    let supply = Mint::load(&pool_mint.try_borrow()?)?.supply();
    // No token left to hold the value (every token burnt, and no fee minted for it): count
    // nothing, so the next deposit mints 1:1 at a lamport a token rather than at whatever the
    // pool holds (share-price inflation by burning). It is held back, and counted once tokens
    // exist again, within the bound above.
    if supply == 0 {
        total_lamports = 0;
    }

    let mut data = stake_pool.try_borrow_mut()?;
    {
        let pool = StakePoolHeader::load_mut(&mut data)?;
        if new_epoch {
            // Pending fee changes move one boundary closer; those due now take effect.
            let (due, pending) = tail.next_epoch_fee.rotate();
            if let Some(fee) = due {
                pool.set_epoch_fee(fee);
            }
            tail.next_epoch_fee = pending;
            let (due, pending) = tail.next_stake_withdrawal_fee.rotate();
            if let Some(fee) = due {
                tail.stake_withdrawal_fee = fee;
            }
            tail.next_stake_withdrawal_fee = pending;
            let (due, pending) = tail.next_sol_withdrawal_fee.rotate();
            if let Some(fee) = due {
                tail.sol_withdrawal_fee = fee;
            }
            tail.next_sol_withdrawal_fee = pending;
            pool.set_last_update_epoch(current_epoch);
            tail.last_epoch_total_lamports = previous_lamports;
            tail.last_epoch_pool_token_supply = previous_supply;
        }
        pool.set_total_lamports(total_lamports);
        pool.set_pool_token_supply(supply);
    }
    if new_epoch {
        tail.encode(&mut data)?;
    }
    Ok(())
}
