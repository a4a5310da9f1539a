//! `SetFundingAuthority` (tag 15): makes deposits or SOL withdrawals permissioned (or open
//! again).
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Manager
//!   2. `[]` (optional) New authority; absent = open to everyone
//!
//! Data: funding type u8 (0 stake deposit, 1 SOL deposit, 2 SOL withdraw).

use crate::instruction::Invocation;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{
    checks::{check_manager, check_owner},
    DataReader,
};
use crate::{
    pda,
    state::stake_pool::{load_pool, StakePoolHeader},
};

const STAKE_DEPOSIT: u8 = 0;
const SOL_DEPOSIT: u8 = 1;
const SOL_WITHDRAW: u8 = 2;

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let funding_type = reader.u8()?;
    if funding_type > SOL_WITHDRAW {
        return Err(ProgramError::BorshIoError);
    }
    reader.finish()?;
    let [stake_pool, manager, rest @ ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let new_authority = rest.first().map(|account| *account.address());

    check_owner(stake_pool, program_id)?;
    let mut tail = {
        let data = stake_pool.try_borrow()?;
        let (pool, tail) = load_pool(&data)?;
        check_manager(pool, manager)?;
        tail
    };

    if funding_type == STAKE_DEPOSIT {
        // Stake deposits always have an authority; "open" means the pool's own deposit PDA.
        let authority = match new_authority {
            Some(authority) => authority,
            None => pda::find_deposit_authority(program_id, stake_pool.address())?.0,
        };
        StakePoolHeader::load_mut(&mut stake_pool.try_borrow_mut()?)?.stake_deposit_authority =
            authority;
        return Ok(());
    }
    let mut data = stake_pool.try_borrow_mut()?;
    match funding_type {
        SOL_DEPOSIT => tail.sol_deposit_authority = new_authority,
        _ => tail.sol_withdraw_authority = new_authority,
    }
    tail.encode(&mut data)
}
