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
//! This release serves pools whose list holds no validators yet (adding validators is not
//! served, so no pool can have entries): the instruction validates every account and the
//! requested range, which for an empty list admits no pairs.

use pinocchio::{error::ProgramError, sysvars::clock::Clock, AccountView, Address, ProgramResult};

use super::{
    checks::{check_owner, check_program, check_reserve},
    DataReader,
};
use crate::{
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, pda,
    state::{stake_pool::load_pool, validator_list::ValidatorList},
    sysvar,
};

pub fn process(program_id: &Address, accounts: &mut [AccountView], data: &[u8]) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let start_index = reader.u32()?;
    let _no_merge = reader.bool()?;
    reader.finish()?;

    let [stake_pool, withdraw_authority, validator_list, reserve_stake, clock, _stake_history, stake_program, pairs @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    // The clock comes from the account the caller names, which must be the real sysvar.
    let _epoch = Clock::from_account_view(clock)?.epoch;

    check_owner(stake_pool, program_id)?;
    {
        let data = stake_pool.try_borrow()?;
        let (pool, _) = load_pool(&data)?;
        // A substituted list or reserve would let the crank record someone else's balances.
        if *validator_list.address() != pool.validator_list {
            log("Invalid validator list provided");
            return Err(StakePoolError::InvalidValidatorStakeList.into());
        }
        pda::check_withdraw_authority(
            program_id,
            stake_pool.address(),
            pool.stake_withdraw_bump_seed,
            withdraw_authority.address(),
        )?;
        check_reserve(pool, reserve_stake)?;
    }
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
    let list = ValidatorList::load(&mut list_data)?;
    let entries = list.entries(start_index as usize, pairs.len() / 2)?;
    if list.account_type() != crate::state::AccountType::ValidatorList as u8 {
        return Err(StakePoolError::InvalidState.into());
    }
    // No validator can be in the list until validator management is served, so the range
    // above is empty whenever it is valid.
    if !entries.is_empty() {
        log("Validator entries cannot be updated by this release");
        return Err(ProgramError::InvalidInstructionData);
    }
    Ok(())
}
