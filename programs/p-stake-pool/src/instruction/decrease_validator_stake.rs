//! `DecreaseValidatorStakeWithReserve` (tag 21), `DecreaseAdditionalValidatorStake` (tag 20) and
//! the deprecated `DecreaseValidatorStake` (tag 3): the staker moves stake from a validator back
//! toward the reserve. The lamports are split from the validator stake into the transient stake
//! account and deactivated; the update merges the transient into the reserve once inactive.
//!
//! - `DecreaseValidatorStakeWithReserve` creates the transient, its rent-exempt reserve paid from
//!   the pool reserve (so the whole amount stays delegated until it cools down).
//! - `DecreaseAdditionalValidatorStake` goes through an ephemeral account (split, deactivated,
//!   then merged into the transient), so it can add to a transient deactivating this epoch.
//! - `DecreaseValidatorStake` creates the transient from the split alone (no reserve account);
//!   kept for old clients.
//!
//! Accounts (`DecreaseValidatorStakeWithReserve`):
//!   0. `[]` Stake pool
//!   1. `[s]` Staker
//!   2. `[]` Withdraw authority PDA
//!   3. `[w]` Validator list
//!   4. `[w]` Reserve stake (pays the transient's rent)
//!   5. `[w]` Validator stake account
//!   6. `[w]` Transient stake account, PDA `["transient", vote, pool, transient seed]`
//!   7. `[]` Clock sysvar
//!   8. `[]` Stake history sysvar
//!   9. `[]` System program
//!  10. `[]` Stake program
//!
//! `DecreaseAdditionalValidatorStake` inserts `[w]` the ephemeral stake account, PDA
//! `["ephemeral", pool, ephemeral seed]`, after the validator stake. `DecreaseValidatorStake`
//! has no reserve and takes the rent sysvar in place of the stake history.
//!
//! Data: lamports u64, transient seed u64 (+ ephemeral seed u64 for tag 20).

use crate::instruction::Invocation;
use pinocchio::{
    cpi::Signer, error::ProgramError, sysvars::clock::Clock, AccountView, Address, ProgramResult,
};

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

