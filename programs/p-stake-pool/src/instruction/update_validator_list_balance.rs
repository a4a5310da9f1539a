//! `UpdateValidatorListBalance` (tag 6): the first step of the per-epoch crank, refreshing
//! validator entries `start_index..start_index + N` from N (validator stake, transient stake)
//! account pairs.
//!
//! Accounts:
//!   0. `[]` Stake pool
//!   1. `[]` Withdraw authority PDA
//!   2. `[w]` Validator list
//!   3. `[w]` Reserve stake
//!   4. `[]` Clock sysvar
//!   5. `[]` Stake history sysvar
//!   6. `[]` Stake program
//!   7. `[w]` N pairs of validator stake and transient stake accounts, from index 7 on
//!
//! Data: start index u32, no_merge bool.
//!
//! Per pair: a transient that finished deactivating merges into the reserve, one that finished
//! activating merges into the validator stake; lamports above a validator stake's delegation
//! and rent (tips, donations) go to the reserve; a removed validator's stake merges into the
//! reserve once inactive. Then the entry records its active and transient lamports and the
//! epoch. Accounts that are not at the entry's PDAs are skipped, and stake the pool does not
//! fully control (other authorities, other lockup, delegated elsewhere) is never counted.

use crate::instruction::Invocation;
use pinocchio::{
    cpi::{Seed, Signer},
    error::ProgramError,
    sysvars::clock::Clock,
    AccountView, Address, ProgramResult,
};

