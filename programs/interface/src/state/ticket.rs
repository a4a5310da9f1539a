//! Delayed-unstake tickets (p-stake-pool's addition; no SPL equivalent). A ticket is a PDA
//! `["ticket", stake_pool, stake_account]` owned by the program, recording what the pool owes
//! its owner: `RequestUnstake` burns pool tokens, splits their worth into the ticket's stake
//! account (which starts deactivating unless it came from the reserve) and writes the ticket;
//! `ClaimUnstake` pays the owed lamports once claimable and closes both accounts.

use solana_address::Address;
use solana_program_error::ProgramError;

use super::read_u64;

/// First byte of a ticket account (after the SPL `AccountType` values 0–2).
pub const TICKET_ACCOUNT_TYPE: u8 = 3;
/// Size of a ticket account.
pub const TICKET_LEN: usize = 161;
/// Where the pool's address sits in a ticket (for `getProgramAccounts` filters).
pub const TICKET_STAKE_POOL_OFFSET: usize = 1;
/// Where the owner's address sits in a ticket.
pub const TICKET_OWNER_OFFSET: usize = 33;

/// The ticket's bytes.
#[repr(C)]
pub struct UnstakeTicket {
    account_type: u8,
    /// The pool that owes the lamports.
    pub stake_pool: Address,
    /// Who receives them (or names, by signing, another destination).
    pub owner: Address,
    /// The stake account holding them, controlled by the pool's withdraw authority.
    pub stake_account: Address,
    lamports_owed: [u8; 8],
    claimable_epoch: [u8; 8],
    /// Who paid the ticket's rent, and gets it back (with the stake account's) at the claim.
    pub rent_payer: Address,
    /// Lamports the stake account held before the split (its rent): the rent payer's.
    stake_account_funding: [u8; 8],
    /// The pool's stake was split from the reserve (inactive: claimable at once) rather than
    /// from a validator (deactivating).
    from_reserve: u8,
    _reserved: [u8; 7],
}

const _: () = assert!(core::mem::size_of::<UnstakeTicket>() == TICKET_LEN);
const _: () = assert!(core::mem::align_of::<UnstakeTicket>() == 1);

impl UnstakeTicket {
    /// A written ticket: exactly `TICKET_LEN` bytes with the ticket's account type.
    pub fn load(data: &[u8]) -> Result<&Self, ProgramError> {
        if data.len() != TICKET_LEN || data[0] != TICKET_ACCOUNT_TYPE {
            return Err(ProgramError::InvalidAccountData);
        }
        // SAFETY: the length is checked and the struct is made of bytes (alignment 1).
        Ok(unsafe { &*(data.as_ptr() as *const Self) })
    }

    /// Writes a new ticket into `data` (a fresh account of `TICKET_LEN` zero bytes).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn write(
        data: &mut [u8],
        stake_pool: &Address,
        owner: &Address,
        stake_account: &Address,
        lamports_owed: u64,
        claimable_epoch: u64,
        rent_payer: &Address,
        stake_account_funding: u64,
        from_reserve: bool,
    ) -> Result<(), ProgramError> {
        if data.len() != TICKET_LEN || data.iter().any(|byte| *byte != 0) {
            return Err(ProgramError::AccountAlreadyInitialized);
        }
        data[0] = TICKET_ACCOUNT_TYPE;
        data[1..33].copy_from_slice(stake_pool.as_ref());
        data[33..65].copy_from_slice(owner.as_ref());
        data[65..97].copy_from_slice(stake_account.as_ref());
        data[97..105].copy_from_slice(&lamports_owed.to_le_bytes());
        data[105..113].copy_from_slice(&claimable_epoch.to_le_bytes());
        data[113..145].copy_from_slice(rent_payer.as_ref());
        data[145..153].copy_from_slice(&stake_account_funding.to_le_bytes());
        data[153] = u8::from(from_reserve);
        Ok(())
    }

    /// Lamports the pool owes the owner (fixed at the request: later rewards stay with the
    /// pool's holders).
    pub fn lamports_owed(&self) -> u64 {
        read_u64(&self.lamports_owed)
    }

    /// The first epoch the ticket can be claimed in.
    pub fn claimable_epoch(&self) -> u64 {
        read_u64(&self.claimable_epoch)
    }

    /// Lamports the stake account held before the split, returned to the rent payer.
    pub fn stake_account_funding(&self) -> u64 {
        read_u64(&self.stake_account_funding)
    }

    pub fn from_reserve(&self) -> bool {
        self.from_reserve != 0
    }
}
