//! `DepositStake` (tag 9) and `DepositStakeWithSlippage` (tag 23): an active stake account
//! delegated to one of the pool's validators joins that validator's stake, and its owner gets
//! pool tokens.
//!
//! The user has already made the pool's stake deposit authority the stake account's staker and
//! withdrawer (the reference client does so in the same transaction). This instruction moves
//! both authorities to the pool's withdraw authority, merges the account into the validator
//! stake, and mints pool tokens for what arrived: the delegated stake pays the stake deposit
//! fee, every other lamport pays the SOL deposit fee and is moved on to the reserve.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[w]` Validator list
//!   2. `[s?]` Stake deposit authority: the default PDA `[pool, "deposit"]` (the program signs,
//!      deposits are permissionless) or the pool's custom authority, which must sign
//!   3. `[]` Withdraw authority PDA
//!   4. `[w]` The user's stake account
//!   5. `[w]` The validator's stake account in the pool
//!   6. `[w]` Reserve stake (receives the undelegated lamports)
//!   7. `[w]` User's pool token account
//!   8. `[w]` Manager fee token account
//!   9. `[w]` Referrer's pool token account
//!  10. `[w]` Pool mint
//!  11. `[]` Clock sysvar
//!  12. `[]` Stake history sysvar
//!  13. `[]` Token program
//!  14. `[]` Stake program
//!
//! Data: none (and, for the slippage variant, minimum pool tokens out u64), optionally followed
//! by the validator's list index as a u32 (our extension: lookups in constant time instead of a
//! scan of the list; SPL clients do not send it).

use crate::instruction::Invocation;
use p_stake_pool_interface::quote::{self, check_deposit};
use pinocchio::cpi::set_return_data;
use pinocchio::{
    cpi::{Seed, Signer},
    error::ProgramError,
    sysvars::clock::Clock,
    Address, ProgramResult,
};

