//! System program instructions.

use pinocchio::{
    cpi::invoke,
    instruction::{InstructionAccount, InstructionView},
    AccountView, ProgramResult,
};

use crate::ids::SYSTEM_PROGRAM;

/// `Transfer { lamports }` (bincode: u32 tag 2, u64) from a signing system account.
pub fn transfer(from: &AccountView, to: &AccountView, lamports: u64) -> ProgramResult {
    let mut data = [0u8; 12];
    data[0] = 2;
    data[4..].copy_from_slice(&lamports.to_le_bytes());
    invoke(
        &InstructionView {
            program_id: &SYSTEM_PROGRAM,
            data: &data,
            accounts: &[
                InstructionAccount::writable_signer(from.address()),
                InstructionAccount::writable(to.address()),
            ],
        },
        &[from, to],
    )
}