use super::{
    checks::{check_owner, check_program, check_reserve, check_validator_list},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, pda,
    state::{
        stake::{StakeAccount, StakeStateKind, STAKE_ACCOUNT_LEN},
        stake_pool::load_pool,
        validator_list::{StakeStatus, ValidatorList, ValidatorStakeInfo},
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
    let mut reader = DataReader::new(data);
    let start_index = reader.u32()?;
    let no_merge = reader.bool()?;
    reader.finish()?;

    let [stake_pool, withdraw_authority, validator_list, reserve_stake, clock, stake_history, stake_program, pairs @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    // The clock comes from the account the caller names, which must be the real sysvar.
    let epoch = Clock::from_account_view(clock)?.epoch;

    check_owner(stake_pool, program_id)?;
    let pool_address = *stake_pool.address();
    let (bump, lockup) = {
        let data = stake_pool.try_borrow()?;
        let (pool, _) = load_pool(&data)?;
        // A substituted list or reserve would let the crank record someone else's balances.
        check_validator_list(pool, validator_list)?;
        pda::check_withdraw_authority(
            program_id,
            stake_pool.address(),
            pool.stake_withdraw_bump_seed,
            withdraw_authority.address(),
        )?;
        check_reserve(pool, reserve_stake)?;
        (pool.stake_withdraw_bump_seed, pool.lockup)
    };
    check_program(stake_program, &STAKE_PROGRAM)?;

    // While partitioned rewards are paid, stake balances are mid-change: recording them now
    // would count part of the rewards this epoch and the rest as next epoch's growth.
    if sysvar::epoch_rewards_active()? {
        return Err(StakePoolError::EpochRewardDistributionInProgress.into());
    }
    if pairs.len() % 2 != 0 {
        log("Odd number of validator stake accounts passed in, should be pairs");
        return Err(StakePoolError::UnexpectedValidatorListAccountSize.into());
    }

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load(&mut list_data)?;
    let list_account_type = list.account_type();
    let entries = list.entries_mut(start_index as usize, pairs.len() / 2)?;
    if list_account_type != crate::state::AccountType::ValidatorList as u8 {
        return Err(StakePoolError::InvalidState.into());
    }

    let stake_rent = sysvar::rent_exempt_minimum(STAKE_ACCOUNT_LEN)?;
    let crank = Crank {
        pool: &pool_address,
        withdraw_authority,
        reserve_stake,
        clock,
        stake_history,
        bump: [bump],
        lockup,
        epoch,
        no_merge,
    };
    for (entry, pair) in entries.iter_mut().zip(pairs.chunks_exact(2)) {
        let [validator_stake, transient_stake] = pair else {
            continue;
        };
        crank.update_entry(
            program_id,
            entry,
            validator_stake,
            transient_stake,
            stake_rent,
        )?;
    }
    Ok(())
}

/// What every pair's update needs.
struct Crank<'a> {
    pool: &'a Address,
    withdraw_authority: &'a AccountView,
    reserve_stake: &'a AccountView,
    clock: &'a AccountView,
    stake_history: &'a AccountView,
    bump: [u8; 1],
    lockup: [u8; 48],
    epoch: u64,
    no_merge: bool,
}

impl Crank<'_> {
    fn signer_seeds(&self) -> [Seed<'_>; 3] {
        pda::withdraw_authority_seeds(self.pool, &self.bump)
    }

    /// `source` into `destination`, signed by the withdraw authority.
    fn merge(&self, destination: &AccountView, source: &AccountView) -> ProgramResult {
        let seeds = self.signer_seeds();
        cpi::stake::Merge {
            destination,
            source,
            clock: self.clock,
            stake_history: self.stake_history,
            authority: self.withdraw_authority,
        }
        .invoke_signed(&[Signer::from(&seeds)])
    }

    fn update_entry(
        &self,
        program_id: &Address,
        entry: &mut ValidatorStakeInfo,
        validator_stake: &AccountView,
        transient_stake: &AccountView,
        stake_rent: u64,
    ) -> ProgramResult {
        let vote = entry.vote_account_address;
        // Accounts not at this entry's addresses are skipped, never counted: anyone can run
        // the crank, so the pairs are untrusted.
        let (expected, _) =
            pda::find_validator_stake(program_id, &vote, self.pool, entry.validator_seed())?;
        if expected != *validator_stake.address() {
            return Ok(());
        }
        let (expected, _) =
            pda::find_transient_stake(program_id, &vote, self.pool, entry.transient_seed())?;
        if expected != *transient_stake.address() {
            return Ok(());
        }
        let status = entry.status()?;
        let mut status_after = status;
        let mut active_stake_lamports = 0u64;
        let mut transient_stake_lamports = 0u64;
        let authority = self.withdraw_authority.address();

        // Transient stake: inactive -> reserve; active (entry active) -> validator stake;
        // activating or deactivating -> just counted; not the pool's -> ignored.
        if entry.transient_stake_lamports() != 0 {
            let transient_data = transient_stake.try_borrow()?;
            let usable = StakeAccount::load(&transient_data)
                .ok()
                .filter(|t| t.is_usable_by_pool(authority, &self.lockup));
            match usable {
                Some(transient) if transient.kind() == StakeStateKind::Initialized => {
                    drop(transient_data);
                    if self.no_merge {
                        transient_stake_lamports = transient_stake.lamports();
                    } else {
                        self.merge(self.reserve_stake, transient_stake)?;
                        status_after = status_after.without_transient_stake();
                    }
                }
                Some(transient) => {
                    let delegation = transient.delegation();
                    let inactive = delegation
                        .as_ref()
                        .is_some_and(|d| d.is_inactive_without_history(self.epoch));
                    let activated_before_now = delegation
                        .as_ref()
                        .is_some_and(|d| d.activation_epoch() < self.epoch);
                    let still_delegated = delegation
                        .as_ref()
                        .is_some_and(|d| d.deactivation_epoch() == u64::MAX);
                    drop(transient_data);
                    if !self.no_merge {
                        if inactive {
                            self.merge(self.reserve_stake, transient_stake)?;
                            status_after = status_after.without_transient_stake();
                        } else if status == StakeStatus::Active {
                            // Only an activating transient joins the validator stake. One that
                            // is deactivating (a decrease this epoch) waits for the reserve:
                            // the stake program refuses to merge it, and the reference's crank
                            // then fails for the rest of the epoch.
                            if still_delegated
                                && activated_before_now
                                && self.validator_stake_activated_before_now(validator_stake)?
                            {
                                self.merge(validator_stake, transient_stake)?;
                            } else {
                                log("Transient stake not ready to be merged anywhere");
                            }
                        } else if still_delegated {
                            // The validator is being removed: its transient must come home.
                            let seeds = self.signer_seeds();
                            cpi::stake::Deactivate {
                                stake: transient_stake,
                                clock: self.clock,
                                authority: self.withdraw_authority,
                            }
                            .invoke_signed(&[Signer::from(&seeds)])?;
                        }
                    }
                    transient_stake_lamports = transient_stake.lamports();
                }
                None => {}
            }
        }

        // Validator stake.
        let stake_data = validator_stake.try_borrow()?;
        let stake = StakeAccount::load(&stake_data)
            .ok()
            .filter(|s| s.is_usable_by_pool(authority, &self.lockup));
        match stake {
            Some(stake) if stake.kind() == StakeStateKind::Stake => {
                let delegation = stake.delegation();
                // Delegated elsewhere would mean the pool no longer backs this validator:
                // never count it (the reference does not check; the pool's own signature is
                // the only way it could happen, so this is defence in depth).
                let delegated_here = delegation
                    .as_ref()
                    .is_some_and(|d| d.voter() == vote.as_ref());
                let delegated = delegation.as_ref().map_or(0, |d| d.stake());
                let inactive = delegation
                    .as_ref()
                    .is_some_and(|d| d.is_inactive_without_history(self.epoch));
                drop(stake_data);
                if delegated_here {
                    // Tips and donations above delegation + rent belong in the reserve.
                    let excess = validator_stake
                        .lamports()
                        .saturating_sub(delegated)
                        .saturating_sub(stake_rent);
                    if excess > 0 {
                        let seeds = self.signer_seeds();
                        cpi::stake::Withdraw {
                            stake: validator_stake,
                            recipient: self.reserve_stake,
                            clock: self.clock,
                            stake_history: self.stake_history,
                            authority: self.withdraw_authority,
                            lamports: excess,
                        }
                        .invoke_signed(&[Signer::from(&seeds)])?;
                    }
                    match status {
                        StakeStatus::Active => active_stake_lamports = validator_stake.lamports(),
                        StakeStatus::DeactivatingValidator | StakeStatus::DeactivatingAll => {
                            if !self.no_merge && inactive {
                                // Removed through normal means: back to the reserve.
                                self.merge(self.reserve_stake, validator_stake)?;
                                status_after = status_after.without_validator_stake();
                            } else {
                                active_stake_lamports = validator_stake.lamports();
                            }
                        }
                        StakeStatus::DeactivatingTransient | StakeStatus::ReadyForRemoval => {
                            log("Validator stake account no longer part of the pool, ignoring");
                        }
                    }
                } else {
                    log("Validator stake delegated elsewhere, ignoring");
                }
            }
            Some(_)
                if matches!(
                    status,
                    StakeStatus::DeactivatingTransient | StakeStatus::ReadyForRemoval
                ) =>
            {
                // The entry's validator stake is already gone: an account at its address now is
                // not the pool's stake, whatever its authorities say (the reference absorbs it;
                // only the pool itself could have put one there, so this is defence in depth).
                log("Validator stake account no longer part of the pool, ignoring");
            }
            Some(_) => {
                // Initialized (destaked during a restart, or removed): absorb into the reserve.
                drop(stake_data);
                self.merge(self.reserve_stake, validator_stake)?;
                status_after = if transient_stake_lamports != 0 {
                    StakeStatus::DeactivatingTransient
                } else {
                    StakeStatus::ReadyForRemoval
                };
            }
            None => {
                log("Validator stake account no longer part of the pool, ignoring");
            }
        }

        entry.set_status(status_after);
        entry.set_last_update_epoch(self.epoch);
        entry.set_active_stake_lamports(active_stake_lamports);
        entry.set_transient_stake_lamports(transient_stake_lamports);
        Ok(())
    }

    /// The validator stake must have finished activating before a transient joins it.
    fn validator_stake_activated_before_now(
        &self,
        validator_stake: &AccountView,
    ) -> Result<bool, ProgramError> {
        let data = validator_stake.try_borrow()?;
        Ok(StakeAccount::load(&data)
            .ok()
            .and_then(|s| s.delegation().map(|d| d.activation_epoch() < self.epoch))
            .unwrap_or(false))
    }
}
