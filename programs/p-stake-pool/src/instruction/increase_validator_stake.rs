//! `IncreaseValidatorStake` (tag 4) and `IncreaseAdditionalValidatorStake` (tag 19): the
//! staker moves SOL from the reserve toward a validator. The lamports go into the validator's
//! transient stake account, delegated this epoch; the next update merges the transient into the
//! validator stake once it is active.
//!
//! `IncreaseValidatorStake` creates the transient and refuses while one exists.
//! `IncreaseAdditionalValidatorStake` goes through an ephemeral account (split from the reserve,
//! delegated, then merged into the transient), so it can add to a transient that is already
//! activating this epoch, or create one as the plain variant does.
//!
//! Accounts (`IncreaseValidatorStake`):
//!   0. `[]` Stake pool
//!   1. `[s]` Staker
//!   2. `[]` Withdraw authority PDA
//!   3. `[w]` Validator list
//!   4. `[w]` Reserve stake
//!   5. `[w]` Transient stake account, PDA `["transient", vote, pool, transient seed]`
//!   6. `[]` Validator stake account
//!   7. `[]` Validator vote account
//!   8. `[]` Clock sysvar
//!   9. `[]` Rent sysvar
//!  10. `[]` Stake history sysvar
//!  11. `[]` Stake config
//!  12. `[]` System program
//!  13. `[]` Stake program
//!
//! `IncreaseAdditionalValidatorStake` inserts `[w]` the ephemeral stake account, PDA
//! `["ephemeral", pool, ephemeral seed]`, after the reserve and has no rent sysvar account.
//!
//! Data: lamports u64, transient seed u64 (+ ephemeral seed u64 for tag 19).

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, sysvars::clock::Clock, ProgramResult};

use super::{
    add_validator_to_pool::minimum_delegation,
    checks::{check_owner, check_program, check_reserve, check_staker, check_validator_list},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::{RENT_SYSVAR, STAKE_PROGRAM, SYSTEM_PROGRAM},
    log, pda,
    state::{
        stake::{StakeAccount, STAKE_ACCOUNT_LEN},
        stake_pool::load_pool,
        validator_list::{StakeStatus, ValidatorList},
        AccountType,
    },
    sysvar,
};

