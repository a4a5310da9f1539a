//! Checks that several instructions share. Each exists to stop a specific substitution.

use pinocchio::{error::ProgramError, AccountView, Address};

use crate::{
    error::StakePoolError,
    log,
    state::{stake_pool::StakePoolHeader, token::check_manager_fee_account},
};

/// Pool-owned accounts (pool, validator list) must belong to this program: anyone can create
/// an account with the right bytes, only this program can own it.
#[inline(always)]
pub fn check_owner(account: &AccountView, program_id: &Address) -> Result<(), ProgramError> {
    if !account.owned_by(program_id) {
        log("Account not owned by the expected program");
        return Err(ProgramError::IncorrectProgramId);
    }
    Ok(())
}

/// The manager must be the stored manager and must sign.
#[inline(always)]
pub fn check_manager(pool: &StakePoolHeader, manager: &AccountView) -> Result<(), ProgramError> {
    if *manager.address() != pool.manager {
        log("Incorrect manager provided");
        return Err(StakePoolError::WrongManager.into());
    }
    if !manager.is_signer() {
        log("Manager signature missing");
        return Err(StakePoolError::SignatureMissing.into());
    }
    Ok(())
}

/// A program id passed as an account must be the expected program: CPI into a substituted
/// program would hand it the pool's signatures.
#[inline(always)]
pub fn check_program(account: &AccountView, expected: &Address) -> Result<(), ProgramError> {
    if account.address() != expected {
        log("Incorrect program id provided");
        return Err(ProgramError::IncorrectProgramId);
    }
    Ok(())
}

/// The reserve must be the pool's stored reserve: a substituted reserve would let an update
/// count someone else's lamports or a withdrawal drain the wrong account.
#[inline(always)]
pub fn check_reserve(pool: &StakePoolHeader, reserve: &AccountView) -> Result<(), ProgramError> {
    if *reserve.address() != pool.reserve_stake {
        log("Invalid reserve stake provided");
        return Err(StakePoolError::InvalidProgramAddress.into());
    }
    Ok(())
}

/// The pool mint must be the stored mint; returns its decimals (the mint must unpack).
#[inline(always)]
pub fn check_pool_mint(pool: &StakePoolHeader, mint: &AccountView) -> Result<u8, ProgramError> {
    if *mint.address() != pool.pool_mint {
        return Err(StakePoolError::WrongPoolMint.into());
    }
    let data = mint.try_borrow()?;
    Ok(crate::state::token::Mint::load(&data)?.decimals())
}

/// An optional funding authority (SOL deposit / SOL withdraw): when the pool sets one, the
/// instruction must carry it as a signer; otherwise anyone may call.
#[inline(always)]
pub fn check_funding_authority(
    required: Option<&Address>,
    provided: Option<&AccountView>,
    wrong_authority: StakePoolError,
) -> Result<(), ProgramError> {
    if let Some(required) = required {
        let provided = provided.ok_or(ProgramError::NotEnoughAccountKeys)?;
        if provided.address() != required {
            return Err(wrong_authority.into());
        }
        if !provided.is_signer() {
            log("Funding authority signature missing");
            return Err(StakePoolError::SignatureMissing.into());
        }
    }
    Ok(())
}

/// Whether the stored manager fee account can receive fees in the pool token. Withdrawals
/// and updates skip the fee when it cannot, so a broken fee account never blocks users.
#[inline(always)]
pub fn manager_fee_account_usable(
    pool: &StakePoolHeader,
    manager_fee_account: &AccountView,
) -> Result<bool, ProgramError> {
    Ok(
        check_manager_fee_account(manager_fee_account, &pool.token_program_id, &pool.pool_mint)
            .is_ok(),
    )
}

/// The staker must be the stored staker and must sign: only it moves stake between
/// validators.
#[inline(always)]
pub fn check_staker(pool: &StakePoolHeader, staker: &AccountView) -> Result<(), ProgramError> {
    if *staker.address() != pool.staker {
        log("Incorrect staker provided");
        return Err(StakePoolError::WrongStaker.into());
    }
    if !staker.is_signer() {
        log("Staker signature missing");
        return Err(StakePoolError::SignatureMissing.into());
    }
    Ok(())
}

/// The validator list must be the pool's: a substituted list could record stake the pool
/// does not hold.
#[inline(always)]
pub fn check_validator_list(
    pool: &StakePoolHeader,
    validator_list: &AccountView,
) -> Result<(), ProgramError> {
    if *validator_list.address() != pool.validator_list {
        log("Invalid validator list provided");
        return Err(StakePoolError::InvalidValidatorStakeList.into());
    }
    Ok(())
}
