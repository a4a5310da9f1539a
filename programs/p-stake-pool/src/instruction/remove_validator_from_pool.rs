//! `RemoveValidatorFromPool` (tag 2): the staker removes a validator. Its stake (and any
//! transient stake) starts deactivating; the entry is marked and stays counted until the
//! update has moved every lamport back to the reserve, after which cleanup drops it.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Staker
//!   2. `[]` Withdraw authority PDA
//!   3. `[w]` Validator list
//!   4. `[w]` Validator stake account
//!   5. `[w]` Transient stake account (deactivated too when it holds stake)
//!   6. `[]` Clock sysvar
//!   7. `[]` Stake program
//!
//! Data: none.

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, sysvars::clock::Clock, Address, ProgramResult};

use super::{
    checks::{check_owner, check_program, check_staker, check_validator_list},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, pda,
    state::{
        stake::{StakeAccount, StakeStateKind},
        stake_pool::load_pool,
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
) -> ProgramResult {
    DataReader::new(data).finish()?;
    let [stake_pool, staker, withdraw_authority, validator_list, validator_stake, transient_stake, clock, stake_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let epoch = Clock::from_account_view(clock)?.epoch;
    check_program(stake_program, &STAKE_PROGRAM)?;
    check_owner(stake_pool, program_id)?;
    let pool_address = *stake_pool.address();

    let mut pool_data = stake_pool.try_borrow_mut()?;
    let (pool, mut tail) = load_pool(&pool_data)?;
    if pool.account_type()? != AccountType::StakePool {
        return Err(StakePoolError::InvalidState.into());
    }
    pda::check_withdraw_authority(
        program_id,
        &pool_address,
        pool.stake_withdraw_bump_seed,
        withdraw_authority.address(),
    )?;
    check_staker(pool, staker)?;
    if pool.last_update_epoch() < epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    check_validator_list(pool, validator_list)?;
    let bump = [pool.stake_withdraw_bump_seed];
    let lockup = pool.lockup;

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;

    // The validator is named by the stake account's delegation, as in the reference.
    let stake_data = validator_stake.try_borrow()?;
    let stake = StakeAccount::load(&stake_data)?;
    // An undelegated account names no validator: the reference's error.
    let delegation = stake.delegation().ok_or(StakePoolError::WrongStakeStake)?;
    let vote = Address::new_from_array(
        delegation
            .voter()
            .try_into()
            .map_err(|_| ProgramError::InvalidAccountData)?,
    );
    let stake_already_deactivating = delegation.deactivation_epoch() != u64::MAX;
    drop(stake_data);

    let Some(entry) = list.find_mut(&vote)? else {
        log("Vote account not found in stake pool");
        return Err(StakePoolError::ValidatorNotFound.into());
    };
    pda::check_validator_stake(
        program_id,
        &vote,
        &pool_address,
        entry.validator_seed(),
        validator_stake.address(),
    )?;
    if entry.status()? != StakeStatus::Active {
        log("Validator is already marked for removal");
        return Err(StakePoolError::ValidatorNotFound.into());
    }

    let authority_seeds = pda::withdraw_authority_seeds(&pool_address, &bump);
    let new_status = if entry.transient_stake_lamports() > 0 {
        pda::check_transient_stake(
            program_id,
            &vote,
            &pool_address,
            entry.transient_seed(),
            transient_stake.address(),
        )?;
        // Only a transient the pool controls and that is still activating can (and must) be
        // deactivated; anything else is already on its way back.
        let transient_data = transient_stake.try_borrow()?;
        let must_deactivate = match StakeAccount::load(&transient_data) {
            Ok(transient) => {
                transient.kind() == StakeStateKind::Stake
                    && transient.is_usable_by_pool(withdraw_authority.address(), &lockup)
                    && transient
                        .delegation()
                        .is_some_and(|d| d.deactivation_epoch() == u64::MAX)
            }
            Err(_) => false,
        };
        drop(transient_data);
        if must_deactivate {
            cpi::stake::Deactivate {
                stake: transient_stake,
                clock,
                authority: withdraw_authority,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
        }
        StakeStatus::DeactivatingAll
    } else {
        StakeStatus::DeactivatingValidator
    };

    // Stake force-deactivated (e.g. deactivate-delinquent) needs no second deactivation.
    if !stake_already_deactivating {
        cpi::stake::Deactivate {
            stake: validator_stake,
            clock,
            authority: withdraw_authority,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
    }
    entry.set_status(new_status);

    // A removed validator can no longer be preferred: deposits or withdrawals pinned to it
    // would fail until the staker noticed.
    if tail.forget_preferred_validator(&vote) {
        tail.encode(&mut pool_data)?;
    }
    Ok(())
}
