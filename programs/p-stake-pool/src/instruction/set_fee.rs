//! `SetFee` (tag 12): changes one of the pool's seven fees.
//!
//! Accounts:
//!   0. `[w]` Stake pool
//!   1. `[s]` Manager
//!
//! Data: `FeeType`: tag u8, then a referral percent u8 (tags 0, 1) or a `Fee` (tags 2-6).
//!
//! Epoch and withdrawal fees take effect two epoch boundaries later, so holders always see a
//! change coming and can leave first; withdrawal fees may also only grow by x1.5 and by 0.5
//! percentage points per change. Deposit and referral fees apply at once: depositors protect
//! themselves with the `*WithSlippage` instructions.

use crate::instruction::Invocation;
use pinocchio::{error::ProgramError, ProgramResult};

use super::{
    checks::{check_manager, check_owner},
    DataReader,
};
use crate::{
    error::StakePoolError,
    log,
    math::Fee,
    state::stake_pool::{load_pool, FutureFee, StakePoolTail},
    sysvar,
};

/// The fee being set, as encoded in `FeeType`.
enum FeeChange {
    SolReferral(u8),
    StakeReferral(u8),
    Epoch(Fee),
    StakeWithdrawal(Fee),
    SolDeposit(Fee),
    StakeDeposit(Fee),
    SolWithdrawal(Fee),
}

impl FeeChange {
    fn parse(data: &[u8]) -> Result<Self, ProgramError> {
        let mut reader = DataReader::new(data);
        let change = match reader.u8()? {
            0 => Self::SolReferral(reader.u8()?),
            1 => Self::StakeReferral(reader.u8()?),
            2 => Self::Epoch(reader.fee()?),
            3 => Self::StakeWithdrawal(reader.fee()?),
            4 => Self::SolDeposit(reader.fee()?),
            5 => Self::StakeDeposit(reader.fee()?),
            6 => Self::SolWithdrawal(reader.fee()?),
            _ => return Err(ProgramError::BorshIoError),
        };
        reader.finish()?;
        Ok(change)
    }

    fn is_delayed(&self) -> bool {
        matches!(
            self,
            Self::Epoch(_) | Self::StakeWithdrawal(_) | Self::SolWithdrawal(_)
        )
    }

    fn is_above_100_percent(&self) -> bool {
        match self {
            Self::SolReferral(percent) | Self::StakeReferral(percent) => *percent > 100,
            Self::Epoch(fee)
            | Self::StakeWithdrawal(fee)
            | Self::SolDeposit(fee)
            | Self::StakeDeposit(fee)
            | Self::SolWithdrawal(fee) => fee.is_above_100_percent(),
        }
    }
}

/// A withdrawal fee may only rise within the caps, measured from the fee in force now.
fn check_withdrawal_fee_increase(new_fee: &Fee, current: &Fee) -> Result<(), ProgramError> {
    match new_fee.is_allowed_withdrawal_fee_increase(current) {
        Some(true) => Ok(()),
        Some(false) => {
            log("Fee increase exceeds maximum allowed");
            Err(StakePoolError::FeeIncreaseTooHigh.into())
        }
        None => Err(StakePoolError::CalculationFailure.into()),
    }
}

#[inline(never)]
pub fn process(
    Invocation {
        program_id,
        accounts,
        data,
    }: Invocation<'_>,
) -> ProgramResult {
    let change = FeeChange::parse(data)?;
    let [stake_pool, manager, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };

    let current_epoch = sysvar::current_epoch()?;
    check_owner(stake_pool, program_id)?;
    let (mut tail, last_update_epoch): (StakePoolTail, u64) = {
        let data = stake_pool.try_borrow()?;
        let (pool, tail) = load_pool(&data)?;
        check_manager(pool, manager)?;
        (tail, pool.last_update_epoch())
    };

    // A delayed fee counts its two boundaries from the last update: on a stale pool the
    // next update would rotate it at once, cutting the notice holders are owed.
    if change.is_delayed() && last_update_epoch < current_epoch {
        return Err(StakePoolError::StakeListAndPoolOutOfDate.into());
    }
    if change.is_above_100_percent() {
        log("Fee greater than 100%");
        return Err(StakePoolError::FeeTooHigh.into());
    }

    let mut data = stake_pool.try_borrow_mut()?;
    match change {
        FeeChange::SolReferral(percent) => tail.sol_referral_fee = percent,
        FeeChange::StakeReferral(percent) => tail.stake_referral_fee = percent,
        FeeChange::Epoch(fee) => tail.next_epoch_fee = FutureFee::Two(fee),
        FeeChange::StakeWithdrawal(fee) => {
            check_withdrawal_fee_increase(&fee, &tail.stake_withdrawal_fee)?;
            tail.next_stake_withdrawal_fee = FutureFee::Two(fee);
        }
        FeeChange::SolWithdrawal(fee) => {
            check_withdrawal_fee_increase(&fee, &tail.sol_withdrawal_fee)?;
            tail.next_sol_withdrawal_fee = FutureFee::Two(fee);
        }
        FeeChange::SolDeposit(fee) => tail.sol_deposit_fee = fee,
        FeeChange::StakeDeposit(fee) => tail.stake_deposit_fee = fee,
    }
    tail.encode(&mut data)
}
