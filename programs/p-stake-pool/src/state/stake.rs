//! Read-only view of stake program accounts (`StakeStateV2`, bincode/Borsh layout: u32 tag,
//! then `Meta` = rent-exempt reserve, staker, withdrawer, lockup).

use pinocchio::{error::ProgramError, Address};

/// Size of a stake account.
pub const STAKE_ACCOUNT_LEN: usize = 200;
/// A lockup that never restricts: all zero (timestamp, epoch, custodian).
pub const NO_LOCKUP: [u8; 48] = [0; 48];

const TAG_LEN: usize = 4;
const META_LEN: usize = 120;

/// The stake account's state variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StakeStateKind {
    Uninitialized,
    Initialized,
    Stake,
    RewardsPool,
}

/// A decoded view over stake account data.
pub struct StakeAccount<'a> {
    data: &'a [u8],
    kind: StakeStateKind,
}

impl<'a> StakeAccount<'a> {
    /// Reads the state tag; data too short for its variant's `Meta` is a decode error, as in
    /// the reference's deserialization.
    pub fn load(data: &'a [u8]) -> Result<Self, ProgramError> {
        let tag = data.get(..TAG_LEN).ok_or(ProgramError::BorshIoError)?;
        let kind = match u32::from_le_bytes([tag[0], tag[1], tag[2], tag[3]]) {
            0 => StakeStateKind::Uninitialized,
            1 => StakeStateKind::Initialized,
            2 => StakeStateKind::Stake,
            3 => StakeStateKind::RewardsPool,
            _ => return Err(ProgramError::BorshIoError),
        };
        if matches!(kind, StakeStateKind::Initialized | StakeStateKind::Stake)
            && data.len() < TAG_LEN + META_LEN
        {
            return Err(ProgramError::BorshIoError);
        }
        Ok(Self { data, kind })
    }

    #[inline(always)]
    pub fn kind(&self) -> StakeStateKind {
        self.kind
    }

    #[inline(always)]
    fn address_at(&self, offset: usize) -> &Address {
        // SAFETY: `load` checked the data holds a full `Meta` for the variants that call this;
        // `Address` is a 32-byte array with alignment 1.
        unsafe { &*(self.data.as_ptr().add(offset) as *const Address) }
    }

    /// The staker authority (Initialized and Stake states only).
    #[inline(always)]
    pub fn staker(&self) -> &Address {
        self.address_at(TAG_LEN + 8)
    }

    /// The withdrawer authority (Initialized and Stake states only).
    #[inline(always)]
    pub fn withdrawer(&self) -> &Address {
        self.address_at(TAG_LEN + 40)
    }

    /// The lockup bytes (Initialized and Stake states only).
    #[inline(always)]
    pub fn lockup(&self) -> &[u8] {
        &self.data[TAG_LEN + 72..TAG_LEN + META_LEN]
    }
}
