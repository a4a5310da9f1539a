//! `RequestUnstake` (tag 27, p-stake-pool's addition): the first half of a two-step exit that
//! needs no stake account handling from the user. Pool tokens are burnt at the current rate
//! (the stake withdrawal fee applies, as for `WithdrawStake`), their worth is split — with the
//! same source rules as `WithdrawStake` — into a stake account that stays under the pool's
//! withdraw authority and starts deactivating, and a ticket PDA records what the owner is
//! owed and from which epoch. The lamports leave the pool's books now: the exchange rate never
//! counts a liability, and the epoch update needs no new accounts.
//!
//! A request served from the reserve (only when no validator has withdrawable stake, as for
//! `WithdrawStake`) is claimable at once. A request split from a validator must reach the
//! stake program's minimum delegation (`WithdrawalTooSmall` otherwise: use `WithdrawSol`).
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[w]` Validator list
//!   2. `[]` Withdraw authority PDA
//!   3. `[w]` Stake account to split from (validator, transient or reserve stake)
//!   4. `[ws]` Uninitialized stake account to hold the ticket's lamports (allocated,
//!      rent-exempt; a fresh keypair, or the CPI caller's own PDA)
//!   5. `[]` Ticket owner (receives the lamports at the claim; neither the ticket nor its stake
//!      account, nor a program or a sysvar)
//!   6. `[s]` User transfer authority (owner or delegate of the burned tokens)
//!   7. `[w]` User's pool token account to burn from
//!   8. `[w]` Manager fee token account
//!   9. `[w]` Pool mint
//!  10. `[]` Clock sysvar
//!  11. `[]` Token program
//!  12. `[]` Stake program
//!  13. `[w]` Ticket PDA `["ticket", stake_pool, stake account (4)]`, not yet created
//!  14. `[ws]` Rent payer of the ticket (gets it back at the claim; neither the ticket nor its
//!      stake account)
//!  15. `[]` System program
//!
//! Data: pool tokens u64, minimum lamports out u64 (0 for none), optionally the list index of
//! the validator split from as a u32 (see `DepositStake`). Return data: the lamports owed.

use pinocchio::{
    cpi::{set_return_data, Signer},
    error::ProgramError,
    ProgramResult,
};

use super::{
    checks::check_program,
    withdraw_stake::{split_off, StakeWithdrawal},
    DataReader, Invocation,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::{SYSTEM_PROGRAM, SYSVAR_OWNER},
    log, pda,
    state::{stake::StakeAccount, ticket::UnstakeTicket, ticket::TICKET_LEN},
    sysvar,
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
    let pool_tokens = reader.u64()?;
    let minimum_lamports_out = reader.u64()?;
    let index_hint = reader.validator_index_hint()?;

    let [stake_pool, validator_list, withdraw_authority, split_from, ticket_stake, owner, user_transfer_authority, burn_from, manager_fee_account, pool_mint, clock, token_program, stake_program, ticket, rent_payer, system_program, ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    check_program(system_program, &SYSTEM_PROGRAM)?;
    // The ticket's stake account signs: no account at one of the pool's own PDAs (a validator
    // stake emptied by a withdrawal and refunded its rent, say) can, so a ticket can never sit
    // where the crank would absorb it into the reserve while the ticket still pays out.
    if !ticket_stake.is_signer() {
        log("The ticket's stake account must sign (a new keypair, or the caller's own PDA)");
        return Err(StakePoolError::SignatureMissing.into());
    }
    // The rent payer signs even when the ticket is pre-funded: it is who the claim repays.
    if !rent_payer.is_signer() {
        log("The ticket's rent payer must sign");
        return Err(StakePoolError::SignatureMissing.into());
    }
    // The claim pays the owner and the rent payer out of the ticket's stake account and then
    // closes it and the ticket: either one named as a recipient would freeze the owed SOL.
    for recipient in [owner.address(), rent_payer.address()] {
        if recipient == ticket.address() || recipient == ticket_stake.address() {
            log("Neither the owner nor the rent payer may be the ticket or its stake account");
            return Err(StakePoolError::WrongUnstakeTicketOwner.into());
        }
    }
    // A program or a sysvar can never be credited (the runtime makes such accounts read-only
    // in a transaction) nor sign for another destination: its ticket could never be paid.
    if owner.executable() || owner.owned_by(&SYSVAR_OWNER) {
        log("The ticket's owner must be able to receive lamports: not a program or a sysvar");
        return Err(StakePoolError::WrongUnstakeTicketOwner.into());
    }
    // What the stake account holds before the split (its rent) is returned at the claim; it
    // must cover the rent, or the claim's last withdrawal could never close the account.
    let stake_account_funding = ticket_stake.lamports();
    if stake_account_funding < sysvar::rent_exempt_minimum(ticket_stake.data_len())? {
        log("The ticket's stake account must be funded with its rent-exempt minimum");
        return Err(ProgramError::AccountNotRentExempt);
    }
    // The ticket's address binds it to this pool and this stake account: a ticket cannot be
    // pointed at another pool's stake or another stake account later.
    let ticket_bump = [pda::check_ticket(
        program_id,
        stake_pool.address(),
        ticket_stake.address(),
        ticket.address(),
    )?];

    let withdrawn = split_off(&mut StakeWithdrawal {
        program_id,
        stake_pool: &mut *stake_pool,
        validator_list,
        withdraw_authority,
        split_from,
        split_to: ticket_stake,
        user_transfer_authority,
        burn_from,
        manager_fee_account,
        pool_mint,
        clock,
        token_program,
        stake_program,
        pool_tokens,
        minimum_lamports_out: Some(minimum_lamports_out),
        index_hint,
        refuse_below_minimum_split: true,
    })?;

    let pool_bump = [withdrawn.withdraw_bump];
    let authority_seeds = pda::withdraw_authority_seeds(stake_pool.address(), &pool_bump);
    // Stake split from a validator starts cooling down now (unless it already was: a
    // deactivating transient's split is deactivating too); reserve stake is inactive.
    let deactivating = {
        let data = ticket_stake.try_borrow()?;
        StakeAccount::load(&data)?
            .delegation()
            .map(|delegation| delegation.deactivation_epoch() != u64::MAX)
    };
    if deactivating == Some(false) {
        cpi::stake::Deactivate {
            stake: ticket_stake,
            clock,
            authority: withdraw_authority,
        }
        .invoke_signed(&[Signer::from(&authority_seeds)])?;
    }

    // The ticket: a program account at its PDA, its rent from the payer.
    let ticket_seeds =
        pda::ticket_seeds(stake_pool.address(), ticket_stake.address(), &ticket_bump);
    cpi::system::CreateProgramAccount {
        payer: rent_payer,
        account: ticket,
        lamports: sysvar::rent_exempt_minimum(TICKET_LEN)?,
        space: TICKET_LEN as u64,
        owner: program_id,
    }
    .invoke_signed(&[Signer::from(&ticket_seeds)])?;
    // From a validator: claimable once the stake has cooled down, at the next epoch.
    let claimable_epoch = if withdrawn.from_reserve {
        withdrawn.epoch
    } else {
        withdrawn.epoch.saturating_add(1)
    };
    UnstakeTicket::write(
        &mut ticket.try_borrow_mut()?,
        stake_pool.address(),
        owner.address(),
        ticket_stake.address(),
        withdrawn.lamports,
        claimable_epoch,
        rent_payer.address(),
        stake_account_funding,
        withdrawn.from_reserve,
    )?;
    set_return_data(&withdrawn.lamports.to_le_bytes());
    Ok(())
}
