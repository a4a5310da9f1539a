//! `WithdrawStake` (tag 10) and `WithdrawStakeWithSlippage` (tag 24): pool tokens in, a stake
//! account out. The pool splits the tokens' worth of stake into an uninitialized stake account
//! the user provides and hands it to the user's authority, so leaving the pool needs no
//! unstaking wait.
//!
//! Where the stake may come from, in order, so that users cannot pick what suits them at the
//! others' expense:
//! 1. the preferred withdraw validator, while it holds more than the tolerance;
//! 2. any validator's active stake, while one holds more than the tolerance;
//! 3. a validator's transient stake, while one holds more than the tolerance (or the named
//!    validator has any);
//! 4. a whole validator stake account holding no more than the minimum (the entry is then ready
//!    for removal), or the reserve once no validator has stake above the tolerance.
//!
//! The tolerance is what a split must leave behind (rent + minimum delegation) plus one more
//! minimum delegation and one pool token's worth of lamports. Every validator stake keeps rent
//! and the minimum delegation; the reserve keeps its rent.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[w]` Validator list
//!   2. `[]` Withdraw authority PDA
//!   3. `[w]` Stake account to split from (validator, transient or reserve stake)
//!   4. `[w]` Uninitialized stake account to receive the stake
//!   5. `[]` The user's new stake (and withdraw) authority
//!   6. `[s]` User transfer authority (owner or delegate of the burned tokens)
//!   7. `[w]` User's pool token account to burn from
//!   8. `[w]` Manager fee token account
//!   9. `[w]` Pool mint
//!  10. `[]` Clock sysvar
//!  11. `[]` Token program
//!  12. `[]` Stake program
//!
//! Data: pool tokens u64 (and, for the slippage variant, minimum lamports out u64), optionally
//! followed by the list index of the validator split from as a u32 (our extension, see
//! `DepositStake`).

use crate::instruction::Invocation;
use pinocchio::cpi::set_return_data;
use pinocchio::{
    cpi::Signer, error::ProgramError, sysvars::clock::Clock, AccountView, Address, ProgramResult,
};

use super::{
    add_validator_to_pool::minimum_delegation,
    checks::{
        check_owner, check_pool_mint, check_program, check_validator_list,
        manager_fee_account_usable,
    },
    DataReader,
};
use crate::{
    cpi::{self, stake::StakeAuthority},
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, math, pda,
    state::{
        stake::StakeAccount,
        stake_pool::{load_pool, StakePoolHeader},
        validator_list::{StakeStatus, ValidatorList, ValidatorStakeInfo},
        AccountType,
    },
    sysvar,
};

