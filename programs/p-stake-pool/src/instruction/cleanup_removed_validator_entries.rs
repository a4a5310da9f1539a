//! `CleanupRemovedValidatorEntries` (tag 8): drops list entries whose stake has fully
//! returned to the reserve, and clears preferred validators that are gone or inactive.
//!
//! Accounts:
//!   0. `[w]` Stake pool (preferred validators are only cleared when writable)
//!   1. `[w]` Validator list
//!
//! Data: none.

use crate::instruction::Invocation;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{
    checks::{check_owner, check_validator_list},
    DataReader,
};
use crate::state::{
    stake_pool::load_pool,
    validator_list::{StakeStatus, ValidatorList},
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
    let [stake_pool, validator_list, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    check_owner(stake_pool, program_id)?;
    let mut tail = {
        let data = stake_pool.try_borrow()?;
        let (pool, tail) = load_pool(&data)?;
        check_validator_list(pool, validator_list)?;
        tail
    };

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;
    list.retain_unremoved()?;

    if stake_pool.is_writable() {
        // A preferred validator that left the pool (or is leaving) would make every deposit
        // or withdrawal that must use it fail: clear it.
        let mut changed = false;
        for preferred in [
            &mut tail.preferred_deposit_validator,
            &mut tail.preferred_withdraw_validator,
        ] {
            if let Some(vote_account) = preferred {
                let still_active = list
                    .find(vote_account)?
                    .is_some_and(|entry| entry.status_byte() == StakeStatus::Active as u8);
                if !still_active {
                    *preferred = None;
                    changed = true;
                }
            }
        }
        if changed {
            drop(list_data);
            tail.encode(&mut stake_pool.try_borrow_mut()?)?;
        }
    }
    Ok(())
}
