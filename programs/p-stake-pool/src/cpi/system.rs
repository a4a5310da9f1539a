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

/// Makes a PDA a stake account: `Allocate { space }` then `Assign { owner: stake program }`,
/// both signed with the PDA's seeds (its lamports arrive later, by a stake split).
pub fn allocate_and_assign_to_stake_program(
    account: &AccountView,
    space: u64,
    signer: pinocchio::cpi::Signer,
) -> ProgramResult {
    let mut allocate = [0u8; 12];
    allocate[0] = 8;
    allocate[4..].copy_from_slice(&space.to_le_bytes());
    pinocchio::cpi::invoke_signed(
        &InstructionView {
            program_id: &SYSTEM_PROGRAM,
            data: &allocate,
            accounts: &[InstructionAccount::writable_signer(account.address())],
        },
        &[account],
        core::slice::from_ref(&signer),
    )?;
    let mut assign = [0u8; 36];
    assign[0] = 1;
    assign[4..].copy_from_slice(crate::ids::STAKE_PROGRAM.as_ref());
    pinocchio::cpi::invoke_signed(
        &InstructionView {
            program_id: &SYSTEM_PROGRAM,
            data: &assign,
            accounts: &[InstructionAccount::writable_signer(account.address())],
        },
        &[account],
        &[signer],
    )
}

/// Creates a program-owned account at a PDA: tops it up to `lamports` from `payer` (so an
/// address someone pre-funded cannot be blocked), then `Allocate { space }` and
/// `Assign { owner }` signed with the PDA's seeds.
pub struct CreateProgramAccount<'a> {
    pub payer: &'a AccountView,
    pub account: &'a AccountView,
    pub lamports: u64,
    pub space: u64,
    pub owner: &'a pinocchio::Address,
}

impl CreateProgramAccount<'_> {
    pub fn invoke_signed(&self, signers: &[pinocchio::cpi::Signer]) -> ProgramResult {
        let shortfall = self.lamports.saturating_sub(self.account.lamports());
        if shortfall > 0 {
            transfer(self.payer, self.account, shortfall)?;
        }
        let mut allocate = [0u8; 12];
        allocate[0] = 8;
        allocate[4..].copy_from_slice(&self.space.to_le_bytes());
        pinocchio::cpi::invoke_signed(
            &InstructionView {
                program_id: &SYSTEM_PROGRAM,
                data: &allocate,
                accounts: &[InstructionAccount::writable_signer(self.account.address())],
            },
            &[self.account],
            signers,
        )?;
        let mut assign = [0u8; 36];
        assign[0] = 1;
        assign[4..].copy_from_slice(self.owner.as_ref());
        pinocchio::cpi::invoke_signed(
            &InstructionView {
                program_id: &SYSTEM_PROGRAM,
                data: &assign,
                accounts: &[InstructionAccount::writable_signer(self.account.address())],
            },
            &[self.account],
            signers,
        )
    }
}