/// Which of a validator's stake accounts the withdrawal splits (the reserve needs no entry).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    ActiveStake,
    TransientStake,
    /// The whole validator stake account, which holds no more than the minimum.
    WholeValidator,
}

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
    with_slippage: bool,
) -> ProgramResult {
    let mut reader = DataReader::new(data);
    let pool_tokens = reader.u64()?;
    let minimum_lamports_out = if with_slippage {
        Some(reader.u64()?)
    } else {
        None
    };
    let index_hint = reader.validator_index_hint()?;

    let [stake_pool, validator_list, withdraw_authority, split_from, split_to, user_stake_authority, user_transfer_authority, burn_from, manager_fee_account, pool_mint, clock, token_program, stake_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let withdrawn = split_off(&mut StakeWithdrawal {
        program_id,
        stake_pool: &mut *stake_pool,
        validator_list,
        withdraw_authority,
        split_from,
        split_to,
        user_transfer_authority,
        burn_from,
        manager_fee_account,
        pool_mint,
        clock,
        token_program,
        stake_program,
        pool_tokens,
        minimum_lamports_out,
        index_hint,
        refuse_below_minimum_split: false,
    })?;
    // The split stake is the user's: both authorities move to the user's key.
    let bump = [withdrawn.withdraw_bump];
    let authority_seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    for kind in [StakeAuthority::Staker, StakeAuthority::Withdrawer] {
        cpi::stake::Authorize {
            stake: split_to,
            clock,
            authority: withdraw_authority,
            new_authority: user_stake_authority.address(),
            kind,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
    }
    // CPI callers learn what they got without diffing balances (p-stake-pool's addition).
    set_return_data(&withdrawn.lamports.to_le_bytes());
    Ok(())
}

/// A withdrawal of pool tokens as stake, shared by `WithdrawStake` and `RequestUnstake`: the
/// accounts as `WithdrawStake` numbers them (but the new authority), and the amounts.
pub(super) struct StakeWithdrawal<'a> {
    pub program_id: &'a Address,
    pub stake_pool: &'a mut AccountView,
    pub validator_list: &'a mut AccountView,
    pub withdraw_authority: &'a AccountView,
    pub split_from: &'a AccountView,
    pub split_to: &'a AccountView,
    pub user_transfer_authority: &'a AccountView,
    pub burn_from: &'a AccountView,
    pub manager_fee_account: &'a AccountView,
    pub pool_mint: &'a AccountView,
    pub clock: &'a AccountView,
    pub token_program: &'a AccountView,
    pub stake_program: &'a AccountView,
    pub pool_tokens: u64,
    pub minimum_lamports_out: Option<u64>,
    pub index_hint: Option<u32>,
    /// Refuse (`WithdrawalTooSmall`) a split from a validator below the stake program's
    /// minimum delegation instead of letting the stake program fail.
    pub refuse_below_minimum_split: bool,
}

/// What `split_off` did.
pub(super) struct Withdrawn {
    /// Lamports split into `split_to`.
    pub lamports: u64,
    /// They came from the reserve (inactive stake), not from a validator.
    pub from_reserve: bool,
    pub epoch: u64,
    /// The withdraw authority's bump (for the caller's own CPIs).
    pub withdraw_bump: u8,
}

/// Burns the tokens (moving the fee to the manager), splits their worth from `split_from`
/// into `split_to` — still under the pool's withdraw authority — and records the withdrawal
/// in the pool and the validator list.
#[inline(never)]
pub(super) fn split_off(withdrawal: &mut StakeWithdrawal) -> Result<Withdrawn, ProgramError> {
    let StakeWithdrawal {
        program_id,
        ref mut stake_pool,
        ref mut validator_list,
        withdraw_authority,
        split_from,
        split_to,
        user_transfer_authority,
        burn_from,
        manager_fee_account,
        pool_mint,
        clock,
        token_program,
        stake_program,
        pool_tokens,
        minimum_lamports_out,
        index_hint,
        refuse_below_minimum_split,
    } = *withdrawal;
    let epoch = Clock::from_account_view(clock)?.epoch;
    check_program(stake_program, &STAKE_PROGRAM)?;

    check_owner(stake_pool, program_id)?;
    let pool_address = *stake_pool.address();
    let mut pool_data = stake_pool.try_borrow_mut()?;
    let (pool, mut tail) = load_pool(&pool_data)?;
    if pool.account_type()? != AccountType::StakePool {
        return Err(StakePoolError::InvalidState.into());
    }
    let decimals = check_pool_mint(pool, pool_mint)?;
    check_validator_list(pool, validator_list)?;
    pda::check_withdraw_authority(
        program_id,
        &pool_address,
        pool.stake_withdraw_bump_seed,
        withdraw_authority.address(),
    )?;
    if *manager_fee_account.address() != pool.manager_fee_account {
        return Err(StakePoolError::InvalidFeeAccount.into());
    }
    check_program(token_program, &pool.token_program_id)?;
    // Lamports per token are only right after this epoch's update.
    if pool.last_update_epoch() < epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    let bump = [pool.stake_withdraw_bump_seed];
    let (total_lamports, pool_token_supply) = (pool.total_lamports(), pool.pool_token_supply());
    let reserve_address = pool.reserve_stake;

    check_owner(validator_list, program_id)?;
    let mut list_data = validator_list.try_borrow_mut()?;
    let mut list = ValidatorList::load_initialized(&mut list_data)?;

    // No fee when the manager withdraws from its own fee account, and none when the fee
    // account cannot take it: a broken fee account must never lock users in.
    let fee_rate = if *burn_from.address() == pool.manager_fee_account
        || !manager_fee_account_usable(pool, manager_fee_account)?
    {
        math::Fee::default()
    } else {
        tail.stake_withdrawal_fee
    };
    let math::WithdrawalSplit {
        fee,
        burnt,
        lamports: mut withdraw_lamports,
    } = math::split_withdrawal(pool_tokens, total_lamports, pool_token_supply, &fee_rate)
        .ok_or(StakePoolError::CalculationFailure)?;
    if withdraw_lamports == 0 {
        return Err(StakePoolError::WithdrawalTooSmall.into());
    }

    let split_from_rent = sysvar::rent_exempt_minimum(split_from.data_len())?;
    let stake_program_minimum = cpi::stake::minimum_delegation()?;
    let vote = {
        let data = split_from.try_borrow()?;
        let stake = StakeAccount::load(&data)?;
        stake.delegation().map(|d| {
            let mut voter = [0u8; 32];
            voter.copy_from_slice(d.voter());
            Address::new_from_array(voter)
        })
    };
    // What every validator stake keeps after a split.
    let required_lamports =
        split_from_rent.saturating_add(minimum_delegation(stake_program_minimum));
    let lamports_per_pool_token = math::lamports_per_pool_token(total_lamports, pool_token_supply)
        .ok_or(StakePoolError::CalculationFailure)?;
    let tolerance = required_lamports
        .saturating_add(stake_program_minimum)
        .saturating_add(lamports_per_pool_token);

    // Is there active stake above the tolerance anywhere? Then it must be used, and transient
    // stake does not matter; only without it is transient stake looked for. Both scans stop at
    // the first hit, which in a healthy pool is the first entry.
    // The hinted entry, when it qualifies, answers the first question without a scan.
    let entries = list.all_entries()?;
    let has_withdrawable_active = |entry: &ValidatorStakeInfo| {
        entry.status_byte() == StakeStatus::Active as u8
            && entry.active_stake_lamports() > tolerance
    };
    let has_active = index_hint
        .and_then(|index| entries.get(index as usize))
        .is_some_and(has_withdrawable_active)
        || entries.iter().any(has_withdrawable_active);
    let has_transient = !has_active
        && entries.iter().any(|entry| {
            entry.status_byte() == StakeStatus::Active as u8
                && entry.transient_stake_lamports() > tolerance
        });

    let mut tail_changed = false;
    let target = if *split_from.address() == reserve_address {
        if has_active || has_transient {
            log("Validators hold withdrawable stake: withdraw from them before the reserve");
            return Err(StakePoolError::StakeLamportsNotEqualToMinimum.into());
        }
        if split_from.lamports().saturating_sub(withdraw_lamports) < split_from_rent {
            log("Withdrawal exceeds what the reserve holds above its rent-exempt minimum");
            return Err(StakePoolError::SolWithdrawalTooLarge.into());
        }
        None
    } else {
        let vote = vote.ok_or(StakePoolError::WrongStakeStake)?;
        if let Some(preferred) = tail.preferred_withdraw_validator {
            // Defensive: a preferred validator missing from the list pins nothing. Withdrawing
            // from the preferred validator itself needs no lookup.
            if preferred != vote {
                if let Some(preferred_entry) = list.find(&preferred)? {
                    if preferred_entry.active_stake_lamports() >= tolerance {
                        log("Withdraw from the preferred validator while it has stake available");
                        return Err(StakePoolError::IncorrectWithdrawVoteAddress.into());
                    }
                }
            }
        }
        let entry = list
            .find_mut_hinted(&vote, index_hint)?
            .ok_or(StakePoolError::ValidatorNotFound)?;
        let source = if has_active {
            Source::ActiveStake
        } else if has_transient || entry.transient_stake_lamports() != 0 {
            Source::TransientStake
        } else {
            Source::WholeValidator
        };
        if source == Source::TransientStake {
            pda::check_transient_stake(
                program_id,
                &vote,
                &pool_address,
                entry.transient_seed(),
                split_from.address(),
            )?;
        } else {
            pda::check_validator_stake(
                program_id,
                &vote,
                &pool_address,
                entry.validator_seed(),
                split_from.address(),
            )?;
        }
        if entry.status()? != StakeStatus::Active {
            log("Validator is marked for removal and no longer allows withdrawals");
            return Err(StakePoolError::ValidatorNotFound.into());
        }
        if source == Source::WholeValidator {
            // The whole account goes, within one pool token's worth of the tokens' value.
            let available = split_from.lamports();
            if withdraw_lamports < available
                || withdraw_lamports > available.saturating_add(lamports_per_pool_token)
            {
                log("A whole validator stake account must be withdrawn at its exact value");
                return Err(StakePoolError::StakeLamportsNotEqualToMinimum.into());
            }
            withdraw_lamports = available;
            tail_changed = tail.forget_preferred_validator(&vote);
        } else if split_from.lamports().saturating_sub(withdraw_lamports) < required_lamports {
            log("Withdrawal would leave the stake account below rent and minimum delegation");
            return Err(StakePoolError::StakeLamportsNotEqualToMinimum.into());
        }
        Some((entry, source))
    };

    if let Some(minimum) = minimum_lamports_out {
        if withdraw_lamports < minimum {
            return Err(StakePoolError::ExceededSlippage.into());
        }
    }
    if refuse_below_minimum_split && target.is_some() && withdraw_lamports < stake_program_minimum {
        log("Below the stake program's minimum delegation: withdraw SOL instead");
        return Err(StakePoolError::WithdrawalTooSmall.into());
    }

    cpi::token::Burn {
        token_program,
        account: burn_from,
        mint: pool_mint,
        authority: user_transfer_authority,
        amount: burnt,
    }
    .invoke()?;
    let authority_seeds = pda::withdraw_authority_seeds(&pool_address, &bump);
    cpi::stake::Split {
        stake: split_from,
        split_to,
        authority: withdraw_authority,
        lamports: withdraw_lamports,
    }
    .invoke_signed(&[Signer::from(&authority_seeds)])?;
    if fee > 0 {
        cpi::token::TransferChecked {
            token_program,
            source: burn_from,
            mint: pool_mint,
            destination: manager_fee_account,
            authority: user_transfer_authority,
            amount: fee,
            decimals,
        }
        .invoke()?;
    }

    StakePoolHeader::load_mut(&mut pool_data)?.record_withdrawal(burnt, withdraw_lamports)?;
    if tail_changed {
        tail.encode(&mut pool_data)?;
    }

    let from_reserve = target.is_none();
    if let Some((entry, source)) = target {
        match source {
            Source::TransientStake => {
                let transient = entry
                    .transient_stake_lamports()
                    .checked_sub(withdraw_lamports)
                    .ok_or(StakePoolError::CalculationFailure)?;
                entry.set_transient_stake_lamports(transient);
            }
            _ => {
                let active = entry
                    .active_stake_lamports()
                    .checked_sub(withdraw_lamports)
                    .ok_or(StakePoolError::CalculationFailure)?;
                entry.set_active_stake_lamports(active);
                if source == Source::WholeValidator {
                    if active != 0 {
                        log("Whole-account withdrawal left lamports on the entry: update first");
                        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
                    }
                    // Nothing is left and no transient exists: the entry can go.
                    entry.set_status(StakeStatus::ReadyForRemoval);
                }
            }
        }
    }
    Ok(Withdrawn {
        lamports: withdraw_lamports,
        from_reserve,
        epoch,
        withdraw_bump: bump[0],
    })
}
