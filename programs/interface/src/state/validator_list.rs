//! The validator list: a 9-byte header (account type, max validators, entry count) followed by
//! 73-byte `ValidatorStakeInfo` entries at fixed offsets, read and written in place.

use solana_address::Address;
use solana_program_error::ProgramError;

use super::AccountType;

/// Header bytes before the first entry: account type u8, max validators u32, length u32.
pub const HEADER_LEN: usize = 9;
/// Size of one entry.
pub const ENTRY_LEN: usize = 73;
/// The reference caps pools here: its linear list scans outgrow the compute limit beyond.
pub const MAX_VALIDATORS_IN_POOL: u32 = 20_000;

/// Entry status, as stored in the entry's `status` byte.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StakeStatus {
    Active = 0,
    DeactivatingTransient = 1,
    ReadyForRemoval = 2,
    DeactivatingValidator = 3,
    DeactivatingAll = 4,
}

impl StakeStatus {
    pub fn from_byte(byte: u8) -> Result<Self, ProgramError> {
        Ok(match byte {
            0 => Self::Active,
            1 => Self::DeactivatingTransient,
            2 => Self::ReadyForRemoval,
            3 => Self::DeactivatingValidator,
            4 => Self::DeactivatingAll,
            _ => return Err(ProgramError::InvalidAccountData),
        })
    }

    /// After the validator stake went back to the reserve.
    pub fn without_validator_stake(self) -> Self {
        match self {
            Self::DeactivatingAll => Self::DeactivatingTransient,
            Self::DeactivatingValidator => Self::ReadyForRemoval,
            other => other,
        }
    }

    /// After the transient stake went back to the reserve.
    pub fn without_transient_stake(self) -> Self {
        match self {
            Self::DeactivatingAll => Self::DeactivatingValidator,
            Self::DeactivatingTransient => Self::ReadyForRemoval,
            other => other,
        }
    }
}

/// Entry count that fits in an account of `data_len` bytes.
#[inline]
pub fn max_validators_for_len(data_len: usize) -> usize {
    data_len.saturating_sub(HEADER_LEN) / ENTRY_LEN
}

/// Fixed-offset header.
#[repr(C)]
pub struct ValidatorListHeader {
    account_type: u8,
    max_validators: [u8; 4],
    length: [u8; 4],
}

/// One validator's record.
#[repr(C)]
pub struct ValidatorStakeInfo {
    active_stake_lamports: [u8; 8],
    transient_stake_lamports: [u8; 8],
    last_update_epoch: [u8; 8],
    pub transient_seed_suffix: [u8; 8],
    unused: [u8; 4],
    pub validator_seed_suffix: [u8; 4],
    status: u8,
    pub vote_account_address: Address,
}

const _: () = assert!(core::mem::size_of::<ValidatorStakeInfo>() == ENTRY_LEN);
const _: () = assert!(core::mem::size_of::<ValidatorListHeader>() == HEADER_LEN);

impl ValidatorStakeInfo {
    #[inline(always)]
    pub fn active_stake_lamports(&self) -> u64 {
        read_u64(&self.active_stake_lamports)
    }
    #[inline(always)]
    pub fn transient_stake_lamports(&self) -> u64 {
        read_u64(&self.transient_stake_lamports)
    }
    #[inline(always)]
    pub fn last_update_epoch(&self) -> u64 {
        read_u64(&self.last_update_epoch)
    }
    /// Raw status byte (values outside `StakeStatus` are treated as not active).
    #[inline(always)]
    pub fn status_byte(&self) -> u8 {
        self.status
    }
    /// A fresh entry for a validator just added with `active_stake_lamports` delegated.
    pub fn new_active(
        vote_account: &Address,
        validator_seed: u32,
        active_stake_lamports: u64,
        epoch: u64,
    ) -> Self {
        Self {
            active_stake_lamports: active_stake_lamports.to_le_bytes(),
            transient_stake_lamports: [0; 8],
            last_update_epoch: epoch.to_le_bytes(),
            transient_seed_suffix: [0; 8],
            unused: [0; 4],
            validator_seed_suffix: validator_seed.to_le_bytes(),
            status: StakeStatus::Active as u8,
            vote_account_address: *vote_account,
        }
    }
    pub fn set_active_stake_lamports(&mut self, lamports: u64) {
        self.active_stake_lamports = lamports.to_le_bytes();
    }
    pub fn set_transient_stake_lamports(&mut self, lamports: u64) {
        self.transient_stake_lamports = lamports.to_le_bytes();
    }
    pub fn set_last_update_epoch(&mut self, epoch: u64) {
        self.last_update_epoch = epoch.to_le_bytes();
    }
    pub fn set_transient_seed(&mut self, seed: u64) {
        self.transient_seed_suffix = seed.to_le_bytes();
    }
    pub fn set_status(&mut self, status: StakeStatus) {
        self.status = status as u8;
    }
    pub fn validator_seed(&self) -> u32 {
        u32::from_le_bytes(self.validator_seed_suffix)
    }
    pub fn transient_seed(&self) -> u64 {
        u64::from_le_bytes(self.transient_seed_suffix)
    }
    /// The status, or `InvalidAccountData` for a byte outside the enum (as the reference).
    pub fn status(&self) -> Result<StakeStatus, ProgramError> {
        StakeStatus::from_byte(self.status)
    }

