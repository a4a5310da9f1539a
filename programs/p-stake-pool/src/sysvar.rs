//! Sysvars, read through the `sol_get_sysvar` syscall so nobody can hand the program a fake.

use pinocchio::{error::ProgramError, sysvars::get_sysvar};

use crate::ids::{CLOCK_SYSVAR, EPOCH_REWARDS_SYSVAR, RENT_SYSVAR};

/// Bytes of account metadata the rent formula charges for on top of the data.
const ACCOUNT_STORAGE_OVERHEAD: u64 = 128;

/// The current epoch (`Clock::epoch`, at byte 16 of the clock).
#[inline(always)]
pub fn current_epoch() -> Result<u64, ProgramError> {
    let mut epoch = [0u8; 8];
    get_sysvar(&mut epoch, &CLOCK_SYSVAR, 16)?;
    Ok(u64::from_le_bytes(epoch))
}

/// Minimum balance for an account of `data_len` bytes to be rent-exempt, computed as the
/// runtime computes it: (128 + len) * lamports_per_byte * threshold, where the threshold is 2.0
/// today and 1.0 after SIMD-0194 (both without floating point), anything else in f64.
#[inline]
pub fn rent_exempt_minimum(data_len: usize) -> Result<u64, ProgramError> {
    let mut rent = [0u8; 16];
    get_sysvar(&mut rent, &RENT_SYSVAR, 0)?;
    let mut lamports_per_byte = [0u8; 8];
    lamports_per_byte.copy_from_slice(&rent[..8]);
    let mut threshold = [0u8; 8];
    threshold.copy_from_slice(&rent[8..]);
    let lamports_per_byte = u64::from_le_bytes(lamports_per_byte);
    let base = (data_len as u64)
        .checked_add(ACCOUNT_STORAGE_OVERHEAD)
        .and_then(|bytes| bytes.checked_mul(lamports_per_byte))
        .ok_or(ProgramError::InvalidArgument)?;
    const ONE: [u8; 8] = 1.0f64.to_le_bytes();
    const TWO: [u8; 8] = 2.0f64.to_le_bytes();
    match threshold {
        ONE => Ok(base),
        TWO => base.checked_mul(2).ok_or(ProgramError::InvalidArgument),
        other => {
            let scaled = base as f64 * f64::from_le_bytes(other);
            Ok(scaled as u64)
        }
    }
}

/// Whether partitioned epoch rewards are still being paid (`EpochRewards::active`, byte 80).
/// Stake balances move during that window, so the pool must not snapshot them.
#[inline]
pub fn epoch_rewards_active() -> Result<bool, ProgramError> {
    let mut active = [0u8; 1];
    get_sysvar(&mut active, &EPOCH_REWARDS_SYSVAR, 80)?;
    Ok(active[0] != 0)
}
