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

/// Offsets inside `Stake` (after the tag and `Meta`): delegation voter, stake, activation
/// epoch, deactivation epoch.
const VOTER: usize = TAG_LEN + META_LEN;
const DELEGATED_STAKE: usize = VOTER + 32;
const ACTIVATION_EPOCH: usize = DELEGATED_STAKE + 8;
const DEACTIVATION_EPOCH: usize = ACTIVATION_EPOCH + 8;
const STAKE_END: usize = DEACTIVATION_EPOCH + 8;

impl StakeAccount<'_> {
    /// Staker = withdrawer = `authority` and the pool's lockup: the only stake accounts the
    /// pool may count, since anyone else holding an authority could take the lamports.
    #[inline(always)]
    pub fn is_usable_by_pool(&self, authority: &Address, lockup: &[u8; 48]) -> bool {
        matches!(
            self.kind,
            StakeStateKind::Initialized | StakeStateKind::Stake
        ) && self.staker() == authority
            && self.withdrawer() == authority
            && self.lockup() == lockup
    }

    /// The delegation of a `Stake`-state account: `None` for other states or short data.
    pub fn delegation(&self) -> Option<Delegation<'_>> {
        if self.kind != StakeStateKind::Stake || self.data.len() < STAKE_END {
            return None;
        }
        Some(Delegation {
            data: &self.data[VOTER..STAKE_END],
        })
    }
}

/// A stake account's delegation.
pub struct Delegation<'a> {
    data: &'a [u8],
}

impl Delegation<'_> {
    fn u64_at(&self, offset: usize) -> u64 {
        // `delegation()` handed over the whole 56-byte delegation, so every field is there.
        let mut bytes = [0u8; 8];
        if let Some(field) = self.data.get(offset..offset.saturating_add(8)) {
            bytes.copy_from_slice(field);
        }
        u64::from_le_bytes(bytes)
    }
    pub fn voter(&self) -> &[u8] {
        &self.data[..32]
    }
    pub fn stake(&self) -> u64 {
        self.u64_at(32)
    }
    pub fn activation_epoch(&self) -> u64 {
        self.u64_at(40)
    }
    pub fn deactivation_epoch(&self) -> u64 {
        self.u64_at(48)
    }
    /// Inactive for merging purposes, without consulting the stake history: deactivated
    /// before this epoch, or activated and deactivated within it.
    pub fn is_inactive_without_history(&self, epoch: u64) -> bool {
        let deactivation = self.deactivation_epoch();
        deactivation < epoch || (self.activation_epoch() == epoch && deactivation == epoch)
    }
}