/// Which of the three decrease instructions is being served.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// `DecreaseValidatorStake`: no reserve, rent sysvar account.
    Legacy,
    /// `DecreaseValidatorStakeWithReserve`.
    WithReserve,
    /// `DecreaseAdditionalValidatorStake`: reserve and ephemeral account.
    Additional,
}

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
    variant: Variant,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let lamports = reader.u64()?;
    let transient_seed = reader.u64()?;
    let ephemeral_seed = if variant == Variant::Additional {
        Some(reader.u64()?)
    } else {
        None
    };
    reader.finish()?;

    let [stake_pool, staker, withdraw_authority, validator_list, rest @ ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let (reserve_stake, rest) = match (variant, rest) {
        (Variant::Legacy, rest) => (None, rest),
        (_, [reserve, rest @ ..]) => (Some(reserve), rest),
        (_, []) => return Err(ProgramError::NotEnoughAccountKeys),
    };
    let [validator_stake, rest @ ..] = rest else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let (ephemeral_stake, rest) = match (variant, rest) {
        (Variant::Additional, [ephemeral, rest @ ..]) => (Some(ephemeral), rest),
        (Variant::Additional, []) => return Err(ProgramError::NotEnoughAccountKeys),
        (_, rest) => (None, rest),
    };
    let [transient_stake, clock, sysvar_account, system_program, stake_program, ..] = rest else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    // Only the list is written through this program's borrow; the rest are read or CPI'd.
    let (reserve_stake, ephemeral_stake) = (reserve_stake.as_deref(), ephemeral_stake.as_deref());
    let (validator_stake, transient_stake) = (&*validator_stake, &*transient_stake);
    let epoch = Clock::from_account_view(clock)?.epoch;
    // The legacy variant names the rent sysvar where the others name the stake history
    // (which the stake program checks when it reads it).
    let stake_history = if variant == Variant::Legacy {
        if sysvar_account.address() != &RENT_SYSVAR {
            return Err(ProgramError::InvalidArgument);
        }
        None
    } else {
        Some(&*sysvar_account)
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
    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;
    if let Some(reserve_stake) = reserve_stake {
        check_reserve(pool, reserve_stake)?;
    }
    let bump = [pool.stake_withdraw_bump_seed];
    drop(pool_data);

    let validator_stake_rent = sysvar::rent_exempt_minimum(validator_stake.data_len())?;
    // The validator is named by the stake account's delegation; the PDA check below ties the
    // account to the pool's entry.
    let vote = {
        let stake_data = validator_stake.try_borrow()?;
        let stake = StakeAccount::load(&stake_data)?;
        let delegation = stake.delegation().ok_or(StakePoolError::WrongStakeStake)?;
        Address::new_from_array(
            delegation
                .voter()
                .try_into()
                .map_err(|_| ProgramError::InvalidAccountData)?,
        )
    };
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

    let transient_exists = entry.transient_stake_lamports() > 0;
    if transient_exists {
        // One transient per validator, always moving one way: only the additional variant may
        // add to it, with its seed, and only while it is deactivating since this epoch. An
        // activating transient must not be deactivated by a decrease (that would undo an
        // increase halfway and strand the rent).
        if ephemeral_seed.is_none() {
            log("Validator has pending transient stake: use DecreaseAdditionalValidatorStake");
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
        if delegation.deactivation_epoch() != epoch {
            log("Existing transient stake is not deactivating this epoch");
            return Err(StakePoolError::WrongStakeStake.into());
        }
    }

    if entry.status()? != StakeStatus::Active {
        log("Validator is marked for removal and no longer allows decreases");
        return Err(StakePoolError::ValidatorNotFound.into());
    }

    let stake_rent = sysvar::rent_exempt_minimum(STAKE_ACCOUNT_LEN)?;
    let stake_program_minimum = cpi::stake::minimum_delegation()?;
    if lamports < minimum_delegation(stake_program_minimum) {
        log("Decrease below the minimum delegation");
        return Err(ProgramError::AccountNotRentExempt);
    }
    // The validator stake keeps the minimum delegation plus rent, so it can always be split
    // from and never has to be recreated.
    let remaining_lamports = validator_stake
        .lamports()
        .checked_sub(lamports)
        .ok_or(ProgramError::InsufficientFunds)?;
    if remaining_lamports
        < validator_stake_rent.saturating_add(minimum_delegation(stake_program_minimum))
    {
        log("Validator stake would fall below the minimum after the decrease");
        return Err(ProgramError::InsufficientFunds);
    }

    let authority_seeds = pda::withdraw_authority_seeds(&pool_address, &bump);
    let (source, split_lamports) = match (ephemeral_seed, ephemeral_stake) {
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
            if let Some(reserve_stake) = reserve_stake {
                fund_rent_from_reserve(
                    reserve_stake,
                    ephemeral_stake,
                    stake_rent,
                    &Accounts {
                        clock,
                        stake_history,
                        withdraw_authority,
                    },
                    Signer::from(&authority_seeds),
                )?;
            }
            cpi::stake::Split {
                stake: validator_stake,
                split_to: ephemeral_stake,
                authority: withdraw_authority,
                lamports,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
            cpi::stake::Deactivate {
                stake: ephemeral_stake,
                clock,
                authority: withdraw_authority,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
            (ephemeral_stake, ephemeral_stake.lamports())
        }
        _ => (validator_stake, lamports),
    };

    let transient_bump = [pda::check_transient_stake(
        program_id,
        &vote,
        &pool_address,
        transient_seed,
        transient_stake.address(),
    )?];

    if transient_exists {
        // Both deactivating since this epoch: the stake program merges them.
        let stake_history = stake_history.ok_or(StakePoolError::MissingRequiredSysvar)?;
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
            pda::transient_stake_seeds(&vote, &pool_address, &seed_bytes, &transient_bump);
        cpi::system::allocate_and_assign_to_stake_program(
            transient_stake,
            STAKE_ACCOUNT_LEN as u64,
            Signer::from(&transient_seeds),
        )?;
        // A full split from the ephemeral carries its rent along; a partial split from the
        // validator stake needs the transient's rent from the reserve.
        if let Some(reserve_stake) = reserve_stake {
            if source.lamports() != split_lamports {
                fund_rent_from_reserve(
                    reserve_stake,
                    transient_stake,
                    stake_rent,
                    &Accounts {
                        clock,
                        stake_history,
                        withdraw_authority,
                    },
                    Signer::from(&authority_seeds),
                )?;
            }
        }
        cpi::stake::Split {
            stake: source,
            split_to: transient_stake,
            authority: withdraw_authority,
            lamports: split_lamports,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
        let still_delegated = {
            let transient_data = transient_stake.try_borrow()?;
            StakeAccount::load(&transient_data)
                .ok()
                .and_then(|t| t.delegation().map(|d| d.deactivation_epoch() == u64::MAX))
                .unwrap_or(false)
        };
        if still_delegated {
            cpi::stake::Deactivate {
                stake: transient_stake,
                clock,
                authority: withdraw_authority,
            }
            .invoke_signed(&[Signer::from(&authority_seeds)])?;
        }
    }

    let active_lamports = entry
        .active_stake_lamports()
        .checked_sub(lamports)
        .ok_or(StakePoolError::CalculationFailure)?;
    entry.set_active_stake_lamports(active_lamports);
    entry.set_transient_stake_lamports(transient_stake.lamports());
    entry.set_transient_seed(transient_seed);
    Ok(())
}

/// Sysvars and authority a withdrawal from the reserve needs.
struct Accounts<'a> {
    clock: &'a AccountView,
    stake_history: Option<&'a AccountView>,
    withdraw_authority: &'a AccountView,
}

/// Tops `stake` up to `stake_rent` from the reserve, which must keep more than it pays.
fn fund_rent_from_reserve(
    reserve_stake: &AccountView,
    stake: &AccountView,
    stake_rent: u64,
    accounts: &Accounts,
    signer: Signer,
) -> ProgramResult {
    let required = stake_rent.saturating_sub(stake.lamports());
    if required == 0 {
        return Ok(());
    }
    if required >= reserve_stake.lamports() {
        log("Reserve cannot pay the new stake account's rent");
        return Err(StakePoolError::ReserveDepleted.into());
    }
    let stake_history = accounts
        .stake_history
        .ok_or(StakePoolError::MissingRequiredSysvar)?;
    cpi::stake::Withdraw {
        stake: reserve_stake,
        recipient: stake,
        clock: accounts.clock,
        stake_history,
        authority: accounts.withdraw_authority,
        lamports: required,
    }
    .invoke_signed(&[signer])
}
