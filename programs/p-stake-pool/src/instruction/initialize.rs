//! `Initialize` (tag 0): creates a pool.
//!
//! Accounts:
//!   0. `[w]` New stake pool (owned by this program, zeroed, rent-exempt)
//!   1. `[s]` Manager
//!   2. `[]` Staker
//!   3. `[]` Withdraw authority PDA `[pool, "withdraw"]`
//!   4. `[w]` Uninitialized validator list (owned by this program, rent-exempt)
//!   5. `[]` Reserve stake: initialized, staker = withdrawer = withdraw authority, no lockup
//!   6. `[w]` Pool mint: supply 0, 9 decimals, mint authority = withdraw authority
//!   7. `[w]` Manager fee token account of the pool mint
//!   8. `[]` Token program (SPL Token or Token-2022)
//!   9. `[]` (optional) Deposit authority that must sign every deposit
//!
//! Data: epoch fee, withdrawal fee, deposit fee (each `Fee`), referral fee u8, max validators u32.

use crate::instruction::Invocation;
use pinocchio::{cpi::Signer, error::ProgramError, ProgramResult};

use super::{checks::check_owner, DataReader};
use crate::{
    cpi,
    error::StakePoolError,
    ids::{is_supported_token_program, STAKE_PROGRAM},
    log, pda,
    state::{
        stake::{StakeAccount, StakeStateKind, NO_LOCKUP},
        stake_pool::{FutureFee, StakePoolHeader, StakePoolTail},
        token::{check_manager_fee_account, Mint},
        validator_list::{
            max_validators_for_len, ValidatorList, ENTRY_LEN, HEADER_LEN, MAX_VALIDATORS_IN_POOL,
        },
        AccountType,
    },
    sysvar,
};

