//! One file per instruction, each telling its whole story: accounts by name, checks, state
//! change, CPIs. Tags and data layouts are the SPL stake pool's Borsh encoding.

pub mod add_validator_to_pool;
pub mod checks;
pub mod claim_unstake;
pub mod cleanup_removed_validator_entries;
pub mod create_token_metadata;
pub mod decrease_validator_stake;
pub mod deposit_sol;
pub mod deposit_stake;
pub mod increase_validator_stake;
pub mod initialize;
pub mod remove_validator_from_pool;
pub mod request_unstake;
pub mod set_fee;
pub mod set_funding_authority;
pub mod set_manager;
pub mod set_preferred_validator;
pub mod set_staker;
pub mod update_stake_pool_balance;
pub mod update_token_metadata;
pub mod update_validator_list_balance;
pub mod withdraw_sol;
pub mod withdraw_stake;

use pinocchio::{error::ProgramError, AccountView, Address};

use crate::math::Fee;

/// One invocation of the program: its own id, the accounts and the instruction data after
/// the tag. Each instruction's `process` takes it as one struct (passed by reference in the
/// machine code) and is never inlined, so every instruction runs in its own 4 KiB stack frame
/// and no call takes more than the five arguments SBPF v0 passes in registers (a sixth would
/// go through the stack, which faults in mainnet's stack-frame gaps; see `cpi::stake`).
pub struct Invocation<'a> {
    pub program_id: &'a Address,
    pub accounts: &'a mut [AccountView],
    pub data: &'a [u8],
}

pub use p_stake_pool_interface::instruction::tag;

/// Borsh reader over instruction data (after the tag). Like `try_from_slice`, it fails on
/// short data, on invalid enum/bool bytes and when bytes are left over.
pub struct DataReader<'a> {
    data: &'a [u8],
}

impl<'a> DataReader<'a> {
    #[inline(always)]
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    #[inline(always)]
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ProgramError> {
        if self.data.len() < N {
            return Err(ProgramError::BorshIoError);
        }
        let (head, rest) = self.data.split_at(N);
        self.data = rest;
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(head);
        Ok(bytes)
    }

    #[inline(always)]
    pub fn u8(&mut self) -> Result<u8, ProgramError> {
        Ok(self.take::<1>()?[0])
    }

    #[inline(always)]
    pub fn u32(&mut self) -> Result<u32, ProgramError> {
        Ok(u32::from_le_bytes(self.take()?))
    }

    #[inline(always)]
    pub fn u64(&mut self) -> Result<u64, ProgramError> {
        Ok(u64::from_le_bytes(self.take()?))
    }

    #[inline(always)]
    pub fn bool(&mut self) -> Result<bool, ProgramError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ProgramError::BorshIoError),
        }
    }

    /// A Borsh `String` (u32 length, UTF-8 bytes), returned still encoded: the metadata CPI
    /// forwards it byte for byte.
    #[inline(always)]
    pub fn encoded_string(&mut self) -> Result<&'a [u8], ProgramError> {
        let encoded = self.data;
        let length = u32::from_le_bytes(self.take()?) as usize;
        let text = self.data.get(..length).ok_or(ProgramError::BorshIoError)?;
        core::str::from_utf8(text).map_err(|_| ProgramError::BorshIoError)?;
        self.data = &self.data[length..];
        // Prefix and text: `length` fits, since the text did.
        Ok(&encoded[..length.saturating_add(4)])
    }

    /// Borsh `Option<Pubkey>`: 0, or 1 and 32 bytes.
    #[inline(always)]
    pub fn option_address(&mut self) -> Result<Option<pinocchio::Address>, ProgramError> {
        if self.bool()? {
            Ok(Some(pinocchio::Address::new_from_array(self.take()?)))
        } else {
            Ok(None)
        }
    }

    #[inline(always)]
    pub fn fee(&mut self) -> Result<Fee, ProgramError> {
        let denominator = self.u64()?;
        let numerator = self.u64()?;
        Ok(Fee {
            denominator,
            numerator,
        })
    }

    /// p-stake-pool's extension to `DepositStake` and `WithdrawStake`: an optional u32 index of
    /// the validator's list entry appended after the SPL data. SPL clients never send it; a
    /// wrong hint only costs the scan it would have saved. Anything else left over is an error.
    #[inline(always)]
    pub fn validator_index_hint(mut self) -> Result<Option<u32>, ProgramError> {
        if self.data.is_empty() {
            return Ok(None);
        }
        let hint = self.u32()?;
        self.finish()?;
        Ok(Some(hint))
    }

    /// Every byte must have been consumed.
    #[inline(always)]
    pub fn finish(self) -> Result<(), ProgramError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(ProgramError::BorshIoError)
        }
    }
}