    /// Active plus transient lamports.
    #[inline(always)]
    pub fn stake_lamports(&self) -> Option<u64> {
        self.active_stake_lamports()
            .checked_add(self.transient_stake_lamports())
    }
    /// An entry whose stake has fully returned to the reserve and can be dropped.
    #[inline(always)]
    pub fn is_removed(&self) -> bool {
        self.status == StakeStatus::ReadyForRemoval as u8
            && self.active_stake_lamports() == 0
            && self.transient_stake_lamports() == 0
    }
}

/// A view over the whole list account.
pub struct ValidatorList<'a> {
    data: &'a mut [u8],
}

impl<'a> ValidatorList<'a> {
    /// Views list data in any state; the header's account type must be a valid encoding.
    pub fn load(data: &'a mut [u8]) -> Result<Self, ProgramError> {
        if data.len() < HEADER_LEN {
            return Err(ProgramError::BorshIoError);
        }
        AccountType::from_byte(data[0])?;
        Ok(Self { data })
    }

    /// Views an initialized list: account type `ValidatorList`.
    pub fn load_initialized(data: &'a mut [u8]) -> Result<Self, ProgramError> {
        let list = Self::load(data)?;
        if list.header().account_type != AccountType::ValidatorList as u8 {
            return Err(crate::error::StakePoolError::InvalidState.into());
        }
        Ok(list)
    }

    #[inline(always)]
    fn header(&self) -> &ValidatorListHeader {
        // SAFETY: `load` checked the length; alignment 1, all bit patterns valid.
        unsafe { &*(self.data.as_ptr() as *const ValidatorListHeader) }
    }

    #[inline(always)]
    fn header_mut(&mut self) -> &mut ValidatorListHeader {
        // SAFETY: as in `header`, with the exclusive borrow of the data.
        unsafe { &mut *(self.data.as_mut_ptr() as *mut ValidatorListHeader) }
    }

    #[inline(always)]
    pub fn account_type(&self) -> u8 {
        self.header().account_type
    }

    #[inline(always)]
    pub fn len(&self) -> u32 {
        u32::from_le_bytes(self.header().length)
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes a fresh, empty list header (what `Initialize` stores).
    pub fn initialize(&mut self, max_validators: u32) {
        let header = self.header_mut();
        header.account_type = AccountType::ValidatorList as u8;
        header.max_validators = max_validators.to_le_bytes();
        header.length = 0u32.to_le_bytes();
    }

    /// The entries `start..start + count`. Asking past the stored length is
    /// `AccountDataTooSmall`, as in the reference.
    pub fn entries(
        &self,
        start: usize,
        count: usize,
    ) -> Result<&[ValidatorStakeInfo], ProgramError> {
        let range = self.entry_byte_range(start, count)?;
        let bytes = &self.data[range];
        // SAFETY: the range holds exactly `count` entries; alignment 1, all patterns valid.
        Ok(unsafe {
            core::slice::from_raw_parts(bytes.as_ptr() as *const ValidatorStakeInfo, count)
        })
    }

    /// The entries `start..start + count`, writable.
    pub fn entries_mut(
        &mut self,
        start: usize,
        count: usize,
    ) -> Result<&mut [ValidatorStakeInfo], ProgramError> {
        let range = self.entry_byte_range(start, count)?;
        let bytes = &mut self.data[range];
        // SAFETY: as in `entries`, with the exclusive borrow of the data.
        Ok(unsafe {
            core::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut ValidatorStakeInfo, count)
        })
    }

    /// Room for one more entry: the account's size and the header's `max_validators`.
    pub fn max_validators(&self) -> u32 {
        u32::from_le_bytes(self.header().max_validators)
    }

    /// Appends an entry; `AccountDataTooSmall` when the account has no room for it.
    pub fn push(&mut self, entry: ValidatorStakeInfo) -> Result<(), ProgramError> {
        let length = self.len();
        let new_length = length
            .checked_add(1)
            .ok_or(ProgramError::AccountDataTooSmall)?;
        self.header_mut().length = new_length.to_le_bytes();
        match self.entries_mut(length as usize, 1) {
            Ok(slot) => {
                slot[0] = entry;
                Ok(())
            }
            Err(error) => {
                self.header_mut().length = length.to_le_bytes();
                Err(error)
            }
        }
    }

    /// The entry for `vote_account`, writable.
    pub fn find_mut(
        &mut self,
        vote_account: &Address,
    ) -> Result<Option<&mut ValidatorStakeInfo>, ProgramError> {
        let length = self.len() as usize;
        let entries = self.entries_mut(0, length)?;
        Ok(position(entries, vote_account).map(move |index| &mut entries[index]))
    }

