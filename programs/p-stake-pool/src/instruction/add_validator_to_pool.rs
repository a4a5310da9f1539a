//! `AddValidatorToPool` (tag 1): the staker adds a validator. The validator's stake account
//! is created at its PDA and funded from the reserve with the minimum delegation plus rent,
//! then delegated to the vote account.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Staker
//!   2. `[w]` Reserve stake (pays for the new stake account)
//!   3. `[]` Withdraw authority PDA
//!   4. `[w]` Validator list
//!   5. `[w]` Validator stake account, PDA `[vote, pool, seed?]`
//!   6. `[]` Validator vote account
//!   7. `[]` Rent sysvar
//!   8. `[]` Clock sysvar
//!   9. `[]` Stake history sysvar
//!  10. `[]` Stake config
//!  11. `[]` System program
//!  12. `[]` Stake program
//!
//! Data: optional validator seed u32 (0 = no seed), always present in the encoding.

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, sysvars::clock::Clock, ProgramResult};

use super::{
    checks::{check_owner, check_program, check_reserve, check_staker, check_validator_list},
    DataReader,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::{RENT_SYSVAR, STAKE_PROGRAM, SYSTEM_PROGRAM},
    log, pda,
    state::{
        stake::STAKE_ACCOUNT_LEN,
        stake_pool::load_pool,
        validator_list::{ValidatorList, ValidatorStakeInfo, MAX_VALIDATORS_IN_POOL},
        AccountType,
    },
    sysvar,
};

pub use p_stake_pool_interface::math::{minimum_delegation, MINIMUM_ACTIVE_STAKE};

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let validator_seed = reader.u32()?;
    reader.finish()?;

    let [stake_pool, staker, reserve_stake, withdraw_authority, validator_list, validator_stake, vote_account, rent, clock, stake_history, stake_config, system_program, stake_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    // Rent and clock come from the named accounts, which must be the real sysvars.
    if rent.address() != &RENT_SYSVAR {
        return Err(ProgramError::InvalidArgument);
    }
    let epoch = Clock::from_account_view(clock)?.epoch;
    check_program(system_program, &SYSTEM_PROGRAM)?;
    check_program(stake_program, &STAKE_PROGRAM)?;

    check_owner(stake_pool, program_id)?;
    let pool_data = stake_pool.try_borrow()?;
    let (pool, _) = load_pool(&pool_data)?;
    if pool.account_type()? != AccountType::StakePool {
        return Err(StakePoolError::InvalidState.into());
    }
    pda::check_withdraw_authority(
        program_id,
        stake_pool.address(),
        pool.stake_withdraw_bump_seed,
        withdraw_authority.address(),
    )?;
    check_staker(pool, staker)?;
    check_reserve(pool, reserve_stake)?;
    check_validator_list(pool, validator_list)?;
    // Stake moves only in an updated pool: otherwise the totals the update will record would
    // mix this epoch's changes with last epoch's balances.
    if pool.last_update_epoch() < epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    let bump = [pool.stake_withdraw_bump_seed];
    drop(pool_data);

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;
    if list.len() >= list.max_validators() {
        return Err(ProgramError::AccountDataTooSmall);
    }
    if list.len() >= MAX_VALIDATORS_IN_POOL {
        return Err(StakePoolError::TooManyValidatorsInPool.into());
    }
    if list.find(vote_account.address())?.is_some() {
        return Err(StakePoolError::ValidatorAlreadyAdded.into());
    }

    // Only the canonical PDA: the update and withdrawals find the stake by re-deriving it.
    let stake_bump = pda::check_validator_stake(
        program_id,
        vote_account.address(),
        stake_pool.address(),
        validator_seed,
        validator_stake.address(),
    )?;

    let stake_rent = sysvar::rent_exempt_minimum(STAKE_ACCOUNT_LEN)?;
    let required_lamports =
        minimum_delegation(cpi::stake::minimum_delegation()?).saturating_add(stake_rent);
    // The reserve must stay rent-exempt after paying: a reserve below rent could not split
    // or be merged into, which would freeze every later rebalance.
    let reserve_rent = sysvar::rent_exempt_minimum(reserve_stake.data_len())?;
    if reserve_stake.lamports().saturating_sub(required_lamports) < reserve_rent {
        log("Reserve cannot pay for a new validator and stay rent-exempt");
        return Err(ProgramError::InsufficientFunds);
    }

    let seed_bytes = validator_seed.to_le_bytes();
    let stake_bump = [stake_bump];
    let vote_seed = pinocchio::cpi::Seed::from(vote_account.address().as_ref());
    let pool_seed = pinocchio::cpi::Seed::from(stake_pool.address().as_ref());
    let stake_signer_seeds;
    let short_seeds;
    let stake_signer = if validator_seed == 0 {
        short_seeds = [
            vote_seed,
            pool_seed,
            pinocchio::cpi::Seed::from(&stake_bump),
        ];
        Signer::from(&short_seeds)
    } else {
        stake_signer_seeds = [
            vote_seed,
            pool_seed,
            pinocchio::cpi::Seed::from(&seed_bytes),
            pinocchio::cpi::Seed::from(&stake_bump),
        ];
        Signer::from(&stake_signer_seeds)
    };
    cpi::system::allocate_and_assign_to_stake_program(
        validator_stake,
        STAKE_ACCOUNT_LEN as u64,
        stake_signer,
    )?;
    let authority_seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    cpi::stake::Split {
        stake: reserve_stake,
        split_to: validator_stake,
        authority: withdraw_authority,
        lamports: required_lamports,
    }
    .invoke_signed(&[Signer::from(&authority_seeds)])?;
    cpi::stake::Delegate {
        stake: validator_stake,
        vote: vote_account,
        clock,
        stake_history,
        stake_config,
        authority: withdraw_authority,
    }
    .invoke_signed(&[Signer::from(&authority_seeds)])?;

    list.push(ValidatorStakeInfo::new_active(
        vote_account.address(),
        validator_seed,
        required_lamports,
        epoch,
    ))
}
