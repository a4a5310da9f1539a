//! `SetManager` (tag 11): hands the pool to a new manager and fee account.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Current manager
//!   2. `[s]` New manager (must sign, so nobody is made manager by mistake)
//!   3. `[]` New manager fee token account
//!
//! Data: none.

use crate::instruction::Invocation;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{
    checks::{check_manager, check_owner},
    DataReader,
};
use crate::{
    error::StakePoolError,
    log,
    state::{
        stake_pool::{StakePoolHeader, StakePoolTail},
        token::check_manager_fee_account,
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
    let [stake_pool, manager, new_manager, new_manager_fee_account, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    check_owner(stake_pool, program_id)?;
    {
        let data = stake_pool.try_borrow()?;
        // Same order as the reference: decode, fee account owner, then the pool's type.
        let header = StakePoolHeader::load(&data)?;
        header.account_type()?;
        StakePoolTail::decode(&data)?;
        if !new_manager_fee_account.owned_by(&header.token_program_id) {
            return Err(ProgramError::IncorrectProgramId);
        }
        let pool = StakePoolHeader::load_initialized(&data)?;
        check_manager(pool, manager)?;
        if !new_manager.is_signer() {
            log("New manager signature missing");
            return Err(StakePoolError::SignatureMissing.into());
        }
        // The new fee account must be able to receive fees in the pool token.
        check_manager_fee_account(
            new_manager_fee_account,
            &pool.token_program_id,
            &pool.pool_mint,
        )?;
    }

    let mut data = stake_pool.try_borrow_mut()?;
    let pool = StakePoolHeader::load_mut(&mut data)?;
    pool.manager = *new_manager.address();
    pool.manager_fee_account = *new_manager_fee_account.address();
    Ok(())
}
