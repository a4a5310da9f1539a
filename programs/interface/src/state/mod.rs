//! Zero-copy views of the pool's own accounts: the stake pool and its validator list, byte for
//! byte the SPL stake pool 2.2.0 layouts.

pub mod stake_pool;
pub mod ticket;
pub mod validator_list;

use solana_program_error::ProgramError;

/// First byte of the pool's own accounts (Borsh enum `AccountType`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountType {
    Uninitialized = 0,
    StakePool = 1,
    ValidatorList = 2,
}

impl AccountType {
    /// Any other byte is not a valid encoding (the reference fails to deserialize it).
    #[inline(always)]
    pub fn from_byte(byte: u8) -> Result<Self, ProgramError> {
        match byte {
            0 => Ok(Self::Uninitialized),
            1 => Ok(Self::StakePool),
            2 => Ok(Self::ValidatorList),
            _ => Err(ProgramError::BorshIoError),
        }
    }
}

/// Little-endian u64 from the first eight bytes of `bytes` (callers pass exactly eight).
#[inline(always)]
pub fn read_u64(bytes: &[u8]) -> u64 {
    let mut buffer = [0u8; 8];
    buffer.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(buffer)
}
