//! `ClaimUnstake` (tag 28, p-stake-pool's addition): the second half of a delayed unstake.
//! Once the ticket is claimable and its stake has cooled down, the owed lamports go to the
//! ticket's owner, anything the stake earned after the request (its last epoch's reward) goes
//! back to the reserve for the pool's holders, and the ticket and its stake account close with
//! their rent (and whatever the stake account was funded with before the request) returned to
//! the ticket's rent payer. Anyone may send it for the owner; the
//! lamports go to the owner, or to another destination only with the owner's signature.
//!
//! Accounts:
//!   0. `[w]` Ticket
//!   1. `[w]` The ticket's stake account
//!   2. `[]` Stake pool
//!   3. `[]` Withdraw authority PDA
//!   4. `[w]` Reserve stake account (receives what the stake earned after the request)
//!   5. `[w]` Destination of the owed lamports: the ticket's owner, or any account when the
//!      owner signs (account 10)
//!   6. `[w]` The ticket's rent payer
//!   7. `[]` Clock sysvar
//!   8. `[]` Stake history sysvar
//!   9. `[]` Stake program
//!  10. `[s]` (optional) The ticket's owner, when the destination is another account
//!
//! Data: none. Return data: the lamports paid to the destination.

use pinocchio::{
    cpi::{set_return_data, Signer},
    error::ProgramError,
    sysvars::clock::Clock,
    ProgramResult,
};

use super::{
    checks::{check_owner, check_program, check_reserve},
    DataReader, Invocation,
};
use crate::{
    cpi,
    error::StakePoolError,
    ids::STAKE_PROGRAM,
    log, pda,
    state::{stake_pool::StakePoolHeader, ticket::UnstakeTicket},
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
    let [ticket, ticket_stake, stake_pool, withdraw_authority, reserve_stake, destination, rent_payer, clock, stake_history, stake_program, rest @ ..] =
        accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    check_program(stake_program, &STAKE_PROGRAM)?;
    let epoch = Clock::from_account_view(clock)?.epoch;

    // A ticket is only ever written by this program, at its PDA: an account of another owner
    // (including a ticket already claimed and closed) or at another address is refused.
    if !ticket.owned_by(program_id) {
        return Err(StakePoolError::InvalidUnstakeTicket.into());
    }
    let (owed, funding, owner, rent_payer_address) = {
        let data = ticket.try_borrow()?;
        let recorded =
            UnstakeTicket::load(&data).map_err(|_| StakePoolError::InvalidUnstakeTicket)?;
        // The ticket belongs to this pool, and this is its stake account: a ticket from
        // another pool, or a stake account swapped under it, is refused.
        if recorded.stake_pool != *stake_pool.address()
            || recorded.stake_account != *ticket_stake.address()
        {
            return Err(StakePoolError::InvalidUnstakeTicket.into());
        }
        pda::check_ticket(
            program_id,
            stake_pool.address(),
            ticket_stake.address(),
            ticket.address(),
        )?;
        if epoch < recorded.claimable_epoch() {
            log("The ticket's stake is still cooling down");
            return Err(StakePoolError::UnstakeTicketNotClaimable.into());
        }
        (
            recorded.lamports_owed(),
            recorded.stake_account_funding(),
            recorded.owner,
            recorded.rent_payer,
        )
    };
    // Only the owner's account receives, unless the owner signs for another destination.
    if *destination.address() != owner {
        let owner_signed = rest
            .first()
            .is_some_and(|account| *account.address() == owner && account.is_signer());
        if !owner_signed {
            log("The owed lamports go to the ticket's owner unless the owner signs");
            return Err(StakePoolError::WrongUnstakeTicketOwner.into());
        }
    }
    if *rent_payer.address() != rent_payer_address {
        return Err(StakePoolError::WrongUnstakeTicketOwner.into());
    }

    check_owner(stake_pool, program_id)?;
    let bump = {
        let data = stake_pool.try_borrow()?;
        let pool = StakePoolHeader::load_initialized(&data)?;
        pda::check_withdraw_authority(
            program_id,
            stake_pool.address(),
            pool.stake_withdraw_bump_seed,
            withdraw_authority.address(),
        )?;
        check_reserve(pool, reserve_stake)?;
        [pool.stake_withdraw_bump_seed]
    };

    // The stake account holds what it was funded with before the split (its rent), the owed
    // lamports, and whatever it earned since the request: that belongs to the pool's holders.
    let balance = ticket_stake.lamports();
    let earned = balance
        .checked_sub(funding)
        .and_then(|rest| rest.checked_sub(owed))
        .ok_or(StakePoolError::CalculationFailure)?;
    let seeds = pda::withdraw_authority_seeds(stake_pool.address(), &bump);
    // The rent payer's share goes last: it empties and closes the stake account.
    for (recipient, lamports) in [
        (&*destination, owed),
        (&*reserve_stake, earned),
        (&*rent_payer, funding),
    ] {
        if lamports > 0 {
            cpi::stake::Withdraw {
                stake: ticket_stake,
                recipient,
                clock,
                stake_history,
                authority: withdraw_authority,
                lamports,
            }
            .invoke_signed(&[Signer::from(&seeds)])?;
        }
    }

    // The ticket closes: its rent back to the payer, its data zeroed so it can never pay
    // again.
    let ticket_rent = ticket.lamports();
    rent_payer.set_lamports(
        rent_payer
            .lamports()
            .checked_add(ticket_rent)
            .ok_or(StakePoolError::CalculationFailure)?,
    );
    ticket.set_lamports(0);
    ticket.try_borrow_mut()?.fill(0);
    ticket.close()?;
    set_return_data(&owed.to_le_bytes());
    Ok(())
}
