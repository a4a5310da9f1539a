//! `SetPreferredValidator` (tag 5): the staker pins stake deposits or withdrawals to one
//! validator (or clears the pin). Deposits of stake must then go to it, and withdrawals of
//! stake must come from it while it holds more than the tolerance.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Staker
//!   2. `[]` Validator list
//!
//! Data: validator type u8 (0 = deposit, 1 = withdraw), optional vote account (Borsh
//! `Option<Pubkey>`).

use crate::instruction::Invocation;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{
    checks::{check_owner, check_staker, check_validator_list},
    DataReader,
};
use crate::{
    error::StakePoolError,
    log,
    state::{
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
    let mut reader = DataReader::new(data);
    let for_withdrawals = match reader.u8()? {
        0 => false,
        1 => true,
        _ => return Err(ProgramError::BorshIoError),
    };
    let vote = reader.option_address()?;
    reader.finish()?;

    let [stake_pool, staker, validator_list, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    check_owner(stake_pool, program_id)?;
    check_owner(validator_list, program_id)?;

    let mut pool_data = stake_pool.try_borrow_mut()?;
    let (pool, mut tail) = load_pool(&pool_data)?;
    if pool.account_type()? != AccountType::StakePool {
        return Err(StakePoolError::InvalidState.into());
    }
    check_staker(pool, staker)?;
    check_validator_list(pool, validator_list)?;

    let mut list_data = validator_list.try_borrow_mut()?;
    let list = ValidatorList::load_initialized(&mut list_data)?;
    if let Some(vote) = &vote {
        // Only a validator that is in the pool and staying: a pin to anything else would make
        // every stake deposit (or withdrawal) fail.
        match list.find(vote)? {
            Some(entry) if entry.status_byte() == StakeStatus::Active as u8 => {}
            Some(_) => {
                log("Validator is being removed and cannot be preferred");
                return Err(StakePoolError::InvalidPreferredValidator.into());
            }
            None => {
                log("Validator not in the pool cannot be preferred");
                return Err(StakePoolError::ValidatorNotFound.into());
            }
        }
    }

    if for_withdrawals {
        tail.preferred_withdraw_validator = vote;
    } else {
        tail.preferred_deposit_validator = vote;
    }
    tail.encode(&mut pool_data)
}