/// Pool tokens carry SOL's 9 decimals so one token starts at one SOL.
const POOL_MINT_DECIMALS: u8 = 9;

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let epoch_fee = reader.fee()?;
    let withdrawal_fee = reader.fee()?;
    let deposit_fee = reader.fee()?;
    let referral_fee = reader.u8()?;
    let max_validators = reader.u32()?;
    reader.finish()?;

    let [stake_pool, manager, staker, withdraw_authority, validator_list, reserve_stake, pool_mint, manager_fee_account, token_program, rest @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let deposit_authority = rest.first();

    if !manager.is_signer() {
        log("Manager did not sign initialization");
        return Err(StakePoolError::SignatureMissing.into());
    }
    // One account as both pool and list would let list writes corrupt the pool.
    if stake_pool.address() == validator_list.address() {
        return Err(StakePoolError::AlreadyInUse.into());
    }

    check_owner(stake_pool, program_id)?;
    {
        let data = stake_pool.try_borrow()?;
        let header = StakePoolHeader::load(&data)?;
        let account_type = header.account_type()?;
        StakePoolTail::decode(&data)?;
        if account_type != AccountType::Uninitialized {
            log("Provided stake pool already in use");
            return Err(StakePoolError::AlreadyInUse.into());
        }
    }

    check_owner(validator_list, program_id)?;
    {
        let mut data = validator_list.try_borrow_mut()?;
        let data_len = data.len();
        let list = ValidatorList::load(&mut data)?;
        // The stored entries must decode, as the reference's Vec deserialization requires.
        let stored = (list.len() as usize)
            .checked_mul(ENTRY_LEN)
            .and_then(|bytes| bytes.checked_add(HEADER_LEN))
            .ok_or(ProgramError::BorshIoError)?;
        if stored > data_len {
            return Err(ProgramError::BorshIoError);
        }
        if list.account_type() != AccountType::Uninitialized as u8 {
            log("Provided validator list already in use");
            return Err(StakePoolError::AlreadyInUse.into());
        }
        if max_validators_for_len(data_len) != max_validators as usize || max_validators == 0 {
            log("Incorrect validator list size provided");
            return Err(StakePoolError::UnexpectedValidatorListAccountSize.into());
        }
        if max_validators > MAX_VALIDATORS_IN_POOL {
            return Err(StakePoolError::TooManyValidatorsInPool.into());
        }
    }

    if stake_pool.lamports() < sysvar::rent_exempt_minimum(stake_pool.data_len())? {
        log("Stake pool not rent-exempt");
        return Err(ProgramError::AccountNotRentExempt);
    }
    if validator_list.lamports() < sysvar::rent_exempt_minimum(validator_list.data_len())? {
        log("Validator stake list not rent-exempt");
        return Err(ProgramError::AccountNotRentExempt);
    }

    if epoch_fee.is_above_100_percent()
        || withdrawal_fee.is_above_100_percent()
        || deposit_fee.is_above_100_percent()
        || referral_fee > 100
    {
        return Err(StakePoolError::FeeTooHigh.into());
    }

    // Only the two SPL token programs: a pool minting through an arbitrary program could
    // have its "mint" report anything.
    if !is_supported_token_program(token_program.address()) {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !pool_mint.owned_by(token_program.address()) {
        return Err(ProgramError::IncorrectProgramId);
    }

    let (stake_deposit_authority, sol_deposit_authority) = match deposit_authority {
        Some(authority) => (*authority.address(), Some(*authority.address())),
        None => (
            pda::find_deposit_authority(program_id, stake_pool.address())?.0,
            None,
        ),
    };
    let (withdraw_authority_address, withdraw_bump) =
        pda::find_withdraw_authority(program_id, stake_pool.address())?;
    if withdraw_authority_address != *withdraw_authority.address() {
        log("Incorrect withdraw authority provided");
        return Err(StakePoolError::InvalidProgramAddress.into());
    }

    {
        let data = pool_mint.try_borrow()?;
        let mint = Mint::load(&data)?;
        // A mint with tokens already out would let their holders claim the first deposits.
        if mint.supply() != 0 {
            return Err(StakePoolError::NonZeroPoolTokenSupply.into());
        }
        if mint.decimals() != POOL_MINT_DECIMALS {
            return Err(StakePoolError::IncorrectMintDecimals.into());
        }
        if mint.mint_authority() != Some(&withdraw_authority_address) {
            return Err(StakePoolError::WrongMintingAuthority.into());
        }
        mint.check_extensions()?;
        // Deliberately stricter than the reference (which accepts one): a freeze authority
        // could freeze holders' pool tokens and with them their claim on the pool's SOL.
        if mint.has_freeze_authority() {
            log("Pool mint must not have a freeze authority");
            return Err(StakePoolError::InvalidMintFreezeAuthority.into());
        }
    }

    check_manager_fee_account(
        manager_fee_account,
        token_program.address(),
        pool_mint.address(),
    )?;

    if !reserve_stake.owned_by(&STAKE_PROGRAM) {
        log("Reserve stake account not owned by stake program");
        return Err(ProgramError::IncorrectProgramId);
    }
    let reserve_rent = sysvar::rent_exempt_minimum(reserve_stake.data_len())?;
    let reserve_excess = {
        let data = reserve_stake.try_borrow()?;
        let reserve = StakeAccount::load(&data)?;
        // The reserve must be fully controlled by the pool: an outside staker or withdrawer,
        // or a lockup, would let someone else move or freeze the pool's SOL.
        if reserve.kind() != StakeStateKind::Initialized
            || reserve.lockup() != NO_LOCKUP
            || *reserve.staker() != withdraw_authority_address
            || *reserve.withdrawer() != withdraw_authority_address
        {
            log("Reserve stake account must be initialized, owned by the withdraw authority, without lockup");
            return Err(StakePoolError::WrongStakeStake.into());
        }
        reserve_stake
            .lamports()
            .checked_sub(reserve_rent)
            .ok_or(StakePoolError::CalculationFailure)?
    };

    // Lamports already in the reserve belong to whoever funded it: mint them to the manager
    // so the first depositor cannot capture them.
    if reserve_excess > 0 {
        let bump = [withdraw_bump];
        let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
        cpi::token::MintTo {
            token_program,
            mint: pool_mint,
            destination: manager_fee_account,
            mint_authority: withdraw_authority,
            amount: reserve_excess,
        }
        .invoke_signed(&[Signer::from(&seeds)])?;
    }

    ValidatorList::load(&mut validator_list.try_borrow_mut()?)?.initialize(max_validators);

    let current_epoch = sysvar::current_epoch()?;
    let mut data = stake_pool.try_borrow_mut()?;
    {
        let header = StakePoolHeader::load_mut(&mut data)?;
        header.set_account_type(AccountType::StakePool);
        header.manager = *manager.address();
        header.staker = *staker.address();
        header.stake_deposit_authority = stake_deposit_authority;
        header.stake_withdraw_bump_seed = withdraw_bump;
        header.validator_list = *validator_list.address();
        header.reserve_stake = *reserve_stake.address();
        header.pool_mint = *pool_mint.address();
        header.manager_fee_account = *manager_fee_account.address();
        header.token_program_id = *token_program.address();
        header.set_total_lamports(reserve_excess);
        header.set_pool_token_supply(reserve_excess);
        header.set_last_update_epoch(current_epoch);
        header.lockup = NO_LOCKUP;
        header.set_epoch_fee(epoch_fee);
    }
    StakePoolTail {
        next_epoch_fee: FutureFee::None,
        preferred_deposit_validator: None,
        preferred_withdraw_validator: None,
        stake_deposit_fee: deposit_fee,
        stake_withdrawal_fee: withdrawal_fee,
        next_stake_withdrawal_fee: FutureFee::None,
        stake_referral_fee: referral_fee,
        sol_deposit_authority,
        sol_deposit_fee: deposit_fee,
        sol_referral_fee: referral_fee,
        sol_withdraw_authority: None,
        sol_withdrawal_fee: withdrawal_fee,
        next_sol_withdrawal_fee: FutureFee::None,
        last_epoch_pool_token_supply: 0,
        last_epoch_total_lamports: 0,
    }
    .encode(&mut data)?;
    Ok(())
}