    /// The entry for `vote_account`, looked at `hint` first (an index the caller claims it
    /// sits at): constant cost when the hint is right, the scan when it is wrong or absent.
    /// Inlined: as a call it would take six machine arguments, one more than SBPF v0 passes
    /// in registers (see `cpi::stake`).
    #[inline(always)]
    pub fn find_mut_hinted(
        &mut self,
        vote_account: &Address,
        hint: Option<u32>,
    ) -> Result<Option<&mut ValidatorStakeInfo>, ProgramError> {
        let length = self.len() as usize;
        let entries = self.entries_mut(0, length)?;
        let hinted = hint.map(|index| index as usize).filter(|&index| {
            entries
                .get(index)
                .is_some_and(|entry| entry.vote_account_address == *vote_account)
        });
        Ok(match hinted {
            Some(index) => entries.get_mut(index),
            None => position(entries, vote_account).map(move |index| &mut entries[index]),
        })
    }

    /// All stored entries.
    pub fn all_entries(&self) -> Result<&[ValidatorStakeInfo], ProgramError> {
        self.entries(0, self.len() as usize)
    }

    fn entry_byte_range(
        &self,
        start: usize,
        count: usize,
    ) -> Result<core::ops::Range<usize>, ProgramError> {
        let end_entry = start
            .checked_add(count)
            .ok_or(ProgramError::AccountDataTooSmall)?;
        if end_entry > self.len() as usize {
            return Err(ProgramError::AccountDataTooSmall);
        }
        let first = HEADER_LEN
            .checked_add(
                start
                    .checked_mul(ENTRY_LEN)
                    .ok_or(ProgramError::AccountDataTooSmall)?,
            )
            .ok_or(ProgramError::AccountDataTooSmall)?;
        let last = first
            .checked_add(
                count
                    .checked_mul(ENTRY_LEN)
                    .ok_or(ProgramError::AccountDataTooSmall)?,
            )
            .ok_or(ProgramError::AccountDataTooSmall)?;
        if last > self.data.len() {
            return Err(ProgramError::AccountDataTooSmall);
        }
        Ok(first..last)
    }

    /// Drops every removed entry, keeping the others in order, and returns how many were
    /// dropped. Bytes past the new end are left as they were, as the reference leaves them.
    /// Kept entries move in runs (one `copy_within` per run of kept entries after the first
    /// removed one), so a 20,000-entry list costs a status-byte check per entry.
    pub fn retain_unremoved(&mut self) -> Result<u32, ProgramError> {
        let length = self.len() as usize;
        let all = self.entry_byte_range(0, length)?;
        // Where the next kept entry goes, and where the current run of kept entries began.
        let mut write = all.start;
        let mut run_start = all.start;
        let mut read = all.start;
        while read < all.end {
            let next = read.saturating_add(ENTRY_LEN);
            // SAFETY: `read..next` lies inside the entry range checked above.
            let removed = unsafe { &*(self.data.as_ptr().add(read) as *const ValidatorStakeInfo) }
                .is_removed();
            if removed {
                write = self.move_run(run_start..read, write);
                run_start = next;
            }
            read = next;
        }
        write = self.move_run(run_start..all.end, write);
        let kept = write.saturating_sub(HEADER_LEN) / ENTRY_LEN;
        let dropped = length.saturating_sub(kept) as u32;
        self.header_mut().length = (kept as u32).to_le_bytes();
        Ok(dropped)
    }

    /// Moves the kept entries in `run` to `write`; returns where the next run goes.
    #[inline(always)]
    fn move_run(&mut self, run: core::ops::Range<usize>, write: usize) -> usize {
        let run_len = run.end.saturating_sub(run.start);
        if run_len > 0 && run.start != write {
            self.data.copy_within(run, write);
        }
        write.saturating_add(run_len)
    }

    /// The entry for `vote_account`, if listed.
    pub fn find(
        &self,
        vote_account: &Address,
    ) -> Result<Option<&ValidatorStakeInfo>, ProgramError> {
        let entries = self.all_entries()?;
        Ok(position(entries, vote_account).map(|index| &entries[index]))
    }
}

/// Index of `vote_account`'s entry. The list is unordered, so this is a scan; it is the
/// hot loop of every lookup in a 20,000-entry list, so each entry costs one unaligned 8-byte
/// load and compare, and only a match on those bytes compares the whole address.
#[inline(always)]
fn position(entries: &[ValidatorStakeInfo], vote_account: &Address) -> Option<usize> {
    let key = prefix(vote_account);
    entries.iter().position(|entry| {
        prefix(&entry.vote_account_address) == key && entry.vote_account_address == *vote_account
    })
}

/// The first 8 bytes of an address as one word.
#[inline(always)]
fn prefix(address: &Address) -> u64 {
    // SAFETY: an address is 32 readable bytes; the read is explicitly unaligned.
    unsafe { core::ptr::read_unaligned(address.as_ref().as_ptr() as *const u64) }
}

/// A little-endian u64 field read in one unaligned load (entries sit at 73-byte strides).
#[inline(always)]
fn read_u64(field: &[u8; 8]) -> u64 {
    // SAFETY: the field is 8 readable bytes; the read is explicitly unaligned.
    u64::from_le(unsafe { core::ptr::read_unaligned(field.as_ptr() as *const u64) })
}