/// The stake program's `InsufficientDelegation` error, which the reference returns here.
const STAKE_ERROR_INSUFFICIENT_DELEGATION: u32 = 12;

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
    additional: bool,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let lamports = reader.u64()?;
    let transient_seed = reader.u64()?;
    let ephemeral_seed = if additional {
        Some(reader.u64()?)
    } else {
        None
    };
    reader.finish()?;

    let [stake_pool, staker, withdraw_authority, validator_list, reserve_stake, rest @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let (ephemeral_stake, rest) = match (additional, rest) {
        (true, [ephemeral, rest @ ..]) => (Some(ephemeral), rest),
        (true, []) => return Err(ProgramError::NotEnoughAccountKeys),
        (false, rest) => (None, rest),
    };
    let [transient_stake, validator_stake, vote_account, clock, rest @ ..] = rest else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let epoch = Clock::from_account_view(clock)?.epoch;
    // The legacy variant names the rent sysvar; it must be the real one.
    let rest = if additional {
        rest
    } else {
        let [rent, rest @ ..] = rest else {
            return Err(ProgramError::NotEnoughAccountKeys);
        };
        if rent.address() != &RENT_SYSVAR {
            return Err(ProgramError::InvalidArgument);
        }
        rest
    };
    let [stake_history, stake_config, system_program, stake_program, ..] = rest else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    check_program(system_program, &SYSTEM_PROGRAM)?;
    check_program(stake_program, &STAKE_PROGRAM)?;

    check_owner(stake_pool, program_id)?;
    let pool_address = *stake_pool.address();
    let pool_data = stake_pool.try_borrow()?;
    let (pool, _) = load_pool(&pool_data)?;
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
    // Stake moves only in an updated pool, so the next update sees this epoch's changes only.
    if pool.last_update_epoch() < epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    check_validator_list(pool, validator_list)?;
    check_reserve(pool, reserve_stake)?;
    let bump = [pool.stake_withdraw_bump_seed];
    let lockup = pool.lockup;
    drop(pool_data);

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;
    let vote = vote_account.address();
    let Some(entry) = list.find_mut(vote)? else {
        log("Vote account not found in stake pool");
        return Err(StakePoolError::ValidatorNotFound.into());
    };

    let transient_exists = entry.transient_stake_lamports() > 0;
    if transient_exists {
        // One transient per validator, always moving one way: only the additional variant may
        // add to it, with its seed, and only while it is activating this epoch. A transient
        // that is deactivating must not be re-activated (that would undo a decrease halfway).
        if !additional {
            log("Validator has pending transient stake: use IncreaseAdditionalValidatorStake");
            return Err(StakePoolError::TransientAccountInUse.into());
        }
        if transient_seed != entry.transient_seed() {
            log("Transient stake exists with another seed");
            return Err(ProgramError::InvalidSeeds);
        }
        let transient_data = transient_stake.try_borrow()?;
        let transient = StakeAccount::load(&transient_data)?;
        let delegation = transient
            .delegation()
            .ok_or(StakePoolError::WrongStakeStake)?;
        if delegation.deactivation_epoch() != u64::MAX || delegation.activation_epoch() != epoch {
            log("Existing transient stake is not activating this epoch");
            return Err(StakePoolError::WrongStakeStake.into());
        }
    }

    // The validator stake must be the pool's, at its PDA, delegated to this vote account:
    // stake force-moved during a cluster restart cannot take more.
    check_owner(validator_stake, &STAKE_PROGRAM)?;
    pda::check_validator_stake(
        program_id,
        vote,
        &pool_address,
        entry.validator_seed(),
        validator_stake.address(),
    )?;
    {
        let stake_data = validator_stake.try_borrow()?;
        let stake = StakeAccount::load(&stake_data)?;
        let delegation = stake.delegation().ok_or(StakePoolError::WrongStakeStake)?;
        if !stake.is_usable_by_pool(withdraw_authority.address(), &lockup) {
            log("Validator stake not usable by pool");
            return Err(StakePoolError::WrongStakeStake.into());
        }
        if delegation.voter() != vote.as_ref() {
            log("Validator stake not delegated to the validator");
            return Err(StakePoolError::WrongStakeStake.into());
        }
    }

    if entry.status()? != StakeStatus::Active {
        log("Validator is marked for removal and no longer allows increases");
        return Err(StakePoolError::ValidatorNotFound.into());
    }

    let stake_rent = sysvar::rent_exempt_minimum(STAKE_ACCOUNT_LEN)?;
    if lamports < minimum_delegation(cpi::stake::minimum_delegation()?) {
        log("Increase below the minimum delegation");
        return Err(ProgramError::Custom(STAKE_ERROR_INSUFFICIENT_DELEGATION));
    }
    // The transient's rent comes back to the reserve when it merges, so the reserve pays
    // `lamports + rent` and must keep its own rent afterwards.
    let total_lamports = lamports.saturating_add(stake_rent);
    if reserve_stake.lamports().saturating_sub(total_lamports) < stake_rent {
        log("Reserve stake does not have enough lamports for the increase");
        return Err(ProgramError::InsufficientFunds);
    }

    let authority_seeds = pda::withdraw_authority_seeds(&pool_address, &bump);
    let source = match (ephemeral_seed, ephemeral_stake) {
        (Some(ephemeral_seed), Some(ephemeral_stake)) => {
            let ephemeral_bump = [pda::check_ephemeral_stake(
                program_id,
                &pool_address,
                ephemeral_seed,
                ephemeral_stake.address(),
            )?];
            let seed_bytes = ephemeral_seed.to_le_bytes();
            let ephemeral_seeds =
                pda::ephemeral_stake_seeds(&pool_address, &seed_bytes, &ephemeral_bump);
            cpi::system::allocate_and_assign_to_stake_program(
                ephemeral_stake,
                STAKE_ACCOUNT_LEN as u64,
                Signer::from(&ephemeral_seeds),
            )?;
            cpi::stake::Split {
                stake: reserve_stake,
                split_to: ephemeral_stake,
                authority: withdraw_authority,
                lamports: total_lamports,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
            cpi::stake::Delegate {
                stake: ephemeral_stake,
                vote: vote_account,
                clock,
                stake_history,
                stake_config,
                authority: withdraw_authority,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
            ephemeral_stake
        }
        _ => reserve_stake,
    };

    let transient_bump = [pda::check_transient_stake(
        program_id,
        vote,
        &pool_address,
        transient_seed,
        transient_stake.address(),
    )?];

    if transient_exists {
        // Both activating toward the same validator this epoch: the stake program merges them.
        cpi::stake::Merge {
            destination: transient_stake,
            source,
            clock,
            stake_history,
            authority: withdraw_authority,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
    } else {
        let seed_bytes = transient_seed.to_le_bytes();
        let transient_seeds =
            pda::transient_stake_seeds(vote, &pool_address, &seed_bytes, &transient_bump);
        cpi::system::allocate_and_assign_to_stake_program(
            transient_stake,
            STAKE_ACCOUNT_LEN as u64,
            Signer::from(&transient_seeds),
        )?;
        cpi::stake::Split {
            stake: source,
            split_to: transient_stake,
            authority: withdraw_authority,
            lamports: total_lamports,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
        // Split from the reserve, the transient is only initialized; split from the
        // ephemeral, it is already delegated this epoch.
        let needs_delegation = {
            let transient_data = transient_stake.try_borrow()?;
            !StakeAccount::load(&transient_data)
                .ok()
                .and_then(|t| t.delegation().map(|d| d.activation_epoch() <= epoch))
                .unwrap_or(false)
        };
        if needs_delegation {
            cpi::stake::Delegate {
                stake: transient_stake,
                vote: vote_account,
                clock,
                stake_history,
                stake_config,
                authority: withdraw_authority,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
        }
    }

    let transient_lamports = entry
        .transient_stake_lamports()
        .checked_add(total_lamports)
        .ok_or(StakePoolError::CalculationFailure)?;
    entry.set_transient_stake_lamports(transient_lamports);
    entry.set_transient_seed(transient_seed);
    Ok(())
}