use super::{
    checks::{check_owner, check_pool_mint, check_program, check_reserve, check_validator_list},
    DataReader,
};
use crate::{
    cpi::{self, stake::StakeAuthority},
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, math, pda,
    state::{
        stake::StakeAccount,
        stake_pool::{load_pool, StakePoolHeader},
        validator_list::{StakeStatus, ValidatorList},
        AccountType,
    },
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
    let minimum_pool_tokens_out = if with_slippage {
        Some(reader.u64()?)
    } else {
        None
    };
    let index_hint = reader.validator_index_hint()?;

    let [stake_pool, validator_list, deposit_authority, withdraw_authority, user_stake, validator_stake, reserve_stake, destination, manager_fee_account, referrer, pool_mint, clock, stake_history, token_program, stake_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let epoch = Clock::from_account_view(clock)?.epoch;
    check_program(stake_program, &STAKE_PROGRAM)?;

    check_owner(stake_pool, program_id)?;
    let pool_address = *stake_pool.address();
    let pool_data = stake_pool.try_borrow()?;
    let (pool, tail) = load_pool(&pool_data)?;
    if pool.account_type()? != AccountType::StakePool {
        return Err(StakePoolError::InvalidState.into());
    }
    pda::check_withdraw_authority(
        program_id,
        &pool_address,
        pool.stake_withdraw_bump_seed,
        withdraw_authority.address(),
    )?;
    // Only the pool's deposit authority may hand stake in: a permissioned pool stores its own.
    if *deposit_authority.address() != pool.stake_deposit_authority {
        log("Incorrect stake deposit authority");
        return Err(StakePoolError::InvalidStakeDepositAuthority.into());
    }
    check_pool_mint(pool, pool_mint)?;
    check_validator_list(pool, validator_list)?;
    check_reserve(pool, reserve_stake)?;
    check_program(token_program, &pool.token_program_id)?;
    // Fees go only to the stored fee account; a deposit holds no user funds hostage, so an
    // unusable fee account fails the deposit instead of being bypassed.
    if *manager_fee_account.address() != pool.manager_fee_account {
        return Err(StakePoolError::InvalidFeeAccount.into());
    }
    // Tokens are priced from total_lamports, right only after this epoch's update.
    if pool.last_update_epoch() < epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    let bump = [pool.stake_withdraw_bump_seed];
    let (total_lamports, pool_token_supply) = (pool.total_lamports(), pool.pool_token_supply());
    drop(pool_data);

    // The default deposit authority is the program's own PDA, which it signs for; a custom
    // authority (a permissioned pool) must have signed the transaction. Checked here so the
    // caller gets a clear error instead of a privilege escalation inside the stake program.
    let (default_deposit_authority, deposit_bump) =
        pda::find_deposit_authority(program_id, &pool_address)?;
    if *deposit_authority.address() != default_deposit_authority && !deposit_authority.is_signer() {
        log("The pool's stake deposit authority must sign");
        return Err(StakePoolError::SignatureMissing.into());
    }

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;

    // The validator is the one the pool's stake account is delegated to.
    let (vote, stake_before) = {
        let data = validator_stake.try_borrow()?;
        let stake = StakeAccount::load(&data)?;
        let delegation = stake.delegation().ok_or(StakePoolError::WrongStakeStake)?;
        let vote = Address::new_from_array(
            delegation
                .voter()
                .try_into()
                .map_err(|_| ProgramError::InvalidAccountData)?,
        );
        (vote, delegation.stake())
    };
    let lamports_before = validator_stake.lamports();
    // Only a source that is delegated and not deactivating is accepted (the reference is
    // weaker here). The stake program treats a merely initialized source, and a delegated one
    // whose deactivation has begun — delegated and deactivated in the same epoch, or fully
    // deactivated — as inactive, and merging an inactive source into a validator stake that
    // is still activating delegates every one of its lamports: loose SOL would be minted at
    // the stake deposit fee, dodging the SOL deposit fee and the SOL deposit authority.
    {
        let data = user_stake.try_borrow()?;
        let staked = StakeAccount::load(&data)?
            .delegation()
            .is_some_and(|delegation| delegation.deactivation_epoch() == u64::MAX);
        if !staked {
            log("Only a delegated stake account that is not deactivating can be deposited");
            return Err(StakePoolError::WrongStakeStake.into());
        }
    }
    if let Some(preferred) = tail.preferred_deposit_validator {
        if preferred != vote {
            log("Deposits must go to the preferred deposit validator");
            return Err(StakePoolError::IncorrectDepositVoteAddress.into());
        }
    }
    let entry = list
        .find_mut_hinted(&vote, index_hint)?
        .ok_or(StakePoolError::ValidatorNotFound)?;
    pda::check_validator_stake(
        program_id,
        &vote,
        &pool_address,
        entry.validator_seed(),
        validator_stake.address(),
    )?;
    if entry.status()? != StakeStatus::Active {
        log("Validator is marked for removal and no longer accepts deposits");
        return Err(StakePoolError::ValidatorNotFound.into());
    }

    // The stake account's authorities move from the deposit authority to the pool.
    let deposit_bump = [deposit_bump];
    let deposit_seeds = [
        Seed::from(pool_address.as_ref()),
        Seed::from(pda::AUTHORITY_DEPOSIT),
        Seed::from(&deposit_bump),
    ];
    for kind in [StakeAuthority::Staker, StakeAuthority::Withdrawer] {
        if *deposit_authority.address() == default_deposit_authority {
            cpi::stake::Authorize {
                stake: user_stake,
                clock,
                authority: deposit_authority,
                new_authority: withdraw_authority.address(),
                kind,
            }
            .invoke_signed(&[Signer::from(&deposit_seeds)])?;
        } else {
            // A custom authority signs the transaction itself.
            cpi::stake::Authorize {
                stake: user_stake,
                clock,
                authority: deposit_authority,
                new_authority: withdraw_authority.address(),
                kind,
            }
            .invoke_signed(&[])?;
        }
    }
    let authority_seeds = pda::withdraw_authority_seeds(&pool_address, &bump);
    // The stake program refuses anything that cannot merge: inactive, activating, delegated to
    // another validator, other lockup.
    cpi::stake::Merge {
        destination: validator_stake,
        source: user_stake,
        clock,
        stake_history,
        authority: withdraw_authority,
    }
    .invoke_signed(&[Signer::from(&authority_seeds)])?;

    // What arrived, measured on the validator stake: its delegation grew by the deposited
    // stake, and every other lamport (the user account's rent and any extra) is undelegated.
    // Into an active validator stake the merge adds the source's delegation; when both are
    // still activating (a validator added this epoch) it delegates every source lamport, so
    // all of it is stake and nothing is left to move to the reserve.
    let stake_after = {
        let data = validator_stake.try_borrow()?;
        let stake = StakeAccount::load(&data)?;
        stake
            .delegation()
            .ok_or(StakePoolError::WrongStakeStake)?
            .stake()
    };
    let total_deposit = validator_stake
        .lamports()
        .checked_sub(lamports_before)
        .ok_or(StakePoolError::CalculationFailure)?;
    let stake_deposit = stake_after
        .checked_sub(stake_before)
        .ok_or(StakePoolError::CalculationFailure)?;
    let sol_deposit = total_deposit
        .checked_sub(stake_deposit)
        .ok_or(StakePoolError::CalculationFailure)?;

    let split = math::split_stake_deposit(
        total_deposit,
        stake_deposit,
        total_lamports,
        pool_token_supply,
        &tail.stake_deposit_fee,
        &tail.sol_deposit_fee,
        tail.stake_referral_fee,
    )
    .ok_or(StakePoolError::CalculationFailure)?;
    // At least one token for the user, no more than 0.01% lost to rounding, and a token's
    // value kept within the update's bound (the share-price inflation of a nearly empty pool;
    // the reference has no such bounds).
    check_deposit(
        &split,
        total_deposit,
        (total_lamports, pool_token_supply),
        quote::epoch_start(&tail),
    )?;
    if let Some(minimum) = minimum_pool_tokens_out {
        if split.user < minimum {
            return Err(StakePoolError::ExceededSlippage.into());
        }
    }

    cpi::token::mint_deposit(
        token_program,
        pool_mint,
        destination,
        manager_fee_account,
        referrer,
        withdraw_authority,
        &split,
        &authority_seeds,
    )?;
    // Undelegated lamports belong in the reserve, where they count as SOL.
    if sol_deposit > 0 {
        cpi::stake::Withdraw {
            stake: validator_stake,
            recipient: reserve_stake,
            clock,
            stake_history,
            authority: withdraw_authority,
            lamports: sol_deposit,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
    }

    // Undelegated lamports count as if they had been sent to the reserve.
    StakePoolHeader::load_mut(&mut stake_pool.try_borrow_mut()?)?
        .record_deposit(split.minted, total_deposit)?;
    entry.set_active_stake_lamports(validator_stake.lamports());
    // CPI callers learn what they got without diffing balances (p-stake-pool's addition).
    set_return_data(&split.user.to_le_bytes());
    Ok(())
}
