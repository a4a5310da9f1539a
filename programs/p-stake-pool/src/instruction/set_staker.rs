//! `SetStaker` (tag 13): replaces the staker, the authority that manages validators.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Manager or current staker
//!   2. `[]` New staker
//!
//! Data: none.

use crate::instruction::Invocation;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{checks::check_owner, DataReader};
use crate::{
    error::StakePoolError,
    state::stake_pool::{load_pool, StakePoolHeader},
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
    let [stake_pool, authority, new_staker, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    check_owner(stake_pool, program_id)?;
    {
        let data = stake_pool.try_borrow()?;
        let (pool, _) = load_pool(&data)?;
        // Either the staker (handing over its own role) or the manager (who outranks it).
        let is_staker_or_manager =
            *authority.address() == pool.staker || *authority.address() == pool.manager;
        if !is_staker_or_manager || !authority.is_signer() {
            return Err(StakePoolError::SignatureMissing.into());
        }
    }

    let mut data = stake_pool.try_borrow_mut()?;
    StakePoolHeader::load_mut(&mut data)?.staker = *new_staker.address();
    Ok(())
}
