//! Stake program instructions.

use pinocchio::{
    cpi::{invoke_signed, Signer},
    instruction::{InstructionAccount, InstructionView},
    AccountView, ProgramResult,
};

use crate::ids::STAKE_PROGRAM;

const WITHDRAW: u8 = 4;

/// `Withdraw { lamports }` (bincode: u32 tag 4, u64), signed by the pool's withdraw authority.
pub fn withdraw(
    stake: &AccountView,
    recipient: &AccountView,
    clock: &AccountView,
    stake_history: &AccountView,
    withdraw_authority: &AccountView,
    lamports: u64,
    signer: Signer,
) -> ProgramResult {
    let mut data = [0u8; 12];
    data[0] = WITHDRAW;
    data[4..].copy_from_slice(&lamports.to_le_bytes());
    invoke_signed(
        &InstructionView {
            program_id: &STAKE_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable(stake.address()),
                InstructionAccount::writable(recipient.address()),
                InstructionAccount::readonly(clock.address()),
                InstructionAccount::readonly(stake_history.address()),
                InstructionAccount::readonly_signer(withdraw_authority.address()),
            ],
        },
        &[stake, recipient, clock, stake_history, withdraw_authority],
        &[signer],
    )
}
